"""Stage 4's hand-over: the statistics result its report and the national step read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sohoa_lib.settings import UnitSettings
from sohoa_lib.stats.compile import period_sort_key
from sohoa_lib.stats.indicators import Definitions


@dataclass(frozen=True)
class StatisticsResult:
    """What stage 4 found for a unit; the same tables are CSV under `<UNIT>/statistics/`."""

    settings: UnitSettings
    root: Path
    definitions: Definitions
    as_of: dt.date
    period: str
    """The quarter the programme's own figures are a snapshot of."""
    values: pd.DataFrame
    """Every value read (collect's columns), programme figures included."""
    set_aside: pd.DataFrame
    problems: pd.DataFrame
    compiled: pd.DataFrame
    """compile_indicators' output for this unit (unit and province level; the nation is the
    national report's)."""
    pace: dict
    """The inventory stage's pace estimate (projected finish, days overdue), empty if not run."""
    seconds: float

    def figures(self) -> dict:
        v = self.values
        sector = v[~v["chi_tieu"].isin([i.code for i in self.definitions.indicators if i.computed])]
        periods = sorted(set(sector["ky"]), key=period_sort_key)
        return {
            "unit": self.settings.unit,
            "as_of": self.as_of.isoformat(),
            "snapshot_period": self.period,
            "files": int(sector["tep"].nunique()),
            "periods": periods,
            "values": len(v),
            "programme_values": len(v) - len(sector),
            "sector_values": len(sector),
            "set_aside": len(self.set_aside),
            "problems": len(self.problems),
            "problems_by_rule": {
                k: int(n) for k, n in self.problems["quy_tac"].value_counts().items()
            },
            "seconds": round(self.seconds, 2),
        }
