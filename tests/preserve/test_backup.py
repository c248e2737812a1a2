"""Backups: a verified copy per location, one log row per copy, differing copies never overwritten."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pikepdf
import pytest

from sohoa_lib.errors import ParamsError
from sohoa_lib.preserve.backup import backup
from sohoa_lib.preserve.fixity import read_log
from sohoa_lib.preserve.package import PreservationEvent, build_package, validate_package

CODE = "HD.2010.THU.00042"
ORG = "Bảo hiểm xã hội thành phố Hải Phòng"


@pytest.fixture
def package(tmp_path: Path) -> Path:
    source = tmp_path / "archive" / f"{CODE}.01.pdf"
    source.parent.mkdir()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
    pdf.save(source, deterministic_id=True)
    return build_package(
        out_dir=tmp_path / "packages",
        ma_ho_so=CODE,
        file_metadata={"tieu_de": "Hồ sơ thu bảo hiểm xã hội năm 2010, Hải Dương"},
        documents=[{"ma_dinh_danh": f"{CODE}.01", "so_thu_tu": 1, "pdf": source.name}],
        pdfs=[source],
        events=[
            PreservationEvent("signing", "2024-06-01T10:00:00+07:00", "sohoa 0.1.0", "success")
        ],
        agent_org=ORG,
    )


def _tree(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file's SHA-256 and modification time: what "never modified" means."""
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_copies_to_every_location_verified_and_logged(tmp_path: Path, package: Path) -> None:
    before = _tree(package)
    locations = [tmp_path / "nas-1" / "HP", tmp_path / "nas-2" / "HP"]
    log = tmp_path / "preservation-log.csv"
    results = backup(package, locations, log_csv=log)
    assert [r.copy for r in results] == [loc.resolve() / CODE for loc in locations]
    files = len(before)
    size = sum((package / rel).stat().st_size for rel in before)
    for result in results:
        assert (result.verified, result.problems, result.files, result.bytes) == (
            True,
            [],
            files,
            size,
        )
        assert result.source == package.resolve()
        assert {rel: d for rel, (d, _) in _tree(result.copy).items()} == {
            rel: d for rel, (d, _) in before.items()
        }
        assert validate_package(result.copy) == []
    assert _tree(package) == before  # the package itself untouched
    rows = read_log(log)
    assert [(r["event"], r["target"], r["result"]) for r in rows] == [
        ("backup", str(r.copy), "ok") for r in results
    ]
    assert all(r["when"].endswith("+07:00") and r["agent"].startswith("sohoa") for r in rows)
    assert all("bản sao mới" in r["detail"] for r in rows)
    assert not [p for loc in locations for p in loc.iterdir() if p.name.startswith(".")]


def test_an_identical_copy_is_left_alone_and_verified(tmp_path: Path, package: Path) -> None:
    locations = [tmp_path / "a", tmp_path / "b"]
    log = tmp_path / "log.csv"
    first = backup(package, locations, log_csv=log)
    copies = {r.copy: _tree(r.copy) for r in first}
    again = backup(package, locations, log_csv=log)
    assert all(r.verified and not r.problems for r in again)
    assert {r.copy: _tree(r.copy) for r in again} == copies  # same bytes, same times: not rewritten
    rows = read_log(log)
    assert len(rows) == 4
    assert all("để nguyên" in r["detail"] for r in rows[2:])


def test_a_corrupted_copy_is_reported_never_overwritten(tmp_path: Path, package: Path) -> None:
    locations = [tmp_path / "a", tmp_path / "b"]
    log = tmp_path / "log.csv"
    backup(package, locations, log_csv=log)
    damaged = locations[0] / CODE / f"representations/rep1/data/{CODE}.01.pdf"
    damaged.write_bytes(damaged.read_bytes()[:-10])
    damaged_bytes = damaged.read_bytes()
    results = backup(package, locations, log_csv=log)
    bad, good = results
    assert not bad.verified
    assert f"representations/rep1/data/{CODE}.01.pdf: bị thay đổi" in bad.problems
    assert "không ghi đè" in bad.problems[0]
    assert damaged.read_bytes() == damaged_bytes  # still the damaged copy, for a person to look at
    assert good.verified and not good.problems
    rows = read_log(log)
    assert [r["result"] for r in rows[2:]] == ["failed", "ok"]
    assert f"{CODE}.01.pdf" in rows[2]["detail"]


def test_a_damaged_package_is_not_spread_to_the_copies(tmp_path: Path, package: Path) -> None:
    (package / "documentation/README.txt").write_text("sửa tay", encoding="utf-8")
    locations = [tmp_path / "a", tmp_path / "b"]
    results = backup(package, locations, log_csv=tmp_path / "log.csv")
    for result in results:
        assert not result.verified
        assert "documentation/README.txt: bị thay đổi" in result.problems
        assert not result.copy.exists()
    assert not [p for loc in locations for p in loc.iterdir()]  # the bad copies were discarded


