"""The catalogue: schema, upsert, diacritic-blind search with original-text snippets, merge, CLI."""

from __future__ import annotations

import contextlib
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sohoa_lib import cli
from sohoa_lib.catalog import db as catalog
from sohoa_lib.errors import InputError
from sohoa_lib.review import decisions

DECISION = (
    "Quyết định về việc phê duyệt kế hoạch số hóa tài liệu lưu trữ giai đoạn 2023–2025. "
    "Giám đốc Bảo hiểm xã hội tỉnh Bắc Ninh quyết định giao Phòng Quản lý thu thực hiện."
)
LETTER = "Công văn gửi đơn vị sự nghiệp về đóng bảo hiểm y tế cho người lao động năm 2005."
PLAIN = "Bien ban ban giao ho so so hoa cua don vi Hai Phong"  # typed without diacritics


def write(
    conn: sqlite3.Connection,
    unit: str,
    code: str,
    texts: list[str],
    *,
    title: str = "Hồ sơ thu năm 2005",
) -> None:
    """One hồ sơ whose i-th document has one page with texts[i]."""
    documents = [
        {
            "ma_dinh_danh": f"{code}.{seq:02d}",
            "so_thu_tu": seq,
            "ten_loai": "Quyết định" if seq == 1 else "Công văn",
            "so": str(100 + seq),
            "ky_hieu": "QĐ-BHXH" if seq == 1 else "BHXH-TCCB",
            "ngay": f"2005-03-{seq:02d}",
            "trich_yeu": f"Văn bản thứ {seq}",
            "trang_dau": seq,
            "trang_cuoi": seq,
            "flagged": ["co_quan_ban_hanh", "nguoi_ky"] if seq == 2 else None,
        }
        for seq in range(1, len(texts) + 1)
    ]
    pages = [
        {"so_trang": seq, "text": text, "ocr_confidence": 91.5} for seq, text in enumerate(texts, 1)
    ]
    catalog.write_file(
        conn,
        unit=unit,
        file={"ma_ho_so": code, "tieu_de": title, "needs_rescan": False, "status": "ok"},
        documents=documents,
        pages=pages,
    )


@pytest.fixture
def db(tmp_path: Path) -> sqlite3.Connection:
    conn = catalog.open_catalog(tmp_path / "BN" / "catalog.sqlite")
    write(conn, "BN", "BN.2005.01", [DECISION, LETTER])
    write(conn, "BN", "BN.2005.02", [PLAIN], title="Hồ sơ bàn giao")
    yield conn
    conn.close()


def codes(hits: list[catalog.Hit]) -> list[str]:
    return sorted(hit.ma_dinh_danh for hit in hits)


