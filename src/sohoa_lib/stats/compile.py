"""Compile statistical indicators: unit tables rolled up to today's provinces and the nation."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sohoa_lib.errors import InputError
from sohoa_lib.records.registry import units

TIDY_COLUMNS = ("indicator", "unit", "period", "breakdown", "value")
OUTPUT_COLUMNS = (
    "indicator",
    "level",
    "unit",
    "period",
    "breakdown",
    "value",
    "prev_value",
    "change_pct",
    "yoy_value",
    "yoy_pct",
    "share",
    "rank",
)
RULES = ("sum", "weighted_mean", "ratio")
NATIONAL = "national"
_KEYS = ["indicator", "unit", "period", "breakdown"]


@dataclass(frozen=True)
class Definition:
    """How one indicator is named and rolled up (the parts compilation needs)."""

    code: str
    name: str
    """Vietnamese name, as reports print it."""
    unit_of_measure: str
    rule: str
    """`sum`, `weighted_mean` (by `weight`) or `ratio` (`numerator` / `denominator` × `scale`)."""
    weight: str = ""
    numerator: str = ""
    denominator: str = ""
    scale: float = 1.0
    """100 when the ratio is published as a percentage."""


def _field(obj: object, name: str, default: object = "") -> object:
    value = obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)
    return default if value is None else value


def as_definitions(definitions: Mapping[str, object]) -> dict[str, Definition]:
    """Definitions given as objects or dicts, checked; every problem reported in one error."""
    out: dict[str, Definition] = {}
    problems: list[str] = []
    for code, raw in definitions.items():
        d = Definition(
            code=str(code),
            name=str(_field(raw, "name", code)),
            unit_of_measure=str(_field(raw, "unit_of_measure")),
            rule=str(_field(raw, "rule")),
            weight=str(_field(raw, "weight")),
            numerator=str(_field(raw, "numerator")),
            denominator=str(_field(raw, "denominator")),
            scale=float(_field(raw, "scale", 1.0)),
        )
        if d.rule not in RULES:
            problems.append(f"{code}: rule {d.rule!r}, phải là một trong {', '.join(RULES)}")
        needed = {"weighted_mean": ("weight",), "ratio": ("numerator", "denominator")}
        for attr in needed.get(d.rule, ()):
            ref = getattr(d, attr)
            if not ref or ref not in definitions:
                problems.append(f"{code}: {attr} {ref!r} không phải chỉ tiêu đã định nghĩa")
        out[d.code] = d
    if problems:
        raise InputError("định nghĩa chỉ tiêu: " + "; ".join(problems))
    return out


# --- periods: 2026-Q3, 2026-10, 2025 --------------------------------------------------------

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")


def parse_period(period: str) -> tuple[int, str, int]:
    """`2026-Q3` → (2026, "Q", 3); `2026-10` → (2026, "M", 10); `2025` → (2025, "Y", 0)."""
    match = _PERIOD.match(str(period))
    if not match:
        raise InputError(f"kỳ {period!r}: phải có dạng YYYY, YYYY-Qn hoặc YYYY-MM")
    year, quarter, month = match.groups()
    if quarter:
        return int(year), "Q", int(quarter)
    if month:
        return int(year), "M", int(month)
    return int(year), "Y", 0


def previous_period(period: str) -> str:
    """The period just before: `2026-Q1` → `2025-Q4`, `2026-01` → `2025-12`, `2025` → `2024`."""
    year, kind, n = parse_period(period)
    if kind == "Y":
        return str(year - 1)
    if n > 1:
        return f"{year}-Q{n - 1}" if kind == "Q" else f"{year}-{n - 1:02d}"
    return f"{year - 1}-Q4" if kind == "Q" else f"{year - 1}-12"


def same_period_last_year(period: str) -> str:
    """`2026-Q3` → `2025-Q3` (cùng kỳ năm trước)."""
    year, kind, n = parse_period(period)
    return {"Y": str(year - 1), "Q": f"{year - 1}-Q{n}", "M": f"{year - 1}-{n:02d}"}[kind]


# --- input ----------------------------------------------------------------------------------


def _check_tidy(tidy: pd.DataFrame, defs: Mapping[str, Definition]) -> pd.DataFrame:
    missing = [c for c in TIDY_COLUMNS if c not in tidy.columns]
    if missing:
        raise InputError(f"bảng chỉ tiêu: thiếu cột {', '.join(missing)}")
    frame = tidy.loc[:, list(TIDY_COLUMNS)].copy()
    frame["breakdown"] = frame["breakdown"].fillna("").astype(str)
    for column in ("indicator", "unit", "period"):
        frame[column] = frame[column].astype(str)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    problems = [f"không có chỉ tiêu {c!r}" for c in sorted(set(frame["indicator"]) - set(defs))]
    problems += [f"không có đơn vị {c!r}" for c in sorted(set(frame["unit"]) - set(units()))]
    for period in sorted(set(frame["period"])):
        try:
            parse_period(period)
        except InputError as exc:
            problems.append(str(exc))
    duplicated = frame.duplicated(_KEYS, keep=False)
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        problems.append(f"{int(duplicated.sum())} dòng trùng lặp, ví dụ {dict(first[_KEYS])}")
    if problems:
        raise InputError("bảng chỉ tiêu: " + "; ".join(problems))
    return frame


# --- aggregation ----------------------------------------------------------------------------


def _aggregate(
    tidy: pd.DataFrame, defs: Mapping[str, Definition], group: Callable[[str], str]
) -> pd.DataFrame:
    """Every indicator rolled up over the units that `group` maps to the same code."""
    cache: dict[str, pd.DataFrame] = {}
    keys = ["unit", "period", "breakdown"]

    def rows(code: str) -> pd.DataFrame:
        part = tidy[tidy["indicator"] == code].drop(columns="indicator")
        return part.assign(unit=part["unit"].map(group), source=part["unit"])

    def rolled(code: str) -> pd.DataFrame:
        if code in cache:
            return cache[code]
        d = defs[code]
        if d.rule == "sum":
            out = rows(code).groupby(keys, as_index=False)["value"].sum(min_count=1)
        elif d.rule == "weighted_mean":
            out = _weighted_mean(code, rows(code), rows(d.weight), keys)
        else:
            num, den = rolled(d.numerator), rolled(d.denominator)
            both = num.merge(den, on=keys, suffixes=("_n", "_d"))
            # A zero denominator has no meaningful ratio; NaN rather than inf.
            den_values = both["value_d"].where(both["value_d"] != 0)
            out = both[keys].assign(value=both["value_n"] / den_values * d.scale)
        cache[code] = out[[*keys, "value"]]
        return cache[code]

    parts = [rolled(code).assign(indicator=code) for code in defs]
    return pd.concat(parts, ignore_index=True).loc[:, [*_KEYS, "value"]]


def _weighted_mean(
    code: str, values: pd.DataFrame, weights: pd.DataFrame, keys: list[str]
) -> pd.DataFrame:
    by = ["source", "period", "breakdown"]
    w = weights.loc[:, [*by, "value"]].rename(columns={"value": "w"})
    merged = values.merge(w, on=by, how="left")
    # A breakdown without its own weight (e.g. sex=nam) is weighted by the unit's total.
    totals = w[w["breakdown"] == ""].drop(columns="breakdown").rename(columns={"w": "w_total"})
    merged = merged.merge(totals, on=["source", "period"], how="left")
    merged["w"] = merged["w"].fillna(merged["w_total"])
    lacking = merged[merged["w"].isna() & merged["value"].notna()]
    if len(lacking):
        where = ", ".join(f"{r.source} {r.period}" for r in lacking.head(5).itertuples())
        raise InputError(f"chỉ tiêu {code}: thiếu quyền số cho {len(lacking)} dòng, ví dụ {where}")
    merged = merged.assign(
        vw=merged["value"] * merged["w"], w=merged["w"].where(merged["value"].notna())
    )
    sums = merged.groupby(keys, as_index=False)[["vw", "w"]].sum(min_count=1)
    return sums[keys].assign(value=sums["vw"] / sums["w"].where(sums["w"] != 0))


def _unit_level(tidy: pd.DataFrame, defs: Mapping[str, Definition]) -> pd.DataFrame:
    """Each unit as reported; ratios the unit did not report are computed from its own parts."""
    reported = tidy.loc[:, [*_KEYS, "value"]]
    ratios = {c: d for c, d in defs.items() if d.rule == "ratio"}
    if not ratios:
        return reported
    computed = _aggregate(tidy, defs, lambda code: code)
    computed = computed[computed["indicator"].isin(ratios)]
    extra = computed.merge(reported[_KEYS], on=_KEYS, how="left", indicator="_m")
    extra = extra[extra["_m"] == "left_only"].drop(columns="_m")
    return pd.concat([reported, extra], ignore_index=True)


# --- comparisons ----------------------------------------------------------------------------


def _add_changes(frame: pd.DataFrame) -> pd.DataFrame:
    """Change against the previous period and the same period last year, like for like: a
    roll-up is compared only with a period the same units reported (`_who`), or a unit that
    reported late would pass for growth."""
    series = ["indicator", "level", "unit", "breakdown"]
    lookup = frame.loc[:, [*series, "period", "value", "_who"]]
    for column, shift, pct in (
        ("prev_value", previous_period, "change_pct"),
        ("yoy_value", same_period_last_year, "yoy_pct"),
    ):
        wanted = frame.loc[:, [*series, "period"]].assign(_p=frame["period"].map(shift))
        found = wanted.merge(
            lookup.rename(columns={"period": "_p", "value": column, "_who": "_w"}),
            on=[*series, "_p"],
            how="left",
        )
        same = found["_w"].to_numpy() == frame["_who"].to_numpy()
        frame[column] = found[column].where(same).to_numpy()
        base = frame[column].where(frame[column] != 0)
        frame[pct] = (frame["value"] - frame[column]) / base.abs()
    return frame


def _reporters(frame: pd.DataFrame, group: Callable[[str], str]) -> pd.DataFrame:
    """Per rolled-up unit and period, the units that reported anything (`HD,HP`)."""
    pairs = frame.loc[:, ["unit", "period"]].drop_duplicates()
    pairs = pairs.assign(_g=pairs["unit"].map(group))
    who = pairs.groupby(["_g", "period"])["unit"].agg(lambda s: ",".join(sorted(s)))
    return who.rename("_who").reset_index().rename(columns={"_g": "unit"})


def _add_share_and_rank(frame: pd.DataFrame, defs: Mapping[str, Definition]) -> pd.DataFrame:
    cell = ["indicator", "period", "breakdown"]
    national = frame[frame["level"] == NATIONAL].loc[:, [*cell, "value"]]
    total = frame.loc[:, cell].merge(national.rename(columns={"value": "_t"}), on=cell, how="left")
    additive = frame["indicator"].map(lambda c: defs[c].rule == "sum").astype(bool)
    # Shares of a national total only make sense for additive indicators (not rates or means).
    frame["share"] = (frame["value"] / total["_t"].where(total["_t"] != 0).to_numpy()).where(
        additive
    )
    provinces = {u.current_code for u in units().values() if u.level == "province"}
    rankable = (frame["level"] == "province") & frame["unit"].isin(provinces)
    ranks = frame[rankable].groupby(cell)["value"].rank(method="min", ascending=False)
    frame["rank"] = ranks.reindex(frame.index).astype("Int64")
    return frame


# --- the recipe -----------------------------------------------------------------------------


def compile_indicators(tidy: pd.DataFrame, definitions: Mapping[str, object]) -> pd.DataFrame:
    """Unit tables → unit, current-province and national series with changes, shares and ranks.

    `tidy` has columns indicator, unit (registry code, historical ones allowed), period
    (`2026-Q3`, `2026-10`, `2025`), breakdown (`""` for the total) and value. Percentages in
    `change_pct`, `yoy_pct` and `share` are fractions (0.032 for 3,2%), as `report.percent` takes.
    """
    defs = as_definitions(definitions)
    frame = _check_tidy(tidy, defs)
    registry = units()
    groups = {
        "unit": lambda code: code,
        "province": lambda code: registry[code].current_code,
        NATIONAL: lambda code: NATIONAL,
    }
    levels = [
        (_unit_level(frame, defs) if level == "unit" else _aggregate(frame, defs, group))
        .merge(_reporters(frame, group), on=["unit", "period"], how="left")
        .assign(level=level)
        for level, group in groups.items()
    ]
    out = pd.concat(levels, ignore_index=True)
    out = out[out["value"].notna()].reset_index(drop=True)
    out = _add_changes(out)
    out = _add_share_and_rank(out, defs)
    order = {"unit": 0, "province": 1, NATIONAL: 2}
    out = out.assign(_o=out["level"].map(order), _k=out["period"].map(period_sort_key))
    out = out.sort_values(["indicator", "_o", "unit", "breakdown", "_k"], kind="stable")
    return (
        out.loc[:, list(OUTPUT_COLUMNS)]
        .reset_index(drop=True)
        .astype(
            {
                c: float
                for c in ("value", "prev_value", "change_pct", "yoy_pct", "yoy_value", "share")
            }
        )
        .replace([np.inf, -np.inf], np.nan)
    )


def period_sort_key(period: str) -> str:
    """Text that sorts periods in time order: `2026-Q3` → `2026-03-Q`."""
    year, kind, n = parse_period(period)
    return f"{year:04d}-{n:02d}-{kind}"
