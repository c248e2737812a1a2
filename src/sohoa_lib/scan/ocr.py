"""Page OCR: a 300-dpi working copy without seals and signatures, read by Tesseract in Vietnamese."""

from __future__ import annotations

import concurrent.futures as cf
import csv
import functools
import io
import math
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

from sohoa_lib.common import clock
from sohoa_lib.common.workers import cores
from sohoa_lib.errors import InputError, MissingToolError, ParamsError
from sohoa_lib.pdf import textlayer
from sohoa_lib.scan import alto, workcopy
from sohoa_lib.scan.workcopy import OCR_DPI
from sohoa_lib.tools import tesseract

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

    `tessdata_dir` is only read for `best`. `fast` is the default because the figures do not
    favour `best` (bench/bench_real_ocr.py, body text of the real scans): rd01 0.76% against
    0.59%, rd02 0.29% against 0.38%, rendered pages equal, for about a fifth more time a page.
    """
    if name == "fast":
        if "vie" not in tesseract.languages():
            raise MissingToolError(
                "Tesseract không có mô hình tiếng Việt; hãy cài gói tesseract-ocr-vie"
            )
        return OcrModel("vie", None, _debian_source(), "Apache-2.0")
    if name != "best":
        raise ParamsError(f"không có mô hình OCR {name!r}: phải là 'fast' hoặc 'best'")
    if tessdata_dir is None:
        raise ParamsError(f"mô hình OCR best cần tessdata_dir: tải mô hình bằng {FETCH_BEST} DIR")
    folder = Path(tessdata_dir)
    if not (folder / "vie.traineddata").is_file():
        raise ParamsError(
            f"không tìm thấy {folder / 'vie.traineddata'}: tải mô hình best bằng {FETCH_BEST} {folder}"
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
    package = f"gói Debian tesseract-ocr-vie {version}".strip()
    return f"{package}; bản gốc: https://github.com/tesseract-ocr/tessdata_fast"


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
    psm: int = 3
    """Tesseract page segmentation: 3 (automatic) finds the columns. On the real scans in
    tests/data/real, 6 (one block of text) read the body at 3.0–3.6% CER against 0.3–0.8% for 3:
    it takes a header or signature column and the text beside it for one line."""
    lift_ink: bool = True
    """Lift round seals and pen signatures (by shape and colour) from the working copy."""
    source_name: str = ""
    """The scan's file name as archived, recorded in the page's ALTO."""


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
    """The page's invisible text as a one-page PDF (`textlayer`), the scan's size at its dpi."""
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent opening (`open`), preparing (`prepare`), in Tesseract (`tesseract`) and
    writing the page's text PDF and ALTO (`pdf`)."""
    ink: dict = field(default_factory=dict)
    """Seals and signatures lifted (`workcopy.Working.ink`)."""
    alto: Path | None = None
    """The page's full text as ALTO 4 XML, word boxes in the scan's own pixels."""
    tsv: str = ""
    """Tesseract's TSV (word and line boxes with confidences, in working-copy pixels)."""
    ocr_dpi: float = 0.0
    """Resolution of the working copy the boxes in `tsv` refer to."""
    engine: str = ""
    """The Tesseract that read the page (`tesseract --version`'s first line), for its PREMIS event."""
    finished_at: str = ""
    """When the page was read, ISO 8601 with +07:00."""


def prepare(image: Image.Image, dpi: float) -> Image.Image:
    """The OCR working copy of a scan (`workcopy.prepare`), its resolution in `info["dpi"]`."""
    working = workcopy.prepare(image, dpi)
    working.image.info["dpi"] = (working.dpi, working.dpi)
    return working.image


def ocr_page(task: PageTask) -> PageResult:
    """OCR one page (in a worker process): working copy, Tesseract, text, confidence, text PDF,
    ALTO."""
    started = time.perf_counter()
    image, size, dpi = _open_for_ocr(task)
    with image:
        opened = time.perf_counter()
        working = workcopy.prepare(image, dpi, lift_ink=task.lift_ink)
    prepared = time.perf_counter()
    task.workdir.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", task.key)
    final, final_alto = task.workdir / f"{stem}.pdf", task.workdir / f"{stem}.alto.xml"
    # Tesseract writes beside its input; a scratch folder keeps half-written files off final names.
    scratch = Path(tempfile.mkdtemp(prefix=f".{stem}.", dir=task.workdir))
    try:
        working_copy = scratch / "page.pgm"
        working.image.save(working_copy)  # uncompressed: written and read in a few ms
        tesseract.run(
            working_copy,
            scratch / "page",
            dpi=round(working.dpi),
            psm=task.psm,
            configs=("txt", "tsv", "pdf", "alto"),
            tessdata_dir=task.model.tessdata_dir,
            page=task.key,
        )
        read = time.perf_counter()
        text = unicodedata.normalize("NFC", (scratch / "page.txt").read_text(encoding="utf-8"))
        tsv = unicodedata.normalize("NFC", (scratch / "page.tsv").read_text(encoding="utf-8"))
        confidences = _word_confidences(tsv)
        page_alto = alto.from_tesseract(
            (scratch / "page.xml").read_bytes(), working.image.size, size,
            source=task.source_name or task.image_path.name, model=task.model.name,
        )  # fmt: skip
        alto.write(page_alto, final_alto)
        # The text layer from the ALTO lines, on the scan's own page size.
        textlayer.write_text_pdf(page_alto, scratch / "page.pdf", (task.dpi, task.dpi), final)
        written = time.perf_counter()
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
            "pdf": written - read,
        },
        ink=working.ink,
        alto=final_alto,
        tsv=tsv,
        ocr_dpi=working.dpi,
        engine=_engine(),
        finished_at=clock.stamp(),
    )


