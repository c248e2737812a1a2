"""Demo page layout: fonts, the Decree 30/2020 page grid, a letter set in rows and paginated."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sohoa_lib.demo._letters import Letter, Para, date_line, filler
from sohoa_lib.errors import MissingToolError

# Serif families with Vietnamese letters, best first. Liberation Serif has Times New Roman's
# metrics, but the fonts-liberation 1.x package (Debian 12) lacks ơ, ư and the tone marks, so each
# family is probed; DejaVu Serif is the fallback.
_LIBERATION = ("LiberationSerif-{}.ttf", "Regular Bold Italic BoldItalic")
FONT_FAMILIES = (
    ("/usr/share/fonts/truetype/liberation2", *_LIBERATION),
    ("/usr/share/fonts/truetype/liberation", *_LIBERATION),
    ("/usr/share/fonts/truetype/dejavu", "DejaVuSerif{}.ttf", "_ -Bold -Italic -BoldItalic"),
)
_STYLES = ("R", "B", "I", "BI")

DPI = 300


def _px(mm: float, dpi: int = DPI) -> int:
    return round(mm / 25.4 * dpi)


def _pt(points: float) -> int:
    return round(points * DPI / 72)


PAGE = (_px(210), _px(297))
# Nghị định 30/2020: margins 30 mm left, 20 mm right, top and bottom; body 13–14 pt.
LEFT, RIGHT, TOP, BOTTOM = _px(30), PAGE[0] - _px(20), _px(20), PAGE[1] - _px(20)
BODY, HEAD, SMALL, LIST = _pt(14), _pt(13), _pt(12), _pt(11)
LEFT_COL, RIGHT_COL, SIGN_COL = (_px(15), _px(90)), (_px(90), _px(200)), (_px(110), RIGHT)


@dataclass(frozen=True)
class _Seg:
    words: tuple[tuple[str, str, int], ...]
    """(text, font style, size in px)."""
    x0: int
    x1: int
    align: str = "left"
    """`left`, `center` or `justify`."""


@dataclass(frozen=True)
class _Row:
    segs: tuple[_Seg, ...] = ()
    size: int = BODY
    pitch: int = round(BODY * 1.2)
    before: int = 0
    rules: tuple[tuple[int, int], ...] = ()
    keep: bool = False
    """Stays on one page with the `keep` rows next to it."""
    sign: int = 0
    """Height of the signature zone under this row."""


@dataclass(frozen=True)
class _Page:
    rows: tuple[_Row, ...]
    number: int
    """Page number within its document, printed from 2 on."""
    signed: bool


@lru_cache(maxsize=1)
def font_files() -> dict[str, Path]:
    """Regular, bold, italic and bold italic files of the first serif family with Vietnamese."""
    for folder, pattern, names in FONT_FAMILIES:
        files = {
            style: Path(folder) / pattern.format(name.strip("_"))
            for style, name in zip(_STYLES, names.split(), strict=True)
        }
        if all(path.is_file() for path in files.values()) and _has_vietnamese(files["R"]):
            return files
    looked = ", ".join(folder for folder, _, _ in FONT_FAMILIES)
    raise MissingToolError(
        f"no serif font with Vietnamese letters in {looked}; install the fonts-liberation2 "
        "package (or fonts-dejavu-core and fonts-dejavu-extra)"
    )


def _has_vietnamese(path: Path) -> bool:
    font = ImageFont.truetype(str(path), 24)

    def ink(text: str) -> bytes:
        image = Image.new("L", (40, 40))
        ImageDraw.Draw(image).text((4, 4), text, font=font, fill=255)
        return image.tobytes()

    missing = ink("\ue000")  # a private-use code point: what the font draws for "no glyph"
    return all(ink(letter) != missing for letter in "ơưệỗ")


@lru_cache(maxsize=32)
def _font(style: str, size: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: the same glyph positions whether or not libraqm is installed.
    return ImageFont.truetype(str(font_files()[style]), size, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=20000)
def _width(text: str, style: str, size: int) -> float:
    return _font(style, size).getlength(text)


def _words(text: str, style: str, size: int) -> tuple[tuple[str, str, int], ...]:
    return tuple((word, style, size) for word in text.split())


def _wrap(words: Sequence[tuple[str, str, int]], width: int, indent: int = 0) -> list[list]:
    lines: list[list] = [[]]
    used = indent
    for word in words:
        space = _width(" ", word[1], word[2]) if lines[-1] else 0
        if lines[-1] and used + space + _width(*word) > width:
            lines.append([])
            used, space = 0, 0
        lines[-1].append(word)
        used += space + _width(*word)
    return lines


def _centred(text: str, style: str, size: int, col: tuple[int, int], **row) -> list[_Row]:
    """Centred lines in a column (header blocks, titles), broken into lines of even length."""
    words = _words(text, style, size)
    if not words:
        return []
    lines = _wrap(words, col[1] - col[0])
    if len(lines) == 2:
        # Two even lines (BẢO HIỂM XÃ HỘI / TỈNH BẮC NINH), not one full line and a stray word.
        splits = [(words[:k], words[k:]) for k in range(1, len(words))]
        fits = [s for s in splits if max(map(_extent, s)) <= col[1] - col[0]]
        lines = list(min(fits, key=lambda s: max(map(_extent, s))))
    return [_Row((_Seg(tuple(x), *col, "center"),), size, round(size * 1.2), **row) for x in lines]


def _extent(words: Sequence[tuple[str, str, int]]) -> float:
    return sum(_width(*w) for w in words) + sum(_width(" ", s, z) for _, s, z in words[1:])


def _para_rows(para: Para) -> list[_Row]:
    if para.style == "center":
        rows = _centred(" ".join(para.sentences), "B", BODY, (LEFT, RIGHT))
        return [replace(rows[0], before=_pt(6)), *rows[1:]]
    style = {"italic": "I", "heading": "B"}.get(para.style, "R")
    words = _words(para.lead, "B", BODY) + _words(" ".join(para.sentences), style, BODY)
    indent = _px(12.7)
    lines = _wrap(words, RIGHT - LEFT, indent)
    rows = []
    for i, line in enumerate(lines):
        align = "left" if i == len(lines) - 1 else "justify"
        seg = _Seg(tuple(line), LEFT + (indent if i == 0 else 0), RIGHT, align)
        rows.append(_Row((seg,), BODY, round(BODY * 1.2), _pt(6) if i == 0 else 0))
    return rows


def _header_rows(letter: Letter, parent: str, issuer: str, place: str) -> list[_Row]:
    """Issuing body beside the national motto, number beside date, then title and trích yếu."""
    left = _centred(parent, "R", SMALL, LEFT_COL) + _centred(issuer, "B", SMALL, LEFT_COL)
    right = _centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", SMALL, RIGHT_COL) + _centred(
        "Độc lập - Tự do - Hạnh phúc", "B", HEAD, RIGHT_COL
    )
    rows = []
    for i in range(max(len(left), len(right))):
        segs = tuple(side[i].segs[0] for side in (left, right) if i < len(side))
        rules = [_rule(side[-1].segs[0], share) for side, share in ((left, 0.35), (right, 1.0))]
        ends = [rule for rule, side in zip(rules, (left, right), strict=True) if i == len(side) - 1]
        rows.append(_Row(segs, HEAD, round(HEAD * 1.2), rules=tuple(ends)))
    number = _Seg(_words(f"Số: {letter.number}/{letter.symbol}", "R", HEAD), *LEFT_COL, "center")
    dated = _Seg(_words(date_line(place, letter.date), "I", BODY), *RIGHT_COL, "center")
    rows.append(_Row((number, dated), BODY, round(BODY * 1.3), before=_pt(10)))
    if letter.title:
        rows += _centred(letter.title, "B", BODY, (LEFT, RIGHT), before=_pt(18))
        summary = _centred(letter.summary, "B", BODY, (LEFT + _px(15), RIGHT - _px(15)))
        rule = _rule(_Seg((), LEFT, RIGHT), 0.2)
        rows += [*summary[:-1], replace(summary[-1], rules=(rule,))]
    else:  # a Công văn's trích yếu sits under its number
        rows += _centred(letter.summary, "R", SMALL, LEFT_COL)
    if letter.authority:
        rows += _centred(letter.authority, "B", BODY, (LEFT, RIGHT), before=_pt(12))
    if letter.recipient:
        rows += _centred(letter.recipient, "R", BODY, (LEFT, RIGHT), before=_pt(12))
    return rows


def _rule(seg: _Seg, share: float) -> tuple[int, int]:
    """A rule centred under a segment: `share` of its text's width (of the column if no text)."""
    width = sum(_width(*w) for w in seg.words) * 1.03 if seg.words else seg.x1 - seg.x0
    centre, half = (seg.x0 + seg.x1) // 2, round(width * share / 2)
    return centre - half, centre + half


