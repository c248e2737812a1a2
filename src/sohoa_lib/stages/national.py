"""Stage 5, national roll-up: every unit's progress by phase, the national indicators, one catalogue."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sohoa_lib.catalog import national as catalogue
from sohoa_lib.catalog import postgres
from sohoa_lib.catalog.schema import CATALOG_NAME
from sohoa_lib.common.files import write_csv
from sohoa_lib.handover import write_summary
from sohoa_lib.stats.compile import NATIONAL, period_sort_key
from sohoa_lib.stats.indicators import Definitions, load_definitions
from sohoa_lib.stats.prepare import PROBLEM_COLUMNS, compile_definitions, problem_row
from sohoa_lib.stats.progress import progress_by_phase, progress_by_unit
from sohoa_lib.stats.provinces import progress_by_province
from sohoa_lib.stats.rollup import national_indicators, unit_problems
from sohoa_lib.stats.sdmx import publish


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


def run_national_report(
    outputs: Path,
    *,
    as_of: dt.date | None = None,
    indicators: Path,
    settings: Path | None = None,
) -> NationalResult:
    """Roll every unit under `outputs` up to the nation and write `outputs/national/`.

    A unit that has not run (or not every stage) is shown as not reporting, or with the figures
    it has; a unit whose outputs cannot be read is set aside and named in the problems.
    `settings` is params/national.yaml: with a database URL there (or in $SOHOA_DATABASE_URL)
    the national catalogue goes to PostgreSQL instead of `national/catalog.sqlite`.
    """
    clock = time.perf_counter()
    outputs = Path(outputs)
    as_of = as_of or dt.date.today()
    definitions = load_definitions(indicators)
    problems: list[dict] = []
    unit_rows = progress_by_unit(outputs, as_of, problems)
    compiled, coverage = national_indicators(outputs, definitions, problems)
    folder = outputs / NATIONAL
    url = postgres.database_url(settings)
    merged = catalogue.merge_national(outputs, url)
    for unit, reason in sorted(merged.failed.items()):
        problems.append(problem_row(unit, f"{unit}/{CATALOG_NAME}", "doc_tep", reason))
    result = NationalResult(
        outputs=outputs,
        as_of=as_of,
        definitions=definitions,
        units=unit_rows,
        phases=progress_by_phase(unit_rows, as_of),
        compiled=compiled,
        coverage=coverage,
        problems=pd.concat(
            [unit_problems(outputs), pd.DataFrame(problems, columns=["don_vi", *PROBLEM_COLUMNS])],
            ignore_index=True,
        ),
        catalogue_units=merged.units,
        seconds=time.perf_counter() - clock,
        catalogue_merged=merged.merged,
        catalogue_where=catalogue.where(url),
    )
    write_csv(folder / "progress_units.csv", result.units)
    write_csv(folder / "progress_phases.csv", result.phases)
    write_csv(folder / "progress_provinces.csv", progress_by_province(result.units))
    write_csv(folder / "problems.csv", result.problems)
    publish(folder / "statistics", compiled, compile_definitions(definitions))
    write_summary(folder, "national", result.figures())
    return result
