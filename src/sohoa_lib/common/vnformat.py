"""Numbers, shares, amounts and dates written the Vietnamese way: 1.234.567, 30,5%, 30/12/2023."""

from __future__ import annotations

import datetime as dt
import math


def number(value: float | int | None, decimals: int = 0) -> str:
    """`1234567.5` → `1.234.567,5` (dot for thousands, comma for decimals)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def percent(share: float | None, decimals: int = 1) -> str:
    """`0.3` → `30,0%`."""
    return "–" if share is None else number(share * 100, decimals) + "%"


def share(value: float | None) -> str:
    """A share as a bar label: two significant digits however small (0,012%, not 0,01%)."""
    if value is None or not math.isfinite(value):
        return "–"
    pct = abs(value) * 100
    decimals = 1 if pct == 0 or pct >= 10 else min(4, max(1, 1 - math.floor(math.log10(pct))))
    return percent(value, decimals)


def money(amount: float, unit: str = "đồng") -> str:
    """An amount in words a reader takes in at a glance: `12,35 tỷ đồng`, `845,2 triệu đồng`."""
    if abs(amount) >= 1e9:
        return f"{number(amount / 1e9, 2)} tỷ {unit}"
    if abs(amount) >= 1e6:
        return f"{number(amount / 1e6, 1)} triệu {unit}"
    return f"{number(amount)} {unit}"


def date(value: dt.date | str | None) -> str:
    """`2023-12-30` → `30/12/2023`."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return value.strftime("%d/%m/%Y")
