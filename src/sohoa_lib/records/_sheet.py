"""An inventory file's grid: CSV encoding and delimiter, XLSX through calamine, the header rows
found under any title rows, and the facts (phông, mục lục) those title rows state."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from sohoa_lib.common.text import fold
from sohoa_lib.errors import InputError
from sohoa_lib.records._columns import match_header
from sohoa_lib.records._csvread import read_rows
from sohoa_lib.records._legacy_text import read_cells

# Title rows seen above the header in real inventories: a few lines of organisation, title,
# phông and mục lục. Thirty leaves room for long ones; past that a header is not a header.
MAX_TITLE_ROWS = 30
# A header row names at least this many known columns; a title line names at most one or two.
MIN_HEADER_MATCHES = 3
DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 1 << 16

# Facts stated once in the title rows. Matched on folded text (no diacritics, lower case).
_TITLE_FACTS = {
    "phong": re.compile(
        r"\b(?:phong(?: luu tru)? so|ma phong|so phong)\s*[:.]?\s*([0-9a-z][\w.\-]*)"
    ),
    "muc_luc": re.compile(r"\b(?:muc luc(?: ho so)? so|so muc luc)\s*[:.]?\s*([0-9a-z][\w.\-]*)"),
    "ten_phong": re.compile(r"\b(?:ten phong|phong)\s*:\s*(\S.*)$"),
}


@dataclass(frozen=True)
class Sheet:
    """The data rows of an inventory under their header labels, and how they were found."""

    frame: pd.DataFrame
    """Cells as stored (text, numbers, dates), one column per header label."""
    rows: np.ndarray
    """Row number of each data row as the spreadsheet shows it (1-based)."""
    header_rows: tuple[int, ...]
    """The row (or two rows) taken as the header."""
    title: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Facts from the title rows: name → (value, row)."""
    encoding: str | None = None
    """How a CSV's bytes were decoded."""
    delimiter: str | None = None
    """A CSV's delimiter."""
    converted: tuple[tuple[int, str, str, str], ...] = ()
    """Header and title cells converted from a legacy encoding: (row, as stored, as read, encoding)."""
    skipped: tuple[tuple[int, str], ...] = ()
    """Rows under the header that are not data: (row, why)."""
    bad_rows: tuple[tuple[int, str], ...] = ()
    """Rows that could not be split into the header's columns (row, why): set aside."""
    sheet_name: str | None = None
    """The workbook's sheet that was read."""


