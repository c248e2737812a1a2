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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pikepdf
from lxml import etree

from sohoa_lib.common import versions
from sohoa_lib.common.files import sha256
from sohoa_lib.describe import xmp
from sohoa_lib.errors import InputError
from sohoa_lib.preserve import _mets, fixity
from sohoa_lib.preserve import premis as _premis
from sohoa_lib.preserve.premis import PreservationEvent
from sohoa_lib.records import codes
from sohoa_lib.scan import alto

__all__ = [
    "MANIFEST",
    "PreservationEvent",
    "build_package",
    "validate_package",
]

MANIFEST = fixity.MANIFEST
REPRESENTATION = "rep1"
_DC = "metadata/descriptive/dc.xml"
_SOHOA = "metadata/descriptive/sohoa.xml"
_PREMIS = "metadata/preservation/premis.xml"
_SCHEMA = "schemas/sohoa.xsd"
_README = "documentation/README.txt"
# PRONOM identifiers, by PDF/A part and conformance, and by PDF version for plain PDF.
_PDFA_PUID = {"1A": "fmt/95", "1B": "fmt/354", "2A": "fmt/476", "2B": "fmt/477", "2U": "fmt/478",
              "3A": "fmt/479", "3B": "fmt/480", "3U": "fmt/481"}  # fmt: skip
_PDF_PUID = {"1.0": "fmt/14", "1.1": "fmt/15", "1.2": "fmt/16", "1.3": "fmt/17", "1.4": "fmt/18",
             "1.5": "fmt/19", "1.6": "fmt/20", "1.7": "fmt/276", "2.0": "fmt/1129"}  # fmt: skip
