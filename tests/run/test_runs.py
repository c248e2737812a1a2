"""Runs that cannot collide or leave debris: one run per unit, stale temporaries, worker death."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_runner import PARAMETERS, make_project, write_notebook

from sohoa_lib import cli
from sohoa_lib.errors import UnitBusyError
from sohoa_lib.run import _runlock, runner

# A stage that holds the run until the test drops `go` into the outputs folder.
WAIT = (
    "import pathlib, time\n"
    "go = pathlib.Path(outputs) / 'go'\n"
    "for _ in range(1200):\n"
    "    if go.exists():\n"
    "        break\n"
    "    time.sleep(0.05)\n"
)


def _start_run(project: Path, outputs: Path) -> subprocess.Popen:
    """`sohoa run TTLT` in its own process, as an operator would start it."""
    return subprocess.Popen(
        [sys.executable, "-m", "sohoa_lib.cli", "run", "TTLT", "--outputs", str(outputs)],
        env={**os.environ, "SOHOA_HOME": str(project), "PYTHONIOENCODING": "utf-8"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
    )


def _wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _holder(outputs: Path) -> dict:
    try:
        return json.loads((outputs / "TTLT" / _runlock.LOCK_NAME).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


@pytest.fixture
def waiting_project(tmp_path: Path) -> Path:
    project = make_project(tmp_path / "project")
    write_notebook(project / "notebooks" / "01_inventory.ipynb", PARAMETERS, WAIT)
    return project


def test_a_second_run_of_the_unit_is_refused_naming_the_first(
    waiting_project: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    outputs = tmp_path / "out"
    first = _start_run(waiting_project, outputs)
    try:
        _wait_for(lambda: _holder(outputs).get("pid") == first.pid, "the first run's lock")
        monkeypatch.setenv("SOHOA_HOME", str(waiting_project))
        assert cli.main(["run", "TTLT", "--outputs", str(outputs)]) == UnitBusyError.exit_code
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("sohoa: đơn vị TTLT đang được chạy")
        assert f"tiến trình {first.pid}" in err and _holder(outputs)["started"] in err
        assert f"lệnh: sohoa run TTLT --outputs {outputs}" in err  # the first run's command
        assert not (outputs / "TTLT" / "run.json").exists()  # the refused run wrote nothing
    finally:
        (outputs / "go").touch()
        _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert _holder(outputs) == {}  # released, and nobody left to name
    assert json.loads((outputs / "TTLT" / "run.json").read_text("utf-8"))["status"] == "ok"


def test_a_killed_run_frees_the_unit_and_the_rerun_removes_its_debris(
    waiting_project: Path, tmp_path: Path
) -> None:
    outputs = tmp_path / "out"
    unit = outputs / "TTLT"
    params = waiting_project / "params" / "units" / "TTLT.yaml"
    copies = tmp_path / "copies"
    with params.open("a", encoding="utf-8") as fh:
        fh.write(f"preservation: {{backups: [{copies / 'a'}, {copies / 'b'}]}}\n")
    run = _start_run(waiting_project, outputs)
    debris = lambda: list((unit / "notebooks").glob(".01_inventory.*.tmp.ipynb"))  # noqa: E731
    try:
        _wait_for(lambda: debris(), "papermill's temporary notebook")
    finally:
        run.kill()
        run.communicate()
    assert debris(), "the killed run should have left its temporary notebook"
    # Debris of the other kinds a killed run leaves: a half-written table, OCR scratch, a half
    # copy in a backup location. An analyst's checkpoints and finished files are not debris.
    (unit / "inventory").mkdir()
    (unit / "inventory" / ".selection.csv.k3j2.tmp").write_text("half", encoding="utf-8")
    ocr = unit / "digitize" / "ocr" / "A.1"
    (ocr / ".A.1_0001.x8d7f2ab").mkdir(parents=True)
    (ocr / "A.1_0001.pdf").write_bytes(b"%PDF final")
    (unit / "notebooks" / ".ipynb_checkpoints").mkdir()
    (copies / "b" / "TTLT" / ".A.1.ab12.tmp").mkdir(parents=True)
    (copies / "b" / "TTLT" / "A.1").mkdir()

    (outputs / "go").touch()
    record = runner.run_unit(
        "TTLT",
        params_file=params,
        outputs=outputs,
        stages=["inventory"],
        notebooks_dir=waiting_project / "notebooks",
    )
    assert record.ok and not debris()
    assert not (unit / "inventory" / ".selection.csv.k3j2.tmp").exists()
    assert not (ocr / ".A.1_0001.x8d7f2ab").exists() and (ocr / "A.1_0001.pdf").is_file()
    assert not (copies / "b" / "TTLT" / ".A.1.ab12.tmp").exists()
    assert (copies / "b" / "TTLT" / "A.1").is_dir()
    assert (unit / "notebooks" / ".ipynb_checkpoints").is_dir()


# A worker whose parent is killed must not go on for minutes: its task and its tesseract with it.
POOL = """
import concurrent.futures as cf, multiprocessing, os, subprocess, sys, time
from sohoa_lib.common import workers

def task(_):
    child = subprocess.Popen(["sleep", "300"])
    print(os.getpid(), child.pid, flush=True)
    child.wait()

if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    pool = cf.ProcessPoolExecutor(
        1, mp_context=context, initializer=workers.die_with_parent, initargs=(os.getpid(),)
    )
    pool.submit(task, 0)
    time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"  # a zombie has died
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_workers_and_their_tesseract_die_with_a_killed_parent(tmp_path: Path, context) -> None:
    script = tmp_path / "pool.py"
    script.write_text(POOL, encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, str(script), context], stdout=subprocess.PIPE, encoding="utf-8"
    )
    try:
        worker, child = (int(n) for n in parent.stdout.readline().split())
        assert _alive(worker) and _alive(child)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    _wait_for(lambda: not _alive(worker) and not _alive(child), "the orphans to die", 10)
