"""The OCR working copy: seals and signatures lifted by shape, text in any colour kept."""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from conftest import ROOT
from sohoa_lib.demo._scans import font_files
from sohoa_lib.scan import workcopy
from sohoa_lib.scan.ocr import cer

REAL = ROOT / "tests" / "data" / "real"
MM = 300 / 25.4  # pixels per mm at 300 dpi

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed"
)


def _page(size=(2480, 3508), paper=(236, 232, 222)) -> Image.Image:
    return Image.new("RGB", size, paper)


def _seal(draw: ImageDraw.ImageDraw, cx: int, cy: int, colour=(205, 30, 45), mm: float = 40):
    r = round(mm / 2 * MM)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=colour, width=14)
    draw.ellipse((cx - r + 60, cy - r + 60, cx + r - 60, cy + r - 60), outline=colour, width=8)
    draw.regular_polygon((cx, cy, 90), 5, fill=colour)


def _signature(draw: ImageDraw.ImageDraw, x: int, y: int, colour=(25, 45, 150)):
    # A cursive-looking stroke 45 × 15 mm.
    points = [(x + k * 12, y + round(80 * np.sin(k / 3.0))) for k in range(45)]
    draw.line(points, fill=colour, width=7)
    draw.line((x, y + 120, x + 520, y + 90), fill=colour, width=6)


def test_seal_and_signature_are_lifted_but_text_under_them_stays():
    page = _page()
    draw = ImageDraw.Draw(page)
    _seal(draw, 1200, 2400)
    _signature(draw, 1250, 2350)
    draw.rectangle((900, 2380, 1500, 2420), fill=(20, 20, 24))  # black text under both
    working = workcopy.prepare(page, 300)
    grey = np.asarray(working.image)
    assert working.ink["seals"] == 1 and working.ink["signatures"] == 1
    ring = round(20 * MM)
    assert grey[2400 - ring + 7, 1200] > 200 and grey[2400 + ring - 7, 1200] > 200  # ring gone
    assert grey[2330:2360, 1180:1220].min() > 200  # and its star, above the bar
    assert grey[2385:2415, 905:1495].max() < 80  # the black bar across it is whole
    x0, y0, x1, y1 = working.ink["red_box"]
    assert x0 < 1200 / 2480 < x1 and y0 < 2400 / 3508 < y1


def test_text_printed_in_red_or_blue_is_kept():
    page = _page()
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(font_files()["B"]), 54)
    draw.text((300, 400), "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", font=font, fill=(200, 20, 30))
    draw.text((300, 600), "Nguyễn Văn An, Chủ tịch", font=font, fill=(20, 40, 170))
    # A block of red text lines: closed into one shape it is large, but neither round nor sparse.
    for line in range(6):
        draw.text((300, 900 + 70 * line), "Điều 1. Giao Sở Tài chính chủ trì phối hợp",
                  font=font, fill=(190, 25, 35))  # fmt: skip
    # A handwritten number in blue ballpoint: small, kept (it is the document's số).
    draw.text((300, 1500), "01", font=font, fill=(30, 50, 160))
    working = workcopy.prepare(page, 300)
    grey = np.asarray(working.image)
    assert working.ink["seals"] == 0 and working.ink["signatures"] == 0
    for top, bottom in ((400, 470), (600, 670), (900, 1320), (1500, 1570)):
        assert grey[top:bottom].min() < 110, f"text at {top}-{bottom} px was lifted"


@needs_tesseract
def test_red_printed_line_on_a_real_page_is_read(tmp_path):
    with Image.open(REAL / "rd02" / "page_1.jpg") as scan:
        page = scan.convert("RGB")
    font = ImageFont.truetype(str(font_files()["B"]), 50)
    line = "KHẨN: Ủy ban nhân dân tỉnh đề nghị báo cáo trước ngày 15"
    ImageDraw.Draw(page).text((250, 3250), line, font=font, fill=(205, 25, 35))
    working = workcopy.prepare(page, 300)
    working.image.save(tmp_path / "w.png")
    env = os.environ | {"OMP_THREAD_LIMIT": "1"}
    text = subprocess.run(["tesseract", str(tmp_path / "w.png"), "-", "-l", "vie"],
                          capture_output=True, text=True, check=True, env=env).stdout  # fmt: skip
    found = min((cer(row, line) for row in text.splitlines() if row.strip()), default=1.0)
    assert found < 0.05, text[-400:]
    assert working.ink["seals"] == 1  # the real seal on the page is still lifted


def test_every_real_scan_keeps_its_size_and_loses_no_text():
    for scan in sorted(REAL.glob("rd*/page_*.*")):
        if scan.suffix == ".txt":
            continue
        with Image.open(scan) as image:
            grey_before = np.asarray(image.convert("L"))
            working = workcopy.prepare(image, 300)
        after = np.asarray(working.image)
        assert working.image.size == image.size and working.dpi == 300
        # Only seal and signature pixels change: outside the lifted box the page is its luminance.
        changed = np.argwhere(np.abs(after.astype(int) - grey_before) > 40)
        if len(changed):
            x0, y0, x1, y1 = working.ink["red_box"] or working.ink["blue_box"]
            h, w = after.shape
            assert changed[:, 0].min() >= y0 * h - 2 and changed[:, 0].max() <= y1 * h + 2, scan
            assert changed[:, 1].min() >= x0 * w - 2 and changed[:, 1].max() <= x1 * w + 2, scan


def test_resampling_to_the_ocr_resolution():
    page = _page((1200, 1600))
    working = workcopy.prepare(page, 600)
    assert working.image.mode == "L" and working.image.size == (600, 800) and working.dpi == 300
    assert workcopy.prepare(page, 300).image.size == page.size  # never resampled at 200–330 dpi
    assert workcopy.prepare(page, 150).image.size == (2400, 3200)  # below 200 dpi: up to 300
    assert workcopy.prepare(page.convert("1"), 300).image.mode == "L"  # bitonal scans too


def test_median_filter_only_on_speckled_pages():
    rng = np.random.default_rng(3)
    clean = np.full((400, 400), 235, np.uint8)
    clean[100:300:20, 50:350] = 20  # lines of text
    assert workcopy._speckle(clean) < workcopy._SPECKS
    specks = clean.copy()
    specks[rng.random(clean.shape) < 0.004] = 0
    assert workcopy._speckle(specks) > workcopy._SPECKS
    assert np.asarray(workcopy.prepare(Image.fromarray(specks), 300).image).min(axis=1)[30] > 200
    assert np.array_equal(np.asarray(workcopy.prepare(Image.fromarray(clean), 300).image), clean)
