"""Flagged fields in the catalogue: the rows stage 2 writes for them, and the values decisions left."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

NO_REASON = "cần biên mục (lý do không được ghi lại)"
"""Reason of a flag written before reasons were stored: still open, never dropped."""

FIELD_LABELS = {
    "ten_loai": "tên loại", "so": "số", "ky_hieu": "ký hiệu", "ngay": "ngày",
    "noi_ban_hanh": "nơi ban hành", "co_quan_ban_hanh": "cơ quan ban hành",
    "trich_yeu": "trích yếu", "chuc_vu_nguoi_ky": "chức vụ người ký", "nguoi_ky": "người ký",
}  # fmt: skip
"""Short Vietnamese names of the flaggable fields, as search results and the review show them."""


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
