"""Shared fixtures: the project root, small params files and inventories, the demo's reports."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO_AS_OF = "2026-11-30"
"""The day the demo's recorded outputs (tests/data/demo-outputs.json) are for."""


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HP's demo run (it signs before review) and the national report, copied elsewhere.

    Session-wide: the run takes about a minute, and both the report tests and the browser tests
    read its reports (the browser tests only add files: screenshots).
    """
    from sohoa_lib.common.clock import AS_OF_ENV
    from sohoa_lib.demo import PASSWORD_ENV, write_demo_data
    from sohoa_lib.run import national as national_run
    from sohoa_lib.run import runner

    base = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PASSWORD_ENV, "demo-pass")
        # The day tests/data/demo-outputs.json was recorded: overdue days, projected finishes
        # and the days left are counted from the run's day, so the outputs change every day.
        mp.setenv(AS_OF_ENV, DEMO_AS_OF)
        write_demo_data(base / "data", params_dir=ROOT / "params")
        outputs = base / "outputs"
        runner.run_unit("HP", params_file=base / "data" / "HP" / "params.yaml",
                        outputs=outputs, stages=None, notebooks_dir=ROOT / "notebooks")  # fmt: skip
        national_run.run_national(ROOT / "notebooks" / "05_national.ipynb", outputs=outputs)
    copy = base / "elsewhere" / "bao-cao"
    shutil.copytree(outputs, copy)
    shutil.rmtree(outputs)  # a link that still reaches the original would now fail
    return copy


@pytest.fixture
def write_unit(tmp_path: Path):
    """Write an inventory and a params file for unit TTLT; return the params path.

    `rows` are inventory rows keyed by header as typed; `params` overrides params keys.
    """

    def write(rows: list[dict], params: dict | None = None, name: str = "inventory.csv") -> Path:
        inventory = tmp_path / name
        frame = pd.DataFrame(rows)
        if name.endswith(".xlsx"):
            frame.to_excel(inventory, index=False)
        else:
            frame.to_csv(inventory, index=False, encoding="utf-8-sig")
        data = {
            "unit": "TTLT",
            "name": "Trung tâm Lưu trữ BHXH Việt Nam",
            "level": "central",
            "phase": 1,
            "deadline": "2023-12-30",
            "inventory": name,
            "costs": str(ROOT / "params" / "costs.yaml"),
            "capacity": {"scanners": 2, "staff": 3},
            "signing": {"organisation": "Trung tâm Lưu trữ BHXH Việt Nam"},
        }
        data.update(params or {})
        path = tmp_path / "TTLT.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return write


def file_row(code: str, **overrides) -> dict:
    """One eligible inventory row with Vietnamese headers; overrides by header."""
    row = {
        "Mã hồ sơ": code,
        "Tiêu đề hồ sơ": f"Hồ sơ {code}",
        "Nhóm hồ sơ": "Thu",
        "Đơn vị hình thành": "Phòng Quản lý thu",
        "Thời gian bắt đầu": "08/7/2005",
        "Thời gian kết thúc": "",
        "Thời hạn bảo quản": "Vĩnh viễn",
        "Số lượng tờ": 5,
        "Số lượng trang": 10,
        "Tình trạng vật lý": "Tốt",
        "Chế độ sử dụng": "Công khai",
        "Số lượt khai thác": 1,
        "Đã chỉnh lý": "x",
        "Tài liệu mật": "",
        "Văn bản QPPL": "",
        "Đã có dữ liệu điện tử": "",
    }
    row.update(overrides)
    return row


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258_form(text: str) -> str:
    """`text` as Windows-1258 spells it: base letters precomposed, tone marks as combining
    characters after them (what a legacy Excel export writes)."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + tones)
    return "".join(out)


def write_digitize_params(path: Path, scans: str | Path = "scans", extra: str = "") -> Path:
    """The params of a unit taken through inventory and digitization (TTLT): inventory.csv beside
    `path`, the project's cost norms, every eligible file selected; `extra` adds YAML lines."""
    path.write_text(
        "unit: TTLT\nname: Trung tâm Lưu trữ BHXH Việt Nam\nlevel: central\nphase: 1\n"
        f"deadline: '2023-12-30'\ninventory: inventory.csv\nscans: {scans}\n"
        f"costs: {ROOT / 'params' / 'costs.yaml'}\n"
        "capacity: {scanners: 1, staff: 1}\nsigning: {organisation: Trung tâm Lưu trữ}\n"
        "selection: {target_share: 1.0}\n" + extra,
        encoding="utf-8",
    )
    return path


def write_signing_params(path: Path, organisation: str) -> Path:
    """The params of a unit that signs (TTLT): inventory.csv and scans/ beside `path`, the demo PKI
    in pki/ with its timestamp authority, two backup locations. Files flagged for review are signed
    knowingly: what these units test is signing and preservation; review gating is test_review's."""
    path.write_text(
        f"unit: TTLT\nname: {organisation}\nlevel: central\nphase: 1\ndeadline: '2023-12-30'\n"
        f"inventory: inventory.csv\nscans: scans\ncosts: {ROOT / 'params' / 'costs.yaml'}\n"
        "capacity: {scanners: 1, staff: 1}\nselection: {target_share: 1.0}\n"
        "digitize: {workers: 2}\n"
        f"signing: {{organisation: {organisation}, pkcs12: pki/signer.p12, password_env: TEST_SIGN_PW,\n"
        "          trust_roots: [pki/ca.crt], demo_tsa: pki/tsa.p12}\n"
        "preservation: {backups: [copies/a, copies/b]}\n"
        "review: {sign_unreviewed: true}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster for the session (tests/pg.py); removed after."""
    from pg import start_or_skip

    cluster = start_or_skip()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh catalogue database's URL (no password in it); the password in the environment."""
    from pg import PASSWORD

    monkeypatch.setenv("SOHOA_DATABASE_PASSWORD", PASSWORD)
    monkeypatch.delenv("SOHOA_DATABASE_URL", raising=False)
    return pg_cluster.new_database()
