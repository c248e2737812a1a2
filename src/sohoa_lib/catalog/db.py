"""The catalogue's public names in one place: opening, writing, merging, searching (see each module)."""

from __future__ import annotations

from sohoa_lib.catalog.flags import FIELD_LABELS, NO_REASON, flag_rows, reviewed_values
from sohoa_lib.catalog.merge import merge
from sohoa_lib.catalog.schema import (
    CATALOG_NAME,
    DOCUMENT_COLUMNS,
    FILE_COLUMNS,
    NATIONAL,
    PAGE_COLUMNS,
    SCHEMA_VERSION,
    open_catalog,
    transaction,
)
from sohoa_lib.catalog.search import (
    Found,
    Hit,
    catalogues,
    format_hit,
    found,
    found_in_outputs,
    search,
    search_outputs,
)
from sohoa_lib.catalog.write import write_file

__all__ = [
    "CATALOG_NAME",
    "DOCUMENT_COLUMNS",
    "FIELD_LABELS",
    "FILE_COLUMNS",
    "NATIONAL",
    "NO_REASON",
    "PAGE_COLUMNS",
    "SCHEMA_VERSION",
    "Found",
    "Hit",
    "catalogues",
    "flag_rows",
    "format_hit",
    "found",
    "found_in_outputs",
    "merge",
    "open_catalog",
    "reviewed_values",
    "search",
    "search_outputs",
    "transaction",
    "write_file",
]
