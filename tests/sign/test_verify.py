"""Signature verification: each status on small PDFs signed with a test PKI made here."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter, append_signature_field
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from sohoa_lib import cli
from sohoa_lib.errors import InputError, ParamsError
from sohoa_lib.sign.verify import verify_path, verify_pdf

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
ORG = "Trung tâm Lưu trữ BHXH Việt Nam"


# -- a tiny test PKI -------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    cert: x509.Certificate
    key: object

    @property
    def asn1_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    @property
    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        der = self.key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return asn1_keys.PrivateKeyInfo.load(der)


def _issue(
    name: str,
    issuer: Identity | None = None,
    *,
    ca: bool = False,
    start: dt.datetime = NOW - dt.timedelta(days=30),
    end: dt.datetime = NOW + dt.timedelta(days=365),
    tsa: bool = False,
) -> Identity:
    # EC keys are fast to make; pyHanko's offline timestamper only signs with RSA.
    key = rsa.generate_private_key(65537, 2048) if tsa else ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),  # type: ignore[attr-defined]
            critical=False,
        )
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    signing_key = issuer.key if issuer else key
    return Identity(builder.sign(signing_key, hashes.SHA256()), key)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PKI:
    root: Identity
    signer: Identity
    expired: Identity
    tsa: Identity
    other_root: Identity
    stranger: Identity
    other_tsa: Identity
    root_pem: Path
    other_root_pem: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    folder = tmp_path_factory.mktemp("pki")
    root = _issue("Test Root CA", ca=True, start=NOW - dt.timedelta(days=3650))
    other_root = _issue("Other Root CA", ca=True, start=NOW - dt.timedelta(days=3650))
    pki = PKI(
        root=root,
        signer=_issue(ORG, root),
        expired=_issue(
            "Expired Signer",
            root,
            start=NOW - dt.timedelta(days=800),
            end=NOW - dt.timedelta(days=400),
        ),
        tsa=_issue("Test TSA", root, tsa=True),
        other_root=other_root,
        stranger=_issue("Stranger Signer", other_root),
        other_tsa=_issue("Other TSA", other_root, tsa=True),
        root_pem=folder / "root.pem",
        other_root_pem=folder / "other-root.der",
    )
    pki.root_pem.write_bytes(root.cert.public_bytes(serialization.Encoding.PEM))
    pki.other_root_pem.write_bytes(other_root.cert.public_bytes(serialization.Encoding.DER))
    return pki


def blank_pdf(text: str = "Ho so 001") -> bytes:
    """One blank page whose uncompressed content stream holds `text`, so a test can edit it."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pdf.make_stream(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def sign(
    data: bytes,
    who: Identity,
    issuer: Identity,
    *,
    tsa: Identity | None = None,
    field: str = "Sig1",
    long_term: str = "",
) -> bytes:
    """PAdES-sign `data`: B-B, B-T with an offline timestamp from `tsa`, or B-LT / B-LTA."""
    chain = SimpleCertificateStore.from_certs([issuer.asn1_cert])
    signer = signers.SimpleSigner(
        signing_cert=who.asn1_cert, signing_key=who.asn1_key, cert_registry=chain
    )
    timestamper = None
    if tsa is not None:
        timestamper = timestamps.DummyTimeStamper(
            tsa_cert=tsa.asn1_cert, tsa_key=tsa.asn1_key, certs_to_embed=chain
        )
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=bool(long_term),
        use_pades_lta=long_term == "B-LTA",
        validation_context=ValidationContext(trust_roots=[issuer.asn1_cert], allow_fetching=False)
        if long_term
        else None,
    )
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper)
    return pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data))).getvalue()


@pytest.fixture(scope="module")
def signed(pki: PKI) -> bytes:
    return sign(blank_pdf(), pki.signer, pki.root, tsa=pki.tsa)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- verify_pdf ------------------------------------------------------------------------------


def test_valid_signature_with_timestamp(pki: PKI, signed: bytes, tmp_path: Path) -> None:
    verdict = verify_pdf(write(tmp_path, "a.pdf", signed), [pki.root_pem])
    assert verdict.ok and verdict.status == "valid"
    assert verdict.signer == ORG
    assert verdict.level == "B-T"
    assert verdict.timestamp and verdict.timestamp.startswith("có dấu thời gian hợp lệ (Test TSA")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", verdict.signed_at or "")
    assert verdict.reason == (
        f"chữ ký hợp lệ, chứng thư số của {ORG} do Test Root CA cấp, "
        f"dấu thời gian {verdict.signed_at}"
    )
    assert verdict.certificate is not None
    assert "Test Root CA" in verdict.certificate["issuer"]
    assert verdict.certificate["not_after"].endswith("+07:00")


