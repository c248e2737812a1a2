"""Thin wrapper over the `tesseract` command: version, installed languages, one page's OCR."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from sohoa_lib.errors import InputError, MissingToolError

# Output kinds and the variable that turns each on. Variables rather than the `txt`/`pdf` config
# files: those live in `<tessdata>/configs`, which a downloaded model folder does not have.
_OUTPUTS = {
    "txt": "tessedit_create_txt",
    "tsv": "tessedit_create_tsv",
    "pdf": "tessedit_create_pdf",
    "alto": "tessedit_create_alto",
}
# The file each output kind is written to, after `out_base`.
_SUFFIX = {"txt": ".txt", "tsv": ".tsv", "pdf": ".pdf", "alto": ".xml"}
# A page that takes this long is stuck (an A4 page at 300 dpi takes 2–5 s on one thread).
TIMEOUT_S = 600


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


def languages(tessdata_dir: Path | None = None) -> set[str]:
    """The languages Tesseract finds (in `tessdata_dir` when given); MissingToolError without it."""
    args = ["--list-langs"]
    if tessdata_dir is not None:
        args = ["--tessdata-dir", str(tessdata_dir), *args]
    done = subprocess.run(
        [_exe(), *args], capture_output=True, text=True, timeout=60, check=False, env=_env()
    )
    # The first line is a heading ("List of available languages in …").
    return {line.strip() for line in done.stdout.splitlines()[1:] if line.strip()}


def tessdata_folder() -> Path | None:
    """The folder Tesseract reads its models from (named in `--list-langs`' heading), or None."""
    try:
        done = subprocess.run(
            [_exe(), "--list-langs"], capture_output=True, text=True, timeout=60, check=False,
            env=_env(),
        )  # fmt: skip
    except (MissingToolError, OSError, subprocess.SubprocessError):
        return None
    heading = (done.stdout.splitlines() or [""])[0]
    # List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (3):
    if '"' not in heading:
        return None
    return Path(heading.split('"')[1])


def run(
    image_path: Path,
    out_base: Path,
    *,
    lang: str = "vie",
    dpi: int = 300,
    psm: int = 3,
    configs: Sequence[str] = ("txt", "tsv", "pdf"),
    tessdata_dir: Path | None = None,
    textonly_pdf: bool = True,
    page: str = "",
) -> None:
    """OCR one image into `out_base.<kind>` for each kind in `configs` (txt, tsv, pdf; alto is
    written to `out_base.xml`).

    One thread (OMP_THREAD_LIMIT=1): pages run in parallel processes, and Tesseract's own threads
    make a page four times slower when every core is already busy. `dpi` is the image's real
    resolution: Tesseract sizes the PDF page from it. `page` names the page in error messages.
    """
    where = page or str(image_path)
    unknown = [kind for kind in configs if kind not in _OUTPUTS]
    if unknown:
        raise ValueError(f"unknown tesseract output {unknown}, expected some of {list(_OUTPUTS)}")
    args = [_exe()]
    if tessdata_dir is not None:
        args += ["--tessdata-dir", str(tessdata_dir)]
    args += [str(image_path), str(out_base), "-l", lang, "--psm", str(psm), "--dpi", str(dpi)]
    for kind in configs:
        args += ["-c", f"{_OUTPUTS[kind]}=1"]
    if "txt" not in configs:
        args += ["-c", "tessedit_create_txt=0"]
    if "pdf" in configs and textonly_pdf:
        args += ["-c", "textonly_pdf=1"]
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, env=_env()
        )
    except subprocess.TimeoutExpired:
        raise InputError(f"{where}: tesseract không chạy xong trong {TIMEOUT_S} giây") from None
    if done.returncode != 0 or not all(out_base.with_suffix(_SUFFIX[k]).is_file() for k in configs):
        _raise(done.stderr, where, lang, tessdata_dir)


def _raise(stderr: str, where: str, lang: str, tessdata_dir: Path | None) -> None:
    text = stderr.strip()
    if "Failed loading language" in text or "Error opening data file" in text:
        if tessdata_dir is None:
            raise MissingToolError(
                f"{where}: Tesseract không có mô hình '{lang}'; hãy cài gói tesseract-ocr-{lang}"
            )
        raise MissingToolError(
            f"{where}: không có tệp {lang}.traineddata trong thư mục tessdata {tessdata_dir}"
        )
    tail = " | ".join(text.splitlines()[-3:]) or "không có thông báo"
    raise InputError(f"{where}: tesseract bị lỗi: {tail}")


def _exe() -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        raise MissingToolError(
            "chưa cài tesseract; hãy cài các gói tesseract-ocr và tesseract-ocr-vie"
        )
    return exe


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}
