"""Stage 1, inventory: eligibility per plan 1838, selection by use, volume, cost and pace."""

from __future__ import annotations

import datetime as dt

from sohoa_lib.common import clock
from sohoa_lib.handover.inventory import InventoryResult, write_outputs
from sohoa_lib.paths import UnitPaths
from sohoa_lib.records.costing import (
    estimate_costs,
    estimate_pace,
    load_cost_norms,
    totals_by_stage,
)
from sohoa_lib.records.inventory import read_inventory
from sohoa_lib.records.selection import eligibility, select, selected, sheets_of, volume
from sohoa_lib.settings import UnitSettings


def run_inventory(
    settings: UnitSettings, paths: UnitPaths, *, as_of: dt.date | None = None
) -> InventoryResult:
    """Read the unit's inventory, apply plan 1838, select, estimate, and write the stage's CSVs."""
    as_of = as_of or clock.today()
    table = read_inventory(settings.inventory, settings.inventory_facts)
    files = eligibility(table.files, settings.selection)
    selection, summary = select(files, settings.selection.target_share)
    files = files.assign(lua_chon=selected(files, selection))
    volume_table = volume(files)
    sheets, estimated = sheets_of(selection)
    norms = load_cost_norms(settings.costs)
    hours = settings.capacity.hours_per_day
    budget = estimate_costs(
        norms,
        files=len(selection),
        sheets=sheets,
        pages=summary.selected_pages,
        hours_per_day=hours,
    )
    pace = estimate_pace(
        pages=summary.selected_pages,
        labour_minutes=float(budget["ngay_cong"].sum()) * hours * 60,
        capacity=settings.capacity,
        deadline=settings.deadline,
        new_target_date=settings.new_target_date,
        as_of=as_of,
    )
    result = InventoryResult(
        settings=settings,
        table=table,
        files=files,
        selection=selection,
        summary=summary,
        volume=volume_table,
        budget=budget,
        budget_by_stage=totals_by_stage(budget),
        pace=pace,
        sheets_estimated=estimated,
    )
    write_outputs(result, paths)
    return result
