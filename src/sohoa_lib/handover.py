"""Typed records of what each stage writes and the next reads; read and written here only."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sohoa_lib.common.files import write_csv, write_text
from sohoa_lib.errors import InputError, PreservationError, SohoaError
from sohoa_lib.preserve import history
from sohoa_lib.preserve.premis import PreservationEvent
from sohoa_lib.settings import UnitSettings

# A selected file's status in stage 2 (digitize/files.csv, trang_thai).
STATUS_DONE = "hoàn thành"
STATUS_RESCAN = "cần quét lại"
STATUS_PENDING = "chờ quét"
STATUS_FAILED = "lỗi xử lý"

SUMMARY = "summary.json"
"""Each stage's key figures, in its folder: what later stages, the indicators and the national
step read as numbers rather than from notebooks."""

# The figures each stage's summary.json carries, by the folder it is written to. A key a stage
# writes must be listed (write_summary refuses others), and an indicator's `from_output` must name
# a listed key (stats.indicators checks it on load), so a misspelt key fails where it is typed
# instead of reading as a figure nobody reported. Keys under a mapping are dotted (`pace.as_of`).
SUMMARY_KEYS: dict[str, frozenset[str]] = {
    "inventory": frozenset({
        "unit", "as_of", "holdings_files", "holdings_sheets", "holdings_pages", "rejected_rows",
        "reading", "target_share", "non_electronic_pages", "target_pages", "eligible_files",
        "eligible_pages", "selected_files", "selected_sheets", "selected_pages",
        "shortfall_pages", "achieved_share", "cost_total", "labour_days", "currency", "pace",
        "pace.as_of", "pace.deadline", "pace.pages_remaining", "pace.capacity_per_day",
        "pace.scanner_capacity", "pace.staff_capacity", "pace.days_needed",
        "pace.projected_finish", "pace.working_days_left", "pace.required_per_day",
        "pace.overdue_days", "pace.new_target_date", "pace.required_per_day_new_target",
        "pace.on_track",
    }),
    "digitize": frozenset({
        "unit", "as_of", "selected_files", "scanned_files", "done_files", "rescan_files",
        "pending_files", "pages_checked", "pages_passed", "pages_warned", "digitized_pages",
        "documents", "documents_flagged", "mean_ocr_confidence", "ocr_pages_this_run",
        "seconds", "pages_per_minute", "ocr_model", "model",
    }),
    "archive": frozenset({
        "unit", "as_of", "files", "signed_now", "valid", "not_valid", "signed_pages", "packages",
        "backup_copies", "backup_copies_verified", "failures", "renewal_due",
        "waiting_review_files", "waiting_review_documents", "sign_unreviewed",
        "signed_unreviewed_files", "seconds", "files_per_second", "certificate",
    }),
    "statistics": frozenset({
        "unit", "as_of", "snapshot_period", "files", "periods", "values", "programme_values",
        "sector_values", "set_aside", "problems", "problems_by_rule", "seconds",
    }),
    "national": frozenset({
        "as_of", "catalogue", "catalogue_merged", "catalogue_units", "digitized_pages",
        "indicator_values", "periods", "problems", "seconds", "selected_pages", "signed_pages",
        "units", "units_overdue", "units_reported",
    }),
}  # fmt: skip


def write_summary(folder: Path, stage: str, figures: Mapping[str, Any]) -> Path:
    """Write a stage's summary.json into `folder`, refusing a figure the stage does not declare."""
    undeclared = sorted(set(figures) - SUMMARY_KEYS.get(stage, frozenset(figures)))
    if undeclared:
        raise ValueError(
            f"{stage}/{SUMMARY}: figures not declared in handover.SUMMARY_KEYS: {undeclared}"
        )
    path = folder / SUMMARY
    write_text(path, json.dumps(dict(figures), ensure_ascii=False, indent=2, default=str) + "\n")
    return path


def read_summary(unit_root: Path, stage: str) -> dict[str, Any] | None:
    """A stage's figures for the unit in `unit_root`; None when the stage has not written them.

    A file that exists but cannot be read is an InputError naming it: "not run" and "unreadable"
    are different answers.
    """
    path = unit_root / stage / SUMMARY
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: không đọc được số liệu tổng hợp của giai đoạn: {exc}") from exc
    if not isinstance(found, dict):
        raise InputError(f"{path}: cần một đối tượng JSON, nhận được {type(found).__name__}")
    return found


