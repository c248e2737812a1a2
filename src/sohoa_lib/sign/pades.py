"""PAdES signatures of the archive organisation on PDF/A files, with the profile's visible stamp."""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import DummyTimeStamper, HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from sohoa_lib.common.files import atomic_path
from sohoa_lib.describe import xmp
from sohoa_lib.errors import InputError, MissingToolError, ParamsError, SohoaError
from sohoa_lib.pdf import stamp
from sohoa_lib.pdf.stamp import StampMaker, iso_time, stamp_box
from sohoa_lib.settings import PROFILES, Signing
from sohoa_lib.sign._loop import run as run_async

__all__ = ["FIELD_NAME", "TIMESTAMP_FIELD", "Session", "SignResult", "stamp_box"]

log = logging.getLogger(__name__)

FIELD_NAME = "ArchiveSignature"
TIMESTAMP_FIELD = "ArchiveTimestamp"
Prompt = Callable[[str], str]


@dataclass(frozen=True)
class SignResult:
    """One signed file: where it is, what level of PAdES it reached, when and by whom."""

    path: Path
    level: str
    """`B-B`, `B-T` (with a timestamp), `B-LT` (timestamp and validation data embedded) or
    `B-LTA` (B-LT then a document timestamp over the whole file)."""
    signed_at: str
    """Signing time shown in the stamp and signed as an attribute, ISO 8601 with +07:00."""
    seconds: float
    certificate: dict[str, str]
    """The signing certificate: subject, issuer, serial (hex), not_before, not_after (ISO)."""
    stamp_text: str
    """The stamp's lines, as drawn."""


