"""The demo's reports in headless Chromium: 1024 px wide, links that resolve, the December report on A4."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from sohoa_lib import cli
from sohoa_lib.reports import browser, december

needs_chromium = pytest.mark.skipif(
    browser.chromium_path() is None,
    reason="Chromium is not installed (make test installs Debian's chromium package)",
)
A4 = (595.28, 841.89)  # points: 210 × 297 mm


def _page_text(pdf: Path, page: int) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


@needs_chromium
def test_index_and_reports_fit_1024_px_and_every_link_resolves(demo_reports: Path) -> None:
    pages = browser.report_pages(demo_reports)
    assert len(pages) == 6  # the index, HP's four stages, the national report
    checks = browser.check_pages(pages)
    for check in checks:
        assert not check.overflows, (check.page.name, check.scroll_width, check.client_width)
        assert check.client_width <= browser.WIDTH
        assert check.broken_links == (), (check.page.name, check.broken_links)
    # The national report links the December report's PDF and DOCX, which the run wrote.
    national = next(c for c in checks if c.page.stem == "05_national")
    assert national.page.parent.joinpath(december.PDF_NAME).is_file()


@needs_chromium
def test_a_page_that_overflows_or_links_nowhere_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "wide.html"
    page.write_text(
        "<html><body><div style='width:1500px'>rộng</div><a href='missing.csv'>x</a>"
        "<a href='https://example.org/'>y</a></body></html>",
        encoding="utf-8",
    )
    (check,) = browser.check_pages([page])
    assert check.overflows and check.scroll_width >= 1500
    assert [link.rsplit("/", 1)[-1] for link in check.broken_links] == ["missing.csv", ""]


@needs_chromium
def test_the_december_report_prints_on_a4_with_the_decree_layout(demo_reports: Path) -> None:
    reports = demo_reports / "national" / "reports"
    pdf = reports / december.PDF_NAME
    with pikepdf.open(pdf) as doc:
        count = len(doc.pages)
        for page in doc.pages:
            width, height = (float(v) for v in page.mediabox[2:])
            assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1
    assert count >= 2
    run = json.loads((demo_reports / "national" / "run.json").read_text("utf-8"))
    assert run["december_pdf"] == f"{december.PDF_NAME}: {count} trang"
    first = _page_text(pdf, 1)
    lines = [line.strip() for line in first.splitlines() if line.strip()]
    # The quốc hiệu on one line (beside the issuing body, which -layout keeps on the same line).
    assert any(line.endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") for line in lines), lines[:3]
    assert "VỤ KẾ HOẠCH VÀ ĐẦU TƯ" in lines[1] and "Độc lập - Tự do - Hạnh phúc" in lines[1]
    assert not lines[0].isdigit()  # no page number on page 1
    everything = "\n".join(_page_text(pdf, n) for n in range(1, count + 1))
    for n in range(2, count + 1):  # from page 2, the number alone, first, at the top
        top = next(line.strip() for line in _page_text(pdf, n).splitlines() if line.strip())
        assert top == str(n), (n, top)
    # Only the December section prints; nothing meant for the screen.
    assert "BÁO CÁO" in everything and "Nơi nhận:" in everything
    for screen_only in (
        "Số liệu chính",
        "problems.csv",
        "ô để trống",
        "Ctrl+P",
        "Báo cáo toàn Ngành —",
    ):
        assert screen_only not in everything, screen_only
    assert "•" not in everything and "- Giai đoạn 1 (thời hạn 30/12/2023)" in everything
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "LiberationSerif-Bold" in fonts and "Times-Roman" in fonts


def test_the_december_report_as_docx(demo_reports: Path) -> None:
    from docx import Document

    doc = Document(str(demo_reports / "national" / "reports" / december.DOCX_NAME))
    section = doc.sections[0]
    size = [round(v.mm) for v in (section.page_width, section.page_height)]
    margins = [round(v.mm) for v in (section.left_margin, section.right_margin, section.top_margin)]
    assert size == [210, 297] and margins == [30, 20, 20]
    header = [p.text for cell in doc.tables[0].rows[0].cells for p in cell.paragraphs]
    assert december.QUOC_HIEU in header and december.ISSUER in header
    body = {p.text: p for p in doc.paragraphs}
    assert body["BÁO CÁO"].runs[0].bold
    assert any(text.startswith("- Giai đoạn 1 (thời hạn") for text in body)
    assert "PAGE" in section.header._element.xml and section.different_first_page_header_footer


@needs_chromium
def test_screenshots_of_each_report(demo_reports: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["screenshots", "--outputs", str(demo_reports)]) == 0
    shots = sorted((demo_reports / browser.SCREENSHOTS).glob("*.png"))
    assert [p.stem for p in shots] == ["HP-01_inventory", "HP-02_digitize", "HP-03_sign",
                                       "HP-04_statistics", "index", "national-05_national"]  # fmt: skip
    for shot in shots:
        with Image.open(shot) as image:
            assert image.size == (browser.WIDTH, 800)
            darkest, lightest = image.convert("L").getextrema()
            assert lightest - darkest > 100  # text on a page, not a blank window
    assert "Đã chụp 6 trang" in capsys.readouterr().out


def test_screenshots_without_chromium_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    assert cli.main(["screenshots", "--outputs", str(tmp_path)]) == 0
    assert "không cài Chromium" in capsys.readouterr().out
    assert not (tmp_path / browser.SCREENSHOTS).exists()