def summary_value(summary: Mapping[str, Any] | None, dotted: str) -> Any:
    """`summary["pace"]["overdue_days"]` for `pace.overdue_days`; None where a key is absent."""
    value: Any = summary
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def check_summary_key(stage: str, dotted: str) -> str | None:
    """Why `stage`'s summary cannot hold `dotted` (None when it can), for messages at load time."""
    if stage not in SUMMARY_KEYS:
        return f"giai đoạn {stage!r} không có {SUMMARY} (có: {', '.join(SUMMARY_KEYS)})"
    if dotted not in SUMMARY_KEYS[stage]:
        return f"{stage}/{SUMMARY} không có số liệu {dotted!r}"
    return None


FILE_RECORDS = "files"
"""Stage 2's folder of file records, digitize/files/<mã hồ sơ>.json."""


def write_file_record(
    path: Path,
    *,
    inputs: Mapping[str, str],
    settings_key: str,
    outcome: Mapping,
    events: Sequence[PreservationEvent] = (),
) -> None:
    """Stage 2's record of one file: what it was made from (for resuming), what it produced, and
    the PREMIS events of the steps that produced it, as each recorded them."""
    record = {"inputs": dict(inputs), "settings": settings_key, "outcome": dict(outcome),
              "events": [dataclasses.asdict(e) for e in events]}  # fmt: skip
    write_text(path, json.dumps(record, ensure_ascii=False, default=str) + "\n")


