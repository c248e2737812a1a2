"""The programme's progress: each registry unit's stage figures, and totals by phase of plan 1838."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from sohoa_lib.errors import InputError
from sohoa_lib.handover import SUMMARY, read_summary, summary_value
from sohoa_lib.records.registry import units
from sohoa_lib.stats.prepare import problem_row

UNIT_COLUMNS = [
    "unit", "name", "phase", "deadline", "current_unit", "current_name", "reported",
    "paper_pages", "target_pages", "selected_pages", "selected_share", "digitized_pages",
    "signed_pages", "share_digitized", "pages_checked", "pages_passed", "ocr_confidence", "cost",
    "capacity_per_day", "projected_finish", "overdue_days", "new_target_date",
    "required_per_day_new_target",
]  # fmt: skip
"""progress_units.csv: one row per registry unit; blank where the unit has not reported."""
# Which summary figure fills which column: (stage summary file, dotted key).
_FIGURES = {
    "paper_pages": ("inventory", "non_electronic_pages"),
    "target_pages": ("inventory", "target_pages"),
    "selected_pages": ("inventory", "selected_pages"),
    "selected_share": ("inventory", "achieved_share"),
    "cost": ("inventory", "cost_total"),
    "capacity_per_day": ("inventory", "pace.capacity_per_day"),
    "projected_finish": ("inventory", "pace.projected_finish"),
    "pace_overdue": ("inventory", "pace.overdue_days"),
    "new_target_date": ("inventory", "pace.new_target_date"),
    "required_per_day_new_target": ("inventory", "pace.required_per_day_new_target"),
    "digitized_pages": ("digitize", "digitized_pages"),
    "pages_checked": ("digitize", "pages_checked"),
    "pages_passed": ("digitize", "pages_passed"),
    "ocr_confidence": ("digitize", "mean_ocr_confidence"),
    "signed_pages": ("archive", "signed_pages"),
}
_SUMS = ["paper_pages", "target_pages", "selected_pages", "digitized_pages", "signed_pages",
         "pages_checked", "pages_passed", "cost"]  # fmt: skip


def _summaries(unit_root: Path, problems: list[dict]) -> dict[str, dict] | None:
    """The unit's stage summaries by stage; None when its inventory (the first stage) is absent."""
    found: dict[str, dict] = {}
    for stage in ("inventory", "digitize", "archive"):
        try:
            summary = read_summary(unit_root, stage)
        except InputError as exc:
            where = f"{unit_root.name}/{stage}/{SUMMARY}"
            problems.append(problem_row(unit_root.name, where, "doc_tep", f"không đọc được: {exc}"))
            continue
        if summary is not None:
            found[stage] = summary
    return found if "inventory" in found else None


def progress_by_unit(outputs: Path, as_of: dt.date, problems: list[dict]) -> pd.DataFrame:
    """One row per registry unit: its stage figures if it has reported, blank otherwise."""
    rows = []
    for code, u in units().items():
        row: dict[str, object] = {
            "unit": code, "name": u.name, "phase": u.phase, "deadline": u.deadline.isoformat(),
            "current_unit": u.current_code, "current_name": u.current_name,
        }  # fmt: skip
        summaries = _summaries(outputs / code, problems)
        row["reported"] = summaries is not None
        for column, (stage, key) in _FIGURES.items():
            value = summary_value(summaries.get(stage, {}), key) if summaries else None
            row[column] = value
        if summaries is not None:
            selected = row["selected_pages"] or 0
            row["digitized_pages"] = row["digitized_pages"] or 0
            row["signed_pages"] = row["signed_pages"] or 0
            row["share_digitized"] = row["digitized_pages"] / selected if selected else None
            finished = selected and row["digitized_pages"] >= selected
            past = max((as_of - u.deadline).days, 0)
            pace = row["pace_overdue"]
            row["overdue_days"] = 0 if finished else (past if pace is None else pace)
        rows.append(row)
    frame = pd.DataFrame(rows).reindex(columns=UNIT_COLUMNS)
    # Counts stay whole numbers in the CSV (1058, not 1058.0) with blanks where not reported.
    counts = [*_SUMS, "overdue_days"]
    frame[counts] = frame[counts].apply(lambda c: pd.to_numeric(c).round()).astype("Int64")
    return frame


def progress_by_phase(unit_rows: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per phase (1: deadline 2023-12-30, 2: 2024-12-31) and for the whole programme: units,
    units reporting, pages selected, digitized and signed, and days past the deadline."""
    rows = []
    groups = [(p, g) for p, g in unit_rows.groupby("phase", sort=True)] + [("", unit_rows)]
    for phase, group in groups:
        reported = group[group["reported"]]
        sums = {c: round(pd.to_numeric(reported[c], errors="coerce").sum()) for c in _SUMS}
        deadline = dt.date.fromisoformat(max(group["deadline"]))
        overdue = pd.to_numeric(reported["overdue_days"], errors="coerce")
        rows.append(
            {"phase": phase, "deadline": deadline.isoformat() if phase != "" else "",
             "units": len(group), "units_reported": len(reported),
             "units_done": int((reported["share_digitized"].astype(float) >= 1).sum()),
             "units_overdue": int((overdue > 0).sum()), **sums,
             "share_digitized": sums["digitized_pages"] / sums["selected_pages"]
             if sums["selected_pages"] else None,
             "selected_share": sums["selected_pages"] / sums["paper_pages"]
             if sums["paper_pages"] else None,
             "days_past_deadline": max((as_of - deadline).days, 0) if phase != "" else None}
        )  # fmt: skip
    return pd.DataFrame(rows).astype({"days_past_deadline": "Int64"})
