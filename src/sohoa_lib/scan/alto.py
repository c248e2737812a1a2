"""Full text as ALTO 4.2 XML: Tesseract's own ALTO, moved onto the scan's pixels and validated.

ALTO (Analyzed Layout and Text Object, Library of Congress) is what Kitodo, OCR-D and digital
libraries exchange: one file per page with its blocks, lines and words, each with its box and
word confidence. Tesseract writes ALTO 3.0 for the working copy it read; an archive's ALTO must
describe the archived scan, so every box is scaled to the scan's pixels, the namespace raised to
ALTO 4 (the current major version; the elements Tesseract writes are unchanged in it) and the
processing recorded with the software, the model and the working copy's scale.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from lxml import etree

from sohoa_lib.common.files import atomic_path
from sohoa_lib.errors import InputError

__all__ = ["NS", "SCHEMA_VERSION", "from_tesseract", "schema", "validate", "write"]

NS = "http://www.loc.gov/standards/alto/ns-v4#"
SCHEMA_VERSION = "4.2"
_V3 = "http://www.loc.gov/standards/alto/ns-v3#"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_LOCATION = f"{NS} http://www.loc.gov/standards/alto/v4/alto-4-2.xsd"
_XLINK_URL = "http://www.loc.gov/standards/xlink/xlink.xsd"
_HORIZONTAL = ("HPOS", "WIDTH")
_VERTICAL = ("VPOS", "HEIGHT")


def from_tesseract(
    xml: bytes,
    working_size: tuple[int, int],
    scan_size: tuple[int, int],
    *,
    source: str,
    model: str,
) -> etree._Element:
    """Tesseract's ALTO of a working copy of `working_size` pixels, as ALTO 4.2 of the scan of
    `scan_size` pixels named `source`, read with the model `model`."""
    try:
        old = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{source}: Tesseract ghi ra ALTO không phải XML hợp lệ: {exc}") from None
    root = _renamed(old)
    root.set("SCHEMAVERSION", SCHEMA_VERSION)
    root.set(f"{{{_XSI}}}schemaLocation", _LOCATION)
    fx, fy = (scan / work for scan, work in zip(scan_size, working_size, strict=True))
    for element in root.iter():
        for names, factor in ((_HORIZONTAL, fx), (_VERTICAL, fy)):
            for name in names:
                if name in element.attrib:
                    element.set(name, str(round(float(element.get(name)) * factor)))
    description = root.find(f"{{{NS}}}Description")
    if description is None:
        raise InputError(f"{source}: ALTO của Tesseract không có phần Description")
    software = "".join(description.itertext(f"{{{NS}}}softwareName")).strip() or "tesseract"
    for child in list(description):
        if etree.QName(child).localname in ("sourceImageInformation", "OCRProcessing"):
            description.remove(child)
    info = etree.SubElement(description, f"{{{NS}}}sourceImageInformation")
    etree.SubElement(info, f"{{{NS}}}fileName").text = source
    step = etree.SubElement(description, f"{{{NS}}}Processing", ID="OCR_0")
    etree.SubElement(step, f"{{{NS}}}processingCategory").text = "contentGeneration"
    etree.SubElement(step, f"{{{NS}}}processingStepSettings").text = (
        f"model {model}; working copy {working_size[0]}×{working_size[1]} px, boxes scaled to "
        f"the scan's {scan_size[0]}×{scan_size[1]} px"
    )
    made = etree.SubElement(step, f"{{{NS}}}processingSoftware")
    name, _, version = software.partition(" ")
    etree.SubElement(made, f"{{{NS}}}softwareName").text = name
    if version:
        etree.SubElement(made, f"{{{NS}}}softwareVersion").text = version
    # Page numbers are the METS file's business; Tesseract numbers every page it reads 0.
    for page in root.iter(f"{{{NS}}}Page"):
        page.set("PHYSICAL_IMG_NR", "1")
    return root


def _renamed(old: etree._Element) -> etree._Element:
    """A copy of the tree with the ALTO 3 namespace replaced by ALTO 4's (lxml keeps a node's
    namespace declarations, so renaming in place would leave the old one behind)."""
    text = etree.tostring(old, encoding="unicode").replace(_V3, NS)
    text = text.replace(f"{NS} http://www.loc.gov/alto/v3/alto-3-0.xsd", _LOCATION)
    return etree.fromstring(text)


def write(root: etree._Element, path: Path) -> None:
    """Validate `root` and write it to `path` (temporary name, then renamed)."""
    problems = validate(root)
    if problems:
        raise InputError(f"{path.name}: ALTO không đúng lược đồ: {problems[0]}")
    with atomic_path(path) as tmp:
        tmp.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def validate(document: etree._Element | Path) -> list[str]:
    """Every way `document` breaks the ALTO 4.2 schema (empty when valid)."""
    tree = etree.parse(str(document)) if isinstance(document, Path) else document
    checker = schema()
    if checker.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in checker.error_log]


class _LocalXlink(etree.Resolver):
    """The schema imports XLink from the Library of Congress; its copy ships beside it."""

    def resolve(self, url, pubid, context):
        if url == _XLINK_URL:
            return self.resolve_filename(str(_data("xlink.xsd")), context)
        return None


@cache
def schema() -> etree.XMLSchema:
    """ALTO 4.2 (altoxml/schema, CC BY-SA 4.0) with its XLink import resolved offline."""
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalXlink())
    return etree.XMLSchema(etree.parse(str(_data("alto-4-2.xsd")), parser))


def _data(name: str) -> Path:
    return Path(str(resources.files("sohoa_lib") / "data" / name))
