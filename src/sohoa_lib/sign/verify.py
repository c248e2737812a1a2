"""Signature checks of signed PDFs: integrity, chain to the trust roots, timestamp, one verdict each."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from sohoa_lib.common.clock import VIETNAM
from sohoa_lib.common.config import read_yaml
from sohoa_lib.errors import InputError, ParamsError
from sohoa_lib.sign._loop import outside_event_loop

log = logging.getLogger(__name__)

# Vietnam keeps one offset all year (no daylight saving), so a fixed zone is exact.

STATUSES = ("valid", "tampered", "untrusted", "unsigned", "unreadable")
LABELS = {
    "valid": "hợp lệ",
    "tampered": "bị sửa đổi",
    "untrusted": "không tin cậy",
    "unsigned": "chưa ký",
    "unreadable": "không đọc được",
}
TRUST_ENV = "SOHOA_TRUST_ROOTS"

# Later revisions pyHanko's difference analysis accepts, in the reviewer's words.
_ALLOWED_UPDATES = {
    "LTA_UPDATES": "bổ sung thông tin kiểm tra dài hạn",
    "FORM_FILLING": "điền biểu mẫu hoặc thêm chữ ký",
    "ANNOTATIONS": "thêm chú thích",
}
# Worst first: when a file holds several signatures, the worst one decides the verdict.
_SEVERITY = {"unreadable": 0, "tampered": 1, "untrusted": 2, "unsigned": 3, "valid": 4}


@dataclass(frozen=True)
class Verdict:
    """What verification found for one file."""

    path: Path
    """The file checked."""
    status: str
    """One of valid, tampered, untrusted, unsigned, unreadable."""
    reason: str
    """Why, in Vietnamese, with the technical detail (issuer, expiry, pyHanko's finding)."""
    signer: str | None = None
    """Common name of the signer's certificate."""
    signed_at: str | None = None
    """Signing time, ISO 8601 with +07:00: the timestamp's when present, else the signer's claim."""
    timestamp: str | None = None
    """State of the RFC 3161 signature timestamp, in Vietnamese; None when there is none."""
    level: str | None = None
    """PAdES baseline level as far as the file shows it (B-B, B-T, B-LT, B-LTA); None if not PAdES."""
    certificate: dict[str, str] | None = None
    """The signer's certificate: subject, issuer, not_before, not_after, sha256."""
    level_reached: str | None = None
    """The PAdES level the checks proved (B-B, B-T, B-LT, B-LTA); None when not valid."""
    validation_time: str | None = None
    """The time the signer's certificate was judged at, ISO 8601 with +07:00."""
    validation_basis: str | None = None
    """Why that time, in Vietnamese (the check's time, or a timestamp proven by later ones)."""
    missing: tuple[str, ...] = ()
    """Evidence the file lacks for the next level or for validation without the network."""

    @property
    def ok(self) -> bool:
        return self.status == "valid"

    @property
    def label(self) -> str:
        """The status in Vietnamese."""
        return LABELS[self.status]


def load_trust_roots(files: Sequence[Path]) -> list[asn1_x509.Certificate]:
    """Every certificate in the given PEM (one or several) or DER files; ParamsError naming a bad one."""
    if not files:
        # An empty list would make pyHanko fall back to the system's TLS roots: never what we want.
        raise ParamsError(
            "chưa có chứng thư gốc tin cậy: chữ ký chỉ được tin cậy khi đối chiếu với một chứng thư gốc"
        )
    roots = []
    for file in files:
        try:
            data = Path(file).read_bytes()
            blobs = (
                [der for _, _, der in pem.unarmor(data, multiple=True)]
                if pem.detect(data)
                else [data]
            )
            certs = [asn1_x509.Certificate.load(der) for der in blobs]
            for cert in certs:
                cert.native  # noqa: B018 - parse now, so a bad file fails here, not mid-validation
        except FileNotFoundError:
            raise ParamsError(f"{file}: không tìm thấy tệp chứng thư gốc tin cậy") from None
        except (OSError, ValueError, TypeError) as exc:
            raise ParamsError(f"{file}: không phải chứng thư số PEM hoặc DER: {exc}") from None
        if not certs:
            raise ParamsError(f"{file}: tệp PEM này không chứa chứng thư số nào")
        roots.extend(certs)
    return roots


def trust_roots_from_env() -> list[Path]:
    """The trust root files listed in $SOHOA_TRUST_ROOTS (os.pathsep-separated), if any."""
    value = os.environ.get(TRUST_ENV, "")
    return [Path(part) for part in value.split(os.pathsep) if part.strip()]


def unit_trust_roots(path: Path, outputs: Path, params_dir: Path) -> list[Path]:
    """`signing.trust_roots` of the unit whose outputs hold `path` (`<outputs>/<UNIT>/…`), if any.

    Only that key is read, not the whole settings: verifying must not depend on the unit's
    inventory or scans still being where the params file says.
    """
    try:
        unit = path.resolve().relative_to(outputs.resolve()).parts[0]
    except (ValueError, IndexError):
        return []
    params = params_dir / f"{unit}.yaml"
    if not params.is_file():
        return []
    signing = read_yaml(params).get("signing")
    roots = signing.get("trust_roots") if isinstance(signing, dict) else None
    if isinstance(roots, str):
        roots = [roots]
    if not isinstance(roots, list):
        return []
    return [(params.parent / str(root)).resolve() for root in roots]


def verify_pdf(
    path: Path, trust_roots: Sequence[Path], *, when: dt.datetime | None = None
) -> Verdict:
    """Check every signature in one PDF against `trust_roots`, as of `when` (default now)."""
    return _verify(Path(path), load_trust_roots(trust_roots), _moment(when))


def verify_path(
    path: Path, trust_roots: Sequence[Path], *, when: dt.datetime | None = None
) -> list[Verdict]:
    """One verdict for a PDF, or for every *.pdf under a folder (recursive, sorted)."""
    return list(iter_verdicts(path, trust_roots, when=when))


def iter_verdicts(
    path: Path, trust_roots: Sequence[Path], *, when: dt.datetime | None = None
) -> Iterator[Verdict]:
    """Like `verify_path`, one verdict at a time, so a long folder can be reported as it goes."""
    roots = load_trust_roots(trust_roots)  # once, not per file
    moment = _moment(when)
    for pdf in pdf_files(Path(path)):
        yield _verify(pdf, roots, moment)


def pdf_files(path: Path) -> list[Path]:
    """`path` itself if it is a file, else every *.pdf below it in sorted order."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path}: không có tệp hoặc thư mục này")
    return sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())


def _moment(when: dt.datetime | None) -> dt.datetime:
    if when is None:
        return dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        raise ValueError("`when` needs a time zone: a naive time is ambiguous on a server in UTC")
    return when


def _verify(path: Path, roots: list[asn1_x509.Certificate], moment: dt.datetime) -> Verdict:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        with path.open("rb") as fh:
            try:
                reader = PdfFileReader(fh, strict=False)
                signatures = reader.embedded_signatures
                empty = [name for name, _, _ in enumerate_sig_fields(reader, filled_status=False)]
                has_dss = "/DSS" in reader.root
            except (PdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
                return Verdict(path, "unreadable", f"không phải PDF hoặc tệp hỏng: {_detail(exc)}")
            if not signatures:
                why = (
                    f"có trường chữ ký trống ({', '.join(empty)}) nhưng chưa ký"
                    if empty
                    else "không có chữ ký số"
                )
                return Verdict(path, "unsigned", why)
            contexts = _Contexts(reader, roots, moment, has_dss)
            times = _reference_times(signatures, contexts)
            verdicts = [
                _check_signature(
                    path,
                    sig,
                    contexts,
                    times[i],
                    has_dss=has_dss,
                    later=signatures[i + 1 :],
                )
                for i, sig in enumerate(signatures)
            ]
            kinds = [sig.sig_object_type for sig in signatures]
    except OSError as exc:
        return Verdict(path, "unreadable", f"không mở được tệp: {exc.strerror or exc}")
    return _combine(verdicts, kinds)


def _combine(verdicts: list[Verdict], kinds: list[str]) -> Verdict:
    """One verdict for a file from its signatures and document timestamps, worst first."""
    worst = min(verdicts, key=lambda v: _SEVERITY[v.status])
    if not worst.ok:
        if len(verdicts) == 1:
            return worst
        index = verdicts.index(worst) + 1
        return replace(worst, reason=f"chữ ký {index}/{len(verdicts)}: {worst.reason}")
    # All valid: the latest signature describes the file (who signed, level); document
    # timestamps (PAdES B-LTA) only add to its reason.
    regular = [v for v, kind in zip(verdicts, kinds, strict=True) if kind != "/DocTimeStamp"]
    stamps = [v for v, kind in zip(verdicts, kinds, strict=True) if kind == "/DocTimeStamp"]
    main = (regular or stamps)[-1]
    reason = main.reason
    if len(regular) > 1:
        reason = f"cả {len(regular)} chữ ký hợp lệ; chữ ký cuối: {reason}"
    if regular and stamps:
        reason += (
            f"; {len(stamps)} dấu thời gian tài liệu (lưu trữ dài hạn) hợp lệ, "
            f"mới nhất {stamps[-1].signed_at}"
        )
    return replace(main, reason=reason)


class _Contexts:
    """Validation contexts for one file at chosen times, offline, from its own DSS.

    At the time of the check, missing revocation data is tolerated (soft-fail: nothing offline
    can be fresher than the file) and said in the verdict; at an earlier time, proven by a later
    timestamp, revocation data is required, and data issued after that time counts
    (ETSI EN 319 102-1 past validation: a CRL issued later still says whether the certificate
    was revoked before).
    """

    def __init__(self, reader: Any, roots: list, moment: dt.datetime, has_dss: bool):
        from pyhanko.sign.validation import DocumentSecurityStore

        self.moment, self._roots = moment, roots
        self._dss = DocumentSecurityStore.read_dss(reader) if has_dss else None
        self.has_revinfo = bool(self._dss and (self._dss.crls or self._dss.ocsps))

    def at(self, when: dt.datetime) -> Any:
        from pyhanko_certvalidator import ValidationContext

        kwargs = {
            "trust_roots": self._roots,
            "allow_fetching": False,
            "moment": when,
            "retroactive_revinfo": True,
            # "require", not "hard-fail": pyHanko's hard-fail checks only certificates that name
            # a CRL or OCSP address, and the demo's (like many national CAs') name none.
            "revocation_mode": "soft-fail" if when >= self.moment else "require",
            # Empty, not absent: pyHanko refuses to require it with no source of revocation data at
            # all; with none in the file the check must run, and fail saying so.
            "crls": [],
            "ocsps": [],
        }
        return self._dss.as_validation_context(kwargs) if self._dss else ValidationContext(**kwargs)


def _reference_times(
    signatures: Sequence[Any], contexts: _Contexts
) -> list[tuple[dt.datetime, str]]:
    """For each signature or timestamp, the time to judge it at, and why.

    The newest document timestamp is judged at the time of the check; each one found valid
    proves that everything before it existed at its time, so what precedes it is judged then
    (its certificates may have expired since). A timestamp that fails breaks the chain: what
    precedes it is judged at the time of the check again.
    """
    from pyhanko.sign.validation import validate_pdf_timestamp

    ref = contexts.moment
    why = f"thời điểm kiểm tra {_iso(ref)}"
    times: list[tuple[dt.datetime, str]] = [(ref, why)] * len(signatures)
    for i in reversed(range(len(signatures))):
        times[i] = (ref, why)
        sig = signatures[i]
        if sig.sig_object_type != "/DocTimeStamp":
            continue
        try:
            with _captured_pyhanko_warnings():
                status = outside_event_loop(validate_pdf_timestamp, sig, contexts.at(ref))
        except Exception:  # judged again, and reported, by _check_signature
            status = None
        if status is not None and status.intact and status.valid and status.trusted:
            ref = status.timestamp
            why = f"thời điểm dấu thời gian tài liệu {_iso(ref)} (được chứng minh bởi chuỗi dấu thời gian)"
        else:
            ref, why = contexts.moment, f"thời điểm kiểm tra {_iso(contexts.moment)}"
    return times


def _check_signature(
    path: Path,
    sig: Any,
    contexts: _Contexts,
    reference: tuple[dt.datetime, str],
    *,
    has_dss: bool,
    later: Sequence[Any],
) -> Verdict:
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp

    moment, basis = reference
    context = contexts.at(moment)
    is_doc_ts = sig.sig_object_type == "/DocTimeStamp"
    missing: list[str] = []
    with _captured_pyhanko_warnings() as warnings:
        try:
            if is_doc_ts:
                status = outside_event_loop(validate_pdf_timestamp, sig, context)
            else:
                status = outside_event_loop(validate_pdf_signature, sig, context, context)
            if moment < contexts.moment and not status.trusted and not status.revoked:
                # Proven to exist at `moment`, but the file lacks the revocation data to judge
                # it then: judged at the time of the check instead, and the gap said.
                now = contexts.at(contexts.moment)
                args = (sig, now) if is_doc_ts else (sig, now, now)
                current = outside_event_loop(
                    validate_pdf_timestamp if is_doc_ts else validate_pdf_signature, *args
                )
                if current.trusted:
                    missing.append(
                        f"không có dữ liệu thu hồi để kiểm tra tại {_iso(moment)}: "
                        "chỉ kiểm tra được tại thời điểm kiểm tra"
                    )
                    status, context = current, now
                    moment, basis = contexts.moment, f"thời điểm kiểm tra {_iso(contexts.moment)}"
            if not is_doc_ts:
                status, moment, basis = _at_signing_time(
                    sig, status, contexts, context, moment, basis, missing
                )
        # A parse failure inside the CMS blob (asn1crypto raises ValueError, TypeError, …)
        # means the signature itself is damaged; one such file must not stop the others.
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            log.debug("%s: signature validation failed", path, exc_info=True)
            return Verdict(
                path, "tampered", f"chữ ký bị hỏng, không phân tích được: {_detail(exc)}"
            )
        # Anything else is our failure to check, not evidence against the file.
        except Exception as exc:
            log.warning("%s: không kiểm tra được chữ ký số", path, exc_info=True)
            return Verdict(path, "unreadable", f"không kiểm tra được chữ ký: {_detail(exc)}")
    for message in warnings:
        log.debug("%s: pyHanko: %s", path, message.replace("\n", ": "))

    cert = status.signing_cert
    signer = _cn(cert.subject)
    ts_status = status if is_doc_ts else status.timestamp_validity
    signed_at = ts_status.timestamp if ts_status is not None else status.signer_reported_dt
    common = {
        "signer": signer,
        "signed_at": _iso(signed_at),
        "timestamp": _timestamp_text(ts_status),
        "level": _level(sig, ts_status is not None, has_dss, later),
        "certificate": _cert_info(cert),
    }
    status_name, reason = _judge(status, is_doc_ts, warnings, moment)
    common |= {"validation_time": _iso(moment), "validation_basis": basis}
    if status_name == "valid" and not is_doc_ts:
        reached = "B-B"
        if ts_status is None:
            missing.append("không có dấu thời gian chữ ký (B-T)")
        else:
            reached = "B-T"
            # B-LT: judged at its timestamp's time from revocation data in the file.
            if contexts.has_revinfo and moment < reference[0]:
                reached = "B-LT"
            elif not contexts.has_revinfo:
                missing.append("không có dữ liệu thu hồi (CRL/OCSP) trong DSS của tệp (B-LT)")
        if reached == "B-LT":
            if reference[0] < contexts.moment:  # a later document timestamp holds
                reached = "B-LTA"
            else:
                missing.append("không có dấu thời gian tài liệu còn hiệu lực sau DSS (B-LTA)")
        common |= {"level_reached": reached, "missing": tuple(missing)}
    if status_name == "valid":
        reason = f"chữ ký hợp lệ, chứng thư số của {signer} do {_cn(cert.issuer)} cấp, " + (
            f"dấu thời gian {common['signed_at']}"
            if ts_status is not None
            else f"thời điểm ký theo người ký {common['signed_at']} (không có dấu thời gian)"
        )
        if is_doc_ts:
            reason = f"dấu thời gian tài liệu hợp lệ của {signer}, {common['signed_at']}"
        level = status.modification_level
        if level is not None and level.name != "NONE":
            what = _ALLOWED_UPDATES.get(level.name, "cập nhật được phép")
            reason += f"; sau khi ký có {what} ({level.name})"
    return Verdict(path, status_name, reason, **common)


def _at_signing_time(sig, status, contexts, context, moment, basis, missing):
    """The signature judged at its own timestamp's time when that timestamp holds at `moment`:
    the time its certificate must have been valid and unrevoked. Without revocation data for
    that time, the judgment at `moment` stands and the gap is said."""
    from pyhanko.sign.validation import validate_pdf_signature

    ts = status.timestamp_validity
    if ts is None or not (ts.intact and ts.valid and ts.trusted) or ts.timestamp >= moment:
        return status, moment, basis
    past = outside_event_loop(validate_pdf_signature, sig, contexts.at(ts.timestamp), context)
    why = f"thời điểm dấu thời gian chữ ký {_iso(ts.timestamp)}, đã xác lập tại {basis}"
    if past.trusted or past.revoked or not status.trusted:
        return past, ts.timestamp, why
    missing.append(
        f"không có dữ liệu thu hồi để kiểm tra chứng thư tại thời điểm ký {_iso(ts.timestamp)}"
    )
    return status, moment, basis


def _judge(
    status: Any, is_doc_ts: bool, warnings: list[str], moment: dt.datetime
) -> tuple[str, str]:
    """The verdict for one validated signature: integrity first, then trust, then the timestamp."""
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not status.intact:
        return (
            "tampered",
            "nội dung tệp không khớp với chữ ký (hash mismatch): tệp bị thay đổi sau khi ký",
        )
    if not status.valid:
        return "tampered", "giá trị chữ ký không hợp lệ (signature does not verify)"
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return (
            "tampered",
            "chữ ký không bao trùm toàn bộ phiên bản tài liệu (unclear /ByteRange coverage)",
        )
    if status.docmdp_ok is False or (
        status.modification_level is not None and status.modification_level.name == "OTHER"
    ):
        found = status.diff_result
        detail = str(found).splitlines()[0] if found is not None else "không rõ"
        return "tampered", f"tệp bị sửa đổi sau khi ký (modified after signing): {detail}"
    if not is_doc_ts and status.timestamp_validity is not None:
        ts = status.timestamp_validity
        if not (ts.intact and ts.valid):
            return "tampered", "dấu thời gian bị hỏng (timestamp token does not verify)"
    if not status.trusted:
        return "untrusted", _trust_reason(status, warnings, moment)
    if not is_doc_ts and status.timestamp_validity is not None:
        ts = status.timestamp_validity
        if not ts.trusted:
            return "untrusted", "dấu thời gian không tin cậy: " + _trust_reason(
                ts, warnings, moment
            )
    # A document timestamp's status has no overall judgment; the checks above cover it.
    if not is_doc_ts and not status.bottom_line:
        return "untrusted", f"chữ ký không đạt yêu cầu ({status.summary()})"
    return "valid", ""


def _trust_reason(status: Any, warnings: list[str], moment: dt.datetime) -> str:
    cert = status.signing_cert
    indic = status.trust_problem_indic
    name = getattr(indic, "name", "")
    who = f"chứng thư số của {_cn(cert.subject)}"
    if name == "NO_CERTIFICATE_CHAIN_FOUND":
        text = (
            f"{who} do {_cn(cert.issuer)} cấp, không nối được tới gốc tin cậy nào (unknown issuer)"
        )
    elif name in ("OUT_OF_BOUNDS_NO_POE", "EXPIRED") or cert.not_valid_after < moment:
        text = f"{who} đã hết hạn ngày {_iso(cert.not_valid_after)} (expired)"
    elif name == "NOT_YET_VALID" or cert.not_valid_before > moment:
        text = f"{who} chưa có hiệu lực trước {_iso(cert.not_valid_before)} (not yet valid)"
    elif status.revoked:
        text = (
            f"{who} đã bị thu hồi ngày {_iso(status.revocation_details.revocation_date)} (revoked)"
        )
    elif name == "SIG_CONSTRAINTS_FAILURE":
        text = f"{who} không được phép dùng để ký (key usage)"
    else:
        text = f"{who} không được tin cậy ({name or 'untrusted'})"
    # pyHanko's own words say exactly what failed; keep the one about this certificate.
    subject = cert.subject.human_friendly
    about = [w for w in warnings if subject in w] or warnings
    return f"{text}; {about[0].splitlines()[-1]}" if about else text


@contextlib.contextmanager
def _captured_pyhanko_warnings() -> Iterator[list[str]]:
    """Collect pyHanko's validation warnings instead of printing their tracebacks.

    pyHanko logs every untrusted chain at WARNING with a traceback; for a verifier that is an
    expected outcome, reported in the verdict, so the records are kept as reasons instead.
    """
    captured: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            # The exception's text says what failed; the message names the certificate.
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message = f"{message}\n{_detail(record.exc_info[1])}"
            if message not in captured:
                captured.append(message)

    logger = logging.getLogger("pyhanko")
    handler = _Keep(logging.WARNING)
    saved = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield captured
    finally:
        logger.removeHandler(handler)
        logger.propagate = saved


def _level(sig: Any, has_ts: bool, has_dss: bool, later: Sequence[Any]) -> str | None:
    """PAdES baseline level as seen in the file; pyHanko's `/adbe.pkcs7.detached` is not PAdES."""
    if sig.sig_object_type == "/DocTimeStamp":
        return "B-LTA"
    if sig.sig_object.get("/SubFilter") != "/ETSI.CAdES.detached":
        return None
    if any(other.sig_object_type == "/DocTimeStamp" for other in later) and has_dss:
        return "B-LTA"
    if has_ts and has_dss:
        return "B-LT"
    return "B-T" if has_ts else "B-B"


def _timestamp_text(ts: Any) -> str | None:
    if ts is None:
        return None
    when = _iso(ts.timestamp)
    tsa = _cn(ts.signing_cert.subject)
    if not (ts.intact and ts.valid):
        return f"dấu thời gian bị hỏng ({tsa})"
    if not ts.trusted:
        return f"dấu thời gian không tin cậy ({tsa}, {when})"
    return f"có dấu thời gian hợp lệ ({tsa}, {when})"


def _cert_info(cert: asn1_x509.Certificate) -> dict[str, str]:
    return {
        "subject": cert.subject.human_friendly,
        "issuer": cert.issuer.human_friendly,
        "not_before": _iso(cert.not_valid_before) or "",
        "not_after": _iso(cert.not_valid_after) or "",
        "sha256": cert.sha256.hex(),
    }


def _cn(name: asn1_x509.Name) -> str:
    return name.native.get("common_name") or name.human_friendly


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)  # PDF and CMS times without a zone are UTC
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "…"
