"""A first page's fields read from its text alone, when no word boxes came with it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sohoa_lib.common.text import fold, key
from sohoa_lib.common.vndates import parse_vn_date
from sohoa_lib.describe._fields import (
    _DATE,
    _DIGITS,
    _DMY,
    _HEADER_WORDS,
    _PLACE_WORDS,
    _STOP,
    _TITLE_PREFIX,
    _VV,
    CLEAN,
    FALLBACK,
    FIELD_KEYS,
    MISSING,
    NOISY,
    TOP_LINES,
    Field,
    SoKyHieu,
    _fold_map,
    _head,
    _leading_upper,
    _strip_motto,
    _type_names,
    _type_of_code,
    is_upper,
    parse_so,
)


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
