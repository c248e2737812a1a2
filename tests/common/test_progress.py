"""Page progress: counts, rate and time left; a status line on a terminal, silence elsewhere."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from test_runner import make_project

from sohoa_lib.common import progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_counts_rate_and_time_left(tmp_path: Path) -> None:
    clock = FakeClock()
    p = progress.Progress("OCR", status_file=tmp_path / ".progress.json", bar=False, clock=clock)
    p.begin(10)
    assert (p.done, p.total, p.rate, p.remaining) == (0, 10, None, None)
    for key in ("a-1", "a-2", "a-3", "a-4"):
        clock.now += 0.5
        p(key)
    assert p.done == 4 and p.rate == 2.0 and p.remaining == 3.0
    assert p.line() == "OCR 4/10 trang · 2,0 trang/giây · còn khoảng 3 giây"
    written = json.loads((tmp_path / ".progress.json").read_text(encoding="utf-8"))
    assert written["done"] == 4  # written at 1 s, 2 s: not on every page
    clock.now += 0.2
    p("a-5")
    assert json.loads((tmp_path / ".progress.json").read_text(encoding="utf-8"))["done"] == 4
    p.finish()
    assert json.loads((tmp_path / ".progress.json").read_text(encoding="utf-8"))["done"] == 5


def test_slow_work_is_counted_per_minute_and_long_waits_in_hours() -> None:
    state = {"step": "Ký số", "unit": "tệp", "done": 3, "total": 10_000, "rate": 0.5,
             "remaining": 19_994.0}  # fmt: skip
    assert (
        progress.describe(state) == "Ký số 3/10.000 tệp · 30,0 tệp/phút · còn khoảng 5 giờ 33 phút"
    )


def test_unit_status_reads_what_the_kernel_wrote(tmp_path: Path) -> None:
    assert progress.unit_status(tmp_path) == ""
    (tmp_path / progress.STAGE_FILE).write_text("02_digitize", encoding="utf-8")
    assert progress.unit_status(tmp_path) == "02_digitize"
    p = progress.page_progress("OCR", tmp_path, bar=False)
    p.begin(40)
    assert progress.unit_status(tmp_path) == "02_digitize: OCR 0/40 trang"
    progress.clear(tmp_path)
    assert not list(tmp_path.iterdir())


def test_watch_draws_on_a_terminal_only() -> None:
    quiet = io.StringIO()
    with progress.watch(lambda: {"TTLT": "02_digitize"}, stream=quiet, every=0.01):
        time.sleep(0.05)
    assert quiet.getvalue() == ""
    tty = Terminal()
    with progress.watch(lambda: {"TTLT": "02_digitize", "HD": "chờ"}, stream=tty, every=0.01):
        time.sleep(0.05)
    assert "TTLT: 02_digitize | HD: chờ" in tty.getvalue()
    assert tty.getvalue().endswith("\r\033[K")  # the status line is wiped at the end


def test_sohoa_run_off_a_terminal_writes_nothing_to_stderr(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "sohoa_lib.cli", "run", "TTLT", "--outputs", str(out)],
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "SOHOA_HOME": str(root)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert not (out / "TTLT" / progress.STAGE_FILE).exists()
    assert not (out / "TTLT" / progress.STATUS_FILE).exists()
