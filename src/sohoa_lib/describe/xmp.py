"""XMP metadata of a PDF/A: SPEC §2's file and document fields in sohoa's namespace, plus Dublin Core."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree
from pikepdf import Pdf
from pikepdf.models.metadata import PdfMetadata

from sohoa_lib.common.missing import is_blank
from sohoa_lib.errors import InputError
from sohoa_lib.records import codes

NS = "https://ns.sohoa.vn/xmp/1.0/"
PREFIX = "sohoa"
LEVELS = {"file": "hoso", "document": "vanban"}
"""Keys of the metadata dict, and the prefix of their properties (`sohoa:hoso_ma_ho_so`)."""


@dataclass(frozen=True)
class Field:
    """One metadata field: its kind decides how a value is checked and written."""

    label: str
    """Vietnamese name, as in the circular (written into the PDF/A extension schema)."""
    kind: str = "text"
    """`text`, `int`, `date` (ISO 8601, `YYYY`, `YYYY-MM` or `YYYY-MM-DD`), `list` (of text) or
    `code` (a code of the list of the same name in data/codes.yaml; names are turned into codes)."""


# SPEC §2 (Circulars 05/2025 and 02/2019), file level (hồ sơ).
FILE_FIELDS: dict[str, Field] = {
    "ma_ho_so": Field("Mã hồ sơ"),
    "tieu_de": Field("Tiêu đề hồ sơ"),
    "thoi_han_bao_quan": Field("Thời hạn bảo quản", "code"),
    "che_do_su_dung": Field("Chế độ sử dụng", "code"),
    "ngon_ngu": Field("Ngôn ngữ", "code"),
    "thoi_gian_bat_dau": Field("Thời gian bắt đầu", "date"),
    "thoi_gian_ket_thuc": Field("Thời gian kết thúc", "date"),
    "tong_so_van_ban": Field("Tổng số văn bản trong hồ sơ", "int"),
    "so_luong_to": Field("Số lượng tờ", "int"),
    "so_luong_trang": Field("Số lượng trang", "int"),
    "tinh_trang_vat_ly": Field("Tình trạng vật lý", "code"),
    "ky_hieu_thong_tin": Field("Ký hiệu thông tin"),
    "tu_khoa": Field("Từ khóa", "list"),
    "muc_do_tin_cay": Field("Mức độ tin cậy", "code"),
    "ma_ho_so_goc_giay": Field("Mã hồ sơ gốc giấy"),
    "che_do_du_phong": Field("Chế độ dự phòng"),
    "tinh_trang_du_phong": Field("Tình trạng dự phòng"),
    "chu_giai": Field("Chú giải"),
}
# Document level (văn bản); the signer's name and title are sohoa's additions.
DOCUMENT_FIELDS: dict[str, Field] = {
    "ma_dinh_danh_van_ban": Field("Mã định danh văn bản"),
    "ma_ho_so": Field("Mã hồ sơ"),
    "so_thu_tu": Field("Số thứ tự văn bản trong hồ sơ", "int"),
    "ten_loai_van_ban": Field("Tên loại văn bản", "code"),
    "so": Field("Số của văn bản"),
    "ky_hieu": Field("Ký hiệu của văn bản"),
    "ngay_thang_nam": Field("Ngày, tháng, năm văn bản", "date"),
    "co_quan_ban_hanh": Field("Tên cơ quan, tổ chức ban hành văn bản"),
    "trich_yeu": Field("Trích yếu nội dung"),
    "ngon_ngu": Field("Ngôn ngữ", "code"),
    "so_trang": Field("Số trang của văn bản", "int"),
    "ghi_chu": Field("Ghi chú"),
    "ky_hieu_thong_tin": Field("Ký hiệu thông tin"),
    "tu_khoa": Field("Từ khóa", "list"),
    "che_do_su_dung": Field("Chế độ sử dụng", "code"),
    "muc_do_tin_cay": Field("Mức độ tin cậy", "code"),
    "but_tich": Field("Bút tích"),
    "tinh_trang_vat_ly": Field("Tình trạng vật lý", "code"),
    "nguoi_ky": Field("Người ký (sohoa)"),
    "chuc_vu_nguoi_ky": Field("Chức vụ người ký (sohoa)"),
}
FIELDS = {"file": FILE_FIELDS, "document": DOCUMENT_FIELDS}

# The catalogue and documents.csv name three document fields more briefly than this schema does.
CATALOG_NAMES = {"ma_dinh_danh": "ma_dinh_danh_van_ban", "ten_loai": "ten_loai_van_ban",
                 "ngay": "ngay_thang_nam"}  # fmt: skip


def from_catalog(document: Mapping[str, object]) -> dict[str, object]:
    """A catalogue document row under this schema's names (the PDF/A's XMP, the package's).

    A type outside the code list stays readable in the note rather than failing the record.
    """
    values = {CATALOG_NAMES.get(k, k): v for k, v in document.items()}
    kind = values.get("ten_loai_van_ban")
    if isinstance(kind, str) and kind.strip():
        try:
            codes.parse_code("ten_loai_van_ban", kind)
        except ValueError:
            note = values.get("ghi_chu")
            parts = [note if isinstance(note, str) else "", f"Tên loại: {kind.strip()}"]
            values["ghi_chu"] = "; ".join(p for p in parts if p)
            values["ten_loai_van_ban"] = None
    return values


# Digitized records are 02 (số hóa) unless the caller says otherwise (SPEC §2).
DEFAULTS = {"muc_do_tin_cay": "02"}

_VALUE_TYPE = {"text": "Text", "int": "Integer", "date": "Date", "list": "seq Text", "code": "Text"}
_PARTIAL_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_EXT = "http://www.aiim.org/pdfa/ns/extension/"
_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def document_fields(document: Mapping[str, object]) -> dict[str, object]:
    """The document part of a PDF/A's XMP from a catalogue document row."""
    return {k: v for k, v in from_catalog(document).items() if k in DOCUMENT_FIELDS}


