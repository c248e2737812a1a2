"""Where page work runs: the local process pool, or a Dask cluster checked before any work."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import multiprocessing
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sohoa_lib.common import workers as _worker
from sohoa_lib.errors import ClusterError
from sohoa_lib.tools import tesseract

SCHEDULER_ENV = "SOHOA_DASK_SCHEDULER"
"""Environment variable with the Dask scheduler's address (`tcp://host:8786`)."""
HERE = "máy chạy sohoa"
"""How messages name the machine that runs sohoa beside the workers' addresses."""
CONNECT_TIMEOUT_S = 30
"""How long to wait for the scheduler to answer before saying it cannot be reached."""


@dataclass(frozen=True)
class PageExecutor:
    """An executor for page tasks, and how many tasks it runs at once."""

    executor: cf.Executor
    slots: int
    """Worker processes (local) or worker threads over the cluster (Dask)."""
    where: str
    """`máy này` or the scheduler's address, for messages and the report."""


def local_pool(workers: int) -> cf.ProcessPoolExecutor:
    """The local pool for page work; every page pool in sohoa is made here.

    spawn, not fork: forking a process that runs threads (a Jupyter kernel, a Dask client,
    tqdm's monitor) can deadlock the child on a lock held at fork time. Not forkserver either:
    its workers are the server's children, so they could not die with the run
    (`_worker.die_with_parent` watches the parent).
    """
    return cf.ProcessPoolExecutor(
        max(1, workers),
        mp_context=multiprocessing.get_context("spawn"),
        # A killed run's workers must not go on writing; each has its share of the cores.
        initializer=_worker.start_page_worker,
        initargs=(os.getpid(), _worker.threads_each(_worker.cores(), workers)),
    )


def scheduler_address(given: str | None, configured: str | None) -> str | None:
    """The scheduler to use: the command line's, else $SOHOA_DASK_SCHEDULER, else the params'
    `digitize.scheduler`; None (or empty) means the local pool."""
    for value in (given, os.environ.get(SCHEDULER_ENV), configured):
        if value and value.strip():
            return value.strip()
    return None


@contextlib.contextmanager
def page_executor(
    workers: int,
    scheduler: str | None,
    *,
    scans: Path | None,
    outputs: Path,
    tessdata_dir: Path | None,
) -> Iterator[PageExecutor]:
    """The local pool (`workers` processes, 0 for one per core) or, with a scheduler address,
    the Dask cluster's executor after `preflight` has passed every worker.

    The block is left with every task done; the pool's workers then exit on their own, while
    the caller goes on. Left by an error, the pool is shut down and waited for."""
    if not scheduler:
        pool = local_pool(workers or _worker.cores())
        try:
            yield PageExecutor(pool, pool._max_workers, "máy này")
        except BaseException:
            # Waited for: once the run has failed, no worker may still be writing its outputs.
            pool.shutdown(cancel_futures=True)
            raise
        # Every task is done, so the workers only have to exit (unloading their modules takes
        # each a few tenths of a second): the stage writes its outputs meanwhile, not after.
        pool.shutdown(wait=False, cancel_futures=True)
        return
    client = connect(scheduler)
    try:
        threads = preflight(client, scans=scans, outputs=outputs, tessdata_dir=tessdata_dir)
        yield PageExecutor(client.get_executor(), threads, scheduler)
    finally:
        client.close()


def connect(scheduler: str):
    """A Dask client of the scheduler at `scheduler`; ClusterError when it does not answer."""
    from distributed import Client  # imported only for a cluster run: it takes a second

    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"không kết nối được bộ lập lịch Dask {scheduler} trong {CONNECT_TIMEOUT_S} giây: {exc}"
        ) from None


