"""Documents: splitting a file into its documents and reading their fields (truth, OCR, seeds)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from sohoa_lib.demo import _scans
from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.describe.documents import (
    FIELD_KEYS,
    FROM_LIST,
    Document,
    Field,
    PageInfo,
    catalogue,
    extract_fields,
    ma_dinh_danh,
    parse_so,
    split_documents,
)
from sohoa_lib.errors import InputError

SEED = 1838
VN = "BẢO HIỂM XÃ HỘI VIỆT NAM"
BN = {"parent": VN, "issuer": "BẢO HIỂM XÃ HỘI TỈNH BẮC NINH", "place": "Bắc Ninh"}
HD = {"parent": VN, "issuer": "BẢO HIỂM XÃ HỘI TỈNH HẢI DƯƠNG", "place": "Hải Dương"}
HP = {"parent": VN, "issuer": "BẢO HIỂM XÃ HỘI THÀNH PHỐ HẢI PHÒNG", "place": "Hải Phòng"}
TTLT = {"parent": VN, "issuer": "TRUNG TÂM LƯU TRỮ", "place": "Hà Nội"}
# BHXH Việt Nam's own documents: one body in the header, no parent above it.
CENTRAL = {"parent": "", "issuer": VN, "place": "Hà Nội"}
TRUTH_REQUESTS = (
    ScanRequest("BN.2019.THU.0042", **BN, year=2019, pages=4, image_format="png"),
    ScanRequest("TTLT.1998.VP.0001", **TTLT, year=1998, pages=4, image_format="png"),
    ScanRequest("HD.2006.CDCS.0002", **HD, year=2006, pages=4, image_format="png",
                defects=((2, "blank"),)),
    ScanRequest("HP.2010.KTTC.0003", **HP, year=2010, pages=4, image_format="png"),
    ScanRequest("VN.2021.VP.0004", **CENTRAL, year=2021, pages=3, image_format="png"),
    ScanRequest("BN.2003.GDYT.0005", **BN, year=2003, pages=3, image_format="png"),
    ScanRequest("TTLT.2015.VP.0006", **TTLT, year=2015, pages=4, image_format="png"),
    ScanRequest("HP.2020.TCCB.0007", **HP, year=2020, pages=3, image_format="png"),
)  # fmt: skip
# Three pages, two documents: a two-page Công văn, then a one-page Quyết định.
OCR_REQUEST = ScanRequest("BN.2019.THU.0007", **BN, year=2019, pages=3, image_format="png")


@pytest.fixture(scope="module")
def truth_dir(tmp_path_factory) -> Path:
    """Truth text of the demo files; the page images are skipped (text needs no pixels)."""
    root = tmp_path_factory.mktemp("documents")
    with pytest.MonkeyPatch.context() as patch:
        # The text and documents.json come from the layout; rendering only makes the pixels.
        patch.setattr(_scans, "_render", lambda *args: Image.new("RGB", (8, 8), "white"))
        write_demo_scans(TRUTH_REQUESTS, root / "scans", root / "truth", SEED)
    return root / "truth"


def _truth(folder: Path) -> list[dict]:
    return json.loads((folder / "documents.json").read_text(encoding="utf-8"))["documents"]


def _truth_pages(folder: Path) -> list[PageInfo]:
    marked = {p for d in _truth(folder) for p in d["seal_pages"] + d["signature_pages"]}
    return [
        PageInfo(n, path.read_text(encoding="utf-8"), seal=n in marked, signature=n in marked)
        for n, path in enumerate(sorted(folder.glob("page-*.txt")), start=1)
    ]


def _expected(doc: dict) -> dict[str, str]:
    return {
        "ten_loai": doc["type_name"],
        "so": doc["number"],
        "ky_hieu": doc["symbol"],
        "ngay": doc["date"],
        "noi_ban_hanh": doc["place"],
        "co_quan_ban_hanh": doc["issuer"],
        "trich_yeu": doc["summary"],
        "chuc_vu_nguoi_ky": " / ".join(doc["signer_block"]),
        "nguoi_ky": doc["signer_name"],
    }


def _wrong(document: Document, truth: dict) -> dict[str, tuple]:
    """Field → (found, expected) for every field that differs from the truth."""
    expected = _expected(truth)
    return {
        k: (document.fields[k].value, v)
        for k, v in expected.items()
        if document.fields[k].value != v
    }


# Demo truth text -------------------------------------------------------------------------------


def test_truth_text_split_and_every_field(truth_dir):
    documents = 0
    for request in TRUTH_REQUESTS:
        folder = truth_dir / request.ma_ho_so
        truth = _truth(folder)
        found = catalogue(_truth_pages(folder))
        assert [(d.first_page, d.last_page) for d in found] == [
            (t["first_page"], t["last_page"]) for t in truth
        ], request.ma_ho_so
        for document, expected in zip(found, truth, strict=True):
            where = f"{request.ma_ho_so} document {document.seq}"
            assert _wrong(document, expected) == {}, where
            assert document.but_tich == tuple(expected["seal_pages"]), where
            assert document.pages == len(expected["pages"]), where
            assert document.flagged() == [], where
        documents += len(found)
    assert documents >= 20, "the batch should hold about twenty documents"


def test_truth_kinds_cover_the_type_rules(truth_dir):
    kinds = {t["type_name"] for r in TRUTH_REQUESTS for t in _truth(truth_dir / r.ma_ho_so)}
    # Title line (Quyết định …), and a Công văn's V/v line with no title.
    assert {"Quyết định", "Công văn"} <= kinds and len(kinds) >= 4, kinds


# Real OCR --------------------------------------------------------------------------------------


def _has_vietnamese_tesseract() -> bool:
    if shutil.which("tesseract") is None:
        return False
    done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)
    return "vie" in (done.stdout + done.stderr).split()


def _ocr(image: Path, out: Path) -> PageInfo:
    """Tesseract's text and mean word confidence for one page image."""
    subprocess.run(
        ["tesseract", str(image), str(out), "-l", "vie", "--psm", "4", "--dpi", "300", "txt", "tsv"],
        capture_output=True, check=True, env=os.environ | {"OMP_THREAD_LIMIT": "1"},
    )  # fmt: skip
    with open(f"{out}.tsv", encoding="utf-8", newline="") as table:
        rows = csv.DictReader(table, delimiter="\t", quoting=csv.QUOTE_NONE)
        confs = [float(r["conf"]) for r in rows if r["level"] == "5" and float(r["conf"]) >= 0]
    text = Path(f"{out}.txt").read_text(encoding="utf-8")
    return PageInfo(int(image.stem), text, sum(confs) / len(confs) if confs else -1.0)


