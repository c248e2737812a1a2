"""The national catalogue brought up to date from every unit's: the SQLite file or the database."""

from __future__ import annotations

from pathlib import Path

from sohoa_lib.catalog import postgres
from sohoa_lib.catalog.incremental import MergeReport, merge_sqlite, unit_sources
from sohoa_lib.catalog.schema import CATALOG_NAME, NATIONAL


def merge_national(outputs: Path, url: str | None) -> MergeReport:
    """Merge the units' catalogues under `outputs` into `national/catalog.sqlite`, or into the
    database at `url` when one is set; a unit whose catalogue cannot be merged keeps its previous
    rows and is in the report's `failed`."""
    out = Path(outputs) / NATIONAL / CATALOG_NAME
    sources = unit_sources(outputs)
    if url:
        report = postgres.merge_pg(sources, url)
        # A national SQLite file from before the database would answer searches made without
        # the URL with stale rows; without it they read the units' own catalogues.
        out.unlink(missing_ok=True)
        return report
    if sources:
        return merge_sqlite(sources, out)
    out.unlink(missing_ok=True)  # an older national catalogue would answer for units gone
    return MergeReport((), (), ())


def where(url: str | None) -> str:
    """Where the national catalogue is, as summary.json names it (a database without password)."""
    return postgres.shown_url(url) if url else f"{NATIONAL}/{CATALOG_NAME}"
