"""Read a records inventory: map headers, parse every cell, set bad rows aside with their reasons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import codes
from ._flags import parse_flag
from ._io import read_raw_table
from ._text import key, nfc
from ._vndates import PartialDate, parse_vn_date
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
    raw = raw.rename(columns=mapping)[list(mapping.values())].reset_index(drop=True)
    header_of = {v: k for k, v in mapping.items()}
    n = len(raw)
    out: dict[str, object] = {"dong": np.arange(2, n + 2)}  # row 1 holds the headers
    problems: list[pd.DataFrame] = []

    def problem(mask: np.ndarray, column: str, message: np.ndarray | str) -> None:
        if not mask.any():
            return
        problems.append(
            pd.DataFrame(
                {
                    "pos": np.flatnonzero(mask),
                    "cot": header_of.get(column, columns()[column].label),
                    "gia_tri": raw[column][mask].astype(str).to_numpy() if column in raw else "",
                    "loi": message if isinstance(message, str) else message[mask],
                }
            )
        )

    dates: dict[str, Distinct] = {}
    for col in columns().values():
        cells = Distinct.of(raw[col.name] if col.name in raw else pd.Series([None] * n))
        if col.required and col.kind != "flag":
            blank = cells.take(cells.derive(lambda v: not str(v).strip()), blank=True)
            problem(blank.astype(bool), col.name, "thiếu giá trị bắt buộc")
        if col.kind == "text":
            out[col.name] = cells.take(cells.derive(lambda v: nfc(str(v)) or None))
            continue
        parser = _PARSERS[col.kind] if col.kind != "code" else partial(codes.parse_code, col.codes)
        values, errors = cells.parse(parser)
        if col.name == "thoi_han_bao_quan":
            # "Chưa xác định" is a value, not an error: the file is just not eligible.
            words = codes.undetermined(col.codes)
            undetermined = cells.derive(lambda v, words=words: key(str(v)) in words)
            errors[undetermined.astype(bool)] = ""
        row_errors = cells.take(errors, blank="")
        problem((row_errors != "").astype(bool), col.name, row_errors)
        if col.kind == "date":
            dates[col.name] = cells.with_values(values)
        elif col.kind == "flag":
            # A blank flag cell is how archivists write "no".
            out[col.name] = cells.take(values, blank=False).astype(bool)
        else:
            out[col.name] = cells.take(values)

    start, end = dates["thoi_gian_bat_dau"], dates["thoi_gian_ket_thuc"]
    # A blank end means the file was closed in the period it was opened.
    no_end = pd.isna(end.take(end.derive(_year)))

    def end_rows(fn) -> np.ndarray:
        return np.where(no_end, start.take(start.derive(fn)), end.take(end.derive(fn)))

    out["nam_bat_dau"] = start.take(start.derive(_year))
    out["nam_ket_thuc"] = end_rows(_year)
    out["thoi_gian_bat_dau"] = start.take(start.derive(PartialDate.iso))
    out["thoi_gian_ket_thuc"] = end_rows(PartialDate.iso)
    first = start.take(start.derive(lambda d: d.first_day().toordinal()))
    last = end_rows(lambda d: d.last_day().toordinal())
    known = ~(pd.isna(first) | pd.isna(last))
    later = np.zeros(n, dtype=bool)
    later[known] = last[known].astype(np.int64) < first[known].astype(np.int64)
    problem(later, "thoi_gian_ket_thuc", "kết thúc trước thời gian bắt đầu")
    problem(pd.Series(out["so_trang"], dtype=object).eq(0).to_numpy(),
            "so_trang", "số trang phải lớn hơn 0")  # fmt: skip
    ma = pd.Series(out["ma_ho_so"], dtype=object)
    dup = (ma.notna() & ma.duplicated(keep="first")).to_numpy()
    if dup.any():
        first_row = pd.Series(out["dong"]).groupby(ma).transform("first").to_numpy()
        messages = np.full(n, "", dtype=object)
        messages[dup] = [f"mã hồ sơ trùng với dòng {int(r)}" for r in first_row[dup]]
        problem(dup, "ma_ho_so", messages)

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


@dataclass(frozen=True)
class Distinct:
    """A column as its distinct values and, per row, which one it holds (-1 for blank).

    Inventories repeat values a lot (a million rows, a few thousand dates), so every parse and
    derivation runs once per distinct value and rows just index the result.
    """

    codes: np.ndarray
    uniques: np.ndarray
    values: np.ndarray | None = None

    @classmethod
    def of(cls, series: pd.Series) -> Distinct:
        codes_, uniques = pd.factorize(pd.Series(series, dtype=object), use_na_sentinel=True)
        return cls(codes_, np.asarray(uniques, dtype=object))

    def with_values(self, values: np.ndarray) -> Distinct:
        """The same rows, with parsed values standing in for the distinct cells."""
        return Distinct(self.codes, self.uniques, values)

    def derive(self, fn) -> np.ndarray:
        """`fn` of each distinct value (of the parsed values when set; None stays None)."""
        source = self.uniques if self.values is None else self.values
        result = np.empty(len(source), dtype=object)
        for i, value in enumerate(source):
            result[i] = None if value is None else fn(value)
        return result

    def parse(self, parser) -> tuple[np.ndarray, np.ndarray]:
        """Per distinct value: (parsed value or None, error message or "")."""
        values = np.empty(len(self.uniques), dtype=object)
        errors = np.full(len(self.uniques), "", dtype=object)
        for i, raw in enumerate(self.uniques):
            try:
                values[i] = parser(raw)
            except ValueError as exc:
                errors[i] = str(exc)
        return values, errors

    def take(self, per_unique: np.ndarray, blank: object = None) -> np.ndarray:
        """Per row: the distinct value's result, or `blank` for a blank cell."""
        return np.append(per_unique.astype(object), np.array([blank], dtype=object))[self.codes]


_PARSERS = {"date": parse_vn_date, "flag": parse_flag, "count": None}


def _year(d: PartialDate) -> int:
    return d.year


def _rejected_table(problems: list[pd.DataFrame], frame: pd.DataFrame) -> pd.DataFrame:
    if not problems:
        return pd.DataFrame(columns=["pos", *REJECTED_COLUMNS])
    table = pd.concat(problems, ignore_index=True)
    table["dong"] = frame["dong"].to_numpy()[table["pos"]]
    table["ma_ho_so"] = pd.Series(frame["ma_ho_so"], dtype=object).to_numpy()[table["pos"]]
    return table.sort_values(["dong", "cot"], kind="stable").reset_index(drop=True)


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


_PARSERS["count"] = _parse_count
