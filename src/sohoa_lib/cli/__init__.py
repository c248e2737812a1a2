"""The `sohoa` command: run a unit, a batch, write demo data; errors end as one line and a code."""

from __future__ import annotations

import logging
import shlex
import sys
from collections.abc import Sequence

from sohoa_lib.cli.parser import build_parser
from sohoa_lib.cli.runs import batch_failure
from sohoa_lib.errors import SohoaError

__all__ = ["batch_failure", "build_parser", "main"]

log = logging.getLogger("sohoa_lib")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `sohoa`: 0 on success, else the error's exit code and one line on stderr."""
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        args = build_parser().parse_args(argv)
        args.command_line = shlex.join(["sohoa", *argv])  # names this run to one it collides with
        _configure_logging(getattr(args, "verbose", 0))
        return args.func(args)
    except SohoaError as exc:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("traceback", exc_info=True)
        print(f"sohoa: {_one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("sohoa: đã dừng theo yêu cầu (Ctrl+C)", file=sys.stderr)
        return 130


def _configure_logging(verbose: int) -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _one_line(message: str) -> str:
    # YAML and nbconvert messages span lines; the contract is one line.
    return " ".join(line.strip() for line in message.splitlines() if line.strip())
