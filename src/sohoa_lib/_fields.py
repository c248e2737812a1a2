"""Fields of one administrative document read from its OCR text: số, ký hiệu, date, type, signer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from ._text import fold, key
from ._vndates import parse_vn_date
from .codes import names
from .layout import Line

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


# Extraction --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    """The first page's lines, its `Số:` line and where the header ends."""

    lines: list[str]
    anchor: int | None
    """The `Số:` line, or the date line when OCR lost the `Số:` line: the header is above it,
    the title below it."""
    so: SoKyHieu | None


def text_fields(lines: list[str]) -> dict[str, Field]:
    """The first page's fields read from its text alone (no word boxes): the fallback reader."""
    fields = dict.fromkeys(FIELD_KEYS, MISSING)
    header = _header(lines)
    fields.update(_number_fields(header))
    fields["ten_loai"], title_at = _type(header)
    fields["co_quan_ban_hanh"] = _issuer(header, title_at)
    fields.update(_date_fields(header, title_at))
    fields["trich_yeu"] = _summary(header, title_at, fields["co_quan_ban_hanh"].value)
    if fields["ten_loai"].value is None and fields["trich_yeu"].source == "dòng V/v":
        # A Công văn prints no type name: its `V/v` line stands for it.
        fields["ten_loai"] = Field("Công văn", NOISY, "dòng V/v, không có tên loại")
    return fields


def scaled(field: Field, factor: float) -> Field:
    """The field with its confidence scaled by the page's OCR quality (see ocr_factor)."""
    if field.value is None:
        return Field(None, 0.0, field.source, field.reason)
    return Field(field.value, round(field.confidence * factor, 3), field.source, field.reason)


def _header(lines: list[str]) -> _Header:
    """Find the `Số:` line among the top lines (a web copy may put a preamble above them)."""
    top = lines[: TOP_LINES * 3]
    for i, line in enumerate(top):
        found = parse_so(line)
        if found:
            return _Header(lines, i, found)
    dated = next((i for i, line in enumerate(top) if _DATE.search(fold(line))), None)
    return _Header(lines, dated, None)


def _number_fields(header: _Header) -> dict[str, Field]:
    if header.so:
        conf = CLEAN if header.so.clean else NOISY
        return {
            "so": Field(header.so.number, conf, "dòng Số:"),
            "ky_hieu": Field(header.so.symbol, conf, "dòng Số:"),
        }
    # No label: the first `123/QĐ-BHXH` at the top, which may as well be a cited document's.
    pattern = re.compile(r"(?<![\w/])([0-9]{1,5}) ?/ ?([A-ZĐ][A-Za-zĐ]*(?: ?- ?[A-ZĐ][A-Za-zĐ]*)+)")
    for line in header.lines[:TOP_LINES]:
        if match := pattern.search(line):
            return {
                "so": Field(match[1], FALLBACK, "mẫu số/ký hiệu"),
                "ky_hieu": Field(match[2].replace(" ", ""), FALLBACK, "mẫu số/ký hiệu"),
            }
    return {}


def _date_fields(header: _Header, title_at: int | None) -> dict[str, Field]:
    """`Hà Nội, ngày 08 tháng 7 năm 2022` beside or under `Số:` → 2022-07-08 and Hà Nội."""
    if header.anchor is None:
        start, stop = 0, title_at if title_at is not None else TOP_LINES
    else:
        start = max(0, header.anchor - 4)
        # Up to the title: below it, `Căn cứ … ngày … tháng … năm …` cites other documents.
        stop = title_at if title_at is not None else header.anchor + 4
    lines = header.lines[start:stop]
    if header.so is not None:
        at = header.anchor - start
        lines[at] = " " * header.so.end + lines[at][header.so.end :]
    text = "\n".join(lines)
    folded, where = _fold_map(text)
    for match in _DATE.finditer(folded):
        day, month, year = (match[g].translate(_DIGITS) for g in "dmy")
        try:
            date = parse_vn_date(f"ngày {day} tháng {month} năm {year}")
        except ValueError:
            continue
        noisy = (day, month, year) != (match["d"], match["m"], match["y"])
        fields = {"ngay": Field(date.iso(), NOISY if noisy else CLEAN, "dòng ngày tháng năm")}
        place = _place(text[: where[match.start()]])
        if place:
            fields["noi_ban_hanh"] = Field(place, 0.9, "dòng ngày tháng năm")
        return fields
    for line in lines:
        if match := _DMY.search(line):
            try:
                date = parse_vn_date(match[0])
            except ValueError:
                continue
            return {"ngay": Field(date.iso(), FALLBACK, "ngày dạng số")}
    return {}


def _place(before: str) -> str | None:
    """`Bắc Ninh` from `… Bắc Ninh, ` (the text before `ngày` on its line, or the line above)."""
    lines = before.split("\n")
    text = lines[-1].strip(" ,.")
    if not text and len(lines) > 1:
        text = lines[-2].strip(" ,.")
    tail: list[str] = []
    # The capitalised words that end the text (`Thành phố` may join them): the place, not
    # left-column words before it.
    for word in reversed(text.split()[-6:]):
        if not (word.isalpha() and (word[0].isupper() or fold(word) in _PLACE_WORDS)):
            break
        tail.insert(0, word)
    while tail and not tail[0][0].isupper():
        tail.pop(0)
    return " ".join(tail) or None


