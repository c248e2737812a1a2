"""One file's pages as the scanner left them: listing, opening at full size, raw JPEG bytes."""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image, ImageOps, UnidentifiedImageError

from sohoa_lib.errors import InputError

IMAGE_SUFFIXES = (".tif", ".tiff", ".jpg", ".jpeg", ".png")
PDF_SUFFIX = ".pdf"
# Left behind by Windows Explorer and by scanning stations; never pages.
_IGNORED_NAMES = ("thumbs.db", "desktop.ini")
_IGNORED_SUFFIXES = (".txt",)
# Below this a "dpi" is a placeholder, not a measurement: Pillow reports 1 for a TIFF whose
# resolution unit is "none" or missing, and some writers store 1:1 as a bare aspect ratio.
_MIN_PLAUSIBLE_DPI = 10.0
# Pillow's readers raise these for cut, corrupt or hostile files.
_READ_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)
# pikepdf's base error covers damaged, encrypted and undecodable PDFs and images.
_PDF_ERRORS = (pikepdf.PikepdfError, NotImplementedError)
_EXIF_ORIENTATION = 0x0112
# JPEG frame headers (SOF0–SOF15); C4, C8 and CC in that range are other segments.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class PageSource:
    """Where one page of a hồ sơ (archival file) lives on disk."""

    path: Path
    """The file holding the page."""
    index: int
    """Page index inside that file (0 for single images)."""
    number: int
    """1-based page number within the hồ sơ."""
    kind: str
    """`image` (one page per file), `tiff` (multi-page TIFF) or `pdf`."""

    @property
    def label(self) -> str:
        """The page as messages name it: `<mã hồ sơ>/<file>`, `, trang N` in a multi-page file."""
        name = f"{self.path.parent.name}/{self.path.name}"
        return name if self.kind == "image" else f"{name}, trang {self.index + 1}"


def scan_folders(scans: Path) -> dict[str, Path]:
    """Mã hồ sơ → its folder under the scan folder, sorted by code; hidden folders are skipped."""
    if not scans.is_dir():
        raise InputError(f"{scans}: không có thư mục ảnh quét")
    # NFC keys: folders copied from macOS arrive with decomposed Vietnamese letters.
    found = {
        unicodedata.normalize("NFC", p.name): p
        for p in scans.iterdir()
        if p.is_dir() and not p.name.startswith(".")
    }
    return dict(sorted(found.items()))


def list_pages(folder: Path) -> list[PageSource]:
    """The hồ sơ's pages in order: images in natural name order, or one multi-page TIFF or PDF."""
    if not folder.is_dir():
        raise InputError(f"{folder}: không có thư mục ảnh quét")
    files, stray = [], []
    for entry in folder.iterdir():
        name = entry.name
        if name.startswith(".") or name.lower() in _IGNORED_NAMES:
            continue
        suffix = entry.suffix.lower()
        if entry.is_file() and suffix in (*IMAGE_SUFFIXES, PDF_SUFFIX):
            files.append(entry)
        elif not (entry.is_file() and suffix in _IGNORED_SUFFIXES):
            stray.append(name + ("/" if entry.is_dir() else ""))
    if stray:
        # A page in a format we do not read (BMP, JPEG 2000) must not vanish from the count.
        raise InputError(f"{folder}: tệp không phải ảnh trang: {', '.join(sorted(stray))}")
    if not files:
        raise InputError(f"{folder}: không có tệp ảnh trang (TIFF, JPEG, PNG hoặc PDF)")
    files.sort(key=natural_key)
    counts = {path: _page_count(path) for path in files}
    multi = [path for path in files if path.suffix.lower() == PDF_SUFFIX or counts[path] > 1]
    if multi and len(files) > 1:
        names = ", ".join(path.name for path in multi)
        raise InputError(
            f"{folder}: tệp nhiều trang ({names}) phải là tệp duy nhất trong thư mục, "
            f"thư mục có {len(files)} tệp"
        )
    if multi:
        path = multi[0]
        kind = "pdf" if path.suffix.lower() == PDF_SUFFIX else "tiff"
        return [PageSource(path, i, i + 1, kind) for i in range(counts[path])]
    return [PageSource(path, 0, n, "image") for n, path in enumerate(files, start=1)]


