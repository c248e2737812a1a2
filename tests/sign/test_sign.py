"""Signing PDF/A files: PAdES levels, the visible stamp per profile, keys, secrets and refusals."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import http.server
import io
import os
import re
import shutil
import socket
import subprocess
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko_certvalidator import ValidationContext

from sohoa_lib.demo._pki import write_demo_pki
from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.errors import InputError, ParamsError, SohoaError
from sohoa_lib.pdf import stamp as _stamp
from sohoa_lib.pdf.pdfa import PdfPage, build_pdfa, read_xmp
from sohoa_lib.settings import Signing, Token
from sohoa_lib.sign import pades
from sohoa_lib.sign.verify import verify_pdf
from sohoa_lib.tools import pdfsig

ORG = "Trung tâm Lưu trữ BHXH Việt Nam"
PASSWORD = "thử-Mật-khẩu-2718"  # not ASCII on purpose: the secret is UTF-8 throughout
ENV = "SOHOA_TEST_KEY_PASSWORD"
MM60 = 60 / 25.4  # pixels per mm at 60 dpi
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")
needs_poppler = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdfsig", "pdftotext", "pdftoppm", "certutil", "qpdf")),
    reason="poppler-utils, libnss3-tools and qpdf are needed",
)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    seed = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    folder = tmp_path_factory.mktemp("pki")
    return write_demo_pki(folder, organisation=ORG, password=PASSWORD, seed_time=seed)


@pytest.fixture(scope="module")
def pdfa(tmp_path_factory) -> Path:
    """A one-page PDF/A-2B of a demo letter: the national motto fills the top right below the margin."""
    root = tmp_path_factory.mktemp("pdfa")
    request = ScanRequest(
        "TTLT.1998.01",
        parent="BẢO HIỂM XÃ HỘI VIỆT NAM",
        issuer="TRUNG TÂM LƯU TRỮ",
        place="Hà Nội",
        year=1998,
        pages=1,
        image_format="jpeg",
    )
    manifest = write_demo_scans([request], root / "scans", root / "truth", seed=7)
    out = root / "TTLT.1998.01.pdf"
    page = PdfPage(root / "scans" / manifest["file"][0], 0, (300.0, 300.0), None)
    xmp = {
        "file": {"ma_ho_so": "TTLT.1998.01", "tieu_de": "Hồ sơ chỉnh lý tài liệu năm 1998"},
        "document": None,
    }
    build_pdfa([page], out, xmp=xmp, title="Công văn giao nộp hồ sơ")
    out.chmod(0o444)  # the original is only ever read
    return out


@pytest.fixture(scope="module")
def unsigned_page(pdfa) -> np.ndarray:
    return _render(pdfa)


@pytest.fixture(scope="module")
def nssdir(pki, tmp_path_factory) -> Path:
    return pdfsig.nss_db(tmp_path_factory.mktemp("nss"), [pki["ca_cert"]])


@pytest.fixture
def settings(pki, monkeypatch) -> Signing:
    monkeypatch.setenv(ENV, PASSWORD)
    return Signing(
        organisation=ORG, pkcs12=pki["signer"], password_env=ENV, trust_roots=(pki["ca_cert"],)
    )


def _signed(settings, profile, src, out, **kwargs) -> pades.SignResult:
    with pades.Session(settings, profile, prompt=None) as session:
        return session.sign(src, out, **kwargs)


def _pyhanko_status(path: Path, ca: Path):
    with path.open("rb") as fh:
        (signature,) = PdfFileReader(fh).embedded_signatures
        return validate_pdf_signature(signature, ValidationContext(trust_roots=[_ca_cert(ca)]))


def _ca_cert(path: Path):
    from pyhanko.keys import load_cert_from_pemder

    return load_cert_from_pemder(str(path))


def _render(path: Path) -> np.ndarray:
    png = subprocess.run(
        ["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Levels and validity ------------------------------------------------------------------------


@needs_poppler
def test_b_b_is_valid_for_pyhanko_and_for_pdfsig(settings, pki, pdfa, nssdir, tmp_path):
    before = _sha(pdfa)
    result = _signed(settings, "tt05-2025", pdfa, tmp_path / "out.pdf")
    assert result.level == "B-B" and result.path == tmp_path / "out.pdf"
    assert ISO.fullmatch(result.signed_at)
    assert result.certificate["subject"] == f"CN={ORG},O={ORG},C=VN"
    assert "DEMO ONLY" in result.certificate["issuer"]
    assert result.stamp_text == f"{ORG}\n{result.signed_at}"
    status = _pyhanko_status(result.path, pki["ca_cert"])
    assert status.bottom_line and status.intact and status.trusted, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_FILE"
    (seen,) = pdfsig.check(result.path, nssdir)
    assert seen["valid"] and seen["total"], seen
    assert seen["signer"] == ORG and seen["type"] == "ETSI.CAdES.detached"
    assert seen["field"] == pades.FIELD_NAME
    assert _sha(pdfa) == before  # the original is untouched


@needs_poppler
def test_b_t_carries_a_valid_timestamp_from_the_demo_authority(
    settings, pki, pdfa, nssdir, tmp_path
):
    settings = replace(settings, demo_tsa=pki["tsa"])
    result = _signed(settings, "tt05-2025", pdfa, tmp_path / "bt.pdf")
    assert result.level == "B-T"
    status = _pyhanko_status(result.path, pki["ca_cert"])
    assert status.bottom_line, status.pretty_print_details()
    stamp = status.timestamp_validity
    assert stamp is not None and stamp.intact and stamp.valid and stamp.trusted
    signed = dt.datetime.fromisoformat(result.signed_at)
    assert abs((stamp.timestamp - signed).total_seconds()) < 60
    assert pdfsig.check(result.path, nssdir)[0]["valid"]
    verdict = verify_pdf(result.path, [pki["ca_cert"]])
    assert (verdict.status, verdict.level_reached) == ("valid", "B-T"), verdict
    assert any("CRL/OCSP" in gap for gap in verdict.missing)  # no revocation data: said


def _dss_names(path: Path) -> tuple[set[str], int]:
    """Common names of the certificates in the file's DSS, and how many CRLs it holds."""
    from asn1crypto import x509 as asn1_x509

    with pikepdf.open(path) as pdf:
        dss = pdf.Root.DSS
        certs = [asn1_x509.Certificate.load(bytes(c.read_bytes())) for c in dss.Certs]
        return {c.subject.native["common_name"] for c in certs}, len(dss.CRLs)


