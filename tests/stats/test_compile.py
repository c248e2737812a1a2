"""Tests for indicator compilation, the automatic analysis and SDMX-CSV publication."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from sohoa_lib.errors import InputError
from sohoa_lib.stats.analysis import (
    deadline_sentences,
    movement_sentences,
    period_name,
    quality_sentences,
)
from sohoa_lib.stats.compile import compile_indicators, previous_period, same_period_last_year
from sohoa_lib.stats.sdmx import publish, to_sdmx_frame

DEFS = {
    "TG": {"name": "Số người tham gia BHXH bắt buộc", "unit_of_measure": "người", "rule": "sum"},
    "LUONG": {
        "name": "Tiền lương bình quân",
        "unit_of_measure": "đồng",
        "rule": "weighted_mean",
        "weight": "TG",
    },
    "NO": {"name": "Số người bị nợ đóng", "unit_of_measure": "người", "rule": "sum"},
    "TYLE_NO": {
        "name": "Tỷ lệ nợ đóng",
        "unit_of_measure": "%",
        "rule": "ratio",
        "numerator": "NO",
        "denominator": "TG",
        "scale": 100,
    },
}


def tidy(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator", "unit", "period", "breakdown", "value"])


def value(out: pd.DataFrame, indicator: str, level: str, unit: str, period: str = "2026-Q3"):
    row = out[
        (out["indicator"] == indicator)
        & (out["level"] == level)
        & (out["unit"] == unit)
        & (out["period"] == period)
        & (out["breakdown"] == "")
    ]
    assert len(row) == 1, row
    return row.iloc[0]


@pytest.fixture
def compiled() -> pd.DataFrame:
    rows = []
    # unit, participants, wage, debtors
    for unit, tg, luong, no in [
        ("HD", 100, 10, 5),
        ("HP", 300, 20, 30),
        ("BG", 50, 4, 1),
        ("BN", 150, 8, 4),
    ]:
        for period, factor in [("2026-Q3", 1.0), ("2026-Q2", 0.8), ("2025-Q3", 1.25)]:
            rows += [
                ("TG", unit, period, "", tg * factor),
                ("LUONG", unit, period, "", luong),
                ("NO", unit, period, "", no),
            ]
    return compile_indicators(tidy(rows), DEFS)


def test_sum_and_historical_mapping(compiled):
    assert value(compiled, "TG", "province", "HP")["value"] == 400  # HD + HP
    assert value(compiled, "TG", "province", "BN")["value"] == 200  # BG + BN
    assert value(compiled, "TG", "national", "national")["value"] == 600
    # The old units' own series are kept.
    assert value(compiled, "TG", "unit", "HD")["value"] == 100
    assert value(compiled, "TG", "unit", "HP")["value"] == 300
    assert set(compiled["level"]) == {"unit", "province", "national"}
    assert not ((compiled["level"] == "province") & compiled["unit"].isin(["HD", "BG"])).any()


def test_weighted_mean(compiled):
    assert value(compiled, "LUONG", "province", "HP")["value"] == pytest.approx(
        (100 * 10 + 300 * 20) / 400
    )
    assert value(compiled, "LUONG", "national", "national")["value"] == pytest.approx(
        (100 * 10 + 300 * 20 + 50 * 4 + 150 * 8) / 600
    )


def test_ratio_from_summed_parts_not_averaged(compiled):
    hp = value(compiled, "TYLE_NO", "province", "HP")["value"]
    assert hp == pytest.approx(35 / 400 * 100)
    assert hp != pytest.approx((5 / 100 + 30 / 300) / 2 * 100)
    # Units that did not report the ratio get it from their own numerator and denominator.
    assert value(compiled, "TYLE_NO", "unit", "HD")["value"] == pytest.approx(5.0)
    assert value(compiled, "TYLE_NO", "national", "national")["value"] == pytest.approx(40 / 6)


def test_previous_and_same_period_last_year(compiled):
    row = value(compiled, "TG", "national", "national")
    assert row["prev_value"] == 480 and row["change_pct"] == pytest.approx(0.25)
    assert row["yoy_value"] == 750 and row["yoy_pct"] == pytest.approx(-0.2)
    assert pd.isna(value(compiled, "TG", "national", "national", "2026-Q2")["prev_value"])
    assert previous_period("2026-Q1") == "2025-Q4"
    assert previous_period("2026-01") == "2025-12"
    assert previous_period("2025") == "2024"
    assert same_period_last_year("2026-10") == "2025-10"


def test_changes_only_against_a_period_the_same_units_reported():
    # HD reported late: only HP in 2026-Q2, both in 2026-Q3.
    rows = [("TG", "HP", "2026-Q2", "", 300.0), ("TG", "HP", "2026-Q3", "", 310.0),
            ("TG", "HD", "2026-Q3", "", 100.0)]  # fmt: skip
    out = compile_indicators(tidy(rows), {"TG": DEFS["TG"]})
    # The roll-ups (HP province = HD + HP, and the nation) would show a 37% jump: left blank.
    for level, unit in (("province", "HP"), ("national", "national")):
        row = value(out, "TG", level, unit)
        assert row["value"] == 410 and pd.isna(row["prev_value"]) and pd.isna(row["change_pct"])
    # HP's own series is like for like.
    assert value(out, "TG", "unit", "HP")["change_pct"] == pytest.approx(10 / 300)


def test_shares_and_rankings(compiled):
    assert value(compiled, "TG", "province", "HP")["share"] == pytest.approx(400 / 600)
    assert value(compiled, "TG", "unit", "BG")["share"] == pytest.approx(50 / 600)
    assert value(compiled, "TG", "province", "HP")["rank"] == 1
    assert value(compiled, "TG", "province", "BN")["rank"] == 2
    assert pd.isna(value(compiled, "TG", "unit", "HP")["rank"])
    assert pd.isna(value(compiled, "LUONG", "province", "HP")["share"])  # not additive


def test_bad_input_is_reported_in_one_error():
    bad = tidy([("XX", "HD", "2026-Q3", "", 1.0), ("TG", "ZZ", "2026/3", "", 1.0)])
    with pytest.raises(InputError) as err:
        compile_indicators(bad, DEFS)
    assert "XX" in str(err.value) and "ZZ" in str(err.value) and "2026/3" in str(err.value)


def test_period_names():
    assert period_name("2026-Q3") == "quý III/2026"
    assert period_name("2026-10") == "tháng 10/2026"
    assert period_name("2025") == "năm 2025"


def sentence_for(now: float, last_year: float, period: str = "2026-Q3") -> str:
    year = int(period[:4])
    earlier = f"{year - 1}{period[4:]}"
    rows = tidy([("TG", "HP", period, "", now), ("TG", "HP", earlier, "", last_year)])
    out = compile_indicators(rows, {"TG": DEFS["TG"]})
    return movement_sentences(out, {"TG": DEFS["TG"]})[0]


def test_sentences_rise_fall_no_change():
    assert sentence_for(1_234_567, 1_196_286) == (
        "Số người tham gia BHXH bắt buộc quý III/2026 đạt 1.234.567 người, "
        "tăng 3,2% so với cùng kỳ năm trước."
    )
    assert "giảm 10,0% so với cùng kỳ năm trước" in sentence_for(900, 1000)
    assert "không đổi so với năm trước" in sentence_for(1000, 1000, "2025")
    assert "tháng 10/2026" in sentence_for(1000, 1000, "2026-10")


def test_percentage_indicators_move_in_points(compiled):
    text = movement_sentences(compiled, DEFS)
    assert any(s.startswith("Tỷ lệ nợ đóng quý III/2026 đạt 6,7%") for s in text)
    assert any("điểm phần trăm" in s for s in text)


def test_deadline_and_quality_sentences():
    table = pd.DataFrame(
        {
            "unit": ["HD", "BN", "TTLT"],
            "deadline": ["2023-12-30", "2023-12-30", "2023-12-30"],
            "projected_finish": ["2024-03-09", "2023-11-01", "2024-01-09"],
            "share_digitized": [0.125, 1.0, 0.9],
        }
    )
    text = deadline_sentences(table)
    assert len(text) == 2 and text[0].startswith("BHXH Hải Dương: ")
    assert "chậm 70 ngày so với thời hạn 30/12/2023; đã số hóa 12,5%." in text[0]
    problems = [{"file": "b01.xlsx", "sheet": "Q3", "cell": "C7", "message": "không phải số"}]
    assert quality_sentences(problems)[1] == "Tệp b01.xlsx, trang tính Q3, ô C7: không phải số."
    assert quality_sentences([]) == ["Không phát hiện vấn đề về chất lượng dữ liệu."]


def test_sdmx_csv_written_and_read_back(compiled, tmp_path):
    paths = publish(tmp_path, compiled, DEFS)
    text = paths["sdmx"].read_text(encoding="utf-8")
    assert text.startswith(
        "STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,REF_AREA,TIME_PERIOD,BREAKDOWN,OBS_VALUE"
    )
    with paths["sdmx"].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(to_sdmx_frame(compiled, DEFS))
    national = [
        r
        for r in rows
        if r["REF_AREA"] == "VN" and r["INDICATOR"] == "TG" and r["TIME_PERIOD"] == "2026-Q3"
    ]
    assert national[0]["OBS_VALUE"] == "600" and national[0]["BREAKDOWN"] == "_T"
    assert {r["STRUCTURE_ID"] for r in rows} == {"VSS:DF_SOHOA(1.0)"}
    # Historical HD is published; HP appears once per observation (today's province).
    keys = [(r["INDICATOR"], r["REF_AREA"], r["TIME_PERIOD"], r["BREAKDOWN"]) for r in rows]
    assert len(keys) == len(set(keys)) and ("TG", "HD", "2026-Q3", "_T") in keys
    dictionary = pd.read_csv(paths["dictionary"], encoding="utf-8-sig")
    assert list(dictionary.columns) == ["code", "name", "unit", "definition", "source"]
    assert len(pd.read_csv(paths["indicators"], encoding="utf-8-sig")) == len(compiled)


def test_sdmx_csv_read_by_pysdmx(compiled, tmp_path):
    pytest.importorskip("pysdmx.io.csv")
    from pysdmx.io import get_datasets

    path = publish(tmp_path, compiled, DEFS)["sdmx"]
    (dataset,) = get_datasets(path)
    assert dataset.short_urn == "Dataflow=VSS:DF_SOHOA(1.0)"
    data = dataset.data
    hit = data[
        (data["REF_AREA"] == "HP")
        & (data["INDICATOR"] == "TG")
        & (data["TIME_PERIOD"] == "2026-Q3")
    ]
    assert float(hit["OBS_VALUE"].iloc[0]) == 400
