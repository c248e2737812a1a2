"""Long-term validation of signed PDFs: when their timestamps run out, and renewing them (B-LTA)."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors

from sohoa_lib.common.files import atomic_path, sha256, write_text
from sohoa_lib.errors import InputError, ParamsError, PreservationError
from sohoa_lib.preserve import fixity
from sohoa_lib.settings import Signing
from sohoa_lib.sign import batch, keys, pades
from sohoa_lib.sign.loop import run as run_async

__all__ = ["DEFAULT_MARGIN", "Renewal", "Renewer", "renewal_due"]

log = logging.getLogger(__name__)

STATE = "signed.json"  # stage 3's record of each signed file
# Two years: time to notice, budget and run a renewal before a timestamp stops proving anything.
DEFAULT_MARGIN = dt.timedelta(days=730)


@dataclass(frozen=True)
class Renewal:
    """One file's long-term validation state: its newest timestamp and whether it needs renewing."""

    path: Path
    expires: dt.datetime | None
    """When the certificate of the file's newest timestamp expires; None when it has no timestamp."""
    due: bool
    """Whether a fresh DSS and document timestamp should be added now (within the margin)."""
    reason: str
    """Why, in Vietnamese."""
    renewed: bool = False
    """Whether this run added them."""


def newest_timestamp_certificate(reader: PdfFileReader) -> asn1_x509.Certificate | None:
    """The certificate of the newest timestamp in the file: its last document timestamp, else
    the signature timestamp of its last signature; None when it carries no timestamp."""
    for sig in reversed(reader.embedded_signatures):
        if sig.sig_object_type == "/DocTimeStamp":
            return sig.signer_cert
        token = signature_timestamp(sig)
        if token is not None:
            return _token_signer(token)
    return None


