"""Inventories as real offices send them: title rows, `;` CSVs, the archivist's mục lục, legacy text."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pandas as pd
import pytest
import yaml

from conftest import ROOT, cp1258_form, file_row
from sohoa_lib import InputError, UnitPaths, load_unit_settings
from sohoa_lib.records.inventory import read_inventory
from sohoa_lib.reports import inventory as view
from sohoa_lib.settings import InventoryFacts
from sohoa_lib.stages.inventory import run_inventory

AS_OF = dt.date(2026, 11, 22)
TITLE = ["BẢO HIỂM XÃ HỘI TỈNH HẢI DƯƠNG", "MỤC LỤC HỒ SƠ"]


def _xlsx(path, rows: list[list], merges: tuple[str, ...] = ()) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    book.save(path)


def _params(tmp_path, inventory: str, **extra) -> object:
    data = {
        "unit": "HD",
        "name": "BHXH tỉnh Hải Dương",
        "level": "province",
        "phase": 1,
        "deadline": "2023-12-30",
        "inventory": inventory,
        "costs": str(ROOT / "params" / "costs.yaml"),
        "capacity": {"scanners": 2, "staff": 3},
        "signing": {"organisation": "BHXH tỉnh Hải Dương"},
        **extra,
    }
    path = tmp_path / "HD.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_unit_settings(path)


def test_title_rows_above_the_header_are_skipped_and_the_header_row_named(tmp_path) -> None:
    rows = [file_row("HD.01"), file_row("HD.02")]
    header = list(rows[0])
    _xlsx(tmp_path / "kho.xlsx", [[TITLE[0]], [TITLE[1]], [], header,
                                  *[list(r.values()) for r in rows]])  # fmt: skip
    table = read_inventory(tmp_path / "kho.xlsx")
    assert table.header_rows == (4,)
    assert list(table.files["ma_ho_so"]) == ["HD.01", "HD.02"]
    assert list(table.files["dong"]) == [5, 6]  # the rows the archivist sees in Excel
    assert table.rejected.empty


def test_a_sheet_without_a_header_names_the_file_and_what_was_looked_for(tmp_path) -> None:
    _xlsx(tmp_path / "kho.xlsx", [[TITLE[0]], [TITLE[1]], ["Mã hồ sơ", "Ghi chú"], ["A", "x"]])
    with pytest.raises(
        InputError, match=r"kho\.xlsx, trang tính 'Sheet': không tìm thấy dòng tiêu đề"
    ):
        read_inventory(tmp_path / "kho.xlsx")


def _csv_text(rows: list[dict], sep: str, title: bool = True) -> str:
    lines = [f"{TITLE[0]}{sep}{sep}", TITLE[1], ""] if title else []
    frame = pd.DataFrame(rows)
    return "\n".join(lines) + ("\n" if lines else "") + frame.to_csv(index=False, sep=sep)


@pytest.mark.parametrize(
    ("sep", "encoding", "label"),
    [
        (";", "utf-8", "UTF-8"),
        (";", "utf-8-sig", "UTF-8 (BOM)"),
        (";", "cp1258", "Windows-1258"),
        ("\t", "utf-16", "UTF-16"),  # Excel's "Unicode text"
        (",", "utf-8-sig", "UTF-8 (BOM)"),
    ],
)
def test_csv_delimiter_and_encoding_are_sniffed(tmp_path, sep, encoding, label) -> None:
    title = "Hồ sơ chế độ ốm đau, thai sản; năm 2005"  # the other delimiters inside a cell
    rows = [file_row("A.1", **{"Tiêu đề hồ sơ": title}), file_row("A.2")]
    text = _csv_text(rows, sep)
    if encoding == "cp1258":
        text = cp1258_form(text)
    path = tmp_path / "kho.csv"
    path.write_bytes(text.encode(encoding))
    table = read_inventory(path)
    assert list(table.files["ma_ho_so"]) == ["A.1", "A.2"]
    assert table.files.loc[0, "tieu_de"] == title
    assert table.header_rows == (4,) and list(table.files["dong"]) == [5, 6]
    assert label in table.file_format


def _muc_luc(path, phong_in_title: bool = True) -> None:
    """An archivist's mục lục: title rows, two header rows, column numbers, a blank and a total row."""
    header = ["Hộp số", "Hồ sơ số", "Tiêu đề hồ sơ", "Thời gian", None, "Số tờ",
              "Thời hạn bảo quản", "Ghi chú"]  # fmt: skip
    rows = [
        [TITLE[0]],
        [TITLE[1]],
        ["Phông số: 12 - Bảo hiểm xã hội tỉnh Hải Dương" if phong_in_title else ""],
        ["Mục lục số: 03"],
        [],
        header,
        [None, None, None, "Bắt đầu", "Kết thúc"],
        [1, 2, 3, 4, 5, 6, 7, 8],
        [1, 1, "Hồ sơ thu BHXH năm 1998", dt.datetime(1998, 1, 5), "31/12/1998", 120, "Vĩnh viễn"],
        [1, 2, "Hồ sơ thanh tra năm 1999", "1999", "", 35, "20 năm", "bản gốc"],
        [],
        [2, 3, "Hồ sơ giải quyết chế độ hưu trí", "03/2001", "12/2001", 60, "70 năm"],
        ["Tổng cộng", None, None, None, None, 215],
    ]
    merges = ("D6:E6", "A6:A7", "B6:B7", "C6:C7", "F6:F7", "G6:G7", "H6:H7")
    _xlsx(path, rows, merges)


