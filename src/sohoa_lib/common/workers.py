"""Workers: processes that die with their parent (and take tesseract along), threads for Arrow."""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal the kernel sends this process when its parent thread ends."""
_POLL_S = 1.0


def cores() -> int:
    """The cores this process may run on (a container's share), not the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def in_background(fn: Callable[..., T], *args: object) -> cf.Future[T]:
    """`fn(*args)` on a thread of its own, for work that leaves the GIL (Arrow, numpy, I/O); the
    caller takes `.result()` when it needs it."""
    pool = cf.ThreadPoolExecutor(1)
    try:
        return pool.submit(fn, *args)
    finally:
        pool.shutdown(wait=False)  # the thread ends once its one task is done


def in_order(pool: cf.Executor, fn: Callable[..., T], items: Iterable, ahead: int) -> Iterator[T]:
    """`fn` of each item on `pool`, yielded in order, with at most `ahead` of them being worked
    on at a time (`Executor.map` would start them all, and hold every result until it is used)."""
    pending: collections.deque[cf.Future[T]] = collections.deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) > ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def threads_each(cores: int, slots: int) -> int:
    """Threads for each of `slots` tasks running at once on `cores` cores (at least one)."""
    return max(1, cores // max(1, slots))


def start_page_worker(parent_pid: int, threads: int) -> None:
    """ProcessPoolExecutor initializer of a page worker: it dies with its parent (see
    `die_with_parent`), and its OpenCV work runs on `threads` threads, its share of the cores."""
    share_cores(threads)
    die_with_parent(parent_pid)


def share_cores(threads: int) -> None:
    """Let OpenCV use `threads` threads in this process (it takes every core by default)."""
    # Two workers on two cores, each resizing on two threads, wait for each other: preparing a
    # page took 16% longer with two workers than with one, and the 1 → 2 scaling fell short of
    # the 1.8x that bare Tesseract reaches on the same cores (issue 15). Read by OpenCV when
    # it is first imported; later, only setNumThreads reaches it.
    os.environ["OPENCV_FOR_THREADS_NUM"] = str(threads)
    if "cv2" in sys.modules:
        sys.modules["cv2"].setNumThreads(threads)


def die_with_parent(parent_pid: int) -> None:
    """ProcessPoolExecutor initializer (`initargs=(os.getpid(),)`): end the worker, and the
    programs it started, as soon as the process that made the pool is gone.

    A pool's workers otherwise finish their pages, minutes after a killed run, writing into
    outputs that the next run is already using. On Linux the kernel signals the worker
    (PR_SET_PDEATHSIG: when the thread that created the pool ends, so create pools in a thread
    that outlives them); elsewhere a thread polls the parent. Either way the worker kills its
    children first, since they would survive it.
    """
    signal.signal(signal.SIGTERM, _end)
    libc = _libc()
    if libc is None or libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        threading.Thread(target=_watch, args=(parent_pid,), daemon=True).start()
    if not parent_alive(parent_pid):  # gone before prctl took effect: no signal will come
        _end()


def parent_alive(parent_pid: int) -> bool:
    """True while this process is still the child of `parent_pid` (an orphan is re-parented)."""
    return os.getppid() == parent_pid


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _watch(parent_pid: int) -> None:
    while parent_alive(parent_pid):
        time.sleep(_POLL_S)
    _end()


def _end(*_: object) -> None:
    for pid in _children():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    os._exit(128 + signal.SIGTERM)


def _children() -> list[int]:
    """Processes whose parent is this one, from /proc (none found where there is no /proc)."""
    me, found = os.getpid(), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name (in parentheses) may hold spaces; the parent pid is 2nd after it.
            fields = stat.read_text(encoding="utf-8", errors="replace").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me:
            found.append(int(stat.parent.name))
    return found
