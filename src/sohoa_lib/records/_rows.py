"""Inventory rows before parsing: rows that are not files, legacy-encoded cells, the composed mã hồ sơ."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sohoa_lib.common.text import key, nfc, nfc_raw
from sohoa_lib.common.vndates import parse_vn_date
from sohoa_lib.errors import InputError
from sohoa_lib.records import codes
from sohoa_lib.records._columns import columns
from sohoa_lib.records._legacy_text import read_cells
from sohoa_lib.records.arrow import arrow_strings, factorize, is_in, non_ascii_strings

ENCODING_COLUMNS = ("dong", "cot", "gia_tri", "doc_thanh", "bang_ma", "nghi_van")

# "Tổng cộng", "Cộng", "Tổng số": the line under a table that adds it up, not a file.
# Matched on key() text, so "Cộng:" is "cong"; "Công khai" or "Tổng hợp …" are not totals.
_TOTAL = re.compile(r"^(tong cong|tong so)( |$)|^(cong|tong)( [0-9 ]*)?$")


# "1995-1997", "1995/97": two years; otherwise a dash between spaces, an en or em dash, or
# "đến" separates the two ends (a bare "-" may be inside a date: 05-01-1998).
_YEARS = re.compile(r"([0-9]{4})\s*[-–—/]\s*([0-9]{4}|[0-9]{2})")
_ENDS = re.compile(r"\s+[-–—]\s+|\s*[–—]\s*|\s+(?:đến|den|tới|toi)\s+", re.IGNORECASE)


def split_period(raw: pd.DataFrame, header_of: dict) -> None:
    """Start and end from a single "Thời gian" column, when the sheet has no column for each."""
    if "thoi_gian" not in raw or "thoi_gian_bat_dau" in raw:
        return
    ends = {}
    for value in pd.unique(raw["thoi_gian"]):
        ends[value] = _period(value)
    raw["thoi_gian_bat_dau"] = raw["thoi_gian"].map(lambda v: ends[v][0] if v in ends else None)
    if "thoi_gian_ket_thuc" not in raw:
        raw["thoi_gian_ket_thuc"] = raw["thoi_gian"].map(
            lambda v: ends[v][1] if v in ends else None
        )
        header_of["thoi_gian_ket_thuc"] = header_of["thoi_gian"]
    header_of["thoi_gian_bat_dau"] = header_of["thoi_gian"]


def _period(value: object) -> tuple[object, object]:
    if not isinstance(value, str):
        return value, None
    text = nfc(value)
    years = _YEARS.fullmatch(text)
    if years:
        start, end = years.groups()
        return start, (start[:2] + end if len(end) == 2 else end)
    parts = _ENDS.split(text)
    return (parts[0], parts[1]) if len(parts) == 2 else (text, None)


def shown(value: object) -> str:
    """A cell as the archivist typed it: Excel's 12.0 is the 12 they see."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def text_cell(value: object) -> str | None:
    """A text cell in NFC, None when blank."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores a typed "12" as 12.0
    return nfc(str(value)) or None


def text_cells(values: np.ndarray) -> np.ndarray:
    """`text_cell` of each value, the text ones normalised in one call rather than one each.

    NFC of strings joined by U+0000 is the join of their NFCs: it is a starter that composes with
    nothing, so no mark moves or combines across it. A million distinct titles take 0.3 s so,
    against 1.9 s one call at a time (pyarrow's utf8_normalize was no help: its NFC leaves
    Vietnamese letters decomposed, pyarrow 25).
    """
    out = np.empty(len(values), dtype=object)
    is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
    strings = values[is_text].tolist()
    joined = "\x00".join(strings)
    if strings and joined.count("\x00") == len(strings) - 1:
        out[is_text] = [part.strip() or None for part in nfc_raw(joined).split("\x00")]
    else:
        out[is_text] = [text_cell(v) for v in strings]
    out[~is_text] = [None if v is None else text_cell(v) for v in values[~is_text]]
    return out


# Exactly the characters str.isspace() accepts (checked over every code point, pyarrow 25).
_ONLY_SPACE = r"^[\t\n\x0b\x0c\r\x1c-\x1f\x85\p{Z}]*$"


def blank_cells(values: np.ndarray) -> np.ndarray:
    """Per value, whether it is blank as typed (`not str(v).strip()`); text tested by Arrow."""
    is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
    out = np.empty(len(values), dtype=object)
    if is_text.any():
        text = pa.array(values[is_text].tolist(), type=pa.large_string())
        out[is_text] = pc.match_substring_regex(text, _ONLY_SPACE).to_numpy(zero_copy_only=False)
    out[~is_text] = [None if v is None else not str(v).strip() for v in values[~is_text]]
    return out


_PLAIN_CODE = r"^[A-Za-z0-9](?:[A-Za-z0-9_\-]|\.[A-Za-z0-9_\-]|\.$)*$"


def check_file_codes(column: pd.Series) -> np.ndarray:
    """`codes.check_file_code` of each text cell ("" for the rest), Python only where needed.

    An ASCII code of letters, digits and . - _ that is short enough and has no ".." passes the
    check; Arrow's regex decides those in C, and every other code goes through the check itself.
    """
    out = np.full(len(column), "", dtype=object)
    text = arrow_strings(column)
    if text is not None:
        is_text = column.notna().to_numpy(dtype=bool)
        text = text.combine_chunks()
        if text.null_count:  # a copy of a million codes only when some cells are blank
            text = text.filter(pa.array(is_text))
    else:
        values = column.to_numpy(dtype=object)
        is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
        text = pa.array(values[is_text].tolist(), type=pa.large_string())
    if not is_text.any():
        return out
    # One regex for the characters and no "..": a dot is followed by another allowed character
    # or ends the code. A matching code is ASCII, so its length in bytes is its length.
    plain = pc.and_(
        pc.match_substring_regex(text, _PLAIN_CODE),
        pc.less_equal(pc.binary_length(text), codes.FILE_CODE_MAX),
    ).to_numpy(zero_copy_only=False)
    where = np.flatnonzero(is_text)[~plain]
    out[where] = [codes.check_file_code(v) for v in column.iloc[where]]
    return out


def drop_non_files(raw: pd.DataFrame, rows: np.ndarray) -> tuple:
    """Set apart blank rows, totals rows and group headings: they are not files, nor errors."""
    n = len(raw)
    if not n:
        return raw, rows, []
    ids = [c for c in raw.columns if c in ("ma_ho_so", "ho_so_so")]
    id_blank = np.ones(n, dtype=bool)
    for c in ids:
        id_blank &= ~_filled(raw[c])
    # Only a row without a code can be blank or a group heading, so the other cells are counted
    # on those rows alone (none in a tidy inventory); a row with a code has a filled cell.
    count = np.ones(n, dtype=np.int64)
    candidates = np.flatnonzero(id_blank)
    if len(candidates):
        some = raw if len(candidates) == n else raw.iloc[candidates]
        count[candidates] = np.column_stack([_filled(some[c]) for c in raw]).sum(axis=1)
    total = np.zeros(n, dtype=bool)
    for c in ids:  # "Tổng cộng" typed in the code column itself
        total |= _totals(raw[c])
    for i in np.flatnonzero(id_blank & (count > 0)):  # few rows: no need to be vectorised
        total[i] |= any(_is_total(v) for v in raw.iloc[i] if v is not None)
    blank = count == 0
    total &= ~blank
    heading = id_blank & (count == 1) & ~blank & ~total
    keep = ~(blank | total | heading)
    if keep.all():
        return raw, rows, []
    kinds = np.where(blank, "dòng trống", np.where(total, "dòng tổng cộng", "dòng tiêu đề nhóm"))
    skipped = list(zip(rows[~keep].tolist(), kinds[~keep].tolist(), strict=True))
    return raw[keep].reset_index(drop=True), rows[keep], skipped


def _filled(series: pd.Series) -> np.ndarray:
    data = arrow_strings(series)
    if data is not None:
        # `series.str.strip().ne("")` without building the stripped text: a cell strips to
        # nothing when it is empty or all whitespace, and utf8_is_space stops at a cell's first
        # other character (its whitespace is utf8_trim_whitespace's, checked over every code
        # point, pyarrow 25).
        blank = pc.or_(pc.utf8_is_space(data), pc.equal(pc.binary_length(data), 0))
        return pc.invert(blank).fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    if series.dtype != object and pd.api.types.is_string_dtype(series):
        return (series.notna() & series.str.strip().ne("")).to_numpy(dtype=bool, na_value=False)
    return _per_value(series, lambda v: not (isinstance(v, str) and not v.strip()))


def _totals(series: pd.Series) -> np.ndarray:
    """`_is_total` per cell; on Arrow text only the cells holding "ng" are looked at in Python."""
    data = arrow_strings(series)
    if data is None:
        return _per_value(series, _is_total)
    # A superset of what `"ng" in value.lower()` finds: the exact test follows on these alone.
    maybe = pc.match_substring(data, "ng", ignore_case=True).fill_null(False)
    rows = np.flatnonzero(maybe.to_numpy(zero_copy_only=False))
    total = np.zeros(len(series), dtype=bool)
    if len(rows):
        total[rows] = _per_value(series.iloc[rows], _is_total)
    return total


def _is_total(value: object) -> bool:
    # "ng" is in every spelling of tổng and cộng (NFC, NFD, no diacritics): a cheap first test.
    return isinstance(value, str) and "ng" in value.lower() and bool(_TOTAL.match(key(value)))


def _per_value(series: pd.Series, fn) -> np.ndarray:
    """`fn` of each cell as a bool array, computed once per distinct value (blank cells: False)."""
    codes_, uniques = factorize(series)
    per = np.array([bool(fn(v)) for v in uniques] + [False], dtype=bool)
    return per[codes_]


def read_legacy(raw: pd.DataFrame, rows: np.ndarray, header_of: dict, distinct=None) -> tuple:
    """Convert cells typed in TCVN3, VNI or VISCII; list each conversion and each doubtful cell.

    `distinct` (column → its `Distinct`, when already made) gives those columns' distinct values
    without hashing them again; a column converted here is dropped from it.
    """
    distinct = {} if distinct is None else distinct
    # Legacy encodings put bytes above 0x7F in a cell: an ASCII cell reads the same in all of them.
    strings = [
        v
        for c in raw
        for v in (
            [u for u in distinct[c].uniques if isinstance(u, str) and not u.isascii()]
            if c in distinct
            else non_ascii_strings(raw[c])
        )
    ]
    readings = read_cells(strings)
    changed = {v: r for v, r in readings.items() if r.encoding or r.doubt}
    parts = []
    for c in raw:
        if not changed:
            break
        hit = is_in(raw[c], changed)
        if not hit.any():
            continue
        before = raw[c][hit]
        found = [changed[v] for v in before]
        parts.append(
            pd.DataFrame(
                {
                    "dong": rows[hit],
                    "cot": header_of.get(c, c),
                    "gia_tri": before.to_numpy(),
                    "doc_thanh": [r.text for r in found],
                    "bang_ma": [r.encoding or "" for r in found],
                    "nghi_van": [r.doubt for r in found],
                }
            )
        )
        raw[c] = raw[c].map(lambda v: changed[v].text if isinstance(v, str) and v in changed else v)
        distinct.pop(c, None)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ENCODING_COLUMNS)
    return raw, table.sort_values(["dong", "cot"], kind="stable").reset_index(drop=True)


def identify(raw, source, sheet, facts, header_of, declared: list[str]) -> str:
    """Give every row a mã hồ sơ: its own column, or composed as Circular 05/2025 defines it."""
    title = sheet.title if sheet is not None else {}
    for part in ("phong", "muc_luc", "ten_phong"):
        if part in raw:
            continue
        if part in title:
            value, row = title[part]
            raw[part] = value
            declared.append(
                f"{columns()[part].label}: {value} (ghi ở dòng {row}, áp dụng cho mọi hồ sơ)"
            )
        elif getattr(facts, part, None):
            raw[part] = getattr(facts, part)
            declared.append(
                f"{columns()[part].label}: {getattr(facts, part)} (khai báo trong tham số)"
            )
    if "ma_ho_so" in raw:
        return ""
    if "ho_so_so" not in raw or "phong" not in raw:
        lacking = [columns()[c].label for c in ("ho_so_so", "phong") if c not in raw]
        raise InputError(
            f"{source}: không có cột 'Mã hồ sơ', và không ghép được mã hồ sơ vì thiếu "
            + " và ".join(repr(x) for x in lacking)
            + " (cột trong bảng, dòng tiêu đề như 'Phông số: 12', hoặc inventory_facts.phong "
            "trong tham số của đơn vị)"
        )
    parts = {
        c: raw[c].map(lambda v: text_cell(v) if v is not None else None)
        for c in ("phong", "muc_luc", "ho_so_so")
        if c in raw
    }
    middle = parts.get("muc_luc")
    how = "năm bắt đầu"
    if middle is None or middle.isna().all():
        # Circular 05/2025: mục lục số or, without one, the year the file was formed.
        years = raw["thoi_gian_bat_dau"].map(_year_of) if "thoi_gian_bat_dau" in raw else None
        middle = years
    else:
        how = "Mục lục số"
    pieces = pd.concat([parts["phong"], middle, parts["ho_so_so"]], axis=1)
    raw["ma_ho_so"] = [
        ".".join(str(p) for p in row) if all(p is not None and p == p for p in row) else None
        for row in pieces.itertuples(index=False)
    ]
    header_of["ma_ho_so"] = "Mã hồ sơ (ghép)"
    return (
        f"Mã hồ sơ = Phông số . {how} . Hồ sơ số (Thông tư 05/2025/TT-BNV), ví dụ "
        f"{next((c for c in raw['ma_ho_so'] if c), '—')}; số hộp được giữ ở cột 'hop' cho bàn quét."
    )


def _year_of(value: object) -> str | None:
    try:
        date = parse_vn_date(value)
    except ValueError:
        return None
    return str(date.year) if date is not None else None
