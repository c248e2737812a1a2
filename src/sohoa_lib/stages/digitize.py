"""Stage 2, digitization: page checks, Vietnamese OCR, two-layer PDF/A, documents and catalogue."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable

import pandas as pd

from sohoa_lib import handover
from sohoa_lib.catalog import db
from sohoa_lib.common import clock, workers
from sohoa_lib.common.progress import Progress
from sohoa_lib.handover.digitize import (
    DOCUMENT_COLUMNS,
    PAGE_COLUMNS,
    DigitizeResult,
    write_outputs,
)
from sohoa_lib.handover.inventory import read_selection
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


def run_digitize(
    settings: UnitSettings,
    paths: UnitPaths,
    *,
    executor: cf.Executor | None = None,
    scheduler: str | None = None,
    progress: Callable[[str], None] | None = None,
    as_of: dt.date | None = None,
) -> DigitizeResult:
    """Check, OCR and package every scanned selected file; a bad file is set aside, the rest go on.

    `as_of` is the date the figures are for (default today): a document dated after it is
    flagged. Page work goes to `executor` when given, else to the Dask cluster at `scheduler` (or
    $SOHOA_DASK_SCHEDULER, or the params' `digitize.scheduler`, in that order; its workers are
    checked first, `cluster.preflight`), else to a local process pool.

    `progress` is called once per page done; a `progress.Progress` is also told the page count
    first, so it can show the rate and the time left.

    Finished files are recorded with their inputs' checksums, so a rerun redoes only what changed
    and an interrupted run resumes where it stopped.
    """
    started = time.perf_counter()
    selection = read_selection(paths.inventory)
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
                                        workers.cores(), "máy này")  # fmt: skip
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
                progress=progress, as_of=as_of,
            )  # fmt: skip
        finally:
            if isinstance(progress, Progress):
                progress.finish()
    outcomes |= done
    result = _assemble(settings, selected, folders, outcomes, model, ocr_count, started, paths)
    result = dataclasses.replace(result, where=pool.where)
    write_outputs(result, paths, as_of or clock.today())
    _catalogue(result, paths, outcomes)
    return result


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
        pages=pd.DataFrame(pages, columns=PAGE_COLUMNS),
        documents=pd.DataFrame(documents, columns=DOCUMENT_COLUMNS),
        unselected=sorted(set(folders) - set(selected)),
        seconds=time.perf_counter() - started,
        ocr_pages=ocr_count,
        model=model,
    )


def _catalogue(result: DigitizeResult, paths: UnitPaths, outcomes) -> None:
    """Every processed file's rows into the unit's catalogue."""
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
