"""Stage 2's occupancy timeline: when each task ran on which worker, and where workers idled.

bench_digitize.py measures pages per minute, which on a shared machine measures the neighbours
too. This records what depends on them much less: each task's start and end on its worker and
its CPU seconds (the worker's and its Tesseract's), the workers' CPU to start and to exit, the
parent's CPU, and the share of worker time spent in tasks over the stage's wall time. With the
same work, the 1 → N scaling is about N × (that share with N) / (that share with 1). Runs on
the benchmark's pages (rendered by bench_digitize.py when missing):

    python bench/trace_digitize.py --workers 1 2 [--timeline]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

# Only the standard library at the top: the pool's spawned workers import this script again (as
# __mp_main__), and anything imported here would be loaded in them too.


def _timed(fn, *args, **kwargs):
    """Run a task in a worker; its result, and when, where and with how much CPU it ran."""
    start, before = time.time(), _cpu()
    result = fn(*args, **kwargs)
    after = _cpu()
    return result, (fn.__name__, os.getpid(), start, time.time(), after - before, before, after)


def _cpu() -> float:
    """CPU seconds of this process and of its children it has waited for (Tesseract)."""
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _file_of(kind: str, args: tuple) -> str:
    """The hồ sơ a task works on (its pages' folder, its OCR key, or its plan)."""
    if kind == "check_task":
        return args[0].path.parent.name
    if kind == "ocr_page":
        return args[0].key.split("#")[0]
    return args[0].ma_ho_so


def _parent_cpu() -> float:
    t = os.times()
    return t.user + t.system


def _schedule(spans: list, workers: int, start: float) -> list[float]:
    """When each worker runs out of tasks on an idle machine: the tasks in the order the pool
    started them, each on the first free worker once its file's earlier step is done, lasting its
    CPU seconds, every worker ready after `start` (its CPU to start)."""
    free = [start] * workers
    done: dict[tuple[str, str], float] = {}
    step = {"check_task": None, "ocr_page": "check_task", "finish_file": "ocr_page"}
    for kind, _, _, _, cpu, _, _, which in spans:
        before = step[kind]
        # A file set aside for rescanning is finished after its checks, with no OCR.
        ready = done.get((which, before), done.get((which, "check_task"), 0.0)) if before else 0.0
        w = min(range(workers), key=free.__getitem__)
        free[w] = max(free[w], ready) + cpu
        done[(which, kind)] = max(done.get((which, kind), 0.0), free[w])
    return free


def _wait_reaped(pids: set[int]) -> None:
    """Wait (10 s at most) until the pool has reaped these workers, as it does once they exit."""
    for _ in range(200):
        if not any(_alive(pid) for pid in pids):
            return
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _reaped() -> float:
    t = os.times()
    return t.children_user + t.children_system


class Tracing(cf.Executor):
    """A process pool that records every task's span (`spans`) and hands back the bare result."""

    def __init__(self, inner: cf.ProcessPoolExecutor) -> None:
        self.inner, self._max_workers, self.spans = inner, inner._max_workers, []
        self.first: tuple[float, float] | None = None
        """When the first task was submitted, and the parent's CPU seconds then."""
        self.last: tuple[float, float] = (0.0, 0.0)
        """When the last task's result came back, and the parent's CPU seconds then."""

    def submit(self, fn, /, *args, **kwargs):
        outer: cf.Future = cf.Future()
        self.first = self.first or (time.time(), _parent_cpu())
        which = _file_of(fn.__name__, args)

        def done(inner: cf.Future) -> None:
            try:
                result, span = inner.result()
            except BaseException as exc:  # the task's own failure, handed to the stage
                outer.set_exception(exc)
                return
            self.spans.append((*span, which))
            self.last = (time.time(), _parent_cpu())
            outer.set_result(result)

        self.inner.submit(_timed, fn, *args, **kwargs).add_done_callback(done)
        return outer

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.waited = wait  # whether the stage waited for its workers to exit
        self.inner.shutdown(wait, cancel_futures=cancel_futures)


def trace(workers: int, scans, truth, manifest, *, timeline: bool) -> float:
    """One run of the stage on `workers` local workers; prints its figures, returns its replayed
    seconds."""
    import bench_digitize as bd
    from sohoa_lib.scan import cluster
    from sohoa_lib.stages import digitize

    made: list[Tracing] = []
    marks: dict[str, tuple[float, float]] = {}
    original, stage = cluster.local_pool, digitize.run_digitize

    def local_pool(n: int) -> Tracing:
        made.append(Tracing(original(n)))
        return made[-1]

    def run_digitize(*args, **kwargs):
        marks["in"] = (time.time(), _parent_cpu())
        try:
            return stage(*args, **kwargs)
        finally:
            marks["out"] = (time.time(), _parent_cpu())

    cluster.local_pool, digitize.run_digitize = local_pool, run_digitize
    reaped = _reaped()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bd.run_sohoa(scans, truth, manifest, Path(tmp), workers=workers, dask=False)
            _wait_reaped({s[1] for s in made[0].spans})  # so that their exit is counted
    finally:
        cluster.local_pool, digitize.run_digitize = original, stage
    reaped = _reaped() - reaped
    spans = sorted(made[0].spans, key=lambda s: s[2])
    (t0, cpu0), (t1, cpu1) = marks["in"], marks["out"]
    wall = t1 - t0
    pids = sorted({s[1] for s in spans})
    busy = sum(s[3] - s[2] for s in spans)
    print(f"\n== {workers} worker(s): {len(manifest)} pages, stage {wall:.2f} s "
          f"({len(manifest) / wall * 60:.1f} pages/min), load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    for pid in pids:
        mine = [s for s in spans if s[1] == pid]
        print(f"  worker {pid}: first task +{mine[0][2] - t0:.2f} s (CPU to start "
              f"{mine[0][5]:.2f} s), last ends +{mine[-1][3] - t0:.2f} s of {wall:.2f}, "
              f"in tasks {sum(s[3] - s[2] for s in mine):.2f} s")  # fmt: skip
    for kind in dict.fromkeys(s[0] for s in spans):
        rows = [s for s in spans if s[0] == kind]
        print(f"  {kind:<12} n={len(rows):>3}  wall {sum(r[3] - r[2] for r in rows):6.2f} s  "
              f"CPU {sum(r[4] for r in rows):6.2f} s")  # fmt: skip
    ends = sum(max(s[6] for s in spans if s[1] == pid) for pid in pids)
    print(f"  CPU: parent during the stage {cpu1 - cpu0:.2f} s; workers after their last task "
          f"(exit, all together) {reaped - ends:.2f} s")  # fmt: skip
    share = busy / (len(pids) * wall)
    print(f"  worker time in tasks over the stage's wall time: {share:.1%}")
    pool = made[0]
    exits = (reaped - ends) / len(pids) if pool.waited else 0.0
    started = max(min(s[5] for s in spans if s[1] == pid) for pid in pids)
    pre, post = pool.first[1] - cpu0, cpu1 - pool.last[1] + exits
    # Both counts replayed from this run's own tasks: the same work, whatever the neighbours did
    # to this run's wall time (they do less to its CPU seconds).
    one, many = (_schedule(spans, n, started) for n in (1, len(pids)))
    print(
        f"  replayed with CPU seconds as durations (the stage waited for its workers' exit: "
        f"{pool.waited}): 1 worker {pre + one[0] + post:.2f} s, {len(pids)} workers "
        f"{pre + max(many) + post:.2f} s, {(pre + one[0] + post) / (pre + max(many) + post):.2f}×"
    )
    print(f"  replayed idle time: before the first task {pre + started:.2f} s, at the end "
          f"{max(many) - min(many):.2f} s (a worker waits for the other's last task), after the "
          f"last task {post:.2f} s")  # fmt: skip
    if timeline:
        print("  kind          worker   start     end    CPU (s from the stage's start)")
        for s in spans:
            print(f"  {s[0]:<12}{s[1]:>8}{s[2] - t0:8.2f}{s[3] - t0:8.2f}{s[4]:7.2f}")
    return (pre + one[0] + post) / (pre + max(many) + post)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--pages", type=int, default=3, help="pages per file")
    parser.add_argument("--dpi", type=int, default=500)
    parser.add_argument("--timeline", action="store_true", help="print every task's span")
    args = parser.parse_args()
    import bench_digitize as bd

    scans, truth, manifest = bd.make_pages(args.files, args.pages, args.dpi, bd.DATA)
    for n in args.workers:
        trace(n, scans, truth, manifest, timeline=args.timeline)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
