"""Where one unit's outputs go: one object per unit, so no stage builds paths by hand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STAGES: tuple[tuple[str, str], ...] = (
    ("inventory", "01_inventory"),
    ("digitize", "02_digitize"),
    ("sign", "03_sign"),
    ("statistics", "04_statistics"),
)
"""The stages in run order: (name, notebook stem). Each reads the files its predecessors wrote."""
STAGE_TITLES = {
    "inventory": "Thống kê, lựa chọn và dự toán số hóa",
    "digitize": "Số hóa: kiểm tra ảnh, OCR, PDF/A",
    "sign": "Ký số và bảo quản",
    "statistics": "Chỉ tiêu thống kê",
    "national": "Báo cáo toàn Ngành",
}
"""Report titles (Vietnamese), shown in each page's <title> and on the index."""


@dataclass(frozen=True)
class UnitPaths:
    """The output tree of one unit (SPEC §5)."""

    outputs: Path
    """The outputs root (`outputs/` unless --outputs says otherwise)."""
    unit: str
    """Unit code."""

    @property
    def root(self) -> Path:
        return self.outputs / self.unit

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def inventory(self) -> Path:
        return self.root / "inventory"

    @property
    def digitize(self) -> Path:
        return self.root / "digitize"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def statistics(self) -> Path:
        return self.root / "statistics"

    @property
    def run_json(self) -> Path:
        return self.root / "run.json"

    def stage_dir(self, stage: str) -> Path:
        """The folder of a stage's tables, created on first use."""
        folder = self.root / stage
        folder.mkdir(parents=True, exist_ok=True)
        return folder
