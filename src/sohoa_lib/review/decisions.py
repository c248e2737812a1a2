"""The cataloguer's review in the catalogue: flagged fields with their reasons, and every decision."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from sohoa_lib.catalog.schema import transaction
from sohoa_lib.catalog.write import document_value, set_document_value
from sohoa_lib.common.clock import stamp

# Fields a document can be flagged on (documents.FIELD_KEYS); `noi_ban_hanh` has no catalogue
# column, so its reviewed value lives in `reviews` only.
HEADER_FIELDS = ("ten_loai", "so", "ky_hieu", "ngay", "noi_ban_hanh", "co_quan_ban_hanh")
SIGNER_FIELDS = ("chuc_vu_nguoi_ky", "nguoi_ky")
TOP_THIRD = (0.0, 0.0, 1.0, 1 / 3)
TOP_HALF = (0.0, 0.0, 1.0, 0.5)
BOTTOM_THIRD = (0.0, 2 / 3, 1.0, 1.0)
CONFIRM, CORRECT = "xác nhận", "sửa"


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
    corrected = 0
    with transaction(conn):
        for d in decisions:
            old = document_value(conn, unit, d.ma_dinh_danh, d.field)
            action = CONFIRM if (old or None) == (d.new or None) else CORRECT
            conn.execute(
                "INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (unit, d.ma_dinh_danh, d.field, action, old, d.new, d.reviewer, d.at, d.source),
            )
            if action == CORRECT:
                set_document_value(conn, unit, d.ma_dinh_danh, d.field, d.new)
                corrected += 1
    return corrected


def now() -> str:
    """The time of a decision, ISO 8601 in Vietnam's offset, to the second."""
    return stamp()
