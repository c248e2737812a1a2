"""Tests for yes/no flag parsing (sohoa_lib.common.flags)."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sohoa_lib.common.flags import parse_flag

YES = ["có", "co", "x", "X", "✓", "1", "1.0", "true", "yes", "y", "rồi", "đã", "c"]
NO = ["không", "khong", "k", "0", "false", "no", "n", "chưa", "-"]


@pytest.mark.parametrize("value", [*YES, "Có", "CÓ", "Đã", "TRUE", "Yes", "  x  ", True, 1, 1.0])
def test_yes(value: object) -> None:
    assert parse_flag(value) is True


@pytest.mark.parametrize("value", [*NO, "Không", "KHÔNG", "Chưa", "False", 0, 0.0, False])
def test_no(value: object) -> None:
    assert parse_flag(value) is False


@pytest.mark.parametrize("value", [np.int64(1), np.bool_(True), np.float64(1.0)])
def test_numpy_scalars(value: object) -> None:
    assert parse_flag(value) is True


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA, "", "   "])
def test_blank_is_none(value: object) -> None:
    assert parse_flag(value) is None


@pytest.mark.parametrize("value", ["abc", "có không", "2", 2, 0.5, "--", "ok?x"])
def test_unrecognised_lists_accepted_values(value: object) -> None:
    with pytest.raises(ValueError) as caught:
        parse_flag(value)
    message = str(caught.value)
    assert message.startswith(f'"{value}" không phải giá trị có/không')
    assert "có" in message and "không" in message and "✓" in message


@st.composite
def variant(draw: st.DrawFn, word: str) -> str:
    """`word` with random letter case, maybe NFD-decomposed, with spaces around it."""
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    word = "".join(c.upper() if flip else c for c, flip in zip(word, flips, strict=True))
    if draw(st.booleans()):
        word = unicodedata.normalize("NFD", word)
    return draw(st.sampled_from(["", " ", "\t"])) + word + draw(st.sampled_from(["", "  "]))


@given(data=st.data(), answer=st.booleans())
def test_typing_variants_keep_their_meaning(data: st.DataObject, answer: bool) -> None:
    word = data.draw(st.sampled_from(YES if answer else NO))
    assert parse_flag(data.draw(variant(word))) is answer
