"""Automatic analysis: Vietnamese sentences on indicator movements, deadlines and data quality."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd

from sohoa_lib.common.vnformat import date, number, percent
from sohoa_lib.records.registry import units
from sohoa_lib.stats.compile import NATIONAL, as_definitions, parse_period, period_sort_key

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
# How a reader names the period just before, by period kind.
_PREVIOUS = {"Q": "quý trước", "M": "tháng trước", "Y": "năm trước"}


def period_name(period: str) -> str:
    """`2026-Q3` → `quý III/2026`, `2026-10` → `tháng 10/2026`, `2025` → `năm 2025`."""
    year, kind, n = parse_period(period)
    if kind == "Q":
        return f"quý {_ROMAN[n]}/{year}"
    if kind == "M":
        return f"tháng {n}/{year}"
    return f"năm {year}"


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _amount(value: float, unit_of_measure: str) -> str:
    decimals = 0 if float(value).is_integer() or abs(value) >= 1000 else 1
    if unit_of_measure == "%":
        return f"{number(value, 1)}%"
    return f"{number(value, decimals)} {unit_of_measure}".rstrip()


def _movement(value: float, base: object, pct: object, unit_of_measure: str, against: str) -> str:
    """`tăng 3,2% so với …`; percentages move in điểm phần trăm (percentage points)."""
    if _missing(base):
        return ""
    if unit_of_measure == "%":
        delta = value - float(base)
        size = f"{number(abs(delta), 1)} điểm phần trăm"
    else:
        delta = value - float(base)
        size = percent(abs(float(pct))) if not _missing(pct) else number(abs(delta))
    # Below half the last shown digit the change prints as 0,0: call it unchanged.
    if size in ("0,0%", "0,0 điểm phần trăm", "0") or delta == 0:
        return f"không đổi so với {against}"
    return f"{'tăng' if delta > 0 else 'giảm'} {size} so với {against}"


def movement_sentences(
    compiled: pd.DataFrame,
    definitions: Mapping[str, object],
    *,
    period: str | None = None,
    unit: str = NATIONAL,
    breakdown: str = "",
) -> list[str]:
    """One sentence per indicator for `unit` (national by default) in `period` (latest if None).

    "Số người tham gia BHXH bắt buộc quý III/2026 đạt 1.234.567 người, tăng 3,2% so với cùng kỳ
    năm trước và tăng 1,0% so với quý trước."
    """
    defs = as_definitions(definitions)
    rows = compiled[(compiled["unit"] == unit) & (compiled["breakdown"] == breakdown)]
    if unit == NATIONAL:
        rows = rows[rows["level"] == NATIONAL]
    else:
        # A current province's own code also names its pre-2025 unit: speak of the province.
        province = rows[rows["level"] == "province"]
        rows = province if len(province) else rows
    sentences = []
    for code in defs:
        series = rows[rows["indicator"] == code]
        if period is not None:
            series = series[series["period"] == period]
        if series.empty:
            continue
        # Latest period in time order (text order would put 2026-Q3 after 2026-10).
        row = series.loc[series["period"].map(period_sort_key).idxmax()]
        d = defs[code]
        _, kind, _ = parse_period(row["period"])
        value = float(row["value"])
        parts = [
            _movement(
                value,
                row["yoy_value"],
                row["yoy_pct"],
                d.unit_of_measure,
                "cùng kỳ năm trước" if kind != "Y" else "năm trước",
            )
        ]
        if kind != "Y":
            parts.append(
                _movement(
                    value, row["prev_value"], row["change_pct"], d.unit_of_measure, _PREVIOUS[kind]
                )
            )
        tail = " và ".join(p for p in parts if p)
        head = f"{d.name} {period_name(row['period'])} đạt {_amount(value, d.unit_of_measure)}"
        sentences.append(f"{head}, {tail}." if tail else f"{head}.")
    return sentences


def unit_label(code: str) -> str:
    """How a sentence names a unit: `BHXH Hải Dương`, or the Archive Centre by its own name."""
    known = units().get(code)
    if known is None:
        return code
    return known.name if known.level == "central" else f"BHXH {known.name}"


def deadline_sentences(table: pd.DataFrame, *, top: int = 5) -> list[str]:
    """The units furthest behind their digitization deadline, worst first.

    `table` has unit, deadline, share_digitized (0–1) and projected_finish or overdue_days (or
    both). Days late are projected_finish − deadline where the finish is known, since the
    sentence names it; otherwise overdue_days (days already past the deadline).
    """
    frame = table.copy()
    frame["deadline"] = pd.to_datetime(frame["deadline"]).dt.date
    given = (
        pd.to_numeric(frame["overdue_days"], errors="coerce")
        if "overdue_days" in frame.columns
        else pd.Series(math.nan, index=frame.index)
    )
    finish = (
        pd.to_datetime(frame["projected_finish"], errors="coerce").dt.date
        if "projected_finish" in frame.columns
        else pd.Series(None, index=frame.index)
    )
    frame["late"] = [
        g if pd.isna(f) else (f - d).days
        for f, d, g in zip(finish, frame["deadline"], given, strict=True)
    ]
    behind = frame[pd.to_numeric(frame["late"], errors="coerce") > 0]
    if behind.empty:
        return ["Không có đơn vị nào chậm so với thời hạn số hóa."]
    behind = behind.sort_values(["late", "unit"], ascending=[False, True]).head(top)
    sentences = []
    for row in behind.to_dict("records"):
        finish = row.get("projected_finish")
        when = "" if _missing(finish) else f"dự kiến hoàn thành ngày {date(str(finish)[:10])}, "
        share = float(row["share_digitized"])
        # A share under 1% would print as 0,0%: show it to the hundredth.
        shown = percent(share, 2 if 0 < share < 0.01 else 1)
        sentences.append(
            f"{unit_label(row['unit'])}: {when}chậm {number(row['late'])} ngày so với "
            f"thời hạn {date(row['deadline'])}; đã số hóa {shown}."
        )
    return sentences


def _get(problem: object, name: str) -> str:
    value = problem.get(name) if isinstance(problem, Mapping) else getattr(problem, name, None)
    return "" if _missing(value) else str(value)


def quality_sentences(problems: Iterable[object], *, limit: int = 20) -> list[str]:
    """Data-quality warnings (objects or dicts with file, sheet, cell, message) as sentences."""
    items = list(problems)
    if not items:
        return ["Không phát hiện vấn đề về chất lượng dữ liệu."]
    sentences = [f"Phát hiện {number(len(items))} vấn đề về chất lượng dữ liệu."]
    for problem in items[:limit]:
        where = [
            f"{label} {_get(problem, key)}"
            for label, key in (("Tệp", "file"), ("trang tính", "sheet"), ("ô", "cell"))
            if _get(problem, key)
        ]
        place = ", ".join(where)
        message = _get(problem, "message").rstrip(".")
        sentences.append(f"{place}: {message}." if place else f"{message}.")
    if len(items) > limit:
        sentences.append(f"… và {number(len(items) - limit)} vấn đề khác.")
    return sentences
