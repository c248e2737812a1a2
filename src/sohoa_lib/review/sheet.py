"""Biên mục (the cataloguer's review): flagged documents out to an XLSX with their page crops, and back."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from PIL import Image

from sohoa_lib.catalog import db
from sohoa_lib.common.files import atomic_path, write_csv
from sohoa_lib.common.flags import parse_flag
from sohoa_lib.common.vndates import parse_vn_date
from sohoa_lib.errors import InputError, ParamsError
from sohoa_lib.paths import UnitPaths
from sohoa_lib.records import codes, registry
from sohoa_lib.review import decisions as review_store
from sohoa_lib.review.decisions import Decision
from sohoa_lib.review.items import FIELDS, items, page_image, region_image

UNIT, CODE, FILE, IMAGE, TO_SEE, DONE = (
    "Đơn vị", "Mã định danh văn bản", "Mã hồ sơ", "Ảnh trang", "Trường cần xem",
    "Đã biên mục (x)",
)  # fmt: skip
REASON = " – lý do"
"""Suffix of a field's reason column, beside its value column."""
SHEET = "Biên mục"
NOTEBOOK_SOURCE = "sổ tay biên mục (review.ipynb)"
_SO = re.compile(r"\d{1,6}[a-zA-Z]?")
_KY_HIEU = re.compile(r"[^\W_][\w./-]*")


def unit_paths(outputs: Path, unit: str) -> UnitPaths:
    """The unit's output tree, for a code of the registry only (it becomes a folder name)."""
    registry.unit(unit)
    return UnitPaths(Path(outputs), unit)


def review_dir(paths: UnitPaths) -> Path:
    """`outputs/<UNIT>/review/`: the exported workbook, its page images, rejected rows."""
    return paths.root / "review"


@contextlib.contextmanager
def unit_catalog(paths: UnitPaths) -> Iterator[sqlite3.Connection]:
    """The unit's catalogue, opened for writing (a version-1 catalogue is upgraded here)."""
    path = paths.root / db.CATALOG_NAME
    if not path.is_file():
        raise InputError(
            f"{path}: không có mục lục dữ liệu; hãy chạy bước digitize trước (sohoa run UNIT)"
        )
    with contextlib.closing(db.open_catalog(path)) as conn:
        yield conn


def require_reviewer(name: str | None) -> str:
    """The reviewer's name as given; never guessed from the login, since it signs the history."""
    text = (name or "").strip()
    if not text:
        raise ParamsError(
            "review: hãy ghi người biên mục bằng --reviewer NAME (sổ tay: tham số `reviewer`); "
            "tên này được ghi kèm mọi lần sửa"
        )
    return text


# ---- export --------------------------------------------------------------------------------


def export_xlsx(paths: UnitPaths, out: Path | None = None) -> Path:
    """Write the flagged documents of the unit as an XLSX, one row each, with page images.

    Written to `review/bien-muc-<UNIT>.xlsx` (or `out`) under a temporary name, then renamed.
    """
    folder = review_dir(paths)
    out = out or folder / f"bien-muc-{paths.unit}.xlsx"
    with unit_catalog(paths) as conn:
        todo = items(paths, conn)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    header = [UNIT, CODE, FILE, IMAGE, TO_SEE]
    for label in FIELDS.values():
        header += [label, label + REASON]
    header.append(DONE)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    flagged_fill = PatternFill("solid", fgColor="FFF2CC")
    for item in todo:
        image = folder / "images" / f"{item.ma_dinh_danh}.jpg"
        _write_image(page_image(item, item.flags[0].page), image)
        crops = {}
        for flag in item.flags:
            crops[flag.field] = folder / "images" / f"{item.ma_dinh_danh}.{flag.field}.jpg"
            _write_image(region_image(item, flag), crops[flag.field])
        reasons = {f.field: f.reason for f in item.flags}
        row = [paths.unit, item.ma_dinh_danh, item.ma_ho_so, "Xem trang",
               ", ".join(FIELDS.get(f.field, f.field) for f in item.flags)]  # fmt: skip
        for name in FIELDS:
            row += [_cell_value(name, item.values.get(name)), reasons.get(name, "")]
        row.append("")
        sheet.append(row)
        link = sheet.cell(row=sheet.max_row, column=4)
        link.hyperlink = Path(image).relative_to(out.parent).as_posix()
        link.font = Font(color="0563C1", underline="single")
        for index, name in enumerate(FIELDS):
            if name in reasons:
                sheet.cell(row=sheet.max_row, column=6 + 2 * index).fill = flagged_fill
                # The reason links to the crop of the page where the value was read.
                reason = sheet.cell(row=sheet.max_row, column=7 + 2 * index)
                reason.hyperlink = crops[name].relative_to(out.parent).as_posix()
                reason.font = Font(color="0563C1", underline="single")
            if name == "ngay":
                sheet.cell(row=sheet.max_row, column=6 + 2 * index).number_format = "DD/MM/YYYY"
    for column in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 18
    _guide(book)
    with atomic_path(out) as tmp:
        book.save(tmp)
    return out


