"""Information packages after E-ARK CSIP 2.1: METS, descriptive metadata, PREMIS, SHA-256 checksums.

One package per hồ sơ (file), in a folder named by its mã hồ sơ:

    <mã hồ sơ>/
      METS.xml                          the package: identity, agents, every file with its SHA-256
      manifest-sha256.txt               SHA-256 of every other file
      metadata/descriptive/dc.xml       Dublin Core (oai_dc) of the hồ sơ
      metadata/descriptive/sohoa.xml    every field of SPEC §2, hồ sơ and văn bản (schemas/sohoa.xsd)
      metadata/preservation/premis.xml  PREMIS 3: the PDF files, their format and fixity, events, agents
      representations/rep1/METS.xml     the representation: its data files with their SHA-256
      representations/rep1/data/        the signed PDF/A files, names kept (<mã hồ sơ>.<seq>.pdf)
      schemas/sohoa.xsd                 the XML schema of sohoa.xml, generated from the field list
      documentation/README.txt          this layout, in Vietnamese, for whoever opens the folder

The manifest (fixity.write_manifest: `sha256sum -c` reads it, and it is a BagIt payload manifest
line for line) sits beside METS.xml rather than making the package a BagIt bag: a bag moves the
content under data/, and CSIP wants METS.xml at the root. METS cannot list the manifest (the
manifest lists METS.xml), so the manifest is the one file that covers every other.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pikepdf
from lxml import etree

from sohoa_lib.common import versions
from sohoa_lib.common.files import sha256
from sohoa_lib.errors import InputError
from sohoa_lib.preserve import _descriptive, _layout, _mets, fixity
from sohoa_lib.preserve import premis as _premis
from sohoa_lib.preserve.premis import PreservationEvent
from sohoa_lib.preserve.validate import validate_package

__all__ = [
    "MANIFEST",
    "PreservationEvent",
    "build_package",
    "validate_package",
]

MANIFEST = fixity.MANIFEST
# PRONOM identifiers, by PDF/A part and conformance, and by PDF version for plain PDF.
_PDFA_PUID = {"1A": "fmt/95", "1B": "fmt/354", "2A": "fmt/476", "2B": "fmt/477", "2U": "fmt/478",
              "3A": "fmt/479", "3B": "fmt/480", "3U": "fmt/481"}  # fmt: skip
_PDF_PUID = {"1.0": "fmt/14", "1.1": "fmt/15", "1.2": "fmt/16", "1.3": "fmt/17", "1.4": "fmt/18",
             "1.5": "fmt/19", "1.6": "fmt/20", "1.7": "fmt/276", "2.0": "fmt/1129"}  # fmt: skip


@dataclass(frozen=True)
class PageAlto:
    """One page's full text for the package: its ALTO file and where the page is."""

    number: int
    """The page's number in the hồ sơ."""
    path: Path
    pdf: str
    """File name of the PDF/A holding the page."""
    pdf_page: int


