"""The inventory's file-per-row tables as CSV, byte for byte what pandas writes, built by Arrow."""

from __future__ import annotations

import codecs
import concurrent.futures as cf
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sohoa_lib.common.files import atomic_path, write_csv
from sohoa_lib.common.workers import cores, in_order

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
    columns = [frame[name] for name in frame.columns]
    if len(frame) == 0 or not columns or not all(_formattable(c) for c in columns):
        return write_csv(final, frame)
    header = ",".join(_quoted_text(str(c)) for c in frame.columns) + "\n"
    batches = (
        [c.iloc[s : s + _BATCH_ROWS] for c in columns] for s in range(0, len(frame), _BATCH_ROWS)
    )
    threads = min(cores(), _MAX_THREADS)
    with (
        atomic_path(final) as tmp,
        tmp.open("wb") as fh,
        cf.ThreadPoolExecutor(threads) as pool,
    ):
        fh.write(codecs.BOM_UTF8)
        fh.write(header.encode("utf-8"))
        for lines in in_order(pool, _lines, batches, ahead=threads):
            fh.write(lines)
    return final


# A batch of rows at a time: the whole table formatted, then joined into lines, was two more
# copies of its text, and the stage's peak memory (issue 15). Arrow's kernels release the GIL, so
# batches are formatted on threads while the file is written: 0.9-1.1 s → 0.75-0.9 s for the two
# tables of a million-row inventory.
_BATCH_ROWS = 1 << 16
_MAX_THREADS = 4


def _formattable(column: pd.Series) -> bool:
    """Whether `_format` writes this column as pandas would (else the table goes to pandas)."""
    dtype = column.dtype
    if (isinstance(dtype, np.dtype) and dtype.kind == "b") or pd.api.types.is_integer_dtype(dtype):
        return True
    if not pd.api.types.is_string_dtype(dtype):
        return False
    if isinstance(getattr(column.array, "_pa_array", None), pa.ChunkedArray):
        return True
    return pd.api.types.infer_dtype(column.to_numpy(dtype=object), skipna=True) in (
        "string",
        "empty",
    )


def _lines(columns: list[pd.Series]) -> memoryview:
    """These rows as UTF-8 CSV lines."""
    cells = [_format(c) for c in columns]
    # The line end joins the last cell, so that the lines are built in one join, not two.
    cells[-1] = pc.binary_join_element_wise(cells[-1], _LINE_END, _NONE)
    lines = pc.binary_join_element_wise(*cells, _COMMA)
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset :]
    start, end = int(offsets[0]), int(offsets[len(lines)])
    return memoryview(lines.buffers()[2])[start:end]


def _format(column: pd.Series) -> pa.Array:
    """One column's cells as pandas writes them (never null: a blank cell is ""); the column
    is one `_formattable` accepts."""
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
    raise TypeError(f"not a column written here: {dtype}")


def _quoted_text(text: str) -> str:
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
