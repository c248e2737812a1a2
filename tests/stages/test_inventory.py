"""Stage 1: reading inventories, eligibility per plan 1838, selection, volume, cost and pace."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pandas as pd
import pytest

from conftest import cp1258_form, file_row
from sohoa_lib import InputError, UnitPaths, load_unit_settings
from sohoa_lib.records.inventory import normalise, read_inventory
from sohoa_lib.records.selection import REASONS, eligibility, select
from sohoa_lib.settings import Selection
from sohoa_lib.stages.inventory import run_inventory

AS_OF = dt.date(2026, 11, 22)


def _files(rows: list[dict]) -> pd.DataFrame:
    return eligibility(normalise(pd.DataFrame(rows), "test.csv").files, Selection())


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"Thời gian bắt đầu": "1994"}, "ngoai_thoi_gian"),
        ({"Thời gian bắt đầu": "2021", "Thời gian kết thúc": "03/2022"}, "ngoai_thoi_gian"),
        ({"Thời gian bắt đầu": "ngày 02 tháng 1 năm 2022"}, "ngoai_thoi_gian"),
        ({"Đã chỉnh lý": ""}, "chua_chinh_ly"),
        ({"Đã chỉnh lý": "Không"}, "chua_chinh_ly"),
        ({"Thời hạn bảo quản": ""}, "chua_xac_dinh_thbq"),
        ({"Thời hạn bảo quản": "Chưa xác định"}, "chua_xac_dinh_thbq"),
        ({"Tài liệu mật": "x"}, "mat"),
        ({"Chế độ sử dụng": "Mật"}, "mat"),
        ({"Văn bản QPPL": "Có"}, "qppl"),
        ({"Đã có dữ liệu điện tử": "1"}, "da_co_dien_tu"),
    ],
)
def test_each_exclusion_rule_gives_its_reason(overrides: dict, reason: str) -> None:
    files = _files([file_row("OK.1"), file_row("BAD.1", **overrides)])
    ok, bad = files.iloc[0], files.iloc[1]
    assert ok["du_dieu_kien"] and ok["ly_do_loai"] == ""
    assert not bad["du_dieu_kien"]
    assert [k for k in REASONS if bad[f"loai_{k}"]] == [reason]
    assert bad["ly_do_loai"] == REASONS[reason].format(year_from=1995, year_to=2021)


def test_boundary_years_are_eligible() -> None:
    files = _files([file_row("A", **{"Thời gian bắt đầu": "01/01/1995"}),
                    file_row("B", **{"Thời gian bắt đầu": "31/12/2021"})])  # fmt: skip
    assert files["du_dieu_kien"].all()


def test_a_file_carries_every_reason_that_applies() -> None:
    row = file_row("X", **{"Thời gian bắt đầu": "1990", "Đã chỉnh lý": "", "Tài liệu mật": "x",
                           "Văn bản QPPL": "x", "Đã có dữ liệu điện tử": "x",
                           "Thời hạn bảo quản": ""})  # fmt: skip
    (bad,) = _files([row]).itertuples()
    rules = [k for k in REASONS if k != "thieu_thong_tin"]  # every fact is known here
    assert all(getattr(bad, f"loai_{k}") for k in rules) and not bad.loai_thieu_thong_tin
    assert bad.ly_do_loai.count(";") == len(rules) - 1


def test_selection_ranks_by_use_then_permanent_then_older_and_reaches_target() -> None:
    rows = [
        file_row("A", **{"Số lượt khai thác": 5, "Số lượng trang": 30}),
        file_row("B", **{"Số lượt khai thác": 9, "Số lượng trang": 30}),
        # Same use as C: permanent retention first.
        file_row("C", **{"Số lượt khai thác": 2, "Thời hạn bảo quản": "10 năm"}),
        file_row("D", **{"Số lượt khai thác": 2, "Thời hạn bảo quản": "01"}),
        # Same use and retention as D: the older file first.
        file_row("E", **{"Số lượt khai thác": 2, "Thời gian bắt đầu": "1996"}),
        file_row("F", **{"Số lượt khai thác": 0, "Số lượng trang": 110}),
    ]
    files = _files(rows)
    ranked, _ = select(files, 1.0)
    assert list(ranked["ma_ho_so"]) == ["B", "A", "E", "D", "C", "F"]
    chosen, summary = select(files, 0.3)  # 30% of 200 pages = 60: B and A reach it exactly
    assert list(chosen["ma_ho_so"]) == ["B", "A"]
    assert summary.target_pages == 60 and summary.selected_pages == 60
    assert summary.shortfall_pages == 0 and summary.achieved_share == pytest.approx(0.3)
    chosen, summary = select(files, 0.31)  # 62 pages: the file that crosses the line is taken
    assert list(chosen["ma_ho_so"]) == ["B", "A", "E"]
    assert list(chosen["luy_ke_trang"]) == [30, 60, 70]


def test_shortfall_when_eligible_pages_cannot_reach_target() -> None:
    rows = [file_row("A", **{"Số lượng trang": 20}),
            file_row("B", **{"Số lượng trang": 80, "Đã chỉnh lý": ""})]  # fmt: skip
    chosen, summary = select(_files(rows), 0.3)
    assert list(chosen["ma_ho_so"]) == ["A"]
    assert summary.target_pages == 30 and summary.eligible_pages == 20
    assert summary.shortfall_pages == 10


def test_electronic_files_are_outside_the_base_of_the_target() -> None:
    rows = [file_row("A", **{"Số lượng trang": 50}),
            file_row("B", **{"Số lượng trang": 50, "Đã có dữ liệu điện tử": "x"})]  # fmt: skip
    _, summary = select(_files(rows), 0.3)
    assert summary.non_electronic_pages == 50 and summary.target_pages == 15


@pytest.mark.parametrize(
    "headers",
    [
        ["Mã hồ sơ", "Nhóm hồ sơ", "Thời gian bắt đầu", "Số lượng trang", "Đã chỉnh lý"],
        ["MÃ HỒ SƠ", "NHÓM TÀI LIỆU", "NGÀY BẮT ĐẦU", "SỐ TRANG", "ĐÃ CHỈNH LÝ"],
        ["Ma ho so", "Nhom ho so", "Nam bat dau", "So trang", "Da chinh ly"],
        ["ma_ho_so", "nhom", "thoi_gian_bat_dau", "so_trang", "da_chinh_ly"],
        [
            unicodedata.normalize("NFD", h)
            for h in ["Mã HS", "Lĩnh vực", "Từ ngày", "Số trang", "Chỉnh lý"]
        ],
        # A typo, notes in brackets, a line break inside the cell.
        [
            "Mã hồ sơ",
            "Nhóm hồ sơ",
            "Thời gian bắt dầu",
            "SỐ LƯỢNG TRANG\n(trang)",
            "Đã chỉnh lý (x)",
        ],
    ],
)
def test_headers_as_archivists_type_them(headers: list[str]) -> None:
    raw = pd.DataFrame([["A.1", "Thu", "08/7/2005", "12", "x"]], columns=headers)
    table = normalise(raw, "t.csv")
    assert table.files.loc[0, "ma_ho_so"] == "A.1"
    assert table.files.loc[0, "so_trang"] == 12
    assert table.files.loc[0, "thoi_gian_bat_dau"] == "2005-07-08"


def test_missing_required_column_names_the_file_and_the_header() -> None:
    raw = pd.DataFrame(
        [["A.1", "Thu", "2005", "x"]], columns=["Mã hồ sơ", "Nhóm", "Năm", "Chỉnh lý"]
    )
    with pytest.raises(InputError, match=r"kho\.csv: không có cột 'Số lượng trang'"):
        normalise(raw, "kho.csv")


def test_bad_rows_are_set_aside_with_row_column_and_reason_and_the_rest_processed() -> None:
    rows = [
        file_row("A"),
        file_row("B", **{"Thời gian bắt đầu": "31/02/2015"}),
        file_row("C", **{"Số lượng trang": -3}),
        file_row("D", **{"Nhóm hồ sơ": "Không rõ"}),
        file_row("A"),
        file_row("E", **{"Thời gian bắt đầu": "2010", "Thời gian kết thúc": "2008"}),
        file_row("", **{"Số lượng trang": 4}),
        file_row("F"),
    ]
    table = normalise(pd.DataFrame(rows), "kho.csv")
    assert list(table.files["ma_ho_so"]) == ["A", "F"]
    problems = {(r.dong, r.cot): r.loi for r in table.rejected.itertuples()}
    assert "tháng 2 không có ngày 31" in problems[(3, "Thời gian bắt đầu")]
    assert "số âm" in problems[(4, "Số lượng trang")]
    assert "không có trong danh mục Nhóm hồ sơ" in problems[(5, "Nhóm hồ sơ")]
    assert problems[(6, "Mã hồ sơ")] == "mã hồ sơ trùng với dòng 2"
    assert problems[(7, "Thời gian kết thúc")] == "kết thúc trước thời gian bắt đầu"
    assert problems[(8, "Mã hồ sơ")] == "thiếu giá trị bắt buộc"


def test_text_is_nfc_and_codes_accept_names_codes_and_excel_numbers() -> None:
    nfd = unicodedata.normalize("NFD", "Hồ sơ giải quyết chế độ hưu trí")
    rows = [file_row("A", **{"Tiêu đề hồ sơ": nfd, "Thời hạn bảo quản": 1.0, "Tình trạng vật lý": "02"}),
            file_row("B", **{"Thời hạn bảo quản": "70 năm", "Tình trạng vật lý": "hu hong"})]  # fmt: skip
    files = normalise(pd.DataFrame(rows), "t.csv").files
    assert files.loc[0, "tieu_de"] == unicodedata.normalize("NFC", nfd)
    assert list(files["thoi_han_bao_quan"]) == ["01", "02"]
    assert list(files["tinh_trang_vat_ly"]) == ["02", "03"]


def test_xlsx_with_excel_dates_and_serials(write_unit) -> None:
    rows = [file_row("A", **{"Thời gian bắt đầu": dt.datetime(2019, 7, 8)}),
            file_row("B", **{"Thời gian bắt đầu": 44750})]  # fmt: skip
    params = write_unit(rows, name="inventory.xlsx")
    files = read_inventory(load_unit_settings(params).inventory).files
    assert list(files["thoi_gian_bat_dau"]) == ["2019-07-08", "2022-07-08"]


def test_windows_1258_csv_is_read_and_normalised(tmp_path) -> None:
    path = tmp_path / "cu.csv"
    frame = pd.DataFrame([file_row("A", **{"Tiêu đề hồ sơ": "Hồ sơ chế độ ốm đau"})])
    # Windows-1258 holds â, ê, ô, ơ, ư, ă precomposed and the five tone marks as combining
    # characters, so text is stored half-decomposed, as Windows writes it.
    frame = frame.map(lambda v: cp1258_form(v) if isinstance(v, str) else v)
    frame.columns = [cp1258_form(c) for c in frame.columns]
    frame.to_csv(path, index=False, encoding="cp1258")
    files = read_inventory(path).files
    assert files.loc[0, "tieu_de"] == "Hồ sơ chế độ ốm đau"


def test_run_inventory_writes_every_table(write_unit, tmp_path) -> None:
    rows = [file_row(f"F.{i}", **{"Số lượt khai thác": i, "Số lượng trang": 10}) for i in range(10)]
    rows.append(file_row("BAD", **{"Số lượng trang": "mười"}))
    settings = load_unit_settings(write_unit(rows))
    result = run_inventory(settings, UnitPaths(tmp_path / "out", "TTLT"), as_of=AS_OF)
    folder = tmp_path / "out" / "TTLT" / "inventory"
    assert sorted(p.name for p in folder.iterdir()) == [
        "budget.csv", "encoding.csv", "exclusions.csv", "rejected.csv", "selection.csv",
        "skipped_rows.csv", "summary.json", "volume.csv",
    ]  # fmt: skip
    selection = pd.read_csv(folder / "selection.csv", encoding="utf-8-sig")
    assert list(selection["ma_ho_so"]) == ["F.9", "F.8", "F.7"]  # 30% of 100 pages
    assert pd.read_csv(folder / "rejected.csv", encoding="utf-8-sig")["dong"].tolist() == [12]
    volume = pd.read_csv(folder / "volume.csv", encoding="utf-8-sig")
    by_year = volume[volume["chieu"] == "Năm"]
    assert by_year["tong_trang"].sum() == 100 and by_year["chon_trang"].sum() == 30
    assert result.figures()["selected_pages"] == 30
    assert not list(folder.glob(".*.tmp"))
