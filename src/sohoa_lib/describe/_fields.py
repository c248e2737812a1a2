"""Fields of one administrative document read from its OCR text: số, ký hiệu, date, type, signer."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from sohoa_lib.common.text import fold, key
from sohoa_lib.describe.boxes import Line, Word
from sohoa_lib.records.codes import names

FIELD_KEYS = (
    "ten_loai",
    "so",
    "ky_hieu",
    "ngay",
    "noi_ban_hanh",
    "co_quan_ban_hanh",
    "trich_yeu",
    "chuc_vu_nguoi_ky",
    "nguoi_ky",
)
"""Document-level metadata (SPEC §2) read from the text, in catalogue order."""

TOP_LINES = 12
"""Non-empty lines at the top of a page where a document's header sits."""

# Confidence of a value found by each kind of evidence, before the page's OCR quality scales it.
CLEAN, NOISY, FALLBACK = 0.95, 0.8, 0.55


@dataclass(frozen=True)
class Field:
    """One extracted metadata value and how sure the extraction is."""

    value: str | None
    confidence: float
    """0–1; 0 when nothing was found."""
    source: str
    """How the value was found (`dòng Số:`, `quốc hiệu`, `danh mục văn bản`, …), Vietnamese."""
    reason: str = ""
    """Why a cataloguer must look at this value (Vietnamese), empty when nothing is in doubt.
    A field with a reason is flagged whatever its confidence, and is not signed unreviewed."""
    region: Region | None = dataclasses.field(default=None, compare=False)
    """Where the value was read (page and the union of its words' boxes); None when no words are
    behind it (nothing read, text without boxes, or the page's size unknown). Not part of
    equality: the same value read from another spot is the same value."""


class Region(NamedTuple):
    """Where on which page a field was read: the union of its words' boxes."""

    page: int
    """1-based page number in the file."""
    box: tuple[float, float, float, float]
    """Left, top, right, bottom as shares (0–1) of the page's width and height, so the same on
    the scan, its OCR working copy and the PDF/A's page image whatever their resolution."""

    @classmethod
    def of(cls, page: int, words: Sequence[Word], size: tuple[int, int]) -> Region | None:
        """The words' union box on a page of `size` (width, height) pixels; None without words."""
        width, height = size
        if not words or width <= 0 or height <= 0:
            return None
        x0, y0 = min(w.x0 for w in words), min(w.y0 for w in words)
        x1, y1 = max(w.x1 for w in words), max(w.y1 for w in words)
        # Rounded outwards to 1/10000, so the box never cuts into its words.
        low = [math.floor(v * 10_000) / 10_000 for v in (x0 / width, y0 / height)]
        high = [math.ceil(v * 10_000) / 10_000 for v in (x1 / width, y1 / height)]
        left, top, right, bottom = (min(max(v, 0.0), 1.0) for v in (*low, *high))
        return cls(page, (left, top, right, bottom))


@dataclass(frozen=True)
class PageInfo:
    """One page of a scanned file as the OCR and image checks saw it."""

    number: int
    """1-based position in the file."""
    text: str
    """OCR text, NFC, lines as Tesseract broke them."""
    ocr_confidence: float = -1.0
    """Mean word confidence, 0–100; -1 when unknown (text not from OCR)."""
    seal: bool = False
    """A seal (con dấu) was found on the page image."""
    signature: bool = False
    """A handwritten signature was found on the page image."""
    lines: tuple[Line, ...] = ()
    """The page's lines with their word boxes and confidences (layout.lines_from_tsv of the OCR
    working copy's TSV); empty when the text came from elsewhere, and then fields are read from
    the text alone."""
    size: tuple[int, int] | None = None
    """Width and height in pixels of the image the word boxes refer to (the OCR working copy,
    `layout.page_size`); None when unknown, and then no field gets a region."""
    image_path: Path | None = None
    """The scan the page was read from, for a second reading of a field's region; None when
    there is no image (text from elsewhere), and then no region is read again."""
    page_index: int = 0
    """0-based page within `image_path` (a multi-page TIFF or PDF)."""
    dpi: float = 0.0
    """The scan's resolution (as checked)."""
    ocr_dpi: float = 0.0
    """Resolution of the working copy the word boxes in `lines` refer to (they map to the scan
    by `dpi / ocr_dpi`); 0 when unknown."""


MISSING = Field(None, 0.0, "không tìm thấy")


class SoKyHieu(NamedTuple):
    """A `Số: 1838/KH-BHXH` line taken apart."""

    number: str
    symbol: str
    clean: bool
    """False when OCR noise had to be read through (`S6:`, a missing colon, `O` for `0`)."""
    labelled: bool
    """The label has its colon (`Số:`), as a document's own number line has."""
    end: int
    """Index in the line just after the symbol (the date line often follows on the same line)."""