def preflight(client, *, scans: Path | None, outputs: Path, tessdata_dir: Path | None) -> int:
    """Check every worker before any page is sent: the same Tesseract and Vietnamese model as
    the others and as this machine, the tessdata folder when one is configured, the scans readable and the outputs
    writable at the same paths. Every problem is collected, each naming its worker; ClusterError
    lists them all. Returns the worker threads the cluster has."""
    threads = client.nthreads()
    if not threads:
        raise ClusterError(f"cụm Dask {client.scheduler.address} chưa có worker nào")
    found = client.run(
        probe,
        str(scans) if scans else None,
        str(outputs),
        str(tessdata_dir) if tessdata_dir else None,
        on_error="return",
    )
    problems = []
    for address in sorted(threads):
        result = found.get(address)
        if isinstance(result, BaseException) or result is None:
            problems.append(f"worker {address}: không kiểm tra được ({result!r})")
            continue
        problems += [f"worker {address}: {p}" for p in result["problems"]]
    # This machine too: a cluster that agrees with itself but not with a local run would give
    # outputs that differ from it.
    here = {HERE: probe(None, str(outputs), str(tessdata_dir) if tessdata_dir else None)}
    for key, what in (("tesseract", "phiên bản Tesseract"), ("model", "mô hình vie")):
        groups: dict[str, list[str]] = {}
        for address, result in [*sorted(found.items()), *here.items()]:
            if isinstance(result, dict) and result.get(key):
                groups.setdefault(result[key], []).append(address)
        if len(groups) > 1:
            listed = "; ".join(f"{', '.join(a)}: {v}" for v, a in sorted(groups.items()))
            problems.append(f"các worker không cùng {what} (kết quả sẽ khác nhau): {listed}")
    if problems:
        raise ClusterError(
            f"cụm Dask {client.scheduler.address} chưa sẵn sàng cho việc số hóa:\n  "
            + "\n  ".join(problems)
        )
    _share_cores(client, threads, {a: r["cores"] for a, r in found.items()})
    return sum(threads.values())


def _share_cores(client, threads: dict[str, int], cores: dict[str, int]) -> None:
    """Give each worker's OpenCV its share of its machine's cores: the machine's cores over the
    task threads of every worker on it, as the local pool does (`_worker.start_page_worker`)."""
    from distributed.comm import get_address_host

    slots: dict[str, int] = {}
    for address, count in threads.items():
        host = get_address_host(address)
        slots[host] = slots.get(host, 0) + count
    shares = {a: _worker.threads_each(cores[a], slots[get_address_host(a)]) for a in threads}
    for share in set(shares.values()):
        client.run(_worker.share_cores, share, workers=[a for a, s in shares.items() if s == share])


def probe(scans: str | None, outputs: str, tessdata_dir: str | None) -> dict:
    """What one worker has (runs on the worker): Tesseract's version, the vie model's checksum,
    its machine's cores, and the problems found, in Vietnamese."""
    problems: list[str] = []
    version = tesseract.version()
    model = None
    if version is None:
        problems.append("chưa cài tesseract")
    else:
        folder = Path(tessdata_dir) if tessdata_dir else tesseract.tessdata_folder()
        traineddata = folder / "vie.traineddata" if folder else None
        if tessdata_dir and not Path(tessdata_dir).is_dir():
            problems.append(f"không có thư mục tessdata {tessdata_dir}")
        elif traineddata is None or not traineddata.is_file():
            where = traineddata or "thư mục tessdata của Tesseract"
            problems.append(f"không có mô hình tiếng Việt ({where}); hãy cài tesseract-ocr-vie")
        else:
            model = _file_sha256(traineddata)
    if scans is not None and not (os.path.isdir(scans) and os.access(scans, os.R_OK | os.X_OK)):
        problems.append(f"không thấy thư mục ảnh quét {scans} (cần ổ lưu trữ chung)")
    if not os.path.isdir(outputs):
        problems.append(f"không thấy thư mục kết quả {outputs} (cần ổ lưu trữ chung)")
    else:
        try:  # writable by this worker's user, not only visible
            with tempfile.NamedTemporaryFile(dir=outputs, prefix=".sohoa-probe."):
                pass
        except OSError as exc:
            problems.append(f"không ghi được vào thư mục kết quả {outputs}: {exc.strerror}")
    return {"tesseract": version, "model": model, "problems": problems, "cores": _worker.cores()}


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]
