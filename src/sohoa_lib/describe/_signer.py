"""The signer block (thẩm quyền ký, title lines, name) of a document's last page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from sohoa_lib.common.text import fold, key
from sohoa_lib.describe._fields import _BODY_HEADS, CLEAN, FALLBACK, NOISY, Field, is_upper
from sohoa_lib.describe._wordcheck import is_junk, is_noise, rules, surnames
from sohoa_lib.describe.boxes import Line, Word, columns, joined, rows_of

# TM., KT., TL., TUQ., Q. and their 1990s forms T/M, K/T, T/L, T/UQ.
_PREFIX = re.compile(r"(kt|tm|tl|tuq|q)\.|(k/t|t/m|t/l|t/uq)(?=\s|$)")
_TITLE_WORDS = frozenset(
    [
        "pho",
        "tong",
        "giam",
        "chanh",
        "chu",
        "truong",
        "vu",
        "cuc",
        "bo",
        "thu",
        "hieu",
        "vien",
        "bi",
        "uy",
    ]
)
_TITLE_KEYS = ("giam doc", "chu tich", "truong", "chanh van phong", "chu nhiem", "bi thu")


@cache
def known_titles() -> dict[str, str]:
    """Folded title → title as printed: each head's title and its deputy's (PHÓ …)."""
    data = rules()["titles"]
    heads = data["heads"]
    return {fold(t): t for h in heads for t in (h, f"{data['deputy_prefix']} {h}")}


@dataclass(frozen=True)
class Signer:
    """The signer block as read: title lines and name, and the words and lines behind them."""

    titles: Field
    """Title lines, canonical, joined by ` / ` (`KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC`)."""
    name: Field
    title_words: tuple[Word, ...] = ()
    name_words: tuple[Word, ...] = ()
    lines: tuple[Line, ...] = ()
    """The title lines then the name line, for the block's geometry; () from text alone."""


def signer_from_text(lines: list[str]) -> Signer | None:
    """The last name with title lines a few lines above it, from text without boxes."""
    for i in range(len(lines) - 1, -1, -1):
        name = _person(lines[i])
        if not name:
            continue
        titles: list[str] = []
        # Seal and signature strokes come out as noise lines between the title and the name.
        for line in reversed(lines[max(0, i - 12) : i]):
            title = title_run(line)
            if title:
                titles.insert(0, title)
            elif titles:
                break
        if titles:
            value, conf, doubt = canonical_titles(titles)
            known = fold(name.split()[0]) in {fold(s) for s in surnames()}
            return Signer(
                Field(value, conf, "khối chữ ký", doubt),
                Field(name, 0.9 if known else 0.65, "dòng tên dưới chữ ký"),
            )
    return None


def signer_from_lines(lines: Sequence[Line]) -> Signer | None:
    """The signer block from word boxes: right-hand lines at the foot of the text.

    Nơi nhận sits left at the same height and is never read into it. The title lines are the
    upper-case right-hand lines; the name is the lowest right-hand line of capitalised words
    under them (seal and signature strokes between them come out as noise lines, skipped).
    """
    lines = [c for c in (_clean(ln) for ln in lines if not is_noise(ln)) if c is not None]
    if not lines:
        return None
    cols = columns(lines)
    right = [ln for ln in lines if cols.side(ln) == "right" and not cols.full(ln)]
    # Right-hand lines of one row (split at a gap) belong together.
    merged = [joined(row) for row in rows_of(right)]
    groups: list[list[int]] = []
    for i, line in enumerate(merged):
        if title_run(line.text):
            # Up to three noise lines (seal, signature) may part two title lines.
            if groups and i - groups[-1][-1] <= 3:
                groups[-1].append(i)
            else:
                groups.append([i])
    if not groups:
        return _name_only(merged, lines)
    last = groups[-1][-1]
    block = [merged[i] for i in groups[-1]]
    texts = [title_run(ln.text) or "" for ln in block]
    value, conf, doubt = canonical_titles(texts)
    title_field = Field(value, conf, "khối chữ ký", doubt)
    name_line = next((ln for ln in merged[last + 1 : last + 8] if _name_words(ln)), None)
    if name_line is None:
        return Signer(title_field, Field(None, 0.0, "khối chữ ký"), _words(block), (), tuple(block))
    words = _name_words(name_line)
    name, doubt = respelt_name(" ".join(w.text.strip(".,;") for w in words))
    return Signer(
        title_field,
        Field(name, CLEAN, "dòng tên dưới chữ ký", doubt),
        _words(block),
        words,
        (*block, Line.of(words)),
    )


