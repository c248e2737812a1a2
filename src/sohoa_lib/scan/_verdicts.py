"""What a page check says: the thresholds it applies and one check's verdict with its reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """Pass marks of the page checks; the defaults follow the tt05-2025 and tt02-2019 profiles."""

    min_dpi: float = 200.0
    """Least resolution: ≥ 200 dpi in both profiles. Maps and technical drawings need 300 dpi
    under tt05-2025, but nothing in a page image says it is a drawing, so that is left to people."""
    max_skew_deg: float = 1.0
    """Largest skew, in degrees, either way; a straight scan on a feeder stays well under it."""
    dark_mean: float = 90.0
    """Mean luminance (0–255) of the page below which it is too dark; a good scan is about 220."""
    light_mean: float = 250.0
    """Mean luminance above which a page is washed out, when its ink is also faint (below)."""
    light_contrast: float = 0.5
    """Ink contrast, (paper − median ink) / paper, below which ink counts as faint; printed text
    scans at about 0.6. A sparse page of dark text on white paper is bright but not washed out."""
    blank_ink_share: float = 0.002
    """Share of ink pixels below which the page is blank; a demo page of text has 5–11%."""
    scale_tolerance: float = 0.03
    """How far a page's aspect may be from a standard paper's for the paper to be inferred."""
    largest_mm: float = 2 * 420.0
    """Longest side, in mm, that an office document can have: twice A3's. A dpi tag that makes a
    page longer is a wrong tag (72 dpi, a common default of scanners and image tools, makes a
    300-dpi A4 scan 1237 mm long), and the resolution is inferred from the pixels instead."""
    letter_mm: tuple[float, float] = (2.4, 5.0)
    """Height of the page's letters, in mm at the page's dpi (the median by ink of the shapes on
    the ~100-dpi check copy, where letters of a word touch), outside which the image was zoomed.
    Printed pages measure 3.3–4.1 mm (the real scans in tests/data/real and rendered pages), the
    same at half size 2.0–2.3 mm and at double size 5.1–7.1 mm; type of 10 pt measures about 2.7."""
    smallest_mm: float = 100.0
    """Longest side, in mm, below which a page is too small to be a document (A6 is 148 mm): a tag
    that claims twice the real resolution halves the page."""


@dataclass(frozen=True)
class Check:
    """One check of a page or file: what was measured and whether it passes."""

    name: str
    """Stable key: readable, resolution, colour, scale, blank, skew, brightness, page_count."""
    label: str
    """Heading for reports, in Vietnamese."""
    value: float | str | None
    """The measured value; None when it could not be measured."""
    unit: str
    """Unit of `value` (`dpi`, `%`, `°`, …)."""
    passed: bool
    """Whether the page (or file) passes this check."""
    reason: str = ""
    """Why it fails, in Vietnamese with the measured value and the threshold; empty if passed."""
    warning: str = ""
    """What a reviewer should know though the check passes (a dpi tag not trusted, a scale that
    could not be measured), in Vietnamese; empty when there is nothing to say."""


def num(value: float, decimals: int = 0) -> str:
    """Vietnamese decimal comma: 2.5 → `2,5`."""
    return f"{value:.{decimals}f}".replace(".", ",")
