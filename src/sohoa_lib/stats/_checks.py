"""Checks on collected report rows: duplicates, required figures, signs, totals, outliers."""

from __future__ import annotations

import math

import pandas as pd

from sohoa_lib.common.vnformat import number
from sohoa_lib.stats.analysis import period_name
from sohoa_lib.stats.indicators import Definitions, Indicator
from sohoa_lib.stats.tidy import TOTAL, Problem, Sheet


def check_table(rows: list[dict], where: Sheet, d: Definitions) -> None:
    values: dict[tuple[str, str, str], dict] = {}
    for r in rows:
        k = (r["ky"], r["chi_tieu"], r["phan_to"])
        label = _label(d, r["chi_tieu"], r["ky"], r["phan_to"])
        if k in values:
            where.flag(r["o"], "ky_trung", f"{label} ghi hai lần (lần đầu ở ô {values[k]['o']})")
            continue
        values[k] = r
        if r["gia_tri"] < 0 and d.by_code[r["chi_tieu"]].non_negative:
            where.flag(r["o"], "khong_am", f"{label}: số âm {_num(r['gia_tri'])}")
    for period in sorted({r["ky"] for r in rows}):
        got = {ind for (p, ind, _) in values if p == period}
        anchor = next(r["_anchor"] for r in rows if r["ky"] == period)
        for ind in d.reported():
            if ind.required and ind.code not in got:
                where.flag(
                    anchor,
                    "bat_buoc",
                    f"Thiếu chỉ tiêu bắt buộc {_label(d, ind.code, period)}",
                )
            _totals(ind, period, values, d, where)


def _totals(ind: Indicator, period: str, values: dict, d: Definitions, where: Sheet) -> None:
    # Across columns: Tổng số equals the sum of its breakdown (nam + nữ).
    total = values.get((period, ind.code, TOTAL))
    for b in ind.breakdowns:
        parts = [values.get((period, ind.code, v)) for v in d.breakdown(b).values]
        if total and all(parts) and not _close(total, parts):
            got = sum(p["gia_tri"] for p in parts)
            where.flag(
                total["o"],
                "tong",
                f"{_label(d, ind.code, period)}: tổng số {_num(total['gia_tri'])} khác tổng các "
                f"phân tổ theo {d.breakdown(b).label.lower()} {_num(got)}",
            )
    # Across rows: an indicator equals the sum of the indicators it totals, per breakdown.
    if not ind.total_of:
        return
    for part in sorted({p for (per, c, p) in values if per == period and c == ind.code}):
        total = values[(period, ind.code, part)]
        parts = [values.get((period, c, part)) for c in ind.total_of]
        if all(parts) and not _close(total, parts):
            got = sum(p["gia_tri"] for p in parts)
            where.flag(
                total["o"],
                "tong",
                f"{_label(d, ind.code, period, part)}: {_num(total['gia_tri'])} khác tổng các "
                f"chỉ tiêu thành phần ({', '.join(_name(d, c) for c in ind.total_of)}) {_num(got)}",
            )


def _name(d: Definitions, code: str) -> str:
    """`Số người tham gia BHXH bắt buộc (HL03)`: a reader knows the name; the code finds the row."""
    return f"{d.by_code[code].name} ({code})" if code in d.by_code else code


def _label(d: Definitions, code: str, period: str, part: str | None = None) -> str:
    """The indicator, the period in words and the breakdown, as data-problem messages name them."""
    text = f"{_name(d, code)}, {period_name(period)}"
    return f"{text}, {part}" if part else text


def _num(value: float) -> str:
    return number(value, 0 if float(value).is_integer() else 2)


def _close(total: dict, parts: list[dict]) -> bool:
    return math.isclose(total["gia_tri"], sum(p["gia_tri"] for p in parts), abs_tol=0.01)


def _frequency(period: str) -> str:
    return "Q" if "Q" in period else ("Y" if len(period) == 4 else "M")


def outliers(table: pd.DataFrame, change: float) -> list[Problem]:
    problems: list[Problem] = []
    # Negative values are already errors; comparing them over time would only repeat that.
    usable = table[table["gia_tri"] >= 0].assign(_f=table["ky"].map(_frequency))
    for _, series in usable.groupby(["chi_tieu", "phan_to", "_f"], sort=True):
        previous = None
        for r in series.sort_values("ky").itertuples():
            if previous is not None and previous.gia_tri > 0:
                ratio = r.gia_tri / previous.gia_tri - 1
                if abs(ratio) > change:
                    message = (
                        f"{r.chi_tieu} ({r.phan_to}) kỳ {r.ky} thay đổi {ratio:+.0%} so với kỳ "
                        f"{previous.ky} (ngưỡng {change:.0%})"
                    )
                    problems.append(Problem(r.tep, r.trang_tinh, r.o, "bat_thuong", message))
            previous = r
    return problems
