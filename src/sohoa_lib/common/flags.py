"""Yes/no flags as archivists type them (có/không, x, ✓, 1/0, rồi/chưa, …)."""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from sohoa_lib.common.text import key, nfc

_YES = ("có", "co", "x", "✓", "1", "1.0", "true", "yes", "y", "rồi", "đã", "c")
# "1.0" and "0.0" are what Excel's 1 and 0 become once a column has been read as text.
_NO = ("không", "khong", "k", "0", "0.0", "false", "no", "n", "chưa", "-")

# key() drops symbols ("✓" and "-" would both become ""), so symbols are looked up as typed.
_SYMBOLS = {"✓": True, "✔": True, "-": False}
# Keyed by _text.key, which folds case and diacritics: "Có", "CÓ" and "co" all mean yes. No two
# accepted words fold to the same key with opposite meanings, so folding is unambiguous here.
_WORDS = {key(w): True for w in _YES if key(w)} | {key(w): False for w in _NO if key(w)}

_EXPECTED = f"có: {', '.join(_YES)}; không: {', '.join(_NO)}"


def parse_flag(value: object) -> bool | None:
    """Read a yes/no cell: True or False; None when blank; ValueError listing accepted values."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return None
        if number in (0, 1):
            return number == 1
        raise ValueError(f'"{value}" không phải giá trị có/không ({_EXPECTED})')
    if not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    text = nfc(str(value))
    if not text:
        return None
    if text in _SYMBOLS:
        return _SYMBOLS[text]
    found = _WORDS.get(key(text))
    if found is None:
        raise ValueError(f'"{text}" không phải giá trị có/không ({_EXPECTED})')
    return found
