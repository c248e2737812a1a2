"""Cost estimate from labour norms and the pace needed to meet a deadline, on known answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from sohoa_lib import ParamsError
from sohoa_lib.records.costing import (
    estimate_costs,
    estimate_pace,
    load_cost_norms,
    totals_by_stage,
)
from sohoa_lib.settings import Capacity


def _norms(tmp_path: Path, steps: list[dict]) -> Path:
    path = tmp_path / "costs.yaml"
    path.write_text(yaml.safe_dump({"steps": steps}, allow_unicode=True), encoding="utf-8")
    return path


STEP = {"code": "quet", "name": "Quét", "stage": "Số hóa", "per": "trang", "minutes": 0.5,
        "day_price": 400000, "other_per_unit": 100, "source": "thử"}  # fmt: skip


def test_costs_per_step_and_stage(tmp_path: Path) -> None:
    prep = STEP | {
        "code": "cb",
        "stage": "Chuẩn bị",
        "per": "to",
        "minutes": 1,
        "other_per_unit": 0,
    }
    norms = load_cost_norms(_norms(tmp_path, [prep, STEP]))
    budget = estimate_costs(norms, files=10, sheets=480, pages=960, hours_per_day=8)
    # 480 sheets × 1 min = 8 h = 1 day; 960 pages × 0.5 min = 1 day, plus 960 × 100 đ.
    assert list(budget["ngay_cong"]) == [1.0, 1.0]
    assert list(budget["thanh_tien"]) == [400000, 400000 + 96000]
    totals = totals_by_stage(budget)
    assert list(totals["giai_doan"]) == ["Chuẩn bị", "Số hóa"]


def test_committed_norms_load(root: Path) -> None:
    norms = load_cost_norms(root / "params" / "costs.yaml")
    assert [s.code for s in norms.steps] == [
        "chuan_bi", "quet", "xu_ly_anh", "bien_muc", "lien_ket", "kiem_tra", "dong_goi",
    ]  # fmt: skip
    assert all(s.source for s in norms.steps)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"per": "kg"}, r"steps\[0\]\.per' phải là một trong"), ({"minutes": -1}, "định mức hoặc đơn giá âm"),
     ({"colour": "red"}, r"khóa không xác định 'steps\[0\]\.colour'")],
)  # fmt: skip
def test_bad_norms(tmp_path: Path, change: dict, message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        load_cost_norms(_norms(tmp_path, [STEP | change]))


def test_pace_before_deadline() -> None:
    # Monday 2023-12-04 to Friday 2023-12-29 is 20 working days (Mon–Fri).
    pace = estimate_pace(
        pages=20_000, labour_minutes=20_000 * 1.2, capacity=Capacity(scanners=1, staff=2),
        deadline=dt.date(2023, 12, 29), new_target_date=None, as_of=dt.date(2023, 12, 4),
    )  # fmt: skip
    assert pace.working_days_left == 20
    assert pace.required_per_day == 1000
    assert pace.scanner_capacity == 1500
    assert pace.staff_capacity == pytest.approx(2 * 480 / 1.2)  # 800 pages a day
    assert pace.capacity_per_day == pytest.approx(800)
    assert pace.days_needed == 25
    assert pace.projected_finish == dt.date(2024, 1, 5)
    assert not pace.on_track and pace.overdue_days == 0


def test_pace_after_deadline_uses_the_new_target() -> None:
    pace = estimate_pace(
        pages=10_000, labour_minutes=10_000, capacity=Capacity(scanners=4, staff=10),
        deadline=dt.date(2023, 12, 30), new_target_date=dt.date(2026, 12, 4),
        as_of=dt.date(2026, 11, 23),
    )  # fmt: skip
    assert pace.overdue_days == (dt.date(2026, 11, 23) - dt.date(2023, 12, 30)).days
    assert pace.required_per_day is None
    assert pace.required_per_day_new_target == 1000  # 10 working days, 23/11 to 04/12
    assert pace.on_track


def test_holidays_are_not_working_days() -> None:
    base = dict(pages=1000, labour_minutes=1000, deadline=dt.date(2026, 9, 4),
                new_target_date=None, as_of=dt.date(2026, 8, 31))  # fmt: skip
    plain = estimate_pace(capacity=Capacity(scanners=1, staff=1), **base)
    national_day = estimate_pace(
        capacity=Capacity(scanners=1, staff=1, holidays=(dt.date(2026, 9, 2),)), **base
    )
    assert plain.working_days_left == 5 and national_day.working_days_left == 4
