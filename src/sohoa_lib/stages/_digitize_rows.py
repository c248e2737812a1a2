"""What one digitized file contributes: its PDF/A metadata, catalogue rows and pages.csv rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sohoa_lib.common.files import atomic_path
from sohoa_lib.common.missing import is_missing
from sohoa_lib.common.vndates import parse_vn_date
from sohoa_lib.describe import documents as docs
from sohoa_lib.errors import InputError
from sohoa_lib.handover.files import CHECK_COLUMNS
from sohoa_lib.paths import UnitPaths
from sohoa_lib.scan import ocr
from sohoa_lib.scan.pagecheck import PageCheck
from sohoa_lib.scan.pages import PageSource, open_page_reduced


@dataclass(frozen=True)
class FilePlan:
    """A scanned file about to be processed: its pages and the checksums of what they came from."""

    ma_ho_so: str
    folder: Path
    pages: tuple[PageSource, ...]
    checksums: dict[str, str]
    state: Path
    """The resume record, digitize/files/<mã hồ sơ>.json."""
    error: str = ""
    """Why the folder could not be listed (empty, mixed formats); the file then needs rescanning."""


def file_metadata(row: dict, plan: FilePlan, documents: int) -> dict:
    """File-level metadata (SPEC §2 hồ sơ) from the inventory row."""
    return {
        "ma_ho_so": plan.ma_ho_so,
        "tieu_de": row.get("tieu_de"),
        "thoi_han_bao_quan": row.get("thoi_han_bao_quan"),
        "che_do_su_dung": row.get("che_do_su_dung"),
        "ngon_ngu": "01",
        "thoi_gian_bat_dau": row.get("thoi_gian_bat_dau"),
        "thoi_gian_ket_thuc": row.get("thoi_gian_ket_thuc"),
        "tong_so_van_ban": documents,
        "so_luong_to": _int(row.get("so_to")),
        "so_luong_trang": len(plan.pages),
        "tinh_trang_vat_ly": row.get("tinh_trang_vat_ly"),
        "muc_do_tin_cay": "02",  # digitized from paper (SPEC §2)
        "ma_ho_so_goc_giay": plan.ma_ho_so,
    }


def document_metadata(code: str, ma: str, document: docs.Document, fields: dict, row: dict) -> dict:
    """Document-level metadata (SPEC §2 văn bản)."""
    return {
        "ma_dinh_danh": code,
        "ma_ho_so": ma,
        "so_thu_tu": document.seq,
        "ten_loai": fields.get("ten_loai"),
        "so": fields.get("so"),
        "ky_hieu": fields.get("ky_hieu"),
        "ngay": fields.get("ngay"),
        "co_quan_ban_hanh": fields.get("co_quan_ban_hanh"),
        "trich_yeu": fields.get("trich_yeu"),
        "ngon_ngu": "01",
        "so_trang": document.pages,
        "che_do_su_dung": row.get("che_do_su_dung"),
        "muc_do_tin_cay": "02",
        "but_tich": ",".join(map(str, document.but_tich)),
        "tinh_trang_vat_ly": row.get("tinh_trang_vat_ly"),
        "nguoi_ky": fields.get("nguoi_ky"),
        "chuc_vu_nguoi_ky": fields.get("chuc_vu_nguoi_ky"),
    }


def catalog_file(
    row: dict, plan: FilePlan, documents: int, pdf: str, *, needs_rescan: bool
) -> dict:
    meta = file_metadata(row, plan, documents)
    return meta | {"pdf": pdf, "needs_rescan": needs_rescan,
                   "status": "cần quét lại" if needs_rescan else "hoàn thành"}  # fmt: skip


def page_row(ma: str, pc: PageCheck, result: ocr.PageResult | None, paths: UnitPaths) -> dict:
    by_name = {c.label: c for c in pc.checks}
    thumb = "" if pc.passed else thumbnail(pc.page, ma, paths)
    return {
        "ma_ho_so": ma, "trang": pc.page.number, "tep": pc.page.label, "rong_px": pc.width_px,
        "cao_px": pc.height_px, "che_do_mau": pc.mode, "dpi": pc.dpi and round(pc.dpi, 1),
        "nguon_dpi": pc.dpi_source, "kho_giay": pc.paper,
        **{col: shown(by_name.get(label)) for label, col in CHECK_COLUMNS.items()},
        "dat": pc.passed, "ly_do": "; ".join(pc.reasons), "canh_bao": "; ".join(pc.warnings),
        "do_tin_cay_ocr": round(result.mean_confidence, 1) if result else None,
        "anh_thu_nho": thumb,
    }  # fmt: skip


def shown(check) -> str:
    if check is None:
        return ""
    value = (
        "" if check.value is None else f"{check.value}{(' ' + check.unit) if check.unit else ''}"
    )
    return f"{'đạt' if check.passed else 'không đạt'}{': ' + value if value else ''}"


def inventory_dates(row: dict) -> tuple[dt.date, dt.date] | None:
    """The file's dates in the inventory, as the days they span; None when either is unreadable
    (the date check is then not run, which the field's reason does not hide: no range, no check)."""
    try:
        start = parse_vn_date(row.get("thoi_gian_bat_dau"))
        end = parse_vn_date(row.get("thoi_gian_ket_thuc")) or start
    except ValueError:
        return None
    if start is None or end is None:
        return None
    return start.first_day(), end.last_day()


def _int(value) -> int | None:
    return None if is_missing(value) else int(value)


THUMB_WIDTH = 240


def thumbnail(page: PageSource, ma: str, paths: UnitPaths) -> str:
    """A small JPEG of a failing page for the report; '' when the page cannot be read at all."""
    try:
        # A 240-px thumbnail needs about 30 dpi: a JPEG is decoded at an eighth of its size.
        image, _, _ = open_page_reduced(page, 30)
    except InputError:
        return ""
    image.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
    out = paths.stage_dir("digitize") / "thumbs" / f"{ma}-{page.number:04d}.jpg"
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        image.convert("RGB").save(tmp, format="JPEG", quality=80)
    return out.relative_to(paths.root).as_posix()
