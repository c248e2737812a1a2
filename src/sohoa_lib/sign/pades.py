"""PAdES signatures of the archive organisation on PDF/A files, with the profile's visible stamp."""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from sohoa_lib.common.files import atomic_path
from sohoa_lib.describe import xmp
from sohoa_lib.errors import InputError, ParamsError, SohoaError
from sohoa_lib.pdf import stamp
from sohoa_lib.pdf.stamp import StampMaker, iso_time, stamp_box
from sohoa_lib.settings import PROFILES, Signing
from sohoa_lib.sign import keys
from sohoa_lib.sign.keys import Prompt, certificate_info, make_timestamper
from sohoa_lib.sign.loop import run as run_async

__all__ = ["FIELD_NAME", "TIMESTAMP_FIELD", "Session", "SignResult", "certificate_info",
           "make_timestamper", "stamp_box"]  # fmt: skip

log = logging.getLogger(__name__)

FIELD_NAME = "ArchiveSignature"
TIMESTAMP_FIELD = "ArchiveTimestamp"


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
            secret = keys.ask_secret(s.password_env, f"mật khẩu của {s.pkcs12}", self._prompt)
            self._signer = keys.pkcs12_signer(s.pkcs12, secret, s.password_env)
        else:
            self._signer, self._close_key = keys.token_signer(s.token, self._prompt)
        try:
            self._timestamper = self._make_timestamper(secret)
            cert = self._signer.signing_cert
            self._cert = cert
            self._chain = list(self._signer.cert_registry)
            roots = [keys.load_cert(p, f"signing.trust_roots ({p})") for p in s.trust_roots]
            crls = [keys.load_crl(p) for p in s.revocation]
            keys.check_certificate(cert, self._chain, roots, crls, self._where())
            self._lt = keys.revocation_context(cert, self._chain, roots, crls, self._where())
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
