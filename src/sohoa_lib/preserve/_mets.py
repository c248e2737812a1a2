"""METS documents of an E-ARK CSIP information package: build them, list their files, check them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from sohoa_lib.common.xml import Namespace

METS = "http://www.loc.gov/METS/"
_NS = Namespace(METS)
_q, _el = _NS.q, _NS.el
XLINK = "http://www.w3.org/1999/xlink"
CSIP = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"mets": METS, "csip": CSIP, "xlink": XLINK, "xsi": XSI}
_SCHEMA_LOCATION = (
    f"{METS} https://www.loc.gov/standards/mets/mets.xsd "
    f"{XLINK} https://www.loc.gov/standards/mets/xlink.xsd "
    f"{CSIP} https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd"
)
PROFILE = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"
"""E-ARK Common Specification for Information Packages, version 2.1 (the METS profile)."""
# From the CSIP vocabularies: digitized paper is "textual works, digital"; no content information
# type specification covers Vietnamese archival records, hence OTHER and our own name.
CONTENT_CATEGORY = "Textual works – Digital"
CONTENT_INFORMATION_TYPE = "OTHER"
OTHER_CONTENT_INFORMATION_TYPE = "TT 05/2025/TT-BNV (sohoa)"
PACKAGE_TYPE = "AIP"
"""OAIS package type: the packages are what the archive keeps (Archival Information Packages)."""


@dataclass(frozen=True)
class Entry:
    """A file as METS lists it (fileSec file or mdRef)."""

    id: str
    """xml:id, unique in the package (an NCName: a letter first)."""
    href: str
    """Path relative to the METS file that lists it, POSIX separators."""
    size: int
    sha256: str
    mimetype: str
    created: str
    mdtype: str = ""
    """For metadata: METS MDTYPE (`DC`, `PREMIS`, `OTHER`)."""
    othermdtype: str = ""


@dataclass(frozen=True)
class PageText:
    """One scanned page: where it is in a PDF/A and its full text as ALTO."""

    number: int
    """The page's number in the hồ sơ (from 1)."""
    pdf_id: str
    """The fileSec ID of the PDF/A holding the page."""
    pdf_page: int
    """The page's number within that PDF/A (from 1)."""
    pdf_href: str
    """The PDF/A's path as the fileSec gives it."""
    alto: Entry


@dataclass(frozen=True)
class Header:
    """What both levels of METS say about the package."""

    objid: str
    label: str
    created: str
    software: str
    software_version: str
    organisation: str
    id_prefix: str = ""
    """Prefix of the structural IDs, so they stay unique across the package's METS files."""


@dataclass(frozen=True)
class Listed:
    """A file listed in a METS document, as found when reading it back."""

    href: str
    size: str | None
    checksum: str | None
    checksumtype: str | None


def package_mets(
    head: Header,
    *,
    descriptive: Sequence[Entry],
    preservation: Sequence[Entry],
    groups: Sequence[tuple[str, Sequence[Entry]]],
    representations: Sequence[tuple[str, Entry]],
) -> etree._ElementTree:
    """The package's root METS.xml.

    `groups` are (USE, files) for Documentation and Schemas; `representations` are (folder name,
    its METS.xml), each pointed to from the structural map (CSIP 2.1, CSIP105–112).
    """
    root = _root(head)
    for entry in descriptive:
        dmd = _el(root, "dmdSec", ID=entry.id, CREATED=entry.created, STATUS="CURRENT")
        _md_ref(dmd, entry)
    amd = _el(root, "amdSec")
    for entry in preservation:
        _md_ref(_el(amd, "digiprovMD", ID=entry.id, STATUS="CURRENT"), entry)
    file_sec = _el(root, "fileSec", ID=f"{head.id_prefix}filesec")
    group_ids = {
        use: _group(file_sec, f"grp-{use.lower()}", use, files).get("ID") for use, files in groups
    }
    rep_groups = {}
    for name, mets in representations:
        group = _group(file_sec, f"grp-rep-{name}", f"Representations/{name}", [mets])
        group.set(f"{{{CSIP}}}CONTENTINFORMATIONTYPE", CONTENT_INFORMATION_TYPE)
        group.set(f"{{{CSIP}}}OTHERCONTENTINFORMATIONTYPE", OTHER_CONTENT_INFORMATION_TYPE)
        rep_groups[name] = group.get("ID")
    top = _struct_map(root, head)
    _el(top, "div", ID="div-metadata", LABEL="Metadata",
        ADMID=" ".join(e.id for e in preservation), DMDID=" ".join(e.id for e in descriptive))  # fmt: skip
    for use, group_id in group_ids.items():
        _el(_el(top, "div", ID=f"div-{use.lower()}", LABEL=use), "fptr", FILEID=group_id)
    # CSIP 2.1 asks both for one "Representations" div (CSIP103-104) and for a div per
    # representation labelled with its path (CSIP105-112); the DILCIS Board reads them as nested
    # (E-ARK-CSIP issue 749), which is also what eark-validator checks.
    content = _el(top, "div", ID="div-representations", LABEL="Representations")
    for name, _ in representations:
        _el(content, "fptr", FILEID=rep_groups[name])
    for name, mets in representations:
        div = _el(content, "div", ID=f"div-rep-{name}", LABEL=f"Representations/{name}")
        _el(div, "mptr", LOCTYPE="URL", **{f"{{{XLINK}}}type": "simple",
            f"{{{XLINK}}}href": mets.href, f"{{{XLINK}}}title": rep_groups[name]})  # fmt: skip
    return etree.ElementTree(root)


