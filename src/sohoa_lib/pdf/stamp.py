"""The visible signature (its place on page 1, font, text, seal) and the PDF it goes into."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from fontTools import subset, ttLib
from fontTools.ttLib.scaleUpem import scale_upem
from pikepdf.models.metadata import decode_pdf_date
from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from sohoa_lib.common.clock import VIETNAM
from sohoa_lib.errors import InputError, MissingToolError, ParamsError

__all__ = [
    "CLOCK_TICKED",
    "FONT_FILES",
    "StampMaker",
    "agree_producer",
    "iso_time",
    "metadata_problem",
    "read_page1",
    "stamp_box",
]

# The regulation's font first when it is installed, then fonts with its metrics. Debian 12's
# fonts-liberation 1.x lacks ơ, ư and the tone marks: each file is checked for every letter used.
FONT_FILES = (
    Path("/usr/share/fonts/truetype/msttcorefonts/Times_New_Roman.ttf"),
    Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"),
)
FONT_SIZE, LEADING = 10, 12  # points: "Times New Roman, cỡ chữ 10, chữ đứng, màu đen"
MM = 72 / 25.4
# Nghị định 30/2020 margins: top and right 20 mm. The stamp stays within the top band, its right
# edge on the text block's, 2 mm clear of the text below and 4 mm from the paper's edge.
RIGHT_MARGIN, LEFT_MARGIN = 20 * MM, 10 * MM
BAND_TOP, BAND_BOTTOM = 4 * MM, 18 * MM
MIN_WIDTH = 85 * MM
# The seal's corner gap: at 3 mm from the top and right edges a seal of 35-40 mm is centred on
# the corner of the margins, so the least of it overlaps the text block (a quarter at most).
SEAL_EDGE, SEAL_GAP = 3 * MM, 2 * MM
_TIME_CHARS = "0123456789-:+T"


def iso_time(when: dt.datetime | None = None) -> dt.datetime:
    """`when` (default now) in Vietnam's zone, to the second; an unzoned time is taken as Vietnam's."""
    when = when or dt.datetime.now(VIETNAM)
    if when.tzinfo is None:
        when = when.replace(tzinfo=VIETNAM)
    return when.astimezone(VIETNAM).replace(microsecond=0)


def stamp_box(
    page_width_pt: float, page_height_pt: float, *, width_pt: float = MIN_WIDTH
) -> tuple[float, float, float, float]:
    """(x1, y1, x2, y2) in points of the tt05-2025 stamp: top right, inside the 20 mm top margin.

    The right edge is the text block's (20 mm from the paper's edge), the box spans 4-18 mm
    from the top, so it never reaches the text below; `width_pt` (at least 85 mm) grows it
    leftwards for a long organisation name, never past 10 mm from the left edge.
    """
    x2 = page_width_pt - RIGHT_MARGIN
    x1 = max(LEFT_MARGIN, x2 - max(width_pt, MIN_WIDTH))
    return (x1, page_height_pt - BAND_BOTTOM, x2, page_height_pt - BAND_TOP)


@dataclass(frozen=True)
class _SubsetFont(FontEngineFactory):
    """pyHanko's TrueType engine over a font already cut to the stamp's letters.

    pyHanko subsets the font it embeds on every signature; from the full Liberation Serif that
    doubled the time per file, from a few dozen glyphs it costs next to nothing.
    """

    data: bytes = field(repr=False)

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(self.data),
            font_size=FONT_SIZE,
            obj_stream=obj_stream,
        )


@dataclass(frozen=True)
class StampMaker:
    """Everything about the stamp that stays the same for one organisation, built once per Session."""

    organisation: str
    style: TextStampStyle
    text_width: float
    """Width in points of the widest line at 10 pt."""
    seal_size: tuple[float, float] | None
    """The seal's width and height in points (its actual size), for tt02-2019."""

    @classmethod
    def build(
        cls, organisation: str, profile: str, seal: Path | None = None, seal_dpi: float = 300.0
    ) -> StampMaker:
        organisation = " ".join(unicodedata.normalize("NFC", organisation).split())
        if not organisation:
            raise ParamsError(
                "signing.organisation để trống: dấu chữ ký hiển thị tên cơ quan, tổ chức"
            )
        data, widths = _subset_font(organisation + _TIME_CHARS)
        text_width = max(_width(organisation, widths), _width("0000-00-00T00:00:00+07:00", widths))
        right = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins(0, 0, 0, 0),
            inner_content_scaling=layout.InnerScaling.NO_SCALING,  # 10 pt, never shrunk
        )
        text = TextBoxStyle(
            font=_SubsetFont(data),
            font_size=FONT_SIZE,
            leading=LEADING,
            text_color=(0, 0, 0),
            box_layout_rule=right,
        )
        seal_size, background, inner = None, None, right
        if profile == "tt02-2019":
            if seal is None:
                raise ParamsError(
                    "profile tt02-2019 cần khóa 'signing.seal_image' (ảnh PNG con dấu đỏ)"
                )
            image = _seal_image(seal)
            seal_size = (image.width * 72 / seal_dpi, image.height * 72 / seal_dpi)
            # Seals are 30-45 mm across; far from that, seal_dpi is not the scan's resolution.
            if not 15 * MM <= max(seal_size) <= 60 * MM:
                raise ParamsError(
                    f"signing.seal_image: {seal} sẽ rộng {max(seal_size) / MM:.0f} mm với "
                    f"signing.seal_dpi {seal_dpi:g}; hãy ghi đúng độ phân giải khi quét con dấu"
                )
            background = PdfImage(image, box=layout.BoxConstraints(*seal_size))
            # The text stands left of the seal, in the top band with the tt05-2025 stamp's top.
            gap = layout.Margins(0, seal_size[0] + SEAL_GAP, BAND_TOP - SEAL_EDGE, 0)
            inner = layout.SimpleBoxLayoutRule(
                right.x_align, right.y_align, gap, right.inner_content_scaling
            )
        style = TextStampStyle(
            stamp_text="%(stamp)s",  # filled in whole: a % in a name stays a %
            text_box_style=text,
            inner_content_layout=inner,
            border_width=0,  # the regulation draws no frame
            background=background,
            background_layout=right,
            background_opacity=1.0,  # the seal's own alpha gives its transparency
        )
        return cls(organisation, style, text_width, seal_size)

    def text(self, when: dt.datetime) -> str:
        """The stamp's lines: the organisation, then the signing time as ISO 8601 with +07:00."""
        return f"{self.organisation}\n{when.isoformat(timespec='seconds')}"

    def box(self, page: tuple[float, float, float, float], where: str) -> tuple[float, ...]:
        """The stamp's rectangle on a page given by its (x0, y0, x1, y1) box, in points."""
        x0, y0, x1, y1 = page
        width, height = x1 - x0, y1 - y0
        if self.seal_size is None:
            box = stamp_box(width, height, width_pt=self.text_width + 1)
        else:
            seal_w, seal_h = self.seal_size
            right, top = width - SEAL_EDGE, height - SEAL_EDGE
            left = max(LEFT_MARGIN, right - seal_w - SEAL_GAP - self.text_width - 1)
            box = (left, min(top - seal_h, height - BAND_BOTTOM), right, top)
        needed = self.text_width + (self.seal_size[0] + SEAL_GAP if self.seal_size else 0)
        if box[2] - box[0] < needed:
            raise InputError(
                f"{where}: trang 1 rộng {width / MM:.0f} mm, quá hẹp cho dấu chữ ký "
                f"(tên cơ quan dài {self.text_width / MM:.0f} mm ở cỡ chữ {FONT_SIZE} pt)"
            )
        return (box[0] + x0, box[1] + y0, box[2] + x0, box[3] + y0)


