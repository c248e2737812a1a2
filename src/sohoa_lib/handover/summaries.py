"""Each stage's summary.json: the figures it declares, written and read here only."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sohoa_lib.common.files import write_text
from sohoa_lib.errors import InputError

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
