"""The OCR working copy of a scan: grey by luminance, about 300 dpi, seals and pen signatures lifted.

Measured on the real 300-dpi scans in tests/data/real (body text CER against the transcriptions,
`tesseract -l vie`, automatic page segmentation):

| working copy                                       | rd01   | rd02   |
|----------------------------------------------------|--------|--------|
| the JPEG as it is (bare Tesseract)                 | 0.76%  | 0.29%  |
| luminance grey (this module, nothing else to lift) | 0.76%  | 0.29%  |
| brightest channel as grey, all red and blue ink    | 2.35%  | 1.73%  |
|   whitened (the working copy before issue 10)      |        |        |

The brightest channel makes black text lighter at its anti-aliased edges and JPEG colour fringes,
which is where the diacritics went; whitening every red or blue pixel also erased text printed in
colour and handwritten numbers. So grey is plain luminance, and ink is lifted only where its
shape says what it is: a round or oval red/violet seal, or a large, sparse cluster of pen strokes
(a signature). Red or blue printed lines, headings and handwritten numbers are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

__all__ = ["OCR_DPI", "Working", "prepare"]

OCR_DPI = 300
# Scans above this are downsampled to OCR_DPI: at 500 dpi Tesseract takes twice as long and reads
# no better. Below _UP_BELOW they are upsampled: at 150 dpi that halved the error rate on rendered
# pages; at 200 dpi it did not help.
_DOWN_ABOVE, _UP_BELOW = 330, 200
# Share of dark specks on blank paper above which a 3×3 median filter is applied. On clean pages
# (every real scan in tests/data/real) it is never triggered; on speckled rendered pages it cut the
# error rate from 1.7% to 0.8% (0.1% specks) and from 42% to 1.2% (2% specks).
_SPECKS = 0.001

# Ink detection runs on a copy at about this resolution: enough for shapes of a few mm.
_SHAPE_DPI = 75.0
# A seal (con dấu) of a Vietnamese body is round or oval, 30–45 mm across (Decree 99/2016/NĐ-CP,
# Annex); 18–80 mm takes in small "đã ký" rounds and worn, partly printed impressions.
_SEAL_MM = (18.0, 80.0)
_SEAL_ASPECT = 1.8
# A disc's convex hull fills 1.0 of its bounding ellipse and a square 1.27; a line of text, folded
# into a hull, is far from either. Round seals measured 0.93–1.02 on the rendered pages.
_SEAL_ROUNDNESS = (0.82, 1.12)
# A pen signature spans 25 mm or more and is sparse: strokes cover under 20% of its box, where a
# block of printed text, closed into one shape, covers 35–60% (measured on rendered pages).
_SIGNATURE_MIN_MM = (25.0, 8.0)
_SIGNATURE_MAX_FILL = 0.2


@dataclass(frozen=True)
class Working:
    """A working copy and what was lifted from it."""

    image: Image.Image
    """Grey (mode L), about OCR_DPI."""
    dpi: float
    """The working copy's resolution: what Tesseract must be told."""
    ink: dict
    """Seals and signatures lifted: red_share and blue_share (share of the page's pixels),
    red_box and blue_box ((x0, y0, x1, y1) as shares of width and height, or None), and the
    counts `seals` and `signatures`."""


def prepare(image: Image.Image, dpi: float, *, lift_ink: bool = True) -> Working:
    """The working copy of one page image at `dpi` (its real resolution)."""
    width, _ = image.size
    bitonal = image.mode == "1"
    image = _plain_mode(image)
    scale = OCR_DPI / dpi if dpi > _DOWN_ABOVE or dpi < _UP_BELOW else 1.0
    if scale <= 0.5:
        # A box reduction by the whole factor first: ten times cheaper than resampling.
        factor = int(1 / scale)
        image = image.reduce(factor)
        scale *= factor
    pixels = np.asarray(image)
    if scale < 1.0:
        # Down to the working resolution before anything else: the colour masks and ink lifting
        # then work on the ~8-Mpx working copy, not on a 500-dpi scan's 24 Mpx (0.24 s a page).
        size = (round(pixels.shape[1] * scale), round(pixels.shape[0] * scale))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
        scale = 1.0
    ink = _NO_INK
    if pixels.ndim == 3:
        grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
        if lift_ink:
            grey, ink = _lift_ink(pixels, grey, dpi * pixels.shape[1] / width)
    else:
        grey = np.ascontiguousarray(pixels)
    if scale != 1.0:  # upsampling: after lifting, which needs no more pixels than the scan has
        size = (round(grey.shape[1] * scale), round(grey.shape[0] * scale))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_CUBIC)
    # Not on bitonal scans: their lone pixels are the scanner's threshold, and a median erodes
    # thin strokes and diacritics (rd05: mean word confidence 93.8 without, 92.9 with).
    if not bitonal and _speckle(grey) > _SPECKS:
        grey = cv2.medianBlur(grey, 3)
    return Working(Image.fromarray(grey), dpi * grey.shape[1] / width, ink)