def natural_key(path: Path) -> tuple:
    """Sort key putting `2.png` before `10.png`: digit runs compare as numbers, text caselessly."""
    name = unicodedata.normalize("NFC", path.name)
    # re.split with a group alternates text and digits, so the tuples compare item by item.
    parts = re.split(r"(\d+)", name.casefold())
    return (*(int(p) if i % 2 else p for i, p in enumerate(parts)), name)


def open_page(page: PageSource) -> tuple[Image.Image, tuple[float, float] | None]:
    """The page's fully decoded image and the (x, y) dpi its file records, or None when it has none.

    A PDF page's dpi is its image's pixel size against the page's MediaBox. Cut or corrupt files
    raise InputError naming the page; truncated images are never half-read (Pillow's
    LOAD_TRUNCATED_IMAGES is left False).
    """
    try:
        with _quiet_pillow():
            if page.kind == "pdf":
                return _open_pdf_page(page)
            return _open_image(page)
    except InputError:
        raise
    except (*_READ_ERRORS, *_PDF_ERRORS) as exc:
        # Pillow's "cannot identify image file '<full path>'" repeats the path: say it plainly.
        why = "tệp hỏng hoặc không phải ảnh" if isinstance(exc, UnidentifiedImageError) else exc
        raise InputError(f"{page.label}: không đọc được ảnh ({why})") from None


def open_page_reduced(
    page: PageSource, dpi_wanted: float
) -> tuple[Image.Image, tuple[int, int], tuple[float, float] | None]:
    """The page decoded at no less than `dpi_wanted` where the format allows it (a JPEG's DCT
    scaling: 1/2, 1/4 or 1/8 of full size, several times cheaper than a full decode), with the
    page's full pixel size (after EXIF rotation) and its file dpi. Other formats decode in full.

    Without a dpi in the file the page is taken as A4 tall, as the checks do when inferring it.
    """
    if page.kind != "image" or page.path.suffix.lower() not in (".jpg", ".jpeg"):
        image, dpi = open_page(page)
        return image, image.size, dpi
    try:
        with _quiet_pillow():
            image = Image.open(page.path)
            try:
                full = image.size
                dpi = _file_dpi(image.info)
                reference = min(dpi) if dpi else max(full) / (297 / 25.4)
                share = min(1.0, dpi_wanted / reference)
                image.draft(image.mode, (int(full[0] * share) + 1, int(full[1] * share) + 1))
                image.load()
                orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
            except BaseException:
                image.close()
                raise
    except (*_READ_ERRORS,) as exc:
        why = "tệp hỏng hoặc không phải ảnh" if isinstance(exc, UnidentifiedImageError) else exc
        raise InputError(f"{page.label}: không đọc được ảnh ({why})") from None
    if orientation != 1:
        image = ImageOps.exif_transpose(image)
        if orientation in (5, 6, 7, 8):
            full = (full[1], full[0])
            dpi = (dpi[1], dpi[0]) if dpi else None
    return image, full, dpi


def embeddable(page: PageSource) -> tuple[bytes, str] | None:
    """`(JPEG bytes, "jpeg")` when the page can go into a PDF as it is, else None.

    That is a complete baseline JPEG, RGB or grey, not rotated by an EXIF tag: a JPEG file, or a
    scanner PDF's page image stored that way. Anything else the caller re-encodes losslessly.
    """
    try:
        if page.kind == "pdf":
            data = _pdf_jpeg(page)
        elif page.path.suffix.lower() in (".jpg", ".jpeg"):
            data = page.path.read_bytes()
            if _exif_orientation(page.path) != 1:
                return None
        else:
            return None
    except (InputError, *_READ_ERRORS, *_PDF_ERRORS):
        return None
    return (data, "jpeg") if data is not None and _baseline_jpeg(data) else None


# Images ---------------------------------------------------------------------------------------


@contextmanager
def _quiet_pillow() -> Iterator[None]:
    # A cut TIFF makes Pillow warn about its EXIF before it raises; the error says enough.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Corrupt EXIF data", category=UserWarning)
        yield


def _page_count(path: Path) -> int:
    """Pages in a file; an unreadable image counts as one page, reported when it is opened."""
    if path.suffix.lower() == PDF_SUFFIX:
        try:
            with pikepdf.open(path) as pdf:
                return len(pdf.pages)
        except _PDF_ERRORS as exc:
            raise InputError(
                f"{path.parent.name}/{path.name}: không đọc được PDF ({exc})"
            ) from None
    if path.suffix.lower() not in (".tif", ".tiff"):
        return 1
    try:
        with _quiet_pillow(), Image.open(path) as image:
            return int(getattr(image, "n_frames", 1))
    except _READ_ERRORS:
        return 1


