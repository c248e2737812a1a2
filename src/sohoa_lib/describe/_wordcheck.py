"""Whether OCR'd words can be Vietnamese syllables and names, from the lists in data/."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

import yaml

_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}  # huyền, sắc, hỏi, ngã, nặng
_STOP_TONES = {"\u0301", "\u0323"}
_LETTERS = frozenset("aăâbcdđeêghiklmnoôơpqrstuưvxy")
_FRONT = ("e", "ê", "i", "y")
_VOWELS = frozenset("aeiouy")


@cache
def rules() -> dict:
    """data/document_rules.yaml: authority words, titles, urgency marks, abbreviations, surnames."""
    return _load("document_rules.yaml")


@cache
def _syllables() -> dict:
    data = _load("syllables.yaml")
    data["onsets"] = sorted(data["onsets"], key=len, reverse=True)
    data["rhymes"] = frozenset(data["rhymes"])
    return data


def _load(name: str) -> dict:
    text = resources.files("sohoa_lib").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def is_syllable(word: str) -> bool:
    """Whether `word` (letters only, any case) is spelt as a Vietnamese syllable can be.

    `quyết`, `nghiêng`, `gì` are; `Trañ` (a letter Vietnamese does not use), `phòngg`, `tiéc`
    (ie without its circumflex) and `hạnhs` are not; a stop final with a level tone (`bàt`)
    is not either.
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [c for c in decomposed if c in _TONES]
    # Marks sit on vowels only: the tilde of `ñ` is not a ngã tone.
    base_char = ""
    for c in decomposed:
        if not unicodedata.combining(c):
            base_char = c
        elif base_char not in _VOWELS:
            return False
    if len(tones) > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    if not base or any(c not in _LETTERS for c in base):
        return False
    data = _syllables()
    for onset in [*(o for o in data["onsets"] if base.startswith(o)), ""]:
        rhyme = base[len(onset) :]
        if onset == "gi" and rhyme and rhyme[0] in "iê":
            continue  # `giê…` is written g + iê…, tried below with onset g
        if not rhyme and onset != "gi":
            continue
        # After qu the u is the onset's (`quốc` is qu + ôc); after gi the i is (`giữ`).
        spelt = rhyme in data["rhymes"] or (onset == "gi" and rhyme in _GI)
        if rhyme and not spelt and not (onset == "qu" and ("u" + rhyme) in data["rhymes"]):
            continue
        if onset in data["front_only"] and not rhyme.startswith(_FRONT):
            continue
        if onset in data["not_front"] and rhyme.startswith(_FRONT) and onset + rhyme[0] != "gi":
            continue
        stop = rhyme.endswith(("p", "t", "c", "ch"))
        if stop and (not tones or tones[0] not in _STOP_TONES):
            continue
        return True
    return False


# After gi the i is the onset's: `giữ` is gi + ư, `giường` gi + ương, `gìn` g + in.
_GI = frozenset({"ư", "ưa", "ươ", "ương", "ươc", "ưu", "ưng", "ưc", "ươi", "a", "au", "ao"})


def is_noise(line) -> bool:
    """A `layout.Line` of seal rim, signature strokes or show-through: its words are read with
    low confidence, or most are no syllable."""
    mean = sum(w.conf for w in line.words) / len(line.words)
    low = sum(w.conf < 45 for w in line.words)
    bad = len(bad_words(line.text))
    # One unread handwritten word (`Só:55` at 0) does not make the `Số:` line noise.
    return (mean < 45 and low * 5 >= len(line.words) * 3) or (
        bad * 2 > len(line.words) and mean < 80
    )


def is_junk(word) -> bool:
    """A `layout.Word` that is a speck or a stroke: low confidence, no digit, no syllable."""
    return word.conf < 40 and not any(c.isdigit() for c in word.text) and bool(bad_words(word.text))


def bad_words(text: str) -> list[str]:
    """Words of `text` that no Vietnamese syllable is spelt like, abbreviations and numbers aside.

    A token with a digit, or an upper-case token such as `UBND` or `HĐND`, is an abbreviation or
    a number, not a syllable; a token of mixed case inside (`cHANH`) is OCR damage.
    """
    bad = []
    for token in text.split():
        word = token.strip(".,;:()[]\"'“”‘’-–/")
        if not word or any(c.isdigit() for c in word) or "/" in word or "-" in word:
            continue
        if not word.isalpha():
            bad.append(word)
            continue
        abbreviation = word.isupper() and 2 <= len(word) <= 8 and _plain_caps(word)
        if abbreviation and not is_syllable(word):
            continue
        if word[1:] != word[1:].lower() and not word.isupper():
            if not _plain_caps(word):
                bad.append(word)
                continue
            continue  # `TTr`, `QyĐ`: a type abbreviation
        if not is_syllable(word):
            bad.append(word)
    return bad


def _plain_caps(word: str) -> bool:
    """Letters of an abbreviation: no tone marks (Đ allowed), as in `UBND`, `HĐND`, `TTr`."""
    decomposed = unicodedata.normalize("NFD", word)
    return not any(unicodedata.combining(c) for c in decomposed) and word[0].isupper()


@cache
def surnames() -> frozenset[str]:
    """Common family names, lower case, as spelt (`trần`): a misread tone makes another word."""
    return frozenset(unicodedata.normalize("NFC", s).lower() for s in rules()["surnames"]["names"])
