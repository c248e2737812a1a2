"""The cataloguer's review in the catalogue: flagged fields with their reasons, and every decision."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sohoa_lib.common.clock import stamp

# Fields a document can be flagged on (documents.FIELD_KEYS); `noi_ban_hanh` has no catalogue
# column, so its reviewed value lives in `reviews` only.
HEADER_FIELDS = ("ten_loai", "so", "ky_hieu", "ngay", "noi_ban_hanh", "co_quan_ban_hanh")
SIGNER_FIELDS = ("chuc_vu_nguoi_ky", "nguoi_ky")
TOP_THIRD = (0.0, 0.0, 1.0, 1 / 3)
TOP_HALF = (0.0, 0.0, 1.0, 0.5)
BOTTOM_THIRD = (0.0, 2 / 3, 1.0, 1.0)
CONFIRM, CORRECT = "xác nhận", "sửa"
NO_REASON = "cần biên mục (lý do không được ghi lại)"
"""Reason of a flag written before reasons were stored: still open, never dropped."""

SCHEMA = (
    # One row per flagged field of a document, replaced with the document by catalog.write_file.
    # The region (page, box as fractions of the page: left, top, right, bottom) is where a person
    # looks: the union of the words the value was read from, else a third of the page by kind.
    "CREATE TABLE flags (\n  unit TEXT NOT NULL,\n  ma_dinh_danh TEXT NOT NULL,\n"
    "  field TEXT NOT NULL,\n  value TEXT,\n  reason TEXT NOT NULL,\n  page INTEGER,\n"
    "  x0 REAL,\n  y0 REAL,\n  x1 REAL,\n  y1 REAL,\n  PRIMARY KEY (unit, ma_dinh_danh, field),\n"
    "  FOREIGN KEY (unit, ma_dinh_danh) REFERENCES documents (unit, ma_dinh_danh)"
    " ON DELETE CASCADE\n)",
    # The review history: never deleted with a document, so a rerun of stage 2 keeps it.
    "CREATE TABLE reviews (\n  unit TEXT NOT NULL,\n  ma_dinh_danh TEXT NOT NULL,\n"
    "  field TEXT NOT NULL,\n  action TEXT NOT NULL CHECK (action IN ('xác nhận', 'sửa')),\n"
    "  old TEXT,\n  new TEXT,\n  reviewer TEXT NOT NULL,\n  at TEXT NOT NULL,\n"
    "  source TEXT NOT NULL\n)",
    "CREATE INDEX reviews_field ON reviews (unit, ma_dinh_danh, field)",
)


@dataclass(frozen=True)
class Flag:
    """One field of one document that a person must look at."""

    ma_dinh_danh: str
    field: str
    value: str | None
    reason: str
    page: int | None = None
    box: tuple[float, float, float, float] | None = None
    """Left, top, right, bottom as fractions of the page; None when unknown."""


@dataclass(frozen=True)
class Decision:
    """A reviewer's word on one field: the value it should have (the same value confirms it)."""

    ma_dinh_danh: str
    field: str
    new: str | None
    reviewer: str
    at: str
    """ISO 8601 with its offset."""
    source: str
    """Where it was decided: the XLSX file's name, or `sổ tay biên mục` (the notebook)."""


def default_region(field: str, first_page: int, last_page: int) -> tuple[int, tuple]:
    """Where to look for a field no word box locates (not found, or read from text alone): header
    fields in the top third of the first page, the summary in its top half, the signer in the
    bottom third of the last page."""
    if field in SIGNER_FIELDS:
        return last_page, BOTTOM_THIRD
    if field in HEADER_FIELDS:
        return first_page, TOP_THIRD
    return first_page, TOP_HALF


def flag_rows(document: Mapping[str, object]) -> list[dict]:
    """The flags a catalogue document row carries (`flags` from stage 2, or only `flagged`)."""
    given = document.get("flags")
    if given:
        return [dict(f) for f in given]  # type: ignore[union-attr]
    flagged = document.get("flagged") or ""
    names = [n.strip() for n in (flagged.split(",") if isinstance(flagged, str) else flagged)]
    names = [n for n in names if n]
    return [{"field": n, "value": document.get(n), "reason": NO_REASON} for n in names]


def write_flags(conn: sqlite3.Connection, unit: str, ma_dinh_danh: str, flags: Iterable) -> None:
    """Insert a document's flags (inside the caller's transaction)."""
    for flag in flags:
        box = flag.get("box") or (None,) * 4
        value = flag.get("value")
        conn.execute(
            "INSERT OR REPLACE INTO flags VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (unit, ma_dinh_danh, flag["field"], None if value is None else str(value),
             flag.get("reason") or NO_REASON, flag.get("page"), *box),
        )  # fmt: skip


def reviewed_values(conn: sqlite3.Connection, unit: str, ma_ho_so: str | None = None) -> dict:
    """{(ma_dinh_danh, field): value} as the latest decision left it, for one file or all."""
    rows = conn.execute(
        "SELECT ma_dinh_danh, field, new FROM reviews WHERE unit = ?"
        " AND (? IS NULL OR substr(ma_dinh_danh, 1, length(?) + 1) = ? || '.') ORDER BY at, rowid",
        (unit, ma_ho_so, ma_ho_so, ma_ho_so),
    )
    return {(code, field): new for code, field, new in rows}


