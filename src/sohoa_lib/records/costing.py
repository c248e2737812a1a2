"""Cost estimate (dự toán) from per-step labour norms, and the pace needed to meet a deadline."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sohoa_lib.common.config import build, read_yaml
from sohoa_lib.errors import ParamsError

if TYPE_CHECKING:  # settings imports records (the unit registry); only the type is needed here
    from sohoa_lib.settings import Capacity

QUANTITY_LABELS = {"to": "tờ", "trang": "trang", "ho_so": "hồ sơ"}


@dataclass(frozen=True)
class CostStep:
    """One step of the digitization process with its labour norm and prices."""

    code: str
    """Short identifier."""
    name: str
    """Vietnamese name shown in the budget."""
    stage: str
    """Work phase the step belongs to (Chuẩn bị, Số hóa, …), for totals per phase."""
    per: str
    """What the quantity counts: to (sheet), trang (page) or ho_so (file)."""
    minutes: float
    """Labour minutes per unit of quantity."""
    day_price: float
    """Price of one labour day for this step, in the norms' currency."""
    source: str
    """Where the norm and price come from."""
    other_per_unit: float = 0.0
    """Materials, equipment and power per unit of quantity."""


@dataclass(frozen=True)
class CostNorms:
    """The cost norms file (params/costs.yaml)."""

    steps: tuple[CostStep, ...]
    """Steps in process order."""
    currency: str = "VND"
    """Currency of every price."""


def load_cost_norms(path: Path) -> CostNorms:
    """Read and validate the norms file; ParamsError names the file and the step."""
    norms: CostNorms = build(CostNorms, read_yaml(path), source=path)
    if not norms.steps:
        raise ParamsError(f"{path}: khóa 'steps' không liệt kê bước nào")
    for i, step in enumerate(norms.steps):
        if step.per not in QUANTITY_LABELS:
            raise ParamsError(
                f"{path}: khóa 'steps[{i}].per' phải là một trong {', '.join(QUANTITY_LABELS)}, "
                f"nhận được {step.per!r}"
            )
        if min(step.minutes, step.day_price, step.other_per_unit) < 0:
            raise ParamsError(f"{path}: bước {step.code!r} có định mức hoặc đơn giá âm")
    return norms


def estimate_costs(
    norms: CostNorms, *, files: int, sheets: int, pages: int, hours_per_day: float
) -> pd.DataFrame:
    """The budget table: one row per step with quantity, labour days and amounts."""
    quantity = {"ho_so": files, "to": sheets, "trang": pages}
    rows = []
    for step in norms.steps:
        qty = quantity[step.per]
        days = qty * step.minutes / 60 / hours_per_day
        labour = days * step.day_price
        other = qty * step.other_per_unit
        rows.append(
            {
                "buoc": step.code,
                "ten_buoc": step.name,
                "giai_doan": step.stage,
                "don_vi_tinh": QUANTITY_LABELS[step.per],
                "khoi_luong": qty,
                "dinh_muc_phut": step.minutes,
                "ngay_cong": round(days, 2),
                "don_gia_ngay_cong": step.day_price,
                "chi_phi_nhan_cong": round(labour),
                "chi_phi_khac": round(other),
                "thanh_tien": round(labour + other),
                "nguon": step.source,
            }
        )
    return pd.DataFrame(rows)


def totals_by_stage(budget: pd.DataFrame) -> pd.DataFrame:
    """Budget totals per work phase, in process order."""
    order = list(dict.fromkeys(budget["giai_doan"]))
    totals = budget.groupby("giai_doan", sort=False)[["ngay_cong", "thanh_tien"]].sum()
    return totals.loc[order].reset_index()


@dataclass(frozen=True)
class Pace:
    """How fast the unit must digitize, and how fast it can."""

    as_of: dt.date
    deadline: dt.date
    pages_remaining: int
    capacity_per_day: float
    """Pages a day the unit can produce: the lower of its scanners and its staff."""
    scanner_capacity: float
    staff_capacity: float
    days_needed: int
    """Working days needed at capacity."""
    projected_finish: dt.date
    """Date the work ends at capacity, starting on as_of."""
    working_days_left: int
    """Working days from as_of to the deadline (0 when it has passed)."""
    required_per_day: float | None
    """Pages a day needed to meet the deadline; None when it has passed."""
    overdue_days: int
    """Calendar days since the deadline (0 when not passed)."""
    new_target_date: dt.date | None
    required_per_day_new_target: float | None
    """Pages a day needed to meet the revised target date, when one is set."""

    @property
    def on_track(self) -> bool:
        """True when work at capacity ends by the deadline (or the revised date once passed)."""
        target = self.deadline if self.overdue_days == 0 else self.new_target_date
        return target is not None and self.projected_finish <= target


def estimate_pace(
    *,
    pages: int,
    labour_minutes: float,
    capacity: Capacity,
    deadline: dt.date,
    new_target_date: dt.date | None,
    as_of: dt.date,
) -> Pace:
    """Pace needed and pace possible, in pages per working day (capacity's weekmask, holidays)."""
    calendar = np.busdaycalendar(weekmask=capacity.weekmask, holidays=list(capacity.holidays))
    minutes_per_page = labour_minutes / pages if pages else 0.0
    scanner = float(capacity.scanners * capacity.pages_per_scanner_day)
    staff = (
        capacity.staff * capacity.hours_per_day * 60 / minutes_per_page
        if minutes_per_page
        else math.inf
    )
    per_day = min(scanner, staff)
    days_needed = math.ceil(pages / per_day) if pages else 0
    start = np.busday_offset(as_of, 0, roll="forward", busdaycal=calendar)
    finish = np.busday_offset(start, max(days_needed - 1, 0), busdaycal=calendar)

    def working_days(until: dt.date) -> int:
        # Both ends count: work on the deadline day itself still meets it.
        return max(int(np.busday_count(as_of, until + dt.timedelta(days=1), busdaycal=calendar)), 0)

    overdue = max((as_of - deadline).days, 0)
    left = working_days(deadline) if not overdue else 0
    new_left = working_days(new_target_date) if new_target_date else 0
    return Pace(
        as_of=as_of,
        deadline=deadline,
        pages_remaining=pages,
        capacity_per_day=per_day,
        scanner_capacity=scanner,
        staff_capacity=staff,
        days_needed=days_needed,
        projected_finish=finish.astype(dt.date),
        working_days_left=left,
        required_per_day=(pages / left if left else None) if not overdue else None,
        overdue_days=overdue,
        new_target_date=new_target_date,
        required_per_day_new_target=pages / new_left if new_left else None,
    )
