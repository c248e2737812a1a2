"""A demo run's outputs reduced to what must not change across a refactoring (times, versions,
sizes, checksums and signatures left out), as one digest per file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import subprocess
from pathlib import Path

# Values that differ between two runs of the same code: clocks, durations, tool versions, the
# bytes of signed or timestamped files (and so their sizes and checksums), the demo PKI's
# certificate serials (a new key pair per run), machine paths, and the date a signature must be
# renewed by (gia_han_truoc: counted from the signing time).
VOLATILE = re.compile(
    r"(time|thoi_gian|second|giay|duration|elapsed|version|phien_ban|sha|checksum|hash|rate|"
    r"per_min|trang_moi_phut|started|finished|_at$|^at$|created|modified|timestamp|size|bytes|"
    r"kich_thuoc|serial|path|duong_dan|host|machine|python|date_run|ngay_chay|cpu|workers|gia_han_truoc)",
    re.IGNORECASE,
)
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
SKIPPED = re.compile(
    r"(^|/)(notebooks|reports|screenshots)/|\.run\.lock$|-(shm|wal)$|manifest-sha256|"
    r"preservation-log|backups\.(csv|json)|README\.txt$|METS\.xml$|premis\.xml$|run\.json$"
)


def _clean(value: str) -> str:
    return ISO_TIME.sub("<t>", value)


def _json(value):
    if isinstance(value, dict):
        return {k: _json(v) for k, v in sorted(value.items()) if not VOLATILE.search(k)}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def _csv(text: str) -> list:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    keep = [i for i, name in enumerate(rows[0]) if not VOLATILE.search(name)]
    return [[_clean(row[i]) if i < len(row) else "" for i in keep] for row in rows]


def _sqlite(path: Path) -> dict:
    out = {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            keep = [i for i, n in enumerate(names) if not VOLATILE.search(n)]
            rows = sorted(
                json.dumps([_json(r[i]) for i in keep], ensure_ascii=False, default=str)
                for r in cursor
            )
            out[table] = [[names[i] for i in keep], rows]
    finally:
        conn.close()
    return out


def _pdf(path: Path) -> dict:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    return {"pages": pages and pages.group(1), "text": _clean(text)}


def _alto(path: Path) -> list:
    return re.findall(r'CONTENT="([^"]*)"', path.read_text(encoding="utf-8"))


def _xml(path: Path) -> str:
    return _clean(path.read_text(encoding="utf-8"))


def fingerprint(outputs: Path) -> dict[str, str]:
    """Relative path -> digest of its normalised content, for every file that should not change."""
    result = {}
    for path in sorted(p for p in outputs.rglob("*") if p.is_file()):
        rel = path.relative_to(outputs).as_posix()
        if SKIPPED.search(rel):
            continue
        if path.suffix == ".csv":
            content = _csv(path.read_text(encoding="utf-8-sig"))
        elif path.suffix == ".json":
            content = _json(json.loads(path.read_text(encoding="utf-8")))
        elif path.suffix == ".sqlite":
            content = _sqlite(path)
        elif path.suffix == ".pdf":
            content = _pdf(path)
        elif rel.endswith(".alto.xml"):
            content = _alto(path)
        elif path.suffix in {".xml", ".xsd"}:
            content = _xml(path)
        else:
            content = None  # images and other binaries: present, not compared
        blob = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
        result[rel] = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
    return result


if __name__ == "__main__":
    # Regenerate after a change that is meant to alter the demo's outputs (say why in the commit):
    #   python tests/_fingerprint.py OUTPUTS > tests/data/demo-outputs.json
    # where OUTPUTS holds HP's demo run and the national step (tests/conftest.py demo_reports).
    import sys

    print(json.dumps(fingerprint(Path(sys.argv[1])), indent=1, sort_keys=True))
