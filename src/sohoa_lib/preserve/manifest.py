"""SHA-256 manifests in sha256sum's format (a BagIt payload manifest line for line)."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Collection
from pathlib import Path

from sohoa_lib.common.files import sha256, write_text
from sohoa_lib.errors import InputError

MANIFEST = "manifest-sha256.txt"
BACKUPS = "backups.json"
LOG = "preservation-log.csv"
# Files that describe a folder rather than belong to it: never listed, never reported as extra.
CONTROL_FILES = (MANIFEST, BACKUPS, LOG)

# sha256sum's format: "<hex>  <path>", or "<hex> *<path>" (binary mode); a leading backslash
# means the path has its backslashes and newlines escaped.
_LINE = re.compile(r"^(\\?)([0-9a-fA-F]{64}) [ *](.+)$")


def manifest(folder: Path, *, exclude: Collection[str] = CONTROL_FILES) -> dict[str, str]:
    """Relative path (posix, NFC) → SHA-256 of every file under `folder`, sorted by path."""
    return {rel: sha256(path) for rel, path in listing(Path(folder), exclude).items()}


def write_manifest(folder: Path, name: str = MANIFEST) -> Path:
    """Write `<folder>/<name>` in sha256sum format (`sha256sum -c` accepts it), atomically."""
    folder = Path(folder)
    listing = manifest(folder, exclude={*CONTROL_FILES, name})
    return write_text(folder / name, "".join(_line(rel, digest) for rel, digest in listing.items()))


def read_manifest(path: Path) -> dict[str, str]:
    """A manifest file as relative path → SHA-256; InputError listing every bad line at once."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: không tìm thấy tệp kê mã băm") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: không đọc được tệp kê mã băm: {exc}") from None
    listing: dict[str, str] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            problems.append(f"dòng {number}: cần dạng '<sha256>  <path>', nhận được {line[:80]!r}")
            continue
        escaped, digest, name = match.groups()
        if escaped:
            name = re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], name)
        rel = unicodedata.normalize("NFC", name)
        if rel.startswith("/") or ".." in rel.split("/"):
            problems.append(f"dòng {number}: đường dẫn {rel!r} ra ngoài thư mục")
        elif rel in listing:
            problems.append(f"dòng {number}: {rel!r} được liệt kê hai lần")
        else:
            listing[rel] = digest.lower()
    if problems:
        raise InputError(f"{path}: {len(problems)} dòng sai: {'; '.join(problems[:10])}")
    return dict(sorted(listing.items()))


def listing(folder: Path, exclude: Collection[str]) -> dict[str, Path]:
    """NFC relative path → path of every regular file under `folder`, sorted."""

    def fail(exc: OSError) -> None:
        raise InputError(f"{exc.filename}: không liệt kê được thư mục: {exc.strerror}")

    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(folder, onerror=fail):
        dirnames.sort()
        for name in filenames:
            path = Path(dirpath, name)
            # A copy made on macOS or through some file shares stores "ồ" decomposed (NFD);
            # comparing NFC forms keeps the same name from showing as one missing and one extra.
            rel = unicodedata.normalize("NFC", path.relative_to(folder).as_posix())
            if rel not in exclude and path.is_file():
                found[rel] = path
    return dict(sorted(found.items()))


def _line(rel: str, digest: str) -> str:
    if "\\" in rel or "\n" in rel:
        return "\\" + digest + "  " + rel.replace("\\", "\\\\").replace("\n", "\\n") + "\n"
    return f"{digest}  {rel}\n"
