"""The number and the day written by hand into a printed blank, read by `scan.handdigits`.

A registered document's number (`Số: 575 /UBND-KTTH`) and day (`ngày 22 tháng 11 năm 2024`)
are often written by hand into blanks the printer left. Where the page's OCR doubted such a
field, the blank is cropped from the scan and its digits read by the handwritten-digit network;
a reading it is sure of replaces the OCR's, and the field stays flagged either way: the
cataloguer checks a handwritten value against the paper before it is signed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections.abc import Mapping, Sequence

import numpy as np
from PIL import Image

from sohoa_lib.common.text import fold
from sohoa_lib.describe._fields import Field, PageInfo
from sohoa_lib.describe._fields_layout import (
    _LABEL,
    DAY_NOISY,
    DAY_UNREAD,
    NUMBER_HAND,
    NUMBER_NOISY,
    NUMBER_UNREAD,
)
from sohoa_lib.describe.boxes import Line, Word
from sohoa_lib.errors import InputError
from sohoa_lib.scan import handdigits
from sohoa_lib.scan.ocr import open_page

SURE = 0.8
"""A reading whose least sure digit is at least this probable replaces the OCR's value. On
MNIST's 1,000 held-out digits the network is right on 99.6% of those above 0.8 and 77% of
those below."""
HAND = "viết tay, đọc bằng mô hình chữ số viết tay"
"""Opens the reason of a value read from handwriting."""
# The blank is cropped this many line heights above and below the printed line: handwriting
# rises above and drops below the print it is written between.
_RISE = 0.6


@dataclasses.dataclass(frozen=True)
class _Blank:
    """Where a blank is, in working-copy pixels: its columns and its printed row's top and
    bottom."""

    x0: float
    x1: float
    y0: float
    y1: float


def read_handwritten(pages: Sequence[PageInfo], fields: Mapping[str, Field],
                     words: Mapping[str, tuple[Word, ...]],
                     first: Mapping[str, Field]) -> dict[str, Field]:  # fmt: skip
    """`fields` with the number and the day read from their blanks where the OCR doubted them
    (in `fields` or in the `first` reading: a second reading of the region by Tesseract may
    have read the handwriting, and is no surer for it) and the scan is at hand."""
    out = dict(fields)
    head = next((p for p in pages if p.lines), None)
    if head is None or head.image_path is None or head.dpi <= 0 or head.ocr_dpi <= 0:
        return out
    so, ngay = fields.get("so"), fields.get("ngay")
    number_tags, day_tags = (NUMBER_HAND, NUMBER_NOISY, NUMBER_UNREAD), (DAY_NOISY, DAY_UNREAD)
    blanks: dict[str, _Blank] = {}
    if so is not None and any(_tagged(f, *number_tags) for f in (so, first.get("so", so))):
        blank = _number_blank(head.lines, words.get("ky_hieu", ()))
        if blank:
            blanks["so"] = blank
    if (
        ngay is not None
        and ngay.value
        and any(_tagged(f, *day_tags) for f in (ngay, first.get("ngay", ngay)))
    ):
        blank = _day_blank(head.lines, words.get("ngay", ()))
        if blank:
            blanks["ngay"] = blank
    if not blanks:
        return out
    scale = head.dpi / head.ocr_dpi
    try:
        with open_page(head.image_path, head.page_index) as image:
            readings = {k: _read(image, blank, scale) for k, blank in blanks.items()}
    except (InputError, OSError, ValueError):
        return out  # the scan is gone or unreadable: the OCR's reading stands, flagged
    for k, reading in readings.items():
        if reading is not None:
            out[k] = _number(fields[k], reading) if k == "so" else _day(fields[k], reading)
    return out


def _tagged(field: Field, *tags: str) -> bool:
    return any(tag in field.reason for tag in tags)


def _row(lines: Sequence[Line], word: Word) -> list[Word]:
    """The page's words on `word`'s row, left to right: a wide blank splits a printed row into
    two lines (`boxes.GAP_SPLIT`), and the blank lies between them."""
    middle = (word.y0 + word.y1) / 2
    found = [w for ln in lines for w in ln.words if w.y0 <= middle <= w.y1]
    return sorted(found, key=lambda w: w.x0)


def _number_blank(lines: Sequence[Line], symbol: tuple[Word, ...]) -> _Blank | None:
    """The blank between `Số:` and a ký hiệu opening with `/`: a typed number runs into its
    slash, a number written by hand stands in the blank left for it."""
    if not symbol or not symbol[0].text.startswith("/"):
        return None
    row = _row(lines, symbol[0])
    before = [w for w in row if w.x1 <= symbol[0].x0]
    # The word is the label alone (`Số:`, OCR's `Sô:`, `S6:`), as the layout reader knows it.
    label = next((w for w in reversed(before) if _LABEL.fullmatch(fold(w.text))), None)
    if label is None:
        return None
    return _Blank(label.x1, symbol[0].x0, min(label.y0, symbol[0].y0), max(label.y1, symbol[0].y1))


def _day_blank(lines: Sequence[Line], used: tuple[Word, ...]) -> _Blank | None:
    """The blank between `ngày` and `tháng`. OCR often boxes the handwriting with either word,
    so the printed words' ends are put where their letters end at the row's letter width."""
    if not used:
        return None
    row = _row(lines, used[-1])
    folded = [fold(w.text) for w in row]
    day = next((i for i, f in enumerate(folded) if f.startswith("ngay")), None)
    month = next((i for i, f in enumerate(folded) if f.startswith("thang")), None)
    if day is None or month is None or month <= day:
        return None
    widths = [(w.x1 - w.x0) / len(w.text) for i, w in enumerate(row)
              if i not in (day, month) and w.text.isalnum()]  # fmt: skip
    if not widths:
        return None
    letter = statistics.median(widths)
    x0 = row[day].x0 + len("ngày") * letter
    x1 = row[month].x1 - len("tháng") * letter
    top, bottom = min(row[day].y0, row[month].y0), max(row[day].y1, row[month].y1)
    return _Blank(x0, x1, top, bottom) if x1 > x0 else None


def _read(page: Image.Image, blank: _Blank, scale: float) -> handdigits.Reading | None:
    """The blank's digits, from a crop one line height wider on each side (a digit may run
    over the blank's edge) and `_RISE` line heights higher and lower. Cropped from the open
    scan, then made grey: the page itself is neither copied nor converted."""
    height = blank.y1 - blank.y0
    top = max(0, round((blank.y0 - _RISE * height) * scale))
    bottom = min(page.height, round((blank.y1 + _RISE * height) * scale))
    left = max(0, round((blank.x0 - height) * scale))
    right = min(page.width, round((blank.x1 + height) * scale))
    if right - left < 4 or bottom - top < 4:
        return None
    grey = np.asarray(page.crop((left, top, right, bottom)).convert("L"))
    span = (blank.x0 * scale - left, blank.x1 * scale - left)
    return handdigits.read_digits(grey, height * scale, span)


def _shown(p: float) -> str:
    return f"{p:.2f}".replace(".", ",")


def _how(reading: handdigits.Reading) -> str:
    """How sure the reading is, in the cataloguer's words."""
    joined = "; có chữ số viết liền nhau, tách theo nhận dạng" if reading.joined else ""
    return f"xác suất thấp nhất {_shown(reading.least)}{joined}"


