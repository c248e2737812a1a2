"""Demo scanner output: Vietnamese administrative documents laid out, printed, scanned, saved."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from sohoa_lib.common.files import atomic_path, write_text
from sohoa_lib.demo._letters import Letter, Para, date_line, filler, plan_letters
from sohoa_lib.errors import MissingToolError

__all__ = ["DEFECTS", "FORMATS", "ScanRequest", "font_files", "write_demo_scans"]

FORMATS = ("png", "jpeg", "tiff", "tiff-multipage", "pdf")
DEFECTS = ("blank", "skewed", "low_resolution", "no_dpi", "dark", "truncated", "grayscale")
_SUFFIX = {"png": ".png", "jpeg": ".jpg", "tiff": ".tif", "tiff-multipage": ".tif", "pdf": ".pdf"}

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
_INK = (22, 22, 28)
_BED = (62, 62, 64)
_GRAIN = 1.6
_JPEG_QUALITY = 80
# Fixed scan time for PDF metadata: Pillow would otherwise stamp the clock.
_SCAN_TIME = dt.datetime(2023, 6, 1, 8, 0, 0).timetuple()


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
class ScanRequest:
    """One file (hồ sơ) to scan: who issued its documents, how many pages, which defects."""

    ma_ho_so: str
    """File code; the folder name under the scan directory."""
    parent: str
    """Parent body, upper case (`BẢO HIỂM XÃ HỘI VIỆT NAM`)."""
    issuer: str
    """Issuing body, upper case (`BẢO HIỂM XÃ HỘI TỈNH BẮC NINH`)."""
    place: str
    """Place name of the date line (`Bắc Ninh`)."""
    year: int
    """Every document is dated in this year."""
    pages: int
    """Page images to write; a defect changes a page, never removes one."""
    image_format: str
    """`png`, `jpeg`, `tiff` (one image per page), `tiff-multipage` or `pdf` (one file)."""
    defects: tuple[tuple[int, str], ...] = ()
    """(0-based page index, kind) pairs, kinds from DEFECTS; per-page formats only."""


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


def write_demo_scans(
    requests: Sequence[ScanRequest], scan_dir: Path, truth_dir: Path, seed: int
) -> pd.DataFrame:
    """Write each request's pages under `scan_dir/<ma_ho_so>/` and their text under `truth_dir`.

    Returns the manifest, one row per page: `file` relative to `scan_dir`, `truth_file` relative to
    `truth_dir`, `doc_seq` the document the page belongs to (a blank sheet, the one before it),
    `rotation_deg` the counter-clockwise rotation applied. Each file's pages depend only on `seed`
    and its request, so a file renders the same alone or among others.
    """
    _check(requests)
    rows = [row for r in requests for row in _write_file(r, Path(scan_dir), Path(truth_dir), seed)]
    columns = ["ma_ho_so", "page", "file", "defect", "dpi_written", "doc_seq", "truth_file"]
    manifest = pd.DataFrame(rows, columns=[*columns, "rotation_deg"])
    manifest["dpi_written"] = pd.Series([r["dpi_written"] for r in rows], dtype=object)
    manifest["doc_seq"] = manifest["doc_seq"].astype("Int64")
    return manifest


def _check(requests: Sequence[ScanRequest]) -> None:
    codes = [r.ma_ho_so for r in requests]
    for r in requests:
        where = f"scan request {r.ma_ho_so!r}"
        if not r.ma_ho_so or re.search(r"[/\\]|^\.+$", r.ma_ho_so):
            raise ValueError(f"{where}: mã hồ sơ must be a plain folder name")
        if codes.count(r.ma_ho_so) > 1:
            raise ValueError(f"{where}: requested twice")
        if not r.issuer.strip() or not r.place.strip():
            raise ValueError(f"{where}: issuer and place must not be empty")
        if r.image_format not in FORMATS:
            raise ValueError(f"{where}: image_format must be one of {FORMATS}")
        if r.pages < 1:
            raise ValueError(f"{where}: pages must be at least 1, got {r.pages}")
        if r.defects and r.image_format in ("tiff-multipage", "pdf"):
            raise ValueError(f"{where}: defects need a per-page format, not {r.image_format}")
        indexes = [index for index, _ in r.defects]
        if len(set(indexes)) != len(indexes):
            raise ValueError(f"{where}: one defect per page")
        for index, kind in r.defects:
            if kind not in DEFECTS:
                raise ValueError(f"{where}: unknown defect {kind!r}, expected one of {DEFECTS}")
            if not 0 <= index < r.pages:
                raise ValueError(f"{where}: defect on page {index}, outside 0..{r.pages - 1}")


def _write_file(request: ScanRequest, scan_dir: Path, truth_dir: Path, seed: int) -> list[dict]:
    key = int.from_bytes(hashlib.sha256(request.ma_ho_so.encode()).digest()[:8], "big")
    rng = np.random.default_rng([seed, key])
    defects = dict(request.defects)
    blanks = [i for i, kind in defects.items() if kind == "blank"]
    letters, docs = _compose(request, rng, request.pages - len(blanks))
    paper = tuple(int(c) + 242 for c in rng.integers(0, 7, size=3) - (0, 3, 12))
    folder, truth = scan_dir / request.ma_ho_so, truth_dir / request.ma_ho_so
    fmt, single = request.image_format, request.image_format in ("tiff-multipage", "pdf")
    images, written, rows = [], {"documents.json"}, []
    for index, (doc, page) in enumerate(_slots(request.pages, blanks, docs)):
        page_rng = np.random.default_rng([seed, key, index])
        defect = defects.get(index, "")
        if defect == "skewed":
            angle = float(page_rng.choice((-1, 1)) * page_rng.uniform(3, 6))
        else:
            angle = float(page_rng.uniform(-0.3, 0.3))
        image = _render(page, request.issuer, paper, page_rng, angle)
        image, dpi = _apply(image, defect, page_rng)
        name = f"{request.ma_ho_so if single else f'{index + 1:04d}'}{_SUFFIX[fmt]}"
        if single:
            images.append(image)
        else:
            _save(image, folder / name, fmt, dpi, truncate=defect == "truncated")
        text_name = f"page-{index + 1:04d}.txt"
        write_text(truth / text_name, "".join(f"{line}\n" for line in _page_lines(page)))
        written |= {name, text_name}
        rows.append(
            {
                "ma_ho_so": request.ma_ho_so,
                "page": index + 1,
                "file": f"{request.ma_ho_so}/{name}",
                "defect": defect,
                "dpi_written": dpi,
                "doc_seq": None if doc is None else doc + 1,
                "truth_file": f"{request.ma_ho_so}/{text_name}",
                "rotation_deg": round(angle, 3),
            }
        )
    if single:
        _save_all(images, folder / f"{request.ma_ho_so}{_SUFFIX[fmt]}", fmt, request.ma_ho_so)
    write_text(truth / "documents.json", _documents_json(request, letters, rows))
    for stale_in in (folder, truth):
        _remove_stale(stale_in, written)
    return rows


def _compose(
    request: ScanRequest, rng: np.random.Generator, content_pages: int
) -> tuple[list[Letter], list[list[_Page]]]:
    """The documents of one file, 1–3 of them (more only for long files), 1–2 pages each."""
    if content_pages == 0:
        return [], []
    fewest = -(-content_pages // 2)
    count = int(rng.integers(fewest, max(fewest, min(3, content_pages)) + 1))
    sizes = np.ones(count, dtype=int)
    sizes[rng.choice(count, size=content_pages - count, replace=False)] += 1
    letters = plan_letters(
        rng,
        parent=request.parent,
        issuer=request.issuer,
        year=request.year,
        count=count,
        file_code=request.ma_ho_so,
    )
    return letters, [_layout(x, request, int(n), rng) for x, n in zip(letters, sizes, strict=True)]


def _slots(
    pages: int, blanks: list[int], docs: list[list[_Page]]
) -> list[tuple[int | None, _Page | None]]:
    """(document index, page) of each page image; a blank sheet goes with the document before it."""
    flow = [(d, page) for d, doc in enumerate(docs) for page in doc]
    slots: list[tuple[int | None, _Page | None]] = []
    for index in range(pages):
        if index in blanks:
            slots.append((slots[-1][0] if slots else (0 if docs else None), None))
        else:
            slots.append(flow.pop(0))
    return slots


# Layout ---------------------------------------------------------------------------------------


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


def _header_rows(letter: Letter, request: ScanRequest) -> list[_Row]:
    """Issuing body beside the national motto, number beside date, then title and trích yếu."""
    left = _centred(request.parent, "R", SMALL, LEFT_COL) + _centred(
        request.issuer, "B", SMALL, LEFT_COL
    )
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
    dated = _Seg(_words(date_line(request.place, letter.date), "I", BODY), *RIGHT_COL, "center")
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
    letter: Letter, request: ScanRequest, pages: int, rng: np.random.Generator
) -> list[_Page]:
    """One document on exactly `pages` pages: filler goes in till the last page is full enough."""
    head = _header_rows(letter, request) + [r for p in letter.opening for r in _para_rows(p)]
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
        raise ValueError(f"{request.ma_ho_so}: a {letter.kind} does not fit on {pages} page(s)")
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


# Printing and scanning ------------------------------------------------------------------------


def _render(
    page: _Page | None, issuer: str, paper: tuple, rng: np.random.Generator, angle: float
) -> Image.Image:
    """The page as the scanner sees it: lit paper with sensor grain, blurred ink, rotation.

    A small rotation moves each word rather than turning the whole image: at under half a degree
    the glyphs' own tilt is invisible, and turning 26 MB of pixels is most of the rendering time.
    """
    tilt = angle if abs(angle) < 1 else 0.0
    turn = _turner(tilt)
    mask = Image.new("L", PAGE, 0)
    zone = _print(ImageDraw.Draw(mask), page, turn) if page else None
    # composite() with a solid image: twice as fast as paste() with a colour.
    image = Image.composite(Image.new("RGB", PAGE, _INK), _sheet(paper, rng), mask.filter(_blur()))
    if zone:
        x, y = turn((SIGN_COL[0] + SIGN_COL[1]) / 2, (zone[0] + zone[1]) / 2)
        _signature(image, rng, round(x), round(y))
        _seal(image, rng, issuer, round(x - _px(18)), round(y))
    if tilt != angle:
        image = image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=_BED)
    return image


def _sheet(paper: tuple, rng: np.random.Generator) -> Image.Image:
    """Blank paper under the scanner's uneven light, with sensor noise in 2×2 pixel grains.

    The noise is about Gaussian (a sum of uniforms). Grains rather than single pixels: lossless
    formats then hold a page in about 3 MB instead of 8 and encode twice as fast, and the paper
    still looks scanned. Made at half size, so the whole sheet costs one full-size resize.
    """
    half = (PAGE[0] // 2, PAGE[1] // 2)
    light = rng.uniform(0.93, 1.0, (4, 3, 1)) * np.asarray(paper, dtype=np.float64)
    light[:, int(rng.integers(3))] *= 0.97
    lit = Image.fromarray(light.astype(np.uint8)).resize(half, Image.Resampling.BILINEAR)
    draws = rng.integers(0, 4, (2, half[1], half[0]), dtype=np.int16).sum(axis=0)
    grain = np.round((draws - 3) * (_GRAIN / 1.58)).astype(np.int16)[..., None]
    pixels = np.clip(np.asarray(lit, dtype=np.int16) + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).resize(PAGE, Image.Resampling.NEAREST)


def _blur() -> ImageFilter.Kernel:
    # The 3×3 binomial kernel: a Gaussian of about 0.7 px, three times faster than GaussianBlur.
    return ImageFilter.Kernel((3, 3), (1, 2, 1, 2, 4, 2, 1, 2, 1))


def _turner(angle: float) -> Callable[[float, float], tuple[float, float]]:
    """Where a point goes when the page turns `angle` degrees counter-clockwise about its centre."""
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    cx, cy = PAGE[0] / 2, PAGE[1] / 2

    def turn(x: float, y: float) -> tuple[float, float]:
        return cx + (x - cx) * cos + (y - cy) * sin, cy - (x - cx) * sin + (y - cy) * cos

    return turn


def _print(draw: ImageDraw.ImageDraw, page: _Page, turn) -> tuple[int, int] | None:
    """Draw a page's text and rules as ink coverage; return its signature zone (top, bottom)."""
    if page.number > 1:
        _draw_seg(
            draw, _Seg(_words(str(page.number), "R", HEAD), LEFT, RIGHT, "center"), _px(12), turn
        )
    y, zone = TOP, None
    for i, row in enumerate(page.rows):
        y += row.before if i else 0
        base = y + round(row.size * 0.8)
        for seg in row.segs:
            _draw_seg(draw, seg, base, turn)
        for x0, x1 in row.rules:
            under = base + round(row.size * 0.5)
            draw.line([turn(x0, under), turn(x1, under)], fill=255, width=3)
        y += row.pitch
        if row.sign and page.signed:
            zone = (y, y + row.sign)
    return zone