def read_sheet(path: Path) -> Sheet:
    """Read a CSV or XLSX inventory's first sheet, finding its header below any title rows."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"{path}: không tìm thấy tệp")
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return _read_workbook(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
    raise InputError(f"{path}: cần tệp .csv hoặc .xlsx, nhận được {suffix or 'tệp không có đuôi'}")


def _read_workbook(path: Path) -> Sheet:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise InputError(f"{path.name}: không đọc được bảng tính: {exc}") from None
    # A workbook may open on a cover sheet ("Bìa") or notes: the inventory is the first sheet
    # whose header can be found.
    problems: list[str] = []
    for index, name in enumerate(names):
        try:
            sheet = book.get_sheet_by_index(index)
            merged = sheet.merged_cell_ranges or []
            first_col = sheet.start[1] if sheet.start else 0
            rows = sheet.iter_rows()
            prelude = [list(r) for _, r in zip(range(MAX_TITLE_ROWS + 2), rows, strict=False)]
        except Exception as exc:  # calamine raises its own error types for broken sheets
            problems.append(f"trang tính {name!r}: không đọc được ({exc})")
            continue
        spans = {}
        for (r0, c0), (_r1, c1) in merged:
            for c in range(c0, c1 + 1):
                spans[(r0, c - first_col)] = c0 - first_col
        try:
            layout = _layout(f"{path.name}, trang tính {name!r}", prelude, spans)
            break
        except InputError as exc:
            problems.append(str(exc))
    else:
        raise InputError("; ".join(problems) or f"{path.name}: bảng tính không có trang tính nào")
    width = len(layout.labels)
    start = layout.data_start
    chunks: list[list[object]] = [[] for _ in range(width)]
    # Rows are taken in chunks and turned into per-column arrays: the sheet is never held twice,
    # and a column of text is kept as pandas' compact strings rather than a Python object a cell.
    pending = [list(r) for r in prelude[start:]]
    while True:
        pending.extend(islice(rows, _CHUNK_ROWS - len(pending)))
        if not pending:
            break
        for column, cells in zip(chunks, _columns(pending, width), strict=True):
            array = np.empty(len(cells), dtype=object)
            array[:] = cells
            array[array == ""] = None  # calamine gives "" for an empty cell
            text = pd.api.types.infer_dtype(array, skipna=True) in ("string", "empty")
            column.append(pd.array(array, dtype="string") if text else array)
        pending = []
    del rows, sheet
    frame = pd.DataFrame(
        {label: _joined(parts) for label, parts in zip(layout.labels, chunks, strict=True)}
    )
    _fill_merged(frame, merged, first_col, start)
    where = f"trang tính {name!r}" + (f" ({index + 1}/{len(names)})" if len(names) > 1 else "")
    return _sheet(frame, np.arange(start + 1, start + 1 + len(frame)), layout, sheet_name=where)


def _fill_merged(frame: pd.DataFrame, merged, first_col: int, start: int) -> None:
    """A cell merged down over several files (one hộp for the files it holds) holds for each.

    Only merges down: a cell merged across (a group heading over the whole row) stays one cell,
    so the row is still seen as a heading and not as a file with the heading in every column.
    """
    for (r0, c0), (r1, c1) in merged:
        top, bottom = r0 - start, r1 - start
        if top < 0 or bottom == top or c0 - first_col >= frame.shape[1]:
            continue
        value = frame.iat[top, c0 - first_col]
        for c in range(max(c0 - first_col, 0), min(c1 - first_col, frame.shape[1] - 1) + 1):
            column = frame.columns[c]
            if frame[column].dtype == object or isinstance(value, str):
                frame.loc[top:bottom, column] = value
            else:
                frame[column] = frame[column].astype(object)
                frame.loc[top:bottom, column] = value


def _joined(parts: list[object]) -> pd.Series:
    """One column from its chunks: compact strings when every chunk is text, objects otherwise."""
    if not parts:
        return pd.Series([], dtype=object)
    if all(isinstance(p, pd.api.extensions.ExtensionArray) for p in parts):
        return pd.Series(pd.concat([pd.Series(p) for p in parts], ignore_index=True))
    arrays = [np.asarray(p, dtype=object) if not isinstance(p, np.ndarray) else p for p in parts]
    merged = np.concatenate(arrays)
    merged[pd.isna(merged)] = None
    return pd.Series(merged, dtype=object)


_CHUNK_ROWS = 50_000


def _columns(rows: list[list[object]], width: int) -> list[tuple]:
    """Rows → columns, each row cut or padded to the header's width."""
    # calamine's rows all have the sheet's width, so a transpose needs no per-row reshaping.
    lengths = {len(r) for r in rows}
    if len(lengths) > 1:
        rows = [r + [""] * (max(lengths) - len(r)) for r in rows]
    columns = list(zip(*rows, strict=True))[:width]
    return columns + [("",) * len(rows)] * (width - len(columns))


