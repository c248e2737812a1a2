"""One signature or document timestamp of a PDF judged: contexts, reference times, reasons."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509

from sohoa_lib.common.clock import VIETNAM
from sohoa_lib.sign.loop import outside_event_loop
from sohoa_lib.sign.verdict import Verdict

# The logger verify.py had before this module was split from it, so log settings still apply.
log = logging.getLogger("sohoa_lib.sign.verify")

# Later revisions pyHanko's difference analysis accepts, in the reviewer's words.
_ALLOWED_UPDATES = {
    "LTA_UPDATES": "bổ sung thông tin kiểm tra dài hạn",
    "FORM_FILLING": "điền biểu mẫu hoặc thêm chữ ký",
    "ANNOTATIONS": "thêm chú thích",
}


class Contexts:
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


def reference_times(signatures: Sequence[Any], contexts: Contexts) -> list[tuple[dt.datetime, str]]:
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


def check_signature(
    path: Path,
    sig: Any,
    contexts: Contexts,
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
                path, "tampered", f"chữ ký bị hỏng, không phân tích được: {exception_text(exc)}"
            )
        # Anything else is our failure to check, not evidence against the file.
        except Exception as exc:
            log.warning("%s: không kiểm tra được chữ ký số", path, exc_info=True)
            return Verdict(path, "unreadable", f"không kiểm tra được chữ ký: {exception_text(exc)}")
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
                message = f"{message}\n{exception_text(record.exc_info[1])}"
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


def exception_text(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "…"
