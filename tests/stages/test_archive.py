"""Stage 3 end to end: sign the digitized files, verify, package, back up, check fixity."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import nbformat
import pandas as pd
import pikepdf
import pytest

from conftest import ROOT, file_row, write_signing_params
from sohoa_lib import UnitPaths, cli, load_unit_settings
from sohoa_lib.demo._pki import write_demo_pki
from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.preserve.package import validate_package
from sohoa_lib.stages.digitize import run_digitize
from sohoa_lib.stages.inventory import run_inventory
from sohoa_lib.stages.sign import run_sign
from sohoa_lib.tools import pdfsig, tesseract

MA = "TTLT.2019.VP.00001"
PASSWORD = "mật-khẩu-thử-9271"  # a test key's password; must appear in no output file
ORG = "Trung tâm Lưu trữ BHXH Việt Nam"
LATER_TESSERACT = "tesseract 99.0.0-nâng-cấp-sau"


@pytest.fixture(scope="module")
def unit(tmp_path_factory) -> tuple[Path, UnitPaths, dict]:
    root = tmp_path_factory.mktemp("sign")
    pki = write_demo_pki(root / "pki", organisation=ORG, password=PASSWORD)
    write_demo_scans([ScanRequest(MA, "", "BẢO HIỂM XÃ HỘI VIỆT NAM", "Hà Nội", 2019, 2, "jpeg")],
                     root / "scans", root / "truth", seed=5)  # fmt: skip
    rows = [file_row(MA, **{"Số lượng trang": 2})]
    pd.DataFrame(rows).to_csv(root / "inventory.csv", index=False, encoding="utf-8-sig")
    write_signing_params(root / "TTLT.yaml", ORG)
    settings = load_unit_settings(root / "TTLT.yaml")
    paths = UnitPaths(root / "out", "TTLT")
    run_inventory(settings, paths)
    run_digitize(settings, paths)
    return root, paths, pki


@pytest.fixture(scope="module")
def signed(unit):
    root, paths, _ = unit
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TEST_SIGN_PW", PASSWORD)
        # Another Tesseract by the time stage 3 runs: the package must still name the one
        # stage 2 read the pages with (test_premis_events_are_those_the_steps_recorded).
        mp.setattr(tesseract, "version", lambda: LATER_TESSERACT)
        return run_sign(load_unit_settings(root / "TTLT.yaml"), paths, prompt=None)


def test_every_file_signed_b_t_and_valid(signed, unit) -> None:
    _, paths, _ = unit
    assert len(signed.signed) >= 1 and not signed.failures
    assert set(signed.signed["trang_thai"]) == {"valid"}
    assert set(signed.signed["muc"]) == {"B-T"}
    # The demo authority's certificate runs three years, past the two-year renewal margin.
    assert not signed.signed["can_gia_han"].any() and signed.figures()["renewal_due"] == 0
    assert all(signed.signed["gia_han_truoc"].str.match(r"\d{4}-\d\d-\d\d$"))
    for name in signed.signed["tep"]:
        pdf = paths.archive / name
        assert name.startswith(MA + ".")
        with pikepdf.open(pdf) as doc:
            assert doc.open_metadata().pdfa_status == "2B"


def test_pdfsig_accepts_the_signatures(signed, unit, tmp_path) -> None:
    _, paths, pki = unit
    nss = pdfsig.nss_db(tmp_path / "nss", [pki["ca_cert"]])
    for name in signed.signed["tep"]:
        (result,) = pdfsig.check(paths.archive / name, nss)
        assert result["valid"], result


def test_packages_and_two_verified_copies(signed, unit) -> None:
    root, paths, _ = unit
    assert list(signed.packages["ma_ho_so"]) == [MA] and signed.packages["hop_le"].all()
    assert validate_package(paths.archive / "packages" / MA) == []
    assert len(signed.backups) == 2 and signed.backups["da_kiem_tra"].all()
    for copy in ("a", "b"):
        assert (root / "copies" / copy / "TTLT" / MA / "METS.xml").is_file()
    with (paths.archive / "preservation-log.csv").open(encoding="utf-8-sig") as fh:
        events = [row["event"] for row in csv.DictReader(fh)]
    assert events.count("backup") == 2


def test_verify_commands(signed, unit, capsys) -> None:
    _, paths, pki = unit
    assert cli.main(["verify", str(paths.archive), "--trust", str(pki["ca_cert"])]) == 0
    assert cli.main(["verify", "--fixity", str(paths.archive / "packages")]) == 0
    copy = Path(signed.backups["ban_sao"].iloc[0])
    victim = next(copy.rglob("*.pdf"))
    victim.write_bytes(victim.read_bytes() + b"%")
    assert cli.main(["verify", "--fixity", str(paths.archive / "packages")]) != 0
    assert "changed" in capsys.readouterr().out


def test_rerun_signs_nothing_and_no_output_holds_the_password(signed, unit) -> None:
    root, paths, _ = unit
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TEST_SIGN_PW", PASSWORD)
        again = run_sign(load_unit_settings(root / "TTLT.yaml"), paths, prompt=None)
    assert again.signed_now == 0 and set(again.signed["trang_thai"]) == {"valid"}
    secret = PASSWORD.encode()
    for file in paths.root.rglob("*"):
        if file.is_file():
            assert secret not in file.read_bytes(), file


def test_verification_works_inside_a_running_event_loop(signed, unit) -> None:
    """Notebook cells run inside an event loop; pyHanko's sync API must still work there."""
    import asyncio

    from sohoa_lib.sign.verify import verify_pdf

    _, paths, pki = unit
    pdf = paths.archive / signed.signed["tep"].iloc[0]

    async def in_a_cell():
        return verify_pdf(pdf, [pki["ca_cert"]])

    assert asyncio.run(in_a_cell()).status == "valid"