def _clean(line: Line) -> Line | None:
    """The line without specks and strokes (`is_junk`), None when nothing else is left."""
    words = [w for w in line.words if not is_junk(w)]
    return Line.of(words) if words else None


def _name_only(right: Sequence[Line], lines: Sequence[Line]) -> Signer | None:
    """A name at the foot of the right column with no title read above it (a seal covers it):
    the name below the last body line, the title MISSING for the cataloguer."""
    body_end = max((ln.y1 for ln in lines if columns(lines).full(ln)), default=0)
    below = [ln for ln in right if ln.y0 > body_end and _name_words(ln)]
    if not below:
        return None
    words = _name_words(below[-1])
    name, doubt = respelt_name(" ".join(w.text.strip(".,;") for w in words))
    titles = Field(None, 0.0, "khối chữ ký", "không đọc được chức vụ trên tên người ký")
    named = Field(name, NOISY, "dòng tên dưới chữ ký", doubt)
    return Signer(titles, named, (), words, (Line.of(words),))


def _words(lines: Sequence[Line]) -> tuple[Word, ...]:
    """The words of the title lines that the titles were read from (not noise beside them)."""
    out = []
    for line in lines:
        kept = (title_run(line.text) or "").split()
        out += [w for w in line.words if w.text in kept]
    return tuple(out)


def _name_words(line: Line) -> tuple[Word, ...]:
    """The words of a name line (`Trần Hoàng Tuấn`), or () when the line is not one.

    A line of mostly capitalised letter-only words, not upper case (titles are): a seal's
    rim text or a signature's strokes come out otherwise. A first word cut by the seal
    (`guyên Quốc Việt`) is kept, for the name checks to flag.
    """
    words = [w for w in line.words if w.text.strip(".,;").isalpha()]
    while words and not words[0].text[0].isalpha():
        words.pop(0)
    if len(words) < 2 or any(len(w.text) > 1 and w.text.isupper() for w in words):
        return ()  # titles are upper case; a name is not
    capital = sum(w.text[0].isupper() for w in words)
    if capital * 3 < len(words) * 2 or len(words) > 6:
        return ()
    keyed = key(" ".join(w.text for w in words))
    if any(keyed.startswith(h) for h in _BODY_HEADS if " " in h):
        return ()
    return tuple(words)


def _person(line: str) -> str | None:
    """A Vietnamese personal name ending the line: 2–5 capitalised syllables (`Đào Việt Ánh`)."""
    words = line.split()
    tail: list[str] = []
    for word in reversed(words):
        # A syllable has at most 7 letters (nghiêng).
        capital = word.isalpha() and word[0].isupper() and (len(word) == 1 or word[1:].islower())
        if not (capital and len(word) <= 7):
            break
        tail.insert(0, word)
    if not 2 <= len(tail) <= 5 or is_upper(" ".join(tail)):
        return None
    alone = len(tail) == len(words)
    if not alone and fold(tail[0]) not in {fold(s) for s in surnames()}:
        return None
    # `Trung Tâm …`, `Văn Phòng …`: a body's name in title case (a one-word head such as Vụ
    # is also a surname, Vũ).
    keyed = key(" ".join(tail))
    if any(keyed.startswith(h) for h in _BODY_HEADS if " " in h) or keyed.endswith("viet nam"):
        return None
    return " ".join(tail)


def title_run(line: str) -> str | None:
    """The signer's title ending the line (`- Như Điều 3; PHÓ GIÁM ĐỐC` → `PHÓ GIÁM ĐỐC`)."""
    run: list[str] = []
    for word in reversed(line.split()):
        upper = is_upper(word) or (word.endswith(".") and word[:-1].isupper())
        # OCR loses the capital of a word under the seal (`cHANH`): upper after the first.
        if not upper and not (len(word) > 2 and word[1:].isupper() and word.isalpha()):
            break
        run.insert(0, word)
    # Left-column abbreviations (`- Lưu: VT, QLT.`) may precede it: the title starts at its
    # prefix (KT., TL., TM., …) or at a title word.
    while run and not (_PREFIX.fullmatch(fold(run[0])) or fold(run[0]) in _TITLE_WORDS):
        run.pop(0)
    if not run:
        return None
    prefixed = bool(_PREFIX.fullmatch(fold(run[0])))
    # `GIÁM ĐỐC BẢO HIỂM XÃ HỘI TỈNH …` above the articles of a decision is not a signature.
    if not prefixed and len(run) > 5:
        return None
    text = " ".join(run)
    return text if is_title(fold(text)) or authority(run[0].upper()) == "TM." else None


