"""Fields read by region from word boxes, and the cross-checks that flag what is in doubt."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import unicodedata

import pytest

from _pages import LEFT, LEFT_COL, RIGHT_COL, Text, body, header, render, signer, tsv
from _real import KEYS, REAL, expected, flagged, page_infos, same, stage_ocr, stage_read
from sohoa_lib.common.text import fold
from sohoa_lib.describe._handwritten import HAND
from sohoa_lib.describe.boxes import lines_from_tsv
from sohoa_lib.describe.documents import PageInfo, extract_fields

TODAY = dt.date(2026, 11, 30)
BN = ["BẢO HIỂM XÃ HỘI VIỆT NAM", "BẢO HIỂM XÃ HỘI TỈNH BẮC NINH"]
QN = ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"]
CITED = (
    "Căn cứ Luật Bảo hiểm xã hội ngày 20 tháng 11 năm 2014; Căn cứ Quyết định số 595/QĐ-BHXH "
    "ngày 14/4/2017 của Bảo hiểm xã hội Việt Nam ban hành quy trình thu bảo hiểm xã hội;"
)


def _read(page, conf=None, inventory=None, dpi=300, skew=0.0):
    lines = lines_from_tsv(tsv(page, dpi, conf, skew))
    info = PageInfo(1, "\n".join(ln.text for ln in lines), 95.0, lines=lines)
    return extract_fields([info], inventory, TODAY)


def _decision(number="125/QĐ-BHXH", date="Bắc Ninh, ngày 08 tháng 7 năm 2022", issuer=BN,
              title="QUYẾT ĐỊNH", titles=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
              name="Nguyễn Văn Hùng", summary="Về việc nâng bậc lương đối với viên chức"):  # fmt: skip
    page = header(issuer, number, date)
    page += [Text(title, 56, size=14, style="B"), Text(summary, 63, style="B")]
    page += body(CITED, 78)
    page += signer(titles, name, 130, ["- Như Điều 3;"])
    return page


def _official_letter(number="575/UBND-KTTH", mark="KHẨN", mark_y=66.0):
    """A Công văn: no title, `V/v` under the number, an urgency mark, citations in the body."""
    page = header(QN, number, "Quảng Ngãi, ngày 04 tháng 02 năm 2025")
    page += [
        Text("V/v tham gia ý kiến các dự thảo", 52, LEFT_COL, size=12),
        Text("Nghị định của Chính phủ", 57, LEFT_COL, size=12),
        Text(mark, mark_y, LEFT_COL, size=13, style="B"),
        Text("Kính gửi: Sở Tài chính", 78, RIGHT_COL - 40),
    ]
    page += body(
        "Thực hiện Công văn số 1060/BTC-QLCS ngày 23/01/2025 của Bộ Tài chính và Luật Đất đai "
        "ngày 18 tháng 01 năm 2024, Chủ tịch UBND tỉnh có ý kiến như sau:", 90
    )  # fmt: skip
    page += signer(["TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"],
                   "Hà Thị Lê Vân", 120, ["- Như trên;"])  # fmt: skip
    return page


def _contract():
    """A contract: motto centred on top, the title above its Số line, no issuer block."""
    page = [
        Text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 20, size=13, style="B"),
        Text("Độc lập - Tự do - Hạnh phúc", 26, size=13, style="B"),
        Text("HỢP ĐỒNG LAO ĐỘNG", 40, size=15, style="B"),
        Text("Số: 15/2020/HĐLĐ", 48),
    ]
    page += body(
        "Hôm nay, ngày 02 tháng 01 năm 2020, tại Bảo hiểm xã hội tỉnh Bắc Ninh, chúng tôi gồm: "
        "Bên A là Bảo hiểm xã hội tỉnh Bắc Ninh, Bên B là ông Nguyễn Văn An.", 60
    )  # fmt: skip
    return page


def _nineties():
    """A 1990s decision: old spelling (UỶ, HOÀ), `Quyết định số:` label, T/M authority."""
    page = [
        Text("UỶ BAN NHÂN DÂN", 20, LEFT_COL, size=12, style="B"),
        Text("TỈNH HẢI HƯNG", 26, LEFT_COL, size=12, style="B"),
        Text("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", 20, RIGHT_COL, size=12, style="B"),
        Text("Độc lập - Tự do - Hạnh phúc", 26, RIGHT_COL, size=13, style="B"),
        Text("Quyết định số: 12/QĐ-UB", 38, LEFT_COL),
        Text("Hải Dương, ngày 5 tháng 3 năm 1996", 38, RIGHT_COL, style="I"),
        Text("QUYẾT ĐỊNH CỦA UỶ BAN NHÂN DÂN TỈNH", 52, size=14, style="B"),
        Text("V/v thành lập Hội đồng xác định giá trị tài liệu", 59, style="B"),
    ]
    page += body("Căn cứ Luật Tổ chức Hội đồng nhân dân và Uỷ ban nhân dân ngày 21/6/1994;", 72)
    page += signer(["T/M UỶ BAN NHÂN DÂN TỈNH", "CHỦ TỊCH"], "Trần Văn Minh", 110)
    return page


EXPECTED = {
    "decision": {
        "ten_loai": "Quyết định", "so": "125", "ky_hieu": "QĐ-BHXH", "ngay": "2022-07-08",
        "noi_ban_hanh": "Bắc Ninh", "co_quan_ban_hanh": "BẢO HIỂM XÃ HỘI TỈNH BẮC NINH",
        "trich_yeu": "Về việc nâng bậc lương đối với viên chức",
        "chuc_vu_nguoi_ky": "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC", "nguoi_ky": "Nguyễn Văn Hùng",
    },
    "official_letter": {
        "ten_loai": "Công văn", "so": "575", "ky_hieu": "UBND-KTTH", "ngay": "2025-02-04",
        "noi_ban_hanh": "Quảng Ngãi", "co_quan_ban_hanh": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
        "trich_yeu": "V/v tham gia ý kiến các dự thảo Nghị định của Chính phủ",
        "chuc_vu_nguoi_ky": "TL. CHỦ TỊCH / KT. CHÁNH VĂN PHÒNG / PHÓ CHÁNH VĂN PHÒNG",
        "nguoi_ky": "Hà Thị Lê Vân",
    },
    "contract": {"ten_loai": "Hợp đồng", "so": "15", "ky_hieu": "2020/HĐLĐ", "ngay": "2020-01-02"},
    "nineties": {
        "ten_loai": "Quyết định", "so": "12", "ky_hieu": "QĐ-UB", "ngay": "1996-03-05",
        "co_quan_ban_hanh": "UỶ BAN NHÂN DÂN TỈNH HẢI HƯNG",
        "trich_yeu": "V/v thành lập Hội đồng xác định giá trị tài liệu",
        "chuc_vu_nguoi_ky": "T/M UỶ BAN NHÂN DÂN TỈNH / CHỦ TỊCH", "nguoi_ky": "Trần Văn Minh",
    },
}  # fmt: skip
PAGES = {
    "decision": _decision,
    "official_letter": _official_letter,
    "contract": _contract,
    "nineties": _nineties,
}


def _nfc(value):
    return unicodedata.normalize("NFC", value) if value else value


# Word boxes -------------------------------------------------------------------------------------


def test_lines_split_the_header_columns_and_keep_reading_order():
    lines = lines_from_tsv(tsv(_decision()))
    texts = [ln.text for ln in lines]
    # One TSV block holds everything; the columns come apart by geometry, left first.
    assert texts[:4] == [
        "BẢO HIỂM XÃ HỘI VIỆT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BẢO HIỂM XÃ HỘI TỈNH BẮC NINH", "Độc lập - Tự do - Hạnh phúc",
    ]  # fmt: skip
    assert "Số: 125/QĐ-BHXH" in texts and "Bắc Ninh, ngày 08 tháng 7 năm 2022" in texts
    received = next(ln for ln in lines if ln.text == "Nơi nhận:")
    title = next(ln for ln in lines if ln.text == "KT. GIÁM ĐỐC")
    assert received.x1 < title.x0, "nơi nhận and the signer block are separate lines"


def test_lines_are_nfc_and_skip_rows_without_words():
    decomposed = unicodedata.normalize("NFD", "Quảng Ngãi")
    text = tsv([Text(decomposed, 50, LEFT, "left")])
    text += "5\t1\t1\t1\t9\t1\t10\t10\t5\t5\t-1\t \n4\t1\t1\t1\t9\t0\t10\t10\t5\t5\t-1\t\n"
    (line,) = lines_from_tsv(text)
    assert line.text == "Quảng Ngãi" and all(w.text == _nfc(w.text) for w in line.words)
    assert line.x0 == line.words[0].x0 and line.conf == 95.0


def test_a_handwritten_gap_in_the_number_line_is_read_across():
    page = _decision(number="            /QĐ-BHXH")
    page[[t.text.startswith("Số:") for t in page].index(True)] = Text("Số:", 44, LEFT_COL - 20)
    page.append(Text("/QĐ-BHXH", 44, LEFT_COL + 12))
    fields = _read(page)
    assert fields["ky_hieu"].value == "QĐ-BHXH"
    assert fields["so"].value is None and fields["so"].confidence < 0.6


def test_empty_lines_fall_back_to_the_text():
    text = "\n".join(t.text for t in _decision())
    fields = extract_fields([PageInfo(1, text, 95.0)], today=TODAY)
    assert fields["so"].value == "125" and fields["ngay"].value == "2022-07-08"


# Variants, from word boxes ---------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [200, 300, 500])
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_variants_read_right(kind, dpi):
    fields = _read(PAGES[kind](), dpi=dpi)
    for k, value in EXPECTED[kind].items():
        assert fields[k].value == value, (kind, k, fields[k])
        assert not fields[k].reason, (kind, k, fields[k].reason)


@pytest.mark.parametrize("skew", [-0.8, 0.8])
def test_a_skewed_scan_reads_the_same(skew):
    fields = _read(_official_letter(), skew=skew)
    for k, value in EXPECTED["official_letter"].items():
        assert fields[k].value == value and not fields[k].reason, (k, fields[k])


def test_a_field_outside_its_region_is_offered_flagged():
    # A title printed in the left column, as no form has it: found in the text, not trusted.
    page = [
        t if t.text != "QUYẾT ĐỊNH" else Text(t.text, t.y, LEFT_COL, style="B") for t in _decision()
    ]
    fields = _read(page)
    assert (
        fields["ten_loai"].value == "Quyết định" and "đọc từ văn bản" in fields["ten_loai"].reason
    )


def test_an_urgency_mark_in_the_issuer_block_is_no_part_of_the_issuer():
    fields = _read(_official_letter(mark="HỎA TỐC", mark_y=32))
    for k, value in EXPECTED["official_letter"].items():
        assert fields[k].value == value and not fields[k].reason, (k, fields[k])


def test_a_contract_without_issuer_block_is_flagged_not_guessed():
    fields = _read(_contract())
    issuer = fields["co_quan_ban_hanh"]
    assert issuer.value is None and "góc trên bên trái" in issuer.reason


def test_the_date_never_comes_from_a_citation():
    page = [t for t in _decision() if "ngày 08 tháng" not in t.text]
    fields = _read(page)
    assert fields["ngay"].value is None and fields["ngay"].confidence == 0


@pytest.mark.parametrize("cited", ["Thực hiện Quyết định", "Quyết định", "số"])
def test_a_cited_number_is_never_the_documents_own(cited):
    page = [t for t in _official_letter() if not t.text.startswith("Số:")]
    page += [Text(f"{cited} số 595/QĐ-BHXH ngày 14/4/2017 của Bảo hiểm xã hội.", 84, LEFT, "left")]
    fields = _read(page)
    assert fields["so"].value is None and fields["ky_hieu"].value is None


def test_a_date_line_broken_in_two_is_read_whole():
    page = _decision(date="Hà Nội, ngày 27")
    page.append(Text("tháng 02 năm 2025", 44, RIGHT_COL, style="I"))
    page = [t if t.text != "QUYẾT ĐỊNH" else Text(t.text, 58, size=14, style="B") for t in page]
    fields = _read(page)
    assert (fields["ngay"].value, fields["noi_ban_hanh"].value) == ("2025-02-27", "Hà Nội")
    assert not fields["ngay"].reason


def test_a_lost_handwritten_day_keeps_the_month_and_is_flagged():
    fields = _read(_decision(date="Bắc Ninh, ngày      tháng 7 năm 2022"))
    assert fields["ngay"].value == "2022-07" and "ngày" in fields["ngay"].reason


# Cross-checks: each doubt is flagged with its reason --------------------------------------------


@pytest.mark.parametrize(
    ("change", "flagged", "words"),
    [
        ({"title": "TỜ TRÌNH"}, ("ten_loai", "ky_hieu"), "không mở đầu bằng «TTr»"),
        ({"number": "12/UBND-TCCB"}, ("co_quan_ban_hanh", "ky_hieu"), "không khớp"),
        ({"titles": ("TL. GIÁM ĐỐC",)}, ("chuc_vu_nguoi_ky",), "thiếu dòng chức vụ"),
        ({"titles": ("KT. GIÁM ĐỐC", "TRƯỞNG PHÒNG")}, ("chuc_vu_nguoi_ky",), "không phải cấp phó"),
        ({"titles": ("KT. GIÁM ĐỐC", "GIÁM ĐỐC")}, ("chuc_vu_nguoi_ky",), "theo thể thức ký thay"),
        ({"titles": ("KT. GIÁM ĐỐC",)}, ("chuc_vu_nguoi_ky",), "thêm «PHÓ GIÁM ĐỐC»"),
        ({"titles": ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐÓC XÃ")}, ("chuc_vu_nguoi_ky",), "danh mục"),
        ({"name": "Quốc Phước Hiền"}, ("nguoi_ky",), "không phải họ thường gặp"),
        ({"name": "Trản Phước Hiền"}, ("nguoi_ky",), "sửa thành «Trần»"),
        ({"name": "Hoàng Tuấn"}, ("nguoi_ky",), "hai chữ"),
        ({"name": "Nguyễn Phước Hiềñ"}, ("nguoi_ky",), "âm tiết"),
        ({"summary": "Về việc nâng bậc lương đối với viên chức Ñăm"}, ("trich_yeu",), "âm tiết"),
        ({"date": "Bắc Ninh, ngày 08 tháng 7 năm 2030"}, ("ngay",), "sau ngày tính số liệu"),
        ({"date": "Bắc Ninh, ngày O8 tháng 7 năm 2022"}, ("ngay",), "nhiễu"),
        ({"number": "125 /QĐ-BHXH"}, ("so",), "viết tay"),
        ({"number": "125/QĐÐ-BHXH"}, ("ky_hieu",), "ký tự lạ"),
        ({"title": "QUYÉTĐỊNH"}, ("ten_loai",), "đọc theo ký hiệu"),
        ({"issuer": [BN[0], "BẢO HIỂM XÃ HỘI TĨNH BẮC NINH"]}, ("co_quan_ban_hanh",), "sửa thành"),
        ({"titles": ("TL. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG")},
         ("chuc_vu_nguoi_ky",), "không có TM./KT./TL."),
    ],
)  # fmt: skip
def test_each_doubt_is_flagged(change, flagged, words):
    fields = _read(_decision(**change))
    for k in flagged:
        assert words in fields[k].reason, (k, fields[k])
    clean = _read(_decision())
    assert not any(clean[k].reason for k in flagged), "the unchanged page is not flagged"


def test_respelt_values_are_the_known_spelling():
    fields = _read(_decision(title="QUYÉTĐỊNH", issuer=[BN[0], "BẢO HIỂM XÃ HỘI TĨNH BẮC NINH"]))
    assert fields["ten_loai"].value == "Quyết định"
    assert fields["co_quan_ban_hanh"].value == "BẢO HIỂM XÃ HỘI TỈNH BẮC NINH"


def test_a_summary_line_cut_off_by_ocr_is_flagged():
    page = _decision(summary="Về việc nâng bậc lương trước thời hạn đối với")
    # The second line read off-centre (OCR joined its start to a stamp in the margin).
    page.append(Text("viên chức năm 2022", 69, RIGHT_COL + 10, style="B"))
    fields = _read(page)
    assert "phần tiếp của trích yếu" in fields["trich_yeu"].reason


def test_a_official_letter_with_a_type_code_is_flagged():
    fields = _read(_official_letter(number="575/QĐ-UBND"))
    assert "Quyết định" in fields["ten_loai"].reason and fields["ky_hieu"].reason


def test_a_low_confidence_word_flags_its_field_only():
    fields = _read(_decision(), conf={"125/QĐ-BHXH": 40.0, "lương": 50.0})
    assert "125/QĐ-BHXH" in fields["so"].reason and "«lương» (50)" in fields["trich_yeu"].reason
    assert not fields["ngay"].reason and not fields["co_quan_ban_hanh"].reason


def test_the_date_against_the_inventory():
    inside = _read(_decision(), inventory=(dt.date(2022, 1, 1), dt.date(2022, 12, 31)))
    outside = _read(_decision(), inventory=(dt.date(2019, 1, 1), dt.date(2020, 12, 31)))
    assert not inside["ngay"].reason
    assert "ngoài thời gian của hồ sơ" in outside["ngay"].reason


def test_respelt_signer_lines_and_surnames():
    fields = _read(_decision(titles=("KT. GIÁM ĐỐC", "PHÓ GIÁM"), name="Trản Phước Hiền"))
    assert fields["chuc_vu_nguoi_ky"].value == "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"
    assert fields["nguoi_ky"].value == "Trần Phước Hiền" and "sửa thành «Trần»" in (
        fields["nguoi_ky"].reason
    )


def test_a_name_shifted_off_the_signer_axis_is_flagged():
    page = [t for t in _decision() if t.text != "Nguyễn Văn Hùng"]
    page.append(Text("Văn Hùng Nguyễn", 160, RIGHT_COL + 25, size=13, style="B"))
    fields = _read(page)
    assert "lệch" in fields["nguoi_ky"].reason


# Real OCR ---------------------------------------------------------------------------------------


def _tesseract() -> bool:
    if shutil.which("tesseract") is None:
        return False
    done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)
    return "vie" in (done.stdout + done.stderr).split()


needs_tesseract = pytest.mark.skipif(not _tesseract(), reason="tesseract with vie is not installed")


@pytest.fixture(scope="session")
def rendered_ocr(tmp_path_factory) -> dict[str, list[dict]]:
    """Each rendered variant read once per session, as the digitize stage reads a page."""
    folder = tmp_path_factory.mktemp("rendered")
    out = {}
    for kind, make in PAGES.items():
        (folder / kind).mkdir()
        path = folder / kind / "page_1.png"
        render(make()).save(path, dpi=(300, 300))
        out[kind] = [stage_read(path, 300.0, folder / "ocr")]
    return out


@needs_tesseract
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_rendered_variants_through_tesseract_are_right_or_flagged(rendered_ocr, kind):
    fields = extract_fields(page_infos(rendered_ocr[kind]), today=TODAY)
    wrong = {
        k: fields[k]
        for k, v in EXPECTED[kind].items()
        if fields[k].value != v and not (fields[k].reason or fields[k].confidence < 0.6)
    }
    assert wrong == {}, kind
    right = sum(fields[k].value == v for k, v in EXPECTED[kind].items())
    assert right >= len(EXPECTED[kind]) - 1, (kind, fields)


@pytest.fixture(scope="session")
def real_ocr(tmp_path_factory) -> dict[str, list[dict]]:
    """Each real page read once per session exactly as the digitize stage reads it
    (`ocr.ocr_page` on a PageTask, fast model, its TSV through `layout.lines_from_tsv`)."""
    scratch = tmp_path_factory.mktemp("real")
    return {folder.name: stage_ocr(folder, scratch) for folder in sorted(REAL.glob("rd*"))}


@pytest.fixture(scope="session")
def real_fields(real_ocr) -> dict[str, dict]:
    """Each real document's fields, extracted once per session (with the second reading of
    the regions in doubt from the scan, as the stage does)."""
    return {name: extract_fields(page_infos(read), today=TODAY) for name, read in real_ocr.items()}


def _scored(real_fields) -> dict[str, dict[str, tuple[bool, bool]]]:
    """Document → expected field → (right, flagged)."""
    scores = {}
    for name, fields in real_fields.items():
        wanted = expected(REAL / name)["fields"]
        scores[name] = {
            e: (same(e, fields[k].value, wanted[e]), flagged(fields[k])) for e, k in KEYS.items()
        }
    return scores


@needs_tesseract
def test_real_scans_no_field_is_silently_wrong(real_fields):
    scores = _scored(real_fields)
    silent = {
        (d, e) for d, s in scores.items() for e, (right, flag) in s.items() if not (right or flag)
    }
    assert silent == set()
    right = sum(r for s in scores.values() for r, _ in s.values())
    # Measured on the five scans read as the stage reads them (psm 3, Tesseract 5.3), with the
    # regions in doubt read again from the scan and the handwritten numbers and days read from
    # their blanks: 36 of 40 right before review (28 without the handwriting reader, 21 without
    # either); every one of the rest flagged.
    assert right >= 36, scores


@needs_tesseract
def test_real_scans_handwritten_values_are_flagged(real_fields):
    """Each number and day the handwriting reader gave on the real scans is flagged: a reading
    of handwriting is checked against the paper, however sure the network is."""
    read = [(d, k) for d, f in real_fields.items() for k in ("so", "ngay") if HAND in f[k].reason]
    assert len(read) >= 9, read
    for d, k in read:
        assert flagged(real_fields[d][k]), (d, k, real_fields[d][k])


@needs_tesseract
def test_a_fields_region_covers_its_words_on_a_real_page(real_ocr, real_fields):
    """A field's region is the union of the words it was read from, as shares of the page: it
    holds the lines that spell the value (found here by their text alone) and little more."""
    (page,) = page_infos(real_ocr["rd01"])
    fields = real_fields["rd01"]
    width, height = page.size
    spelt = {
        "co_quan_ban_hanh": ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"],
        "ky_hieu": ["TTr-UBND"],
        "trich_yeu": ["việc miễn nhiệm"],  # `Về` is read `và` on this scan
    }
    for name, texts in spelt.items():
        region = fields[name].region
        assert region is not None and region.page == 1, name
        x0, y0, x1, y1 = region.box
        assert y1 - y0 < 0.06 and x1 - x0 < 0.7, (name, region)  # a few lines, not a third
        for text in texts:
            # From the bottom for the signer: the body may name the same title.
            order = page.lines[::-1] if name == "chuc_vu_nguoi_ky" else page.lines
            line = next(ln for ln in order if fold(text) in fold(ln.text))
            # The line's words spelling the text (`/TTr-UBND` holds `TTr-UBND`).
            words = [w for w in line.words if any(t in fold(w.text) for t in fold(text).split())]
            assert words, (name, text, line.text)
            for w in words:
                assert x0 <= w.x0 / width and w.x1 / width <= x1, (name, w, region)
                assert y0 <= w.y0 / height and w.y1 / height <= y1, (name, w, region)
    # The signer's title lines are under the seal: the page's reading lost them and the second
    # reading, from the scan, found them; their region sits right above the name, on the right.
    name_line = next(ln for ln in page.lines[::-1] if "Hoàng" in ln.text)
    x0, y0, x1, y1 = fields["chuc_vu_nguoi_ky"].region.box
    assert x0 > 0.5 and y1 <= name_line.y0 / height and name_line.y0 / height - y1 < 0.1


def test_a_region_needs_the_pages_size():
    lines = lines_from_tsv(tsv(_decision()))  # no page row in this TSV: the size is unknown
    info = PageInfo(1, "\n".join(ln.text for ln in lines), 95.0, lines=lines)
    assert all(f.region is None for f in extract_fields([info], today=TODAY).values())
    sized = PageInfo(1, info.text, 95.0, lines=lines, size=(2480, 3508))
    fields = extract_fields([sized], today=TODAY)
    title = next(ln for ln in lines if ln.text == "QUYẾT ĐỊNH")
    assert fields["ten_loai"].region.box == (
        math.floor(title.x0 / 2480 * 10_000) / 10_000,
        math.floor(title.y0 / 3508 * 10_000) / 10_000,
        math.ceil(title.x1 / 2480 * 10_000) / 10_000,
        math.ceil(title.y1 / 3508 * 10_000) / 10_000,
    )


@needs_tesseract
def test_real_scans_known_failures_are_mended(real_fields):
    rd01 = real_fields["rd01"]
    # Not the cited law's date (19/6/2015), not the issuer run into the title.
    assert rd01["ngay"].value != "2015-06-19" and rd01["ngay"].reason
    assert rd01["co_quan_ban_hanh"].value == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert rd01["ten_loai"].value == "Tờ trình"
    # `Số: 575` handwritten, read `9` by the page and `5` by its region: flagged, never taken.
    rd02 = real_fields["rd02"]
    assert rd02["so"].value == "575" or rd02["so"].reason
    # A cut name (`an Hoàng Tuân`, `Thị Lê Vân`, `Phước Hiên`) read whole from the signer block
    # cropped from the scan, and flagged all the same: the two readings disagree.
    for name, person in (("rd01", "Trần Hoàng Tuấn"), ("rd02", "Hà Thị Lê Vân"),
                         ("rd04", "Trần Phước Hiền")):  # fmt: skip
        found = real_fields[name]["nguoi_ky"]
        assert found.value == person and "hai lần đọc khác nhau" in found.reason, (name, found)
    # A summary line that lost words to a received stamp beside it (rd05: `lệ án` for
    # `thực hiện dự án`) is flagged by the blank they left.
    assert "có thể mất chữ" in real_fields["rd05"]["trich_yeu"].reason