def build_package(
    *,
    out_dir: Path,
    ma_ho_so: str,
    file_metadata: Mapping[str, object],
    documents: Sequence[Mapping[str, object]],
    pdfs: Sequence[Path],
    events: Sequence[PreservationEvent],
    agent_org: str,
    created: str | None = None,
    alto: Sequence[PageAlto] = (),
) -> Path:
    """Write the hồ sơ's information package to `<out_dir>/<mã hồ sơ>/` and return its path.

    Metadata come as the catalogue writes them (or with the XMP field names of `_xmp`); `created`
    (ISO 8601 with offset) defaults to the latest event, so the same inputs give the same bytes and
    a rerun leaves an identical package alone. `alto` gives each page's full text (ALTO), put in
    the representation beside the PDF/A files and mapped page by page in its METS. The package is built in a temporary folder beside
    the final one and renamed into place; a different earlier package is replaced whole.
    InputError names the hồ sơ, the document or the event when an input is wrong.
    """
    code = _checked_code(ma_ho_so)
    pdfs = [Path(p) for p in pdfs]
    _check_pdfs(code, pdfs)
    if not agent_org.strip():
        raise InputError(f"gói {code}: agent_org (cơ quan lưu trữ) để trống")
    for index, event in enumerate(events):
        _premis.check_event(event, index)
    if created is None:
        if not events:
            raise InputError(f"gói {code}: cần `created` hoặc ít nhất một sự kiện")
        created = max(events, key=lambda e: _premis.parse_time(e.when, "sự kiện")).when
    _premis.parse_time(created, f"gói {code}: created")
    values = _descriptive.descriptive_values(code, file_metadata, documents, {p.name for p in pdfs})
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / code
    work = Path(tempfile.mkdtemp(prefix=f".{code}.", suffix=".tmp", dir=out_dir))
    try:
        _write(work, code, values, pdfs, events, agent_org, created, alto)
        _publish(work, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def _write(
    root: Path,
    code: str,
    values: tuple[dict, list[tuple[str | None, dict]]],
    pdfs: Sequence[Path],
    events: Sequence[PreservationEvent],
    org: str,
    created: str,
    alto: Sequence[PageAlto] = (),
) -> None:
    version = versions.sohoa()
    file_values, docs = values
    digests: dict[str, str] = {}

    def entry(rel: str, id_: str, mimetype: str, *, base: str = "", **md: str) -> _mets.Entry:
        path = root / rel
        digest = digests.get(rel) or digests.setdefault(rel, sha256(path))
        href = rel.removeprefix(base)
        return _mets.Entry(id_, href, path.stat().st_size, digest, mimetype, created, **md)

    rep = f"representations/{_layout.REPRESENTATION}"
    (root / rep / "data").mkdir(parents=True)
    objects, data = [], []
    for number, pdf in enumerate(sorted(pdfs, key=lambda p: p.name), 1):
        rel = f"{rep}/data/{pdf.name}"
        digests[rel] = _copy(pdf, root / rel)
        name, version_, puid = _pdf_format(root / rel)
        size = (root / rel).stat().st_size
        objects.append(_premis.FileObject(rel, size, digests[rel], name, version_, puid))
        data.append(entry(rel, f"{_layout.REPRESENTATION}-file-{number:03d}", "application/pdf",
                          base=f"{rep}/"))  # fmt: skip
    pdf_ids = {Path(e.href).name: (e.id, e.href) for e in data}
    pages = []
    for number, page in enumerate(sorted(alto, key=lambda a: a.number), 1):
        if page.pdf not in pdf_ids:
            raise InputError(
                f"gói {code}: lớp chữ của trang {page.number} ghi tệp {page.pdf}, không có trong gói"
            )
        rel = f"{rep}/data/alto/{page.path.name}"
        (root / rel).parent.mkdir(exist_ok=True)
        digests[rel] = _copy(page.path, root / rel)
        pdf_id, pdf_href = pdf_ids[page.pdf]
        text = entry(rel, f"{_layout.REPRESENTATION}-alto-{number:04d}", "text/xml", base=f"{rep}/")
        pages.append(_mets.PageText(page.number, pdf_id, page.pdf_page, pdf_href, text))
    _write_xml(root / _layout.SCHEMA, _descriptive.schema())
    _write_text(root / _layout.README, _readme(code, org, created, version))
    _write_xml(root / _layout.DC, _descriptive.dublin_core(file_values, docs))
    _write_xml(root / _layout.SOHOA, _descriptive.sohoa_record(file_values, docs))
    packaging = PreservationEvent(
        "information package creation", created, f"sohoa {version}", "success",
        "Tạo gói thông tin theo E-ARK CSIP 2.1: METS, dữ liệu đặc tả, PREMIS, SHA-256", "software",
    )  # fmt: skip
    _write_xml(
        root / _layout.PREMIS, _premis.document(objects, [*events, packaging], implementer=org)
    )
    head = _mets.Header(code, file_values.get("tieu_de") or code, created, "sohoa", version, org)
    rep_head = replace(
        head, objid=f"{code}/{_layout.REPRESENTATION}", id_prefix=f"{_layout.REPRESENTATION}-"
    )
    _write_xml(root / rep / "METS.xml", _mets.representation_mets(rep_head, data=data, pages=pages))
    package = _mets.package_mets(
        head,
        descriptive=[entry(_layout.DC, "dmd-dc", "text/xml", mdtype="DC"),
                     entry(_layout.SOHOA, "dmd-sohoa", "text/xml", mdtype="OTHER", othermdtype="SOHOA")],
        preservation=[entry(_layout.PREMIS, "digiprov-premis", "text/xml", mdtype="PREMIS")],
        groups=[("Documentation", [entry(_layout.README, "file-readme", "text/plain")]),
                ("Schemas", [entry(_layout.SCHEMA, "file-schema-sohoa", "text/xml")])],
        representations=[(_layout.REPRESENTATION, entry(f"{rep}/METS.xml", f"file-{_layout.REPRESENTATION}-mets",
                                                "text/xml"))],
    )  # fmt: skip
    _write_xml(root / "METS.xml", package)
    fixity.write_manifest(root)


def _publish(work: Path, final: Path) -> None:
    """Rename the built package into place, unless an identical sound one is already there."""
    if final.exists():
        manifest = final / MANIFEST
        same = manifest.is_file() and manifest.read_bytes() == (work / MANIFEST).read_bytes()
        if same and fixity.check_manifest(final).ok:
            return
        old = final.with_name(f".{final.name}.{os.getpid()}.old")
        os.rename(final, old)
        os.rename(work, final)
        shutil.rmtree(old)
    else:
        os.rename(work, final)
    # mkdtemp makes the folder private; packages are for archivists and auditors to read.
    final.chmod(0o755)


def _checked_code(ma_ho_so: str) -> str:
    code = str(ma_ho_so)
    if code in ("", ".", "..") or re.search(r"[/\\\s]", code):
        raise InputError(
            f"mã hồ sơ {ma_ho_so!r}: phải dùng được làm tên thư mục (không có /, \\ hay khoảng trắng)"
        )
    return code


def _check_pdfs(code: str, pdfs: Sequence[Path]) -> None:
    if not pdfs:
        raise InputError(f"gói {code}: không có tệp PDF nào")
    seen: set[str] = set()
    for pdf in pdfs:
        if not pdf.is_file():
            raise InputError(f"gói {code}: {pdf}: không tìm thấy tệp")
        if not re.fullmatch(rf"{re.escape(code)}(\.\d+)?\.pdf", pdf.name):
            raise InputError(f"gói {code}: {pdf.name}: tên tệp phải có dạng <mã hồ sơ>[.<seq>].pdf")
        if pdf.name in seen:
            raise InputError(f"gói {code}: {pdf.name} được đưa vào hai lần")
        seen.add(pdf.name)


def _copy(source: Path, target: Path, chunk: int = 1 << 20) -> str:
    """Copy a file and return the SHA-256 of the bytes written, reading the source once."""
    digest = hashlib.sha256()
    with source.open("rb") as src, target.open("xb") as dst:
        while block := src.read(chunk):
            digest.update(block)
            dst.write(block)
    return digest.hexdigest()


def _pdf_format(path: Path) -> tuple[str, str, str]:
    """(PRONOM format name, version, PUID) from what the PDF declares (XMP pdfaid, header)."""
    try:
        with pikepdf.open(path) as pdf:
            status = pdf.open_metadata().pdfa_status
            version = pdf.pdf_version
    except pikepdf.PdfError as exc:
        raise InputError(f"{path.name}: không đọc được tệp PDF: {exc}") from None
    if status:  # "2B": part and conformance level
        return (
            "Acrobat PDF/A - Portable Document Format",
            status.lower(),
            _PDFA_PUID.get(status, ""),
        )
    return "Portable Document Format", version, _PDF_PUID.get(version, "")


_LAYOUT = """\
  METS.xml                          mô tả gói: định danh, tác nhân, các tệp và tổng kiểm SHA-256
  manifest-sha256.txt               tổng kiểm SHA-256 của mọi tệp khác (định dạng của BagIt)
  metadata/descriptive/dc.xml       dữ liệu đặc tả hồ sơ theo Dublin Core
  metadata/descriptive/sohoa.xml    dữ liệu đặc tả hồ sơ và từng văn bản (schemas/sohoa.xsd)
  metadata/preservation/premis.xml  PREMIS 3: tệp, định dạng, tổng kiểm, sự kiện, tác nhân
  representations/rep1/METS.xml     mô tả bản thể hiện rep1 và các tệp của nó
  representations/rep1/data/        các tệp PDF/A đã ký số (<mã hồ sơ>.<số thứ tự>.pdf)
  schemas/sohoa.xsd                 lược đồ XML của sohoa.xml
  documentation/README.txt          tệp này
"""


def _readme(code: str, org: str, created: str, version: str) -> str:
    return (
        f"Gói thông tin lưu trữ (AIP) của hồ sơ {code}, theo E-ARK CSIP 2.1 và Thông tư "
        f"05/2025/TT-BNV.\nĐơn vị: {org}. Tạo bởi sohoa {version} lúc {created}.\n\n"
        "Cấu trúc gói (information package layout):\n\n"
        f"{_LAYOUT}\n"
        "Kiểm tra toàn vẹn: mọi tệp có tổng kiểm SHA-256 trong METS.xml và manifest-sha256.txt.\n"
    )


def _write_xml(path: Path, tree: etree._ElementTree) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
