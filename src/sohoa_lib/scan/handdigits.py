"""Handwritten digits in a printed line's blank (the number, the day) read by a small network.

Offices print `Số:      /QĐ-BHXH` and `ngày     tháng 5 năm 2025` and write the number and the
day by hand when the document is registered. Tesseract's models are trained on print and misread
these with confidence (299 read 899 at 90). The blank is cut into glyphs by connected components
and each glyph is classified by a small convolutional network trained on MNIST's handwritten
digits and handwriting fonts (`handdigits_train`, weights in `data/handdigits.npz`). Nothing
here decides on its own: the caller keeps a reading flagged for the cataloguer whatever its
probability.

No library in the dependencies reads handwritten digits (Tesseract has no handwriting model,
OpenCV's samples are not an API), and inference is four matrix products, so it is written here
with numpy rather than making a deep-learning framework a dependency of every install.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import cv2
import numpy as np

SIDE = 28
"""MNIST's image side; a glyph is scaled to fit `BOX` pixels and centred by its mass in it."""
BOX = 20
# Components smaller than this share of the line height in both directions are specks, dots of
# a dotted blank (`Số: ......`) or accents, not digits.
_SPECK = 0.25
# A glyph wider than this many times its height may hold two digits written joined (`22`): a
# handwritten digit stood upright is less wide than high.
_JOINED = 0.95
_MAX_DIGITS = 6
_TWO = 1.4
"""A mark wider than this many times its height is two digits whatever the network says."""
_BRIDGE = 0.06
"""Gaps in a stroke up to this share of the line height are closed (3 px at 300 dpi, 12 pt)."""


@dataclass(frozen=True)
class Reading:
    """The digits read from a blank, left to right, with each one's probability."""

    digits: str
    probabilities: tuple[float, ...]
    joined: bool = False
    """Some digits were written joined and cut apart here: a cut is less sure than a gap."""

    @property
    def least(self) -> float:
        return min(self.probabilities)


@functools.cache
def _weights() -> dict[str, np.ndarray]:
    with resources.files("sohoa_lib").joinpath("data/handdigits.npz").open("rb") as fh:
        model = np.load(fh)
        return {k: model[k].astype(np.float32) for k in model.files if k[0] in "wb"}


