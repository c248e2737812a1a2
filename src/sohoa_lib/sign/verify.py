"""Signature checks of signed PDFs: integrity, chain to the trust roots, timestamp, one verdict each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from asn1crypto import x509 as asn1_x509

from sohoa_lib.errors import InputError
from sohoa_lib.sign import _signature
from sohoa_lib.sign.trust import TRUST_ENV, load_trust_roots, trust_roots_from_env, unit_trust_roots
from sohoa_lib.sign.verdict import LABELS, STATUSES, Verdict

__all__ = ["LABELS", "STATUSES", "TRUST_ENV", "Verdict", "iter_verdicts", "load_trust_roots",
           "pdf_files", "trust_roots_from_env", "unit_trust_roots", "verify_path", "verify_pdf"]  # fmt: skip

# Worst first: when a file holds several signatures, the worst one decides the verdict.
_SEVERITY = {"unreadable": 0, "tampered": 1, "untrusted": 2, "unsigned": 3, "valid": 4}


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
                return Verdict(
                    path,
                    "unreadable",
                    f"không phải PDF hoặc tệp hỏng: {_signature.exception_text(exc)}",
                )
            if not signatures:
                why = (
                    f"có trường chữ ký trống ({', '.join(empty)}) nhưng chưa ký"
                    if empty
                    else "không có chữ ký số"
                )
                return Verdict(path, "unsigned", why)
            contexts = _signature.Contexts(reader, roots, moment, has_dss)
            times = _signature.reference_times(signatures, contexts)
            verdicts = [
                _signature.check_signature(
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
