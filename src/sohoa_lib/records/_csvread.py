"""A CSV's rows under its header: by Arrow's reader where it gives what pandas gives, else by pandas."""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

# pandas' C reader took 3.5 s of a 1,000,000-row inventory (195 MB), most of a stage that should
# stay within twice a bare `read_csv` (issue 15); Arrow's reader takes about 0.6 s. It is used
# only where both readers agree cell for cell: UTF-8 text (Arrow reads nothing else natively),
# every line as wide as the header, and title rows that span one line each (Arrow skips lines,
# pandas skips rows). Anything else (a short or long line, a broken quote, bytes that are not
# UTF-8) returns None, and the caller reads the file with pandas, which warns, pads or fails
# exactly as it always did.

# One thread, in 4 MB blocks: with quoted line breaks allowed, Arrow's threaded reader first
# splits the file serially, and on the 2-core reference machine, shared with other work, it
# took 0.8-1.9 s of wall-clock time against 0.55-0.8 s for one thread (and more CPU seconds).
_BLOCK_BYTES = 4 << 20
# pandas' own text dtype for `dtype=str` (Arrow-backed, NaN for a blank cell).
_TEXT = pd.StringDtype("pyarrow", na_value=float("nan"))


def read_rows(
    path: Path, *, delimiter: str, encoding: str, labels: list[str], skip: int, sample: str
) -> tuple[pd.DataFrame, list[warnings.WarningMessage]]:
    """The rows under the first `skip` rows as `str` columns named `labels`, blank cells missing,
    and pandas' warnings about lines it set aside (raises what `pandas.read_csv` raises)."""
    if encoding in ("utf-8", "utf-8-sig"):
        frame = read_plain_csv(path, delimiter=delimiter, labels=labels, skip=skip, sample=sample)
        if frame is not None:
            return frame, []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        # A line with more cells than the header is set aside (pandas warns with its line
        # number) and the rest is read: one bad line must not stop the inventory.
        frame = pd.read_csv(
            path, sep=delimiter, encoding=encoding, header=None, skiprows=skip, names=labels,
            index_col=False, dtype=str, keep_default_na=False, na_values=[""],
            skip_blank_lines=False, encoding_errors="strict", on_bad_lines="warn",
        )  # fmt: skip
    return frame, caught


def read_plain_csv(
    path: Path, *, delimiter: str, labels: list[str], skip: int, sample: str
) -> pd.DataFrame | None:
    """Rows under the first `skip` rows as `str` columns named `labels`, blank cells missing;
    None when the file is one Arrow could read differently from pandas."""
    if not _lines_are_rows(sample, skip, delimiter):
        return None
    bad: list[object] = []

    def invalid(row: object) -> str:
        bad.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                skip_rows=skip, column_names=labels, block_size=_BLOCK_BYTES, use_threads=False,
                encoding="utf8",
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={label: pa.large_string() for label in labels},
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
            ),
        )  # fmt: skip
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if bad:
        return None
    chunked = table.columns
    del table
    frame = {}
    for i, label in enumerate(labels):
        # One chunk a column (a few ms each): each later take, filter or hash of rows would
        # otherwise walk fifty chunks. Column by column, each column's chunks freed once joined,
        # so the text is never held twice.
        column, chunked[i] = chunked[i], None
        frame[label] = pd.Series(pa.chunked_array([column.combine_chunks()]), dtype=_TEXT)
        del column
    return pd.DataFrame(frame, copy=False)


def _lines_are_rows(sample: str, skip: int, delimiter: str) -> bool:
    """Whether the first `skip` rows are the first `skip` lines, one each: then skipping lines
    (Arrow) and skipping rows (pandas) start at the same place."""
    lines = sample.split("\n")
    if len(lines) <= skip:
        return False
    head = lines[:skip]
    if any("\r" in line.rstrip("\r") for line in head):
        return False  # a lone CR ends a row for both readers but is no line here
    rows = list(csv.reader(io.StringIO("\n".join(head)), delimiter=delimiter))
    return len(rows) == skip
