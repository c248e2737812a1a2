"""Two-layer PDF/A-2B: each scanned page as it was scanned, under Tesseract's invisible text."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pikepdf
from pikepdf import Name
from PIL import Image

from sohoa_lib.common import versions
from sohoa_lib.common.clock import VIETNAM, now
from sohoa_lib.common.files import atomic_path
from sohoa_lib.describe import xmp as _xmp
from sohoa_lib.errors import InputError
from sohoa_lib.scan.ocr import open_page, page_jpeg

__all__ = ["ICC_SOURCE", "PdfPage", "build_pdfa", "read_xmp"]

# The output intent's profile: the ICC's own sRGB (version 2, as PDF/A-2 readers expect; Pillow's
# built-in sRGB is version 4.4, newer than PDF 1.7 allows).
ICC_FILE = "data/sRGB2014.icc"
ICC_SOURCE = (
    "sRGB2014.icc, International Color Consortium (https://www.color.org/srgbprofiles.xalter), "
    "ICC v2, sha256 384b832de3412066743b52a75ee906b6fb9fb8d9e09e936fc2c43223815c6e0a; free to "
    "copy and embed (ICC licence); copied from the fpdf2 2.8.9 wheel"
)
_PNG = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class PdfPage:
    """One page of the PDF/A: the scan, its resolution and its text layer."""

    image_path: Path
    page_index: int
    """0-based page within a multi-page TIFF or PDF; 0 for a one-page image."""
    dpi: tuple[float, float]
    """Horizontal and vertical resolution: the page is drawn at its paper size (scale 100%)."""
    text_pdf: Path | None
    """Tesseract's text-only PDF of the page (`PageResult.text_pdf`); None: no text layer."""
    jpeg: bytes | None = None
    """The scan's JPEG bytes, embedded as they are; None: read from the file when it is a JPEG."""


def build_pdfa(
    pages: Sequence[PdfPage],
    out: Path,
    *,
    xmp: Mapping[str, Mapping | None],
    title: str,
    lang: str = "vi",
    when: dt.datetime | None = None,
) -> None:
    """Write one PDF/A-2B file: per page the scan at full resolution, colour kept, and the text.

    JPEG scans are embedded byte for byte, PNG data as it is, other images (TIFF, …) losslessly
    (Flate). `xmp` is {"file": hồ sơ fields, "document": văn bản fields or None}, as in
    `_xmp.FILE_FIELDS` and `_xmp.DOCUMENT_FIELDS`; `when` (default: now; +07:00 when unzoned) dates it.
    Written under a temporary name and renamed, so `out` is either whole or absent.
    """
    if not pages:
        raise ValueError(f"{out}: a PDF/A needs at least one page")
    fields = _xmp.normalise(xmp)
    when = when or now()
    if when.tzinfo is None:  # an unzoned date means different instants to different readers
        when = when.replace(tzinfo=VIETNAM)
    pdf = pikepdf.new()
    shared: dict = {}
    for page in pages:
        where = f"{page.image_path} trang {page.page_index + 1}"
        if min(page.dpi) <= 0:
            raise InputError(f"{where}: độ phân giải phải lớn hơn 0, nhận được {page.dpi}")
        image, (width_px, height_px) = _image(pdf, page, shared, where)
        width, height = width_px * 72 / page.dpi[0], height_px * 72 / page.dpi[1]
        xobjects = pikepdf.Dictionary(Im0=image)
        content = f"q {width:.4f} 0 0 {height:.4f} 0 0 cm /Im0 Do Q\n"
        if page.text_pdf is not None:
            form, (text_w, text_h) = _text_layer(pdf, page.text_pdf, shared, where)
            xobjects.Tx0 = form
            # Tesseract sized its page from the working copy; stretch it onto the scan's page.
            content += f"q {width / text_w:.6f} 0 0 {height / text_h:.6f} 0 0 cm /Tx0 Do Q\n"
        pdf.pages.append(
            pikepdf.Page(
                pikepdf.Dictionary(
                    Type=Name.Page,
                    MediaBox=[0, 0, round(width, 4), round(height, 4)],
                    Resources=pikepdf.Dictionary(XObject=xobjects),
                    Contents=pdf.make_stream(content.encode("ascii")),
                )
            )
        )
    pdf.Root.Lang = pikepdf.String(lang)
    pdf.Root.OutputIntents = pikepdf.Array([_output_intent(pdf)])
    tool = f"sohoa {versions.sohoa()} (pikepdf {pikepdf.__version__})"
    _xmp.write(pdf, fields, title=title, lang=lang, when=when, tool=tool)
    with atomic_path(out) as tmp:
        # The settings pikepdf's PDF/A validator assumes: nothing rewritten after the metadata.
        pdf.save(tmp, fix_metadata_version=False, deterministic_id=True, recompress_flate=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)  # fmt: skip