def test_a_differing_backup_fails_the_stage_until_a_person_accepts_the_package(
    signed, unit, capsys
) -> None:
    from sohoa_lib.errors import PreservationError
    from sohoa_lib.reports import sign

    root, paths, _ = unit
    package = paths.archive / "packages" / MA
    copy = root / "copies" / "b" / "TTLT" / MA
    victim = next(p for p in sorted(copy.rglob("*")) if p.is_file() and p.name != "METS.xml")
    victim.write_bytes(victim.read_bytes() + b" changed")
    damaged = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}

    def sign_again():
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TEST_SIGN_PW", PASSWORD)
            return run_sign(load_unit_settings(root / "TTLT.yaml"), paths, prompt=None)

    again = sign_again()
    assert str(copy) in [name for name, _ in again.failures]
    assert again.figures()["failures"] >= 1
    summary = (paths.archive / "summary.json").read_text(encoding="utf-8")
    assert '"failures": 0' not in summary
    with pytest.raises(PreservationError, match="lỗi ký số, đóng gói hoặc sao lưu"):
        again.raise_for_failures()
    # The stage notebook ends with it, so `sohoa run` exits 4 (a failed cell, test_cli.py).
    notebook = nbformat.read(str(ROOT / "notebooks" / "03_sign.ipynb"), as_version=4)
    last = [cell.source for cell in notebook.cells if cell.cell_type == "code"][-1]
    assert last.strip() == "result.raise_for_failures()"
    assert "sohoa backup accept" in sign.packages(again).text
    assert copy.is_dir() and victim.read_bytes().endswith(b" changed")  # never overwritten

    assert cli.main(["backup", "accept", str(package)]) == 0
    assert "Đã chấp nhận gói mới" in capsys.readouterr().out
    (kept,) = (root / "copies" / "b" / "TTLT.superseded").iterdir()
    assert kept.name.startswith(MA + ".")
    assert {p.relative_to(kept): p.read_bytes() for p in kept.rglob("*") if p.is_file()} == damaged
    with (paths.archive / "preservation-log.csv").open(encoding="utf-8-sig") as fh:
        details = [row["detail"] for row in csv.DictReader(fh)]
    assert any(f"bản sao cũ giữ tại {kept}" in d for d in details)

    assert sign_again().failures == []
    assert cli.main(["verify", "--fixity", str(paths.archive / "packages")]) == 0


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _premis_events(package: Path) -> list[tuple[str, str, str]]:
    from lxml import etree

    ns = {"p": "http://www.loc.gov/premis/v3"}
    root = etree.parse(str(package / "metadata/preservation/premis.xml")).getroot()
    return [
        (e.findtext("p:eventType", namespaces=ns), e.findtext("p:eventDateTime", namespaces=ns),
         e.find("p:eventType", ns).get("valueURI"))
        for e in root.iterfind("p:event", ns)
    ]  # fmt: skip


