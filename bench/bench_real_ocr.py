"""Benchmark: OCR of the real scans (tests/data/real) and rendered pages, sohoa against bare tools.

For every page with a transcription (the real scans' page_1.gt.txt, the rendered pages' truth)
prints the character error rate of the body text (`ocr.cer(..., within=True)`: against the span
of the output that matches the transcription best), the share of the transcription's words not
found (in any order: the rendered pages' truth runs the two header columns together on one line,
a PDF's text keeps them apart, which costs CER but loses no word) and seconds per page:
- sohoa: the stage's page work (working copy, Tesseract, ALTO), text layer read back with plain
  `pdftotext` from the PDF/A;
- bare `tesseract IMAGE - -l vie` with the fast model and with tessdata best;
- `ocrmypdf --output-type pdfa -l vie` (when installed: make bench installs it), text read back
  with plain `pdftotext`.
One process per page, one thread each, pages one after another: seconds are per page on one core.
Then the throughput on every real page (all eight, bitonal included) with one process per core:
the stage's page work (`ocr.ocr_pages`) against bare `tesseract … pdf`, pages per minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# tests/_real.py: where the real scans are and how bare tools read them, as the tests do.
sys.path.insert(0, str(ROOT / "tests"))

from _real import REAL, SCANS, bare_tesseract, pdf_text  # noqa: E402
from sohoa_lib.pdf.pdfa import PdfPage, build_pdfa  # noqa: E402
from sohoa_lib.scan import ocr  # noqa: E402

BEST = Path(os.environ.get("SOHOA_TESSDATA_BEST", ROOT / "data" / "tessdata-best"))
ENV = os.environ | {"OMP_THREAD_LIMIT": "1"}


def pages() -> list[tuple[str, Path, str]]:
    """(name, image, transcription) for the real scans with one and a few rendered pages."""
    found = [(p.parent.name, p.parent / "page_1.jpg", p.read_text(encoding="utf-8"))
             for p in sorted(REAL.glob("rd*/page_1.gt.txt"))]  # fmt: skip
    from sohoa_lib.demo._scans import ScanRequest, write_demo_scans

    work = Path(tempfile.mkdtemp(prefix="bench-real-"))
    requests = [ScanRequest(f"BN.2019.THU.{i:04d}", "BẢO HIỂM XÃ HỘI VIỆT NAM",
                            "BẢO HIỂM XÃ HỘI TỈNH BẮC NINH", "Bắc Ninh", 2019, 1, "jpeg")
                for i in range(1, 4)]  # fmt: skip
    manifest = write_demo_scans(requests, work / "scans", work / "truth", seed=7)
    for row in manifest.itertuples():
        truth = (work / "truth" / row.truth_file).read_text(encoding="utf-8")
        found.append((f"demo {row.ma_ho_so[-4:]}", work / "scans" / row.file, truth))
    return found


def run_sohoa(image: Path, work: Path, model: ocr.OcrModel) -> tuple[str, float]:
    start = time.perf_counter()
    result = ocr.ocr_page(ocr.PageTask("bench#0001", image, 0, 300.0, model, work))
    pdf = work / "page.pdf"
    build_pdfa([PdfPage(image, 0, (300.0, 300.0), result.text_pdf)], pdf,
               xmp={"file": {"ma_ho_so": "bench"}, "document": None}, title="bench")  # fmt: skip
    seconds = time.perf_counter() - start
    return pdf_text(pdf), seconds


def run_tesseract(image: Path, best: bool) -> tuple[str, float] | None:
    if best and not (BEST / "vie.traineddata").is_file():
        return None
    start = time.perf_counter()
    text = bare_tesseract(image, BEST if best else None)
    return text, time.perf_counter() - start


def run_ocrmypdf(image: Path, work: Path) -> tuple[str, float] | None:
    exe = shutil.which("ocrmypdf") or str(Path(sys.executable).parent / "ocrmypdf")
    if not Path(exe).exists():
        return None
    out = work / "ocrmypdf.pdf"
    start = time.perf_counter()
    done = subprocess.run([exe, "--output-type", "pdfa", "-l", "vie", "-j", "1", "--quiet",
                           "--image-dpi", "300", str(image), str(out)],
                          capture_output=True, env=ENV, check=False)  # fmt: skip
    if done.returncode != 0:
        return None
    return pdf_text(out), time.perf_counter() - start


def throughput(model: ocr.OcrModel) -> tuple[float, float, int]:
    """Pages per minute over every real page: the stage's page work, then bare Tesseract."""
    jobs = os.cpu_count() or 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tasks = [ocr.PageTask(f"{p.parent.name}#{p.stem}", p, 0, 300.0, model, work / "s")
                 for p in SCANS]  # fmt: skip
        start = time.perf_counter()
        ocr.ocr_pages(tasks)
        ours = time.perf_counter() - start

        def bare(page: Path) -> None:
            out = work / "t" / f"{page.parent.name}-{page.stem}"
            out.parent.mkdir(exist_ok=True)
            subprocess.run(["tesseract", str(page), str(out), "-l", "vie", "pdf"],
                           check=True, capture_output=True, env=ENV)  # fmt: skip

        start = time.perf_counter()
        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(bare, SCANS))
        theirs = time.perf_counter() - start
    return len(SCANS) / ours * 60, len(SCANS) / theirs * 60, jobs


