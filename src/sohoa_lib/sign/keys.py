"""Keys and certificates for signing: PKCS#12 file or PKCS#11 token, trust roots, CRLs, the TSA."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import DummyTimeStamper, HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from sohoa_lib.errors import MissingToolError, ParamsError
from sohoa_lib.settings import Signing
from sohoa_lib.sign.loop import run as run_async

log = logging.getLogger(__name__)

Prompt = Callable[[str], str]


def make_timestamper(
    settings: Signing, prompt: Prompt | None, secret: str | None = None
) -> TimeStamper | None:
    """The timestamp authority the settings name (`tsa_url`, or the demo's `demo_tsa`), or None.

    The demo authority's PKCS#12 opens with the key file password (`secret` when the caller has
    it already, else from the environment or `prompt`).
    """
    s = settings
    if s.tsa_url:
        return HTTPTimeStamper(s.tsa_url, timeout=30)
    if s.demo_tsa is None:
        return None
    if secret is None:
        secret = ask_secret(s.password_env, f"mật khẩu của {s.demo_tsa}", prompt)
    tsa = pkcs12_signer(s.demo_tsa, secret, s.password_env, what="signing.demo_tsa")
    return DummyTimeStamper(
        tsa_cert=tsa.signing_cert, tsa_key=tsa.signing_key, certs_to_embed=tsa.cert_registry
    )


class _KeptKeySigner(signers.SimpleSigner):
    """SimpleSigner keeping its key loaded: it parses the key again for every signature (an RSA
    key check of ~50 ms, twice a file with the size estimate), a third of the time per file."""

    _key: Any = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if self._key is None:
            self._key = serialization.load_der_private_key(self.signing_key.dump(), None)
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15":
            return self._key.sign(data, PKCS1v15(), digest)
        if mechanism == "ecdsa":
            return self._key.sign(data, ECDSA(digest))
        return super().sign_raw(data, digest_algorithm)


def certificate_info(cert: asn1_x509.Certificate) -> dict[str, str]:
    """Subject, issuer (RFC 4514), serial (hex) and validity (ISO, UTC) of a certificate."""
    parsed = x509.load_der_x509_certificate(cert.dump())
    return {
        "subject": parsed.subject.rfc4514_string(),
        "issuer": parsed.issuer.rfc4514_string(),
        "serial": f"{parsed.serial_number:X}",
        "not_before": parsed.not_valid_before_utc.isoformat(),
        "not_after": parsed.not_valid_after_utc.isoformat(),
    }


def ask_secret(env: str, what: str, prompt: Prompt | None) -> str:
    """A password or PIN: from the environment, else typed at a terminal; never logged."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if prompt is None or not sys.stdin.isatty():
        raise ParamsError(f"cần {what}: hãy đặt biến môi trường {env}")
    return prompt(f"{what} (chưa đặt {env}): ")


def pkcs12_signer(
    path: Path, secret: str, env: str, what: str = "signing.pkcs12"
) -> _KeptKeySigner:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ParamsError(f"{what}: không tìm thấy tệp: {path}") from None
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, secret.encode("utf-8"))
    except ValueError:
        raise ParamsError(
            f"{what}: {path} không mở được bằng mật khẩu trong {env} "
            "(sai mật khẩu, hoặc không phải tệp PKCS#12)"
        ) from None
    if key is None or cert is None:
        raise ParamsError(f"{what}: {path} không chứa khóa bí mật kèm chứng thư số")
    der = serialization.Encoding.DER
    return _KeptKeySigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(c.public_bytes(der)) for c in others]
        ),
    )


def token_signer(token, prompt: Prompt | None) -> tuple[signers.Signer, Callable[[], None]]:
    """A signer on a PKCS#11 token (USB token or HSM), logged in once; and how to log out."""
    try:
        from pkcs11 import exceptions as p11_errors
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as p11
    except ImportError as exc:
        raise MissingToolError(
            f"ký bằng token PKCS#11 cần python-pkcs11 (pip install python-pkcs11): {exc}"
        ) from None
    where = f"signing.token ({token.token_label!r} trong {token.module})"
    if not Path(token.module).is_file():
        raise ParamsError(f"{where}: không có tệp module PKCS#11")
    pin = ask_secret(token.pin_env, f"mã PIN của token {token.token_label!r}", prompt)
    try:
        session = p11.open_pkcs11_session(
            str(token.module), token_criteria=TokenCriteria(label=token.token_label), user_pin=pin
        )
    except p11_errors.PinIncorrect:
        # Never retried: a token locks itself after a few wrong PINs.
        raise ParamsError(f"{where}: token từ chối mã PIN trong {token.pin_env}") from None
    except (p11.PKCS11Error, p11_errors.PKCS11Error) as exc:
        raise ParamsError(f"{where}: không mở được token: {type(exc).__name__} {exc}") from None
    signer = p11.PKCS11Signer(
        session, key_label=token.key_label, cert_label=token.key_label, other_certs_to_pull=None
    )
    try:
        signer.signing_cert  # noqa: B018  (loads key and certificate now, not mid-batch)
    except (p11.PKCS11Error, p11_errors.PKCS11Error, SigningError) as exc:
        session.close()
        raise ParamsError(
            f"{where}: không có khóa và chứng thư số mang nhãn {token.key_label!r}: {exc}"
        ) from None
    return signer, session.close


