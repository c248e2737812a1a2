"""Report charts: every tick label readable, counts in whole numbers, small shares not rounded away."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from test_national import AS_OF, outputs, result  # noqa: F401  (fixtures reused)
from test_statistics import result as stats_result  # noqa: F401
from test_statistics import unit  # noqa: F401

from conftest import file_row
from sohoa_lib import UnitPaths, load_unit_settings
from sohoa_lib.reports import blocks as r
from sohoa_lib.reports import digitize, inventory, national, stats
from sohoa_lib.stages.inventory import run_inventory


@pytest.fixture
def charts(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every figure the report functions render, drawn as in the report."""
    drawn = []
    embed = r.figure_html

    def keep(fig, alt):
        html = embed(fig, alt)  # draws the figure: ticks and their labels are final
        drawn.append((alt, fig))
        return html

    monkeypatch.setattr(r, "figure_html", keep)
    return drawn


def _labels(axis) -> list[str]:
    low, high = sorted(axis.get_view_interval())
    locs = [v for v in axis.get_majorticklocs() if low - 1e-9 <= v <= high + 1e-9]
    return [t for t in axis.get_major_formatter().format_ticks(locs) if t]


def _assert_readable(drawn: list, expected: int) -> None:
    assert len(drawn) >= expected
    for alt, fig in drawn:
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                labels = _labels(axis)
                assert len(labels) == len(set(labels)), (alt, labels)


def test_tiny_shares_and_few_pages(charts) -> None:
    ranked = pd.DataFrame({"name": ["Bắc Ninh", "Hải Phòng", "TTLT"],
                           "share_digitized": [0.00012, 0.00031, 0.00055],
                           "overdue_days": [0, 3, 0]})  # fmt: skip
    national.ranking_chart(SimpleNamespace(ranking=lambda: ranked))
    pages = pd.DataFrame({"do_tin_cay_ocr": [91.0, 88.0, 93.5, 95.0, 90.2, 72.0, 89.0]})
    digitize.confidence_chart(SimpleNamespace(pages=pages))
    _assert_readable(charts, 2)
    ranking = charts[0][1].axes[0]
    assert _labels(ranking.xaxis)[-1].endswith("%")
    bars = sorted(t.get_text() for t in ranking.texts)
    assert bars == [" 0,012%", " 0,031%", " 0,055%"]
    counts = _labels(charts[1][1].axes[0].yaxis)
    assert all(t.isdigit() for t in counts), counts  # whole pages, no 0,5 page


def test_national_charts(charts, result) -> None:  # noqa: F811
    for chart in (national.phase_chart, national.ranking_chart,
                  national.indicator_charts):  # fmt: skip
        chart(result)
    _assert_readable(charts, 3)


def test_statistics_charts(charts, stats_result) -> None:  # noqa: F811
    stats.progress_chart(stats_result)
    stats.series_charts(stats_result)
    _assert_readable(charts, 2)


def test_inventory_charts(charts, write_unit, tmp_path) -> None:
    rows = [file_row(f"F.{i}", **{"Số lượt khai thác": i, "Số lượng trang": 3 + i,
                                  "Thời gian bắt đầu": f"01/01/{1993 + i}"})
            for i in range(12)]  # fmt: skip
    settings = load_unit_settings(write_unit(rows))
    inv = run_inventory(settings, UnitPaths(tmp_path / "out", "TTLT"), as_of=AS_OF)
    for part in (inventory.exclusions, inventory.selection,
                 inventory.volume_chart, inventory.years_chart,
                 inventory.budget):  # fmt: skip
        part(inv)
    _assert_readable(charts, 4)
    years = [ax for alt, fig in charts if "năm" in alt for ax in fig.axes]
    assert all("." not in t for ax in years for t in _labels(ax.xaxis))


def test_distinct_decimals_and_share() -> None:
    assert r.distinct_decimals([0, 0.01, 0.02]) == 2
    assert r.distinct_decimals([0, 500, 1000]) == 0
    assert (r.share(0.00012), r.share(0.3), r.share(0.0)) == ("0,012%", "30,0%", "0,0%")
