"""The demo PKI: a root CA, signing, timestamp, expired and untrusted certificates, and a seal."""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

from sohoa_lib.demo._pki import DOCUMENT_SIGNING, write_demo_pki

ORG = "Trung tâm Lưu trữ BHXH Việt Nam"
PASSWORD = "thử-Mật-khẩu-2718"
SEED = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return write_demo_pki(
        tmp_path_factory.mktemp("pki"), organisation=ORG, password=PASSWORD, seed_time=SEED
    )


@functools.cache
def _p12(path):
    # Each opening derives the key from the password on purpose slowly: once per file is enough.
    return pkcs12.load_key_and_certificates(path.read_bytes(), PASSWORD.encode())


def _ca(pki) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pki["ca_cert"].read_bytes())


def test_writes_every_file_by_role(pki):
    assert sorted(pki) == sorted(
        ["ca_cert", "ca_key", "crl", "signer", "tsa", "expired", "untrusted", "seal"]
    )
    names = {role: path.name for role, path in pki.items()}
    assert names["ca_cert"] == "ca.crt" and names["signer"] == "signer.p12"
    assert names["tsa"] == "tsa.p12" and names["seal"] == "seal.png"
    assert all(path.is_file() for path in pki.values())


def test_root_is_a_25_year_ca(pki):
    ca = _ca(pki)
    assert ca.subject == ca.issuer
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert ca.not_valid_after_utc == SEED.replace(year=SEED.year + 25)
    assert "DEMO ONLY" in ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    ca.verify_directly_issued_by(ca)


def test_private_keys_are_encrypted_and_private(pki):
    with pytest.raises(TypeError):  # encrypted: no key without the password
        serialization.load_pem_private_key(pki["ca_key"].read_bytes(), None)
    key = serialization.load_pem_private_key(pki["ca_key"].read_bytes(), PASSWORD.encode())
    assert key.public_key() == _ca(pki).public_key()
    for role in ("ca_key", "signer", "tsa", "expired", "untrusted"):
        assert pki[role].stat().st_mode & 0o077 == 0, role
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(pki["signer"].read_bytes(), b"wrong")
    for path in pki.values():
        data = path.read_bytes()
        assert b"BEGIN PRIVATE KEY" not in data and b"BEGIN RSA PRIVATE KEY" not in data
        assert PASSWORD.encode() not in data


def test_signing_certificate_names_the_organisation_and_may_sign_documents(pki):
    key, cert, chain = _p12(pki["signer"])
    ca = _ca(pki)
    assert key.public_key() == cert.public_key()
    assert [c.subject for c in chain] == [ca.subject]  # chain included
    cert.verify_directly_issued_by(ca)
    subject = {a.oid: a.value for a in cert.subject}
    assert subject == {
        NameOID.COUNTRY_NAME: "VN",
        NameOID.ORGANIZATION_NAME: ORG,
        NameOID.COMMON_NAME: ORG,
    }
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING}
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.not_valid_before_utc <= SEED < cert.not_valid_after_utc == SEED.replace(year=2029)


def test_timestamp_certificate_has_the_critical_timestamping_usage(pki):
    _, cert, _ = _p12(pki["tsa"])
    cert.verify_directly_issued_by(_ca(pki))
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_expired_and_untrusted_certificates(pki):
    _, expired, _ = _p12(pki["expired"])
    expired.verify_directly_issued_by(_ca(pki))
    assert expired.not_valid_after_utc < SEED
    _, untrusted, chain = _p12(pki["untrusted"])
    assert untrusted.issuer != _ca(pki).subject
    untrusted.verify_directly_issued_by(chain[0])
    with pytest.raises((ValueError, TypeError)):
        untrusted.verify_directly_issued_by(_ca(pki))


def test_crl_is_signed_by_the_root_and_revokes_nothing(pki):
    crl = x509.load_der_x509_crl(pki["crl"].read_bytes())
    assert crl.issuer == _ca(pki).subject and len(crl) == 0
    assert crl.is_signature_valid(_ca(pki).public_key())
    assert crl.next_update_utc > SEED


def test_names_serials_and_dates_follow_the_arguments(pki, tmp_path):
    again = write_demo_pki(tmp_path, organisation=ORG, password=PASSWORD, seed_time=SEED)
    for role in ("signer", "tsa"):
        first, second = _p12(pki[role])[1], _p12(again[role])[1]
        assert first.serial_number == second.serial_number
        assert (
            first.subject == second.subject
            and first.not_valid_after_utc == second.not_valid_after_utc
        )
        assert first.public_key() != second.public_key()  # keys are never derived from a seed


def test_seal_is_a_transparent_red_round_stamp_at_actual_size(pki):
    with Image.open(pki["seal"]) as image:
        assert image.mode == "RGBA" and image.format == "PNG"
        assert round(image.info["dpi"][0]) == 300
        diameter_mm = image.width / 300 * 25.4
        assert 30 <= diameter_mm <= 42 and abs(image.width - image.height) <= 4
        pixels = np.asarray(image)
    alpha = pixels[..., 3]
    assert alpha[0, 0] == alpha[-1, -1] == 0  # corners outside the ring: transparent
    inked = pixels[alpha > 128]
    assert len(inked) > 1000
    assert (inked[:, 0] > 150).all() and (inked[:, 1] < 80).all()  # red
    middle = alpha[image.height // 2 - 5 : image.height // 2 + 5, image.width // 2]
    assert middle.max() > 128  # the star in the middle


def test_a_later_crl_revokes_the_signer_from_the_given_time(pki, tmp_path):
    from sohoa_lib.demo._pki import write_demo_crl

    when = SEED + dt.timedelta(days=400)
    out = write_demo_crl(
        pki, tmp_path / "later.crl", password=PASSWORD, issued=when, revoked={pki["signer"]: when}
    )
    crl = x509.load_der_x509_crl(out.read_bytes())
    _, cert, _ = _p12(pki["signer"])
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    assert entry is not None and entry.revocation_date_utc == when
    assert crl.last_update_utc == when and crl.is_signature_valid(_ca(pki).public_key())
