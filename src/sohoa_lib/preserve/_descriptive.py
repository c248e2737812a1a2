"""What a package says about its hồ sơ: Dublin Core, sohoa.xml and the schema sohoa.xml follows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lxml import etree

from sohoa_lib.describe import xmp
from sohoa_lib.errors import InputError
from sohoa_lib.records import codes

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


def descriptive_values(
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
    file_values = _normalised("file", values, where)
    docs = []
    for index, document in enumerate(documents):
        values = xmp.from_catalog(_field_names(document))
        if values.setdefault("ma_ho_so", code) != code:
            raise InputError(f"{where}, văn bản {index + 1}: thuộc hồ sơ {values['ma_ho_so']!r}")
        doc_values = _normalised("document", values, f"{where}, văn bản {index + 1}")
        pdf = document.get("pdf") or f"{doc_values.get('ma_dinh_danh_van_ban')}.pdf"
        docs.append((pdf if pdf in pdf_names else None, doc_values))
    docs.sort(key=lambda doc: doc[1].get("so_thu_tu", 0))
    return file_values, docs


def _field_names(values: Mapping[str, object]) -> dict[str, object]:
    return {k: v for k, v in values.items() if k not in _WORK_COLUMNS}


def dublin_core(file: dict, docs: Sequence[tuple[str | None, dict]]) -> etree._ElementTree:
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


def sohoa_record(file: dict, docs: Sequence[tuple[str | None, dict]]) -> etree._ElementTree:
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


def schema() -> etree._ElementTree:
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


def _normalised(part: str, values: dict, where: str) -> dict:
    """`values` checked and normalised as the PDF/A's XMP `part` is; an error names `where`."""
    try:
        return xmp.normalise({part: values})[part]
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
