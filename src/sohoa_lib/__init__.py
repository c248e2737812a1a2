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
from sohoa_lib.run.batch import run_batch
from sohoa_lib.run.runner import run_unit
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