def read_file_record(path: Path) -> dict:
    """A stage-2 file record as written; SohoaError naming the file when it cannot be read."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SohoaError(f"{path}: bản ghi giai đoạn 2 không đọc được ({exc})") from exc
    if not isinstance(record, dict) or not isinstance(record.get("outcome"), dict):
        raise SohoaError(f"{path}: bản ghi giai đoạn 2 thiếu mục 'outcome'")
    return record


@dataclass(frozen=True)
class FinishedFile:
    """A hồ sơ stage 2 finished, as stage 3 reads it: its PDF/A files, metadata and history."""

    ma_ho_so: str
    pdfs: tuple[str, ...]
    """PDF/A file names under digitize/pdfa/."""
    catalog_file: dict
    catalog_documents: list[dict]
    alto: list[dict]
    """One row per page: `trang`, `file` (relative to digitize/), `pdf`, `trang_pdf`."""
    events: tuple[PreservationEvent, ...]
    """Capture, page checks, OCR and PDF/A creation, as stage 2 recorded them when it did the
    work; for a record from before that, rebuilt from file times and marked so in each detail."""
    record: Path


def finished_files(digitize: Path, settings: UnitSettings) -> dict[str, FinishedFile]:
    """Every file stage 2 finished with at least one PDF/A, by mã hồ sơ, in code order."""
    folder = digitize / FILE_RECORDS
    if not folder.is_dir():
        raise SohoaError(f"{folder}: không tìm thấy; hãy chạy bước digitize trước (sohoa run UNIT)")
    found = {}
    for path in sorted(folder.glob("*.json")):
        record = read_file_record(path)
        outcome = record["outcome"]
        if outcome["file_row"]["trang_thai"] != STATUS_DONE or not outcome["pdfs"]:
            continue
        ma = outcome["file_row"]["ma_ho_so"]
        if "events" in record:
            events = tuple(PreservationEvent(**e) for e in record["events"])
        else:
            scans = settings.scans / ma if settings.scans else None
            pdfa = [digitize / "pdfa" / n for n in outcome["pdfs"]]
            events = tuple(history.reconstructed_digitize(scans, settings.name, path, pdfa))
        found[ma] = FinishedFile(ma, tuple(outcome["pdfs"]), outcome["catalog_file"],
                                 outcome["catalog_documents"], outcome.get("alto", []), events,
                                 path)  # fmt: skip
    return found


SIGNED_COLUMNS = ["ma_ho_so", "tep", "so_trang", "muc", "thoi_diem_ky", "trang_thai", "ly_do",
                  "dau_thoi_gian", "gia_han_truoc", "can_gia_han"]  # fmt: skip
PACKAGE_COLUMNS = ["ma_ho_so", "goi", "so_tep", "hop_le", "van_de"]
BACKUP_COLUMNS = ["ma_ho_so", "ban_sao", "so_tep", "dung_luong", "da_kiem_tra", "van_de"]
WAITING_COLUMNS = ["ma_ho_so", "ma_dinh_danh", "truong", "gia_tri", "ly_do"]
FAILURE_COLUMNS = ["tep", "ly_do"]


@dataclass(frozen=True)
class SignStageResult:
    """What stage 3 did for a unit; the same tables are written as CSV under archive/."""

    settings: UnitSettings
    root: Path
    signed: pd.DataFrame
    """One row per PDF/A: signed file, level, time, verification status and reason."""
    packages: pd.DataFrame
    """One row per hồ sơ: its package and whether it validates."""
    backups: pd.DataFrame
    """One row per package copy: location, files, bytes, verified, problems."""
    failures: list[tuple[str, str]]
    """(file, reason) for every file that could not be signed or packaged."""
    certificate: dict | None
    seconds: float
    signed_now: int
    """Files signed in this run (the others were already signed from the same source)."""
    waiting: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WAITING_COLUMNS))
    """One row per open flag of a hồ sơ with flagged fields nobody has reviewed (chờ biên mục)."""
    signed_unreviewed: tuple[str, ...] = ()
    """Hồ sơ signed with open flags because params say `review.sign_unreviewed: true`."""

    def raise_for_failures(self) -> None:
        """PreservationError when a file, package or backup copy failed: the stage then fails,
        and `sohoa run` exits non-zero, after the report has shown every failure."""
        if self.failures:
            names = ", ".join(name for name, _ in self.failures[:5])
            more = f" và {len(self.failures) - 5} mục khác" if len(self.failures) > 5 else ""
            raise PreservationError(
                f"{len(self.failures)} lỗi ký số, đóng gói hoặc sao lưu: {names}{more} "
                f"(chi tiết: {self.root / 'archive' / 'failures.csv'})"
            )

    def figures(self) -> dict:
        """Key figures, as written to archive/summary.json for the statistics stage."""
        s = self.signed
        valid = s["trang_thai"] == "valid" if len(s) else pd.Series(dtype=bool)
        held = len(self.waiting) and not self.settings.review.sign_unreviewed
        return {
            "unit": self.settings.unit,
            "files": len(s),
            "signed_now": self.signed_now,
            "valid": int(valid.sum()),
            "not_valid": int((~valid).sum()),
            "signed_pages": int(s.loc[valid, "so_trang"].sum()) if len(s) else 0,
            "packages": len(self.packages),
            "backup_copies": len(self.backups),
            "backup_copies_verified": int(self.backups["da_kiem_tra"].sum())
            if len(self.backups)
            else 0,
            "failures": len(self.failures),
            # Files whose newest timestamp ends within preservation.renew_margin_days.
            "renewal_due": int(s["can_gia_han"].sum()) if len(s) else 0,
            # Files held back for biên mục, or signed knowingly without it (review.sign_unreviewed).
            "waiting_review_files": int(self.waiting["ma_ho_so"].nunique()) if held else 0,
            "waiting_review_documents": int(self.waiting["ma_dinh_danh"].nunique()) if held else 0,
            "sign_unreviewed": self.settings.review.sign_unreviewed,
            "signed_unreviewed_files": len(self.signed_unreviewed),
            "seconds": round(self.seconds, 1),
            "files_per_second": round(self.signed_now / self.seconds, 2)
            if self.signed_now
            else None,
        }


def write_sign_outputs(result: SignStageResult, archive: Path) -> None:
    """Stage 3's tables and summary.json under archive/."""
    write_csv(archive / "signed.csv", result.signed)
    write_csv(archive / "packages.csv", result.packages)
    write_csv(archive / "backups.csv", result.backups)
    write_csv(archive / "failures.csv", pd.DataFrame(result.failures, columns=FAILURE_COLUMNS))
    write_csv(archive / "waiting_review.csv", result.waiting)
    write_summary(archive, "archive", result.figures() | {"certificate": result.certificate})
