"""Arrow's CSV reader gives the frame pandas' read_csv gave, or steps aside for pandas."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sohoa_lib.records._csvread import read_plain_csv, read_rows

LABELS = ["Mã hồ sơ", "Tiêu đề", "Ghi chú"]
CELL = st.text(alphabet=st.sampled_from(list('aĐơ,"\n\r ;\t\u0300x')), max_size=6)
TITLE = 'BẢO HIỂM XÃ HỘI,,\n\n"Phông số: 12, mục lục 3",,\nMã hồ sơ,Tiêu đề,Ghi chú\n'


def _pandas(path, skip, delimiter=",") -> pd.DataFrame:
    return pd.read_csv(
        path, sep=delimiter, encoding="utf-8-sig", header=None, skiprows=skip, names=LABELS,
        index_col=False, dtype=str, keep_default_na=False, na_values=[""],
        skip_blank_lines=False, encoding_errors="strict",
    )  # fmt: skip


def _quoted(cell: str, delimiter: str) -> str:
    """As a spreadsheet writes a cell: quoted when it holds the delimiter, a quote or a line end."""
    if any(c in cell for c in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _write(path, text: str) -> str:
    path.write_bytes(text.encode("utf-8-sig"))
    return text


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.one_of(st.lists(CELL, min_size=3, max_size=3), st.just([])), max_size=12),
    st.sampled_from([",", ";"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_arrow_reads_every_row_pandas_reads(tmp_path_factory, rows, delimiter, line_end):
    body = "".join(delimiter.join(_quoted(c, delimiter) for c in row) + line_end for row in rows)
    title = TITLE.replace(",", delimiter).replace("\n", line_end)
    path = tmp_path_factory.mktemp("csv") / "inventory.csv"
    text = _write(path, title + body)
    arrow = read_plain_csv(path, delimiter=delimiter, labels=LABELS, skip=4, sample=text)
    assert arrow is not None
    pd.testing.assert_frame_equal(arrow, _pandas(path, 4, delimiter))


def test_a_line_pandas_would_pad_or_set_aside_goes_to_pandas(tmp_path):
    path = tmp_path / "inventory.csv"
    for body in ("a,b,c\nshort,line\n", "a,b,c\nd,e,f,g\n", 'a,"open,c\n'):
        text = _write(path, TITLE + body)
        assert read_plain_csv(path, delimiter=",", labels=LABELS, skip=4, sample=text) is None
    text = _write(path, TITLE + "a,b,c\nd,e,f,g\n")
    frame, caught = read_rows(
        path, delimiter=",", encoding="utf-8-sig", labels=LABELS, skip=4, sample=text
    )
    assert frame["Mã hồ sơ"].tolist() == ["a"] and any("line 6" in str(w.message) for w in caught)


def test_title_rows_spanning_lines_or_bytes_not_utf8_go_to_pandas(tmp_path):
    path = tmp_path / "inventory.csv"
    text = _write(path, '"BẢO HIỂM\nXÃ HỘI",,\nMã hồ sơ,Tiêu đề,Ghi chú\na,b,c\n')
    assert read_plain_csv(path, delimiter=",", labels=LABELS, skip=2, sample=text) is None
    frame, _ = read_rows(
        path, delimiter=",", encoding="utf-8-sig", labels=LABELS, skip=2, sample=text
    )
    assert frame["Mã hồ sơ"].tolist() == ["a"]
    path.write_bytes(b"Ma,Ten,Ghi\na,\xff,c\n")
    assert (
        read_plain_csv(path, delimiter=",", labels=LABELS, skip=1, sample="Ma,Ten,Ghi\na,,c\n")
        is None
    )
