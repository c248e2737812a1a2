"""Backups of information packages: a verified copy in every backup location, each one logged."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sohoa_lib.common.clock import in_vietnam, now
from sohoa_lib.common.files import sha256
from sohoa_lib.errors import InputError, ParamsError, PreservationError
from sohoa_lib.preserve import fixity

MIN_LOCATIONS = fixity.MIN_COPIES


@dataclass(frozen=True)
class BackupResult:
    """One copy of one package in one backup location."""

    source: Path
    """The package copied."""
    copy: Path
    """`<location>/<package folder name>`."""
    files: int
    """Files in the copy (0 when no copy is there)."""
    bytes: int
    verified: bool
    """Every file of the copy, its manifest included, matches the package's manifest."""
    problems: list[str]
    """What is wrong, one line each in Vietnamese (for the stage's table and the log)."""


def backup(package: Path, locations: Sequence[Path], *, log_csv: Path) -> list[BackupResult]:
    """Copy `package` into each location, verify each copy, append one log row per copy.

    A copy is made under a temporary name in the location, checked file by file against the
    package's manifest, and only then renamed to its final name; a copy that does not match is
    discarded. A copy already there is left alone and verified: when it differs it is reported,
    never overwritten, since it may be the only good copy left and a person must decide. The
    package itself is only read. ParamsError when fewer than two distinct locations are given, or
    when a location would put the copy onto or inside the package.
    """
    package = Path(package).resolve()
    targets = _targets(package, locations)
    try:
        reference = fixity.read_manifest(package / fixity.MANIFEST)
        manifest_digest = sha256(package / fixity.MANIFEST)
    except (InputError, OSError) as exc:
        reference, manifest_digest, unreadable = None, "", str(exc)
    results = []
    for target in targets:
        if reference is None:
            result, detail = _failed(package, target, f"gói không có manifest: {unreadable}")
        else:
            result, detail = _copy_one(package, target, reference, manifest_digest)
        fixity.log_event(log_csv, event="backup", target=str(target),
                         result="ok" if result.verified else "failed", detail=detail)  # fmt: skip
        results.append(result)
    return results


def _targets(package: Path, locations: Sequence[Path]) -> list[Path]:
    distinct = list(dict.fromkeys(Path(location).resolve() for location in locations))
    if len(distinct) < MIN_LOCATIONS:
        raise ParamsError(
            f"{package.name}: có {len(distinct)} vị trí sao lưu khác nhau; tt05-2025 "
            f"yêu cầu ít nhất {MIN_LOCATIONS} vị trí, trên các thiết bị lưu trữ độc lập"
        )
    for location in distinct:
        if location == package.parent or location.is_relative_to(package):
            raise ParamsError(
                f"vị trí sao lưu {location}: bản sao sẽ nằm đè lên hoặc nằm bên trong {package}"
            )
    return [location / package.name for location in distinct]


