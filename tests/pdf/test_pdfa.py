"""Two-layer PDF/A-2B: scans at full resolution under Tesseract's text, XMP metadata, checked."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from importlib import resources

import numpy as np
import pikepdf
import pytest
from PIL import Image

from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.describe import xmp as _xmp
from sohoa_lib.errors import InputError
from sohoa_lib.pdf.pdfa import PdfPage, build_pdfa, read_xmp
from sohoa_lib.scan import ocr
from sohoa_lib.scan.ocr import cer

BN = {"parent": "BẢO HIỂM XÃ HỘI VIỆT NAM", "issuer": "BẢO HIỂM XÃ HỘI TỈNH BẮC NINH"}
REQUESTS = (
    ScanRequest("BN.2019.THU.0042", **BN, place="Bắc Ninh", year=2019, pages=1,
                image_format="png"),
    ScanRequest("BN.2003.GDYT.0001", **BN, place="Bắc Ninh", year=2003, pages=1,
                image_format="jpeg"),
    ScanRequest("TTLT.1998.01", parent="BẢO HIỂM XÃ HỘI VIỆT NAM", issuer="TRUNG TÂM LƯU TRỮ",
                place="Hà Nội", year=1998, pages=1, image_format="tiff-multipage"),
    ScanRequest("BN.2015.CST.0003", **BN, place="Bắc Ninh", year=2015, pages=1,
                image_format="png", defects=((0, "grayscale"),)),
)  # fmt: skip
WHEN = dt.datetime(2024, 5, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
TITLE = "Báo cáo kết quả thu BHXH, BHYT, BHTN năm 2019"
META = {
    "file": {
        "ma_ho_so": "BN.2019.THU.0042",
        "tieu_de": "Hồ sơ báo cáo công tác thu năm 2019",
        "thoi_han_bao_quan": "Vĩnh viễn",  # a name: written as its code, 01
        "che_do_su_dung": "01",
        "ngon_ngu": "01",
        "thoi_gian_bat_dau": "2019-01",
        "thoi_gian_ket_thuc": dt.date(2019, 12, 31),
        "tong_so_van_ban": 1,
        "so_luong_to": 4.0,  # as Excel gives it
        "so_luong_trang": 4,
        "tinh_trang_vat_ly": "Tốt",
        "tu_khoa": ["thu BHXH", "báo cáo"],
        "ma_ho_so_goc_giay": "BN.2019.THU.0042",
        "chu_giai": unicodedata.normalize("NFD", "Số hóa từ bản giấy"),  # decomposed (macOS)
        "che_do_du_phong": None,  # blanks are left out
    },
    "document": {
        "ma_dinh_danh_van_ban": "BN.2019.THU.0042.01",
        "ma_ho_so": "BN.2019.THU.0042",
        "so_thu_tu": 1,
        "ten_loai_van_ban": "Báo cáo",
        "so": "218",
        "ky_hieu": "BC-BHXH",
        "ngay_thang_nam": "2019-12-20",
        "co_quan_ban_hanh": "Bảo hiểm xã hội tỉnh Bắc Ninh",
        "trich_yeu": "Kết quả thực hiện công tác thu BHXH, BHYT, BHTN năm 2019",
        "so_trang": 1,
        "but_tich": "chữ ký, con dấu",
        "nguoi_ky": "Dương Quang Dũng",
    },
}
OUR_NAMESPACES = ("sohoa", "pdfaExtension", "pdfaSchema", "pdfaProperty")

needs_tools = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("tesseract", "pdftotext", "pdfimages", "qpdf")),
    reason="tesseract, poppler-utils or qpdf is not installed",
)


def run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The demo scans, their OCR, and the PDF/A of all four pages (two without a text layer)."""
    root = tmp_path_factory.mktemp("pdfa")
    manifest = write_demo_scans(REQUESTS, root / "scans", root / "truth", seed=1838)
    files = [root / "scans" / f for f in manifest["file"]]
    model = ocr.model("fast")
    tasks = [
        ocr.PageTask("png", files[0], 0, 300.0, model, root / "work"),
        ocr.PageTask("jpeg", files[1], 0, 300.0, model, root / "work"),
        # The same scan declared at 600 dpi: OCR reads a half-size working copy.
        ocr.PageTask("png600", files[0], 0, 600.0, model, root / "work"),
    ]
    text = {r.key: r.text_pdf for r in ocr.ocr_pages(tasks)}
    pages = [
        PdfPage(files[0], 0, (300.0, 300.0), text["png"]),
        PdfPage(files[1], 0, (300.0, 300.0), text["jpeg"]),
        PdfPage(files[2], 0, (300.0, 300.0), None),
        PdfPage(files[3], 0, (300.0, 300.0), None),
    ]
    out = root / "out" / "BN.2019.THU.0042.pdf"
    build_pdfa(pages, out, xmp=META, title=TITLE, when=WHEN)
    truth = [root / "truth" / t for t in manifest["truth_file"]]
    return {"pdf": out, "pages": pages, "files": files, "truth": truth, "text": text}