@functools.lru_cache(maxsize=8)
def _subset_font(text: str) -> tuple[bytes, dict[str, int]]:
    """The first serif font with every letter of `text`, cut to those letters at 1000 units to
    the em; and the advance widths (thousandths of the font size) by character.

    Kept for the process: a batch opens a Session per unit, mostly with the same organisation.
    """
    for path in FONT_FILES:
        if not path.is_file():
            continue
        font = ttLib.TTFont(str(path), lazy=False)
        cmap = font.getBestCmap()
        if all(ord(c) in cmap for c in set(text)):
            break
    else:
        names = ", ".join(str(p) for p in FONT_FILES)
        raise MissingToolError(
            f"không có phông chữ có chân nào đủ mọi chữ của dấu chữ ký ({text!r}) trong {names}; "
            "hãy cài gói fonts-liberation2"
        )
    options = subset.Options()
    # No kerning: the text's width is then the sum of advance widths, known before signing.
    options.layout_features = []
    options.drop_tables += ["FFTM", "kern", "GPOS", "GSUB", "GDEF"]
    options.name_IDs = ["*"]  # keep the copyright and licence names with the embedded font
    options.hinting = False  # no screen hinting: it would not survive the rescaling below
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    # pyHanko writes glyph widths (/W) and kerning in the font's own units as if there were
    # 1000 to the em; Liberation Serif has 2048, which doubled the letter spacing.
    scale_upem(font, 1000)
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    widths = {chr(code): hmtx[name][0] for code, name in cmap.items()}
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), widths