def _sign_rows(letter: Letter) -> list[_Row]:
    """`Nơi nhận` on the left, the signer on the right, room for signature and seal between."""
    left = [_Seg(_words("Nơi nhận:", "BI", SMALL), LEFT - _px(10), SIGN_COL[0])]
    left += [_Seg(_words(item, "R", LIST), LEFT - _px(10), SIGN_COL[0]) for item in letter.noi_nhan]
    right: list[_Seg | None] = [
        _Seg(_words(line, "B", HEAD), *SIGN_COL, "center") for line in letter.signer_block
    ]
    gap, pitch = 7, _pt(15)
    right += [None] * gap + [_Seg(_words(letter.signer_name, "B", BODY), *SIGN_COL, "center")]
    rows = []
    for i in range(max(len(left), len(right))):
        segs = tuple(s for s in (_at(left, i), _at(right, i)) if s)
        zone = gap * pitch if i == len(letter.signer_block) - 1 else 0
        rows.append(_Row(segs, BODY, pitch, _pt(12) if i == 0 else 0, keep=True, sign=zone))
    return rows


def _at(items: list, i: int):
    return items[i] if i < len(items) else None


def _paginate(rows: Sequence[_Row]) -> list[list[_Row]]:
    """Rows into pages; a run of `keep` rows moves to the next page as a whole."""
    limit = BOTTOM - TOP
    pages: list[list[_Row]] = [[]]
    used, i = 0, 0
    while i < len(rows):
        j = i + 1
        while rows[i].keep and j < len(rows) and rows[j].keep:
            j += 1
        group = rows[i:j]
        height = sum(r.before + r.pitch for r in group) - (group[0].before if not used else 0)
        if used + height > limit and pages[-1]:
            pages.append([])
            used, height = 0, height - group[0].before
        pages[-1].extend(group)
        used += height
        i = j
    return pages


