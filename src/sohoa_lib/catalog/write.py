"""Writing one hồ sơ's rows (file, documents, pages, flags, index text), and a reviewed value."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping, Sequence

from sohoa_lib.catalog.flags import flag_rows, reviewed_values, write_flags
from sohoa_lib.catalog.schema import (
    DOCUMENT_COLUMNS,
    FILE_COLUMNS,
    FILE_FIELDS,
    PAGE_COLUMNS,
    TITLE_FIELDS,
    joined,
    transaction,
)
from sohoa_lib.common.text import fold, nfc
from sohoa_lib.errors import InputError


def write_file(
    conn: sqlite3.Connection,
    *,
    unit: str,
    file: Mapping[str, object],
    documents: Sequence[Mapping[str, object]],
    pages: Sequence[Mapping[str, object]],
) -> None:
    """Insert or replace one hồ sơ (file) with its documents and pages, in one transaction.

    Keys are the column names of FILE_COLUMNS, DOCUMENT_COLUMNS and PAGE_COLUMNS; unknown keys are
    errors. A page's `so_thu_tu` names its document; when absent it is taken from the document
    whose `trang_dau`..`trang_cuoi` holds the page. A document's `flags` (each a dict with
    field, value, reason, page, box) go to the review tables; without them its `flagged` names
    become flags whose reason was not kept. Values a cataloguer decided replace extracted ones.
    """
    unit = nfc(unit)
    row = _row(file, FILE_COLUMNS, "file")
    code = row["ma_ho_so"]
    if not unit or not code:
        raise ValueError("write_file needs a unit and the file's ma_ho_so")
    row["needs_rescan"] = int(bool(row["needs_rescan"]))
    flags = [flag_rows(d) for d in documents]
    docs = [
        _child({k: v for k, v in d.items() if k != "flags"}, DOCUMENT_COLUMNS,
               f"{code}: document {i}", code)
        for i, d in enumerate(documents, 1)
    ]  # fmt: skip
    page_rows = [_child(p, PAGE_COLUMNS, f"{code}: page {i}", code) for i, p in enumerate(pages, 1)]
    _assign_pages(docs, page_rows, code)
    body: dict[int, list[str]] = {}
    for page in sorted(page_rows, key=lambda p: p["so_trang"]):
        if page["so_thu_tu"] is not None and page["text"]:
            body.setdefault(page["so_thu_tu"], []).append(page["text"])
    file_text = fold(joined(row, FILE_FIELDS))

    with transaction(conn):
        # A rerun of stage 2 re-extracts the values; what a cataloguer decided still stands.
        for (doc_code, name), value in reviewed_values(conn, unit, code).items():
            for doc in docs:
                if doc["ma_dinh_danh"] == doc_code and name in DOCUMENT_COLUMNS:
                    doc[name] = value
        old = conn.execute(
            "SELECT id FROM documents WHERE unit = ? AND ma_ho_so = ?", (unit, code)
        ).fetchall()
        conn.executemany("DELETE FROM doc_fts WHERE rowid = ?", old)
        # Cascades to the file's documents and pages, so a rerun replaces, never duplicates.
        conn.execute("DELETE FROM files WHERE unit = ? AND ma_ho_so = ?", (unit, code))
        try:
            conn.execute(_insert("files", FILE_COLUMNS), (unit, *row.values()))
            for doc, doc_flags in zip(docs, flags, strict=True):
                doc_id = conn.execute(
                    _insert("documents", DOCUMENT_COLUMNS), (unit, *doc.values())
                ).lastrowid
                write_flags(conn, unit, doc["ma_dinh_danh"], doc_flags)
                text = "\n".join(body.get(doc["so_thu_tu"], ()))
                conn.execute(
                    "INSERT INTO doc_fts (rowid, title, body, ho_so) VALUES (?, ?, ?, ?)",
                    (doc_id, fold(joined(doc, TITLE_FIELDS)), fold(text), file_text),
                )
            conn.executemany(
                _insert("pages", PAGE_COLUMNS), [(unit, *p.values()) for p in page_rows]
            )
        except sqlite3.IntegrityError as exc:
            raise InputError(
                f"{unit} {code}: mục lục dữ liệu không nhận hồ sơ này: {exc}"
            ) from None


def _insert(table: str, columns: Mapping[str, str]) -> str:
    # Identifiers come from this module's constants; every value is a bound parameter.
    names = ", ".join(("unit", *columns))
    marks = ", ".join("?" * (len(columns) + 1))
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"


def _row(values: Mapping[str, object], columns: Mapping[str, str], what: str) -> dict:
    unknown = sorted(set(values) - set(columns))
    if unknown:
        raise ValueError(f"{what}: unknown field(s) {', '.join(unknown)}")
    row = {}
    for column, kind in columns.items():
        value = _cell(values.get(column))
        if value is not None and kind.startswith(("INTEGER", "REAL")):
            try:
                value = int(value) if kind.startswith("INTEGER") else float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{what}: {column} should be a number, got {value!r}") from None
        row[column] = value
    return row


def _child(values: Mapping[str, object], columns: Mapping[str, str], what: str, code: str) -> dict:
    """A document or page row, checked to belong to file `code` and to carry its keys."""
    row = _row(values, columns, what)
    if row["ma_ho_so"] is None:
        row["ma_ho_so"] = code
    elif row["ma_ho_so"] != code:
        raise ValueError(f"{what}: ma_ho_so {row['ma_ho_so']} is not the file's")
    missing = [c for c, kind in columns.items() if "NOT NULL" in kind and row[c] is None]
    if missing:
        raise ValueError(f"{what}: no {', '.join(missing)}")
    return row


def _cell(value: object) -> object:
    """A value as SQLite stores it: text in NFC (empty → NULL), lists comma-joined, no NaN."""
    if value is None:
        return None
    if isinstance(value, str):
        return nfc(value) or None
    if value != value:  # NaN and NaT, as pandas rows carry them
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(nfc(str(v)) for v in value) or None
    item = getattr(value, "item", None)  # numpy scalars, which sqlite3 cannot bind
    return item() if callable(item) else value


def _assign_pages(docs: list[dict], pages: list[dict], code: str) -> None:
    sequences = {doc["so_thu_tu"] for doc in docs}
    for page in pages:
        if page["so_thu_tu"] is None:
            for doc in docs:
                first, last = doc["trang_dau"], doc["trang_cuoi"]
                if first is not None and last is not None and first <= page["so_trang"] <= last:
                    page["so_thu_tu"] = doc["so_thu_tu"]
                    break
        elif page["so_thu_tu"] not in sequences:
            raise ValueError(
                f"{code}: page {page['so_trang']} names document {page['so_thu_tu']}, "
                "which is not among the file's documents"
            )


def document_value(conn: sqlite3.Connection, unit: str, ma_dinh_danh: str, field: str):
    """A document's current value of a flaggable field (the flag's value when it has no column)."""
    if field in DOCUMENT_COLUMNS:
        row = conn.execute(
            f"SELECT {field} FROM documents WHERE unit = ? AND ma_dinh_danh = ?",
            (unit, ma_dinh_danh),
        ).fetchone()
        if row is None:
            raise InputError(f"{unit} {ma_dinh_danh}: no such document in the catalogue")
        return row[0]
    row = conn.execute(
        "SELECT value FROM flags WHERE unit = ? AND ma_dinh_danh = ? AND field = ?",
        (unit, ma_dinh_danh, field),
    ).fetchone()
    return row[0] if row else None


def set_document_value(
    conn: sqlite3.Connection, unit: str, ma_dinh_danh: str, field: str, value: object
) -> None:
    """Set a reviewed value and re-index the document's title text (inside a transaction)."""
    if field not in DOCUMENT_COLUMNS:
        return  # kept in the review history only (noi_ban_hanh has no catalogue column)
    # `field` is one of the catalogue's column names (checked above); the value is bound.
    conn.execute(
        f"UPDATE documents SET {field} = ? WHERE unit = ? AND ma_dinh_danh = ?",
        (_cell(value), unit, ma_dinh_danh),
    )
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    doc = cursor.execute(
        "SELECT * FROM documents WHERE unit = ? AND ma_dinh_danh = ?", (unit, ma_dinh_danh)
    ).fetchone()
    conn.execute(
        "UPDATE doc_fts SET title = ? WHERE rowid = ?",
        (fold(joined(dict(doc), TITLE_FIELDS)), doc["id"]),
    )
