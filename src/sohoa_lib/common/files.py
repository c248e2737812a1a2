"""File helpers: atomic writes (temporary name, then rename), checksums, raw table reading."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sohoa_lib.errors import InputError

if TYPE_CHECKING:  # pandas is imported where tables are read: page workers never load it
    import pandas as pd

# Windows-1258 is what Vietnamese Excel on Windows writes when told "CSV" rather than "CSV UTF-8".
CSV_ENCODINGS = ("utf-8-sig", "cp1258")


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside `final`; rename it to `final` only if the block succeeds."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); outputs are for reviewers to read.
        tmp_path.chmod(0o644)
        os.replace(tmp_path, final)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_text(final: Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(final) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return final


def write_csv(final: Path, frame: pd.DataFrame) -> Path:
    """Write a table as UTF-8 CSV with a BOM, so Excel opens Vietnamese text correctly."""
    with atomic_path(final) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig")
    return final


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def read_raw_table(path: Path, sheet: str | int = 0) -> pd.DataFrame:
    """A CSV or XLSX file as text cells (no type guessing), keeping Excel numbers as numbers.

    Dates and codes are parsed later by their own rules, so nothing is coerced here.
    """
    import pandas as pd

    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, sheet_name=sheet, dtype=object, engine="openpyxl")
        if suffix in (".csv", ".txt"):
            for encoding in CSV_ENCODINGS:
                try:
                    return pd.read_csv(
                        path, dtype=str, encoding=encoding, keep_default_na=False, na_values=[""]
                    )
                except UnicodeDecodeError:
                    continue
            raise InputError(f"{path}: không phải văn bản UTF-8 hay Windows-1258")
    except FileNotFoundError:
        raise InputError(f"{path}: không tìm thấy tệp") from None
    except (ValueError, OSError) as exc:
        raise InputError(f"{path}: không đọc được dạng bảng: {exc}") from None
    raise InputError(f"{path}: cần tệp .csv hoặc .xlsx, nhận được {suffix or 'tệp không có đuôi'}")