def missed_words(found: str, expected: str) -> float:
    """Share of the expected words (with their counts) that the output does not have, in any order."""
    want, got = Counter(expected.split()), Counter(found.split())
    return sum((want - got).values()) / max(1, sum(want.values()))


def main() -> int:
    fast = ocr.model("fast")
    best = ocr.model("best", BEST) if (BEST / "vie.traineddata").is_file() else None
    variants = ["sohoa fast", "sohoa best", "tesseract fast", "tesseract best", "ocrmypdf"]
    print(f"{'page':<10}" + "".join(f"{v:>27}" for v in variants))
    print(f"{'':<10}" + "".join(f"{'CER  words  s/page':>27}" for _ in variants))
    totals: dict[str, list[tuple[float, float, float]]] = {v: [] for v in variants}
    for name, image, truth in pages():
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            runs = {
                "sohoa fast": run_sohoa(image, work / "f", fast),
                "sohoa best": run_sohoa(image, work / "b", best) if best else None,
                "tesseract fast": run_tesseract(image, best=False),
                "tesseract best": run_tesseract(image, best=True),
                "ocrmypdf": run_ocrmypdf(image, work),
            }
        cells = []
        for variant in variants:
            run = runs[variant]
            if run is None:
                cells.append(f"{'–':>27}")
                continue
            error = ocr.cer(run[0], truth, within=True)
            missed = missed_words(run[0], truth)
            totals[variant].append((error, missed, run[1]))
            cells.append(f"{error:>12.2%}{missed:>7.1%}{run[1]:>8.2f}")
        print(f"{name:<10}" + "".join(cells), flush=True)
    cells = []
    for variant in variants:
        done = totals[variant]
        if not done:
            cells.append(f"{'–':>27}")
            continue
        cer, missed, seconds = (sum(values) / len(done) for values in zip(*done, strict=True))
        cells.append(f"{cer:>12.2%}{missed:>7.1%}{seconds:>8.2f}")
    print(f"{'mean':<10}" + "".join(cells))
    print("\nsohoa: working copy + Tesseract + ALTO + PDF/A, text read back with pdftotext; "
          "'–': not installed (make bench, make tessdata-best).")  # fmt: skip
    ours, theirs, jobs = throughput(fast)
    print(
        f"\nThroughput on the real pages, {jobs} processes: sohoa page work {ours:.1f} "
        f"pages/min, bare tesseract … pdf {theirs:.1f} pages/min"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
