"""The catalogue: hồ sơ, văn bản and pages in SQLite, searchable with or without diacritics."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sohoa_lib.catalog import _match as _match
from sohoa_lib.common.files import atomic_path
from sohoa_lib.common.text import fold, nfc
from sohoa_lib.errors import InputError
from sohoa_lib.review import decisions

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
_TITLE_FIELDS = (
    "ten_loai", "so", "ky_hieu", "trich_yeu", "co_quan_ban_hanh", "nguoi_ky", "chuc_vu_nguoi_ky",
    "tu_khoa", "ghi_chu", "ma_dinh_danh",
)  # fmt: skip
_FILE_FIELDS = ("tieu_de", "tu_khoa", "chu_giai")
_RANK = "bm25(doc_fts, 4.0, 1.0, 0.5)"  # title fields, page text, the hồ sơ's title


def _table(name: str, columns: Mapping[str, str], constraints: str) -> str:
    body = ",\n".join(f"  {column} {kind}" for column, kind in columns.items())
    return f"CREATE TABLE {name} (\n{body},\n{constraints}\n)"


_UNIT = {"unit": "TEXT NOT NULL"}
# `unit` leads every key so unit catalogues merge into the national one without collisions;
# documents.id is local to one database (it is the FTS rowid), (unit, ma_dinh_danh) is stable.
_SCHEMA = (
    _table("files", _UNIT | FILE_COLUMNS, "  PRIMARY KEY (unit, ma_ho_so)"),
    _table(
        "documents",
        {"id": "INTEGER PRIMARY KEY"} | _UNIT | DOCUMENT_COLUMNS,
        "  UNIQUE (unit, ma_dinh_danh),\n"
        "  UNIQUE (unit, ma_ho_so, so_thu_tu),\n"
        "  FOREIGN KEY (unit, ma_ho_so) REFERENCES files (unit, ma_ho_so) ON DELETE CASCADE",
    ),
    _table(
        "pages",
        _UNIT | PAGE_COLUMNS,
        "  PRIMARY KEY (unit, ma_ho_so, so_trang),\n"
        "  FOREIGN KEY (unit, ma_ho_so) REFERENCES files (unit, ma_ho_so) ON DELETE CASCADE,\n"
        "  FOREIGN KEY (unit, ma_ho_so, so_thu_tu)"
        " REFERENCES documents (unit, ma_ho_so, so_thu_tu) ON DELETE CASCADE",
    ),
    "CREATE INDEX pages_document ON pages (unit, ma_ho_so, so_thu_tu)",
    # Folded text (no diacritics, đ → d), so one query form matches both spellings; the original
    # text stays in the tables above, for display and snippets.
    "CREATE VIRTUAL TABLE doc_fts USING fts5(title, body, ho_so, tokenize = 'unicode61')",
    *decisions.SCHEMA,
)
_TABLES = ("files", "documents", "pages")


@dataclass(frozen=True)
class Hit:
    """One document matching a search."""

    unit: str
    ma_dinh_danh: str
    """The document's code (mã định danh văn bản)."""
    ma_ho_so: str
    ten_loai: str | None
    """Document type (tên loại văn bản)."""
    so_ky_hieu: str | None
    """Number and symbol, `123/QĐ-BHXH`."""
    trich_yeu: str | None
    """Summary (trích yếu nội dung)."""
    ngay: str | None
    """Date, ISO."""
    snippet: str
    """Original text around the first match, each match in [brackets]."""
    score: float
    """Relevance, higher is better (comparable within one catalogue)."""
    unreviewed: tuple[str, ...] = ()
    """Flagged fields no cataloguer has looked at yet: their values are the machine's guess."""
    reviewed: tuple[str, ...] = ()
    """Fields a cataloguer corrected or confirmed."""
    title_match: bool = False
    """Every word matched in the title fields (type, number, trích yếu…), not only the text."""


# ---- opening -------------------------------------------------------------------------------


