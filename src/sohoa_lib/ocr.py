"""Page OCR: a 300-dpi working copy without seal and signature ink, read by Tesseract in Vietnamese."""

from __future__ import annotations

import concurrent.futures as cf
import csv
import multiprocessing
import os
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image

from . import _tesseract, _worker
from .errors import InputError, MissingToolError, ParamsError

__all__ = [
    "OCR_DPI",
    "OcrModel",
    "PageResult",
    "PageTask",
    "model",
    "ocr_page",
    "ocr_pages",
    "open_page",
    "page_jpeg",
    "prepare",
]

FETCH_BEST = "scripts/fetch-tessdata-best.sh"


@dataclass(frozen=True)
class OcrModel:
    """The Vietnamese model Tesseract reads with, and where it comes from (recorded in run.json)."""

    name: str
    """`vie` (the fast model installed with Tesseract) or `vie-best` (tessdata "best")."""
    tessdata_dir: Path | None
    """Folder holding `vie.traineddata`; None for Tesseract's own folder."""
    source: str
    """Where the model file comes from: package, version, upstream repository."""
    licence: str
    """Licence of the model file."""


def model(name: str = "fast", tessdata_dir: Path | None = None) -> OcrModel:
    """The `fast` model (Debian's tesseract-ocr-vie) or the `best` one fetched into `tessdata_dir`.

    `tessdata_dir` is only read for `best`. The best model takes about 20% longer; on the demo
    pages, with seal and signature ink removed, both read within 0.6% CER.
    """
    if name == "fast":
        if "vie" not in _tesseract.languages():
            raise MissingToolError(
                "Tesseract has no Vietnamese model; install the tesseract-ocr-vie package"
            )
        return OcrModel("vie", None, _debian_source(), "Apache-2.0")
    if name != "best":
        raise ParamsError(f"unknown OCR model {name!r}, expected 'fast' or 'best'")
    if tessdata_dir is None:
        raise ParamsError(f"the best OCR model needs tessdata_dir: fetch it with {FETCH_BEST} DIR")
    folder = Path(tessdata_dir)
    if not (folder / "vie.traineddata").is_file():
        raise ParamsError(
            f"{folder / 'vie.traineddata'} not found: fetch the best model with {FETCH_BEST} {folder}"
        )
    return OcrModel("vie-best", folder, _recorded_source(folder), "Apache-2.0")


def _debian_source() -> str:
    version = ""
    if shutil.which("dpkg-query") is not None:
        done = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", "tesseract-ocr-vie"],
            capture_output=True, text=True, check=False, timeout=30,
        )  # fmt: skip
        version = done.stdout.strip()
    package = f"Debian package tesseract-ocr-vie {version}".strip()
    return f"{package}; upstream: https://github.com/tesseract-ocr/tessdata_fast"


