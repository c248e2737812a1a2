"""A unit's PDF/A files signed one by one, each recorded in signed.json the moment it is signed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from sohoa_lib.common import versions
from sohoa_lib.common.files import sha256, write_text
from sohoa_lib.errors import SohoaError

if TYPE_CHECKING:  # the type only: stage 2 records events through this module, without pyHanko
    from sohoa_lib.sign.pades import Session

STATE = "signed.json"
"""In archive/: per signed file its source's SHA-256, level, time, certificate, the tools used
and (after `sohoa preserve renew`) its renewals."""


def agent() -> str:
    """The software that signs or renews here, with versions, as PREMIS events name it."""
    return f"sohoa {versions.sohoa()}; pyHanko {versions.version('pyhanko')}"


def load_state(archive: Path) -> dict:
    """The archive's signing record; empty when nothing was signed yet."""
    path = archive / STATE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SohoaError(f"{path}: bản ghi ký số không đọc được ({exc})") from exc


def already_signed(name: str, source_dir: Path, archive: Path, state: Mapping) -> bool:
    """Signed before from the PDF/A that is in `source_dir` now (same SHA-256)."""
    entry = state.get(name)
    return (
        bool(entry)
        and (archive / name).is_file()
        and entry["source_sha256"] == sha256(source_dir / name)
    )


def sign_files(
    session: Session,
    names: Iterable[str],
    source_dir: Path,
    archive: Path,
    state: dict,
    *,
    on_signed: Callable[[str], None] | None = None,
) -> list[tuple[str, str]]:
    """Sign each named PDF/A from `source_dir` into `archive`, recording it in `state` (saved at
    once, so a rerun resumes); (file, reason) for each that could not be signed."""
    failures = []
    for name in names:
        source = source_dir / name
        try:
            result = session.sign(source, archive / name)
        except SohoaError as exc:
            failures.append((name, str(exc)))
        else:
            state[name] = {"source_sha256": sha256(source), "level": result.level,
                           "signed_at": result.signed_at, "seconds": round(result.seconds, 3),
                           "certificate": result.certificate,
                           # What did the signing, for the PREMIS event; recorded now, not later.
                           "agent": agent(),
                           "timestamp_authority": _authority(session, result.level)}  # fmt: skip
            write_text(archive / STATE, json.dumps(state, ensure_ascii=False, indent=1) + "\n")
        if on_signed is not None:
            on_signed(name)
    return failures


def _authority(session: Session, level: str) -> str:
    """Where the signature's timestamp came from; empty for B-B (no timestamp)."""
    if level == "B-B":
        return ""
    s = session.settings
    return s.tsa_url or (f"TSA thử nghiệm {s.demo_tsa.name}" if s.demo_tsa else "")
