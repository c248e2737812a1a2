"""Stage 2, digitization: page checks, Vietnamese OCR, two-layer PDF/A, documents and catalogue."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sohoa_lib import handover
from sohoa_lib.catalog import db
from sohoa_lib.common.files import write_csv
from sohoa_lib.common.progress import Progress
from sohoa_lib.errors import InputError
from sohoa_lib.handover import write_summary
from sohoa_lib.paths import UnitPaths
from sohoa_lib.scan import cluster, ocr
from sohoa_lib.scan.pages import scan_folders
from sohoa_lib.settings import UnitSettings
from sohoa_lib.stages import digitize_pages
from sohoa_lib.stages.digitize_files import FileOutcome, load_outcome, plan_file

log = logging.getLogger(__name__)

# The status words are the hand-over's (handover.py); named here too for reports and tests.
STATUS_DONE = handover.STATUS_DONE
STATUS_RESCAN = handover.STATUS_RESCAN
STATUS_PENDING = handover.STATUS_PENDING
STATUS_FAILED = handover.STATUS_FAILED


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


def run_digitize(
    settings: UnitSettings,
    paths: UnitPaths,
    *,
    executor: cf.Executor | None = None,
    scheduler: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> DigitizeResult:
    """Check, OCR and package every scanned selected file; a bad file is set aside, the rest go on.

    Page work goes to `executor` when given, else to the Dask cluster at `scheduler` (or
    $SOHOA_DASK_SCHEDULER, or the params' `digitize.scheduler`, in that order; its workers are
    checked first, `cluster.preflight`), else to a local process pool.

    `progress` is called once per page done; a `progress.Progress` is also told the page count
    first, so it can show the rate and the time left.

    Finished files are recorded with their inputs' checksums, so a rerun redoes only what changed
    and an interrupted run resumes where it stopped.
    """
    started = time.perf_counter()
    selection = _selection(paths)
    folders = scan_folders(settings.scans) if settings.scans else {}
    selected = dict(zip(selection["ma_ho_so"], selection.to_dict("records"), strict=True))
    scanned = [ma for ma in selected if ma in folders]
    model = ocr.model(settings.digitize.ocr_model, settings.digitize.tessdata_dir)
    work = paths.stage_dir("digitize")
    outcomes: dict[str, FileOutcome] = {}
    plans = {}
    for ma in scanned:
        plan = plan_file(ma, folders[ma], work)
        cached = load_outcome(plan, settings)
        if cached is not None:
            outcomes[ma] = cached
        else:
            plans[ma] = plan
    with contextlib.ExitStack() as stack:
        if executor is not None:
            pool = cluster.PageExecutor(executor, getattr(executor, "_max_workers", 0) or
                                        cluster.cores(), "máy này")  # fmt: skip
        else:
            address = cluster.scheduler_address(scheduler, settings.digitize.scheduler)
            pool = stack.enter_context(
                cluster.page_executor(
                    settings.digitize.workers, address, scans=settings.scans,
                    outputs=paths.root, tessdata_dir=model.tessdata_dir,
                )
            )  # fmt: skip
        if isinstance(progress, Progress):
            progress.begin(sum(len(p.pages) for p in plans.values() if not p.error))
        try:
            done, ocr_count = digitize_pages.run_files(
                plans, selected, settings, paths, model, pool.executor, pool.slots,
                progress=progress,
            )  # fmt: skip
        finally:
            if isinstance(progress, Progress):
                progress.finish()
    outcomes |= done
    result = _assemble(settings, selected, folders, outcomes, model, ocr_count, started, paths)
    result = dataclasses.replace(result, where=pool.where)
    _write_outputs(result, paths, outcomes)
    return result


def _selection(paths: UnitPaths) -> pd.DataFrame:
    path = paths.inventory / "selection.csv"
    if not path.is_file():
        raise InputError(f"{path}: không tìm thấy; hãy chạy bước inventory trước (sohoa run UNIT)")
    # Codes such as "01" must stay text, not become the number 1.
    text = ["ma_ho_so", "tieu_de", "nhom", "thoi_han_bao_quan", "che_do_su_dung",
            "tinh_trang_vat_ly", "thoi_gian_bat_dau", "thoi_gian_ket_thuc"]  # fmt: skip
    table = pd.read_csv(path, encoding="utf-8-sig", dtype=dict.fromkeys(text, str))
    # Blank cells as None, not NaN: NaN is truthy and would pass for a title or a code.
    return table.astype(object).where(table.notna(), None)


def _expected(row: dict) -> int | None:
    pages = row.get("so_trang")
    return None if pages is None or pd.isna(pages) else int(pages)


def _assemble(
    settings, selected, folders, outcomes, model, ocr_count, started, paths
) -> DigitizeResult:
    files, pages, documents = [], [], []
    for ma, row in selected.items():
        outcome = outcomes.get(ma)
        if outcome is None:
            files.append({"ma_ho_so": ma, "tieu_de": row.get("tieu_de"), "trang_thai": STATUS_PENDING,
                          "so_trang_muc_luc": _expected(row), "so_trang_quet": 0,
                          "so_van_ban": 0, "ly_do": ""})  # fmt: skip
            continue
        files.append(outcome.file_row)
        pages.extend(outcome.page_rows)
        documents.extend(outcome.document_rows)
    return DigitizeResult(
        settings=settings,
        root=paths.root,
        files=pd.DataFrame(files),
        pages=pd.DataFrame(pages, columns=_PAGE_COLUMNS),
        documents=pd.DataFrame(documents, columns=_DOCUMENT_COLUMNS),
        unselected=sorted(set(folders) - set(selected)),
        seconds=time.perf_counter() - started,
        ocr_pages=ocr_count,
        model=model,
    )


_PAGE_COLUMNS = [
    "ma_ho_so", "trang", "tep", "rong_px", "cao_px", "che_do_mau", "dpi", "nguon_dpi", "kho_giay",
    "do_phan_giai", "mau", "ty_le", "trang_trang", "do_nghieng", "do_sang", "doc_duoc",
    "dat", "ly_do", "canh_bao", "do_tin_cay_ocr", "anh_thu_nho",
    *digitize_pages.TIMING_COLUMNS.values(),  # appended last, so readers of the older columns keep working
]  # fmt: skip
_DOCUMENT_COLUMNS = [
    "ma_dinh_danh", "ma_ho_so", "so_thu_tu", "trang_dau", "trang_cuoi", "so_trang", "ten_loai",
    "so", "ky_hieu", "ngay", "co_quan_ban_hanh", "trich_yeu", "chuc_vu_nguoi_ky", "nguoi_ky",
    "but_tich", "do_tin_cay", "can_bien_muc_tay", "tep_pdf",
]  # fmt: skip


def _write_outputs(result: DigitizeResult, paths: UnitPaths, outcomes) -> None:
    folder = paths.stage_dir("digitize")
    write_csv(folder / "files.csv", result.files)
    write_csv(folder / "pages.csv", result.pages)
    write_csv(folder / "documents.csv", result.documents)
    pending = result.files[result.files["trang_thai"] == STATUS_PENDING]
    write_csv(folder / "pending.csv", pending[["ma_ho_so", "tieu_de", "so_trang_muc_luc"]])
    figures = result.figures() | {"as_of": dt.date.today().isoformat()}
    figures["model"] = {"name": result.model.name, "source": result.model.source,
                        "licence": result.model.licence}  # fmt: skip
    write_summary(folder, "digitize", figures)
    with contextlib.closing(db.open_catalog(paths.root / "catalog.sqlite")) as conn:
        for ma in sorted(outcomes):
            outcome = outcomes[ma]
            db.write_file(
                conn,
                unit=result.settings.unit,
                file=outcome.catalog_file,
                documents=outcome.catalog_documents,
                pages=outcome.catalog_pages,
            )