# The "Số:" label on folded text: Tesseract reads ố as ô, ó, 6 or 0, and may drop the colon.
_SO_LABEL = re.compile(r"[^\w\n]{0,3}(s) ?([o0-9])\s*([:;.,]?)\s*")
_NUMBER = r"(?P<num>[0-9OoIl|]{1,6})"
# Symbol parts are joined by - or / (OCR adds spaces around them); a space ends the symbol, so
# the place of the date line that follows on the same line stays out of it.
_PART = r"[^\W_]+"
_SO_BODY = re.compile(rf"{_NUMBER}\s*/\s*(?P<sym>{_PART}(?:\s*[-/–—]\s*{_PART})*)")
_DIGITS = str.maketrans("OoIl|", "00111")


def _words(text: str) -> list[str]:
    return text.split()


_MOTTO = (
    re.compile(r"cong ?hoa ?xa ?hoi"),
    re.compile(r"chu ?nghia ?viet ?nam"),
    re.compile(r"doc ?lap\W*tu ?do\W*hanh ?phuc"),
)
# Folded starts of the bodies that issue documents; a header line that starts otherwise
# (`TỈNH BẮC NINH`) continues the body named on the line above.
_BODY_HEADS = (
    "bao hiem xa hoi", "uy ban nhan dan", "hoi dong nhan dan", "hoi dong", "bo", "so", "cuc",
    "chi cuc", "tong cuc", "trung tam", "ban", "vu", "van phong", "phong", "vien", "benh vien",
    "truong", "cong ty", "tong cong ty", "ngan hang", "kho bac", "thanh tra", "dang uy",
    "cong doan", "doan", "toa an", "chinh phu", "hoc vien", "dai hoc",
)  # fmt: skip
# Header words OCR often misreads in their tone marks; the spelling to restore when the folded
# word matches (place names are left as read: a fold there could mean two places).
_HEADER_WORDS = {
    fold(w): w
    for w in _words(
        "BẢO HIỂM XÃ HỘI VIỆT NAM ỦY BAN NHÂN DÂN TỈNH THÀNH PHỐ HUYỆN THỊ XÃ KHU VỰC "
        "TRUNG TÂM LƯU TRỮ VĂN PHÒNG"
    )
}
_TITLE_PREFIX = re.compile(r"(kt|tm|tl|tuq|q)\.")
_STOP = re.compile(
    r"(can cu|kinh gui|thuc hien|xet |theo de nghi|tren co so|dieu [0-9]|quyet dinh:|noi nhan"
    r"|(?:[ivx]+|[0-9]+)\. )"
)
# `V/v` (về việc) on folded text, as OCR reads it: `V/V`, `Vv`, `V.v`, `V/ ` with the v lost.
_VV = re.compile(r"[^\w\n]{0,3}v ?(?:[/|\\] ?v?|\.? ?v)(?!\w)")
# On folded text; the date line may break anywhere (`Hà Nội, ngày 27` / `tháng 02 năm 2025`).
_DATE = re.compile(
    r"nga ?[yv]\s*(?P<d>[0-9oil|]{1,2})\s*[,.]?\s*thang\s*(?P<m>[0-9oil|]{1,2})\s*[,.]?\s*"
    r"nam\s*(?P<y>[0-9oil|]{4})"
)
_PLACE_WORDS = frozenset(_words("pho xa thi tran huyen tinh quan"))
_DMY = re.compile(r"\b(?P<d>[0-9]{1,2})/(?P<m>[0-9]{1,2})/(?P<y>[0-9]{4})\b")


def parse_so(line: str) -> SoKyHieu | None:
    """`Số: 1838/KH-BHXH` (OCR forms too: `Sô:`, `S6:`, `So 1838 / KH - BHXH`) → số and ký hiệu.

    The label must open the line, so `Quyết định số 458/QĐ-TTg` in running text is not a match.
    Without a colon the S must be a capital. Ký hiệu is everything after the first slash
    (`89/2020/NĐ-CP` → `89`, `2020/NĐ-CP`).
    """
    line = _repair(line)
    folded, where = _fold_map(line)
    label = _SO_LABEL.match(folded)
    if not label:
        return None
    start = where[label.end()] if label.end() < len(where) else len(line)
    if not label.group(3) and line[where[label.start(1)]] != "S":
        return None
    body = _SO_BODY.match(line, start)
    if not body:
        return None
    pieces = re.split(r"(\s*[-/–—]\s*)", body["sym"])  # part, separator, part, …
    count = 0
    while count < len(pieces) and _symbol_part(pieces[count]):
        count += 2
    if count == 0 or not any(c.isdigit() for c in body["num"]):
        return None
    kept = pieces[: count - 1]
    symbol = "".join(p if i % 2 == 0 else "/" if "/" in p else "-" for i, p in enumerate(kept))
    number = body["num"].translate(_DIGITS)
    clean = label.group(2) == "o" and bool(label.group(3)) and number == body["num"]
    end = body.start("sym") + len("".join(kept))
    return SoKyHieu(number, symbol, clean, bool(label.group(3)), end)


