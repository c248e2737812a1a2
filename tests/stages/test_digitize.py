"""Stage 2 end to end on rendered scans: checks, OCR, PDF/A, documents, catalogue, resume."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import json
import subprocess
from pathlib import Path

import pandas as pd
import pikepdf
import pytest

from conftest import file_row, write_digitize_params
from sohoa_lib import UnitPaths, load_unit_settings
from sohoa_lib.catalog import db as cat
from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.stages.digitize import run_digitize
from sohoa_lib.stages.inventory import run_inventory

GOOD, BAD, WAITING = "TTLT.2019.VP.00001", "TTLT.2018.THU.00002", "TTLT.2017.CDCS.00003"


@pytest.fixture(scope="module")
def unit(tmp_path_factory) -> tuple[Path, Path]:
    """A unit with three selected files: one scanned well, one with a blank page, one not scanned."""
    root = tmp_path_factory.mktemp("unit")
    scans = root / "scans"
    requests = [
        # The third page (index 2) carries no dpi: inferred from its pixels, it passes with a warning.
        ScanRequest(
            GOOD, "", "BẢO HIỂM XÃ HỘI VIỆT NAM", "Hà Nội", 2019, 3, "png", ((2, "no_dpi"),)
        ),
        ScanRequest(
            BAD, "", "BẢO HIỂM XÃ HỘI VIỆT NAM", "Hà Nội", 2018, 2, "jpeg", ((1, "blank"),)
        ),
    ]
    write_demo_scans(requests, scans, root / "truth", seed=7)
    rows = [
        file_row(GOOD, **{"Số lượt khai thác": 30, "Số lượng trang": 3}),
        file_row(BAD, **{"Số lượt khai thác": 20, "Số lượng trang": 2}),
        file_row(WAITING, **{"Số lượt khai thác": 10, "Số lượng trang": 4}),
    ]
    pd.DataFrame(rows).to_csv(root / "inventory.csv", index=False, encoding="utf-8-sig")
    params = write_digitize_params(root / "TTLT.yaml")
    settings = load_unit_settings(params)
    paths = UnitPaths(root / "out", "TTLT")
    run_inventory(settings, paths)
    return params, root / "out"


@pytest.fixture(scope="module")
def first_run(unit):
    params, out = unit
    settings = load_unit_settings(params)
    with cf.ProcessPoolExecutor(2) as pool:
        return run_digitize(settings, UnitPaths(out, "TTLT"), executor=pool)


def test_statuses(first_run) -> None:
    status = dict(zip(first_run.files["ma_ho_so"], first_run.files["trang_thai"], strict=True))
    assert status == {GOOD: "hoàn thành", BAD: "cần quét lại", WAITING: "chờ quét"}
    bad = first_run.files.set_index("ma_ho_so").loc[BAD, "ly_do"]
    assert "trang trắng" in bad.lower() or "trắng" in bad


def test_a_page_that_passes_with_a_warning_is_counted_and_listed(first_run, unit) -> None:
    _, out = unit
    pages = pd.read_csv(out / "TTLT" / "digitize" / "pages.csv", dtype={"canh_bao": str})
    pages["canh_bao"] = pages["canh_bao"].fillna("")
    warned = pages[pages["canh_bao"] != ""]
    assert list(zip(warned["ma_ho_so"], warned["trang"], strict=True)) == [(GOOD, 3)]
    assert warned["dat"].all() and warned["nguon_dpi"].tolist() == ["suy ra"]
    assert warned["canh_bao"].iloc[0].startswith("tệp không ghi độ phân giải; suy ra")
    assert first_run.figures()["pages_warned"] == 1


def test_pdfa_files_with_text_layer_and_metadata(first_run, unit) -> None:
    _, out = unit
    pdfs = sorted((out / "TTLT" / "digitize" / "pdfa").glob("*.pdf"))
    assert pdfs and all(p.name.startswith(GOOD + ".") for p in pdfs)
    assert len(pdfs) == len(first_run.documents)
    for pdf in pdfs:
        with pikepdf.open(pdf) as doc:
            assert doc.open_metadata().pdfa_status == "2B"
        subprocess.run(["qpdf", "--check", str(pdf)], check=True, capture_output=True)
    text = subprocess.run(["pdftotext", str(pdfs[0]), "-"], capture_output=True, text=True).stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


def test_documents_found_and_catalogued(first_run, unit) -> None:
    _, out = unit
    docs = first_run.documents
    assert set(docs["ma_ho_so"]) == {GOOD}
    assert docs["so"].notna().all() and docs["ngay"].notna().all()
    hits = cat.search(out / "TTLT" / "catalog.sqlite", "cong hoa xa hoi")
    assert {h.ma_ho_so for h in hits} == {GOOD}


def test_rerun_redoes_nothing_and_gives_the_same_tables(first_run, unit) -> None:
    params, out = unit
    again = run_digitize(load_unit_settings(params), UnitPaths(out, "TTLT"))
    assert again.ocr_pages == 0
    pd.testing.assert_frame_equal(again.documents, first_run.documents)
    assert list(again.files["trang_thai"]) == list(first_run.files["trang_thai"])


def test_a_blank_title_does_not_fail_the_file(tmp_path) -> None:
    scans = tmp_path / "scans"
    write_demo_scans([ScanRequest(GOOD, "", "BẢO HIỂM XÃ HỘI VIỆT NAM", "Hà Nội", 2019, 1, "jpeg")],
                     scans, tmp_path / "truth", seed=3)  # fmt: skip
    row = file_row(GOOD, **{"Số lượng trang": 1})
    del row["Tiêu đề hồ sơ"]
    pd.DataFrame([row]).to_csv(tmp_path / "inventory.csv", index=False, encoding="utf-8-sig")
    params = write_digitize_params(
        tmp_path / "p.yaml", extra="digitize: {pdf_per: file, workers: 1}\n"
    )
    settings = load_unit_settings(params)
    paths = UnitPaths(tmp_path / "out", "TTLT")
    run_inventory(settings, paths)
    result = run_digitize(settings, paths)
    assert list(result.files["trang_thai"]) == ["hoàn thành"]
    assert (paths.digitize / "pdfa" / f"{GOOD}.pdf").is_file()


def test_a_document_dated_after_the_report_date_is_flagged(unit, tmp_path) -> None:
    # Run as of 2000: the 2019 letters are dated after the date the figures are for, which only
    # a person can explain (a wrong as_of or a misread date), so the date is flagged, not taken.
    params, _ = unit
    settings = load_unit_settings(params)
    paths = UnitPaths(tmp_path / "out", "TTLT")
    run_inventory(settings, paths)
    with cf.ProcessPoolExecutor(2) as pool:
        result = run_digitize(settings, paths, executor=pool, as_of=dt.date(2000, 1, 1))
    good = result.documents[result.documents["ma_ho_so"] == GOOD]
    assert len(good) >= 1
    summary = json.loads((paths.digitize / "summary.json").read_text(encoding="utf-8"))
    assert summary["as_of"] == "2000-01-01"
    with contextlib.closing(cat.open_catalog(paths.root / "catalog.sqlite")) as conn:
        reasons = [r for (r,) in conn.execute("SELECT reason FROM flags WHERE field = 'ngay'")]
    assert any("sau ngày tính số liệu 01/01/2000" in r for r in reasons), reasons
