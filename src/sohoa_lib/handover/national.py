"""Stage 5's hand-over: the national result its report reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sohoa_lib.catalog.schema import CATALOG_NAME
from sohoa_lib.stats.compile import NATIONAL, period_sort_key
from sohoa_lib.stats.indicators import Definitions


@dataclass(frozen=True)
class NationalResult:
    """What the national roll-up found; the same tables are CSV under `national/`."""

    outputs: Path
    as_of: dt.date
    definitions: Definitions
    units: pd.DataFrame
    """stats.progress.UNIT_COLUMNS, one row per registry unit (64)."""
    phases: pd.DataFrame
    """One row per phase of plan 1838, then the whole programme."""
    compiled: pd.DataFrame
    """compile_indicators over every unit's statistics (unit, province and national levels)."""
    coverage: dict[str, int]
    """Period → number of units whose report tables for it were compiled."""
    problems: pd.DataFrame
    """Every unit's data problems (PROBLEM_COLUMNS plus `don_vi`), and the roll-up's own."""
    catalogue_units: tuple[str, ...]
    """Units whose catalogue is in the national one (empty when none was built)."""
    seconds: float
    catalogue_merged: tuple[str, ...] = ()
    """Units merged this run (new or changed); the others were unchanged since the last merge."""
    catalogue_where: str = f"{NATIONAL}/{CATALOG_NAME}"
    """Where the national catalogue is: the SQLite file, or the database (no password)."""

    def ranking(self) -> pd.DataFrame:
        """Units that reported, furthest along first (share of selected pages digitized)."""
        done = self.units[self.units["reported"]]
        return done.sort_values(
            ["share_digitized", "digitized_pages", "unit"], ascending=[False, False, True]
        ).reset_index(drop=True)

    def figures(self) -> dict:
        total = self.phases.iloc[-1]
        return {
            "as_of": self.as_of.isoformat(),
            "units": int(total["units"]),
            "units_reported": int(total["units_reported"]),
            "units_overdue": int(total["units_overdue"]),
            "selected_pages": int(total["selected_pages"]),
            "digitized_pages": int(total["digitized_pages"]),
            "signed_pages": int(total["signed_pages"]),
            "indicator_values": int((self.compiled["level"] == NATIONAL).sum()),
            "periods": sorted(self.coverage, key=period_sort_key),
            "problems": len(self.problems),
            "catalogue_units": list(self.catalogue_units),
            "catalogue_merged": list(self.catalogue_merged),
            "catalogue": self.catalogue_where,
            "seconds": round(self.seconds, 2),
        }
