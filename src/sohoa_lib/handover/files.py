"""A digitized file as stage 2 hands it to stage 3: its status, its record and the events its steps recorded."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sohoa_lib.common.files import write_text
from sohoa_lib.errors import SohoaError
from sohoa_lib.preserve import history
from sohoa_lib.preserve.premis import PreservationEvent
from sohoa_lib.settings import UnitSettings

# A selected file's status in stage 2 (digitize/files.csv, trang_thai).
STATUS_DONE = "hoàn thành"
STATUS_RESCAN = "cần quét lại"
STATUS_PENDING = "chờ quét"
STATUS_FAILED = "lỗi xử lý"


FILE_RECORDS = "files"
"""Stage 2's folder of file records, digitize/files/<mã hồ sơ>.json."""


def write_file_record(
    path: Path,
    *,
    inputs: Mapping[str, str],
    settings_key: str,
    outcome: Mapping,
    events: Sequence[PreservationEvent] = (),
) -> None:
    """Stage 2's record of one file: what it was made from (for resuming), what it produced, and
    the PREMIS events of the steps that produced it, as each recorded them."""
    record = {"inputs": dict(inputs), "settings": settings_key, "outcome": dict(outcome),
              "events": [dataclasses.asdict(e) for e in events]}  # fmt: skip
    write_text(path, json.dumps(record, ensure_ascii=False, default=str) + "\n")


def read_file_record(path: Path) -> dict:
    """A stage-2 file record as written; SohoaError naming the file when it cannot be read."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SohoaError(f"{path}: bản ghi giai đoạn 2 không đọc được ({exc})") from exc
    if not isinstance(record, dict) or not isinstance(record.get("outcome"), dict):
        raise SohoaError(f"{path}: bản ghi giai đoạn 2 thiếu mục 'outcome'")
    return record


@dataclass(frozen=True)
class FinishedFile:
    """A hồ sơ stage 2 finished, as stage 3 reads it: its PDF/A files, metadata and history."""

    ma_ho_so: str
    pdfs: tuple[str, ...]
    """PDF/A file names under digitize/pdfa/."""
    catalog_file: dict
    catalog_documents: list[dict]
    alto: list[dict]
    """One row per page: `trang`, `file` (relative to digitize/), `pdf`, `trang_pdf`."""
    events: tuple[PreservationEvent, ...]
    """Capture, page checks, OCR and PDF/A creation, as stage 2 recorded them when it did the
    work; for a record from before that, rebuilt from file times and marked so in each detail."""
    record: Path


def finished_files(digitize: Path, settings: UnitSettings) -> dict[str, FinishedFile]:
    """Every file stage 2 finished with at least one PDF/A, by mã hồ sơ, in code order."""
    folder = digitize / FILE_RECORDS
    if not folder.is_dir():
        raise SohoaError(f"{folder}: không tìm thấy; hãy chạy bước digitize trước (sohoa run UNIT)")
    found = {}
    for path in sorted(folder.glob("*.json")):
        record = read_file_record(path)
        outcome = record["outcome"]
        if outcome["file_row"]["trang_thai"] != STATUS_DONE or not outcome["pdfs"]:
            continue
        ma = outcome["file_row"]["ma_ho_so"]
        if "events" in record:
            events = tuple(PreservationEvent(**e) for e in record["events"])
        else:
            scans = settings.scans / ma if settings.scans else None
            pdfa = [digitize / "pdfa" / n for n in outcome["pdfs"]]
            events = tuple(history.reconstructed_digitize(scans, settings.name, path, pdfa))
        found[ma] = FinishedFile(ma, tuple(outcome["pdfs"]), outcome["catalog_file"],
                                 outcome["catalog_documents"], outcome.get("alto", []), events,
                                 path)  # fmt: skip
    return found


# Check names in pagecheck, in the order pages.csv shows them.
CHECK_COLUMNS = {
    "Độ phân giải": "do_phan_giai", "Màu": "mau", "Tỷ lệ 100%": "ty_le", "Trang trắng": "trang_trang",
    "Độ nghiêng": "do_nghieng", "Độ sáng": "do_sang", "Đọc được ảnh": "doc_duoc",
}  # fmt: skip