def test_valid_signature_without_timestamp_is_b_b(pki: PKI, tmp_path: Path) -> None:
    path = write(tmp_path, "a.pdf", sign(blank_pdf(), pki.signer, pki.root))
    verdict = verify_pdf(path, [pki.root_pem])
    assert verdict.status == "valid"
    assert (verdict.level, verdict.timestamp) == ("B-B", None)
    assert "không có dấu thời gian" in verdict.reason


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_long_term_levels_are_detected(pki: PKI, tmp_path: Path, level: str) -> None:
    data = sign(blank_pdf(), pki.signer, pki.root, tsa=pki.tsa, long_term=level)
    verdict = verify_pdf(write(tmp_path, "a.pdf", data), [pki.root_pem])
    assert (verdict.status, verdict.level, verdict.signer) == ("valid", level, ORG)
    assert "bổ sung thông tin kiểm tra dài hạn (LTA_UPDATES)" in verdict.reason
    if level == "B-LTA":
        assert "1 dấu thời gian tài liệu (lưu trữ dài hạn) hợp lệ" in verdict.reason


def test_second_signature_keeps_the_file_valid(pki: PKI, signed: bytes, tmp_path: Path) -> None:
    twice = sign(signed, pki.signer, pki.root, field="Sig2")
    verdict = verify_pdf(write(tmp_path, "a.pdf", twice), [pki.root_pem])
    assert verdict.status == "valid"
    assert verdict.reason.startswith("cả 2 chữ ký hợp lệ")


def test_one_changed_byte_in_the_signed_range_is_tampered(
    pki: PKI, signed: bytes, tmp_path: Path
) -> None:
    start, length, _, _ = map(
        int, re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)", signed).groups()
    )  # type: ignore[union-attr]
    offset = signed.index(b"Ho so 001") + len("Ho so 00")
    assert start <= offset < start + length  # signed, and before the /Contents hole
    data = bytearray(signed)
    data[offset] = ord("7")  # "Ho so 001" → "Ho so 007": same length, still a readable PDF
    verdict = verify_pdf(write(tmp_path, "a.pdf", bytes(data)), [pki.root_pem])
    assert verdict.status == "tampered"
    assert "không khớp với chữ ký" in verdict.reason
    assert verdict.signer == ORG  # who signed is still reported


def test_appended_revision_changing_the_page_is_tampered(
    pki: PKI, signed: bytes, tmp_path: Path
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    forged = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (Ho so 999) Tj ET")
    page["/Contents"] = writer.add_object(forged)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    verdict = verify_pdf(write(tmp_path, "a.pdf", out.getvalue()), [pki.root_pem])
    assert verdict.status == "tampered"
    # pyHanko's difference analysis explains it; the signed bytes themselves are intact.
    assert verdict.reason.startswith("tệp bị sửa đổi sau khi ký (modified after signing): ")
    assert "unexplained" in verdict.reason


def test_expired_certificate_is_untrusted(pki: PKI, tmp_path: Path) -> None:
    path = write(tmp_path, "a.pdf", sign(blank_pdf(), pki.expired, pki.root))
    verdict = verify_pdf(path, [pki.root_pem])
    assert verdict.status == "untrusted"
    assert "chứng thư số của Expired Signer đã hết hạn ngày" in verdict.reason
    assert "expired" in verdict.reason


def test_valid_today_untrusted_after_the_certificate_expires(
    pki: PKI, signed: bytes, tmp_path: Path
) -> None:
    path = write(tmp_path, "a.pdf", signed)
    later = NOW + dt.timedelta(days=400)
    verdict = verify_pdf(path, [pki.root_pem], when=later)
    assert verdict.status == "untrusted"
    assert "hết hạn" in verdict.reason
    with pytest.raises(ValueError, match="time zone"):
        verify_pdf(path, [pki.root_pem], when=dt.datetime(2030, 1, 1))


def test_signer_from_another_root_is_untrusted(pki: PKI, tmp_path: Path) -> None:
    path = write(tmp_path, "a.pdf", sign(blank_pdf(), pki.stranger, pki.other_root))
    verdict = verify_pdf(path, [pki.root_pem])
    assert verdict.status == "untrusted"
    assert "do Other Root CA cấp, không nối được tới gốc tin cậy nào (unknown issuer)" in (
        verdict.reason
    )
    # trusting that root too (a DER file) makes it valid
    assert verify_pdf(path, [pki.root_pem, pki.other_root_pem]).status == "valid"


def test_timestamp_from_an_untrusted_authority(pki: PKI, tmp_path: Path) -> None:
    path = write(tmp_path, "a.pdf", sign(blank_pdf(), pki.signer, pki.root, tsa=pki.other_tsa))
    verdict = verify_pdf(path, [pki.root_pem])
    assert verdict.status == "untrusted"
    assert verdict.reason.startswith("dấu thời gian không tin cậy: chứng thư số của Other TSA")
    assert verdict.timestamp and verdict.timestamp.startswith("dấu thời gian không tin cậy")


def test_unsigned_pdf(pki: PKI, tmp_path: Path) -> None:
    verdict = verify_pdf(write(tmp_path, "a.pdf", blank_pdf()), [pki.root_pem])
    assert (verdict.status, verdict.reason) == ("unsigned", "không có chữ ký số")
    assert verdict.signer is None and not verdict.ok


def test_empty_signature_field_is_unsigned(pki: PKI, tmp_path: Path) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(blank_pdf()))
    append_signature_field(writer, SigFieldSpec("ChuKy"))
    out = io.BytesIO()
    writer.write(out)
    verdict = verify_pdf(write(tmp_path, "a.pdf", out.getvalue()), [pki.root_pem])
    assert verdict.status == "unsigned"
    assert verdict.reason == "có trường chữ ký trống (ChuKy) nhưng chưa ký"


