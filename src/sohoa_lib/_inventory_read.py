"""Read a records inventory: map headers, parse every cell, set bad rows aside with their reasons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import codes
from ._flags import parse_flags
from ._io import read_raw_table
from ._text import key, nfc
from ._vndates import parse_vn_dates
from .errors import InputError

# Columns every later step relies on, in the order of the tidy table.
TIDY_COLUMNS = (
    "dong", "ma_ho_so", "tieu_de", "nhom", "don_vi", "thoi_gian_bat_dau", "thoi_gian_ket_thuc",
    "nam_bat_dau", "nam_ket_thuc", "thoi_han_bao_quan", "so_to", "so_trang", "tinh_trang_vat_ly",
    "che_do_su_dung", "ngon_ngu", "so_luot_khai_thac", "da_chinh_ly", "mat", "qppl",
    "da_co_dien_tu", "ghi_chu",
)  # fmt: skip
REJECTED_COLUMNS = ("dong", "ma_ho_so", "cot", "gia_tri", "loi")

# "1.234" and "1 234" are how Vietnamese spreadsheets show thousands.
_THOUSANDS = re.compile(r"^\d{1,3}([. ]\d{3})+$")


@dataclass(frozen=True)
class Column:
    """One inventory column as declared in data/inventory_columns.yaml."""

    name: str
    kind: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False
    codes: str | None = None


@dataclass(frozen=True)
class InventoryTable:
    """A normalised inventory: the good rows, and the rows set aside with every reason."""

    files: pd.DataFrame
    """One row per file, columns TIDY_COLUMNS; `dong` is the row number in the spreadsheet."""
    rejected: pd.DataFrame
    """One row per problem: dong, ma_ho_so, cot (header as typed), gia_tri, loi."""
    source: str
    """File name the table came from."""
    ignored_headers: tuple[str, ...]
    """Headers that matched no known column (kept out, reported)."""


@cache
def columns() -> dict[str, Column]:
    """The inventory columns sohoa knows, by canonical name."""
    text = resources.files("sohoa_lib").joinpath("data/inventory_columns.yaml").read_text("utf-8")
    return {
        name: Column(
            name=name,
            kind=spec["kind"],
            label=spec["label"],
            aliases=tuple(spec["aliases"]),
            required=bool(spec.get("required", False)),
            codes=spec.get("codes"),
        )
        for name, spec in yaml.safe_load(text).items()
    }


@cache
def _alias_index() -> dict[str, str]:
    return {key(alias): c.name for c in columns().values() for alias in (c.name, *c.aliases)}


def map_headers(headers: list[str], source: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """Header as typed → canonical column; InputError naming the file when a required one is absent."""
    index = _alias_index()
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for header in headers:
        canonical = index.get(key(str(header)))
        if canonical is None or canonical in mapping.values():
            ignored.append(str(header))
        else:
            mapping[str(header)] = canonical
    missing = [c for c in columns().values() if c.required and c.name not in mapping.values()]
    if missing:
        c = missing[0]
        raise InputError(
            f"{source}: no column for {c.label!r}; expected a header such as "
            + ", ".join(repr(a) for a in c.aliases[:4])
        )
    return mapping, tuple(ignored)


def read_inventory(path: Path) -> InventoryTable:
    """Read and normalise an inventory file (CSV or XLSX)."""
    return normalise(read_raw_table(path), source=path.name)


def normalise(raw: pd.DataFrame, source: str) -> InventoryTable:
    """Parse a raw table (cells as typed) into the tidy inventory and its rejected rows."""
    mapping, ignored = map_headers(list(raw.columns), source)
    raw = raw.rename(columns=mapping)[list(mapping.values())]
    header_of = {v: k for k, v in mapping.items()}
    n = len(raw)
    out: dict[str, object] = {"dong": np.arange(2, n + 2)}  # row 1 holds the headers
    problems: list[pd.DataFrame] = []

    def problem(mask: pd.Series | np.ndarray, column: str, message: pd.Series | str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        msg = message[mask] if isinstance(message, pd.Series) else message
        problems.append(
            pd.DataFrame(
                {
                    "pos": np.flatnonzero(mask),
                    "cot": header_of.get(column, columns()[column].label),
                    "gia_tri": raw[column][mask].astype(str).to_numpy() if column in raw else "",
                    "loi": np.asarray(msg, dtype=object) if not isinstance(msg, str) else msg,
                }
            )
        )

    for col in columns().values():
        series = raw[col.name] if col.name in raw else pd.Series([None] * n, dtype=object)
        series = series.reset_index(drop=True)
        blank = _blank(series)
        if col.required and col.kind != "flag":
            problem(blank, col.name, "thiếu giá trị bắt buộc")
        if col.kind == "text":
            out[col.name] = _map_unique(series, lambda v: nfc(str(v)) or None)
        elif col.kind == "code":
            values, errors = _parse_unique(series, lambda v, f=col.codes: codes.parse_code(f, v))
            if col.name == "thoi_han_bao_quan":
                undetermined = codes.undetermined(col.codes)
                typed = _map_unique(series, lambda v: key(str(v)) in undetermined)
                errors = errors.where(~typed.astype(bool), "")
                values = values.where(~typed.astype(bool), None)
            problem(errors != "", col.name, errors)
            out[col.name] = values
        elif col.kind == "count":
            values, errors = _parse_unique(series, _parse_count)
            problem(errors != "", col.name, errors)
            out[col.name] = values
        elif col.kind == "flag":
            values, errors = parse_flags(series)
            problem(errors != "", col.name, errors)
            # A blank flag cell is how archivists write "no".
            out[col.name] = values.fillna(False).astype(bool).to_numpy()
        elif col.kind == "date":
            values, errors = parse_vn_dates(series)
            problem(errors != "", col.name, errors)
            out[col.name] = values
        else:  # pragma: no cover - guarded by the YAML file's own test
            raise ValueError(f"unknown column kind {col.kind!r} for {col.name}")

    start = pd.Series(out["thoi_gian_bat_dau"], dtype=object)
    end = pd.Series(out["thoi_gian_ket_thuc"], dtype=object)
    end = end.where(end.notna(), start)
    out["nam_bat_dau"] = _map_unique(start, lambda d: d.year)
    out["nam_ket_thuc"] = _map_unique(end, lambda d: d.year)
    start_key = _map_unique(start, lambda d: d.first_day().toordinal())
    end_key = _map_unique(end, lambda d: d.last_day().toordinal())
    both = start_key.notna() & end_key.notna()
    problem(both & (end_key < start_key), "thoi_gian_ket_thuc", "kết thúc trước thời gian bắt đầu")
    out["thoi_gian_bat_dau"] = _map_unique(start, lambda d: d.iso())
    out["thoi_gian_ket_thuc"] = _map_unique(end, lambda d: d.iso())

    pages = pd.Series(out["so_trang"])
    problem(pages.notna() & (pages == 0), "so_trang", "số trang phải lớn hơn 0")
    ma = pd.Series(out["ma_ho_so"], dtype=object)
    dup = ma.notna() & ma.duplicated(keep="first")
    if dup.any():
        first_row = pd.Series(out["dong"]).groupby(ma).transform("first")
        # Blank codes have no group, hence NaN, hence floats: back to whole row numbers.
        problem(dup, "ma_ho_so", "mã hồ sơ trùng với dòng " + first_row.astype("Int64").astype(str))

    frame = pd.DataFrame(out)
    rejected = _rejected_table(problems, frame)
    good = frame.drop(index=rejected["pos"].unique()) if len(rejected) else frame
    good = good.assign(
        mat=good["mat"] | (good["che_do_su_dung"] == "03"),
        so_luot_khai_thac=good["so_luot_khai_thac"].fillna(0).astype("int64"),
        so_trang=good["so_trang"].astype("int64"),
        so_to=good["so_to"].astype("Int64"),
        nam_bat_dau=good["nam_bat_dau"].astype("int64"),
        nam_ket_thuc=good["nam_ket_thuc"].astype("int64"),
    )
    return InventoryTable(
        files=good.loc[:, list(TIDY_COLUMNS)].reset_index(drop=True),
        rejected=rejected.drop(columns="pos").loc[:, list(REJECTED_COLUMNS)],
        source=source,
        ignored_headers=ignored,
    )


def _rejected_table(problems: list[pd.DataFrame], frame: pd.DataFrame) -> pd.DataFrame:
    if not problems:
        return pd.DataFrame(columns=["pos", *REJECTED_COLUMNS])
    table = pd.concat(problems, ignore_index=True)
    table["dong"] = frame["dong"].to_numpy()[table["pos"]]
    table["ma_ho_so"] = pd.Series(frame["ma_ho_so"], dtype=object).to_numpy()[table["pos"]]
    return table.sort_values(["dong", "cot"], kind="stable").reset_index(drop=True)


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | _map_unique(series, lambda v: not str(v).strip()).astype(bool)


def _map_unique(series: pd.Series, fn) -> pd.Series:
    """Apply `fn` once per distinct non-blank value (inventories repeat values a lot)."""
    codes_, uniques = pd.factorize(pd.Series(series, dtype=object), use_na_sentinel=True)
    mapped = np.array([None] + [fn(u) for u in uniques], dtype=object)
    return pd.Series(mapped[codes_ + 1], dtype=object)


def _parse_unique(series: pd.Series, fn) -> tuple[pd.Series, pd.Series]:
    """Like _map_unique for a parser that raises ValueError: (values, error messages or "")."""

    def safe(value):
        try:
            return (fn(value), "")
        except ValueError as exc:
            return (None, str(exc))

    pairs = _map_unique(series, safe)
    values = pairs.map(lambda p: None if p is None else p[0])
    errors = pairs.map(lambda p: "" if p is None else p[1])
    return values, errors


def _parse_count(value: object) -> int | None:
    """A non-negative whole number as typed: 12, 12.0, "1.234" (Vietnamese thousands)."""
    if isinstance(value, bool):
        raise ValueError(f'"{value}" không phải số nguyên ≥ 0')
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if pd.isna(number):
            return None
    else:
        text = nfc(str(value))
        if not text:
            return None
        if _THOUSANDS.match(text):
            text = text.replace(".", "").replace(" ", "")
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise ValueError(f'"{text}" không phải số nguyên ≥ 0') from None
    if not number.is_integer():
        raise ValueError(f'"{value}" không phải số nguyên ≥ 0')
    if number < 0:
        raise ValueError(f'"{value}" là số âm: cần số nguyên ≥ 0')
    return int(number)