def representation_mets(
    head: Header, *, data: Sequence[Entry], pages: Sequence[PageText] = ()
) -> etree._ElementTree:
    """A representation's METS.xml: its data files, paths relative to the representation, and,
    when `pages` are given, a page map tying each page of a PDF/A to its full text (ALTO)."""
    root = _root(head)
    p = head.id_prefix
    files = [*data, *(page.alto for page in pages)]
    group = _group(_el(root, "fileSec", ID=f"{p}filesec"), f"{p}grp-data", "Data", files)
    top = _struct_map(root, head)
    _el(_el(top, "div", ID=f"{p}div-data", LABEL="Data"), "fptr", FILEID=group.get("ID"))
    if pages:
        pages_map = _el(root, "structMap", ID=f"{p}structmap-pages", TYPE="PHYSICAL",
                        LABEL="Trang")  # fmt: skip
        sequence = _el(pages_map, "div", ID=f"{p}div-pages", TYPE="physSequence")
        for order, page in enumerate(pages, 1):
            div = _el(sequence, "div", ID=f"{p}page-{order:04d}", TYPE="page", ORDER=str(order),
                      ORDERLABEL=str(page.number))  # fmt: skip
            # METS has no begin type for a page of a PDF: the page is named by the PDF's own
            # fragment identifier (RFC 8118, `#page=N`) as the area's content ID.
            image = _el(div, "fptr")
            _el(
                image,
                "area",
                FILEID=page.pdf_id,
                CONTENTIDS=f"{page.pdf_href}#page={page.pdf_page}",
            )
            _el(div, "fptr", FILEID=page.alto.id)
    return etree.ElementTree(root)


