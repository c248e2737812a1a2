"""Page checks: each check on a good and a bad page, page counts, whole files flagged for rescan."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageDraw, ImageFont

from sohoa_lib.demo._scans import DEFECTS, ScanRequest, font_files, write_demo_scans
from sohoa_lib.errors import ParamsError
from sohoa_lib.scan.pagecheck import (
    PAPERS_MM,
    Thresholds,
    check_file,
    check_page,
    paper_by_aspect,
    paper_by_size,
    skew_angle,
)
from sohoa_lib.scan.pages import PageSource, list_pages

CODE = "BN.2008.VP.0007"
# Every defect of the demo renderer on one JPEG file, then a good page (index 7).
REQUEST = ScanRequest(
    CODE, parent="BẢO HIỂM XÃ HỘI VIỆT NAM", issuer="BẢO HIỂM XÃ HỘI TỈNH BẮC NINH",
    place="Bắc Ninh", year=2008, pages=8, image_format="jpeg", defects=tuple(enumerate(DEFECTS)),
)  # fmt: skip
NAMES = ("readable", "resolution", "colour", "scale", "blank", "skew", "brightness")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    root = tmp_path_factory.mktemp("pagecheck")
    manifest = write_demo_scans([REQUEST], root / "scans", root / "truth", seed=1838)
    return root / "scans", manifest


def _row(demo, defect: str) -> pd.Series:
    return demo[1][demo[1].defect == defect].iloc[0]


def _page(demo, defect: str) -> PageSource:
    path = demo[0] / _row(demo, defect).file
    return next(p for p in list_pages(path.parent) if p.path == path)


def _check(result, name: str):
    return next(c for c in result.checks if c.name == name)


def _failing(result) -> list[str]:
    return [c.name for c in result.checks if not c.passed]


def _variant(demo, tmp_path: Path, change, name: str = "0001.png", **save) -> PageSource:
    """A page made from the good page with PIL: `change` takes and returns the image."""
    with Image.open(demo[0] / _row(demo, "").file) as image:
        changed = change(image.convert("RGB"))
    path = tmp_path / "X.01" / name
    path.parent.mkdir(exist_ok=True)
    changed.save(path, **save)
    return PageSource(path, 0, 1, "image")


def test_a_good_page_passes_every_check(demo):
    result = check_page(_page(demo, ""))
    assert tuple(c.name for c in result.checks) == NAMES
    assert result.passed and result.reasons == []
    assert (result.width_px, result.height_px, result.mode) == (2480, 3508, "RGB")
    assert (result.dpi, result.dpi_source, result.paper) == (300.0, "tệp", "A4")
    assert [c.label for c in result.checks] == [
        "Đọc được ảnh", "Độ phân giải", "Màu", "Tỷ lệ 100%", "Trang trắng", "Độ nghiêng", "Độ sáng",
    ]  # fmt: skip
    assert _check(result, "scale").value == "210×297 mm (A4)"  # the size at the file's dpi
    assert result.warnings == []
    assert 180 < _check(result, "brightness").value < 250
    assert all(c.reason == "" for c in result.checks)


def test_low_resolution_fails_with_the_measured_dpi(demo):
    result = check_page(_page(demo, "low_resolution"))
    assert _failing(result) == ["resolution"]
    assert result.reasons == ["độ phân giải 100 dpi < 200 dpi"]
    assert _check(result, "scale").passed  # a whole A4 page, only coarse


def test_no_dpi_is_inferred_from_the_paper_size(demo):
    result = check_page(_page(demo, "no_dpi"))
    assert result.passed, result.reasons
    assert (result.dpi_source, result.paper) == ("suy ra", "A4")
    assert result.dpi == pytest.approx(200, abs=0.5)
    assert _check(result, "scale").value is None  # no dpi to measure the scale against
    assert (
        _check(result, "scale").passed and "không đo được tỷ lệ" in _check(result, "scale").warning
    )
    stricter = check_page(_page(demo, "no_dpi"), thresholds=Thresholds(min_dpi=300))
    assert stricter.reasons == ["độ phân giải 200 dpi (suy ra từ khổ A4) < 300 dpi"]


def test_no_dpi_and_no_paper_shape_fails_resolution(demo, tmp_path):
    page = _variant(demo, tmp_path, lambda im: im.crop((0, 0, 2000, 2000)).reduce(2))
    result = check_page(page)
    assert _failing(result) == ["resolution"]
    assert result.dpi is None and result.dpi_source == ""
    assert "tệp không ghi độ phân giải, và khổ ảnh 1000×1000 px" in result.reasons[0]


def test_grayscale_fails_colour_in_both_profiles(demo):
    page = _page(demo, "grayscale")
    result = check_page(page)
    assert _failing(result) == ["colour"]
    assert result.reasons == ["ảnh xám 8 bit, Thông tư 05/2025/TT-BNV cần màu 24 bit"]
    assert check_page(page, "tt02-2019").reasons == [
        "ảnh xám 8 bit, Thông tư 02/2019/TT-BNV cần ảnh màu"
    ]
    assert check_page(_page(demo, ""), "tt02-2019").passed


def test_bilevel_palette_and_16_bit_pages_fail_colour(demo, tmp_path):
    for mode, said in (("1", "ảnh đen trắng 1 bit"), ("P", "ảnh bảng màu 8 bit")):
        page = _variant(demo, tmp_path, lambda im, m=mode: im.convert(m), dpi=(300, 300))
        result = check_page(page)
        assert _failing(result) == ["colour"], mode
        assert result.reasons[0].startswith(said)

    def deep(image: Image.Image) -> Image.Image:
        return Image.fromarray(np.asarray(image.convert("L"), dtype=np.uint16) * 257)

    result = check_page(_variant(demo, tmp_path, deep, "0002.tif", dpi=(300, 300)))
    assert result.mode == "I;16" and _failing(result) == ["colour"]
    assert result.reasons[0].startswith("ảnh xám 16 bit")


def test_blank_page_fails_blank_only(demo):
    result = check_page(_page(demo, "blank"))
    assert _failing(result) == ["blank"]
    assert result.reasons[0].startswith("trang trắng: mực 0,00% < 0,20%")
    assert _check(result, "skew").value is None


def test_skew_is_measured_within_half_a_degree(demo):
    skewed, good = _row(demo, "skewed"), _row(demo, "")
    result = check_page(_page(demo, "skewed"))
    assert _failing(result) == ["skew"]
    assert _check(result, "skew").value == pytest.approx(skewed.rotation_deg, abs=0.5)
    assert result.reasons[0].startswith("nghiêng ") and result.reasons[0].endswith("° > 1,0°")
    level = check_page(_page(demo, ""))
    assert _check(level, "skew").value == pytest.approx(good.rotation_deg, abs=0.5)


@pytest.mark.parametrize("angle", [-8.5, -2.0, 0.7, 3.2, 9.5])
def test_skew_angle_finds_a_known_rotation(demo, angle):
    with Image.open(demo[0] / _row(demo, "").file) as image:
        small = image.convert("L").reduce(3)  # 100 dpi: the rotation is what is measured
    turned = small.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=62)
    assert skew_angle(np.asarray(turned)) == pytest.approx(angle, abs=0.3)


def test_skew_angle_takes_a_full_size_page_and_a_blank_one(demo):
    with Image.open(demo[0] / _row(demo, "skewed").file) as image:
        gray = np.asarray(image.convert("L"))
    assert skew_angle(gray) == pytest.approx(_row(demo, "skewed").rotation_deg, abs=0.5)
    assert skew_angle(np.full((1169, 827), 235, dtype=np.uint8)) == 0.0


def test_dark_page_fails_brightness(demo):
    result = check_page(_page(demo, "dark"))
    assert _failing(result) == ["brightness"]
    assert result.reasons[0].startswith("quá tối: độ sáng trung bình ")
    assert _check(result, "brightness").value < 90


def test_washed_out_page_fails_but_sparse_dark_text_passes(demo, tmp_path):
    # Over-exposed: paper clips to white, text turns light grey.
    washed = _variant(
        demo, tmp_path, lambda im: im.point(lambda v: min(255, 175 + v)), dpi=(300, 300)
    )
    result = check_page(washed)
    assert _failing(result) == ["brightness"]
    assert result.reasons[0].startswith("quá sáng, chữ mờ")

    def sparse(image: Image.Image) -> Image.Image:
        page = Image.new("RGB", image.size, "white")
        font = ImageFont.truetype(str(font_files()["R"]), 58)
        for line in range(5):  # a short note on white paper: 0.5% ink, mean above 250
            text = "Hồ sơ gồm 12 tờ, đánh số từ 01 đến 12, bản gốc lưu tại kho"
            ImageDraw.Draw(page).text((354, 600 + 80 * line), text, font=font, fill=(20, 20, 20))
        return page

    result = check_page(_variant(demo, tmp_path, sparse, "0002.png", dpi=(300, 300)))
    assert result.passed, result.reasons
    assert _check(result, "brightness").value > 250


def test_truncated_page_is_a_failed_check_not_an_exception(demo):
    result = check_page(_page(demo, "truncated"))
    assert not result.passed and len(result.checks) == 1
    (read,) = result.checks
    assert (read.name, read.label, read.value) == ("readable", "Đọc được ảnh", None)
    assert read.reason.startswith("không đọc được ảnh (")
    assert (result.width_px, result.mode, result.dpi) == (0, "", None)


def test_half_scale_page_fails_scale_by_the_size_of_its_letters(demo, tmp_path):
    # 105×149 mm at 300 dpi could be an A6 sheet: only the type says it was shrunk.
    half = _variant(demo, tmp_path, lambda im: im.reduce(2), dpi=(300, 300))
    result = check_page(half)
    assert _failing(result) == ["scale"]
    assert _check(result, "scale").value == "105×149 mm"
    assert result.paper is None
    assert "thu nhỏ" in result.reasons[0] and result.reasons[0].startswith("chữ cao 2,")
    double = _variant(demo, tmp_path, lambda im: im.resize((im.width * 2, im.height * 2)),
                      "0002.png", dpi=(300, 300))  # fmt: skip
    assert _failing(check_page(double)) == ["scale"]
    assert "phóng to" in check_page(double).reasons[0]


def test_wrong_72_dpi_tag_is_not_trusted_and_warned(demo, tmp_path):
    # A 300-dpi A4 scan whose JFIF header says 72 dpi: 875×1237 mm, no office document.
    tagged = _variant(demo, tmp_path, lambda im: im, "0001.jpg", dpi=(72, 72), quality=90)
    result = check_page(tagged)
    assert result.passed, result.reasons
    assert (result.dpi_source, result.paper) == ("suy ra", "A4")
    assert result.dpi == pytest.approx(300, abs=1)
    (warning, scale) = result.warnings
    assert warning.startswith("tệp ghi 72 dpi, tức khổ 875×1238 mm: lớn hơn mọi văn bản")
    assert "suy ra 300 dpi" in warning and "không đo được tỷ lệ" in scale
    # A tag claiming twice the resolution halves the page below any document: not trusted either.
    small = check_page(_variant(demo, tmp_path, lambda im: im, "0002.png", dpi=(1200, 1200)))
    assert (
        small.passed and small.dpi_source == "suy ra" and "nhỏ hơn mọi văn bản" in small.warnings[0]
    )


def test_cropped_and_non_standard_sheets_pass_at_their_size(demo, tmp_path):
    # Cropped by the scanner to 203×290 mm (97% of A4): 100% scale is no zoom, not A4.
    cropped = _variant(demo, tmp_path, lambda im: im.crop((40, 50, 2438, 3475)), dpi=(300, 300))
    result = check_page(cropped)
    assert result.passed, result.reasons
    assert _check(result, "scale").value == "203×290 mm" and result.paper is None
    assert result.warnings == [
        "khổ 203×290 mm không theo khổ giấy chuẩn nào: trang bị cắt xén hoặc giấy khổ riêng"
    ]
    # A sheet of no standard size (a 1990s 200×320 mm page) at a trusted dpi passes too.
    tall = _variant(demo, tmp_path, lambda im: im.resize((2362, 3780)), "0002.png", dpi=(300, 300))
    assert check_page(tall).passed, check_page(tall).reasons


def test_file_is_flagged_for_rescan_and_page_count_checked(demo, tmp_path):
    scans = demo[0]
    result = check_file(CODE, scans / CODE, expected_pages=9)
    assert result.needs_rescan and len(result.pages) == 8
    assert not result.count_check.passed and result.count_check.value == 8
    assert result.reasons[0] == "có 8 trang ảnh, mục lục hồ sơ ghi 9 trang"
    flagged = {r.split(":")[0] for r in result.reasons[1:]}
    # Every defect but no_dpi (page 4), which infers 200 dpi and passes.
    assert flagged == {f"{CODE}/000{i}.jpg" for i in (1, 2, 3, 5, 6, 7)}
    # A file of good pages with the right count goes on.
    good = tmp_path / "BN.2008.VP.0008"
    good.mkdir()
    shutil.copy(scans / _row(demo, "").file, good / "0001.jpg")
    fine = check_file(good.name, good, expected_pages=1)
    assert not fine.needs_rescan and fine.reasons == []
    assert check_file(good.name, good, expected_pages=None).count_check.passed


def test_a_folder_that_cannot_be_listed_is_flagged_not_raised(tmp_path):
    result = check_file("X.09", tmp_path / "X.09", expected_pages=3)
    assert result.needs_rescan and result.pages == ()
    assert result.count_check.value is None
    assert "không có thư mục ảnh quét" in result.reasons[0]


def test_unknown_profile_is_refused(demo):
    with pytest.raises(ParamsError, match="tt05-2024"):
        check_page(_page(demo, ""), "tt05-2024")


@pytest.mark.parametrize("dpi", [150, 200, 300, 400, 600])
@pytest.mark.parametrize("paper", list(PAPERS_MM))
def test_dpi_is_inferred_for_every_paper_either_way_round(paper, dpi):
    short, long = (round(mm / 25.4 * dpi) for mm in PAPERS_MM[paper])
    for width, height in ((short, long), (long, short)):
        found = paper_by_aspect(width, height, 0.03)
        # A3, A5 and B5 have about A4's shape: without a dpi they read as A4, the common paper.
        assert found == ("A4" if paper in ("A3", "A5", "B5") else paper)
        assert paper_by_size(width / dpi * 25.4, height / dpi * 25.4, 0.03) == paper
    assert paper_by_aspect(1000, 1000, 0.03) is None