def _offline_status(path: Path, ca: Path, index: int = 0):
    """pyHanko's verdict on one signature from the file's own DSS, offline, revocation required."""
    with path.open("rb") as fh:
        reader = PdfFileReader(fh)
        signature = reader.embedded_signatures[index]
        context = DocumentSecurityStore.read_dss(reader).as_validation_context(
            {"trust_roots": [_ca_cert(ca)], "revocation_mode": "hard-fail"}
        )
        if signature.sig_object_type == "/DocTimeStamp":
            return validate_pdf_timestamp(signature, context)
        return validate_pdf_signature(signature, context, context)


@needs_poppler
def test_b_lt_embeds_the_chains_and_crl_of_signer_and_timestamp(
    settings, pki, pdfa, nssdir, tmp_path
):
    settings = replace(
        settings, demo_tsa=pki["tsa"], revocation=(pki["crl"],), document_timestamp=False
    )
    result = _signed(settings, "tt05-2025", pdfa, tmp_path / "lt.pdf")
    assert result.level == "B-LT"
    names, crls = _dss_names(result.path)
    # The signer's chain and the timestamp authority's, so nothing outside the file is needed.
    assert {ORG, "sohoa demo timestamp authority (DEMO ONLY, NOT FOR PRODUCTION)"} <= names
    assert crls >= 1
    # Offline, with revocation checks that must succeed: only the embedded data can serve.
    status = _offline_status(result.path, pki["ca_cert"])
    assert status.bottom_line and status.timestamp_validity.trusted, status.pretty_print_details()
    (seen,) = pdfsig.check(result.path, nssdir)
    # The validation data follows the signature in a revision of its own, as PAdES B-LT has it.
    assert seen["valid"] and not seen["total"], seen
    verdict = verify_pdf(result.path, [pki["ca_cert"]])
    assert (verdict.status, verdict.level_reached) == ("valid", "B-LT"), verdict
    assert verdict.missing == ("không có dấu thời gian tài liệu còn hiệu lực sau DSS (B-LTA)",)


