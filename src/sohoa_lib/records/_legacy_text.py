"""Vietnamese text typed in legacy font encodings (TCVN3/ABC, VNI, VISCII): detect and convert.

No maintained Python package converts these (PyPI has VNI input-method helpers and RAG loaders,
not a cell converter), so the tables are written here from the published charts (TCVN 5712:1993
VN3; VNI-Windows; VISCII 1.1, RFC 1456). A cell is converted only when exactly one reading gives
well-formed Vietnamese syllables and the text as stored does not; otherwise it is left alone, and
flagged when it is not well-formed either way.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

# TCVN3 (ABC): one byte per letter, lower case only (capitals came from the ".VnTimeH" fonts,
# which draw capitals at the lower-case positions). Bytes 0xA1-0xFE read the same in Latin-1
# and Windows-1252, which is how Excel shows them.
_TCVN3 = dict(
    zip(
        "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\xadõøö÷ùúýûüþ¡¢§£¤¥¦",
        "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ",
        strict=True,
    )
)

# VNI-Windows: a base letter followed by a mark character; a few letters are one character.
_VNI_MARKS = {
    "ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323",
    "â": "\u0302", "ê": "\u0306",
    "á": "\u0302\u0301", "à": "\u0302\u0300", "å": "\u0302\u0309", "ã": "\u0302\u0303",
    "ä": "\u0302\u0323",
    "é": "\u0306\u0301", "è": "\u0306\u0300", "ú": "\u0306\u0309", "ü": "\u0306\u0303",
    "ë": "\u0306\u0323",
}  # fmt: skip
_VNI_MARKS |= {k.upper(): v for k, v in _VNI_MARKS.items()}
_VNI_LETTERS = {
    "ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ",
}  # fmt: skip
_VNI_LETTERS |= {k.upper(): v.upper() for k, v in _VNI_LETTERS.items()}

# VISCII 1.1: the 134 precomposed letters, at the byte positions RFC 1456 gives.
_VISCII_BYTES = (
    "\x02\x05\x06\x14\x19\x1e\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f"
    "\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f\xa0\xa1\xa2\xa3\xa4\xa5"
    "\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xbb"
    "\xbc\xbd\xbe\xbf\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7\xc8\xc9\xca\xcb\xcc\xcd\xce\xcf\xd0\xd1"
    "\xd2\xd3\xd4\xd5\xd6\xd7\xd8\xd9\xda\xdb\xdc\xdd\xde\xdf\xe0\xe1\xe2\xe3\xe4\xe5\xe6\xe7"
    "\xe8\xe9\xea\xeb\xec\xed\xee\xef\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd"
    "\xfe\xff"
)
_VISCII_CHARS = (
    "ẲẴẪỶỸỴẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲÕắằặấầẩậẽẹếềểễệốồổỗỠƠộờởịỰỨỪỬơớƯ"
    "ÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳĐứÒÓÔạỷừửÙÚỹỵÝỡưàáâãảăữẫèéêẻìíĩỉđựòóôõỏọụùúũủýợỮ"
)

_TONES = "\u0300\u0301\u0303\u0309\u0323"
_INITIALS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "q", "r", "s", "t", "v", "x", "",
)  # fmt: skip
# Vowel groups that may take a final consonant, and those that end in a glide and may not.
_OPEN = frozenset(("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oă", "oe",
                   "uâ", "uê", "uy", "uô", "ươ", "iê", "yê", "uyê", "oo"))  # fmt: skip
_CLOSED = frozenset(("ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi",
                     "ua", "ui", "ưa", "ưi", "ưu", "iêu", "yêu", "oai", "oao", "oay", "oeo", "uây",
                     "uôi", "uya", "uyu", "ươi", "ươu", "uơ"))  # fmt: skip
_FINALS = ("ch", "ng", "nh", "c", "m", "n", "p", "t")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Reading:
    """How one cell was read: the text to use, and what was done or doubted."""

    text: str
    encoding: str | None = None
    """Legacy encoding the cell was converted from (TCVN3, VNI, VISCII); None when unchanged."""
    doubt: str = ""
    """Why the cell could not be decided (kept as stored, flagged); "" when sure."""


def read_cells(values: list[str]) -> dict[str, Reading]:
    """Each distinct cell of one file, read as stored or converted from a legacy encoding.

    A file is typed in one encoding, so a cell that reads as Vietnamese in two encodings takes
    the one that the file's unambiguous cells use, when they all agree on one.
    """
    readings: dict[str, Reading] = {}
    open_cells: dict[str, dict[str, str]] = {}
    # well_formed of the cells already tested, so the last check does not test them again.
    formed: dict[str, bool] = {}
    for value in values:
        if value in readings or value in open_cells:
            continue
        if not _suspect(value):
            readings[value] = Reading(unicodedata.normalize("NFC", value))
            continue
        good = _candidates(value)
        if not good or good == {"": value}:
            formed[value] = bool(good)  # {"": value} when well-formed as stored, {} when not
            readings[value] = Reading(unicodedata.normalize("NFC", value))
        else:
            open_cells[value] = good
    sure = {enc for good in open_cells.values() if len(set(good.values())) == 1 for enc in good}
    # Known syllables per encoding over the file's doubtful cells: the file's evidence.
    votes: dict[str, int] = {}
    for good in open_cells.values():
        if len(set(good.values())) > 1:
            for name, text in good.items():
                votes[name] = votes.get(name, 0) + _known(text)
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    if (
        not sure
        and ranked
        and ranked[0][1] >= 3
        and (len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1])
    ):
        sure = {ranked[0][0]}
    for value, good in open_cells.items():
        texts = set(good.values())
        known = sorted(((_known(t), n) for n, t in good.items()), reverse=True)
        if len(texts) == 1:
            name = min(good)
            readings[value] = Reading(good[name], encoding=name)
        elif len(sure) == 1 and (name := next(iter(sure))) in good:
            readings[value] = Reading(good[name], encoding=name)
        elif known[0][0] > known[1][0]:
            readings[value] = Reading(good[known[0][1]], encoding=known[0][1])
        else:
            readings[value] = Reading(
                unicodedata.normalize("NFC", value),
                doubt="đọc được theo nhiều bảng mã (" + ", ".join(sorted(good)) + ")",
            )
    if len(sure) == 1:
        _settle_plausible(readings, next(iter(sure)))
    for value, reading in readings.items():
        if (
            reading.encoding is None
            and not reading.doubt
            and _suspect(value)
            and not (formed[value] if value in formed else well_formed(value))
        ):
            readings[value] = Reading(
                reading.text,
                doubt="không phải chữ Việt Unicode, không đọc được theo TCVN3, VNI hay VISCII",
            )
    return readings


def _settle_plausible(readings: dict[str, Reading], name: str) -> None:
    """In a file typed in `name`, the cells that read as Vietnamese both as stored and in `name`.

    TCVN3 puts many letters on Latin-1 letters Vietnamese uses ("Tèt" is TCVN3 for "Tốt"), so a
    short cell can look right as stored. Only a cell made of single-byte characters can be
    legacy text; the reading with more known syllables wins, and a tie is flagged.
    """
    for value, reading in list(readings.items()):
        if reading.encoding or reading.doubt or value.isascii():
            continue
        views = _views(value)
        if views == [value] and any(ord(c) > 0xFF for c in value):
            continue
        converted = [(_CONVERTERS[name](v), v) for v in views]
        other = next((t for t, v in converted if _plausible(t, v)), None)
        if other is None or other == reading.text:
            continue
        mine, theirs = _known(reading.text), _known(other)
        if theirs > mine:
            readings[value] = Reading(other, encoding=name)
        elif theirs == mine:
            readings[value] = Reading(reading.text, doubt=f"có thể là {name}: “{other}”")


def _plausible(converted: str, stored: str) -> bool:
    return converted != stored and well_formed(converted) and not _FOREIGN.search(converted)


def read_cell(text: str) -> Reading:
    """One cell on its own (no other cells of its file to agree with)."""
    return read_cells([text])[text]


def _candidates(text: str) -> dict[str, str]:
    """Encoding name → well-formed reading; {"": text} when the text is well-formed as stored."""
    if well_formed(text):
        return {"": text}
    good: dict[str, str] = {}
    for name, convert in _CONVERTERS.items():
        for view in _views(text):
            converted = convert(view)
            if _plausible(converted, view):
                good.setdefault(name, converted)
    return good


def _views(text: str) -> list[str]:
    """The text as its bytes would read in Latin-1 (first), and as stored."""
    try:
        # A Windows-1258 CSV decodes a legacy file's bytes to other characters than Latin-1 does;
        # the Latin-1 view is the one the legacy tables are drawn for.
        latin = text.encode("cp1258").decode("latin-1")
    except UnicodeEncodeError:
        return [text]
    return [latin, text] if latin != text else [text]


# Latin-1 characters that are not Vietnamese letters, VISCII's capitals in C0, and the VNI
# pattern of a vowel followed by a mark character: what a legacy-encoded cell cannot avoid.
_VIET_LATIN1 = "àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ"
_FOREIGN_CHARS = "\x02\x05\x06\x14\x19\x1e\x80-\x9f" + "".join(
    chr(c) for c in range(0xA0, 0x100) if chr(c) not in _VIET_LATIN1
)
_FOREIGN = re.compile(f"[{_FOREIGN_CHARS}]")
_SUSPECT = re.compile(
    f"[{_FOREIGN_CHARS}\u0300-\u0323]|[aeiouyAEIOUY][ùøûõïâêáàåãäéèúüëÙØÛÕÏÂÊÁÀÅÃÄÉÈÚÜË]"
)


def _suspect(text: str) -> bool:
    return not text.isascii() and _SUSPECT.search(text) is not None


def well_formed(text: str) -> bool:
    """Whether every word with a non-ASCII letter is a Vietnamese syllable or an abbreviation."""
    text = unicodedata.normalize("NFC", text)
    for char in set(text):  # each character once: a title repeats most of its letters
        odd = not char.isascii() and not char.isalpha() and not char.isspace()
        if odd and char not in "–—‘’“”…₫":
            return False
    return all(_syllable(w.lower()) for w in _WORD.findall(text) if not w.isascii())


@cache
def _syllable(word: str) -> bool:
    if not word.isalpha() or any(ord(c) > 0x1EFF for c in word):
        return False
    parts = unicodedata.normalize("NFD", word)
    tones = [c for c in parts if c in _TONES]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
    if not set(bare) <= set("abcdefghijklmnopqrstuvwxyzđăâêôơư"):
        return False
    if not tones and not set(bare) & set("aeiouyăâêôơư"):
        return True  # an abbreviation such as QĐ or CĐCS
    # Where the tone sits: the NFD index of the vowel it follows, mapped back onto `bare`.
    toned = None
    if tones:
        position = 0
        for c in parts:
            if c in _TONES:
                toned = position - 1
                break
            if not unicodedata.combining(c):
                position += 1
    for initial in _INITIALS:
        if not bare.startswith(initial):
            continue
        rest = bare[len(initial) :]
        final = next((f for f in _FINALS if rest.endswith(f) and len(rest) > len(f)), "")
        for fin in {final, ""}:
            vowels = rest[: len(rest) - len(fin)] if fin else rest
            start = len(initial)
            if fin and vowels in _OPEN:
                return toned is None or toned >= start
            if not fin and (vowels in _OPEN or vowels in _CLOSED):
                if toned is None:
                    return True
                last = start + len(vowels) - 1
                # A glide that ends a syllable never carries the tone ("áo", not "aó"); "thuở" does.
                return toned >= start and (vowels in _OPEN or toned < last or vowels == "uơ")
    return False


def _known(text: str) -> int:
    return sum(1 for w in _WORD.findall(text.lower()) if w in _vocabulary())


@cache
def _vocabulary() -> frozenset[str]:
    """Syllables known to occur in BHXH records: the shipped list and the package's own data."""
    data = resources.files("sohoa_lib").joinpath("data")
    text = [
        line
        for line in data.joinpath("common_syllables.txt").read_text("utf-8").splitlines()
        if not line.startswith("#")
    ]
    for name in ("codes.yaml", "inventory_columns.yaml"):
        text.append(str(yaml.safe_load(data.joinpath(name).read_text("utf-8"))))
    rows = csv.reader(data.joinpath("units.csv").read_text("utf-8").splitlines())
    text.extend(" ".join(row) for row in rows)
    words = _WORD.findall(unicodedata.normalize("NFC", " ".join(text)).lower())
    return frozenset(w for w in words if not w.isascii())


