"""Dates as Vietnamese archivists type them: dd/mm/yyyy, "ngày … tháng … năm …", Excel, …"""

from __future__ import annotations

import calendar
import datetime
import functools
import math
import numbers
import re
from dataclasses import dataclass

import numpy as np

from sohoa_lib.common.missing import is_blank
from sohoa_lib.common.text import fold, nfc

MIN_YEAR = 1800
MAX_YEAR = 2100

# Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 is the 1900-02-29 that Lotus 1-2-3
# invented and Excel kept, so from serial 61 on the count is days since 1899-12-30.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_PHANTOM_SERIAL = 60
_MAX_SERIAL = 80000

_EXPECTED = 'cần dạng dd/mm/yyyy, mm/yyyy, yyyy, "ngày … tháng … năm …" hoặc ngày của Excel'

# Patterns match folded text (lower case, no diacritics, đ → d, single spaces).
# A time part appears when a date column went through pandas or a CSV ("2022-07-08 00:00:00").
_TIME = r"(?:[ t][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_YEAR = re.compile(r"(?P<year>[0-9]{4})(?:\.0+)?")
_SERIAL_TEXT = re.compile(r"[0-9]{5}(?:\.[0-9]+)?")
_RANGE = re.compile(r"[0-9]{4} ?[-–—/] ?(?P<end>[0-9]{4}|[0-9]{2})")
_ISO = re.compile(
    rf"(?P<year>[0-9]{{4}})-(?P<month>[0-9]{{1,2}})(?:-(?P<day>[0-9]{{1,2}}))?{_TIME}"
)
_DMY = re.compile(
    r"(?P<day>[0-9]{1,2}) ?(?P<sep>[/.-]) ?(?P<month>[0-9]{1,2}) ?(?P=sep) ?(?P<year>[0-9]+)"
    + _TIME
)
_MY = re.compile(r"(?P<month>[0-9]{1,2}) ?[/.-] ?(?P<year>[0-9]+)")
# The administrative form "Hà Nội, ngày 08 tháng 7 năm 2022": a place may lead, ending in a comma
# (or a space right before "ngày"); a place holds no digits, so "quý 3 năm 2022" is not 2022.
_WORDS = re.compile(
    r"(?:[^0-9,]+(?:, ?| (?=ngay)))?"
    r"(?:ngay ?(?P<day>[0-9]{1,2})[ ,]*)?"
    r"(?:thang ?(?P<month>[0-9]{1,2})[ ,]*)?"
    r"nam ?(?P<year>[0-9]+)\.?"
)


