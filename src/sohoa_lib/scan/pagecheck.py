"""Page checks before OCR: resolution, colour, scale, blank, skew, brightness, page count."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sohoa_lib.common import clock
from sohoa_lib.errors import InputError, ParamsError
from sohoa_lib.scan.pages import PageSource, list_pages, open_page_reduced
from sohoa_lib.settings import PROFILE_NAMES, PROFILES

__all__ = [
    "PAPERS_MM", "Check", "FileCheck", "PageCheck", "Thresholds", "check_file", "check_image",
    "check_page", "file_check", "open_for_checks", "paper_by_aspect", "paper_by_size",
    "skew_angle", "unreadable",
]  # fmt: skip

# Standard papers in mm (short side, long side), most common first: ties go to the earlier one.
PAPERS_MM: dict[str, tuple[float, float]] = {
    "A4": (210.0, 297.0),
    "A3": (297.0, 420.0),
    "A5": (148.0, 210.0),
    "Letter": (215.9, 279.4),
    "Legal": (215.9, 355.6),
    "B5": (176.0, 250.0),
}
# A3, A4, A5 and B5 are all within 0.5% of one aspect ratio, closer than an auto-cropped scan keeps
# its shape, so the aspect alone cannot tell them apart: among papers this close to the best
# match, the most common (A4) wins. With a dpi in the file, the page size tells them apart.
_ASPECT_TIE = 0.005
_WORKING_DPI = 100.0
"""Blank, skew and brightness are measured on a copy at about this resolution."""
_SKEW_POINTS = 20_000
"""Ink pixels sampled for the skew search: enough for 0.1°, and 20 ms a page."""
_SKEW_PLAN = ((10.0, 0.5), (0.5, 0.1), (0.1, 0.02))
"""Skew search, coarse to fine: (half-width around the best angle so far, step), in degrees."""
_COLOUR_MODES = ("RGB", "RGBA", "RGBX")
_MODE_NAMES = {  # what a reviewer reads for each of Pillow's image modes
    **dict.fromkeys(("RGB", "RGBX"), "màu 24 bit"), "RGBA": "màu 24 bit (có kênh trong suốt)",
    **dict.fromkeys(("L", "LA"), "ảnh xám 8 bit"), "I;16": "ảnh xám 16 bit", "I": "ảnh xám 32 bit",
    "1": "ảnh đen trắng 1 bit", "P": "ảnh bảng màu 8 bit", "CMYK": "màu CMYK 32 bit",
}  # fmt: skip


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
    thresholds: Thresholds = Thresholds(),
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
    thresholds: Thresholds = Thresholds(),
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
    return open_page_reduced(page, _WORKING_DPI)


def unreadable(page: PageSource, exc: Exception) -> PageCheck:
    """The page's checks when it cannot be opened: its failed `readable` check alone."""
    read = Check("readable", "Đọc được ảnh", None, "", False, _after_label(str(exc), page))
    return PageCheck(page, 0, 0, "", None, "", None, (read,))


def check_image(
    page: PageSource,
    image: Image.Image,
    file_dpi: tuple[float, float] | None,
    profile: str = "tt05-2025",
    thresholds: Thresholds = Thresholds(),
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
    dpi, source, paper, resolution, scale = _geometry(width, height, file_dpi, t)
    gray = _working_copy(image, dpi, width)
    ink, share, mean, contrast = _tone(gray)
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
        _skew(None if blank else _skew_of(ink), t),
        brightness,
    )
    return PageCheck(page, width, height, image.mode, dpi, source, paper, checks)


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
    ink = _tone(gray)[0]
    angle = _skew_of(ink)
    return 0.0 if angle is None else angle


# Geometry -------------------------------------------------------------------------------------


