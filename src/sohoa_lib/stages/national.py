"""Stage 5, national roll-up: every unit's progress by phase, the national indicators, one catalogue."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd

from sohoa_lib.catalog import national as catalogue
from sohoa_lib.catalog import postgres
from sohoa_lib.catalog.schema import CATALOG_NAME
from sohoa_lib.common import clock
from sohoa_lib.common.files import write_csv
from sohoa_lib.handover import write_summary
from sohoa_lib.handover.national import NationalResult
from sohoa_lib.stats.compile import NATIONAL
from sohoa_lib.stats.indicators import load_definitions
from sohoa_lib.stats.prepare import PROBLEM_COLUMNS, compile_definitions, problem_row
from sohoa_lib.stats.progress import progress_by_phase, progress_by_unit
from sohoa_lib.stats.provinces import progress_by_province
from sohoa_lib.stats.rollup import national_indicators, unit_problems
from sohoa_lib.stats.sdmx import publish


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
    started = time.perf_counter()
    outputs = Path(outputs)
    as_of = as_of or clock.today()
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
        seconds=time.perf_counter() - started,
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
