"""Read a records inventory: map headers, parse every cell, set bad rows aside with their reasons."""

from __future__ import annotations

import concurrent.futures as cf
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sohoa_lib.common.flags import parse_flag
from sohoa_lib.common.text import key
from sohoa_lib.common.vndates import PartialDate, parse_vn_date
from sohoa_lib.common.workers import in_background
from sohoa_lib.errors import InputError
from sohoa_lib.records import codes
from sohoa_lib.records._cells import Distinct, parse_count
from sohoa_lib.records._columns import Column, columns, map_headers
from sohoa_lib.records._rows import (
    ENCODING_COLUMNS,
    blank_cells,
    check_file_codes,
    drop_non_files,
    identify,
    read_legacy,
    shown,
    split_period,
    text_cells,
)
from sohoa_lib.records._sheet import Sheet, read_sheet
from sohoa_lib.records.arrow import (
    arrow_strings,
    is_in,
    non_ascii_text,
    plain_text,
    quiet_memory_pool,
)

__all__ = ["Column", "InventoryTable", "columns", "normalise", "read_inventory"]

# Columns every later step relies on, in the order of the tidy table.
TIDY_COLUMNS = (
    "dong", "ma_ho_so", "tieu_de", "nhom", "don_vi", "thoi_gian_bat_dau", "thoi_gian_ket_thuc",
    "nam_bat_dau", "nam_ket_thuc", "thoi_han_bao_quan", "so_to", "so_trang", "tinh_trang_vat_ly",
    "che_do_su_dung", "ngon_ngu", "so_luot_khai_thac", "da_chinh_ly", "mat", "qppl",
    "da_co_dien_tu", "ghi_chu", "phong", "muc_luc", "ho_so_so", "hop", "trang_uoc_tinh",
)  # fmt: skip
REJECTED_COLUMNS = ("dong", "ma_ho_so", "cot", "gia_tri", "loi")
ELIGIBILITY_FLAGS = ("da_chinh_ly", "mat", "qppl", "da_co_dien_tu")


@dataclass(frozen=True)
class InventoryTable:
    """A normalised inventory: the good rows, the rows set aside with every reason, and how it was read."""

    files: pd.DataFrame
    """One row per file, columns TIDY_COLUMNS; `dong` is the row number in the spreadsheet."""
    rejected: pd.DataFrame
    """One row per problem: dong, ma_ho_so, cot (header as typed), gia_tri, loi."""
    source: str
    """File name the table came from."""
    ignored_headers: tuple[str, ...]
    """Headers that matched no known column (kept out, reported)."""
    header_rows: tuple[int, ...] = (1,)
    """Spreadsheet row(s) taken as the header."""
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Optional columns absent from the sheet (label → report tables that lack them)."""
    unknown_rules: tuple[str, ...] = ()
    """Eligibility facts neither the sheet nor the params give: no file is eligible on them."""
    declared: tuple[str, ...] = ()
    """Facts taken from the title rows or the unit's params instead of a column, one sentence each."""
    composed: str = ""
    """How the mã hồ sơ was composed, when the sheet has no such column."""
    encoding: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ENCODING_COLUMNS))
    """Cells converted from a legacy encoding (TCVN3, VNI, VISCII), and those left in doubt."""
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["dong", "loai"]))
    """Rows that are not files (blank, totals, group headings), with what they are."""
    file_format: str = ""
    """Encoding and delimiter of a CSV, or the reader of a workbook."""


def read_inventory(path: Path, facts: object | None = None) -> InventoryTable:
    """Read and normalise an inventory file (CSV or XLSX); `facts` are the unit's declarations."""
    quiet_memory_pool()
    sheet = read_sheet(path)
    return normalise(sheet.frame, source=path.name, sheet=sheet, facts=facts)