def normalise(metadata: Mapping[str, Mapping | None]) -> dict[str, dict]:
    """Checked values: NFC text, codes as codes, ints, ISO dates; blanks (None, NaN, "") dropped.

    InputError names the level, the field and the value when one is unknown or malformed.
    """
    unknown = sorted(set(metadata) - set(FIELDS))
    if unknown:
        raise InputError(
            f"siêu dữ liệu XMP: phần không xác định {unknown}, chỉ có 'file' và 'document'"
        )
    out: dict[str, dict] = {}
    for level, values in metadata.items():
        if values is None:
            continue
        fields = FIELDS[level]
        bad = sorted(set(values) - set(fields))
        if bad:
            raise InputError(
                f"siêu dữ liệu XMP: trường {level} không xác định {bad}; các trường hợp lệ: {list(fields)}"
            )
        merged = {**DEFAULTS, **{k: v for k, v in values.items() if not is_blank(v)}}
        out[level] = {k: _value(level, k, fields[k], v) for k, v in merged.items()}
    return out


def write(
    pdf: Pdf, metadata: dict[str, dict], *, title: str, lang: str, when: dt.datetime, tool: str
) -> None:
    """Write the PDF's XMP packet (and the DocInfo that mirrors it) from normalised metadata."""
    PdfMetadata.register_xml_namespace(NS, PREFIX)
    file, doc = metadata.get("file", {}), metadata.get("document", {})
    stamp = when.isoformat(timespec="seconds")
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta.copy_properties(_extension_schema(metadata), [f"{{{_EXT}}}schemas"], overwrite=True)
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = unicodedata.normalize("NFC", title)
        meta["dc:language"] = [lang]
        meta["dc:format"] = "application/pdf"
        identifier = doc.get("ma_dinh_danh_van_ban") or file.get("ma_ho_so")
        if identifier:
            meta["dc:identifier"] = identifier
        if doc.get("co_quan_ban_hanh"):
            meta["dc:creator"] = [doc["co_quan_ban_hanh"]]
        description = doc.get("trich_yeu") or file.get("chu_giai")
        if description:
            meta["dc:description"] = description
        dates = [doc["ngay_thang_nam"]] if doc.get("ngay_thang_nam") else [
            file[k] for k in ("thoi_gian_bat_dau", "thoi_gian_ket_thuc") if file.get(k)
        ]  # fmt: skip
        if dates:
            meta["dc:date"] = dates
        if doc.get("ten_loai_van_ban"):
            meta["dc:type"] = [codes.names("ten_loai_van_ban")[doc["ten_loai_van_ban"]]]
        keywords = doc.get("tu_khoa") or file.get("tu_khoa")
        if keywords:
            meta["dc:subject"] = set(keywords)
        for key in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate"):
            meta[key] = stamp
        meta["xmp:CreatorTool"] = tool
        meta["pdf:Producer"] = tool
        for level, values in metadata.items():
            for name, value in values.items():
                meta[f"{PREFIX}:{LEVELS[level]}_{name}"] = (
                    value if isinstance(value, list) else str(value)
                )


