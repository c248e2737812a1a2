"""The demo units: who they are, how their archivists type their inventories, what was scanned."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoUnit:
    """One demo unit and the shape of its generated inputs."""

    code: str
    name: str
    level: str
    place: str
    """Place name in document dates (`Bắc Ninh, ngày …`)."""
    parent: str
    """Parent body in document headers."""
    issuer: str
    """Issuing body in document headers."""
    files: int
    """Rows in the inventory."""
    inventory_format: str
    """xlsx or csv."""
    headers: str
    """Header style: `formal`, `short`, `upper` or `plain` (no diacritics)."""
    scanners: int
    staff: int
    departments: tuple[str, ...]
    scans: tuple[tuple[str, int, tuple[tuple[int, str], ...]], ...]
    """Scanned files: (image format, pages, defects as (page index, kind))."""
    missing_pages: int = 0
    """Pages the inventory counts beyond what was scanned for the last scanned file."""


_PROVINCE_DEPARTMENTS = (
    "Phòng Quản lý thu",
    "Phòng Cấp sổ, thẻ",
    "Phòng Chế độ BHXH",
    "Phòng Giám định BHYT",
    "Phòng Kế hoạch - Tài chính",
    "Phòng Tổ chức cán bộ",
    "Văn phòng",
    "Phòng Thanh tra - Kiểm tra",
)

DEMO_UNITS: tuple[DemoUnit, ...] = (
    DemoUnit(
        code="TTLT",
        name="Trung tâm Lưu trữ BHXH Việt Nam",
        level="central",
        place="Hà Nội",
        # The Archive Centre keeps BHXH Việt Nam's own records, issued by BHXH Việt Nam itself.
        parent="",
        issuer="BẢO HIỂM XÃ HỘI VIỆT NAM",
        files=4000,
        inventory_format="xlsx",
        headers="formal",
        scanners=6,
        staff=10,
        departments=(
            "Ban Quản lý Thu - Sổ, Thẻ",
            "Ban Thực hiện chính sách BHXH",
            "Ban Thực hiện chính sách BHYT",
            "Vụ Tài chính - Kế toán",
            "Vụ Tổ chức cán bộ",
            "Văn phòng",
            "Vụ Kế hoạch và Đầu tư",
            "Vụ Thanh tra - Kiểm tra",
        ),
        scans=(
            ("png", 4, ()),
            ("tiff-multipage", 3, ()),
            ("png", 4, ((1, "skewed"), (2, "blank"))),
        ),
    ),
    DemoUnit(
        code="BN",
        name="BHXH tỉnh Bắc Ninh",
        level="province",
        place="Bắc Ninh",
        parent="BẢO HIỂM XÃ HỘI VIỆT NAM",
        issuer="BẢO HIỂM XÃ HỘI TỈNH BẮC NINH",
        files=2500,
        inventory_format="csv",
        headers="short",
        scanners=3,
        staff=5,
        departments=_PROVINCE_DEPARTMENTS,
        scans=(("jpeg", 3, ()), ("png", 3, ((0, "low_resolution"), (2, "no_dpi"))), ("pdf", 3, ())),
    ),
    DemoUnit(
        code="HD",
        name="BHXH tỉnh Hải Dương",
        level="province",
        place="Hải Dương",
        parent="BẢO HIỂM XÃ HỘI VIỆT NAM",
        issuer="BẢO HIỂM XÃ HỘI TỈNH HẢI DƯƠNG",
        files=2000,
        inventory_format="xlsx",
        headers="upper",
        scanners=2,
        staff=4,
        departments=_PROVINCE_DEPARTMENTS,
        scans=(("png", 3, ()), ("tiff", 3, ((1, "truncated"), (2, "dark"))), ("png", 3, ())),
        missing_pages=1,
    ),
    DemoUnit(
        code="HP",
        name="BHXH thành phố Hải Phòng",
        level="province",
        place="Hải Phòng",
        parent="BẢO HIỂM XÃ HỘI VIỆT NAM",
        issuer="BẢO HIỂM XÃ HỘI THÀNH PHỐ HẢI PHÒNG",
        files=3000,
        inventory_format="csv",
        headers="plain",
        scanners=4,
        staff=6,
        departments=_PROVINCE_DEPARTMENTS,
        scans=(("png", 3, ()), ("png", 2, ((0, "grayscale"),)), ("jpeg", 3, ())),
    ),
)

# Headers as archivists type them, per style; canonical column → header.
HEADERS: dict[str, dict[str, str]] = {
    "formal": {
        "ma_ho_so": "Mã hồ sơ", "tieu_de": "Tiêu đề hồ sơ", "nhom": "Nhóm hồ sơ",
        "don_vi": "Đơn vị hình thành", "thoi_gian_bat_dau": "Thời gian bắt đầu",
        "thoi_gian_ket_thuc": "Thời gian kết thúc", "thoi_han_bao_quan": "Thời hạn bảo quản",
        "so_to": "Số lượng tờ", "so_trang": "Số lượng trang",
        "tinh_trang_vat_ly": "Tình trạng vật lý", "che_do_su_dung": "Chế độ sử dụng",
        "so_luot_khai_thac": "Số lượt khai thác", "da_chinh_ly": "Đã chỉnh lý",
        "mat": "Tài liệu mật", "qppl": "Văn bản QPPL", "da_co_dien_tu": "Đã có dữ liệu điện tử",
        "ghi_chu": "Ghi chú",
    },
    "short": {
        "ma_ho_so": "Mã HS", "tieu_de": "Tên hồ sơ", "nhom": "Lĩnh vực", "don_vi": "Phòng/Ban",
        "thoi_gian_bat_dau": "Từ ngày", "thoi_gian_ket_thuc": "Đến ngày",
        "thoi_han_bao_quan": "THBQ", "so_to": "Số tờ", "so_trang": "Số trang",
        "tinh_trang_vat_ly": "Tình trạng", "che_do_su_dung": "Chế độ SD",
        "so_luot_khai_thac": "Lượt khai thác", "da_chinh_ly": "Chỉnh lý", "mat": "Mật",
        "qppl": "VB QPPL", "da_co_dien_tu": "Đã có bản điện tử", "ghi_chu": "Ghi chú",
    },
    "upper": {
        "ma_ho_so": "MÃ HỒ SƠ", "tieu_de": "TIÊU ĐỀ", "nhom": "NHÓM TÀI LIỆU",
        "don_vi": "ĐƠN VỊ HÌNH THÀNH", "thoi_gian_bat_dau": "NGÀY BẮT ĐẦU",
        "thoi_gian_ket_thuc": "NGÀY KẾT THÚC", "thoi_han_bao_quan": "THỜI HẠN BẢO QUẢN",
        "so_to": "SỐ TỜ", "so_trang": "SỐ TRANG", "tinh_trang_vat_ly": "TÌNH TRẠNG VẬT LÝ",
        "che_do_su_dung": "CHẾ ĐỘ SỬ DỤNG", "so_luot_khai_thac": "SỐ LƯỢT KHAI THÁC",
        "da_chinh_ly": "ĐÃ CHỈNH LÝ", "mat": "MẬT", "qppl": "QPPL",
        "da_co_dien_tu": "ĐÃ CÓ DỮ LIỆU ĐIỆN TỬ", "ghi_chu": "GHI CHÚ",
    },
    "plain": {
        "ma_ho_so": "Ma ho so", "tieu_de": "Tieu de", "nhom": "Nhom ho so",
        "don_vi": "Don vi hinh thanh", "thoi_gian_bat_dau": "Nam bat dau",
        "thoi_gian_ket_thuc": "Nam ket thuc", "thoi_han_bao_quan": "Thoi han bao quan",
        "so_to": "So to", "so_trang": "So trang", "tinh_trang_vat_ly": "Tinh trang vat ly",
        "che_do_su_dung": "Che do su dung", "so_luot_khai_thac": "So luot khai thac",
        "da_chinh_ly": "Da chinh ly", "mat": "Mat", "qppl": "VB QPPL",
        "da_co_dien_tu": "Da co du lieu dien tu", "ghi_chu": "Ghi chu",
    },
}  # fmt: skip