def read_xmp(path: Path) -> dict[str, dict]:
    """sohoa's file and document fields from a PDF/A's XMP: {"file": {…}, "document": {…}}."""
    try:
        with pikepdf.open(path) as pdf:
            return _xmp.read(pdf)
    except (pikepdf.PdfError, FileNotFoundError) as exc:
        raise InputError(f"{path}: không đọc được siêu dữ liệu của tệp: {exc}") from None


# Page images ----------------------------------------------------------------------------------


def _image(
    pdf: pikepdf.Pdf, page: PdfPage, shared: dict, where: str
) -> tuple[pikepdf.Stream, tuple[int, int]]:
    """The scan as an image XObject, and its size in pixels."""
    try:
        jpeg = page.jpeg if page.jpeg is not None else page_jpeg(page.image_path, page.page_index)
        if jpeg is not None:
            with Image.open(io.BytesIO(jpeg)) as header:  # reads the header only
                mode, size, icc = header.mode, header.size, header.info.get("icc_profile")
            if mode in ("L", "RGB"):
                stream = pdf.make_stream(b"")
                stream.write(jpeg, filter=Name.DCTDecode)
                return _describe(pdf, stream, size, mode, 8, icc, shared), size
        png = _png_parts(page.image_path, where)
    except FileNotFoundError:
        raise InputError(f"{where}: không tìm thấy tệp") from None
    except (OSError, pikepdf.PdfError) as exc:
        raise InputError(f"{where}: không đọc được ảnh quét: {exc}") from None
    (width, height, depth, colours, icc), data = png or _deflate(page, where)
    stream = pdf.make_stream(b"")
    # PNG's compressed data is what PDF's Flate filter with PNG predictors reads: no re-encoding.
    parms = pikepdf.Dictionary(Predictor=15, Colors=colours, BitsPerComponent=depth, Columns=width)
    stream.write(data, filter=Name.FlateDecode, decode_parms=parms)
    mode = "RGB" if colours == 3 else "L"
    return _describe(pdf, stream, (width, height), mode, depth, icc, shared), (width, height)


def _describe(pdf, stream, size, mode, depth, icc, shared) -> pikepdf.Stream:
    stream.Type, stream.Subtype = Name.XObject, Name.Image
    stream.Width, stream.Height = size
    stream.BitsPerComponent = depth
    stream.ColorSpace = _colour_space(pdf, mode, icc, shared)
    return stream


def _colour_space(pdf: pikepdf.Pdf, mode: str, icc: bytes | None, shared: dict):
    """The scanner's ICC profile when it has a usable one (colour as scanned), else Device*."""
    device = Name.DeviceRGB if mode == "RGB" else Name.DeviceGray
    space = b"RGB " if mode == "RGB" else b"GRAY"
    # PDF 1.7 (hence PDF/A-2) reads ICC profiles up to version 4.2.
    if not icc or len(icc) < 128 or icc[16:20] != space or icc[8:12] > b"\x04\x20\x00\x00":
        return device
    key = ("icc", hashlib.sha256(icc).hexdigest())
    if key not in shared:
        profile = pdf.make_stream(icc)
        profile.N, profile.Alternate = (3 if mode == "RGB" else 1), device
        shared[key] = pikepdf.Array([Name.ICCBased, profile])
    return shared[key]


def _png_parts(
    path: Path, where: str
) -> tuple[tuple[int, int, int, int, bytes | None], bytes] | None:
    """((width, height, bit depth, colours, ICC profile), compressed pixels) of a PNG file that
    PDF can take as it is: not interlaced, grey or RGB without alpha. None for any other file."""
    with path.open("rb") as fh:
        if fh.read(8) != _PNG:
            return None
        data = _PNG + fh.read()
    pos, idat, icc, header = 8, [], None, None
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length] or b"\0\0\0\0")
        if zlib.crc32(kind + body) != crc:
            raise InputError(f"{where}: tệp PNG bị hỏng (một khối sai tổng kiểm tra)")
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"iCCP":
            icc = zlib.decompress(body.split(b"\0", 1)[1][1:])
        elif kind == b"IEND":
            break
    else:
        raise InputError(f"{where}: tệp PNG bị cụt (không có khối IEND)")
    if header is None:
        return None
    width, height, depth, colour, _, _, interlace = header
    if interlace or colour not in (0, 2) or (colour == 2 and depth < 8):
        return None
    return (width, height, depth, 3 if colour == 2 else 1, icc), b"".join(idat)


