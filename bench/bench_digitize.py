"""Benchmark: stage 2 against bare Tesseract and OCRmyPDF on the same rendered pages and cores.

Prints, side by side, pages per minute, CPU utilisation (CPU seconds of the whole process tree
over wall time and cores), peak memory, output bytes per page and the character error rate (CER)
of each output's text layer read back with pdftotext, against the ground truth the renderer
wrote. Stage 2 runs on the local process pool and on a local Dask cluster (a `dask scheduler` and
`dask worker` processes on the same cores), each with 1 and 2 workers: the scaling, and what the
cluster costs over the pool. Bare Tesseract reads both the scans and stage 2's 300-dpi working
copies, so the comparison is at the same resolution.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from _rounds import median_round, paired_rounds
from sohoa_lib.scan import ocr, workcopy

# pandas and psutil are imported where used: the pool's spawned workers import this script again
# (as __mp_main__), and would load them, which the stage's workers do not in a notebook run
# (whose main module, ipykernel_launcher, imports nothing).
if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "bench" / "digitize"
# The cores this process may use (a container's share): the pool's and the cluster's workers.
JOBS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 2
POOL, DASK = f"sohoa pool {JOBS}", f"sohoa dask {JOBS}"


def make_pages(files: int, pages: int, dpi: int, data: Path) -> tuple[Path, Path, pd.DataFrame]:
    """Render the benchmark's scans once (A4, 300 dpi) and keep them under `data`; at another
    `dpi`, as a scanner's colour JPEGs at that resolution (quality 90, dpi tagged)."""
    from PIL import Image

    from sohoa_lib.demo._scans import ScanRequest, write_demo_scans

    data = data / f"{files}x{pages}-{dpi}dpi"
    scans, truth = data / "scans", data / "truth"
    manifest = data / "manifest.csv"
    if not manifest.exists():
        requests = [
            ScanRequest(f"TTLT.2019.VP.{i:05d}", "", "BẢO HIỂM XÃ HỘI VIỆT NAM", "Hà Nội", 2019,
                        pages, "png")
            for i in range(1, files + 1)
        ]  # fmt: skip
        table = write_demo_scans(requests, scans, truth, seed=11)
        if dpi != 300:
            for i, row in table.iterrows():
                png = scans / row["file"]
                with Image.open(png) as page:
                    size = (round(page.width * dpi / 300), round(page.height * dpi / 300))
                    big = page.convert("RGB").resize(size, Image.Resampling.BICUBIC)
                big.save(png.with_suffix(".jpg"), quality=90, dpi=(dpi, dpi))
                png.unlink()
                table.loc[i, "file"] = Path(row["file"]).with_suffix(".jpg").as_posix()
        table.to_csv(manifest, index=False)
    import pandas as pd

    return scans, truth, pd.read_csv(manifest)


class CpuClock:
    """CPU seconds of this process and its reaped children, plus the given outside processes
    (a Dask cluster's, and their children), over a block."""

    def __init__(self, others: list[int] = ()) -> None:
        import psutil

        self.others = [psutil.Process(pid) for pid in others]
        self.seconds = 0.0

    def _now(self) -> float:
        mine = os.times()
        total = mine.user + mine.system + mine.children_user + mine.children_system
        for proc in self.others:
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        return total

    def __enter__(self) -> CpuClock:
        self._start = self._now()
        return self

    def __exit__(self, *exc) -> None:
        import psutil

        # The stage leaves its pool's workers to exit on their own, and a child's CPU is counted
        # once it is reaped: wait (10 s at most) until the pool has reaped them. Not for the
        # resource tracker multiprocessing keeps running, nor for a Dask cluster's processes.
        def workers() -> list:
            found = []
            for child in psutil.Process().children():
                with contextlib.suppress(psutil.NoSuchProcess):
                    # An exited worker stays a zombie until the pool reaps it.
                    if child.status() == psutil.STATUS_ZOMBIE or "spawn_main" in " ".join(
                        child.cmdline()
                    ):
                        found.append(child)
            return found

        for _ in range(200):
            if not workers():
                break
            time.sleep(0.05)
        self.seconds = self._now() - self._start


