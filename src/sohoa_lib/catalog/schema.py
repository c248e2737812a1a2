"""The catalogue's tables, its versions and their upgrade, opening it, and its transactions."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from sohoa_lib.catalog.flags import flag_rows, write_flags
from sohoa_lib.errors import InputError

SCHEMA_VERSION = 2
"""Stored in `PRAGMA user_version`; a catalogue with a higher number is refused, version 1 (no
review tables) is upgraded when opened for writing."""
CATALOG_NAME = "catalog.sqlite"
NATIONAL = "national"
"""The outputs folder of the national catalogue, merged from every unit's."""

# Columns after `unit`, with their SQL types; their names are the keys write_file accepts.
FILE_COLUMNS: dict[str, str] = {
    "ma_ho_so": "TEXT NOT NULL",
    "tieu_de": "TEXT",
    "thoi_han_bao_quan": "TEXT",
    "che_do_su_dung": "TEXT",
    "ngon_ngu": "TEXT",
    "thoi_gian_bat_dau": "TEXT",
    "thoi_gian_ket_thuc": "TEXT",
    "tong_so_van_ban": "INTEGER",
    "so_luong_to": "INTEGER",
    "so_luong_trang": "INTEGER",
    "tinh_trang_vat_ly": "TEXT",
    "ky_hieu_thong_tin": "TEXT",
    "tu_khoa": "TEXT",
    "muc_do_tin_cay": "TEXT",
    "ma_ho_so_goc_giay": "TEXT",
    "che_do_du_phong": "TEXT",
    "tinh_trang_du_phong": "TEXT",
    "chu_giai": "TEXT",
    "pdf": "TEXT",
    "needs_rescan": "INTEGER NOT NULL",
    "status": "TEXT",
}
DOCUMENT_COLUMNS: dict[str, str] = {
    "ma_dinh_danh": "TEXT NOT NULL",
    "ma_ho_so": "TEXT NOT NULL",
    "so_thu_tu": "INTEGER NOT NULL",
    "ten_loai": "TEXT",
    "so": "TEXT",
    "ky_hieu": "TEXT",
    "ngay": "TEXT",
    "co_quan_ban_hanh": "TEXT",
    "trich_yeu": "TEXT",
    "ngon_ngu": "TEXT",
    "so_trang": "INTEGER",
    "trang_dau": "INTEGER",
    "trang_cuoi": "INTEGER",
    "ghi_chu": "TEXT",
    "ky_hieu_thong_tin": "TEXT",
    "tu_khoa": "TEXT",
    "che_do_su_dung": "TEXT",
    "muc_do_tin_cay": "TEXT",
    "but_tich": "TEXT",
    "tinh_trang_vat_ly": "TEXT",
    "nguoi_ky": "TEXT",
    "chuc_vu_nguoi_ky": "TEXT",
    "pdf": "TEXT",
    "flagged": "TEXT",
}
PAGE_COLUMNS: dict[str, str] = {
    "ma_ho_so": "TEXT NOT NULL",
    "so_trang": "INTEGER NOT NULL",
    "so_thu_tu": "INTEGER",  # the document's sequence in the file; NULL when not split yet
    "text": "TEXT",
    "ocr_confidence": "REAL",
}

# Fields whose text is indexed with a document, per FTS column (weights in _RANK).
# Fields whose text is indexed with a document, per FTS column (weights in search._RANK).
TITLE_FIELDS = (
    "ten_loai", "so", "ky_hieu", "trich_yeu", "co_quan_ban_hanh", "nguoi_ky", "chuc_vu_nguoi_ky",
    "tu_khoa", "ghi_chu", "ma_dinh_danh",
)  # fmt: skip
FILE_FIELDS = ("tieu_de", "tu_khoa", "chu_giai")


def _table(name: str, columns: Mapping[str, str], constraints: str) -> str:
    body = ",\n".join(f"  {column} {kind}" for column, kind in columns.items())
    return f"CREATE TABLE {name} (\n{body},\n{constraints}\n)"


