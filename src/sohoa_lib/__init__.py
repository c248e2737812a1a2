"""sohoa: digitization of BHXH Việt Nam's paper archive and compilation of its statistics."""

from .errors import (
    InputError,
    MissingToolError,
    ParamsError,
    PreservationError,
    SohoaError,
    StageError,
    UnitBusyError,
    UnknownUnitError,
)
from .paths import UnitPaths
from .registry import current_units, successor, unit, units
from .runner import run_batch, run_unit
from .settings import UnitSettings, load_unit_settings

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
