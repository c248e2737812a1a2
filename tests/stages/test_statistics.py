"""Stage 4: a unit's report tables and programme figures collected, compiled, published, reported."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT, file_row
from sohoa_lib import UnitPaths, load_unit_settings
from sohoa_lib.demo._statistics import DEFAULT_PERIODS, write_demo_statistics
from sohoa_lib.errors import ParamsError
from sohoa_lib.reports import stats as view
from sohoa_lib.run import runner
from sohoa_lib.stages.stats import run_statistics
from sohoa_lib.stats.collect import TOTAL
from sohoa_lib.stats.indicators import load_definitions
from sohoa_lib.stats.prepare import compile_definitions, compile_input, read_values, snapshot_period

AS_OF = dt.date(2026, 11, 22)
# Known programme figures, as the earlier stages would have written them.
SUMMARIES = {
    "inventory": {"holdings_files": 40, "holdings_pages": 1200, "non_electronic_pages": 1000,
                  "eligible_files": 30, "eligible_pages": 800, "selected_files": 12,
                  "selected_pages": 300, "achieved_share": 0.3, "cost_total": 5_000_000,
                  "pace": {"capacity_per_day": 250.0, "required_per_day": None,
                           "overdue_days": 1058, "projected_finish": "2026-11-24"}},
    "digitize": {"digitized_pages": 120, "pages_checked": 10, "pages_passed": 8,
                 "mean_ocr_confidence": 91.5, "documents_flagged": 2},
    "archive": {"signed_pages": 100},
}  # fmt: skip


@pytest.fixture
def unit(write_unit, tmp_path: Path):
    """TTLT with the demo's report tables (and their planted mistakes) and stage summaries."""
    demo = write_demo_statistics(tmp_path / "statistics", "TTLT", np.random.default_rng(7))
    params = write_unit(
        [file_row("A")],
        {"statistics": "statistics", "indicators": str(ROOT / "params" / "indicators.yaml")},
    )
    paths = UnitPaths(tmp_path / "outputs", "TTLT")
    for stage, summary in SUMMARIES.items():
        (paths.stage_dir(stage) / "summary.json").write_text(json.dumps(summary), "utf-8")
    return load_unit_settings(params), paths, demo


@pytest.fixture
def result(unit):
    settings, paths, _ = unit
    return run_statistics(settings, paths, as_of=AS_OF)


def _value(result, code: str, period: str, breakdown: str = "") -> float:
    c = result.compiled
    row = c[(c["level"] == "unit") & (c["indicator"] == code) & (c["period"] == period)
            & (c["breakdown"] == breakdown)]  # fmt: skip
    assert len(row) == 1, (code, period, breakdown)
    return float(row["value"].iloc[0])


def test_snapshot_period() -> None:
    assert snapshot_period(dt.date(2026, 11, 22)) == "2026-Q4"
    assert snapshot_period(dt.date(2026, 3, 31)) == "2026-Q1"


def test_programme_indicators_from_stage_summaries(result) -> None:
    q = "2026-Q4"
    assert _value(result, "SH07", q) == 300
    assert _value(result, "SH08", q) == pytest.approx(30.0)  # published as a percentage
    assert _value(result, "SH13", q) == pytest.approx(80.0)  # 8 of 10 pages passed, computed
    assert _value(result, "SH14", q) == pytest.approx(91.5)
    assert _value(result, "SH10", q) == 100


def test_planted_mistakes_found_and_the_negative_set_aside(unit, result) -> None:
    _, _, demo = unit
    found = set(result.problems[["tep", "trang_tinh", "o", "quy_tac"]].itertuples(index=False))
    assert found == set(demo.mistakes)
    # The negative management spending (last period) is kept out of the compilation...
    assert list(result.set_aside["chi_tieu"]) == ["CH05"]
    last = DEFAULT_PERIODS[-1]
    c = result.compiled
    assert c[(c["indicator"] == "CH05") & (c["period"] == last)].empty
    # ...while the rest of that period is compiled, and the resubmitted period counted once.
    assert _value(result, "CH02", last) > 0
    assert result.values.duplicated(["chi_tieu", "ky", "phan_to"]).sum() == 0


