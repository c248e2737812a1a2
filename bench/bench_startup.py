"""Benchmark: what a stage pays before and after its own work (papermill import, kernel, HTML export).

Each part is measured in a fresh process, as `sohoa run` pays it: importing papermill, starting the
`sohoa` kernel until it answers, executing a notebook that does nothing (kernel start included),
exporting it to the code-free HTML report (the first export of a process, and the next).
Medians of a few runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 3


def _trivial_notebook(path: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_code_cell(
                'params_file = ""\noutputs = ""\nas_of = ""', metadata={"tags": ["parameters"]}
            ),
            new_code_cell("print('ok')"),
        ],
        metadata={"kernelspec": {"name": "sohoa", "display_name": "sohoa", "language": "python"}},
    )
    nbformat.write(nb, str(path))
    return path


def part_import() -> dict:
    t = time.perf_counter()
    from sohoa_lib.run import _notebook

    lib = time.perf_counter() - t
    t = time.perf_counter()
    _notebook.papermill_module()
    return {"import sohoa_lib": lib, "import papermill": time.perf_counter() - t}


def part_kernel() -> dict:
    from sohoa_lib.run import _notebook

    _notebook.papermill_module()
    t = time.perf_counter()
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="sohoa")
    km.start_kernel(extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    seconds = time.perf_counter() - t
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return {"kernel start": seconds}


def part_execute_export(folder: Path) -> dict:
    from sohoa_lib.run import _notebook

    _notebook.papermill_module()
    src = _trivial_notebook(folder / "00_trivial.ipynb")
    out = folder / "out.ipynb"
    t = time.perf_counter()
    _notebook.execute(src, out, {"params_file": "x", "outputs": "y", "as_of": ""}, cwd=folder)
    executed = time.perf_counter() - t
    t = time.perf_counter()
    _notebook.export_html(out, folder / "out.html", "bench")
    first = time.perf_counter() - t
    t = time.perf_counter()
    _notebook.export_html(out, folder / "out2.html", "bench")
    second = time.perf_counter() - t
    return {"execute (kernel included)": executed, "HTML export, first": first,
            "HTML export, next": second}  # fmt: skip


PARTS = {"import": part_import, "kernel": part_kernel, "execute": part_execute_export}


def child(part: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fn = PARTS[part]
        result = fn(Path(tmp)) if part == "execute" else fn()
    print(json.dumps(result))


def measure(part: str) -> dict:
    """One fresh process per run, as each `sohoa run` is; the median of each time."""
    runs = []
    for _ in range(REPEATS):
        out = subprocess.run([sys.executable, __file__, "--child", part], check=True,
                             capture_output=True, text=True)  # fmt: skip
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=PARTS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    print(f"stage start-up, medians of {REPEATS} fresh processes (seconds)")
    for part in PARTS:
        for what, seconds in measure(part).items():
            print(f"  {what:<28}{seconds:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
