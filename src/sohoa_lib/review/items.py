"""The flagged documents a reviewer works through, and the part of a page to show for each flag."""

from __future__ import annotations

import functools
import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from sohoa_lib.catalog import db
from sohoa_lib.paths import UnitPaths
from sohoa_lib.review import decisions as review_store
from sohoa_lib.review.decisions import Flag
from sohoa_lib.tools.poppler import render_page

FIELDS = db.FIELD_LABELS
"""The flaggable fields (documents.FIELD_KEYS) with the names the reviewer sees."""
IMAGE_DPI = 100


@dataclass(frozen=True)
class Item:
    """One flagged document with what the reviewer needs: its values, flags, and PDF page."""

    ma_dinh_danh: str
    ma_ho_so: str
    values: dict[str, str | None]
    flags: list[Flag]
    pdf: Path
    first_page: int
    """The document's first page in the file (the PDF's page 1 for one PDF per document)."""
    last_page: int | None = None
    """The document's last page in the file; None when the catalogue does not say."""

    def pdf_page(self, page: int) -> int:
        whole = self.pdf.name == f"{self.ma_ho_so}.pdf"
        return page if whole else page - self.first_page + 1


def items(paths: UnitPaths, conn: sqlite3.Connection) -> list[Item]:
    """The unit's documents with at least one open flag, in code order."""
    by_doc: dict[str, list[Flag]] = {}
    for flag in review_store.open_flags(conn, paths.unit):
        by_doc.setdefault(flag.ma_dinh_danh, []).append(flag)
    found = []
    for code, flags in by_doc.items():
        cursor = conn.cursor()
        cursor.row_factory = sqlite3.Row
        row = cursor.execute(
            "SELECT * FROM documents WHERE unit = ? AND ma_dinh_danh = ?", (paths.unit, code)
        ).fetchone()
        values = {f: (row[f] if f in db.DOCUMENT_COLUMNS else None) for f in FIELDS}
        for flag in flags:
            if flag.field not in db.DOCUMENT_COLUMNS:
                values[flag.field] = flag.value
        found.append(Item(code, row["ma_ho_so"], values, flags,
                          paths.digitize / "pdfa" / row["pdf"], row["trang_dau"] or 1,
                          row["trang_cuoi"]))  # fmt: skip
    return found


def region_image(item: Item, flag: Flag, *, dpi: int = IMAGE_DPI) -> Image.Image:
    """The part of the page where the flagged field is read, rendered from the PDF/A's image.

    The flag's box (its words' union, or a third of the page by kind) with a margin around it,
    so the words are seen in their line; a flag without a box (a catalogue from before boxes
    were stored) gets the third of the page its kind sits in.
    """
    page_no, box = flag.page, flag.box
    if box is None:
        last = item.last_page or item.first_page
        page_no, box = review_store.default_region(flag.field, item.first_page, last)
    page = _page_image(item.pdf, item.pdf_page(page_no or item.first_page), dpi)
    x0, y0, x1, y1 = _padded(box)
    w, h = page.size
    return page.crop((round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h)))


def page_image(item: Item, page: int | None = None, *, dpi: int = IMAGE_DPI) -> Image.Image:
    """A whole page of the document (its file's page number; the first page by default)."""
    return _page_image(item.pdf, item.pdf_page(page or item.first_page), dpi).copy()


_MARGIN = (0.04, 0.02)
"""Margin added around a word box for its crop, as shares of the page width and height."""


def _padded(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    mx, my = _MARGIN
    return max(x0 - mx, 0.0), max(y0 - my, 0.0), min(x1 + mx, 1.0), min(y1 + my, 1.0)


@functools.lru_cache(maxsize=8)
def _rendered(pdf: Path, page: int, dpi: int, _mtime_ns: int) -> Image.Image:
    image = Image.open(io.BytesIO(render_page(pdf, page=page, dpi=dpi)))
    image.load()
    return image


def _page_image(pdf: Path, page: int, dpi: int) -> Image.Image:
    """A PDF page as an image, rendered once for its several crops (again if the PDF changed)."""
    return _rendered(pdf, page, dpi, pdf.stat().st_mtime_ns)
