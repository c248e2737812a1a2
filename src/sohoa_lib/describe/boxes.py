"""Word and line boxes of an OCR'd page, grouped by geometry, and the page's columns."""

from __future__ import annotations

import csv
import io
import itertools
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sohoa_lib.common.text import fold

__all__ = [
    "Columns",
    "Line",
    "Word",
    "columns",
    "joined",
    "lines_from_tsv",
    "page_size",
    "rows_of",
    "stacked",
]

GAP_SPLIT = 2.5
"""A gap wider than this many word heights separates two lines on one row. Words of a justified
line are under one height apart; the blank left for a handwritten number is wider, and the
header's two columns wider still (on the five real scans: 0.3–0.9 in text, 3–12 between columns)."""


@dataclass(frozen=True)
class Word:
    """One word as Tesseract boxed it: NFC text, pixel box, confidence 0–100."""

    text: str
    x0: int
    y0: int
    x1: int
    y1: int
    conf: float

    @property
    def height(self) -> int:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Line:
    """Words side by side on one row, left to right, with their common box and text."""

    words: tuple[Word, ...]
    text: str
    x0: int
    y0: int
    x1: int
    y1: int

    @classmethod
    def of(cls, words: Iterable[Word]) -> Line:
        ordered = tuple(sorted(words, key=lambda w: w.x0))
        return cls(ordered, " ".join(w.text for w in ordered), *_spanning(ordered))

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def conf(self) -> float:
        """Lowest word confidence: one misread word is enough to doubt a value."""
        return min(w.conf for w in self.words)


def lines_from_tsv(tsv: str) -> tuple[Line, ...]:
    """The page's lines from Tesseract's TSV output, top to bottom, left before right.

    Tesseract's own blocks and lines are ignored (they depend on the page segmentation mode and
    often join the header's two columns): words are grouped into rows by vertical overlap, rows
    split at wide gaps and, in the header, at the left edge of the national motto.
    """
    words = _words(tsv)
    if not words:
        return ()
    height = statistics.median(w.height for w in words)
    rows = [part for row in _rows(words, height) for part in _split_gaps(row, GAP_SPLIT * height)]
    rows = _split_header(rows, height)
    lines = [Line.of(r) for r in rows]
    return tuple(line for row in rows_of(lines) for line in row)


def page_size(tsv: str) -> tuple[int, int] | None:
    """Width and height in pixels of the image Tesseract's TSV describes (its level-1 row)."""
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if row.get("level") == "1":
            width, height = int(row["width"]), int(row["height"])
            return (width, height) if width > 0 and height > 0 else None
    return None


def _words(tsv: str) -> list[Word]:
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    words = []
    for row in reader:
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text or float(row["conf"]) < 0:
            continue
        x0, y0 = int(row["left"]), int(row["top"])
        words.append(
            Word(
                unicodedata.normalize("NFC", text),
                x0,
                y0,
                x0 + int(row["width"]),
                y0 + int(row["height"]),
                float(row["conf"]),
            )
        )
    return words