def _recorded_source(folder: Path) -> str:
    """The provenance written by the fetch script (SOURCE.txt), on one line."""
    record = folder / "SOURCE.txt"
    if not record.is_file():
        return f"{folder / 'vie.traineddata'} (no SOURCE.txt: provenance unknown)"
    lines = record.read_text(encoding="utf-8").splitlines()
    return "; ".join(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class PageTask:
    """One page to OCR: all a worker process needs (picklable)."""

    key: str
    """Names the page in results, file names and errors (`BN.2019.THU.0042#0001`)."""
    image_path: Path
    """The scan: an image file, a multi-page TIFF, or a PDF of page images."""
    page_index: int
    """0-based page within `image_path` (0 for a one-page image)."""
    dpi: float
    """The scan's resolution (as checked: from the file or inferred from the paper size)."""
    model: OcrModel
    workdir: Path
    """Where the page's text-only PDF is written."""
    psm: int = 6
    """Tesseract page segmentation: 6, one block of text, reads the side-by-side header and
    signature columns row by row and is faster than 3 (automatic), which garbled short lines."""
    drop_ink: bool = True
    """Whiten red (seal) and blue/violet (signature) ink before OCR."""


@dataclass(frozen=True)
class PageResult:
    """What OCR found on one page."""

    key: str
    text: str
    """The page's text, NFC, one line per text line."""
    mean_confidence: float
    """Mean word confidence (0–100); NaN when the page has no words."""
    words: int
    text_pdf: Path
    """Tesseract's text-only PDF of the page, sized from the working copy and its dpi: the
    original page's paper size (to Tesseract's whole-dpi rounding)."""
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent opening, preparing and in Tesseract."""
    ink: dict = field(default_factory=dict)
    """Seal and signature ink removed: red_share, blue_share (share of the page's pixels) and
    red_box, blue_box ((x0, y0, x1, y1) as shares of width and height, or None)."""


def prepare(image: Image.Image, dpi: float) -> Image.Image:
    """The OCR working copy of a scan: grey, about 300 dpi, seal and signature ink whitened.

    Its `info["dpi"]` is the working copy's resolution, which is what Tesseract must be told.
    """
    working = _prepare(image, dpi)
    working.image.info["dpi"] = (working.dpi, working.dpi)
    return working.image


def ocr_page(task: PageTask) -> PageResult:
    """OCR one page (in a worker process): working copy, Tesseract, text, confidence, text PDF."""
    started = time.perf_counter()
    with open_page(task.image_path, task.page_index, task.key) as image:
        opened = time.perf_counter()
        working = _prepare(image, task.dpi, drop_ink=task.drop_ink)
    prepared = time.perf_counter()
    task.workdir.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", task.key)
    final = task.workdir / f"{stem}.pdf"
    # Tesseract writes beside its input; a scratch folder keeps half-written files off final names.
    scratch = Path(tempfile.mkdtemp(prefix=f".{stem}.", dir=task.workdir))
    try:
        working_copy = scratch / "page.pgm"
        working.image.save(working_copy)  # uncompressed: written and read in a few ms
        _tesseract.run(
            working_copy,
            scratch / "page",
            dpi=round(working.dpi),
            psm=task.psm,
            tessdata_dir=task.model.tessdata_dir,
            page=task.key,
        )
        read = time.perf_counter()
        text = unicodedata.normalize("NFC", (scratch / "page.txt").read_text(encoding="utf-8"))
        confidences = _word_confidences(scratch / "page.tsv")
        os.replace(scratch / "page.pdf", final)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return PageResult(
        key=task.key,
        text="\n".join(line.rstrip() for line in text.strip("\f\n ").splitlines()),
        mean_confidence=float(np.mean(confidences)) if confidences else float("nan"),
        words=len(confidences),
        text_pdf=final,
        seconds=time.perf_counter() - started,
        timings={
            "open": opened - started,
            "prepare": prepared - opened,
            "tesseract": read - prepared,
        },
        ink=working.ink,
    )


def _word_confidences(tsv: Path) -> list[float]:
    with tsv.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        # Level 5 rows are words; -1 marks rows that are not words.
        return [
            float(row["conf"])
            for row in rows
            if row["level"] == "5" and float(row["conf"]) >= 0 and (row["text"] or "").strip()
        ]


def ocr_pages(
    tasks: Sequence[PageTask],
    executor: cf.Executor | None = None,
    *,
    progress: Callable[[PageResult], None] | None = None,
) -> list[PageResult]:
    """OCR pages in parallel on `executor` (default: one process per core); results in task order.

    Any `concurrent.futures.Executor` will do, such as a Dask cluster's `get_executor()`. The
    first failure cancels the pages not yet started and is raised.
    """
    if not tasks:
        return []
    own = executor is None
    if executor is None:
        # spawn, not fork: forking a process that runs threads (Jupyter, Dask) can deadlock.
        executor = cf.ProcessPoolExecutor(
            min(_cores(), len(tasks)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker.die_with_parent,  # a killed run's workers must not go on writing
            initargs=(os.getpid(),),
        )
    futures = {executor.submit(ocr_page, task): i for i, task in enumerate(tasks)}
    results: list[PageResult | None] = [None] * len(tasks)
    try:
        for future in cf.as_completed(futures):
            result = future.result()
            results[futures[future]] = result
            if progress is not None:
                progress(result)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    finally:
        if own:
            executor.shutdown(cancel_futures=True)
    return [r for r in results if r is not None]


def _cores() -> int:
    # The cores this process may run on (a container's share), not the machine's count.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# Page images ----------------------------------------------------------------------------------


def open_page(path: Path, index: int = 0, where: str = "") -> Image.Image:
    """Page `index` (0-based) of a scan, loaded: an image file, a multi-page TIFF, or a PDF whose
    pages are scanned images (the largest image of the page is the scan)."""
    where = where or f"{path} page {index + 1}"
    try:
        if path.suffix.lower() == ".pdf":
            with pikepdf.open(path) as pdf:
                return _pdf_image(pdf, index, where).as_pil_image()
        image = Image.open(path)
        try:
            image.seek(index)
            image.load()
        except BaseException:
            image.close()
            raise
        return image
    except FileNotFoundError:
        raise InputError(f"{where}: file not found") from None
    except EOFError:
        raise InputError(f"{where}: the file has no page {index + 1}") from None
    except (OSError, ValueError, Image.DecompressionBombError, pikepdf.PdfError) as exc:
        raise InputError(f"{where}: cannot read the page image: {exc}") from None


def page_jpeg(path: Path, index: int = 0) -> bytes | None:
    """The page's JPEG bytes as scanned (a JPEG file, or a JPEG image in a PDF), else None.

    These are embedded in the PDF/A untouched: decoding and re-encoding them would lose quality.
    """
    suffix = path.suffix.lower()
    if suffix in (".jpg", ".jpeg", ".jpe", ".jfif"):
        data = path.read_bytes()
        return data if data[:3] == b"\xff\xd8\xff" else None
    if suffix == ".pdf":
        with pikepdf.open(path) as pdf:
            image = _pdf_image(pdf, index, f"{path} page {index + 1}")
            if image.filters == ["/DCTDecode"] and not any(image.decode_parms):
                return image.obj.read_raw_bytes()
    return None


def _pdf_image(pdf: pikepdf.Pdf, index: int, where: str) -> pikepdf.PdfImage:
    if not 0 <= index < len(pdf.pages):
        raise InputError(f"{where}: the PDF has {len(pdf.pages)} pages")
    images = [pikepdf.PdfImage(obj) for obj in pdf.pages[index].images.values()]
    if not images:
        raise InputError(f"{where}: the PDF page holds no scanned image")
    return max(images, key=lambda image: image.width * image.height)


# The working copy -----------------------------------------------------------------------------

OCR_DPI = 300
# Scans above this are downsampled to OCR_DPI: at 500 dpi Tesseract takes twice as long and
# reads worse. Below _UP_BELOW they are upsampled: at 150 dpi that halved the error rate on the
# demo pages, at 200 dpi it did not help.
_DOWN_ABOVE, _UP_BELOW = 330, 200
# Share of dark specks on blank paper above which a 3×3 median filter is applied. On clean pages
# it changes nothing (0.51% CER with or without) and costs time; on speckled pages it cut the
# error rate from 1.7% to 0.8% (0.1% specks) and from 42% to 1.2% (2% specks).
_SPECKS = 0.001


@dataclass(frozen=True)
class _Working:
    image: Image.Image
    dpi: float
    ink: dict


def _prepare(image: Image.Image, dpi: float, *, drop_ink: bool = True) -> _Working:
    width, height = image.size
    image = _plain_mode(image)
    scale = OCR_DPI / dpi if dpi > _DOWN_ABOVE or dpi < _UP_BELOW else 1.0
    if scale <= 0.5:
        # A box reduction by the whole factor first: ten times cheaper than resampling.
        image = image.reduce(int(1 / scale))
    ink: dict = {}
    if image.mode == "RGB" and drop_ink:
        grey, ink = _drop_ink(image)
    else:
        grey = image.convert("L")
    size = (round(width * scale), round(height * scale))
    if grey.size != size:
        resample = Image.Resampling.BILINEAR if scale < 1 else Image.Resampling.BICUBIC
        grey = grey.resize(size, resample, reducing_gap=2.0 if scale < 1 else None)
    if _speckle(grey) > _SPECKS:
        grey = Image.fromarray(_median3(np.asarray(grey)))
    return _Working(grey, dpi * grey.width / width, ink)


def _plain_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit grey: keep the top 8 bits (convert("L") would clip instead of scale).
        top = 65535 if image.mode.startswith("I;16") else max(1, int(np.asarray(image).max()))
        pixels = np.asarray(image, dtype=np.float32) * (255 / top)
        return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    return image.convert("L" if image.mode in ("1", "LA", "F") else "RGB")


def _drop_ink(image: Image.Image) -> tuple[Image.Image, dict]:
    """Grey copy with red (seal) and blue/violet (signature) ink set to the paper's shade.

    Colour is judged by chroma (max - min channel), not HSV: Pillow's HSV conversion alone takes
    0.3 s a page.
    """
    r, g, b = (np.asarray(band) for band in image.split())
    # The brightest channel as grey: coloured paper comes out white, inks lighter than black text.
    grey = np.maximum(np.maximum(r, g), b)
    # Coloured pixels are a few percent of a page: judge only those, by their flat index.
    at = np.flatnonzero(grey - np.minimum(np.minimum(r, g), b) > 16)
    r, g, b, top = (channel.reshape(-1)[at].astype(np.int16) for channel in (r, g, b, grey))
    chroma = top - np.minimum(np.minimum(r, g), b)
    # Saturation over 0.16 (paper, grain and JPEG colour fringes stay below) and chroma over 16
    # (above): text printed under a seal or a signature is near black, its chroma under 16.
    coloured = chroma * 32 > top * 5
    # Hue within 30° of red; blue to violet is 180–330°.
    red = coloured & (r == top) & (np.abs(g - b) * 2 < chroma)
    blue = coloured & ~red & ((b == top) | ((r == top) & (b > g)))
    paper = np.percentile(grey[::16, ::16], 90)
    grey.reshape(-1)[at[red | blue]] = paper
    ink = {
        "red_share": round(float(red.sum()) / grey.size, 6),
        "blue_share": round(float(blue.sum()) / grey.size, 6),
        "red_box": _box(at[red], grey.shape),
        "blue_box": _box(at[blue], grey.shape),
    }
    return Image.fromarray(grey), ink


def _box(at: np.ndarray, shape: tuple[int, int], block: int = 32) -> tuple[float, ...] | None:
    """Where ink is dense (blocks about 3 mm square, 5% inked), as shares of width and height."""
    h, w = shape
    ys, xs = np.divmod(at, w)
    cols = w // block + 1
    dense = np.flatnonzero(np.bincount(ys // block * cols + xs // block) > block * block // 20)
    if not len(dense):
        return None
    by, bx = np.divmod(dense, cols)
    edges = (bx.min() * block / w, by.min() * block / h, (bx.max() + 1) * block / w,
             (by.max() + 1) * block / h)  # fmt: skip
    return tuple(round(min(1.0, float(v)), 4) for v in edges)


def _speckle(grey: Image.Image) -> float:
    """Share of pixels on blank paper much darker than their neighbours (dust, sensor noise)."""
    x = np.asarray(grey)[::4].astype(np.int16)
    paper = int(np.percentile(x[::4, ::4], 90))
    # Neighbours two pixels away: the scanner's grain is about two pixels wide.
    left, mid, right = x[:, :-4], x[:, 2:-2], x[:, 4:]
    on_paper = (left > paper - 40) & (right > paper - 40)
    return float((np.abs(mid - (left + right) // 2)[on_paper] > 40).mean()) if on_paper.any() else 0


def _median3(a: np.ndarray) -> np.ndarray:
    """Exact 3×3 median: sort each column of three, then the median of the three columns'
    maximum minimum, median median and minimum maximum (no SciPy or OpenCV needed)."""
    p = np.pad(a, 1, mode="edge")
    up, mid, down = p[:-2], p[1:-1], p[2:]
    low = np.minimum(np.minimum(up, mid), down)
    high = np.maximum(np.maximum(up, mid), down)
    med = _med3(up, mid, down)
    left, centre, right = slice(0, -2), slice(1, -1), slice(2, None)
    return _med3(
        np.maximum(np.maximum(low[:, left], low[:, centre]), low[:, right]),
        _med3(med[:, left], med[:, centre], med[:, right]),
        np.minimum(np.minimum(high[:, left], high[:, centre]), high[:, right]),
    )


def _med3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def cer(found: str, expected: str) -> float:
    """Character error rate of `found` against `expected`: Levenshtein distance over NFC text with
    whitespace collapsed, divided by the expected length (the tests' and the benchmark's measure)."""
    a, b = (" ".join(unicodedata.normalize("NFC", s).split()) for s in (expected, found))
    codes_b = np.array([ord(c) for c in b])
    row = steps = np.arange(len(b) + 1)
    for i, char in enumerate(a, start=1):
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[1:] + 1, row[:-1] + (codes_b != ord(char)))
        row = np.minimum.accumulate(best - steps) + steps  # insertions chain left to right
    return row[-1] / max(1, len(a))
