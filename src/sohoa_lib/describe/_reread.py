"""A second reading of a few field regions, cropped from the scan itself and read line by line.

The page's own OCR reads a working copy of the whole page (seals and signatures lifted by shape,
automatic segmentation). Where a field came out in doubt, the region read again alone often
comes out right: segmentation no longer joins the line to a stamp or seal beside it, and the
signer block under a seal is read with the seal's red ink taken out by colour (inside the
block, printed text is black). The caller compares the two readings and flags a disagreement.
"""

from __future__ import annotations

import concurrent.futures as cf
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sohoa_lib.describe.boxes import Line, Word, lines_from_tsv, rows_of
from sohoa_lib.scan.ocr import open_page
from sohoa_lib.scan.workcopy import OCR_DPI
from sohoa_lib.tools import tesseract

# Crops are read at this resolution, as the working copy is (`workcopy.OCR_DPI`): Tesseract's
# line models want the x-height 10–13 pt print has at 300 dpi. A rendered `Số:` line cropped
# from a 500-dpi scan read at confidence 47 as it was, 68 resampled to 300 dpi.
_CROP_DPI = float(OCR_DPI)
_KEEP = (280.0, 330.0)
"""Scans within this range of resolutions are cropped as they are."""
# A pixel is seal ink when its red exceeds both green and blue by this much (0–255). In the
# bottom 40% of the last page of the four colour scans in tests/data/real, seal-red pixels
# (R > 120, G < 110, B < 120) stand 130–250 above (5th–95th percentile), dark print 0–21
# (95th percentile; where print and seal overlap, up to 78).
_RED_OVER = 50


@dataclass(frozen=True)
class Region:
    """A field's region on the page, in working-copy pixels, and how to read it again."""

    box: tuple[float, float, float, float]
    """Where the field's lines are (x0, y0, x1, y1); lines read inside it replace the page's."""
    margin: tuple[float, float]
    """Added around `box` (x, y) in the crop, so that no stroke is cut at its edge."""
    psm: int
    """7 for one line (Số, the date line), 6 for a block (summary, signer)."""
    drop_red: bool = False
    """Take red seal ink out by colour (the signer block)."""