def load_cert(path: Path, what: str) -> asn1_x509.Certificate:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ParamsError(f"{what}: không tìm thấy tệp") from None
    try:
        cert = (
            x509.load_pem_x509_certificate(data)
            if b"-----BEGIN" in data
            else x509.load_der_x509_certificate(data)
        )
    except ValueError:
        raise ParamsError(f"{what}: không phải chứng thư số PEM hoặc DER") from None
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def load_crl(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        crl = (
            x509.load_pem_x509_crl(data) if b"-----BEGIN" in data else x509.load_der_x509_crl(data)
        )
    except FileNotFoundError:
        raise ParamsError(f"signing.revocation: không tìm thấy tệp: {path}") from None
    except ValueError:
        raise ParamsError(
            f"signing.revocation: {path} không phải danh sách thu hồi (CRL) PEM hoặc DER"
        ) from None
    return crl.public_bytes(serialization.Encoding.DER)


def check_certificate(cert, chain, roots, crls, where: str) -> None:
    """Refuse a certificate that is expired, not yet valid, revoked, not for signing, or that
    does not chain to the trusted roots."""
    context = ValidationContext(trust_roots=roots, other_certs=chain, crls=crls)
    validator = CertificateValidator(cert, intermediate_certs=chain, validation_context=context)
    try:
        run_async(validator.async_validate_usage(set()))
    except (cv_errors.ExpiredError, cv_errors.NotYetValidError) as exc:
        raise ParamsError(f"{where}: chứng thư số ký hiện không có hiệu lực: {exc}") from None
    except cv_errors.PathBuildingError:
        subject = certificate_info(cert)["subject"]
        raise ParamsError(
            f"{where}: chứng thư số của {subject} không dẫn về chứng thư gốc trong signing.trust_roots"
        ) from None
    except (cv_errors.PathValidationError, cv_errors.InvalidCertificateError) as exc:
        raise ParamsError(f"{where}: chứng thư số ký bị từ chối: {exc}") from None
    usage = set(cert.key_usage_value.native) if cert.key_usage_value else set()
    if usage and not usage & {"digital_signature", "non_repudiation"}:
        raise ParamsError(f"{where}: chứng thư số không được phép ký (key usage {sorted(usage)})")


def revocation_context(cert, chain, roots, crls, where: str) -> ValidationContext | None:
    """The context that embeds the revocation data of the signer's chain (and, at signing, of the
    timestamp authority's): fetched live where the certificates name a CRL or OCSP address that
    answers, else from the CRL files supplied; None when neither clears the certificate.

    Live data is tried first (it is the freshest), the local files stay beside it and alone
    serve when the network does not: a unit without network access still reaches B-LT.
    """
    fetch = any(c.crl_distribution_points or c.ocsp_urls for c in [cert, *chain])
    if not crls and not fetch:
        return None
    attempts = [True, False] if fetch and crls else [fetch]
    for online in attempts:
        context = ValidationContext(
            trust_roots=roots,
            other_certs=chain,
            crls=crls,
            allow_fetching=online,
            # pyHanko's hard-fail checks only certificates naming a CRL or OCSP address: data
            # is required for every one, so a CRL file given is actually checked.
            revocation_mode="require",
        )
        validator = CertificateValidator(cert, intermediate_certs=chain, validation_context=context)
        try:
            run_async(validator.async_validate_usage(set()), context)
        except (cv_errors.PathValidationError, cv_errors.PathBuildingError) as exc:
            problem = exc
            continue
        return context
    if not fetch or isinstance(problem, cv_errors.RevokedError):
        raise ParamsError(
            f"{where}: dữ liệu thu hồi không xác nhận chứng thư còn hiệu lực: {problem}"
        ) from None
    log.warning(
        "%s: không lấy được dữ liệu thu hồi (%s); ký mà không kèm dữ liệu này", where, problem
    )
    return None
