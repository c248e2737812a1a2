"""The PostgreSQL catalogue's search: one tsquery per query, typed diacritics checked on the text.

Private to catalog: catalog.postgres.found connects and calls `search`; the same hits, in the same
order, as catalog.search gives on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sohoa_lib.catalog import _match
from sohoa_lib.catalog.schema import FILE_FIELDS, TITLE_FIELDS, joined
from sohoa_lib.catalog.search import Found, Hit, hit

CONFIG = "sohoa_vi"
"""The text-search configuration (unaccent, then simple) that catalog.postgres creates."""
_BATCH = 2000  # rows per server-side cursor fetch


def _tsquery(terms: Sequence[_match.Term], weight: str = "") -> str:
    """A to_tsquery text: every term must match, a phrase within one column (weight).

    Tokens are letters and digits only (_match.terms), so quoting them is enough for safety.
    """

    def lexeme(token: str, prefix: bool, weight: str) -> str:
        label = ("*" if prefix else "") + weight
        return f"'{token}'" + (f":{label}" if label else "")

    def phrase(term: _match.Term, weight: str) -> str:
        last = len(term.tokens) - 1
        return " <-> ".join(
            lexeme(t, term.prefix and i == last, weight) for i, t in enumerate(term.tokens)
        )

    parts = []
    for term in terms:
        if weight or len(term.tokens) == 1:
            parts.append(f"({phrase(term, weight)})")
        else:
            # tsvectors of the columns are concatenated, so an unweighted phrase could join the
            # last word of one column to the first of the next; FTS5 never does.
            parts.append("(" + " | ".join(f"({phrase(term, w)})" for w in "ABD") + ")")
    return " & ".join(parts)


_RANK_WEIGHTS = "{0.125, 0, 0.25, 1.0}"  # D, C, B, A: as SQLite's bm25 weights 0.5, 1, 4


_SELECT = (
    "SELECT d.unit, d.ma_dinh_danh, d.ma_ho_so, d.so_thu_tu, d.ten_loai, d.so, d.ky_hieu,"
    " d.ngay, d.trich_yeu, d.co_quan_ban_hanh, d.nguoi_ky, d.chuc_vu_nguoi_ky, d.tu_khoa,"
    " d.ghi_chu, f.tieu_de, f.chu_giai, f.tu_khoa AS file_tu_khoa,"
    f" ts_rank('{_RANK_WEIGHTS}', d.tsv, q.any, 1) AS rank, d.tsv @@ q.title AS in_title"
)
_FROM = (
    f" FROM documents AS d JOIN files AS f ON f.unit = d.unit AND f.ma_ho_so = d.ma_ho_so,"
    f" (SELECT to_tsquery('{CONFIG}', %(any)s) AS any,"
    f" to_tsquery('{CONFIG}', %(title)s) AS title) AS q"
    " WHERE d.tsv @@ q.any AND (%(unit)s::text IS NULL OR d.unit = %(unit)s)"
)
_ORDER = " ORDER BY in_title DESC, rank DESC, d.unit, d.ma_dinh_danh"
_BODY = (
    ", (SELECT string_agg(p.text, ' ' ORDER BY p.so_trang) FROM pages AS p WHERE p.unit = d.unit"
    " AND p.ma_ho_so = d.ma_ho_so AND p.so_thu_tu = d.so_thu_tu AND p.text IS NOT NULL) AS body"
)


def search(conn, terms, limit: int, unit: str | None, exact: bool) -> Found:
    """`limit` hits for the parsed `terms` on an open connection, and how many there are."""
    from psycopg.rows import dict_row

    args = {"any": _tsquery(terms), "title": _tsquery(terms, "A"), "unit": unit}
    hits: list[Hit] = []
    if not exact:
        total = conn.execute("SELECT count(*)" + _FROM, args).fetchone()[0]
        with conn.cursor(row_factory=dict_row) as cur:
            for row in cur.execute(_SELECT + _BODY + _FROM + _ORDER + " LIMIT %(limit)s",
                                   args | {"limit": limit}):  # fmt: skip
                hits.append(_hit(conn, row, _sources(row), terms, exact))
        return Found(hits, total, exact)
    # Typed diacritics: every candidate's original text decides, best first, as in SQLite.
    total = 0
    for row in _stream(conn, _SELECT + _BODY + _FROM + _ORDER, args):
        sources = _sources(row)
        if not _match.matches(sources, terms, exact=True):
            continue
        total += 1
        if len(hits) < limit:
            hits.append(_hit(conn, row, sources, terms, exact))
    return Found(hits, total, exact)


def _stream(conn, sql: str, args: dict) -> Iterator[dict]:
    from psycopg.rows import dict_row

    # A server-side cursor needs a transaction; rows come in batches, never all at once.
    with conn.transaction(), conn.cursor(name="sohoa_search", row_factory=dict_row) as cur:
        cur.itersize = _BATCH
        cur.execute(sql, args)
        yield from cur


def _sources(row: dict) -> tuple[str, str, str]:
    file_fields = row | {"tu_khoa": row["file_tu_khoa"]}
    return (
        row["body"] or "",
        joined(row, TITLE_FIELDS),
        joined(file_fields, FILE_FIELDS),
    )


def _hit(conn, row: dict, sources, terms, exact: bool) -> Hit:
    flagged = [
        f
        for (f,) in conn.execute(
            "SELECT field FROM flags WHERE unit = %s AND ma_dinh_danh = %s ORDER BY ctid",
            (row["unit"], row["ma_dinh_danh"]),
        )
    ]
    decided = {
        f
        for (f,) in conn.execute(
            "SELECT field FROM reviews WHERE unit = %s AND ma_dinh_danh = %s",
            (row["unit"], row["ma_dinh_danh"]),
        )
    }
    return hit(row, snippet=_match.snippet(sources, terms, exact=exact), score=float(row["rank"]),
               flagged=flagged, decided=decided)  # fmt: skip
