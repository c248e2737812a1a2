"""The second reading: field regions cropped from the scan and read again, compared, flagged."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from PIL import Image, ImageChops, ImageDraw
from test_fields_layout import EXPECTED, PAGES

from _pages import RIGHT_COL, Text, body, header, render, signer, tsv
from sohoa_lib.describe.boxes import lines_from_tsv
from sohoa_lib.describe.documents import PageInfo, extract_fields

TODAY = dt.date(2026, 11, 30)
MM = 300 / 25.4
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed"
)


def _decision(number="125/QĐ-BHXH", names=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")):
    page = header(["BẢO HIỂM XÃ HỘI VIỆT NAM", "BẢO HIỂM XÃ HỘI TỈNH BẮC NINH"], number,
                  "Bắc Ninh, ngày 08 tháng 7 năm 2022")  # fmt: skip
    page += [Text("QUYẾT ĐỊNH", 56, size=14, style="B"),
             Text("Về việc nâng bậc lương đối với viên chức", 63, style="B")]  # fmt: skip
    page += body("Căn cứ Luật Bảo hiểm xã hội ngày 20 tháng 11 năm 2014 và các văn bản hướng "
                 "dẫn thi hành; xét đề nghị của Trưởng phòng Tổ chức cán bộ;", 78)  # fmt: skip
    page += signer(names, "Nguyễn Văn Hùng", 130, ["- Như Điều 3;"])
    return page


def _fields(printed, read, tmp_path, image: Image.Image | None = None, conf=None, dpi=300):
    """Fields of a page whose scan (at `dpi`) shows `printed` while its page OCR, on a working
    copy at 300 dpi or less (as `workcopy.prepare` makes it), read `read`."""
    path = tmp_path / "page_1.png"
    (image or render(printed, dpi)).save(path, dpi=(dpi, dpi))
    ocr_dpi = min(dpi, 300)
    lines = lines_from_tsv(tsv(read, ocr_dpi, conf=conf))
    page = PageInfo(1, "\n".join(ln.text for ln in lines), 95.0, lines=lines,
                    image_path=path, dpi=float(dpi), ocr_dpi=float(ocr_dpi))  # fmt: skip
    return extract_fields([page], today=TODAY)


@needs_tesseract
def test_a_page_read_clean_gains_no_doubt_from_its_scan(tmp_path):
    fields = _fields(_decision(), _decision(), tmp_path)
    assert fields["so"].value == "125" and fields["ngay"].value == "2022-07-08"
    assert fields["nguoi_ky"].value == "Nguyễn Văn Hùng"
    assert not any(f.reason for f in fields.values()), {k: f.reason for k, f in fields.items()}


@needs_tesseract
@pytest.mark.parametrize("dpi", [200, 300, 500])
def test_a_number_the_scan_does_not_show_is_flagged(tmp_path, dpi):
    # The page OCR read 128, unsure of it (a handwritten 5 taken for an 8): the region read
    # again shows 125, and the two readings disagreeing is the cataloguer's to settle.
    fields = _fields(_decision(), _decision(number="128/QĐ-BHXH"), tmp_path,
                     conf={"128/QĐ-BHXH": 60.0}, dpi=dpi)  # fmt: skip
    assert "hai lần đọc khác nhau" in fields["so"].reason and "128" in fields["so"].reason
    assert fields["so"].value == "125"  # the reading without doubt
    assert not fields["ngay"].reason and not fields["trich_yeu"].reason


@needs_tesseract
def test_titles_lost_under_a_red_seal_are_read_without_it(tmp_path):
    page = _decision()
    image = render(page).convert("RGB")
    seal = Image.new("RGB", image.size, "white")
    draw = ImageDraw.Draw(seal)
    cx, cy, r = round(RIGHT_COL * MM) - 150, round(137 * MM), round(19 * MM)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(205, 30, 45), width=14)
    draw.ellipse((cx - r + 60, cy - r + 60, cx + r - 60, cy + r - 60), outline=(205, 30, 45),
                 width=8)  # fmt: skip
    image = ImageChops.multiply(image, seal)  # seal ink over the print, as on paper
    # The page OCR lost both title lines under the seal: only the name was read.
    read = [t for t in page if t.text not in ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")]
    fields = _fields(page, read, tmp_path, image)
    titles = fields["chuc_vu_nguoi_ky"]
    assert titles.value == "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"
    assert "hai lần đọc khác nhau" in titles.reason


def test_without_a_scan_there_is_no_second_reading():
    lines = lines_from_tsv(tsv(_decision(number="128/QĐ-BHXH")))
    page = PageInfo(1, "\n".join(ln.text for ln in lines), 95.0, lines=lines)
    fields = extract_fields([page], today=TODAY)
    assert fields["so"].value == "128" and not fields["so"].reason


def test_a_summary_line_with_words_lost_is_flagged():
    # OCR took a word into a stamp beside it: the summary reads on, with a hole where it was.
    text = "\n".join(row for row in tsv(_decision()).splitlines() if not row.endswith("\tđối"))
    lines = lines_from_tsv(text + "\n")
    fields = extract_fields([PageInfo(1, "", 95.0, lines=lines)], today=TODAY)
    assert "có thể mất chữ" in fields["trich_yeu"].reason


@needs_tesseract
@pytest.mark.parametrize("kind", list(PAGES))
def test_every_region_read_again_is_right_or_flagged(kind, tmp_path):
    # Every word of the page OCR unsure: every field is in doubt and its region read again.
    page = PAGES[kind]()
    unsure = {w: 60.0 for t in page for w in t.text.split()}
    fields = _fields(page, page, tmp_path, conf=unsure)
    for k, value in EXPECTED[kind].items():
        assert fields[k].value == value or fields[k].reason, (kind, k, fields[k])
    wrong = {k: fields[k] for k, value in EXPECTED[kind].items() if fields[k].value != value}
    assert not wrong, wrong


def test_a_scan_gone_missing_leaves_the_first_reading(tmp_path):
    read = _decision(number="128/QĐ-BHXH")
    lines = lines_from_tsv(tsv(read, conf={"128/QĐ-BHXH": 60.0}))
    page = PageInfo(1, "", 95.0, lines=lines, image_path=tmp_path / "gone.png", dpi=300.0,
                    ocr_dpi=300.0)  # fmt: skip
    fields = extract_fields([page], today=TODAY)
    assert fields["so"].value == "128" and "OCR không chắc" in fields["so"].reason