def _height(rows: Sequence[_Row]) -> int:
    return sum(r.before + r.pitch for r in rows) - (rows[0].before if rows else 0)


def _layout(
    letter: Letter,
    pages: int,
    rng: np.random.Generator,
    *,
    code: str,
    parent: str,
    issuer: str,
    place: str,
) -> list[_Page]:
    """One document on exactly `pages` pages: filler goes in till the last page is full enough.

    `code` (the file's mã hồ sơ) names the file when a document does not fit; `parent`, `issuer`
    and `place` are printed in its header.
    """
    opening = [r for p in letter.opening for r in _para_rows(p)]
    head = _header_rows(letter, parent, issuer, place) + opening
    closing = [r for p in letter.closing for r in _para_rows(p)]
    # The closing line stays with the signature: a signature never starts a page alone.
    tail = [*closing[:-1], replace(closing[-1], keep=True), *_sign_rows(letter)]
    target = rng.uniform(0.55, 0.95) * (BOTTOM - TOP)
    body: list[_Row] = []
    supply = filler(letter, rng)
    laid = _paginate(head + tail)
    while not body or len(laid) < pages or _height(laid[-1]) < target:
        para = next(supply)
        for n in range(len(para.sentences), 0, -1):
            trial = body + _para_rows(replace(para, sentences=para.sentences[:n]))
            trial_laid = _paginate(head + trial + tail)
            if len(trial_laid) <= pages:
                break
        else:
            break
        body, laid = trial, trial_laid
    if len(laid) != pages:
        raise ValueError(f"{code}: a {letter.kind} does not fit on {pages} page(s)")
    return [_Page(tuple(rows), n + 1, n == pages - 1) for n, rows in enumerate(laid)]


def _page_lines(page: _Page | None) -> list[str]:
    """Printed text by line, left column first; the seal's ring and the signature are not text."""
    if page is None:
        return []
    lines = [str(page.number)] if page.number > 1 else []
    for row in page.rows:
        parts = [" ".join(w[0] for w in seg.words) for seg in sorted(row.segs, key=lambda s: s.x0)]
        if any(parts):
            lines.append(unicodedata.normalize("NFC", " ".join(p for p in parts if p)))
    return lines
