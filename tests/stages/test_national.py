"""Stage 5: every unit's outputs rolled up by phase, indicators compiled for the nation, one catalogue."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, file_row
from sohoa_lib import UnitPaths, cli, load_unit_settings
from sohoa_lib.catalog import db
from sohoa_lib.demo._statistics import write_demo_statistics
from sohoa_lib.reports import national as view
from sohoa_lib.run import national as national_run
from sohoa_lib.stages.national import run_national_report
from sohoa_lib.stages.stats import run_statistics
from sohoa_lib.stats.collect import COLUMNS, TOTAL

AS_OF = dt.date(2026, 11, 22)
INDICATORS = ROOT / "params" / "indicators.yaml"


def _inventory(paper: int, selected: int, **pace) -> dict:
    return {"non_electronic_pages": paper, "target_pages": round(paper * 0.3),
            "selected_pages": selected, "achieved_share": selected / paper,
            "cost_total": selected * 1000, "pace": {"capacity_per_day": 100.0, **pace}}  # fmt: skip


# Known stage figures. HD is half done and late; HP is finished; TTLT is 10% done; BG (phase 2)
# has run only its inventory; BN (phase 1) has not run at all.
SUMMARIES = {
    "HD": {"inventory": _inventory(1000, 300, overdue_days=1058, projected_finish="2027-01-10",
                                   new_target_date="2027-12-31",
                                   required_per_day_new_target=160.2),
           "digitize": {"digitized_pages": 150, "pages_checked": 10, "pages_passed": 9,
                        "mean_ocr_confidence": 90.0},
           "archive": {"signed_pages": 100}},
    "HP": {"inventory": _inventory(1500, 400, overdue_days=1058),
           "digitize": {"digitized_pages": 400, "pages_checked": 20, "pages_passed": 20,
                        "mean_ocr_confidence": 95.0},
           "archive": {"signed_pages": 400}},
    "TTLT": {"inventory": _inventory(700, 200, overdue_days=1058),
             "digitize": {"digitized_pages": 20, "pages_checked": 5, "pages_passed": 4,
                          "mean_ocr_confidence": 80.0}},
    "BG": {"inventory": _inventory(2000, 600, overdue_days=691)},
}  # fmt: skip
# Participants in compulsory insurance (TG02) by unit and quarter, as HD and HP reported them.
TG02 = {"HD": {"2025-Q3": 80, "2026-Q2": 90, "2026-Q3": 100},
        "HP": {"2025-Q3": 250, "2026-Q2": 280, "2026-Q3": 300}}  # fmt: skip


def _values(unit: str) -> pd.DataFrame:
    rows = [
        {"chi_tieu": "TG02", "ten_chi_tieu": "Số người tham gia BHXH bắt buộc", "don_vi": unit,
         "don_vi_tinh": "người", "ky": period, "phan_to": TOTAL, "gia_tri": value,
         "tep": f"bao_cao_{period}.csv", "trang_tinh": f"bao_cao_{period}", "o": "G5"}
        for period, value in TG02[unit].items()
    ]  # fmt: skip
    # A negative the unit stage set aside: it must stay out of the national figures too.
    rows.append(rows[0] | {"ky": "2026-Q1", "gia_tri": -5, "tep": "bao_cao_2026-Q1.csv"})
    return pd.DataFrame(rows, columns=COLUMNS)


def _hand_made_unit(outputs: Path, unit: str) -> None:
    folder = outputs / unit / "statistics"
    folder.mkdir(parents=True)
    values = _values(unit)
    values.to_csv(folder / "values.csv", index=False, encoding="utf-8-sig")
    values.tail(1).to_csv(folder / "set_aside.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame(
        [{"tep": "bao_cao_2026-Q1.csv", "trang_tinh": "bao_cao_2026-Q1", "o": "G5",
          "quy_tac": "khong_am", "noi_dung": "TG02 kỳ 2026-Q1 (tổng số) âm: -5"}]
    ).to_csv(folder / "problems.csv", index=False, encoding="utf-8-sig")  # fmt: skip


def _catalogue(outputs: Path, unit: str, text: str) -> None:
    conn = db.open_catalog(outputs / unit / db.CATALOG_NAME)
    code = f"{unit}.2005.01"
    db.write_file(
        conn,
        unit=unit,
        file={"ma_ho_so": code, "tieu_de": "Hồ sơ thu năm 2005", "needs_rescan": False,
              "status": "ok"},
        documents=[{"ma_dinh_danh": f"{code}.01", "so_thu_tu": 1, "ten_loai": "Kế hoạch",
                    "trich_yeu": "Kế hoạch số hóa", "trang_dau": 1, "trang_cuoi": 1}],
        pages=[{"so_trang": 1, "text": text, "ocr_confidence": 90.0}],
    )  # fmt: skip
    conn.close()


@pytest.fixture
def outputs(write_unit, tmp_path: Path) -> Path:
    out = tmp_path / "outputs"
    for unit, stages in SUMMARIES.items():
        (out / unit).mkdir(parents=True)
        (out / unit / "run.json").write_text("{}", "utf-8")
        for stage, summary in stages.items():
            (out / unit / stage).mkdir()
            (out / unit / stage / "summary.json").write_text(json.dumps(summary), "utf-8")
    for unit in TG02:
        _hand_made_unit(out, unit)
    _catalogue(out, "HD", "Kế hoạch số hóa tài liệu của Bảo hiểm xã hội Hải Dương")
    _catalogue(out, "HP", "Báo cáo số hóa hồ sơ của Bảo hiểm xã hội Hải Phòng")
    # TTLT through the real unit stage, on the demo's report tables (planted mistakes included).
    write_demo_statistics(tmp_path / "statistics", "TTLT", np.random.default_rng(7))
    params = write_unit(
        [file_row("A")], {"statistics": "statistics", "indicators": str(INDICATORS)}
    )
    run_statistics(load_unit_settings(params), UnitPaths(out, "TTLT"), as_of=AS_OF)
    (out / "TTLT" / db.CATALOG_NAME).write_bytes(b"not a database")
    return out


@pytest.fixture
def result(outputs: Path):
    return run_national_report(outputs, as_of=AS_OF, indicators=INDICATORS)


def _row(frame: pd.DataFrame, **where) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, where
    return frame[mask].iloc[0]


def test_progress_by_phase(result) -> None:
    p1, p2, total = (result.phases.iloc[i] for i in range(3))
    assert (p1["units"], p1["units_reported"], p2["units"], p2["units_reported"]) == (4, 3, 60, 1)
    assert p1["selected_pages"] == 900 and p1["digitized_pages"] == 570
    assert p1["signed_pages"] == 500 and p1["paper_pages"] == 3200
    assert p1["share_digitized"] == pytest.approx(570 / 900)
    assert p1["units_done"] == 1 and p1["units_overdue"] == 2  # HP finished; HD, TTLT late
    assert p1["days_past_deadline"] == (AS_OF - dt.date(2023, 12, 30)).days
    assert p2["days_past_deadline"] == (AS_OF - dt.date(2024, 12, 31)).days
    assert p2["digitized_pages"] == 0 and p2["units_overdue"] == 1  # BG: inventory only
    assert total["units"] == 64 and total["selected_pages"] == 1500
    units = result.units.set_index("unit")
    assert not units.loc["BN", "reported"] and pd.isna(units.loc["BN", "selected_pages"])
    assert units.loc["HD", "current_unit"] == "HP"
    assert units.loc["HP", "overdue_days"] == 0


def test_units_ranked_and_the_late_ones_named(result) -> None:
    assert list(result.ranking()["unit"]) == ["HP", "HD", "TTLT", "BG"]
    sentences = view.analysis_sentences(result)
    late = [s for s in sentences if "chậm" in s and "thời hạn" in s]
    assert late[0].startswith("BHXH Hải Dương: dự kiến hoàn thành ngày 10/01/2027, chậm 1.107")
    assert not any(s.startswith("BHXH Thành phố Hải Phòng:") for s in late)
    assert "1 đơn vị chưa báo cáo" not in " ".join(sentences)
    assert any(s == "60 đơn vị chưa báo cáo kết quả số hóa." for s in sentences)


def test_national_indicators_map_old_units_and_compare_like_for_like(result) -> None:
    c = result.compiled
    ttlt = _row(c, indicator="TG02", level="unit", unit="TTLT", period="2026-Q3", breakdown="")
    nation = _row(c, indicator="TG02", level="national", period="2026-Q3", breakdown="")
    assert nation["value"] == pytest.approx(ttlt["value"] + 400)
    hp = _row(c, indicator="TG02", level="province", unit="HP", period="2026-Q3", breakdown="")
    assert hp["value"] == 400 and hp["yoy_value"] == 330  # HD + HP, then and now
    assert _row(c, indicator="TG02", level="unit", unit="HD", period="2026-Q3")["value"] == 100
    # The set-aside negative is absent; 2026-Q1 has only TTLT, so Q2 is not compared with it.
    assert c[(c["unit"] == "HD") & (c["period"] == "2026-Q1")].empty
    q2 = _row(c, indicator="TG02", level="national", period="2026-Q2", breakdown="")
    assert pd.isna(q2["change_pct"])
    assert result.coverage["2026-Q3"] == 3 and result.coverage["2026-Q1"] == 1
    # Programme indicators roll up too: pages selected in the snapshot quarter, TTLT included.
    sh07 = _row(c, indicator="SH07", level="national", period="2026-Q4", breakdown="")
    assert sh07["value"] == 200


def test_published_and_read_back(result, outputs: Path) -> None:
    pytest.importorskip("pysdmx.io.csv")
    from pysdmx.io import get_datasets

    folder = outputs / "national"
    (dataset,) = get_datasets(folder / "statistics" / "indicators.sdmx.csv")
    data = dataset.data
    hit = data[(data["REF_AREA"] == "HD") & (data["INDICATOR"] == "TG02")
               & (data["TIME_PERIOD"] == "2026-Q3")]  # fmt: skip
    assert float(hit["OBS_VALUE"].iloc[0]) == 100  # the old unit's series is kept
    units = pd.read_csv(folder / "progress_units.csv", encoding="utf-8-sig")
    assert len(units) == 64 and units["reported"].sum() == 4
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["units_reported"] == 4 and summary["digitized_pages"] == 570
    problems = pd.read_csv(folder / "problems.csv", encoding="utf-8-sig", dtype=str)
    assert {"HD", "HP", "TTLT"} <= set(problems["don_vi"])


def test_catalogues_merged_a_broken_one_set_aside_and_search_reads_the_merge(
    result, outputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert result.catalogue_units == ("HD", "HP")
    broken = result.problems[result.problems["tep"] == "TTLT/catalog.sqlite"]
    assert len(broken) == 1 and "TTLT" in broken.iloc[0]["noi_dung"]
    with sqlite3.connect(outputs / "national" / db.CATALOG_NAME) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
    assert cli.main(["search", "so hoa", "--outputs", str(outputs)]) == 0
    out = capsys.readouterr().out
    assert "(HD)" in out and "(HP)" in out


def test_december_report_states_the_figures(result) -> None:
    text = view.december(result).text
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hà Nội, ngày 22 tháng 11 năm 2026",
        "biên soạn chỉ tiêu thống kê của Ngành năm 2026",
        "đã lựa chọn 1.500 trang để số hóa",
        "Đã số hóa 570 trang",
        "tối thiểu 160 trang/ngày làm việc để hoàn thành trước ngày 31/12/2027",
        "@media print",
    ):
        assert expected in text, expected
    assert "Giai đoạn 2 (thời hạn 31/12/2024): 1/60 đơn vị đã báo cáo" in text
    # On paper: the navigation bar is not printed, a heading never ends a page, rows stay whole.
    printed = text[text.index("@media print") :]
    hidden = printed.split("{display:none")[0]
    assert ".sh-nav" in hidden and ".sh-noprint" in hidden
    assert ".sh-print h3,.sh-print h4{break-after:avoid}" in printed
    assert ".sh-print table.ky,.sh-print table.hdr{break-inside:avoid}" in printed
    # Decree 30 layout: quốc hiệu kept on one line, A4 with its margins; nothing meant for a screen.
    assert ".sh-print .qh{font-size:12pt;font-weight:bold;white-space:nowrap}" in text
    assert "@page{size:A4;margin:20mm 20mm 20mm 30mm}" in text
    section = text[text.index("<section class='sh-print'>") :]
    assert "<h2>BÁO CÁO</h2>" in section and "<li>" not in section
    assert "problems.csv" not in section and "ô để trống" not in section
    assert "<p>- " in section and "Nơi nhận:" in section


def test_without_any_unit(tmp_path: Path) -> None:
    result = run_national_report(tmp_path, as_of=AS_OF, indicators=INDICATORS)
    assert result.figures()["units_reported"] == 0 and result.compiled.empty
    assert "Chưa có đơn vị nào" in view.indicators(result).text
    assert "chưa có đơn vị nào trong 4 đơn vị báo cáo" in view.december(result, pdf=False).text
    assert not (tmp_path / "national" / db.CATALOG_NAME).exists()


def test_the_notebook_runs_into_a_report(outputs: Path) -> None:
    done = national_run.run_national(
        ROOT / "notebooks" / "05_national.ipynb", outputs=outputs, as_of=AS_OF
    )
    assert done["status"] == "ok", done["error"]
    html = (outputs / "national" / "reports" / "05_national.html").read_text("utf-8")
    assert "Báo cáo toàn Ngành" in html and "BÁO CÁO" in html and "Hải Dương" in html
    assert "run_national_report(" not in html  # outputs, not code


def test_progress_by_todays_provinces_rolls_up_plan_1838s_units(result, outputs: Path) -> None:
    frame = pd.read_csv(outputs / "national" / "progress_provinces.csv", dtype={"units": int})
    assert len(frame) == 35 and frame["units"].sum() == 64  # TTLT + 34 provinces; 64 of plan 1838
    assert frame.iloc[0]["current_unit"] == "TTLT"
    hp = _row(frame, current_unit="HP")  # Hải Dương joined Hải Phòng on 2025-07-01
    assert hp["historical_units"] == "HD, HP" and hp["units_reported"] == 2
    assert (hp["selected_pages"], hp["digitized_pages"]) == (700, 550)
    assert hp["share_digitized"] == pytest.approx(550 / 700) and hp["units_overdue"] == 1
    bn = _row(frame, current_unit="BN")  # Bắc Giang joined Bắc Ninh; only BG has reported
    assert bn["historical_units"] == "BG, BN" and bn["units_reported"] == 1
    assert bn["share_digitized"] == 0
    silent = frame[frame["units_reported"] == 0]
    assert len(silent) == 32 and silent["share_digitized"].isna().all()  # unknown, not 0%
    shown = view.provinces(result).text
    assert "<td>Thành phố Hải Phòng</td><td>HD, HP</td><td>2/2</td>" in shown
    assert "<td>Toàn Ngành</td><td></td><td>4/64</td>" in shown and shown.count("<tr") == 37
    assert "<img" in view.province_chart(result).text
