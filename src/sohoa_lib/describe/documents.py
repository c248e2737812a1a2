"""Documents of a scanned file: where each begins, its catalogue fields, its file name and code."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from sohoa_lib.common.text import fold
from sohoa_lib.describe._extract import extract
from sohoa_lib.describe._fields import (
    FIELD_KEYS,
    TOP_LINES,
    Field,
    PageInfo,
    body_header,
    is_motto,
    nonblank,
    parse_so,
)
from sohoa_lib.errors import InputError

__all__ = [
    "FIELD_KEYS",
    "FROM_LIST",
    "Document",
    "Field",
    "PageInfo",
    "catalogue",
    "extract_fields",
    "ma_dinh_danh",
    "parse_so",
    "split_documents",
    "starts_document",
]

HEADER_LINES = 4
"""Lines at the very top of a page where an issuing body's name opens a document."""

FROM_LIST = "danh mục văn bản"
"""Source named on a document whose pages came from the inventory's document list."""


@dataclass(frozen=True)
class Document:
    """One document (văn bản) of a file (hồ sơ): its pages and its catalogue fields."""

    seq: int
    """Số thứ tự văn bản trong hồ sơ (sequence in the file), from 1."""
    first_page: int
    last_page: int
    fields: Mapping[str, Field] = field(hash=False)
    """One Field per key of FIELD_KEYS; a value of None has confidence 0."""
    but_tich: tuple[int, ...]
    """Bút tích: pages that carry a seal or a handwritten signature."""
    split_source: str = "trang đầu văn bản"
    """How the document's pages were found: from its first page's header, or FROM_LIST."""

    @property
    def pages(self) -> int:
        """Số trang (number of pages)."""
        return self.last_page - self.first_page + 1

    def flagged(self, threshold: float = 0.6) -> list[str]:
        """Keys of the fields too doubtful to keep: to be catalogued by hand."""
        return [
            k for k in FIELD_KEYS if self.fields[k].confidence < threshold or self.fields[k].reason
        ]

    def file_name(self, ma_ho_so: str, whole: bool) -> str:
        """`<mã hồ sơ>.<seq>.pdf` for this document alone, `<mã hồ sơ>.pdf` for the whole file."""
        return f"{_checked(ma_ho_so)}.pdf" if whole else f"{ma_dinh_danh(ma_ho_so, self.seq)}.pdf"


def ma_dinh_danh(ma_ho_so: str, seq: int) -> str:
    """Mã định danh văn bản (document code): mã hồ sơ, a dot, the sequence in two digits or more.

    `ma_dinh_danh("BN.2008.CDCS.00568", 1)` → `BN.2008.CDCS.00568.01`. Circulars 02/2019 and
    05/2025 compose it as mã hồ sơ + số thứ tự văn bản; the zero padding is sohoa's, so that
    file names (which are these codes) sort in document order up to 99 documents.
    """
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValueError(f"document sequence must be a positive integer, got {seq!r}")
    return f"{_checked(ma_ho_so)}.{seq:02d}"


def _checked(ma_ho_so: str) -> str:
    code = ma_ho_so.strip()
    if not code or re.search(r"[/\\\s]", code):
        raise ValueError(
            f"mã hồ sơ {ma_ho_so!r} must be a non-empty code without spaces or slashes"
        )
    return code


def starts_document(page: PageInfo) -> bool:
    """Whether the page opens a document: its top lines hold the motto, a body's header or `Số:`.

    Only the lines above `Nơi nhận` count, so a short last page's signature block is not taken
    for a header. A body's name counts in the first HEADER_LINES lines only (a printed page
    number aside): lower, an upper-case heading of the text could start the same way.
    """
    # The page number printed on a continuation page is not a header line.
    lines = [line for line in nonblank(page.text)[:TOP_LINES] if not line.isdigit()]
    for i, line in enumerate(lines):
        folded = fold(line)
        if "noi nhan" in folded:
            return False
        so = parse_so(line)
        if is_motto(folded) or (so is not None and so.labelled):
            return True
        if i < HEADER_LINES and body_header(line):
            return True
    return False


def split_documents(
    pages: Sequence[PageInfo], document_list: Sequence[tuple[int, int]] | None = None
) -> list[tuple[int, int]]:
    """(first, last) page ranges of the file's documents, covering every page in order.

    A page starts a document when starts_document() says so; page 1 always does. A document list
    (from the inventory) wins over detection; it must cover pages 1..N without gaps or overlaps.
    """
    _check_numbering(pages)
    if document_list is not None:
        return _checked_list(document_list, len(pages))
    if not pages:
        return []
    starts = [1] + [p.number for p in pages[1:] if starts_document(p)]
    ends = [s - 1 for s in starts[1:]] + [len(pages)]
    return list(zip(starts, ends, strict=True))


def _check_numbering(pages: Sequence[PageInfo]) -> None:
    for index, page in enumerate(pages, start=1):
        if page.number != index:
            raise InputError(
                f"trang {index}: đánh số {page.number}, cần các trang 1..N theo thứ tự"
            )


def _checked_list(ranges: Sequence[tuple[int, int]], count: int) -> list[tuple[int, int]]:
    """The document list as ranges, or InputError naming every problem found."""
    problems: list[str] = []
    expected = 1
    result = []
    for seq, (first, last) in enumerate(ranges, start=1):
        if first != expected:
            problems.append(f"văn bản {seq} bắt đầu ở trang {first}, cần trang {expected}")
        if last < first:
            problems.append(
                f"văn bản {seq} kết thúc ở trang {last}, trước trang đầu {first} của nó"
            )
        result.append((int(first), int(last)))
        expected = last + 1
    if expected != count + 1:
        problems.append(f"danh sách kết thúc ở trang {expected - 1}, tệp có {count} trang")
    if problems:
        raise InputError("danh sách văn bản: " + "; ".join(problems))
    return result


def extract_fields(
    pages: Sequence[PageInfo],
    inventory_dates: tuple[dt.date, dt.date] | None = None,
    today: dt.date | None = None,
) -> dict[str, Field]:
    """The catalogue fields of one document (its pages, in order), each with its confidence and,
    when a check doubts it, its reason; see `_extract.extract` for the dates."""
    return extract(pages, inventory_dates, today)


def catalogue(
    pages: Sequence[PageInfo],
    document_list: Sequence[tuple[int, int]] | None = None,
    inventory_dates: tuple[dt.date, dt.date] | None = None,
    today: dt.date | None = None,
) -> list[Document]:
    """The file's documents with their fields and bút tích, in page order."""
    documents = []
    source = FROM_LIST if document_list is not None else "trang đầu văn bản"
    for seq, (first, last) in enumerate(split_documents(pages, document_list), start=1):
        own = pages[first - 1 : last]
        documents.append(
            Document(
                seq=seq,
                first_page=first,
                last_page=last,
                fields=MappingProxyType(extract_fields(own, inventory_dates, today)),
                but_tich=tuple(p.number for p in own if p.seal or p.signature),
                split_source=source,
            )
        )
    return documents