def test_preserve_renew_rebuilds_the_package_and_replaces_its_backups(
    signed, unit, capsys, monkeypatch
) -> None:
    import json

    from sohoa_lib.errors import PreservationError
    from sohoa_lib.stages.sign import RENEWAL_REASON

    root, paths, _ = unit
    monkeypatch.setenv("TEST_SIGN_PW", PASSWORD)
    package = paths.archive / "packages" / MA
    copies = [root / "copies" / loc / "TTLT" for loc in ("a", "b")]
    before = _tree(package)
    earlier = _premis_events(package)
    superseded = {c: set((c.parent / "TTLT.superseded").glob("*")) for c in copies}
    # 1500 days: the demo authority's certificate (3 years) ends within it, so every file is due.
    args = ["preserve", "renew", str(paths.archive), "--params", str(root / "TTLT.yaml"),
            "--margin-days", "1500"]  # fmt: skip
    assert cli.main(args) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    pdfs = sorted(paths.archive.glob("*.pdf"))
    assert pdfs and out.count("renewed ") == len(pdfs) and f"rebuilt    {package}" in out, out

    data = package / "representations" / "rep1" / "data"
    assert {p.name: p.read_bytes() for p in pdfs} == {
        p.name: p.read_bytes() for p in data.glob("*.pdf")
    }
    assert all(before[f"representations/rep1/data/{p.name}"] != p.read_bytes() for p in pdfs)
    state = json.loads((paths.archive / "signed.json").read_text(encoding="utf-8"))
    (at,) = {r["at"] for p in pdfs for r in state[p.name]["renewals"]}
    events = _premis_events(package)
    renewal = ("digital signature generation", at,
               "http://id.loc.gov/vocabulary/preservation/eventType/dsg")  # fmt: skip
    assert renewal in events
    # Every earlier event stays (package creation is re-dated: the package is new).
    assert [e for e in earlier if e[0] != "information package creation"] == [
        e for e in events if e != renewal and e[0] != "information package creation"
    ]
    assert validate_package(package) == []

    renewed = _tree(package)
    for copy in copies:
        assert _tree(copy / MA) == renewed
        (kept,) = set((copy.parent / "TTLT.superseded").glob("*")) - superseded[copy]
        assert _tree(kept) == before  # the copy of the package before renewal, set aside whole
    log = list(csv.DictReader((paths.archive / "preservation-log.csv").open(encoding="utf-8-sig")))
    assert {r["target"] for r in log if r["event"] == "renewal" and r["result"] == "ok"} >= {
        str(p.resolve()) for p in pdfs
    }
    assert sum(RENEWAL_REASON in r["detail"] for r in log) == 2
    assert cli.main(["verify", "--fixity", str(paths.archive)]) == 0
    # The package is what the sign stage builds: a later run leaves it and its copies alone.
    again = run_sign(load_unit_settings(root / "TTLT.yaml"), paths, prompt=None)
    assert again.failures == [] and _tree(package) == renewed

    # A backup location that cannot be written: renewing fails and names the copy.
    copies[1].rename(copies[1].with_name("TTLT.moved"))
    copies[1].write_text("not a folder")
    capsys.readouterr()
    assert cli.main(args) == PreservationError.exit_code
    out, err = capsys.readouterr()
    assert str(copies[1] / MA) in err and "không sao chép được" in err, (out, err)
    assert _tree(copies[0] / MA) == _tree(package)  # the writable location was still renewed
    # The signature, its timestamp and the two renewals.
    assert len([e for e in _premis_events(package) if e[2].endswith("/dsg")]) == 4


def _premis_agents(package: Path) -> dict[str, tuple[str, str, str]]:
    """Each PREMIS event's detail as (type, time, agent name)."""
    from lxml import etree

    ns = {"p": "http://www.loc.gov/premis/v3"}
    root = etree.parse(str(package / "metadata/preservation/premis.xml")).getroot()
    names = {a.findtext("p:agentIdentifier/p:agentIdentifierValue", namespaces=ns):
             a.findtext("p:agentName", namespaces=ns) for a in root.iterfind("p:agent", ns)}  # fmt: skip
    return {
        e.findtext("p:eventDetailInformation/p:eventDetail", namespaces=ns) or "": (
            e.findtext("p:eventType", namespaces=ns), e.findtext("p:eventDateTime", namespaces=ns),
            names[e.findtext("p:linkingAgentIdentifier/p:linkingAgentIdentifierValue", namespaces=ns)])
        for e in root.iterfind("p:event", ns)
    }  # fmt: skip


