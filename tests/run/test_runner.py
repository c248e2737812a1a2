"""The runner: stage notebooks through a real kernel into run.json and HTML reports, and a batch."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import nbformat
import pytest

from sohoa_lib.errors import MissingToolError, ParamsError, StageError
from sohoa_lib.run import _index, _record, batch, runner

# A line of code that must never reach a report: reviewers get outputs, not code.
CODE_MARKER = "KHONG_DUOC_HIEN_TRONG_BAO_CAO = 1"

PARAMETERS = 'params_file = ""\noutputs = ""\nas_of = ""'

# Loads the unit's settings the way the real notebooks do; BN's data is "broken".
LOAD = (
    "from pathlib import Path\n"
    "from sohoa_lib.paths import UnitPaths\n"
    "from sohoa_lib.settings import load_unit_settings\n"
    "settings = load_unit_settings(params_file)\n"
    "paths = UnitPaths(Path(outputs), settings.unit)\n"
    'if settings.unit == "BN":\n'
    '    raise ValueError("hỏng dữ liệu")'
)


def _stage_source(stage: str) -> str:
    return (
        f"{CODE_MARKER}\n"
        f'done = paths.stage_dir("{stage}") / "done.txt"\n'
        'done.write_text(as_of or "hôm nay", encoding="utf-8")\n'
        f'print("Đã xử lý xong giai đoạn {stage} của", settings.name)'
    )


def write_notebook(path: Path, *cells: str) -> Path:
    """A notebook whose first cell is tagged `parameters`, as papermill expects."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(cells[0])
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Báo cáo thử nghiệm"),
        params,
        *(nbformat.v4.new_code_cell(c) for c in cells[1:]),
    ]
    nb.metadata["kernelspec"] = {"name": "sohoa", "display_name": "sohoa", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def write_params(root: Path, unit: str, name: str) -> Path:
    data = root / "data" / unit
    (data / "statistics").mkdir(parents=True)
    (data / "scans" / "TTLT.1995.01").mkdir(parents=True)
    (data / "inventory.csv").write_text("Mã hồ sơ,Tiêu đề\nA.1,Hồ sơ một\n", encoding="utf-8")
    (data / "statistics" / "bang1.csv").write_text("chi_tieu,gia_tri\nthu,1\n", encoding="utf-8")
    (data / "scans" / "TTLT.1995.01" / "0001.png").write_bytes(b"\x89PNG fake page")
    (root / "params" / "costs.yaml").write_text("dummy: 1\n", encoding="utf-8")
    params = root / "params" / "units" / f"{unit}.yaml"
    params.write_text(
        f"unit: {unit}\n"
        f"name: {name}\n"
        "level: province\n"
        "phase: 1\n"
        "deadline: 2023-12-30\n"
        f"inventory: ../../data/{unit}/inventory.csv\n"
        "costs: ../costs.yaml\n"
        f"scans: ../../data/{unit}/scans\n"
        f"statistics: ../../data/{unit}/statistics\n"
        "capacity: {scanners: 2, staff: 3}\n"
        "signing: {organisation: Trung tâm Lưu trữ}\n",
        encoding="utf-8",
    )
    return params


def make_project(root: Path, *, national: bool = False) -> Path:
    """A project folder with two units (TTLT runs, BN fails in its first stage) and two stages."""
    (root / "params" / "units").mkdir(parents=True)
    (root / "notebooks").mkdir()
    write_params(root, "TTLT", "Trung tâm Lưu trữ")
    write_params(root, "BN", "Bắc Ninh")
    nbs = root / "notebooks"
    write_notebook(nbs / "01_inventory.ipynb", PARAMETERS, LOAD, _stage_source("inventory"))
    write_notebook(nbs / "02_digitize.ipynb", PARAMETERS, LOAD, _stage_source("digitize"))
    if national:
        write_notebook(
            nbs / "05_national.ipynb",
            'outputs = ""\nas_of = ""',
            'print("Tổng hợp toàn Ngành")',
        )
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def good_run(project: Path, tmp_path_factory: pytest.TempPathFactory):
    """TTLT run once through both stages; several tests read what it left."""
    outputs = tmp_path_factory.mktemp("outputs")
    record = runner.run_unit(
        "TTLT",
        params_file=project / "params" / "units" / "TTLT.yaml",
        outputs=outputs,
        stages=None,
        notebooks_dir=project / "notebooks",
        as_of=dt.date(2024, 6, 30),
    )
    return record, outputs


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_run_unit_writes_run_json(good_run) -> None:
    record, outputs = good_run
    assert record.ok
    data = json.loads((outputs / "TTLT" / "run.json").read_text(encoding="utf-8"))
    assert data["unit"] == "TTLT" and data["status"] == "ok" and data["as_of"] == "2024-06-30"
    assert dt.datetime.fromisoformat(data["started"]).utcoffset() is not None
    assert [(s["name"], s["status"]) for s in data["stages"]] == [
        ("inventory", "ok"),
        ("digitize", "ok"),
    ]
    assert data["stages"][0]["report"] == "reports/01_inventory.html"
    assert data["stages"][0]["error"] is None
    assert {"python", "sohoa", "pandas", "papermill", "nbconvert", "tesseract"} <= set(
        data["versions"]
    )
    inputs = data["inputs"]
    assert len(inputs["params"]["sha256"]) == 64
    assert inputs["inventory"]["bytes"] > 0 and len(inputs["costs"]["sha256"]) == 64
    assert [f["path"] for f in inputs["statistics"]["files"]] == ["bang1.csv"]
    assert inputs["scans"]["files"] == 1 and inputs["scans"]["bytes"] == 14
    assert data["parameters"]["deadline"] == "2023-12-30"
    assert data["parameters"]["capacity"]["scanners"] == 2
    assert not {k for k in _keys(data) if _record.is_secret(k)}


def test_stages_hand_over_files_and_get_parameters(good_run) -> None:
    _, outputs = good_run
    assert (outputs / "TTLT" / "inventory" / "done.txt").read_text(encoding="utf-8") == "2024-06-30"
    executed = nbformat.read(str(outputs / "TTLT" / "notebooks" / "02_digitize.ipynb"), 4)
    assert executed.metadata.papermill.parameters["outputs"] == str(outputs.resolve())


def test_report_shows_outputs_not_code(good_run) -> None:
    _, outputs = good_run
    html = (outputs / "TTLT" / "reports" / "01_inventory.html").read_text(encoding="utf-8")
    assert "Đã xử lý xong giai đoạn inventory của Trung tâm Lưu trữ" in html
    assert "Báo cáo thử nghiệm" in html
    assert "KHONG_DUOC_HIEN_TRONG_BAO_CAO" not in html
    assert "load_unit_settings" not in html
    assert '<html lang="vi">' in html
    assert "<title>01 – Thống kê, lựa chọn và dự toán số hóa – Trung tâm Lưu trữ</title>" in html
    assert "<script src=" not in html  # nothing fetched from the network


def test_failed_stage_keeps_notebook_report_and_skips_the_rest(
    project: Path, tmp_path: Path
) -> None:
    with pytest.raises(StageError) as caught:
        runner.run_unit(
            "BN",
            params_file=project / "params" / "units" / "BN.yaml",
            outputs=tmp_path,
            stages=["digitize", "inventory"],
            notebooks_dir=project / "notebooks",
        )
    message = str(caught.value)
    assert message.startswith("giai đoạn 01_inventory lỗi tại ô [")
    assert message.endswith("]: ValueError: hỏng dữ liệu") and "\n" not in message
    unit = tmp_path / "BN"
    assert (unit / "notebooks" / "01_inventory.ipynb").is_file()
    assert not list((unit / "notebooks").glob("*.tmp*"))  # no temporary left behind
    report = (unit / "reports" / "01_inventory.html").read_text(encoding="utf-8")
    assert "Giai đoạn dừng vì lỗi:</b> ValueError: hỏng dữ liệu" in report
    # The traceback is there for whoever fixes it, folded away from the reviewer.
    before, folded = report.split("<details><summary>Chi tiết kỹ thuật", 1)
    assert "raise ValueError" in folded[: folded.index("</details>")]
    assert "raise ValueError" not in before and "\x1b[" not in report
    data = json.loads((unit / "run.json").read_text(encoding="utf-8"))
    assert data["status"] == "failed"
    assert [(s["name"], s["status"]) for s in data["stages"]] == [
        ("inventory", "failed"),
        ("digitize", "skipped"),
    ]
    assert data["stages"][0]["error"] == message
    assert not (unit / "reports" / "02_digitize.html").exists()


def test_unknown_or_absent_stage_is_named(project: Path, tmp_path: Path) -> None:
    kwargs = dict(
        params_file=project / "params" / "units" / "TTLT.yaml",
        outputs=tmp_path,
        notebooks_dir=project / "notebooks",
    )
    with pytest.raises(ParamsError, match=r"không có giai đoạn 'scan'.*inventory, digitize"):
        runner.run_unit("TTLT", stages=["inventory", "scan"], **kwargs)
    with pytest.raises(
        ParamsError, match=r"giai đoạn 'sign' chưa có notebook.*inventory, digitize"
    ):
        runner.run_unit("TTLT", stages=["sign"], **kwargs)
    assert not (tmp_path / "TTLT").exists()


def test_params_file_of_another_unit_is_refused(project: Path, tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="'unit' là 'TTLT', cần 'BN'"):
        runner.run_unit(
            "BN",
            params_file=project / "params" / "units" / "TTLT.yaml",
            outputs=tmp_path,
            stages=None,
            notebooks_dir=project / "notebooks",
        )


def test_missing_kernel_is_a_missing_tool(project: Path, tmp_path: Path) -> None:
    with pytest.raises(MissingToolError, match="chưa đăng ký Jupyter kernel 'khong-co'"):
        runner.run_unit(
            "TTLT",
            params_file=project / "params" / "units" / "TTLT.yaml",
            outputs=tmp_path,
            stages=None,
            notebooks_dir=project / "notebooks",
            kernel_name="khong-co",
        )


def test_drop_secrets_at_any_depth() -> None:
    data = {
        "unit": "BN",
        "signing": {
            "organisation": "BHXH",
            "key_password": "x",
            "Token_PIN": "1234",
            "nested": [{"api_secret": "s", "keep": 1}],
        },
        "passphrase": "p",
    }
    assert _record.drop_secrets(data) == {
        "unit": "BN",
        "signing": {"organisation": "BHXH", "nested": [{"keep": 1}]},
    }
    # Whole words only: a key that merely contains "pin" is kept.
    assert _record.drop_secrets({"mapping": 1, "pin_env": "X"}) == {"mapping": 1}


def test_project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOHOA_HOME", raising=False)
    (tmp_path / "params" / "units").mkdir(parents=True)
    (tmp_path / "notebooks").mkdir()
    deep = tmp_path / "notebooks" / "a" / "b"
    deep.mkdir(parents=True)
    assert runner.project_root(deep) == tmp_path.resolve()
    with pytest.raises(ParamsError, match="đặt SOHOA_HOME"):
        runner.project_root(Path("/"))
    monkeypatch.setenv("SOHOA_HOME", str(deep))
    assert runner.project_root(Path("/")) == deep.resolve()


def test_index_escapes_and_links_existing_reports(tmp_path: Path) -> None:
    (tmp_path / "BN" / "reports").mkdir(parents=True)
    (tmp_path / "BN" / "reports" / "01_inventory.html").write_text("x", encoding="utf-8")
    run = {
        "unit": "BN",
        "name": "Bắc Ninh",
        "status": "failed",
        "finished": "2024-06-30T10:00:00+07:00",
        "stages": [
            {"name": "inventory", "status": "failed", "error": "stage x: <b>ValueError</b>"},
            {"name": "digitize", "status": "skipped", "error": None},
        ],
    }
    (tmp_path / "BN" / "run.json").write_text(json.dumps(run), encoding="utf-8")
    batch = [{"unit": "HD", "status": "failed", "error": "params file not found"}]
    html = _index.write_index(tmp_path, batch=batch).read_text(encoding="utf-8")
    assert 'href="BN/reports/01_inventory.html"' in html
    assert "&lt;b&gt;ValueError&lt;/b&gt;" in html and "<b>ValueError" not in html
    assert "Bỏ qua" in html and "Lỗi" in html
    assert "Hải Dương" in html and "params file not found" in html  # failed before run.json
    assert "30/12/2023" in html  # Bắc Ninh's phase-1 deadline, from the registry
    assert "http" not in html  # self-contained


def test_batch_attempts_every_unit(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", national=True)
    outputs = tmp_path / "outputs"
    results = batch.run_batch(None, root=project, outputs=outputs, parallel=2)
    by_unit = {r["unit"]: r for r in results}
    assert [r["unit"] for r in results] == ["BN", "TTLT", "national"]
    assert by_unit["TTLT"]["status"] == "ok" and by_unit["national"]["status"] == "ok"
    assert by_unit["BN"]["status"] == "failed"
    assert by_unit["BN"]["error"].endswith("ValueError: hỏng dữ liệu")
    assert (outputs / "national" / "reports" / "05_national.html").is_file()
    assert (outputs / "BN" / "batch.log").is_file()
    html = (outputs / "index.html").read_text(encoding="utf-8")
    assert 'href="TTLT/reports/01_inventory.html"' in html
    assert 'href="TTLT/reports/02_digitize.html"' in html
    assert 'href="national/reports/05_national.html"' in html
    assert "hỏng dữ liệu" in html and "Hoàn thành" in html
