"""A file's PREMIS events, each made by the step that did the work, with the tool version it used."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from sohoa_lib.common import versions
from sohoa_lib.common.clock import VIETNAM, stamp
from sohoa_lib.preserve.premis import PreservationEvent
from sohoa_lib.sign import batch
from sohoa_lib.tools import tesseract

# Said in the detail of an event rebuilt afterwards from file times and today's tools, for
# records written before steps recorded their own events: right or flagged, never silently wrong.
RECONSTRUCTED = (
    "dựng lại sau từ thời điểm tệp và phiên bản công cụ hiện tại, không ghi lúc thực hiện"
)


def sohoa_agent() -> str:
    return f"sohoa {versions.sohoa()}"


def capture(scans: Path, organisation: str) -> PreservationEvent:
    """The paper scanned into images: the scan folder's time is the best witness stage 2 has."""
    return PreservationEvent("capture", _mtime(scans), f"{organisation} (máy quét)", "success",
                             "Quét tài liệu giấy thành ảnh")  # fmt: skip


def page_checks(when: str, pages: int) -> PreservationEvent:
    """Every page of the file passed the checks of its profile (resolution, colour, scale, …)."""
    return PreservationEvent("validation", when, sohoa_agent(), "success",
                             f"Kiểm tra chất lượng {pages} trang ảnh quét: đạt", "software")  # fmt: skip


def ocr(when: str, engines: Iterable[str]) -> PreservationEvent:
    """Vietnamese OCR with the Tesseract version(s) the pages were actually read with."""
    used = "; ".join(sorted(set(engines))) or "tesseract"
    return PreservationEvent("metadata extraction", when, f"{sohoa_agent()}; {used}", "success",
                             "Nhận dạng chữ (OCR) tiếng Việt, tách văn bản, trích xuất dữ liệu đặc tả",
                             "software")  # fmt: skip


def pdfa(when: str) -> PreservationEvent:
    """The two-layer PDF/A files written, with the pikepdf that wrote them."""
    return PreservationEvent("format conversion", when,
                             f"{sohoa_agent()}; pikepdf {versions.version('pikepdf')}", "success",
                             "Tạo tệp PDF/A-2B hai lớp (ảnh gốc và lớp chữ)", "software")  # fmt: skip


def reconstructed_digitize(
    scans: Path | None, organisation: str, record: Path, pdfs: Sequence[Path]
) -> list[PreservationEvent]:
    """Stage 2's events for a record written before it recorded them: from file times and
    today's Tesseract and pikepdf, each marked RECONSTRUCTED in its detail."""
    events = []
    if scans is not None and scans.exists():
        events.append(capture(scans, organisation))
    events.append(ocr(_mtime(record), [tesseract.version() or "tesseract"]))
    existing = [p for p in pdfs if p.exists()]
    if existing:
        events.append(pdfa(_mtime(max(existing, key=os.path.getmtime))))
    return [_flagged(e) for e in events]


def signing(entries: Sequence[Mapping]) -> list[PreservationEvent]:
    """The signature of a hồ sơ's PDFs (and their signature timestamp) from signed.json entries,
    one event each at the latest signing; entries from before agents were recorded are flagged."""
    if not entries:
        return []
    last = max(entries, key=lambda e: e["signed_at"])
    subject = (last.get("certificate") or {}).get("subject", "")
    recorded = "agent" in last
    agent = last.get("agent") or batch.agent()
    events = [PreservationEvent("digital signature generation", last["signed_at"], agent, "success",
                                f"Ký số PAdES {last['level']}: {subject}", "software")]  # fmt: skip
    if last.get("timestamp_authority"):
        events.append(PreservationEvent("timestamp", last["signed_at"], agent, "success",
                                        "Dấu thời gian RFC 3161 cho chữ ký, từ "
                                        f"{last['timestamp_authority']}", "software"))  # fmt: skip
    return events if recorded else [_flagged(e) for e in events]


def renewals(entries: Sequence[Mapping]) -> list[PreservationEvent]:
    """One event per renewal run (`sohoa preserve renew`); the hồ sơ's PDFs renewed together
    share its time, so each run stays in the history once."""
    runs: dict[str, Mapping] = {}
    for renewal in sorted(
        (r for e in entries for r in e.get("renewals", [])), key=lambda r: r["at"]
    ):
        runs.setdefault(renewal["at"], renewal)
    events = []
    for at, renewal in runs.items():
        event = PreservationEvent("renewal", at,
                                  renewal.get("agent") or batch.agent(),
                                  "success", "Gia hạn kiểm tra dài hạn: bổ sung dữ liệu xác thực (DSS) "
                                  "và dấu thời gian tài liệu", "software")  # fmt: skip
        events.append(event if "agent" in renewal else _flagged(event))
    return events


def package(
    digitized: Sequence[PreservationEvent],
    signed: Sequence[Mapping],
    reviewed: Sequence[PreservationEvent],
) -> list[PreservationEvent]:
    """A hồ sơ's history for its package, in the order the work was done: stage 2's events,
    the signature, renewals, then biên mục (each review decision recorded when it was made)."""
    return [*digitized, *signing(signed), *renewals(signed), *reviewed]


def now() -> str:
    """The time a step records for what it has just done, ISO 8601 with +07:00."""
    return stamp()


def _flagged(event: PreservationEvent) -> PreservationEvent:
    return dataclasses.replace(event, detail=f"{event.detail} ({RECONSTRUCTED})")


def _mtime(path: Path) -> str:
    moment = dt.datetime.fromtimestamp(path.stat().st_mtime, VIETNAM)
    return moment.replace(microsecond=0).isoformat()