def _deflate(page: PdfPage, where: str) -> tuple[tuple[int, int, int, int, bytes | None], bytes]:
    """The scan losslessly compressed as PNG image data (each row as its difference from the one
    above, then zlib at its fastest level), for formats PDF cannot take as they are (TIFF, …).

    This is half the time of Pillow's PNG encoder for the same size: a scan's grain is noise
    that neither better filters nor higher levels compress.
    """
    with open_page(page.image_path, page.page_index, where) as image:
        icc = image.info.get("icc_profile")
        if image.mode == "1":
            rows, depth = np.packbits(np.asarray(image), axis=1), 1  # 1 is white, as in PDF
        elif image.mode in ("I;16", "I;16B", "I;16L"):
            rows, depth = np.asarray(image).astype(">u2").view(np.uint8), 16
        else:
            # Palette, alpha (a scan's is opaque), CMYK: as RGB (or grey), the colours kept.
            if image.mode not in ("L", "RGB"):
                image = image.convert("L" if image.mode in ("LA", "La") else "RGB")
            rows, depth = np.asarray(image), 8
        colours = 3 if image.mode == "RGB" else 1
        width, height = image.size
    rows = rows.reshape(height, -1)
    filtered = np.empty((height, rows.shape[1] + 1), np.uint8)
    filtered[:, 0] = 2  # PNG filter type 2, "Up"
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])
    return (width, height, depth, colours, icc), zlib.compress(filtered.tobytes(), 1)


# Text layer and colour ------------------------------------------------------------------------


def _text_layer(
    pdf: pikepdf.Pdf, text_pdf: Path, shared: dict, where: str
) -> tuple[pikepdf.Stream, tuple[float, float]]:
    """Tesseract's text page as a form XObject, its font shared by every page; and its size."""
    try:
        with pikepdf.open(text_pdf) as source:
            page = source.pages[0].obj
            box = [float(v) for v in page.MediaBox]
            contents = page.Contents
            if isinstance(contents, pikepdf.Array):  # several streams: join them, decoded
                raw, filt, parms = b"\n".join(c.read_bytes() for c in contents), None, None
            else:
                raw, filt = contents.read_raw_bytes(), contents.get("/Filter")
                parms = contents.get("/DecodeParms")
            fonts = pikepdf.Dictionary()
            for name, font in page.Resources.get("/Font", {}).items():
                key = ("font", _fingerprint(font))
                if key not in shared:
                    shared[key] = _graft(font, pdf, {})
                fonts[name] = shared[key]
            form = pdf.make_stream(b"")
            form.write(raw, filter=_graft(filt, pdf, {}), decode_parms=_graft(parms, pdf, {}))
    except (pikepdf.PdfError, FileNotFoundError, IndexError, AttributeError) as exc:
        raise InputError(f"{where}: không đọc được lớp chữ {text_pdf}: {exc}") from None
    form.Type, form.Subtype = Name.XObject, Name.Form
    form.BBox = box
    form.Resources = pikepdf.Dictionary(Font=fonts)
    return form, (box[2] - box[0], box[3] - box[1])


def _fingerprint(font: pikepdf.Object) -> str:
    """Identity of a font by its content: Tesseract writes the same font into every page."""
    digest = hashlib.sha256(font.unparse(resolved=True))
    for descendant in font.get("/DescendantFonts", []):
        descriptor = descendant.get("/FontDescriptor", {})
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            if key in descriptor:
                digest.update(descriptor[key].read_raw_bytes())
    return digest.hexdigest()


def _graft(obj, pdf: pikepdf.Pdf, memo: dict):
    """A deep copy of a foreign object into `pdf`, streams read now (the source is then closed)."""
    if obj is None or not isinstance(obj, pikepdf.Object):
        return obj  # Python scalars: int, Decimal, bool
    if obj.is_indirect and obj.objgen in memo:
        return memo[obj.objgen]
    if isinstance(obj, pikepdf.Stream):
        copy = pdf.make_stream(b"")
        copy.write(obj.read_raw_bytes(), filter=_graft(obj.get("/Filter"), pdf, memo),
                   decode_parms=_graft(obj.get("/DecodeParms"), pdf, memo))  # fmt: skip
        for key, value in obj.items():
            if key not in ("/Length", "/Filter", "/DecodeParms"):
                copy[key] = _graft(value, pdf, memo)
    elif isinstance(obj, pikepdf.Dictionary):
        copy = pikepdf.Dictionary({k: _graft(v, pdf, memo) for k, v in obj.items()})
    elif isinstance(obj, pikepdf.Array):
        copy = pikepdf.Array([_graft(v, pdf, memo) for v in obj])
    elif isinstance(obj, pikepdf.Name):
        return Name(str(obj))
    elif isinstance(obj, pikepdf.String):
        return pikepdf.String(bytes(obj))
    else:
        return obj
    if obj.is_indirect:
        copy = pdf.make_indirect(copy) if not isinstance(copy, pikepdf.Stream) else copy
        memo[obj.objgen] = copy
    return copy


def _output_intent(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    profile = pdf.make_stream(_srgb())
    profile.N, profile.Alternate = 3, Name.DeviceRGB
    return pikepdf.Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
        Info=pikepdf.String("sRGB IEC61966-2.1"),
        RegistryName=pikepdf.String("http://www.color.org"),
        DestOutputProfile=profile,
    )


@cache
def _srgb() -> bytes:
    return resources.files("sohoa_lib").joinpath(ICC_FILE).read_bytes()
