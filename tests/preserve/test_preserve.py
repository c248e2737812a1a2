"""Long-term validation: B-LTA files, when they are due for renewal, and renewing them."""
# ruff: noqa: F811  (the pki and pdfa fixtures are imported from test_sign)

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from test_sign import (  # noqa: F401  (fixtures)
    ENV,
    ORG,
    PASSWORD,
    _ca_cert,
    needs_poppler,
    nssdir,
    pdfa,
    pki,
)

from sohoa_lib.common.files import sha256
from sohoa_lib.errors import PreservationError
from sohoa_lib.preserve import fixity, renew
from sohoa_lib.settings import Signing
from sohoa_lib.sign import pades
from sohoa_lib.tools import pdfsig

YEAR = dt.timedelta(days=365)


@pytest.fixture
def settings(pki, monkeypatch) -> Signing:
    monkeypatch.setenv(ENV, PASSWORD)
    return Signing(
        organisation=ORG,
        pkcs12=pki["signer"],
        password_env=ENV,
        trust_roots=(pki["ca_cert"],),
        demo_tsa=pki["tsa"],
        revocation=(pki["crl"],),
    )


@pytest.fixture
def lta(settings, pdfa, tmp_path) -> Path:
    with pades.Session(settings, "tt05-2025", prompt=None) as session:
        assert session.sign(pdfa, tmp_path / "lta.pdf").level == "B-LTA"
    return tmp_path / "lta.pdf"


