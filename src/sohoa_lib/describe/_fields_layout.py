"""A first page's fields read from its regions (Decree 30/2020/NĐ-CP layout), using word boxes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from sohoa_lib.common.text import fold, key
from sohoa_lib.common.vndates import parse_vn_date
from sohoa_lib.describe._fields import (
    _STOP,
    _VV,
    CLEAN,
    FIELD_KEYS,
    MISSING,
    NOISY,
    Field,
    _fold_map,
    _symbol_part,
    _type_names,
    is_motto,
    is_upper,
)
from sohoa_lib.describe._fields_issuer import read_issuer
from sohoa_lib.describe._wordcheck import is_noise
from sohoa_lib.describe.boxes import Columns, Line, Word, columns, joined, rows_of, stacked
from sohoa_lib.records.codes import names

HEADER_SHARE = 0.45
"""The header (issuer, motto, Số, date, title) sits in this top share of the sheet's height
(the text's height, or 1.8 text widths on a short page)."""

# `Số:` opening a line (OCR: `Sô:`, `S6:`, `Sô`); `Quyết định số:` in 1990s layouts.
_LABEL = re.compile(r"\W{0,3}(s) ?[o0-9]\s*([:;.,]?)\s*")
# The place-and-date line, folded: the place, `ngày`, then day, month and year as read. The day
# may be lost or garbled (handwritten); everything must open the line, so a citation
# (`Căn cứ Luật … ngày 19/6/2015`) never matches.
_DATE_LINE = re.compile(
    r"\W{0,2}(?P<place>[^\W\d][^\d,]{0,40}?)?\s*[,.]?\s*nga ?[yv](?![a-z])\s*(?P<d>[^\s]{0,4}?)"
    r"\s*[,.]?\s*thang\s*(?P<m>[^\s]{1,3}?)\s*[,.]?\s*nam\s*(?P<y>[^\s]{4})"
)
_DIGIT_LIKE = str.maketrans("OoIl|Øøđ", "00111000")
# How the reasons of a number or a day OCR could not read cleanly open: the blank they were
# written into is read again by `_handwritten`.
NUMBER_NOISY = "số đọc qua nhiễu"
NUMBER_HAND = "số viết tay vào chỗ trống trước ký hiệu"
NUMBER_UNREAD = "không đọc được số (để trống hoặc viết tay)"
DAY_UNREAD = "không đọc được ngày (viết tay?)"
DAY_NOISY = "ngày đọc qua nhiễu"


@dataclass(frozen=True)
class Read:
    """The first page's fields and, for each, the words it was read from."""

    fields: dict[str, Field]
    words: dict[str, tuple[Word, ...]]


def read_first_page(lines: Sequence[Line]) -> Read:
    """Every first-page field of FIELD_KEYS from its own region of the page."""
    fields = dict.fromkeys(FIELD_KEYS, MISSING)
    words: dict[str, tuple[Word, ...]] = {}
    # The `Số:` line keeps its unread handwritten number (a noise-like word) all the same.
    kept = [
        ln for ln in lines if not is_noise(ln) or (_LABEL.match(fold(ln.text)) and ":" in ln.text)
    ]
    if not kept:
        return Read(fields, words)
    cols = columns(kept)
    top, bottom = min(ln.y0 for ln in kept), max(ln.y1 for ln in kept)
    # A short page (a contract's first lines) still has its header in the top of the sheet: an
    # A4 sheet is about 1.8 text widths high.
    limit = top + HEADER_SHARE * max(bottom - top, 1.8 * cols.width)
    header = [ln for ln in kept if ln.y0 < limit]
    title = _title(header, cols)
    so = _so(header, cols, title)
    if so:
        _line, number, symbol, type_label, number_words, symbol_words = so
        clean = number.isdigit()
        digits = number.translate(_DIGIT_LIKE)
        digits = "".join(c for c in digits if c.isdigit()) or None
        fields["so"] = Field(digits, CLEAN if clean else NOISY, "dòng Số:")
        fields["ky_hieu"] = Field(symbol, CLEAN, "dòng Số:")
        if not clean and digits:
            fields["so"] = Field(digits, NOISY, "dòng Số:", f"{NUMBER_NOISY}: «{number}»")
        elif digits and not set(number_words) & set(symbol_words):
            # Typed `Số: 125/QĐ-…` joins number and slash; a number written by hand into the
            # blank left before `/…` stands apart, and handwriting is where OCR misreads
            # with confidence (299 read 899 at 90 on a real scan).
            why = f"{NUMBER_HAND}: cần đối chiếu bản giấy"
            fields["so"] = Field(digits, fields["so"].confidence, "dòng Số:", why)
        if not digits:
            why = f"{NUMBER_UNREAD}: cần đối chiếu bản giấy"
            fields["so"] = Field(None, 0.0, "dòng Số:", why)
        words["so"], words["ky_hieu"] = number_words, symbol_words
        if type_label:
            fields["ten_loai"] = Field(type_label, CLEAN, "nhãn Số: của văn bản cũ")
    if title is None:
        title = _garbled_title(header, cols, fields["ky_hieu"].value)
        if title:
            why = f"tên loại đọc «{title[0].text}», đọc theo ký hiệu «{fields['ky_hieu'].value}»"
            fields["ten_loai"] = Field(title[1], NOISY, "dòng tên loại và ký hiệu", why)
    elif title:
        fields["ten_loai"] = Field(title[1], 0.95, "dòng tên loại")
        words["ten_loai"] = title[0].words
    anchor = so[0] if so else None
    stop = _header_stop(header, anchor, title)
    issuer = read_issuer([ln for ln in header if ln.y1 <= stop and cols.side(ln) == "left"])
    if issuer:
        fields["co_quan_ban_hanh"], words["co_quan_ban_hanh"] = issuer
    elif not any(is_motto(fold(ln.text)) and cols.side(ln) == "right" for ln in header):
        fields["co_quan_ban_hanh"] = Field(
            None, 0.0, "không tìm thấy", "không có khối cơ quan ban hành ở góc trên bên trái"
        )
    date = _date(header, cols, anchor, title)
    if date:
        for k, (field, used) in date.items():
            fields[k], words[k] = field, used
    summary = _summary(kept, cols, anchor, title)
    if summary:
        fields["trich_yeu"], words["trich_yeu"] = summary
        if fields["ten_loai"].value is None and summary[0].source == "dòng V/v":
            # A Công văn prints no type name: its `V/v` line under the number stands for it.
            fields["ten_loai"] = Field("Công văn", NOISY, "dòng V/v, không có tên loại")
    return Read(fields, words)


def _title(header: Sequence[Line], cols: Columns) -> tuple[Line, str] | None:
    """The centred upper-case type title (`TỜ TRÌNH`, `HỢP ĐỒNG LAO ĐỘNG`), above or below Số."""
    for line in header:
        text = line.text.strip()
        if not is_upper(text) or text.endswith(":") or cols.side(line) != "centre":
            continue
        if is_motto(fold(text)):
            continue
        keyed = key(text)
        name = next((n for k, n in _type_names() if keyed == k or keyed.startswith(k + " ")), None)
        if name:
            return line, name
    return None


def _garbled_title(header: Sequence[Line], cols: Columns, symbol: str | None):
    """A centred upper-case line that is the type named by the ký hiệu, read with OCR damage
    (`CHỈTH -` for CHỈ THỊ): letters within a small edit distance, spaces ignored."""
    if not symbol:
        return None
    table = names("ten_loai_van_ban")
    code = symbol.replace("/", "-").split("-")
    name = next((table[c] for c in code if c in table and c != "CV"), None)
    if name is None:
        return None
    target = key(name).replace(" ", "")
    for line in header:
        text = line.text.strip()
        if cols.side(line) != "centre" or not is_upper(text) or is_motto(fold(text)):
            continue
        if fuzz.ratio(key(text).replace(" ", ""), target) >= 80:
            return line, name
    return None


def _so(header: Sequence[Line], cols: Columns, title):
    """The document's own `Số: 01/TTr-UBND` line: it opens a left or centred line in the
    header, above the title or just under it (a contract's), never a citation in the body."""
    for row in rows_of(header):
        for side in ("left", "centre"):
            group = [ln for ln in row if cols.side(ln) == side]
            if not group:
                continue
            line = joined(group)
            if title and line.y0 > title[0].y1 + 4 * (title[0].y1 - title[0].y0):
                return None
            found = _parse_so(line)
            if found:
                return (line, *found)
    return None


def _parse_so(line: Line):
    """(number as read, ký hiệu, type named by the label, number words, symbol words)."""
    text = line.text
    folded, where = _fold_map(text)
    type_label = None
    start = 0
    # `Quyết định số: 12/QĐ-UB`: the 1990s label names the type.
    for k, name in _type_names():
        if key(text).startswith(k + " so"):
            type_label, start = name, len(" ".join(text.split()[: len(k.split())])) + 1
            break
    label = _LABEL.match(folded, start)
    if not label:
        return None
    # Without a colon only a capital `Số` opens a number line; `Quyết định số 595/…` without
    # one is a citation that a line happens to open with.
    if not label.group(2) and (type_label or text[where[label.start(1)]] != "S"):
        return None
    after = where[label.end()] if label.end() < len(where) else len(text)
    slash = text.find("/", after)
    if slash < 0:
        return None
    number = text[after:slash].strip()
    # The number may be lost (handwritten, unread); a long run before the slash is no number.
    if len(number) > 8:
        return None
    # OCR may put a quote or a speck between the slash and the symbol (`/“UBND-TTHC`).
    tail = text[slash + 1 :].lstrip(" “”\"'‘’`.,")
    sym = re.match(r"[^\W_]+(?:\s*[-/–—]\s*[^\W_]+)*", tail)
    if not sym:
        return None
    pieces = re.split(r"(\s*[-/–—]\s*)", sym.group(0))
    count = 0
    while count < len(pieces) and _symbol_part(pieces[count]):
        count += 2
    if count == 0:
        return None
    kept = pieces[: count - 1]
    symbol = "".join(p if i % 2 == 0 else "/" if "/" in p else "-" for i, p in enumerate(kept))
    sym_start = len(text) - len(tail)
    sym_end = sym_start + len("".join(kept))
    return (
        number,
        symbol,
        type_label,
        _words_in(line, after, slash),
        _words_in(line, slash, sym_end),
    )


def _words_in(line: Line, start: int, end: int) -> tuple[Word, ...]:
    """The line's words overlapping characters start..end of its text."""
    out, at = [], 0
    for word in line.words:
        if at < end and at + len(word.text) > start:
            out.append(word)
        at += len(word.text) + 1
    return tuple(out)


def _header_stop(header: Sequence[Line], anchor: Line | None, title) -> float:
    """Where the issuer's block ends: the Số line, else the title, else the header's end."""
    if anchor is not None:
        return anchor.y0 + 1
    if title is not None:
        return title[0].y0
    return max(ln.y1 for ln in header) + 1


def _date(header: Sequence[Line], cols: Columns, anchor: Line | None, title):
    """Ngày and nơi ban hành from the place-and-date line only: right of the Số line or under a
    contract's number, above the title of a document whose title is under it."""
    sided = [ln for ln in header if cols.side(ln) != "left"]
    for i, single in enumerate(sided):
        if title and anchor is not None and title[0].y0 > anchor.y0 and single.y0 >= title[0].y0:
            break
        # A narrow column may break the line (`Hà Nội, ngày 27` / `tháng 02 năm 2025`).
        after = sided[i + 1] if i + 1 < len(sided) else None
        close = after is not None and after.y0 - single.y1 < single.y1 - single.y0
        for line in (single, stacked([single, after]) if close else None):
            if line is None:
                continue
            text = line.text
            folded, where = _fold_map(text)
            match = _DATE_LINE.match(folded)
            if match:
                break
        if not match:
            continue
        day, month, year = (_digits(match[g]) for g in "dmy")
        raw = (match["d"], match["m"], match["y"])
        start = where[match.start("d")] if match["d"] else where[match.start("m")]
        used = _words_in(line, max(0, start - 6), len(text))
        out = {}
        if match["place"]:
            place_end = where[match.end("place") - 1] + 1
            place = text[:place_end].strip(" ,.")
            if place and all(w[0].isupper() or fold(w) in _PLACE_WORDS for w in place.split()):
                out["noi_ban_hanh"] = (Field(place, 0.9, "dòng địa danh, ngày tháng"), ())
        if not (month and year and len(year) == 4):
            return out
        if not day:
            iso = f"{year}-{int(month):02d}" if 1 <= int(month) <= 12 else None
            reason = f"{DAY_UNREAD}: chỉ có tháng và năm"
            # The month and year left are as doubtful as a day when read through noise (`1]`
            # for a printed 11 next to a handwritten day).
            if not all(r.isdigit() for r in raw[1:]):
                reason += f"; tháng năm đọc qua nhiễu: «{' / '.join(raw[1:])}»"
            out["ngay"] = (Field(iso, 0.3, "dòng địa danh, ngày tháng", reason), used)
            return out
        try:
            date = parse_vn_date(f"ngày {day} tháng {month} năm {year}")
        except ValueError:
            reason = f"ngày tháng không hợp lệ: «{' '.join(raw)}»"
            out["ngay"] = (Field(None, 0.0, "dòng địa danh, ngày tháng", reason), used)
            return out
        clean = all(r.isdigit() for r in raw)
        reason = "" if clean else f"{DAY_NOISY}: «{' / '.join(raw)}»"
        conf = CLEAN if clean else NOISY
        out["ngay"] = (Field(date.iso(), conf, "dòng địa danh, ngày tháng", reason), used)
        return out
    return None


_PLACE_WORDS = frozenset(["pho", "xa", "thi", "tran", "huyen", "tinh", "quan", "thanh"])


def _digits(token: str | None) -> str:
    """The digits a token was read as (`Ø3` → 03, `{5` → 5); "" when it holds none."""
    if not token:
        return ""
    return "".join(c for c in token.translate(_DIGIT_LIKE) if c.isdigit())


def _summary(lines, cols: Columns, anchor: Line | None, title):
    """Trích yếu: the centred lines under the title, or a Công văn's `V/v` lines under Số."""
    ordered = [ln for row in rows_of(lines) for ln in row]
    if title is not None:
        below = [ln for ln in ordered if ln.y0 > title[0].y0 and ln is not title[0]]
        if anchor is not None and anchor.y0 > title[0].y0:
            below = [ln for ln in below if ln.y0 > anchor.y1]  # a contract's Số under its title
        taken, doubt = _collect(below, cols, "centre")
        source = "dòng sau tên loại"
    else:
        if anchor is None:
            return None
        below = [ln for ln in ordered if ln.y0 > anchor.y0 and cols.side(ln) == "left"]
        if not below or not _VV.match(fold(below[0].text)):
            return None
        taken, doubt = _collect(below, cols, "left")
        source = "dòng V/v"
    if not taken:
        return None
    text = " ".join(" ".join(ln.text for ln in taken).split())
    folded = fold(text)
    if source == "dòng V/v":
        rest = text[_VV.match(folded).end() :].lstrip(" :")
        text = f"V/v {rest}"
    elif re.match(r"v\w{0,2} viec ", folded):
        # `Về việc` is a fixed opener; OCR reads its first word as `và`, `Vé`, `Vẻ`.
        text = "Về việc " + text.split(" ", 2)[2]
    return Field(text, 0.85, source, doubt), tuple(w for ln in taken for w in ln.words)


def _collect(lines: Sequence[Line], cols: Columns, side: str) -> tuple[list[Line], str]:
    """Summary lines from the first, on its side, until the body, `Kính gửi` or a wide gap;
    and a reason when the line that stopped it sits as close as a summary's next line would
    (OCR may have cut it, or joined it to a stamp beside it)."""
    if not lines:
        return [], ""
    # Under the issuer's name in running text (`BHXH tỉnh … thông báo`) the body begins; the
    # layout tells it apart (an indented or full-width line after a gap), not the words.
    taken = [lines[0]]
    height = max(1, lines[0].y1 - lines[0].y0)
    upper = is_upper(lines[0].text)
    for line in lines[1:5]:
        if _STOP.match(fold(line.text)) or is_upper(line.text) != upper:
            break
        gap = line.y0 - taken[-1].y1
        if cols.side(line) != side or cols.full(line) or gap > 1.6 * height:
            if gap < height and len(taken) < 4:
                return taken, f"dòng ngay dưới có thể là phần tiếp của trích yếu: «{line.text}»"
            break
        taken.append(line)
    return taken, ""
