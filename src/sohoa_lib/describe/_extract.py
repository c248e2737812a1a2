"""One document's catalogue fields: read by region (or from text alone), then cross-checked."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from sohoa_lib.common import clock
from sohoa_lib.describe import _fields
from sohoa_lib.describe._crosscheck import LOW_CONF, cross_check
from sohoa_lib.describe._fields import (
    FIELD_KEYS,
    MISSING,
    Field,
    PageInfo,
    nonblank,
    ocr_factor,
    scaled,
)
from sohoa_lib.describe._fields_layout import read_first_page
from sohoa_lib.describe._fields_text import text_fields
from sohoa_lib.describe._handwritten import read_handwritten
from sohoa_lib.describe._reread import Region, region_of, reread
from sohoa_lib.describe._signer import Signer, signer_from_lines, signer_from_text
from sohoa_lib.describe.boxes import Line, Word, columns
from sohoa_lib.errors import InputError, MissingToolError

DOUBT = 0.6
"""Below this confidence a field is in doubt (flagged for the cataloguer, as `Field.reason` is)."""
# Fields read from the same line as others: the date line also gives the place.
_SAME_REGION = {("ngay",): ("ngay", "noi_ban_hanh")}
_OUTSIDE = "không thấy ở vùng của nó theo thể thức; đọc từ văn bản: cần kiểm tra"


@dataclasses.dataclass(frozen=True)
class _Reading:
    fields: dict[str, Field]
    words: dict[str, tuple[Word, ...]]
    signer: Signer | None
    signer_page: int | None
    """Index in the pages of the page the signer block was read on."""


def extract(
    pages: Sequence[PageInfo],
    inventory_dates: tuple[dt.date, dt.date] | None = None,
    today: dt.date | None = None,
) -> dict[str, Field]:
    """Every field of FIELD_KEYS for the pages of one document; MISSING where nothing was found.

    Pages with word boxes (`PageInfo.lines`) are read region by region; others from their text.
    When the scan is at hand (`PageInfo.image_path`), the regions of the fields in doubt
    (number, date, summary, signer) are read again from it (`_reread`); of two readings that
    disagree the one with fewer doubts is kept, flagged with both. `inventory_dates` (the
    file's start and end in the inventory) and `today` bound the date; a field any check doubts
    carries its reason, and a field read from word boxes its region (`Field.region`, when the
    page's size is known).
    """
    today = today or clock.today()
    first = _read(pages)
    if first is None:
        return dict.fromkeys(FIELD_KEYS, MISSING)
    checked = cross_check(first.fields, first.words, first.signer, inventory_dates, today)
    doubted = {k for k, f in checked.items() if _doubted(f)}
    second = _second_reading(pages, first, doubted)
    if second is None:
        result = _handwritten(pages, checked, first, inventory_dates, today, checked)
        return _located(result, first.words, pages, first.signer_page)
    again, covered = second
    other = cross_check(again.fields, again.words, again.signer, inventory_dates, today)
    # Only the fields the first reading doubts, and only those whose region was read again: a
    # region read alone is not read better than a page read clean (a rendered page's clean
    # `QĐ-BHXH` came out `QĐÐ-BHXH` from its crop).
    result, words = {}, dict(first.words)
    for k, f in checked.items():
        if k not in doubted & covered:
            result[k] = f
            continue
        result[k] = _agreed((f, first.words.get(k, ())), (other[k], again.words.get(k, ())))
        if result[k].value is not None and _same(result[k].value, other[k].value):
            words[k] = again.words.get(k, ())
    result = _handwritten(pages, result, first, inventory_dates, today, checked)
    return _located(result, words, pages, first.signer_page)


def _handwritten(
    pages: Sequence[PageInfo],
    fields: dict[str, Field],
    first: _Reading,
    inventory_dates: tuple[dt.date, dt.date] | None,
    today: dt.date,
    checked: Mapping[str, Field],
) -> dict[str, Field]:
    """`fields` with a number or day the first reading (`checked`) doubted read from its blank by
    the handwriting reader (blanks located on the first reading's lines), a new date checked
    again against the inventory's dates and the report date."""
    read = read_handwritten(pages, fields, first.words, checked)
    if read["ngay"] != fields["ngay"]:
        read["ngay"] = cross_check(read, {}, None, inventory_dates, today)["ngay"]
    return read


def _located(
    fields: Mapping[str, Field],
    words: Mapping[str, tuple[Word, ...]],
    pages: Sequence[PageInfo],
    signer_at: int | None,
) -> dict[str, Field]:
    """The fields with the region of the words each was read from: the signer's on the page it
    closes, the others on the first page."""
    out = dict(fields)
    head = next((p for p in pages if p.lines or p.text.strip()), None)
    signer_page = pages[signer_at] if signer_at is not None else None
    for k, used in words.items():
        page = signer_page if k in ("chuc_vu_nguoi_ky", "nguoi_ky") else head
        if page is None or page.size is None or k not in out:
            continue
        region = _fields.Region.of(page.number, used, page.size)
        if region is not None:
            out[k] = dataclasses.replace(out[k], region=region)
    return out


def _doubted(field: Field) -> bool:
    return bool(field.reason) or field.confidence < DOUBT


def _read(pages: Sequence[PageInfo]) -> _Reading | None:
    fields = dict.fromkeys(FIELD_KEYS, MISSING)
    head = next((p for p in pages if p.lines or p.text.strip()), None)
    if head is None:
        return None
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
    signer, at = None, None
    # The signature closes the document: search from its last page back.
    for i in range(len(pages) - 1, -1, -1):
        page = pages[i]
        signer = signer_from_lines(page.lines) if page.lines else None
        signer = signer or signer_from_text(nonblank(page.text))
        if signer:
            factor = ocr_factor(page.ocr_confidence)
            fields["chuc_vu_nguoi_ky"] = scaled(signer.titles, factor)
            fields["nguoi_ky"] = scaled(signer.name, factor)
            words["chuc_vu_nguoi_ky"] = signer.title_words
            words["nguoi_ky"] = signer.name_words
            at = i
            break
    return _Reading(fields, words, signer, at)


def _lines_with(lines: Sequence[Line], used: Sequence[Word]) -> list[Line]:
    """The page's lines holding any of `used`."""
    wanted = set(used)
    return [ln for ln in lines if any(w in wanted for w in ln.words)]


def _has_scan(page: PageInfo) -> bool:
    """Whether the page's scan and the resolutions that map its word boxes onto it are known."""
    return page.image_path is not None and page.dpi > 0 and page.ocr_dpi > 0


def _second_reading(
    pages: Sequence[PageInfo], first: _Reading, doubted: set[str]
) -> tuple[_Reading, set[str]] | None:
    """The document read again with the regions of its `doubted` fields re-read from the scan
    (at most four crops: Số line, date line, summary, signer block), and the fields of the
    regions read; None when there is no scan or no doubt."""
    covered: set[str] = set()
    head = next(i for i, p in enumerate(pages) if p.lines or p.text.strip())
    wanted: dict[int, list[Region]] = {}
    page = pages[head]
    if page.lines and _has_scan(page):
        cols = columns(page.lines)
        for group, psm in ((("so", "ky_hieu"), 7), (("ngay",), 7), (("trich_yeu",), 6)):
            if not doubted & set(group):
                continue
            used = [w for k in group for w in first.words.get(k, ())]
            # A centred summary is read across the text's width: OCR may have cut its line.
            centred = (
                group == ("trich_yeu",) and first.fields["trich_yeu"].source == "dòng sau tên loại"
            )
            span = (cols.left, cols.right) if centred else None
            region = region_of(_lines_with(page.lines, used), psm, span=span)
            if region is not None:
                wanted.setdefault(head, []).append(region)
                covered.update(_SAME_REGION.get(group, group))
    at, signer = first.signer_page, first.signer
    signed = {"chuc_vu_nguoi_ky", "nguoi_ky"} & doubted
    if signed and at is not None and signer is not None and signer.lines and _has_scan(pages[at]):
        # Title lines may be lost under the seal: read from three lines above the block, or,
        # when only the name was read, across the signature's space above it (3–4 cm, the
        # height of about eight lines of 13-pt print).
        above = 3.0 if signer.title_words else 8.0
        region = region_of(signer.lines, 6, above=above, below=0.6, side=2.0, drop_red=True)
        if region is not None:
            wanted.setdefault(at, []).append(region)
            covered.update(("chuc_vu_nguoi_ky", "nguoi_ky"))
    if not wanted:
        return None
    read = list(pages)
    for i, regions in wanted.items():
        p = pages[i]
        try:
            lines = reread(p.image_path, p.page_index, p.dpi, p.ocr_dpi, p.lines, regions)
        except (InputError, MissingToolError, OSError, ValueError):
            return None  # the scan is gone or unreadable: the first reading stands
        read[i] = dataclasses.replace(p, lines=lines)
    again = _read(read)
    return (again, covered) if again is not None else None


def _agreed(first: tuple[Field, tuple[Word, ...]], second: tuple[Field, tuple[Word, ...]]) -> Field:
    """One field from two readings (each with the words it was read from): the first when they
    agree (or the second found nothing); otherwise the one with fewer doubts, then the cleaner
    reading (`CLEAN` digits against noise read through), then the surer OCR, flagged with both."""
    (one, _), (two, _) = first, second
    if two.value is None or _same(one.value, two.value):
        return one

    def rank(reading: tuple[Field, tuple[Word, ...]]) -> tuple[int, float, float]:
        field, used = reading
        return _count(field.reason), -field.confidence, -min((w.conf for w in used), default=0)

    chosen = min((first, second), key=rank)[0]
    shown = one.value if one.value is not None else "(không đọc được)"
    why = f"hai lần đọc khác nhau: «{shown}» và «{two.value}» (đọc lại vùng từ ảnh quét)"
    reason = "; ".join(r for r in (why, chosen.reason) if r)
    return Field(chosen.value, min(chosen.confidence, 0.5), chosen.source, reason)


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and " ".join(a.split()) == " ".join(b.split())


def _count(reason: str) -> int:
    """The doubts a reason names, not counting low OCR confidence: the readings' confidences
    are compared on their own, and one unsure word shared by number and ký hiệu (`125/QĐ-…`)
    would count against both."""
    return len([r for r in reason.split("; ") if r and not r.startswith(LOW_CONF)])
