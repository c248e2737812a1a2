"""Collect a unit's statistical report tables into one tidy, validated table of indicator values."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sohoa_lib.common.files import CSV_ENCODINGS
from sohoa_lib.common.text import key, nfc
from sohoa_lib.stats.indicators import Definitions, Indicator

COLUMNS = [
    "chi_tieu", "ten_chi_tieu", "don_vi", "don_vi_tinh", "ky", "phan_to", "gia_tri",
    "tep", "trang_tinh", "o",
]  # fmt: skip
TOTAL = "tổng số"
"""The `phan_to` (breakdown) value of a figure that is not broken down."""

_NAME_HEADERS = {"chi tieu", "ten chi tieu", "noi dung", "noi dung chi tieu"}
_CODE_HEADERS = {"ma chi tieu", "ma so", "ma", "ma ct"}
_PERIOD_HEADERS = {"ky bao cao", "ky", "thoi gian", "ky bc"}
_TOTAL_HEADERS = {"tong so", "tong", "tong cong", "cong", "so lieu", "gia tri", "thuc hien"}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTER = re.compile(r"\bquy\s*(iv|iii|ii|i|[1-4])\s*(?:nam\s*)?(\d{4})\b")
_MONTH = re.compile(r"\bthang\s*(1[0-2]|0?[1-9])\s*(?:nam\s*)?(\d{4})\b")
_YEAR = re.compile(r"\bnam\s*(\d{4})\b")
_SUFFIXES = (".xlsx", ".xlsm", ".csv")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a report table, located to the cell a statistician would open."""

    file: str
    sheet: str
    """Sheet name; for a CSV, the file's stem (what Excel shows as the sheet)."""
    cell: str
    """Cell address such as `D7`; empty when the problem is the whole file."""
    rule: str
    """`doc_tep`, `ky_bao_cao`, `ky_trung`, `chi_tieu`, `so_lieu`, `phan_to`, `bat_buoc`,
    `khong_am`, `tong`, `bat_thuong`."""
    message: str
    """What is wrong, in Vietnamese."""

    def __str__(self) -> str:
        where = [f"tệp {self.file}"]
        where += [f"trang tính {self.sheet}"] if self.sheet else []
        where += [f"ô {self.cell}"] if self.cell else []
        return f"{', '.join(where)}: {self.message}"


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


@dataclass(frozen=True)
class _Sheet:
    """Where a table came from, and the list its problems go to."""

    file: str
    sheet: str
    problems: list[Problem]

    def flag(self, cell: str, rule: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.sheet, cell, rule, message))