@functools.total_ordering
@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day, as archive inventories record them.

    Ordered like its ISO text: 2022 < 2022-01 < 2022-01-01 < 2022-02. (`order=True` would compare
    None with an int and fail, hence the explicit ordering.)
    """

    year: int
    month: int | None = None
    """1–12, or None when only the year is known."""
    day: int | None = None
    """Day of the month, or None when only the year or the month is known."""

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a PartialDate with a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} does not exist")
        # Raises for a day that the month does not have.
        self.first_day()

    def iso(self) -> str:
        """ISO 8601 text at this date's precision: "2022", "2022-07" or "2022-07-08"."""
        parts = [f"{self.year:04d}"]
        parts += [f"{n:02d}" for n in (self.month, self.day) if n is not None]
        return "-".join(parts)

    def first_day(self) -> datetime.date:
        """The earliest day this date can mean."""
        return datetime.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> datetime.date:
        """The latest day this date can mean."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return datetime.date(self.year, month, day)

    def _sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._sort_key() < other._sort_key()


def parse_vn_date(value: object) -> PartialDate | None:
    """Parse one date cell of an inventory; None when blank, ValueError saying what was expected.

    Accepted: dd/mm/yyyy (day first, separators / - .), mm/yyyy, yyyy, ISO yyyy-mm-dd and yyyy-mm,
    "[place, ]ngày dd tháng mm năm yyyy" (or just "tháng mm năm yyyy" or "năm yyyy"; diacritics
    optional), Excel serial numbers, and date/datetime/Timestamp objects. Text may be NFC or NFD,
    any case, with extra spaces. Years must be written in full and lie in 1800–2100. A range of
    years ("1995-1997") is an error: inventories give the start and the end in their own columns.

    Numbers: an integer 1800–2100 is a year, never an Excel serial (those serials would be dates
    in 1904–1905, which an inventory of this archive does not hold); other numbers 1–80000 are
    serials in Excel's 1900 date system, any fraction (the time of day) ignored. In text, a serial
    has five digits ("44750"), so that a stray "7" is an error rather than 1900-01-07.
    """
    if type(value) is str:  # the usual cell, spared the checks for the other kinds below
        return _from_text(nfc(value)) if value.strip() else None
    if is_blank(value):
        return None
    if isinstance(value, bool | np.bool_):
        raise ValueError(f'"{value}" không phải là ngày tháng: {_EXPECTED}')
    if isinstance(value, np.datetime64):
        # Through numpy rather than pd.Timestamp, whose range ends in 1677 and 2262.
        day = value.astype("datetime64[D]").item()
        if not isinstance(day, datetime.date):
            raise ValueError(
                f'"{value}" không phải là ngày hợp lệ (ngoài khoảng {MIN_YEAR}–{MAX_YEAR})'
            )
        value = day
    if isinstance(value, datetime.date):
        text = value.isoformat()
        return _make(text, str(value.year), str(value.month), str(value.day))
    if isinstance(value, numbers.Real):
        return _from_number(float(value), str(value))
    return _from_text(nfc(str(value)))


def _from_text(text: str) -> PartialDate | None:
    if not text:
        return None
    folded = " ".join(fold(text).split())
    if match := _YEAR.fullmatch(folded):
        return _make(text, match["year"])
    if _SERIAL_TEXT.fullmatch(folded):
        return _from_number(float(folded), text)
    match = _RANGE.fullmatch(folded)
    if match and (len(match["end"]) == 4 or int(match["end"]) > 12):
        raise ValueError(
            f'"{text}" là khoảng năm, không phải ngày (ghi thời gian bắt đầu và kết thúc ở hai cột)'
        )
    for pattern in (_ISO, _DMY, _MY, _WORDS):
        if match := pattern.fullmatch(folded):
            parts = match.groupdict()
            return _make(text, parts["year"], parts.get("month"), parts.get("day"))
    raise ValueError(f'"{text}" không phải là ngày tháng: {_EXPECTED}')


def _from_number(number: float, text: str) -> PartialDate:
    if not math.isfinite(number) or number < 1 or number >= _MAX_SERIAL + 1:
        raise ValueError(
            f'"{text}" không phải là ngày tháng: số phải là năm ({MIN_YEAR}–{MAX_YEAR})'
            f" hoặc ngày dạng số của Excel (1–{_MAX_SERIAL})"
        )
    whole = math.floor(number)
    if MIN_YEAR <= whole <= MAX_YEAR:
        if whole != number:
            raise _invalid(text, "năm phải là số nguyên")
        return PartialDate(whole)
    if whole == _PHANTOM_SERIAL:
        raise _invalid(text, "số 60 của Excel là ngày 29/02/1900, một ngày không có thật")
    offset = whole if whole > _PHANTOM_SERIAL else whole + 1
    day = _EXCEL_EPOCH + datetime.timedelta(days=offset)
    return _make(text, str(day.year), str(day.month), str(day.day))


def _make(text: str, year: str, month: str | None = None, day: str | None = None) -> PartialDate:
    """Check the parts found in `text` and build the date, or say which part is wrong."""
    if day is not None and month is None:
        raise _invalid(text, "có ngày nhưng thiếu tháng")
    if len(year) == 2:
        raise _invalid(text, f"năm {year} chỉ có hai chữ số, không rõ nghĩa: ghi đủ bốn chữ số")
    # Length first: int() refuses texts of thousands of digits with a message about Python.
    if len(year) != 4 or not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise _invalid(text, f"năm {year} nằm ngoài khoảng {MIN_YEAR}–{MAX_YEAR}")
    y = int(year)
    if month is None:
        return PartialDate(y)
    m = int(month)
    if not 1 <= m <= 12:
        raise _invalid(text, f"không có tháng {m}")
    if day is None:
        return PartialDate(y, m)
    d = int(day)
    days_in_month = calendar.monthrange(y, m)[1]
    if not 1 <= d <= days_in_month:
        # 29 February exists in some years only, so name the year when that is the reason.
        year_note = f" năm {y}" if days_in_month < d <= calendar.monthrange(2000, m)[1] else ""
        raise _invalid(text, f"tháng {m}{year_note} không có ngày {d}")
    return PartialDate(y, m, d)


def _invalid(text: str, reason: str) -> ValueError:
    return ValueError(f'"{text}" không phải là ngày hợp lệ ({reason})')