def _read_csv(path: Path) -> Sheet:
    with path.open("rb") as fh:
        head = fh.read(_SAMPLE_BYTES)
    encoding, label = _encoding(path, head)
    sample = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    lines = sample.splitlines()[: MAX_TITLE_ROWS + 2]
    best: tuple[int, str, _Layout] | None = None
    problem: InputError | None = None
    for delimiter in DELIMITERS:
        prelude = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        try:
            layout = _layout(path.name, prelude, {})
        except InputError as exc:
            problem = problem or exc
            continue
        # The delimiter under which the header names the most known columns wins.
        if best is None or layout.matches > best[0]:
            best = (layout.matches, delimiter, layout)
    if best is None:
        raise problem or InputError(f"{path.name}: không tìm thấy dòng tiêu đề cột")
    _, delimiter, layout = best
    try:
        frame, caught = read_rows(
            path, delimiter=delimiter, encoding=encoding, labels=layout.labels,
            skip=layout.data_start, sample=sample,
        )  # fmt: skip
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"{path.name}: không đọc được dạng CSV ({label}, dấu phân cách "
                         f"{delimiter!r}): {exc}") from None  # fmt: skip
    # Cells stay in the reader's compact string dtype: a million rows as Python objects would
    # triple the peak memory, and every later step reads one column at a time.
    bad = []
    for warning in caught:
        for line, expected, saw in _BAD_LINE.findall(str(warning.message)):
            bad.append((int(line), f"dòng có {saw} ô, nhiều hơn {expected} cột của dòng tiêu đề"))
    skip = {line for line, _ in bad}
    first = layout.data_start + 1
    # Row numbers one by one only around lines set aside; a million clean lines are a range.
    rows = np.arange(first, first + len(frame), dtype=np.int64) if not skip else np.fromiter(
        (r for r in range(first, first + len(frame) + len(skip)) if r not in skip),
        dtype=np.int64, count=len(frame),
    )  # fmt: skip
    sheet = _sheet(frame, rows, layout, encoding=label, delimiter=delimiter)
    return dataclasses.replace(sheet, bad_rows=tuple(bad))


_BAD_LINE = re.compile(r"line (\d+): expected (\d+) fields, saw (\d+)")