@pytest.mark.skipif(not _has_vietnamese_tesseract(), reason="tesseract with vie is not installed")
def test_ocr_of_a_rendered_file(tmp_path):
    write_demo_scans([OCR_REQUEST], tmp_path / "scans", tmp_path / "truth", SEED)
    truth = _truth(tmp_path / "truth" / OCR_REQUEST.ma_ho_so)
    assert len(truth) == 2, "the demo no longer lays this file out as two documents"
    images = sorted((tmp_path / "scans" / OCR_REQUEST.ma_ho_so).glob("*.png"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        pages = list(pool.map(lambda p: _ocr(p, tmp_path / p.stem), images))

    found = catalogue(pages)

    assert [(d.first_page, d.last_page) for d in found] == [
        (t["first_page"], t["last_page"]) for t in truth
    ]
    wrong = {d.seq: _wrong(d, t) for d, t in zip(found, truth, strict=True)}
    # Other fields may suffer from OCR slips (chỉ for chi); show them rather than fail.
    print("fields read wrong from OCR:", {seq: w for seq, w in wrong.items() if w} or "none")
    for seq, fields in wrong.items():
        assert not {"so", "ky_hieu", "ngay", "ten_loai"} & fields.keys(), (seq, fields)


# Seeds: real documents as published, with a web page's preamble above the header ------------


def test_seed_plan_1838():
    fields = extract_fields([PageInfo(1, SEED_000)])
    assert _values(fields, "ten_loai", "so", "ky_hieu", "ngay", "co_quan_ban_hanh") == (
        "Kế hoạch", "1838", "KH-BHXH", "2022-07-08", "BẢO HIỂM XÃ HỘI VIỆT NAM"
    )  # fmt: skip
    assert fields["noi_ban_hanh"].value == "Hà Nội"
    assert fields["trich_yeu"].value.startswith("SỐ HÓA HỒ SƠ, TÀI LIỆU LƯU TRỮ")
    # The excerpt stops before the signature: nothing is invented for it.
    assert fields["nguoi_ky"] == Field(None, 0.0, "không tìm thấy")


def test_seed_decision_341():
    fields = extract_fields([PageInfo(1, SEED_002)])
    assert _values(fields, "ten_loai", "so", "ky_hieu", "ngay", "co_quan_ban_hanh") == (
        "Quyết định", "341", "QĐ-BHXH", "2025-02-27", "BẢO HIỂM XÃ HỘI VIỆT NAM"
    )  # fmt: skip
    assert fields["chuc_vu_nguoi_ky"].value == "KT. TỔNG GIÁM ĐỐC / PHÓ TỔNG GIÁM ĐỐC"
    assert fields["nguoi_ky"].value == "Đào Việt Ánh"
    assert all(f.confidence >= 0.6 for f in fields.values())


def _values(fields: dict[str, Field], *keys: str) -> tuple:
    return tuple(fields[k].value for k in keys)


# Document list, flags, names -------------------------------------------------------------------


def test_document_list_overrides_detection(truth_dir):
    pages = _truth_pages(truth_dir / "BN.2019.THU.0042")
    detected = split_documents(pages)
    assert len(detected) > 1

    whole = catalogue(pages, document_list=[(1, len(pages))])

    assert [(d.first_page, d.last_page) for d in whole] == [(1, len(pages))]
    assert whole[0].split_source == FROM_LIST
    assert whole[0].fields["so"] == catalogue(pages)[0].fields["so"]
    assert whole[0].but_tich == tuple(p.number for p in pages if p.seal)


def test_a_bad_document_list_names_every_problem(truth_dir):
    pages = _truth_pages(truth_dir / "BN.2019.THU.0042")
    with pytest.raises(InputError) as error:
        split_documents(pages, [(1, 1), (3, 2)])
    message = str(error.value)
    assert "văn bản 2 bắt đầu ở trang 3, cần trang 2" in message
    assert "kết thúc ở trang 2, trước trang đầu 3" in message
    assert f"tệp có {len(pages)} trang" in message


def test_pages_must_be_numbered_in_order():
    with pytest.raises(InputError, match="trang 2: đánh số 3"):
        split_documents([PageInfo(1, ""), PageInfo(3, "")])


def test_low_ocr_confidence_flags_every_field(truth_dir):
    folder = truth_dir / "BN.2019.THU.0042"
    first = _truth(folder)[0]
    pages = [
        PageInfo(p.number, p.text, ocr_confidence=30.0)
        for p in _truth_pages(folder)[: first["last_page"]]
    ]
    document = catalogue(pages, document_list=[(1, len(pages))])[0]
    assert document.flagged() == list(FIELD_KEYS)
    assert document.flagged(threshold=0.2) == []


def test_a_lost_number_line_is_flagged_and_the_rest_kept():
    # As Tesseract once read `Số: 22/TTr-TTLT` under a rule: nothing of the label survived.
    text = (
        "BẢO HIỂM XÃ HỘI VIỆT NAM CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "TRUNG TÂM LƯU TRỮ Độc lập - Tự do - Hạnh phúc\n"
        "022/111 1111 Hà Nội, ngày 17 tháng 4 năm 2003\n"
        "TỜ TRÌNH\n"
        "Về việc đề nghị thành lập Tổ\n"
        "chỉnh lý tài liệu lưu trữ năm 2003\n"
        "Kính gửi: Bảo hiểm xã hội Việt Nam\n"
    )
    document = catalogue([PageInfo(1, text, ocr_confidence=94.0)])[0]
    assert document.flagged() == ["so", "ky_hieu", "chuc_vu_nguoi_ky", "nguoi_ky"]
    assert _values(document.fields, "ten_loai", "ngay", "co_quan_ban_hanh", "trich_yeu") == (
        "Tờ trình", "2003-04-17", "TRUNG TÂM LƯU TRỮ",
        "Về việc đề nghị thành lập Tổ chỉnh lý tài liệu lưu trữ năm 2003",
    )  # fmt: skip


def test_file_names_and_document_codes():
    document = Document(3, 4, 5, {k: Field(None, 0.0, "") for k in FIELD_KEYS}, ())
    assert document.file_name("BN.2008.CDCS.00568", whole=False) == "BN.2008.CDCS.00568.03.pdf"
    assert document.file_name("BN.2008.CDCS.00568", whole=True) == "BN.2008.CDCS.00568.pdf"
    assert ma_dinh_danh("BN.2008.CDCS.00568", 1) == "BN.2008.CDCS.00568.01"
    assert ma_dinh_danh("BN.2008.CDCS.00568", 120) == "BN.2008.CDCS.00568.120"
    for bad in (0, -1, True):
        with pytest.raises(ValueError, match="positive integer"):
            ma_dinh_danh("BN.2008.CDCS.00568", bad)
    with pytest.raises(ValueError, match="without spaces or slashes"):
        ma_dinh_danh("BN/2008", 1)


# The Số: line and the date line, OCR forms --------------------------------------------------


@pytest.mark.parametrize(
    ("line", "number", "symbol"),
    [
        ("Số: 1838/KH-BHXH", "1838", "KH-BHXH"),
        ("Sô: 1838 / KH - BHXH", "1838", "KH-BHXH"),
        ("S6:125/QĐ-BHXH Bắc Ninh, ngày 03 tháng 10 năm 2019", "125", "QĐ-BHXH"),
        ("So: 05/TTr-TTLT", "05", "TTr-TTLT"),
        ("Số 1O4/BHXH-CĐBHXH", "104", "BHXH-CĐBHXH"),
        ("Số: 583/QĐÐ-BHXH", "583", "QĐ-BHXH"),
        ("Số: 89/2020/NĐ-CP", "89", "2020/NĐ-CP"),
    ],
)
def test_so_line_forms(line, number, symbol):
    found = parse_so(line)
    assert (found.number, found.symbol) == (number, symbol)


@pytest.mark.parametrize(
    "line",
    ["Quyết định số 458/QĐ-TTg ngày 03/4/2020", "Số người hưởng chế độ là 2.108", "số 12/QĐ-UB"],
)
def test_not_a_so_line(line):
    assert parse_so(line) is None


_LETTERS = "ABCDEGHIKLMNOPQRSTUVXYĐ"
_SPACE = st.sampled_from(["", " ", "  "])


@settings(max_examples=300, deadline=None)
@given(
    number=st.integers(1, 99999),
    padded=st.booleans(),
    parts=st.lists(st.text(_LETTERS, min_size=1, max_size=6), min_size=1, max_size=3),
    label=st.sampled_from(["Số:", "Sô:", "So:", "S6:", "Số :", "SỐ:", "Số"]),
    spaces=st.lists(_SPACE, min_size=8, max_size=8),
    tail=st.sampled_from(["", " Bắc Ninh, ngày 03 tháng 10 năm 2019", "   Hà Nội"]),
)
def test_so_parser_reads_any_number_and_symbol(number, padded, parts, label, spaces, tail):
    text = f"{number:03d}" if padded else str(number)
    symbol = "".join(f"{spaces[2 * i]}-{spaces[2 * i + 1]}{p}" for i, p in enumerate(parts[1:]))
    line = f"{label} {spaces[6]}{text}{spaces[4]}/{spaces[5]}{parts[0]}{symbol}{tail}"
    found = parse_so(line)
    assert found is not None, line
    assert (found.number, found.symbol) == (text, "-".join(parts)), line


@settings(max_examples=100, deadline=None)
@given(
    day=st.dates(dt.date(1995, 1, 1), dt.date(2025, 12, 31)),
    place=st.sampled_from(["Hà Nội", "Bắc Ninh", "Hải Phòng", "Thành phố Hồ Chí Minh"]),
    noise=st.sampled_from(["", " ", "\n"]),
    zero=st.sampled_from(["0", "O"]),
)
def test_date_line_with_ocr_noise(day, place, noise, zero):
    year = str(day.year).replace("0", zero)
    text = (
        f"BẢO HIỂM XÃ HỘI VIỆT NAM\nSố: 12/QĐ-BHXH {place},{noise}ngày {day.day:02d}"
        f"{noise} tháng {day.month}{noise} năm{noise} {year}\nQUYẾT ĐỊNH\nVề việc thử\n"
    )
    fields = extract_fields([PageInfo(1, text)])
    assert fields["ngay"].value == day.isoformat()
    assert fields["noi_ban_hanh"].value == place
    assert fields["ngay"].confidence >= (0.95 if zero == "0" else 0.8)


# Excerpts of the seed documents (SPEC `seeds/`), lines as published: plan 1838/KH-BHXH from
# its first line to its first heading, decision 341/QĐ-BHXH from its header to its signer.
SEED_000 = (
    "Thứ 7, Ngày 26/10/2024\n"
    "\n"
    "Kế hoạch 1838/KH-BHXH năm 2022 về số hóa hồ sơ, tài liệu lưu trữ của ngành Bảo "
    "hiểm xã hội Việt Nam\n"
    "\n"
    "Số hiệu 1838/KH-BHXH\n"
    "Ngày ban hành 08/07/2022\n"
    "Ngày có hiệu lực 08/07/2022\n"
    "Loại văn bản Kế hoạch\n"
    "Cơ quan ban hành Bảo hiểm xã hội Việt Nam\n"
    "Người ký Lê Hùng Sơn\n"
    "Lĩnh vực Bảo hiểm,Bộ máy hành chính\n"
    "\n"
    "BẢO HIỂM XÃ HỘI VIỆT NAM\n"
    "-------\n"
    "\n"
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\n"
    "---------------\n"
    "\n"
    "Số: 1838/KH-BHXH\n"
    "\n"
    "Hà Nội, ngày 08 tháng 7 năm 2022\n"
    "\n"
    "\xa0\n"
    "\n"
    "KẾ HOẠCH\n"
    "\n"
    "SỐ HÓA HỒ SƠ, TÀI LIỆU LƯU TRỮ CỦA NGÀNH BẢO HIỂM XÃ HỘI VIỆT NAM\n"
    "\n"
    "Căn cứ Quyết định số 458/QĐ-TTg ngày 03/4/2020 của Thủ tướng Chính phủ phê "
    "duyệt Đề án “Lưu trữ tài liệu điện tử của các cơ quan nhà nước giai đoạn "
    "2020-2025”; Kế hoạch số 1526/KH-BHXH ngày 02/6/2021 về việc triển khai thực "
    "hiện Quyết định số 458/QĐ-TTg, Bảo hiểm xã hội (BHXH) Việt Nam ban hành Kế "
    "hoạch số hóa hồ sơ, tài liệu lưu trữ với những nội dung như sau:\n"
    "\n"
    "I. MỤC ĐÍCH, YÊU CẦU\n"
    "\n"
)

SEED_002 = (
    "BẢO HIỂM XÃ HỘI\n"
    "  VIỆT NAM\n"
    "-------\n"
    "CỘNG HÒA XÃ HỘI\n"
    "  CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\n"
    "---------------\n"
    "Số: 341/QĐ-BHXH\n"
    "Hà Nội, ngày 27\n"
    "  tháng 02 năm 2025\n"
    "QUYẾT ĐỊNH\n"
    "BAN\n"
    "HÀNH KẾ HOẠCH TỔNG THỂ THỰC HIỆN ĐỀ ÁN TƯ LIỆU HÓA VÀ CHUYỂN ĐỔI SỐ TRONG HỆ THỐNG\n"
    "THỐNG KÊ NGÀNH BẢO HIỂM XÃ HỘI VIỆT NAM\n"
    "TỔNG GIÁM ĐỐC BẢO HIỂM XÃ HỘI VIỆT NAM\n"
    "Căn cứ Luật Thống kê ngày 23 tháng 11 năm 2015;\n"
    "Luật sửa đổi, bổ sung một số điều và Phụ lục Danh mục chỉ tiêu thống kê quốc\n"
    "gia của Luật Thống kê ngày 12 tháng 11 năm 2021;\n"
    "Căn cứ Nghị định số 89/2020/NĐ-CP ngày\n"
    "04/08/2020 của Chính phủ quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ\n"
    "chức của Bảo hiểm xã hội Việt Nam;\n"
    "Căn cứ vào Quyết định số 16/QĐ-BKHĐT ngày 06/01/2025\n"
    "của Bộ Kế hoạch và Đầu tư về việc ban hành Khung kế hoạch tổng thể thực hiện Đề\n"
    "án tư liệu hóa và chuyển đổi số trong hệ thống thống kê quốc gia;\n"
    "Theo đề nghị của Vụ trưởng Vụ Kế hoạch và Đầu\n"
    "tư.\n"
    "QUYẾT ĐỊNH:\n"
    "Điều 1.\n"
    "Ban hành kèm theo\n"
    "Quyết định này Kế hoạch tổng thể thực hiện Đề án tư liệu hóa và chuyển đổi số\n"
    "trong hệ thống thống kê ngành Bảo hiểm xã hội Việt Nam.\n"
    "Điều 2.\n"
    "Quyết định này có\n"
    "hiệu lực kể từ ngày ký. Thủ trưởng các đơn vị trực thuộc Bảo hiểm xã hội Việt\n"
    "Nam và Giám đốc Bảo hiểm xã hội các tỉnh, thành phố trực thuộc Trung ương chịu\n"
    "trách nhiệm thi hành Quyết định này./.\n"
    "Nơi nhận:\n"
    "- Như điều 2;\n"
    "- Bộ Kế hoạch và Đầu tư;\n"
    "- Tổng cục Thống kê;\n"
    "- Tổng Giám đốc (để b/c);\n"
    "- Cổng thông tin điện tử BHXH Việt Nam;\n"
    "- Lưu: VT, KHĐT.\n"
    "KT. TỔNG GIÁM ĐỐC\n"
    "PHÓ TỔNG GIÁM ĐỐC\n"
    "Đào Việt Ánh\n"
    "KẾ HOẠCH TỔNG THỂ\n"
)
