"""Whether one cell's value is missing (None, NaN, NaT, pandas' NA) or blank, without importing pandas."""

from __future__ import annotations

import numbers
import sys

import numpy as np


def is_missing(value: object) -> bool:
    """True for None, NaN, NaT and pandas' NA; False for any other value, lists included.

    Page workers read cells of the selection but never load pandas (it would cost each of them
    about 0.6 s of CPU to import and 0.25 s to unload): while pandas is not imported no value can
    be one of its markers, so NaN and NaT are told by not equalling themselves.
    """
    if value is None:
        return True
    pandas = sys.modules.get("pandas")
    if pandas is not None:
        return bool(pandas.api.types.is_scalar(value) and pandas.isna(value))
    return isinstance(value, numbers.Number | np.generic) and bool(value != value)


def is_blank(value: object) -> bool:
    """True for a missing value (`is_missing`) and for text that is empty or only whitespace."""
    if isinstance(value, str):
        return not value.strip()
    return is_missing(value)
