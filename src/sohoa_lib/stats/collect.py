"""Collect a unit's statistical report tables into one tidy, validated table of indicator values."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sohoa_lib.common.files import CSV_ENCODINGS
from sohoa_lib.common.text import key, nfc
from sohoa_lib.handover import read_summary, summary_value
from sohoa_lib.stats._checks import check_table, outliers
from sohoa_lib.stats.analysis import period_name
from sohoa_lib.stats.indicators import Definitions
from sohoa_lib.stats.tidy import COLUMNS, TOTAL, Problem, Sheet, cell_name

_NAME_HEADERS = {"chi tieu", "ten chi tieu", "noi dung", "noi dung chi tieu"}
_CODE_HEADERS = {"ma chi tieu", "ma so", "ma", "ma ct"}
_PERIOD_HEADERS = {"ky bao cao", "ky", "thoi gian", "ky bc"}
_TOTAL_HEADERS = {"tong so", "tong", "tong cong", "cong", "so lieu", "gia tri", "thuc hien"}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTER = re.compile(r"\bquy\s*(iv|iii|ii|i|[1-4])\s*(?:nam\s*)?(\d{4})\b")
_MONTH = re.compile(r"\bthang\s*(1[0-2]|0?[1-9])\s*(?:nam\s*)?(\d{4})\b")
_YEAR = re.compile(r"\bnam\s*(\d{4})\b")
_SUFFIXES = (".xlsx", ".xlsm", ".csv")


def parse_period(text: str) -> str | None:
    """`Quý III/2026` → `2026-Q3`, `Tháng 10/2026` → `2026-10`, `Năm 2025` → `2025`; else None."""
    folded = key(text)
    if m := _QUARTER.search(folded):
        quarter = _ROMAN.get(m.group(1)) or int(m.group(1))
        return f"{m.group(2)}-Q{quarter}"
    if m := _MONTH.search(folded):
        return f"{m.group(2)}-{int(m.group(1)):02d}"
    if m := _YEAR.search(folded):
        return m.group(1)
    return None


def parse_number(value: Any) -> float | None:
    """A cell as a number: Excel numbers as they are, text as Vietnamese (`1.234.567`, `12,5`) or
    English (`1,234,567.5`) writes it; None for a blank cell, ValueError when it is not a number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return float(value)
    text = nfc(str(value)).replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?|-?\d+,\d+", text):
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    return float(text)


