"""Plan 1838's eligibility of each file, the selection by use up to the target share, and the volume."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sohoa_lib.records import codes
from sohoa_lib.records.arrow import is_in, labelled, sort_order
from sohoa_lib.settings import Selection

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


def eligibility(files: pd.DataFrame, rules: Selection) -> pd.DataFrame:
    """Flag each file with every exclusion reason that applies, and whether it is eligible."""
    # Column by column on the arrays: the frame-wide isna and Series.eq of these object columns
    # (True, False or None) cost three times as much over a million rows.
    unknown = np.column_stack([pd.isna(files[c].to_numpy()) for c in _FACTS])
    flags = {
        "ngoai_thoi_gian": (files["nam_bat_dau"] < rules.year_from)
        | (files["nam_ket_thuc"] > rules.year_to),
        "chua_chinh_ly": _equals(files["da_chinh_ly"], False),
        "chua_xac_dinh_thbq": files["thoi_han_bao_quan"].isna(),
        "mat": _equals(files["mat"], True),
        "qppl": _equals(files["qppl"], True),
        "da_co_dien_tu": _equals(files["da_co_dien_tu"], True),
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


def _equals(column: pd.Series, value: bool) -> np.ndarray | pd.Series:
    """`column.eq(value)`; cells that are objects compared by numpy, as a bool array."""
    if column.dtype == object:
        try:
            return np.asarray(column.to_numpy() == value, dtype=bool)
        except TypeError:  # a cell whose comparison is not a bool (pd.NA): pandas decides
            pass
    return column.eq(value)


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
    sheets = files["so_to"].fillna(0).astype("int64").to_numpy()
    pages = files["so_trang"].to_numpy()
    eligible = files["du_dieu_kien"].to_numpy().astype("int64")
    chosen = files["lua_chon"].to_numpy().astype("int64")
    # One frame of the nine measures, summed by one groupby per dimension: nine named
    # aggregations over a million rows cost twice as much.
    measures = pd.DataFrame(
        {
            "tong_ho_so": np.ones(len(files), dtype=np.int64),
            "tong_to": sheets,
            "tong_trang": pages,
            "dk_ho_so": eligible,
            "dk_to": sheets * eligible,
            "dk_trang": pages * eligible,
            "chon_ho_so": chosen,
            "chon_to": sheets * chosen,
            "chon_trang": pages * chosen,
        },
        index=files.index,
    )
    parts = []
    for column, label in VOLUME_DIMENSIONS.items():
        if files[column].isna().all():
            continue  # the inventory has no such column: the report says so, no "(không ghi)" row
        grouped = (
            measures.groupby(files[column].fillna("(không ghi)"), sort=True)
            .sum()
            .reset_index(names="ma")
        )
        grouped.insert(0, "chieu", label)
        grouped.insert(2, "gia_tri", grouped["ma"].map(shown(column)))
        grouped["ma"] = grouped["ma"].astype(str)
        parts.append(grouped)
    return pd.concat(parts, ignore_index=True)


def selected(files: pd.DataFrame, selection: pd.DataFrame) -> np.ndarray:
    """Per file, whether the selection holds its mã hồ sơ."""
    return is_in(files["ma_ho_so"], selection["ma_ho_so"])


def sheets_of(selection: pd.DataFrame) -> tuple[int, int]:
    """Sheets of the selection; a blank sheet count is estimated as pages / 2, rounded up."""
    blank = selection["so_to"].isna()
    estimate = np.ceil(selection.loc[blank, "so_trang"] / 2).sum()
    return int(selection["so_to"].fillna(0).sum() + estimate), int(blank.sum())


def shown(column: str):
    field = {"nhom": "nhom_ho_so", "tinh_trang_vat_ly": "tinh_trang_vat_ly"}.get(column)
    if field is None:
        return lambda v: str(v)
    table = codes.names(field)
    return lambda v: table.get(v, str(v))
