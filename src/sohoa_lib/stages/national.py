"""Stage 5, national roll-up: every unit's progress by phase, the national indicators, one catalogue."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sohoa_lib.catalog import db
from sohoa_lib.common.files import write_csv, write_text
from sohoa_lib.errors import InputError
from sohoa_lib.records.registry import units
from sohoa_lib.stages.stats import PROBLEM_COLUMNS, compile_definitions, compile_input, read_values
from sohoa_lib.stats.collect import summary_value
from sohoa_lib.stats.compile import NATIONAL, TIDY_COLUMNS, compile_indicators, period_sort_key
from sohoa_lib.stats.indicators import Definitions, load_definitions
from sohoa_lib.stats.sdmx import publish

UNIT_COLUMNS = [
    "unit", "name", "phase", "deadline", "current_unit", "current_name", "reported",
    "paper_pages", "target_pages", "selected_pages", "selected_share", "digitized_pages",
    "signed_pages", "share_digitized", "pages_checked", "pages_passed", "ocr_confidence", "cost",
    "capacity_per_day", "projected_finish", "overdue_days", "new_target_date",
    "required_per_day_new_target",
]  # fmt: skip
"""progress_units.csv: one row per registry unit; blank where the unit has not reported."""
# Which summary figure fills which column: (stage summary file, dotted key).
_FIGURES = {
    "paper_pages": ("inventory", "non_electronic_pages"),
    "target_pages": ("inventory", "target_pages"),
    "selected_pages": ("inventory", "selected_pages"),
    "selected_share": ("inventory", "achieved_share"),
    "cost": ("inventory", "cost_total"),
    "capacity_per_day": ("inventory", "pace.capacity_per_day"),
    "projected_finish": ("inventory", "pace.projected_finish"),
    "pace_overdue": ("inventory", "pace.overdue_days"),
    "new_target_date": ("inventory", "pace.new_target_date"),
    "required_per_day_new_target": ("inventory", "pace.required_per_day_new_target"),
    "digitized_pages": ("digitize", "digitized_pages"),
    "pages_checked": ("digitize", "pages_checked"),
    "pages_passed": ("digitize", "pages_passed"),
    "ocr_confidence": ("digitize", "mean_ocr_confidence"),
    "signed_pages": ("archive", "signed_pages"),
}
_SUMS = ["paper_pages", "target_pages", "selected_pages", "digitized_pages", "signed_pages",
         "pages_checked", "pages_passed", "cost"]  # fmt: skip


@dataclass(frozen=True)
class NationalResult:
    """What the national roll-up found; the same tables are CSV under `national/`."""

    outputs: Path
    as_of: dt.date
    definitions: Definitions
    units: pd.DataFrame
    """UNIT_COLUMNS, one row per registry unit (64)."""
    phases: pd.DataFrame
    """One row per phase of plan 1838, then the whole programme."""
    compiled: pd.DataFrame
    """compile_indicators over every unit's statistics (unit, province and national levels)."""
    coverage: dict[str, int]
    """Period → number of units whose report tables for it were compiled."""
    problems: pd.DataFrame
    """Every unit's data problems (PROBLEM_COLUMNS plus `don_vi`), and the roll-up's own."""
    catalogue_units: tuple[str, ...]
    """Units whose catalogue is in `national/catalog.sqlite` (empty when none was built)."""
    seconds: float

    def ranking(self) -> pd.DataFrame:
        """Units that reported, furthest along first (share of selected pages digitized)."""
        done = self.units[self.units["reported"]]
        return done.sort_values(
            ["share_digitized", "digitized_pages", "unit"], ascending=[False, False, True]
        ).reset_index(drop=True)

    def figures(self) -> dict:
        total = self.phases.iloc[-1]
        return {
            "as_of": self.as_of.isoformat(),
            "units": int(total["units"]),
            "units_reported": int(total["units_reported"]),
            "units_overdue": int(total["units_overdue"]),
            "selected_pages": int(total["selected_pages"]),
            "digitized_pages": int(total["digitized_pages"]),
            "signed_pages": int(total["signed_pages"]),
            "indicator_values": int((self.compiled["level"] == NATIONAL).sum()),
            "periods": sorted(self.coverage, key=period_sort_key),
            "problems": len(self.problems),
            "catalogue_units": list(self.catalogue_units),
            "seconds": round(self.seconds, 2),
        }