def _draw_seg(draw: ImageDraw.ImageDraw, seg: _Seg, base: int, turn) -> None:
    widths = [_width(*w) for w in seg.words]
    spaces = [_width(" ", style, size) for _, style, size in seg.words[1:]]
    if seg.align == "justify" and spaces:
        stretched = (seg.x1 - seg.x0 - sum(widths)) / len(spaces)
        # A line of a few long words stays ragged: gaps of many spaces break OCR's word finding.
        if stretched < 2.0 * spaces[0]:
            spaces = [stretched] * len(spaces)
    total = sum(widths) + sum(spaces)
    x = (seg.x0 + seg.x1 - total) / 2 if seg.align == "center" else seg.x0
    for (text, style, size), width, space in zip(seg.words, widths, [*spaces, 0], strict=True):
        draw.text(turn(x, base), text, font=_font(style, size), fill=255, anchor="ls")
        x += width + space


def _blend(image: Image.Image, mask: Image.Image, colour: tuple, x: int, y: int) -> None:
    """Lay ink over the page by multiplying, so a seal over a signature darkens both."""
    box = (x, y, x + mask.width, y + mask.height)
    region = np.asarray(image.crop(box), dtype=np.float32)
    alpha = np.asarray(mask.filter(_blur()), dtype=np.float32)[..., None] / 255
    tint = 1 - alpha * (1 - np.asarray(colour, dtype=np.float32) / 255)
    image.paste(Image.fromarray((region * tint).astype(np.uint8)), box[:2])