def test_muc_luc_composes_the_code_keeps_the_box_and_states_every_declaration(tmp_path) -> None:
    _muc_luc(tmp_path / "muc_luc.xlsx")
    facts = {"da_chinh_ly": True, "mat": False, "qppl": False, "da_co_dien_tu": False}
    settings = _params(tmp_path, "muc_luc.xlsx", inventory_facts=facts)
    result = run_inventory(settings, UnitPaths(tmp_path / "out", "HD"), as_of=AS_OF)
    table, files = result.table, result.files
    assert table.header_rows == (6, 7)
    assert list(files["ma_ho_so"]) == ["12.03.1", "12.03.2", "12.03.3"]
    assert list(files["hop"]) == ["1", "1", "2"]
    assert list(files["dong"]) == [9, 10, 12]
    assert list(files["thoi_gian_bat_dau"]) == ["1998-01-05", "1999", "2001-03"]
    assert list(files["thoi_gian_ket_thuc"]) == ["1998-12-31", "1999", "2001-12"]
    # A mục lục counts sheets; pages are estimated and said to be.
    assert list(files["so_trang"]) == [240, 70, 120] and files["trang_uoc_tinh"].all()
    assert files["du_dieu_kien"].all()
    assert table.rejected.empty
    assert dict(zip(table.skipped["dong"], table.skipped["loai"], strict=True)) == {
        8: "dòng đánh số thứ tự cột", 11: "dòng trống", 13: "dòng tổng cộng"}  # fmt: skip
    assert "Phông số . Mục lục số . Hồ sơ số" in table.composed
    declared = " | ".join(table.declared)
    for words in ("Phông số: 12 (ghi ở dòng 3", "Mục lục số: 03 (ghi ở dòng 4", "Đã chỉnh lý: có",
                  "Tài liệu mật: không", "Văn bản QPPL: không", "Đã có dữ liệu điện tử: không"):  # fmt: skip
        assert words in declared
    html = view.data_quality(result).text
    assert "dòng 6–7" in html and "Đã chỉnh lý: có" in html and "Phông số . Mục lục số" in html
    selection = pd.read_csv(tmp_path / "out/HD/inventory/selection.csv", dtype=str)
    assert set(selection["hop"]) <= {"1", "2"}
    reading = json.loads((tmp_path / "out/HD/inventory/summary.json").read_text("utf-8"))["reading"]
    assert reading["header_rows"] == [6, 7] and len(reading["declared"]) == 6
    assert reading["skipped_rows"] == {"dòng đánh số thứ tự cột": 1, "dòng trống": 1,
                                       "dòng tổng cộng": 1}  # fmt: skip


