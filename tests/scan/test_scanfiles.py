"""Scan folders: page listing and order, opening every format at full size, raw JPEG bytes."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageFile

from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.errors import InputError
from sohoa_lib.scan.pages import PageSource, embeddable, list_pages, open_page, scan_folders

BN = {"parent": "BẢO HIỂM XÃ HỘI VIỆT NAM", "issuer": "BẢO HIỂM XÃ HỘI TỈNH BẮC NINH"}
REQUESTS = (
    ScanRequest("BN.2021.KH.0011", **BN, place="Bắc Ninh", year=2021, pages=2, image_format="pdf"),
    ScanRequest("TTLT.1998.01", parent="BẢO HIỂM XÃ HỘI VIỆT NAM", issuer="TRUNG TÂM LƯU TRỮ",
                place="Hà Nội", year=1998, pages=2, image_format="tiff-multipage"),
    ScanRequest("BN.2003.GDYT.0001", **BN, place="Bắc Ninh", year=2003, pages=1,
                image_format="jpeg"),
)  # fmt: skip
A4_300 = (2480, 3508)


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scans")
    write_demo_scans(REQUESTS, root / "scans", root / "truth", seed=5)
    return root / "scans"


def _image(path: Path, size=(60, 80), colour=(200, 30, 30), **save) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, **save)
    return path


def test_images_are_listed_in_natural_order_and_clutter_is_ignored(tmp_path):
    folder = tmp_path / "BN.2008.CDCS.00568"
    for name in ("10.png", "2.png", "1.png", "Trang 3.PNG"):
        _image(folder / name)
    (folder / "Thumbs.db").write_bytes(b"\0")
    (folder / "ghi chu.txt").write_text("quét ngày 2/6", encoding="utf-8")
    _image(folder / ".1.png")
    pages = list_pages(folder)
    assert [p.path.name for p in pages] == ["1.png", "2.png", "10.png", "Trang 3.PNG"]
    assert [(p.number, p.index, p.kind) for p in pages] == [(n, 0, "image") for n in (1, 2, 3, 4)]
    assert pages[1].label == "BN.2008.CDCS.00568/2.png"


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ((), "không có tệp ảnh trang"),
        (("1.png", "trang.bmp"), "tệp không phải ảnh trang: trang.bmp"),
        (("1.png", "hoso.pdf"), "tệp nhiều trang (hoso.pdf)"),
        (("a.pdf", "b.pdf"), "tệp nhiều trang (a.pdf, b.pdf)"),
        (("1.png", "multi.tif"), "tệp nhiều trang (multi.tif)"),
    ],
)
def test_a_folder_that_is_not_one_file_of_pages_is_refused(tmp_path, names, message):
    folder = tmp_path / "X.01"
    folder.mkdir()
    for name in names:
        if name == "multi.tif":
            frames = [Image.new("RGB", (40, 50)), Image.new("RGB", (40, 50))]
            frames[0].save(folder / name, save_all=True, append_images=frames[1:])
        elif name.endswith(".pdf"):
            Image.new("RGB", (40, 50)).save(folder / name, resolution=100.0)
        else:
            (folder / name).write_bytes(b"x")
    with pytest.raises(InputError, match=r"X\.01") as caught:
        list_pages(folder)
    assert message in str(caught.value)
    with pytest.raises(InputError, match="không có thư mục ảnh quét"):
        list_pages(tmp_path / "missing")


def test_scan_folders_are_sorted_nfc_and_skip_hidden_and_files(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Hồ sơ.02")
    for name in ("TTLT.1998.01", decomposed, ".Trash", "BN.2008.VP.0007"):
        (tmp_path / name).mkdir()
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    assert list(scan_folders(tmp_path)) == ["BN.2008.VP.0007", "Hồ sơ.02", "TTLT.1998.01"]
    with pytest.raises(InputError):
        scan_folders(tmp_path / "missing")


def test_multipage_tiff_pages_open_at_full_size(scans):
    pages = list_pages(scans / "TTLT.1998.01")
    assert [(p.index, p.number, p.kind) for p in pages] == [(0, 1, "tiff"), (1, 2, "tiff")]
    assert pages[1].label == "TTLT.1998.01/TTLT.1998.01.tif, trang 2"
    first, dpi = open_page(pages[0])
    second, _ = open_page(pages[1])
    assert (first.size, first.mode, dpi) == (A4_300, "RGB", (300.0, 300.0))
    assert not np.array_equal(np.asarray(first), np.asarray(second))


def test_pdf_pages_are_extracted_not_rendered(scans):
    pages = list_pages(scans / "BN.2021.KH.0011")
    assert [(p.index, p.kind) for p in pages] == [(0, "pdf"), (1, "pdf")]
    image, dpi = open_page(pages[1])
    assert image.size == A4_300 and image.mode == "RGB"
    assert dpi == pytest.approx((300, 300), abs=0.1)  # 2480 px over a 595.2 pt MediaBox
    data, kind = embeddable(pages[1])
    assert kind == "jpeg"
    with pikepdf.open(pages[1].path) as pdf:
        (stream,) = pdf.pages[1].get_images().values()
        assert data == stream.read_raw_bytes()
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), np.asarray(image))


def test_a_pdf_page_without_one_scanned_image_is_unreadable(tmp_path):
    path = tmp_path / "X.02" / "X.02.pdf"
    path.parent.mkdir()
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        pdf.save(path)
    (page,) = list_pages(path.parent)
    message = r"^X\.02/X\.02\.pdf, trang 1: không đọc được ảnh \(trang không có ảnh"
    with pytest.raises(InputError, match=message):
        open_page(page)
    assert embeddable(page) is None


def test_embeddable_gives_a_baseline_jpeg_file_unchanged(scans, tmp_path):
    (page,) = list_pages(scans / "BN.2003.GDYT.0001")
    assert embeddable(page) == (page.path.read_bytes(), "jpeg")
    folder = tmp_path / "X.03"
    others = [
        _image(folder / "1.png"),
        _image(folder / "2.jpg", progressive=True),
        _image(folder / "3.tif", compression="jpeg"),
    ]
    cmyk = folder / "4.jpg"
    Image.new("CMYK", (60, 80), (0, 50, 50, 0)).save(cmyk)
    cut = _image(folder / "5.jpg")
    cut.write_bytes(cut.read_bytes()[:-300])
    for path in [*others, cmyk, cut]:
        assert embeddable(PageSource(path, 0, 1, "image")) is None, path.name


def test_dpi_comes_from_the_file_or_is_none(tmp_path):
    folder = tmp_path / "X.04"
    _image(folder / "1.png", dpi=(200, 200))
    _image(folder / "2.tif", tiffinfo={296: 1, 282: 1, 283: 1})  # resolution unit "none"
    _image(folder / "3.jpg")  # libjpeg's JFIF density 1:1 carries no unit
    _image(folder / "4.jpg", dpi=(150, 300))
    found = [open_page(page)[1] for page in list_pages(folder)]
    assert found[0] == pytest.approx((200, 200), abs=0.01)
    assert found[1:3] == [None, None]
    assert found[3] == (150, 300)


def test_exif_rotation_is_applied_and_its_jpeg_is_not_embedded(tmp_path):
    path = tmp_path / "X.05" / "1.jpg"
    path.parent.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90° clockwise
    Image.new("RGB", (60, 80)).save(path, exif=exif, dpi=(300, 200))
    page = PageSource(path, 0, 1, "image")
    image, dpi = open_page(page)
    assert (image.size, dpi) == ((80, 60), (200, 300))
    assert embeddable(page) is None


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif"])
def test_truncated_images_raise_naming_the_page(tmp_path, suffix):
    rng = np.random.default_rng(1)
    path = tmp_path / "X.06" / f"0001{suffix}"
    path.parent.mkdir()
    Image.fromarray(rng.integers(0, 255, (300, 200, 3), dtype=np.uint8)).save(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InputError, match=rf"^X.06/0001\{suffix}: không đọc được ảnh \("):
        open_page(PageSource(path, 0, 1, "image"))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
