"""Versions of sohoa and the libraries it records next to what they produced."""

from __future__ import annotations

from importlib import metadata


def version(distribution: str = "sohoa") -> str | None:
    """The installed version of a distribution, or None when it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def sohoa() -> str:
    """sohoa's own version, "0+unknown" when run from a source tree that was never installed."""
    return version("sohoa") or "0+unknown"
