"""What stages hand each other: summary figures declared once, misspelt keys caught where typed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from sohoa_lib import handover
from sohoa_lib.errors import InputError, ParamsError
from sohoa_lib.stats.indicators import load_definitions
from sohoa_lib.stats.progress import progress_by_unit


def test_a_stage_cannot_write_a_figure_it_does_not_declare(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="holding_pages"):
        handover.write_summary(tmp_path, "inventory", {"unit": "HP", "holding_pages": 10})
    assert not (tmp_path / handover.SUMMARY).exists()
    handover.write_summary(tmp_path, "inventory", {"unit": "HP", "holdings_pages": 10})
    assert handover.read_summary(tmp_path.parent, tmp_path.name) == {
        "unit": "HP",
        "holdings_pages": 10,
    }


def test_an_indicator_naming_an_undeclared_figure_is_refused_on_load(tmp_path: Path) -> None:
    # Before the hand-over declared its keys, a misspelt key loaded fine and the indicator was
    # simply never reported, which reads as "the unit has no figure" rather than as a typo.
    params = yaml.safe_load((ROOT / "params" / "indicators.yaml").read_text(encoding="utf-8"))
    computed = next(i for i in params["indicators"] if i.get("from_output"))
    computed["from_output"] = "inventory/summary.json:holding_pages"
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError, match=r"indicators\.yaml.*'holding_pages'"):
        load_definitions(path)
    computed["from_output"] = "inventory/tong_hop.json:holdings_pages"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError, match="from_output phải có dạng"):
        load_definitions(path)


def test_an_unreadable_summary_is_a_problem_not_a_stage_that_never_ran(tmp_path: Path) -> None:
    unit = tmp_path / "HP"
    (unit / "inventory").mkdir(parents=True)
    (unit / "inventory" / handover.SUMMARY).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"summary\.json"):
        handover.read_summary(unit, "inventory")
    assert handover.read_summary(unit, "digitize") is None
    problems: list[dict] = []
    rows = progress_by_unit(tmp_path, dt.date(2026, 11, 30), problems)
    assert not rows.set_index("unit").loc["HP", "reported"]
    assert [p for p in problems if "HP/inventory/summary.json" in json.dumps(p, ensure_ascii=False)]
