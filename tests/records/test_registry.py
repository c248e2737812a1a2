"""The unit registry: 63 provinces before 2025-07-01 onto 34 after, phases of plan 1838."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from conftest import ROOT
from sohoa_lib import UnknownUnitError, current_units, successor, unit, units

SHARED = ROOT.parent / "shared" / "data" / "provinces-2025.csv"


def test_counts() -> None:
    provinces = [u for u in units().values() if u.level == "province"]
    assert len(provinces) == 63
    assert len({u.current_code for u in provinces}) == 34
    assert len(current_units()) == 35  # and the Archive Centre


@pytest.mark.parametrize(
    ("old", "new"),
    [("HD", "HP"), ("BG", "BN"), ("HP", "HP"), ("BN", "BN"), ("HUE", "HUE"), ("BDG", "HCM")],
)
def test_mergers(old: str, new: str) -> None:
    assert successor(old) == new


def test_phases_and_deadlines_of_plan_1838() -> None:
    phase1 = {c for c, u in units().items() if u.phase == 1}
    assert phase1 == {"TTLT", "BN", "HD", "HP"}
    assert {u.deadline for u in units().values() if u.phase == 1} == {dt.date(2023, 12, 30)}
    assert {u.deadline for u in units().values() if u.phase == 2} == {dt.date(2024, 12, 31)}


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ reference data not beside the checkout")
def test_registry_agrees_with_the_checked_reference_data() -> None:
    rows = list(csv.DictReader(SHARED.open(encoding="utf-8")))
    by_name = {u.name: u for u in units().values()}
    for row in rows:
        assert (
            by_name[row["province_before_2025_07_01"]].current_name
            == row["province_from_2025_07_01"]
        )


def test_unknown_unit() -> None:
    with pytest.raises(UnknownUnitError, match="không có đơn vị 'ZZ'"):
        unit("ZZ")
