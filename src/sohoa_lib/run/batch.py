"""A batch: every unit in its own `sohoa run` process at most --parallel at once, then the national step and the index."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sohoa_lib.common import progress
from sohoa_lib.common.files import write_text
from sohoa_lib.errors import ParamsError
from sohoa_lib.run import _index
from sohoa_lib.run.national import run_national
from sohoa_lib.run.runner import NATIONAL


def unit_codes(root: Path) -> list[str]:
    """Every unit with a params file in `root/params/units/`, sorted."""
    return sorted(p.stem for p in (root / "params" / "units").glob("*.yaml"))


def run_batch(
    units: Sequence[str] | None,
    *,
    root: Path,
    outputs: Path,
    parallel: int,
    as_of: dt.date | None = None,
    scheduler: str | None = None,
) -> list[dict[str, Any]]:
    """Run units concurrently, each in its own `sohoa run` process, then the national report and
    the index page. Every unit is attempted; the result has one entry per unit, then `national`.

    A process per unit gives each its own kernel, and a unit that crashes cannot take the batch
    down with it.
    """
    root, outputs = root.resolve(), outputs.resolve()
    codes = list(dict.fromkeys(units)) if units else unit_codes(root)
    if not codes:
        raise ParamsError(f"{root / 'params' / 'units'}: không có tệp tham số (*.yaml)")
    if parallel < 1:
        raise ParamsError(f"--parallel phải từ 1 trở lên, nhận được {parallel}")

    results: dict[str, dict[str, Any]] = {}

    def state(code: str) -> str:
        if code in results:
            return "xong" if results[code]["status"] == "ok" else "lỗi"
        return progress.unit_status(outputs / code) or "chờ"

    with (
        concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool,
        progress.watch(lambda: {code: state(code) for code in codes}) as say,
    ):
        futures = {
            pool.submit(
                _run_unit_process,
                code,
                root=root,
                outputs=outputs,
                as_of=as_of,
                scheduler=scheduler,
            ): code
            for code in codes
        }
        try:
            for future in concurrent.futures.as_completed(futures):
                result = future.result()
                results[result["unit"]] = result
                say(_result_line(result))
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    ordered = [results[code] for code in codes]

    national_nb = root / "notebooks" / f"{NATIONAL}.ipynb"
    if national_nb.is_file():
        national = run_national(national_nb, outputs=outputs, as_of=as_of)
        ordered.append(national)
        print(_result_line(national))
    _index.write_index(outputs, batch=ordered)
    return ordered


def _run_unit_process(
    code: str, *, root: Path, outputs: Path, as_of: dt.date | None, scheduler: str | None = None
) -> dict[str, Any]:
    """`sohoa run CODE` in a child process; its last stderr line is the reason when it fails."""
    cmd = [sys.executable, "-m", "sohoa_lib.cli", "run", code, "--outputs", str(outputs)]
    if as_of:
        cmd += ["--as-of", as_of.isoformat()]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    env = {**os.environ, "SOHOA_HOME": str(root), "PYTHONIOENCODING": "utf-8"}
    clock = time.perf_counter()
    try:
        done = subprocess.run(
            cmd,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except OSError as exc:  # cannot even start Python: report it as this unit's failure
        done = subprocess.CompletedProcess(cmd, 1, "", f"sohoa: cannot start {cmd[0]}: {exc}")
    seconds = round(time.perf_counter() - clock, 2)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    error = None
    log_file = outputs / code / "batch.log"
    log_file.unlink(missing_ok=True)
    if done.returncode != 0:
        error = lines[-1].removeprefix("sohoa: ") if lines else f"exit status {done.returncode}"
        # Keep the whole output of a failed child: a crash's traceback is otherwise lost.
        write_text(log_file, done.stdout + done.stderr)
    return {
        "unit": code,
        "status": "ok" if done.returncode == 0 else "failed",
        "returncode": done.returncode,
        "seconds": seconds,
        "error": error,
    }


def _result_line(result: dict[str, Any]) -> str:
    mark = "ok    " if result["status"] == "ok" else "LỖI   "
    line = f"{mark}{result['unit']:<6} {result['seconds']:>7.1f} s"
    return f"{line}  {result['error']}" if result["error"] else line
