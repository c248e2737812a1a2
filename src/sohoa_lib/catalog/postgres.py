"""The sector's catalogue on a PostgreSQL server: the units' catalogues merged, searched the same way.

Same tables and columns as the SQLite catalogue (catalog.schema). Full-text search uses a tsvector
per document built from the same folded words as SQLite's FTS5 index, weighted by column (A: title
fields, B: page text, D: the hồ sơ's fields), in a GIN index; the `sohoa_vi` text-search
configuration (unaccent, then simple) folds what a query or another SQL client types the same way.
Typed diacritics are checked on the original text afterwards, by the same code as for SQLite
(catalog._pg_search runs the query; this module connects, creates the schema and merges).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sohoa_lib.catalog import _pg_search
from sohoa_lib.catalog._pg_search import CONFIG
from sohoa_lib.catalog.incremental import MergeReport, merge_units, now, only_unit
from sohoa_lib.catalog.schema import (
    DOCUMENT_COLUMNS,
    FILE_COLUMNS,
    PAGE_COLUMNS,
    REVIEW_SCHEMA,
    catalogue_tables,
    open_readonly,
)
from sohoa_lib.catalog.search import Found, query_terms
from sohoa_lib.common.config import build, read_yaml
from sohoa_lib.errors import InputError, ParamsError

URL_ENV = "SOHOA_DATABASE_URL"
PASSWORD_ENV = "SOHOA_DATABASE_PASSWORD"
"""The database password; libpq's own PGPASSWORD and ~/.pgpass work too. Never in params."""
SCHEMA_VERSION = 1
_WORD = re.compile(r"[^\W_]+")  # FTS5's unicode61 split, so both backends index the same words


@dataclass(frozen=True)
class CatalogSettings:
    """Where the national catalogue lives (`catalog:` in params/national.yaml)."""

    database_url: str | None = None
    """`postgresql://user@host:port/db`, without a password; none: national/catalog.sqlite."""


@dataclass(frozen=True)
class NationalSettings:
    """params/national.yaml: settings of stage 5 beside the indicator definitions."""

    catalog: CatalogSettings = CatalogSettings()


def load_settings(path: Path | None) -> NationalSettings:
    """params/national.yaml's settings; defaults when the file is absent."""
    if path is None or not Path(path).is_file():
        return NationalSettings()
    return build(NationalSettings, read_yaml(Path(path)), source=Path(path))


def database_url(params: Path | None = None) -> str | None:
    """The catalogue's database URL: `$SOHOA_DATABASE_URL`, else params/national.yaml's."""
    url = os.environ.get(URL_ENV, "").strip() or load_settings(params).catalog.database_url
    if url:
        _no_password(url, params)
    return url or None


def _no_password(url: str, params: Path | None) -> None:
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:  # psycopg.ProgrammingError; its text could echo the URL, with a password
        raise ParamsError(
            f"{URL_ENV} hoặc catalog.database_url: không phải URL PostgreSQL hợp lệ "
            "(dạng postgresql://người_dùng@máy:cổng/cơ_sở_dữ_liệu)"
        ) from None
    if info.get("password"):
        where = params if params and not os.environ.get(URL_ENV) else URL_ENV
        raise ParamsError(
            f"{where}: URL cơ sở dữ liệu chứa mật khẩu; bỏ mật khẩu khỏi URL và đặt nó trong "
            f"biến môi trường {PASSWORD_ENV} (hoặc PGPASSWORD)"
        )


def shown_url(url: str) -> str:
    """`postgresql://user@host:port/db`: where the catalogue is, as messages and outputs name it."""
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(url)
    user = f"{info['user']}@" if info.get("user") else ""
    return f"postgresql://{user}{_where(info)}"


def _where(info: dict) -> str:
    return f"{info.get('host') or 'localhost'}:{info.get('port') or 5432}/{info.get('dbname', '')}"


