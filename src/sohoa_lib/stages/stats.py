"""Stage 4, statistics: a unit's programme and sector indicators, validated, compiled, published."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd

from sohoa_lib.common import clock
from sohoa_lib.common.files import write_csv
from sohoa_lib.errors import ParamsError
from sohoa_lib.handover import write_summary
from sohoa_lib.handover.stats import StatisticsResult
from sohoa_lib.paths import UnitPaths
from sohoa_lib.settings import UnitSettings
from sohoa_lib.stats.collect import COLUMNS, collect, computed_values
from sohoa_lib.stats.compile import compile_indicators
from sohoa_lib.stats.indicators import Definitions, load_definitions
from sohoa_lib.stats.prepare import (
    compile_definitions,
    compile_input,
    problems_frame,
    read_pace,
    set_aside,
    snapshot_period,
)
from sohoa_lib.stats.sdmx import publish


def definitions_for(settings: UnitSettings) -> Definitions:
    """The unit's indicator definitions (params key `indicators`), required by this stage."""
    if settings.indicators is None:
        raise ParamsError(
            f"{settings.source}: bước thống kê cần khóa 'indicators' "
            "(tệp định nghĩa chỉ tiêu, params/indicators.yaml)"
        )
    return load_definitions(settings.indicators)


def run_statistics(
    settings: UnitSettings, paths: UnitPaths, *, as_of: dt.date | None = None
) -> StatisticsResult:
    """Collect the unit's report tables and its programme figures, validate, compile and publish.

    A unit without a statistics folder still gets its programme indicators (from the stage
    outputs already written); the report then says no report tables were given.
    """
    started = time.perf_counter()
    as_of = as_of or clock.today()
    definitions = definitions_for(settings)
    if settings.statistics is not None:
        collected, problems = collect(settings.statistics, settings.unit, definitions)
    else:
        collected, problems = pd.DataFrame(columns=COLUMNS), []
    period = snapshot_period(as_of)
    programme = computed_values(paths.root, settings.unit, definitions, period)
    values = pd.concat([programme, collected], ignore_index=True) if len(collected) else programme
    kept, aside = set_aside(values, problems)
    compiled = compile_indicators(
        compile_input(kept, definitions), compile_definitions(definitions)
    )
    # Shares and ranks are against the nation: one unit alone would be 100% and first.
    compiled = compiled[compiled["level"] != "national"].reset_index(drop=True)
    compiled = compiled.assign(share=float("nan"), rank=pd.NA).astype({"rank": "Int64"})
    result = StatisticsResult(
        settings=settings,
        root=paths.root,
        definitions=definitions,
        as_of=as_of,
        period=period,
        values=values,
        set_aside=aside,
        problems=problems_frame(problems),
        compiled=compiled,
        pace=read_pace(paths.root),
        seconds=time.perf_counter() - started,
    )
    _write(result, paths)
    return result


def _write(result: StatisticsResult, paths: UnitPaths) -> None:
    folder = paths.stage_dir("statistics")
    write_csv(folder / "values.csv", result.values)
    write_csv(folder / "set_aside.csv", result.set_aside)
    write_csv(folder / "problems.csv", result.problems)
    publish(folder, result.compiled, compile_definitions(result.definitions))
    write_summary(folder, "statistics", result.figures())