def _signature(image: Image.Image, rng: np.random.Generator, cx: int, cy: int) -> None:
    """A handwritten-looking signature: a capital loop, slanted cursive strokes, a flourish."""
    width, height = _px(46), _px(20)
    loops = int(rng.integers(3, 6))
    a = np.linspace(0.5 * np.pi, 2.6 * np.pi, 60)
    t = np.linspace(0, 1, 50 * loops)
    s = np.linspace(0, 1, 80)
    size = np.interp(t, np.linspace(0, 1, loops + 1), rng.uniform(0.4, 1.0, loops + 1))
    x = np.concatenate(
        [
            0.16 + 0.07 * rng.uniform(0.7, 1.3) * np.cos(a),
            0.16 + 0.58 * t + 0.03 * np.sin(2 * np.pi * loops * t + rng.uniform(0, 3)),
            0.74 + 0.12 * np.sin(np.pi * s) - 0.62 * s * s,
        ]
    )
    y = np.concatenate(
        [
            0.42 - 0.3 * np.sin(a),
            0.5 - 0.27 * size * np.sin(2 * np.pi * loops * t) - 0.1 * t,
            0.4 + 0.42 * s,
        ]
    )
    x = x + 0.12 * (0.5 - y)  # handwriting leans forward
    points = list(zip(x * width, np.clip(y, 0.03, 0.97) * height, strict=True))
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).line(points, fill=235, width=5, joint="curve")
    colour = (30, 55, 150) if rng.random() < 0.7 else (35, 35, 45)
    _blend(image, mask, colour, cx - width // 2, cy - height // 2)


def _seal(image: Image.Image, rng: np.random.Generator, issuer: str, cx: int, cy: int) -> None:
    """A round red seal: two rings, the issuer's name along them, a star in the middle."""
    radius, inner = _px(17), _px(11.5)
    size = 2 * radius + 8
    c = size / 2
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    draw.ellipse([c - radius, c - radius, c + radius, c + radius], outline=255, width=9)
    draw.ellipse([c - inner, c - inner, c + inner, c + inner], outline=255, width=4)
    text = " ".join(issuer.split())
    ring, span = (radius + inner) / 2, min(320.0, len(text) * 11.0)
    # Long names get smaller letters, so that neighbours on the ring do not touch.
    step = ring * math.radians(span / max(1, len(text) - 1))
    font = _font("B", min(_pt(8), round(step / 0.95)))
    for k, char in enumerate(text):
        angle = -span / 2 + span * k / max(1, len(text) - 1)
        glyph = Image.new("L", (font.size * 2, font.size * 2), 0)
        ImageDraw.Draw(glyph).text((font.size, font.size), char, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        gx = c + ring * math.sin(math.radians(angle)) - font.size
        gy = c - ring * math.cos(math.radians(angle)) - font.size
        mask.paste(255, (round(gx), round(gy)), glyph)
    arms = [(60 if k % 2 == 0 else 24, math.pi * k / 5) for k in range(10)]
    draw.polygon([(c + r * math.sin(a), c - r * math.cos(a)) for r, a in arms], fill=255)
    mask = mask.rotate(float(rng.uniform(-25, 25)), resample=Image.Resampling.BICUBIC)
    # Uneven ink: some of the stamp's face pressed harder than the rest.
    blotch = rng.uniform(0.5, 0.9, (6, 6)).astype(np.float32)
    press = np.asarray(Image.fromarray(blotch).resize((size, size), Image.Resampling.BICUBIC))
    ink = np.asarray(mask, dtype=np.float32) * np.clip(press, 0.45, 0.9)
    _blend(
        image, Image.fromarray(ink.astype(np.uint8)), (200, 28, 42), round(cx - c), round(cy - c)
    )


def _apply(
    image: Image.Image, defect: str, rng: np.random.Generator
) -> tuple[Image.Image, int | None]:
    """A defect's change to a scanned page, and the dpi to write (None: no resolution at all)."""
    if defect == "dark":
        gain = rng.uniform(0.2, 0.25)
        return image.point(lambda v: round(v * gain) + 3), DPI
    if defect == "low_resolution":
        return _downsample(image, 100), 100
    if defect == "no_dpi":
        return _downsample(image, 200), None
    if defect == "grayscale":
        return image.convert("L"), DPI
    return image, DPI


def _downsample(image: Image.Image, dpi: int) -> Image.Image:
    """The page as scanned at a lower resolution."""
    size = (_px(210, dpi), _px(297, dpi))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _save(image: Image.Image, path: Path, fmt: str, dpi: int | None, truncate: bool) -> None:
    options: dict = {
        "png": {"compress_level": 1},
        "jpeg": {"quality": _JPEG_QUALITY},
        "tiff": {"compression": "tiff_lzw"},
    }[fmt]
    if dpi:
        options["dpi"] = (dpi, dpi)
    elif fmt == "tiff":
        # With no resolution tags Pillow reports 1 dpi; unit 1 says "no absolute unit" instead.
        options["tiffinfo"] = {296: 1, 282: 1, 283: 1}
    with atomic_path(path) as tmp:
        image.save(tmp, {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF"}[fmt], **options)
        if (fmt == "jpeg" and not dpi) or truncate:
            data = tmp.read_bytes()
            data = _strip_jfif(data) if fmt == "jpeg" and not dpi else data
            tmp.write_bytes(data[: int(len(data) * 0.55)] if truncate else data)


def _strip_jfif(data: bytes) -> bytes:
    """Drop the JFIF segment: libjpeg always writes one, and readers take its density for dpi."""
    if data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\x00":
        return data[:2] + data[4 + int.from_bytes(data[4:6], "big") :]
    return data


def _save_all(images: list[Image.Image], path: Path, fmt: str, title: str) -> None:
    first, rest = images[0], images[1:]
    with atomic_path(path) as tmp:
        if fmt == "pdf":
            first.save(
                tmp,
                "PDF",
                save_all=True,
                append_images=rest,
                resolution=float(DPI),
                quality=_JPEG_QUALITY,
                title=title,
                creationDate=_SCAN_TIME,
                modDate=_SCAN_TIME,
            )
        else:
            options = {"compression": "tiff_lzw", "dpi": (DPI, DPI)}
            first.save(tmp, "TIFF", save_all=True, append_images=rest, **options)


# Truth ----------------------------------------------------------------------------------------


def _documents_json(request: ScanRequest, letters: list[Letter], rows: list[dict]) -> str:
    entries = []
    for seq, letter in enumerate(letters, start=1):
        pages = [r["page"] for r in rows if r["doc_seq"] == seq]
        printed = [r["page"] for r in rows if r["doc_seq"] == seq and r["defect"] != "blank"]
        entries.append(
            {
                "seq": seq,
                "first_page": pages[0],
                "last_page": pages[-1],
                "pages": pages,
                "type_name": letter.kind,
                "number": letter.number,
                "symbol": letter.symbol,
                "date": letter.date.isoformat(),
                "place": request.place,
                "parent": request.parent,
                "issuer": request.issuer,
                "summary": letter.summary,
                "signer_title": letter.signer_block[-1],
                "signer_block": list(letter.signer_block),
                "signer_name": letter.signer_name,
                "seal_pages": printed[-1:],
                "signature_pages": printed[-1:],
            }
        )
    document = {"ma_ho_so": request.ma_ho_so, "documents": entries}
    return unicodedata.normalize("NFC", json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Delete pages a previous, longer or other-format run left, so the folder is this run's."""
    ours = re.compile(
        r"\d{4}\.(png|jpg|tif)|page-\d{4}\.txt|" + re.escape(folder.name) + r"\.(tif|pdf)"
    )
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name not in keep and ours.fullmatch(path.name):
            path.unlink()
