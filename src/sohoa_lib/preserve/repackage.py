"""Packages rebuilt after `sohoa preserve renew`, and their backup copies replaced."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sohoa_lib.errors import PreservationError, SohoaError
from sohoa_lib.paths import UnitPaths
from sohoa_lib.preserve.archive import Reviewed, build_file_package
from sohoa_lib.preserve.backup import BackupResult, accept
from sohoa_lib.preserve.backup import reference as backup_reference
from sohoa_lib.preserve.fixity import check_manifest, write_manifest
from sohoa_lib.preserve.package import validate_package
from sohoa_lib.settings import UnitSettings
from sohoa_lib.sign.batch import already_signed

if TYPE_CHECKING:  # the hand-over record's type only: handover imports preserve, not back
    from sohoa_lib.handover import FinishedFile

RENEWAL_REASON = "gia hạn kiểm tra dài hạn (sohoa preserve renew): gói dựng lại với tệp đã gia hạn"

Inputs = Callable[[], "tuple[Mapping[str, FinishedFile], Reviewed, Mapping[str, dict]]"]
"""Reads what the sign stage built the packages from: stage 2's finished files, the review,
signed.json; SohoaError when one cannot be read."""


@dataclass(frozen=True)
class Repackaged:
    """What `sohoa preserve renew` did to the packages holding the files it renewed."""

    packages: list[Path]
    """Packages rebuilt with the renewed files (valid ones only)."""
    backups: list[BackupResult]
    """Every backup copy of those packages after the replacement."""
    failures: list[tuple[str, str]]
    """(package, copy or hồ sơ; reason) for everything that could not be done."""


def rebuild_packages(
    settings: UnitSettings, paths: UnitPaths, renewed: set[str], inputs: Inputs
) -> Repackaged:
    """Rebuild each package under `archive/packages/` that holds a renewed file, then replace
    its backup copies with it.

    The package is built exactly as the sign stage builds it (same inputs and code, the renewal
    a PREMIS event from `signed.json` beside the earlier ones), so a later run of the stage
    leaves it alone. It is rebuilt only when it still matches its own manifest and every one of
    its PDFs was signed from the stage-2 file there now; otherwise it is left as it is and named
    in `failures`, since rebuilding would hide a difference nobody has looked at. The copies
    are replaced through `backup.accept`, only where they equal the package before renewal,
    the superseded copy kept; `packages/manifest-sha256.txt` is rewritten after.
    """
    packages_dir = paths.archive / "packages"
    affected = {
        p.name: p
        for p in sorted(packages_dir.iterdir() if packages_dir.is_dir() else [])
        if p.is_dir()
        and not p.name.startswith(".")
        and {f.name for f in p.rglob("*.pdf")} & renewed
    }
    result = Repackaged([], [], [])
    if not affected:
        return result
    kept = "; gói vẫn giữ tệp trước khi gia hạn"
    try:
        files, reviewed, state = inputs()
    except SohoaError as exc:
        result.failures.extend((str(p), f"không dựng lại được gói: {exc}{kept}")
                               for p in affected.values())  # fmt: skip
        return result
    for ma, package in affected.items():
        file = files.get(ma)
        reason = _unsafe(package, ma, file, paths, state)
        if reason:
            result.failures.append((str(package), f"không dựng lại được gói: {reason}{kept}"))
            continue
        previous = backup_reference(package)  # the copies that are this version get replaced
        try:
            build_file_package(settings, paths, file, reviewed[ma], state)
        except SohoaError as exc:
            result.failures.append((str(package), f"không dựng lại được gói: {exc}{kept}"))
            continue
        problems = validate_package(package)
        if problems:
            result.failures.append((str(package), "gói dựng lại không hợp lệ, chưa sao lưu: "
                                    + "; ".join(problems)))  # fmt: skip
            continue
        result.packages.append(package)
        try:
            copies = accept(package, previous=previous, reason=RENEWAL_REASON)
        except PreservationError as exc:
            result.failures.append((str(package), f"bản sao dự phòng chưa được thay: {exc}"))
            continue
        result.backups.extend(copies)
        result.failures.extend((str(c.copy), "bản sao dự phòng không đạt: " + "; ".join(c.problems))
                               for c in copies if not c.verified)  # fmt: skip
    # `verify --fixity` checks every copy of the unit against this manifest.
    write_manifest(packages_dir)
    return result


def _unsafe(
    package: Path, ma: str, file: FinishedFile | None, paths: UnitPaths, state: Mapping
) -> str:
    """Why rebuilding the package would hide a difference nobody has looked at; '' when safe."""
    try:
        own = check_manifest(package)
    except SohoaError as exc:
        return f"gói không có manifest đọc được ({exc}): cần người kiểm tra"
    if file is None:
        return f"không có bản ghi giai đoạn 2 của hồ sơ {ma}"
    pdfa = paths.digitize / "pdfa"
    if not all(already_signed(n, pdfa, paths.archive, state) for n in file.pdfs):
        return ("tệp PDF/A của giai đoạn 2 đã đổi từ khi ký: chạy lại giai đoạn ký "
                "(sohoa run UNIT --stages sign)")  # fmt: skip
    if not own.ok:
        return f"gói không khớp manifest của chính nó ({own.describe()}): cần người kiểm tra"
    return ""