def _rows(words: list[Word], height: float) -> list[list[Word]]:
    """Words sharing a row, left to right: each joins the row whose recent words' middle is
    nearest its own, within half a word height (a slightly skewed line stays one row, and a
    line of seal show-through a few pixels off the text beside it stays apart)."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.x0, w.y0)):
        middle = (word.y0 + word.y1) / 2
        best, distance = None, height / 2
        for row in rows:
            if word.x0 <= row[-1].x0:
                continue  # boxes may overlap (a dash under the digit before it), never restart
            recent = row[-3:]
            off = abs(middle - sum((w.y0 + w.y1) / 2 for w in recent) / len(recent))
            if off < distance:
                best, distance = row, off
        if best is None:
            rows.append([word])
        else:
            best.append(word)
    return rows


def _split_gaps(row: list[Word], limit: float) -> list[list[Word]]:
    parts = [[row[0]]]
    for word in row[1:]:
        if word.x0 - parts[-1][-1].x1 > limit:
            parts.append([word])
        else:
            parts[-1].append(word)
    return parts


def _split_header(rows: list[list[Word]], height: float) -> list[list[Word]]:
    """Rows at the height of the motto split at its left edge: the issuer's block is left of it.

    Nothing but column position tells `ỦY BAN NHÂN DÂN` from `CỘNG HÒA …` when the gap between
    them is narrow; the motto's first word gives the edge, and only rows between the motto's
    top and a few rows below it are cut (the Số and date row among them).
    """
    edge = _motto_edge(rows)
    if edge is None:
        return rows
    x, top = edge
    out: list[list[Word]] = []
    for row in rows:
        y = row[0].y0
        in_band = top - height <= y <= top + 8 * height
        left = [w for w in row if w.x1 <= x + height / 2]
        right = [w for w in row if w.x1 > x + height / 2]
        # A rule's stub (`_`) may sit in the gap between the columns: measure from a word.
        inked = [w for w in left if any(c.isalnum() for c in w.text)]
        gap = right[0].x0 - inked[-1].x1 if inked and right else 0
        if in_band and left and right and gap > height / 4:
            out += [left, right]
        else:
            out.append(row)
    return out


def _motto_edge(rows: list[list[Word]]) -> tuple[int, int] | None:
    """(x, y) of `CỘNG` in `CỘNG HÒA XÃ HỘI …` when it stands right of other words."""
    for row in rows:
        for a, b in itertools.pairwise(row):
            if fold(a.text).strip("_-.") == "cong" and fold(b.text).startswith("hoa"):
                if a is not row[0]:
                    return a.x0, a.y0
                return None
    return None


@dataclass(frozen=True)
class Columns:
    """Where a page's text sits: its left and right edges and its centre."""

    left: float
    right: float

    @property
    def width(self) -> float:
        return max(1.0, self.right - self.left)

    @property
    def mid(self) -> float:
        return (self.left + self.right) / 2

    def side(self, line: Line) -> str:
        """`left`, `right` or `centre`: where the line's middle sits on the page.

        Header blocks and the signer block are centred on their own column, a quarter of the
        text width from its middle; a title is centred on the page.
        """
        offset = (line.centre - self.mid) / self.width
        if offset < -0.12:
            return "left"
        if offset > 0.12:
            return "right"
        return "centre"

    def full(self, line: Line) -> bool:
        """Whether the line runs from margin to margin, as body text does."""
        return line.x0 - self.left < 0.06 * self.width and self.right - line.x1 < 0.06 * self.width


def columns(lines: Sequence[Line]) -> Columns:
    """The text's extent: the 5th and 95th percentile of line edges (a stamp in the margin
    or a stray speck does not move it)."""
    if not lines:
        return Columns(0.0, 1.0)
    lefts = sorted(ln.x0 for ln in lines)
    rights = sorted(ln.x1 for ln in lines)
    k = len(lines) // 20
    return Columns(float(lefts[k]), float(rights[-1 - k]))


def rows_of(lines: Sequence[Line], height: float | None = None) -> list[list[Line]]:
    """Lines grouped by row (vertical overlap), top to bottom, each row left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: ln.y0):
        for row in rows:
            ref = row[0]
            shared = min(line.y1, ref.y1) - max(line.y0, ref.y0)
            if shared > 0.5 * min(line.y1 - line.y0, ref.y1 - ref.y0):
                row.append(line)
                row.sort(key=lambda ln: ln.x0)
                break
        else:
            rows.append([line])
    return rows


def stacked(lines: Sequence[Line]) -> Line:
    """Lines one under the other as one line, in reading order (a date line broken in two)."""
    words = tuple(w for ln in lines for w in ln.words)
    return Line(words, " ".join(ln.text for ln in lines), *_spanning(lines))


def _spanning(boxes: Sequence[Word] | Sequence[Line]) -> tuple[int, int, int, int]:
    """The box (x0, y0, x1, y1) around words or lines."""
    return (min(b.x0 for b in boxes), min(b.y0 for b in boxes),
            max(b.x1 for b in boxes), max(b.y1 for b in boxes))  # fmt: skip


def joined(lines: Sequence[Line]) -> Line:
    """Lines of one row as one line (`Số:` and `/TTr-UBND` either side of a handwritten gap)."""
    return Line.of(w for ln in lines for w in ln.words)
