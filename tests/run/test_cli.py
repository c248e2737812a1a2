"""The `sohoa` command line: exit codes, one-line errors, defaults taken from the project folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# The fake project is shared with the runner's tests (a conftest.py fixture would be the next step).
from test_runner import make_project

from sohoa_lib import cli

FAILURE = "sohoa: giai đoạn 01_inventory lỗi tại ô [3]: ValueError: hỏng dữ liệu"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "project")
    monkeypatch.setenv("SOHOA_HOME", str(root))
    return root


def test_run_failure_is_one_line_and_exit_code(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["run", "BN", "--outputs", str(tmp_path / "out")]) == 4
    assert capsys.readouterr().err.splitlines() == [FAILURE]
    assert (tmp_path / "out" / "BN" / "run.json").is_file()


def test_run_failure_from_a_real_process(project: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sohoa_lib.cli", "run", "BN", "--outputs", str(tmp_path / "out")],
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert done.returncode == 4
    assert done.stderr.splitlines() == [FAILURE]
    assert (tmp_path / "out" / "BN" / "notebooks" / "01_inventory.ipynb").is_file()


def test_run_selected_stage_into_outputs_relative_to_cwd(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [
        "-v",
        "run",
        "TTLT",
        "--stages",
        "inventory",
        "--outputs",
        "out",
        "--as-of",
        "2024-12-31",
    ]
    assert cli.main(argv) == 0
    reports = tmp_path / "out" / "TTLT" / "reports"
    assert [p.name for p in reports.iterdir()] == ["01_inventory.html"]
    done = tmp_path / "out" / "TTLT" / "inventory" / "done.txt"
    assert done.read_text(encoding="utf-8") == "2024-12-31"


def test_batch_exit_status_and_index(project: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert cli.main(["batch", "BN", "--parallel", "2", "--outputs", str(out)]) == 4
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "sohoa: 1/1 đơn vị lỗi: BN"
    assert "hỏng dữ liệu" in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (
            ["run", "TTLT", "--stages", "inventory,quet"],
            r"không có giai đoạn 'quet'.*inventory, digitize",
        ),
        (
            ["run", "TTLT", "--as-of", "2024-13-01"],
            r"^sohoa: run: tham số --as-of: .*'2024-13-01'",
        ),
        (["run", "XX"], r"XX\.yaml: không tìm thấy tệp tham số"),
        (["vẽ"], r"^sohoa: tham số COMMAND: không có lựa chọn 'vẽ'"),
        ([], r"^sohoa: thiếu tham số bắt buộc: COMMAND$"),
        (["batch", "--parallel", "0"], r"--parallel phải từ 1 trở lên"),
        (["run", "TTLT", "--lam-nhanh"], r"^sohoa: tham số không nhận ra: --lam-nhanh$"),
    ],
)
def test_bad_requests_exit_2_with_one_line(
    project: Path, argv: list[str], pattern: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("sohoa: ") and re.search(pattern, line), line


def test_outside_a_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SOHOA_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "TTLT"]) == 2
    assert capsys.readouterr().err == (
        "sohoa: hãy chạy sohoa trong thư mục dự án, hoặc đặt SOHOA_HOME\n"
    )


def test_demo_data_defaults(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sohoa_lib.demo

    calls = []
    monkeypatch.setattr(
        sohoa_lib.demo,
        "write_demo_data",
        lambda out, *, seed, params_dir: calls.append((out, seed, params_dir)),
        raising=False,
    )
    assert cli.main(["demo-data", "--seed", "7"]) == 0
    assert calls == [(project / "data" / "demo", 7, project / "params")]


def test_verbose_before_or_after_the_command() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["-v", "run", "X"]).verbose == 1
    assert parser.parse_args(["run", "X", "-vv"]).verbose == 2


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from sohoa_lib.run import runner

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "project_root", interrupted)
    assert cli.main(["run", "TTLT"]) == 130
    assert capsys.readouterr().err == "sohoa: đã dừng theo yêu cầu (Ctrl+C)\n"


def test_help_is_vietnamese_with_the_option_names_kept(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    text = capsys.readouterr().out
    assert text.startswith("cách dùng: sohoa run")
    assert "tùy chọn:" in text and "hiện hướng dẫn này rồi thoát" in text
    assert "--outputs DIR" in text and "thư mục kết quả" in text
    assert not re.search(r"\b(usage|options|show this help|default)\b", text)


def test_batch_failure_counts_units_apart_from_the_national_report() -> None:
    one = [{"unit": "BN", "status": "failed"}, {"unit": "national", "status": "ok"}]
    assert cli.batch_failure(one) == "1/1 đơn vị lỗi: BN"
    two = [{"unit": "BN", "status": "ok"}, {"unit": "HD", "status": "ok"},
           {"unit": "national", "status": "failed"}]  # fmt: skip
    assert cli.batch_failure(two) == "báo cáo toàn Ngành lỗi"
    assert cli.batch_failure(two[:2]) is None
