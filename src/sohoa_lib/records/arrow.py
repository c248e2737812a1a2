"""Column work on a CSV's Arrow strings without turning every cell into a Python object."""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# pandas reads CSV text into Arrow-backed strings (pandas 3's default `str`). Converting a million
# of them to Python objects before factorising, or letting `Series.isin` fall back to a Python
# loop over them, cost 2.6 s and 1.5 s of a 1,000,000-row inventory (issue 15); Arrow does both
# in C on the buffers pandas already holds.


def quiet_memory_pool() -> None:
    """Allocate Arrow memory with the C library's malloc for the rest of this process, unless
    the user chose a pool in ARROW_DEFAULT_MEMORY_POOL."""
    # pyarrow's default, mimalloc, reserves 1 GiB arenas marked for transparent huge pages and
    # hands 4 MB blocks back to the kernel as soon as they are freed. On a 1,000,000-row inventory
    # that cost 0.9-2.2 s of kernel time (huge pages zeroed and compacted, split when a block is
    # returned, faulted in again), against 0.6-0.8 s with malloc, and the spread made the stage
    # take 5.1-6.7 s for the same file (issue 15). malloc's peak is about 10% higher.
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


def arrow_strings(series: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow array behind a string column, or None when it holds Python objects."""
    if series.dtype == object or not pd.api.types.is_string_dtype(series):
        return None
    data = getattr(series.array, "_pa_array", None)
    return data if isinstance(data, pa.ChunkedArray) else None


def factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) as `pd.factorize(series.astype(object))` gives them: first-seen order,
    -1 for a blank cell, uniques as Python objects, but only the distinct values are converted."""
    data = arrow_strings(series)
    if data is None:
        codes, uniques = pd.factorize(pd.Series(series, dtype=object), use_na_sentinel=True)
        return codes, np.asarray(uniques, dtype=object)
    encoded = pc.dictionary_encode(data).combine_chunks() if data.num_chunks else None
    if encoded is None or len(encoded) == 0:
        return np.full(len(series), -1, dtype=np.intp), np.array([], dtype=object)
    codes = encoded.indices.fill_null(-1).to_numpy().astype(np.intp, copy=False)
    uniques = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    return codes, uniques


def distinct_strings(series: pd.Series) -> Iterable[object]:
    """The column's distinct values (blank excluded)."""
    data = arrow_strings(series)
    if data is None:
        return pd.unique(series)
    return pc.unique(data).drop_null().to_pylist()


def non_ascii_strings(series: pd.Series) -> list[str]:
    """The column's distinct text values that are not plain ASCII."""
    data = arrow_strings(series)
    if data is None:
        return [v for v in pd.unique(series) if isinstance(v, str) and not v.isascii()]
    # A column of plain ASCII (a million distinct codes) is never hashed; the others are hashed
    # whole and only their distinct values filtered, rather than a copy of their text.
    if pc.all(pc.string_is_ascii(data)).as_py() is not False:
        return []
    distinct = pc.unique(data).drop_null()
    return distinct.filter(pc.invert(pc.string_is_ascii(distinct))).to_pylist()


def non_ascii_text(series: pd.Series) -> bool:
    """Whether the column is Arrow text with a cell that is not plain ASCII."""
    data = arrow_strings(series)
    return data is not None and pc.all(pc.string_is_ascii(data)).as_py() is False


def is_in(series: pd.Series, values: Iterable[object]) -> np.ndarray:
    """Per row, whether the cell is one of `values` (a blank cell never is), as a bool array."""
    data = arrow_strings(series)
    if data is None:
        return series.isin([v for v in values if isinstance(v, str)]).to_numpy(dtype=bool)
    given = arrow_strings(values) if isinstance(values, pd.Series) else None
    if given is not None:
        wanted = given.combine_chunks().drop_null().cast(data.type)
    else:
        wanted = pa.array([v for v in values if isinstance(v, str)], type=data.type)
    return pc.is_in(data, value_set=wanted).to_numpy(zero_copy_only=False).astype(bool)


def as_text(values: np.ndarray) -> pd.Series:
    """An object array of str and None as pandas' Arrow-backed `str` column, built in one pass."""
    return pd.Series(pa.array(values, type=pa.large_string(), from_pandas=True), dtype="str")


def starts_with_any(data: pa.ChunkedArray, prefixes: Iterable[str]) -> np.ndarray | None:
    """Per row, whether the text starts with one of `prefixes`; None when no row does."""
    prefixes = list(prefixes)
    if not prefixes:
        return None
    if all(len(p) == 1 for p in prefixes):  # one pass: a class of code points, written for RE2
        pattern = "^[" + "".join(f"\\x{{{ord(p):x}}}" for p in prefixes) + "]"
        hit = pc.match_substring_regex(data, pattern)
    else:
        hit = pc.starts_with(data, prefixes[0])
        for prefix in prefixes[1:]:
            hit = pc.or_(hit, pc.starts_with(data, prefix))
    if not pc.any(hit).as_py():
        return None
    return hit.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def sort_order(keys: list[tuple[pd.Series, bool]]) -> np.ndarray:
    """Positions that sort the rows by each (column, descending) in turn, as a stable
    `sort_values(..., kind="stable")` does, blanks last; Arrow compares the text in C."""
    columns, sort_keys = {}, []
    # The keys before the last become one integer (their ranks in mixed radix), when they can:
    # Arrow's sort then compares two keys, not four (0.17 s against 0.30 s for the selection's
    # 600,000 eligible files), and equal integers are exactly rows equal on all of them.
    ranked = _composite(keys[:-1]) if len(keys) > 2 else None
    if ranked is not None:
        keys = [(pd.Series(ranked), False), keys[-1]]
    for i, (column, descending) in enumerate(keys):
        data = arrow_strings(column)
        if data is None:
            data = pa.array(column.to_numpy(), from_pandas=True)
        columns[f"k{i}"] = data
        sort_keys.append((f"k{i}", "descending" if descending else "ascending", "at_end"))
    return pc.sort_indices(pa.table(columns), sort_keys=sort_keys).to_numpy()


def _composite(keys: list[tuple[pd.Series, bool]]) -> np.ndarray | None:
    """One int64 per row ordering the rows as `keys` do (blanks last), or None when a key is
    not an integer, bool or Arrow text column, or the ranks would not fit in 64 bits."""
    code, size = np.zeros(len(keys[0][0]), dtype=np.int64), 1
    for column, descending in keys:
        ranks = _ranks(column, descending)
        if ranks is None:
            return None
        values, count = ranks
        size *= count
        if size >= 1 << 62:
            return None
        code = code * count + values
    return code


def _ranks(column: pd.Series, descending: bool) -> tuple[np.ndarray, int] | None:
    """Per row, its rank among the column's values (blanks after all of them), and how many
    ranks there are; None for a column of any other kind."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        values = column.to_numpy().astype(np.int64)
        if not len(values):
            return values, 1
        low, high = int(values.min()), int(values.max())
        return (high - values if descending else values - low), high - low + 1
    data = arrow_strings(column)
    if data is None:
        return None
    encoded = pc.dictionary_encode(data).combine_chunks()
    count = len(encoded.dictionary)
    order = pc.array_sort_indices(
        encoded.dictionary, order="descending" if descending else "ascending"
    ).to_numpy()
    rank_of = np.empty(count + 1, dtype=np.int64)
    rank_of[order] = np.arange(count)
    rank_of[count] = count  # a blank cell: after every value, whichever the direction
    return rank_of[encoded.indices.fill_null(count).to_numpy()], count + 1


def labelled(bits: np.ndarray, names: list[str], index: pd.Index) -> pd.Series:
    """Per row, the names of its set bits joined by "; ", as a `str` column; each distinct
    combination is joined once and the rows take it, instead of a string built per row."""
    bits = np.asarray(bits, dtype=np.int64).ravel()
    # np.unique's sorted combinations and inverse, by counting: a handful of small bit patterns
    # over a million rows need no sort.
    seen = np.bincount(bits) if len(bits) else np.zeros(0, dtype=np.int64)
    combos = np.flatnonzero(seen)
    position = np.zeros(len(seen), dtype=np.intp)
    position[combos] = np.arange(len(combos))
    rows = position[bits]
    texts = ["; ".join(n for i, n in enumerate(names) if int(b) >> i & 1) for b in combos]
    taken = pc.take(pa.array(texts, type=pa.large_string()), pa.array(rows.ravel()))
    return pd.Series(taken, index=index, dtype="str")


# The ASCII characters str.isspace() accepts: all a strip can remove from ASCII text.
_ASCII_SPACE = " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"


def plain_text(series: pd.Series) -> pd.Series | None:
    """`text_cell` of every cell (trimmed, blank as missing) as a `str` column, when the column is
    Arrow text and all ASCII (NFC changes no ASCII text); None otherwise."""
    data = arrow_strings(series)
    if data is None or len(data) == 0 or data.null_count == len(data):
        return None
    if not pc.all(pc.string_is_ascii(data)).as_py():
        return None
    trimmed = pc.ascii_trim(data, characters=_ASCII_SPACE)
    blank = pc.equal(trimmed, "")
    text = pc.if_else(blank, pa.scalar(None, trimmed.type), trimmed)
    return pd.Series(text, index=series.index, dtype="str")
