"""A unit's settings, loaded from `params/units/<UNIT>.yaml` and validated on load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from . import registry
from ._config import build, read_yaml
from .errors import ParamsError

PROFILES = ("tt05-2025", "tt02-2019")
LEVELS = ("central", "province", "regional", "local")


@dataclass(frozen=True)
class Selection:
    """Which files plan 1838 lets us digitize, and how much of the holdings to reach."""

    target_share: float = 0.30
    """Share of the non-electronic holdings' pages to digitize (plan 1838 II.2.1: at least 30%)."""
    year_from: int = 1995
    """First year of formation in scope (plan 1838 II.2)."""
    year_to: int = 2021
    """Last year of formation in scope (plan 1838 II.2)."""


@dataclass(frozen=True)
class Capacity:
    """The unit's digitization means, for the pace estimate."""

    scanners: int
    """Scanners in service."""
    staff: int
    """People working on digitization full time."""
    pages_per_scanner_day: int = 1500
    """Pages one scanner produces in a working day (feeding, scanning, reloading)."""
    hours_per_day: float = 8.0
    """Working hours in a day, for labour-day conversions."""
    weekmask: str = "Mon Tue Wed Thu Fri"
    """Working days of the week (numpy busday weekmask)."""
    holidays: tuple[dt.date, ...] = ()
    """Public holidays falling on working days (Tết moves every year, so list them)."""


@dataclass(frozen=True)
class Digitize:
    """How stage 2 checks, reads and packages the scans."""

    ocr_model: str = "fast"
    """`fast`: Debian's tesseract-ocr-vie; `best`: tessdata_best vie (scripts/fetch-tessdata-best.sh)."""
    tessdata_dir: Path | None = None
    """Folder holding the `best` model's vie.traineddata."""
    workers: int = 0
    """Processes for page work; 0 means one per core."""
    pdf_per: str = "document"
    """`document`: one PDF/A per văn bản, `<mã hồ sơ>.<seq>.pdf`; `file`: `<mã hồ sơ>.pdf`."""
    document_list: Path | None = None
    """CSV of known documents (ma_ho_so, trang_dau, trang_cuoi); it wins over detection."""


@dataclass(frozen=True)
class Signing:
    """Who signs the archive's files; keys and secrets are never here (see SPEC §5)."""

    organisation: str
    """Name of the archive organisation shown in the visible signature."""


@dataclass(frozen=True)
class UnitSettings:
    """Everything one unit's run needs, as written in its params file."""

    unit: str
    """Registry code (`TTLT`, `BN`, …)."""
    name: str
    """Unit name as shown in reports."""
    level: str
    """One of central, province, regional, local."""
    phase: int
    """Phase of plan 1838."""
    deadline: dt.date
    """Date the unit's digitization must be complete."""
    inventory: Path
    """The records inventory (CSV or XLSX)."""
    costs: Path
    """Labour norms and prices (params/costs.yaml)."""
    capacity: Capacity
    """Scanners and staff."""
    signing: Signing
    """Signing organisation."""
    scans: Path | None = None
    """Scan folder: one sub-folder per mã hồ sơ."""
    statistics: Path | None = None
    """Statistics folder: the unit's report tables."""
    new_target_date: dt.date | None = None
    """Revised completion date, used for the pace when the deadline has passed."""
    profile: str = "tt05-2025"
    """Compliance profile: tt05-2025 (default) or tt02-2019."""
    selection: Selection = field(default_factory=Selection)
    """Eligibility years and target share."""
    digitize: Digitize = field(default_factory=Digitize)
    """OCR model, workers and PDF packaging."""
    source: Path = field(default=Path(), compare=False)
    """The params file these settings came from."""


def load_unit_settings(path: str | Path) -> UnitSettings:
    """Read and validate a unit's params file; ParamsError names the file and the bad key."""
    path = Path(path).resolve()
    settings: UnitSettings = build(UnitSettings, read_yaml(path), source=path)
    object.__setattr__(settings, "source", path)
    _validate(settings, path)
    return settings


def _validate(s: UnitSettings, path: Path) -> None:
    try:
        registry.unit(s.unit)
    except ParamsError as exc:
        raise ParamsError(f"{path}: key 'unit': {exc}") from None
    if s.level not in LEVELS:
        raise ParamsError(
            f"{path}: key 'level' should be one of {', '.join(LEVELS)}, got {s.level!r}"
        )
    if s.profile not in PROFILES:
        raise ParamsError(
            f"{path}: key 'profile' should be one of {', '.join(PROFILES)}, got {s.profile!r}"
        )
    if not 0 < s.selection.target_share <= 1:
        raise ParamsError(
            f"{path}: key 'selection.target_share' should be a share in (0, 1], "
            f"got {s.selection.target_share!r}"
        )
    if s.selection.year_from > s.selection.year_to:
        raise ParamsError(f"{path}: key 'selection.year_from' is after 'selection.year_to'")
    if s.capacity.scanners < 1 or s.capacity.staff < 1:
        raise ParamsError(f"{path}: keys 'capacity.scanners' and 'capacity.staff' should be ≥ 1")
    if s.new_target_date is not None and s.new_target_date <= s.deadline:
        raise ParamsError(
            f"{path}: key 'new_target_date' should be after 'deadline' ({s.deadline})"
        )
    for name in ("inventory", "costs"):
        if not getattr(s, name).is_file():
            raise ParamsError(f"{path}: key {name!r}: file not found: {getattr(s, name)}")
    if s.digitize.ocr_model not in ("fast", "best"):
        raise ParamsError(
            f"{path}: key 'digitize.ocr_model' should be fast or best, got {s.digitize.ocr_model!r}"
        )
    if s.digitize.pdf_per not in ("document", "file"):
        raise ParamsError(
            f"{path}: key 'digitize.pdf_per' should be document or file, got {s.digitize.pdf_per!r}"
        )
    if s.digitize.document_list is not None and not s.digitize.document_list.is_file():
        raise ParamsError(
            f"{path}: key 'digitize.document_list': file not found: {s.digitize.document_list}"
        )
    for name in ("scans", "statistics"):
        folder = getattr(s, name)
        if folder is not None and not folder.is_dir():
            raise ParamsError(f"{path}: key {name!r}: folder not found: {folder}")
