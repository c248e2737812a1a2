"""Stage 1's hand-over: the inventory result its report reads, and selection.csv and exclusions.csv, written here only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sohoa_lib.common.csvwrite import write_table_csv
from sohoa_lib.common.files import write_csv
from sohoa_lib.errors import InputError
from sohoa_lib.handover import write_summary
from sohoa_lib.paths import UnitPaths
from sohoa_lib.records.arrow import arrow_strings, starts_with_any
from sohoa_lib.records.costing import (
    Pace,
)
from sohoa_lib.records.inventory import InventoryTable
from sohoa_lib.records.selection import REASONS, SelectionSummary
from sohoa_lib.settings import UnitSettings


@dataclass(frozen=True)
class InventoryResult:
    """Everything stage 1 computed for a unit; the same tables are written as CSV."""

    settings: UnitSettings
    table: InventoryTable
    files: pd.DataFrame
    """Every valid file with its reason flags, `du_dieu_kien`, `ly_do_loai` and `lua_chon`."""
    selection: pd.DataFrame
    summary: SelectionSummary
    volume: pd.DataFrame
    budget: pd.DataFrame
    budget_by_stage: pd.DataFrame
    pace: Pace
    sheets_estimated: int
    """Selected files whose sheet count was blank and was estimated from pages."""

    def figures(self) -> dict:
        """The key figures as plain values (written to summary.json for later stages)."""
        files = self.files
        return {
            "unit": self.settings.unit,
            "as_of": self.pace.as_of.isoformat(),
            "holdings_files": len(files),
            "holdings_sheets": int(files["so_to"].fillna(0).sum()),
            "holdings_pages": int(files["so_trang"].sum()),
            "rejected_rows": int(self.table.rejected["dong"].nunique()),
            "reading": reading_summary(self.table),
            **{k: _plain(v) for k, v in dataclasses.asdict(self.summary).items()},
            "achieved_share": self.summary.achieved_share,
            "cost_total": int(self.budget["thanh_tien"].sum()),
            "labour_days": float(self.budget["ngay_cong"].sum()),
            "currency": "VND",
            "pace": {k: _plain(v) for k, v in dataclasses.asdict(self.pace).items()}
            | {"on_track": self.pace.on_track},
        }


def write_outputs(result: InventoryResult, paths: UnitPaths) -> None:
    """Write the stage's tables under <UNIT>/inventory/ (CSV, UTF-8) and its key figures."""
    folder = paths.stage_dir("inventory")
    write_file_tables(result.files, result.selection, folder)
    table = result.table
    write_csv(folder / "rejected.csv", spreadsheet_safe(table.rejected))
    write_csv(folder / "encoding.csv", spreadsheet_safe(table.encoding))
    write_csv(folder / "skipped_rows.csv", table.skipped)
    write_csv(folder / "volume.csv", spreadsheet_safe(result.volume))
    write_csv(folder / "budget.csv", result.budget)
    write_summary(folder, "inventory", result.figures())


SELECTION_COLUMNS = ("thu_tu", "ma_ho_so", "hop", "tieu_de", "nhom", "don_vi", "thoi_gian_bat_dau",
    "thoi_gian_ket_thuc", "thoi_han_bao_quan", "so_to", "so_trang", "trang_uoc_tinh",
    "tinh_trang_vat_ly", "che_do_su_dung", "so_luot_khai_thac", "luy_ke_trang")  # fmt: skip
"""Columns of selection.csv, in order."""
# Columns of selection.csv that hold text, so that a code such as "01" stays "01", not 1.
SELECTION_TEXT = ("ma_ho_so", "tieu_de", "nhom", "thoi_han_bao_quan", "che_do_su_dung",
                  "tinh_trang_vat_ly", "thoi_gian_bat_dau", "thoi_gian_ket_thuc")  # fmt: skip


EXCLUSION_COLUMNS = ("dong", "ma_ho_so", "tieu_de", "nam_bat_dau", "nam_ket_thuc", "so_trang",
    "ly_do_loai", "thong_tin_thieu", *(f"loai_{k}" for k in REASONS))  # fmt: skip
"""Columns of exclusions.csv, in order."""


def write_file_tables(files: pd.DataFrame, selection: pd.DataFrame, folder: Path) -> None:
    """selection.csv and exclusions.csv: the two tables with a row per file."""
    write_table_csv(folder / "selection.csv", spreadsheet_safe(selection[list(SELECTION_COLUMNS)]))
    excluded = files.loc[~files["du_dieu_kien"].to_numpy(dtype=bool), list(EXCLUSION_COLUMNS)]
    write_table_csv(folder / "exclusions.csv", spreadsheet_safe(excluded))


# A cell starting with one of these is run as a formula by Excel and LibreOffice (CSV injection);
# a leading apostrophe makes it text, and the apostrophe is not shown.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell that a spreadsheet would run as a formula escaped."""

    def escape(value: object) -> object:
        return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value

    escaped = {}
    for c in frame.columns:
        if not (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])):
            continue
        data = arrow_strings(frame[c])
        if data is None:
            if (frame[c].to_numpy(dtype=object) == None).all():  # noqa: E711 (None cells only)
                continue  # a column the sheet lacks: nothing to escape, and map() would copy it
            escaped[c] = frame[c].map(escape)
        elif (risky := starts_with_any(data, _FORMULA_START)) is not None:
            # Arrow text: only the few cells that need it are touched, not a million in Python.
            values = frame[c].to_numpy(dtype=object)
            values[risky] = ["'" + v for v in values[risky]]
            escaped[c] = pd.Series(values, index=frame.index, dtype=frame[c].dtype)
    return frame.assign(**escaped) if escaped else frame


def reading_summary(table: InventoryTable) -> dict:
    """How the inventory was read: header rows, format, composition, declarations, gaps."""
    encoding = table.encoding
    return {
        "header_rows": list(table.header_rows),
        "file_format": table.file_format,
        "composed_code": table.composed,
        "declared": list(table.declared),
        "rules_not_applied": list(table.unknown_rules),
        "missing_columns": {k: list(v) for k, v in table.missing.items()},
        "skipped_rows": {k: int(v) for k, v in table.skipped["loai"].value_counts().items()},
        "converted_cells": int((encoding["bang_ma"] != "").sum()),
        "doubtful_cells": int((encoding["nghi_van"] != "").sum()),
    }


def exclusion_counts(result: InventoryResult) -> pd.DataFrame:
    """Files and pages excluded per reason (a file with two reasons counts under both)."""
    files = result.files
    rules = result.settings.selection
    rows = []
    for key, label in REASONS.items():
        mask = files[f"loai_{key}"]
        rows.append(
            {
                "ly_do": label.format(year_from=rules.year_from, year_to=rules.year_to),
                "ho_so": int(mask.sum()),
                "trang": int(files.loc[mask, "so_trang"].sum()),
            }
        )
    return pd.DataFrame(rows)


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def read_selection(folder: Path) -> pd.DataFrame:
    """selection.csv from stage 1's folder, as stage 2 reads it: text columns as text and blank
    cells as None (NaN is truthy and would pass for a title or a code)."""
    path = folder / "selection.csv"
    if not path.is_file():
        raise InputError(f"{path}: không tìm thấy; hãy chạy bước inventory trước (sohoa run UNIT)")
    table = pd.read_csv(path, encoding="utf-8-sig", dtype=dict.fromkeys(SELECTION_TEXT, str))
    return table.astype(object).where(table.notna(), None)
