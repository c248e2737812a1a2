"""Typed records of what each stage writes and the next reads; read and written here only.

`summaries`: each stage's summary.json figures; `files`: a digitized file's record and status;
`sign`: stage 3's tables; `inventory`, `digitize`, `stats`, `national`: the results each report reads.
"""

from sohoa_lib.handover.files import (
    FILE_RECORDS,
    STATUS_DONE,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_RESCAN,
    FinishedFile,
    finished_files,
    read_file_record,
    write_file_record,
)
from sohoa_lib.handover.sign import (
    BACKUP_COLUMNS,
    FAILURE_COLUMNS,
    PACKAGE_COLUMNS,
    SIGNED_COLUMNS,
    WAITING_COLUMNS,
    SignStageResult,
    write_sign_outputs,
)
from sohoa_lib.handover.summaries import (
    SUMMARY,
    SUMMARY_KEYS,
    check_summary_key,
    read_summary,
    summary_value,
    write_summary,
)

__all__ = [
    "BACKUP_COLUMNS", "FAILURE_COLUMNS", "FILE_RECORDS", "PACKAGE_COLUMNS", "SIGNED_COLUMNS",
    "STATUS_DONE", "STATUS_FAILED", "STATUS_PENDING", "STATUS_RESCAN", "SUMMARY", "SUMMARY_KEYS",
    "WAITING_COLUMNS", "FinishedFile", "SignStageResult", "check_summary_key", "finished_files",
    "read_file_record", "read_summary", "summary_value", "write_file_record", "write_sign_outputs",
    "write_summary",
]  # fmt: skip