def _copy_one(
    package: Path, target: Path, reference: dict[str, str], manifest_digest: str
) -> tuple[BackupResult, str]:
    try:
        if target.exists():
            return _existing(package, target, reference, manifest_digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            shutil.copytree(package, work, dirs_exist_ok=True)
            report, problems = _verify(work, reference, manifest_digest)
            if problems:
                return _failed(package, target, "bản sao mới không khớp manifest, đã bỏ", *problems)
            # mkdtemp makes the folder private; the copy is for whoever restores it.
            work.chmod(0o755)
            try:
                os.rename(work, target)
            except OSError:
                if target.exists():  # another run made the same copy meanwhile: check that one
                    return _existing(package, target, reference, manifest_digest)
                raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except OSError as exc:
        return _failed(package, target, f"không sao chép được: {exc}")
    files, size = _size(target)
    return BackupResult(package, target, files, size, True, []), f"bản sao mới; {report.describe()}"


def _existing(
    package: Path, target: Path, reference: dict[str, str], manifest_digest: str
) -> tuple[BackupResult, str]:
    report, problems = _verify(target, reference, manifest_digest)
    files, size = _size(target)
    if problems:
        problems = ["bản sao đã có khác với gói, không ghi đè: cần người kiểm tra", *problems]
        detail = "; ".join(problems[:20])
    else:
        detail = f"bản sao đã có, giống hệt, để nguyên; {report.describe()}"
    return BackupResult(package, target, files, size, not problems, problems), detail


def _failed(package: Path, target: Path, *problems: str) -> tuple[BackupResult, str]:
    files, size = _size(target) if target.is_dir() else (0, 0)
    result = BackupResult(package, target, files, size, False, list(problems))
    return result, "; ".join(problems[:20])


def _verify(
    copy: Path, reference: dict[str, str], manifest_digest: str
) -> tuple[fixity.FixityReport, list[str]]:
    """The copy against the package's manifest, the manifest file itself included."""
    report = fixity.check_copy(reference, copy)
    problems = [f"{rel}: {fixity.PROBLEM_LABELS[kind]}" for kind, rel in report.problems()]
    manifest = copy / fixity.MANIFEST
    if not manifest.is_file():
        problems.append(f"{fixity.MANIFEST}: {fixity.PROBLEM_LABELS['missing']}")
    elif sha256(manifest) != manifest_digest:
        problems.append(f"{fixity.MANIFEST}: {fixity.PROBLEM_LABELS['changed']}")
    return report, problems


def _size(folder: Path) -> tuple[int, int]:
    sizes = [p.stat().st_size for p in folder.rglob("*") if p.is_file()]
    return len(sizes), sum(sizes)


SUPERSEDED = ".superseded"
"""Suffix of the folder beside a backup folder (`<location>/<UNIT>.superseded/`) that keeps the
copies replaced by `accept`: outside the folder that fixity checks compare, never deleted."""


def accept(
    package: Path,
    *,
    when: dt.datetime | None = None,
    previous: tuple[dict[str, str], str] | None = None,
    reason: str = "chấp nhận gói mới",
) -> list[BackupResult]:
    """Accept `package` as the new version in every backup copy that differs from it.

    What `sohoa backup accept` does once a person has checked that the package, not the copy, is
    right, and what `sohoa preserve renew` does for a package it rebuilt. The package must match
    its own manifest. In each location of the packages folder's `backups.json`, a differing copy
    is moved, whole and unchanged, to `<location>.superseded/<package>.<time>/`, then the package
    is copied and verified as usual; a copy that matches is left alone. `previous` (the manifest
    and its SHA-256 of the package version being replaced): only a copy equal to that version is
    replaced, a copy that already differed from it is left and reported, since nobody has looked
    at that difference. `reason` heads the log's detail. Each step is logged; a copy that cannot
    be set aside is a failed result naming why. PreservationError when the package is damaged or
    the bookkeeping needed to find the copies is missing.
    """
    package = Path(package).resolve()
    packages_dir = package.parent
    backups = fixity.read_backups(packages_dir)
    if backups is None or not backups.copies or backups.log is None:
        raise PreservationError(
            f"{packages_dir / fixity.BACKUPS}: không có, hoặc thiếu khóa 'copies' và 'log': không "
            f"biết các bản sao của {package.name} ở đâu; hãy chỉ một gói trong thư mục packages "
            "của một đơn vị đã ký (outputs/<UNIT>/archive/packages/<mã hồ sơ>)"
        )
    own = fixity.check_manifest(package)
    if not own.ok:
        raise PreservationError(
            f"{package}: gói không khớp với {fixity.MANIFEST} của chính nó ({own.describe()}); "
            "không thể dùng gói này thay cho bản sao nào"
        )
    stamp = in_vietnam(when or now())
    held: dict[Path, str] = {}  # copies left in place, and why: their results say so
    for location in backups.copies:
        copy = location / package.name
        if not copy.exists() or _existing(package, copy, *reference(package))[0].verified:
            continue
        if previous is not None and not _existing(package, copy, *previous)[0].verified:
            held[copy.resolve()] = (
                "bản sao đã khác gói trước khi thay: không thay, cần người kiểm tra "
                "(sohoa backup accept)"
            )
            continue
        keep = location.with_name(location.name + SUPERSEDED) / (
            f"{package.name}.{stamp.strftime('%Y%m%dT%H%M%S')}"
        )
        # Two replacements within a second (an accept, then a renewal) must not collide.
        keep = next(
            k
            for k in (keep, *(keep.with_name(f"{keep.name}-{n}") for n in range(2, 1000)))
            if not k.exists()
        )
        try:
            keep.parent.mkdir(parents=True, exist_ok=True)
            os.rename(copy, keep)  # same file system: atomic, and the old copy stays byte for byte
        except OSError as exc:
            held[copy.resolve()] = f"không chuyển được bản sao cũ sang {keep}: {exc}"
            fixity.log_event(backups.log, event="backup", target=str(copy), result="failed",
                             detail=f"{reason}; {held[copy.resolve()]}")  # fmt: skip
            continue
        fixity.log_event(backups.log, event="backup", target=str(copy), result="ok",
                         detail=f"{reason}; bản sao cũ giữ tại {keep}")  # fmt: skip
    results = backup(package, list(backups.copies), log_csv=backups.log)
    # A copy left in place differs from the package, so backup() already failed it; the reason
    # it was left comes first.
    return [
        replace(r, verified=False, problems=[held[r.copy.resolve()], *r.problems])
        if r.copy.resolve() in held
        else r
        for r in results
    ]


def reference(package: Path) -> tuple[dict[str, str], str]:
    """The package's manifest and the manifest's own SHA-256: what a copy of it must equal."""
    return fixity.read_manifest(package / fixity.MANIFEST), sha256(package / fixity.MANIFEST)
