"""What run.json records: settings without secrets, tool versions, input checksums."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import platform
from pathlib import Path
from typing import Any

from sohoa_lib.common.config import is_secret
from sohoa_lib.common.files import sha256
from sohoa_lib.common.versions import version as installed
from sohoa_lib.settings import UnitSettings
from sohoa_lib.tools import tesseract

# Distributions whose versions make a run reproducible; missing ones are skipped.
VERSIONED = (
    "sohoa",
    "pandas",
    "numpy",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
    "matplotlib",
    "openpyxl",
    "pillow",
    "pytesseract",
    "pikepdf",
    "pyhanko",
)


def settings_for_record(settings: UnitSettings) -> dict[str, Any]:
    """The settings as JSON values (paths as text, dates ISO), secrets removed."""
    return drop_secrets(_jsonable(dataclasses.asdict(settings)))


def drop_secrets(value: Any) -> Any:
    """`value` without mapping keys naming a password, passphrase, PIN or secret, at any depth."""
    if isinstance(value, dict):
        return {k: drop_secrets(v) for k, v in value.items() if not is_secret(str(k))}
    if isinstance(value, list | tuple):
        return [drop_secrets(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def tool_versions() -> dict[str, str | None]:
    """Python, the installed distributions that shape results, and Tesseract (None if absent)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for dist in VERSIONED:
        if (release := installed(dist)) is not None:
            versions[dist] = release
    versions["tesseract"] = tesseract.version()
    return versions


def input_checksums(settings: UnitSettings) -> dict[str, Any]:
    """SHA-256 and size of each input file; for the scans only a count and a total, since the
    digitize stage checksums every page itself and a province holds millions of them."""
    inputs: dict[str, Any] = {
        "params": _file_entry(settings.source),
        "inventory": _file_entry(settings.inventory),
        "costs": _file_entry(settings.costs),
        "statistics": None,
        "scans": None,
    }
    if settings.statistics is not None:
        folder = settings.statistics
        inputs["statistics"] = {
            "path": str(folder),
            "files": [
                {**_file_entry(p), "path": p.relative_to(folder).as_posix()} for p in _walk(folder)
            ],
        }
    if settings.scans is not None:
        files = _walk(settings.scans)
        inputs["scans"] = {
            "path": str(settings.scans),
            "files": len(files),
            "bytes": sum(p.stat().st_size for p in files),
        }
    return inputs


def _file_entry(path: Path) -> dict[str, Any]:
    return {"path": str(path), "sha256": sha256(path), "bytes": path.stat().st_size}


def _walk(folder: Path) -> list[Path]:
    """Regular files under `folder`, sorted so run.json is the same on every run."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        found.extend(Path(dirpath, f) for f in sorted(filenames))
    return [p for p in found if p.is_file()]


def now() -> str:
    """The local time with its offset, to the second (run.json's clock)."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
