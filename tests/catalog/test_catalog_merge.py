"""Incremental national merge, on SQLite and on PostgreSQL: only changed units, one transaction each."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from test_catalog import DECISION, LETTER, PLAIN, write

from conftest import ROOT
from pg import PASSWORD
from sohoa_lib.catalog import db as catalog
from sohoa_lib.catalog import postgres as catalog_pg
from sohoa_lib.catalog.incremental import checksum, merge_sqlite, unit_sources
from sohoa_lib.run import national as national_run
from sohoa_lib.stages.national import run_national_report

TEXTS = {"BN": DECISION, "HD": LETTER, "HP": PLAIN}


def unit_catalogue(outputs: Path, unit: str, text: str, files: int = 2) -> Path:
    path = outputs / unit / catalog.CATALOG_NAME
    conn = catalog.open_catalog(path)
    for n in range(1, files + 1):
        write(conn, unit, f"{unit}.2005.{n:02d}", [text, f"{text} Phụ lục {n}."])
    conn.close()
    return path


def three_units(outputs: Path) -> list[Path]:
    return [unit_catalogue(outputs, unit, text) for unit, text in TEXTS.items()]


class Backend:
    """One national catalogue, SQLite file or PostgreSQL database, merged and read alike."""

    def __init__(self, kind: str, where: Path | str) -> None:
        self.kind, self.where = kind, where

    def merge(self, sources):
        if self.kind == "sqlite":
            return merge_sqlite(sources, self.where)
        return catalog_pg.merge_pg(sources, self.where)

    def rows(self) -> dict[str, list[tuple]]:
        """Every row of the catalogue's tables (documents without their local id), sorted."""
        tables = {
            "files": ", ".join(("unit", *catalog.FILE_COLUMNS)),
            "documents": ", ".join(("unit", *catalog.DOCUMENT_COLUMNS)),
            "pages": ", ".join(("unit", *catalog.PAGE_COLUMNS)),
            "flags": "unit, ma_dinh_danh, field, value, reason",
        }
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.where)
            read = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        else:
            conn = catalog_pg.connect(self.where)
            read = lambda sql: [tuple(r) for r in conn.execute(sql).fetchall()]  # noqa: E731
        try:
            return {t: sorted(read(f"SELECT {c} FROM {t}"), key=repr) for t, c in tables.items()}
        finally:
            conn.close()

    def search_units(self, query: str) -> set[str]:
        found = catalog.found if self.kind == "sqlite" else catalog_pg.found
        return {h.unit for h in found(self.where, query, limit=100).hits}


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path / "national" / catalog.CATALOG_NAME)
    return Backend("postgresql", request.getfixturevalue("pg_url"))