def test_muc_luc_as_a_semicolon_csv_with_two_header_rows(tmp_path) -> None:
    """The same mục lục saved as CSV: no merge information, the group cell spans by position."""
    lines = [
        "BẢO HIỂM XÃ HỘI TỈNH HẢI DƯƠNG;;;;;;",
        "Phông số: 12;;;;;;",
        "Mục lục số 03;;;;;;",
        "Hộp số;Hồ sơ số;Tiêu đề hồ sơ;Thời gian;;Số tờ;Thời hạn bảo quản",
        ";;;Từ ngày;Đến ngày;;",
        "1;5;Hồ sơ thu BHXH năm 1998;05/01/1998;31/12/1998;120;Vĩnh viễn",
        "Cộng;;;;;120;",
    ]
    (tmp_path / "ml.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_inventory(tmp_path / "ml.csv")
    assert table.header_rows == (4, 5)
    assert list(table.files["ma_ho_so"]) == ["12.03.5"]
    assert list(table.files["thoi_gian_ket_thuc"]) == ["1998-12-31"]
    assert list(table.skipped["loai"]) == ["dòng tổng cộng"]


def test_muc_luc_without_declarations_selects_nothing_and_says_which_rules(tmp_path) -> None:
    _muc_luc(tmp_path / "muc_luc.xlsx")
    settings = _params(tmp_path, "muc_luc.xlsx")
    result = run_inventory(settings, UnitPaths(tmp_path / "out", "HD"), as_of=AS_OF)
    assert not result.files["du_dieu_kien"].any() and result.selection.empty
    assert result.files["loai_thieu_thong_tin"].all()
    assert set(result.table.unknown_rules) == {
        "Đã chỉnh lý", "Tài liệu mật", "Văn bản QPPL", "Đã có dữ liệu điện tử"}  # fmt: skip
    assert "Đã có dữ liệu điện tử" in view.data_quality(result).text


def test_muc_luc_phong_from_params_when_the_title_rows_lack_it(tmp_path) -> None:
    _muc_luc(tmp_path / "muc_luc.xlsx", phong_in_title=False)
    table = read_inventory(tmp_path / "muc_luc.xlsx", InventoryFacts(phong="G09"))
    assert list(table.files["ma_ho_so"]) == ["G09.03.1", "G09.03.2", "G09.03.3"]
    with pytest.raises(InputError, match=r"muc_luc\.xlsx: không có cột 'Mã hồ sơ'.*'Phông số'"):
        read_inventory(tmp_path / "muc_luc.xlsx")


def test_missing_group_column_is_optional_and_the_report_names_the_tables(write_unit, tmp_path):
    rows = [{k: v for k, v in file_row(f"F.{i}").items() if k != "Nhóm hồ sơ"} for i in range(3)]
    settings = load_unit_settings(write_unit(rows))
    result = run_inventory(settings, UnitPaths(tmp_path / "out", "TTLT"), as_of=AS_OF)
    assert len(result.files) == 3 and result.files["du_dieu_kien"].all()
    assert result.table.missing["Nhóm hồ sơ"] == ("Khối lượng theo nhóm hồ sơ",)
    assert "Nhóm hồ sơ" not in set(result.volume["chieu"])
    assert "Khối lượng theo nhóm hồ sơ" in view.data_quality(result).text
    assert "không có cột" in view.volume(result, "Nhóm hồ sơ").text
    view.volume_chart(result)  # draws nothing to fail on


def test_electronic_column_as_archivists_word_it_excludes_the_file() -> None:
    from sohoa_lib.records.inventory import normalise
    from sohoa_lib.records.selection import eligibility
    from sohoa_lib.settings import Selection

    rows = [file_row("A"), file_row("B", **{"Đã có dữ liệu điện tử": "x"})]
    frame = pd.DataFrame(rows).rename(columns={"Đã có dữ liệu điện tử": "Đã số hóa/điện tử"})
    files = eligibility(normalise(frame, "t.csv").files, Selection())
    assert list(files["du_dieu_kien"]) == [True, False]
    assert files.loc[1, "loai_da_co_dien_tu"]


def test_missing_eligibility_column_never_defaults_to_eligible(write_unit, tmp_path) -> None:
    rows = [{k: v for k, v in file_row(f"F.{i}").items() if k != "Đã có dữ liệu điện tử"}
            for i in range(3)]  # fmt: skip
    result = run_inventory(
        load_unit_settings(write_unit(rows)), UnitPaths(tmp_path / "o", "TTLT"), as_of=AS_OF
    )
    assert result.table.unknown_rules == ("Đã có dữ liệu điện tử",)
    assert result.summary.eligible_files == 0 and result.summary.selected_files == 0
    assert set(result.files["thong_tin_thieu"]) == {"Đã có dữ liệu điện tử"}
    declared = {"inventory_facts": {"da_co_dien_tu": False}}
    result = run_inventory(
        load_unit_settings(write_unit(rows, declared)), UnitPaths(tmp_path / "p", "TTLT"),
        as_of=AS_OF,
    )  # fmt: skip
    assert result.summary.eligible_files == 3
    assert any("Đã có dữ liệu điện tử: không" in d for d in result.table.declared)


@pytest.mark.parametrize(
    "code",
    ["../x", "/etc/passwd", "=1+2", "+84", "@SUM(A1)", "-A", "A B", "C:\\x", "a/b", "x" * 65],
)
def test_bad_codes_are_set_aside_with_the_reason(code: str) -> None:
    from sohoa_lib.records.inventory import normalise

    table = normalise(pd.DataFrame([file_row("G09.2016.01-TH"), file_row(code)]), "kho.csv")
    assert list(table.files["ma_ho_so"]) == ["G09.2016.01-TH"]
    (problem,) = table.rejected.itertuples()
    assert problem.dong == 3 and problem.cot == "Mã hồ sơ"
    assert "mã hồ sơ" in problem.loi


def test_vietnamese_letters_in_codes_are_accepted() -> None:
    from sohoa_lib.records.inventory import normalise

    table = normalise(pd.DataFrame([file_row("VP.QĐ.2001.05"), file_row("HS_01")]), "kho.csv")
    assert table.rejected.empty and len(table.files) == 2


def test_formula_cells_are_escaped_in_every_csv(write_unit, tmp_path) -> None:
    rows = [
        file_row("A", **{"Tiêu đề hồ sơ": '=HYPERLINK("http://x","y")'}),
        file_row("B", **{"Tiêu đề hồ sơ": "@SUM(1)", "Đã chỉnh lý": ""}),
        file_row("=1+2"),
        file_row("C", **{"Tiêu đề hồ sơ": "-2+3"}),
    ]
    run_inventory(
        load_unit_settings(write_unit(rows)), UnitPaths(tmp_path / "o", "TTLT"), as_of=AS_OF
    )
    folder = tmp_path / "o" / "TTLT" / "inventory"
    selection = pd.read_csv(folder / "selection.csv", dtype=str)
    assert set(selection["tieu_de"]) <= {'\'=HYPERLINK("http://x","y")', "'-2+3"}
    assert len(selection)
    exclusions = pd.read_csv(folder / "exclusions.csv", dtype=str)
    assert list(exclusions["tieu_de"]) == ["'@SUM(1)"]
    rejected = pd.read_csv(folder / "rejected.csv", dtype=str)
    assert list(rejected["gia_tri"]) == ["'=1+2"]
    for path in folder.glob("*.csv"):
        for cell in pd.read_csv(path, dtype=str).stack():
            assert not str(cell).startswith(("=", "+", "@")), (path.name, cell)


def test_totals_and_blank_rows_are_recognised_not_rejected(tmp_path) -> None:
    rows = [file_row("A"), file_row("B")]
    text = pd.DataFrame(rows).to_csv(index=False, sep=";")
    lines = text.splitlines()
    width = len(rows[0])
    total = ["Tổng cộng"] + [""] * (width - 1)
    total[list(rows[0]).index("Số lượng trang")] = "20"
    body = [
        lines[0],
        lines[1],
        "",
        ";" * (width - 1),
        lines[2],
        ";".join(total),
        "Cộng:" + ";" * (width - 1),
    ]
    (tmp_path / "kho.csv").write_text("\n".join(body) + "\n", encoding="utf-8")
    table = read_inventory(tmp_path / "kho.csv")
    assert list(table.files["ma_ho_so"]) == ["A", "B"]
    assert table.rejected.empty
    assert dict(zip(table.skipped["dong"], table.skipped["loai"], strict=True)) == {
        3: "dòng trống", 4: "dòng trống", 6: "dòng tổng cộng", 7: "dòng tổng cộng"}  # fmt: skip


def test_a_csv_line_with_too_many_cells_is_set_aside_and_the_rest_read(tmp_path) -> None:
    text = pd.DataFrame([file_row("A"), file_row("B"), file_row("C")]).to_csv(index=False, sep=";")
    lines = text.splitlines()
    lines[2] += ";thừa;ô"  # row 3 as Excel would number it
    (tmp_path / "kho.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_inventory(tmp_path / "kho.csv")
    assert list(table.files["ma_ho_so"]) == ["A", "C"]
    assert list(table.files["dong"]) == [2, 4]
    (bad,) = table.rejected.itertuples()
    assert bad.dong == 3 and "nhiều hơn" in bad.loi


def test_inventory_facts_reject_unknown_keys_and_non_booleans(tmp_path) -> None:
    from sohoa_lib.errors import ParamsError

    (tmp_path / "kho.csv").write_text("x", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"khóa không xác định 'inventory_facts\.da_chinh_li'"):
        _params(tmp_path, "kho.csv", inventory_facts={"da_chinh_li": True})
    with pytest.raises(ParamsError, match=r"'inventory_facts\.mat' phải là true hoặc false"):
        _params(tmp_path, "kho.csv", inventory_facts={"mat": "không"})


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("1998 - 2000", "1998", "2000"),
        ("1995-97", "1995", "1997"),
        ("05/01/1998 – 31/12/1998", "1998-01-05", "1998-12-31"),
        ("05-01-1998", "1998-01-05", "1998-01-05"),
        ("03/2001 đến 12/2001", "2001-03", "2001-12"),
        ("2004", "2004", "2004"),
    ],
)
def test_one_period_column_gives_start_and_end(period: str, start: str, end: str) -> None:
    from sohoa_lib.records.inventory import normalise

    row = {k: v for k, v in file_row("A").items() if not k.startswith("Thời gian")}
    table = normalise(pd.DataFrame([{**row, "Thời gian tài liệu": period}]), "kho.csv")
    assert table.rejected.empty
    assert (table.files.loc[0, "thoi_gian_bat_dau"], table.files.loc[0, "thoi_gian_ket_thuc"]) == (
        start, end)  # fmt: skip