# Packages may come from anywhere (a backup, another unit): never fetch or expand what they name.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


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
    values = _descriptive_values(code, file_metadata, documents, {p.name for p in pdfs})
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

    rep = f"representations/{REPRESENTATION}"
    (root / rep / "data").mkdir(parents=True)
    objects, data = [], []
    for number, pdf in enumerate(sorted(pdfs, key=lambda p: p.name), 1):
        rel = f"{rep}/data/{pdf.name}"
        digests[rel] = _copy(pdf, root / rel)
        name, version_, puid = _pdf_format(root / rel)
        size = (root / rel).stat().st_size
        objects.append(_premis.FileObject(rel, size, digests[rel], name, version_, puid))
        data.append(entry(rel, f"{REPRESENTATION}-file-{number:03d}", "application/pdf",
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
        text = entry(rel, f"{REPRESENTATION}-alto-{number:04d}", "text/xml", base=f"{rep}/")
        pages.append(_mets.PageText(page.number, pdf_id, page.pdf_page, pdf_href, text))
    _write_xml(root / _SCHEMA, _schema())
    _write_text(root / _README, _readme(code, org, created, version))
    _write_xml(root / _DC, _dublin_core(file_values, docs))
    _write_xml(root / _SOHOA, _sohoa_record(file_values, docs))
    packaging = PreservationEvent(
        "information package creation", created, f"sohoa {version}", "success",
        "Tạo gói thông tin theo E-ARK CSIP 2.1: METS, dữ liệu đặc tả, PREMIS, SHA-256", "software",
    )  # fmt: skip
    _write_xml(root / _PREMIS, _premis.document(objects, [*events, packaging], implementer=org))
    head = _mets.Header(code, file_values.get("tieu_de") or code, created, "sohoa", version, org)
    rep_head = replace(head, objid=f"{code}/{REPRESENTATION}", id_prefix=f"{REPRESENTATION}-")
    _write_xml(root / rep / "METS.xml", _mets.representation_mets(rep_head, data=data, pages=pages))
    package = _mets.package_mets(
        head,
        descriptive=[entry(_DC, "dmd-dc", "text/xml", mdtype="DC"),
                     entry(_SOHOA, "dmd-sohoa", "text/xml", mdtype="OTHER", othermdtype="SOHOA")],
        preservation=[entry(_PREMIS, "digiprov-premis", "text/xml", mdtype="PREMIS")],
        groups=[("Documentation", [entry(_README, "file-readme", "text/plain")]),
                ("Schemas", [entry(_SCHEMA, "file-schema-sohoa", "text/xml")])],
        representations=[(REPRESENTATION, entry(f"{rep}/METS.xml", f"file-{REPRESENTATION}-mets",
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


def _files(root: Path) -> list[str]:
    """Every file under `root`, as sorted POSIX paths relative to it."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _digest(package: Path, rel: str, cache: dict[str, str]) -> str:
    if rel not in cache:
        cache[rel] = sha256(package / rel)
    return cache[rel]


# Validation -----------------------------------------------------------------------------------


def validate_package(path: Path) -> list[str]:
    """Every problem found in a package, each naming the file and what was expected; [] if sound.

    Checks the CSIP requirements on both METS levels, that every file METS lists exists with its
    size and SHA-256, that no file goes unlisted, the manifest, PREMIS fixity against the files,
    and sohoa.xml against the package's own schema. Nothing is written.
    """
    package = Path(path)
    if not (package / "METS.xml").is_file():
        return [f"{package}: không có METS.xml, không phải gói thông tin"]
    problems: list[str] = []
    digests: dict[str, str] = {}

    def digest(rel: str) -> str:
        return _digest(package, rel, digests)

    root = _parse(package, "METS.xml", problems)
    if root is None:
        return problems
    listed: set[str] = set()
    problems += _mets.csip_problems(root, "METS.xml", package=True)
    problems += _mets.listed_problems(package, "METS.xml", root, listed, digest)
    for href in _mets.representation_pointers(root):
        rel = _mets.inside(href)
        rep = _parse(package, rel, problems) if rel and (package / rel).is_file() else None
        if rep is None:
            problems.append(f"METS.xml: METS của biểu diễn {href!r} không có hoặc không đọc được")
            continue
        problems += _mets.csip_problems(rep, rel, package=False)
        problems += _mets.listed_problems(package, rel, rep, listed, digest)
    for rel in sorted(set(_files(package)) - listed - {"METS.xml", MANIFEST}):
        problems.append(f"{rel}: có trong gói nhưng không được liệt kê trong tệp METS nào")
    problems += _manifest_problems(package, digest)
    premis = _parse(package, _PREMIS, problems) if (package / _PREMIS).is_file() else None
    if premis is not None:
        problems += _premis.problems(premis, _PREMIS, package, digest)
    problems += _schema_problems(package)
    for text in sorted(package.glob("representations/*/data/alto/*.xml")):
        problems += [f"{text.relative_to(package).as_posix()}: {p}" for p in alto.validate(text)]
    return problems


def _manifest_problems(package: Path, digest: Callable[[str], str]) -> list[str]:
    # fixity.check_manifest would read every file a second time; the METS checks hashed them.
    try:
        expected = fixity.read_manifest(package / MANIFEST)
    except InputError as exc:
        return [str(exc)]
    present = set(_files(package)) - {MANIFEST}
    problems = [
        f"{rel}: có trong {MANIFEST} nhưng bị thiếu" for rel in expected if rel not in present
    ]
    problems += [
        f"{rel}: SHA-256 khác với {MANIFEST} (cần {value})"
        for rel, value in expected.items()
        if rel in present and digest(rel) != value
    ]
    problems += [f"{rel}: không có trong {MANIFEST}" for rel in sorted(present - set(expected))]
    return problems


def _parse(package: Path, rel: str, problems: list[str]) -> etree._Element | None:
    try:
        return etree.parse(str(package / rel), _PARSER).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        problems.append(f"{rel}: không đọc được XML: {exc}")
        return None


def _schema_problems(package: Path) -> list[str]:
    if not ((package / _SCHEMA).is_file() and (package / _SOHOA).is_file()):
        return []  # a missing file is reported against METS already
    try:
        xsd = etree.XMLSchema(etree.parse(str(package / _SCHEMA), _PARSER))
        record = etree.parse(str(package / _SOHOA), _PARSER)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        return [f"{_SCHEMA} or {_SOHOA}: not readable: {exc}"]
    if xsd.validate(record):
        return []
    return [f"{_SOHOA}, line {e.line}: {e.message} ({_SCHEMA})" for e in list(xsd.error_log)[:5]]


# Descriptive metadata -------------------------------------------------------------------------

_NS_DC = "http://purl.org/dc/elements/1.1/"
_NS_OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
_NS_XS = "http://www.w3.org/2001/XMLSchema"
# Catalogue columns about sohoa's own work, not about the record: left out of the description.
_WORK_COLUMNS = frozenset(
    {"unit", "id", "pdf", "needs_rescan", "status", "flagged", "flags", "trang_dau", "trang_cuoi"}
)
# ngôn ngữ codes (data/codes.yaml) in ISO 639-1, for Dublin Core.
_ISO_LANGUAGES = {"01": ("vi",), "02": ("en",), "03": ("fr",), "04": ("ru",), "05": ("zh",),
                  "06": ("vi", "en")}  # fmt: skip


def _descriptive_values(
    code: str,
    file_metadata: Mapping[str, object],
    documents: Sequence[Mapping[str, object]],
    pdf_names: set[str],
) -> tuple[dict, list[tuple[str | None, dict]]]:
    """The hồ sơ's fields and each văn bản's (with its PDF), checked as the PDF/A's XMP is."""
    where = f"gói {code}"
    values = _field_names(file_metadata)
    if values.setdefault("ma_ho_so", code) != code:
        raise InputError(f"{where}: siêu dữ liệu hồ sơ ghi mã hồ sơ {values['ma_ho_so']!r}")
    try:
        file_values = xmp.normalise({"file": values})["file"]
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    docs = []
    for index, document in enumerate(documents):
        values = xmp.from_catalog(_field_names(document))
        if values.setdefault("ma_ho_so", code) != code:
            raise InputError(f"{where}, văn bản {index + 1}: thuộc hồ sơ {values['ma_ho_so']!r}")
        try:
            doc_values = xmp.normalise({"document": values})["document"]
        except InputError as exc:
            raise InputError(f"{where}, văn bản {index + 1}: {exc}") from None
        pdf = document.get("pdf") or f"{doc_values.get('ma_dinh_danh_van_ban')}.pdf"
        docs.append((pdf if pdf in pdf_names else None, doc_values))
    docs.sort(key=lambda doc: doc[1].get("so_thu_tu", 0))
    return file_values, docs


def _field_names(values: Mapping[str, object]) -> dict[str, object]:
    return {k: v for k, v in values.items() if k not in _WORK_COLUMNS}


def _dublin_core(file: dict, docs: Sequence[tuple[str | None, dict]]) -> etree._ElementTree:
    """Simple Dublin Core (oai_dc) of the hồ sơ, for tools that read nothing else."""
    root = etree.Element(f"{{{_NS_OAI_DC}}}dc", nsmap={"oai_dc": _NS_OAI_DC, "dc": _NS_DC})

    def add(name: str, value: object) -> None:
        if value:
            etree.SubElement(root, f"{{{_NS_DC}}}{name}").text = str(value)

    add("identifier", file["ma_ho_so"])
    add("title", file.get("tieu_de"))
    for issuer in dict.fromkeys(doc.get("co_quan_ban_hanh") for _, doc in docs):
        add("creator", issuer)
    for keyword in file.get("tu_khoa", []):
        add("subject", keyword)
    add("description", file.get("chu_giai"))
    span = [file[k] for k in ("thoi_gian_bat_dau", "thoi_gian_ket_thuc") if file.get(k)]
    add("date", "/".join(span))  # an ISO 8601 interval
    add("type", "Text")  # DCMI Type Vocabulary
    add("format", "application/pdf")
    for language in _ISO_LANGUAGES.get(file.get("ngon_ngu", ""), ()):
        add("language", language)
    if file.get("ma_ho_so_goc_giay"):
        add("source", f"Hồ sơ giấy {file['ma_ho_so_goc_giay']}")
    if file.get("che_do_su_dung"):
        add("rights", codes.names("che_do_su_dung").get(file["che_do_su_dung"]))
    return etree.ElementTree(root)


def _sohoa_record(file: dict, docs: Sequence[tuple[str | None, dict]]) -> etree._ElementTree:
    """Every SPEC §2 field, named as in the PDF/A's XMP (`sohoa:hoso_ma_ho_so`), codes with names."""
    root = etree.Element(_s("hoSo"), nsmap={xmp.PREFIX: xmp.NS})
    _add_fields(root, "file", file)
    for pdf, values in docs:
        node = etree.SubElement(root, _s("vanBan"))
        if pdf:
            node.set("tep", pdf)
        _add_fields(node, "document", values)
    return etree.ElementTree(root)


def _add_fields(parent: etree._Element, level: str, values: dict) -> None:
    for name, field in xmp.FIELDS[level].items():  # the schema's order
        value = values.get(name)
        for item in value if isinstance(value, list) else [value]:
            if item is None or item == "":
                continue
            node = etree.SubElement(parent, _s(f"{xmp.LEVELS[level]}_{name}"))
            node.text = str(item)
            if field.kind == "code":
                node.set("ten", codes.names(name).get(str(item), ""))


def _schema() -> etree._ElementTree:
    """The XML Schema of sohoa.xml, from the field list and code lists sohoa uses today."""

    def xs(parent: etree._Element, tag: str, **attrib: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{_NS_XS}}}{tag}", attrib)

    def note(parent: etree._Element, text: str) -> None:
        xs(xs(parent, "annotation"), "documentation").text = text

    root = etree.Element(f"{{{_NS_XS}}}schema", nsmap={"xs": _NS_XS, xmp.PREFIX: xmp.NS},
                         targetNamespace=xmp.NS, elementFormDefault="qualified")  # fmt: skip
    note(root, "sohoa: dữ liệu đặc tả hồ sơ, văn bản số hóa (TT 05/2025/TT-BNV, TT 02/2019/TT-BNV)")
    xs(xs(xs(root, "simpleType", name="ngay"), "restriction", base="xs:string"), "pattern",
       value=r"\d{4}(-\d{2}(-\d{2})?)?")  # fmt: skip
    coded = sorted(
        {n for fields in xmp.FIELDS.values() for n, f in fields.items() if f.kind == "code"}
    )
    for name in coded:
        restriction = xs(xs(root, "simpleType", name=f"ma_{name}"), "restriction", base="xs:string")
        for value in codes.names(name):
            xs(restriction, "enumeration", value=value)
        content = xs(xs(root, "complexType", name=f"{name}_co_ten"), "simpleContent")
        xs(xs(content, "extension", base=f"{xmp.PREFIX}:ma_{name}"), "attribute", name="ten",
           type="xs:string")  # fmt: skip
    kinds = {"text": "xs:string", "int": "xs:nonNegativeInteger", "date": f"{xmp.PREFIX}:ngay",
             "list": "xs:string"}  # fmt: skip
    for level, type_name in (("file", "HoSo"), ("document", "VanBan")):
        complex_type = xs(root, "complexType", name=type_name)
        sequence = xs(complex_type, "sequence")
        for name, field in xmp.FIELDS[level].items():
            kind = kinds.get(field.kind) or f"{xmp.PREFIX}:{name}_co_ten"
            element = xs(sequence, "element", name=f"{xmp.LEVELS[level]}_{name}", type=kind,
                         minOccurs="1" if (level, name) == ("file", "ma_ho_so") else "0",
                         maxOccurs="unbounded" if field.kind == "list" else "1")  # fmt: skip
            note(element, field.label)
        if level == "file":
            xs(sequence, "element", name="vanBan", type=f"{xmp.PREFIX}:VanBan", minOccurs="0",
               maxOccurs="unbounded")  # fmt: skip
        else:
            xs(complex_type, "attribute", name="tep", type="xs:string")
    xs(root, "element", name="hoSo", type=f"{xmp.PREFIX}:HoSo")
    return etree.ElementTree(root)


def _s(name: str) -> str:
    return f"{{{xmp.NS}}}{name}"