def run_national_report(
    outputs: Path, *, as_of: dt.date | None = None, indicators: Path
) -> NationalResult:
    """Roll every unit under `outputs` up to the nation and write `outputs/national/`.

    A unit that has not run (or not every stage) is shown as not reporting, or with the figures
    it has; a unit whose outputs cannot be read is set aside and named in the problems.
    """
    clock = time.perf_counter()
    outputs = Path(outputs)
    as_of = as_of or dt.date.today()
    definitions = load_definitions(indicators)
    problems: list[dict] = []
    unit_rows = progress_by_unit(outputs, as_of, problems)
    compiled, coverage = _national_indicators(outputs, definitions, problems)
    folder = outputs / NATIONAL
    merged = _merge_catalogues(outputs, folder / db.CATALOG_NAME, problems)
    result = NationalResult(
        outputs=outputs,
        as_of=as_of,
        definitions=definitions,
        units=unit_rows,
        phases=progress_by_phase(unit_rows, as_of),
        compiled=compiled,
        coverage=coverage,
        problems=pd.concat(
            [_unit_problems(outputs), pd.DataFrame(problems, columns=["don_vi", *PROBLEM_COLUMNS])],
            ignore_index=True,
        ),
        catalogue_units=merged,
        seconds=time.perf_counter() - clock,
    )
    write_csv(folder / "progress_units.csv", result.units)
    write_csv(folder / "progress_phases.csv", result.phases)
    write_csv(folder / "problems.csv", result.problems)
    publish(folder / "statistics", compiled, compile_definitions(definitions))
    write_text(
        folder / "summary.json", json.dumps(result.figures(), ensure_ascii=False, indent=1) + "\n"
    )
    return result


# --- programme progress ---------------------------------------------------------------------


def _summaries(unit_root: Path, problems: list[dict]) -> dict[str, dict] | None:
    """The unit's stage summaries by stage; None when its inventory (the first stage) is absent."""
    found: dict[str, dict] = {}
    for stage in ("inventory", "digitize", "archive"):
        path = unit_root / stage / "summary.json"
        try:
            found[stage] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            where = path.relative_to(unit_root.parent).as_posix()
            problems.append(_problem(unit_root.name, where, "doc_tep", f"không đọc được: {exc}"))
    return found if "inventory" in found else None


def progress_by_unit(outputs: Path, as_of: dt.date, problems: list[dict]) -> pd.DataFrame:
    """One row per registry unit: its stage figures if it has reported, blank otherwise."""
    rows = []
    for code, u in units().items():
        row: dict[str, object] = {
            "unit": code, "name": u.name, "phase": u.phase, "deadline": u.deadline.isoformat(),
            "current_unit": u.current_code, "current_name": u.current_name,
        }  # fmt: skip
        summaries = _summaries(outputs / code, problems)
        row["reported"] = summaries is not None
        for column, (stage, key) in _FIGURES.items():
            value = summary_value(summaries.get(stage, {}), key) if summaries else None
            row[column] = value
        if summaries is not None:
            selected = row["selected_pages"] or 0
            row["digitized_pages"] = row["digitized_pages"] or 0
            row["signed_pages"] = row["signed_pages"] or 0
            row["share_digitized"] = row["digitized_pages"] / selected if selected else None
            finished = selected and row["digitized_pages"] >= selected
            past = max((as_of - u.deadline).days, 0)
            pace = row["pace_overdue"]
            row["overdue_days"] = 0 if finished else (past if pace is None else pace)
        rows.append(row)
    frame = pd.DataFrame(rows).reindex(columns=UNIT_COLUMNS)
    # Counts stay whole numbers in the CSV (1058, not 1058.0) with blanks where not reported.
    counts = [*_SUMS, "overdue_days"]
    frame[counts] = frame[counts].apply(lambda c: pd.to_numeric(c).round()).astype("Int64")
    return frame