def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A 'same' convolution (n × c × h × w input, k × c × 5 × 5 kernels), as one matrix product
    over every 5 × 5 window."""
    n, c, h, wd = x.shape
    k, _, kh, kw = w.shape
    padded = np.pad(x, ((0, 0), (0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(2, 3))
    columns = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * wd, c * kh * kw)
    out = columns @ w.reshape(k, -1).T + b
    return out.reshape(n, h, wd, k).transpose(0, 3, 1, 2)


def _pool(x: np.ndarray) -> np.ndarray:
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def probabilities(batch: np.ndarray) -> np.ndarray:
    """Each row's probability of being 0–9; `batch` is n × 784, ink 1 on paper 0. The network
    of `handdigits_train`: two 5 × 5 convolutions (16 and 32 maps) each with ReLU and 2 × 2 max
    pooling, a dense layer of 128 and the output layer."""
    p = _weights()
    x = batch.astype(np.float32).reshape(-1, 1, SIDE, SIDE)
    x = _pool(np.maximum(_conv(x, p["w1"], p["b1"]), 0))
    x = _pool(np.maximum(_conv(x, p["w2"], p["b2"]), 0))
    x = np.maximum(x.reshape(len(x), -1) @ p["w3"].T + p["b3"], 0)
    logits = x @ p["w4"].T + p["b4"]
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def normalised(ink: np.ndarray) -> np.ndarray:
    """A glyph (ink high, any size) as MNIST draws one: its box scaled into 20 × 20 keeping its
    shape, centred by its centre of mass in 28 × 28, ink 0–1."""
    ink = ink.astype(np.float32)
    if ink.max() <= 0:
        return np.zeros((SIDE, SIDE), np.float32)
    ink = deslanted(ink / ink.max())
    rows, cols = np.nonzero(ink > 0.1)
    if rows.size == 0:
        return np.zeros((SIDE, SIDE), np.float32)
    ink = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    h, w = ink.shape
    scale = BOX / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(ink, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    out = np.zeros((SIDE, SIDE), np.float32)
    total = small.sum()
    cy, cx = (
        (np.indices(small.shape) * small).reshape(2, -1).sum(axis=1) / total
        if total > 0
        else (small.shape[0] / 2, small.shape[1] / 2)
    )
    top = int(np.clip(round(SIDE / 2 - cy), 0, SIDE - small.shape[0]))
    left = int(np.clip(round(SIDE / 2 - cx), 0, SIDE - small.shape[1]))
    out[top : top + small.shape[0], left : left + small.shape[1]] = small
    return np.clip(out, 0, 1)


def glyphs(
    grey: np.ndarray, line_height: float, span: tuple[float, float] | None = None
) -> list[np.ndarray]:
    """The digit-sized marks of a blank, left to right, each as its ink (0–255, ink high).

    The crop reaches past the blank (`span`, its columns, by default the whole crop) so that a
    digit written over the blank's edge is whole; a mark whose middle is outside the blank is a
    letter of the printed words around it and is left out. Strokes of one digit drawn apart (the
    bar of a 5) are joined by their overlap across, and each mark is stood upright; a mark as
    wide as two digits is cut apart by `_split`."""
    if grey.size == 0:
        return []
    ink = 255 - grey.astype(np.uint8)
    # Otsu splits anything, blank paper's grain included: a blank has no ink darker than print.
    if int(ink.max()) < 110:
        return []
    level, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = (ink > level).astype(np.uint8) * 255
    # A thin stroke on a bitonal scan breaks into pieces (an 8 read as its lower loop); closing
    # gaps of a few pixels keeps each digit whole. Digits this joins are cut apart by `_split`.
    gap = max(1, round(_BRIDGE * line_height))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((gap, gap), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    speck = _SPECK * line_height
    lo, hi = span if span is not None else (0, mask.shape[1])
    boxes = []
    for n in range(1, count):
        x, y, w, h, _area = stats[n]
        if w < speck and h < speck:
            continue
        # A rule or an underline (the line under the issuer's name, a blank's dashes) is no digit
        # and would join the digits under it into one box.
        if w > 3 * _JOINED * h:
            continue
        if not lo <= x + w / 2 <= hi:
            continue
        boxes.append([x, y, x + w, y + h, [n]])
    boxes.sort(key=lambda b: b[0])
    merged: list[list] = []
    for box in boxes:
        if merged:
            last = merged[-1]
            overlap = min(last[2], box[2]) - max(last[0], box[0])
            apart = max(last[1], box[1]) - min(last[3], box[3])
            if overlap > 0.5 * min(last[2] - last[0], box[2] - box[0]) and apart < speck:
                merged[-1] = [min(last[0], box[0]), min(last[1], box[1]),
                              max(last[2], box[2]), max(last[3], box[3]), last[4] + box[4]]  # fmt: skip
                continue
        merged.append(box)
    out = []
    for x0, y0, x1, y1, parts in merged:
        # A digit is at least half a printed line high; the dots and dashes of a blank are not.
        if y1 - y0 < 0.5 * line_height:
            continue
        own = np.isin(labels[y0:y1, x0:x1], parts)
        # Upright, so that a slanted digit is no wider than it is and two digits leaning into
        # each other can be cut apart by a column.
        out.append(_trimmed(deslanted(np.where(own, ink[y0:y1, x0:x1], 0).astype(np.uint8))))
    return out


def _split(glyph: np.ndarray, depth: int = 2) -> list[tuple[np.ndarray, np.ndarray]]:
    """A mark's digits with their probabilities: the mark itself, or, when it is as wide as two
    digits written joined, the two pieces of the cut through its middle half whose less likely
    piece is the most likely (segmentation by recognition: the column with least ink cuts the
    loop of a 0 leaning into a 6), each split again up to `depth` times."""
    h, w = glyph.shape
    whole = probabilities(normalised(glyph).reshape(1, -1))[0]
    if depth == 0 or w <= _JOINED * h or w < 8:
        return [(glyph, whole)]
    cuts = range(w // 4, 3 * w // 4, max(1, w // 24))
    pairs = [(_trimmed(glyph[:, :c]), _trimmed(glyph[:, c:])) for c in cuts]
    pairs = [(a, b) for a, b in pairs if a.any() and b.any()]
    if not pairs:
        return [(glyph, whole)]
    flat = np.stack([normalised(g).reshape(-1) for pair in pairs for g in pair])
    probs = probabilities(flat).max(axis=1).reshape(-1, 2).min(axis=1)
    best = int(np.argmax(probs))
    # A wide single digit (a 0 or a 5 with its bar drawn long) reads surer whole than cut.
    if w <= _TWO * h and whole.max() >= probs[best]:
        return [(glyph, whole)]
    left, right = pairs[best]
    return _split(left, depth - 1) + _split(right, depth - 1)


def deslanted(ink: np.ndarray) -> np.ndarray:
    """The ink sheared upright by the slant of its strokes (second moments), as handwriting
    classifiers have done since MNIST's first benchmarks: italic digits written close overlap
    across and cannot be cut apart by a column until they stand upright."""
    m = cv2.moments(ink.astype(np.float32))
    if abs(m["mu02"]) < 1e-2:
        return ink
    skew = m["mu11"] / m["mu02"]
    h, w = ink.shape
    cy = m["m01"] / m["m00"] if m["m00"] else h / 2
    pad = int(abs(skew) * h / 2) + 1
    matrix = np.float32([[1, -skew, pad + skew * cy], [0, 1, 0]])
    return cv2.warpAffine(ink, matrix, (w + 2 * pad, h), flags=cv2.INTER_LINEAR)


def _trimmed(glyph: np.ndarray) -> np.ndarray:
    cols = np.nonzero(glyph.any(axis=0))[0]
    rows = np.nonzero(glyph.any(axis=1))[0]
    if cols.size == 0:
        return glyph
    return glyph[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def read_digits(
    grey: np.ndarray, line_height: float, span: tuple[float, float] | None = None
) -> Reading | None:
    """The digits written in a blank cropped from a scan (grey, paper light), given the printed
    line's height in the crop's pixels; None when the blank holds no digit-sized mark or more
    than a number has."""
    marks = glyphs(grey, line_height, span)
    if not marks or len(marks) > _MAX_DIGITS:
        return None
    pieces = [_split(mark) for mark in marks]
    found = [p for piece in pieces for _, p in piece]
    if len(found) > _MAX_DIGITS:
        return None
    digits = "".join(str(int(np.argmax(p))) for p in found)
    joined = any(len(piece) > 1 for piece in pieces)
    return Reading(digits, tuple(round(float(p.max()), 3) for p in found), joined)
