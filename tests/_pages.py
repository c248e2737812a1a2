"""Administrative pages laid out as Decree 30/2020/NĐ-CP places their parts, for field tests.

A page is a list of `Text` placed in millimetres on A4; `render` draws it with Liberation Serif
(Times New Roman's metrics) for real OCR, and `tsv` writes the word boxes Tesseract would report
for it, with chosen confidences, to test the reading without OCR.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from sohoa_lib.demo._scans import font_files

LEFT, RIGHT = 30.0, 195.0
"""Text margins (mm) of an A4 page: 30 mm left, 15 mm right (Decree 30/2020, Appendix I)."""
LEFT_COL, RIGHT_COL, MID = 60.0, 147.0, (LEFT + RIGHT) / 2


@dataclass(frozen=True)
class Text:
    """One printed line: `at` is its centre (align centre), its left edge (left) in mm."""

    text: str
    y: float
    at: float = MID
    align: str = "centre"
    size: float = 13
    style: str = "R"
    """R, B or I: regular, bold, italic."""


@cache
def _font(style: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        str(font_files()[style]), size_px, layout_engine=ImageFont.Layout.BASIC
    )


def _px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def _boxes(item: Text, dpi: int) -> list[tuple[str, int, int, int, int]]:
    """Each word of the line with its pixel box."""
    font = _font(item.style, round(item.size / 72 * dpi))
    width = font.getlength(item.text)
    x = _px(item.at, dpi) - (width / 2 if item.align == "centre" else 0)
    y = _px(item.y, dpi)
    out, cursor = [], 0.0
    for word in item.text.split(" "):
        if word:
            left, top, right, bottom = font.getbbox(word)
            out.append(
                (word, round(x + cursor + left), y + top, round(x + cursor + right), y + bottom)
            )
        cursor += font.getlength(word + " ")
    return out


def render(page: Sequence[Text], dpi: int = 300) -> Image.Image:
    """The page as a white A4 greyscale image."""
    image = Image.new("L", (_px(210, dpi), _px(297, dpi)), 255)
    draw = ImageDraw.Draw(image)
    for item in page:
        font = _font(item.style, round(item.size / 72 * dpi))
        x = _px(item.at, dpi) - (font.getlength(item.text) / 2 if item.align == "centre" else 0)
        draw.text((x, _px(item.y, dpi)), item.text, font=font, fill=0)
    return image


def tsv(
    page: Sequence[Text], dpi: int = 300, conf: Mapping[str, float] | None = None, skew: float = 0
) -> str:
    """Tesseract's TSV for the page: one level-5 row per word, all in one block (as psm 6 gives),
    confidence 95 unless `conf` names the word; `skew` turns the page by that many degrees."""
    conf = conf or {}
    slope = math.tan(math.radians(skew))
    rows = [
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    ]
    rows.append(f"1\t1\t0\t0\t0\t0\t0\t0\t{_px(210, dpi)}\t{_px(297, dpi)}\t-1\t")
    for n, item in enumerate(page, start=1):
        for w, (word, x0, y0, x1, y1) in enumerate(_boxes(item, dpi), start=1):
            drop = round(x0 * slope)
            y0, y1 = y0 + drop, y1 + drop
            rows.append(
                f"5\t1\t1\t1\t{n}\t{w}\t{x0}\t{y0}\t{x1 - x0}\t{y1 - y0}\t{conf.get(word, 95.0)}\t{word}"
            )
    return "\n".join(rows) + "\n"


def body(text: str, y: float, size: float = 13, indent: float = 10.0) -> list[Text]:
    """A justified-looking paragraph: words wrapped to the text width, first line indented."""
    font = _font("R", round(size / 72 * 300))
    width = _px(RIGHT - LEFT, 300)
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        limit = width - (_px(indent, 300) if not lines else 0)
        if font.getlength(trial) > limit and current:
            lines.append(current)
            current = word
        else:
            current = trial
    lines.append(current)
    return [
        Text(line, y + 7 * i, LEFT + (indent if i == 0 else 0), "left", size)
        for i, line in enumerate(lines)
    ]


def header(issuer: Sequence[str], number: str, date_line: str, y: float = 20.0) -> list[Text]:
    """The two header columns: issuer lines left (the superior first), motto right, Số and the
    place-and-date line on one row under them."""
    # The superior body upright, the issuer bold, 12 pt (Decree 30/2020, Appendix I, II.2).
    items = [
        Text(line, y + 6 * i, LEFT_COL, size=12, style="B" if i or len(issuer) == 1 else "R")
        for i, line in enumerate(issuer)
    ]
    items += [
        Text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", y, RIGHT_COL, size=12, style="B"),
        Text("Độc lập - Tự do - Hạnh phúc", y + 6, RIGHT_COL, size=13, style="B"),
    ]
    row = y + 6 * max(len(issuer), 2) + 6
    items += [
        Text(f"Số: {number}", row, LEFT_COL, size=13),
        Text(date_line, row, RIGHT_COL, size=13, style="I"),
    ]
    return items


def signer(titles: Sequence[str], name: str, y: float, receivers: Sequence[str] = ()) -> list[Text]:
    """Nơi nhận bottom left, the signer's title lines and name bottom right at the same height."""
    items = [Text(t, y + 6 * i, RIGHT_COL, size=13, style="B") for i, t in enumerate(titles)]
    items.append(Text(name, y + 6 * len(titles) + 22, RIGHT_COL, size=13, style="B"))
    received = ["Nơi nhận:", *receivers, "- Lưu: VT."]
    items += [Text(r, y + 5 * i, LEFT, "left", 11) for i, r in enumerate(received)]
    return items