@needs_tools
def test_claims_pdfa_2b_and_pikepdf_approves_all_but_our_extension_schema(built, tmp_path):
    pdfa = pytest.importorskip("pikepdf.pdfa", reason="pikepdf[pdfa] is not installed")
    with pikepdf.open(built["pdf"]) as pdf:
        assert pdf.open_metadata().pdfa_status == "2B"
    # pikepdf's validator admits only the predefined XMP schemas: our namespace, though
    # described by a PDF/A extension schema as ISO 19005-2 6.6.2.3 requires, is all it denies.
    report = pdfa.validate_written(built["pdf"], "2b")
    for finding in report.findings:
        assert finding.rule.endswith("6.6.2.3.1-1"), finding
        assert any(f"{ns}:" in finding.message or f"{ns}=" in finding.message
                   for ns in OUR_NAMESPACES), finding  # fmt: skip
    # Without those properties (pikepdf's own repair drops them, and must change nothing else),
    # the file passes.
    with pikepdf.open(built["pdf"]) as pdf:
        prepared = pdfa.prepare(pdf, "2b", output_intent=None)
        dropped = {label.split(":")[0] for label in prepared.xmp_dropped}
        assert dropped == {"sohoa", "pdfaExtension"}, prepared
        assert not replace(prepared, xmp_dropped=()).changed, prepared
        stripped = tmp_path / "stripped.pdf"
        pdf.save(stripped, **pdfa.resolve_save_kwargs("2b"))
    report = pdfa.validate_written(stripped, "2b")
    assert report.passed, report.summary()


@needs_tools
def test_qpdf_check_is_clean_and_fonts_are_embedded(built):
    done = subprocess.run(["qpdf", "--check", str(built["pdf"])], capture_output=True, text=True)
    assert done.returncode == 0 and "No syntax or stream encoding errors" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr
    rows = run("pdffonts", str(built["pdf"])).splitlines()[2:]
    assert len(rows) == 1, rows  # Tesseract's glyphless font, shared by every page
    assert all(re.search(r"\byes\s+(no|yes)\s+yes\s+\d+\s+\d+$", r) for r in rows), rows


@needs_tools
def test_output_intent_docinfo_and_xmp_agree(built):
    with pikepdf.open(built["pdf"]) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3
        icc = resources.files("sohoa_lib").joinpath("data/sRGB2014.icc").read_bytes()
        assert intent.DestOutputProfile.read_bytes() == icc
        assert str(pdf.Root.Lang) == "vi"
        meta, info = pdf.open_metadata(), pdf.docinfo
        assert str(info.Title) == meta["dc:title"] == TITLE
        assert str(info.Author) == meta["dc:creator"][0] == "Bảo hiểm xã hội tỉnh Bắc Ninh"
        assert str(info.Subject) == meta["dc:description"] == META["document"]["trich_yeu"]
        assert str(info.Producer) == meta["pdf:Producer"] and "sohoa" in meta["pdf:Producer"]
        assert str(info.Creator) == meta["xmp:CreatorTool"]
        for key, xmp in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
            assert pikepdf.models.metadata.decode_pdf_date(str(info[key])) == WHEN
            assert dt.datetime.fromisoformat(meta[xmp]) == WHEN
        assert meta["dc:identifier"] == "BN.2019.THU.0042.01"
        assert meta["dc:type"] == {"Báo cáo"} and meta["dc:language"] == {"vi"}
        assert meta["dc:date"] == ["2019-12-20"]


@needs_tools
def test_scans_are_embedded_at_full_resolution_as_they_were(built, tmp_path):
    listing = run("pdfimages", "-list", str(built["pdf"])).splitlines()[2:]
    rows = [line.split() for line in listing]
    assert len(rows) == 4
    for row, path in zip(rows, built["files"], strict=True):
        with Image.open(path) as original:
            assert (int(row[3]), int(row[4])) == original.size
            assert row[5] == ("gray" if original.mode == "L" else "rgb")
    assert [row[8] for row in rows] == ["image", "jpeg", "image", "image"]
    # The JPEG scan, byte for byte.
    run("pdfimages", "-j", "-f", "2", "-l", "2", str(built["pdf"]), str(tmp_path / "p"))
    assert (tmp_path / "p-000.jpg").read_bytes() == built["files"][1].read_bytes()
    with pikepdf.open(built["pdf"]) as pdf:
        images = [pikepdf.PdfImage(p.Resources.XObject.Im0) for p in pdf.pages]
        # The PNG scans' pixels are the PNG's own compressed data; the TIFF's, losslessly recoded.
        for image, path in zip(images, built["files"], strict=True):
            with Image.open(path) as original:
                assert np.array_equal(np.asarray(image.as_pil_image()), np.asarray(original))
        # Scale 100%: each page is its paper's size (A4 at 300 dpi).
        assert all(abs(float(p.MediaBox[2]) - 595.2) < 0.01 for p in pdf.pages)
        assert all(abs(float(p.MediaBox[3]) - 841.92) < 0.01 for p in pdf.pages)
    size = built["pdf"].stat().st_size
    originals = sum(p.stat().st_size for p in built["files"])
    assert size < originals  # the TIFF's LZW gives way to Flate; the rest as they were