def test_the_inventory_sheet_is_found_behind_a_cover_sheet(tmp_path) -> None:
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Bìa"
    cover.append(["MỤC LỤC HỒ SƠ"])
    cover.append(["Phông: Bảo hiểm xã hội tỉnh Hải Dương"])
    sheet = book.create_sheet("Mục lục")
    sheet.append(list(file_row("A")))
    sheet.append(list(file_row("A").values()))
    book.save(tmp_path / "kho.xlsx")
    table = read_inventory(tmp_path / "kho.xlsx")
    assert list(table.files["ma_ho_so"]) == ["A"]
    assert "trang tính 'Mục lục' (2/2)" in table.file_format


def test_a_box_number_merged_down_over_its_files_holds_for_each(tmp_path) -> None:
    header = ["Hộp số", "Hồ sơ số", "Tiêu đề hồ sơ", "Thời gian", "Số tờ"]
    rows = [["Phông số: 12"], header, ["I. VĂN PHÒNG"],
            [1, 1, "Hồ sơ A", "1998", 10], [None, 2, "Hồ sơ B", "1999", 12],
            [2, 3, "Hồ sơ C", "2000 - 2001", 8]]  # fmt: skip
    _xlsx(tmp_path / "ml.xlsx", rows, merges=("A3:E3", "A4:A5"))
    table = read_inventory(tmp_path / "ml.xlsx")
    assert list(table.files["hop"]) == ["1", "1", "2"]
    assert list(table.files["ma_ho_so"]) == ["12.1998.1", "12.1999.2", "12.2000.3"]
    assert list(table.skipped.itertuples(index=False, name=None)) == [(3, "dòng tiêu đề nhóm")]
    assert table.rejected.empty
