"""A search's words found in original text: typed diacritics respected, phrases, clean snippets.

The full-text index holds folded text (no diacritics), so it finds candidates for any spelling;
this module decides, on the original text, which candidates a query with diacritics really names
(`số hóa` is not `Số: … CỘNG HÒA`), and where to cut the snippet shown.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sohoa_lib.common.text import fold, nfc

_WORD = re.compile(r"[^\W_]+")  # letters and digits, as FTS5's unicode61 tokenizer splits
_QUERY_PART = re.compile(r'"([^"]*)"?|([^\s"]+)')
# Vietnamese keyboards and word processors type curly quotes; they quote a phrase all the same.
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_BEFORE, _AFTER = 60, 140  # characters of context around a match
_CLEAN = re.compile(r"[^\W_]|[\s.,;:()/%–-]")  # what well-read text is made of


@dataclass(frozen=True)
class Term:
    """One word, "phrase" or prefix* of a query."""

    words: tuple[str, ...]
    """The words as typed (NFC, lower case), in order; more than one: a phrase."""
    prefix: bool
    """The last word may be the start of a longer one (`hoa*`)."""

    @property
    def tokens(self) -> tuple[str, ...]:
        """The words folded, as the index holds them."""
        return tuple(fold(w) for w in self.words)


def terms(query: str) -> list[Term]:
    """The query's terms; operators and punctuation are not syntax here, only separators."""
    found = []
    for phrase, word in _QUERY_PART.findall(nfc(query).translate(_QUOTES).lower()):
        words = tuple(_WORD.findall(phrase or word))
        if words:
            found.append(Term(words, prefix=not phrase and word.endswith("*")))
    return found


def has_diacritics(found: Sequence[Term]) -> bool:
    """Whether any word was typed with a diacritic (or đ): then diacritics must match."""
    return any(fold(w) != w for t in found for w in t.words)


def _marks(word: str) -> Counter:
    # Which marks a word carries, not which vowel: `hoá` (old placement) is `hóa`.
    decomposed = unicodedata.normalize("NFD", word.lower())
    return Counter([c for c in decomposed if unicodedata.combining(c)] + ["đ"] * word.count("đ"))


def _same(word: str, typed: str, *, exact: bool, prefix: bool) -> bool:
    folded, want = fold(word), fold(typed)
    if not (folded.startswith(want) if prefix else folded == want):
        return False
    if not exact:
        return True
    have, need = _marks(word), _marks(typed)
    return not need - have if prefix else have == need


@functools.lru_cache(maxsize=16)
def _words(text: str) -> tuple[list[re.Match], list[str]]:
    # A text is scanned once per term and per source: fold its words once.
    words = list(_WORD.finditer(text))
    return words, [fold(w.group()) for w in words]


def spans(text: str, term: Term, *, exact: bool) -> list[tuple[int, int]]:
    """Where `term` occurs in `text`, as (start, end) character offsets."""
    words, folded = _words(text)
    n = len(term.words)
    first, last = term.tokens[0], n - 1
    found = []
    for i in range(len(words) - n + 1):
        # The folded first word rules out almost every position before the finer comparison.
        if not (folded[i].startswith(first) if term.prefix and n == 1 else folded[i] == first):
            continue
        if all(
            _same(words[i + k].group(), term.words[k], exact=exact,
                  prefix=term.prefix and k == last)
            for k in range(n)
        ):  # fmt: skip
            found.append((words[i].start(), words[i + n - 1].end()))
    return found


@functools.lru_cache(maxsize=256)
def _as_typed(term: Term) -> re.Pattern:
    """The term's words exactly as typed, whole words, separated as _WORD separates them."""
    body = r"[\W_]+".join(re.escape(w) for w in term.words)
    return re.compile(r"(?<![^\W_])" + body + ("" if term.prefix else r"(?![^\W_])"))


def matches(sources: Sequence[str], found: Sequence[Term], *, exact: bool) -> bool:
    """Whether every term occurs in one of the sources (as the index requires of its columns)."""
    # Typed diacritics found letter for letter settle it at regex speed; only the rest (old
    # tone placement `hoá`, or no such word) needs the word-by-word comparison. At national
    # scale a common query has millions of candidates, so this is most of a search's time.
    return all(
        any((exact and _as_typed(t).search(text.lower())) or spans(text, t, exact=exact)
            for text in sources)
        for t in found
    )  # fmt: skip


def snippet(sources: Sequence[str], found: Sequence[Term], *, exact: bool) -> str:
    """Original text around a match, every match in it [marked]; of the matches, the one with the
    cleanest text around it (OCR of a stamp or a table reads as noise), earlier sources first.

    Falls back to the start of the first non-empty source (the match was in text not shown).
    """
    texts = [" ".join(s.split()) for s in sources if s and s.strip()]
    best: tuple[float, int, int] | None = None
    every: dict[int, list[tuple[int, int]]] = {}
    for index, text in enumerate(texts):
        every[index] = sorted(s for t in found for s in spans(text, t, exact=exact))
        for start, end in every[index][:20]:
            window = text[max(0, start - _BEFORE) : end + _AFTER]
            clean = len(_CLEAN.findall(window)) / max(len(window), 1)
            if best is None or clean > best[0] + 0.02:
                best = (clean, index, start)
    if best is None:
        text = texts[0] if texts else ""
        end = _word_end(text, _BEFORE + _AFTER)
        return text[:end] + ("…" if end < len(text) else "")
    _, index, first = best
    text = texts[index]
    start = text.rfind(" ", 0, max(0, first - _BEFORE)) + 1
    end = _word_end(text, next(e for s, e in every[index] if s == first) + _AFTER)
    parts, at = [], start
    for s, e in every[index]:
        if s < at or e > end:
            continue
        parts += [text[at:s], "[", text[s:e], "]"]
        at = e
    parts.append(text[at:end])
    return ("…" if start else "") + "".join(parts) + ("…" if end < len(text) else "")


def _word_end(text: str, at: int) -> int:
    space = text.find(" ", at)
    return len(text) if space < 0 or at >= len(text) else space