def _with_doubt(field: Field, why: str) -> Field:
    """The OCR's field kept, the unsure reading added to its reasons."""
    return dataclasses.replace(field, reason="; ".join(r for r in (field.reason, why) if r))


def _number(field: Field, reading: handdigits.Reading) -> Field:
    if reading.least < SURE:
        return _with_doubt(field, f"mô hình chữ số viết tay đọc «{reading.digits}», "
                                  f"không chắc ({_shown(reading.least)})")  # fmt: skip
    ocr = field.value or "(không đọc được)"
    why = (f"số {HAND}: «{reading.digits}» ({_how(reading)}); "
           f"OCR đọc «{ocr}»: cần đối chiếu bản giấy")  # fmt: skip
    return Field(reading.digits, min(field.confidence, 0.5), "chỗ trống dòng Số:, viết tay", why)


def _day(field: Field, reading: handdigits.Reading) -> Field:
    value = None
    if reading.digits.isdigit() and len(reading.digits) <= 2:
        try:
            value = dt.date.fromisoformat(f"{(field.value or '')[:7]}-{int(reading.digits):02d}")
        except ValueError:
            value = None  # day 0, 31 in a 30-day month, or no month read
    if reading.least < SURE or value is None:
        doubt = "không chắc" if value is not None else "không phải ngày của tháng đó"
        return _with_doubt(field, f"mô hình chữ số viết tay đọc ngày «{reading.digits}», "
                                  f"{doubt} ({_shown(reading.least)})")  # fmt: skip
    why = (f"ngày {HAND}: «{reading.digits}» ({_how(reading)}); "
           f"OCR đọc «{field.value}»: cần đối chiếu bản giấy")  # fmt: skip
    return Field(value.isoformat(), min(field.confidence, 0.5),
                 "dòng địa danh, ngày tháng; ngày viết tay", why)  # fmt: skip
