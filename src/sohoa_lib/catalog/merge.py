"""Merging unit catalogues into a new national one: every row, under a temporary name, then renamed."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from sohoa_lib.catalog.schema import (
    DOCUMENT_COLUMNS,
    FILE_COLUMNS,
    PAGE_COLUMNS,
    TABLES,
    check_current,
    open_connection,
    transaction,
)
from sohoa_lib.common.files import atomic_path
from sohoa_lib.errors import InputError


def merge(sources: Sequence[Path], out: Path) -> None:
    """Write `out` (the national catalogue) with every row of every catalogue in `sources`.

    Built under a temporary name and renamed, so readers see the old catalogue or the new one.
    """
    with atomic_path(out) as tmp:
        # No WAL: the national file is written once and read by many, possibly from read-only
        # storage, so it must be one self-contained file.
        conn = open_connection(tmp, wal=False)
        try:
            for source in sources:
                _merge_one(conn, Path(source))
            # One index segment: the national file is only read from now on.
            conn.execute("INSERT INTO doc_fts (doc_fts) VALUES ('optimize')")
        finally:
            conn.close()


def _merge_one(conn: sqlite3.Connection, source: Path) -> None:
    if not source.is_file():
        raise InputError(f"{source}: không có mục lục dữ liệu ở đường dẫn này")
    try:
        conn.execute("ATTACH DATABASE ? AS src", (f"{source.resolve().as_uri()}?mode=ro",))
        try:
            check_current(conn, source, "src")
            with transaction(conn):
                copy_rows(conn)
        finally:
            conn.execute("DETACH DATABASE src")
    except sqlite3.IntegrityError as exc:
        raise InputError(
            f"{source}: các dòng đã được gộp từ một mục lục dữ liệu khác ({exc})"
        ) from None
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{source}: không gộp được: {exc}") from None


def copy_rows(conn: sqlite3.Connection) -> None:
    """Copy every row of the attached catalogue `src` into `main`."""
    for table, columns in zip(TABLES, (FILE_COLUMNS, DOCUMENT_COLUMNS, PAGE_COLUMNS), strict=True):
        names = ", ".join(("unit", *columns))
        # Identifiers from this module's constants; rows keep their source order, documents
        # get new ids (their stable key is unit + ma_dinh_danh).
        conn.execute(
            f"INSERT INTO main.{table} ({names}) SELECT {names} FROM src.{table} ORDER BY rowid"
        )
    # The review tables (flags and decisions) come with their documents.
    conn.execute("INSERT INTO main.flags SELECT * FROM src.flags ORDER BY rowid")
    conn.execute("INSERT INTO main.reviews SELECT * FROM src.reviews ORDER BY rowid")
    # The folded text is copied, not recomputed, under the merged documents' ids.
    conn.execute(
        "INSERT INTO main.doc_fts (rowid, title, body, ho_so)"
        " SELECT d.id, f.title, f.body, f.ho_so FROM src.documents AS s"
        " JOIN src.doc_fts AS f ON f.rowid = s.id"
        " JOIN main.documents AS d ON d.unit = s.unit AND d.ma_dinh_danh = s.ma_dinh_danh"
    )
