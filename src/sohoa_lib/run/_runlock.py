"""One run per unit: a lock held on the unit's outputs for the whole run, and stale temporaries."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import socket
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from sohoa_lib.errors import UnitBusyError
from sohoa_lib.run._record import now

LOCK_NAME = ".run.lock"
"""In the unit's output folder. The file stays; the flock on it is the lock, so a killed run
releases it with its last file descriptor and nothing stale is ever left to clear by hand."""

# What sohoa writes before renaming into place: `_io.atomic_path` (`.<name>.XXXX.tmp`), the
# executed notebook (`.<stem>.XXXXXXXX.tmp.ipynb`), package and backup folders (`.<code>.XXXX.tmp`)
# and a package's previous version while it is replaced (`.<name>.<pid>.old`).
TEMPORARY = re.compile(r"^\..+\.(tmp|tmp\.ipynb|old)$")
# OCR scratch folders (`digitize/ocr/<mã hồ sơ>/.<page>.XXXXXXXX`) carry no suffix.
OCR_SCRATCH = ("digitize", "ocr")
# Reading the holder right after it took the lock can find the file still empty.
_HOLDER_WAIT_S = 1.0


@contextlib.contextmanager
def unit_lock(root: Path, *, unit: str, command: str) -> Iterator[Path]:
    """Hold the lock on `root` (a unit's output folder) for the block; UnitBusyError naming the
    run that holds it (pid, start time, command) when another run of the unit is alive.

    flock, not a marker file: the kernel drops the lock when the holder dies, even by kill -9.
    """
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UnitBusyError(
                f"đơn vị {unit} đang được chạy: {_describe(_holder(fd))}; chờ lần chạy đó kết thúc "
                f"rồi chạy lại (khóa {path})"
            ) from None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": now(),
                "command": command}  # fmt: skip
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info, ensure_ascii=False) + "\n").encode("utf-8"), 0)
        os.fsync(fd)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)  # the holder has finished: nobody to name any more
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def _holder(fd: int) -> dict:
    deadline = time.monotonic() + _HOLDER_WAIT_S
    while True:
        data = os.pread(fd, 4096, 0)
        try:
            holder = json.loads(data.decode("utf-8"))
            if isinstance(holder, dict):
                return holder
        except (UnicodeDecodeError, json.JSONDecodeError):
            pass
        if time.monotonic() > deadline:
            return {}
        time.sleep(0.05)


def _describe(holder: dict) -> str:
    if not holder:
        return "tiến trình giữ khóa chưa ghi thông tin của nó"
    where = f" trên máy {holder['host']}" if holder.get("host") else ""
    return (
        f"tiến trình {holder.get('pid', '?')}{where}, bắt đầu lúc {holder.get('started', '?')}, "
        f"lệnh: {holder.get('command', '?')}"
    )


def remove_stale_temporaries(root: Path, backup_folders: Iterable[Path] = ()) -> list[Path]:
    """Remove what killed runs left under temporary names; the removed paths, sorted.

    Call it only while holding the unit's lock: then no live run of the unit can own them. The
    backup folders are the unit's own (`<location>/<UNIT>`), where copies are made under
    temporary names before being renamed.
    """
    removed: list[Path] = []
    ocr = root.joinpath(*OCR_SCRATCH)
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        scratch_parent = here.parent == ocr
        for name in sorted(dirnames):
            if TEMPORARY.match(name) or (scratch_parent and name.startswith(".")):
                removed.append(_remove(here / name))
                dirnames.remove(name)
        removed += [_remove(here / n) for n in sorted(filenames) if TEMPORARY.match(n)]
    for folder in backup_folders:
        if folder.is_dir():
            removed += [_remove(p) for p in sorted(folder.iterdir()) if TEMPORARY.match(p.name)]
    return sorted(removed)


def _remove(path: Path) -> Path:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    return path