@needs_tools
def test_text_layer_is_searchable_vietnamese_over_the_scan(built):
    for n, truth in enumerate(built["truth"][:2], start=1):
        layer = run("pdftotext", "-layout", "-f", str(n), "-l", str(n), str(built["pdf"]), "-")
        assert cer(layer, truth.read_text(encoding="utf-8")) < 0.02, layer
    assert "Bảo hiểm xã hội" in run("pdftotext", "-f", "2", "-l", "2", str(built["pdf"]), "-")
    assert not run("pdftotext", "-f", "3", "-l", "4", str(built["pdf"]), "-").strip()


@needs_tools
def test_text_layer_lines_up_with_the_scan_when_ocr_read_a_smaller_copy(built, tmp_path):
    png = built["files"][0]
    out = tmp_path / "600.pdf"
    build_pdfa([PdfPage(png, 0, (600.0, 600.0), built["text"]["png600"])], out, xmp=META,
               title=TITLE)  # fmt: skip
    with pikepdf.open(out) as pdf:
        box = [float(v) for v in pdf.pages[0].MediaBox]
    assert box == pytest.approx([0, 0, 2480 / 600 * 72, 3508 / 600 * 72], abs=0.01)
    with Image.open(png) as image:
        ink = np.asarray(ocr.prepare(image, 300)) < 100
    ys, xs = np.nonzero(ink)
    scan = [xs.min() / ink.shape[1], ys.min() / ink.shape[0], xs.max() / ink.shape[1],
            ys.max() / ink.shape[0]]  # fmt: skip
    for pdf_path, (width, height) in ((out, box[2:]), (built["pdf"], (595.2, 841.92))):
        html = run("pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf_path), "-")
        words = np.array(re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                    r'yMax="([\d.]+)"', html), dtype=float)  # fmt: skip
        assert len(words) > 100
        text = [words[:, 0].min() / width, words[:, 1].min() / height,
                words[:, 2].max() / width, words[:, 3].max() / height]  # fmt: skip
        assert text == pytest.approx(scan, abs=0.02), pdf_path.name


def test_xmp_round_trip_keeps_vietnamese_and_codes(built):
    found = read_xmp(built["pdf"])
    assert found == _xmp.normalise(META)
    assert found["file"]["thoi_han_bao_quan"] == "01" and found["file"]["tinh_trang_vat_ly"] == "01"
    assert found["file"]["muc_do_tin_cay"] == "02"  # digitized (số hóa), by default
    assert found["file"]["so_luong_to"] == 4 and found["file"]["tu_khoa"] == ["thu BHXH", "báo cáo"]
    assert found["file"]["chu_giai"] == unicodedata.normalize("NFC", "Số hóa từ bản giấy")
    assert found["file"]["thoi_gian_ket_thuc"] == "2019-12-31"
    assert found["document"]["ten_loai_van_ban"] == "BC"
    assert found["document"]["co_quan_ban_hanh"] == "Bảo hiểm xã hội tỉnh Bắc Ninh"
    assert "che_do_du_phong" not in found["file"]


@pytest.mark.parametrize(
    ("xmp", "message"),
    [
        ({"file": {"ma_hoso": "X"}}, r"trường file không xác định \['ma_hoso'\]"),
        ({"file": {"ma_ho_so": "X"}, "van_ban": {}}, r"phần không xác định \['van_ban'\]"),
        ({"file": {"che_do_su_dung": "Tối mật"}}, r"trường file che_do_su_dung: .*Tối mật"),
        ({"document": {"ngay_thang_nam": "20/12/2019"}}, r"ngay_thang_nam: phải là ngày dạng ISO"),
        ({"document": {"so_trang": "hai"}}, r"so_trang: phải là một số nguyên"),
    ],
)
def test_bad_metadata_is_refused_with_the_field_named(built, tmp_path, xmp, message):
    out = tmp_path / "bad.pdf"
    with pytest.raises(InputError, match=message):
        build_pdfa(built["pages"][2:3], out, xmp=xmp, title="x")
    assert not out.exists()


def test_reruns_give_the_same_file_and_failures_leave_nothing(built, tmp_path):
    pages = built["pages"][1:2]
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for out in (first, second):
        build_pdfa(pages, out, xmp=META, title=TITLE, when=WHEN)
    assert first.read_bytes() == second.read_bytes()
    missing = PdfPage(tmp_path / "0009.png", 0, (300.0, 300.0), None)
    with pytest.raises(InputError, match=r"0009\.png trang 1: không tìm thấy tệp"):
        build_pdfa([*pages, missing], tmp_path / "c.pdf", xmp=META, title=TITLE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.pdf"]
