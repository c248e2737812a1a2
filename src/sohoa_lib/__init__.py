"""sohoa: digitization of BHXH Việt Nam's paper archive and compilation of its statistics."""

from sohoa_lib.errors import (
    InputError,
    MissingToolError,
    ParamsError,
    PreservationError,
    SohoaError,
    StageError,
    UnitBusyError,
    UnknownUnitError,
)
from sohoa_lib.paths import UnitPaths
from sohoa_lib.records.registry import current_units, successor, unit, units
from sohoa_lib.settings import UnitSettings, load_unit_settings

__all__ = [
    "InputError",
    "MissingToolError",
    "ParamsError",
    "PreservationError",
    "SohoaError",
    "StageError",
    "UnitBusyError",
    "UnitPaths",
    "UnitSettings",
    "UnknownUnitError",
    "current_units",
    "load_unit_settings",
    "run_batch",
    "run_unit",
    "successor",
    "unit",
    "units",
]


def __getattr__(name: str):
    # The runners are imported when first asked for, not with the package: page workers import
    # sohoa_lib.scan and sohoa_lib.stages, and the runners would load pandas and every stage
    # into each of them (about 0.6 s of CPU at start and 0.25 s at exit, per worker).
    if name == "run_batch":
        from sohoa_lib.run.batch import run_batch

        return run_batch
    if name == "run_unit":
        from sohoa_lib.run.runner import run_unit

        return run_unit
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