class DaskCluster:
    """A `dask scheduler` and `workers` one-thread `dask worker` processes on this machine."""

    def __init__(self, workers: int) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        dask = str(Path(sys.executable).parent / "dask")
        env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
        self.procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port",
                                        str(port), "--no-dashboard"], **quiet)]  # fmt: skip
        self.procs += [
            subprocess.Popen(
                [
                    dask,
                    "worker",
                    self.address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--memory-limit",
                    "0",
                    "--host",
                    "127.0.0.1",
                ],
                **quiet,
            )
            for _ in range(workers)
        ]
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=60)

    def __enter__(self) -> DaskCluster:
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs[::-1]:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class PeakMemory:
    """Peak resident memory of this process and all its descendants, sampled every 50 ms."""

    def __init__(self, others: list[int] = ()) -> None:
        self.peak = 0
        self.others = list(others)
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
            self.peak = max(self.peak, sum(_tree_rss(p) for p in [os.getpid(), *self.others]))
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


def run_sohoa(
    scans: Path, truth: Path, manifest: pd.DataFrame, work: Path, *, workers: int, dask: bool
) -> dict:
    import pandas as pd

    from sohoa_lib import UnitPaths, load_unit_settings
    from sohoa_lib.stages.digitize import run_digitize
    from sohoa_lib.stages.inventory import run_inventory

    files = sorted(manifest["ma_ho_so"].unique())
    # Every column the inventory reads, as an eligible file has them (tests/conftest.file_row).
    rows = [{"Mã hồ sơ": ma, "Tiêu đề hồ sơ": f"Hồ sơ {ma}", "Nhóm hồ sơ": "VP",
             "Đơn vị hình thành": "Văn phòng", "Thời gian bắt đầu": "2019", "Thời gian kết thúc": "",
             "Thời hạn bảo quản": "Vĩnh viễn", "Số lượng tờ": 3,
             "Số lượng trang": int((manifest["ma_ho_so"] == ma).sum()),
             "Tình trạng vật lý": "Tốt", "Chế độ sử dụng": "Công khai", "Số lượt khai thác": 1,
             "Đã chỉnh lý": "x", "Tài liệu mật": "", "Văn bản QPPL": "", "Đã có dữ liệu điện tử": ""}
            for ma in files]  # fmt: skip
    pd.DataFrame(rows).to_csv(work / "inventory.csv", index=False, encoding="utf-8-sig")
    (work / "params.yaml").write_text(
        "unit: TTLT\nname: Bench\nlevel: central\nphase: 1\ndeadline: '2023-12-30'\n"
        f"inventory: inventory.csv\nscans: {scans}\ncosts: {ROOT / 'params' / 'costs.yaml'}\n"
        "capacity: {scanners: 1, staff: 1}\nsigning: {organisation: Bench}\n"
        f"selection: {{target_share: 1.0}}\ndigitize: {{pdf_per: file, workers: {workers}}}\n",
        encoding="utf-8",
    )
    settings = load_unit_settings(work / "params.yaml")
    paths = UnitPaths(work / "out", "TTLT")
    run_inventory(settings, paths)
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(DaskCluster(workers)) if dask else None
        others = [p.pid for p in cluster.procs] if cluster else []
        with PeakMemory(others) as memory, CpuClock(others) as cpu:
            start = time.perf_counter()
            # The stage's own pool (cluster.local_pool) or the cluster: what `sohoa run` uses.
            on = {"scheduler": cluster.address} if cluster else {}  # none: as before issue 14
            result = run_digitize(settings, paths, **on)
            seconds = time.perf_counter() - start
    pdfs = {ma: paths.digitize / "pdfa" / f"{ma}.pdf" for ma in files}
    found = _measure(seconds, memory.peak, pdfs, truth, manifest)
    pages = result.pages
    steps = {c: float(pd.to_numeric(pages[c], errors="coerce").mean()) for c in pages.columns
             if c.startswith("giay_")}  # fmt: skip
    return found | {"cpu": cpu.seconds, "slots": workers, "steps": steps}


