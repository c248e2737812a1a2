"""Fixity: manifests, read-only checks of backup copies, the preservation log, `verify --fixity`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from sohoa_lib import cli
from sohoa_lib.errors import InputError
from sohoa_lib.preserve.fixity import (
    LOG_COLUMNS,
    check_archive,
    check_copy,
    check_manifest,
    log_event,
    manifest,
    read_log,
    read_manifest,
    write_manifest,
)

VN = dt.timezone(dt.timedelta(hours=7))
FILES = {
    "HS-001.1.pdf": b"%PDF-1.7 first document",
    "HS-001.2.pdf": b"%PDF-1.7 second document",
    "sub/Hồ sơ 002.pdf": b"%PDF-1.7 a Vietnamese name",
}


def make_folder(folder: Path, files: dict[str, bytes] = FILES) -> Path:
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime (ns), to prove a check changed nothing."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_manifest_is_sorted_and_excludes_itself(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "archive")
    path = write_manifest(folder)
    assert path == folder / "manifest-sha256.txt"
    listing = manifest(folder)
    assert list(listing) == sorted(FILES)  # the manifest file is not listed in itself
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"{listing['HS-001.1.pdf']}  HS-001.1.pdf"
    assert read_manifest(path) == listing
    assert sorted(p.name for p in folder.iterdir()) == ["HS-001.1.pdf", "HS-001.2.pdf", "manifest-sha256.txt", "sub"]  # fmt: skip
    if shutil.which("sha256sum"):  # the format is the one sha256sum reads
        done = subprocess.run(
            ["sha256sum", "--check", "--quiet", path.name], cwd=folder, capture_output=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_copy_with_missing_changed_and_extra_files_is_left_untouched(tmp_path: Path) -> None:
    reference = manifest(make_folder(tmp_path / "archive"))
    copy = make_folder(tmp_path / "copy")
    (copy / "HS-001.2.pdf").unlink()
    (copy / "sub" / "Hồ sơ 002.pdf").write_bytes(b"%PDF-1.7 a Vietnamese name, altered")
    (copy / "stray.tmp").write_bytes(b"left behind")
    before = snapshot(copy)

    report = check_copy(reference, copy)

    assert snapshot(copy) == before  # bytes and mtimes unchanged: the check only reads
    assert report.location == copy
    assert report.missing == ["HS-001.2.pdf"]
    assert report.changed == ["sub/Hồ sơ 002.pdf"]
    assert report.extra == ["stray.tmp"]
    assert report.checked == 2
    assert not report.ok
    assert report.describe() == "thiếu 1, bị thay đổi 1, thừa 1 (đã so 2 tệp)"


def test_identical_copy_and_decomposed_names_match(tmp_path: Path) -> None:
    reference = manifest(make_folder(tmp_path / "archive"))
    # A copy that went through macOS stores names decomposed (NFD): still the same file.
    nfd = {unicodedata.normalize("NFD", rel): data for rel, data in FILES.items()}
    report = check_copy(reference, make_folder(tmp_path / "copy", nfd))
    assert report.ok and report.checked == 3
    assert report.describe() == "khớp, 3 tệp"


def test_absent_copy_counts_every_file_missing(tmp_path: Path) -> None:
    reference = manifest(make_folder(tmp_path / "archive"))
    report = check_copy(reference, tmp_path / "nowhere")
    assert not report.found and not report.ok
    assert report.missing == sorted(FILES)
    assert not (tmp_path / "nowhere").exists()


def test_folder_against_its_own_manifest(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "archive")
    write_manifest(folder)
    assert check_manifest(folder).ok
    (folder / "HS-001.1.pdf").write_bytes(b"%PDF-1.7 rewritten")
    (folder / "notes.csv").write_bytes(b"not listed")
    report = check_manifest(folder)
    assert (report.changed, report.extra) == (["HS-001.1.pdf"], ["notes.csv"])
    assert check_manifest(folder, extra=False).extra == []  # a manifest of part of the folder


def test_bad_manifest_lines_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "manifest-sha256.txt"
    digest = "a" * 64
    path.write_text(f"{digest}  ok.pdf\nnot a line\n{digest}  ../escape.pdf\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"2 dòng sai: dòng 2: .*; dòng 3: .*ra ngoài thư mục"):
        read_manifest(path)
    with pytest.raises(InputError, match="không tìm thấy tệp kê mã băm"):
        check_manifest(tmp_path / "empty")


def test_log_rows_are_appended_with_their_columns(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "preservation-log.csv"
    when = dt.datetime(2026, 11, 22, 7, 5, 9, tzinfo=dt.UTC)
    log_event(log, event="backup", target="/mnt/a", result="ok", when=when, agent="test")
    log_event(log, event="fixity-check", target="/mnt/b", result="failed", detail="thiếu 1, x")
    text = log.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == ",".join(LOG_COLUMNS)
    rows = read_log(log)
    assert len(rows) == 2
    assert rows[0] == {
        "when": "2026-11-22T14:05:09+07:00",
        "event": "backup",
        "target": "/mnt/a",
        "agent": "test",
        "result": "ok",
        "detail": "",
    }
    assert rows[1]["detail"] == "thiếu 1, x"  # quoted by the CSV writer, read back whole
    assert rows[1]["agent"].startswith("sohoa ") and " pid " in rows[1]["agent"]
    assert dt.datetime.fromisoformat(rows[1]["when"]).utcoffset() == dt.timedelta(hours=7)
    with pytest.raises(ValueError, match="event"):
        log_event(log, event="restore", target="x", result="ok")
    with pytest.raises(ValueError, match="time zone"):
        log_event(log, event="backup", target="x", result="ok", when=dt.datetime(2026, 1, 1))
    assert len(read_log(log)) == 2


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive folder with its manifest, two identical backup copies and a log outside."""
    folder = make_folder(tmp_path / "archive")
    write_manifest(folder)
    for name in ("copy-a", "copy-b"):
        shutil.copytree(folder, tmp_path / "backups" / name)
    backups = {
        "copies": ["../backups/copy-a", "../backups/copy-b"],
        "log": "../preservation-log.csv",
    }
    (folder / "backups.json").write_text(json.dumps(backups), encoding="utf-8")
    return folder


