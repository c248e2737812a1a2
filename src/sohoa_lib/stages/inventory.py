"""Stage 1, inventory: eligibility per plan 1838, selection by use, volume, cost and pace."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sohoa_lib.common.csvwrite import write_table_csv
from sohoa_lib.common.files import write_csv
from sohoa_lib.handover import write_summary
from sohoa_lib.paths import UnitPaths
from sohoa_lib.records import codes
from sohoa_lib.records.arrow import arrow_strings, is_in, labelled, sort_order, starts_with_any
from sohoa_lib.records.costing import (
    Pace,
    estimate_costs,
    estimate_pace,
    load_cost_norms,
    totals_by_stage,
)
from sohoa_lib.records.inventory import InventoryTable, read_inventory
from sohoa_lib.settings import Selection, UnitSettings

# Exclusion reasons of plan 1838 (II.1.2, II.2, I.2.2), in the order reports list them.
REASONS: dict[str, str] = {
    "ngoai_thoi_gian": "Hình thành ngoài giai đoạn {year_from}–{year_to}",
    "chua_chinh_ly": "Chưa chỉnh lý",
    "chua_xac_dinh_thbq": "Chưa xác định thời hạn bảo quản",
    "mat": "Tài liệu mật (bí mật nhà nước)",
    "qppl": "Văn bản quy phạm pháp luật",
    "da_co_dien_tu": "Đã có dữ liệu điện tử",
    # Not a rule of plan 1838: a fact the rules need is not known, so the file cannot be
    # counted as eligible until a person says (never defaulted to "eligible").
    "thieu_thong_tin": "Chưa đủ thông tin để xét điều kiện",
}
# The facts each file needs for eligibility; a None among them is "not known".
_FACTS = {"da_chinh_ly": "Đã chỉnh lý", "mat": "Tài liệu mật", "qppl": "Văn bản QPPL",
          "da_co_dien_tu": "Đã có dữ liệu điện tử"}  # fmt: skip

VOLUME_DIMENSIONS = {
    "nhom": "Nhóm hồ sơ",
    "nam_bat_dau": "Năm",
    "don_vi": "Đơn vị hình thành",
    "tinh_trang_vat_ly": "Tình trạng vật lý",
}


@dataclass(frozen=True)
class SelectionSummary:
    """How far the selection reaches the target share of the non-electronic holdings."""

    target_share: float
    non_electronic_pages: int
    target_pages: int
    eligible_files: int
    eligible_pages: int
    selected_files: int
    selected_sheets: int
    selected_pages: int
    shortfall_pages: int
    """Pages missing to reach the target when every eligible file is selected (0 otherwise)."""

    @property
    def achieved_share(self) -> float:
        return self.selected_pages / self.non_electronic_pages if self.non_electronic_pages else 0.0


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


def run_inventory(
    settings: UnitSettings, paths: UnitPaths, *, as_of: dt.date | None = None
) -> InventoryResult:
    """Read the unit's inventory, apply plan 1838, select, estimate, and write the stage's CSVs."""
    as_of = as_of or dt.date.today()
    table = read_inventory(settings.inventory, settings.inventory_facts)
    files = eligibility(table.files, settings.selection)
    selection, summary = select(files, settings.selection.target_share)
    files = files.assign(lua_chon=selected(files, selection))
    volume_table = volume(files)
    sheets, estimated = _sheets(selection)
    norms = load_cost_norms(settings.costs)
    hours = settings.capacity.hours_per_day
    budget = estimate_costs(
        norms,
        files=len(selection),
        sheets=sheets,
        pages=summary.selected_pages,
        hours_per_day=hours,
    )
    pace = estimate_pace(
        pages=summary.selected_pages,
        labour_minutes=float(budget["ngay_cong"].sum()) * hours * 60,
        capacity=settings.capacity,
        deadline=settings.deadline,
        new_target_date=settings.new_target_date,
        as_of=as_of,
    )
    result = InventoryResult(
        settings=settings,
        table=table,
        files=files,
        selection=selection,
        summary=summary,
        volume=volume_table,
        budget=budget,
        budget_by_stage=totals_by_stage(budget),
        pace=pace,
        sheets_estimated=estimated,
    )
    write_outputs(result, paths)
    return result


def eligibility(files: pd.DataFrame, rules: Selection) -> pd.DataFrame:
    """Flag each file with every exclusion reason that applies, and whether it is eligible."""
    unknown = files[list(_FACTS)].isna().to_numpy()
    flags = {
        "ngoai_thoi_gian": (files["nam_bat_dau"] < rules.year_from)
        | (files["nam_ket_thuc"] > rules.year_to),
        "chua_chinh_ly": files["da_chinh_ly"].eq(False),
        "chua_xac_dinh_thbq": files["thoi_han_bao_quan"].isna(),
        "mat": files["mat"].eq(True),
        "qppl": files["qppl"].eq(True),
        "da_co_dien_tu": files["da_co_dien_tu"].eq(True),
        "thieu_thong_tin": unknown.any(axis=1),
    }
    reasons = {
        k: v.format(year_from=rules.year_from, year_to=rules.year_to) for k, v in REASONS.items()
    }
    # A bit per reason, then one label per distinct combination: cheap on a million rows.
    bits = np.zeros(len(files), dtype=np.int64)
    for i, mask in enumerate(flags.values()):
        bits |= np.asarray(mask, dtype=np.int64) << i
    out = files.assign(**{f"loai_{k}": np.asarray(v, dtype=bool) for k, v in flags.items()})
    # As with the reasons: one text per combination of unknown facts, not one per file.
    lacking = unknown.astype(np.int64) @ (1 << np.arange(len(_FACTS), dtype=np.int64))
    return out.assign(
        du_dieu_kien=bits == 0,
        ly_do_loai=labelled(bits, list(reasons.values()), files.index),
        thong_tin_thieu=labelled(lacking, list(_FACTS.values()), files.index),
    )


def select(files: pd.DataFrame, target_share: float) -> tuple[pd.DataFrame, SelectionSummary]:
    """Rank eligible files by use and take them until the target share of pages is reached.

    Ties on use go to permanent retention first, then to the older file, then by mã hồ sơ, so
    the selection is the same on every run.
    """
    # A file not known to be electronic counts in the base: the target is never made smaller
    # by what the inventory does not say.
    non_electronic = int(files.loc[~files["da_co_dien_tu"].eq(True), "so_trang"].sum())
    target = math.ceil(target_share * non_electronic)
    # Ranked on the four key columns of the eligible rows, then one take of the chosen rows:
    # a million titles and codes are copied once, not at each step.
    eligible = np.flatnonzero(files["du_dieu_kien"].to_numpy(dtype=bool))
    keys = files[["so_luot_khai_thac", "thoi_han_bao_quan", "thoi_gian_bat_dau", "ma_ho_so"]]
    keys = keys.take(eligible)
    order = eligible[
        sort_order([
            (keys["so_luot_khai_thac"], True),
            (keys["thoi_han_bao_quan"] == "01", True),
            (keys["thoi_gian_bat_dau"], False),
            (keys["ma_ho_so"], False),
        ])
    ]  # fmt: skip
    pages = files["so_trang"].to_numpy()[order]
    chosen = files.take(order[np.cumsum(pages) - pages < target])
    chosen = chosen.assign(
        thu_tu=np.arange(1, len(chosen) + 1), luy_ke_trang=chosen["so_trang"].cumsum()
    )
    eligible_pages = int(files["so_trang"].to_numpy()[eligible].sum())
    summary = SelectionSummary(
        target_share=target_share,
        non_electronic_pages=non_electronic,
        target_pages=target,
        eligible_files=len(eligible),
        eligible_pages=eligible_pages,
        selected_files=len(chosen),
        selected_sheets=int(chosen["so_to"].fillna(0).sum()),
        selected_pages=int(chosen["so_trang"].sum()),
        shortfall_pages=max(target - eligible_pages, 0),
    )
    return chosen.reset_index(drop=True), summary


def volume(files: pd.DataFrame) -> pd.DataFrame:
    """Files, sheets and pages by category, year, producing unit and condition.

    Columns: chieu (dimension), ma (value as stored), gia_tri (as shown), then files/sheets/pages
    for the holdings (tong_), the eligible (dk_) and the selected (chon_) files.
    """
    frame = files.assign(
        so_to=files["so_to"].fillna(0).astype("int64"),
        _dk=files["du_dieu_kien"].astype("int64"),
        _chon=files["lua_chon"].astype("int64"),
    )
    frame = frame.assign(
        _dk_to=frame["so_to"] * frame["_dk"],
        _dk_trang=frame["so_trang"] * frame["_dk"],
        _chon_to=frame["so_to"] * frame["_chon"],
        _chon_trang=frame["so_trang"] * frame["_chon"],
    )
    parts = []
    for column, label in VOLUME_DIMENSIONS.items():
        if frame[column].isna().all():
            continue  # the inventory has no such column: the report says so, no "(không ghi)" row
        grouped = (
            frame.groupby(frame[column].fillna("(không ghi)"), sort=True)
            .agg(
                tong_ho_so=("ma_ho_so", "size"),
                tong_to=("so_to", "sum"),
                tong_trang=("so_trang", "sum"),
                dk_ho_so=("_dk", "sum"),
                dk_to=("_dk_to", "sum"),
                dk_trang=("_dk_trang", "sum"),
                chon_ho_so=("_chon", "sum"),
                chon_to=("_chon_to", "sum"),
                chon_trang=("_chon_trang", "sum"),
            )
            .reset_index(names="ma")
        )
        grouped.insert(0, "chieu", label)
        grouped.insert(2, "gia_tri", grouped["ma"].map(_shown(column)))
        grouped["ma"] = grouped["ma"].astype(str)
        parts.append(grouped)
    return pd.concat(parts, ignore_index=True)


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
EXCLUSION_COLUMNS = ("dong", "ma_ho_so", "tieu_de", "nam_bat_dau", "nam_ket_thuc", "so_trang",
    "ly_do_loai", "thong_tin_thieu", *(f"loai_{k}" for k in REASONS))  # fmt: skip
"""Columns of exclusions.csv, in order."""


def write_file_tables(files: pd.DataFrame, selection: pd.DataFrame, folder: Path) -> None:
    """selection.csv and exclusions.csv: the two tables with a row per file."""
    write_table_csv(folder / "selection.csv", spreadsheet_safe(selection[list(SELECTION_COLUMNS)]))
    excluded = files.loc[~files["du_dieu_kien"].to_numpy(dtype=bool), list(EXCLUSION_COLUMNS)]
    write_table_csv(folder / "exclusions.csv", spreadsheet_safe(excluded))


def selected(files: pd.DataFrame, selection: pd.DataFrame) -> np.ndarray:
    """Per file, whether the selection holds its mã hồ sơ."""
    return is_in(files["ma_ho_so"], selection["ma_ho_so"])


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


def _sheets(selection: pd.DataFrame) -> tuple[int, int]:
    """Sheets of the selection; a blank sheet count is estimated as pages / 2, rounded up."""
    blank = selection["so_to"].isna()
    estimate = np.ceil(selection.loc[blank, "so_trang"] / 2).sum()
    return int(selection["so_to"].fillna(0).sum() + estimate), int(blank.sum())


def _shown(column: str):
    field = {"nhom": "nhom_ho_so", "tinh_trang_vat_ly": "tinh_trang_vat_ly"}.get(column)
    if field is None:
        return lambda v: str(v)
    table = codes.names(field)
    return lambda v: table.get(v, str(v))


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