def from_tcvn3(text: str) -> str:
    """TCVN3 (ABC) text as shown by a Latin-1 font, in Unicode NFC."""
    out = "".join(_TCVN3.get(c, c) for c in text)
    # ".VnTimeH" capitals are stored at the lower-case positions: a cell typed all in capitals
    # has only capital ASCII letters, so the converted letters are made capitals too.
    letters = [c for c in text if c.isascii() and c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        out = out.upper()
    return unicodedata.normalize("NFC", out)


def from_vni(text: str) -> str:
    """VNI-Windows text as shown by a Latin-1 font, in Unicode NFC."""
    out: list[str] = []
    for char in text:
        mark = _VNI_MARKS.get(char)
        previous = unicodedata.normalize("NFD", out[-1])[0].lower() if out else ""
        if mark and previous in "aeiouyơư" and previous:
            out[-1] = unicodedata.normalize("NFC", out[-1] + mark)
        elif char in _VNI_LETTERS:
            out.append(_VNI_LETTERS[char])
        else:
            out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


_VISCII = dict(zip(_VISCII_BYTES, _VISCII_CHARS, strict=True))


def from_viscii(text: str) -> str:
    """VISCII text (its bytes shown as Latin-1), in Unicode NFC."""
    return unicodedata.normalize("NFC", "".join(_VISCII.get(c, c) for c in text))


_CONVERTERS = {"TCVN3": from_tcvn3, "VNI": from_vni, "VISCII": from_viscii}
