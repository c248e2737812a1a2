"""Tests for Vietnamese date parsing (sohoa_lib.common.vndates)."""

from __future__ import annotations

import datetime
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sohoa_lib.common.vndates import PartialDate, parse_vn_date

D = PartialDate(2022, 7, 8)
M = PartialDate(2022, 7)
Y = PartialDate(2022)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("08/7/2022", D),
        ("8/07/2022", D),
        ("8/7/2022", D),
        ("08-07-2022", D),
        ("08.07.2022", D),
        ("  08 / 07 / 2022 ", D),
        ("07/2022", M),
        ("7-2022", M),
        ("07.2022", M),
        ("2022", Y),
        (2022, Y),
        (2022.0, Y),
        ("2022.0", Y),
        (np.int64(2022), Y),
        (np.float64(2022.0), Y),
        (1850, PartialDate(1850)),
        ("2022-07-08", D),
        ("2022-7-8", D),
        ("2022-07-08 00:00:00", D),
        ("2022-07", M),
        ("ngày 08 tháng 7 năm 2022", D),
        ("Ngày 8 tháng 07 năm 2022", D),
        ("ngay 8 thang 7 nam 2022", D),
        ("NGÀY 8 THÁNG 7 NĂM 2022", D),
        (unicodedata.normalize("NFD", "ngày 08 tháng 7 năm 2022"), D),
        ("ngày 08, tháng 7, năm 2022", D),
        ("tháng 7 năm 2022", M),
        ("năm 2022", Y),
        ("Hà Nội, ngày 08 tháng 7 năm 2022", D),
        ("TP. Hồ Chí Minh, ngày 08 tháng 7 năm 2022.", D),
        ("Nam Định, ngày 08 tháng 7 năm 2022", D),
        ("Hà Nội ngày 08 tháng 7 năm 2022", D),
        (44750, D),
        (44750.0, D),
        (44750.75, D),
        ("44750", D),
        (np.int64(44750), D),
        (1, PartialDate(1900, 1, 1)),
        (59, PartialDate(1900, 2, 28)),
        (61, PartialDate(1900, 3, 1)),
        (73415, PartialDate(2100, 12, 31)),
        (datetime.date(2022, 7, 8), D),
        (datetime.datetime(2022, 7, 8, 15, 30), D),
        (pd.Timestamp("2022-07-08"), D),
        (np.datetime64("2022-07-08"), D),
        ("29/02/2020", PartialDate(2020, 2, 29)),
        ("01/01/1800", PartialDate(1800, 1, 1)),
        ("31/12/2100", PartialDate(2100, 12, 31)),
    ],
)
def test_accepted_forms(value: object, expected: PartialDate) -> None:
    assert parse_vn_date(value) == expected


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA, pd.NaT, np.nan, "", "   ", "\t"])
def test_blank_is_none(value: object) -> None:
    assert parse_vn_date(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/2020", '"31/02/2020" không phải là ngày hợp lệ (tháng 2 không có ngày 31)'),
        ("29/02/2021", "tháng 2 năm 2021 không có ngày 29"),
        ("31/04/2022", "tháng 4 không có ngày 31"),
        ("00/07/2022", "tháng 7 không có ngày 0"),
        ("08/13/2022", "không có tháng 13"),
        ("13/2022", "không có tháng 13"),
        ("00/2022", "không có tháng 0"),
        ("2022-13-01", "không có tháng 13"),
        ("ngày 8 tháng 13 năm 2022", "không có tháng 13"),
        ("08/07/22", "năm 22 chỉ có hai chữ số"),
        ("07/22", "năm 22 chỉ có hai chữ số"),
        ("ngày 8 tháng 7 năm 22", "năm 22 chỉ có hai chữ số"),
        ("08/07/1750", "năm 1750 nằm ngoài khoảng 1800–2100"),
        ("08/07/2101", "năm 2101 nằm ngoài khoảng 1800–2100"),
        ("1799", "năm 1799 nằm ngoài khoảng 1800–2100"),
        ("năm 2500", "năm 2500 nằm ngoài khoảng 1800–2100"),
        (datetime.date(1700, 1, 1), "năm 1700 nằm ngoài khoảng 1800–2100"),
        (80000, "năm 2119 nằm ngoài khoảng 1800–2100"),
        ("ngày 8 năm 2022", "có ngày nhưng thiếu tháng"),
        ("1995-1997", '"1995-1997" là khoảng năm, không phải ngày'),
        ("1995 - 1997", "là khoảng năm"),
        ("1995–1997", "là khoảng năm"),
        ("1995/1997", "là khoảng năm"),
        ("1995-97", "là khoảng năm"),
        (
            "abc",
            '"abc" không phải là ngày tháng: cần dạng dd/mm/yyyy, mm/yyyy, yyyy, "ngày … tháng … năm …"',
        ),
        ("7", "không phải là ngày tháng: cần dạng"),
        ("08/07/2022 rồi", "không phải là ngày tháng: cần dạng"),
        ("08/07-2022", "không phải là ngày tháng: cần dạng"),
        ("quý 3 năm 2022", "không phải là ngày tháng: cần dạng"),
        ("2022/07/08", "không phải là ngày tháng: cần dạng"),
        (True, '"True" không phải là ngày tháng'),
        (60, "số 60 của Excel là ngày 29/02/1900"),
        (0, "số phải là năm (1800–2100) hoặc ngày dạng số của Excel (1–80000)"),
        (-5, "số phải là năm"),
        (float("inf"), "số phải là năm"),
        (2022.5, "năm phải là số nguyên"),
    ],
)
def test_rejections(value: object, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_vn_date(value)
    assert message in str(caught.value)


def test_partial_date_text_and_bounds() -> None:
    assert [D.iso(), M.iso(), Y.iso()] == ["2022-07-08", "2022-07", "2022"]
    assert (D.first_day(), D.last_day()) == (datetime.date(2022, 7, 8),) * 2
    assert (M.first_day(), M.last_day()) == (datetime.date(2022, 7, 1), datetime.date(2022, 7, 31))
    assert (Y.first_day(), Y.last_day()) == (datetime.date(2022, 1, 1), datetime.date(2022, 12, 31))
    assert PartialDate(2024, 2).last_day() == datetime.date(2024, 2, 29)


def test_partial_date_order_follows_iso_text() -> None:
    dates = [D, Y, PartialDate(2021, 12, 31), M, PartialDate(2022, 1), PartialDate(2023)]
    assert [d.iso() for d in sorted(dates)] == sorted(d.iso() for d in dates)
    assert Y < M < D
    assert max(dates) == PartialDate(2023)


@pytest.mark.parametrize(("month", "day"), [(13, None), (2, 30), (None, 1)])
def test_partial_date_rejects_impossible_parts(month: int | None, day: int | None) -> None:
    with pytest.raises(ValueError):
        PartialDate(2022, month, day)


# --- properties ---------------------------------------------------------------------------------

VALID_DATES = st.dates(min_value=datetime.date(1800, 1, 1), max_value=datetime.date(2100, 12, 31))


@st.composite
def typed_like_a_person(draw: st.DrawFn, text: str) -> str:
    """`text` with random letter case, maybe NFD-decomposed, with spaces around it."""
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    text = "".join(c.upper() if flip else c for c, flip in zip(text, flips, strict=True))
    if draw(st.booleans()):
        text = unicodedata.normalize("NFD", text)
    return draw(st.sampled_from(["", " ", "  ", "\t"])) + text + draw(st.sampled_from(["", " "]))


def _number(n: int, pad: bool) -> str:
    return f"{n:02d}" if pad else str(n)


@given(d=VALID_DATES, data=st.data())
def test_day_forms_round_trip(d: datetime.date, data: st.DataObject) -> None:
    day = _number(d.day, data.draw(st.booleans()))
    month = _number(d.month, data.draw(st.booleans()))
    sep = data.draw(st.sampled_from(["/", "-", "."]))
    words = data.draw(
        st.sampled_from(
            [
                "ngày {d} tháng {m} năm {y}",
                "ngay {d} thang {m} nam {y}",
                "Hà Nội, ngày {d} tháng {m} năm {y}",
                "Ha Noi, ngay {d} thang {m} nam {y}",
            ]
        )
    )
    forms = [
        f"{day}{sep}{month}{sep}{d.year}",
        words.format(d=day, m=month, y=d.year),
        d.isoformat(),
    ]
    text = data.draw(typed_like_a_person(data.draw(st.sampled_from(forms))))
    assert parse_vn_date(text) == PartialDate(d.year, d.month, d.day)


@given(d=VALID_DATES.filter(lambda d: d >= datetime.date(1900, 3, 1)), data=st.data())
def test_excel_serial_round_trips(d: datetime.date, data: st.DataObject) -> None:
    serial = (d - datetime.date(1899, 12, 30)).days
    if 1800 <= serial <= 2100:
        # An integer in the year range is a year (documented rule).
        assert parse_vn_date(serial) == PartialDate(serial)
        return
    time_of_day = data.draw(st.floats(min_value=0, max_value=0.999))
    candidates: list[object] = [serial, float(serial), serial + time_of_day, np.int64(serial)]
    if serial >= 10000:
        candidates.append(str(serial))
    assert parse_vn_date(data.draw(st.sampled_from(candidates))) == PartialDate(
        d.year, d.month, d.day
    )


@given(
    year=st.integers(1800, 2100),
    month=st.integers(1, 12),
    pad=st.booleans(),
    data=st.data(),
)
def test_month_and_year_forms_round_trip(
    year: int, month: int, pad: bool, data: st.DataObject
) -> None:
    m = _number(month, pad)
    month_form = data.draw(
        st.sampled_from(
            [
                *(f"{m}{sep}{year}" for sep in "/-."),
                f"{year}-{month:02d}",
                f"tháng {m} năm {year}",
                f"thang {m} nam {year}",
            ]
        )
    )
    assert parse_vn_date(data.draw(typed_like_a_person(month_form))) == PartialDate(year, month)

    year_form = data.draw(st.sampled_from([str(year), f"năm {year}", f"nam {year}"]))
    assert parse_vn_date(data.draw(typed_like_a_person(year_form))) == PartialDate(year)
    assert parse_vn_date(year) == parse_vn_date(float(year)) == PartialDate(year)
