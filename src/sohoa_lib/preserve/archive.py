"""A unit's archive after signing: the signed files checked, one package per hồ sơ, its backups."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sohoa_lib.common.files import sha256, write_text
from sohoa_lib.errors import SohoaError
from sohoa_lib.paths import UnitPaths
from sohoa_lib.preserve import history
from sohoa_lib.preserve.backup import backup
from sohoa_lib.preserve.fixity import write_manifest
from sohoa_lib.preserve.package import PageAlto, build_package, validate_package
from sohoa_lib.preserve.premis import PreservationEvent
from sohoa_lib.preserve.renew import renewal_due
from sohoa_lib.settings import UnitSettings
from sohoa_lib.sign.verify import verify_pdf

if TYPE_CHECKING:  # the hand-over record's type only: handover imports preserve, not back
    from sohoa_lib.handover import FinishedFile

Reviewed = Mapping[str, tuple[list[dict], list[PreservationEvent]]]
"""Per mã hồ sơ: its documents with biên mục applied, and the review's PREMIS events."""


def signed_rows(
    settings: UnitSettings,
    archive: Path,
    files: Mapping[str, FinishedFile],
    documents: Mapping[str, list[dict]],
    state: Mapping[str, dict],
    *,
    now: dt.datetime,
) -> tuple[list[dict], dict | None]:
    """One row per signed PDF/A (verified now, with its renewal date), and the certificate."""
    rows, certificate = [], None
    margin = dt.timedelta(days=settings.preservation.renew_margin_days)
    for ma, file in files.items():
        pages = {d.get("pdf"): d.get("so_trang") for d in documents[ma]}
        for name in file.pdfs:
            if name not in state or not (archive / name).is_file():
                continue
            verdict = verify_pdf(archive / name, settings.signing.trust_roots)
            due = renewal_due(archive / name, margin=margin, now=now)
            certificate = certificate or state[name].get("certificate")
            rows.append(
                {"ma_ho_so": ma, "tep": name, "so_trang": pages.get(name) or _pages(archive / name),
                 "muc": state[name]["level"], "thoi_diem_ky": state[name]["signed_at"],
                 "trang_thai": verdict.status, "ly_do": verdict.reason,
                 "dau_thoi_gian": verdict.timestamp or "",
                 # When the newest timestamp stops proving anything: renew before (preserve renew).
                 "gia_han_truoc": due.expires.date().isoformat() if due.expires else "",
                 "can_gia_han": due.due}
            )  # fmt: skip
    return rows, certificate


def package_and_back_up(
    settings: UnitSettings,
    paths: UnitPaths,
    files: Mapping[str, FinishedFile],
    reviewed: Reviewed,
    state: Mapping[str, dict],
    failures: list[tuple[str, str]],
) -> tuple[list[dict], list[dict]]:
    """Package each hồ sơ whose PDFs are all signed, validate it, copy it to every backup
    location; rows of packages and of copies, every problem added to `failures`."""
    packages_dir = paths.archive / "packages"
    log_csv = paths.archive / "preservation-log.csv"
    package_rows, copy_rows = [], []
    for ma, file in files.items():
        pdfs = [paths.archive / n for n in file.pdfs if (paths.archive / n).is_file()]
        if len(pdfs) != len(file.pdfs):
            continue  # not every document is signed yet: no package for a partial file
        try:
            package = build_file_package(settings, paths, file, reviewed[ma], state)
        except SohoaError as exc:
            failures.append((ma, str(exc)))
            continue
        problems = validate_package(package)
        package_rows.append({"ma_ho_so": ma, "goi": package.relative_to(paths.root).as_posix(),
                             "so_tep": sum(1 for p in package.rglob("*") if p.is_file()),
                             "hop_le": not problems, "van_de": "; ".join(problems)})  # fmt: skip
        if problems:
            failures.append((ma, "gói thông tin không hợp lệ: " + "; ".join(problems)))
            continue  # an invalid package is not copied to the backups
        locations = [loc / settings.unit for loc in settings.preservation.backups]
        # Each copy is logged (preservation-log.csv) by the backup as it is made and checked.
        for copy in backup(package, locations, log_csv=log_csv):
            copy_rows.append({"ma_ho_so": ma, "ban_sao": str(copy.copy), "so_tep": copy.files,
                              "dung_luong": copy.bytes, "da_kiem_tra": copy.verified,
                              "van_de": "; ".join(copy.problems)})  # fmt: skip
            if not copy.verified:  # a failure until a person resolves it (sohoa backup accept)
                failures.append((str(copy.copy), "bản sao dự phòng không đạt: " + "; ".join(copy.problems)))  # fmt: skip
    if packages_dir.is_dir():
        # `sohoa verify --fixity archive/packages` checks every copy against this manifest.
        write_manifest(packages_dir)
        copies = [str(loc / settings.unit) for loc in settings.preservation.backups]
        backups_json = {"copies": copies, "log": str(log_csv)}
        write_text(packages_dir / "backups.json", json.dumps(backups_json, indent=1) + "\n")
    return package_rows, copy_rows


def build_file_package(
    settings: UnitSettings,
    paths: UnitPaths,
    file: FinishedFile,
    reviewed: tuple[list[dict], Sequence[PreservationEvent]],
    state: Mapping[str, dict],
) -> Path:
    """The hồ sơ's package from its signed PDFs, stage-2 record, signing record and review; the
    same inputs give the same package (its time is the latest event's)."""
    documents, review_events = reviewed
    signed = [state[n] for n in file.pdfs if n in state]
    return build_package(
        out_dir=paths.archive / "packages",
        ma_ho_so=file.ma_ho_so,
        file_metadata=file.catalog_file,
        documents=documents,
        pdfs=[paths.archive / n for n in file.pdfs],
        events=history.package(file.events, signed, review_events),
        agent_org=settings.signing.organisation,
        alto=[PageAlto(row["trang"], paths.digitize / row["file"], row["pdf"],
                       row["trang_pdf"]) for row in file.alto],
    )  # fmt: skip


def write_pdf_manifest(archive: Path) -> None:
    """SHA-256 of the signed PDF/A files; the stage's tables and logs change, so they stay out."""
    lines = [f"{sha256(p)}  {p.name}" for p in sorted(archive.glob("*.pdf"))]
    write_text(archive / "manifest-sha256.txt", "\n".join(lines) + "\n")


def _pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as doc:
        return len(doc.pages)