@needs_poppler
def test_b_lta_is_the_default_with_a_timestamp_authority_and_revocation_data(
    settings, pki, pdfa, nssdir, tmp_path
):
    settings = replace(settings, demo_tsa=pki["tsa"], revocation=(pki["crl"],))
    result = _signed(settings, "tt05-2025", pdfa, tmp_path / "lta.pdf")
    assert result.level == "B-LTA"
    with result.path.open("rb") as fh:
        kinds = [s.sig_object_type for s in PdfFileReader(fh).embedded_signatures]
    assert kinds == ["/Sig", "/DocTimeStamp"]  # the document timestamp comes last, over the DSS
    signature = _offline_status(result.path, pki["ca_cert"], 0)
    assert signature.bottom_line, signature.pretty_print_details()
    assert signature.modification_level.name == "LTA_UPDATES"
    stamp = _offline_status(result.path, pki["ca_cert"], 1)
    assert stamp.intact and stamp.valid and stamp.trusted, stamp.pretty_print_details()
    signed, stamped = pdfsig.check(result.path, nssdir)
    assert signed["valid"], signed
    # poppler 22.12 lists the document timestamp but cannot check one ("Unimplemented
    # Feature"): pyHanko's check above is the one that judges it.
    assert stamped["field"] == pades.TIMESTAMP_FIELD, stamped


def test_timestamp_without_revocation_data_stays_b_t_and_says_why(
    settings, pki, pdfa, tmp_path, caplog
):
    result = _signed(replace(settings, demo_tsa=pki["tsa"]), "tt05-2025", pdfa, tmp_path / "t.pdf")
    assert result.level == "B-T"
    assert "chữ ký dừng ở B-T, không đạt B-LT" in caplog.text


@pytest.fixture(scope="module")
def tsa_url(pki):
    """An RFC 3161 timestamp authority over HTTP on this machine, answering as the demo one."""
    from asn1crypto import tsp
    from pyhanko.sign.timestamps import DummyTimeStamper

    _, cert, key = _tsa_parts(pki)
    authority = DummyTimeStamper(tsa_cert=cert, tsa_key=key)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # the CRL, for certificates that name this address
            body = pki["crl"].read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-crl")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            reply = authority.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()
    server.server_close()