def normalise(
    raw: pd.DataFrame, source: str, *, sheet: Sheet | None = None, facts: object | None = None
) -> InventoryTable:
    """Parse a raw table (cells as typed) into the tidy inventory and its rejected rows."""
    mapping, ignored = map_headers([str(c) for c in raw.columns])
    header_of = {v: k for k, v in mapping.items()}
    rows = sheet.rows if sheet is not None else np.arange(2, len(raw) + 2)  # row 1: headers
    raw = raw.set_axis([str(c) for c in raw.columns], axis=1).rename(columns=mapping)
    raw = raw[list(mapping.values())].reset_index(drop=True)
    raw, rows, skipped = drop_non_files(raw, rows)
    # Columns holding text beyond ASCII are factorised once, here: the legacy-encoding check
    # reads their distinct values, and the column loop below their codes.
    distinct = {c: Distinct.of(raw[c]) for c in raw if non_ascii_text(raw[c])}
    raw, encoding = read_legacy(raw, rows, header_of, distinct)
    split_period(raw, header_of)
    declared: list[str] = []
    composed = identify(raw, source, sheet, facts, header_of, declared)
    n = len(raw)
    out: dict[str, object] = {"dong": np.array(rows)}  # a copy: the table is built on `out`
    problems: list[pd.DataFrame] = []

    def problem(mask: np.ndarray, column: str, message: np.ndarray | str) -> None:
        if not mask.any():
            return
        problems.append(
            pd.DataFrame(
                {
                    "pos": np.flatnonzero(mask),
                    "cot": header_of.get(column, columns()[column].label),
                    "gia_tri": raw[column][mask].map(shown).to_numpy() if column in raw else "",
                    "loi": message if isinstance(message, str) else message[mask],
                }
            )
        )

    missing = {
        c.label: c.tables
        for c in columns().values()
        if c.name not in raw and c.tables and c.name != "so_to"
    }
    if "so_trang" not in raw and "so_to" not in raw:
        raise InputError(
            f"{source}: không có cột 'Số lượng trang' hay 'Số lượng tờ': cần một trong hai để "
            "tính khối lượng và lựa chọn"
        )
    unknown: list[str] = []
    dates: dict[str, Distinct] = {}
    distinct_codes: cf.Future[bool] | None = None
    for col in columns().values():
        present = col.name in raw
        # A text column of plain ASCII (codes, numbers) is finished by Arrow, row by row: its
        # values are often all distinct, and factorising them would only add work.
        ascii_text = plain_text(raw[col.name]) if present and col.kind == "text" else None
        cells = None
        if ascii_text is None:
            cells = distinct.pop(col.name, None) if present else Distinct.blank(n)
            cells = cells if cells is not None else Distinct.of(raw[col.name])
        if col.required and not present:
            raise InputError(
                f"{source}: không có cột {col.label!r} (cần cho điều kiện số hóa); tên cột có thể "
                "là " + ", ".join(repr(a) for a in col.aliases[:4])
            )
        if present and (col.required or col.name in ("ma_ho_so", "so_trang")):
            if cells is None:
                blank = ascii_text.isna().to_numpy(dtype=bool)
            else:
                blank = cells.take_bools(blank_cells(cells.uniques), blank=True)
            lacking = "thiếu giá trị bắt buộc"
            if composed and col.name == "ma_ho_so":
                lacking = "không ghép được mã hồ sơ: thiếu Phông số, Hồ sơ số hoặc năm"
            problem(blank.astype(bool), col.name, lacking)
        if col.kind == "period":
            continue  # split into thoi_gian_bat_dau and thoi_gian_ket_thuc above
        if col.kind == "text":
            out[col.name] = (
                ascii_text if cells is None else cells.take_text(text_cells(cells.uniques))
            )
            if col.name == "ma_ho_so":
                # Hashing a million codes is Arrow's work, outside the GIL: it runs on another
                # core while this loop parses the other columns in Python (0.3 s, issue 15).
                distinct_codes = in_background(_all_distinct, out["ma_ho_so"])
            continue
        if col.kind == "flag" and col.name in ELIGIBILITY_FLAGS and not present:
            value = getattr(facts, col.name, None)
            if value is None:
                unknown.append(col.label)
            else:
                declared.append(f"{col.label}: {'có' if value else 'không'} (khai báo trong tham số, "
                                "áp dụng cho mọi hồ sơ của mục lục)")  # fmt: skip
            out[col.name] = np.full(n, value, dtype=object)
            continue
        parser = _PARSERS[col.kind] if col.kind != "code" else partial(codes.parse_code, col.codes)
        values, errors = cells.parse(parser)
        if col.name == "thoi_han_bao_quan":
            # "Chưa xác định" is a value, not an error: the file is just not eligible.
            words = codes.undetermined(col.codes)
            undetermined = cells.derive(lambda v, words=words: key(str(v)) in words)
            errors[undetermined.astype(bool)] = ""
        failed = cells.take_bools(errors != "", blank=False)
        if failed.any():
            problem(failed, col.name, cells.take(errors, blank=""))
        if col.kind == "date":
            dates[col.name] = cells.with_values(values)
        elif col.kind == "flag":
            # A blank cell in a yes/no column is how archivists write "no"; a missing column is not.
            values[pd.isna(values)] = False
            out[col.name] = cells.take(values, blank=False)
        elif col.kind == "count":
            # Nullable integers straight from the distinct counts: no million Python ints to
            # compare and convert afterwards.
            numbers, known = cells.with_values(values).take_numbers(int)
            out[col.name] = pd.arrays.IntegerArray(numbers, ~known)
        else:
            out[col.name] = cells.take_text(values)
    if "thoi_han_bao_quan" not in raw:
        unknown.append(columns()["thoi_han_bao_quan"].label)

    bad_code = check_file_codes(pd.Series(out["ma_ho_so"]))
    problem(bad_code != "", "ma_ho_so", bad_code)
    _dates(out, dates, problem, n)
    out["trang_uoc_tinh"] = np.zeros(n, dtype=bool)
    if "so_trang" not in raw:
        # A mục lục counts sheets (tờ), not pages: two pages a sheet, stated in the report.
        sheets = out["so_to"]
        out["so_trang"] = sheets * 2
        out["trang_uoc_tinh"] = ~sheets.isna()
        problem(sheets.isna(), "so_to", "thiếu số tờ: không tính được khối lượng")
    problem(
        (out["so_trang"] == 0).fillna(False).to_numpy(bool), "so_trang", "số trang phải lớn hơn 0"
    )
    if not (distinct_codes is not None and distinct_codes.result()):
        _duplicates(out, problem, n)

    # Every array in `out` was made here for the table: building it without copying them saves
    # a copy of a million rows of objects (0.3 s, issue 15).
    frame = pd.DataFrame(out, copy=False)
    rejected = _rejected_table(problems, frame, sheet.bad_rows if sheet is not None else ())
    drop = [p for p in rejected["pos"].unique() if p >= 0]
    good = frame.drop(index=drop) if drop else frame
    good = good.assign(
        mat=_secret(good["mat"], good["che_do_su_dung"]),
        so_luot_khai_thac=good["so_luot_khai_thac"].fillna(0).astype("int64"),
        so_trang=good["so_trang"].astype("int64"),
        so_to=good["so_to"].astype("Int64"),
        nam_bat_dau=good["nam_bat_dau"].astype("int64"),
        nam_ket_thuc=good["nam_ket_thuc"].astype("int64"),
    )
    if "mat" not in raw and "che_do_su_dung" in raw and "Tài liệu mật" in unknown:
        unknown.remove("Tài liệu mật")  # chế độ sử dụng says it per row; blank cells stay unknown
    return InventoryTable(
        files=good.loc[:, list(TIDY_COLUMNS)].reset_index(drop=True),
        rejected=rejected.drop(columns="pos").loc[:, list(REJECTED_COLUMNS)],
        source=source,
        ignored_headers=ignored,
        header_rows=sheet.header_rows if sheet is not None else (1,),
        missing=missing,
        unknown_rules=tuple(unknown),
        declared=tuple(declared),
        composed=composed,
        encoding=_with_header_cells(encoding, sheet),
        skipped=pd.DataFrame(
            [*(sheet.skipped if sheet is not None else ()), *skipped], columns=["dong", "loai"]
        ),
        file_format=_format(sheet),
    )