def connect(url: str):
    """A connection to the catalogue's database; InputError naming host:port when it fails."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    password = os.environ.get(PASSWORD_ENV) or None
    try:
        return psycopg.connect(url, password=password, connect_timeout=10, autocommit=True)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        if password:
            reason = reason.replace(password, "***")
        raise InputError(
            f"không kết nối được cơ sở dữ liệu mục lục {_where(conninfo_to_dict(url))}: {reason}"
        ) from None


# ---- schema --------------------------------------------------------------------------------


def _pg_type(kind: str) -> str:
    return kind.replace("REAL", "DOUBLE PRECISION")


def _table(name: str, columns: dict[str, str], constraints: str) -> str:
    body = ",\n".join(f"  {column} {_pg_type(kind)}" for column, kind in columns.items())
    return f"CREATE TABLE {name} (\n{body},\n{constraints}\n)"


_GIN = "CREATE INDEX IF NOT EXISTS documents_tsv ON documents USING gin (tsv)"
_SCHEMA = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = simple)",
    # Every word-like token goes through unaccent (đ → d, ố → o), then is kept as it is.
    f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING FOR asciiword, word, numword,"
    " asciihword, hword, hword_part, hword_asciipart, hword_numpart, numhword"
    " WITH unaccent, simple",
    *catalogue_tables(_table, "BIGSERIAL PRIMARY KEY", {"tsv": "TSVECTOR NOT NULL"}),
    _GIN,
    *REVIEW_SCHEMA,
    "CREATE TABLE merged_units (\n  unit TEXT PRIMARY KEY,\n  sha256 TEXT NOT NULL,\n"
    "  documents INTEGER NOT NULL,\n  merged_at TEXT NOT NULL\n)",
    "CREATE TABLE sohoa_schema (version INTEGER NOT NULL)",
)


def ensure_schema(conn) -> None:
    """Create the catalogue's tables in an empty database; refuse a foreign or newer one."""
    with conn.transaction():
        # One creator at a time, should two national runs start together.
        conn.execute("SELECT pg_advisory_xact_lock(4711838)")
        found = conn.execute("SELECT to_regclass('sohoa_schema') IS NOT NULL").fetchone()[0]
        if found:
            version = conn.execute("SELECT max(version) FROM sohoa_schema").fetchone()[0]
            if version != SCHEMA_VERSION:
                raise InputError(
                    f"cơ sở dữ liệu mục lục có phiên bản lược đồ {version}, sohoa này dùng "
                    f"{SCHEMA_VERSION}; hãy cập nhật sohoa"
                )
            return
        if conn.execute("SELECT to_regclass('documents') IS NOT NULL").fetchone()[0]:
            raise InputError(
                "cơ sở dữ liệu đã có bảng documents không phải của sohoa; hãy dùng một cơ sở "
                "dữ liệu riêng cho mục lục"
            )
        for statement in _SCHEMA:
            conn.execute(statement)
        conn.execute("INSERT INTO sohoa_schema VALUES (%s)", (SCHEMA_VERSION,))


# ---- merging -------------------------------------------------------------------------------


def _words(text: str | None) -> str:
    return " ".join(_WORD.findall(text or ""))