def _encoding(path: Path, head: bytes) -> tuple[str, str]:
    """(Python codec, name for the report) of a CSV's bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 (BOM)"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    sample = head[:4096]
    if sample and sample.count(0) > len(sample) // 4:
        # UTF-16 without a byte order mark: ASCII letters leave every other byte zero.
        return ("utf-16-le", "UTF-16 LE") if sample[1::2].count(0) > sample[::2].count(0) else (
            "utf-16-be", "UTF-16 BE")  # fmt: skip
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        return "utf-8", "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        path.read_bytes().decode("cp1258")
        return "cp1258", "Windows-1258"
    except UnicodeDecodeError:
        # Bytes Windows-1258 leaves undefined: a legacy font encoding (VISCII uses them); read
        # byte for byte and let the cell reader convert what it recognises.
        return "latin-1", "Latin-1 (bảng mã cũ)"


@dataclass(frozen=True)
class _Layout:
    labels: list[str]
    header_rows: tuple[int, ...]
    data_start: int
    """Index (0-based) of the first row under the header."""
    matches: int
    title: dict[str, tuple[str, int]]
    converted: tuple[tuple[int, str, str, str], ...]
    skipped: tuple[tuple[int, str], ...]


def _layout(source: str, prelude: list[list[object]], spans: dict[tuple[int, int], int]) -> _Layout:
    """Find the header row (and a second header row under it) among the first rows."""
    strings = [c for row in prelude for c in row if isinstance(c, str) and c.strip()]
    readings = read_cells(strings)
    text = [[_cell_text(c, readings) for c in row] for row in prelude]
    scores = [len({m for c in row if c and (m := match_header(c))}) for row in text]
    header = next((i for i, s in enumerate(scores) if s >= MIN_HEADER_MATCHES), None)
    if header is None:
        top = int(np.argmax(scores)) if scores else 0
        found = [c for c in (text[top] if text else []) if c and match_header(c)]
        raise InputError(
            f"{source}: không tìm thấy dòng tiêu đề cột trong {len(prelude)} dòng đầu: cần một "
            f"dòng có ít nhất {MIN_HEADER_MATCHES} cột như 'Mã hồ sơ' (hoặc 'Hồ sơ số'), "
            "'Tiêu đề hồ sơ', 'Thời gian bắt đầu', 'Số trang'"
            + (f"; dòng {top + 1} chỉ có: {', '.join(found)}" if found else "")
        )
    width = max((j + 1 for j, c in enumerate(text[header]) if c), default=0)
    if header + 1 < len(text):
        width = max(width, max((j + 1 for j, c in enumerate(text[header + 1]) if c), default=0))
    top = _pad(text[header], width)
    sub = _pad(text[header + 1], width) if header + 1 < len(text) else [""] * width
    two_rows = _is_sub_header(header, top, sub, spans, prelude)
    labels = _labels(header, top, sub if two_rows else [""] * width, spans)
    start = header + (2 if two_rows else 1)
    skipped = []
    if start < len(text) and _is_column_numbers(text[start]):
        skipped.append((start + 1, "dòng đánh số thứ tự cột"))
        start += 1
    title: dict[str, tuple[str, int]] = {}
    for i, row in enumerate(text[:header]):
        for cell in row:
            folded = fold(cell).strip() if cell else ""
            for name, pattern in _TITLE_FACTS.items():
                found = pattern.search(folded)
                if found and name not in title:
                    value = cell.strip()[found.start(1) : found.end(1)].strip()
                    title[name] = (value, i + 1)
    converted = tuple(
        (i + 1, c, readings[c].text, readings[c].encoding)
        for i, row in enumerate(prelude[:start])
        for c in row
        if isinstance(c, str) and c in readings and readings[c].encoding
    )
    rows = (header + 1, header + 2) if two_rows else (header + 1,)
    matched = len({m for label in labels if (m := match_header(label))})
    return _Layout(labels, rows, start, matched, title, converted, tuple(skipped))


def _cell_text(cell: object, readings: dict) -> str:
    if cell is None or cell == "":
        return ""
    if isinstance(cell, str):
        return " ".join(readings[cell].text.split()) if cell.strip() else ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _pad(row: list[str], width: int) -> list[str]:
    return list(row[:width]) + [""] * (width - len(row))


def _is_sub_header(header, top, sub, spans, prelude) -> bool:
    """A second header row: only words, and some of them under a merged or blank top cell."""
    filled = [c for c in sub if c]
    if not filled or len(filled) > max(1, sum(1 for c in top if c) // 2 + 1):
        return False
    if any(_number(c) is not None for c in filled):
        return False
    under_group = [
        j for j, c in enumerate(sub) if c and ((header, j) in spans or not top[j] or (
            j + 1 < len(top) and not top[j + 1] and sub[j + 1]))
    ]  # fmt: skip
    return bool(under_group)


def _labels(header: int, top: list[str], sub: list[str], spans) -> list[str]:
    """One label per column: the group header and the sub-header joined, as the column names it."""
    groups = list(top)
    for j in range(len(groups)):
        origin = spans.get((header, j))
        if origin is not None and origin != j:
            groups[j] = top[origin]
        elif not groups[j] and sub[j] and j and sub[j - 1] and groups[j - 1]:
            # No merge information (CSV): a blank group cell next to a grouped one belongs to it.
            groups[j] = groups[j - 1]
    labels: list[str] = []
    for j, (group, below) in enumerate(zip(groups, sub, strict=True)):
        joined = f"{group} {below}".strip()
        choices = [joined, below, group] if below else [group]
        label = next((c for c in choices if c and match_header(c)), joined)
        label = label or f"(cột {j + 1})"
        while label in labels:
            label += " "
        labels.append(label)
    return labels


def _is_column_numbers(row: list[str]) -> bool:
    numbers = [_number(c.strip("()")) for c in row if c]
    return len(numbers) >= 3 and numbers == list(
        range(int(numbers[0] or 0), int(numbers[0] or 0) + len(numbers))
    )


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _sheet(frame: pd.DataFrame, rows: np.ndarray, layout: _Layout, **kw) -> Sheet:
    return Sheet(
        frame=frame,
        rows=rows,
        header_rows=layout.header_rows,
        title=layout.title,
        converted=layout.converted,
        skipped=layout.skipped,
        **kw,
    )
