"""Thin wrapper over poppler's pdftoppm, to show reviewers a rendered page."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from sohoa_lib.errors import MissingToolError


def render_page(pdf: Path, *, page: int = 1, dpi: int = 60) -> bytes:
    """PNG bytes of one page of `pdf`."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise MissingToolError("không tìm thấy pdftoppm: hãy cài gói poppler-utils")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "page"
        subprocess.run(
            [exe, "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile",
             str(pdf), str(base)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return base.with_suffix(".png").read_bytes()
