"""Catalogue fields on the real scans: right, flagged and silently wrong, per page and in total.

Run: `python bench/bench_fields.py [--real tests/data/real] [--cache DIR] [-v]`. Each page is read
exactly as the digitize stage reads it (`ocr.ocr_page` on a `PageTask` with the fast model, its
`PageResult.tsv` turned into lines by `layout.lines_from_tsv`), then by region, cross-checked, and
compared with expected.json. `--cache` keeps each page's result (TSV) between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sohoa_lib.describe.boxes import lines_from_tsv, page_size  # noqa: E402
from sohoa_lib.describe.documents import PageInfo, extract_fields  # noqa: E402
from sohoa_lib.scan import ocr  # noqa: E402

# expected.json's names → sohoa's field keys.
KEYS = {
    "ten_loai": "ten_loai",
    "so": "so",
    "ky_hieu": "ky_hieu",
    "ngay": "ngay",
    "co_quan_ban_hanh": "co_quan_ban_hanh",
    "trich_yeu": "trich_yeu",
    "nguoi_ky": "nguoi_ky",
    "chuc_vu": "chuc_vu_nguoi_ky",
}
TODAY = dt.date(2026, 11, 30)


def normalise(value: str | None) -> str:
    """Whitespace and letter case normalised, NFC, as the real-scans README asks."""
    return " ".join(unicodedata.normalize("NFC", value or "").lower().split())


def same(name: str, found: str | None, expected: str | None) -> bool:
    if name == "ngay":
        try:
            return dt.date.fromisoformat(found or "") == dt.date.fromisoformat(expected or "")
        except ValueError:
            return False
    return normalise(found) == normalise(expected)


def stage_read(scan: Path, dpi: float, scratch: Path, index: int = 0) -> dict:
    """One page read by the stage's own page OCR (`ocr.ocr_page`, fast model, the stage's
    default psm and working copy): the scan, its dpi, and the result's text, confidence, TSV and
    working-copy dpi."""
    task = ocr.PageTask(f"{scan.parent.name}#{index + 1:04d}", scan, index, dpi,
                        ocr.model("fast"), scratch / scan.parent.name)  # fmt: skip
    result = ocr.ocr_page(task)
    return {"scan": str(scan), "index": index, "dpi": dpi, "text": result.text,
            "conf": result.mean_confidence, "tsv": result.tsv, "ocr_dpi": result.ocr_dpi}  # fmt: skip


def stage_ocr(folder: Path, scratch: Path) -> list[dict]:
    """`stage_read` of each page of a real-scan folder."""
    meta = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return [stage_read(folder / p["file"], float(p.get("approx_dpi") or 300), scratch)
            for p in meta["pages"]]  # fmt: skip


def page_infos(read: list[dict]) -> list[PageInfo]:
    """The PageInfo the stage builds from each page's OCR (`_digitize_files.finish_file`)."""
    return [
        PageInfo(number, r["text"], r["conf"], lines=lines_from_tsv(r["tsv"]),
                 size=page_size(r["tsv"]), image_path=Path(r["scan"]), page_index=r["index"],
                 dpi=r["dpi"], ocr_dpi=r["ocr_dpi"])
        for number, r in enumerate(read, start=1)
    ]  # fmt: skip


def cached_ocr(folder: Path, cache: Path | None, scratch: Path):
    if cache is None:
        return stage_ocr(folder, scratch)
    path = cache / f"{folder.name}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    read = stage_ocr(folder, scratch)
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(read), encoding="utf-8")
    return read


def score(folder: Path, pages: list[PageInfo]) -> list[tuple[str, str, str | None, str]]:
    """(field, verdict, value, reason) per expected field; verdict right, flagged or WRONG."""
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))["fields"]
    fields = extract_fields(pages, today=TODAY)
    rows = []
    for name, k in KEYS.items():
        field = fields[k]
        flagged = bool(field.reason) or field.confidence < 0.6
        right = same(name, field.value, expected[name])
        verdict = "right" if right else "flagged" if flagged else "WRONG"
        rows.append((name, verdict + (" (flagged)" if right and flagged else ""), field.value,
                     field.reason))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=ROOT / "tests" / "data" / "real")
    parser.add_argument("--cache", type=Path, help="keep each page's OCR here between runs")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    totals = {"right": 0, "flagged": 0, "WRONG": 0, "right and flagged": 0}
    seconds = []
    with tempfile.TemporaryDirectory() as scratch:
        for folder in sorted(p for p in args.real.iterdir() if (p / "expected.json").exists()):
            pages = page_infos(cached_ocr(folder, args.cache, Path(scratch)))
            started = time.perf_counter()
            rows = score(folder, pages)
            seconds.append(time.perf_counter() - started)
            counts = {
                v: sum(r[1].startswith(v) for r in rows) for v in ("right", "flagged", "WRONG")
            }
            both = sum(r[1] == "right (flagged)" for r in rows)
            for v, n in counts.items():
                totals[v] += n
            totals["right and flagged"] += both
            print(f"{folder.name}: right {counts['right']} (of them flagged {both}), "
                  f"flagged {counts['flagged']}, silently wrong {counts['WRONG']}, "
                  f"fields read in {seconds[-1]:.2f} s")  # fmt: skip
            if args.verbose:
                for name, verdict, value, reason in rows:
                    print(f"    {name:17} {verdict:16} {value!r}  {reason}")
    n = totals["right"] + totals["flagged"] + totals["WRONG"]
    print(f"total: {n} fields, right {totals['right']} ({totals['right'] / n:.0%}, of them "
          f"flagged {totals['right and flagged']}), flagged {totals['flagged']}, "
          f"silently wrong {totals['WRONG']}; {sum(seconds) / len(seconds):.2f} s a document "
          f"for the fields (page OCR not counted)")  # fmt: skip


if __name__ == "__main__":
    main()