REVIEW_SCHEMA = (
    # One row per flagged field of a document, replaced with the document by write.write_file.
    # The region (page, box as fractions of the page: left, top, right, bottom) is where a person
    # looks: the union of the words the value was read from, else a third of the page by kind.
    "CREATE TABLE flags (\n  unit TEXT NOT NULL,\n  ma_dinh_danh TEXT NOT NULL,\n"
    "  field TEXT NOT NULL,\n  value TEXT,\n  reason TEXT NOT NULL,\n  page INTEGER,\n"
    "  x0 REAL,\n  y0 REAL,\n  x1 REAL,\n  y1 REAL,\n  PRIMARY KEY (unit, ma_dinh_danh, field),\n"
    "  FOREIGN KEY (unit, ma_dinh_danh) REFERENCES documents (unit, ma_dinh_danh)"
    " ON DELETE CASCADE\n)",
    # The review history (biên mục): never deleted with a document, so a rerun of stage 2 keeps it.
    "CREATE TABLE reviews (\n  unit TEXT NOT NULL,\n  ma_dinh_danh TEXT NOT NULL,\n"
    "  field TEXT NOT NULL,\n  action TEXT NOT NULL CHECK (action IN ('xác nhận', 'sửa')),\n"
    "  old TEXT,\n  new TEXT,\n  reviewer TEXT NOT NULL,\n  at TEXT NOT NULL,\n"
    "  source TEXT NOT NULL\n)",
    "CREATE INDEX reviews_field ON reviews (unit, ma_dinh_danh, field)",
)
"""The review tables: flagged fields with their reasons, and every decision (review.decisions)."""

_UNIT = {"unit": "TEXT NOT NULL"}


