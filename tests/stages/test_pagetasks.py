"""Page tasks: checks on a reduced decode judge as a full decode does, a file's OCR is sent
before later files are checked, and the workers do without pandas."""

from __future__ import annotations

import concurrent.futures as cf
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, file_row, write_digitize_params
from sohoa_lib import UnitPaths, load_unit_settings
from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.scan import pagecheck
from sohoa_lib.scan.pages import PageSource, open_page
from sohoa_lib.stages.digitize import run_digitize
from sohoa_lib.stages.digitize_pages import check_task
from sohoa_lib.stages.inventory import run_inventory

REAL = ROOT / "tests" / "data" / "real"
# How far a value measured on the JPEG's DCT-scaled decode may be from the full decode's.
# Skew is found to about 0.1° (scan._measure._SKEW_POINTS), either way: 0.15° apart at most.
CLOSE = {"blank": 0.05, "skew": 0.15, "brightness": 1.0}


def _pages(folder: Path) -> list[PageSource]:
    # The scans beside their transcriptions and expected values (not pages).
    images = sorted(p for p in folder.iterdir() if p.suffix in (".jpg", ".png"))
    return [PageSource(path, 0, n, "image") for n, path in enumerate(images, start=1)]


@pytest.mark.parametrize("folder", sorted(p.name for p in REAL.iterdir() if p.is_dir()))
def test_checks_on_the_reduced_decode_judge_as_on_the_full_one(folder) -> None:
    for page in _pages(REAL / folder):
        image, file_dpi = open_page(page)
        full = pagecheck.check_image(page, image, file_dpi)
        reduced = pagecheck.check_page(page)
        assert (reduced.width_px, reduced.height_px, reduced.dpi, reduced.paper) == (
            full.width_px, full.height_px, full.dpi, full.paper
        )  # fmt: skip
        for a, b in zip(full.checks, reduced.checks, strict=True):
            assert (a.name, a.passed, a.reason != "") == (b.name, b.passed, b.reason != ""), b
            if a.name in CLOSE and a.value is not None:
                assert abs(a.value - b.value) <= CLOSE[a.name], (page.label, a, b)


def test_a_check_task_times_its_decode_and_checks() -> None:
    page = _pages(REAL / "rd01")[0]
    done = check_task(page, "tt05-2025")
    assert done.check.passed == pagecheck.check_page(page).passed
    assert set(done.timings) == {"decode", "checks"}
    assert all(v >= 0 for v in done.timings.values())


class _Recording(cf.ThreadPoolExecutor):
    """A real executor that notes what was submitted, in order."""

    def __init__(self) -> None:
        super().__init__(1)
        self.sent: list[tuple[str, str]] = []
        self._max_workers = 1

    def submit(self, fn, /, *args, **kwargs):
        what = args[0]
        name = getattr(what, "ma_ho_so", None) or getattr(what, "key", None) or str(what.path)
        self.sent.append((fn.__name__, name))
        return super().submit(fn, *args, **kwargs)


def test_a_files_ocr_is_sent_before_later_files_are_checked(tmp_path) -> None:
    codes = [f"TTLT.2019.VP.{i:05d}" for i in (1, 2, 3)]
    requests = [ScanRequest(ma, "", "BẢO HIỂM XÃ HỘI VIỆT NAM", "Hà Nội", 2019, 1, "png")
                for ma in codes]  # fmt: skip
    write_demo_scans(requests, tmp_path / "scans", tmp_path / "truth", seed=3)
    rows = [file_row(ma, **{"Số lượng trang": 1}) for ma in codes]
    pd.DataFrame(rows).to_csv(tmp_path / "inventory.csv", index=False, encoding="utf-8-sig")
    settings = load_unit_settings(write_digitize_params(tmp_path / "TTLT.yaml"))
    paths = UnitPaths(tmp_path / "out", "TTLT")
    run_inventory(settings, paths)
    with _Recording() as pool:
        result = run_digitize(settings, paths, executor=pool)
    assert set(result.files["trang_thai"]) == {"hoàn thành"}
    kinds = [(fn, name.split("/")[-2] if "/" in name else name.split("#")[0]) for fn, name in
             pool.sent]  # fmt: skip
    # One worker, so two pages of checks ahead: files 1 and 2 are checked first; file 1's OCR
    # is sent as soon as its check is back, before file 3's check.
    assert kinds.index(("ocr_page", codes[0])) < kinds.index(("check_task", codes[2]))
    assert [k for k in kinds if k[0] == "check_task"] == [("check_task", c) for c in codes]
    assert sorted(k for k in kinds if k[0] == "finish_file") == [("finish_file", c) for c in codes]


def test_page_workers_do_without_pandas() -> None:
    # Each spawned worker imports the page tasks' modules; pandas would add about 0.6 s of CPU
    # to its start and 0.25 s to its exit, paid once per run whatever the worker count.
    code = (
        "import sys, sohoa_lib.stages.digitize_pages, sohoa_lib.scan.ocr; "
        "print(sorted(m for m in ('pandas', 'pyarrow') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=os.environ | {"PYTHONPATH": str(ROOT / "src")})  # fmt: skip
    assert done.stdout.strip() == "[]"
