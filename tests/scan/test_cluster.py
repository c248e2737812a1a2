"""Page work on a real Dask cluster (a `dask scheduler` and `dask worker` processes on localhost):
the same outputs as the local pool when a worker is killed mid-run, and workers that lack the
model or the scans named before any work."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, file_row, write_digitize_params
from sohoa_lib import UnitPaths, load_unit_settings
from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.errors import ClusterError
from sohoa_lib.scan.cluster import SCHEDULER_ENV, scheduler_address
from sohoa_lib.stages.digitize import run_digitize
from sohoa_lib.stages.inventory import run_inventory

SRC = ROOT / "src"
DASK = Path(sys.executable).parent / "dask"
FILES = ("TTLT.2019.VP.00001", "TTLT.2018.VP.00002")
# Outputs that must not differ between a local and a cluster run.
VERDICTS = ["ma_ho_so", "trang", "dat", "ly_do", "canh_bao", "do_phan_giai", "mau", "ty_le",
            "trang_trang", "do_nghieng", "do_sang", "doc_duoc", "do_tin_cay_ocr"]  # fmt: skip
FIELDS = ["ma_dinh_danh", "trang_dau", "trang_cuoi", "ten_loai", "so", "ky_hieu", "ngay",
          "co_quan_ban_hanh", "trich_yeu", "nguoi_ky", "but_tich", "can_bien_muc_tay", "tep_pdf"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Cluster:
    """A scheduler and its workers as subprocesses, each in its own process group, so a kill
    takes the worker's tesseract along as a machine going down would."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.port = tmp, _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self._start("scheduler", [str(DASK), "scheduler", "--host", "127.0.0.1", "--port",
                                  str(self.port), "--no-dashboard"])  # fmt: skip

    def _start(self, name: str, cmd: list[str], env: dict | None = None) -> None:
        log = (self.tmp / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(SRC), **(env or {})}, cwd=self.tmp,
        )  # fmt: skip

    def worker(self, name: str, *, env: dict | None = None, hide: Path | None = None) -> str:
        """Start a worker; `hide` mounts an empty folder over a path in its own mount namespace."""
        port = _free_port()
        cmd = [str(DASK), "worker", self.address, "--name", name, "--nthreads", "1",
               "--no-nanny", "--no-dashboard", "--memory-limit", "0", "--host", "127.0.0.1",
               "--worker-port", str(port), "--local-directory", str(self.tmp / name)]  # fmt: skip
        if hide is not None:
            script = f'mount -t tmpfs none {hide} && exec "$@"'
            cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *cmd]
        self._start(name, cmd, env)
        return f"tcp://127.0.0.1:{port}"

    def wait_for(self, count: int, timeout: float = 60) -> None:
        from distributed import Client

        with Client(self.address, timeout=timeout, set_as_default=False) as client:
            client.wait_for_workers(count, timeout=timeout)

    def kill(self, name: str) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait()

    def close(self) -> None:
        for name in reversed(list(self.procs)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.procs[name].pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(3)  # a worker that will not stop on SIGTERM is killed
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def cluster(tmp_path):
    found = _Cluster(tmp_path)
    try:
        yield found
    finally:
        found.close()


@pytest.fixture(scope="module")
def unit(tmp_path_factory) -> Path:
    """Two files of two pages each, scans kept apart from the outputs (a worker may be
    given a view without them)."""
    root = tmp_path_factory.mktemp("cluster-unit")
    scans = root / "storage" / "scans"
    requests = [ScanRequest(ma, "", "BẢO HIỂM XÃ HỘI VIỆT NAM", "Hà Nội", 2017 + i, 2, "jpeg")
                for i, ma in enumerate(reversed(FILES))]  # fmt: skip
    write_demo_scans(requests, scans, root / "truth", seed=11)
    rows = [file_row(ma, **{"Số lượt khai thác": 30 - i, "Số lượng trang": 2})
            for i, ma in enumerate(FILES)]  # fmt: skip
    pd.DataFrame(rows).to_csv(root / "inventory.csv", index=False, encoding="utf-8-sig")
    return write_digitize_params(root / "TTLT.yaml", scans, extra="digitize: {workers: 2}\n")


def _outputs(params: Path, name: str) -> UnitPaths:
    paths = UnitPaths(params.parent / name, "TTLT")
    run_inventory(load_unit_settings(params), paths)
    return paths


def _pdf_texts(paths: UnitPaths) -> dict[str, str]:
    folder = paths.stage_dir("digitize") / "pdfa"
    return {
        pdf.name: subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        for pdf in sorted(folder.glob("*.pdf"))
    }


def _visible(folder: Path) -> list[str]:
    """Files under `folder` by final name (scratch left by a killed worker is hidden, '.'-named)."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def test_a_worker_killed_mid_run_costs_only_its_tasks(unit, cluster) -> None:
    settings = load_unit_settings(unit)
    local_paths = _outputs(unit, "local")
    local = run_digitize(settings, local_paths)
    assert set(local.files["trang_thai"]) == {"hoàn thành"}  # all four pages go through OCR

    cluster.worker("a")
    cluster.worker("b")
    cluster.wait_for(2)
    killed: list[str] = []

    def progress(key: str) -> None:
        # At the first page done, the other pages are queued or running on both workers: one
        # worker goes down with whatever it holds.
        if not killed:
            cluster.kill("b")
            killed.append(key)

    paths = _outputs(unit, "dask")
    found = run_digitize(settings, paths, scheduler=cluster.address, progress=progress)
    assert killed and cluster.procs["b"].poll() is not None
    assert found.where == cluster.address and found.ocr_pages == 4

    pages = found.pages[VERDICTS].reset_index(drop=True)
    pd.testing.assert_frame_equal(pages, local.pages[VERDICTS].reset_index(drop=True))
    assert not found.pages.duplicated(["ma_ho_so", "trang"]).any()
    documents = found.documents[FIELDS].reset_index(drop=True)
    pd.testing.assert_frame_equal(documents, local.documents[FIELDS].reset_index(drop=True))
    texts = _pdf_texts(paths)
    assert texts and texts == _pdf_texts(local_paths)
    for folder in ("pdfa", "ocr", "files"):
        assert _visible(paths.stage_dir("digitize") / folder) == _visible(
            local_paths.stage_dir("digitize") / folder
        )
    written = pd.read_csv(paths.stage_dir("digitize") / "pages.csv", encoding="utf-8-sig")
    assert len(written) == 4 and set(written["dat"]) == {True}


def test_the_timings_columns_are_seconds_after_the_older_columns(unit) -> None:
    paths = UnitPaths(unit.parent / "local", "TTLT")
    if not (paths.stage_dir("digitize") / "pages.csv").is_file():
        run_digitize(load_unit_settings(unit), _outputs(unit, "local"))
    written = pd.read_csv(paths.stage_dir("digitize") / "pages.csv", encoding="utf-8-sig")
    timings = ["giay_giai_ma", "giay_kiem_tra", "giay_chuan_bi", "giay_ocr", "giay_pdf"]
    assert list(written.columns[-5:]) == timings
    assert list(written.columns[:3]) == ["ma_ho_so", "trang", "tep"]
    for column in timings:
        values = pd.to_numeric(written[column], errors="raise")
        assert values.notna().all() and (values >= 0).all(), column
    # Tesseract is what a page's time is mostly spent in: never nothing.
    assert (written["giay_ocr"] > 0).all()


def test_workers_without_the_model_or_the_scans_are_named_before_any_work(unit, cluster) -> None:
    settings = load_unit_settings(unit)
    empty = unit.parent / "empty-tessdata"
    empty.mkdir(exist_ok=True)
    good = cluster.worker("good")
    no_model = cluster.worker("no-model", env={"TESSDATA_PREFIX": str(empty)})
    hidden = _can_hide()
    no_scans = cluster.worker("no-scans", hide=settings.scans.parent) if hidden else None
    cluster.wait_for(3 if hidden else 2)
    paths = _outputs(unit, "refused")
    with pytest.raises(ClusterError) as caught:
        run_digitize(settings, paths, scheduler=cluster.address)
    message = str(caught.value)
    lines = message.splitlines()
    assert any(no_model in line and "mô hình tiếng Việt" in line for line in lines), message
    assert not any(good in line for line in lines), message
    if no_scans is not None:
        assert any(no_scans in line and str(settings.scans) in line for line in lines), message
    # Before any work: nothing was checked, read or written for a page.
    digitize = paths.stage_dir("digitize")
    assert not (digitize / "pages.csv").exists() and not (digitize / "ocr").exists()
    assert not any((digitize / "files").glob("*.json"))


def test_the_command_line_wins_over_the_environment_over_the_params(monkeypatch) -> None:
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://env:8786")
    assert scheduler_address("tcp://cli:8786", "tcp://params:8786") == "tcp://cli:8786"
    assert scheduler_address(None, "tcp://params:8786") == "tcp://env:8786"
    monkeypatch.delenv(SCHEDULER_ENV)
    assert scheduler_address("", "tcp://params:8786") == "tcp://params:8786"
    assert scheduler_address(None, None) is None


def _can_hide() -> bool:
    try:
        done = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                              capture_output=True, timeout=10, check=False)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def test_an_unreachable_scheduler_is_an_error_naming_it(unit, monkeypatch) -> None:
    from sohoa_lib.scan import cluster as cl

    monkeypatch.setattr(cl, "CONNECT_TIMEOUT_S", 2)
    address = f"tcp://127.0.0.1:{_free_port()}"
    paths = _outputs(unit, "unreachable")
    with pytest.raises(ClusterError, match=address.replace(".", r"\.")):
        run_digitize(load_unit_settings(unit), paths, scheduler=address)


def test_run_and_batch_take_a_scheduler_address() -> None:
    from sohoa_lib.cli import build_parser

    parser = build_parser()
    assert (
        parser.parse_args(["run", "BN", "--scheduler", "tcp://h:8786"]).scheduler == "tcp://h:8786"
    )
    assert parser.parse_args(["batch", "--scheduler", "tcp://h:8786"]).scheduler == "tcp://h:8786"
    assert parser.parse_args(["run", "BN"]).scheduler is None


def test_cluster_workers_share_their_machines_cores_among_opencv_threads(unit, cluster) -> None:
    from sohoa_lib.common.workers import cores
    from sohoa_lib.scan.cluster import connect, preflight

    settings = load_unit_settings(unit)
    workers = [cluster.worker("a"), cluster.worker("b")]
    cluster.wait_for(2)
    client = connect(cluster.address)
    try:
        preflight(client, scans=settings.scans, outputs=unit.parent, tessdata_dir=None)
        # Two one-thread workers on this machine: each gets half its cores (at least one).
        # A lambda travels by value; a function of this module would need it on the workers.
        found = client.run(lambda: __import__("os").environ.get("OPENCV_FOR_THREADS_NUM"))
    finally:
        client.close()
    assert found == {w: str(max(1, cores() // 2)) for w in workers}
