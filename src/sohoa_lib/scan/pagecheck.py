"""Page checks before OCR: resolution, colour, scale, blank, skew, brightness, page count."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sohoa_lib.common import clock
from sohoa_lib.errors import InputError, ParamsError
from sohoa_lib.scan._geometry import PAPERS_MM, geometry, paper_by_aspect, paper_by_size
from sohoa_lib.scan._measure import WORKING_DPI, skew_angle, skew_of, tone, working_copy
from sohoa_lib.scan._verdicts import Check, Thresholds, num
from sohoa_lib.scan.pages import PageSource, list_pages, open_page_reduced
from sohoa_lib.settings import PROFILE_NAMES, PROFILES

__all__ = [
    "PAPERS_MM", "Check", "FileCheck", "PageCheck", "Thresholds", "check_file", "check_image",
    "check_page", "file_check", "open_for_checks", "paper_by_aspect", "paper_by_size",
    "skew_angle", "unreadable",
]  # fmt: skip

_COLOUR_MODES = ("RGB", "RGBA", "RGBX")
_MODE_NAMES = {  # what a reviewer reads for each of Pillow's image modes
    **dict.fromkeys(("RGB", "RGBX"), "màu 24 bit"), "RGBA": "màu 24 bit (có kênh trong suốt)",
    **dict.fromkeys(("L", "LA"), "ảnh xám 8 bit"), "I;16": "ảnh xám 16 bit", "I": "ảnh xám 32 bit",
    "1": "ảnh đen trắng 1 bit", "P": "ảnh bảng màu 8 bit", "CMYK": "màu CMYK 32 bit",
}  # fmt: skip

DEFAULTS = Thresholds()
"""The thresholds a unit uses unless its params set others."""


@dataclass(frozen=True)
class PageCheck:
    """Every check of one page, with what the page is."""

    page: PageSource
    width_px: int
    height_px: int
    mode: str
    """Pillow's image mode (`RGB`, `L`, `1`, …); empty when the image could not be read."""
    dpi: float | None
    """Effective resolution (the lower of x and y), from the file or inferred."""
    dpi_source: str
    """`tệp` (from the file), `suy ra` (inferred from pixel size and paper), or empty. When the
    file's tag was not trusted, the resolution check's warning gives the tag and why."""
    paper: str | None
    """The standard paper the page matches (A4, A3, Letter, Legal, B5, A5), if any."""
    checks: tuple[Check, ...]
    """The measured checks. An unreadable page has only its failed `readable` check: nothing
    else can be measured, and the failure alone flags its file for rescanning."""

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def reasons(self) -> list[str]:
        return [check.reason for check in self.checks if not check.passed]

    @property
    def warnings(self) -> list[str]:
        return [check.warning for check in self.checks if check.warning]


@dataclass(frozen=True)
class FileCheck:
    """A hồ sơ's page checks and its page count against the inventory."""

    ma_ho_so: str
    pages: tuple[PageCheck, ...]
    expected_pages: int | None
    """Số lượng trang in the inventory; None when it gives none."""
    count_check: Check
    checked_at: str = ""
    """When the checks ran, ISO 8601 with +07:00 (the PREMIS validation event's time)."""

    @property
    def needs_rescan(self) -> bool:
        """Cần quét lại: a page failed a check or pages are missing or extra."""
        return not self.count_check.passed or not all(page.passed for page in self.pages)

    @property
    def reasons(self) -> list[str]:
        """Every failure, each page's prefixed with its label."""
        found = [] if self.count_check.passed else [self.count_check.reason]
        return found + [f"{p.page.label}: {r}" for p in self.pages for r in p.reasons]


def check_file(
    ma_ho_so: str,
    folder: Path,
    expected_pages: int | None,
    profile: str = "tt05-2025",
    thresholds: Thresholds = DEFAULTS,
) -> FileCheck:
    """Check every page of one hồ sơ; a folder that cannot be listed fails the page count."""
    _known_profile(profile)
    try:
        sources = list_pages(folder)
    except InputError as exc:
        why = f"không đếm được trang: {exc}"
        return FileCheck(ma_ho_so, (), expected_pages, _count(None, False, why), clock.stamp())
    return file_check(
        ma_ho_so, [check_page(page, profile, thresholds) for page in sources], expected_pages
    )


def file_check(ma_ho_so: str, pages: list[PageCheck], expected_pages: int | None) -> FileCheck:
    """A hồ sơ's verdict from its pages' checks (run apart, in page order) and its page count."""
    pages = tuple(pages)
    ok = expected_pages is None or len(pages) == expected_pages
    why = "" if ok else f"có {len(pages)} trang ảnh, mục lục hồ sơ ghi {expected_pages} trang"
    return FileCheck(ma_ho_so, pages, expected_pages, _count(len(pages), ok, why), clock.stamp())


def check_page(
    page: PageSource,
    profile: str = "tt05-2025",
    thresholds: Thresholds = DEFAULTS,
) -> PageCheck:
    """Open one page and check it; an unreadable page is a failed check, never an exception."""
    _known_profile(profile)
    try:
        image, size, file_dpi = open_for_checks(page)
    except InputError as exc:
        return unreadable(page, exc)
    return check_image(page, image, file_dpi, profile, thresholds, size=size)


def open_for_checks(
    page: PageSource,
) -> tuple[Image.Image, tuple[int, int], tuple[float, float] | None]:
    """The page decoded at about the checks' resolution (JPEG draft mode), its full pixel size
    and file dpi: the checks see what the full image's ~100-dpi copy shows, at a fraction of the
    decoding."""
    return open_page_reduced(page, WORKING_DPI)


