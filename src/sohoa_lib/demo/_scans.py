"""Demo scanner output: each requested file's documents composed, scanned, saved, with their text."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from sohoa_lib.common.files import atomic_path, write_text
from sohoa_lib.demo._letters import Letter, plan_letters
from sohoa_lib.demo._scanner import _apply, _render
from sohoa_lib.demo._typeset import DPI, _layout, _Page, _page_lines, font_files

# font_files is the typesetting's, named here too: tests that draw their own pages import it here.
__all__ = ["DEFECTS", "FORMATS", "ScanRequest", "font_files", "write_demo_scans"]

FORMATS = ("png", "jpeg", "tiff", "tiff-multipage", "pdf")
DEFECTS = ("blank", "skewed", "low_resolution", "no_dpi", "dark", "truncated", "grayscale")
_SUFFIX = {"png": ".png", "jpeg": ".jpg", "tiff": ".tif", "tiff-multipage": ".tif", "pdf": ".pdf"}
_JPEG_QUALITY = 80
# Fixed scan time for PDF metadata: Pillow would otherwise stamp the clock.
_SCAN_TIME = dt.datetime(2023, 6, 1, 8, 0, 0).timetuple()


@dataclass(frozen=True)
class ScanRequest:
    """One file (hồ sơ) to scan: who issued its documents, how many pages, which defects."""

    ma_ho_so: str
    """File code; the folder name under the scan directory."""
    parent: str
    """Parent body, upper case (`BẢO HIỂM XÃ HỘI VIỆT NAM`)."""
    issuer: str
    """Issuing body, upper case (`BẢO HIỂM XÃ HỘI TỈNH BẮC NINH`)."""
    place: str
    """Place name of the date line (`Bắc Ninh`)."""
    year: int
    """Every document is dated in this year."""
    pages: int
    """Page images to write; a defect changes a page, never removes one."""
    image_format: str
    """`png`, `jpeg`, `tiff` (one image per page), `tiff-multipage` or `pdf` (one file)."""
    defects: tuple[tuple[int, str], ...] = ()
    """(0-based page index, kind) pairs, kinds from DEFECTS; per-page formats only."""


def write_demo_scans(
    requests: Sequence[ScanRequest], scan_dir: Path, truth_dir: Path, seed: int
) -> pd.DataFrame:
    """Write each request's pages under `scan_dir/<ma_ho_so>/` and their text under `truth_dir`.

    Returns the manifest, one row per page: `file` relative to `scan_dir`, `truth_file` relative to
    `truth_dir`, `doc_seq` the document the page belongs to (a blank sheet, the one before it),
    `rotation_deg` the counter-clockwise rotation applied. Each file's pages depend only on `seed`
    and its request, so a file renders the same alone or among others.
    """
    _check(requests)
    rows = [row for r in requests for row in _write_file(r, Path(scan_dir), Path(truth_dir), seed)]
    columns = ["ma_ho_so", "page", "file", "defect", "dpi_written", "doc_seq", "truth_file"]
    manifest = pd.DataFrame(rows, columns=[*columns, "rotation_deg"])
    manifest["dpi_written"] = pd.Series([r["dpi_written"] for r in rows], dtype=object)
    manifest["doc_seq"] = manifest["doc_seq"].astype("Int64")
    return manifest


def _check(requests: Sequence[ScanRequest]) -> None:
    codes = [r.ma_ho_so for r in requests]
    for r in requests:
        where = f"scan request {r.ma_ho_so!r}"
        if not r.ma_ho_so or re.search(r"[/\\]|^\.+$", r.ma_ho_so):
            raise ValueError(f"{where}: mã hồ sơ must be a plain folder name")
        if codes.count(r.ma_ho_so) > 1:
            raise ValueError(f"{where}: requested twice")
        if not r.issuer.strip() or not r.place.strip():
            raise ValueError(f"{where}: issuer and place must not be empty")
        if r.image_format not in FORMATS:
            raise ValueError(f"{where}: image_format must be one of {FORMATS}")
        if r.pages < 1:
            raise ValueError(f"{where}: pages must be at least 1, got {r.pages}")
        if r.defects and r.image_format in ("tiff-multipage", "pdf"):
            raise ValueError(f"{where}: defects need a per-page format, not {r.image_format}")
        indexes = [index for index, _ in r.defects]
        if len(set(indexes)) != len(indexes):
            raise ValueError(f"{where}: one defect per page")
        for index, kind in r.defects:
            if kind not in DEFECTS:
                raise ValueError(f"{where}: unknown defect {kind!r}, expected one of {DEFECTS}")
            if not 0 <= index < r.pages:
                raise ValueError(f"{where}: defect on page {index}, outside 0..{r.pages - 1}")


def _write_file(request: ScanRequest, scan_dir: Path, truth_dir: Path, seed: int) -> list[dict]:
    key = int.from_bytes(hashlib.sha256(request.ma_ho_so.encode()).digest()[:8], "big")
    rng = np.random.default_rng([seed, key])
    defects = dict(request.defects)
    blanks = [i for i, kind in defects.items() if kind == "blank"]
    letters, docs = _compose(request, rng, request.pages - len(blanks))
    paper = tuple(int(c) + 242 for c in rng.integers(0, 7, size=3) - (0, 3, 12))
    folder, truth = scan_dir / request.ma_ho_so, truth_dir / request.ma_ho_so
    fmt, single = request.image_format, request.image_format in ("tiff-multipage", "pdf")
    images, written, rows = [], {"documents.json"}, []
    for index, (doc, page) in enumerate(_slots(request.pages, blanks, docs)):
        page_rng = np.random.default_rng([seed, key, index])
        defect = defects.get(index, "")
        if defect == "skewed":
            angle = float(page_rng.choice((-1, 1)) * page_rng.uniform(3, 6))
        else:
            angle = float(page_rng.uniform(-0.3, 0.3))
        image = _render(page, request.issuer, paper, page_rng, angle)
        image, dpi = _apply(image, defect, page_rng)
        name = f"{request.ma_ho_so if single else f'{index + 1:04d}'}{_SUFFIX[fmt]}"
        if single:
            images.append(image)
        else:
            _save(image, folder / name, fmt, dpi, truncate=defect == "truncated")
        text_name = f"page-{index + 1:04d}.txt"
        write_text(truth / text_name, "".join(f"{line}\n" for line in _page_lines(page)))
        written |= {name, text_name}
        rows.append(
            {
                "ma_ho_so": request.ma_ho_so,
                "page": index + 1,
                "file": f"{request.ma_ho_so}/{name}",
                "defect": defect,
                "dpi_written": dpi,
                "doc_seq": None if doc is None else doc + 1,
                "truth_file": f"{request.ma_ho_so}/{text_name}",
                "rotation_deg": round(angle, 3),
            }
        )
    if single:
        _save_all(images, folder / f"{request.ma_ho_so}{_SUFFIX[fmt]}", fmt, request.ma_ho_so)
    write_text(truth / "documents.json", _documents_json(request, letters, rows))
    for stale_in in (folder, truth):
        _remove_stale(stale_in, written)
    return rows


def _compose(
    request: ScanRequest, rng: np.random.Generator, content_pages: int
) -> tuple[list[Letter], list[list[_Page]]]:
    """The documents of one file, 1–3 of them (more only for long files), 1–2 pages each."""
    if content_pages == 0:
        return [], []
    fewest = -(-content_pages // 2)
    count = int(rng.integers(fewest, max(fewest, min(3, content_pages)) + 1))
    sizes = np.ones(count, dtype=int)
    sizes[rng.choice(count, size=content_pages - count, replace=False)] += 1
    letters = plan_letters(
        rng,
        parent=request.parent,
        issuer=request.issuer,
        year=request.year,
        count=count,
        file_code=request.ma_ho_so,
    )
    head = {"parent": request.parent, "issuer": request.issuer, "place": request.place}
    return letters, [
        _layout(x, int(n), rng, code=request.ma_ho_so, **head)
        for x, n in zip(letters, sizes, strict=True)
    ]


def _slots(
    pages: int, blanks: list[int], docs: list[list[_Page]]
) -> list[tuple[int | None, _Page | None]]:
    """(document index, page) of each page image; a blank sheet goes with the document before it."""
    flow = [(d, page) for d, doc in enumerate(docs) for page in doc]
    slots: list[tuple[int | None, _Page | None]] = []
    for index in range(pages):
        if index in blanks:
            slots.append((slots[-1][0] if slots else (0 if docs else None), None))
        else:
            slots.append(flow.pop(0))
    return slots


def _save(image: Image.Image, path: Path, fmt: str, dpi: int | None, truncate: bool) -> None:
    options: dict = {
        "png": {"compress_level": 1},
        "jpeg": {"quality": _JPEG_QUALITY},
        "tiff": {"compression": "tiff_lzw"},
    }[fmt]
    if dpi:
        options["dpi"] = (dpi, dpi)
    elif fmt == "tiff":
        # With no resolution tags Pillow reports 1 dpi; unit 1 says "no absolute unit" instead.
        options["tiffinfo"] = {296: 1, 282: 1, 283: 1}
    with atomic_path(path) as tmp:
        image.save(tmp, {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF"}[fmt], **options)
        if (fmt == "jpeg" and not dpi) or truncate:
            data = tmp.read_bytes()
            data = _strip_jfif(data) if fmt == "jpeg" and not dpi else data
            tmp.write_bytes(data[: int(len(data) * 0.55)] if truncate else data)


def _strip_jfif(data: bytes) -> bytes:
    """Drop the JFIF segment: libjpeg always writes one, and readers take its density for dpi."""
    if data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\x00":
        return data[:2] + data[4 + int.from_bytes(data[4:6], "big") :]
    return data


def _save_all(images: list[Image.Image], path: Path, fmt: str, title: str) -> None:
    first, rest = images[0], images[1:]
    with atomic_path(path) as tmp:
        if fmt == "pdf":
            first.save(
                tmp,
                "PDF",
                save_all=True,
                append_images=rest,
                resolution=float(DPI),
                quality=_JPEG_QUALITY,
                title=title,
                creationDate=_SCAN_TIME,
                modDate=_SCAN_TIME,
            )
        else:
            options = {"compression": "tiff_lzw", "dpi": (DPI, DPI)}
            first.save(tmp, "TIFF", save_all=True, append_images=rest, **options)


# Truth ----------------------------------------------------------------------------------------


def _documents_json(request: ScanRequest, letters: list[Letter], rows: list[dict]) -> str:
    entries = []
    for seq, letter in enumerate(letters, start=1):
        pages = [r["page"] for r in rows if r["doc_seq"] == seq]
        printed = [r["page"] for r in rows if r["doc_seq"] == seq and r["defect"] != "blank"]
        entries.append(
            {
                "seq": seq,
                "first_page": pages[0],
                "last_page": pages[-1],
                "pages": pages,
                "type_name": letter.kind,
                "number": letter.number,
                "symbol": letter.symbol,
                "date": letter.date.isoformat(),
                "place": request.place,
                "parent": request.parent,
                "issuer": request.issuer,
                "summary": letter.summary,
                "signer_title": letter.signer_block[-1],
                "signer_block": list(letter.signer_block),
                "signer_name": letter.signer_name,
                "seal_pages": printed[-1:],
                "signature_pages": printed[-1:],
            }
        )
    document = {"ma_ho_so": request.ma_ho_so, "documents": entries}
    return unicodedata.normalize("NFC", json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Delete pages a previous, longer or other-format run left, so the folder is this run's."""
    ours = re.compile(
        r"\d{4}\.(png|jpg|tif)|page-\d{4}\.txt|" + re.escape(folder.name) + r"\.(tif|pdf)"
    )
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name not in keep and ours.fullmatch(path.name):
            path.unlink()
