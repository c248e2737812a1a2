"""Benchmark: a 1,000,000-row inventory through reading, eligibility, selection and volume.

Prints, side by side, sohoa against what a user would otherwise do: a bare pandas read of the
same CSV (the floor: no parsing of Vietnamese dates, codes or flags) and a row-by-row Python loop
applying the same rules (what a spreadsheet macro or a quick script does). Each variant runs in
its own process so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "bench"
ROWS = 1_000_000


def make_inventory(rows: int) -> Path:
    """Generate the inventory once (typed as archivists type it) and keep it under data/bench/."""
    path = DATA / f"inventory-{rows}.csv"
    if path.exists():
        return path
    from sohoa_lib._io import atomic_path
    from sohoa_lib.demo._inventory import generate_inventory, typed_inventory
    from sohoa_lib.demo._units import DEMO_UNITS

    unit = DEMO_UNITS[1]  # CSV with short Vietnamese headers
    rng = np.random.default_rng(2024)
    typed = typed_inventory(generate_inventory(unit, rng, rows=rows), unit, rng)
    with atomic_path(path) as tmp:
        typed.to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def run_sohoa(path: Path) -> dict:
    from sohoa_lib._inventory_read import read_inventory
    from sohoa_lib.inventory import eligibility, select, volume
    from sohoa_lib.settings import Selection

    times = {}
    t = time.perf_counter()
    table = read_inventory(path)
    times["read+normalise"] = time.perf_counter() - t
    t = time.perf_counter()
    files = eligibility(table.files, Selection())
    times["eligibility"] = time.perf_counter() - t
    t = time.perf_counter()
    selection, summary = select(files, 0.30)
    files = files.assign(lua_chon=files["ma_ho_so"].isin(selection["ma_ho_so"]))
    times["selection"] = time.perf_counter() - t
    t = time.perf_counter()
    volume(files)
    times["volume"] = time.perf_counter() - t
    return {"times": times, "selected_pages": summary.selected_pages, "rows": len(table.files)}


def run_pandas_read(path: Path) -> dict:
    import pandas as pd

    t = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    return {"times": {"read": time.perf_counter() - t}, "rows": len(frame)}


def run_row_loop(path: Path) -> dict:
    """The same rules, one row at a time, as a script without the library would apply them."""
    t = time.perf_counter()
    eligible = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            start = row["Từ ngày"]
            year = int(start[-4:]) if start[-4:].isdigit() else int(start[:4])
            end = row["Đến ngày"]
            end_year = int(str(end)[-4:]) if end else year
            ok = (
                year >= 1995
                and end_year <= 2021
                and row["Chỉnh lý"] == "Có"
                and row["THBQ"] not in ("", "Chưa xác định")
                and row["Mật"] == ""
                and row["Chế độ SD"] != "Mật"
                and row["VB QPPL"] == ""
                and row["Đã có bản điện tử"] == ""
            )
            eligible += ok
    return {"times": {"eligibility only": time.perf_counter() - t}, "rows": eligible}


VARIANTS = {"sohoa": run_sohoa, "pandas-read": run_pandas_read, "row-loop": run_row_loop}


def child(variant: str, path: Path) -> None:
    result = VARIANTS[variant](path)
    result["peak_mb"] = peak_mb()
    print(json.dumps(result))


def peak_mb() -> float:
    """This process's peak resident memory.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec, so
    a child would report the parent's peak (here, the generation of the inventory).
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--child", choices=VARIANTS)
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.path)
        return 0
    t = time.perf_counter()
    path = make_inventory(args.rows)
    print(f"inventory: {path.relative_to(ROOT)} ({args.rows:,} rows, "
          f"{path.stat().st_size / 1e6:.0f} MB; ready in {time.perf_counter() - t:.1f} s)")  # fmt: skip
    results = {}
    for variant in VARIANTS:
        out = subprocess.run(
            [sys.executable, __file__, "--child", variant, "--path", str(path)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        results[variant] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\n{'variant':<14}{'seconds':>9}{'peak MB':>10}  what it does")
    what = {
        "sohoa": "read + parse dates/codes/flags + eligibility + selection + volume",
        "pandas-read": "pandas.read_csv only (no parsing, no rules): the floor",
        "row-loop": "csv.DictReader + per-row eligibility only (no selection, no volume)",
    }
    for variant, result in results.items():
        total = sum(result["times"].values())
        print(f"{variant:<14}{total:>9.2f}{result['peak_mb']:>10.0f}  {what[variant]}")
    s = results["sohoa"]
    print("\nsohoa by step: " + ", ".join(f"{k} {v:.2f} s" for k, v in s["times"].items()))
    total = sum(s["times"].values())
    verdict = "PASS" if total < 30 and s["peak_mb"] < 3072 else "FAIL"
    print(f"target: < 30 s and < 3 GB for {args.rows:,} rows → {verdict} "
          f"({total:.1f} s, {s['peak_mb']:.0f} MB)")  # fmt: skip
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
