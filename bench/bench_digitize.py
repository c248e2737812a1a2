"""Benchmark: stage 2 against bare Tesseract and OCRmyPDF on the same rendered pages and cores.

Prints, side by side, pages per minute, peak memory of the whole process tree, output bytes per
page and the character error rate (CER) of each output's text layer read back with pdftotext,
against the ground truth the renderer wrote.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sohoa_lib.scan import ocr

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "bench" / "digitize"
JOBS = os.cpu_count() or 2


def make_pages(files: int, pages: int) -> tuple[Path, Path, pd.DataFrame]:
    """Render the benchmark's scans once (PNG, 300 dpi, A4) and keep them under data/bench/."""
    from sohoa_lib.demo._scans import ScanRequest, write_demo_scans

    scans, truth = DATA / "scans", DATA / "truth"
    manifest = DATA / "manifest.csv"
    if not manifest.exists():
        requests = [
            ScanRequest(f"TTLT.2019.VP.{i:05d}", "", "BẢO HIỂM XÃ HỘI VIỆT NAM", "Hà Nội", 2019,
                        pages, "png")
            for i in range(1, files + 1)
        ]  # fmt: skip
        write_demo_scans(requests, scans, truth, seed=11).to_csv(manifest, index=False)
    return scans, truth, pd.read_csv(manifest)


