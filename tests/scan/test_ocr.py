"""OCR: real Tesseract on rendered Vietnamese pages, read back from the text-only PDF."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT
from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.errors import InputError, MissingToolError, ParamsError
from sohoa_lib.scan import ocr
from sohoa_lib.scan.ocr import cer
from sohoa_lib.tools import tesseract

BN = {"parent": "BẢO HIỂM XÃ HỘI VIỆT NAM", "issuer": "BẢO HIỂM XÃ HỘI TỈNH BẮC NINH"}
# A one-page document each: header, body, signature and seal on the page; JPEG and PNG scans.
REQUESTS = (
    ScanRequest("BN.2003.GDYT.0001", **BN, place="Bắc Ninh", year=2003, pages=1,
                image_format="jpeg"),
    ScanRequest("BN.2019.THU.0042", **BN, place="Bắc Ninh", year=2019, pages=1,
                image_format="png"),
)  # fmt: skip
# Where `make tessdata-best` (scripts/fetch-tessdata-best.sh) puts the best model.
BEST = Path(os.environ.get("SOHOA_TESSDATA_BEST", ROOT / "data" / "tessdata-best"))

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None or shutil.which("pdftotext") is None,
    reason="tesseract or pdftotext (poppler-utils) is not installed",
)


def text_layer(pdf: Path) -> str:
    """What a reader copies from the PDF, in reading layout (columns side by side on a row)."""
    args = ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path, list[ocr.PageTask]]:
    root = tmp_path_factory.mktemp("ocr")
    manifest = write_demo_scans(REQUESTS, root / "scans", root / "truth", seed=1838)
    model = ocr.model("fast")
    tasks = [
        ocr.PageTask(f"{row.ma_ho_so}#{row.page:04d}", root / "scans" / row.file, 0, 300.0,
                     model, root / "work")
        for row in manifest.itertuples()
    ]  # fmt: skip
    return root / "scans", root / "truth", tasks


@pytest.fixture(scope="module")
def results(demo) -> list[ocr.PageResult]:
    seen: list[str] = []
    found = ocr.ocr_pages(demo[2], progress=lambda r: seen.append(r.key))
    assert sorted(seen) == sorted(t.key for t in demo[2])
    return found


def _truth(truth: Path, key: str) -> str:
    return (truth / key.split("#")[0] / "page-0001.txt").read_text(encoding="utf-8")


@needs_tesseract
def test_text_layer_reads_back_with_vietnamese_diacritics(demo, results):
    _, truth, tasks = demo
    for task, result in zip(tasks, results, strict=True):
        assert result.key == task.key
        expected = _truth(truth, task.key)
        layer = text_layer(result.text_pdf)
        assert cer(layer, expected) < 0.02, f"{task.key}: the text layer reads\n{layer}"
        assert cer(result.text, expected) < 0.02
        assert unicodedata.is_normalized("NFC", layer)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in result.text
        assert 85 < result.mean_confidence <= 100 and result.words > 150
        assert set(result.timings) == {"open", "prepare", "tesseract", "pdf"}


@needs_tesseract
def test_seal_and_signature_leave_no_text_at_the_signature_block(demo, results):
    _, truth, tasks = demo
    blue = 0
    for task, result in zip(tasks, results, strict=True):
        expected = _truth(truth, task.key)
        ink = result.ink
        assert ink["red_share"] > 0.001, f"{task.key}: no seal ink found"
        x0, y0, x1, y1 = ink["red_box"]
        assert 0.4 < (x0 + x1) / 2 < 0.8 and 0.5 < (y0 + y1) / 2 < 0.95  # where the seal is
        # The seal's ring text is not read: the issuer's name is printed once, in the header.
        assert result.text.count("TỈNH BẮC NINH") == expected.count("TỈNH BẮC NINH")
        if ink["blue_share"] < 0.0003:
            continue  # a black-ink signature stays: it cannot be told from text by colour
        blue += 1
        document = json.loads((truth / task.key.split("#")[0] / "documents.json").read_text())
        signer = document["documents"][0]
        # Between the signer's title and name: the seal, the signature and the left column's list.
        between = [_between(t, signer["signer_block"][-1], signer["signer_name"])
                   for t in (result.text, expected)]  # fmt: skip
        assert len(between[0]) == len(between[1]), f"{task.key}: read {between[0]}"
        for found, want in zip(*between, strict=True):
            assert cer(found, want) < 0.25, f"{task.key}: {found!r} for {want!r}"
    assert blue, "no demo page with a blue signature: choose another seed"


def _between(text: str, first: str, last: str) -> list[str]:
    """The lines after the one ending (about) in `first`, before the one ending in `last`."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]

    def find(target: str, after: int) -> int:
        rest = range(after + 1, len(lines))
        return min(rest, key=lambda i: cer(lines[i][-len(target) :], target))

    start = find(first, -1)
    return lines[start + 1 : find(last, start)]