def unreadable(page: PageSource, exc: Exception) -> PageCheck:
    """The page's checks when it cannot be opened: its failed `readable` check alone."""
    read = Check("readable", "Đọc được ảnh", None, "", False, _after_label(str(exc), page))
    return PageCheck(page, 0, 0, "", None, "", None, (read,))


def check_image(
    page: PageSource,
    image: Image.Image,
    file_dpi: tuple[float, float] | None,
    profile: str = "tt05-2025",
    thresholds: Thresholds = DEFAULTS,
    *,
    size: tuple[int, int] | None = None,
) -> PageCheck:
    """Check a page already opened with `open_page`, so a caller can reuse the image for OCR.

    `size` is the page's full pixel size when `image` was decoded smaller (`open_for_checks`).
    """
    _known_profile(profile)
    t = thresholds
    width, height = size or image.size
    read = Check("readable", "Đọc được ảnh", f"{width}×{height} px", "", True)
    dpi, source, paper, resolution, scale = geometry(width, height, file_dpi, t)
    gray = working_copy(image, dpi, width)
    ink, share, mean, contrast = tone(gray)
    blank = share < t.blank_ink_share
    brightness = _brightness(mean, contrast, blank, t)
    # Letters are measured from the ink: on a blank, dark or washed-out page there is none to trust.
    if source == "tệp" and not blank and brightness.passed:
        scale = _letters(scale, ink, dpi * gray.shape[1] / width, t)
    checks = (
        read,
        resolution,
        _colour(image.mode, profile),
        scale,
        _blank(share, t),
        _skew(None if blank else skew_of(ink), t),
        brightness,
    )
    return PageCheck(page, width, height, image.mode, dpi, source, paper, checks)


# Geometry -------------------------------------------------------------------------------------


# Colour and tone ------------------------------------------------------------------------------


def _colour(mode: str, profile: str) -> Check:
    described = _MODE_NAMES.get(mode, f"ảnh chế độ {mode}")
    ok = mode in _COLOUR_MODES
    # tt05-2025 says 24-bit colour; tt02-2019 only "colour", which an RGB scan also satisfies.
    need = "màu 24 bit" if profile == "tt05-2025" else "ảnh màu"
    why = "" if ok else f"{described}, {PROFILE_NAMES.get(profile, profile)} cần {need}"
    return Check("colour", "Màu", described, "", ok, why)


def _letters(scale: Check, ink: np.ndarray, dpi: float, t: Thresholds) -> Check:
    """The scale check, failed when the page's letters are too small or large for print at 100%.

    A page's size alone cannot tell a zoomed scan from a small or cropped sheet; its type can.
    """
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    heights, areas = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_AREA]
    # Specks and rules aside: 0.5–10 mm tall. Too few letters (a drawing, a photo): no verdict.
    per_mm = dpi / 25.4
    keep = (heights >= 0.5 * per_mm) & (heights <= 10 * per_mm)
    heights, areas = heights[keep], areas[keep]
    if len(heights) < 100:
        return scale
    # The median by ink, not by count: a dithered or dusty page has many specks and little ink
    # in them.
    order = np.argsort(heights)
    middle = np.searchsorted(np.cumsum(areas[order]), areas.sum() / 2)
    letter = float(heights[order][middle]) / per_mm
    low, high = t.letter_mm
    if low <= letter <= high:
        return scale
    zoom = "thu nhỏ" if letter < low else "phóng to"
    why = (
        f"chữ cao {num(letter, 1)} mm ở {num(dpi * 1)} dpi, ngoài {num(low, 1)}–{num(high, 1)} mm "
        f"của chữ in: ảnh có vẻ đã bị {zoom} (tỷ lệ khác 100%)"
    )
    return Check("scale", scale.label, scale.value, scale.unit, False, why)


def _count(found: int | None, ok: bool, why: str) -> Check:
    return Check("page_count", "Số trang", found, "trang", ok, why)


def _blank(share: float, t: Thresholds) -> Check:
    ok = share >= t.blank_ink_share
    limit = num(t.blank_ink_share * 100, 2)
    why = "" if ok else f"trang trắng: mực {num(share * 100, 2)}% < {limit}% trang"
    return Check("blank", "Trang trắng", round(share * 100, 2), "% mực", ok, why)


def _skew(angle: float | None, t: Thresholds) -> Check:
    if angle is None:  # a blank page has no lines to level; the blank check has failed it
        return Check("skew", "Độ nghiêng", None, "°", True)
    ok = abs(angle) <= t.max_skew_deg
    why = "" if ok else f"nghiêng {num(abs(angle), 1)}° > {num(t.max_skew_deg, 1)}°"
    return Check("skew", "Độ nghiêng", angle, "°", ok, why)


def _brightness(mean: float, contrast: float, blank: bool, t: Thresholds) -> Check:
    value = round(mean, 1)
    if mean < t.dark_mean:
        why = f"quá tối: độ sáng trung bình {num(mean)} < {num(t.dark_mean)}"
    elif not blank and mean > t.light_mean and contrast < t.light_contrast:
        why = (
            f"quá sáng, chữ mờ: độ sáng trung bình {num(mean)} > {num(t.light_mean)}, "
            f"độ tương phản của chữ {num(contrast * 100)}% < {num(t.light_contrast * 100)}%"
        )
    else:
        return Check("brightness", "Độ sáng", value, "/255", True)
    return Check("brightness", "Độ sáng", value, "/255", False, why)


# Helpers --------------------------------------------------------------------------------------


def _known_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ParamsError(f"không có chuẩn đầu ra {profile!r}; dùng một trong {PROFILES}")


def _after_label(message: str, page: PageSource) -> str:
    """An InputError's text without the page label in front: the report shows the label already."""
    prefix = f"{page.label}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