def _dates(out: dict, dates: dict, problem, n: int) -> None:
    start, end = dates["thoi_gian_bat_dau"], dates["thoi_gian_ket_thuc"]
    # A blank end means the file was closed in the period it was opened.
    start_year, first, has_start = start.take_numbers(_year, _first_day)
    end_year, last, has_end = end.take_numbers(_year, _last_day)
    no_end = ~has_end
    # Years as nullable integers, dates as Arrow text: the table is built without turning a
    # million years and dates into Python objects and back.
    out["nam_bat_dau"] = pd.arrays.IntegerArray(start_year, ~has_start)
    out["nam_ket_thuc"] = pd.arrays.IntegerArray(
        np.where(no_end, start_year, end_year), no_end & ~has_start
    )
    out["thoi_gian_bat_dau"] = start.take_text(start.derive(PartialDate.iso))
    out["thoi_gian_ket_thuc"] = _either(
        no_end, out["thoi_gian_bat_dau"], end.take_text(end.derive(PartialDate.iso))
    )
    # Only a row with both ends can end before it starts: without an end, the end is the
    # start's own last day, never before its first.
    later = has_start & has_end & (last < first)
    problem(later, "thoi_gian_ket_thuc", "kết thúc trước thời gian bắt đầu")


def _first_day(d: PartialDate) -> int:
    return d.first_day().toordinal()