class Session:
    """One key session (one password or PIN entry) signing many files; use it as a context manager.

    The password or PIN comes from the environment variable named in the settings, else from
    `prompt` when a terminal is attached; never from params. Opening checks the certificate
    chains to `settings.trust_roots`, is valid now and may sign.
    """

    def __init__(self, settings: Signing, profile: str, *, prompt: Prompt | None = getpass.getpass):
        if profile not in PROFILES:
            raise ParamsError(
                f"profile phải là một trong {', '.join(PROFILES)}, nhận được {profile!r}"
            )
        if (settings.pkcs12 is None) == (settings.token is None):
            raise ParamsError(
                "signing: cần đúng một trong 'pkcs12' (tệp khóa) hoặc 'token' (PKCS#11)"
            )
        if not settings.trust_roots:
            raise ParamsError("signing.trust_roots để trống: hãy ghi (các) chứng thư gốc tin cậy")
        if settings.tsa_url and settings.demo_tsa:
            raise ParamsError("signing: chỉ khai báo 'tsa_url' hoặc 'demo_tsa', không khai cả hai")
        self.settings, self.profile, self._prompt = settings, profile, prompt
        self._opened = False
        self._signer: signers.Signer | None = None
        self._close_key: Callable[[], None] = lambda: None

    def __enter__(self) -> Session:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Open the key (asking once for its secret), check its certificate, prepare the stamp."""
        if self._opened:
            return
        s = self.settings
        # pyHanko rewrites the XMP on signing: keep our prefix rather than an invented ns0.
        from pikepdf.models.metadata import PdfMetadata

        PdfMetadata.register_xml_namespace(xmp.NS, xmp.PREFIX)
        self._stamp = StampMaker.build(s.organisation, self.profile, s.seal_image, s.seal_dpi)
        secret = None
        if s.pkcs12 is not None:
            secret = _secret(s.password_env, f"mật khẩu của {s.pkcs12}", self._prompt)
            self._signer = _pkcs12_signer(s.pkcs12, secret, s.password_env)
        else:
            self._signer, self._close_key = _token_signer(s.token, self._prompt)
        try:
            self._timestamper = self._make_timestamper(secret)
            cert = self._signer.signing_cert
            self._cert = cert
            self._chain = list(self._signer.cert_registry)
            roots = [_load_cert(p, f"signing.trust_roots ({p})") for p in s.trust_roots]
            crls = [_load_crl(p) for p in s.revocation]
            _check_certificate(cert, self._chain, roots, crls, self._where())
            self._lt = _revocation_context(cert, self._chain, roots, crls, self._where())
            if self._timestamper is not None and self._lt is None:
                log.warning(
                    "%s: không có dữ liệu thu hồi (các chứng thư số không ghi địa chỉ CRL hay OCSP và "
                    "signing.revocation không liệt kê tệp CRL nào): chữ ký dừng ở B-T, không đạt B-LT",
                    self._where(),
                )
        except BaseException:
            self._close_key()
            raise
        self._opened = True

    def close(self) -> None:
        """Close the token session; the key file's key is dropped with the Session."""
        self._close_key()
        self._close_key, self._signer, self._opened = (lambda: None), None, False

    @property
    def level(self) -> str:
        """The PAdES level this Session's signatures reach."""
        self.open()
        if self._timestamper is None:
            return "B-B"
        if self._lt is None:
            return "B-T"
        return "B-LTA" if self.settings.document_timestamp else "B-LT"

    def sign(self, src: Path, out: Path, *, when: dt.datetime | None = None) -> SignResult:
        """Sign `src` into `out` (written whole or not at all; `src` is only read).

        `when` (default now) is the signing time stamped and signed; unzoned means Vietnam's.
        """
        started = time.perf_counter()
        self.open()
        src, out = Path(src), Path(out)
        if out.resolve() == src.resolve():
            raise InputError(f"{src}: bản đã ký phải ghi ra tệp khác, không ghi đè lên bản gốc")
        when = iso_time(when)
        self._check_validity(when)
        text = self._stamp.text(when)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            embed_validation_info=self._lt is not None,
            validation_context=self._lt,
            # B-LTA: a document timestamp over the whole file, after the DSS it protects.
            use_pades_lta=self.level == "B-LTA",
            timestamp_field_name=TIMESTAMP_FIELD if self.level == "B-LTA" else None,
        )
        try:
            for attempt in (1, 2):
                try:
                    with src.open("rb") as fh, atomic_path(out) as tmp:
                        self._sign_into(fh, src, tmp, meta, when, text, last=attempt == 2)
                    break
                except _ClockTicked:
                    continue
        except FileNotFoundError:
            raise InputError(f"{src}: không tìm thấy tệp") from None
        except PdfError as exc:
            raise InputError(f"{src}: không đọc được như một tệp PDF để ký: {exc}") from None
        except TimestampRequestError as exc:
            cause = f" ({exc.__cause__})" if exc.__cause__ else ""
            raise SohoaError(
                f"{src}: máy chủ dấu thời gian {self.settings.tsa_url} bị lỗi: {exc}{cause}"
            ) from None
        except SigningError as exc:
            raise SohoaError(f"{src}: ký số thất bại: {exc}") from None
        return SignResult(
            out,
            self.level,
            when.isoformat(),
            round(time.perf_counter() - started, 4),
            certificate_info(self._cert),
            text,
        )

    # Inside the Session --------------------------------------------------------------------

    def _sign_into(self, fh, src: Path, tmp: Path, meta, when, text: str, *, last: bool) -> None:
        writer = IncrementalPdfFileWriter(fh, strict=False)
        page, pdfa = stamp.read_page1(writer, src, self.profile)
        stamp.agree_producer(writer)
        spec = fields.SigFieldSpec(FIELD_NAME, on_page=0, box=self._stamp.box(page, str(src)))
        pdf_signer = _TimedSigner(
            when,
            meta,
            self._signer,
            timestamper=self._timestamper,
            stamp_style=self._stamp.style,
            new_field_spec=spec,
        )
        with tmp.open("w+b") as sink:
            run_async(
                pdf_signer.async_sign_pdf(
                    writer, output=sink, appearance_text_params={"stamp": text}
                ),
                self._lt,
            )
        problem = stamp.metadata_problem(tmp, pdfa)
        if problem == stamp.CLOCK_TICKED and not last:
            raise _ClockTicked
        if problem:
            raise SohoaError(f"{src}: tệp sau khi ký sẽ không còn là PDF/A: {problem}")

    def _where(self) -> str:
        s = self.settings
        return (
            f"signing.pkcs12 ({s.pkcs12})" if s.pkcs12 else f"signing.token ({s.token.token_label})"
        )

    def _make_timestamper(self, secret: str | None) -> TimeStamper | None:
        return make_timestamper(self.settings, self._prompt, secret)

    def _check_validity(self, when: dt.datetime) -> None:
        validity = self._cert["tbs_certificate"]["validity"]
        start, end = validity["not_before"].native, validity["not_after"].native
        for moment, name in ((when, "thời điểm ký"), (dt.datetime.now(dt.UTC), "hiện tại")):
            if not start <= moment <= end:
                raise ParamsError(
                    f"{self._where()}: chứng thư số có hiệu lực từ {start.isoformat()} đến "
                    f"{end.isoformat()}, không có hiệu lực vào {name} "
                    f"({moment.isoformat(timespec='seconds')})"
                )


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
        secret = _secret(s.password_env, f"mật khẩu của {s.demo_tsa}", prompt)
    tsa = _pkcs12_signer(s.demo_tsa, secret, s.password_env, what="signing.demo_tsa")
    return DummyTimeStamper(
        tsa_cert=tsa.signing_cert, tsa_key=tsa.signing_key, certs_to_embed=tsa.cert_registry
    )


class _ClockTicked(Exception):
    """pyHanko reads the clock once for the DocInfo's /ModDate and once for the XMP's
    xmp:ModifyDate; a second that turns in between makes them disagree. Signing again fixes it."""


class _TimedSigner(signers.PdfSigner):
    """PdfSigner with the signing time chosen by the caller, so the stamp and the signed
    signingTime attribute show the same second."""

    def __init__(self, when: dt.datetime, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._when = when

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._when
        return session


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


# Keys and certificates ---------------------------------------------------------------------


def _secret(env: str, what: str, prompt: Prompt | None) -> str:
    """A password or PIN: from the environment, else typed at a terminal; never logged."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if prompt is None or not sys.stdin.isatty():
        raise ParamsError(f"cần {what}: hãy đặt biến môi trường {env}")
    return prompt(f"{what} (chưa đặt {env}): ")


def _pkcs12_signer(
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


def _token_signer(token, prompt: Prompt | None) -> tuple[signers.Signer, Callable[[], None]]:
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
    pin = _secret(token.pin_env, f"mã PIN của token {token.token_label!r}", prompt)
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


def _load_cert(path: Path, what: str) -> asn1_x509.Certificate:
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


def _load_crl(path: Path) -> bytes:
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


def _check_certificate(cert, chain, roots, crls, where: str) -> None:
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


def _revocation_context(cert, chain, roots, crls, where: str) -> ValidationContext | None:
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


# Running pyHanko ---------------------------------------------------------------------------