class PgStore:
    """The national catalogue in PostgreSQL, updated unit by unit (catalog.incremental.Store)."""

    def __init__(self, url: str) -> None:
        self.conn = connect(url)
        try:
            ensure_schema(self.conn)
            self.full = not self.recorded()
            if self.full:
                # Built from nothing: one GIN build at the end is several times faster than
                # updating the index row by row; finish() builds it, whatever happened.
                self.conn.execute("DROP INDEX IF EXISTS documents_tsv")
        except BaseException:
            self.conn.close()
            raise

    def recorded(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT unit, sha256 FROM merged_units").fetchall())

    def replace_unit(self, unit: str, source: Path, digest: str) -> None:
        import psycopg

        src = open_readonly(source)
        try:
            only_unit(src, unit, source, files="files")
            with self.conn.transaction():
                self._delete(unit)
                documents = self._copy(src)
                self.conn.execute(
                    "INSERT INTO merged_units VALUES (%s, %s, %s, %s)",
                    (unit, digest, documents, now()),
                )
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{source}: không gộp được mục lục dữ liệu: {exc}") from None
        except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
            # A row PostgreSQL cannot store (a duplicate key, a NUL byte in OCR text): this
            # unit's merge is rolled back and its previous rows stay.
            raise InputError(f"{source}: cơ sở dữ liệu không nhận các dòng: {exc}") from None
        finally:
            src.close()

    def _delete(self, unit: str) -> None:
        # Cascades to documents, pages and flags; the review history has no foreign key.
        self.conn.execute("DELETE FROM files WHERE unit = %s", (unit,))
        self.conn.execute("DELETE FROM reviews WHERE unit = %s", (unit,))
        self.conn.execute("DELETE FROM merged_units WHERE unit = %s", (unit,))

    def _copy(self, src: sqlite3.Connection) -> int:
        """Copy every row of the unit catalogue `src`; returns its number of documents."""
        cur = self.conn.cursor()
        files = ("unit", *FILE_COLUMNS)
        _copy_table(cur, "files", files, src.execute(f"SELECT {', '.join(files)} FROM files"))
        # Documents through a staging table: COPY cannot compute the tsvector itself.
        docs = ("unit", *DOCUMENT_COLUMNS)
        names = ", ".join(docs)
        cur.execute(
            "CREATE TEMP TABLE staged_documents ON COMMIT DROP AS"
            f" SELECT {names} FROM documents WITH NO DATA"
        )
        cur.execute("ALTER TABLE staged_documents ADD title TEXT, ADD body TEXT, ADD ho_so TEXT")
        rows = src.execute(
            f"SELECT {', '.join('d.' + c for c in docs)}, f.title, f.body, f.ho_so"
            " FROM documents AS d JOIN doc_fts AS f ON f.rowid = d.id ORDER BY d.id"
        )
        staged = ((*row[:-3], _words(row[-3]), _words(row[-2]), _words(row[-1])) for row in rows)
        count = _copy_table(cur, "staged_documents", (*docs, "title", "body", "ho_so"), staged)
        cur.execute(
            f"INSERT INTO documents ({names}, tsv) SELECT {names},"
            f" setweight(to_tsvector('{CONFIG}', title), 'A')"
            f" || setweight(to_tsvector('{CONFIG}', body), 'B')"
            f" || setweight(to_tsvector('{CONFIG}', ho_so), 'D')"
            " FROM staged_documents"
        )
        pages = ("unit", *PAGE_COLUMNS)
        _copy_table(cur, "pages", pages, src.execute(f"SELECT {', '.join(pages)} FROM pages"))
        for table in ("flags", "reviews"):
            columns = [row[1] for row in src.execute(f"PRAGMA table_info({table})")]
            _copy_table(cur, table, columns, src.execute(f"SELECT * FROM {table} ORDER BY rowid"))
        return count

    def remove_unit(self, unit: str) -> None:
        with self.conn.transaction():
            self._delete(unit)

    def finish(self, changed: bool) -> None:
        try:
            if self.full:
                self.conn.execute("SET maintenance_work_mem = '256MB'")
            self.conn.execute(_GIN)
            if changed:
                # Planner statistics after a unit's rows were replaced; cheap next to the merge.
                self.conn.execute("ANALYZE files, documents, pages")
        finally:
            self.conn.close()


def _copy_table(cur, table: str, columns: Sequence[str], rows) -> int:
    count = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def merge_pg(sources: Sequence[Path], url: str) -> MergeReport:
    """Bring the catalogue in the database at `url` up to date with the units' `sources`."""
    return merge_units(sources, PgStore(url))


# ---- searching -----------------------------------------------------------------------------


def found(url_or_conn, query: str, *, limit: int = 20, unit: str | None = None) -> Found:
    """catalog.search.found on the PostgreSQL catalogue: same matching, same order of hits."""
    terms, exact = query_terms(query, limit)
    if not terms:
        return Found([], 0, exact)
    if not isinstance(url_or_conn, str):
        return _pg_search.search(url_or_conn, terms, limit, unit, exact)
    conn = connect(url_or_conn)
    try:
        _check_schema(conn, url_or_conn)
        return _pg_search.search(conn, terms, limit, unit, exact)
    finally:
        conn.close()


def _check_schema(conn, url: str) -> None:
    if not conn.execute("SELECT to_regclass('sohoa_schema') IS NOT NULL").fetchone()[0]:
        raise InputError(
            f"{shown_url(url)}: chưa có mục lục dữ liệu; hãy chạy báo cáo toàn Ngành "
            "(sohoa batch) để gộp mục lục các đơn vị vào cơ sở dữ liệu"
        )
