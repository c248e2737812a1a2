"""Where a command finds the outputs: --outputs as typed, else the project's `outputs/`."""

from __future__ import annotations

import argparse
from pathlib import Path


def outputs_dir(args: argparse.Namespace, root: Path) -> Path:
    """--outputs if given, else `outputs/` under the project `root`."""
    # --outputs is relative to where the command is typed; the default lives in the project.
    return Path(args.outputs).resolve() if args.outputs else root / "outputs"


def outputs_anywhere(args: argparse.Namespace) -> Path:
    """--outputs if given (no project needed then), else the project's `outputs/`."""
    if args.outputs:  # no project folder needed when told where the outputs are
        return Path(args.outputs).resolve()
    from sohoa_lib.run import runner

    return runner.project_root() / "outputs"
