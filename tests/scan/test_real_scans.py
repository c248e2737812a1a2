"""Real scans (tests/data/real): page checks, OCR no worse than bare Tesseract, ALTO, PDF/A text."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from _real import REAL, SCANS, bare_tesseract, pdf_text
from sohoa_lib.pdf.pdfa import PdfPage, build_pdfa
from sohoa_lib.scan import alto, ocr
from sohoa_lib.scan.pagecheck import check_page
from sohoa_lib.scan.pages import PageSource

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None or shutil.which("pdftotext") is None,
    reason="tesseract or pdftotext (poppler-utils) is not installed",
)


def _source(path: Path) -> PageSource:
    return PageSource(path, 0, 1, "image")


def test_every_real_scan_passes_the_page_checks_but_the_bitonal_one_colour():
    for scan in SCANS:
        result = check_page(_source(scan))
        if scan.parent.name == "rd05":  # 1-bit: tt05-2025 asks for 24-bit colour, and only that
            assert [c.name for c in result.checks if not c.passed] == ["colour"], scan
            assert result.reasons == ["ảnh đen trắng 1 bit, Thông tư 05/2025/TT-BNV cần màu 24 bit"]
        else:
            assert result.passed, (scan, result.reasons)
        # Only the scanner-cropped page is worth a note; no real scan's dpi tag is doubted.
        cropped = scan.parent.name == "rd05" and scan.stem == "page_1"
        assert len(result.warnings) == cropped, (scan, result.warnings)


def test_a_real_scan_with_a_wrong_72_dpi_tag_passes_with_a_warning(tmp_path):
    tagged = tmp_path / "0001.jpg"
    with Image.open(REAL / "rd02" / "page_1.jpg") as scan:
        scan.save(tagged, dpi=(72, 72), quality=92)
    result = check_page(_source(tagged))
    assert result.passed, result.reasons
    assert result.dpi_source == "suy ra" and abs(result.dpi - 300) < 3
    assert result.warnings[0].startswith("tệp ghi 72 dpi, tức khổ 870×1238 mm")


def test_the_scanner_cropped_real_page_passes_at_its_size():
    # rd05 page 1 was cropped by the scanner to 203×290 mm: no standard paper, still 100%.
    result = check_page(_source(REAL / "rd05" / "page_1.png"), "tt02-2019")
    scale = next(c for c in result.checks if c.name == "scale")
    assert scale.passed and scale.value == "203×290 mm"
    assert scale.warning.startswith("khổ 203×290 mm không theo khổ giấy chuẩn nào")
    assert result.paper is None and result.dpi_source == "tệp"


@pytest.fixture(scope="module")
def read(tmp_path_factory) -> dict[str, ocr.PageResult]:
    work = tmp_path_factory.mktemp("real-ocr")
    model = ocr.model("fast")
    tasks = [
        ocr.PageTask(f"{scan.parent.name}#{scan.stem}", scan, 0, 300.0, model, work)
        for scan in SCANS
        if scan.parent.name in ("rd01", "rd02", "rd05") and scan.stem == "page_1"
    ]
    return {r.key.split("#")[0]: r for r in ocr.ocr_pages(tasks)}


@needs_tesseract
@pytest.mark.parametrize("name", ["rd01", "rd02"])
def test_text_layer_of_the_pdfa_is_no_worse_than_bare_tesseract(read, tmp_path, name):
    scan = REAL / name / "page_1.jpg"
    truth = (REAL / name / "page_1.gt.txt").read_text(encoding="utf-8")
    result = read[name]
    pdf = tmp_path / f"{name}.pdf"
    build_pdfa([PdfPage(scan, 0, (300.0, 300.0), result.text_pdf)], pdf,
               xmp={"file": {"ma_ho_so": name}, "document": None}, title=name)  # fmt: skip
    ours = ocr.cer(pdf_text(pdf), truth, within=True)
    bare = ocr.cer(bare_tesseract(scan), truth, within=True)
    assert ours <= bare + 0.001, f"{name}: text layer {ours:.2%}, bare tesseract {bare:.2%}"
    assert ours < 0.015


@needs_tesseract
def test_columns_are_not_interleaved_in_the_text(read):
    # rd01: the signer's block (right) beside the nơi nhận list (left) at the foot of the page.
    lines = read["rd01"].text.splitlines()
    assert not any("Nơi nhận" in line and "CHỦ TỊCH" in line for line in lines)
    assert any(line.strip().startswith("Kính gửi") for line in lines)


@needs_tesseract
def test_bitonal_scan_is_read(read):
    result = read["rd05"]
    assert result.words > 300 and result.mean_confidence > 85
    assert "CHỈ THỊ" in result.text


@needs_tesseract
def test_alto_of_real_pages_is_valid_and_on_the_scans_pixels(read):
    for name, result in read.items():
        assert result.alto is not None and alto.validate(result.alto) == [], name
        tree = alto.etree.parse(str(result.alto))
        page = tree.find(f".//{{{alto.NS}}}Page")
        with Image.open(next(s for s in SCANS if s.parent.name == name)) as scan:
            assert (int(page.get("WIDTH")), int(page.get("HEIGHT"))) == scan.size
        words = tree.findall(f".//{{{alto.NS}}}String")
        assert len(words) == result.words or abs(len(words) - result.words) < 5
        assert all(0 <= float(w.get("WC")) <= 1 for w in words)


def test_invalid_alto_is_reported_not_written(tmp_path):
    broken = alto.etree.fromstring(
        f'<alto xmlns="{alto.NS}"><Layout><Page ID="p" PHYSICAL_IMG_NR="one"/></Layout></alto>'
    )
    assert alto.validate(broken)
    with pytest.raises(alto.InputError, match="ALTO không đúng lược đồ"):
        alto.write(broken, tmp_path / "x.xml")
    assert not (tmp_path / "x.xml").exists()


@needs_tesseract
def test_text_layer_keeps_header_columns_apart_and_lines_whole(read, tmp_path):
    result = read["rd01"]
    layer = pdf_text(result.text_pdf)
    lines = [line.strip() for line in layer.splitlines() if line.strip()]
    # Tesseract reads the two header columns as one line; the layer keeps them apart.
    assert "ỦY BAN NHÂN DÂN" in lines and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in lines
    # A justified body line is one line, its last word included.
    assert any(line.startswith("Căn cứ Luật Tổ chức chính quyền") and line.endswith("Luật")
               for line in lines), lines  # fmt: skip
    # Every character of the OCR is in the layer, no more (the order is the columns'); pdftotext
    # maps the odd sign under a signature (⁄ to /).
    found, read_ = (Counter("".join(t.split())) for t in (layer, result.text))
    assert sum(((found - read_) + (read_ - found)).values()) <= 4, (found - read_, read_ - found)
    # And words stay words: at most the odd pair of marks under a signature runs together.
    assert len(layer.split()) >= len(result.text.split()) - 3


@needs_tesseract
def test_text_layer_is_invisible_and_on_the_scans_page(read):
    import pikepdf

    result = read["rd02"]
    with pikepdf.open(result.text_pdf) as pdf:
        page = pdf.pages[0]
        width = float(page.MediaBox[2])
        assert abs(width - 2466 * 72 / 300) < 0.5  # the scan's size at its dpi
        content = page.Contents.read_bytes()
    assert b"3 Tr" in content  # invisible
    assert content.count(b"BT") >= 30