def region_of(lines: Sequence[Line], psm: int, *, above: float = 0.3, below: float = 0.3,
              side: float = 1.0, span: tuple[float, float] | None = None,
              drop_red: bool = False) -> Region | None:  # fmt: skip
    """The region around `lines`, widened by `above`, `below` and `side` line heights; `span`
    (x0, x1) when the region runs across a given width (a centred summary: the text's)."""
    if not lines:
        return None
    height = sorted(ln.y1 - ln.y0 for ln in lines)[len(lines) // 2]
    x0, y0 = min(ln.x0 for ln in lines), min(ln.y0 for ln in lines)
    x1, y1 = max(ln.x1 for ln in lines), max(ln.y1 for ln in lines)
    if span is not None:
        x0, x1 = min(x0, span[0]), max(x1, span[1])
    box = (x0 - side * height, y0 - above * height, x1 + side * height, y1 + below * height)
    return Region(box, (height, 0.3 * height), psm, drop_red)


def reread(
    image_path: Path, page_index: int, dpi: float, ocr_dpi: float,
    lines: Sequence[Line], regions: Sequence[Region], tessdata_dir: Path | None = None,
) -> tuple[Line, ...]:  # fmt: skip
    """The page's lines with those inside each region replaced by the region read again."""
    scale = dpi / ocr_dpi if ocr_dpi > 0 and dpi > 0 else 1.0
    out = list(lines)
    with tempfile.TemporaryDirectory(prefix="sohoa-reread-") as scratch:
        with open_page(image_path, page_index) as image:
            # Cropped from the open scan: a copy of a 500-dpi page costs as much as a crop's OCR.
            page = image.convert("RGB") if image.mode not in ("RGB", "L") else image
            crops = [_crop(page, region, scale, dpi, Path(scratch) / f"r{n}")
                     for n, region in enumerate(regions)]  # fmt: skip
        todo = [c for c in crops if c is not None]
        # Each Tesseract is a process of one thread, so the crops are read at once: the file
        # finished last in a run is finished while the other workers have nothing left to do.
        with cf.ThreadPoolExecutor(max(1, len(todo))) as pool:
            for done in [pool.submit(_ocr, c, tessdata_dir) for c in todo]:
                done.result()  # the first failure, in the regions' order, is the caller's
        for region, crop in zip(regions, crops, strict=True):
            found = None if crop is None else _lines(crop, region)
            if found is None:
                continue
            out = [ln for ln in out if not _inside(ln, region.box)]
            out += found
    return tuple(ln for row in rows_of(out) for ln in row)


def _inside(line: Line, box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = box
    return x0 <= line.centre <= x1 and y0 <= (line.y0 + line.y1) / 2 <= y1


@dataclass(frozen=True)
class _Crop:
    """A region cut from the scan and written for Tesseract, and how to map its words back."""

    base: Path
    """The crop is `base.pgm`; Tesseract writes `base.tsv`."""
    dpi: int
    """The crop's resolution, as Tesseract is told."""
    left: int
    top: int
    scale: float
    """Scan pixels per working-copy pixel."""
    up: float
    """Crop pixels per scan pixel."""
    psm: int


def _crop(page: Image.Image, region: Region, scale: float, dpi: float, base: Path) -> _Crop | None:
    """The region cut from the scan, written as `base.pgm`; None when it is too small to read.

    The crop is resampled to about 300 dpi, grey by luminance (red seal ink whitened in the
    signer block)."""
    (x0, y0, x1, y1), (mx, my) = region.box, region.margin
    left = max(0, round((x0 - mx) * scale))
    top = max(0, round((y0 - my) * scale))
    right = min(page.width, round((x1 + mx) * scale))
    bottom = min(page.height, round((y1 + my) * scale))
    if right - left < 8 or bottom - top < 8:
        return None
    crop = np.asarray(page.crop((left, top, right, bottom)))
    if crop.ndim == 3:
        grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
        if region.drop_red:
            r, g, b = (crop[..., i].astype(np.int16) for i in range(3))
            grey = np.where((r - g > _RED_OVER) & (r - b > _RED_OVER), 255, grey).astype(np.uint8)
    else:
        grey = crop.astype(np.uint8) if crop.dtype != bool else (crop * 255).astype(np.uint8)
    up = _CROP_DPI / dpi if dpi > 0 and not _KEEP[0] <= dpi <= _KEEP[1] else 1.0
    if up != 1.0:
        shrink = cv2.INTER_AREA if up < 1 else cv2.INTER_CUBIC
        grey = cv2.resize(grey, None, fx=up, fy=up, interpolation=shrink)
    Image.fromarray(grey).save(base.with_suffix(".pgm"))
    return _Crop(base, round(dpi * up), left, top, scale, up, region.psm)


def _ocr(crop: _Crop, tessdata_dir: Path | None) -> None:
    tesseract.run(crop.base.with_suffix(".pgm"), crop.base, dpi=crop.dpi, psm=crop.psm,
                  configs=("tsv",), tessdata_dir=tessdata_dir)  # fmt: skip


def _lines(crop: _Crop, region: Region) -> tuple[Line, ...] | None:
    """The crop's lines, their boxes in working-copy pixels; None when nothing was read."""
    found = lines_from_tsv(crop.base.with_suffix(".tsv").read_text(encoding="utf-8"))
    if not found:
        return None
    scale, left, top = crop.scale, crop.left, crop.top
    back = 1 / (crop.up * scale)

    def mapped(w: Word) -> Word:
        return Word(w.text, round(w.x0 * back + left / scale), round(w.y0 * back + top / scale),
                    round(w.x1 * back + left / scale), round(w.y1 * back + top / scale), w.conf)  # fmt: skip

    # Only words whose middle is inside the box: a stroke of the line above or below, cut by the
    # crop's edge, is no part of the field.
    kept = [[m for m in map(mapped, ln.words) if _inside_word(m, region.box)] for ln in found]
    # A crop of the scan keeps the specks the working copy's clean-up takes out: a line with no
    # letter or digit is one.
    return tuple(Line.of(w) for w in kept if any(c.isalnum() for x in w for c in x.text))


def _inside_word(word: Word, box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = box
    return x0 <= (word.x0 + word.x1) / 2 <= x1 and y0 <= (word.y0 + word.y1) / 2 <= y1
