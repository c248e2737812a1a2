"""Vietnamese text helpers: NFC normalisation, diacritic folding, header keys."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def nfc(value: str) -> str:
    """Return `value` in Unicode NFC, trimmed; decomposed input (common from macOS) is recomposed."""
    if value.isascii():  # NFC leaves ASCII as it is; the test is far cheaper than normalising
        return value.strip()
    return unicodedata.normalize("NFC", value).strip()


def nfc_raw(value: str) -> str:
    """Return `value` in Unicode NFC, untrimmed."""
    return unicodedata.normalize("NFC", value)


def fold(value: str) -> str:
    """Lower-case `value` without diacritics (`Số hóa` → `so hoa`), for matching, never for display."""
    if value.isascii():  # no diacritics and no đ: folding is lower-casing
        return value.lower()
    # đ has no decomposition in Unicode, so NFD alone would keep it.
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def key(value: str) -> str:
    """A header or code key: folded, every run of other characters one space (`Mã hồ sơ` → `ma ho so`)."""
    return _NON_ALNUM.sub(" ", fold(value)).strip()