def _last_day(d: PartialDate) -> int:
    return d.last_day().toordinal()


def _either(where: np.ndarray, yes, no):
    """Per row, `yes` where `where` holds and `no` elsewhere (text columns or object arrays)."""
    yes_text, no_text = arrow_strings(pd.Series(yes)), arrow_strings(pd.Series(no))
    if yes_text is not None and no_text is not None:
        return pd.Series(pc.if_else(pa.array(where), yes_text, no_text), dtype="str")
    rows = np.where(where, pd.Series(yes, dtype=object), pd.Series(no, dtype=object))
    rows[pd.isna(rows)] = None  # a blank date is None, as the per-value results have it
    return rows


def _all_distinct(codes: object) -> bool:
    """Whether no code repeats, when the codes are Arrow text (False: not known)."""
    # Codes are almost always all distinct: one Arrow hash of them says so, a third of what
    # `duplicated` costs on a million rows; only when some repeat are they found one by one.
    data = arrow_strings(pd.Series(codes, copy=False))
    return data is not None and len(pc.unique(data).drop_null()) == len(data) - data.null_count


def _duplicates(out: dict, problem, n: int) -> None:
    ma = pd.Series(out["ma_ho_so"])
    dup = (ma.notna() & ma.duplicated(keep="first")).to_numpy(dtype=bool)
    if dup.any():
        first_row = pd.Series(out["dong"]).groupby(ma).transform("first").to_numpy()
        messages = np.full(n, "", dtype=object)
        messages[dup] = [f"mã hồ sơ trùng với dòng {int(r)}" for r in first_row[dup]]
        problem(dup, "ma_ho_so", messages)


def _secret(flag: pd.Series, access: pd.Series) -> np.ndarray:
    """State secret: the flag or chế độ sử dụng 03; unknown (None) when neither says."""
    # The flag's cells compared as objects (as `Series.eq` does), the codes by Arrow: turning a
    # million codes into Python strings cost more than the whole test.
    flag = flag.to_numpy(dtype=object)
    secret = (flag == True) | is_in(access, ["03"])  # noqa: E712 (True, not truthy)
    not_secret = (flag == False) | is_in(access, ["01", "02"])  # noqa: E712
    return np.where(secret, True, np.where(not_secret, False, None)).astype(object)


_PARSERS = {"date": parse_vn_date, "flag": parse_flag, "count": parse_count}


def _year(d: PartialDate) -> int:
    return d.year


def _with_header_cells(table: pd.DataFrame, sheet: Sheet | None) -> pd.DataFrame:
    if sheet is None or not sheet.converted:
        return table
    head = pd.DataFrame(
        [(r, "(tiêu đề)", a, b, e, "") for r, a, b, e in sheet.converted], columns=ENCODING_COLUMNS
    )
    return pd.concat([head, table], ignore_index=True) if len(table) else head


def _format(sheet: Sheet | None) -> str:
    if sheet is None:
        return ""
    if sheet.encoding:
        names = {",": "dấu phẩy", ";": "dấu chấm phẩy", "\t": "tab", "|": "dấu |"}
        return f"CSV, bảng mã {sheet.encoding}, phân cách bằng {names[sheet.delimiter]}"
    return f"Bảng tính Excel, {sheet.sheet_name} (đọc bằng calamine)"


def _rejected_table(problems: list[pd.DataFrame], frame: pd.DataFrame, bad_rows=()) -> pd.DataFrame:
    if not problems and not bad_rows:
        return pd.DataFrame(columns=["pos", *REJECTED_COLUMNS])
    parts = []
    if problems:
        table = pd.concat(problems, ignore_index=True)
        table["dong"] = frame["dong"].to_numpy()[table["pos"]]
        codes_ = frame["ma_ho_so"].take(table["pos"].to_numpy())
        table["ma_ho_so"] = pd.Series(codes_, dtype=object).to_numpy()
        parts.append(table)
    if bad_rows:
        # Lines the reader could not split: no position in the frame, nothing to drop.
        parts.append(pd.DataFrame(
            [(-1, row, None, "(cả dòng)", "", why) for row, why in bad_rows],
            columns=["pos", *REJECTED_COLUMNS],
        ))  # fmt: skip
    table = pd.concat(parts, ignore_index=True)
    return table.sort_values(["dong", "cot"], kind="stable").reset_index(drop=True)