@functools.cache
def _engine() -> str:
    # Asked once per worker process: the program does not change under a running worker.
    return tesseract.version() or "tesseract"


def _open_for_ocr(task: PageTask) -> tuple[Image.Image, tuple[int, int], float]:
    """The page decoded no larger than the working copy needs, its full size, and the decoded
    image's dpi. A JPEG of twice OCR_DPI or more is decoded at a half, quarter or eighth (DCT
    scaling, never below OCR_DPI); anything else in full, as `open_page` does."""
    suffix = task.image_path.suffix.lower()
    if suffix in (".jpg", ".jpeg") and task.page_index == 0 and task.dpi >= 2 * OCR_DPI:
        try:
            image = Image.open(task.image_path)
            full = image.size
            share = OCR_DPI / task.dpi
            image.draft(image.mode, (math.ceil(full[0] * share), math.ceil(full[1] * share)))
            image.load()
        except FileNotFoundError:
            raise InputError(f"{task.key}: không tìm thấy tệp") from None
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise InputError(f"{task.key}: không đọc được ảnh trang: {exc}") from None
        return image, full, task.dpi * image.width / full[0]
    image = open_page(task.image_path, task.page_index, task.key)
    return image, image.size, task.dpi


def _word_confidences(tsv: str) -> list[float]:
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
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
        from sohoa_lib.scan.cluster import local_pool  # the one place page-work pools are made

        executor = local_pool(min(cores(), len(tasks)))
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


# Page images ----------------------------------------------------------------------------------


def open_page(path: Path, index: int = 0, where: str = "") -> Image.Image:
    """Page `index` (0-based) of a scan, loaded: an image file, a multi-page TIFF, or a PDF whose
    pages are scanned images (the largest image of the page is the scan)."""
    where = where or f"{path} trang {index + 1}"
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
        raise InputError(f"{where}: không tìm thấy tệp") from None
    except EOFError:
        raise InputError(f"{where}: tệp không có trang {index + 1}") from None
    except (OSError, ValueError, Image.DecompressionBombError, pikepdf.PdfError) as exc:
        raise InputError(f"{where}: không đọc được ảnh trang: {exc}") from None


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
            image = _pdf_image(pdf, index, f"{path} trang {index + 1}")
            if image.filters == ["/DCTDecode"] and not any(image.decode_parms):
                return image.obj.read_raw_bytes()
    return None


def _pdf_image(pdf: pikepdf.Pdf, index: int, where: str) -> pikepdf.PdfImage:
    if not 0 <= index < len(pdf.pages):
        raise InputError(f"{where}: tệp PDF chỉ có {len(pdf.pages)} trang")
    images = [pikepdf.PdfImage(obj) for obj in pdf.pages[index].images.values()]
    if not images:
        raise InputError(f"{where}: trang PDF không chứa ảnh quét")
    return max(images, key=lambda image: image.width * image.height)


def cer(found: str, expected: str, *, within: bool = False) -> float:
    """Character error rate of `found` against `expected`: Levenshtein distance over NFC text with
    whitespace collapsed, divided by the expected length (the tests' and the benchmark's measure).

    `within`: against the span of `found` that matches best (a page's body text transcribed
    alone, read back from the whole page), so text before and after it costs nothing.
    """
    a, b = (" ".join(unicodedata.normalize("NFC", s).split()) for s in (expected, found))
    codes_b = np.array([ord(c) for c in b])
    steps = np.arange(len(b) + 1)
    # Semi-global alignment when `within`: a free start (row 0 all zeros) and a free end (min).
    row = np.zeros_like(steps) if within else steps
    for i, char in enumerate(a, start=1):
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[1:] + 1, row[:-1] + (codes_b != ord(char)))
        row = np.minimum.accumulate(best - steps) + steps  # insertions chain left to right
    return (row.min() if within else row[-1]) / max(1, len(a))