def open_catalog(path: Path) -> sqlite3.Connection:
    """Open (creating if absent) a catalogue for writing: WAL, foreign keys on, autocommit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return _open(path, wal=True)


def _open(path: Path, *, wal: bool) -> sqlite3.Connection:
    # Autocommit: write_file and merge open their own explicit transactions.
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, uri=True)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        if wal:
            conn.execute("PRAGMA journal_mode = WAL")
        _ensure_schema(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise InputError(f"{path}: không dùng được làm mục lục dữ liệu SQLite: {exc}") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _ensure_schema(conn: sqlite3.Connection, path: Path) -> None:
    if _version(conn, path, "main") == SCHEMA_VERSION:
        return
    with transaction(conn):
        # Re-read under the write lock: another process may have just created it.
        if _version(conn, path, "main") == SCHEMA_VERSION:
            return
        version = _version(conn, path, "main")
        if version == 1:
            decisions.migrate_from_1(conn)
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


def _open_readonly(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise InputError(f"{path}: không có mục lục dữ liệu ở đường dẫn này")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        _check_current(conn, path, "main")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise InputError(f"{path}: không dùng được làm mục lục dữ liệu SQLite: {exc}") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _check_current(conn: sqlite3.Connection, path: Path, schema: str) -> None:
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
    if conn.in_transaction:
        raise ValueError("the catalogue connection already has a transaction open")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


# ---- writing -------------------------------------------------------------------------------


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
    flags = [decisions.flag_rows(d) for d in documents]
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
    file_text = fold(_joined(row, _FILE_FIELDS))

    with transaction(conn):
        # A rerun of stage 2 re-extracts the values; what a cataloguer decided still stands.
        for (doc_code, name), value in decisions.reviewed_values(conn, unit, code).items():
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
                decisions.write_flags(conn, unit, doc["ma_dinh_danh"], doc_flags)
                text = "\n".join(body.get(doc["so_thu_tu"], ()))
                conn.execute(
                    "INSERT INTO doc_fts (rowid, title, body, ho_so) VALUES (?, ?, ?, ?)",
                    (doc_id, fold(_joined(doc, _TITLE_FIELDS)), fold(text), file_text),
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


def _joined(row: Mapping[str, object], fields: Sequence[str]) -> str:
    return " · ".join(str(row[f]) for f in fields if row.get(f) not in (None, ""))


# ---- merging -------------------------------------------------------------------------------


def merge(sources: Sequence[Path], out: Path) -> None:
    """Write `out` (the national catalogue) with every row of every catalogue in `sources`.

    Built under a temporary name and renamed, so readers see the old catalogue or the new one.
    """
    with atomic_path(out) as tmp:
        # No WAL: the national file is written once and read by many, possibly from read-only
        # storage, so it must be one self-contained file.
        conn = _open(tmp, wal=False)
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
            _check_current(conn, source, "src")
            with transaction(conn):
                _copy_rows(conn)
        finally:
            conn.execute("DETACH DATABASE src")
    except sqlite3.IntegrityError as exc:
        raise InputError(
            f"{source}: các dòng đã được gộp từ một mục lục dữ liệu khác ({exc})"
        ) from None
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{source}: không gộp được: {exc}") from None


def _copy_rows(conn: sqlite3.Connection) -> None:
    """Copy every row of the attached catalogue `src` into `main`."""
    for table, columns in zip(_TABLES, (FILE_COLUMNS, DOCUMENT_COLUMNS, PAGE_COLUMNS), strict=True):
        names = ", ".join(("unit", *columns))
        # Identifiers from this module's constants; rows keep their source order, documents
        # get new ids (their stable key is unit + ma_dinh_danh).
        conn.execute(
            f"INSERT INTO main.{table} ({names}) SELECT {names} FROM src.{table} ORDER BY rowid"
        )
    decisions.copy_rows(conn)
    # The folded text is copied, not recomputed, under the merged documents' ids.
    conn.execute(
        "INSERT INTO main.doc_fts (rowid, title, body, ho_so)"
        " SELECT d.id, f.title, f.body, f.ho_so FROM src.documents AS s"
        " JOIN src.doc_fts AS f ON f.rowid = s.id"
        " JOIN main.documents AS d ON d.unit = s.unit AND d.ma_dinh_danh = s.ma_dinh_danh"
    )


# ---- searching -----------------------------------------------------------------------------


def search(
    conn_or_path: sqlite3.Connection | Path | str,
    query: str,
    *,
    limit: int = 20,
    unit: str | None = None,
) -> list[Hit]:
    """Documents matching every word (or "quoted phrase", or prefix*) of `query`, best first.

    A query typed without diacritics finds every spelling (`so hoa` finds `số hóa`); one typed
    with them finds those diacritics only (`số hóa` finds neither `Số:` … `HÒA` nor `so hoa`).
    Documents matching in their title fields (type, number, trích yếu…) come before those that
    match only in their text. `unit` keeps one unit's documents (useful on the national catalogue).
    """
    return found(conn_or_path, query, limit=limit, unit=unit).hits


@dataclass(frozen=True)
class Found:
    """What a search found: the best hits, how many documents match in all, and how."""

    hits: list[Hit]
    total: int
    exact: bool
    """Whether diacritics were matched as typed (False: the query had none, any spelling)."""


def found(
    conn_or_path: sqlite3.Connection | Path | str,
    query: str,
    *,
    limit: int = 20,
    unit: str | None = None,
) -> Found:
    """`search`, with the number of matching documents and whether diacritics were matched."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    terms = _match.terms(query)
    exact = _match.has_diacritics(terms)
    if not terms:
        return Found([], 0, exact)
    if isinstance(conn_or_path, sqlite3.Connection):
        return _search(conn_or_path, terms, limit, unit, exact)
    conn = _open_readonly(Path(conn_or_path))
    try:
        return _search(conn, terms, limit, unit, exact)
    finally:
        conn.close()