_NO_INK = {"red_share": 0.0, "blue_share": 0.0, "red_box": None, "blue_box": None,
           "seals": 0, "signatures": 0}  # fmt: skip


def _plain_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit grey: keep the top 8 bits (convert("L") would clip instead of scale).
        top = 65535 if image.mode.startswith("I;16") else max(1, int(np.asarray(image).max()))
        pixels = np.asarray(image, dtype=np.float32) * (255 / top)
        return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    return image.convert("L" if image.mode in ("1", "LA", "F") else "RGB")


def _lift_ink(rgb: np.ndarray, grey: np.ndarray, dpi: float) -> tuple[np.ndarray, dict]:
    """Fill the pixels of round seals and pen signatures from the paper around them; keep all else."""
    step = max(1, round(dpi / _SHAPE_DPI))
    mm = dpi / step / 25.4  # pixels per mm on the shape copy
    # The masks are pixel by pixel, so those of every step-th pixel are every step-th pixel of
    # the masks: the shapes are found on a sixteenth of the pixels, and the full-size masks made
    # only for a page with ink to lift (0.06 s a page, and memory traffic that two workers share).
    red, blue, _ = _colour_masks(np.ascontiguousarray(rgb[::step, ::step]))
    # Apart: a signature crossing a seal (as most do) would spoil the seal's round outline.
    seals = _seals(red, mm)
    signatures = _signatures(blue, mm) & ~seals
    if not (seals.any() or signatures.any()):
        return grey, dict(_NO_INK)  # most pages: no full-size mask work for nothing to lift
    red, blue, faint = _colour_masks(rgb)
    size = (rgb.shape[1], rgb.shape[0])
    seal_area, signature_area = (
        cv2.resize(m.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
        for m in (seals, signatures)
    )
    # Grown by two pixels: a dark ballpoint stroke's core has too little colour to be found, its
    # coloured edges on either side are.
    strokes = cv2.dilate((red | blue | faint).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    lifted_seals, lifted_signatures = strokes & seal_area, strokes & signature_area
    out = _inpaint(grey, lifted_seals | lifted_signatures)
    return out, {
        "red_share": round(float(lifted_seals.mean()), 6),
        "blue_share": round(float(lifted_signatures.mean()), 6),
        "red_box": _box(lifted_seals),
        "blue_box": _box(lifted_signatures),
        "seals": int(_count(seals)),
        "signatures": int(_count(signatures)),
    }


def _inpaint(grey: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`grey` with the masked pixels set to the paper's shade around them.

    The shade is the median of the box's paper (its unlifted pixels lighter than ink): the page's
    paper shade left light ghosts of the strokes on grey or aged paper, which Tesseract read as
    letters; inpainting (OpenCV's Telea) drew black text printed across a seal into it.
    """
    ys, xs = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if not len(ys):
        return grey
    y0, y1, x0, x1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
    out = grey.copy()
    box, inside = out[y0:y1, x0:x1], mask[y0:y1, x0:x1]
    around = box[~inside]
    if not len(around):
        return out
    paper = np.median(around[around >= np.percentile(around, 50)])
    box[inside] = paper
    return out


def _colour_masks(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Red-to-violet (seal ink) and blue (pen ink) pixels, by hue and saturation, and
    the faint coloured pixels (a seal's worn edge, a dark ballpoint stroke) that only count inside
    a shape already found to be a seal or a signature."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)  # hue 0–179
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    # Saturation over 60/255: paper, grain and JPEG colour fringes around black text stay below.
    inked = (sat > 60) & (val > 50)
    # Seal ink runs from red to violet (hue 125–179 and 0–12); pen ink is blue (95–125).
    red_hue = (hue <= 12) | (hue >= 125)
    blue_hue = (hue >= 95) & (hue < 125)
    # Chroma (max − min channel) over 14: near-black printed text under a seal stays below it.
    chroma = sat.astype(np.uint16) * val // 255
    faint = (chroma > 14) & (red_hue | blue_hue)
    return inked & red_hue, inked & blue_hue, faint


def _components(mask: np.ndarray, close_px: int) -> tuple[int, np.ndarray, np.ndarray]:
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (close_px, close_px))
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    return count, labels, stats


def _seals(mask: np.ndarray, mm: float) -> np.ndarray:
    """The filled outlines of round or oval shapes of seal size on the shape copy."""
    out = np.zeros(mask.shape, np.uint8)
    # Ink within 3 mm belongs together: a seal's ring, its lettering and its star, across a line
    # of black text printed over it (a 13-pt line is about 4 mm tall, half of that each side).
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max(3, round(6 * mm)) | 1,) * 2)
    grouped = cv2.dilate(mask.astype(np.uint8), grow)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grouped, connectivity=8)
    low, high = (size * mm for size in _SEAL_MM)
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        own = (labels[y : y + h, x : x + w] == i) & mask[y : y + h, x : x + w]
        points = cv2.findNonZero(own.astype(np.uint8))
        if points is None:
            continue
        _, _, bw, bh = cv2.boundingRect(points)
        if not (
            low <= min(bw, bh) and max(bw, bh) <= high and max(bw, bh) <= _SEAL_ASPECT * min(bw, bh)
        ):
            continue
        hull = cv2.convexHull(points)
        # Hull area against the ellipse inscribed in the bounding box.
        roundness = cv2.contourArea(hull) / (np.pi * bw * bh / 4)
        if _SEAL_ROUNDNESS[0] <= roundness <= _SEAL_ROUNDNESS[1]:
            cv2.fillPoly(out[y : y + h, x : x + w], [hull], 1)
    # A margin of 1 mm: the ring's outer edge and the ink's halo.
    margin = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max(3, round(2 * mm)),) * 2)
    return cv2.dilate(out, margin).astype(bool)


def _signatures(mask: np.ndarray, mm: float) -> np.ndarray:
    """Boxes of large, sparse clusters of pen strokes on the shape copy."""
    out = np.zeros(mask.shape, np.uint8)
    count, _, stats = _components(mask, max(3, round(3 * mm)))
    min_w, min_h = (size * mm for size in _SIGNATURE_MIN_MM)
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        if w < min_w or h < min_h:
            continue
        fill = mask[y : y + h, x : x + w].mean()
        if fill < _SIGNATURE_MAX_FILL:
            out[y : y + h, x : x + w] = 1
    return out.astype(bool)


def _count(mask: np.ndarray) -> int:
    return cv2.connectedComponents(mask.astype(np.uint8))[0] - 1


def _box(mask: np.ndarray) -> tuple[float, ...] | None:
    """The bounding box of the lifted ink, as shares of width and height."""
    ys = np.flatnonzero(mask.any(axis=1))
    if not len(ys):
        return None
    xs = np.flatnonzero(mask.any(axis=0))
    h, w = mask.shape
    return (round(xs[0] / w, 4), round(ys[0] / h, 4), round((xs[-1] + 1) / w, 4),
            round((ys[-1] + 1) / h, 4))  # fmt: skip


def _speckle(grey: np.ndarray) -> float:
    """Share of pixels on blank paper much darker than their neighbours (dust, sensor noise)."""
    x = grey[::4].astype(np.int16)
    paper = int(np.percentile(x[::4, ::4], 90))
    # Neighbours two pixels away: the scanner's grain is about two pixels wide.
    left, mid, right = x[:, :-4], x[:, 2:-2], x[:, 4:]
    on_paper = (left > paper - 40) & (right > paper - 40)
    return float((np.abs(mid - (left + right) // 2)[on_paper] > 40).mean()) if on_paper.any() else 0