def _issuer(header: _Header, title_at: int | None) -> Field:
    """The issuing body: the last body named in the upper-case header lines above `Số:`."""
    stop = next((i for i in (header.anchor, title_at) if i is not None), TOP_LINES // 2)
    bodies: list[list[str]] = []
    for line in header.lines[max(0, stop - 10) : stop]:
        text = _leading_upper(_strip_motto(line))
        if not text or _TITLE_PREFIX.match(fold(text)):
            continue
        if _head(key(text)) or not bodies:
            bodies.append([text])
        else:
            bodies[-1].append(text)
    if not bodies:
        return MISSING
    issuer = " ".join(_HEADER_WORDS.get(fold(w), w) for w in " ".join(bodies[-1]).split())
    conf = 0.9 if _head(key(issuer)) else FALLBACK
    return Field(issuer, conf, "tiêu đề cơ quan ban hành")


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


def _type(header: _Header) -> tuple[Field, int | None]:
    """Tên loại from the upper-case title line, checked against the symbol's leading part."""
    start = header.anchor + 1 if header.anchor is not None else 0
    title, title_at = None, None
    for i in range(start, min(len(header.lines), start + 8)):
        line = header.lines[i]
        # `QUYẾT ĐỊNH:` with a colon opens the articles of a decision; it is not its title.
        if not is_upper(line) or line.rstrip().endswith(":"):
            continue
        keyed = key(line)
        title = next((n for k, n in _type_names() if keyed == k or keyed.startswith(k + " ")), None)
        if title:
            title_at = i
            break
    coded = None
    if header.so:
        code = header.so.symbol.rsplit("/", 1)[-1].split("-")[0]
        coded = _type_of_code(code)
    if title and coded:
        agree = title == coded
        return Field(title, 0.97 if agree else 0.7, "tên loại và ký hiệu"), title_at
    if title:
        return Field(title, 0.9, "dòng tên loại"), title_at
    if coded:
        return Field(coded, NOISY, "ký hiệu"), None
    return MISSING, None


def _summary(header: _Header, title_at: int | None, issuer: str | None) -> Field:
    """Trích yếu: the lines under the title, or a Công văn's `V/v …` lines."""
    lines = header.lines
    if title_at is None:
        start = header.anchor if header.anchor is not None else 0
        for i in range(start, min(len(lines), start + 6)):
            if _VV.match(fold(lines[i])):
                text = _collect(lines, i, issuer)
                # Printed as `V/v …` whatever OCR made of the label (`'V/ …`, `V/V: …`).
                rest = text[_VV.match(fold(text)).end() :].lstrip(" :")
                exact = text.startswith("V/v ")
                return Field(f"V/v {rest}", 0.85 if exact else NOISY, "dòng V/v")
        return MISSING
    if title_at + 1 >= len(lines):
        return MISSING
    opener = fold(lines[title_at + 1])
    conf = 0.85 if opener.startswith(("ve viec", "v/v")) else 0.75
    return Field(_collect(lines, title_at + 1, issuer), conf, "dòng sau tên loại")


def _collect(lines: list[str], first: int, issuer: str | None) -> str:
    """The summary's lines from `first` until the body, the authority or `Kính gửi` begins."""
    taken = [lines[first]]
    upper_summary = is_upper(lines[first])
    own = _own_names(issuer)
    for line in lines[first + 1 : first + 4]:
        folded = fold(line)
        if _STOP.match(folded) or any(key(line).startswith(n) for n in own):
            break
        if is_upper(line) != upper_summary or (is_upper(line) and _title_start(line)):
            # An upper-case line under a mixed-case summary, or a title such as
            # `GIÁM ĐỐC BẢO HIỂM XÃ HỘI …`, is the authority that decides.
            break
        taken.append(line)
    return " ".join(" ".join(taken).split())


def _own_names(issuer: str | None) -> tuple[str, ...]:
    """How running text names the issuer (`bao hiem xa hoi tinh …`, `bhxh tinh …`), as keys.

    A Thông báo opens with `BHXH tỉnh Bắc Ninh thông báo …` right under its summary.
    """
    if not issuer or len(issuer.split()) < 2:
        return ()
    full = key(issuer)
    return (full, full.replace("bao hiem xa hoi", "bhxh", 1))


def _title_start(line: str) -> bool:
    words = fold(line).split()
    return bool(words) and (bool(_TITLE_PREFIX.match(words[0])) or _is_title(" ".join(words[:3])))


_TITLE_KEYS = ("giam doc", "chu tich", "truong", "chanh van phong", "chu nhiem", "bi thu")


def _is_title(folded: str) -> bool:
    return any(k in folded for k in _TITLE_KEYS) or folded.startswith("pho ")
