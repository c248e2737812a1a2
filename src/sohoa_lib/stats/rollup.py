"""The national roll-up of statistics: every unit's compiled values compiled again, and its problems."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sohoa_lib.records.registry import units
from sohoa_lib.stats.compile import NATIONAL, TIDY_COLUMNS, compile_indicators
from sohoa_lib.stats.indicators import Definitions
from sohoa_lib.stats.prepare import (
    PROBLEM_COLUMNS,
    compile_definitions,
    compile_input,
    problem_row,
    read_values,
)


def _reporting_dirs(outputs: Path) -> list[Path]:
    return sorted(p.parent for p in outputs.glob("*/run.json") if p.parent.name != NATIONAL)


def national_indicators(
    outputs: Path, definitions: Definitions, problems: list[dict]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Every unit's compiled values, compiled again across units (old units mapped to today's)."""
    known = units()
    frames = []
    for root in _reporting_dirs(outputs):
        if not (root / "statistics" / "values.csv").is_file():
            continue
        if root.name not in known:
            problems.append(problem_row(root.name, root.name, "don_vi", "không phải mã đơn vị"))
            continue
        try:
            values = read_values(root)
        except (OSError, ValueError, KeyError) as exc:
            where = f"{root.name}/statistics/values.csv"
            problems.append(problem_row(root.name, where, "doc_tep", f"không đọc được: {exc}"))
            continue
        unknown = sorted(set(values["chi_tieu"]) - set(definitions.by_code))
        if unknown:
            where = f"{root.name}/statistics/values.csv"
            message = f"chỉ tiêu không còn trong định nghĩa, bỏ qua: {', '.join(unknown)}"
            problems.append(problem_row(root.name, where, "chi_tieu", message))
        frames.append(values[values["chi_tieu"].isin(definitions.by_code)])
    defs = compile_definitions(definitions)
    if not frames:
        return compile_indicators(pd.DataFrame(columns=list(TIDY_COLUMNS)), defs), {}
    tidy = compile_input(pd.concat(frames, ignore_index=True), definitions)
    coverage = tidy.groupby("period")["unit"].nunique()
    return compile_indicators(tidy, defs), {str(k): int(v) for k, v in coverage.items()}


def unit_problems(outputs: Path) -> pd.DataFrame:
    """Every reporting unit's statistics problems, with the unit (`don_vi`) in front."""
    frames = []
    for root in _reporting_dirs(outputs):
        path = root / "statistics" / "problems.csv"
        if path.is_file():
            frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
            frames.append(frame.reindex(columns=PROBLEM_COLUMNS).assign(don_vi=root.name))
    if not frames:
        return pd.DataFrame(columns=["don_vi", *PROBLEM_COLUMNS])
    return pd.concat(frames, ignore_index=True).loc[:, ["don_vi", *PROBLEM_COLUMNS]]
