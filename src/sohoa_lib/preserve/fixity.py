"""Fixity: read-only checks of an archive and its backup copies against their SHA-256 manifests."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from sohoa_lib.common.files import sha256
from sohoa_lib.errors import InputError, ParamsError
from sohoa_lib.preserve.auditlog import EVENTS, LOG_COLUMNS, log_event, read_log
from sohoa_lib.preserve.manifest import (
    BACKUPS,
    CONTROL_FILES,
    LOG,
    MANIFEST,
    listing,
    manifest,
    read_manifest,
    write_manifest,
)

# What the other modules and the command line use, wherever it lives now.
__all__ = ["BACKUPS", "CONTROL_FILES", "EVENTS", "LOG", "LOG_COLUMNS", "MANIFEST", "MIN_COPIES",
           "PACKAGES", "PROBLEM_LABELS", "Backups", "FixityReport", "bookkeeping_problems",
           "check_archive", "check_copy", "check_manifest", "fixity_folder", "format_report",
           "log_check", "log_event", "manifest", "read_backups", "read_log", "read_manifest",
           "write_manifest"]  # fmt: skip
from sohoa_lib.settings import MIN_BACKUP_COPIES

PACKAGES = "packages"
"""In an archive folder, the information packages with their manifest and backups.json."""
MIN_COPIES = MIN_BACKUP_COPIES
"""Circular 05/2025/TT-BNV: at least two backup copies, on independent storage."""

PROBLEM_LABELS = {
    "missing": "thiếu",
    "changed": "bị thay đổi",
    "extra": "thừa",
    "unreadable": "không đọc được",
}

# Names listed in a detail cell of the log; the full lists are printed, the log stays readable.
_DETAIL_NAMES = 20


@dataclass(frozen=True)
class FixityReport:
    """One location compared with its reference checksums."""

    location: Path
    """The folder checked (the archive itself or one backup copy)."""
    missing: list[str]
    """Listed in the reference, absent here."""
    changed: list[str]
    """Present, but the bytes differ from the reference checksum."""
    extra: list[str]
    """Present here, not listed in the reference."""
    checked: int
    """Files present in both and hashed."""
    unreadable: list[str] = field(default_factory=list)
    """Present but could not be read (permissions, I/O error): their content is unconfirmed."""
    found: bool = True
    """False when the location itself does not exist (every file then counts as missing)."""

    @property
    def ok(self) -> bool:
        return self.found and not (self.missing or self.changed or self.extra or self.unreadable)

    def describe(self) -> str:
        """One line in Vietnamese: what matched, what did not."""
        if not self.found:
            return f"không tìm thấy thư mục; thiếu {len(self.missing)} tệp"
        if self.ok:
            return f"khớp, {self.checked} tệp"
        parts = [
            f"{label} {len(names)}"
            for label, names in zip(PROBLEM_LABELS.values(), self._lists(), strict=True)
            if names
        ]
        return f"{', '.join(parts)} (đã so {self.checked} tệp)"

    def problems(self) -> list[tuple[str, str]]:
        """(kind, relative path) for every problem, kinds in a fixed order."""
        return [
            (kind, name)
            for kind, names in zip(PROBLEM_LABELS, self._lists(), strict=True)
            for name in names
        ]

    def _lists(self) -> tuple[list[str], ...]:
        return (self.missing, self.changed, self.extra, self.unreadable)


def format_report(report: FixityReport) -> list[str]:
    """Lines for the console: the location's result, then one line per problem file."""
    status = "ok" if report.ok else "failed"
    lines = [f"{status:<10} {report.location}  tổng kiểm SHA-256: {report.describe()}"]
    lines += [f"  {kind:<10} {name}  ({PROBLEM_LABELS[kind]})" for kind, name in report.problems()]
    return lines


@dataclass(frozen=True)
class Backups:
    """`backups.json` of an archive folder: where its copies are and where checks are logged."""

    copies: tuple[Path, ...] = ()
    """Backup copies of the folder, on independent storage."""
    log: Path | None = None
    """The preservation log (CSV) that every backup and check is appended to."""


def check_copy(
    reference: Mapping[str, str], copy_root: Path, *, exclude: Collection[str] = CONTROL_FILES
) -> FixityReport:
    """Compare the files under `copy_root` with `reference`; read-only: never writes, never fixes."""
    copy_root = Path(copy_root)
    expected = {unicodedata.normalize("NFC", rel): d.lower() for rel, d in reference.items()}
    found = copy_root.is_dir()
    present = listing(copy_root, exclude) if found else {}
    changed, unreadable = [], []
    both = sorted(expected.keys() & present.keys())
    for rel in both:
        try:
            digest = sha256(present[rel])
        except OSError:
            unreadable.append(rel)
            continue
        if digest != expected[rel]:
            changed.append(rel)
    return FixityReport(
        location=copy_root,
        missing=sorted(expected.keys() - present.keys()),
        changed=changed,
        extra=sorted(present.keys() - expected.keys()),
        checked=len(both) - len(unreadable),
        unreadable=unreadable,
        found=found,
    )


def check_manifest(folder: Path, name: str = MANIFEST, *, extra: bool = True) -> FixityReport:
    """A folder against its own manifest; `extra=False` checks only the files it lists.

    Some manifests cover part of a folder (the signed PDFs, not the tables beside them);
    for those, files not listed are not a problem.
    """
    folder = Path(folder)
    report = check_copy(read_manifest(folder / name), folder, exclude={*CONTROL_FILES, name})
    return report if extra else replace(report, extra=[])