def test_check_archive_logs_one_row_per_location(archive: Path, tmp_path: Path) -> None:
    when = dt.datetime(2026, 11, 22, 14, 5, 9, tzinfo=VN)
    reports = check_archive(archive, when=when)
    assert [r.location for r in reports] == [
        archive,
        tmp_path / "backups" / "copy-a",
        tmp_path / "backups" / "copy-b",
    ]
    assert all(r.ok for r in reports)
    rows = read_log(tmp_path / "preservation-log.csv")
    assert [(r["event"], r["target"], r["result"]) for r in rows] == [
        ("fixity-check", str(r.location), "ok") for r in reports
    ]
    assert rows[0]["when"] == "2026-11-22T14:05:09+07:00"


def test_cli_fixity_exit_codes_and_output(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["verify", "--fixity", str(archive)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"ok         {archive}  tổng kiểm SHA-256: khớp, 3 tệp"
    assert out[-1] == "Tổng cộng 3 nơi lưu: 3 khớp, 0 sai lệch."

    copy_b = tmp_path / "backups" / "copy-b"
    (copy_b / "HS-001.1.pdf").unlink()
    (copy_b / "HS-001.2.pdf").write_bytes(b"bit rot")
    (copy_b / "extra.pdf").write_bytes(b"%PDF-1.7 not in the manifest")
    watched = [archive, tmp_path / "backups"]
    before = [snapshot(folder) for folder in watched]

    assert cli.main(["verify", "--fixity", str(archive)]) == 1
    out, err = capsys.readouterr()
    assert [snapshot(folder) for folder in watched] == before  # only the log grew
    assert out.splitlines()[2:6] == [
        f"failed     {copy_b}  tổng kiểm SHA-256: thiếu 1, bị thay đổi 1, thừa 1 (đã so 2 tệp)",
        "  missing    HS-001.1.pdf  (thiếu)",
        "  changed    HS-001.2.pdf  (bị thay đổi)",
        "  extra      extra.pdf  (thừa)",
    ]
    assert err == "sohoa: verify --fixity: 1/3 nơi lưu không khớp\n"
    rows = read_log(tmp_path / "preservation-log.csv")
    assert len(rows) == 6
    assert rows[-1]["result"] == "failed" and rows[-1]["target"] == str(copy_b)
    assert "missing: HS-001.1.pdf; changed: HS-001.2.pdf; extra: extra.pdf" in rows[-1]["detail"]


def test_cli_fixity_bad_inputs(archive: Path, tmp_path: Path, capsys) -> None:
    (archive / "backups.json").write_text('{"copies": [], "logs": "x"}', encoding="utf-8")
    assert cli.main(["verify", "--fixity", str(archive)]) == 2
    assert "khóa không xác định 'logs'" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["verify", "--fixity", str(empty)]) == 3
    assert "không có gì để kiểm tra" in capsys.readouterr().err
    assert not any(empty.iterdir())


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        ("delete", "backups.json: không có; không biết bản sao dự phòng ở đâu"),
        ("one copy", "backups.json: liệt kê 1 bản sao; cần ít nhất 2"),
        ("no log", "backups.json: không có khóa 'log'"),
    ],
)
def test_missing_bookkeeping_is_a_finding_never_a_success(
    archive: Path, tmp_path: Path, capsys, change: str, finding: str
) -> None:
    backups = archive / "backups.json"
    data = json.loads(backups.read_text(encoding="utf-8"))
    if change == "delete":
        backups.unlink()
    elif change == "one copy":
        backups.write_text(json.dumps({**data, "copies": data["copies"][:1]}), encoding="utf-8")
    else:
        backups.write_text(json.dumps({"copies": data["copies"]}), encoding="utf-8")
    assert cli.main(["verify", "--fixity", str(archive)]) == 1
    out, err = capsys.readouterr()
    assert f"failed     {archive / 'backups.json'}" in out and finding in out
    assert err.count("\n") == 1 and err.startswith("sohoa: verify --fixity: 1 thiếu sót: ")
    if change == "one copy":  # where there is a log, the finding is recorded in it
        rows = read_log(tmp_path / "preservation-log.csv")
        assert rows[-1]["result"] == "failed" and finding in rows[-1]["detail"]


