"""Run a unit's stage notebooks through papermill into HTML reports, and a batch of units."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sohoa_lib.common import progress
from sohoa_lib.common.files import write_text
from sohoa_lib.errors import ParamsError, StageError
from sohoa_lib.paths import STAGE_TITLES, STAGES, UnitPaths
from sohoa_lib.run import _index, _links, _notebook, _runlock
from sohoa_lib.run._record import input_checksums, now, settings_for_record, tool_versions
from sohoa_lib.settings import UnitSettings, load_unit_settings

log = logging.getLogger(__name__)

NATIONAL = "05_national"
"""The national roll-up notebook, run by a batch after every unit."""

STAGE_FOLDERS = {"sign": "archive"}
"""A stage's output folder under the unit, where it is not the stage's name."""

NATIONAL_DIR = "national"


@dataclass(frozen=True)
class StageRecord:
    """How one stage of a run went."""

    name: str
    """Stage name (`inventory`, …)."""
    notebook: str | None
    """Executed notebook, relative to the unit's output folder; None when the stage did not run."""
    report: str | None
    """HTML report, relative to the unit's output folder; None when none was written."""
    status: str
    """`ok`, `failed` or `skipped` (an earlier stage failed)."""
    seconds: float
    """Wall-clock time of execution and export."""
    error: str | None = None
    """The one-line reason when the stage failed."""


@dataclass(frozen=True)
class RunRecord:
    """What `run.json` holds: enough to tell what ran, on which inputs, with which tools."""

    unit: str
    name: str
    started: str
    """ISO 8601 with the UTC offset."""
    finished: str
    status: str
    """`ok` or `failed`."""
    as_of: str | None
    """The date the figures were computed for (`--as-of`), None for the day of the run."""
    parameters: dict[str, Any]
    """The unit's settings, secrets removed."""
    versions: dict[str, str | None]
    inputs: dict[str, Any]
    """Checksums and sizes of the input files."""
    stages: tuple[StageRecord, ...]

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=2) + "\n"


# --- project layout ------------------------------------------------------------------------------


def project_root(start: Path | None = None) -> Path:
    """`$SOHOA_HOME`, else the nearest folder at or above `start` (the current one) holding both
    `params/units/` and `notebooks/`."""
    home = os.environ.get("SOHOA_HOME")
    if home:
        return Path(home).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params" / "units").is_dir() and (folder / "notebooks").is_dir():
            return folder
    raise ParamsError("hãy chạy sohoa trong thư mục dự án, hoặc đặt SOHOA_HOME")


def available_stages(notebooks_dir: Path) -> list[str]:
    """Names of the stages whose notebook exists, in run order (later issues add stages)."""
    return [name for name, stem in STAGES if (notebooks_dir / f"{stem}.ipynb").is_file()]


def select_stages(stages: Sequence[str] | None, notebooks_dir: Path) -> list[tuple[str, str]]:
    """The (name, stem) pairs to run, in run order; ParamsError naming an unknown or absent one."""
    available = available_stages(notebooks_dir)
    listing = f"các giai đoạn có: {', '.join(available) or 'không có'}"
    if not available:
        raise ParamsError(f"{notebooks_dir}: không có notebook giai đoạn (01_inventory.ipynb, …)")
    if stages is None:
        stages = available
    if not stages:
        raise ParamsError(f"chưa chọn giai đoạn nào; {listing}")
    known = dict(STAGES)
    for name in stages:
        if name not in known:
            raise ParamsError(f"không có giai đoạn {name!r}; {listing}")
        if name not in available:
            raise ParamsError(
                f"giai đoạn {name!r} chưa có notebook {known[name]}.ipynb trong {notebooks_dir}; "
                f"{listing}"
            )
    return [(name, stem) for name, stem in STAGES if name in stages]


# --- one unit ------------------------------------------------------------------------------------


def run_unit(
    unit: str,
    *,
    params_file: Path,
    outputs: Path,
    stages: Sequence[str] | None,
    notebooks_dir: Path,
    as_of: dt.date | None = None,
    kernel_name: str = "sohoa",
    command: str | None = None,
    scheduler: str | None = None,
) -> RunRecord:
    """Run the unit's stage notebooks in order, export their reports, and write `run.json`.

    The run holds the unit's lock throughout (UnitBusyError naming the other run when one is
    alive), and first removes what a killed run left under temporary names. A failing stage still
    gets its executed notebook and HTML report; later stages are skipped because they read its
    files. StageError is raised after `run.json` is written. `command` is how a refused run is
    told who holds the unit (default: this process's command line). `scheduler`, a Dask
    scheduler's address, sends the digitization's page work to that cluster.
    """
    settings = load_unit_settings(params_file)
    if settings.unit != unit:
        raise ParamsError(
            f"{settings.source}: khóa 'unit' là {settings.unit!r}, cần {unit!r} (tệp tham số "
            "của đơn vị khác)"
        )
    todo = select_stages(stages, notebooks_dir)
    _notebook.check_kernel(kernel_name)
    outputs, notebooks_dir = outputs.resolve(), notebooks_dir.resolve()
    paths = UnitPaths(outputs, unit)
    with _runlock.unit_lock(paths.root, unit=unit, command=command or shlex.join(sys.argv)):
        backups = [location / unit for location in settings.preservation.backups]
        for path in _runlock.remove_stale_temporaries(paths.root, backups):
            log.warning("%s: đã xóa %s, do một lần chạy bị ngắt để lại", unit, path)
        try:
            with progress.watch(lambda: {unit: progress.unit_status(paths.root)}):
                run = _run_stages(
                    settings, paths, todo, notebooks_dir, as_of, kernel_name, scheduler
                )
        finally:
            progress.clear(paths.root)
        _index.write_index(outputs)  # so the reports' "back to the index" link leads somewhere
        finish_reports(paths.root, outputs)
    failure = next((s.error for s in run.stages if s.error), None)
    if failure:
        raise StageError(failure)
    return run