def _geometry(
    width: int, height: int, file_dpi: tuple[float, float] | None, t: Thresholds
) -> tuple[float | None, str, str | None, Check, Check]:
    """Effective dpi, its source, the paper, and the resolution and scale checks.

    100% scale means no zoom: the pixels at the scanner's resolution give the sheet's real size.
    A cropped or non-standard sheet is at 100% as much as an A4 one, so the size is noted, never
    held against the standard papers. Only a size no document has says the tag is wrong.
    """
    if file_dpi is not None:
        size_mm = (width / file_dpi[0] * 25.4, height / file_dpi[1] * 25.4)
        longest = max(size_mm)
        if t.smallest_mm <= longest <= t.largest_mm:
            return _tagged(file_dpi, size_mm, t)
        shown = f"{_num(min(file_dpi))} dpi"
        doubt = (
            f"tệp ghi {shown}, tức khổ {_num(size_mm[0])}×{_num(size_mm[1])} mm: "
            f"{'lớn' if longest > t.largest_mm else 'nhỏ'} hơn mọi văn bản "
            f"({_num(t.smallest_mm)}–{_num(t.largest_mm)} mm), nên không dùng thông số này"
        )
        return _inferred(width, height, t, doubt)
    return _inferred(width, height, t, "tệp không ghi độ phân giải")


def _tagged(file_dpi: tuple[float, float], size_mm: tuple[float, float], t: Thresholds):
    name, label = "resolution", "Độ phân giải"
    dpi = min(file_dpi)
    # PNG stores dots per metre: 200 dpi comes back as 199.9996.
    ok = dpi >= t.min_dpi - 0.5
    why = "" if ok else f"độ phân giải {_num(dpi)} dpi < {_num(t.min_dpi)} dpi"
    resolution = Check(name, label, round(dpi, 1), "dpi", ok, why)
    paper = paper_by_size(*size_mm, t.scale_tolerance)
    size = f"{_num(size_mm[0])}×{_num(size_mm[1])} mm"
    shown = size if paper is None else f"{size} ({paper})"
    # Not a fault (old records are on many sheets, scanners crop): said so a person can look.
    note = (
        ""
        if paper
        else f"khổ {size} không theo khổ giấy chuẩn nào: trang bị cắt xén hoặc giấy khổ riêng"
    )
    scale = Check("scale", "Tỷ lệ 100%", shown, "", True, warning=note)
    return dpi, "tệp", paper, resolution, scale


def _inferred(width: int, height: int, t: Thresholds, doubt: str):
    """The resolution from the pixels and the standard paper of the same shape, with `doubt`
    (why the file's own value was not used) as the warning."""
    name, label = "resolution", "Độ phân giải"
    paper = paper_by_aspect(width, height, t.scale_tolerance)
    if paper is None:
        why = (
            f"{doubt}, và khổ ảnh {width}×{height} px không khớp khổ giấy chuẩn nào "
            f"({', '.join(PAPERS_MM)}) để suy ra độ phân giải"
        )
        scale = Check("scale", "Tỷ lệ 100%", None, "", True)  # nothing to measure it against
        return None, "", None, Check(name, label, None, "dpi", False, why), scale
    short, long = PAPERS_MM[paper]
    dpi = min(min(width, height) / short, max(width, height) / long) * 25.4
    # The paper is only known within the scale tolerance (an auto-cropped 200-dpi A4 page
    # infers to 197 dpi), so the inferred value gets that much benefit of the doubt.
    ok = dpi >= t.min_dpi * (1 - t.scale_tolerance)
    why = (
        ""
        if ok
        else f"độ phân giải {_num(dpi)} dpi (suy ra từ khổ {paper}) < {_num(t.min_dpi)} dpi"
    )
    warning = f"{doubt}; suy ra {_num(dpi)} dpi từ khổ ảnh {width}×{height} px coi như khổ {paper}"
    resolution = Check(name, label, round(dpi, 1), "dpi", ok, why, "" if not ok else warning)
    scale = Check(
        "scale", "Tỷ lệ 100%", None, "", True,
        warning="không đo được tỷ lệ khi độ phân giải là suy ra; cần người xem xác nhận",
    )  # fmt: skip
    return dpi, "suy ra", paper, resolution, scale


def paper_by_size(width_mm: float, height_mm: float, tolerance: float) -> str | None:
    """The standard paper, either way round, with both sides within `tolerance` of the page's."""
    best: tuple[float, str] | None = None
    for name, size in PAPERS_MM.items():
        paper_w, paper_h = _oriented(size, width_mm, height_mm)
        error = max(abs(width_mm / paper_w - 1), abs(height_mm / paper_h - 1))
        if error <= tolerance and (best is None or error < best[0]):
            best = (error, name)
    return None if best is None else best[1]


