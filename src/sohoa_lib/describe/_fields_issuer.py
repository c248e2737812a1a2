"""The issuing body (cơ quan ban hành) from a first page's left header block, its OCR respelt."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from importlib import resources

from sohoa_lib.common.text import fold, key
from sohoa_lib.describe._fields import (
    _HEADER_WORDS,
    Field,
    _head,
    _leading_upper,
    _strip_motto,
)
from sohoa_lib.describe._wordcheck import rules
from sohoa_lib.describe.boxes import Line, Word

# A rule under the name (dashes or dots as OCR reads it) is no part of the body.
_RULE = re.compile(r"^[-_=~.…—–\s]+$")


@cache
def _places() -> dict[str, str]:
    """Folded province name → as spelt, from units.csv (both the 63 and the 34 names); a fold
    two provinces share is left out, so it is never respelt."""
    text = resources.files("sohoa_lib").joinpath("data/units.csv").read_text(encoding="utf-8")
    names = {
        n
        for row in csv.DictReader(text.splitlines())
        if row["level"] == "province"
        for n in (row["name_before_2025_07_01"], row["name_from_2025_07_01"])
    }
    folds: dict[str, set[str]] = {}
    for name in names:
        folds.setdefault(fold(name), set()).add(name)
    return {f: next(iter(s)) for f, s in folds.items() if len(s) == 1}


def read_issuer(lines: Sequence[Line]) -> tuple[Field, tuple[Word, ...]] | None:
    """The issuing body: the last body named in the left header block (the first, when two are
    named, is its superior). Tone marks OCR lost on header words and province names are restored
    from the lists; a body that is neither restored nor read clean keeps its reading."""
    urgent = {key(m) for m in rules()["urgency"]["marks"]}
    bodies: list[list[Line]] = []
    for line in lines:
        text = _leading_upper(_strip_motto(line.text))
        if not text or key(text) in urgent or _RULE.match(text):
            continue
        if _head(key(text)) or not bodies:
            bodies.append([line])
        else:
            bodies[-1].append(line)
    if not bodies:
        return None
    used = bodies[-1]
    text = " ".join(_leading_upper(_strip_motto(ln.text)) for ln in used)
    words = text.split()
    doubts: list[str] = []
    for i, word in enumerate(words):
        words[i] = _respelt(word, _HEADER_WORDS.get(fold(word)), doubts)
    issuer = " ".join(words)
    for folded, name in _places().items():
        at = fold(issuer).find(folded)
        end = at + len(folded)
        if at >= 0 and (at == 0 or issuer[at - 1] == " ") and issuer[end : end + 1] in ("", " "):
            issuer = issuer[:at] + _respelt(issuer[at:end], name.upper(), doubts) + issuer[end:]
    conf = 0.9 if _head(key(issuer)) else 0.55
    field = Field(issuer, conf, "khối cơ quan ban hành", "; ".join(doubts))
    # The words the value came from: not a rule's stub or the motto beside it.
    kept = set(fold(issuer).split())
    return field, tuple(w for ln in used for w in ln.words if fold(w.text) in kept)


def _respelt(read: str, known: str | None, doubts: list[str]) -> str:
    """A header word or place name respelt from its list when OCR got its marks wrong.

    A reading with no mark at all (`TINH`) lost them and is restored; the same letters and tone
    with the tone on another vowel (`UỶ`, the 1990s spelling of `ỦY`) are kept as printed; any
    other difference (`TĨNH`, `NGẢI`) is respelt and the cataloguer told.
    """
    if known is None or read == known:
        return read
    if read == fold(read).upper():
        return known
    if _marks(read) == _marks(known):
        return read
    doubts.append(f"«{read}» sửa thành «{known}»")
    return known


def _marks(word: str) -> tuple[str, list[str]]:
    """Letters with their vowel marks, and the tones, of a word (tone placement ignored)."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = sorted(c for c in decomposed if c in "\u0300\u0301\u0309\u0303\u0323")
    letters = "".join(c for c in decomposed if c not in "\u0300\u0301\u0309\u0303\u0323")
    return unicodedata.normalize("NFC", letters), tones