def search_outputs(
    outputs: Path, query: str, *, limit: int = 20, unit: str | None = None
) -> list[Hit]:
    """Search the national catalogue under `outputs` if there is one, else every unit's."""
    return found_in_outputs(outputs, query, limit=limit, unit=unit).hits


def found_in_outputs(
    outputs: Path, query: str, *, limit: int = 20, unit: str | None = None
) -> Found:
    """`search_outputs` with the count, as `sohoa search` prints it."""
    parts = [found(path, query, limit=limit, unit=unit) for path in catalogues(outputs, unit)]
    hits = [h for part in parts for h in part.hits]
    # Scores come from separate indexes, so across units the order is approximate.
    hits.sort(key=lambda h: (not h.title_match, -h.score, h.unit, h.ma_dinh_danh))
    exact = _match.has_diacritics(_match.terms(query))
    return Found(hits[:limit], sum(p.total for p in parts), exact)


def catalogues(outputs: Path, unit: str | None = None) -> list[Path]:
    """The catalogues a search reads: `national/catalog.sqlite`, else each unit's, sorted."""
    national = outputs / NATIONAL / CATALOG_NAME
    if national.is_file():
        return [national]
    if unit:
        found = [p for p in [outputs / unit / CATALOG_NAME] if p.is_file()]
    else:
        found = sorted(p for p in outputs.glob(f"*/{CATALOG_NAME}") if p.parent.name != NATIONAL)
    if not found:
        where = f"{unit}/{CATALOG_NAME}" if unit else f"<UNIT>/{CATALOG_NAME}"
        raise InputError(
            f"{outputs}: không có mục lục dữ liệu (không có {NATIONAL}/{CATALOG_NAME} lẫn {where}); "
            "hãy chạy bước digitize trước"
        )
    return found


def _fts_query(terms: Sequence[_match.Term], column: str | None = None) -> str:
    # Every term a quoted string, so user text can never be read as FTS5 syntax (OR, NEAR, -, :).
    where = f"{column} : " if column else ""
    return " AND ".join(
        f'{where}"{" ".join(t.tokens)}"' + (" *" if t.prefix else "") for t in terms
    )


def _search(
    conn: sqlite3.Connection,
    terms: list[_match.Term],
    limit: int,
    unit: str | None,
    exact: bool,
) -> Found:
    sql = (
        "SELECT d.unit, d.ma_dinh_danh, d.ma_ho_so, d.so_thu_tu, d.ten_loai, d.so, d.ky_hieu,"
        " d.ngay, d.trich_yeu, d.co_quan_ban_hanh, d.nguoi_ky, d.chuc_vu_nguoi_ky, d.tu_khoa,"
        f" d.ghi_chu, f.tieu_de, f.chu_giai, f.tu_khoa AS file_tu_khoa, {_RANK} AS rank,"
        " doc_fts.rowid IN (SELECT rowid FROM doc_fts WHERE doc_fts MATCH ?) AS in_title"
        " FROM doc_fts JOIN documents AS d ON d.id = doc_fts.rowid"
        " JOIN files AS f ON f.unit = d.unit AND f.ma_ho_so = d.ma_ho_so"
        " WHERE doc_fts MATCH ? AND (? IS NULL OR d.unit = ?)"
        " ORDER BY in_title DESC, rank, d.unit, d.ma_dinh_danh"
    )
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    rows = cursor.execute(sql, (_fts_query(terms, "title"), _fts_query(terms), unit, unit))
    hits, total = [], 0
    for row in rows:
        # Page text is read only when needed: to check typed diacritics, or for a shown hit.
        if not exact and len(hits) >= limit:
            total += 1
            continue
        sources = _sources(conn, row)
        if exact and not _match.matches(sources, terms, exact=True):
            continue
        total += 1
        if len(hits) < limit:
            hits.append(_hit(conn, row, sources, terms, exact))
    return Found(hits, total, exact)


