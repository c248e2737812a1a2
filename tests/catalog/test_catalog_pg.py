"""The sector's catalogue on a real PostgreSQL server: same search as SQLite, secrets kept out."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_catalog import (
    DECISION,
    HEADER,
    LETTER,
    NOISY,
    PLAIN,
    SEARCH_CASES,
    codes,
    write,
    write_title_against_text,
)

from pg import PASSWORD
from sohoa_lib import cli
from sohoa_lib.catalog import db as catalog
from sohoa_lib.catalog import postgres as catalog_pg
from sohoa_lib.catalog.incremental import merge_sqlite
from sohoa_lib.errors import InputError, ParamsError


def bn_catalogue(outputs: Path) -> Path:
    """The `db` fixture's catalogue of test_catalog, as unit BN's under `outputs`."""
    path = outputs / "BN" / catalog.CATALOG_NAME
    conn = catalog.open_catalog(path)
    write(conn, "BN", "BN.2005.01", [DECISION, LETTER])
    write(conn, "BN", "BN.2005.02", [PLAIN], title="Hồ sơ bàn giao")
    conn.close()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def national(request, tmp_path: Path):
    """A national catalogue of unit BN on either backend: what `found` is called with."""
    source = bn_catalogue(tmp_path)
    if request.param == "sqlite":
        out = tmp_path / "national" / catalog.CATALOG_NAME
        merge_sqlite([source], out)
        return catalog.found, out
    url = request.getfixturevalue("pg_url")
    catalog_pg.merge_pg([source], url)
    return catalog_pg.found, url


@pytest.mark.parametrize(("query", "expected"), SEARCH_CASES)
def test_the_same_search_cases_on_both_backends(national, query: str, expected: list[str]) -> None:
    found, where = national
    assert codes(found(where, query).hits) == expected


def test_hits_are_the_same_on_both_backends(pg_url: str, tmp_path: Path) -> None:
    source = bn_catalogue(tmp_path)
    out = tmp_path / "national.sqlite"
    merge_sqlite([source], out)
    catalog_pg.merge_pg([source], pg_url)
    for query in ("so hoa", "số hóa", "đơn vị", '"hồ sơ thu"', "giam*", "bao hiem"):
        lite, pg = catalog.found(out, query), catalog_pg.found(pg_url, query)
        assert (pg.total, pg.exact) == (lite.total, lite.exact), query

        # Same hits, title matches first on both; among equal ones bm25 and ts_rank may differ.
        def same(hits):
            return sorted((not h.title_match, h.ma_dinh_danh, str(h.__dict__ | {"score": 0}))
                          for h in hits)  # fmt: skip

        assert same(pg.hits) == same(lite.hits), query
        assert [h.title_match for h in pg.hits] == [h.title_match for h in lite.hits], query
    (hit,) = catalog_pg.found(pg_url, "đơn vị").hits
    assert hit.unreviewed == ("co_quan_ban_hanh", "nguoi_ky")  # the review state came along


def test_typed_diacritics_are_precise_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    conn = catalog.open_catalog(tmp_path / "HD" / catalog.CATALOG_NAME)
    write(conn, "HD", "HD.1998.01", [HEADER])
    write(conn, "HD", "HD.2021.05", [NOISY], title="Hồ sơ số hóa tài liệu")
    write(conn, "HD", "HD.2020.02", ["Bien ban so hoa ho so cua don vi"])
    conn.close()
    catalog_pg.merge_pg([tmp_path / "HD" / catalog.CATALOG_NAME], pg_url)
    assert codes(catalog_pg.found(pg_url, "số hóa").hits) == ["HD.2021.05.01"]
    result = catalog_pg.found(pg_url, "so hoa")
    assert result.total == 3 and not result.exact
    assert codes(catalog_pg.found(pg_url, '"số hóa tài liệu"').hits) == ["HD.2021.05.01"]
    (hit,) = catalog_pg.found(pg_url, "số hóa").hits
    assert hit.snippet == "Hồ sơ [số] [hóa] tài liệu"
    # Found through the text-search configuration alone, as another SQL client would query.
    with catalog_pg.connect(pg_url) as db:
        n = db.execute("SELECT count(*) FROM documents WHERE tsv @@ "
                       "plainto_tsquery('sohoa_vi', 'Biên bản số hóa')").fetchone()[0]  # fmt: skip
    assert n == 1


def test_title_matches_rank_first_and_phrases_stay_within_a_column(
    pg_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "HD" / catalog.CATALOG_NAME
    conn = catalog.open_catalog(path)
    write_title_against_text(conn)
    # The title fields end in "HD.1999.03.01"'s code, the text starts with "Ngày": no phrase.
    write(conn, "HD", "HD.1999.03", ["Ngày ký hợp đồng"])
    conn.close()
    catalog_pg.merge_pg([path], pg_url)
    hits = catalog_pg.found(pg_url, "nâng bậc lương").hits
    assert [h.ma_dinh_danh for h in hits] == ["HD.1999.02.01", "HD.1999.01.01"]
    assert hits[0].title_match and not hits[1].title_match
    assert codes(catalog_pg.found(pg_url, '"01 ngay ky"').hits) == []
    assert codes(catalog_pg.found(pg_url, '"ngay ky"').hits) == ["HD.1999.03.01"]
    assert catalog_pg.found(pg_url, '"01 ngay ky"', unit="HD").total == 0


def test_a_password_in_the_url_is_refused_without_showing_it(monkeypatch) -> None:
    monkeypatch.setenv("SOHOA_DATABASE_URL", "postgresql://sohoa:hunter2@db.example:5432/x")
    with pytest.raises(ParamsError, match="SOHOA_DATABASE_PASSWORD") as caught:
        catalog_pg.database_url(None)
    assert "hunter2" not in str(caught.value)


def test_settings_file_names_the_database_and_rejects_unknown_keys(tmp_path: Path) -> None:
    params = tmp_path / "national.yaml"
    params.write_text("catalog: {database_url: 'postgresql://sohoa@db:6543/mucluc'}\n")
    assert catalog_pg.database_url(params) == "postgresql://sohoa@db:6543/mucluc"
    assert catalog_pg.shown_url("postgresql://sohoa@db:6543/mucluc") == (
        "postgresql://sohoa@db:6543/mucluc"
    )
    params.write_text("catalog: {database_uri: 'postgresql://db/x'}\n")
    with pytest.raises(ParamsError, match="database_uri"):
        catalog_pg.database_url(params)
    assert catalog_pg.database_url(tmp_path / "absent.yaml") is None


def test_a_wrong_password_or_unreachable_server_names_host_and_port(
    pg_url: str, monkeypatch
) -> None:
    monkeypatch.setenv("SOHOA_DATABASE_PASSWORD", "not-the-password-xyz")
    with pytest.raises(InputError, match=r"không kết nối được .*localhost:\d+/catalog_") as caught:
        catalog_pg.connect(pg_url)
    assert "not-the-password-xyz" not in str(caught.value)
    monkeypatch.setenv("SOHOA_DATABASE_PASSWORD", PASSWORD)
    with pytest.raises(InputError, match=r"không kết nối được .*127\.0\.0\.1:9/x"):
        catalog_pg.connect("postgresql://sohoa@127.0.0.1:9/x")


def test_search_before_any_merge_says_what_to_do(pg_url: str) -> None:
    with pytest.raises(InputError, match="chưa có mục lục dữ liệu"):
        catalog_pg.found(pg_url, "so hoa")


def test_a_database_of_another_application_is_refused(pg_url: str) -> None:
    with catalog_pg.connect(pg_url) as db:
        db.execute("CREATE TABLE documents (x int)")
    with pytest.raises(InputError, match="không phải của sohoa"):
        catalog_pg.merge_pg([], pg_url)


def test_cli_search_reads_the_database(pg_url: str, tmp_path: Path, monkeypatch, capsys) -> None:
    catalog_pg.merge_pg([bn_catalogue(tmp_path)], pg_url)
    monkeypatch.setenv("SOHOA_DATABASE_URL", pg_url)
    # No SQLite catalogue where --outputs points: the hits can only come from PostgreSQL.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["search", "số hóa", "--outputs", str(empty)]) == 0
    out = capsys.readouterr().out
    assert "Tìm thấy 1 văn bản" in out and "BN.2005.01.01" in out and "[số] [hóa]" in out


def test_postgresql_text_is_nfc(pg_url: str, tmp_path: Path) -> None:
    bn_catalogue(tmp_path)
    catalog_pg.merge_pg([tmp_path / "BN" / catalog.CATALOG_NAME], pg_url)
    with catalog_pg.connect(pg_url) as db:
        texts = [t for (t,) in db.execute("SELECT text FROM pages")]
    assert texts and all(t == __import__("unicodedata").normalize("NFC", t) for t in texts)
    with sqlite3.connect(tmp_path / "BN" / catalog.CATALOG_NAME) as lite:
        assert sorted(texts) == sorted(t for (t,) in lite.execute("SELECT text FROM pages"))


def test_ci_fails_rather_than_skips_without_postgresql(monkeypatch) -> None:
    import pg

    monkeypatch.setattr(pg, "_binaries", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the PostgreSQL tests"):
        pg.start_or_skip()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not installed"):
        pg.start_or_skip()
