"""The inventory columns sohoa knows, and matching headers as archivists type them to those columns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from rapidfuzz import fuzz, process

from sohoa_lib.common.text import key

# A header within this fuzzy ratio of an alias is taken for it ("Thoi han bao quan" typed
# "Thời hạn bảo quả"), but only when no other column scores as well: short keys ("so to",
# "so trang") are too close to each other to be matched fuzzily, hence the minimum length.
FUZZY_MIN_SCORE = 90
FUZZY_MIN_LENGTH = 8

_PARENTHESES = re.compile(r"\([^)]*\)")


@dataclass(frozen=True)
class Column:
    """One inventory column as declared in data/inventory_columns.yaml."""

    name: str
    kind: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False
    """The run stops without it."""
    role: str | None = None
    """What needs it: id, eligibility, selection; None when only `tables` use it."""
    tables: tuple[str, ...] = ()
    """Report tables that lack a breakdown when the column is absent."""
    codes: str | None = None


@cache
def columns() -> dict[str, Column]:
    """The inventory columns sohoa knows, by canonical name."""
    text = resources.files("sohoa_lib").joinpath("data/inventory_columns.yaml").read_text("utf-8")
    return {
        name: Column(
            name=name,
            kind=spec["kind"],
            label=spec["label"],
            aliases=tuple(spec["aliases"]),
            required=bool(spec.get("required", False)),
            role=spec.get("role"),
            tables=tuple(spec.get("tables", ())),
            codes=spec.get("codes"),
        )
        for name, spec in yaml.safe_load(text).items()
    }


@cache
def _alias_index() -> dict[str, str]:
    return {key(alias): c.name for c in columns().values() for alias in (c.name, *c.aliases)}


@cache
def match_header(header: str) -> str | None:
    """The canonical column a header names, or None; diacritics, case, notes in brackets ignored."""
    index = _alias_index()
    keys = [key(header), key(_PARENTHESES.sub(" ", header))]
    for k in keys:
        if k in index:
            return index[k]
    k = keys[-1]
    if len(k) < FUZZY_MIN_LENGTH:
        return None
    hits = process.extract(k, list(index), scorer=fuzz.ratio, limit=5)
    best = {index[alias] for alias, score, _ in hits if score >= FUZZY_MIN_SCORE}
    return best.pop() if len(best) == 1 else None


def map_headers(headers: list[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Header as typed → canonical column, and the headers that name none (or a column taken)."""
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for header in headers:
        canonical = match_header(str(header))
        if canonical is None or canonical in mapping.values():
            ignored.append(str(header))
        else:
            mapping[str(header)] = canonical
    return mapping, tuple(ignored)