def test_not_a_pdf_is_unreadable(pki: PKI, tmp_path: Path) -> None:
    verdict = verify_pdf(write(tmp_path, "a.pdf", b"not a PDF at all\n"), [pki.root_pem])
    assert verdict.status == "unreadable"
    assert verdict.reason.startswith("không phải PDF hoặc tệp hỏng: ")


def test_trust_roots_must_be_given_and_readable(pki: PKI, signed: bytes, tmp_path: Path) -> None:
    path = write(tmp_path, "a.pdf", signed)
    with pytest.raises(ParamsError, match="chưa có chứng thư gốc tin cậy"):
        verify_pdf(path, [])
    with pytest.raises(ParamsError, match="không tìm thấy tệp chứng thư gốc"):
        verify_pdf(path, [tmp_path / "nope.pem"])
    with pytest.raises(ParamsError, match="không phải chứng thư số PEM hoặc DER"):
        verify_pdf(path, [write(tmp_path, "bad.pem", b"junk")])
    bundle = write(
        tmp_path,
        "bundle.pem",
        pki.other_root.cert.public_bytes(serialization.Encoding.PEM) + pki.root_pem.read_bytes(),
    )
    assert verify_pdf(path, [bundle]).status == "valid"


# -- folders and the command line ------------------------------------------------------------


@pytest.fixture
def mixed(pki: PKI, signed: bytes, tmp_path: Path) -> Path:
    """An archive folder with one file of each status (and a non-PDF, which is skipped)."""
    folder = tmp_path / "archive"
    write(folder, "a-valid.pdf", signed)
    write(folder, "b-unsigned.pdf", blank_pdf())
    write(folder, "c-untrusted.pdf", sign(blank_pdf(), pki.stranger, pki.other_root))
    write(folder, "d/e-tampered.pdf", signed.replace(b"Ho so 001", b"Ho so 002"))
    write(folder, "f-unreadable.PDF", b"%PDF-1.7 broken")
    write(folder, "notes.txt", b"not checked")
    return folder


def test_folder_gives_one_verdict_per_pdf_sorted(pki: PKI, mixed: Path) -> None:
    verdicts = verify_path(mixed, [pki.root_pem])
    assert [(v.path.relative_to(mixed).as_posix(), v.status) for v in verdicts] == [
        ("a-valid.pdf", "valid"),
        ("b-unsigned.pdf", "unsigned"),
        ("c-untrusted.pdf", "untrusted"),
        ("d/e-tampered.pdf", "tampered"),
        ("f-unreadable.PDF", "unreadable"),
    ]
    with pytest.raises(InputError, match="không có tệp hoặc thư mục này"):
        verify_path(mixed / "nope", [pki.root_pem])


