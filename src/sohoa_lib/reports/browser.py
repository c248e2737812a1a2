"""Reports in a real browser: the December report printed to A4 PDF, screenshots, layout checks."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pikepdf

from sohoa_lib.common.files import atomic_path
from sohoa_lib.tools import chromium

SCREENSHOTS = "screenshots"
"""The folder under outputs/ that `sohoa screenshots` (and `make demo`) fills."""
WIDTH = 1024
"""The narrowest screen a reviewer reads reports on (an office laptop); nothing may scroll sideways."""
_MM = 72 / 25.4
NUMBER_PT = 13
NUMBER_FROM_TOP_MM = 12
"""Page numbers sit in the 20 mm top margin, centred, the baseline 12 mm from the paper's edge."""

_LAYOUT_JS = """(() => ({
  scrollWidth: document.documentElement.scrollWidth,
  clientWidth: document.documentElement.clientWidth,
  links: [...document.querySelectorAll('a[href], img[src], link[href], script[src]')]
    .map(e => e.href || e.src)
}))()"""


def chromium_path() -> str | None:
    """Where Chromium is installed, or None."""
    return chromium.executable()


@dataclass(frozen=True)
class PageCheck:
    """What a browser found on one page at `WIDTH` px: its width and any link that goes nowhere."""

    page: Path
    scroll_width: int
    client_width: int
    broken_links: tuple[str, ...]

    @property
    def overflows(self) -> bool:
        return self.scroll_width > self.client_width


def check_pages(pages: list[Path]) -> list[PageCheck]:
    """Open each page at `WIDTH` px; measure its width and resolve every link, image and script.

    A link resolves when it is a data URI, or a local file that exists (the fragment aside); any
    other address (http, an absolute path to another machine's file) counts as broken, since a
    report must work from a copied outputs folder with no network.
    """
    found = []
    with chromium.page() as tab:
        for page in pages:
            tab.open(page, width=WIDTH)
            layout = tab.evaluate(_LAYOUT_JS)
            broken = tuple(link for link in layout["links"] if not _resolves(link))
            found.append(PageCheck(page, layout["scrollWidth"], layout["clientWidth"], broken))
    return found


def _resolves(link: str) -> bool:
    parts = urlsplit(link)
    if parts.scheme == "data":
        return True
    return parts.scheme == "file" and Path(unquote(parts.path)).is_file()


def report_pages(outputs: Path) -> list[Path]:
    """The index and every report under `outputs`, sorted."""
    index = [outputs / "index.html"] if (outputs / "index.html").is_file() else []
    return index + sorted(outputs.glob("*/reports/*.html"))


def screenshots(outputs: Path) -> list[Path]:
    """A first-screen PNG (`WIDTH` × 800) of the index and of each report, in outputs/screenshots/.

    Named after the report's folder: `HP-01_inventory.png`, `national-05_national.png`, `index.png`.
    """
    pages = report_pages(outputs)
    written = []
    with chromium.page() as tab:
        for page in pages:
            name = "index" if page.parent == outputs else f"{page.parent.parent.name}-{page.stem}"
            tab.open(page, width=WIDTH, height=800)
            target = outputs / SCREENSHOTS / f"{name}.png"
            with atomic_path(target) as tmp:
                tmp.write_bytes(tab.screenshot())
            written.append(target)
    return written


def print_pdf(page: Path, pdf: Path) -> int:
    """Print `page` with its print stylesheet to `pdf`, pages numbered; return the page count.

    Chromium has no `@page` margin boxes and its header template cannot leave page 1 bare, so
    the numbers are stamped afterwards, as Decree 30/2020/NĐ-CP places them: centred at the top,
    from page 2. The digits are set in the standard Times-Roman font, which every PDF reader has
    (Liberation Serif stands in for it), so nothing needs embedding for ten glyphs.
    """
    with chromium.page() as tab:
        tab.open(page)
        printed = tab.pdf()
    with pikepdf.open(io.BytesIO(printed)) as doc:
        _number_pages(doc)
        with atomic_path(pdf) as tmp:
            doc.save(tmp)
        return len(doc.pages)


def _number_pages(doc: pikepdf.Pdf) -> None:
    font = doc.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                           BaseFont=pikepdf.Name("/Times-Roman"),
                           Encoding=pikepdf.Name.WinAnsiEncoding)
    )  # fmt: skip
    for number, page in enumerate(doc.pages[1:], start=2):
        name = page.add_resource(font, pikepdf.Name.Font, prefix="SoHoaSo")
        left, _, right, top = (float(v) for v in page.mediabox)
        text = str(number)
        width = 0.5 * NUMBER_PT * len(text)  # Times-Roman digits are all half an em wide
        x = (left + right - width) / 2
        y = top - NUMBER_FROM_TOP_MM * _MM
        # Chromium's own content may leave its transform in place; q … Q puts it back first.
        page.contents_add(doc.make_stream(b"q\n"), prepend=True)
        stamp = f"Q\nBT {name} {NUMBER_PT} Tf 0 g {x:.2f} {y:.2f} Td ({text}) Tj ET\n"
        page.contents_add(doc.make_stream(stamp.encode("ascii")))
