"""Stage 3's hand-over: what it signed, packaged and backed up, as tables and one result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sohoa_lib.common.files import write_csv
from sohoa_lib.errors import PreservationError
from sohoa_lib.handover.summaries import write_summary
from sohoa_lib.settings import UnitSettings

# pandas is imported where a table is made: page workers import this package, never pandas
if TYPE_CHECKING:
    import pandas as pd

SIGNED_COLUMNS = ["ma_ho_so", "tep", "so_trang", "muc", "thoi_diem_ky", "trang_thai", "ly_do",
                  "dau_thoi_gian", "gia_han_truoc", "can_gia_han"]  # fmt: skip


PACKAGE_COLUMNS = ["ma_ho_so", "goi", "so_tep", "hop_le", "van_de"]


BACKUP_COLUMNS = ["ma_ho_so", "ban_sao", "so_tep", "dung_luong", "da_kiem_tra", "van_de"]


WAITING_COLUMNS = ["ma_ho_so", "ma_dinh_danh", "truong", "gia_tri", "ly_do"]


FAILURE_COLUMNS = ["tep", "ly_do"]


@dataclass(frozen=True)
class SignStageResult:
    """What stage 3 did for a unit; the same tables are written as CSV under archive/."""

    settings: UnitSettings
    root: Path
    signed: pd.DataFrame
    """One row per PDF/A: signed file, level, time, verification status and reason."""
    packages: pd.DataFrame
    """One row per hồ sơ: its package and whether it validates."""
    backups: pd.DataFrame
    """One row per package copy: location, files, bytes, verified, problems."""
    failures: list[tuple[str, str]]
    """(file, reason) for every file that could not be signed or packaged."""
    certificate: dict | None
    seconds: float
    signed_now: int
    """Files signed in this run (the others were already signed from the same source)."""
    waiting: pd.DataFrame = field(default_factory=lambda: _table([], WAITING_COLUMNS))
    """One row per open flag of a hồ sơ with flagged fields nobody has reviewed (chờ biên mục)."""
    signed_unreviewed: tuple[str, ...] = ()
    """Hồ sơ signed with open flags because params say `review.sign_unreviewed: true`."""

    def raise_for_failures(self) -> None:
        """PreservationError when a file, package or backup copy failed: the stage then fails,
        and `sohoa run` exits non-zero, after the report has shown every failure."""
        if self.failures:
            names = ", ".join(name for name, _ in self.failures[:5])
            more = f" và {len(self.failures) - 5} mục khác" if len(self.failures) > 5 else ""
            raise PreservationError(
                f"{len(self.failures)} lỗi ký số, đóng gói hoặc sao lưu: {names}{more} "
                f"(chi tiết: {self.root / 'archive' / 'failures.csv'})"
            )

    def figures(self) -> dict:
        """Key figures, as written to archive/summary.json for the statistics stage."""
        import pandas as pd

        s = self.signed
        valid = s["trang_thai"] == "valid" if len(s) else pd.Series(dtype=bool)
        held = len(self.waiting) and not self.settings.review.sign_unreviewed
        return {
            "unit": self.settings.unit,
            "files": len(s),
            "signed_now": self.signed_now,
            "valid": int(valid.sum()),
            "not_valid": int((~valid).sum()),
            "signed_pages": int(s.loc[valid, "so_trang"].sum()) if len(s) else 0,
            "packages": len(self.packages),
            "backup_copies": len(self.backups),
            "backup_copies_verified": int(self.backups["da_kiem_tra"].sum())
            if len(self.backups)
            else 0,
            "failures": len(self.failures),
            # Files whose newest timestamp ends within preservation.renew_margin_days.
            "renewal_due": int(s["can_gia_han"].sum()) if len(s) else 0,
            # Files held back for biên mục, or signed knowingly without it (review.sign_unreviewed).
            "waiting_review_files": int(self.waiting["ma_ho_so"].nunique()) if held else 0,
            "waiting_review_documents": int(self.waiting["ma_dinh_danh"].nunique()) if held else 0,
            "sign_unreviewed": self.settings.review.sign_unreviewed,
            "signed_unreviewed_files": len(self.signed_unreviewed),
            "seconds": round(self.seconds, 1),
            "files_per_second": round(self.signed_now / self.seconds, 2)
            if self.signed_now
            else None,
        }


def write_sign_outputs(result: SignStageResult, archive: Path) -> None:
    """Stage 3's tables and summary.json under archive/."""
    write_csv(archive / "signed.csv", result.signed)
    write_csv(archive / "packages.csv", result.packages)
    write_csv(archive / "backups.csv", result.backups)
    write_csv(archive / "failures.csv", _table(result.failures, FAILURE_COLUMNS))
    write_csv(archive / "waiting_review.csv", result.waiting)
    write_summary(archive, "archive", result.figures() | {"certificate": result.certificate})


def _table(rows: list, columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)