def run_tesseract(scans: Path, truth: Path, manifest: pd.DataFrame, work: Path) -> dict:
    env = os.environ | {"OMP_THREAD_LIMIT": "1"}

    def one(row) -> Path:
        out = work / f"{row.ma_ho_so}-{row.page:04d}"
        tagged = scans / f"{row.file}.dpi"  # a working copy's resolution; scans carry theirs
        dpi = tagged.read_text() if tagged.exists() else _dpi(scans / row.file)
        subprocess.run(["tesseract", str(scans / row.file), str(out), "-l", "vie", "--dpi", dpi,
                        "pdf"], check=True, capture_output=True, env=env)  # fmt: skip
        return Path(f"{out}.pdf")  # not with_suffix: the code has dots in it

    with PeakMemory() as memory, CpuClock() as cpu:
        start = time.perf_counter()
        with cf.ThreadPoolExecutor(JOBS) as pool:
            outputs = list(pool.map(one, manifest.itertuples()))
        seconds = time.perf_counter() - start
    # One PDF per page here: compare each file's pages, joined, with its truth.
    by_file: dict[str, list[Path]] = {}
    for row, pdf in zip(manifest.itertuples(), outputs, strict=True):
        by_file.setdefault(row.ma_ho_so, []).append(pdf)
    return _measure(seconds, memory.peak, by_file, truth, manifest) | {"cpu": cpu.seconds}


def run_tesseract_working(scans: Path, truth: Path, manifest: pd.DataFrame, work: Path) -> dict:
    """Bare Tesseract on stage 2's working copies (made beforehand, not timed): the same pixels
    and resolution Tesseract gets inside the stage."""
    copies = work / "copies"
    copies.mkdir()
    for row in manifest.itertuples():
        with ocr.open_page(scans / row.file) as image:
            dpi = float(image.info.get("dpi", (300, 300))[0])
            working = workcopy.prepare(image, dpi)
        out = copies / f"{row.ma_ho_so}-{row.page:04d}.pgm"
        working.image.save(out)
        (copies / f"{out.name}.dpi").write_text(str(round(working.dpi)))
    renamed = manifest.assign(
        file=[f"{r.ma_ho_so}-{r.page:04d}.pgm" for r in manifest.itertuples()]
    )
    return run_tesseract(copies, truth, renamed, work)


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
    with PeakMemory() as memory, CpuClock() as cpu:
        start = time.perf_counter()
        for ma, src in inputs.items():
            out = work / f"{ma}.pdf"
            subprocess.run([exe, "--output-type", "pdfa", "-l", "vie", "-j", str(JOBS), "--quiet",
                            str(src), str(out)], check=True, capture_output=True)  # fmt: skip
            outputs[ma] = out
        seconds = time.perf_counter() - start
    return _measure(seconds, memory.peak, outputs, truth, manifest) | {"cpu": cpu.seconds}


def _scaling(round_: dict) -> float:
    return round_[POOL]["pages_per_minute"] / round_["sohoa pool 1"]["pages_per_minute"]


def _run(fn, scans: Path, truth: Path, manifest: pd.DataFrame) -> dict | str:
    with tempfile.TemporaryDirectory() as tmp:
        return fn(scans, truth, manifest, Path(tmp))


