"""One document's catalogue fields: read by region (or from text alone), then cross-checked."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from ._crosscheck import cross_check
from ._fields import FIELD_KEYS, MISSING, Field, PageInfo, Region, nonblank, ocr_factor, scaled
from ._fields_layout import read_first_page
from ._fields_text import text_fields
from ._signer import signer_from_lines, signer_from_text
from .layout import Word

_OUTSIDE = "không thấy ở vùng của nó theo thể thức; đọc từ văn bản: cần kiểm tra"


def extract(
    pages: Sequence[PageInfo],
    inventory_dates: tuple[dt.date, dt.date] | None = None,
    today: dt.date | None = None,
) -> dict[str, Field]:
    """Every field of FIELD_KEYS for the pages of one document; MISSING where nothing was found.

    Pages with word boxes (`PageInfo.lines`) are read region by region; others from their text.
    `inventory_dates` (the file's start and end in the inventory) and `today` bound the date;
    a field any check doubts carries its reason, and a field read from word boxes its region
    (`Field.region`, when the page's size is known).
    """
    fields = dict.fromkeys(FIELD_KEYS, MISSING)
    head = next((p for p in pages if p.lines or p.text.strip()), None)
    if head is None:
        return fields
    words: dict[str, tuple[Word, ...]] = {}
    if head.lines:
        read = read_first_page(head.lines)
        fields.update(read.fields)
        words = dict(read.words)
        # A layout the regions do not fit (an unusual issuer, an odd header) may still carry a
        # field the text reader finds: offered to the cataloguer, never taken unreviewed. Not
        # số, ký hiệu or date: in running text those are the cited documents'.
        text = "\n".join(ln.text for ln in head.lines)
        for k, field in text_fields(nonblank(text)).items():
            if k in ("so", "ky_hieu", "ngay") or field.value is None:
                continue
            if fields[k].value is None and not fields[k].reason:
                fields[k] = Field(field.value, field.confidence, field.source, _OUTSIDE)
                words.pop(k, None)  # read from the text, not from these words
    else:
        fields.update(text_fields(nonblank(head.text)))
    factor = ocr_factor(head.ocr_confidence)
    fields = {k: scaled(f, factor) for k, f in fields.items()}
    signer, signer_page = None, None
    # The signature closes the document: search from its last page back.
    for page in reversed(pages):
        signer = signer_from_lines(page.lines) if page.lines else None
        signer = signer or signer_from_text(nonblank(page.text))
        if signer:
            factor = ocr_factor(page.ocr_confidence)
            fields["chuc_vu_nguoi_ky"] = scaled(signer.titles, factor)
            fields["nguoi_ky"] = scaled(signer.name, factor)
            words["chuc_vu_nguoi_ky"] = signer.title_words
            words["nguoi_ky"] = signer.name_words
            signer_page = page
            break
    checked = cross_check(fields, words, signer, inventory_dates, today or dt.date.today())
    return _located(checked, words, head, signer_page)


def _located(
    fields: Mapping[str, Field],
    words: Mapping[str, tuple[Word, ...]],
    head: PageInfo,
    signer_page: PageInfo | None,
) -> dict[str, Field]:
    """The fields with the region of the words each was read from: the signer's on the page it
    closes, the others on the first page."""
    out = dict(fields)
    for k, used in words.items():
        page = signer_page if k in ("chuc_vu_nguoi_ky", "nguoi_ky") else head
        if page is None or page.size is None:
            continue
        region = Region.of(page.number, used, page.size)
        if region is not None:
            out[k] = dataclasses.replace(out[k], region=region)
    return out