def catalogue_tables(
    table: Callable[[str, Mapping[str, str], str], str],
    document_id: str,
    document_extra: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """files, documents and pages as both databases hold them: `table` writes a CREATE TABLE in
    its database's types, `document_id` is its row id, `document_extra` what else it indexes."""
    return (
        table("files", _UNIT | FILE_COLUMNS, "  PRIMARY KEY (unit, ma_ho_so)"),
        table(
            "documents",
            {"id": document_id} | _UNIT | DOCUMENT_COLUMNS | dict(document_extra or {}),
            "  UNIQUE (unit, ma_dinh_danh),\n"
            "  UNIQUE (unit, ma_ho_so, so_thu_tu),\n"
            "  FOREIGN KEY (unit, ma_ho_so) REFERENCES files (unit, ma_ho_so) ON DELETE CASCADE",
        ),
        table(
            "pages",
            _UNIT | PAGE_COLUMNS,
            "  PRIMARY KEY (unit, ma_ho_so, so_trang),\n"
            "  FOREIGN KEY (unit, ma_ho_so) REFERENCES files (unit, ma_ho_so) ON DELETE CASCADE,\n"
            "  FOREIGN KEY (unit, ma_ho_so, so_thu_tu)"
            " REFERENCES documents (unit, ma_ho_so, so_thu_tu) ON DELETE CASCADE",
        ),
        "CREATE INDEX pages_document ON pages (unit, ma_ho_so, so_thu_tu)",
    )


# `unit` leads every key so unit catalogues merge into the national one without collisions;
# documents.id is local to one database (it is the FTS rowid), (unit, ma_dinh_danh) is stable.
_SCHEMA = (
    *catalogue_tables(_table, "INTEGER PRIMARY KEY"),
    # Folded text (no diacritics, đ → d), so one query form matches both spellings; the original
    # text stays in the tables above, for display and snippets.
    "CREATE VIRTUAL TABLE doc_fts USING fts5(title, body, ho_so, tokenize = 'unicode61')",
    *REVIEW_SCHEMA,
)
TABLES = ("files", "documents", "pages")


def joined(row: Mapping[str, object], fields: Sequence[str]) -> str:
    """The non-empty values of `fields`, joined as the full-text index holds them."""
    return " · ".join(str(row[f]) for f in fields if row.get(f) not in (None, ""))


def open_catalog(path: Path) -> sqlite3.Connection:
    """Open (creating if absent) a catalogue for writing: WAL, foreign keys on, autocommit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return open_connection(path, wal=True)


def open_connection(path: Path, *, wal: bool) -> sqlite3.Connection:
    """Open `path` read-write with its schema current (created, or upgraded from version 1)."""
    # Autocommit: write_file and merge open their own explicit transactions.
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, uri=True)

    def prepare(conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA foreign_keys = ON")
        if wal:
            conn.execute("PRAGMA journal_mode = WAL")
        _ensure_schema(conn, path)

    return _prepared(conn, path, prepare)


def _ensure_schema(conn: sqlite3.Connection, path: Path) -> None:
    if _version(conn, path, "main") == SCHEMA_VERSION:
        return
    with transaction(conn):
        # Re-read under the write lock: another process may have just created it.
        if _version(conn, path, "main") == SCHEMA_VERSION:
            return
        version = _version(conn, path, "main")
        if version == 1:
            _migrate_from_1(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
            return
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise InputError(
                f"{path}: không phải mục lục dữ liệu của sohoa (tệp chứa các bảng khác)"
            )
        for statement in _SCHEMA:
            conn.execute(statement)
        # PRAGMA takes no bound parameters; the value is this module's integer constant.
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")


def _version(conn: sqlite3.Connection, path: Path, schema: str) -> int:
    version = conn.execute(f"PRAGMA {schema}.user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise InputError(
            f"{path}: mục lục dữ liệu có phiên bản lược đồ {version}, mới hơn phiên bản sohoa này "
            f"hỗ trợ ({SCHEMA_VERSION}); hãy cập nhật sohoa"
        )
    return version


def open_readonly(path: Path) -> sqlite3.Connection:
    """Open an existing catalogue read-only; one of another schema version is refused."""
    if not path.is_file():
        raise InputError(f"{path}: không có mục lục dữ liệu ở đường dẫn này")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    return _prepared(conn, path, lambda conn: check_current(conn, path, "main"))


def _prepared(conn: sqlite3.Connection, path: Path, prepare) -> sqlite3.Connection:
    """`conn` once `prepare(conn)` has run; closed when it fails, a damaged file named as such."""
    try:
        prepare(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise InputError(f"{path}: không dùng được làm mục lục dữ liệu SQLite: {exc}") from None
    except BaseException:
        conn.close()
        raise
    return conn


def check_current(conn: sqlite3.Connection, path: Path, schema: str) -> None:
    """Refuse the catalogue attached as `schema` unless it has this sohoa's schema version."""
    version = _version(conn, path, schema)
    if version == 1:
        raise InputError(
            f"{path}: mục lục dữ liệu phiên bản lược đồ 1 chưa có các bảng biên mục; hãy chạy lại bước "
            "digitize (sohoa run UNIT --stages digitize) để nâng cấp tại chỗ"
        )
    if version != SCHEMA_VERSION:
        raise InputError(f"{path}: không phải mục lục dữ liệu của sohoa (phiên bản lược đồ 0)")


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """An explicit write transaction (BEGIN IMMEDIATE), committed or rolled back as a whole."""
    if conn.in_transaction:
        raise ValueError("the catalogue connection already has a transaction open")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def _migrate_from_1(conn: sqlite3.Connection) -> None:
    """Schema 1 → 2: add the review tables; each document's `flagged` names become open flags."""
    for statement in REVIEW_SCHEMA:
        conn.execute(statement)
    rows = conn.execute(
        "SELECT unit, ma_dinh_danh, flagged FROM documents WHERE flagged IS NOT NULL"
    ).fetchall()
    for unit, code, flagged in rows:
        write_flags(conn, unit, code, flag_rows({"flagged": flagged}))