def _dpi(path: Path) -> str:
    from PIL import Image

    with Image.open(path) as image:
        return str(round(float(image.info.get("dpi", (300, 300))[0])))


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
    parser.add_argument("--dpi", type=int, default=500, help="scan resolution (a scanner's 500)")
    parser.add_argument("--data", type=Path, default=DATA, help="where the rendered scans are kept")
    parser.add_argument("--only", help="comma-separated variants to run (default: all)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="paired runs of the pool with 1 and 2 workers"
    )
    args = parser.parse_args()
    scans, truth, manifest = make_pages(args.files, args.pages, args.dpi, args.data)
    input_bytes = sum((scans / f).stat().st_size for f in manifest["file"])
    kind = "PNG" if args.dpi == 300 else "JPEG"
    print(f"{len(manifest)} pages (A4, {args.dpi} dpi, {kind}, "
          f"{input_bytes / len(manifest) / 1e6:.1f} MB/page), {JOBS} cores\n")  # fmt: skip
    variants = {
        "sohoa pool 1": lambda *a: run_sohoa(*a, workers=1, dask=False),
        POOL: lambda *a: run_sohoa(*a, workers=JOBS, dask=False),
        "sohoa dask 1": lambda *a: run_sohoa(*a, workers=1, dask=True),
        DASK: lambda *a: run_sohoa(*a, workers=JOBS, dask=True),
        "tesseract scans": run_tesseract,
        "tesseract 300dpi": run_tesseract_working,
        "ocrmypdf pdfa": run_ocrmypdf,
    }
    if args.only:
        variants = {k: v for k, v in variants.items() if k in args.only.split(",")}
    results, rounds = {}, []
    paired = ("sohoa pool 1", POOL)
    if all(name in variants for name in paired) and args.rounds > 1:
        # One run of each moved the 1 → 2 scaling between 1.5x and 1.8x on this VM.
        rounds = paired_rounds(
            lambda name: _run(variants[name], scans, truth, manifest), paired, args.rounds
        )
        results.update(median_round(rounds, _scaling))
    for name, fn in variants.items():
        if name not in results:
            results[name] = _run(fn, scans, truth, manifest)
    print(f"{'variant':<18}{'pages/min':>10}{'s/page':>8}{'CPU use':>9}{'peak MB':>9}"
          f"{'KB/page':>9}{'CER':>8}")  # fmt: skip
    for name, r in results.items():
        if isinstance(r, str):
            print(f"{name:<18}  {r}")
            continue
        used = r["cpu"] / r["seconds"] / JOBS
        print(f"{name:<18}{r['pages_per_minute']:>10.1f}{r['seconds'] / len(manifest):>8.2f}"
              f"{used:>9.0%}{r['peak_mb']:>9.0f}{r['bytes_per_page'] / 1024:>9.0f}"
              f"{r['cer']:>8.2%}")  # fmt: skip
    print("(CPU use: CPU seconds of every process involved / wall seconds / cores)")
    ppm = {name: r["pages_per_minute"] for name, r in results.items() if not isinstance(r, str)}

    def times(a: str, b: str) -> str:
        return f"{ppm[a] / ppm[b]:.2f}×" if a in ppm and b in ppm else "–"

    ours = results.get(POOL)
    if ours is not None:
        # bench_sign.py reads this to put signing's cost beside the rest of the work on a page.
        DATA.mkdir(parents=True, exist_ok=True)
        (DATA / "results.json").write_text(
            json.dumps({"sohoa_seconds_per_page": ours["seconds"] / len(manifest)})
        )
    print(f"\nscaling 1 → {JOBS} workers: pool {times(POOL, 'sohoa pool 1')}, "
          f"dask {times(DASK, 'sohoa dask 1')} (target ≥ 1.8×)")  # fmt: skip
    if rounds:
        print(f"pool scaling, median of {len(rounds)} paired rounds (shown above), in order run: "
              + ", ".join(f"{_scaling(r):.2f}×" for r in rounds))  # fmt: skip
    if POOL in ppm and DASK in ppm:
        overhead = ppm[POOL] / ppm[DASK] - 1
        print(f"Dask cluster against the local pool, {JOBS} workers on the same cores: "
              f"{overhead:+.0%} time per page")  # fmt: skip
    print(f"sohoa / bare tesseract on the scans: {times(POOL, 'tesseract scans')}; "
          f"on the same 300-dpi working copies: {times(POOL, 'tesseract 300dpi')}; "
          f"sohoa / ocrmypdf: {times(POOL, 'ocrmypdf pdfa')} (pages per minute)")  # fmt: skip
    # Both pool runs: a step that takes longer with 2 workers than with 1 is what keeps the
    # scaling from 2x (memory bandwidth and caches are shared, the cores are not).
    for name in ("sohoa pool 1", POOL):
        if isinstance(results.get(name), dict) and results[name]["steps"]:
            print(f"{name}, mean seconds a page: " + ", ".join(
                f"{k.removeprefix('giay_')} {v:.2f}" for k, v in results[name]["steps"].items()
            ))  # fmt: skip
    print(
        "Note: bare tesseract makes a PDF with no PDF/A, no checks, no documents; sohoa writes "
        "PDF/A-2B with the original images, metadata and the catalogue."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
