"""Catalogue fields on the real scans: right, flagged and silently wrong, per page and in total.

Run: `python bench/bench_fields.py [--real tests/data/real] [--psm 6] [--raw] [-v]`. Each page's
OCR working copy (`ocr.prepare`: seal and signature ink removed; `--raw` for the scan itself) is
read by Tesseract (vie) to TSV, then by region, cross-checked, and compared with expected.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from PIL import Image  # noqa: E402

from sohoa_lib.documents import PageInfo, extract_fields  # noqa: E402
from sohoa_lib.layout import lines_from_tsv  # noqa: E402
from sohoa_lib.ocr import prepare  # noqa: E402

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


def tsv_of(image: Path, psm: str, raw: bool) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        if not raw:
            with Image.open(image) as scan:
                working = prepare(scan, 300)
            image = Path(scratch) / "page.png"
            working.save(image)
        done = subprocess.run(
            ["tesseract", str(image), "-", "-l", "vie", "--psm", psm, "--dpi", "300", "tsv"],
            capture_output=True, check=True, text=True, env=os.environ | {"OMP_THREAD_LIMIT": "1"},
        )  # fmt: skip
    return done.stdout


def pages_of(folder: Path, psm: str, raw: bool) -> list[PageInfo]:
    meta = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    pages = []
    for number, page in enumerate(meta["pages"], start=1):
        lines = lines_from_tsv(tsv_of(folder / page["file"], psm, raw))
        words = [w for ln in lines for w in ln.words]
        conf = sum(w.conf for w in words) / len(words) if words else -1.0
        text = "\n".join(ln.text for ln in lines)
        pages.append(PageInfo(number, text, conf, lines=lines))
    return pages


def score(folder: Path, pages: list[PageInfo]) -> list[tuple[str, str, str | None, str]]:
    """(field, verdict, value, reason) per expected field; verdict right, flagged or WRONG."""
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))["fields"]
    fields = extract_fields(pages)
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
    parser.add_argument("--psm", default="6", help="page segmentation mode (the stage's: 6)")
    parser.add_argument("--raw", action="store_true", help="OCR the scan, not its working copy")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    totals = {"right": 0, "flagged": 0, "WRONG": 0, "right and flagged": 0}
    for folder in sorted(p for p in args.real.iterdir() if (p / "expected.json").exists()):
        rows = score(folder, pages_of(folder, args.psm, args.raw))
        counts = {v: sum(r[1].startswith(v) for r in rows) for v in ("right", "flagged", "WRONG")}
        both = sum(r[1] == "right (flagged)" for r in rows)
        for v, n in counts.items():
            totals[v] += n
        totals["right and flagged"] += both
        print(f"{folder.name}: right {counts['right']} (of them flagged {both}), "
              f"flagged {counts['flagged']}, silently wrong {counts['WRONG']}")  # fmt: skip
        if args.verbose:
            for name, verdict, value, reason in rows:
                print(f"    {name:17} {verdict:16} {value!r}  {reason}")
    n = totals["right"] + totals["flagged"] + totals["WRONG"]
    print(f"total: {n} fields, right {totals['right']} ({totals['right'] / n:.0%}, of them "
          f"flagged {totals['right and flagged']}), flagged {totals['flagged']}, "
          f"silently wrong {totals['WRONG']}")  # fmt: skip


if __name__ == "__main__":
    main()
