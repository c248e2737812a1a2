"""What the national report's sections share: the nation's rows, its latest period, its totals."""

from __future__ import annotations

import pandas as pd

from sohoa_lib.handover.national import NationalResult
from sohoa_lib.stats.analysis import deadline_sentences
from sohoa_lib.stats.compile import NATIONAL, period_sort_key
from sohoa_lib.stats.prepare import sector_definitions


def sector_defs(result: NationalResult) -> dict:
    """The sector's indicator definitions (not the programme's computed ones)."""
    return sector_definitions(result.definitions)


def national_rows(result: NationalResult) -> pd.DataFrame:
    """The compiled rows at the nation's level."""
    c = result.compiled
    return c[c["level"] == NATIONAL]


def latest_sector_period(result: NationalResult) -> str | None:
    """The latest period with a national value of a sector indicator; None when there is none."""
    rows = national_rows(result)
    rows = rows[rows["indicator"].isin(sector_defs(result))]
    return max(rows["period"], key=period_sort_key) if len(rows) else None


def total(result: NationalResult) -> pd.Series:
    """The whole programme's row of the phases table (its last row)."""
    return result.phases.iloc[-1]


def share_of(part: float, whole: float) -> float | None:
    """`part / whole`, None when the whole is zero."""
    return part / whole if whole else None


def late_sentences(units: pd.DataFrame) -> list[str]:
    """deadline_sentences for ranked units; a unit with nothing selected counts as none done."""
    # A unit with nothing selected has no share; it has digitized none of it.
    return deadline_sentences(units.assign(share_digitized=units["share_digitized"].fillna(0)))
