"""The preservation log: an append-only CSV audit trail of backups, fixity checks and renewals."""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import io
import os
from pathlib import Path

from sohoa_lib.common import versions
from sohoa_lib.common.clock import stamp

LOG_COLUMNS = ("when", "event", "target", "agent", "result", "detail")
EVENTS = ("backup", "fixity-check", "renewal")


def log_event(
    log_csv: Path,
    *,
    event: str,
    target: str,
    result: str,
    detail: str = "",
    agent: str | None = None,
    when: dt.datetime | None = None,
) -> None:
    """Append one row to the preservation log (created with its header when absent).

    It is an audit log: one write per row under an exclusive lock, flushed to disk before
    returning, so concurrent writers never interleave and a crash never loses a logged row.
    """
    if event not in EVENTS:
        raise ValueError(f"event should be one of {', '.join(EVENTS)}, got {event!r}")
    if when is not None and when.tzinfo is None:
        raise ValueError("`when` needs a time zone: a naive time is ambiguous on a server in UTC")
    moment = stamp(when)
    row = io.StringIO()
    csv.writer(row, lineterminator="\n").writerow(
        [moment, event, target, agent or _agent(), result, detail]
    )
    log_csv = Path(log_csv)
    log_csv.parent.mkdir(parents=True, exist_ok=True)
    created = not log_csv.exists()
    with log_csv.open("a", encoding="utf-8", newline="") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            text = row.getvalue()
            if fh.tell() == 0:
                # The BOM lets Excel read the Vietnamese text; it belongs at the very start only.
                text = "\ufeff" + ",".join(LOG_COLUMNS) + "\n" + text
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    if created:
        _fsync_dir(log_csv.parent)  # a new file's directory entry must survive a crash too


def read_log(log_csv: Path) -> list[dict[str, str]]:
    """The rows of a preservation log, as dicts keyed by LOG_COLUMNS."""
    with Path(log_csv).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _agent() -> str:
    return f"sohoa {versions.sohoa()} pid {os.getpid()}"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
