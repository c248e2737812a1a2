"""Vietnam's time, the one zone every report, log, catalogue entry and signature time is given in."""

from __future__ import annotations

import datetime as dt
import os

from sohoa_lib.errors import ParamsError

# A fixed +07:00 rather than the tz database: Vietnam has kept +07:00 without summer time since
# 1975, and a fixed offset needs no tzdata on a Windows analyst's machine.
VIETNAM = dt.timezone(dt.timedelta(hours=7), "+07:00")
AS_OF_ENV = "SOHOA_AS_OF"
"""A day (YYYY-MM-DD) for a run to count as today: to re-run a unit's figures as of a past day."""


def now() -> dt.datetime:
    """The current time in Vietnam, to the second (what logs and records show)."""
    return dt.datetime.now(VIETNAM).replace(microsecond=0)


def today() -> dt.date:
    """The day the run's figures are for: $SOHOA_AS_OF when set, else today in Vietnam.

    Vietnam's date, not the server's: on a server kept in UTC the date changes at 07:00 in
    Hà Nội, and a run between midnight and then would count a day too few to every deadline.
    """
    value = os.environ.get(AS_OF_ENV, "").strip()
    if not value:
        return now().date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ParamsError(
            f"{AS_OF_ENV}={value!r} không phải ngày dạng YYYY-MM-DD (ngày tính số liệu của lần chạy)"
        ) from None


def in_vietnam(moment: dt.datetime) -> dt.datetime:
    """`moment` in Vietnam's time; a naive moment is taken to be Vietnam's time already."""
    return moment.replace(tzinfo=VIETNAM) if moment.tzinfo is None else moment.astimezone(VIETNAM)


def stamp(moment: dt.datetime | None = None) -> str:
    """ISO 8601 to the second with +07:00, as logs, reviews and PREMIS events record a time."""
    return in_vietnam(moment or now()).replace(microsecond=0).isoformat(timespec="seconds")