class PeakMemory:
    """Peak resident memory of this process and all its descendants, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid()))
            time.sleep(0.05)


def _tree_rss(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        total += next((int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS:")), 0)
        todo.extend(int(c) for c in children)
    return total * 1024


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


def truth_text(truth: Path, manifest: pd.DataFrame, ma: str) -> str:
    rows = manifest[manifest["ma_ho_so"] == ma].sort_values("page")
    return "\n".join((truth / t).read_text(encoding="utf-8") for t in rows["truth_file"])


def run_sohoa(scans: Path, truth: Path, manifest: pd.DataFrame, work: Path) -> dict:
    from sohoa_lib import UnitPaths, load_unit_settings
    from sohoa_lib.stages.digitize import run_digitize
    from sohoa_lib.stages.inventory import run_inventory

    files = sorted(manifest["ma_ho_so"].unique())
    rows = [{"Mã hồ sơ": ma, "Nhóm hồ sơ": "VP", "Thời gian bắt đầu": "2019",
             "Thời hạn bảo quản": "01", "Số lượng trang": int((manifest["ma_ho_so"] == ma).sum()),
             "Số lượt khai thác": 1, "Đã chỉnh lý": "x"} for ma in files]  # fmt: skip
    pd.DataFrame(rows).to_csv(work / "inventory.csv", index=False, encoding="utf-8-sig")
    (work / "params.yaml").write_text(
        "unit: TTLT\nname: Bench\nlevel: central\nphase: 1\ndeadline: '2023-12-30'\n"
        f"inventory: inventory.csv\nscans: {scans}\ncosts: {ROOT / 'params' / 'costs.yaml'}\n"
        "capacity: {scanners: 1, staff: 1}\nsigning: {organisation: Bench}\n"
        "selection: {target_share: 1.0}\ndigitize: {pdf_per: file}\n",
        encoding="utf-8",
    )
    settings = load_unit_settings(work / "params.yaml")
    paths = UnitPaths(work / "out", "TTLT")
    run_inventory(settings, paths)
    with PeakMemory() as memory:
        start = time.perf_counter()
        with cf.ProcessPoolExecutor(JOBS) as pool:
            run_digitize(settings, paths, executor=pool)
        seconds = time.perf_counter() - start
    pdfs = {ma: paths.digitize / "pdfa" / f"{ma}.pdf" for ma in files}
    return _measure(seconds, memory.peak, pdfs, truth, manifest)


def run_tesseract(scans: Path, truth: Path, manifest: pd.DataFrame, work: Path) -> dict:
    env = os.environ | {"OMP_THREAD_LIMIT": "1"}

    def one(row) -> Path:
        out = work / f"{row.ma_ho_so}-{row.page:04d}"
        subprocess.run(["tesseract", str(scans / row.file), str(out), "-l", "vie", "--dpi", "300",
                        "pdf"], check=True, capture_output=True, env=env)  # fmt: skip
        return Path(f"{out}.pdf")  # not with_suffix: the code has dots in it

    with PeakMemory() as memory:
        start = time.perf_counter()
        with cf.ThreadPoolExecutor(JOBS) as pool:
            outputs = list(pool.map(one, manifest.itertuples()))
        seconds = time.perf_counter() - start
    # One PDF per page here: compare each file's pages, joined, with its truth.
    by_file: dict[str, list[Path]] = {}
    for row, pdf in zip(manifest.itertuples(), outputs, strict=True):
        by_file.setdefault(row.ma_ho_so, []).append(pdf)
    return _measure(seconds, memory.peak, by_file, truth, manifest)


def run_ocrmypdf(scans: Path, truth: Path, manifest: pd.DataFrame, work: Path) -> dict | str:
    if shutil.which("ocrmypdf") is None and not (Path(sys.executable).parent / "ocrmypdf").exists():
        return "ocrmypdf is not installed (make bench installs it)"
    exe = shutil.which("ocrmypdf") or str(Path(sys.executable).parent / "ocrmypdf")
    import img2pdf

    inputs = {}
    for ma, rows in manifest.groupby("ma_ho_so"):
        src = work / f"{ma}.in.pdf"
        src.write_bytes(img2pdf.convert([str(scans / f) for f in rows.sort_values("page")["file"]]))
        inputs[ma] = src
    outputs = {}
    with PeakMemory() as memory:
        start = time.perf_counter()
        for ma, src in inputs.items():
            out = work / f"{ma}.pdf"
            subprocess.run([exe, "--output-type", "pdfa", "-l", "vie", "-j", str(JOBS), "--quiet",
                            str(src), str(out)], check=True, capture_output=True)  # fmt: skip
            outputs[ma] = out
        seconds = time.perf_counter() - start
    return _measure(seconds, memory.peak, outputs, truth, manifest)


def _measure(seconds, peak, pdfs, truth, manifest) -> dict:
    pages = len(manifest)
    out_bytes = 0
    errors = []
    for ma, files in pdfs.items():
        files = files if isinstance(files, list) else [files]
        out_bytes += sum(f.stat().st_size for f in files)
        errors.append(
            ocr.cer("\n".join(pdf_text(f) for f in files), truth_text(truth, manifest, ma))
        )
    return {"seconds": seconds, "pages_per_minute": pages / seconds * 60, "peak_mb": peak / 2**20,
            "bytes_per_page": out_bytes / pages, "cer": float(np.mean(errors))}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--pages", type=int, default=3, help="pages per file")
    args = parser.parse_args()
    scans, truth, manifest = make_pages(args.files, args.pages)
    input_bytes = sum((scans / f).stat().st_size for f in manifest["file"])
    print(f"{len(manifest)} pages (A4, 300 dpi, PNG, {input_bytes / len(manifest) / 1e6:.1f} MB/page), "
          f"{JOBS} processes\n")  # fmt: skip
    results = {}
    for name, fn in (("sohoa", run_sohoa), ("tesseract pdf", run_tesseract),
                     ("ocrmypdf pdfa", run_ocrmypdf)):  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            results[name] = fn(scans, truth, manifest, Path(tmp))
    print(f"{'variant':<16}{'pages/min':>10}{'s/page':>8}{'peak MB':>9}{'KB/page':>9}{'CER':>8}")
    for name, r in results.items():
        if isinstance(r, str):
            print(f"{name:<16}  {r}")
            continue
        print(f"{name:<16}{r['pages_per_minute']:>10.1f}{r['seconds'] / len(manifest):>8.2f}"
              f"{r['peak_mb']:>9.0f}{r['bytes_per_page'] / 1024:>9.0f}{r['cer']:>8.2%}")  # fmt: skip
    base, ours = results["tesseract pdf"], results["sohoa"]
    # bench_sign.py reads this to put signing's cost beside the rest of the work on a page.
    (DATA / "results.json").write_text(
        json.dumps({"sohoa_seconds_per_page": ours["seconds"] / len(manifest)})
    )
    ratio = ours["pages_per_minute"] / base["pages_per_minute"]
    print(f"\nsohoa / bare tesseract: {ratio:.2f}× pages per minute (target ≥ 0.85×)")
    other = results["ocrmypdf pdfa"]
    if not isinstance(other, str):
        print(f"sohoa / ocrmypdf: {ours['pages_per_minute'] / other['pages_per_minute']:.2f}× "
              "(target > 1×)")  # fmt: skip
    print(
        "Note: bare tesseract makes a PDF with no PDF/A, no checks, no documents; sohoa writes "
        "PDF/A-2B with the original images, metadata and the catalogue."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
