"""Measurements of a page's ink: the working copy the checks read, tone, ink bed and skew angle."""

from __future__ import annotations

import numpy as np
from PIL import Image

WORKING_DPI = 100.0
"""Blank, skew and brightness are measured on a copy at about this resolution."""


_SKEW_POINTS = 20_000
"""Ink pixels sampled for the skew search: enough for 0.1°, and 20 ms a page."""


_SKEW_PLAN = ((10.0, 0.5), (0.5, 0.1), (0.1, 0.02))
"""Skew search, coarse to fine: (half-width around the best angle so far, step), in degrees."""


def skew_angle(gray: np.ndarray) -> float:
    """Counter-clockwise rotation of the text lines in degrees (±10°); 0.0 when there is no ink.

    Projection profiles: the ink pixels' rows, projected at each candidate angle, pile up into the
    sharpest histogram (largest sum of squares) when the angle matches the lines. Full-size pages
    are first reduced to about 100 dpi (an A4 page's long side to ~1170 px).
    """
    factor = max(1, round(max(gray.shape) / 1170))
    if factor > 1:
        gray = np.asarray(
            Image.fromarray(np.ascontiguousarray(gray, dtype=np.uint8)).reduce(factor)
        )
    ink = tone(gray)[0]
    angle = skew_of(ink)
    return 0.0 if angle is None else angle


def working_copy(image: Image.Image, dpi: float | None, full_width: int) -> np.ndarray:
    """The page in grey at about 100 dpi: all that blank, skew and brightness need.

    The copy has the size a box reduction of the full image gives, whatever size `image` was
    decoded at, so the checks measure the same page either way."""
    shrunk = full_width / image.width
    full = (full_width, round(image.height * shrunk))
    reference = dpi or max(full) / (297 / 25.4)  # no dpi at all: treat the page as A4
    factor = max(1, round(reference / WORKING_DPI))
    base = image
    if image.mode.startswith("I"):  # 16-bit grey: Pillow's convert("L") would clip it to white
        base = Image.fromarray((np.asarray(image, dtype=np.uint32) >> 8).astype(np.uint8))
    elif image.mode not in ("L", "RGB", "RGBA", "RGBX"):  # modes Image.reduce does not take
        base = image.convert("L")
    if shrunk == 1:
        return np.asarray(base.reduce(factor).convert("L"))
    target = (-(-full[0] // factor), -(-full[1] // factor))  # what reduce(factor) would give
    if base.size != target:
        base = base.resize(target, Image.Resampling.BOX)
    return np.asarray(base.convert("L"))


def tone(gray: np.ndarray) -> tuple[np.ndarray, float, float, float]:
    """Ink mask, ink share, mean luminance and ink contrast of the page, scanner bed excluded."""
    hist = np.bincount(gray.ravel(), minlength=256)
    paper = float(np.searchsorted(np.cumsum(hist), 0.9 * gray.size))
    # Relative to the paper, so a dark scan's text still counts as ink (it is the dark check's).
    dark = gray < paper - max(24.0, 0.15 * paper)
    page = ~_bed(dark)
    ink = dark & page
    on_page = int(page.sum())
    if on_page == 0:
        return ink, 0.0, float(gray.mean()), 0.0
    share = float(ink.sum()) / on_page
    mean = float(gray.mean() if on_page == gray.size else gray[page].mean())
    median_ink = float(np.median(gray[ink])) if share else paper
    return ink, share, mean, (paper - median_ink) / paper if paper else 0.0


def _bed(dark: np.ndarray) -> np.ndarray:
    """Dark runs reaching in from the image's edges: scanner bed around a skewed or small sheet."""
    if not (dark[0].any() or dark[-1].any() or dark[:, 0].any() or dark[:, -1].any()):
        return np.zeros_like(dark)
    runs = np.logical_and.accumulate(dark, axis=1)
    runs |= np.logical_and.accumulate(dark[:, ::-1], axis=1)[:, ::-1]
    runs |= np.logical_and.accumulate(dark, axis=0)
    runs |= np.logical_and.accumulate(dark[::-1], axis=0)[::-1]
    return runs


def skew_of(ink: np.ndarray) -> float | None:
    rows, cols = np.nonzero(ink)
    if len(rows) < 50:
        return None
    step = max(1, len(rows) // _SKEW_POINTS)
    ys, xs = rows[::step].astype(np.float32), cols[::step].astype(np.float32)
    offset = np.float32(np.hypot(*ink.shape) + 1)  # keeps projections non-negative for bincount

    def sharpness(angle: float) -> float:
        theta = np.deg2rad(angle)
        projected = ys * np.float32(np.cos(theta)) + xs * np.float32(np.sin(theta)) + offset
        counts = np.bincount(projected.astype(np.int32))
        return float(np.dot(counts, counts))

    best = 0.0
    for half, step_deg in _SKEW_PLAN:
        n = round(half / step_deg)
        best = max((best + k * step_deg for k in range(-n, n + 1)), key=sharpness)
    return round(best, 2)
