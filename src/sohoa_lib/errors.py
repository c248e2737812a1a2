"""The error catalogue: every failure sohoa reports, each with its exit code."""

from __future__ import annotations


class SohoaError(Exception):
    """Base of every error sohoa raises on purpose; the CLI prints it on one line."""

    exit_code = 1


class ParamsError(SohoaError):
    """A params file is missing, malformed, or holds an unknown key or a bad value."""

    exit_code = 2


class UnknownUnitError(ParamsError):
    """A unit code is not in the unit registry."""


class InputError(SohoaError):
    """An input file (inventory, scan, statistics table) cannot be read as expected."""

    exit_code = 3


class StageError(SohoaError):
    """A stage's notebook failed; the message names the stage, the cell and the error."""

    exit_code = 4


class MissingToolError(SohoaError):
    """A system tool (tesseract, pdftotext, …) is not installed."""

    exit_code = 5


class PreservationError(SohoaError):
    """A preservation check found a problem: a backup that differs from its package, a file that
    changed, or bookkeeping (manifest, backups.json, log) that is missing; a person must decide."""

    exit_code = 1


class UnitBusyError(SohoaError):
    """Another run of the same unit holds its outputs; the message names that run."""

    exit_code = 6


class ClusterError(SohoaError):
    """The Dask cluster cannot take the page work: its scheduler does not answer, or a worker
    lacks what the pages need (the same Tesseract and model, the scans, the outputs); the message
    names each such worker."""

    exit_code = 7