def is_title(folded: str) -> bool:
    """Whether folded text names a title (`giam doc`, `pho chu tich`, …)."""
    return any(k in folded for k in _TITLE_KEYS) or folded.startswith("pho ")


def split_prefix(title: str) -> tuple[str, str]:
    """(`KT.`, `CHỦ TỊCH`) from `KT. CHỦ TỊCH`; ("", title) without an authority word."""
    prefix = _PREFIX.match(fold(title))
    head = title[: prefix.end()].upper() if prefix else ""
    return head, title[len(head) :].strip()


def authority(prefix: str) -> str:
    """The modern prefix a printed one stands for (`T/M` → `TM.`)."""
    return rules()["authority"]["aliases"].get(prefix, prefix)


def canonical_titles(titles: list[str]) -> tuple[str, float, str]:
    """The title lines joined by ` / `, each respelt as the nearest known title (OCR garbles).

    A line that is no known title within a small edit distance keeps its reading and lowers the
    confidence; the cross-checks then say why. Returns the value, its confidence and, when letters
    (not only tone marks) were changed, the reason to show the cataloguer.
    """
    fixed, conf, doubts = [], CLEAN, []
    known = known_titles()
    for title in titles:
        head, rest = split_prefix(title)
        if authority(head) == "TM.":
            # TM. (on behalf of) names a collective body, not a title.
            fixed.append(f"{head} {rest}")
            continue
        # Respelt only word for word: a near match with a word more or less (`PHÓ GIÁM ĐỐC XÃ`)
        # is another title, kept as read for the checks to flag.
        same_length = [t for t in known if len(t.split()) == len(rest.split())]
        best = process.extractOne(fold(rest), same_length, scorer=fuzz.ratio, score_cutoff=85)
        if best:
            if known[best[0]] != rest:
                conf = min(conf, NOISY)
            if best[0] != fold(rest):
                doubts.append(f"chức vụ đọc «{rest}», sửa theo danh mục thành «{known[best[0]]}»")
            rest = known[best[0]]
        else:
            conf = min(conf, FALLBACK)
        fixed.append(f"{head} {rest}".strip())
    _deputy(fixed, doubts)
    return " / ".join(fixed), conf, "; ".join(doubts)


def _deputy(lines: list[str], doubts: list[str]) -> None:
    """Under `KT. X` the form prints the deputy's title `PHÓ X` (Decree 30/2020, Appendix I):
    a line OCR lost, cut (`PHÓ CHỦ`) or read without `PHÓ` is put back, and the reason given."""
    for i, line in enumerate(list(lines)):
        head, rest = split_prefix(line)
        if authority(head) != "KT.":
            continue
        deputy = f"{rules()['titles']['deputy_prefix']} {rest}"
        following = lines[i + 1] if i + 1 < len(lines) else None
        if following is None:
            lines.append(deputy)
            doubts.append(f"không đọc được dòng dưới «{line}»: thêm «{deputy}» theo thể thức")
            continue
        lost = following == rest or (deputy.startswith(following) and len(following) > 4)
        if following != deputy and not split_prefix(following)[0] and lost:
            lines[i + 1] = deputy
            doubts.append(f"«{following}» đọc thành «{deputy}» theo thể thức ký thay")


def respelt_name(name: str) -> tuple[str, str]:
    """The name with its surname respelt when OCR misread only its marks (`Trản`, `trăn` →
    `Trần`: one common surname has those letters), and the reason; else the name as read."""
    first, _, rest = name.partition(" ")
    if first.lower() in surnames():
        return name, ""
    matches = {s for s in rules()["surnames"]["names"] if fold(s) == fold(first)}
    if len(matches) != 1:
        return name, ""
    known = matches.pop()
    return f"{known} {rest}".strip(), f"họ đọc «{first}», sửa thành «{known}»"