def test_schema_is_created_in_wal_with_foreign_keys(db: sqlite3.Connection) -> None:
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA user_version").fetchone()[0] == catalog.SCHEMA_VERSION
    for table in ("files", "documents", "pages"):
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        assert "unit" in columns
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 3


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    catalog.open_catalog(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(InputError, match="phiên bản lược đồ 99, mới hơn"):
        catalog.open_catalog(path)
    with pytest.raises(InputError, match="phiên bản lược đồ 99, mới hơn"):
        catalog.search(path, "so hoa")


def test_a_file_that_is_not_a_catalogue_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all, just some bytes" * 100)
    with pytest.raises(InputError, match=r"junk\.sqlite"):
        catalog.open_catalog(junk)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(InputError, match="không phải mục lục dữ liệu của sohoa"):
        catalog.open_catalog(other)


SEARCH_CASES = [
    ("so hoa", ["BN.2005.01.01", "BN.2005.02.01"]),  # folded query, accented and plain text
    ("số hóa", ["BN.2005.01.01"]),  # typed diacritics are respected: not plain "so hoa"
    ("SỐ HOÁ", ["BN.2005.01.01"]),  # case and old-style tone placement
    ("don vi", ["BN.2005.01.02", "BN.2005.02.01"]),  # d finds đ
    ("đơn vị", ["BN.2005.01.02"]),  # đ is a diacritic: not "don vi"
    ("Bắc Ninh số hóa", ["BN.2005.01.01"]),  # every word must match
    ("bac ninh hai phong", []),
    ('"don vi su nghiep"', ["BN.2005.01.02"]),  # a phrase
    ('"su nghiep don vi"', []),  # the same words in another order are not the phrase
    ("BHXH-TCCB", ["BN.2005.01.02"]),  # a symbol (a phrase of its parts), from the title
    ("giam*", ["BN.2005.01.01"]),  # a prefix
    ('"hồ sơ thu"', ["BN.2005.01.01", "BN.2005.01.02"]),  # the hồ sơ's title
    ("tuyển dụng", []),
]
"""Queries on the `db` fixture's catalogue and what they find; test_catalog_pg runs them on
PostgreSQL too."""


@pytest.mark.parametrize(("query", "expected"), SEARCH_CASES)
def test_search_folds_only_queries_typed_without_diacritics(
    db: sqlite3.Connection, query: str, expected: list[str]
) -> None:
    assert codes(catalog.search(db, query)) == expected


def test_decomposed_query_and_text_are_normalised(tmp_path: Path) -> None:
    conn = catalog.open_catalog(tmp_path / "catalog.sqlite")
    write(conn, "HP", "HP.1999.07", [unicodedata.normalize("NFD", "Tờ trình số hóa")])
    stored = conn.execute("SELECT text FROM pages").fetchone()[0]
    assert stored == unicodedata.normalize("NFC", "Tờ trình số hóa")
    hits = catalog.search(conn, unicodedata.normalize("NFD", "tờ trình"))
    assert codes(hits) == ["HP.1999.07.01"]
    assert "[Tờ] [trình]" in hits[0].snippet
    conn.close()


def test_snippet_shows_the_original_text_with_the_match_marked(db: sqlite3.Connection) -> None:
    [hit] = catalog.search(db, "so hoa tai lieu bac ninh")
    assert "kế hoạch [số] [hóa] [tài] [liệu] lưu trữ" in hit.snippet
    assert "[Bắc] [Ninh]" in hit.snippet
    [hit] = catalog.search(db, '"bảo hiểm y tế"')
    assert "đóng [bảo hiểm y tế] cho người lao động" in hit.snippet


def test_snippet_is_cut_around_the_first_match(tmp_path: Path) -> None:
    conn = catalog.open_catalog(tmp_path / "catalog.sqlite")
    filler = " ".join(["nội dung"] * 100)
    write(conn, "BN", "BN.2001.03", [f"{filler} Thông báo kết luận giao ban {filler}"])
    [hit] = catalog.search(conn, "giao ban")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "[giao] [ban]" in hit.snippet
    assert len(hit.snippet) < 260
    conn.close()


def test_hit_fields(db: sqlite3.Connection) -> None:
    [hit] = catalog.search(db, "giám đốc")
    assert (hit.unit, hit.ma_dinh_danh, hit.ma_ho_so) == ("BN", "BN.2005.01.01", "BN.2005.01")
    assert (hit.ten_loai, hit.so_ky_hieu, hit.ngay) == ("Quyết định", "101/QĐ-BHXH", "2005-03-01")
    assert hit.trich_yeu == "Văn bản thứ 1"
    assert hit.score > 0


@pytest.mark.parametrize(
    "query",
    ['"', "*", "OR", "-", "NEAR(", "so AND", 'so "hoa', "a:b", "^", "()", "NOT hoa", "so -hoa",
     "title:so", "'", "'; DROP TABLE files; --", "{title}: hoa", "", "   "],
)  # fmt: skip
def test_hostile_queries_do_not_crash(db: sqlite3.Connection, query: str) -> None:
    assert isinstance(catalog.search(db, query), list)


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    # Module scope: hypothesis runs many examples per test call, fixtures are not reset between.
    conn = catalog.open_catalog(tmp_path_factory.mktemp("shared") / "catalog.sqlite")
    write(conn, "BN", "BN.2005.01", [DECISION, LETTER, PLAIN])
    yield conn
    conn.close()


@settings(max_examples=300, deadline=None)
@given(query=st.text(max_size=30))
def test_any_query_is_safe(shared_db: sqlite3.Connection, query: str) -> None:
    for hit in catalog.search(shared_db, query):
        assert hit.snippet


def test_rerun_replaces_never_duplicates(db: sqlite3.Connection) -> None:
    write(db, "BN", "BN.2005.01", [DECISION, LETTER])
    write(db, "BN", "BN.2005.01", [DECISION, LETTER])
    count = "SELECT count(*) FROM {}".format
    assert [db.execute(count(t)).fetchone()[0] for t in ("files", "documents", "pages")] == [
        2,
        3,
        3,
    ]
    assert db.execute(count("doc_fts")).fetchone()[0] == 3
    assert codes(catalog.search(db, "giam doc")) == ["BN.2005.01.01"]
    # A rerun with one document less and new text leaves nothing of the old version behind.
    write(db, "BN", "BN.2005.01", ["Báo cáo tổng kết công tác thu"])
    assert db.execute(count("documents")).fetchone()[0] == 2
    assert db.execute(count("doc_fts")).fetchone()[0] == 2
    assert catalog.search(db, "giam doc") == []
    assert codes(catalog.search(db, "tong ket")) == ["BN.2005.01.01"]


def test_stored_values(db: sqlite3.Connection) -> None:
    flagged, ma_ho_so = db.execute(
        "SELECT flagged, ma_ho_so FROM documents WHERE ma_dinh_danh = 'BN.2005.01.02'"
    ).fetchone()
    assert (flagged, ma_ho_so) == ("co_quan_ban_hanh,nguoi_ky", "BN.2005.01")
    # Pages without a document number were given theirs from the documents' page ranges.
    assert db.execute("SELECT so_trang, so_thu_tu FROM pages WHERE unit = 'BN'").fetchall()[:2] == [
        (1, 1),
        (2, 2),
    ]


def test_bad_rows_are_refused_naming_the_field(db: sqlite3.Connection) -> None:
    file = {"ma_ho_so": "BN.2005.09"}
    with pytest.raises(ValueError, match=r"unknown field.*tieu_de_ho_so"):
        catalog.write_file(
            db, unit="BN", file={**file, "tieu_de_ho_so": "x"}, documents=[], pages=[]
        )
    with pytest.raises(ValueError, match="document 1: no so_thu_tu"):
        catalog.write_file(db, unit="BN", file=file, documents=[{"ma_dinh_danh": "x"}], pages=[])
    with pytest.raises(ValueError, match="so_trang should be a number"):
        catalog.write_file(db, unit="BN", file=file, documents=[], pages=[{"so_trang": "một"}])
    with pytest.raises(ValueError, match="not the file's"):
        catalog.write_file(
            db, unit="BN", file=file, documents=[], pages=[{"ma_ho_so": "X", "so_trang": 1}]
        )
    with pytest.raises(ValueError, match="names document 4"):
        catalog.write_file(
            db, unit="BN", file=file, documents=[], pages=[{"so_trang": 1, "so_thu_tu": 4}]
        )
    assert db.execute("SELECT count(*) FROM files WHERE ma_ho_so = 'BN.2005.09'").fetchone()[0] == 0


def two_units(outputs: Path) -> None:
    for unit, code, text in (
        ("BN", "BN.2005.01", DECISION),
        ("HP", "HP.2010.04", "Kế hoạch số hóa hồ sơ của Bảo hiểm xã hội Hải Phòng"),
    ):
        conn = catalog.open_catalog(outputs / unit / catalog.CATALOG_NAME)
        write(conn, unit, code, [text])
        conn.close()


def test_merge_then_search_finds_every_unit(tmp_path: Path) -> None:
    two_units(tmp_path)
    national = tmp_path / "national" / "catalog.sqlite"
    catalog.merge(
        [tmp_path / "BN" / "catalog.sqlite", tmp_path / "HP" / "catalog.sqlite"], national
    )
    hits = catalog.search(national, "so hoa")
    assert sorted((h.unit, h.ma_dinh_danh) for h in hits) == [
        ("BN", "BN.2005.01.01"),
        ("HP", "HP.2010.04.01"),
    ]
    assert all("[số] [hóa]" in h.snippet for h in hits)
    assert [h.unit for h in catalog.search(national, "so hoa", unit="HP")] == ["HP"]
    # One self-contained file, nothing left beside it.
    assert sorted(p.name for p in national.parent.iterdir()) == ["catalog.sqlite"]


def test_a_failed_merge_keeps_the_previous_national_catalogue(tmp_path: Path) -> None:
    two_units(tmp_path)
    bn = tmp_path / "BN" / "catalog.sqlite"
    national = tmp_path / "national" / "catalog.sqlite"
    catalog.merge([bn], national)
    with pytest.raises(InputError, match="đã được gộp"):
        catalog.merge([bn, tmp_path / "HP" / "catalog.sqlite", bn], national)
    assert {h.unit for h in catalog.search(national, "so hoa")} == {"BN"}
    assert sorted(p.name for p in national.parent.iterdir()) == ["catalog.sqlite"]


def test_cli_search_prints_one_block_per_hit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two_units(tmp_path)
    assert cli.main(["search", "so hoa", "--outputs", str(tmp_path), "--unit", "BN"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "Tìm thấy 1 văn bản cho “so hoa” (không phân biệt dấu vì từ khóa gõ không dấu)."
    )
    assert out.splitlines()[2:5] == [
        "BN.2005.01.01  Quyết định  101/QĐ-BHXH  01/03/2005  (BN)",
        "    Văn bản thứ 1",
        "    Quyết định về việc phê duyệt kế hoạch [số] [hóa] tài liệu lưu trữ giai đoạn "
        "2023–2025. Giám đốc Bảo hiểm xã hội tỉnh Bắc Ninh quyết định giao Phòng Quản lý thu "
        "thực hiện.",
    ]
    assert cli.main(["search", "số hóa", "--outputs", str(tmp_path)]) == 0
    assert "(HP)" in capsys.readouterr().out


def test_cli_search_prefers_the_national_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two_units(tmp_path)
    catalog.merge([tmp_path / "HP" / "catalog.sqlite"], tmp_path / "national" / "catalog.sqlite")
    assert cli.main(["search", "so hoa", "--outputs", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "(HP)" in out and "(BN)" not in out


def test_cli_search_without_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    two_units(tmp_path)
    assert cli.main(["search", "tuyển dụng", "--outputs", str(tmp_path)]) == 0
    assert capsys.readouterr().out == (
        "Không tìm thấy kết quả cho “tuyển dụng” (khớp đúng dấu đã gõ).\n"
    )


def test_cli_search_without_a_catalogue_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["search", "so hoa", "--outputs", str(tmp_path)]) == InputError.exit_code
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "không có mục lục dữ liệu" in err[0] and str(tmp_path) in err[0]
    two_units(tmp_path)
    assert cli.main(["search", "x", "--outputs", str(tmp_path), "--unit", "QN"]) == 3
    assert "QN/catalog.sqlite" in capsys.readouterr().err
    assert cli.main(["search", "x", "--outputs", str(tmp_path), "--limit", "0"]) == 2


def test_snippet_marks_whole_prefix_words_and_falls_back_to_the_title(
    db: sqlite3.Connection,
) -> None:
    [hit] = catalog.search(db, "giam*")
    assert "[Giám] đốc" in hit.snippet
    [hit] = catalog.search(db, "bhxh-tccb")  # only in the title fields, not the page text
    assert "[BHXH-TCCB]" in hit.snippet


def test_merge_refuses_a_missing_or_foreign_source(tmp_path: Path) -> None:
    national = tmp_path / "national" / "catalog.sqlite"
    with pytest.raises(InputError, match="không có mục lục dữ liệu"):
        catalog.merge([tmp_path / "BN" / "catalog.sqlite"], national)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"\x00garbage" * 500)
    with pytest.raises(InputError, match="không gộp được"):
        catalog.merge([junk], national)
    assert not national.exists()
    assert list(national.parent.iterdir()) == []


def test_version_1_is_upgraded_for_writing_and_refused_for_reading(tmp_path: Path) -> None:
    path = tmp_path / "BN" / "catalog.sqlite"
    conn = catalog.open_catalog(path)
    write(conn, "BN", "BN.2005.01", [DECISION, LETTER])
    # What a version-1 catalogue looked like: no review tables, flagged names in a column.
    conn.execute("DROP TABLE flags")
    conn.execute("DROP TABLE reviews")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with pytest.raises(InputError, match="phiên bản lược đồ 1"):
        catalog.search(path, "giam doc")
    with contextlib.closing(catalog.open_catalog(path)) as conn:
        flags = decisions.open_flags(conn, "BN")
    # Never unflagged by the upgrade: the names stay open, with a reason saying it was not kept.
    assert [(f.ma_dinh_danh, f.field) for f in flags] == [
        ("BN.2005.01.02", "co_quan_ban_hanh"), ("BN.2005.01.02", "nguoi_ky")]  # fmt: skip
    assert {f.reason for f in flags} == {catalog.NO_REASON}
    assert catalog.search(path, "giam doc")[0].unreviewed == ()


def test_reviewed_values_survive_a_rerun_and_a_merge(db: sqlite3.Connection, tmp_path) -> None:
    decision = decisions.Decision(
        "BN.2005.01.02", "co_quan_ban_hanh", "Sở Lao động", "Lê Văn A", "2026-01-05T09:00:00+07:00",
        "tay.xlsx",
    )  # fmt: skip
    assert decisions.record(db, "BN", [decision]) == 1
    write(db, "BN", "BN.2005.01", [DECISION, LETTER])  # stage 2 again: the values re-extracted
    row = db.execute(
        "SELECT co_quan_ban_hanh FROM documents WHERE ma_dinh_danh = 'BN.2005.01.02'"
    ).fetchone()
    assert row == ("Sở Lao động",)
    (hit,) = catalog.search(db, "so lao dong")
    assert hit.unreviewed == ("nguoi_ky",) and hit.reviewed == ("co_quan_ban_hanh",)
    assert "[chưa biên mục: người ký]" in catalog.format_hit(hit)
    national = tmp_path / "national" / catalog.CATALOG_NAME
    db.execute("PRAGMA wal_checkpoint(FULL)")
    catalog.merge([tmp_path / "BN" / catalog.CATALOG_NAME], national)
    (merged,) = catalog.search(national, "so lao dong")
    assert merged.unreviewed == ("nguoi_ky",) and merged.reviewed == ("co_quan_ban_hanh",)


# A 1990s decision: its header has "Số:" and "CỘNG HÒA", but nothing about số hóa.
HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc. Số: 12/QĐ-BHXH. "
          "Quyết định về việc nâng bậc lương cho cán bộ, viên chức")  # fmt: skip
NOISY = (
    "|| ; ~ ^^ '' ,, ._ số hóa |~ ¦ ; ^ ' .. Kế hoạch số hóa tài liệu lưu trữ của đơn vị năm 2021"
)


def test_typed_diacritics_are_precise(tmp_path: Path) -> None:
    conn = catalog.open_catalog(tmp_path / "catalog.sqlite")
    write(conn, "HD", "HD.1998.01", [HEADER])
    write(conn, "HD", "HD.2021.05", [NOISY], title="Hồ sơ số hóa tài liệu")
    write(conn, "HD", "HD.2020.02", ["Bien ban so hoa ho so cua don vi"])
    assert codes(catalog.search(conn, "số hóa")) == ["HD.2021.05.01"]
    result = catalog.found(conn, "so hoa")  # no diacritics typed: any spelling, said so
    assert result.total == 3 and not result.exact
    assert codes(result.hits) == ["HD.1998.01.01", "HD.2020.02.01", "HD.2021.05.01"]
    assert catalog.found(conn, "số hóa").exact
    for phrase in ('"số hóa tài liệu"', "“số hóa tài liệu”"):  # straight or curly quotes
        assert codes(catalog.search(conn, phrase)) == ["HD.2021.05.01"]
    assert codes(catalog.search(conn, '"hóa số"')) == []
    (hit,) = catalog.search(conn, "số hóa")
    # The match in clean text is shown (the hồ sơ's title), not the one among OCR noise.
    assert hit.snippet == "Hồ sơ [số] [hóa] tài liệu"
    conn.close()


def write_title_against_text(conn) -> None:
    """HD.1999.01 says "nâng bậc lương" many times in its text only, HD.1999.02 once in its text
    and once in its trích yếu (the title fields)."""
    write(conn, "HD", "HD.1999.01", ["nâng bậc lương " * 30])  # many times, in the text only
    write(conn, "HD", "HD.1999.02", ["Một lần trong văn bản: nâng bậc lương"])
    conn.execute("UPDATE documents SET trich_yeu = 'Về việc nâng bậc lương' WHERE ma_ho_so = ?",
                 ("HD.1999.02",))  # fmt: skip
    conn.execute(
        "UPDATE doc_fts SET title = title || ' ve viec nang bac luong' WHERE rowid = "
        "(SELECT id FROM documents WHERE ma_ho_so = 'HD.1999.02')"
    )


def test_title_matches_rank_before_text_matches(tmp_path: Path) -> None:
    conn = catalog.open_catalog(tmp_path / "catalog.sqlite")
    write_title_against_text(conn)
    hits = catalog.search(conn, "nâng bậc lương")
    assert [h.ma_dinh_danh for h in hits] == ["HD.1999.02.01", "HD.1999.01.01"]
    assert hits[0].title_match and not hits[1].title_match
    conn.close()
