"""The run's day: Vietnam's date, or the day named in SOHOA_AS_OF, and every stage counts from it."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import file_row
from sohoa_lib.common import clock
from sohoa_lib.errors import ParamsError


def test_today_is_the_date_in_vietnam_not_the_servers(monkeypatch) -> None:
    monkeypatch.delenv(clock.AS_OF_ENV, raising=False)
    # 00:30 in Hà Nội is still the evening before in UTC, where servers often keep their clock.
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2031, 1, 1, 0, 30, tzinfo=clock.VIETNAM))
    assert clock.today() == dt.date(2031, 1, 1)


def test_a_run_can_count_as_of_a_named_day(monkeypatch) -> None:
    monkeypatch.setenv(clock.AS_OF_ENV, " 2024-02-29 ")
    assert clock.today() == dt.date(2024, 2, 29)
    monkeypatch.setenv(clock.AS_OF_ENV, "29/02/2024")
    with pytest.raises(ParamsError, match=r"SOHOA_AS_OF='29/02/2024' không phải ngày dạng YYYY"):
        clock.today()


def test_the_inventory_stage_counts_the_deadline_from_the_runs_day(monkeypatch, write_unit) -> None:
    from sohoa_lib import UnitPaths, load_unit_settings
    from sohoa_lib.stages.inventory import run_inventory

    params = write_unit([file_row("A.1"), file_row("A.2")])
    monkeypatch.setenv(clock.AS_OF_ENV, "2023-12-01")
    settings = load_unit_settings(params)
    early = run_inventory(settings, UnitPaths(params.parent / "a", "TTLT")).pace
    monkeypatch.setenv(clock.AS_OF_ENV, "2024-03-01")
    late = run_inventory(settings, UnitPaths(params.parent / "b", "TTLT")).pace
    assert (early.as_of, late.as_of) == (dt.date(2023, 12, 1), dt.date(2024, 3, 1))
    assert early.working_days_left > 0 and late.working_days_left == 0
