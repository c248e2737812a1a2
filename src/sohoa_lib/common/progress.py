"""Progress of a stage's page work (pages done, rate, time left), in the notebook and on the terminal.

The notebook kernel and the `sohoa run` process are different processes: the kernel's `Progress`
shows tqdm's bar where a person watches the notebook, and writes its counts to a small status file
in the unit's folder, which `watch` reads to show a line on the terminal.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from sohoa_lib.common.files import write_text
from sohoa_lib.common.vnformat import number

STATUS_FILE = ".progress.json"
"""The running stage's counts, in the unit's output folder; removed when the run ends."""
STAGE_FILE = ".stage"
"""The stem of the stage notebook running now, written by the runner."""
WRITE_EVERY = 1.0  # seconds: often enough for a person, rare enough to cost nothing per page


def duration(seconds: float | None) -> str:
    """`1 giờ 5 phút`, `3 phút 20 giây`, `40 giây`; `–` when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} giờ {minutes} phút"
    return f"{minutes} phút {secs} giây" if minutes else f"{secs} giây"


class Progress:
    """Counts one step's pages (OCR, signing) as they finish: `progress(key)` once per page.

    `rate` (pages per second) and `remaining` (seconds) are measured from `begin`; `bar` shows
    tqdm's bar (the notebook's widget under Jupyter), `status_file` is where the terminal reads it.
    """

    def __init__(
        self,
        step: str,
        *,
        status_file: Path | None = None,
        bar: bool = True,
        unit: str = "trang",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.step, self.status_file, self.unit, self.clock = step, status_file, unit, clock
        self.show_bar = bar
        self.total = self.done = 0
        self.started: float | None = None
        self._written = -math.inf
        self._bar: Any = None

    def begin(self, total: int) -> None:
        """Start counting `total` pages of work (work already done on an earlier run excluded)."""
        self.total, self.done, self.started = total, 0, self.clock()
        if self.show_bar and total:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=self.step, unit=f" {self.unit}", leave=True)
        self._write(force=True)

    def __call__(self, key: object = None) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update()
        self._write()

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._write(force=True)

    @property
    def rate(self) -> float | None:
        """Pages per second so far; None before the first page."""
        if self.started is None or not self.done:
            return None
        elapsed = self.clock() - self.started
        return self.done / elapsed if elapsed > 0 else None

    @property
    def remaining(self) -> float | None:
        """Seconds left at the rate so far; None until there is a rate."""
        rate = self.rate
        return (self.total - self.done) / rate if rate else None

    def state(self) -> dict[str, Any]:
        return {"step": self.step, "unit": self.unit, "done": self.done, "total": self.total,
                "rate": self.rate, "remaining": self.remaining}  # fmt: skip

    def line(self) -> str:
        return describe(self.state())

    def _write(self, *, force: bool = False) -> None:
        if self.status_file is None:
            return
        now = self.clock()
        if not force and now - self._written < WRITE_EVERY and self.done < self.total:
            return
        self._written = now
        with contextlib.suppress(OSError):  # progress is a courtesy: never fail the stage for it
            write_text(self.status_file, json.dumps(self.state(), ensure_ascii=False))


def page_progress(step: str, unit_root: Path, *, unit: str = "trang", bar: bool = True) -> Progress:
    """The progress object a notebook passes to a stage (`run_digitize(..., progress=…)`)."""
    return Progress(step, status_file=Path(unit_root) / STATUS_FILE, unit=unit, bar=bar)


def describe(state: Mapping[str, Any]) -> str:
    """`OCR 120/400 trang · 3,2 trang/giây · còn khoảng 1 phút 27 giây`."""
    unit = state.get("unit", "trang")
    text = f"{state.get('step', '')} {number(state.get('done', 0))}/{number(state.get('total', 0))} {unit}"
    if state.get("rate"):
        per_minute = state["rate"] < 1
        rate = state["rate"] * 60 if per_minute else state["rate"]
        text += f" · {number(rate, 1)} {unit}/{'phút' if per_minute else 'giây'}"
        text += f" · còn khoảng {duration(state.get('remaining'))}"
    return text


def unit_status(unit_root: Path) -> str:
    """What a unit's run is doing now, read from its folder: `02_digitize: OCR 12/40 trang …`."""
    try:
        stage = (unit_root / STAGE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    try:
        state = json.loads((unit_root / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return stage
    return f"{stage}: {describe(state)}" if isinstance(state, dict) else stage


def clear(unit_root: Path) -> None:
    for name in (STAGE_FILE, STATUS_FILE):
        (unit_root / name).unlink(missing_ok=True)


@contextlib.contextmanager
def watch(
    units: Callable[[], Mapping[str, str]],
    *,
    stream: TextIO | None = None,
    every: float = 0.5,
) -> Iterator[Callable[[str], None]]:
    """Keep one status line on a terminal while the block runs; nothing at all off a terminal.

    `units` returns the line's parts (unit → its state) each time it is drawn. The block gets a
    `say(text)` that prints a line to stdout above the status line.
    """
    stream = stream or sys.stderr
    lock = threading.Lock()
    if not stream.isatty():
        yield print
        return
    stop = threading.Event()

    def draw() -> None:
        while not stop.wait(every):
            text = " | ".join(f"{u}: {s}" for u, s in units().items() if s)
            with lock:
                stream.write("\r\033[K" + text[: _width() - 1])
                stream.flush()

    def say(text: str) -> None:
        with lock:
            stream.write("\r\033[K")
            stream.flush()
            print(text, flush=True)

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    try:
        yield say
    finally:
        stop.set()
        thread.join()
        stream.write("\r\033[K")
        stream.flush()


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 20)).columns
