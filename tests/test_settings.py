"""Params files: validated on load, every error naming the file and the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from conftest import file_row
from sohoa_lib import ParamsError, load_unit_settings
from sohoa_lib.demo import DEMO_UNITS, unit_params


def test_valid_params_load_with_paths_relative_to_the_file(write_unit, tmp_path) -> None:
    settings = load_unit_settings(write_unit([file_row("A")]))
    assert settings.inventory == tmp_path / "inventory.csv"
    assert settings.deadline == dt.date(2023, 12, 30)
    assert settings.selection.target_share == 0.30
    assert settings.profile == "tt05-2025"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"scaners": 2}, r"TTLT\.yaml: khóa không xác định 'scaners'"),
        (
            {"capacity": {"scanners": 2, "staff": 3, "speed": 9}},
            r"khóa không xác định 'capacity\.speed'",
        ),
        (
            {"deadline": "30/12/2023"},
            r"khóa 'deadline' phải là một ngày dạng YYYY-MM-DD, nhận được '30/12/2023'",
        ),
        ({"deadline": "2023-02-30"}, r"khóa 'deadline' phải là một ngày"),
        ({"inventory": "missing.xlsx"}, r"khóa 'inventory': không tìm thấy tệp: .*missing\.xlsx"),
        ({"scans": "no-such-folder"}, r"khóa 'scans': không tìm thấy thư mục"),
        ({"unit": "XYZ"}, r"khóa 'unit': không có đơn vị 'XYZ'"),
        ({"profile": "tt99"}, r"khóa 'profile' phải là một trong tt05-2025, tt02-2019"),
        ({"selection": {"target_share": 1.5}}, r"khóa 'selection\.target_share' phải là một tỷ lệ"),
        ({"phase": "một"}, r"khóa 'phase' phải là một số"),
        ({"new_target_date": "2020-01-01"}, r"khóa 'new_target_date' phải sau 'deadline'"),
        (
            {"signing": {"organisation": "X", "pkcs12": "none.p12"}},
            r"'signing\.pkcs12': không tìm thấy tệp",
        ),
        (
            {"signing": {"organisation": "X", "password": "x"}},
            r"khóa không xác định 'signing\.password'",
        ),
        ({"digitize": {"ocr_model": "slow"}}, r"'digitize\.ocr_model' phải là fast hoặc best"),
        ({"preservation": {"backup": ["a"]}}, r"khóa không xác định 'preservation\.backup'"),
    ],
)
def test_params_errors_name_the_file_and_the_key(write_unit, params: dict, message: str) -> None:
    path = write_unit([file_row("A")], params)
    with pytest.raises(ParamsError, match=message) as info:
        load_unit_settings(path)
    assert str(path) in str(info.value)


def test_missing_required_key(write_unit) -> None:
    path = write_unit([file_row("A")])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["deadline"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ParamsError, match="thiếu khóa bắt buộc 'deadline'"):
        load_unit_settings(path)


def test_missing_params_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="không tìm thấy tệp tham số"):
        load_unit_settings(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("unit: [TTLT\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"bad\.yaml: không phải YAML hợp lệ"):
        load_unit_settings(bad)


@pytest.mark.parametrize("unit", DEMO_UNITS, ids=lambda u: u.code)
def test_committed_unit_params_match_the_demo_generator(root: Path, unit) -> None:
    committed = yaml.safe_load((root / "params" / "units" / f"{unit.code}.yaml").read_text("utf-8"))
    expected = unit_params(unit, data=f"../../data/demo/{unit.code}", costs="../costs.yaml",
                           pki="../../data/demo/pki", backups="../../data/demo/backups",
                           indicators="../indicators.yaml")  # fmt: skip
    assert committed == expected


def test_tt02_profile_needs_the_seal_image(write_unit, tmp_path) -> None:
    (tmp_path / "k.p12").write_bytes(b"not read here")
    params = {"profile": "tt02-2019", "signing": {"organisation": "X", "pkcs12": "k.p12"}}
    with pytest.raises(ParamsError, match=r"tt02-2019 cần khóa 'signing\.seal_image'"):
        load_unit_settings(write_unit([file_row("A")], params))


SECRET = "Mk@2024!bi-mat"  # what a user pastes where the variable's name goes


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("deadline: 2023-13-45", "'deadline'"),  # unquoted: YAML itself cannot make it a date
        ("digitize: {workers: -1}", "'digitize.workers'"),
        ("preservation: {backups: [../copy-a]}", "'preservation.backups'"),
        ("preservation: {backups: [../copy-a, ../copy-a/.]}", "'preservation.backups'"),
        ("capacity: {scanners: 2, staff: 3, hours_per_day: 0}", "'capacity.hours_per_day'"),
        (f"signing: {{organisation: X, password_env: '{SECRET}'}}", "'signing.password_env'"),
        (f"signing: {{organisation: X, password_env: [{SECRET}]}}", "'signing.password_env'"),
        (
            f"signing: {{organisation: X, token: {{module: m.so, token_label: t, key_label: k, "
            f"pin_env: '{SECRET}'}}}}",
            "'signing.token.pin_env'",
        ),
    ],
)
def test_bad_params_exit_2_with_one_line_naming_key_and_file(
    tmp_path: Path, monkeypatch, capsys, line: str, key: str
) -> None:
    from test_runner import make_project

    from sohoa_lib import cli

    project = make_project(tmp_path / "project")
    params = project / "params" / "units" / "TTLT.yaml"
    text = params.read_text(encoding="utf-8")
    name = line.split(":")[0]
    text = "".join(f"{row}\n" for row in text.splitlines() if not row.startswith(f"{name}:"))
    params.write_text(text + line + "\n", encoding="utf-8")
    monkeypatch.setenv("SOHOA_HOME", str(project))
    assert cli.main(["run", "TTLT", "--outputs", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and f"{params}: khóa {key}" in err, err
    assert "Traceback" not in err + out and SECRET not in err + out  # a secret is never echoed
    assert not (tmp_path / "out").exists()  # refused before any output