def _run_stages(
    settings: UnitSettings,
    paths: UnitPaths,
    todo: list[tuple[str, str]],
    notebooks_dir: Path,
    as_of: dt.date | None,
    kernel_name: str,
    scheduler: str | None = None,
) -> RunRecord:
    """The stages in order, then `run.json`; a failed stage skips the ones after it."""
    started = now()
    inputs = input_checksums(settings)
    parameters = {
        "params_file": str(settings.source),
        "outputs": str(paths.outputs),
        "as_of": as_of.isoformat() if as_of else "",
    }
    records: list[StageRecord] = []
    failure: str | None = None
    for name, stem in todo:
        if failure is not None:
            records.append(StageRecord(name, None, None, "skipped", 0.0))
            continue
        title = f"{stem[:2]} – {STAGE_TITLES[name]} – {settings.name}"
        write_text(paths.root / progress.STAGE_FILE, stem)  # what the terminal shows as running
        (paths.root / progress.STATUS_FILE).unlink(missing_ok=True)
        record = run_stage(
            name,
            notebooks_dir / f"{stem}.ipynb",
            paths.root,
            # Only the digitization notebook has a `scheduler` parameter (page work).
            parameters | ({"scheduler": scheduler} if scheduler and name == "digitize" else {}),
            title=title,
            kernel_name=kernel_name,
            cwd=notebooks_dir,
        )
        records.append(record)
        failure = record.error

    run = RunRecord(
        unit=settings.unit,
        name=settings.name,
        started=started,
        finished=now(),
        status="failed" if failure else "ok",
        as_of=as_of.isoformat() if as_of else None,
        parameters=settings_for_record(settings),
        versions=tool_versions(),
        inputs=inputs,
        stages=tuple(records),
    )
    write_text(paths.run_json, run.to_json())
    return run


def run_stage(
    name: str,
    notebook: Path,
    root: Path,
    parameters: dict[str, str],
    *,
    title: str,
    kernel_name: str,
    cwd: Path,
) -> StageRecord:
    """Execute one notebook into `root/notebooks/`, export it to `root/reports/`, time both."""
    executed = root / "notebooks" / notebook.name
    report = root / "reports" / f"{notebook.stem}.html"
    rel_nb, rel_report = executed.relative_to(root).as_posix(), report.relative_to(root).as_posix()
    log.info("%s: giai đoạn %s", root.name, notebook.stem)
    clock = time.perf_counter()
    error: str | None = None
    try:
        _notebook.execute(notebook, executed, parameters, kernel_name=kernel_name, cwd=cwd)
    except StageError as exc:
        error = str(exc)
    if executed.exists():
        try:
            _notebook.export_html(executed, report, title)
        except Exception as exc:  # nbconvert's errors are many; the stage failed either way
            reason = _notebook.one_line(type(exc).__name__, str(exc))
            error = error or f"giai đoạn {notebook.stem} lỗi khi xuất báo cáo HTML: {reason}"
            report.unlink(missing_ok=True)
    else:
        report.unlink(missing_ok=True)  # an earlier run's report would pass for this one's
    seconds = round(time.perf_counter() - clock, 2)
    return StageRecord(
        name=name,
        notebook=rel_nb if executed.exists() else None,
        report=rel_report if report.exists() else None,
        status="failed" if error else "ok",
        seconds=seconds,
        error=error,
    )


# --- a batch of units ----------------------------------------------------------------------------


def finish_reports(root: Path, outputs: Path) -> None:
    """Navigation bar and file links in every report under `root/reports` (a unit or national)."""
    titles = {stem: STAGE_TITLES[name] for name, stem in (*STAGES, ("national", NATIONAL))}
    folders = {stem: STAGE_FOLDERS.get(name, name) for name, stem in STAGES}
    _links.finish_reports(
        root / "reports",
        index=outputs / "index.html",
        titles=titles,
        bases=(root, outputs),
        folders=folders,
    )