@needs_tesseract
def test_an_injected_executor_gives_the_same_results(demo, results, tmp_path):
    tasks = [replace(t, workdir=tmp_path) for t in demo[2]]
    with ThreadPoolExecutor(2) as pool:
        threaded = ocr.ocr_pages(tasks, pool)
    assert [r.key for r in threaded] == [r.key for r in results]
    assert [r.text for r in threaded] == [r.text for r in results]
    assert [r.mean_confidence for r in threaded] == [r.mean_confidence for r in results]
    assert [r.ink for r in threaded] == [r.ink for r in results]
    assert all(r.text_pdf.parent == tmp_path for r in threaded)
    # Nothing but the text PDFs and the ALTO files is left in the work folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [r.text_pdf.name for r in threaded] + [r.alto.name for r in threaded]
    )


@needs_tesseract
def test_best_model(demo):
    if not (BEST / "vie.traineddata").is_file():
        pytest.skip(f"no best model in {BEST}: run scripts/fetch-tessdata-best.sh {BEST}")
    model = ocr.model("best", BEST)
    assert model.name == "vie-best" and model.licence == "Apache-2.0"
    assert "tessdata_best" in model.source
    _, truth, tasks = demo
    task = replace(tasks[0], model=model, key="best")
    result = ocr.ocr_page(task)
    assert cer(text_layer(result.text_pdf), _truth(truth, tasks[0].key)) < 0.02


def test_models_and_where_they_come_from(tmp_path):
    if shutil.which("tesseract") is not None and "vie" in tesseract.languages():
        fast = ocr.model("fast")
        assert (fast.name, fast.tessdata_dir, fast.licence) == ("vie", None, "Apache-2.0")
        assert "tesseract-ocr-vie" in fast.source and "tessdata_fast" in fast.source
    with pytest.raises(ParamsError, match=r"fetch-tessdata-best\.sh"):
        ocr.model("best")
    with pytest.raises(ParamsError, match=re.escape(f"fetch-tessdata-best.sh {tmp_path}")):
        ocr.model("best", tmp_path)
    with pytest.raises(ParamsError, match="'fast' hoặc 'best'"):
        ocr.model("vie+eng")


@needs_tesseract
def test_missing_language_names_the_package_or_folder(demo, tmp_path):
    image = demo[2][0].image_path
    with pytest.raises(MissingToolError, match="tesseract-ocr-xyz"):
        tesseract.run(image, tmp_path / "x", lang="xyz", page="p. 1")
    with pytest.raises(
        MissingToolError, match=f"p. 1: không có tệp vie.traineddata trong .*{tmp_path.name}"
    ):
        tesseract.run(image, tmp_path / "x", tessdata_dir=tmp_path, page="p. 1")


def test_unreadable_pages_are_named(tmp_path):
    broken = tmp_path / "0001.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(InputError, match=r"0001\.png trang 1: không đọc được"):
        ocr.open_page(broken)
    with pytest.raises(InputError, match=r"HS\.01#0002: không tìm thấy tệp"):
        ocr.open_page(tmp_path / "missing.png", 0, "HS.01#0002")
    single = tmp_path / "one.tif"
    Image.new("L", (10, 10), 255).save(single)
    with pytest.raises(InputError, match="không có trang 2"):
        ocr.open_page(single, 1)
