"""`sohoa run` and `sohoa batch`: a unit's stages, or every unit then the national report."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from sohoa_lib.cli._where import outputs_dir
from sohoa_lib.errors import StageError

STATUS_WORDS = {"ok": "xong", "failed": "lỗi", "skipped": "bỏ qua"}


def cmd_run(args: argparse.Namespace) -> int:
    from sohoa_lib.run import runner

    root = runner.project_root()
    unit = args.unit
    params = (
        Path(args.params).resolve() if args.params else root / "params" / "units" / f"{unit}.yaml"
    )
    record = runner.run_unit(
        unit,
        params_file=params,
        outputs=outputs_dir(args, root),
        stages=args.stages,
        notebooks_dir=root / "notebooks",
        as_of=args.as_of,
        command=args.command_line,
        scheduler=args.scheduler,
    )
    for stage in record.stages:
        status = STATUS_WORDS.get(stage.status, stage.status)
        print(f"{stage.name:<11} {status:<11} {stage.seconds:>7.1f} s  {stage.report or ''}")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from sohoa_lib.run import batch, runner

    root = runner.project_root()
    outputs = outputs_dir(args, root)
    results = batch.run_batch(
        args.units or None,
        root=root,
        outputs=outputs,
        parallel=args.parallel,
        as_of=args.as_of,
        scheduler=args.scheduler,
    )
    print(f"Báo cáo: {outputs / 'index.html'}")
    message = batch_failure(results)
    if message:
        raise StageError(message)
    return 0


def batch_failure(results: Sequence[dict]) -> str | None:
    """`1/1 đơn vị lỗi: BN` (units and the national report counted apart); None when all ran."""
    units = [r for r in results if r["unit"] != "national"]
    failed = [r["unit"] for r in units if r["status"] != "ok"]
    national = any(r["unit"] == "national" and r["status"] != "ok" for r in results)
    parts = [f"{len(failed)}/{len(units)} đơn vị lỗi: {', '.join(failed)}"] if failed else []
    if national:
        parts.append("báo cáo toàn Ngành lỗi")
    return "; ".join(parts) or None
