"""Vietnam's time, the one zone every report, log, catalogue entry and signature time is given in."""

from __future__ import annotations

import datetime as dt

# A fixed +07:00 rather than the tz database: Vietnam has kept +07:00 without summer time since
# 1975, and a fixed offset needs no tzdata on a Windows analyst's machine.
VIETNAM = dt.timezone(dt.timedelta(hours=7), "+07:00")


def now() -> dt.datetime:
    """The current time in Vietnam, to the second (what logs and records show)."""
    return dt.datetime.now(VIETNAM).replace(microsecond=0)


def in_vietnam(moment: dt.datetime) -> dt.datetime:
    """`moment` in Vietnam's time; a naive moment is taken to be Vietnam's time already."""
    return moment.replace(tzinfo=VIETNAM) if moment.tzinfo is None else moment.astimezone(VIETNAM)


def stamp(moment: dt.datetime | None = None) -> str:
    """ISO 8601 to the second with +07:00, as logs, reviews and PREMIS events record a time."""
    return in_vietnam(moment or now()).replace(microsecond=0).isoformat(timespec="seconds")