def test_cli_reports_each_file_and_fails(
    pki: PKI, mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["verify", str(mixed), "--trust", str(pki.root_pem)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:5]] == [
        "valid",
        "unsigned",
        "untrusted",
        "tampered",
        "unreadable",
    ]
    assert lines[0].startswith(f"valid      {mixed / 'a-valid.pdf'}  [hợp lệ] chữ ký hợp lệ, ")
    assert lines[1] == f"unsigned   {mixed / 'b-unsigned.pdf'}  [chưa ký] không có chữ ký số"
    assert "  [không tin cậy] chứng thư số của Stranger Signer do Other Root CA" in lines[2]
    assert "  [bị sửa đổi] nội dung tệp không khớp với chữ ký" in lines[3]
    assert "  [không đọc được] không phải PDF hoặc tệp hỏng: " in lines[4]
    assert lines[-1] == (
        "Tổng cộng 5 tệp: 1 hợp lệ, 1 bị sửa đổi, 1 không tin cậy, 1 chưa ký, 1 không đọc được."
    )
    assert err.splitlines() == ["sohoa: verify: 4/5 tệp không có chữ ký số hợp lệ"]


def test_cli_all_valid_exits_0_with_roots_from_the_environment(
    pki: PKI, signed: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    write(tmp_path / "ok", "x/1.pdf", signed)
    write(tmp_path / "ok", "2.pdf", signed)
    monkeypatch.setenv(
        "SOHOA_TRUST_ROOTS", os.pathsep.join([str(pki.other_root_pem), str(pki.root_pem)])
    )
    assert cli.main(["verify", str(tmp_path / "ok")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Tổng cộng 2 tệp: 2 hợp lệ."


def test_cli_without_trust_roots_says_how_to_give_them(
    signed: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.delenv("SOHOA_TRUST_ROOTS", raising=False)
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path))  # a project with no params for this path
    path = write(tmp_path, "a.pdf", signed)
    assert cli.main(["verify", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "sohoa: verify: chưa có chứng thư gốc tin cậy (no trust roots): dùng --trust"
    )
    assert "SOHOA_TRUST_ROOTS" in err


def test_cli_takes_trust_roots_from_the_units_params(
    pki: PKI, signed: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOHOA_TRUST_ROOTS", raising=False)
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path))
    (tmp_path / "params" / "units").mkdir(parents=True)
    (tmp_path / "params" / "units" / "TTLT.yaml").write_text(
        f"signing:\n  organisation: x\n  trust_roots: [{pki.root_pem}]\n", encoding="utf-8"
    )
    path = write(tmp_path / "outputs" / "TTLT" / "archive", "a.pdf", signed)
    assert cli.main(["verify", str(path)]) == 0


def test_cli_from_a_real_process(pki: PKI, signed: bytes, tmp_path: Path) -> None:
    good = write(tmp_path / "in", "good.pdf", signed)
    bad = write(tmp_path / "in", "tampered.pdf", signed.replace(b"Ho so 001", b"Ho so 002"))
    argv = ["verify", str(tmp_path / "in"), "--trust", str(pki.root_pem)]
    done = subprocess.run(
        [sys.executable, "-m", "sohoa_lib.cli", *argv],
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"valid      {good}  [hợp lệ] chữ ký hợp lệ, ")
    assert lines[1].startswith(f"tampered   {bad}  [bị sửa đổi] ")
    assert lines[2] == "Tổng cộng 2 tệp: 1 hợp lệ, 1 bị sửa đổi."
    # one line on stderr: pyHanko's own warnings are kept out of the console
    assert done.stderr == "sohoa: verify: 1/2 tệp không có chữ ký số hợp lệ\n"


def test_cli_checks_the_folders_manifest_too(
    pki: PKI, signed: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sohoa_lib.preserve.fixity import write_manifest

    folder = tmp_path / "archive"
    write(folder, "a.pdf", signed)
    write(folder, "catalog.csv", b"ma_ho_so\nHS-001\n")
    write_manifest(folder)
    argv = ["verify", str(folder), "--trust", str(pki.root_pem)]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        f"ok         {folder}  tổng kiểm SHA-256: khớp, 2 tệp"
    )
    write(folder, "report.html", b"<p>not listed</p>")  # a file beside the listed ones is fine
    assert cli.main(argv) == 0
    capsys.readouterr()
    write(folder, "catalog.csv", b"ma_ho_so\nHS-002\n")  # not a PDF: only the checksum sees it
    assert cli.main(argv) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[:3] == [
        out.splitlines()[0],
        f"failed     {folder}  tổng kiểm SHA-256: bị thay đổi 1 (đã so 2 tệp)",
        "  changed    catalog.csv  (bị thay đổi)",
    ]
    assert out.splitlines()[0].startswith("valid ")
    assert err == f"sohoa: verify: {folder}: các tệp khác với manifest-sha256.txt\n"
