"""The inventory's file-per-row tables as CSV, byte for byte what pandas writes, built by Arrow."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sohoa_lib.common.files import atomic_path, write_csv

# pandas' `to_csv` turns each Arrow text column back into Python objects and writes cell by cell:
# 3 s for the 70 MB exclusions.csv and 49 MB selection.csv of a 1,000,000-row inventory (issue 15).
# pyarrow's own CSV writer is fast but quotes every text cell and writes booleans as true/false,
# so the tables would change for whoever reads them. Here each column is formatted as pandas
# formats it (QUOTE_MINIMAL with "\n" line ends: a cell is quoted when it holds a comma, a quote
# or a newline; blank is empty; True/False), rows are joined by Arrow, and a column of any other
# kind (floats, mixed objects) sends the whole table back to pandas.

_NEEDS_QUOTES = r'[,"\n]'
_QUOTE = pa.scalar('"', pa.large_string())
_NONE = pa.scalar("", pa.large_string())
_COMMA = pa.scalar(",", pa.large_string())
_LINE_END = pa.scalar("\n", pa.large_string())


def write_table_csv(final: Path, frame: pd.DataFrame) -> Path:
    """Write `frame` as `_io.write_csv` does (UTF-8 with a BOM, no index), faster when it can."""
    body = _csv_body(frame)
    if body is None:
        return write_csv(final, frame)
    header = ",".join(_quoted_text(str(c)) for c in frame.columns) + "\n"
    with atomic_path(final) as tmp, tmp.open("wb") as fh:
        fh.write(codecs.BOM_UTF8)
        fh.write(header.encode("utf-8"))
        fh.write(body)
    return final


def _csv_body(frame: pd.DataFrame) -> memoryview | bytes | None:
    """The rows as UTF-8 CSV lines, or None when a column is not of a kind formatted here."""
    if len(frame) == 0 or len(frame.columns) == 0:
        return None
    cells = []
    for name in frame.columns:
        formatted = _format(frame[name])
        if formatted is None:
            return None
        cells.append(formatted)
    lines = pc.binary_join_element_wise(*cells, _COMMA)
    lines = pc.binary_join_element_wise(lines, _NONE, _LINE_END)  # each row and its line end
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset :]
    start, end = int(offsets[0]), int(offsets[len(lines)])
    return memoryview(lines.buffers()[2])[start:end]


def _format(column: pd.Series) -> pa.Array | None:
    """One column's cells as pandas writes them (never null: a blank cell is "")."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        values = pa.array(column.to_numpy(dtype=bool))
        return pc.if_else(values, "True", "False").cast(pa.large_string())
    if pd.api.types.is_integer_dtype(dtype):
        if isinstance(dtype, np.dtype):
            values = pa.array(column.to_numpy())
        else:  # pandas' nullable Int64: a blank count is an empty cell
            values = pa.array(column.array, type=pa.int64())
        return pc.cast(values, pa.large_string()).fill_null("")
    if pd.api.types.is_string_dtype(dtype):
        data = getattr(column.array, "_pa_array", None)
        if not isinstance(data, pa.ChunkedArray):
            values = column.to_numpy(dtype=object)
            kinds = pd.api.types.infer_dtype(values, skipna=True)
            if kinds not in ("string", "empty"):
                return None
            data = pa.array(values, type=pa.large_string(), from_pandas=True)
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        data = data.cast(pa.large_string())
        quote = pc.match_substring_regex(data, _NEEDS_QUOTES)
        if not pc.any(quote).as_py():
            return data.fill_null("")
        quoted = pc.binary_join_element_wise(
            _QUOTE, pc.replace_substring(data, '"', '""'), _QUOTE, _NONE
        )
        return pc.if_else(quote, quoted, data).fill_null("")
    return None


def _quoted_text(text: str) -> str:
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
