"""The real scans (tests/data/real): where they lie, how the stage reads them, how a field is judged.

What the tests and the benchmarks (bench/bench_fields.py, bench/bench_real_ocr.py) both need, kept
once, so that a figure a test asserts and the same figure a benchmark prints are measured alike.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import unicodedata
from pathlib import Path

from sohoa_lib.describe.boxes import lines_from_tsv, page_size
from sohoa_lib.describe.documents import Field, PageInfo
from sohoa_lib.scan import ocr

REAL = Path(__file__).resolve().parent / "data" / "real"
"""One folder a document (rd01 …): its page images, `page_1.gt.txt` and `expected.json`."""
SCANS = sorted(p for p in REAL.glob("rd*/page_*.*") if p.suffix in (".jpg", ".png"))
"""Every real page image, the bitonal one included."""

# expected.json's names → sohoa's field keys.
KEYS = {
    "ten_loai": "ten_loai",
    "so": "so",
    "ky_hieu": "ky_hieu",
    "ngay": "ngay",
    "co_quan_ban_hanh": "co_quan_ban_hanh",
    "trich_yeu": "trich_yeu",
    "nguoi_ky": "nguoi_ky",
    "chuc_vu": "chuc_vu_nguoi_ky",
}


def expected(folder: Path) -> dict:
    """A real document's expected.json: its pages (file, approximate dpi) and its fields."""
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def normalise(value: str | None) -> str:
    """Whitespace and letter case normalised, NFC, as the real-scans README asks."""
    return " ".join(unicodedata.normalize("NFC", value or "").lower().split())


def same(name: str, found: str | None, expected: str | None) -> bool:
    if name == "ngay":
        try:
            return dt.date.fromisoformat(found or "") == dt.date.fromisoformat(expected or "")
        except ValueError:
            return False
    return normalise(found) == normalise(expected)


def flagged(field: Field) -> bool:
    """Whether a field is shown to the cataloguer as in doubt: a reason, or low confidence."""
    return bool(field.reason) or field.confidence < 0.6


def stage_read(scan: Path, dpi: float, scratch: Path, index: int = 0) -> dict:
    """One page read by the stage's own page OCR (`ocr.ocr_page`, fast model, the stage's
    default psm and working copy): the scan, its dpi, and the result's text, confidence, TSV and
    working-copy dpi."""
    task = ocr.PageTask(f"{scan.parent.name}#{index + 1:04d}", scan, index, dpi,
                        ocr.model("fast"), scratch / scan.parent.name)  # fmt: skip
    result = ocr.ocr_page(task)
    return {"scan": str(scan), "index": index, "dpi": dpi, "text": result.text,
            "conf": result.mean_confidence, "tsv": result.tsv, "ocr_dpi": result.ocr_dpi}  # fmt: skip


def stage_ocr(folder: Path, scratch: Path) -> list[dict]:
    """`stage_read` of each page of a real-scan folder."""
    return [stage_read(folder / p["file"], float(p.get("approx_dpi") or 300), scratch)
            for p in expected(folder)["pages"]]  # fmt: skip


def page_infos(read: list[dict]) -> list[PageInfo]:
    """The PageInfo the stage builds from each page's OCR (`_digitize_files.finish_file`)."""
    return [
        PageInfo(number, r["text"], r["conf"], lines=lines_from_tsv(r["tsv"]),
                 size=page_size(r["tsv"]), image_path=Path(r["scan"]), page_index=r["index"],
                 dpi=r["dpi"], ocr_dpi=r["ocr_dpi"])
        for number, r in enumerate(read, start=1)
    ]  # fmt: skip


def bare_tesseract(image: Path, tessdata: Path | None = None) -> str:
    """`tesseract IMAGE - -l vie` with nothing of sohoa's around it, on one thread."""
    args = ["tesseract", str(image), "-", "-l", "vie"]
    if tessdata is not None:
        args[1:1] = ["--tessdata-dir", str(tessdata)]
    env = os.environ | {"OMP_THREAD_LIMIT": "1"}
    return subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout


def pdf_text(pdf: Path) -> str:
    """A PDF's text layer as plain `pdftotext` reads it back (what a reader copies)."""
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