def _root(head: Header) -> etree._Element:
    root = etree.Element(_q("mets"), nsmap=NSMAP)
    root.set(f"{{{XSI}}}schemaLocation", _SCHEMA_LOCATION)
    for name, value in (("OBJID", head.objid), ("LABEL", head.label), ("TYPE", CONTENT_CATEGORY),
                        ("PROFILE", PROFILE)):  # fmt: skip
        root.set(name, value)
    root.set(f"{{{CSIP}}}CONTENTINFORMATIONTYPE", CONTENT_INFORMATION_TYPE)
    root.set(f"{{{CSIP}}}OTHERCONTENTINFORMATIONTYPE", OTHER_CONTENT_INFORMATION_TYPE)
    header = _el(root, "metsHdr", CREATEDATE=head.created, LASTMODDATE=head.created,
                 RECORDSTATUS="NEW", **{f"{{{CSIP}}}OAISPACKAGETYPE": PACKAGE_TYPE})  # fmt: skip
    software = _el(header, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _el(software, "name", head.software)
    _el(software, "note", head.software_version, **{f"{{{CSIP}}}NOTETYPE": "SOFTWARE VERSION"})
    # CSIP reserves ROLE=CREATOR for software; the archive organisation keeps the package.
    _el(_el(header, "agent", ROLE="ARCHIVIST", TYPE="ORGANIZATION"), "name", head.organisation)
    return root


def _md_ref(parent: etree._Element, entry: Entry) -> None:
    attrib = {"LOCTYPE": "URL", f"{{{XLINK}}}type": "simple", f"{{{XLINK}}}href": entry.href,
              "MDTYPE": entry.mdtype or "OTHER"}  # fmt: skip
    if entry.othermdtype:
        attrib["OTHERMDTYPE"] = entry.othermdtype
    attrib.update(_file_attributes(entry))
    _el(parent, "mdRef", **attrib)


def _group(
    parent: etree._Element, group_id: str, use: str, files: Sequence[Entry]
) -> etree._Element:
    group = _el(parent, "fileGrp", ID=group_id, USE=use)
    for entry in files:
        node = _el(group, "file", ID=entry.id, **_file_attributes(entry))
        _el(node, "FLocat", LOCTYPE="URL",
            **{f"{{{XLINK}}}type": "simple", f"{{{XLINK}}}href": entry.href})  # fmt: skip
    return group


def _file_attributes(entry: Entry) -> dict[str, str]:
    return {"MIMETYPE": entry.mimetype, "SIZE": str(entry.size), "CREATED": entry.created,
            "CHECKSUM": entry.sha256, "CHECKSUMTYPE": "SHA-256"}  # fmt: skip


def _struct_map(root: etree._Element, head: Header) -> etree._Element:
    p = head.id_prefix
    struct_map = _el(root, "structMap", ID=f"{p}structmap-csip", TYPE="PHYSICAL", LABEL="CSIP")
    return _el(struct_map, "div", ID=f"{p}div-root", LABEL=head.objid)


# Reading back ---------------------------------------------------------------------------------


def listed_files(root: etree._Element) -> list[Listed]:
    """Every file a METS document lists: fileSec files and the metadata its sections point to."""
    found = []
    for node in root.iter(_q("file"), _q("mdRef")):
        locator = node.find(_q("FLocat")) if node.tag == _q("file") else node
        href = locator.get(f"{{{XLINK}}}href") if locator is not None else None
        found.append(Listed(href or "", node.get("SIZE"), node.get("CHECKSUM"),
                            node.get("CHECKSUMTYPE")))  # fmt: skip
    return found


def representation_pointers(root: etree._Element) -> list[str]:
    """The hrefs of the representation METS files that the structural map points to."""
    path = f"{_q('structMap')}[@LABEL='CSIP']//{_q('mptr')}"
    return [mptr.get(f"{{{XLINK}}}href", "") for mptr in root.iterfind(path)]


def inside(href: str, base: str = "") -> str | None:
    """`href` (relative to the package folder `base`) as a path in the package; None if it escapes."""
    if not href or href.startswith("/") or "://" in href:
        return None
    parts: list[str] = []
    for part in PurePosixPath(base, href).parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def listed_problems(
    package: Path, mets: str, root: etree._Element, listed: set[str], digest: Callable[[str], str]
) -> list[str]:
    """Files that `mets` lists but are missing, or differ in size or SHA-256; adds them to `listed`."""
    base = PurePosixPath(mets).parent.as_posix()
    problems = []
    for item in listed_files(root):
        rel = inside(item.href, "" if base == "." else base)
        if rel is None:
            problems.append(f"{mets}: {item.href!r} không phải đường dẫn bên trong gói")
            continue
        listed.add(rel)
        where = f"{rel} (liệt kê trong {mets})"
        if not (package / rel).is_file():
            problems.append(f"{where}: bị thiếu")
            continue
        size = (package / rel).stat().st_size
        if item.size != str(size):
            problems.append(f"{where}: {size} byte, METS ghi {item.size}")
        if item.checksumtype != "SHA-256":
            problems.append(f"{where}: CHECKSUMTYPE phải là SHA-256, nhận được {item.checksumtype}")
        elif (item.checksum or "").lower() != digest(rel):
            problems.append(f"{where}: SHA-256 khác với METS (cần {item.checksum})")
    return problems


def csip_problems(root: etree._Element, where: str, *, package: bool) -> list[str]:
    """The CSIP 2.1 requirements (MUST level) a METS document breaks, one message each.

    A representation's METS carries no metadata sections here (the package's PREMIS describes its
    files), so those are required of the package's METS only.
    """
    problems = []

    def need(ok: object, rule: str, what: str) -> None:
        if not ok:
            problems.append(f"{where}: {what} ({rule})")

    need(root.tag == _q("mets"), "CSIP1000", "root element is not mets:mets")
    need(root.get("OBJID"), "CSIP1", "mets/@OBJID missing")
    need(root.get("TYPE"), "CSIP2", "mets/@TYPE missing")
    need(root.get(f"{{{CSIP}}}CONTENTINFORMATIONTYPE"), "CSIP4",
         "mets/@csip:CONTENTINFORMATIONTYPE missing")  # fmt: skip
    need(root.get("PROFILE"), "CSIP6", "mets/@PROFILE missing")
    header = root.find(_q("metsHdr"))
    need(header is not None, "CSIP117", "mets/metsHdr missing")
    if header is not None:
        need(header.get("CREATEDATE"), "CSIP7", "metsHdr/@CREATEDATE missing")
        need(header.get(f"{{{CSIP}}}OAISPACKAGETYPE"), "CSIP9",
             "metsHdr/@csip:OAISPACKAGETYPE missing")  # fmt: skip
        creators = header.findall(f"{_q('agent')}[@ROLE='CREATOR']")
        need(creators, "CSIP11", "no metsHdr/agent with ROLE=CREATOR")
        for agent in creators:
            need(agent.get("TYPE") == "OTHER" and agent.get("OTHERTYPE") == "SOFTWARE", "CSIP12",
                 "the creator agent is not TYPE=OTHER, OTHERTYPE=SOFTWARE")  # fmt: skip
            need(agent.findtext(_q("name")), "CSIP14", "the creator agent has no name")
            need(agent.find(f"{_q('note')}[@{{{CSIP}}}NOTETYPE='SOFTWARE VERSION']") is not None,
                 "CSIP16", "the creator agent has no software version note")  # fmt: skip
    if package:
        need(root.find(_q("dmdSec")) is not None, "CSIP17", "mets/dmdSec missing")
        need(root.find(f"{_q('amdSec')}/{_q('digiprovMD')}") is not None, "CSIP32",
             "mets/amdSec/digiprovMD missing")  # fmt: skip
        for section in root.iterfind(f"{_q('dmdSec')}"):
            need(section.get("ID") and section.get("CREATED"), "CSIP18-19",
                 "dmdSec without @ID or @CREATED")  # fmt: skip
    need(root.find(_q("fileSec")) is not None, "CSIP58", "mets/fileSec missing")
    for node in root.iter(_q("file"), _q("mdRef")):
        for attribute in ("MIMETYPE", "SIZE", "CREATED", "CHECKSUM", "CHECKSUMTYPE"):
            need(node.get(attribute), "CSIP26-30, CSIP68-72",
                 f"{etree.QName(node).localname} {node.get('ID') or ''} without @{attribute}")  # fmt: skip
    struct_map = root.find(f"{_q('structMap')}[@LABEL='CSIP']")
    need(struct_map is not None, "CSIP82", "no structMap with LABEL=CSIP")
    if struct_map is not None:
        need(struct_map.get("TYPE") == "PHYSICAL", "CSIP81", "structMap/@TYPE is not PHYSICAL")
        top = struct_map.find(_q("div"))
        need(top is not None, "CSIP84", "the CSIP structMap has no div")
        if top is not None and package:
            need(top.find(f"{_q('div')}[@LABEL='Metadata']") is not None, "CSIP88",
                 "no Metadata div in the structMap")  # fmt: skip
            divs = {d.get("LABEL", ""): d for d in top.iter(_q("div"))}
            need("Representations" in divs, "CSIP103", "no Representations div in the structMap")
            for label, div in divs.items():
                if label.startswith("Representations/"):
                    need(div.find(_q("mptr")) is not None, "CSIP109", f"div {label} has no mptr")
    return problems