def paper_by_aspect(width: float, height: float, tolerance: float) -> str | None:
    """The standard paper whose aspect ratio is nearest the page's (A4 on near ties), if any."""
    aspect = max(width, height) / min(width, height)
    errors = {name: abs(aspect / (long / short) - 1) for name, (short, long) in PAPERS_MM.items()}
    best = min(errors.values())
    if best > tolerance:
        return None
    return next(name for name, error in errors.items() if error <= best + _ASPECT_TIE)


def _oriented(paper: tuple[float, float], width: float, height: float) -> tuple[float, float]:
    short, long = paper
    return (short, long) if width <= height else (long, short)


# Colour and tone ------------------------------------------------------------------------------


def _colour(mode: str, profile: str) -> Check:
    described = _MODE_NAMES.get(mode, f"ảnh chế độ {mode}")
    ok = mode in _COLOUR_MODES
    # tt05-2025 says 24-bit colour; tt02-2019 only "colour", which an RGB scan also satisfies.
    need = "màu 24 bit" if profile == "tt05-2025" else "ảnh màu"
    why = "" if ok else f"{described}, {PROFILE_NAMES.get(profile, profile)} cần {need}"
    return Check("colour", "Màu", described, "", ok, why)


def _working_copy(image: Image.Image, dpi: float | None, full_width: int) -> np.ndarray:
    """The page in grey at about 100 dpi: all that blank, skew and brightness need.

    The copy has the size a box reduction of the full image gives, whatever size `image` was
    decoded at, so the checks measure the same page either way."""
    shrunk = full_width / image.width
    full = (full_width, round(image.height * shrunk))
    reference = dpi or max(full) / (297 / 25.4)  # no dpi at all: treat the page as A4
    factor = max(1, round(reference / _WORKING_DPI))
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


def _tone(gray: np.ndarray) -> tuple[np.ndarray, float, float, float]:
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


def _skew_of(ink: np.ndarray) -> float | None:
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
        f"chữ cao {_num(letter, 1)} mm ở {_num(dpi * 1)} dpi, ngoài {_num(low, 1)}–{_num(high, 1)} mm "
        f"của chữ in: ảnh có vẻ đã bị {zoom} (tỷ lệ khác 100%)"
    )
    return Check("scale", scale.label, scale.value, scale.unit, False, why)


def _count(found: int | None, ok: bool, why: str) -> Check:
    return Check("page_count", "Số trang", found, "trang", ok, why)


def _blank(share: float, t: Thresholds) -> Check:
    ok = share >= t.blank_ink_share
    limit = _num(t.blank_ink_share * 100, 2)
    why = "" if ok else f"trang trắng: mực {_num(share * 100, 2)}% < {limit}% trang"
    return Check("blank", "Trang trắng", round(share * 100, 2), "% mực", ok, why)


def _skew(angle: float | None, t: Thresholds) -> Check:
    if angle is None:  # a blank page has no lines to level; the blank check has failed it
        return Check("skew", "Độ nghiêng", None, "°", True)
    ok = abs(angle) <= t.max_skew_deg
    why = "" if ok else f"nghiêng {_num(abs(angle), 1)}° > {_num(t.max_skew_deg, 1)}°"
    return Check("skew", "Độ nghiêng", angle, "°", ok, why)


def _brightness(mean: float, contrast: float, blank: bool, t: Thresholds) -> Check:
    value = round(mean, 1)
    if mean < t.dark_mean:
        why = f"quá tối: độ sáng trung bình {_num(mean)} < {_num(t.dark_mean)}"
    elif not blank and mean > t.light_mean and contrast < t.light_contrast:
        why = (
            f"quá sáng, chữ mờ: độ sáng trung bình {_num(mean)} > {_num(t.light_mean)}, "
            f"độ tương phản của chữ {_num(contrast * 100)}% < {_num(t.light_contrast * 100)}%"
        )
    else:
        return Check("brightness", "Độ sáng", value, "/255", True)
    return Check("brightness", "Độ sáng", value, "/255", False, why)


# Helpers --------------------------------------------------------------------------------------


def _known_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ParamsError(f"không có chuẩn đầu ra {profile!r}; dùng một trong {PROFILES}")


def _num(value: float, decimals: int = 0) -> str:
    """Vietnamese decimal comma: 2.5 → `2,5`."""
    return f"{value:.{decimals}f}".replace(".", ",")


def _after_label(message: str, page: PageSource) -> str:
    """An InputError's text without the page label in front: the report shows the label already."""
    prefix = f"{page.label}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