def cell_name(row: int, col: int) -> str:
    """Excel address of 0-based (row, col): (6, 3) → `D7`."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


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
            where = _Sheet(path.name, sheet, problems)
            rows = _read_table(where, grid, unit, definitions)
            rows = _drop_repeated_periods(rows, seen_periods, where)
            _check_table(rows, where, definitions)
            records += rows
    table = pd.DataFrame([{c: r[c] for c in COLUMNS} for r in records], columns=COLUMNS)
    change = definitions.outlier_change if outlier_change is None else outlier_change
    problems += _outliers(table, change)
    table = table.sort_values(["chi_tieu", "ky", "phan_to"], kind="stable").reset_index(drop=True)
    return table, problems


def summary_value(summary: Any, dotted: str) -> Any:
    """`summary["pace"]["overdue_days"]` for `pace.overdue_days`; None where a key is absent."""
    for part in dotted.split("."):
        summary = summary.get(part) if isinstance(summary, dict) else None
    return summary


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
        try:
            value: Any = json.loads((unit_root / file).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        value = summary_value(value, dotted)
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


def _read_table(where: _Sheet, grid: list[list[Any]], unit: str, d: Definitions) -> list[dict]:
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


def _drop_repeated_periods(rows: list[dict], seen: dict[str, str], where: _Sheet) -> list[dict]:
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
                    f"Kỳ báo cáo {_period(period)} đã được báo cáo ở {seen[period]}; bảng này không được tính",
                )
            continue
        kept.append(r)
    for r in kept:
        seen.setdefault(r["ky"], f"tệp {r['tep']}, trang tính {r['trang_tinh']}")
    return kept


def _check_table(rows: list[dict], where: _Sheet, d: Definitions) -> None:
    values: dict[tuple[str, str, str], dict] = {}
    for r in rows:
        k = (r["ky"], r["chi_tieu"], r["phan_to"])
        label = _label(d, r["chi_tieu"], r["ky"], r["phan_to"])
        if k in values:
            where.flag(r["o"], "ky_trung", f"{label} ghi hai lần (lần đầu ở ô {values[k]['o']})")
            continue
        values[k] = r
        if r["gia_tri"] < 0 and d.by_code[r["chi_tieu"]].non_negative:
            where.flag(r["o"], "khong_am", f"{label}: số âm {_num(r['gia_tri'])}")
    for period in sorted({r["ky"] for r in rows}):
        got = {ind for (p, ind, _) in values if p == period}
        anchor = next(r["_anchor"] for r in rows if r["ky"] == period)
        for ind in d.reported():
            if ind.required and ind.code not in got:
                where.flag(
                    anchor,
                    "bat_buoc",
                    f"Thiếu chỉ tiêu bắt buộc {_label(d, ind.code, period)}",
                )
            _totals(ind, period, values, d, where)


def _totals(ind: Indicator, period: str, values: dict, d: Definitions, where: _Sheet) -> None:
    # Across columns: Tổng số equals the sum of its breakdown (nam + nữ).
    total = values.get((period, ind.code, TOTAL))
    for b in ind.breakdowns:
        parts = [values.get((period, ind.code, v)) for v in d.breakdown(b).values]
        if total and all(parts) and not _close(total, parts):
            got = sum(p["gia_tri"] for p in parts)
            where.flag(
                total["o"],
                "tong",
                f"{_label(d, ind.code, period)}: tổng số {_num(total['gia_tri'])} khác tổng các "
                f"phân tổ theo {d.breakdown(b).label.lower()} {_num(got)}",
            )
    # Across rows: an indicator equals the sum of the indicators it totals, per breakdown.
    if not ind.total_of:
        return
    for part in sorted({p for (per, c, p) in values if per == period and c == ind.code}):
        total = values[(period, ind.code, part)]
        parts = [values.get((period, c, part)) for c in ind.total_of]
        if all(parts) and not _close(total, parts):
            got = sum(p["gia_tri"] for p in parts)
            where.flag(
                total["o"],
                "tong",
                f"{_label(d, ind.code, period, part)}: {_num(total['gia_tri'])} khác tổng các "
                f"chỉ tiêu thành phần ({', '.join(_name(d, c) for c in ind.total_of)}) {_num(got)}",
            )


def _name(d: Definitions, code: str) -> str:
    """`Số người tham gia BHXH bắt buộc (HL03)`: a reader knows the name; the code finds the row."""
    return f"{d.by_code[code].name} ({code})" if code in d.by_code else code


def _label(d: Definitions, code: str, period: str, part: str | None = None) -> str:
    """The indicator, the period in words and the breakdown, as data-problem messages name them."""
    text = f"{_name(d, code)}, {_period(period)}"
    return f"{text}, {part}" if part else text


def _period(period: str) -> str:
    from sohoa_lib.stats.analysis import (
        period_name,
    )  # here: analysis imports the compile stage, which needs us

    return period_name(period)


def _num(value: float) -> str:
    from sohoa_lib.reports.blocks import number

    return number(value, 0 if float(value).is_integer() else 2)


def _close(total: dict, parts: list[dict]) -> bool:
    return math.isclose(total["gia_tri"], sum(p["gia_tri"] for p in parts), abs_tol=0.01)


def _frequency(period: str) -> str:
    return "Q" if "Q" in period else ("Y" if len(period) == 4 else "M")


def _outliers(table: pd.DataFrame, change: float) -> list[Problem]:
    problems: list[Problem] = []
    # Negative values are already errors; comparing them over time would only repeat that.
    usable = table[table["gia_tri"] >= 0].assign(_f=table["ky"].map(_frequency))
    for _, series in usable.groupby(["chi_tieu", "phan_to", "_f"], sort=True):
        previous = None
        for r in series.sort_values("ky").itertuples():
            if previous is not None and previous.gia_tri > 0:
                ratio = r.gia_tri / previous.gia_tri - 1
                if abs(ratio) > change:
                    message = (
                        f"{r.chi_tieu} ({r.phan_to}) kỳ {r.ky} thay đổi {ratio:+.0%} so với kỳ "
                        f"{previous.ky} (ngưỡng {change:.0%})"
                    )
                    problems.append(Problem(r.tep, r.trang_tinh, r.o, "bat_thuong", message))
            previous = r
    return problems
