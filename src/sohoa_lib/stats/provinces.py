"""Progress by today's 34 provinces (and the Archive Centre): plan 1838's 64 units rolled up.

Plan 1838 set its tasks and deadlines for the 63 provinces before 2025-07-01; the units that
report now are the 34 provinces after it. Each historical unit counts in the province that
absorbed it (records.registry), so a province's figures are the sum of its historical units'.
"""

from __future__ import annotations

import pandas as pd

PROVINCE_COLUMNS = [
    "current_unit", "current_name", "units", "historical_units", "units_reported",
    "units_overdue", "selected_pages", "digitized_pages", "signed_pages", "share_digitized",
]  # fmt: skip
"""progress_provinces.csv: one row per unit in force today (35: TTLT and 34 provinces)."""
SUMS = ["selected_pages", "digitized_pages", "signed_pages"]
"""The page counts a province sums over its historical units."""


def progress_by_province(units: pd.DataFrame) -> pd.DataFrame:
    """stats.progress.progress_by_unit's rows (the 64 units of plan 1838) summed per unit of today."""
    rows = []
    for (code, name), group in units.groupby(["current_unit", "current_name"], sort=False):
        reported = group[group["reported"].astype(bool)]
        sums = {c: int(pd.to_numeric(reported[c], errors="coerce").fillna(0).sum()) for c in SUMS}
        overdue = pd.to_numeric(reported["overdue_days"], errors="coerce").fillna(0)
        rows.append(
            {"current_unit": code, "current_name": name, "units": len(group),
             "historical_units": ", ".join(group["unit"]),
             "units_reported": len(reported), "units_overdue": int((overdue > 0).sum()), **sums,
             # Blank, not 0%, while none of its units has reported: unknown is not nothing done.
             "share_digitized": sums["digitized_pages"] / sums["selected_pages"]
             if len(reported) and sums["selected_pages"] else None}
        )  # fmt: skip
    frame = pd.DataFrame(rows, columns=PROVINCE_COLUMNS)
    # TTLT first, then the provinces by code, so the table and the CSV are in a stable order.
    return frame.sort_values(
        ["current_unit"], key=lambda c: c.map(lambda v: (v != "TTLT", v))
    ).reset_index(drop=True)