def test_premis_events_are_those_the_steps_recorded(signed, unit) -> None:
    import json

    from sohoa_lib.common import versions

    _, paths, _ = unit
    record = json.loads((paths.digitize / "files" / f"{MA}.json").read_text(encoding="utf-8"))
    recorded = {e["type"]: e for e in record["events"]}
    assert list(recorded) == ["capture", "validation", "metadata extraction", "format conversion"]
    ocr = recorded["metadata extraction"]
    # The Tesseract that read the pages, as the OCR result named it, not stage 3's.
    assert tesseract.version() in ocr["agent"] and LATER_TESSERACT not in ocr["agent"]
    assert recorded["validation"]["when"] <= ocr["when"] <= recorded["format conversion"]["when"]
    events = _premis_agents(paths.archive / "packages" / MA)
    (ocr_event,) = [v for d, v in events.items() if d.startswith("Nhận dạng chữ (OCR)")]
    assert ocr_event == ("metadata extraction", ocr["when"], ocr["agent"])
    # Renewals (sohoa preserve renew, run by an earlier test) keep their own UTC times, and the
    # package's creation takes the latest event's.
    renewal = ("[renewal]", "Tạo gói thông tin")
    steps = {d: when for d, (_, when, _) in events.items() if not d.startswith(renewal)}
    assert len(steps) == 6 and all(when.endswith("+07:00") for when in steps.values()), steps
    assert not any(LATER_TESSERACT in agent for _, _, agent in events.values())
    state = json.loads((paths.archive / "signed.json").read_text(encoding="utf-8"))
    entry = state[signed.signed["tep"].iloc[0]]
    assert entry["agent"].endswith(f"pyHanko {versions.version('pyhanko')}")
    (signature,) = [v for d, v in events.items() if d.startswith("Ký số PAdES")]
    assert signature == ("digital signature generation", entry["signed_at"], entry["agent"])
    timestamp = [d for d in events if d.startswith("[timestamp]")]
    assert len(timestamp) == 1 and "TSA thử nghiệm tsa.p12" in timestamp[0]
    assert not [d for d in events if "dựng lại sau" in d]


def test_a_record_without_events_yields_events_marked_reconstructed(unit, tmp_path) -> None:
    import json
    import shutil

    from sohoa_lib import handover
    from sohoa_lib.preserve import history

    root, paths, _ = unit
    digitize = tmp_path / "digitize"
    (digitize / "files").mkdir(parents=True)
    shutil.copytree(paths.digitize / "pdfa", digitize / "pdfa")
    record = json.loads((paths.digitize / "files" / f"{MA}.json").read_text(encoding="utf-8"))
    del record["events"]  # as stage 2 wrote its records before it recorded events
    (digitize / "files" / f"{MA}.json").write_text(json.dumps(record), encoding="utf-8")

    (old,) = handover.finished_files(digitize, load_unit_settings(root / "TTLT.yaml")).values()
    assert [e.type for e in old.events] == [
        "capture", "metadata extraction", "format conversion"
    ]  # fmt: skip
    assert all(e.detail.endswith(f"({history.RECONSTRUCTED})") for e in old.events)
    (new,) = handover.finished_files(
        paths.digitize, load_unit_settings(root / "TTLT.yaml")
    ).values()
    assert not any(history.RECONSTRUCTED in e.detail for e in new.events)
    # Likewise a signature recorded before signed.json named the tools that made it.
    entry = {"signed_at": "2026-01-02T03:04:05+07:00", "level": "B-T", "certificate": {}}
    (signature,) = history.signing([entry])
    assert signature.detail.endswith(f"({history.RECONSTRUCTED})")


def test_renewal_is_judged_as_of_the_report_date(signed, unit) -> None:
    # as_of is the date a report is for: asked as of 2045, every timestamp here has run out and
    # each file is due for renewal; without it (today) none is. Signing itself is not repeated.
    root, paths, _ = unit
    assert signed.figures()["renewal_due"] == 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TEST_SIGN_PW", PASSWORD)
        later = run_sign(
            load_unit_settings(root / "TTLT.yaml"), paths, prompt=None, as_of=dt.date(2045, 1, 1)
        )
    assert later.signed_now == 0
    assert later.figures()["renewal_due"] == len(later.signed) >= 1