def test_outputs_written_and_read_back(unit, result) -> None:
    _, paths, _ = unit
    folder = paths.statistics
    for name in ("values.csv", "set_aside.csv", "problems.csv", "indicators.csv",
                 "data_dictionary.csv", "indicators.sdmx.csv", "summary.json"):  # fmt: skip
        assert (folder / name).is_file(), name
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["periods"] == list(DEFAULT_PERIODS)
    assert summary["problems_by_rule"] == {"tong": 1, "khong_am": 1, "ky_trung": 1}
    back = read_values(paths.root)
    assert len(back) == len(result.values) - 1
    assert not ((back["chi_tieu"] == "CH05") & (back["gia_tri"] < 0)).any()
    problems = pd.read_csv(folder / "problems.csv", encoding="utf-8-sig")
    assert list(problems.columns) == ["tep", "trang_tinh", "o", "quy_tac", "noi_dung"]


def test_compile_input_maps_breakdowns_and_percentages() -> None:
    defs = load_definitions(ROOT / "params" / "indicators.yaml")
    values = pd.DataFrame(
        {"chi_tieu": ["TG02", "TG02", "SH08"], "don_vi": "BN", "ky": "2026-Q3",
         "phan_to": [TOTAL, "nữ", TOTAL], "gia_tri": [10.0, 4.0, 0.305]}
    )  # fmt: skip
    tidy = compile_input(values, defs)
    assert list(tidy["breakdown"]) == ["", "nữ", ""]
    assert list(tidy["value"]) == [10.0, 4.0, pytest.approx(30.5)]
    compiled = compile_definitions(defs)
    assert compiled["SH08"].unit_of_measure == "%" and compiled["SH08"].scale == 100
    assert compiled["TG02"].unit_of_measure == "người" and compiled["TG02"].scale == 1


def test_without_report_tables_only_programme_figures(write_unit, tmp_path: Path) -> None:
    params = write_unit([file_row("A")], {"indicators": str(ROOT / "params" / "indicators.yaml")})
    paths = UnitPaths(tmp_path / "outputs", "TTLT")
    (paths.stage_dir("inventory") / "summary.json").write_text(
        json.dumps(SUMMARIES["inventory"]), "utf-8"
    )
    result = run_statistics(load_unit_settings(params), paths, as_of=AS_OF)
    assert set(result.values["chi_tieu"]) <= {i.code for i in result.definitions.indicators
                                               if i.computed}  # fmt: skip
    assert "chưa gửi bảng báo cáo" in view.sector(result).text


def test_statistics_needs_the_indicators_key(write_unit, tmp_path: Path) -> None:
    settings = load_unit_settings(write_unit([file_row("A")]))
    with pytest.raises(ParamsError, match=r"TTLT\.yaml: bước thống kê cần khóa 'indicators'"):
        run_statistics(settings, UnitPaths(tmp_path / "outputs", "TTLT"), as_of=AS_OF)


def test_report_sections(result) -> None:
    cards = view.key_figures(result).text
    assert "30,0" in cards and "Quá hạn 1.058 ngày" in cards
    last = DEFAULT_PERIODS[-1]
    sector = view.sector(result).text
    assert "quý III/2026" in sector and "So với cùng kỳ năm trước" in sector
    tg02 = (
        r"Số người tham gia BHXH bắt buộc quý III/2026 đạt [\d.]+ người, (tăng|giảm) [\d,]+% "
        "so với cùng kỳ năm trước"
    )
    assert re.search(tg02, view.analysis(result).text)
    quality = view.quality(result).text
    row = result.problems[result.problems["quy_tac"] == "khong_am"].iloc[0]
    assert row["o"] in quality and row["tep"] in quality and last in row["tep"]
    charts = view.series_charts(result).text + view.progress_chart(result).text
    assert charts.count("data:image/png;base64,") == 3


def test_the_notebook_runs_into_a_report(unit, tmp_path: Path) -> None:
    settings, paths, _ = unit
    params = yaml.safe_load(settings.source.read_text("utf-8"))
    params["statistics"] = str(tmp_path / "statistics")
    params["inventory"] = str(tmp_path / "inventory.csv")
    settings.source.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    record = runner.run_unit(
        "TTLT",
        params_file=settings.source,
        outputs=paths.outputs,
        stages=["statistics"],
        notebooks_dir=ROOT / "notebooks",
        as_of=AS_OF,
    )
    assert record.ok
    html = (paths.reports / "04_statistics.html").read_text("utf-8")
    assert "Chỉ tiêu thống kê" in html and "so với cùng kỳ năm trước" in html
    assert "run_statistics(" not in html  # outputs, not code


def test_without_a_day_the_stage_counts_as_of_the_runs_day(unit, monkeypatch) -> None:
    from sohoa_lib.common.clock import AS_OF_ENV

    settings, paths, _ = unit
    monkeypatch.setenv(AS_OF_ENV, "2025-06-30")
    assert run_statistics(settings, paths).as_of == dt.date(2025, 6, 30)
