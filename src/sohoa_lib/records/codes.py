"""Coded metadata values (SPEC §2): one data file, parsed from a code or a name."""

from __future__ import annotations

import math
import re
from functools import cache
from importlib import resources

import yaml

from sohoa_lib.common.text import key


@cache
def code_lists() -> dict[str, dict]:
    """The raw lists from data/codes.yaml, keyed by field name."""
    text = resources.files("sohoa_lib").joinpath("data/codes.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def names(field: str) -> dict[str, str]:
    """code → Vietnamese name for one coded field."""
    return {str(c): str(n) for c, n in code_lists()[field]["codes"].items()}


@cache
def _lookup(field: str) -> dict[str, str]:
    spec = code_lists()[field]
    table: dict[str, str] = {}
    for code, name in spec["codes"].items():
        code = str(code)
        table[key(code)] = code
        table[key(name)] = code
        if code.isdigit():
            # Excel turns "01" into 1.
            table[str(int(code))] = code
    for code, aliases in (spec.get("aliases") or {}).items():
        for alias in aliases:
            table[key(str(alias))] = str(code)
    return table


def undetermined(field: str) -> frozenset[str]:
    """Keys of the values that mean 'not determined' for this field (may be empty)."""
    return frozenset(key(v) for v in code_lists()[field].get("undetermined", []))


def parse_code(field: str, value: object) -> str | None:
    """The code for `value` (a code, a name or an alias); None when blank; ValueError when unknown.

    The message is Vietnamese: it lands in the rejected-rows table that archivists read.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text:
        return None
    found = _lookup(field).get(key(text))
    if found is None:
        expected = "; ".join(f"{c} {n}" for c, n in names(field).items())
        label = code_lists()[field]["label"]
        raise ValueError(f'"{text}" không có trong danh mục {label} (các giá trị: {expected})')
    return found


# A mã hồ sơ names the file's scan folder and its PDFs (`<mã hồ sơ>.<seq>.pdf`), and is typed into
# spreadsheets: letters (Vietnamese ones too), digits and the separators codes use ( . - _ ),
# starting with a letter or digit, so it can never be a path ("../x", "/etc") or a formula ("=1+2").
FILE_CODE_MAX = 64
_FILE_CODE = re.compile(r"[^\W_][\w.\-]*")


def check_file_code(value: str) -> str:
    """Why `value` cannot be a mã hồ sơ (Vietnamese, for the rejected-rows table); "" when it can."""
    if len(value) > FILE_CODE_MAX:
        return f"mã hồ sơ dài {len(value)} ký tự: tối đa {FILE_CODE_MAX}"
    if not _FILE_CODE.fullmatch(value):
        bad = sorted({c for c in value if not (c.isalnum() or c in "._-")})
        shown = " ".join(repr(c) for c in bad) if bad else repr(value[:1])
        return (
            f'"{value}" không dùng được làm mã hồ sơ: chỉ gồm chữ, số và . - _, bắt đầu bằng chữ '
            f"hoặc số (ký tự không hợp lệ: {shown})"
        )
    if ".." in value:
        return f'"{value}" không dùng được làm mã hồ sơ: không được có ".."'
    return ""
