"""Stage 4, statistics: a unit's programme and sector indicators, validated, compiled, published."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sohoa_lib.common.files import write_csv, write_text
from sohoa_lib.errors import ParamsError
from sohoa_lib.paths import UnitPaths
from sohoa_lib.settings import UnitSettings
from sohoa_lib.stats.collect import COLUMNS, TOTAL, Problem, collect, computed_values
from sohoa_lib.stats.compile import Definition, compile_indicators, period_sort_key
from sohoa_lib.stats.indicators import Definitions, load_definitions
from sohoa_lib.stats.sdmx import publish

PERCENT_UNITS = {"tỷ lệ": 100.0}
"""Units of measure stored as fractions (0.30) and published as percentages (30%)."""
PROBLEM_COLUMNS = ["tep", "trang_tinh", "o", "quy_tac", "noi_dung"]
# A value breaking one of these rules is wrong, not merely suspicious: it is reported and left out
# of the compilation. A total that disagrees with its parts is kept: which side is wrong is unknown.
SET_ASIDE_RULES = {"khong_am"}


def snapshot_period(as_of: dt.date) -> str:
    """The quarter the programme's figures are a snapshot of: 2026-11-22 → `2026-Q4`."""
    return f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}"


def compile_definitions(d: Definitions) -> dict[str, Definition]:
    """The indicator definitions in the form compilation takes; fractions become percentages."""
    out = {}
    for ind in d.indicators:
        scale = PERCENT_UNITS.get(ind.unit, 1.0)
        out[ind.code] = Definition(
            code=ind.code,
            name=ind.name,
            unit_of_measure="%" if ind.unit in PERCENT_UNITS else ind.unit,
            rule=ind.aggregation,
            weight=ind.weight or "",
            numerator=ind.numerator or "",
            denominator=ind.denominator or "",
            scale=scale if ind.aggregation == "ratio" else 1.0,
        )
    return out


def sector_definitions(d: Definitions) -> dict[str, Definition]:
    """compile_definitions for the sector's indicators only (not the programme's computed ones)."""
    return {c: x for c, x in compile_definitions(d).items() if not d.by_code[c].computed}


def compile_input(values: pd.DataFrame, d: Definitions) -> pd.DataFrame:
    """Collected values (Vietnamese columns, `phan_to` = `tổng số` for totals) as compile takes them:
    indicator, unit, period, breakdown (`""` for the total) and value, fractions as percentages."""
    scale = values["chi_tieu"].map(
        lambda c: PERCENT_UNITS.get(d.by_code[c].unit, 1.0) if c in d.by_code else 1.0
    )
    return pd.DataFrame(
        {
            "indicator": values["chi_tieu"].astype(str),
            "unit": values["don_vi"].astype(str),
            "period": values["ky"].astype(str),
            "breakdown": values["phan_to"].where(values["phan_to"] != TOTAL, "").fillna(""),
            "value": pd.to_numeric(values["gia_tri"], errors="coerce") * scale,
        }
    )


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    rows = [(p.file, p.sheet, p.cell, p.rule, p.message) for p in problems]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


def set_aside(values: pd.DataFrame, problems: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values to compile, values set aside): a value is set aside when its cell broke a rule in
    SET_ASIDE_RULES."""
    bad = {(p.file, p.sheet, p.cell) for p in problems if p.rule in SET_ASIDE_RULES}
    where = list(zip(values["tep"], values["trang_tinh"], values["o"], strict=True))
    mask = pd.Series([w in bad for w in where], index=values.index, dtype=bool)
    return values[~mask], values[mask]


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


def definitions_for(settings: UnitSettings) -> Definitions:
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
    clock = time.perf_counter()
    as_of = as_of or dt.date.today()
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
        pace=_pace(paths.root),
        seconds=time.perf_counter() - clock,
    )
    _write(result, paths)
    return result


def _pace(unit_root: Path) -> dict:
    try:
        summary = json.loads((unit_root / "inventory" / "summary.json").read_text("utf-8"))
    except FileNotFoundError:
        return {}
    return summary.get("pace") or {}


def _write(result: StatisticsResult, paths: UnitPaths) -> None:
    folder = paths.stage_dir("statistics")
    write_csv(folder / "values.csv", result.values)
    write_csv(folder / "set_aside.csv", result.set_aside)
    write_csv(folder / "problems.csv", result.problems)
    publish(folder, result.compiled, compile_definitions(result.definitions))
    text = json.dumps(result.figures(), ensure_ascii=False, indent=1)
    write_text(folder / "summary.json", text + "\n")


def read_values(unit_root: Path) -> pd.DataFrame:
    """The values a unit's statistics stage compiled: `values.csv` less `set_aside.csv`."""
    folder = unit_root / "statistics"
    frames = [
        pd.read_csv(folder / name, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        for name in ("values.csv", "set_aside.csv")
    ]
    values, aside = frames
    cell = ["tep", "trang_tinh", "o"]
    if len(aside):
        values = values.merge(aside[cell].drop_duplicates(), on=cell, how="left", indicator="_m")
        values = values[values["_m"] == "left_only"].drop(columns="_m")
    values["gia_tri"] = pd.to_numeric(values["gia_tri"], errors="coerce")
    return values.reset_index(drop=True)