def test_one_unusable_location_does_not_stop_the_others(tmp_path: Path, package: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where a folder should be", encoding="utf-8")
    results = backup(package, [blocked, tmp_path / "b"], log_csv=tmp_path / "log.csv")
    assert not results[0].verified and "không sao chép được" in results[0].problems[0]
    assert results[1].verified
    assert [r["result"] for r in read_log(tmp_path / "log.csv")] == ["failed", "ok"]


@pytest.mark.parametrize("names", [["a"], ["a", "a"], ["a", "./a"], []])
def test_fewer_than_two_locations_are_refused(
    tmp_path: Path, package: Path, names: list[str]
) -> None:
    locations = [tmp_path / name for name in names]
    with pytest.raises(ParamsError, match="ít nhất 2"):
        backup(package, locations, log_csv=tmp_path / "log.csv")
    assert not (tmp_path / "log.csv").exists()
    assert not (tmp_path / "a").exists()


def test_a_location_onto_or_inside_the_package_is_refused(tmp_path: Path, package: Path) -> None:
    for location in (package.parent, package / "metadata"):
        with pytest.raises(ParamsError, match="nằm đè lên hoặc nằm bên trong"):
            backup(package, [location, tmp_path / "b"], log_csv=tmp_path / "log.csv")
    assert validate_package(package) == []


def test_accept_sets_a_differing_copy_aside_and_never_spreads_a_damaged_package(
    tmp_path: Path, package: Path
) -> None:
    import datetime as dt
    import json

    from sohoa_lib.errors import PreservationError
    from sohoa_lib.preserve.backup import accept

    locations = [tmp_path / "a" / "HP", tmp_path / "b" / "HP"]
    log = tmp_path / "log.csv"
    bookkeeping = package.parent / "backups.json"
    bookkeeping.write_text(
        json.dumps({"copies": [str(p) for p in locations], "log": str(log)}), encoding="utf-8"
    )
    backup(package, locations, log_csv=log)
    rel = f"representations/rep1/data/{CODE}.01.pdf"
    (locations[0] / CODE / rel).write_bytes(b"%PDF damaged")
    untouched = _tree(locations[1] / CODE)

    readme = package / "documentation/README.txt"
    original = readme.read_bytes()
    readme.write_text("sửa tay", encoding="utf-8")
    with pytest.raises(PreservationError, match="không khớp với manifest"):
        accept(package)
    assert (locations[0] / CODE / rel).read_bytes() == b"%PDF damaged"
    readme.write_bytes(original)

    when = dt.datetime(2026, 11, 30, 15, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert all(r.verified for r in accept(package, when=when))
    kept = tmp_path / "a" / "HP.superseded" / f"{CODE}.20261130T150405"
    assert (kept / rel).read_bytes() == b"%PDF damaged"  # the old copy, unchanged, beside
    assert _tree(locations[1] / CODE) == untouched  # a matching copy is left alone
    assert any(f"bản sao cũ giữ tại {kept.resolve()}" in r["detail"] for r in read_log(log))

    bookkeeping.unlink()
    with pytest.raises(PreservationError, match=r"backups\.json: không có"):
        accept(package)


def test_a_replacement_after_renewal_sets_aside_only_copies_of_the_previous_package(
    tmp_path: Path, package: Path
) -> None:
    import json

    from sohoa_lib.preserve import fixity
    from sohoa_lib.preserve.backup import accept, reference

    locations = [tmp_path / "a" / "HP", tmp_path / "b" / "HP"]
    log = tmp_path / "log.csv"
    (package.parent / "backups.json").write_text(
        json.dumps({"copies": [str(p) for p in locations], "log": str(log)}), encoding="utf-8"
    )
    backup(package, locations, log_csv=log)
    previous = reference(package)
    (locations[0] / CODE / "documentation/README.txt").write_text("sửa ngoài", encoding="utf-8")
    foreign = _tree(locations[0] / CODE)
    (package / "documentation/README.txt").write_text("phiên bản mới", encoding="utf-8")
    fixity.write_manifest(package)  # the package's new version, as a rebuild writes it

    a, b = accept(package, previous=previous, reason="gia hạn")
    assert not a.verified and a.problems[0].startswith("bản sao đã khác gói trước khi thay")
    assert _tree(locations[0] / CODE) == foreign  # a difference nobody looked at stays
    assert b.verified and _tree(locations[1] / CODE) == _tree(package)
    (kept,) = (tmp_path / "b" / "HP.superseded").iterdir()
    assert (kept / "documentation/README.txt").read_text(encoding="utf-8") != "phiên bản mới"
    assert any(r["detail"].startswith("gia hạn; bản sao cũ giữ tại") for r in read_log(log))