def later_tsa(pki, years: int) -> DummyTimeStamper:
    """A timestamp authority of the demo CA whose certificate is valid `years` from now: the
    authority a unit would renew with once the first one's certificate nears its end."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509

    ca_key = serialization.load_pem_private_key(pki["ca_key"].read_bytes(), PASSWORD.encode())
    ca = x509.load_pem_x509_certificate(pki["ca_cert"].read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "renewal TSA (DEMO)")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(min(now + years * YEAR, ca.not_valid_after_utc))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    key_der = key.private_bytes(
        der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
        certs_to_embed=None,
    )


def _tsa_expiry(pki) -> dt.datetime:
    from cryptography.hazmat.primitives.serialization import pkcs12

    _, cert, _ = pkcs12.load_key_and_certificates(pki["tsa"].read_bytes(), PASSWORD.encode())
    return cert.not_valid_after_utc


def test_renewal_is_due_within_the_margin_of_the_newest_timestamp_expiry(lta, pki):
    expires = _tsa_expiry(pki)
    now = dt.datetime.now(dt.UTC)
    state = renew.renewal_due(lta, now=now, margin=dt.timedelta(days=30))
    assert (state.due, state.expires) == (False, expires)
    state = renew.renewal_due(lta, now=now)  # default margin: two years, the demo's is three
    assert not state.due
    state = renew.renewal_due(lta, now=expires - YEAR)
    assert state.due and str(expires.date()) in state.reason
    gone = renew.renewal_due(lta, now=expires + YEAR)
    assert gone.due and "đã hết hạn" in gone.reason


@needs_poppler
def test_renew_adds_validation_data_and_a_timestamp_incrementally(lta, pki, settings, nssdir):
    before = lta.read_bytes()
    tsa = later_tsa(pki, 8)
    renew.Renewer(settings, timestamper=tsa).renew(lta)
    after = lta.read_bytes()
    assert after.startswith(before)  # incremental: the signed revisions are untouched
    with lta.open("rb") as fh:
        reader = PdfFileReader(fh)
        kinds = [s.sig_object_type for s in reader.embedded_signatures]
        assert kinds == ["/Sig", "/DocTimeStamp", "/DocTimeStamp"]
        context = DocumentSecurityStore.read_dss(reader).as_validation_context(
            {"trust_roots": [_ca_cert(pki["ca_cert"])], "revocation_mode": "hard-fail"}
        )
        signature, *stamps = reader.embedded_signatures
        status = validate_pdf_signature(signature, context, context)
        assert status.bottom_line, status.pretty_print_details()
        for stamp in stamps:
            ts = validate_pdf_timestamp(stamp, context)
            assert ts.intact and ts.valid and ts.trusted, ts.pretty_print_details()
    (signed, *_) = pdfsig.check(lta, nssdir)  # poppler still accepts the signature
    assert signed["valid"], signed
    # The newest timestamp is now the renewal's: due again only near its certificate's end.
    state = renew.renewal_due(lta, now=_tsa_expiry(pki))
    assert state.expires == tsa.tsa_cert.not_valid_after and not state.due


def test_renew_path_refuses_a_changed_file_and_keeps_the_manifest_true(lta, pki, settings):
    folder = lta.parent
    (folder / fixity.MANIFEST).write_text(f"{'0' * 64}  {lta.name}\n")
    renewer = renew.Renewer(settings, timestamper=later_tsa(pki, 8))
    due = _tsa_expiry(pki) - YEAR
    with pytest.raises(PreservationError, match="nothing renewed"):
        renewer.renew_path(folder, now=due)
    (folder / fixity.MANIFEST).write_text(f"{sha256(lta)}  {lta.name}\n")
    (result,) = renewer.renew_path(folder, now=due)
    assert result.renewed and not result.due, result
    assert fixity.check_manifest(folder, extra=False).ok
    (again,) = renewer.renew_path(folder, now=due)  # nothing due: nothing rewritten
    assert not again.renewed


def test_preserve_renew_command_lists_then_renews(lta, pki, write_unit, tmp_path, capsys):
    from conftest import file_row
    from sohoa_lib import cli

    params = write_unit(
        [file_row("TTLT.1998.01")],
        {
            "signing": {
                "organisation": ORG,
                "pkcs12": str(pki["signer"]),
                "password_env": ENV,
                "trust_roots": [str(pki["ca_cert"])],
                "demo_tsa": str(pki["tsa"]),
                "revocation": [str(pki["crl"])],
            },
            "preservation": {
                "backups": [str(tmp_path / "b1"), str(tmp_path / "b2")],
                "renew_margin_days": 30,
            },
        },
    )
    before = sha256(lta)
    assert cli.main(["preserve", "renew", str(lta), "--params", str(params)]) == 0
    assert capsys.readouterr().out.startswith("ok ")  # 30 days' margin: nothing due
    days = str(4 * 365)  # the demo authority's certificate ends within four years
    args = ["preserve", "renew", str(lta), "--params", str(params), "--margin-days", days]
    assert cli.main([*args, "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("due ") and sha256(lta) == before
    assert cli.main(args) == 0
    assert capsys.readouterr().out.startswith("renewed ") and sha256(lta) != before


# Validation at any time, offline, from the file's own DSS (verify) --------------------------


def _verdict(path, pki, when):
    from sohoa_lib.sign.verify import verify_pdf

    return verify_pdf(path, [pki["ca_cert"]], when=when)


def test_b_lta_holds_15_years_on_once_renewed_and_not_when_a_timestamp_is_stripped(
    lta, pki, settings
):
    now = dt.datetime.now(dt.UTC)
    at_signing = _verdict(lta, pki, now + dt.timedelta(minutes=1))
    assert at_signing.ok and at_signing.level_reached == "B-LTA", at_signing
    assert "dấu thời gian chữ ký" in at_signing.validation_basis
    assert at_signing.missing == ()
    later = now + 15 * YEAR  # the signer's (3 years) and the authority's certificates ended
    assert not _verdict(lta, pki, later).ok  # nobody renewed it: its newest timestamp expired
    before = lta.read_bytes()
    renew.Renewer(settings, timestamper=later_tsa(pki, 20)).renew(lta)
    verdict = _verdict(lta, pki, later)
    assert verdict.ok and verdict.level_reached == "B-LTA", verdict
    # Judged at its signature timestamp's time, proven by the chain of document timestamps.
    assert verdict.validation_time == at_signing.validation_time
    assert "chuỗi dấu thời gian" in verdict.validation_basis
    stripped = lta.with_name("stripped.pdf")
    stripped.write_bytes(before)  # the renewal's revision cut off
    verdict = _verdict(stripped, pki, later)
    assert verdict.status == "untrusted" and "hết hạn" in verdict.reason, verdict


def test_a_signer_revoked_after_signing_holds_only_for_files_timestamped_before(
    pki, pdfa, settings, tmp_path
):
    import time

    from sohoa_lib.demo._pki import write_demo_crl

    with pades.Session(settings, "tt05-2025", prompt=None) as session:
        before = session.sign(pdfa, tmp_path / "before.pdf").path
        time.sleep(1.5)
        revoked_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        time.sleep(1.5)
        after = session.sign(pdfa, tmp_path / "after.pdf").path
    crl = write_demo_crl(
        pki,
        tmp_path / "later.crl",
        password=PASSWORD,
        issued=revoked_at + dt.timedelta(seconds=1),
        revoked={pki["signer"]: revoked_at},
    )
    # The renewal embeds the CA's newer CRL, which names the revocation.
    renewer = renew.Renewer(replace(settings, revocation=(crl,)))
    for path in (before, after):
        renewer.renew(path)
    when = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert _verdict(before, pki, when).ok, _verdict(before, pki, when)
    verdict = _verdict(after, pki, when)
    assert verdict.status == "untrusted" and "thu hồi" in verdict.reason, verdict


def test_missing_evidence_is_named_not_passed_over(pki, pdfa, settings, tmp_path):
    plain = replace(settings, demo_tsa=None, revocation=())
    with pades.Session(plain, "tt05-2025", prompt=None) as session:
        path = session.sign(pdfa, tmp_path / "bb.pdf").path
    verdict = _verdict(path, pki, dt.datetime.now(dt.UTC))
    assert verdict.ok and verdict.level_reached == "B-B"
    assert verdict.missing == ("không có dấu thời gian chữ ký (B-T)",)
    assert "thời điểm kiểm tra" in verdict.validation_basis


def test_verify_at_a_date_reports_level_time_and_gaps(lta, pki, capsys):
    from sohoa_lib import cli

    later = (dt.datetime.now(dt.UTC) + 15 * YEAR).date().isoformat()
    argv = ["verify", str(lta), "--trust", str(pki["ca_cert"])]
    assert cli.main(argv) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("valid ") and "mức đạt: B-LTA" in line
    assert "kiểm tra chứng thư tại thời điểm dấu thời gian chữ ký" in line
    assert cli.main([*argv, "--at", later]) == 1  # not renewed: its timestamps ran out
    out = capsys.readouterr().out
    assert out.startswith(f"Kiểm tra tại thời điểm {later}T00:00:00+07:00 (--at)")
    assert "untrusted" in out and "hết hạn" in out


def test_renewals_are_recorded_for_the_packages_premis_history(lta, pki, settings):
    import json

    from sohoa_lib.preserve.premis import PreservationEvent, check_event

    folder = lta.parent
    (folder / "signed.json").write_text(json.dumps({lta.name: {"level": "B-LTA"}}))
    due = _tsa_expiry(pki) - YEAR
    renew.Renewer(settings, timestamper=later_tsa(pki, 8)).renew_path(folder, now=due)
    (renewal,) = json.loads((folder / "signed.json").read_text())[lta.name]["renewals"]
    assert dt.datetime.fromisoformat(renewal["at"]) == due and renewal["expires"]
    check_event(
        PreservationEvent("renewal", renewal["at"], "sohoa 0.1; pyHanko 0.38", "success"), 0
    )


def test_preserve_renew_rechecks_the_packages_and_their_backups(
    lta, pki, write_unit, tmp_path, capsys
):
    import json
    import shutil

    from conftest import file_row
    from sohoa_lib import cli

    archive = tmp_path / "archive"
    archive.mkdir()
    pdf = archive / lta.name
    shutil.move(lta, pdf)
    (archive / fixity.MANIFEST).write_text(f"{sha256(pdf)}  {pdf.name}\n")
    package = archive / "packages" / "TTLT.1998.01"
    package.mkdir(parents=True)
    shutil.copy(pdf, package / pdf.name)
    fixity.write_manifest(archive / "packages")
    copies = [tmp_path / "copy-1", tmp_path / "copy-2"]
    for copy in copies:
        shutil.copytree(archive / "packages", copy)
    backups = {"copies": [str(c) for c in copies], "log": str(tmp_path / "log.csv")}
    (archive / "packages" / "backups.json").write_text(json.dumps(backups))
    signing = {"organisation": ORG, "pkcs12": str(pki["signer"]), "password_env": ENV,
               "trust_roots": [str(pki["ca_cert"])], "demo_tsa": str(pki["tsa"]),
               "revocation": [str(pki["crl"])]}  # fmt: skip
    backup_dirs = [str(tmp_path / "b1"), str(tmp_path / "b2")]
    params = write_unit(
        [file_row("TTLT.1998.01")], {"signing": signing, "preservation": {"backups": backup_dirs}}
    )
    args = ["preserve", "renew", str(archive), "--params", str(params), "--margin-days", "1500"]
    # Not a unit's outputs/<UNIT>/archive: its package cannot be rebuilt, and that is a failure
    # naming it (test_archive renews a real unit's packages).
    assert cli.main(args) == PreservationError.exit_code
    out, err = capsys.readouterr()
    assert out.startswith("renewed ") and out.count("tổng kiểm SHA-256: khớp") == 3, out
    assert str(archive / "packages") in err and "không phải thư mục outputs/TTLT/archive" in err
    assert fixity.check_manifest(archive, extra=False).ok
    (copies[1] / "TTLT.1998.01" / pdf.name).write_bytes(b"damaged")
    assert cli.main(args) == PreservationError.exit_code  # a damaged copy fails, renewal or not
    assert "bị thay đổi" in capsys.readouterr().out