def _symbol_part(part: str) -> bool:
    """An abbreviation (`BHXH`, `TTr`, `QyĐ`, `2020`), not a capitalised word such as `Bắc`."""
    upper = sum(c.isupper() for c in part)
    return part.isdigit() or (upper > 0 and upper * 2 >= len(part))


def _fold_map(text: str) -> tuple[str, list[int]]:
    """Folded text and, for each folded character, its index in `text` (for cutting originals)."""
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        folded = fold(char)
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


def nonblank(text: str) -> list[str]:
    """The page's lines with text, trimmed and repaired."""
    return [line.strip() for line in _repair(text).splitlines() if line.strip()]


def _repair(text: str) -> str:
    """The text with OCR artefacts that no reading needs undone."""
    # Tesseract reads a bold Đ as Đ followed by the look-alike Icelandic Ð (U+00D0).
    return text.replace("ĐÐ", "Đ").replace("Ð", "Đ").replace("đð", "đ").replace("ð", "đ")


def ocr_factor(confidence: float) -> float:
    """How much a page's OCR quality scales the confidence of what was read on it.

    Tesseract's mean word confidence is about 90 on a clean page; below 85 a field read there
    is doubted in proportion, and never trusted less than 0.3 of a clean read.
    """
    if confidence < 0:
        return 1.0
    return max(0.3, min(1.0, confidence / 85))


def is_motto(folded: str) -> bool:
    """Whether folded text holds part of the national motto (quốc hiệu and tiêu ngữ)."""
    return any(p.search(folded) for p in _MOTTO)


def is_upper(text: str) -> bool:
    """Whether the text's letters (two at least) are all capitals, as headers and titles are."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def body_header(line: str) -> bool:
    """An upper-case line naming a body (`BẢO HIỂM XÃ HỘI …`, `ỦY BAN NHÂN DÂN …`)."""
    stripped = _strip_motto(line)
    words = stripped.split()
    # Sở (a department) and Số (number) fold alike; `SỐ HÓA …` names no body.
    return is_upper(stripped) and len(words) >= 2 and words[0] != "SỐ" and _head(key(stripped))


def _head(keyed: str) -> bool:
    """Whether a key (`_text.key`) opens with a body's name (`bao hiem xa hoi …`)."""
    return any(keyed == h or keyed.startswith(h + " ") for h in _BODY_HEADS)


def _strip_motto(line: str) -> str:
    """The line without the national motto's words, which the OCR puts beside the issuer."""
    folded, where = _fold_map(line)
    keep = [True] * len(line)
    for pattern in _MOTTO:
        for match in pattern.finditer(folded):
            last = where[match.end() - 1]
            for i in range(where[match.start()], last + 1):
                keep[i] = False
    text = "".join(c for c, k in zip(line, keep, strict=True) if k)
    # Rules under the header blocks come out as runs of dashes or underscores.
    text = re.sub(r"[-_=~]{3,}", " ", text)
    return " ".join(text.split()).strip(" -.,;:_=~")


# Shared by both readers -------------------------------------------------------------------


def scaled(field: Field, factor: float) -> Field:
    """The field with its confidence scaled by the page's OCR quality (see ocr_factor)."""
    if field.value is None:
        return Field(None, 0.0, field.source, field.reason)
    return Field(field.value, round(field.confidence * factor, 3), field.source, field.reason)


def _leading_upper(text: str) -> str:
    """The upper-case words opening the line; OCR may read the rule under a block as junk after."""
    run: list[str] = []
    for word in text.split():
        letters = [c for c in word if c.isalpha()]
        if letters and not all(c.isupper() for c in letters):
            break
        run.append(word)
    joined = " ".join(run).strip(" -.,;:")
    return joined if is_upper(joined) else ""


@cache
def _type_names() -> list[tuple[str, str]]:
    """(key of the name, name) of each tên loại in codes.yaml, longest first."""
    pairs = [(key(n), n) for n in names("ten_loai_van_ban").values()]
    return sorted(pairs, key=lambda p: -len(p[0]))


def _type_of_code(code: str) -> str | None:
    """The tên loại of a symbol's leading part (`QĐ` → Quyết định); folded only if unambiguous."""
    table = names("ten_loai_van_ban")
    if code in table:
        return table[code]
    # HD is Hướng dẫn and HĐ Hợp đồng: a folded match counts only when it names one type.
    loose = {n for c, n in table.items() if key(c) == key(code)}
    return loose.pop() if len(loose) == 1 else None
