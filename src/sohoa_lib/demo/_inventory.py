"""Generate a unit's records inventory with the distributions of a real BHXH archive."""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd

from sohoa_lib.demo._units import HEADERS, DemoUnit
from sohoa_lib.records import codes

CATEGORY_SHARES = {"THU": 0.24, "STHE": 0.18, "CDCS": 0.24, "GDYT": 0.06, "KTTC": 0.12,
                   "TCCB": 0.05, "VP": 0.07, "TTKT": 0.02, "KHDT": 0.02}  # fmt: skip
RETENTION_SHARES = {
    "01": 0.30,
    "02": 0.22,
    "03": 0.12,
    "04": 0.10,
    "05": 0.12,
    "06": 0.08,
    None: 0.06,
}
CONDITION_SHARES = {"01": 0.58, "02": 0.32, "03": 0.10}
ACCESS_SHARES = {"01": 0.70, "02": 0.27, "03": 0.03}

DISTRICTS = {
    "BN": ["Tiên Du", "Từ Sơn", "Quế Võ", "Yên Phong", "Gia Bình", "Lương Tài", "Thuận Thành"],
    "HD": ["Chí Linh", "Kinh Môn", "Nam Sách", "Kim Thành", "Thanh Hà", "Cẩm Giàng", "Gia Lộc",
           "Tứ Kỳ", "Ninh Giang", "Thanh Miện"],
    "HP": ["Hồng Bàng", "Lê Chân", "Ngô Quyền", "Kiến An", "Hải An", "Đồ Sơn", "Thủy Nguyên",
           "An Dương", "An Lão", "Tiên Lãng", "Vĩnh Bảo"],
    "TTLT": ["Hà Nội", "Hải Phòng", "Nghệ An", "Thanh Hóa", "Đà Nẵng", "Cần Thơ", "Quảng Ninh",
             "Bắc Giang", "Thái Bình", "Nam Định", "Lâm Đồng", "Đồng Nai"],
}  # fmt: skip
DEFAULT_DISTRICTS = DISTRICTS["TTLT"]

TITLES = {
    "THU": ["Danh sách lao động tham gia BHXH, BHYT, BHTN quý {q}/{y} - {d}",
            "Hồ sơ đối chiếu nợ đóng BHXH của các đơn vị năm {y} - {d}",
            "Báo cáo tình hình thu BHXH, BHYT tháng {m}/{y}"],
    "STHE": ["Hồ sơ cấp sổ BHXH lần đầu tháng {m}/{y} - {d}",
             "Hồ sơ cấp lại, đổi thẻ BHYT quý {q}/{y}",
             "Danh sách cấp thẻ BHYT cho học sinh, sinh viên năm học {y}-{y1}"],
    "CDCS": ["Hồ sơ giải quyết chế độ hưu trí tháng {m}/{y}",
             "Hồ sơ giải quyết chế độ ốm đau, thai sản quý {q}/{y} - {d}",
             "Hồ sơ giải quyết trợ cấp tuất, mai táng phí năm {y}",
             "Hồ sơ giải quyết BHXH một lần tháng {m}/{y}"],
    "GDYT": ["Hồ sơ giám định chi phí khám chữa bệnh BHYT quý {q}/{y} - {d}",
             "Biên bản thanh quyết toán chi phí KCB BHYT năm {y}"],
    "KTTC": ["Chứng từ kế toán chi BHXH tháng {m}/{y}", "Báo cáo quyết toán tài chính năm {y}",
             "Sổ kế toán tổng hợp năm {y}"],
    "TCCB": ["Hồ sơ tuyển dụng viên chức năm {y}", "Hồ sơ nâng bậc lương thường xuyên năm {y}",
             "Quyết định bổ nhiệm cán bộ lãnh đạo năm {y}"],
    "VP": ["Tập công văn đi năm {y}", "Tập công văn đến quý {q}/{y}",
           "Hồ sơ hội nghị tổng kết công tác năm {y}"],
    "TTKT": ["Hồ sơ thanh tra chuyên ngành đóng BHXH tại {d} năm {y}",
             "Hồ sơ giải quyết khiếu nại, tố cáo năm {y}"],
    "KHDT": ["Kế hoạch thu, chi BHXH, BHYT năm {y}", "Hồ sơ dự án đầu tư trụ sở làm việc năm {y}"],
}  # fmt: skip


