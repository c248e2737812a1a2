"""The national step's notebook run after the units, its December report printed to PDF."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from sohoa_lib.common.files import write_text
from sohoa_lib.errors import SohoaError, StageError
from sohoa_lib.paths import STAGE_TITLES
from sohoa_lib.reports import browser, december
from sohoa_lib.run._record import now, tool_versions
from sohoa_lib.run.runner import NATIONAL, NATIONAL_DIR, finish_reports, run_stage


def run_national(
    notebook: Path, *, outputs: Path, as_of: dt.date | None = None, kernel_name: str = "sohoa"
) -> dict[str, Any]:
    """Run the national roll-up over whatever the units wrote; record it in `national/run.json`."""
    started, clock = now(), time.perf_counter()
    root = outputs / NATIONAL_DIR
    parameters = {"outputs": str(outputs), "as_of": as_of.isoformat() if as_of else ""}
    title = f"{NATIONAL[:2]} – {STAGE_TITLES['national']}"
    stage = run_stage(
        "national",
        notebook,
        root,
        parameters,
        title=title,
        kernel_name=kernel_name,
        cwd=notebook.parent,
    )
    record = {
        "unit": NATIONAL_DIR,
        "name": STAGE_TITLES["national"],
        "started": started,
        "finished": now(),
        "status": stage.status,
        "parameters": parameters,
        "versions": tool_versions(),
        "stages": [dataclasses.asdict(stage)],
    }
    record["december_pdf"] = _print_december(root / "reports") if stage.status == "ok" else None
    write_text(root / "run.json", json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    finish_reports(root, outputs)
    return {
        "unit": NATIONAL_DIR,
        "status": stage.status,
        "returncode": 0 if stage.status == "ok" else StageError.exit_code,
        "seconds": round(time.perf_counter() - clock, 2),
        "error": stage.error,
    }


def _print_december(reports: Path) -> str:
    """Print the national report's December section to its own A4 PDF; say what happened.

    Printed before the navigation bar and links are added, so the report links the PDF; neither
    shows on paper. No Chromium, or a Chromium that fails, costs the PDF, not the national run.
    """
    target = reports / december.PDF_NAME
    if browser.chromium_path() is None:
        target.unlink(missing_ok=True)  # an earlier run's PDF would pass for this one's
        return "không in: máy không cài Chromium"
    try:
        pages = browser.print_pdf(reports / f"{NATIONAL}.html", target)
    except SohoaError as exc:
        target.unlink(missing_ok=True)
        return f"lỗi khi in: {exc}"
    return f"{december.PDF_NAME}: {pages} trang"
