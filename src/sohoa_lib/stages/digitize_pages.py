"""Stage 2's page work as tasks on any executor: each page's checks, a file's OCR as soon as its
checks pass, then the file's finishing, so checks and OCR of different files overlap."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sohoa_lib.errors import InputError
from sohoa_lib.handover.digitize import TIMING_COLUMNS
from sohoa_lib.paths import UnitPaths
from sohoa_lib.scan import ocr, pagecheck
from sohoa_lib.scan.pagecheck import PageCheck
from sohoa_lib.scan.pages import PageSource
from sohoa_lib.settings import UnitSettings
from sohoa_lib.stages.digitize_files import (
    FileOutcome,
    FilePlan,
    failed_outcome,
    finish_file,
    page_tasks,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckedPage:
    """One page's checks and the seconds they took (picklable: it travels back from a worker)."""

    check: PageCheck
    timings: dict[str, float]
    """`decode` and `checks`, in seconds."""


def check_task(page: PageSource, profile: str) -> CheckedPage:
    """Check one page (in a worker), decoded only as large as the checks need."""
    started = time.perf_counter()
    try:
        image, size, file_dpi = pagecheck.open_for_checks(page)
    except InputError as exc:  # unreadable is a failed check, not a failed task
        return CheckedPage(pagecheck.unreadable(page, exc), {"decode": _since(started)})
    decoded = time.perf_counter()
    with image:
        check = pagecheck.check_image(page, image, file_dpi, profile, size=size)
    return CheckedPage(check, {"decode": decoded - started, "checks": _since(decoded)})


def page_timings(checked: CheckedPage | None, result: ocr.PageResult | None) -> dict:
    """A page's row of timing columns, rounded to the millisecond."""
    found = dict(checked.timings) if checked else {}
    if result is not None:
        t = result.timings
        found["decode"] = found.get("decode", 0.0) + t.get("open", 0.0)
        found |= {"prepare": t.get("prepare"), "ocr": t.get("tesseract"), "pdf": t.get("pdf")}
    return {
        column: None if found.get(key) is None else round(found[key], 3)
        for key, column in TIMING_COLUMNS.items()
    }


@dataclass
class _File:
    """The driver's record of one file in flight."""

    plan: FilePlan
    row: dict
    checked: dict[int, CheckedPage] = field(default_factory=dict)
    check: pagecheck.FileCheck | None = None
    results: dict[str, ocr.PageResult] = field(default_factory=dict)
    failed: str = ""


def run_files(
    plans: dict[str, FilePlan],
    selected: dict[str, dict],
    settings: UnitSettings,
    paths: UnitPaths,
    model: ocr.OcrModel,
    executor: cf.Executor,
    slots: int,
    *,
    progress: Callable[[str], None] | None = None,
    as_of: dt.date | None = None,
) -> tuple[dict[str, FileOutcome], int]:
    """Every planned file through checks, OCR and finishing on `executor`; outcomes by mã hồ sơ
    and the pages OCRed. A file whose task fails is reported with the reason, the others go on.

    Checks are submitted a few files ahead, not all at once: a file's OCR, submitted when its
    checks pass, then queues before later files' checks, so no core waits for the last check.
    `progress` is called once for each page done (OCRed, or set aside with its file).
    """
    files = {ma: _File(plan, selected[ma]) for ma, plan in plans.items()}
    waiting = [ma for ma, plan in plans.items() if not plan.error]
    pending: dict[cf.Future, tuple[str, str, object]] = {}
    outcomes: dict[str, FileOutcome] = {}
    ocr_count = 0
    ahead = max(2 * slots, 1)  # pages of checks queued or running at most (at least one file)

    def finish(f: _File) -> None:
        timings = {
            pc.page.number: page_timings(
                f.checked.get(pc.page.number), f.results.get(_key(f.plan, pc.page.number))
            )
            for pc in (f.check.pages if f.check else ())
        }
        future = executor.submit(finish_file, f.plan, f.row, f.check, f.results, settings, paths,
                                 timings=timings, as_of=as_of)  # fmt: skip
        pending[future] = ("finish", f.plan.ma_ho_so, None)

    checking = 0  # check tasks queued or running

    def top_up() -> None:
        nonlocal checking
        while waiting and checking < ahead:
            f = files[waiting.pop(0)]
            for page in f.plan.pages:
                future = executor.submit(check_task, page, settings.profile)
                pending[future] = ("check", f.plan.ma_ho_so, page.number)
                checking += 1

    for ma, plan in plans.items():
        if plan.error:  # the folder could not be listed: it needs rescanning, nothing to check
            finish(files[ma])
    top_up()
    while pending:
        done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        for future in done:
            kind, ma, what = pending.pop(future)
            f = files[ma]
            checking -= kind == "check"
            if kind == "finish":
                try:
                    outcomes[ma] = future.result()
                except Exception as exc:  # this file is reported, the others go on
                    outcomes[ma] = failed_outcome(f.plan, f.row, _failure(ma, exc))
                continue
            if f.failed:
                continue
            try:
                value = future.result()
            except Exception as exc:  # one page that cannot be done sets its file aside, no more
                f.failed = _failure(what if kind == "ocr" else f"{ma} trang {what}", exc)
                outcomes[ma] = failed_outcome(f.plan, f.row, f.failed)
                continue
            if kind == "check":
                f.checked[what] = value
                if len(f.checked) == len(f.plan.pages):
                    _checked(f, model, executor, pending, finish, progress)
            else:
                f.results[what] = value
                ocr_count += 1
                if progress:
                    progress(what)
                if len(f.results) == len(f.check.pages):
                    finish(f)
        top_up()
    return outcomes, ocr_count


def _checked(f: _File, model, executor, pending, finish, progress) -> None:
    """A file whose pages are all checked: set aside for rescanning, or its OCR submitted."""
    pages = [f.checked[page.number].check for page in f.plan.pages]
    f.check = pagecheck.file_check(f.plan.ma_ho_so, pages, _expected(f.row))
    if f.check.needs_rescan:
        for page in f.plan.pages:
            if progress:
                progress(_key(f.plan, page.number))
        finish(f)
        return
    for task in page_tasks(f.plan, f.check, model):
        pending[executor.submit(ocr.ocr_page, task)] = ("ocr", f.plan.ma_ho_so, task.key)


def _key(plan: FilePlan, number: int) -> str:
    return f"{plan.ma_ho_so}#{number:04d}"


def _expected(row: dict) -> int | None:
    pages = row.get("so_trang")
    try:
        return None if pages is None or pages != pages else int(pages)  # NaN != NaN
    except (TypeError, ValueError):
        return None


def _failure(where: str, exc: BaseException) -> str:
    log.warning("digitize: %s bị lỗi", where, exc_info=exc)
    return f"{where}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _since(started: float) -> float:
    return time.perf_counter() - started