def progress_by_phase(unit_rows: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per phase (1: deadline 2023-12-30, 2: 2024-12-31) and for the whole programme: units,
    units reporting, pages selected, digitized and signed, and days past the deadline."""
    rows = []
    groups = [(p, g) for p, g in unit_rows.groupby("phase", sort=True)] + [("", unit_rows)]
    for phase, group in groups:
        reported = group[group["reported"]]
        sums = {c: round(pd.to_numeric(reported[c], errors="coerce").sum()) for c in _SUMS}
        deadline = dt.date.fromisoformat(max(group["deadline"]))
        overdue = pd.to_numeric(reported["overdue_days"], errors="coerce")
        rows.append(
            {"phase": phase, "deadline": deadline.isoformat() if phase != "" else "",
             "units": len(group), "units_reported": len(reported),
             "units_done": int((reported["share_digitized"].astype(float) >= 1).sum()),
             "units_overdue": int((overdue > 0).sum()), **sums,
             "share_digitized": sums["digitized_pages"] / sums["selected_pages"]
             if sums["selected_pages"] else None,
             "selected_share": sums["selected_pages"] / sums["paper_pages"]
             if sums["paper_pages"] else None,
             "days_past_deadline": max((as_of - deadline).days, 0) if phase != "" else None}
        )  # fmt: skip
    return pd.DataFrame(rows).astype({"days_past_deadline": "Int64"})


# --- indicators -----------------------------------------------------------------------------


def _reporting_dirs(outputs: Path) -> list[Path]:
    return sorted(p.parent for p in outputs.glob("*/run.json") if p.parent.name != NATIONAL)


def _national_indicators(
    outputs: Path, definitions: Definitions, problems: list[dict]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Every unit's compiled values, compiled again across units (old units mapped to today's)."""
    known = units()
    frames = []
    for root in _reporting_dirs(outputs):
        if not (root / "statistics" / "values.csv").is_file():
            continue
        if root.name not in known:
            problems.append(_problem(root.name, root.name, "don_vi", "không phải mã đơn vị"))
            continue
        try:
            values = read_values(root)
        except (OSError, ValueError, KeyError) as exc:
            where = f"{root.name}/statistics/values.csv"
            problems.append(_problem(root.name, where, "doc_tep", f"không đọc được: {exc}"))
            continue
        unknown = sorted(set(values["chi_tieu"]) - set(definitions.by_code))
        if unknown:
            where = f"{root.name}/statistics/values.csv"
            message = f"chỉ tiêu không còn trong định nghĩa, bỏ qua: {', '.join(unknown)}"
            problems.append(_problem(root.name, where, "chi_tieu", message))
        frames.append(values[values["chi_tieu"].isin(definitions.by_code)])
    defs = compile_definitions(definitions)
    if not frames:
        return compile_indicators(pd.DataFrame(columns=list(TIDY_COLUMNS)), defs), {}
    tidy = compile_input(pd.concat(frames, ignore_index=True), definitions)
    coverage = tidy.groupby("period")["unit"].nunique()
    return compile_indicators(tidy, defs), {str(k): int(v) for k, v in coverage.items()}


def _unit_problems(outputs: Path) -> pd.DataFrame:
    frames = []
    for root in _reporting_dirs(outputs):
        path = root / "statistics" / "problems.csv"
        if path.is_file():
            frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
            frames.append(frame.reindex(columns=PROBLEM_COLUMNS).assign(don_vi=root.name))
    if not frames:
        return pd.DataFrame(columns=["don_vi", *PROBLEM_COLUMNS])
    return pd.concat(frames, ignore_index=True).loc[:, ["don_vi", *PROBLEM_COLUMNS]]


def _problem(unit: str, file: str, rule: str, message: str) -> dict:
    return {"don_vi": unit, "tep": file, "trang_tinh": "", "o": "", "quy_tac": rule,
            "noi_dung": message}  # fmt: skip


# --- catalogue ------------------------------------------------------------------------------


def _merge_catalogues(outputs: Path, out: Path, problems: list[dict]) -> tuple[str, ...]:
    """Merge every unit's catalogue into `out`; a catalogue that cannot be merged is left out and
    named in the problems. Returns the units merged."""
    sources = sorted(p for p in outputs.glob(f"*/{db.CATALOG_NAME}") if p.parent.name != NATIONAL)
    if sources:
        try:
            db.merge(sources, out)
            return tuple(p.parent.name for p in sources)
        except InputError:
            sources = _mergeable(sources, problems)
    if not sources:
        out.unlink(missing_ok=True)  # an older national catalogue would answer for units gone
        return ()
    db.merge(sources, out)
    return tuple(p.parent.name for p in sources)


def _mergeable(sources: list[Path], problems: list[dict]) -> list[Path]:
    """The catalogues that merge on their own; the others are named in the problems."""
    good = []
    with tempfile.TemporaryDirectory() as tmp:
        for source in sources:
            try:
                db.merge([source], Path(tmp) / f"{source.parent.name}.sqlite")
                good.append(source)
            except InputError as exc:
                where = f"{source.parent.name}/{db.CATALOG_NAME}"
                problems.append(_problem(source.parent.name, where, "doc_tep", str(exc)))
    return good