def _sources(conn: sqlite3.Connection, row: sqlite3.Row) -> tuple[str, str, str]:
    """A document's searchable text: its pages, its title fields, its hồ sơ's fields."""
    body = " ".join(
        text
        for (text,) in conn.execute(
            "SELECT text FROM pages WHERE unit = ? AND ma_ho_so = ? AND so_thu_tu = ?"
            " ORDER BY so_trang",
            (row["unit"], row["ma_ho_so"], row["so_thu_tu"]),
        )
        if text
    )
    fields = dict(row)
    file_fields = fields | {"tu_khoa": fields["file_tu_khoa"]}
    return body, _joined(fields, _TITLE_FIELDS), _joined(file_fields, _FILE_FIELDS)


def _hit(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    sources: tuple[str, str, str],
    terms: list[_match.Term],
    exact: bool,
) -> Hit:
    return Hit(
        unit=row["unit"],
        ma_dinh_danh=row["ma_dinh_danh"],
        ma_ho_so=row["ma_ho_so"],
        ten_loai=row["ten_loai"],
        so_ky_hieu="/".join(str(p) for p in (row["so"], row["ky_hieu"]) if p) or None,
        trich_yeu=row["trich_yeu"],
        ngay=row["ngay"],
        snippet=_match.snippet(sources, terms, exact=exact),
        score=-row["rank"],
        title_match=bool(row["in_title"]),
        **_review_state(conn, row["unit"], row["ma_dinh_danh"]),
    )


def _review_state(conn: sqlite3.Connection, unit: str, code: str) -> dict:
    """The document's fields still waiting for a cataloguer, and those one has decided."""
    flagged = [
        f
        for (f,) in conn.execute(
            "SELECT field FROM flags WHERE unit = ? AND ma_dinh_danh = ? ORDER BY rowid",
            (unit, code),
        )
    ]
    decided = {
        f
        for (f,) in conn.execute(
            "SELECT field FROM reviews WHERE unit = ? AND ma_dinh_danh = ?", (unit, code)
        )
    }
    return {"unreviewed": tuple(f for f in flagged if f not in decided),
            "reviewed": tuple(sorted(decided))}  # fmt: skip


def format_hit(hit: Hit) -> str:
    """A hit as `sohoa search` prints it: a heading line, the trích yếu, the snippet."""
    heading = [hit.ma_dinh_danh, hit.ten_loai, hit.so_ky_hieu, _vn_date(hit.ngay), f"({hit.unit})"]
    lines = ["  ".join(part for part in heading if part)]
    if hit.unreviewed:
        # The machine's reading, not a cataloguer's: say so beside the values it concerns.
        names = ", ".join(FIELD_LABELS.get(f, f) for f in hit.unreviewed)
        lines.append(f"    [chưa biên mục: {names}]")
    elif hit.reviewed:
        lines.append("    [đã biên mục]")
    if hit.trich_yeu:
        lines.append(f"    {hit.trich_yeu}")
    if hit.snippet:
        lines.append(f"    {hit.snippet}")
    return "\n".join(lines)


FIELD_LABELS = {
    "ten_loai": "tên loại", "so": "số", "ky_hieu": "ký hiệu", "ngay": "ngày",
    "noi_ban_hanh": "nơi ban hành", "co_quan_ban_hanh": "cơ quan ban hành",
    "trich_yeu": "trích yếu", "chuc_vu_nguoi_ky": "chức vụ người ký", "nguoi_ky": "người ký",
}  # fmt: skip
"""Short Vietnamese names of the flaggable fields, as search results and the review show them."""


def _vn_date(iso: str | None) -> str | None:
    """`2005-03-15` → `15/03/2005` (and `2005-03` → `03/2005`); anything else as it is."""
    if not iso:
        return None
    parts = iso.split("-")
    if len(parts) in (2, 3) and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        return "/".join(reversed(parts))
    return iso
