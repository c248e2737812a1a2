"""The number and day written by hand into a printed blank: read from the scan, always flagged,
never taken when unsure, a new date checked again; and the real scans' handwritten fields."""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np
import pytest
from PIL import Image
from test_fields_layout import TODAY, _decision

from _pages import LEFT_COL, Text, render, tsv
from sohoa_lib.describe._fields import Field
from sohoa_lib.describe._handwritten import HAND, SURE, _day, _number
from sohoa_lib.describe.boxes import lines_from_tsv
from sohoa_lib.describe.documents import PageInfo, extract_fields
from sohoa_lib.scan.handdigits import Reading

FACE = cv2.FONT_HERSHEY_SCRIPT_SIMPLEX


def _blank_page(date="Bắc Ninh, ngày        tháng 7 năm 2022"):
    """A decision whose number and day were left blank by the printer."""
    page = _decision(number="            /QĐ-BHXH", date=date)
    page[[t.text.startswith("Số:") for t in page].index(True)] = Text("Số:", 44, LEFT_COL - 20)
    page.append(Text("/QĐ-BHXH", 44, LEFT_COL + 12))
    return page


def _write(image: Image.Image, lines, after: str, before: str, digits: str) -> None:
    """Write `digits` by hand (OpenCV's script face) into the blank between two printed words."""
    words = [w for ln in lines for w in ln.words]
    left = next(w for w in words if w.text == after)
    right = next(
        w for w in words if w.text == before and w.x0 > left.x1 and abs(w.y0 - left.y0) < 40
    )
    grey = np.asarray(image).copy()
    scale = (left.y1 - left.y0) / 22
    cv2.putText(
        grey,
        digits,
        (left.x1 + 12, left.y1),
        FACE,
        scale,
        0,
        max(2, round(2.5 * scale)),
        cv2.LINE_AA,
    )
    assert right.x0 > left.x1 + 12 + cv2.getTextSize(digits, FACE, scale, 3)[0][0] * 0.8
    image.paste(Image.fromarray(grey))


def _scanned(tmp_path, page, number="2807", day="08", dpi=300):
    """The page's image with the number and day written by hand, and its PageInfo: the word
    boxes are the printed words only, as OCR that could not read the handwriting gives them."""
    image = render(page, dpi)
    lines = lines_from_tsv(tsv(page, dpi))
    _write(image, lines, "Số:", "/QĐ-BHXH", number)
    if day:
        _write(image, lines, "ngày", "tháng", day)
    path = tmp_path / "page.png"
    image.save(path, dpi=(dpi, dpi))
    text = "\n".join(ln.text for ln in lines)
    return PageInfo(1, text, 95.0, lines=lines, size=image.size, image_path=path, dpi=float(dpi),
                    ocr_dpi=float(dpi))  # fmt: skip


@pytest.mark.parametrize("dpi", [200, 300, 500])
def test_a_handwritten_number_and_day_are_read_and_flagged(tmp_path, dpi):
    fields = extract_fields([_scanned(tmp_path, _blank_page(), dpi=dpi)], today=TODAY)
    assert fields["so"].value == "2807" and fields["ky_hieu"].value == "QĐ-BHXH"
    assert fields["ngay"].value == "2022-07-08"
    for k in ("so", "ngay"):
        assert HAND in fields[k].reason and fields[k].confidence < 0.6, fields[k]


def test_without_the_scan_the_blank_stays_unread_and_flagged(tmp_path):
    info = _scanned(tmp_path, _blank_page())
    fields = extract_fields([PageInfo(1, info.text, 95.0, lines=info.lines)], today=TODAY)
    assert fields["so"].value is None and fields["ngay"].value == "2022-07"
    assert fields["ngay"].reason


def test_a_handwritten_day_after_the_report_date_is_flagged_as_such(tmp_path):
    page = _blank_page(date="Bắc Ninh, ngày        tháng 11 năm 2026")
    fields = extract_fields([_scanned(tmp_path, page, day="30")], today=dt.date(2026, 11, 5))
    assert fields["ngay"].value == "2026-11-30"
    assert "sau ngày" in fields["ngay"].reason and HAND in fields["ngay"].reason


def test_an_unsure_reading_never_replaces_the_ocr_value():
    ocr = Field("9", 0.3, "dòng Số:", "số viết tay vào chỗ trống trước ký hiệu")
    unsure = _number(ocr, Reading("575", (0.99, SURE - 0.05, 0.99)))
    assert unsure.value == "9" and "575" in unsure.reason and ocr.reason in unsure.reason
    sure = _number(ocr, Reading("575", (0.99, 0.97, 0.99)))
    assert sure.value == "575" and "«9»" in sure.reason and sure.confidence <= 0.5


@pytest.mark.parametrize("digits", ["31", "0", "123"])
def test_a_day_the_month_does_not_have_keeps_the_month_only(digits):
    ocr = Field("2025-02", 0.3, "dòng địa danh, ngày tháng", "không đọc được ngày (viết tay?)")
    out = _day(ocr, Reading(digits, (1.0,) * len(digits)))
    assert out.value == "2025-02" and digits in out.reason and ocr.reason in out.reason


def test_a_joined_reading_says_it_was_cut():
    ocr = Field(None, 0.0, "dòng Số:", "số đọc qua nhiễu: «@»")
    out = _number(ocr, Reading("22", (1.0, 1.0), joined=True))
    assert out.value == "22" and "viết liền" in out.reason
