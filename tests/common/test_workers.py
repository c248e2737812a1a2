"""Threads for Arrow work: results in order, bounded work in flight, and the Arrow memory pool."""

from __future__ import annotations

import concurrent.futures as cf
import os
import subprocess
import sys
import threading

import pyarrow as pa
import pytest

from sohoa_lib.common.workers import in_background, in_order


def test_in_order_yields_in_order_with_at_most_ahead_plus_one_at_work() -> None:
    lock = threading.Lock()
    at_work, most = 0, 0
    done = {i: threading.Event() for i in range(12)}

    def work(i: int) -> int:
        nonlocal at_work, most
        with lock:
            at_work += 1
            most = max(most, at_work)
        if i % 2 == 0:  # each even item finishes after the odd one behind it
            assert done[i + 1].wait(timeout=10)
        done[i].set()
        return i * i

    out = []
    with cf.ThreadPoolExecutor(4) as pool:
        for value in in_order(pool, work, iter(range(12)), ahead=2):
            out.append(value)
            with lock:
                at_work -= 1
    assert out == [i * i for i in range(12)]
    assert most <= 3


def test_in_background_gives_the_result_or_raises_its_error() -> None:
    assert in_background(sum, [1, 2, 3]).result() == 6
    with pytest.raises(ZeroDivisionError):
        in_background(divmod, 1, 0).result()


def test_arrow_memory_pool_is_malloc_unless_the_user_chose_one() -> None:
    # Twice: a second call keeps what the first chose.
    code = (
        "import pyarrow as pa; from sohoa_lib.records.arrow import quiet_memory_pool; "
        "quiet_memory_pool(); quiet_memory_pool(); print(pa.default_memory_pool().backend_name)"
    )
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    chosen = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert chosen.stdout.strip() == "system"
    kept = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert kept.stdout.strip() == pa.mimalloc_memory_pool().backend_name


@pytest.mark.parametrize("workers", [1, 2])
def test_page_workers_share_the_cores_among_their_opencv_threads(workers: int) -> None:
    from sohoa_lib.common.workers import cores
    from sohoa_lib.scan.cluster import local_pool

    with local_pool(workers) as pool:
        threads = set(pool.map(_opencv_threads, range(workers * 2)))
    assert threads == {max(1, cores() // workers)}


def _opencv_threads(_: int) -> int:
    import cv2

    return cv2.getNumThreads()
