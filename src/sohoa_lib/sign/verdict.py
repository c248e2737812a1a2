"""A file's verification verdict: its status (valid, tampered, untrusted, unsigned, unreadable) and why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STATUSES = ("valid", "tampered", "untrusted", "unsigned", "unreadable")
LABELS = {
    "valid": "hợp lệ",
    "tampered": "bị sửa đổi",
    "untrusted": "không tin cậy",
    "unsigned": "chưa ký",
    "unreadable": "không đọc được",
}


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
