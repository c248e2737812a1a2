"""Catalogue fields on the real scans: right, flagged and silently wrong, per page and in total.

Run: `python bench/bench_fields.py [--real tests/data/real] [--cache DIR] [-v]`. Each page is read
exactly as the digitize stage reads it (`ocr.ocr_page` on a `PageTask` with the fast model, its
`PageResult.tsv` turned into lines by `boxes.lines_from_tsv`: tests/_real.py, shared with the tests), then by region, cross-checked, and
compared with expected.json. `--cache` keeps each page's result (TSV) between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The library, and tests/_real.py: how the real scans are read and judged, as the tests do.
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from _real import KEYS, REAL, expected, flagged, page_infos, same, stage_ocr  # noqa: E402
from sohoa_lib.describe.documents import PageInfo, extract_fields  # noqa: E402

TODAY = dt.date(2026, 11, 30)


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
    wanted = expected(folder)["fields"]
    fields = extract_fields(pages, today=TODAY)
    rows = []
    for name, k in KEYS.items():
        field = fields[k]
        doubt = flagged(field)
        right = same(name, field.value, wanted[name])
        verdict = "right" if right else "flagged" if doubt else "WRONG"
        rows.append((name, verdict + (" (flagged)" if right and doubt else ""), field.value,
                     field.reason))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REAL)
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
