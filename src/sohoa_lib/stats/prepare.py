"""Between collecting and compiling: compile's definitions and input, values set aside or read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from sohoa_lib.handover import read_summary
from sohoa_lib.stats.compile import Definition
from sohoa_lib.stats.indicators import Definitions
from sohoa_lib.stats.tidy import TOTAL, Problem

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
    """Collection problems as the problems table (PROBLEM_COLUMNS)."""
    rows = [(p.file, p.sheet, p.cell, p.rule, p.message) for p in problems]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


def set_aside(values: pd.DataFrame, problems: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values to compile, values set aside): a value is set aside when its cell broke a rule in
    SET_ASIDE_RULES."""
    bad = {(p.file, p.sheet, p.cell) for p in problems if p.rule in SET_ASIDE_RULES}
    where = list(zip(values["tep"], values["trang_tinh"], values["o"], strict=True))
    mask = pd.Series([w in bad for w in where], index=values.index, dtype=bool)
    return values[~mask], values[mask]


def read_pace(unit_root: Path) -> dict:
    """The inventory stage's pace estimate (projected finish, days overdue); empty if not run."""
    return (read_summary(unit_root, "inventory") or {}).get("pace") or {}


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


def problem_row(unit: str, file: str, rule: str, message: str) -> dict:
    """A problem of the national roll-up's own, as a row of its problems table."""
    return {"don_vi": unit, "tep": file, "trang_tinh": "", "o": "", "quy_tac": rule,
            "noi_dung": message}  # fmt: skip
