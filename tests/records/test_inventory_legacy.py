"""Text typed in the legacy TCVN3 (ABC), VNI and VISCII encodings: converted and named, or flagged."""

from __future__ import annotations

import subprocess

import openpyxl
import pandas as pd
import pytest

from conftest import file_row
from sohoa_lib.records._legacy_text import _TCVN3, read_cell, read_cells
from sohoa_lib.records.inventory import read_inventory

_TO_TCVN3 = {u: t for t, u in _TCVN3.items()}


def tcvn3(text: str) -> str:
    """Unicode → TCVN3 as a Latin-1 font shows it (lower-case letters only, as ABC has them)."""
    return "".join(_TO_TCVN3.get(c, c) for c in text)


@pytest.mark.parametrize(
    ("stored", "expected", "encoding"),
    [
        ("Gi¸m ®èc Së", "Giám đốc Sở", "TCVN3"),
        ("Phßng Tæ chøc c¸n bé", "Phòng Tổ chức cán bộ", "TCVN3"),
        ("Baûo hieåm xaõ hoäi Vieät Nam", "Bảo hiểm xã hội Việt Nam", "VNI"),
        ("Quyeát ñònh soá 15/QÑ-BHXH", "Quyết định số 15/QĐ-BHXH", "VNI"),
    ],
)
def test_legacy_cells_are_converted_and_named(stored, expected, encoding) -> None:
    assert read_cell(stored) == read_cell(stored).__class__(expected, encoding=encoding)


def test_viscii_cells_are_converted() -> None:
    # glibc's iconv knows VISCII: it makes the bytes an old VISCII file holds.
    raw = subprocess.run(["iconv", "-f", "UTF-8", "-t", "VISCII"], input="Hồ sơ cán bộ".encode(),
                         capture_output=True, check=True).stdout  # fmt: skip
    reading = read_cell(raw.decode("latin-1"))
    assert (reading.text, reading.encoding) == ("Hồ sơ cán bộ", "VISCII")


@pytest.mark.parametrize(
    "text",
    ["Hồ sơ thanh tra năm 1998", "BÁO CÁO TỔNG KẾT", "Quyết định số 15/QĐ-BHXH", "thuê nhà",
     "Nguyễn Văn Hưởng", "Hoà giải", "khuya", "thuở", "Giữ gìn", "Công văn về việc đóng BHXH"],
)  # fmt: skip
def test_unicode_vietnamese_is_never_converted(text: str) -> None:
    assert read_cell(text).text == text and read_cell(text).encoding is None
    assert not read_cell(text).doubt


def test_a_cell_two_encodings_can_read_is_flagged_alone_and_decided_by_its_file() -> None:
    # TCVN3 "bé" and VISCII "bĐ" are both well-formed, neither in the vocabulary.
    alone = read_cell("bÐ")
    assert alone.encoding is None and "nhiều bảng mã" in alone.doubt
    assert alone.text == "bÐ"  # kept as stored, not guessed
    together = read_cells(["bÐ", "Gi¸m ®èc Së"])
    assert together["bÐ"] == alone.__class__("bé", encoding="TCVN3")


def test_known_words_decide_between_two_well_formed_readings() -> None:
    # TCVN3 "Hồ sơ thanh tra", VISCII "Hă sể thanh tra": the record words decide.
    assert read_cell("Hå s¬ thanh tra") == read_cell("x").__class__("Hồ sơ thanh tra", "TCVN3")


def test_text_no_encoding_reads_is_flagged_and_kept() -> None:
    reading = read_cell("µ¸¶ ¤¥")
    assert reading.text == "µ¸¶ ¤¥" and reading.encoding is None and reading.doubt


def test_xlsx_with_tcvn3_and_vni_cells(tmp_path) -> None:
    rows = [
        file_row("A", **{"Tiêu đề hồ sơ": tcvn3("Hồ sơ thanh tra năm 1998"),
                         "Đơn vị hình thành": tcvn3("Phòng Thanh tra")}),
        file_row("B", **{"Tiêu đề hồ sơ": "Baûo hieåm xaõ hoäi"}),
        file_row("C", **{"Tiêu đề hồ sơ": "Hồ sơ café Müller"}),
    ]  # fmt: skip
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    book.save(tmp_path / "kho.xlsx")
    table = read_inventory(tmp_path / "kho.xlsx")
    assert list(table.files["tieu_de"]) == [
        "Hồ sơ thanh tra năm 1998", "Bảo hiểm xã hội", "Hồ sơ café Müller"]  # fmt: skip
    assert table.files.loc[0, "don_vi"] == "Phòng Thanh tra"
    named = {(e.dong, e.cot): e.bang_ma for e in table.encoding.itertuples() if e.bang_ma}
    assert named == {(2, "Tiêu đề hồ sơ"): "TCVN3", (2, "Đơn vị hình thành"): "TCVN3",
                     (3, "Tiêu đề hồ sơ"): "VNI"}  # fmt: skip
    doubtful = table.encoding[table.encoding["nghi_van"] != ""]
    assert list(doubtful["dong"]) == [4]


def test_ansi_csv_typed_in_tcvn3_headers_and_all(tmp_path) -> None:
    """An old Excel file saved as CSV ("ANSI") with the .VnTime font: every cell in TCVN3 bytes."""
    frame = pd.DataFrame([file_row("A", **{"Tiêu đề hồ sơ": "Hồ sơ giải quyết chế độ hưu trí"})])
    text = frame.to_csv(index=False, sep=";")
    data = tcvn3(text).encode("latin-1")
    (tmp_path / "cu.csv").write_bytes(data)
    table = read_inventory(tmp_path / "cu.csv")
    assert table.files.loc[0, "tieu_de"] == "Hồ sơ giải quyết chế độ hưu trí"
    assert table.files.loc[0, "thoi_han_bao_quan"] == "01"  # "Vĩnh viễn", read from TCVN3
    assert "TCVN3" in set(table.encoding["bang_ma"])