def _width(line: str, widths: dict[str, int]) -> float:
    return sum(widths[c] for c in line) * FONT_SIZE / 1000


def _seal_image(path: Path) -> Image.Image:
    """The seal PNG, loaded once; its transparency kept (PDF/A-2 allows soft masks)."""
    try:
        with Image.open(path) as image:
            image.load()
    except FileNotFoundError:
        raise ParamsError(f"signing.seal_image: không tìm thấy tệp: {path}") from None
    except OSError as exc:
        raise ParamsError(f"signing.seal_image: {path} không phải tệp ảnh: {exc}") from None
    if image.mode not in ("RGBA", "LA", "PA"):
        raise ParamsError(
            f"signing.seal_image: {path} không có nền trong suốt (chế độ {image.mode}); "
            "tt02-2019 cần ảnh PNG trong suốt để trang văn bản hiện qua con dấu"
        )
    return image.convert("RGBA")


# The PDF it goes into -------------------------------------------------------------------------

# As an attribute (pdfaid:part="2") or as an element (<pdfaid:part …>2</pdfaid:part>).
_PDFA_PART = re.compile(rb"pdfaid:part\s*=\s*[\"']\s*\d|<pdfaid:part\b[^>]*>\s*\d")


def read_page1(
    writer: IncrementalPdfFileWriter, src: Path, profile: str
) -> tuple[tuple[float, float, float, float], bool]:
    """Page 1's visible box (x0, y0, x1, y1) and whether the file claims PDF/A, after checking
    that it may be signed as it is."""
    reader = writer.prev
    if reader.embedded_signatures:
        raise InputError(f"{src}: đã được ký số; hãy ký tệp PDF/A chưa ký")
    # root["/Metadata"], never root.get(): get() caches the stream as a plain one, and pyHanko
    # then writes a new XMP packet of its two properties in place of the whole PDF/A packet.
    xmp = reader.root["/Metadata"].data if "/Metadata" in reader.root else b""
    pdfa = bool(_PDFA_PART.search(xmp))
    if profile == "tt05-2025" and not pdfa:
        raise InputError(
            f"{src}: không phải PDF/A (XMP không có pdfaid:part); tt05-2025 ký tệp PDF/A "
            "đã tạo sẵn, vì mọi lần ghi lại sau khi ký sẽ làm hỏng chữ ký"
        )
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    if int(_inherited(page, "/Rotate") or 0) % 360:
        raise InputError(f"{src}: trang 1 bị xoay; dấu chữ ký chỉ đặt được trên trang đứng thẳng")
    box = _inherited(page, "/CropBox") or _inherited(page, "/MediaBox")
    x0, y0, x1, y1 = (float(v) for v in box)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), pdfa


CLOCK_TICKED = "the clock ticked between pyHanko's two modification dates"


def agree_producer(writer: IncrementalPdfFileWriter) -> None:
    """pyHanko sets XMP pdf:Producer to itself but appends itself to the DocInfo /Producer;
    PDF/A wants the two to agree (ISO 19005-2 6.6.3), and pyHanko did write this revision."""
    if "/Info" in writer.trailer:
        writer.trailer["/Info"]["/Producer"] = generic.TextStringObject(VENDOR)
        writer.mark_update(writer.trailer.raw_get("/Info"))


def metadata_problem(path: Path, pdfa: bool) -> str | None:
    """What in a signed file's metadata breaks PDF/A (its claim, ISO 19005-2 6.6.3), or None."""
    with pikepdf.open(path) as pdf:
        meta, info = pdf.open_metadata(), pdf.docinfo
        if pdfa and not meta.pdfa_status:
            return "its XMP lost the PDF/A claim (pdfaid)"
        if "/Producer" in info and str(info.Producer) != meta.get("pdf:Producer"):
            return "DocInfo /Producer and XMP pdf:Producer differ"
        if "/ModDate" in info and "xmp:ModifyDate" in meta:
            modified = dt.datetime.fromisoformat(meta["xmp:ModifyDate"])
            if decode_pdf_date(str(info.ModDate)) != modified:
                return CLOCK_TICKED
    return None


def _inherited(page, key: str):
    """A page attribute, looked up through the page tree as PDF inheritance does."""
    node = page
    while node is not None:
        if key in node:
            return node[key]
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    return None