def open_flags(conn: sqlite3.Connection, unit: str | None = None) -> list[Flag]:
    """Flags no decision has closed yet, in document and field order."""
    rows = conn.execute(
        "SELECT f.ma_dinh_danh, f.field, f.value, f.reason, f.page, f.x0, f.y0, f.x1, f.y1"
        " FROM flags AS f WHERE (? IS NULL OR f.unit = ?) AND NOT EXISTS (SELECT 1 FROM reviews"
        " AS r WHERE r.unit = f.unit AND r.ma_dinh_danh = f.ma_dinh_danh AND r.field = f.field)"
        " ORDER BY f.unit, f.ma_dinh_danh, f.rowid",
        (unit, unit),
    ).fetchall()
    return [
        Flag(code, field, value, reason, page, None if x0 is None else (x0, y0, x1, y1))
        for code, field, value, reason, page, x0, y0, x1, y1 in rows
    ]


def history(conn: sqlite3.Connection, unit: str, ma_ho_so: str | None = None) -> list[dict]:
    """Every decision (who, when, field, old, new), oldest first."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    rows = cursor.execute(
        "SELECT ma_dinh_danh, field, action, old, new, reviewer, at, source FROM reviews"
        " WHERE unit = ? AND (? IS NULL OR substr(ma_dinh_danh, 1, length(?) + 1) = ? || '.') ORDER BY at, rowid",
        (unit, ma_ho_so, ma_ho_so, ma_ho_so),
    )
    return [dict(r) for r in rows]


def record(conn: sqlite3.Connection, unit: str, decisions: Sequence[Decision]) -> int:
    """Record decisions and put their values in the catalogue, in one transaction; corrections made.

    The old value is the catalogue's at this moment, so the history reads as what changed.
    """
    # catalog imports this module for its schema, so the reverse import waits for the call.
    from sohoa_lib.catalog import db

    corrected = 0
    with db.transaction(conn):
        for d in decisions:
            old = _document_value(conn, unit, d.ma_dinh_danh, d.field)
            action = CONFIRM if (old or None) == (d.new or None) else CORRECT
            conn.execute(
                "INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (unit, d.ma_dinh_danh, d.field, action, old, d.new, d.reviewer, d.at, d.source),
            )
            if action == CORRECT:
                _set_document_value(conn, unit, d.ma_dinh_danh, d.field, d.new)
                corrected += 1
    return corrected


def _document_value(conn: sqlite3.Connection, unit: str, ma_dinh_danh: str, field: str):
    """A document's current value of a flaggable field (the flag's value when it has no column)."""
    from sohoa_lib.catalog import db

    if field in db.DOCUMENT_COLUMNS:
        row = conn.execute(
            f"SELECT {field} FROM documents WHERE unit = ? AND ma_dinh_danh = ?",
            (unit, ma_dinh_danh),
        ).fetchone()
        if row is None:
            raise db.InputError(f"{unit} {ma_dinh_danh}: no such document in the catalogue")
        return row[0]
    row = conn.execute(
        "SELECT value FROM flags WHERE unit = ? AND ma_dinh_danh = ? AND field = ?",
        (unit, ma_dinh_danh, field),
    ).fetchone()
    return row[0] if row else None


def _set_document_value(
    conn: sqlite3.Connection, unit: str, ma_dinh_danh: str, field: str, value: object
) -> None:
    """Set a reviewed value and re-index the document's title text (inside a transaction)."""
    from sohoa_lib.catalog import db

    if field not in db.DOCUMENT_COLUMNS:
        return  # kept in the review history only (noi_ban_hanh has no catalogue column)
    # `field` is one of the catalogue's column names (checked above); the value is bound.
    conn.execute(
        f"UPDATE documents SET {field} = ? WHERE unit = ? AND ma_dinh_danh = ?",
        (db._cell(value), unit, ma_dinh_danh),
    )
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    doc = cursor.execute(
        "SELECT * FROM documents WHERE unit = ? AND ma_dinh_danh = ?", (unit, ma_dinh_danh)
    ).fetchone()
    conn.execute(
        "UPDATE doc_fts SET title = ? WHERE rowid = ?",
        (db.fold(db._joined(dict(doc), db._TITLE_FIELDS)), doc["id"]),
    )


def copy_rows(conn: sqlite3.Connection) -> None:
    """Copy the attached catalogue `src`'s flags and reviews into `main` (catalog.merge)."""
    conn.execute("INSERT INTO main.flags SELECT * FROM src.flags ORDER BY rowid")
    conn.execute("INSERT INTO main.reviews SELECT * FROM src.reviews ORDER BY rowid")


def migrate_from_1(conn: sqlite3.Connection) -> None:
    """Schema 1 → 2: add the tables; each document's `flagged` names become open flags."""
    for statement in SCHEMA:
        conn.execute(statement)
    rows = conn.execute(
        "SELECT unit, ma_dinh_danh, flagged FROM documents WHERE flagged IS NOT NULL"
    ).fetchall()
    for unit, code, flagged in rows:
        write_flags(conn, unit, code, flag_rows({"flagged": flagged}))


def now() -> str:
    """The time of a decision, ISO 8601 in Vietnam's offset, to the second."""
    return stamp()