def read_backups(folder: Path) -> Backups | None:
    """`<folder>/backups.json`, paths relative to it; None when absent; ParamsError if malformed."""
    path = Path(folder) / BACKUPS
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParamsError(f"{path}: không phải JSON hợp lệ: {exc}") from None
    if not isinstance(data, dict):
        raise ParamsError(f'{path}: cần một đối tượng dạng {{"copies": [...], "log": "..."}}')
    unknown = sorted(set(data) - {"copies", "log"})
    if unknown:
        raise ParamsError(
            f"{path}: khóa không xác định {unknown[0]!r} (các khóa hợp lệ: copies, log)"
        )
    copies = data.get("copies", [])
    if not isinstance(copies, list) or not all(isinstance(c, str) and c for c in copies):
        raise ParamsError(f"{path}: khóa 'copies' phải là một danh sách đường dẫn thư mục")
    log = data.get("log")
    if log is not None and not (isinstance(log, str) and log):
        raise ParamsError(f"{path}: khóa 'log' phải là một đường dẫn tệp")
    base = path.parent
    return Backups(
        copies=tuple((base / c).resolve() for c in copies),
        log=(base / log).resolve() if log else None,
    )


def check_archive(folder: Path, *, when: dt.datetime | None = None) -> list[FixityReport]:
    """The folder against its manifest, then each backup copy; each check appended to the log.

    The reference is the manifest when there is one, else the folder's current checksums (so
    copies of a folder without a manifest can still be compared). Nothing is written except one
    log row per location, and only when backups.json names a log.
    """
    folder = Path(folder).resolve()
    backups = read_backups(folder) or Backups()
    has_manifest = (folder / MANIFEST).is_file()
    if not has_manifest and not backups.copies:
        raise InputError(
            f"{folder}: không có {MANIFEST} cũng không có bản sao nào trong {BACKUPS}: không có gì để kiểm tra"
        )
    copies = [c for c in backups.copies if c != folder]
    if has_manifest:
        reference = read_manifest(folder / MANIFEST)
        locations = [folder, *copies]
    else:  # the folder is its own reference, so only the copies have something to prove
        reference = manifest(folder, exclude=_exclusions(folder, backups.log))
        locations = copies
    reports = []
    for location in locations:
        report = check_copy(reference, location, exclude=_exclusions(location, backups.log))
        reports.append(report)
        if backups.log is not None:
            log_check(backups.log, report, when=when)
    return reports


def log_check(log_csv: Path, report: FixityReport, *, when: dt.datetime | None = None) -> None:
    """Append a fixity check's result to the preservation log."""
    log_event(log_csv, event="fixity-check", target=str(report.location),
              result="ok" if report.ok else "failed", detail=_log_detail(report), when=when)  # fmt: skip


def fixity_folder(path: Path) -> Path:
    """The folder whose copies `verify --fixity PATH` checks: PATH itself, or, for an archive
    folder (whose own manifest lists only the signed PDFs), its `packages/` folder.

    ParamsError naming the folder to give when PATH is a unit's output folder.
    """
    path = Path(path).resolve()
    if not (path / BACKUPS).is_file() and (path / PACKAGES / MANIFEST).is_file():
        return path / PACKAGES
    if not (path / MANIFEST).is_file() and (path / "archive" / PACKAGES).is_dir():
        raise ParamsError(
            f"verify --fixity: {path} là thư mục kết quả của một đơn vị: hãy chỉ {path / 'archive'} "
            f"(tệp PDF đã ký, gói và bản sao) hoặc {path / 'archive' / PACKAGES}"
        )
    return path


def bookkeeping_problems(folder: Path, *, when: dt.datetime | None = None) -> list[str]:
    """What is missing from the records that let `folder` and its copies be checked, one line
    each in Vietnamese; logged when there is a log. A check that could not be run is a failed
    check, never a silent success: without backups.json no copy is checked at all."""
    folder = Path(folder).resolve()
    problems = []
    if not (folder / MANIFEST).is_file():
        problems.append(f"{folder / MANIFEST}: không có; thư mục không đối chiếu được với chính nó")
    backups = read_backups(folder)
    if backups is None:
        problems.append(
            f"{folder / BACKUPS}: không có; không biết bản sao dự phòng ở đâu nên chưa kiểm tra "
            "bản sao nào"
        )
        return problems
    copies = {c for c in backups.copies if c != folder}
    if len(copies) < MIN_COPIES:
        problems.append(
            f"{folder / BACKUPS}: liệt kê {len(copies)} bản sao; cần ít nhất {MIN_COPIES}, "
            "trên thiết bị lưu trữ độc lập"
        )
    if backups.log is None:
        problems.append(
            f"{folder / BACKUPS}: không có khóa 'log'; lần kiểm tra không được ghi vào nhật ký "
            "bảo quản"
        )
    else:
        for problem in problems:
            log_event(backups.log, event="fixity-check", target=str(folder), result="failed",
                      detail=problem, when=when)  # fmt: skip
    return problems


def _exclusions(location: Path, log: Path | None) -> set[str]:
    excluded = set(CONTROL_FILES)
    if log is not None and log.is_relative_to(location):
        excluded.add(log.relative_to(location).as_posix())
    return excluded


def _log_detail(report: FixityReport) -> str:
    parts = [report.describe()]
    for kind, names in zip(PROBLEM_LABELS, report._lists(), strict=True):
        if names:
            more = f" … (+{len(names) - _DETAIL_NAMES})" if len(names) > _DETAIL_NAMES else ""
            parts.append(f"{kind}: {', '.join(names[:_DETAIL_NAMES])}{more}")
    return "; ".join(parts)
