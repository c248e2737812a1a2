"""Searching the catalogue with or without diacritics, and a hit as `sohoa search` prints it."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sohoa_lib.catalog import _match
from sohoa_lib.catalog.flags import FIELD_LABELS
from sohoa_lib.catalog.schema import (
    CATALOG_NAME,
    FILE_FIELDS,
    NATIONAL,
    TITLE_FIELDS,
    joined,
    open_readonly,
)
from sohoa_lib.errors import InputError

_RANK = "bm25(doc_fts, 4.0, 1.0, 0.5)"  # title fields, page text, the hồ sơ's title


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
    terms, exact = query_terms(query, limit)
    if not terms:
        return Found([], 0, exact)
    if isinstance(conn_or_path, sqlite3.Connection):
        return _search(conn_or_path, terms, limit, unit, exact)
    conn = open_readonly(Path(conn_or_path))
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
    return body, joined(fields, TITLE_FIELDS), joined(file_fields, FILE_FIELDS)


def _hit(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    sources: tuple[str, str, str],
    terms: list[_match.Term],
    exact: bool,
) -> Hit:
    flagged = [
        f
        for (f,) in conn.execute(
            "SELECT field FROM flags WHERE unit = ? AND ma_dinh_danh = ? ORDER BY rowid",
            (row["unit"], row["ma_dinh_danh"]),
        )
    ]
    decided = {
        f
        for (f,) in conn.execute(
            "SELECT field FROM reviews WHERE unit = ? AND ma_dinh_danh = ?",
            (row["unit"], row["ma_dinh_danh"]),
        )
    }
    return hit(row, snippet=_match.snippet(sources, terms, exact=exact), score=-row["rank"],
               flagged=flagged, decided=decided)  # fmt: skip


def hit(
    row: Mapping[str, Any], *, snippet: str, score: float, flagged: list[str], decided: set[str]
) -> Hit:
    """A hit from a matched document row, on either database: `flagged` are the document's
    flagged fields in order, `decided` those a cataloguer has confirmed or corrected."""
    return Hit(
        unit=row["unit"],
        ma_dinh_danh=row["ma_dinh_danh"],
        ma_ho_so=row["ma_ho_so"],
        ten_loai=row["ten_loai"],
        so_ky_hieu="/".join(str(p) for p in (row["so"], row["ky_hieu"]) if p) or None,
        trich_yeu=row["trich_yeu"],
        ngay=row["ngay"],
        snippet=snippet,
        score=score,
        title_match=bool(row["in_title"]),
        unreviewed=tuple(f for f in flagged if f not in decided),
        reviewed=tuple(sorted(decided)),
    )


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


def _vn_date(iso: str | None) -> str | None:
    """`2005-03-15` → `15/03/2005` (and `2005-03` → `03/2005`); anything else as it is."""
    if not iso:
        return None
    parts = iso.split("-")
    if len(parts) in (2, 3) and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        return "/".join(reversed(parts))
    return iso


def query_terms(query: str, limit: int) -> tuple[list[_match.Term], bool]:
    """A query's terms, and whether diacritics were typed (then they must match exactly)."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    terms = _match.terms(query)
    return terms, _match.has_diacritics(terms)