def read(pdf: Pdf) -> dict[str, dict]:
    """sohoa's fields from the PDF's XMP, typed as `normalise` makes them."""
    PdfMetadata.register_xml_namespace(NS, PREFIX)
    meta = pdf.open_metadata()
    out: dict[str, dict] = {}
    for level, fields in FIELDS.items():
        for name, spec in fields.items():
            key = f"{{{NS}}}{LEVELS[level]}_{name}"
            if key not in meta:
                continue
            value = meta[key]
            if spec.kind == "int":
                value = int(value)
            elif spec.kind == "list":
                value = list(value) if isinstance(value, list | set) else [value]
            out.setdefault(level, {})[name] = value
    return out


def _value(level: str, name: str, field: Field, value: object) -> str | int | list[str]:
    where = f"siêu dữ liệu XMP: trường {level} {name}"
    if field.kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not hasattr(value, "__index__"):
            raise InputError(f"{where}: phải là một số nguyên, nhận được {value!r}")
        return int(value)  # type: ignore[call-overload]
    if field.kind == "date":
        if isinstance(value, dt.datetime | dt.date):
            return value.strftime("%Y-%m-%d")
        if not (isinstance(value, str) and _PARTIAL_DATE.fullmatch(value.strip())):
            raise InputError(
                f"{where}: phải là ngày dạng ISO (YYYY[-MM[-DD]]), nhận được {value!r}"
            )
        return value.strip()
    if field.kind == "list":
        items = value.split(";") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        return [_text(item) for item in items if not is_blank(item)]
    if field.kind == "code":
        try:
            return codes.parse_code(name, value) or ""
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from None
    return _text(value)


def _text(value: object) -> str:
    return unicodedata.normalize("NFC", str(value)).strip()


def _extension_schema(metadata: dict[str, dict]) -> bytes:
    """The PDF/A extension schema describing the sohoa properties used (ISO 19005-2, 6.6.2.3).

    PDF/A admits properties outside the predefined schemas only with this description; it is
    built as XML elements and copied into the packet whole, since pikepdf sets no structures.
    """

    def el(parent, ns: str, name: str, text: str | None = None, **attrib):
        node = etree.SubElement(parent, f"{{{ns}}}{name}", attrib)
        node.text = text
        return node

    nsmap = {"rdf": _RDF, "pdfaExtension": _EXT, "pdfaSchema": _SCHEMA, "pdfaProperty": _PROPERTY}
    root = etree.Element(f"{{{_RDF}}}RDF", nsmap=nsmap)
    desc = el(root, _RDF, "Description", **{f"{{{_RDF}}}about": ""})
    schema = el(el(el(desc, _EXT, "schemas"), _RDF, "Bag"), _RDF, "li")
    schema.set(f"{{{_RDF}}}parseType", "Resource")
    el(schema, _SCHEMA, "schema", "sohoa: dữ liệu đặc tả hồ sơ, văn bản số hóa (TT 05/2025/TT-BNV)")
    el(schema, _SCHEMA, "namespaceURI", NS)
    el(schema, _SCHEMA, "prefix", PREFIX)
    properties = el(el(schema, _SCHEMA, "property"), _RDF, "Seq")
    for level, values in metadata.items():
        for name in values:
            field = FIELDS[level][name]
            prop = el(properties, _RDF, "li", **{f"{{{_RDF}}}parseType": "Resource"})
            el(prop, _PROPERTY, "name", f"{LEVELS[level]}_{name}")
            el(prop, _PROPERTY, "valueType", _VALUE_TYPE[field.kind])
            el(prop, _PROPERTY, "category", "external")
            el(
                prop,
                _PROPERTY,
                "description",
                f"{field.label} ({'hồ sơ' if level == 'file' else 'văn bản'})",
            )
    return etree.tostring(root, encoding="utf-8")