def collect(
    folder: Path, unit: str, definitions: Definitions, *, outlier_change: float | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read every report table in `folder`, validate it, and return the tidy table and problems.

    A period reported a second time (in another file or sheet) is reported and left out, so
    nothing is counted twice; negative values are kept in the table but not compared over time.
    """
    problems: list[Problem] = []
    records: list[dict] = []
    seen_periods: dict[str, str] = {}
    for path in sorted(p for p in folder.iterdir() if _is_table(p)):
        for sheet, grid in _read_grids(path, problems):
            where = Sheet(path.name, sheet, problems)
            rows = _read_table(where, grid, unit, definitions)
            rows = _drop_repeated_periods(rows, seen_periods, where)
            check_table(rows, where, definitions)
            records += rows
    table = pd.DataFrame([{c: r[c] for c in COLUMNS} for r in records], columns=COLUMNS)
    change = definitions.outlier_change if outlier_change is None else outlier_change
    problems += outliers(table, change)
    table = table.sort_values(["chi_tieu", "ky", "phan_to"], kind="stable").reset_index(drop=True)
    return table, problems


def computed_values(
    unit_root: Path, unit: str, definitions: Definitions, period: str
) -> pd.DataFrame:
    """The programme's own indicators for one unit, read from its stage outputs' summary.json.

    Ratios without a stored value are worked out from their numerator and denominator; a figure
    whose stage has not run yet is simply absent.
    """
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    for ind in definitions.indicators:
        if not (ind.computed and ind.from_output):
            continue
        file, _, dotted = ind.from_output.partition(":")
        value: Any = summary_value(read_summary(unit_root, file.split("/")[0]), dotted)
        if isinstance(value, int | float) and not isinstance(value, bool):
            values[ind.code], sources[ind.code] = float(value), file
    for ind in definitions.indicators:
        if ind.computed and ind.aggregation == "ratio" and ind.code not in values:
            num, den = values.get(ind.numerator or ""), values.get(ind.denominator or "")
            if num is not None and den:
                values[ind.code], sources[ind.code] = num / den, sources[ind.numerator or ""]
    rows = [
        {"chi_tieu": code, "ten_chi_tieu": definitions.by_code[code].name, "don_vi": unit,
         "don_vi_tinh": definitions.by_code[code].unit, "ky": period, "phan_to": TOTAL,
         "gia_tri": value, "tep": sources[code], "trang_tinh": "", "o": ""}
        for code, value in values.items()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def _is_table(path: Path) -> bool:
    # `~$…` are Excel's lock files for a workbook someone has open.
    return (
        path.is_file()
        and path.suffix.lower() in _SUFFIXES
        and not path.name.startswith(("~$", "."))
    )


def _read_grids(path: Path, problems: list[Problem]) -> list[tuple[str, list[list[Any]]]]:
    # Cells are read directly (not through pandas) because pandas skips blank lines, which would
    # shift the row numbers every problem has to name.
    try:
        if path.suffix.lower() == ".csv":
            raw = path.read_bytes()
            for encoding in CSV_ENCODINGS:
                try:
                    text = raw.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise ValueError("không phải văn bản UTF-8 hay Windows-1258")
            text = text.removeprefix("\ufeff")
            return [(path.stem, [list(r) for r in csv.reader(io.StringIO(text, newline=""))])]
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in book]
        finally:
            book.close()
    except Exception as exc:  # any unreadable file is one problem, not the end of the collection
        problems.append(Problem(path.name, "", "", "doc_tep", f"Không đọc được tệp: {exc}"))
        return []


def _text(value: Any) -> str:
    return "" if value is None else nfc(str(value))


def _at(row: list[Any], col: int | None) -> str:
    return _text(row[col]) if col is not None and col < len(row) else ""


@dataclass(frozen=True)
class _Layout:
    """Which column holds what, found from the header row as the unit typed it."""

    header_row: int
    name_col: int | None
    code_col: int | None
    period_col: int | None
    values: dict[int, str]
    """Column → breakdown value (`nam`, `nữ`) or TOTAL."""

    @property
    def anchor(self) -> str:
        """The header cell of the indicator column, named by table-wide problems."""
        col = self.code_col if self.code_col is not None else self.name_col or 0
        return cell_name(self.header_row, col)


def _layout(grid: list[list[Any]], d: Definitions) -> _Layout | None:
    wanted = _NAME_HEADERS | _CODE_HEADERS
    header_row = next(
        (r for r, row in enumerate(grid[:20]) if {key(_text(v)) for v in row} & wanted), None
    )
    if header_row is None:
        return None
    parts = {key(v): v for b in d.breakdowns for v in b.values}
    found: dict[str, int] = {}
    values: dict[int, str] = {}
    for c, v in enumerate(grid[header_row]):
        k = key(_text(v))
        for role, headers in (("name", _NAME_HEADERS), ("code", _CODE_HEADERS),
                              ("period", _PERIOD_HEADERS)):  # fmt: skip
            if k in headers:
                found.setdefault(role, c)
        if k in _TOTAL_HEADERS:
            values[c] = TOTAL
        elif k in parts:
            values[c] = parts[k]
    return _Layout(header_row, found.get("name"), found.get("code"), found.get("period"), values)


def _table_period(grid: list[list[Any]], layout: _Layout, file: str) -> tuple[str | None, str]:
    # Without a period column, the period is in a title line above the header, or in the file name.
    # A line saying "Kỳ báo cáo" wins over a title such as "Báo cáo năm 2026" above it.
    found = [
        (not key(_text(v)).startswith("ky bao cao"), r, c, period)
        for r in range(layout.header_row)
        for c, v in enumerate(grid[r])
        if (period := parse_period(_text(v)))
    ]
    if found:
        _, r, c, period = min(found)
        return period, cell_name(r, c)
    return parse_period(Path(file).stem.replace("_", " ")), ""


def _read_table(where: Sheet, grid: list[list[Any]], unit: str, d: Definitions) -> list[dict]:
    layout = _layout(grid, d)
    if layout is None:
        where.flag("", "chi_tieu", "Không tìm thấy dòng tiêu đề (Chỉ tiêu, Mã chỉ tiêu)")
        return []
    table_period, period_cell = _table_period(grid, layout, where.file)
    rows: list[dict] = []
    for r in range(layout.header_row + 1, len(grid)):
        row = grid[r]
        cells = {c: row[c] for c in layout.values if _at(row, c)}
        if not cells:
            continue  # section titles and notes carry no figures
        code, name = _at(row, layout.code_col), _at(row, layout.name_col)
        ind = (d.by_key.get(key(code)) if code else None) or (
            d.by_key.get(key(name)) if name else None
        )
        if ind is None or ind.computed:
            col = layout.code_col if code else layout.name_col
            why = (
                "được tính từ kết quả số hóa, không nhận từ bảng"
                if ind
                else "không có trong danh mục"
            )
            where.flag(cell_name(r, col or 0), "chi_tieu", f"Chỉ tiêu {code or name!r} {why}")
            continue
        period, pcell = table_period, period_cell
        if typed := _at(row, layout.period_col):
            period, pcell = parse_period(typed), cell_name(r, layout.period_col or 0)
            if period is None:
                where.flag(pcell, "ky_bao_cao", f"Không hiểu kỳ báo cáo {typed!r}")
                continue
        if period is None:
            where.flag(
                layout.anchor, "ky_bao_cao", "Không xác định được kỳ báo cáo (Quý/Tháng/Năm)"
            )
            return []
        allowed = {v for b in ind.breakdowns for v in d.breakdown(b).values}
        for c, raw in cells.items():
            address, part = cell_name(r, c), layout.values[c]
            try:
                number = parse_number(raw)
            except ValueError:
                where.flag(address, "so_lieu", f"{ind.code}: {_text(raw)!r} không phải là số")
                continue
            if part != TOTAL and part not in allowed:
                where.flag(address, "phan_to", f"{ind.code} không phân tổ theo {part!r}")
                continue
            rows.append({
                "chi_tieu": ind.code, "ten_chi_tieu": ind.name, "don_vi": unit,
                "don_vi_tinh": ind.unit, "ky": period, "phan_to": part, "gia_tri": number,
                "tep": where.file, "trang_tinh": where.sheet, "o": address,
                "_period_cell": pcell, "_anchor": layout.anchor,
            })  # fmt: skip
    return rows


def _drop_repeated_periods(rows: list[dict], seen: dict[str, str], where: Sheet) -> list[dict]:
    kept: list[dict] = []
    reported: set[str] = set()
    for r in rows:
        period = r["ky"]
        # `seen` holds earlier tables only, so a period repeated here came from another file or sheet.
        if period in seen:
            if period not in reported:
                reported.add(period)
                where.flag(
                    r["_period_cell"] or r["o"],
                    "ky_trung",
                    f"Kỳ báo cáo {period_name(period)} đã được báo cáo ở {seen[period]}; bảng này không được tính",
                )
            continue
        kept.append(r)
    for r in kept:
        seen.setdefault(r["ky"], f"tệp {r['tep']}, trang tính {r['trang_tinh']}")
    return kept