def generate_inventory(
    unit: DemoUnit, rng: np.random.Generator, rows: int | None = None
) -> pd.DataFrame:
    """The unit's files as clean values (codes, dates, numbers); `typed_inventory` dresses them."""
    n = rows if rows is not None else unit.files
    choose = lambda shares: rng.choice(  # noqa: E731
        np.array(list(shares), dtype=object),
        size=n,
        p=np.array(list(shares.values())) / sum(shares.values()),
    )
    nhom = choose(CATEGORY_SHARES)
    # Most files fall inside 1995–2021, some before or after, as in a real repository.
    start_year = np.where(
        rng.random(n) < 0.88,
        rng.integers(1995, 2022, n),
        rng.choice([1990, 1992, 1993, 1994, 2022, 2023, 2024], n),
    )
    end_year = np.minimum(start_year + (rng.random(n) < 0.18), 2024)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    pages = np.clip(np.round(rng.lognormal(np.log(48), 0.8, n)), 4, 900).astype(np.int64)
    sheets = np.ceil(pages / rng.uniform(1.3, 2.0, n)).astype(np.int64)
    # Heavy-tailed use: most files are never consulted, a few are consulted all the time.
    use = np.where(rng.random(n) < 0.42, 0, np.floor(rng.pareto(1.3, n) * 4)).astype(np.int64)
    use = np.minimum(use, 2000)
    districts = DISTRICTS.get(unit.code, DEFAULT_DISTRICTS)
    quarter = ["I", "II", "III", "IV"]
    title_rng = rng.integers(0, 1 << 30, n)
    titles = [
        TITLES[g][t % len(TITLES[g])].format(
            y=y, y1=y + 1, m=m, q=quarter[(m - 1) // 3], d=districts[t % len(districts)]
        )
        for g, t, y, m in zip(nhom, title_rng, start_year, month, strict=True)
    ]
    return pd.DataFrame(
        {
            "ma_ho_so": [
                f"{unit.code}.{y}.{g}.{i:05d}"
                for i, (y, g) in enumerate(zip(start_year, nhom, strict=True), 1)
            ],
            "tieu_de": titles,
            "nhom": nhom,
            "don_vi": np.array(unit.departments, dtype=object)[
                rng.integers(0, len(unit.departments), n)
            ],
            "start": [
                dt.date(int(y), int(m), int(d))
                for y, m, d in zip(start_year, month, day, strict=True)
            ],
            "end_year": end_year,
            "thoi_han_bao_quan": choose(RETENTION_SHARES),
            "so_to": sheets,
            "so_trang": pages,
            "tinh_trang_vat_ly": choose(CONDITION_SHARES),
            "che_do_su_dung": choose(ACCESS_SHARES),
            "so_luot_khai_thac": use,
            "da_chinh_ly": rng.random(n) < 0.88,
            "mat": rng.random(n) < 0.02,
            "qppl": rng.random(n) < 0.03,
            "da_co_dien_tu": rng.random(n) < 0.06,
        }
    )


def typed_inventory(clean: pd.DataFrame, unit: DemoUnit, rng: np.random.Generator) -> pd.DataFrame:
    """The inventory as an archivist would type it: varied date forms, codes or names, flags."""
    n = len(clean)
    style = unit.headers
    xlsx = unit.inventory_format == "xlsx"
    form = rng.integers(0, 5, n)
    start = [_date_as_typed(d, f, xlsx) for d, f in zip(clean["start"], form, strict=True)]
    end = [
        (y if f % 2 else f"31/12/{y}") if y != d.year or f == 4 else ""
        for d, y, f in zip(clean["start"], clean["end_year"], form, strict=True)
    ]
    retention_names = codes.names("thoi_han_bao_quan")
    retention = [
        ("" if rng.random() < 0.5 else "Chưa xác định")
        if pd.isna(c)
        else (c if f == 0 else ("VV" if c == "01" and f == 1 else retention_names[c]))
        for c, f in zip(clean["thoi_han_bao_quan"], form, strict=True)
    ]
    condition_names = codes.names("tinh_trang_vat_ly")
    category_names = codes.names("nhom_ho_so")
    access_names = codes.names("che_do_su_dung")
    flag_yes, flag_no = ("x", "") if style in ("formal", "upper") else ("Có", "Không")
    typed = pd.DataFrame(
        {
            "ma_ho_so": clean["ma_ho_so"],
            "tieu_de": clean["tieu_de"],
            "nhom": [
                category_names[g] if f < 3 else g for g, f in zip(clean["nhom"], form, strict=True)
            ],
            "don_vi": clean["don_vi"],
            "thoi_gian_bat_dau": start,
            "thoi_gian_ket_thuc": end,
            "thoi_han_bao_quan": retention,
            "so_to": clean["so_to"],
            "so_trang": clean["so_trang"],
            "tinh_trang_vat_ly": [condition_names[c] for c in clean["tinh_trang_vat_ly"]],
            "che_do_su_dung": [access_names[c] for c in clean["che_do_su_dung"]],
            "so_luot_khai_thac": clean["so_luot_khai_thac"],
            "da_chinh_ly": np.where(clean["da_chinh_ly"], flag_yes, flag_no),
            "mat": np.where(clean["mat"], flag_yes, ""),
            "qppl": np.where(clean["qppl"], flag_yes, ""),
            "da_co_dien_tu": np.where(clean["da_co_dien_tu"], flag_yes, ""),
            "ghi_chu": "",
        }
    )
    if style == "short":
        # Some Macs and web forms send decomposed Unicode (NFD); the reader must recompose it.
        nfd = rng.random(n) < 0.15
        typed.loc[nfd, "tieu_de"] = typed.loc[nfd, "tieu_de"].map(
            lambda s: unicodedata.normalize("NFD", s)
        )
    return typed.rename(columns=HEADERS[style])


def add_mistakes(typed: pd.DataFrame, unit: DemoUnit) -> pd.DataFrame:
    """A few rows with the mistakes real inventories hold, for the reader to set aside."""
    h = HEADERS[unit.headers]
    bad = typed.iloc[[10, 20, 30, 40]].copy()
    bad.iloc[0, bad.columns.get_loc(h["thoi_gian_bat_dau"])] = "31/02/2015"
    bad.iloc[0, bad.columns.get_loc(h["ma_ho_so"])] += "-A"
    bad.iloc[1, bad.columns.get_loc(h["so_trang"])] = -12
    bad.iloc[1, bad.columns.get_loc(h["ma_ho_so"])] += "-B"
    bad.iloc[2, bad.columns.get_loc(h["nhom"])] = "Không rõ"
    bad.iloc[2, bad.columns.get_loc(h["ma_ho_so"])] += "-C"
    # The fourth keeps its code: a file entered twice.
    return pd.concat([typed, bad], ignore_index=True)


def _date_as_typed(d: dt.date, form: int, xlsx: bool) -> object:
    if form == 0:
        return f"{d.day:02d}/{d.month}/{d.year}"
    if form == 1:
        return str(d.year) if not xlsx else d.year
    if form == 2:
        return f"ngày {d.day:02d} tháng {d.month} năm {d.year}"
    if form == 3:
        return d if xlsx else f"{d.month:02d}/{d.year}"
    # Excel serial numbers turn up when a date column was formatted as a number.
    return (d - dt.date(1899, 12, 30)).days if xlsx else d.isoformat()
