"""Demo scans: files and truth on disk, defects in the files, determinism, OCR quality."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from sohoa_lib.demo import _scans, _typeset
from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.errors import MissingToolError
from sohoa_lib.scan.ocr import cer as _cer

SEED = 1838
BN = {"parent": "BẢO HIỂM XÃ HỘI VIỆT NAM", "issuer": "BẢO HIỂM XÃ HỘI TỈNH BẮC NINH"}
A4_300, A4_200, A4_100 = (2480, 3508), (1654, 2339), (827, 1169)
# Every defect once, on a JPEG file; PNG and TIFF repeat the two that depend on the format.
ALL_DEFECTS = tuple(enumerate(_scans.DEFECTS))
REQUESTS = (
    ScanRequest("BN.2019.THU.0042", **BN, place="Bắc Ninh", year=2019, pages=2, image_format="png",
                defects=((0, "no_dpi"), (1, "truncated"))),
    ScanRequest("BN.2008.VP.0007", **BN, place="Bắc Ninh", year=2008, pages=7, image_format="jpeg",
                defects=ALL_DEFECTS),
    ScanRequest("BN.2015.CST.0003", **BN, place="Bắc Ninh", year=2015, pages=2, image_format="tiff",
                defects=((0, "no_dpi"), (1, "truncated"))),
    ScanRequest("TTLT.1998.01", parent="BẢO HIỂM XÃ HỘI VIỆT NAM", issuer="TRUNG TÂM LƯU TRỮ",
                place="Hà Nội", year=1998, pages=2, image_format="tiff-multipage"),
    ScanRequest("BN.2021.KH.0011", **BN, place="Bắc Ninh", year=2021, pages=1, image_format="pdf"),
    ScanRequest("BN.2003.GDYT.0001", **BN, place="Bắc Ninh", year=2003, pages=1,
                image_format="jpeg"),
)  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path, pd.DataFrame]:
    root = tmp_path_factory.mktemp("demo")
    manifest = write_demo_scans(REQUESTS, root / "scans", root / "truth", SEED)
    return root / "scans", root / "truth", manifest


def _page(manifest: pd.DataFrame, code: str, page: int) -> pd.Series:
    return manifest[(manifest.ma_ho_so == code) & (manifest.page == page)].iloc[0]


def _defect(manifest: pd.DataFrame, kind: str, code: str = "BN.2008.VP.0007") -> pd.Series:
    return manifest[(manifest.ma_ho_so == code) & (manifest.defect == kind)].iloc[0]


def _documents(truth: Path, code: str) -> list[dict]:
    return json.loads((truth / code / "documents.json").read_text(encoding="utf-8"))["documents"]


def test_manifest_lists_every_page_and_its_files(demo):
    scans, truth, manifest = demo
    assert list(manifest.columns[:7]) == [
        "ma_ho_so", "page", "file", "defect", "dpi_written", "doc_seq", "truth_file",
    ]  # fmt: skip
    assert len(manifest) == sum(r.pages for r in REQUESTS)
    for request in REQUESTS:
        rows = manifest[manifest.ma_ho_so == request.ma_ho_so]
        assert list(rows.page) == list(range(1, request.pages + 1))
        assert dict(zip(rows.page - 1, rows.defect, strict=True)) == {
            i: dict(request.defects).get(i, "") for i in range(request.pages)
        }
    for row in manifest.itertuples():
        assert (scans / row.file).is_file()
        assert (truth / row.truth_file).is_file()
    on_disk = sorted(p.relative_to(scans).as_posix() for p in scans.rglob("*") if p.is_file())
    assert on_disk == sorted(set(manifest.file))
    assert _page(manifest, "TTLT.1998.01", 2).file == "TTLT.1998.01/TTLT.1998.01.tif"
    assert _defect(manifest, "no_dpi").dpi_written is None
    assert _defect(manifest, "low_resolution").dpi_written == 100
    assert _page(manifest, "BN.2021.KH.0011", 1).dpi_written == 300


def test_truth_is_nfc_and_first_pages_carry_motto_and_number(demo):
    _, truth, manifest = demo
    for request in REQUESTS:
        defects = dict(request.defects)
        for doc in _documents(truth, request.ma_ho_so):
            # A blank sheet before the first document goes with it: the header is on the next.
            first = next(p for p in doc["pages"] if defects.get(p - 1) != "blank")
            text = (truth / request.ma_ho_so / f"page-{first:04d}.txt").read_text(encoding="utf-8")
            assert unicodedata.normalize("NFC", text) == text
            lines = text.splitlines()
            assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in lines[0]
            assert "Độc lập - Tự do - Hạnh phúc" in lines[1]
            assert any(f"Số: {doc['number']}/{doc['symbol']}" in line for line in lines)
            assert f"ngày {doc['date'][8:10]} tháng" in text
            assert doc["signer_name"] in (
                truth / request.ma_ho_so / f"page-{doc['seal_pages'][0]:04d}.txt"
            ).read_text(encoding="utf-8")
    blank = _defect(manifest, "blank")
    assert (truth / blank.truth_file).read_text(encoding="utf-8") == ""


def test_documents_json_describes_every_document(demo):
    _, truth, manifest = demo
    fields = {
        "seq", "first_page", "last_page", "pages", "type_name", "number", "symbol", "date",
        "place", "issuer", "summary", "signer_title", "signer_name", "seal_pages",
        "signature_pages",
    }  # fmt: skip
    for request in REQUESTS:
        docs = _documents(truth, request.ma_ho_so)
        assert 1 <= len(docs) <= 3
        rows = manifest[manifest.ma_ho_so == request.ma_ho_so]
        assert [p for d in docs for p in d["pages"]] == list(rows.page)
        for doc in docs:
            assert fields <= set(doc)
            assert dt.date.fromisoformat(doc["date"]).year == request.year
            assert doc["issuer"] == request.issuer and doc["place"] == request.place
            assert list(rows[rows.doc_seq == doc["seq"]].page) == doc["pages"]
            defects = rows.set_index("page").defect
            printed = [page for page in doc["pages"] if defects[page] != "blank"]
            assert doc["seal_pages"] == doc["signature_pages"] == printed[-1:]
            assert re.fullmatch(r"\d{2,4}", doc["number"]) and "-" in doc["symbol"]


def test_normal_pages_are_a4_colour_at_300_dpi(demo):
    scans, _, manifest = demo
    row = _page(manifest, "BN.2003.GDYT.0001", 1)
    with Image.open(scans / row.file) as image:
        assert (image.size, image.mode) == (A4_300, "RGB")
        assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)
        assert 180 < np.asarray(image.convert("L")).mean() < 250
    with Image.open(scans / "TTLT.1998.01" / "TTLT.1998.01.tif") as image:
        assert image.n_frames == 2
        assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)
    pdf = (scans / "BN.2021.KH.0011" / "BN.2021.KH.0011.pdf").read_bytes()
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
    assert b"595.2 841.9" in pdf  # A4 in points: the images say 300 dpi


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow reading the cut TIFF
def test_each_defect_is_in_the_written_file(demo):
    scans, _, manifest = demo
    with Image.open(scans / _defect(manifest, "blank").file) as image:
        grey = np.asarray(image.convert("L"))
        assert grey.mean() > 200 and (grey < 128).mean() < 0.0005
    with Image.open(scans / _defect(manifest, "dark").file) as image:
        assert np.asarray(image.convert("L")).mean() < 70
    with Image.open(scans / _defect(manifest, "low_resolution").file) as image:
        assert image.size == A4_100 and tuple(round(d) for d in image.info["dpi"]) == (100, 100)
    with Image.open(scans / _defect(manifest, "grayscale").file) as image:
        assert image.mode == "L" and image.size == A4_300
    for code in ("BN.2008.VP.0007", "BN.2019.THU.0042", "BN.2015.CST.0003"):
        with Image.open(scans / _defect(manifest, "no_dpi", code).file) as image:
            assert image.size == A4_200
            assert "dpi" not in image.info and "jfif_density" not in image.info
        truncated = scans / _defect(manifest, "truncated", code).file
        with pytest.raises(OSError), Image.open(truncated) as image:
            image.load()


def test_skew_is_measurable_and_matches_the_manifest(demo):
    scans, _, manifest = demo
    skewed = _defect(manifest, "skewed")
    normal = _page(manifest, "BN.2003.GDYT.0001", 1)
    assert normal.defect == "" and 3 <= abs(skewed.rotation_deg) <= 6
    for row in (skewed, normal):
        with Image.open(scans / row.file) as image:
            assert abs(_measure_skew(image) - row.rotation_deg) < 0.3


def test_same_seed_same_pixels_other_seed_other_pixels(demo, tmp_path):
    scans, _, _ = demo
    request = REQUESTS[-1]
    # Rendered alone, a file comes out as it did among the others.
    write_demo_scans([request], tmp_path / "a", tmp_path / "ta", SEED)
    write_demo_scans([request], tmp_path / "b", tmp_path / "tb", SEED + 1)
    name = f"{request.ma_ho_so}/0001.jpg"
    with Image.open(scans / name) as first, Image.open(tmp_path / "a" / name) as again:
        assert np.array_equal(np.asarray(first), np.asarray(again))
    with Image.open(scans / name) as first, Image.open(tmp_path / "b" / name) as other:
        assert not np.array_equal(np.asarray(first), np.asarray(other))


def test_bad_requests_are_refused_before_anything_is_written(tmp_path):
    good = REQUESTS[0]
    bad = [
        ScanRequest("X", **BN, place="P", year=2019, pages=2, image_format="pdf",
                    defects=((0, "dark"),)),
        ScanRequest("X", **BN, place="P", year=2019, pages=2, image_format="png",
                    defects=((2, "dark"),)),
        ScanRequest("X", **BN, place="P", year=2019, pages=2, image_format="png",
                    defects=((0, "smudged"),)),
        ScanRequest("X", **BN, place="P", year=2019, pages=2, image_format="gif"),
        ScanRequest("../X", **BN, place="P", year=2019, pages=2, image_format="png"),
    ]  # fmt: skip
    for request in bad:
        with pytest.raises(ValueError):
            write_demo_scans([good, request], tmp_path / "s", tmp_path / "t", SEED)
    with pytest.raises(ValueError):
        write_demo_scans([good, good], tmp_path / "s", tmp_path / "t", SEED)
    assert not (tmp_path / "s").exists()


def test_documents_fill_exactly_the_pages_asked_for():
    # Layout only (no pixels): every kind of letter, over the years, fits its page count.
    for seed in range(12):
        for year, pages in ((1996, 1), (2004, 2), (2012, 3), (2020, 6)):
            request = ScanRequest(
                f"T.{year}", **BN, place="Bắc Ninh", year=year, pages=pages, image_format="png"
            )
            letters, docs = _scans._compose(request, np.random.default_rng(seed), pages)
            assert sum(len(doc) for doc in docs) == pages
            assert all(1 <= len(doc) <= 2 for doc in docs) and len(letters) == len(docs)


def test_missing_fonts_name_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(_typeset, "FONT_FAMILIES", ((str(tmp_path), "{}.ttf", "R B I BI"),))
    _typeset.font_files.cache_clear()
    try:
        with pytest.raises(MissingToolError, match="fonts-liberation2"):
            _typeset.font_files()
    finally:
        monkeypatch.undo()
        _typeset.font_files.cache_clear()


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_tesseract_reads_a_normal_page(demo):
    scans, truth, manifest = demo
    # A one-page document: header, body, signature and seal all on the page.
    row = _page(manifest, "BN.2003.GDYT.0001", 1)
    done = subprocess.run(
        ["tesseract", str(scans / row.file), "stdout", "-l", "vie", "--dpi", "300", "--psm", "4"],
        capture_output=True, text=True, check=True, env=os.environ | {"OMP_THREAD_LIMIT": "1"},
    )  # fmt: skip
    text = done.stdout
    expected = (truth / row.truth_file).read_text(encoding="utf-8")
    cer = _cer(text, expected)
    assert cer < 0.05, f"character error rate {cer:.1%}; tesseract read:\n{text}"


def _measure_skew(image: Image.Image) -> float:
    """The counter-clockwise rotation (degrees) that best levels the text in the page's middle."""
    grey = image.convert("L").reduce(4)
    w, h = grey.size
    grey = grey.crop((w // 5, h // 5, 4 * w // 5, 4 * h // 5))
    ink = grey.point(lambda v: 255 if v < 128 else 0)

    def levelness(angle: float) -> float:
        turned = np.asarray(ink.rotate(-angle, resample=Image.Resampling.BILINEAR))
        return float(turned.sum(axis=1, dtype=np.float64).var())

    coarse = max(np.arange(-8, 8.01, 0.5), key=levelness)
    return float(max(np.arange(coarse - 0.5, coarse + 0.51, 0.05), key=levelness))


def test_cer_helper():
    assert _cer("Bảo hiểm", "Bảo hiểm") == 0
    assert _cer("Bao hiem", "Bảo  hiểm\n") == pytest.approx(2 / 8)
    assert _cer("", "abc") == 1
