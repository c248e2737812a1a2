"""Thin wrapper over the `tesseract` command (stage 2 adds OCR calls here)."""

from __future__ import annotations

import shutil
import subprocess


def version() -> str | None:
    """First line of `tesseract --version`, or None when Tesseract is not installed."""
    exe = shutil.which("tesseract")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    # Tesseract 3 printed its version on stderr, later ones on stdout.
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else None
