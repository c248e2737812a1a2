"""The unit registry: the Archive Centre and the 63 provinces before 2025-07-01, mapped to the 34 after."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sohoa_lib.errors import UnknownUnitError


@dataclass(frozen=True)
class Unit:
    """One unit of the registry, as plan 1838/KH-BHXH and Resolution 202/2025/QH15 define it."""

    code: str
    """sohoa's short code (`TTLT`, `BN`, `HD`, …); see data/SOURCES.md."""
    level: str
    """`central` (the Archive Centre) or `province`."""
    name: str
    """Name before 2025-07-01, as the records formed 1995–2021 name it."""
    current_name: str
    """Name of the unit that holds it from 2025-07-01 (itself when unchanged)."""
    current_code: str
    """Code of that unit."""
    phase: int
    """Phase of plan 1838: 1 (TTLT, Bắc Ninh, Hải Dương, Hải Phòng) or 2 (every other province)."""
    deadline: dt.date
    """Plan 1838 deadline: 2023-12-30 for phase 1, 2024-12-31 for phase 2."""

    @property
    def merged(self) -> bool:
        """True when the unit was absorbed by another on 2025-07-01."""
        return self.current_code != self.code


@cache
def units() -> dict[str, Unit]:
    """Every historical unit by code (64: TTLT and the 63 provinces)."""
    text = resources.files("sohoa_lib").joinpath("data/units.csv").read_text(encoding="utf-8")
    return {
        row["code"]: Unit(
            code=row["code"],
            level=row["level"],
            name=row["name_before_2025_07_01"],
            current_name=row["name_from_2025_07_01"],
            current_code=row["code_from_2025_07_01"],
            phase=int(row["phase"]),
            deadline=dt.date.fromisoformat(row["deadline"]),
        )
        for row in csv.DictReader(text.splitlines())
    }


def unit(code: str) -> Unit:
    """The unit with this code; `UnknownUnitError` naming the code otherwise."""
    try:
        return units()[code]
    except KeyError:
        raise UnknownUnitError(
            f"không có đơn vị {code!r}: mã đơn vị phải là một mã trong danh mục "
            "(sohoa_lib/data/units.csv)"
        ) from None


def current_units() -> dict[str, str]:
    """The 35 units in force from 2025-07-01 (TTLT and 34 provinces): code → name."""
    return {u.current_code: u.current_name for u in units().values()}


def successor(code: str) -> str:
    """Code of the unit that holds `code`'s records today (`HD` → `HP`)."""
    return unit(code).current_code