def _open_image(page: PageSource) -> tuple[Image.Image, tuple[float, float] | None]:
    image = Image.open(page.path)
    try:
        if page.index:
            image.seek(page.index)
        image.load()
        dpi = _file_dpi(image.info)
        orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
        if image.fp is not None:
            # A multi-page TIFF keeps its file open for the other pages; a single image has
            # closed it in load(), so only here is a copy (50 ms an A4 page) worth paying.
            loaded = image.copy()
            image.close()
            image = loaded
    except BaseException:
        image.close()
        raise
    if orientation != 1:
        image = ImageOps.exif_transpose(image)
        if dpi and orientation in (5, 6, 7, 8):
            dpi = (dpi[1], dpi[0])
    return image, dpi


def _file_dpi(info: dict) -> tuple[float, float] | None:
    dpi = info.get("dpi")
    if not dpi:
        return None
    x, y = float(dpi[0]), float(dpi[1])
    return (x, y) if min(x, y) >= _MIN_PLAUSIBLE_DPI else None


def _exif_orientation(path: Path) -> int:
    with Image.open(path) as image:
        return int(image.getexif().get(_EXIF_ORIENTATION, 1))


def _baseline_jpeg(data: bytes) -> bool:
    """A complete baseline (SOF0, 8-bit) JPEG with 1 or 3 components, read from its markers."""
    if data[:2] != b"\xff\xd8" or data.rfind(b"\xff\xd9", max(0, len(data) - 4096)) < 0:
        return False
    i = 2
    while i + 10 <= len(data):
        if data[i] != 0xFF:
            return False
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker in _SOF_MARKERS:
            return marker == 0xC0 and data[i + 4] == 8 and data[i + 9] in (1, 3)
        if marker == 0xDA:  # scan data before any frame header
            return False
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return False


# PDF ------------------------------------------------------------------------------------------


def _pdf_image(pdf: pikepdf.Pdf, page: PageSource) -> tuple[pikepdf.Page, pikepdf.Stream]:
    """The page's one scanned image; scanner PDFs hold exactly one per page."""
    pdf_page = pdf.pages[page.index]
    images = list(pdf_page.get_images().values())
    if len(images) != 1:
        found = "không có ảnh" if not images else f"có {len(images)} ảnh"
        raise InputError(f"{page.label}: không đọc được ảnh (trang {found}, cần đúng một ảnh quét)")
    return pdf_page, images[0]


def _open_pdf_page(page: PageSource) -> tuple[Image.Image, tuple[float, float] | None]:
    with pikepdf.open(page.path) as pdf:
        pdf_page, stream = _pdf_image(pdf, page)
        image = pikepdf.PdfImage(stream).as_pil_image()
        image.load()
        box = [float(v) for v in pdf_page.mediabox]
        unit = float(pdf_page.obj.get("/UserUnit", 1))
        rotate = int(pdf_page.obj.get("/Rotate", 0)) % 360
    inches = (abs(box[2] - box[0]) * unit / 72, abs(box[3] - box[1]) * unit / 72)
    if (image.width > image.height) != (inches[0] > inches[1]):
        # The image is drawn turned a quarter onto the page: compare across.
        inches = inches[::-1]
    dpi = (image.width / inches[0], image.height / inches[1]) if min(inches) > 0 else None
    if rotate:
        # /Rotate turns the page clockwise when shown; the archive copy shows it the same way.
        image = image.rotate(-rotate, expand=True)
        if dpi and rotate in (90, 270):
            dpi = (dpi[1], dpi[0])
    return image, dpi


def _pdf_jpeg(page: PageSource) -> bytes | None:
    with pikepdf.open(page.path) as pdf:
        pdf_page, stream = _pdf_image(pdf, page)
        if int(pdf_page.obj.get("/Rotate", 0)) % 360:
            return None
        plain = all(key not in stream for key in ("/Decode", "/SMask", "/Mask", "/ImageMask"))
        filters = stream.get("/Filter")
        if isinstance(filters, pikepdf.Array):
            filters = filters[0] if len(filters) == 1 else None
        space = stream.get("/ColorSpace")
        if not plain or filters != "/DCTDecode" or space not in ("/DeviceRGB", "/DeviceGray"):
            return None
        return stream.read_raw_bytes()
