"""Statistics collection: indicator definitions, period parsing, validation rules, demo tables."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from sohoa_lib.demo._statistics import DEFAULT_PERIODS, period_label, write_demo_statistics
from sohoa_lib.errors import ParamsError
from sohoa_lib.stats.collect import cell_name, collect, computed_values, parse_number, parse_period
from sohoa_lib.stats.indicators import load_definitions

ROMAN = ["I", "II", "III", "IV"]

SMALL = {
    "outlier_change": 0.5,
    "breakdowns": [{"name": "gioi_tinh", "label": "Giới tính", "values": ["nam", "nữ"]}],
    "indicators": [
        {"code": "TG01", "name": "Số người tham gia BHXH", "unit": "người",
         "breakdowns": ["gioi_tinh"], "total_of": ["TG02", "TG03"], "source": "test"},
        {"code": "TG02", "name": "Số người tham gia BHXH bắt buộc", "unit": "người",
         "breakdowns": ["gioi_tinh"], "required": True, "source": "test"},
        {"code": "TG03", "name": "Số người tham gia BHXH tự nguyện", "unit": "người",
         "breakdowns": ["gioi_tinh"], "source": "test"},
        {"code": "TH02", "name": "Thu BHXH", "unit": "triệu đồng", "source": "test"},
    ],
}  # fmt: skip
HEADER = ["Chỉ tiêu", "Mã chỉ tiêu", "Nam", "Nữ", "Tổng số"]
GOOD = [
    ["Số người tham gia BHXH", "TG01", 130, 70, 200],
    ["Số người tham gia BHXH bắt buộc", "TG02", 100, 50, 150],
    ["Số người tham gia BHXH tự nguyện", "TG03", 30, 20, 50],
    ["Thu BHXH", "TH02", None, None, 1000],
]


@pytest.fixture
def small(tmp_path: Path):
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(SMALL, allow_unicode=True), encoding="utf-8")
    return load_definitions(path)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "thong_ke"
    out.mkdir()
    return out


def write_xlsx(path: Path, period: str, rows: list[list], sheet: str = "Sheet1") -> Path:
    """Title in A1, period in A2, header on row 4: data rows start at row 5."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["BÁO CÁO THỐNG KÊ"])
    ws.append([f"Kỳ báo cáo: {period}"])
    ws.append([])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def write_csv(path: Path, period: str, rows: list[list]) -> Path:
    """Period in column A, header on row 1: data rows start at row 2, values in D–F."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Kỳ báo cáo", *HEADER])
        for row in rows:
            writer.writerow([period, *("" if v is None else v for v in row)])
    return path


def only(problems, rule):
    found = [p for p in problems if p.rule == rule]
    assert len(found) == 1, problems
    return found[0]


# Periods ---------------------------------------------------------------------------------------


@given(st.integers(1, 4), st.integers(1995, 2100), st.sampled_from(["Quý {q}/{y}", "QUÝ {q}/{y}",
       "Quý {q} năm {y}", "quy {q} - {y}"]), st.booleans())  # fmt: skip
def test_quarters(quarter, year, form, roman):
    text = form.format(q=ROMAN[quarter - 1] if roman else quarter, y=year)
    assert parse_period(text) == f"{year}-Q{quarter}"


@given(st.integers(1, 12), st.integers(1995, 2100), st.sampled_from(["Tháng {m}/{y}",
       "Tháng {m:02d}/{y}", "THÁNG {m} NĂM {y}", "thang {m}-{y}"]))  # fmt: skip
def test_months(month, year, form):
    assert parse_period(form.format(m=month, y=year)) == f"{year}-{month:02d}"


@given(st.integers(1995, 2100))
def test_years_and_labels_round_trip(year):
    assert parse_period(f"Năm {year}") == str(year)
    for period in (str(year), f"{year}-Q3", f"{year}-11"):
        assert parse_period(period_label(period)) == period


@pytest.mark.parametrize("text", ["", "Quý V/2026", "Tháng 13/2026", "Báo cáo", "2026"])
def test_not_a_period(text):
    assert parse_period(text) is None


def test_numbers_and_cells():
    assert parse_number("1.234.567") == 1234567
    assert parse_number("12,5") == 12.5
    assert parse_number("1,234,567.5") == 1234567.5
    assert parse_number(42) == 42 and parse_number("") is None and parse_number(None) is None
    with pytest.raises(ValueError):
        parse_number("khoảng 10")
    assert cell_name(6, 3) == "D7" and cell_name(0, 26) == "AA1"


# Loader ----------------------------------------------------------------------------------------


def test_params_file_loads():
    d = load_definitions(ROOT / "params" / "indicators.yaml")
    assert d.by_code["SH08"].target == 0.30
    assert d.by_code["SH02"].from_output == "inventory/summary.json:holdings_pages"
    assert {"TG02", "TG03", "TG04", "TG05", "TH01", "CH01", "HL01", "HL04"} <= set(d.by_code)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.update(colour="red"), "khóa không xác định 'colour'"),
        (
            lambda s: s["indicators"][0].update(unti="người"),
            r"khóa không xác định 'indicators\[0\]\.unti'",
        ),
        (lambda s: s["indicators"][0].update(aggregation="avg"), "aggregation 'avg'"),
        (lambda s: s["indicators"][0].update(total_of=["XX99"]), "chỉ tiêu không có 'XX99'"),
        (lambda s: s["indicators"][0].update(breakdowns=["tuoi"]), "không có cách phân tổ 'tuoi'"),
        (lambda s: s["indicators"][3].update(aggregation="ratio"), "ratio cần khóa"),
        (lambda s: s["indicators"][3].update(code="TG01"), "được định nghĩa hai lần"),
        (lambda s: s["indicators"][0].pop("unit"), r"thiếu khóa bắt buộc 'indicators\[0\]\.unit'"),
    ],
)
def test_loader_errors(tmp_path, change, expected):
    spec = yaml.safe_load(yaml.safe_dump(SMALL))
    change(spec)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError, match=expected) as info:
        load_definitions(path)
    assert str(path) in str(info.value)


# Validation rules ------------------------------------------------------------------------------


def test_clean_table_is_tidy(folder, small):
    write_xlsx(folder / "q3.xlsx", "Quý III/2026", GOOD)
    table, problems = collect(folder, "BN", small)
    assert problems == []
    assert len(table) == 10
    row = table[(table["chi_tieu"] == "TG02") & (table["phan_to"] == "nữ")].iloc[0]
    assert (row["ky"], row["gia_tri"], row["o"], row["trang_tinh"]) == (
        "2026-Q3",
        50,
        "D6",
        "Sheet1",
    )
    assert row["don_vi"] == "BN" and row["don_vi_tinh"] == "người"


def test_names_without_diacritics_and_vietnamese_numbers(folder, small):
    rows = [r[:] for r in GOOD]
    rows[3] = ["thu bhxh", "", None, None, "1.000"]
    write_csv(folder / "bao_cao.csv", "Tháng 10/2026", rows)
    table, problems = collect(folder, "HP", small)
    assert problems == []
    assert table.loc[table["chi_tieu"] == "TH02", "gia_tri"].item() == 1000
    assert set(table["ky"]) == {"2026-10"}


def test_negative(folder, small):
    rows = [r[:] for r in GOOD]
    rows[3][4] = -1000
    write_csv(folder / "bao_cao.csv", "Quý I/2026", rows)
    problem = only(collect(folder, "HP", small)[1], "khong_am")
    assert (problem.file, problem.sheet, problem.cell) == ("bao_cao.csv", "bao_cao", "F5")
    assert "âm" in problem.message and "TH02" in problem.message


def test_total_of_breakdown(folder, small):
    rows = [r[:] for r in GOOD]
    rows[1][2] = 101  # Nam 101 + Nữ 50 ≠ Tổng số 150
    write_xlsx(folder / "q1.xlsx", "Quý I/2026", rows, sheet="BC")
    problems = {p.cell: p for p in collect(folder, "BN", small)[1] if p.rule == "tong"}
    problem = problems["E6"]  # TG02's Tổng số; TG01's Nam (C5) no longer adds up either
    assert (problem.file, problem.sheet) == ("q1.xlsx", "BC")
    # Named for a reader (indicator name, period in words), the code kept to find the row.
    assert problem.message == ("Số người tham gia BHXH bắt buộc (TG02), quý I/2026: tổng số 150 "
                               "khác tổng các phân tổ theo giới tính 151")  # fmt: skip
    assert set(problems) == {"E6", "C5"}


def test_total_of_indicators(folder, small):
    rows = [r[:] for r in GOOD]
    rows[0][2:] = [140, 70, 210]  # TG01 nam 140 ≠ 100 + 30, and total 210 ≠ 150 + 50
    write_xlsx(folder / "q2.xlsx", "Quý II/2026", rows)
    problems = [p for p in collect(folder, "BN", small)[1] if p.rule == "tong"]
    assert {p.cell for p in problems} == {"C5", "E5"}
    assert all("(TG02), " in p.message and "(TG03)" in p.message for p in problems)
    assert not any(" kỳ 2026" in p.message for p in problems)


def test_required_missing(folder, small):
    write_xlsx(folder / "q2.xlsx", "Quý II/2026", [GOOD[0], GOOD[2], GOOD[3]])
    problem = only(collect(folder, "BN", small)[1], "bat_buoc")
    assert (problem.file, problem.sheet, problem.cell) == ("q2.xlsx", "Sheet1", "B4")
    assert "TG02" in problem.message and "bắt buộc" in problem.message


def test_period_reported_twice(folder, small):
    write_xlsx(folder / "a.xlsx", "Quý II/2026", GOOD)
    write_csv(folder / "b.csv", "Quý II/2026", GOOD)
    table, problems = collect(folder, "BN", small)
    problem = only(problems, "ky_trung")
    assert (problem.file, problem.sheet, problem.cell) == ("b.csv", "b", "A2")
    assert "a.xlsx" in problem.message
    assert set(table["tep"]) == {"a.xlsx"}  # the repeat is not counted twice


def test_outlier_threshold(folder, small):
    write_xlsx(folder / "q1.xlsx", "Quý I/2026", GOOD)
    rows = [r[:] for r in GOOD]
    rows[3][4] = 1600  # +60% against Quý I
    write_xlsx(folder / "q2.xlsx", "Quý II/2026", rows)
    problem = only(collect(folder, "BN", small)[1], "bat_thuong")
    assert (problem.file, problem.sheet, problem.cell) == ("q2.xlsx", "Sheet1", "E8")
    assert "+60%" in problem.message
    assert collect(folder, "BN", small, outlier_change=0.7)[1] == []


def test_unknown_indicator_and_bad_number(folder, small):
    rows = [*GOOD, ["Chỉ tiêu lạ", "ZZ01", None, None, 5]]
    rows[3] = ["Thu BHXH", "TH02", None, None, "n/a"]
    write_xlsx(folder / "q1.xlsx", "Quý I/2026", rows)
    problems = collect(folder, "BN", small)[1]
    assert only(problems, "chi_tieu").cell == "B9"
    assert only(problems, "so_lieu").cell == "E8"


def test_missing_period(folder, small):
    write_csv(folder / "x.csv", "", GOOD)
    (folder / "x.csv").write_text(
        (folder / "x.csv").read_text(encoding="utf-8-sig").replace("Kỳ báo cáo", "Ghi chú"),
        encoding="utf-8",
    )
    problem = only(collect(folder, "BN", small)[1], "ky_bao_cao")
    assert problem.file == "x.csv" and problem.cell


def test_period_line_wins_over_title(folder, small):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["BÁO CÁO THỐNG KÊ NĂM 2026"])
    ws.append(["Kỳ báo cáo: Tháng 3/2026"])
    ws.append(HEADER)
    for row in GOOD:
        ws.append(row)
    book.save(folder / "t3.xlsx")
    table, problems = collect(folder, "BN", small)
    assert problems == [] and set(table["ky"]) == {"2026-03"}


def test_computed_values(tmp_path):
    definitions = load_definitions(ROOT / "params" / "indicators.yaml")
    (tmp_path / "inventory").mkdir()
    summary = {"holdings_pages": 1000, "non_electronic_pages": 900, "selected_pages": 270,
               "achieved_share": 0.3, "pace": {"capacity_per_day": 1500.0}}  # fmt: skip
    (tmp_path / "inventory" / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    (tmp_path / "digitize").mkdir()
    digitize = {"pages_checked": 200, "pages_passed": 150, "mean_ocr_confidence": None}
    (tmp_path / "digitize" / "summary.json").write_text(json.dumps(digitize), encoding="utf-8")
    table = computed_values(tmp_path, "BN", definitions, "2026-Q3").set_index("chi_tieu")
    assert table.loc["SH02", "gia_tri"] == 1000 and table.loc["SH08", "gia_tri"] == 0.3
    assert table.loc["SH17", "gia_tri"] == 1500
    assert table.loc["SH13", "gia_tri"] == 0.75  # worked out from SH12 / SH11
    assert "SH14" not in table.index and "SH10" not in table.index  # None, and stage not run


# Demo ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["BN", "HP"])
def test_demo_tables_hold_exactly_the_planted_mistakes(tmp_path, unit):
    definitions = load_definitions(ROOT / "params" / "indicators.yaml")
    demo = write_demo_statistics(tmp_path, unit, np.random.default_rng(1838))
    assert {f.suffix for f in demo.files} == {".xlsx" if unit == "BN" else ".csv"}
    table, problems = collect(tmp_path, unit, definitions)
    found = {(p.file, p.sheet, p.cell, p.rule) for p in problems}
    assert found == set(demo.mistakes), [str(p) for p in problems]
    assert set(table["ky"]) == set(DEFAULT_PERIODS)
    assert not table.duplicated(["chi_tieu", "ky", "phan_to"]).any()
