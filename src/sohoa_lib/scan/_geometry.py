"""A page's size, paper and resolution from its pixels and its dpi tag, and the checks they decide."""

from __future__ import annotations

from sohoa_lib.scan._verdicts import Check, Thresholds, num

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


def geometry(
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
        shown = f"{num(min(file_dpi))} dpi"
        doubt = (
            f"tệp ghi {shown}, tức khổ {num(size_mm[0])}×{num(size_mm[1])} mm: "
            f"{'lớn' if longest > t.largest_mm else 'nhỏ'} hơn mọi văn bản "
            f"({num(t.smallest_mm)}–{num(t.largest_mm)} mm), nên không dùng thông số này"
        )
        return _inferred(width, height, t, doubt)
    return _inferred(width, height, t, "tệp không ghi độ phân giải")


def _tagged(file_dpi: tuple[float, float], size_mm: tuple[float, float], t: Thresholds):
    name, label = "resolution", "Độ phân giải"
    dpi = min(file_dpi)
    # PNG stores dots per metre: 200 dpi comes back as 199.9996.
    ok = dpi >= t.min_dpi - 0.5
    why = "" if ok else f"độ phân giải {num(dpi)} dpi < {num(t.min_dpi)} dpi"
    resolution = Check(name, label, round(dpi, 1), "dpi", ok, why)
    paper = paper_by_size(*size_mm, t.scale_tolerance)
    size = f"{num(size_mm[0])}×{num(size_mm[1])} mm"
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
        "" if ok else f"độ phân giải {num(dpi)} dpi (suy ra từ khổ {paper}) < {num(t.min_dpi)} dpi"
    )
    warning = f"{doubt}; suy ra {num(dpi)} dpi từ khổ ảnh {width}×{height} px coi như khổ {paper}"
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