def _cell_value(name: str, value: str | None) -> object:
    """A full ISO date becomes a date cell, so the spreadsheet edits it as a date."""
    if name == "ngay" and value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    return value


def _write_image(image: Image.Image, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        image.convert("RGB").save(tmp, format="JPEG", quality=80)


def _guide(book: Workbook) -> None:
    sheet = book.create_sheet("Hướng dẫn")
    for line in (
        "Mỗi hàng là một văn bản có trường cần xem (ô tô vàng); lý do ở cột bên cạnh.",
        "Mở 'Xem trang' để xem ảnh trang; bấm vào lý do để xem đúng chỗ trường đó được đọc.",
        "Sửa giá trị sai ngay trong ô; giá trị đúng thì để nguyên.",
        f"Xem xong một hàng, ghi x vào cột '{DONE}': các trường cần xem của hàng được xác nhận.",
        "Hàng chưa ghi x không được áp dụng; hàng có ô sai được để riêng và báo lại.",
        "Ngày: kiểu ngày hoặc dd/mm/yyyy. Số: chữ số. Tên loại văn bản: một trong các tên sau.",
        *codes.names("ten_loai_van_ban").values(),
    ):
        sheet.append([line])


# ---- apply ---------------------------------------------------------------------------------


@dataclass
class ApplyResult:
    """What `apply_xlsx` did: decisions recorded, rows set aside with every problem."""

    unit: str
    rows_applied: int = 0
    corrections: int = 0
    confirmations: int = 0
    rows_waiting: int = 0
    """Rows without the done mark and without changes: still to review."""
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    """(Excel row, column as `F (Ngày)`, Vietnamese message), for every bad cell."""


def apply_xlsx(path: Path, outputs: Path, reviewer: str, *, at: str | None = None) -> ApplyResult:
    """Read a reviewed workbook back: good rows recorded, bad rows set aside and reported.

    The workbook is only read. Rows set aside are written to `review/rejected.csv` with the
    file, row, column and what was expected.
    """
    reviewer = require_reviewer(reviewer)
    path = Path(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(f"{path}: không đọc được tệp XLSX ({exc})") from None
    if SHEET not in book.sheetnames:
        raise InputError(f"{path}: không có trang tính '{SHEET}' (tệp do sohoa review export tạo)")
    rows = list(book[SHEET].iter_rows(values_only=True))
    book.close()
    header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
    needed = [UNIT, CODE, DONE, *FIELDS.values()]
    missing = [n for n in needed if n not in header]
    if missing:
        raise InputError(f"{path}: hàng 1 thiếu cột {', '.join(missing)}")
    col = {name: header.index(name) for name in needed}
    units = {str(r[col[UNIT]]).strip() for r in rows[1:] if r and r[col[UNIT]]}
    if not units:
        raise InputError(f"{path}: không có hàng văn bản nào để áp dụng (từ hàng 2 trở đi trống)")
    if len(units) != 1:
        raise InputError(f"{path}: cột '{UNIT}' phải có đúng một đơn vị, có {sorted(units)}")
    code = units.pop()
    try:
        paths = unit_paths(outputs, code)
    except ParamsError:
        raise InputError(
            f"{path}: cột '{UNIT}': '{code}' không phải mã đơn vị trong danh mục"
        ) from None
    result = ApplyResult(paths.unit)
    at = at or review_store.now()
    decisions: list[Decision] = []
    with unit_catalog(paths) as conn:
        open_by_doc: dict[str, set[str]] = {}
        for flag in review_store.open_flags(conn, paths.unit):
            open_by_doc.setdefault(flag.ma_dinh_danh, set()).add(flag.field)
        for number, row in enumerate(rows[1:], start=2):
            if not row or all(v is None or str(v).strip() == "" for v in row):
                continue
            found, problems = _read_row(conn, paths.unit, row, col, header, number)
            if problems:
                result.problems += problems
                continue
            code, done, values, current = found
            changed = {f for f, v in values.items() if (v or None) != (current.get(f) or None)}
            if not done:
                if changed:
                    result.problems.append((number, _where(header, col[DONE]),
                                            "có giá trị đã sửa nhưng chưa ghi x ở cột này; "
                                            "hàng chưa được áp dụng"))  # fmt: skip
                else:
                    result.rows_waiting += 1
                continue
            for name in sorted(changed | open_by_doc.get(code, set())):
                decisions.append(Decision(code, name, values[name], reviewer, at, path.name))
            result.rows_applied += 1
        corrected = review_store.record(conn, paths.unit, decisions)
    result.corrections = corrected
    result.confirmations = len(decisions) - corrected
    rejected = pd.DataFrame(
        [(path.name, r, c, m) for r, c, m in result.problems],
        columns=["tep", "hang", "cot", "van_de"],
    )
    write_csv(review_dir(paths) / "rejected.csv", rejected)
    return result


def _read_row(conn, unit, row, col, header, number):
    """((code, done, values, current values), []) or (None, problems) for one workbook row."""
    problems = []
    code = str(row[col[CODE]] or "").strip()
    current = _current(conn, unit, code)
    if current is None:
        problems.append((number, _where(header, col[CODE]),
                         f"không có văn bản '{code}' của đơn vị {unit} trong mục lục"))  # fmt: skip
    try:
        done = bool(parse_flag(row[col[DONE]]))
    except ValueError as exc:
        problems.append((number, _where(header, col[DONE]), str(exc)))
        done = False
    values = {}
    for name, label in FIELDS.items():
        cell = row[col[label]]
        if current is not None and _unchanged(name, cell, current.get(name)):
            # The catalogue's own value, left as exported: kept, not re-judged by the rules
            # a person's typing is held to.
            values[name] = current.get(name)
            continue
        try:
            values[name] = parse_value(name, cell)
        except ValueError as exc:
            problems.append((number, _where(header, col[label]), str(exc)))
    return (None if problems else (code, done, values, current)), problems


def _unchanged(name: str, cell: object, current: str | None) -> bool:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return current is None
    if name == "ngay" and isinstance(cell, dt.datetime | dt.date):
        return cell.strftime("%Y-%m-%d") == current
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(str(cell).split()) == (current or "")


def _where(header: list[str], index: int) -> str:
    return f"{get_column_letter(index + 1)} ({header[index]})"


def _current(conn: sqlite3.Connection, unit: str, code: str) -> dict | None:
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    row = cursor.execute(
        "SELECT * FROM documents WHERE unit = ? AND ma_dinh_danh = ?", (unit, code)
    ).fetchone()
    if row is None:
        return None
    values = {f: row[f] for f in FIELDS if f in db.DOCUMENT_COLUMNS}
    for name in FIELDS:
        if name not in values:  # no catalogue column: the reviewed or flagged value
            flagged = conn.execute(
                "SELECT value FROM flags WHERE unit = ? AND ma_dinh_danh = ? AND field = ?",
                (unit, code, name),
            ).fetchone()
            reviewed = db.reviewed_values(conn, unit).get((code, name))
            values[name] = reviewed if reviewed is not None else (flagged[0] if flagged else None)
    return values


def parse_value(name: str, value: object) -> str | None:
    """A reviewed cell as the catalogue stores it; ValueError (Vietnamese) saying what is expected."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if name == "ngay":
        if isinstance(value, dt.datetime | dt.date):
            return value.strftime("%Y-%m-%d")
        try:
            parsed = parse_vn_date(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValueError(f'"{value}" không phải ngày (cần kiểu ngày hoặc dd/mm/yyyy)')
        return parsed.iso()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    if name == "ten_loai":
        return codes.names("ten_loai_van_ban")[codes.parse_code("ten_loai_van_ban", text)]
    if name == "so" and not _SO.fullmatch(text):
        raise ValueError(f'"{text}" không phải số văn bản (cần chữ số, ví dụ 125)')
    if name == "ky_hieu" and not _KY_HIEU.fullmatch(text):
        raise ValueError(f'"{text}" không phải ký hiệu văn bản (ví dụ QĐ-BHXH, không có dấu cách)')
    if isinstance(value, dt.datetime | dt.date):
        raise ValueError(f'"{value}" là ngày; ô này cần chữ')
    return text