def _tsa_parts(pki):
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert, chain = pkcs12.load_key_and_certificates(pki["tsa"].read_bytes(), PASSWORD.encode())
    der = serialization.Encoding.DER
    key_der = key.private_bytes(
        der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return chain, x509.Certificate.load(cert.public_bytes(der)), keys.PrivateKeyInfo.load(key_der)


def test_b_t_from_a_timestamp_authority_over_http(settings, pki, pdfa, tsa_url, tmp_path):
    result = _signed(replace(settings, tsa_url=tsa_url), "tt05-2025", pdfa, tmp_path / "bt.pdf")
    assert result.level == "B-T"
    status = _pyhanko_status(result.path, pki["ca_cert"])
    assert status.bottom_line and status.timestamp_validity.valid, status.pretty_print_details()


def test_unreachable_timestamp_authority_fails_cleanly(settings, pdfa, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/tsa"
    with pytest.raises(SohoaError, match=re.escape(f"máy chủ dấu thời gian {url} bị lỗi")):
        _signed(replace(settings, tsa_url=url), "tt05-2025", pdfa, tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


def _signer_naming_a_crl(pki, folder: Path, url: str) -> Path:
    """A PKCS#12 like signer.p12 whose certificate says where its CA publishes its CRL."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    ca_key = serialization.load_pem_private_key(pki["ca_key"].read_bytes(), PASSWORD.encode())
    ca = x509.load_pem_x509_certificate(pki["ca_cert"].read_bytes())
    key, cert, chain = pkcs12.load_key_and_certificates(
        pki["signer"].read_bytes(), PASSWORD.encode()
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
    )
    for extension in cert.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    point = x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)
    builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    data = pkcs12.serialize_key_and_certificates(
        b"signer",
        key,
        builder.sign(ca_key, hashes.SHA256()),
        chain,
        serialization.BestAvailableEncryption(PASSWORD.encode()),
    )
    folder.mkdir(exist_ok=True)
    path = folder / "signer-crl.p12"
    path.write_bytes(data)
    return path


def test_b_lt_with_revocation_data_fetched_when_reachable(
    settings, pki, pdfa, tsa_url, tmp_path, caplog
):
    crl_url = tsa_url.replace("/tsa", "/ca.crl")
    p12 = _signer_naming_a_crl(pki, tmp_path, crl_url)
    reachable = replace(settings, pkcs12=p12, tsa_url=tsa_url)
    result = _signed(reachable, "tt05-2025", pdfa, tmp_path / "lt.pdf")
    assert result.level == "B-LTA"
    with pikepdf.open(result.path) as pdf:
        assert len(pdf.Root.DSS.CRLs) >= 1
    # The same certificate with its CRL out of reach: the local CRL file serves instead.
    gone = _signer_naming_a_crl(pki, tmp_path / "gone", "http://127.0.0.1:9/ca.crl")
    offline = replace(reachable, pkcs12=gone, revocation=(pki["crl"],))
    result = _signed(offline, "tt05-2025", pdfa, tmp_path / "local.pdf")
    assert result.level == "B-LTA"
    # Neither: signed all the same, without the data, and the log says why.
    result = _signed(replace(offline, revocation=()), "tt05-2025", pdfa, tmp_path / "bt.pdf")
    assert result.level == "B-T"
    assert "không lấy được dữ liệu thu hồi" in caplog.text


# The stamp ------------------------------------------------------------------------------------


@needs_poppler
def test_stamp_text_reads_back_with_vietnamese_and_plus_seven(settings, pdfa, tmp_path):
    # Today at 03:04:05 UTC: after the test certificate's start (yesterday), and a fixed time.
    when = dt.datetime.now(dt.UTC).replace(hour=3, minute=4, second=5, microsecond=0)
    result = _signed(settings, "tt05-2025", pdfa, tmp_path / "out.pdf", when=when)
    assert result.signed_at == when.astimezone(_stamp.VIETNAM).isoformat()
    assert result.signed_at.endswith("+07:00") and result.signed_at[11:19] == "10:04:05"
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(result.path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[:2] == [ORG, result.signed_at]


def test_iso_time_is_vietnam_time_to_the_second():
    utc = dt.datetime(2026, 11, 22, 7, 5, 9, 123456, tzinfo=dt.UTC)
    assert _stamp.iso_time(utc).isoformat() == "2026-11-22T14:05:09+07:00"
    assert (
        _stamp.iso_time(dt.datetime(2026, 11, 22, 14, 5, 9)).isoformat()
        == "2026-11-22T14:05:09+07:00"
    )
    assert _stamp.iso_time().utcoffset() == dt.timedelta(hours=7)


@needs_poppler
def test_tt05_stamp_sits_top_right_in_the_margin_over_blank_paper(
    settings, pdfa, unsigned_page, tmp_path
):
    result = _signed(settings, "tt05-2025", pdfa, tmp_path / "out.pdf")
    before, after = unsigned_page, _render(result.path)
    width = before.shape[1]
    changed = np.abs(after - before).max(axis=2) > 60
    rows, cols = np.nonzero(changed)
    assert len(rows) > 100  # the stamp is there
    top, bottom, left, right = rows.min(), rows.max(), cols.min(), cols.max()
    assert bottom < 20 * MM60 and top > 2 * MM60  # inside the 20 mm top margin
    assert left > width / 2 and right <= width - 20 * MM60 + 1  # right half, inside the margin
    # Nothing was printed there: the paper under the stamp is blank.
    under = before[top - 2 : bottom + 3, left - 2 : right + 3]
    assert under.min() > 150, under.min()
    # Black ink, not grey or coloured.
    ink = after[changed]
    assert ink.min() < 60 and (np.ptp(ink, axis=1) < 40).all()


@needs_poppler
def test_tt02_stamp_has_the_seal_at_actual_size_beside_the_text(
    settings, pki, pdfa, unsigned_page, tmp_path
):
    settings = replace(settings, seal_image=pki["seal"])
    result = _signed(settings, "tt02-2019", pdfa, tmp_path / "out.pdf")
    with Image.open(pki["seal"]) as seal:
        seal_px = seal.width / 300 * 60  # its size at 60 dpi when drawn at actual size
    with pikepdf.open(result.path) as pdf:
        (widget,) = pdf.pages[0].Annots
        images = _images(widget.AP.N)
        assert images and all("/SMask" in image for image in images)
        _, _, x2, y2 = (float(v) for v in widget.Rect)
        page_w, page_h = (float(v) for v in pdf.pages[0].MediaBox[2:])
        assert x2 == pytest.approx(page_w - 3 * 72 / 25.4, abs=0.1)
        assert y2 == pytest.approx(page_h - 3 * 72 / 25.4, abs=0.1)
    before, after = unsigned_page, _render(result.path)
    red = (after[..., 0] > 150) & (after[..., 1] < 110) & (before[..., 1] > 150)
    rows, cols = np.nonzero(red)
    assert len(rows) > 200
    assert cols.min() > before.shape[1] - 45 * MM60 and rows.max() < 45 * MM60
    assert 0.85 * seal_px <= cols.max() - cols.min() + 1 <= 1.05 * seal_px
    # The text stays in the top margin, left of the seal, over blank paper.
    dark = (np.abs(after - before).max(axis=2) > 60) & ~red & (after.max(axis=2) < 120)
    rows, cols = np.nonzero(dark[:, : int(cols.min())])
    assert len(rows) > 50 and rows.max() < 20 * MM60
    assert before[rows.min() - 2 : rows.max() + 3, cols.min() - 2 : cols.max() + 3].min() > 150


def _images(xobject, seen=None) -> list:
    """Image XObjects drawn by a form XObject, through nested forms."""
    seen = seen if seen is not None else set()
    found = []
    for item in xobject.get("/Resources", {}).get("/XObject", {}).values():
        if item.objgen in seen:
            continue
        seen.add(item.objgen)
        if item.get("/Subtype") == "/Image":
            found.append(item)
        else:
            found += _images(item, seen)
    return found


def test_stamp_box_is_inside_the_top_margin_and_right_aligned():
    for width, height in ((595.28, 841.89), (841.89, 1190.55), (419.53, 595.28)):
        x1, y1, x2, y2 = pades.stamp_box(width, height)
        assert x2 == pytest.approx(width - 20 * 72 / 25.4)
        assert height - y1 <= 20 * 72 / 25.4 and y2 < height
        assert x1 >= 10 * 72 / 25.4 and x2 - x1 >= 60


# PDF/A after signing --------------------------------------------------------------------------


@needs_poppler
def test_signed_file_stays_pdfa(settings, pki, pdfa, tmp_path):
    settings = replace(settings, seal_image=pki["seal"], demo_tsa=pki["tsa"])
    for profile in ("tt05-2025", "tt02-2019"):
        out = _signed(settings, profile, pdfa, tmp_path / f"{profile}.pdf").path
        assert read_xmp(out) == read_xmp(pdfa)
        with pikepdf.open(out) as pdf:
            meta = pdf.open_metadata()
            assert meta.pdfa_status == "2B"
            # ISO 19005-2 6.6.3: DocInfo and XMP agree.
            assert str(pdf.docinfo.Producer) == meta["pdf:Producer"]
            assert 'xmlns:sohoa="' in pdf.Root.Metadata.read_bytes().decode()
            assert "/NeedAppearances" not in pdf.Root.AcroForm
            (widget,) = pdf.pages[0].Annots
            assert int(widget.F) & 4 and not int(widget.F) & (1 | 2 | 32)  # printed, shown
            assert set(widget.AP.keys()) == {"/N"}
        fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
        serif = [line for line in fonts.splitlines() if "Serif" in line or "Times" in line]
        assert serif and all(re.search(r"\byes\s+yes\s+yes\b", line) for line in serif), fonts
    # The last one (B-T, the seal) has the most in it; qpdf reads every stream, a second a file.
    check = subprocess.run(["qpdf", "--check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout
    assert "WARNING" not in check.stdout + check.stderr


def test_modification_dates_that_disagree_are_caught_and_signed_again(
    settings, pdfa, tmp_path, monkeypatch
):
    signed = _signed(settings, "tt05-2025", pdfa, tmp_path / "out.pdf").path
    assert _stamp.metadata_problem(signed, pdfa=True) is None
    skewed = tmp_path / "skewed.pdf"
    with pikepdf.open(signed) as pdf:
        pdf.docinfo.ModDate = "D:20010101000000Z"
        pdf.save(skewed)
    assert _stamp.metadata_problem(skewed, pdfa=True) == _stamp.CLOCK_TICKED
    # A second turning between pyHanko's two readings of the clock: the file is signed again.
    answers = iter([_stamp.CLOCK_TICKED, None])
    monkeypatch.setattr(_stamp, "metadata_problem", lambda path, pdfa: next(answers))
    assert _signed(settings, "tt05-2025", pdfa, tmp_path / "again.pdf").path.is_file()
    monkeypatch.setattr(_stamp, "metadata_problem", lambda path, pdfa: "its XMP lost the claim")
    with pytest.raises(SohoaError, match="sẽ không còn là PDF/A"):
        _signed(settings, "tt05-2025", pdfa, tmp_path / "bad.pdf")
    assert not (tmp_path / "bad.pdf").exists()


# Keys and secrets -----------------------------------------------------------------------------


def test_one_password_prompt_signs_many_files(settings, pki, pdfa, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    asked = []

    def prompt(message: str) -> str:
        asked.append(message)
        return PASSWORD

    settings = replace(settings, demo_tsa=pki["tsa"])
    with pades.Session(settings, "tt05-2025", prompt=prompt) as session:
        results = [session.sign(pdfa, tmp_path / f"{n}.pdf") for n in range(3)]
    assert len(asked) == 1 and ENV in asked[0] and PASSWORD not in asked[0]
    assert [r.level for r in results] == ["B-T"] * 3
    for result in results:
        data = result.path.read_bytes()
        for form in ("utf-8", "utf-16-be", "utf-16-le"):
            assert PASSWORD.encode(form) not in data


def test_one_environment_lookup_signs_many_files(settings, pdfa, tmp_path, monkeypatch):
    lookups = []

    class Environ(dict):
        def get(self, key, default=None):
            if key == ENV:
                lookups.append(key)
            return super().get(key, default)

    monkeypatch.setattr(os, "environ", Environ(os.environ))
    with pades.Session(settings, "tt05-2025", prompt=None) as session:
        for n in range(3):
            session.sign(pdfa, tmp_path / f"{n}.pdf")
    assert lookups == [ENV]


def test_no_password_and_no_terminal_names_the_variable(settings, pdfa, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(ParamsError, match=ENV):
        _signed(settings, "tt05-2025", pdfa, tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


def test_wrong_password_is_refused(settings, pdfa, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, "zq-sai-9")
    with pytest.raises(ParamsError, match=f"mật khẩu trong {ENV}") as caught:
        _signed(settings, "tt05-2025", pdfa, tmp_path / "out.pdf")
    assert "zq-sai-9" not in str(caught.value)


def test_expired_certificate_is_refused(settings, pki, pdfa, tmp_path):
    with pytest.raises(ParamsError, match="không có hiệu lực"):
        _signed(replace(settings, pkcs12=pki["expired"]), "tt05-2025", pdfa, tmp_path / "o.pdf")
    assert not (tmp_path / "o.pdf").exists()


def test_signing_time_outside_the_validity_is_refused(settings, pdfa, tmp_path):
    long_ago = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(ParamsError, match="không có hiệu lực vào thời điểm ký"):
        _signed(settings, "tt05-2025", pdfa, tmp_path / "o.pdf", when=long_ago)


def test_untrusted_certificate_is_refused(settings, pki, pdfa, tmp_path):
    with pytest.raises(ParamsError, match=r"không dẫn về chứng thư gốc trong signing\.trust_roots"):
        _signed(replace(settings, pkcs12=pki["untrusted"]), "tt05-2025", pdfa, tmp_path / "o.pdf")


def test_settings_that_cannot_sign_are_refused_early(settings, pki):
    with pytest.raises(ParamsError, match="trust_roots"):
        pades.Session(replace(settings, trust_roots=()), "tt05-2025")
    with pytest.raises(ParamsError, match="profile"):
        pades.Session(settings, "tt99")
    with pytest.raises(ParamsError, match="seal_image"):
        pades.Session(settings, "tt02-2019", prompt=None).open()


# Inputs ---------------------------------------------------------------------------------------


def test_refuses_a_plain_pdf_for_tt05_and_never_overwrites_the_original(settings, pdfa, tmp_path):
    plain = tmp_path / "plain.pdf"
    with pikepdf.open(pdfa) as pdf:
        del pdf.Root.Metadata
        pdf.save(plain)
    with pades.Session(settings, "tt05-2025", prompt=None) as session:
        with pytest.raises(InputError, match="không phải PDF/A"):
            session.sign(plain, tmp_path / "out.pdf")
        with pytest.raises(InputError, match="ghi ra tệp khác"):
            session.sign(plain, plain)
        with pytest.raises(InputError, match="không tìm thấy tệp"):
            session.sign(tmp_path / "missing.pdf", tmp_path / "out.pdf")
        signed = session.sign(pdfa, tmp_path / "signed.pdf").path
        with pytest.raises(InputError, match="đã được ký số"):
            session.sign(signed, tmp_path / "twice.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.pdf", "signed.pdf"]


def test_signs_from_inside_a_running_event_loop(settings, pdfa, tmp_path):
    """Notebook cells run inside an event loop, where asyncio.run refuses to start."""

    async def cell():
        return _signed(settings, "tt05-2025", pdfa, tmp_path / "out.pdf")

    assert asyncio.run(cell()).level == "B-B"


# pdfsig ----------------------------------------------------------------------------------------


def test_pdfsig_report_is_parsed_per_signature():
    report = """Digital Signature Info of: x.pdf
Signature #1:
  - Signature Field Name: ArchiveSignature
  - Signer Certificate Common Name: Trung tâm Lưu trữ BHXH Việt Nam
  - Signing Time: Nov 22 2026 14:00:08
  - Signed Ranges: [0 - 10], [20 - 30]
  - Not total document signed
  - Signature Validation: Signature is Valid.
  - Certificate Validation: Certificate issuer isn't Trusted.
"""
    (seen,) = pdfsig.parse(report)
    assert seen["signer"] == ORG and seen["time"] == "Nov 22 2026 14:00:08"
    assert not seen["valid"] and not seen["total"]
    assert seen["certificate"] == "Certificate issuer isn't Trusted."
    assert seen["lines"][-1] == "Certificate Validation: Certificate issuer isn't Trusted."


@needs_poppler
def test_pdfsig_without_the_root_does_not_trust_and_unsigned_gives_nothing(
    settings, pdfa, nssdir, tmp_path
):
    other = pdfsig.nss_db(tmp_path / "empty", [])
    assert pdfsig.nss_db(nssdir, []) == nssdir  # an existing database is reused
    out = _signed(settings, "tt05-2025", pdfa, tmp_path / "out.pdf").path
    (seen,) = pdfsig.check(out, other)
    assert seen["signature"] == "Signature is Valid." and not seen["valid"]
    assert pdfsig.check(pdfa, nssdir) == []
    with pytest.raises(InputError, match="NSS"):
        pdfsig.check(out, tmp_path)


# PKCS#11 ---------------------------------------------------------------------------------------

SOFTHSM = next(
    (
        Path(p)
        for p in (
            "/usr/lib/softhsm/libsofthsm2.so",
            "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        )
        if Path(p).is_file()
    ),
    None,
)
TOKEN_PIN = "246810"


@pytest.fixture(scope="module")
def token(pki, tmp_path_factory):
    """A SoftHSM2 token holding the signing key and its certificate, as a USB token would."""
    pkcs11 = pytest.importorskip("pkcs11", reason="python-pkcs11 is not installed")
    if SOFTHSM is None or not shutil.which("softhsm2-util"):
        pytest.skip("softhsm2 is not installed")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n")
    # SoftHSM reads its configuration once per process, when the module is first loaded.
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    run = lambda *a: subprocess.run(["softhsm2-util", *a], capture_output=True, check=True)  # noqa: E731
    run("--init-token", "--free", "--label", "sohoa", "--pin", TOKEN_PIN, "--so-pin", "13579246")
    key, cert, chain = pkcs12.load_key_and_certificates(
        pki["signer"].read_bytes(), PASSWORD.encode()
    )
    pem = root / "key.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    run(
        "--import",
        str(pem),
        "--token",
        "sohoa",
        "--label",
        "signer",
        "--id",
        "01",
        "--pin",
        TOKEN_PIN,
    )
    pem.unlink()
    from pkcs11 import Attribute, CertificateType, ObjectClass

    lib = pkcs11.lib(str(SOFTHSM))
    with lib.get_token(token_label="sohoa").open(rw=True, user_pin=TOKEN_PIN) as session:
        for label, item in (("signer", cert), ("ca", chain[0])):
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: label,
                    Attribute.ID: b"\x01" if label == "signer" else b"\x02",
                    Attribute.SUBJECT: item.subject.public_bytes(),
                    Attribute.VALUE: item.public_bytes(serialization.Encoding.DER),
                }
            )
    yield Token(module=SOFTHSM, token_label="sohoa", key_label="signer", pin_env="SOHOA_TEST_PIN")
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before


@needs_poppler
def test_pkcs11_token_signs_many_files_with_one_pin(
    token, pki, pdfa, nssdir, tmp_path, monkeypatch
):
    monkeypatch.delenv("SOHOA_TEST_PIN", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    asked = []
    settings = Signing(organisation=ORG, token=token, trust_roots=(pki["ca_cert"],))
    with pades.Session(settings, "tt05-2025", prompt=lambda m: asked.append(m) or TOKEN_PIN) as s:
        results = [s.sign(pdfa, tmp_path / f"{n}.pdf") for n in range(2)]
    assert len(asked) == 1 and "SOHOA_TEST_PIN" in asked[0]
    for result in results:
        assert _pyhanko_status(result.path, pki["ca_cert"]).bottom_line
        assert pdfsig.check(result.path, nssdir)[0]["valid"]
        assert TOKEN_PIN.encode() not in result.path.read_bytes()


def test_pkcs11_wrong_pin_is_refused_once(token, pki, monkeypatch):
    monkeypatch.setenv("SOHOA_TEST_PIN", "000000")
    settings = Signing(organisation=ORG, token=token, trust_roots=(pki["ca_cert"],))
    with pytest.raises(ParamsError, match="từ chối mã PIN trong SOHOA_TEST_PIN"):
        pades.Session(settings, "tt05-2025", prompt=None).open()
