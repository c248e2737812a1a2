"""Stage 2's hand-over: the digitization result its report reads, and files.csv, pages.csv and documents.csv."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sohoa_lib.common.files import write_csv
from sohoa_lib.handover import write_summary
from sohoa_lib.handover.files import STATUS_DONE, STATUS_PENDING, STATUS_RESCAN
from sohoa_lib.paths import UnitPaths
from sohoa_lib.scan import ocr
from sohoa_lib.settings import UnitSettings

# pandas is imported where a table is made: page workers import this package, never pandas
if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class DigitizeResult:
    """What stage 2 did for a unit; the same tables are written as CSV under digitize/."""

    settings: UnitSettings
    root: Path
    """The unit's output folder (thumbnails and PDFs are relative to it)."""
    files: pd.DataFrame
    """One row per selected file: status (hoàn thành, cần quét lại, chờ quét) and counts."""
    pages: pd.DataFrame
    """One row per scanned page: each check's value and result, OCR confidence."""
    documents: pd.DataFrame
    """One row per document found: fields, confidences, flagged fields, PDF name."""
    unselected: list[str]
    """Scan folders whose mã hồ sơ is not in the selection (reported, not processed)."""
    seconds: float
    ocr_pages: int
    """Pages OCRed in this run (0 when every file was already done)."""
    model: ocr.OcrModel
    where: str = "máy này"
    """Where the page work ran: this machine's pool, or the Dask scheduler's address."""

    def figures(self) -> dict:
        """Key figures, as written to summary.json for the statistics stage."""
        import pandas as pd

        pages = self.pages
        checked = len(pages)
        status = self.files["trang_thai"].value_counts()
        return {
            "unit": self.settings.unit,
            "selected_files": len(self.files),
            "scanned_files": int((self.files["trang_thai"] != STATUS_PENDING).sum()),
            "done_files": int(status.get(STATUS_DONE, 0)),
            "rescan_files": int(status.get(STATUS_RESCAN, 0)),
            "pending_files": int(status.get(STATUS_PENDING, 0)),
            "pages_checked": checked,
            "pages_passed": int(pages["dat"].sum()) if checked else 0,
            "pages_warned": int(
                (pages.get("canh_bao", pd.Series(dtype=str)).fillna("") != "").sum()
            ),
            "digitized_pages": int(
                self.files.loc[self.files["trang_thai"] == STATUS_DONE, "so_trang_quet"].sum()
            ),
            "documents": len(self.documents),
            "documents_flagged": int((self.documents["can_bien_muc_tay"] != "").sum())
            if len(self.documents)
            else 0,
            "mean_ocr_confidence": float(pages["do_tin_cay_ocr"].mean())
            if checked and pages["do_tin_cay_ocr"].notna().any()
            else None,
            "ocr_pages_this_run": self.ocr_pages,
            "seconds": round(self.seconds, 1),
            "pages_per_minute": round(self.ocr_pages / self.seconds * 60, 1)
            if self.ocr_pages and self.seconds
            else None,
            "ocr_model": self.model.name,
        }


TIMING_COLUMNS = {
    "decode": "giay_giai_ma",
    "checks": "giay_kiem_tra",
    "prepare": "giay_chuan_bi",
    "ocr": "giay_ocr",
    "pdf": "giay_pdf",
}
"""Per-page seconds in pages.csv (appended after the other columns): decoding (for the checks and
for OCR), the checks, the OCR working copy, Tesseract, and the page's text PDF and ALTO. Empty
when the step did not run (a file set aside for rescanning is not OCRed)."""


PAGE_COLUMNS = [
    "ma_ho_so", "trang", "tep", "rong_px", "cao_px", "che_do_mau", "dpi", "nguon_dpi", "kho_giay",
    "do_phan_giai", "mau", "ty_le", "trang_trang", "do_nghieng", "do_sang", "doc_duoc",
    "dat", "ly_do", "canh_bao", "do_tin_cay_ocr", "anh_thu_nho",
    *TIMING_COLUMNS.values(),  # appended last, so readers of the older columns keep working
]  # fmt: skip


DOCUMENT_COLUMNS = [
    "ma_dinh_danh", "ma_ho_so", "so_thu_tu", "trang_dau", "trang_cuoi", "so_trang", "ten_loai",
    "so", "ky_hieu", "ngay", "co_quan_ban_hanh", "trich_yeu", "chuc_vu_nguoi_ky", "nguoi_ky",
    "but_tich", "do_tin_cay", "can_bien_muc_tay", "tep_pdf",
]  # fmt: skip


def write_outputs(result: DigitizeResult, paths: UnitPaths, as_of: dt.date) -> None:
    """Stage 2's tables and summary.json under digitize/."""
    folder = paths.stage_dir("digitize")
    write_csv(folder / "files.csv", result.files)
    write_csv(folder / "pages.csv", result.pages)
    write_csv(folder / "documents.csv", result.documents)
    pending = result.files[result.files["trang_thai"] == STATUS_PENDING]
    write_csv(folder / "pending.csv", pending[["ma_ho_so", "tieu_de", "so_trang_muc_luc"]])
    figures = result.figures() | {"as_of": as_of.isoformat()}
    figures["model"] = {"name": result.model.name, "source": result.model.source,
                        "licence": result.model.licence}  # fmt: skip
    write_summary(folder, "digitize", figures)