def test_fixity_of_an_archive_folder_checks_its_pdfs_then_its_packages(
    archive: Path, tmp_path: Path, capsys
) -> None:
    unit = tmp_path / "out" / "TTLT"
    signed = make_folder(unit / "archive", {"HS-001.1.pdf": b"%PDF-1.7 signed"})
    write_manifest(signed)
    (signed / "signed.csv").write_text("tep\nHS-001.1.pdf\n", encoding="utf-8")  # not listed
    data = json.loads((archive / "backups.json").read_text(encoding="utf-8"))
    shutil.move(archive, signed / "packages")
    absolute = [str((archive / c).resolve()) for c in data["copies"]]
    log = str((archive / data["log"]).resolve())
    (signed / "packages" / "backups.json").write_text(
        json.dumps({"copies": absolute, "log": log}), encoding="utf-8"
    )
    assert cli.main(["verify", "--fixity", str(signed)]) == 0
    out = capsys.readouterr().out
    assert "extra" not in out and "thừa" not in out
    assert out.splitlines()[-1] == "Tổng cộng 4 nơi lưu: 4 khớp, 0 sai lệch."
    targets = [row["target"] for row in read_log(Path(log))]
    assert targets[0] == str(signed.resolve()) and len(targets) == 4  # every check recorded
    (signed / "HS-001.1.pdf").write_bytes(b"%PDF-1.7 tampered")
    assert cli.main(["verify", "--fixity", str(signed)]) == 1
    assert "changed    HS-001.1.pdf" in capsys.readouterr().out
    assert cli.main(["verify", "--fixity", str(unit)]) == 2
    assert f"hãy chỉ {signed} " in capsys.readouterr().err