def test_only_the_changed_unit_is_merged_again(backend: Backend, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    sources = three_units(outputs)
    first = backend.merge(sources)
    assert first.merged == ("BN", "HD", "HP") and first.unchanged == () and not first.failed
    again = backend.merge(sources)
    assert again.merged == () and again.unchanged == ("BN", "HD", "HP")

    conn = catalog.open_catalog(outputs / "HD" / catalog.CATALOG_NAME)
    write(conn, "HD", "HD.2005.03", ["Quyết định tuyển dụng viên chức năm 2006"])
    conn.close()
    report = backend.merge(sources)
    assert report.merged == ("HD",) and report.unchanged == ("BN", "HP")
    assert report.units == ("BN", "HD", "HP")
    assert backend.search_units("tuyển dụng") == {"HD"}

    # The incremental result equals a full rebuild from the same catalogues.
    full = Backend("sqlite", tmp_path / "full.sqlite")
    full.merge(sources)
    assert backend.rows() == full.rows()


def test_a_broken_unit_keeps_its_previous_rows(backend: Backend, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    sources = three_units(outputs)
    backend.merge(sources)
    before = backend.rows()
    hp = outputs / "HP" / catalog.CATALOG_NAME
    hp.write_bytes(b"not a database at all" * 500)
    report = backend.merge(sources)
    assert report.merged == () and set(report.failed) == {"HP"}
    assert "HP/catalog.sqlite" in report.failed["HP"]
    assert "giữ các dòng của lần gộp trước" in report.failed["HP"]
    assert report.units == ("BN", "HD", "HP")
    assert backend.rows() == before
    assert backend.search_units("hai phong") == {"HP"}


def test_a_newer_schema_or_another_units_rows_are_refused(backend: Backend, tmp_path) -> None:
    outputs = tmp_path / "outputs"
    sources = three_units(outputs)
    backend.merge(sources)
    with sqlite3.connect(sources[0]) as conn:  # BN
        conn.execute("PRAGMA user_version = 99")
    unit_catalogue(outputs, "HD", LETTER, files=3)
    with sqlite3.connect(sources[1]) as conn:  # HD's catalogue now holds a file of HP
        conn.execute("UPDATE files SET unit = 'HP' WHERE ma_ho_so = 'HD.2005.03'")
    report = backend.merge(sources)
    assert set(report.failed) == {"BN", "HD"}
    assert "phiên bản lược đồ 99" in report.failed["BN"]
    assert "chứa hồ sơ của đơn vị khác (HP)" in report.failed["HD"]
    assert backend.search_units("bac ninh") == {"BN"}


def test_a_unit_whose_catalogue_is_gone_leaves_the_national_one(backend: Backend, tmp_path) -> None:
    outputs = tmp_path / "outputs"
    sources = three_units(outputs)
    backend.merge(sources)
    report = backend.merge(sources[:2])
    assert report.removed == ("HP",) and report.units == ("BN", "HD")
    assert backend.search_units("hai phong") == set()
    assert not any(r[0] == "HP" for rows in backend.rows().values() for r in rows)


def test_the_checksum_includes_the_write_ahead_log(tmp_path: Path) -> None:
    path = unit_catalogue(tmp_path, "BN", DECISION)
    before = checksum(path)
    conn = catalog.open_catalog(path)  # kept open: the new rows stay in catalog.sqlite-wal
    write(conn, "BN", "BN.2005.09", ["Quyết định mới"])
    assert path.with_name("catalog.sqlite-wal").is_file()
    assert checksum(path) != before
    conn.close()


def test_national_run_merges_incrementally_and_lists_a_broken_unit(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    three_units(outputs)
    indicators = ROOT / "params" / "indicators.yaml"
    as_of = dt.date(2024, 6, 30)
    first = run_national_report(outputs, as_of=as_of, indicators=indicators)
    assert first.catalogue_merged == ("BN", "HD", "HP")
    (outputs / "BN" / catalog.CATALOG_NAME).write_bytes(b"broken" * 1000)
    second = run_national_report(outputs, as_of=as_of, indicators=indicators)
    assert second.catalogue_merged == () and second.catalogue_units == ("BN", "HD", "HP")
    summary = json.loads((outputs / "national" / "summary.json").read_text(encoding="utf-8"))
    assert summary["catalogue_merged"] == [] and summary["catalogue"] == "national/catalog.sqlite"
    problems = pd.read_csv(outputs / "national" / "problems.csv", dtype=str, keep_default_na=False)
    (row,) = problems[problems["tep"] == "BN/catalog.sqlite"].to_dict("records")
    assert row["don_vi"] == "BN" and "giữ các dòng của lần gộp trước" in row["noi_dung"]
    assert unit_sources(outputs) == sorted(outputs.glob("[BH]*/catalog.sqlite"))


def test_national_notebook_on_postgresql_keeps_the_password_out(
    pg_url: str, tmp_path: Path, monkeypatch
) -> None:
    outputs = tmp_path / "outputs"
    three_units(outputs)
    run_national_report(outputs, indicators=ROOT / "params" / "indicators.yaml")  # SQLite first
    assert (outputs / "national" / catalog.CATALOG_NAME).is_file()
    monkeypatch.setenv("SOHOA_DATABASE_URL", pg_url)
    done = national_run.run_national(
        ROOT / "notebooks" / "05_national.ipynb", outputs=outputs, as_of=dt.date(2024, 6, 30)
    )
    assert done["status"] == "ok", done["error"]
    summary = json.loads((outputs / "national" / "summary.json").read_text(encoding="utf-8"))
    assert summary["catalogue"] == catalog_pg.shown_url(pg_url)
    assert summary["catalogue_units"] == ["BN", "HD", "HP"]
    # It went to the server, and the SQLite file that would now be stale is gone.
    assert not (outputs / "national" / catalog.CATALOG_NAME).exists()
    assert {h.unit for h in catalog_pg.found(pg_url, "so hoa").hits} == {"BN", "HP"}
    written = [p for p in (tmp_path).rglob("*") if p.is_file()]
    assert any(p.name == "run.json" for p in written)
    for path in written:
        assert PASSWORD.encode() not in path.read_bytes(), path


def test_a_row_postgresql_cannot_store_fails_that_unit_only(pg_url: str, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    sources = three_units(outputs)
    catalog_pg.merge_pg(sources, pg_url)
    conn = catalog.open_catalog(sources[1])  # HD: OCR text with a NUL byte, fine in SQLite
    write(conn, "HD", "HD.2005.07", ["Quyết định\x00 tuyển dụng"])
    conn.close()
    report = catalog_pg.merge_pg(sources, pg_url)
    assert set(report.failed) == {"HD"} and "HD/catalog.sqlite" in report.failed["HD"]
    hits = catalog_pg.found(pg_url, '"don vi su nghiep"', limit=100).hits
    assert {h.unit for h in hits} == {"HD"}
    assert catalog_pg.found(pg_url, "tuyen dung").total == 0  # the old rows, not half the new
