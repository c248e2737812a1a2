"""The PDF/A's invisible text, drawn from the page's ALTO lines in reading order, as OCRmyPDF does.

Tesseract's own text-only PDF places every word on its own: `pdftotext` (and a reader copying
text) then rebuilds lines from gaps, and a justified line's wide gap or the space between the
two header columns decides where a line ends. On the rendered pages that split a justified line
("… năm 2008, BHXH / tỉnh / Bắc Ninh …") and raised the text layer's error rate from 0.0% (the
same words as plain text) to 4.0%. Here each line is one run of text: every word is stretched
(`Tz`) over its box and the space after it over the gap to the next word, so a line reads as a
line; a gap wider than a column gap ends the run, so the left header column's lines and the right
one's stay apart. The glyphless font (every character an empty glyph, text through ToUnicode) is
the one Tesseract embeds in its text-only PDF, taken from that PDF: PDF/A-valid and widely read.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pikepdf
from lxml import etree
from pikepdf import Name

from sohoa_lib.common.files import atomic_path
from sohoa_lib.errors import InputError
from sohoa_lib.scan import alto

__all__ = ["write_text_pdf"]

_FONT = Name("/F1")
# The glyphless font's advance: 500/1000 em for every character (its /DW).
_ADVANCE = 0.5
# A gap between words wider than this many times the line's height ends the run: a justified
# line's widest space is about 1.5 heights, the gap between header columns 5 or more.
_COLUMN_GAP = 2.5
# The narrowest space drawn between two words, as a share of the line's height.
_MIN_SPACE = 0.25
# The baseline sits this share of the line's height above its box's bottom (descenders below).
_DESCENT = 0.22


def write_text_pdf(
    page_alto: etree._Element, font_pdf: Path, dpi: tuple[float, float], out: Path
) -> None:
    """Write a one-page PDF of the invisible text of `page_alto` (ALTO 4 in the scan's pixels), the
    page the scan's size at `dpi`, with the glyphless font taken from `font_pdf` (Tesseract's
    text-only PDF of the same page)."""
    page = page_alto.find(f".//{{{alto.NS}}}Page")
    if page is None:
        raise InputError(f"{out.name}: ALTO của trang không có phần tử Page")
    width_px, height_px = float(page.get("WIDTH")), float(page.get("HEIGHT"))
    sx, sy = 72 / dpi[0], 72 / dpi[1]
    width, height = width_px * sx, height_px * sy
    content = b"".join(_line(line, sx, sy, height) for line in _lines(page))
    pdf = pikepdf.new()
    try:
        with pikepdf.open(font_pdf) as source:
            fonts = source.pages[0].Resources.get("/Font")
            if fonts is None or len(fonts) != 1:
                raise InputError(f"{font_pdf.name}: cần đúng một phông chữ glyphless của Tesseract")
            font = pdf.copy_foreign(next(iter(fonts.values())))
    except pikepdf.PdfError as exc:
        raise InputError(
            f"{font_pdf.name}: không đọc được tệp PDF lớp chữ của Tesseract: {exc}"
        ) from None
    pdf.pages.append(
        pikepdf.Page(
            pikepdf.Dictionary(
                Type=Name.Page,
                MediaBox=[0, 0, round(width, 4), round(height, 4)],
                Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary({str(_FONT): font})),
                Contents=pdf.make_stream(content),
            )
        )
    )
    with atomic_path(out) as tmp:
        pdf.save(tmp, deterministic_id=True)


def _lines(page: etree._Element) -> Iterator[etree._Element]:
    # Tesseract's block order is its reading order: columns one after the other.
    yield from page.iter(f"{{{alto.NS}}}TextLine")


def _line(line: etree._Element, sx: float, sy: float, page_height: float) -> bytes:
    words = [w for w in line.iter(f"{{{alto.NS}}}String") if (w.get("CONTENT") or "").strip()]
    if not words:
        return b""
    top = float(line.get("VPOS"))
    size_px = float(line.get("HEIGHT"))
    size = max(1.0, size_px * sy)
    baseline = page_height - (top + size_px * (1 - _DESCENT)) * sy
    out = []
    for run in _runs(words, size_px):
        x = float(run[0].get("HPOS")) * sx
        parts = [f"BT 3 Tr /F1 {size:.2f} Tf 1 0 0 1 {x:.2f} {baseline:.2f} Tm".encode()]
        # A word starts where the one before it and its space ended (`at`, in pixels).
        at = float(run[0].get("HPOS"))
        for index, word in enumerate(run):
            text = word.get("CONTENT").strip()
            right = float(word.get("HPOS")) + float(word.get("WIDTH"))
            parts.append(_show(text, max(1.0, right - at) * sx, size))
            if index + 1 < len(run):
                # The space fills the gap to the next word, so no gap is left to guess from;
                # never narrower than a quarter of the line's height, or a reader takes two words
                # drawn that close for one.
                gap = float(run[index + 1].get("HPOS")) - right
                space = max(gap, _MIN_SPACE * size_px)
                parts.append(_show(" ", space * sx, size))
                at = right + space
        parts.append(b"ET\n")
        out.append(b" ".join(parts))
    return b"".join(out)


def _runs(words: list[etree._Element], height_px: float) -> list[list[etree._Element]]:
    runs: list[list[etree._Element]] = [[words[0]]]
    for before, word in itertools.pairwise(words):
        gap = float(word.get("HPOS")) - (float(before.get("HPOS")) + float(before.get("WIDTH")))
        if gap > _COLUMN_GAP * height_px:
            runs.append([word])
        else:
            runs[-1].append(word)
    return runs


def _show(text: str, width: float, size: float) -> bytes:
    """`text` stretched to `width` points: horizontal scaling, then the glyphs as UTF-16 codes."""
    # Identity-H with the font's CIDs equal to UTF-16 code units (its ToUnicode maps each to
    # itself); characters beyond the BMP have no single code unit and are left out.
    codes = [ord(c) for c in text if ord(c) <= 0xFFFF]
    if not codes:
        return b""
    scale = 100 * width / (len(codes) * _ADVANCE * size)
    hexed = "".join(f"{c:04X}" for c in codes)
    return f"{scale:.3f} Tz <{hexed}> Tj".encode()
