"""Fault injection: `sohoa run` killed (-9) at random points, then rerun, loses and breaks nothing."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, file_row, write_signing_params
from sohoa_lib.demo._pki import write_demo_pki
from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.preserve import fixity
from sohoa_lib.run import _runlock

CODES = ("TTLT.2019.VP.00001", "TTLT.2019.VP.00002")
PASSWORD = "mật-khẩu-thử-5813"
ORG = "Trung tâm Lưu trữ BHXH Việt Nam"
KILLS = 3
# The seed is printed when the test fails; SOHOA_FAULT_SEED replays a failing sequence.
SEED = int(os.environ.get("SOHOA_FAULT_SEED", random.randrange(1 << 30)))


@pytest.fixture
def small_unit(tmp_path: Path) -> Path:
    """Two one-page files, the demo PKI, two backup locations: the smallest unit that signs."""
    pki = write_demo_pki(tmp_path / "pki", organisation=ORG, password=PASSWORD)
    requests = [ScanRequest(ma, "", "BẢO HIỂM XÃ HỘI VIỆT NAM", "Hà Nội", 2019, 1, "png")
                for ma in CODES]  # fmt: skip
    write_demo_scans(requests, tmp_path / "scans", tmp_path / "truth", seed=7)
    rows = [file_row(ma, **{"Số lượng trang": 1, "Số lượng tờ": 1}) for ma in CODES]
    pd.DataFrame(rows).to_csv(tmp_path / "inventory.csv", index=False, encoding="utf-8-sig")
    params = write_signing_params(tmp_path / "TTLT.yaml", ORG)
    assert pki["ca_cert"] == tmp_path / "pki" / "ca.crt"
    return params


def _sohoa(*args: str) -> list[str]:
    return [sys.executable, "-m", "sohoa_lib.cli", *args]


# Marks the processes of these runs (kernels and workers inherit it), to find any left behind.
MARK = f"SOHOA_FAULT_TEST={os.getpid()}"


def _env() -> dict[str, str]:
    return {**os.environ, "SOHOA_HOME": str(ROOT), "TEST_SIGN_PW": PASSWORD,
            "PYTHONIOENCODING": "utf-8", **dict([MARK.split("=")])}  # fmt: skip


def _run(params: Path, outputs: Path, stages: str = "inventory,digitize,sign"):
    return [*_sohoa("run", "TTLT", "--params", str(params), "--stages", stages),
            "--outputs", str(outputs)]  # fmt: skip


def test_runs_killed_at_random_points_then_rerun_leave_a_whole_valid_archive(
    small_unit: Path, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    outputs, copies = tmp_path / "out", tmp_path / "copies"
    unit, archive = outputs / "TTLT", outputs / "TTLT" / "archive"
    kills = []
    for attempt in range(KILLS):
        run = subprocess.Popen(_run(small_unit, outputs), env=_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, encoding="utf-8")  # fmt: skip
        if attempt == 0:  # once for certain in the middle of OCR, where the worker pool runs
            started = time.monotonic()
            while not _tesseracts(tmp_path) and run.poll() is None:
                assert time.monotonic() - started < 120, "OCR never started"
                time.sleep(0.02)
            delay = time.monotonic() - started
        else:  # later points reach signing and backups: each run keeps what it finished
            delay = rng.uniform(0.5, 10.0)
            with contextlib.suppress(subprocess.TimeoutExpired):
                run.wait(timeout=delay)
        if run.poll() is None:
            run.send_signal(signal.SIGKILL)
        _, err = run.communicate()
        kills.append((round(delay, 2), run.returncode))
        assert run.returncode in (0, -signal.SIGKILL), (SEED, kills, err)
        # No process of the killed run outlives it for long: the kernel polls its parent every
        # second, its pool workers and their tesseract die with it.
        deadline = time.monotonic() + 15
        while _tesseracts(tmp_path) or _workers():
            assert time.monotonic() < deadline, (SEED, kills, _tesseracts(tmp_path), _workers())
            time.sleep(0.1)
    context = f"seed {SEED}, kills (delay s, exit) {kills}"

    done = subprocess.run(_run(small_unit, outputs), env=_env(), capture_output=True,
                          encoding="utf-8", timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, (context, done.stderr)
    record = json.loads((unit / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "ok", context

    # Nothing lost: every document of every file digitized, signed, packaged, backed up.
    outcomes = {p.stem: json.loads(p.read_text(encoding="utf-8"))["outcome"]
                for p in sorted((unit / "digitize" / "files").glob("*.json"))}  # fmt: skip
    assert sorted(outcomes) == sorted(CODES), context
    pdfs = sorted(name for o in outcomes.values() for name in o["pdfs"])
    assert pdfs and sorted(p.name for p in archive.glob("*.pdf")) == pdfs, context
    summary = json.loads((archive / "summary.json").read_text(encoding="utf-8"))
    assert summary["valid"] == len(pdfs) and summary["failures"] == 0, context
    assert summary["packages"] == len(CODES) and summary["backup_copies_verified"] == 2 * len(CODES)

    # Nothing duplicated: one signature record, one catalogue row per document.
    signed = pd.read_csv(archive / "signed.csv")
    assert sorted(signed["tep"]) == pdfs, context
    state = json.loads((archive / "signed.json").read_text(encoding="utf-8"))
    assert sorted(state) == pdfs, context
    with contextlib.closing(sqlite3.connect(unit / "catalog.sqlite")) as db:
        files = db.execute("SELECT COUNT(*), COUNT(DISTINCT ma_ho_so) FROM files").fetchone()
        docs = db.execute("SELECT COUNT(*), COUNT(DISTINCT pdf) FROM documents").fetchone()
    n_docs = sum(len(o["catalog_documents"]) for o in outcomes.values())
    assert files == (len(CODES), len(CODES)) and docs == (n_docs, len(pdfs)), (context, docs)

    # Nothing half-written: no temporary left, every log row whole.
    for folder in (unit, copies):
        left = [p for p in folder.rglob(".*") if _runlock.TEMPORARY.match(p.name)]
        assert left == [], (context, left)
    assert not list((unit / "digitize" / "ocr").glob("*/.*")), context
    rows = fixity.read_log(archive / fixity.LOG)
    assert rows and all(None not in row.values() and row["when"] for row in rows), context

    # Every signature and checksum valid, checked by the commands an auditor runs.
    trust = str(small_unit.parent / "pki" / "ca.crt")
    verify = subprocess.run([*_sohoa("verify", str(archive), "--trust", trust)], env=_env(),
                            capture_output=True, encoding="utf-8", check=False)  # fmt: skip
    assert verify.returncode == 0, (context, verify.stdout, verify.stderr)
    fix = subprocess.run([*_sohoa("verify", "--fixity", str(archive))], env=_env(),
                         capture_output=True, encoding="utf-8", check=False)  # fmt: skip
    assert fix.returncode == 0, (context, fix.stdout, fix.stderr)


def _processes() -> dict[int, tuple[str, str]]:
    """pid → (command line, environment) of every process we may read."""
    found = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            env = (proc / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        found[int(proc.name)] = (cmd, env)
    return found


def _tesseracts(folder: Path) -> list[int]:
    return [pid for pid, (cmd, _) in _processes().items()
            if "tesseract" in cmd and str(folder) in cmd]  # fmt: skip


def _workers() -> list[int]:
    """The run's kernel and its pool workers: they inherit the kernel's working environment."""
    return [pid for pid, (_, env) in _processes().items() if MARK in env.split("\0")]
