"""Stage 3, signing and preservation: PAdES signatures, verification, packages, verified backups."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping

import pandas as pd

from sohoa_lib import handover
from sohoa_lib.common.clock import VIETNAM
from sohoa_lib.common.progress import Progress
from sohoa_lib.errors import ParamsError, SohoaError
from sohoa_lib.handover import (
    BACKUP_COLUMNS,
    PACKAGE_COLUMNS,
    SIGNED_COLUMNS,
    WAITING_COLUMNS,
    FinishedFile,
    SignStageResult,
)
from sohoa_lib.paths import UnitPaths
from sohoa_lib.preserve import archive, repackage
from sohoa_lib.preserve.repackage import RENEWAL_REASON, Repackaged
from sohoa_lib.review import gate as review_gate
from sohoa_lib.settings import UnitSettings
from sohoa_lib.sign import batch
from sohoa_lib.sign.pades import Session

__all__ = ["RENEWAL_REASON", "Repackaged", "SignStageResult", "rebuild_packages", "run_sign"]


def run_sign(
    settings: UnitSettings,
    paths: UnitPaths,
    *,
    prompt: Callable[[str], str] | None = None,
    progress: Progress | None = None,
    as_of: dt.date | None = None,
) -> SignStageResult:
    """Sign, verify, package and back up every finished file of the unit.

    `progress` counts the files signed (tqdm's bar in the notebook, the terminal's status line).
    `as_of` is the date the figures are for: a file whose timestamps end within the renewal
    margin of that day's end is due for renewal (default now). Signing times are always now.
    """
    started = time.perf_counter()
    _check_settings(settings)
    files = handover.finished_files(paths.digitize, settings)
    # Biên mục first: a file with a flag nobody has looked at waits, unless params say otherwise;
    # reviewed values go into the PDF/A's XMP before it is signed, and into the package.
    gate = review_gate.check(paths, _documents(files))
    for ma in files:
        review_gate.rebuild_xmp(paths.digitize / "pdfa", gate.documents[ma], gate.events[ma])
    if not settings.review.sign_unreviewed:
        files = {ma: f for ma, f in files.items() if ma not in gate.waiting}
    archive_dir = paths.stage_dir("archive")
    state = batch.load_state(archive_dir)
    pdfa = paths.digitize / "pdfa"
    todo = [n for f in files.values() for n in f.pdfs
            if not batch.already_signed(n, pdfa, archive_dir, state)]  # fmt: skip
    failures: list[tuple[str, str]] = []
    if todo:
        if progress is not None:
            progress.begin(len(todo))
        with Session(settings.signing, settings.profile, prompt=prompt) as session:
            failures += batch.sign_files(
                session, todo, pdfa, archive_dir, state, on_signed=progress
            )
        if progress is not None:
            progress.finish()
    not_signed = len(failures)  # packaging and backup failures are counted after this
    signed, certificate = archive.signed_rows(settings, archive_dir, files, gate.documents, state,
                                              now=_moment(as_of))  # fmt: skip
    packages, copies = archive.package_and_back_up(
        settings, paths, files, _reviewed(gate), state, failures
    )
    archive.write_pdf_manifest(archive_dir)
    result = SignStageResult(
        settings=settings,
        root=paths.root,
        signed=pd.DataFrame(signed, columns=SIGNED_COLUMNS),
        packages=pd.DataFrame(packages, columns=PACKAGE_COLUMNS),
        backups=pd.DataFrame(copies, columns=BACKUP_COLUMNS),
        failures=failures,
        certificate=certificate,
        seconds=time.perf_counter() - started,
        signed_now=len(todo) - not_signed,
        waiting=pd.DataFrame(
            [
                (ma, f.ma_dinh_danh, f.field, f.value, f.reason)
                for ma, flags in gate.waiting.items()
                for f in flags
            ],
            columns=WAITING_COLUMNS,
        ),
        signed_unreviewed=tuple(ma for ma in gate.waiting if ma in files),
    )
    handover.write_sign_outputs(result, archive_dir)
    return result


def rebuild_packages(settings: UnitSettings, paths: UnitPaths, renewed: set[str]) -> Repackaged:
    """Rebuild the packages holding files `sohoa preserve renew` renewed, from the inputs this
    stage built them from, and replace their backup copies (`repackage.rebuild_packages`)."""

    def inputs():
        files = handover.finished_files(paths.digitize, settings)
        state_path = paths.archive / batch.STATE
        if not state_path.is_file():
            raise SohoaError(f"{state_path}: không tìm thấy; cần bản ghi ký số này")
        reviewed = _reviewed(review_gate.check(paths, _documents(files)))
        return files, reviewed, batch.load_state(paths.archive)

    return repackage.rebuild_packages(settings, paths, renewed, inputs)


def _check_settings(settings: UnitSettings) -> None:
    if settings.signing.pkcs12 is None and settings.signing.token is None:
        raise ParamsError(f"{settings.source}: khóa 'signing': cần 'pkcs12' hoặc 'token' để ký số")
    if len(settings.preservation.backups) < 2:
        raise ParamsError(
            f"{settings.source}: khóa 'preservation.backups' liệt kê "
            f"{len(settings.preservation.backups)} vị trí; tt05-2025 yêu cầu ít nhất hai"
        )


def _documents(files: Mapping[str, FinishedFile]) -> dict[str, dict]:
    # The review gate reads each file's documents as stage 2 catalogued them.
    return {ma: {"catalog_documents": f.catalog_documents} for ma, f in files.items()}


def _reviewed(gate: review_gate.Gate) -> archive.Reviewed:
    return {ma: (gate.documents[ma], gate.events[ma]) for ma in gate.documents}


def _moment(as_of: dt.date | None) -> dt.datetime:
    """The moment renewal is judged at: the end of `as_of` in Vietnam, or now."""
    if as_of is None:
        return dt.datetime.now(dt.UTC)
    return dt.datetime.combine(as_of, dt.time(23, 59, 59), VIETNAM)
