"""The Arrow fast paths of stage 1 give exactly what the per-cell Python code they replace gave."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sohoa_lib.common import csvwrite
from sohoa_lib.common.csvwrite import write_table_csv
from sohoa_lib.common.files import write_csv
from sohoa_lib.handover.inventory import _FORMULA_START, spreadsheet_safe
from sohoa_lib.records import codes
from sohoa_lib.records._cells import Distinct
from sohoa_lib.records._rows import _is_total, _per_value, _totals, check_file_codes, text_cells
from sohoa_lib.records.arrow import factorize, is_in, non_ascii_strings, sort_order

CELLS = ["Đơn vị", None, "a", "Đơn vị", "TTLT.2001.5", "", "a", None, "Tổng cộng", "=1+1"]
# Text as archivists' files hold it: Vietnamese in NFC and NFD, CSV's own characters, formulas,
# whitespace a strip removes, and the NUL the one-call normalisation joins on.
TEXT = st.text(
    alphabet=st.sampled_from(list('aĐơnvịệ,"\n\r =+-@\t;\u0300\u0323\u00a0\x00.-_Zz09')),
    max_size=12,
)


def _str_series(values) -> pd.Series:
    return pd.Series(values, dtype="str")


def test_factorize_of_arrow_text_is_pandas_factorize_of_objects():
    column = _str_series(CELLS)
    codes_, uniques = factorize(column)
    want_codes, want_uniques = pd.factorize(column.astype(object), use_na_sentinel=True)
    assert codes_.tolist() == want_codes.tolist()
    assert list(uniques) == list(want_uniques)
    assert all(type(u) is str for u in uniques)


def test_membership_distinct_values_and_non_ascii_on_arrow_text_match_python():
    column = _str_series(CELLS)
    wanted = {"a", "Đơn vị", None}
    assert is_in(column, wanted).tolist() == [v in ("a", "Đơn vị") for v in CELLS]
    assert is_in(column.astype(object), wanted).tolist() == is_in(column, wanted).tolist()
    assert sorted(non_ascii_strings(column)) == ["Tổng cộng", "Đơn vị"]
    assert _totals(column).tolist() == _per_value(column, _is_total).tolist()
    assert _totals(column).sum() == 1


def test_sort_order_is_the_stable_pandas_sort_with_blanks_last():
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame(
        {
            "use": rng.integers(0, 4, n),
            "perm": rng.integers(0, 2, n).astype(bool),
            "start": _str_series(
                [None if rng.random() < 0.1 else f"19{rng.integers(90, 99)}" for _ in range(n)]
            ),
            "code": _str_series([f"HS.{rng.integers(0, 50)}" for _ in range(n)]),
        }
    )
    want = frame.sort_values(
        ["use", "perm", "start", "code"], ascending=[False, False, True, True], kind="stable"
    ).index.to_numpy()
    got = sort_order(
        [
            (frame["use"], True),
            (frame["perm"], True),
            (frame["start"], False),
            (frame["code"], False),
        ]
    )
    assert got.tolist() == want.tolist()


def test_sort_order_with_descending_text_and_blanks_is_the_stable_pandas_sort():
    rng = np.random.default_rng(11)
    n = 300
    frame = pd.DataFrame(
        {
            "place": _str_series([None if rng.random() < 0.2 else f"Đ{rng.integers(0, 9)}" for _ in range(n)]),
            "use": rng.integers(-2, 3, n),
            "start": _str_series([None if rng.random() < 0.1 else f"19{rng.integers(90, 93)}" for _ in range(n)]),
            "code": _str_series([f"HS.{rng.integers(0, 40)}" for _ in range(n)]),
        }
    )  # fmt: skip
    want = frame.sort_values(
        ["place", "use", "start", "code"], ascending=[False, True, False, True], kind="stable"
    ).index.to_numpy()
    got = sort_order(
        [
            (frame["place"], True),
            (frame["use"], False),
            (frame["start"], True),
            (frame["code"], False),
        ]
    )
    assert got.tolist() == want.tolist()


def _escaped_per_cell(frame: pd.DataFrame) -> pd.DataFrame:
    def escape(value):
        return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value

    return frame.assign(
        **{c: frame[c].map(escape) for c in frame.columns if frame[c].dtype != bool}
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=20))
def test_arrow_csv_is_byte_for_byte_what_pandas_writes(tmp_path_factory, cells):
    folder = tmp_path_factory.mktemp("csv")
    frame = pd.DataFrame(
        {
            "tiêu đề": _str_series(cells),
            "objects": pd.Series(cells, dtype=object),
            "flag": [bool(i % 2) for i in range(len(cells))],
            "count": pd.array([None if i % 3 else i for i in range(len(cells))], dtype="Int64"),
            "row, number": np.arange(len(cells), dtype=np.int64) - 3,
        }
    )
    frame = spreadsheet_safe(frame)
    assert frame.astype(object).equals(_escaped_per_cell(frame).astype(object))
    write_table_csv(folder / "fast.csv", frame)
    write_csv(folder / "pandas.csv", frame)
    assert (folder / "fast.csv").read_bytes() == (folder / "pandas.csv").read_bytes()


def test_arrow_csv_written_in_batches_is_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(csvwrite, "_BATCH_ROWS", 3)
    cells = CELLS * 2 + ["x"]  # 21 rows: whole batches and a short last one
    frame = pd.DataFrame({"a": _str_series(cells), "n": np.arange(len(cells), dtype=np.int64)})
    write_table_csv(tmp_path / "fast.csv", frame)
    write_csv(tmp_path / "pandas.csv", frame)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_spreadsheet_safe_escapes_formulas_in_arrow_and_object_columns():
    frame = pd.DataFrame({"a": _str_series(CELLS), "b": pd.Series(CELLS, dtype=object)})
    safe = spreadsheet_safe(frame)
    assert safe["a"].tolist()[-1] == "'=1+1" and safe["b"].tolist()[-1] == "'=1+1"
    assert safe["a"].dtype == frame["a"].dtype
    assert safe.astype(object).equals(_escaped_per_cell(frame).astype(object))


def test_a_column_of_another_kind_is_written_by_pandas(tmp_path):
    frame = pd.DataFrame({"x": [1.5, None, 2.0], "y": ["a", "b,c", None]})
    write_table_csv(tmp_path / "fast.csv", frame)
    write_csv(tmp_path / "pandas.csv", frame)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(TEXT, st.floats(allow_nan=False, width=32), st.none()), max_size=15))
def test_text_cells_in_one_call_equal_text_cell_one_at_a_time(values):
    from sohoa_lib.records._rows import text_cell

    array = np.empty(len(values), dtype=object)
    array[:] = values
    want = [None if v is None else text_cell(v) for v in array]
    assert list(text_cells(array)) == want


def test_text_cells_recompose_vietnamese_typed_decomposed():
    decomposed = unicodedata.normalize("NFD", " Hồ sơ nhân sự ")
    assert list(text_cells(np.array([decomposed, "  "], dtype=object))) == ["Hồ sơ nhân sự", None]


def test_file_codes_checked_by_arrow_give_the_checks_own_messages():
    cells = ["TTLT.2001.15", "-x", "a..b", "a" * 65, "Đ.1", "a b", "a\n", "x_1-2", None, "0"]
    for column in (_str_series(cells), pd.Series(cells, dtype=object)):
        got = check_file_codes(column).tolist()
        assert got == [codes.check_file_code(v) if isinstance(v, str) else "" for v in cells]
    assert got[0] == "" and all(got[i] for i in (1, 2, 3, 5, 6))


def test_take_text_is_take_as_an_arrow_str_column():
    cells = Distinct.of(_str_series(CELLS))
    per = np.array([f"<{u}>" for u in cells.uniques], dtype=object)
    taken = cells.take_text(per)
    assert isinstance(taken, pd.Series) and taken.dtype == "str"
    assert taken.astype(object).where(taken.notna(), None).tolist() == cells.take(per).tolist()
    numbers = np.array(range(len(cells.uniques)), dtype=object)
    assert cells.take_text(numbers).tolist() == cells.take(numbers).tolist()


def test_blank_cells_are_those_python_strips_to_nothing():
    import sys

    from sohoa_lib.records._rows import blank_cells

    every = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF]
    values = np.array([*every, "", " \u3000\t", " a ", 12.0, None], dtype=object)
    want = [None if v is None else not str(v).strip() for v in values]
    assert blank_cells(values).tolist() == want


def test_labelled_joins_the_names_of_each_rows_bits():
    from sohoa_lib.records.arrow import labelled

    got = labelled(np.array([0, 5, 1, 5]), ["a", "b", "c"], pd.Index([10, 11, 12, 13]))
    assert got.tolist() == ["", "a; c", "a", "a; c"] and got.index.tolist() == [10, 11, 12, 13]
    assert labelled(np.array([], dtype=np.int64), ["a"], pd.RangeIndex(0)).tolist() == []


def test_plain_ascii_text_is_finished_by_arrow_as_text_cell_would():
    from sohoa_lib.records._rows import text_cell
    from sohoa_lib.records.arrow import plain_text

    cells = [" HS.1 ", None, "\x1c\t", "a b", "HS.1", "x\x0b", ""]
    got = plain_text(_str_series(cells))
    want = [None if v is None else text_cell(v) for v in cells]
    assert got.dtype == "str"
    assert got.astype(object).where(got.notna(), None).tolist() == want
    assert plain_text(_str_series(["Đơn vị", "a"])) is None  # not ASCII: the NFC path
    assert plain_text(pd.Series(["a"], dtype=object)) is None


def test_starts_with_any_single_characters_and_longer_prefixes():
    from sohoa_lib.records.arrow import starts_with_any

    cells = ["=1", "+2", "a", None, "\t3", "\r4", "-5", "@6", "x=", "ab"]
    data = _str_series(cells).array._pa_array
    want = [isinstance(v, str) and v.startswith(_FORMULA_START) for v in cells]
    assert starts_with_any(data, _FORMULA_START).tolist() == want
    assert starts_with_any(data, ("ab", "x")).tolist() == [v in ("x=", "ab") for v in cells]
    assert starts_with_any(data, ("zz",)) is None