def renewal_due(path: Path, *, margin: dt.timedelta = DEFAULT_MARGIN, now: dt.datetime) -> Renewal:
    """Whether `path` needs renewing at `now`: its newest timestamp's certificate expires within
    `margin` (or has expired: renewing then no longer proves anything, so it is said loudly)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            reader = PdfFileReader(fh, strict=False)
            if not reader.embedded_signatures:
                return Renewal(path, None, False, "chưa ký: không có gì để gia hạn")
            cert = newest_timestamp_certificate(reader)
    except (OSError, PdfError, ValueError) as exc:
        raise InputError(f"{path}: không đọc được như một tệp PDF đã ký: {exc}") from None
    if cert is None:
        return Renewal(
            path, None, True, "không có dấu thời gian: cần thêm dữ liệu xác thực và dấu thời gian"
        )
    expires = cert.not_valid_after
    if expires <= now:
        return Renewal(
            path,
            expires,
            True,
            f"chứng thư của dấu thời gian mới nhất đã hết hạn {expires.date()}: gia hạn lúc này "
            "không còn chứng minh được chuỗi trước đó, cần kiểm tra lại",
        )
    if expires - now <= margin:
        return Renewal(
            path, expires, True, f"chứng thư dấu thời gian mới nhất hết hạn {expires.date()}"
        )
    return Renewal(path, expires, False, f"còn hiệu lực đến {expires.date()}")


class Renewer:
    """Adds a fresh DSS and a document timestamp to signed PDFs, incrementally (PAdES B-LTA).

    The timestamp authority, trust roots and CRL files come from the unit's signing settings;
    revocation data is fetched live where the certificates name an address and taken from
    `signing.revocation` otherwise, as when signing.
    """

    def __init__(self, settings: Signing, *, prompt=getpass.getpass, timestamper=None):
        self.settings = settings
        self._timestamper: TimeStamper | None = timestamper or keys.make_timestamper(
            settings, prompt
        )
        if self._timestamper is None:
            raise ParamsError(
                "preserve renew: no timestamp authority: set signing.tsa_url "
                "(or signing.demo_tsa for the demo)"
            )
        if not settings.trust_roots:
            raise ParamsError("preserve renew: signing.trust_roots is empty")
        self._roots = [
            keys.load_cert(p, f"signing.trust_roots ({p})") for p in settings.trust_roots
        ]
        self._crls = [keys.load_crl(p) for p in settings.revocation]

    def renew(self, path: Path, *, out: Path | None = None) -> None:
        """Append to `path` (or write `out`) the validation data of every signature and timestamp
        in it, then a document timestamp over the whole; earlier revisions stay as they are."""
        path = Path(path)
        out = Path(out) if out is not None else path
        with path.open("rb") as fh:
            reader = PdfFileReader(fh, strict=False)
            certs = _certificates(reader)
            count = len(reader.embedded_timestamp_signatures)
            fh.seek(0)
            context = self._context(certs)
            writer = IncrementalPdfFileWriter(fh, strict=False)
            DocumentSecurityStore.supply_dss_in_writer(
                writer, None, certs=certs, crls=context.crls, ocsps=context.ocsps
            )
            stamper = PdfTimeStamper(
                self._timestamper, field_name=f"{pades.TIMESTAMP_FIELD}{count + 1}"
            )
            with atomic_path(out) as tmp, tmp.open("w+b") as sink:
                run_async(
                    stamper.async_timestamp_pdf(
                        writer, "sha256", validation_context=context, output=sink
                    ),
                    context,
                )

    def renew_path(
        self,
        path: Path,
        *,
        margin: dt.timedelta = DEFAULT_MARGIN,
        now: dt.datetime,
        dry_run: bool = False,
    ) -> list[Renewal]:
        """Renew every signed PDF in `path` (a file, or a folder's own PDFs) that is due (`dry_run`: only say which); the
        folder's checksum manifest, if any, is checked first (a renewal must never bless a
        changed file) and rewritten after. A file whose newest timestamp has already expired
        is reported, not renewed: a new timestamp could no longer vouch for the old chain. In a
        unit's archive each renewal, and each such file, is logged in its preservation log; the
        caller rebuilds the packages (archive.rebuild_packages)."""
        path = Path(path)
        folder = path if path.is_dir() else path.parent
        listed = (folder / fixity.MANIFEST).is_file()
        if listed:
            report = fixity.check_manifest(folder, extra=False)
            if not report.ok:
                raise PreservationError(
                    f"preserve renew: {folder}: files differ from {fixity.MANIFEST}; "
                    "nothing renewed: " + "; ".join(fixity.format_report(report))
                )
        results = []
        # A folder's own PDFs only: those in its packages/ (and their copies) are the package's,
        # fixed by its manifest; archive.rebuild_packages rebuilds them from the renewed files.
        files = sorted(p for p in path.glob("*.pdf") if p.is_file()) if path.is_dir() else [path]
        log_csv = None if dry_run else _log_path(folder)
        # A failure part way keeps the files renewed so far true to the manifest and recorded.
        try:
            for pdf in files:
                state = renewal_due(pdf, margin=margin, now=now)
                # No timestamp yet (B-B): the first document timestamp is what gives it a time.
                if not dry_run and state.due and (state.expires is None or state.expires > now):
                    try:
                        self.renew(pdf)
                    except Exception as exc:
                        _log(log_csv, pdf, "failed", f"gia hạn không thành: {exc}", now)
                        raise
                    after = renewal_due(pdf, margin=margin, now=now)
                    state = Renewal(pdf, after.expires, False, f"đã gia hạn; {after.reason}", True)
                    _log(log_csv, pdf, "ok", "bổ sung DSS và dấu thời gian tài liệu; " + after.reason,
                         now)  # fmt: skip
                elif not dry_run and state.due:
                    _log(log_csv, pdf, "failed", state.reason, now)  # due but past renewing
                results.append(state)
        finally:
            if listed and any(r.renewed for r in results):
                _rewrite_manifest(folder)
            _record(folder, results, now)
        return results

    def _context(self, certs: Sequence[asn1_x509.Certificate]) -> ValidationContext:
        """A context holding fresh revocation data for `certs`: live where they name an address
        (failures are logged, the local CRL files stay), the CRL files otherwise."""
        fetch = any(c.crl_distribution_points or c.ocsp_urls for c in certs)
        context = ValidationContext(
            trust_roots=self._roots,
            other_certs=list(certs),
            crls=self._crls,
            allow_fetching=fetch,
            revocation_mode="soft-fail",
        )
        if fetch:
            for cert in certs:
                validator = CertificateValidator(cert, validation_context=context)
                try:
                    run_async(validator.async_validate_usage(set()))
                except (cv_errors.PathValidationError, cv_errors.PathBuildingError) as exc:
                    # An expired or revoked certificate is still worth its revocation data.
                    log.info("%s: %s", cert.subject.human_friendly, exc)
        return context


def _log_path(folder: Path) -> Path | None:
    """The unit's preservation log when `folder` is a unit's archive (the one its backups.json
    names, else `preservation-log.csv` beside `signed.json`); None for loose files elsewhere."""
    backups = fixity.read_backups(folder / fixity.PACKAGES)
    if backups is not None and backups.log is not None:
        return backups.log
    return folder / fixity.LOG if (folder / STATE).is_file() else None


def _log(log_csv: Path | None, pdf: Path, result: str, detail: str, now: dt.datetime) -> None:
    if log_csv is not None:
        fixity.log_event(log_csv, event="renewal", target=str(pdf.resolve()), result=result,
                         detail=detail, when=now)  # fmt: skip


def _record(folder: Path, results: Sequence[Renewal], now: dt.datetime) -> None:
    """Each renewal in the stage's record of signed files (`signed.json`, when the folder is a
    unit's archive), from which the package's PREMIS history is written."""
    state_path = folder / STATE
    renewed = [r for r in results if r.renewed]
    if not renewed or not state_path.is_file():
        return
    state = json.loads(state_path.read_text(encoding="utf-8"))
    agent = batch.agent()
    for r in renewed:
        if r.path.name in state:
            expires = r.expires.isoformat() if r.expires else None
            # To the microsecond: the package's history has one event per renewal run, told
            # apart by this time, and two runs can fall in the same second.
            # `agent`: the tools that renewed it, for the PREMIS history.
            entry = {"at": now.isoformat(timespec="microseconds"), "expires": expires,
                     "agent": agent}  # fmt: skip
            state[r.path.name].setdefault("renewals", []).append(entry)
    write_text(state_path, json.dumps(state, ensure_ascii=False, indent=1) + "\n")


def _rewrite_manifest(folder: Path) -> None:
    """The folder's manifest with the same files listed, their checksums taken again."""
    listed = fixity.read_manifest(folder / fixity.MANIFEST)
    lines = [f"{sha256(folder / rel)}  {rel}" for rel in sorted(listed)]
    write_text(folder / fixity.MANIFEST, "\n".join(lines) + "\n")


def _certificates(reader: PdfFileReader) -> list[asn1_x509.Certificate]:
    """Every certificate the file's signatures and timestamps carry, once each."""
    seen: dict[bytes, asn1_x509.Certificate] = {}
    for sig in reader.embedded_signatures:
        for cert in sig.signed_data["certificates"]:
            seen.setdefault(cert.chosen.sha256, cert.chosen)
        token = signature_timestamp(sig)
        if token is not None:
            for cert in token["certificates"]:
                seen.setdefault(cert.chosen.sha256, cert.chosen)
    return list(seen.values())


def signature_timestamp(sig):
    """The SignedData of a signature's RFC 3161 signature timestamp token, or None."""
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    if sig.sig_object_type == "/DocTimeStamp":
        return None
    return next(iter(extract_tst_data_iter(sig.signer_info, signed=False)), None)


def _token_signer(token) -> asn1_x509.Certificate | None:
    """The certificate that signed a timestamp token (its SignedData)."""
    sid = token["signer_infos"][0]["sid"]
    for choice in token["certificates"]:
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            match = sid.chosen
            if (
                cert.issuer == match["issuer"]
                and cert.serial_number == match["serial_number"].native
            ):
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    return None
