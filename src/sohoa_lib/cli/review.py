"""`sohoa review export` and `sohoa review apply`: biên mục through an XLSX."""

from __future__ import annotations

import argparse
from pathlib import Path

from sohoa_lib.cli._where import outputs_anywhere


def cmd_review_export(args: argparse.Namespace) -> int:
    from sohoa_lib.review import sheet as review

    paths = review.unit_paths(outputs_anywhere(args), args.unit)
    out = review.export_xlsx(paths, Path(args.out).resolve() if args.out else None)
    print(f"Biên mục: {out}")
    return 0


def cmd_review_apply(args: argparse.Namespace) -> int:
    from sohoa_lib.errors import InputError
    from sohoa_lib.review import sheet as review

    reviewer = review.require_reviewer(args.reviewer)
    result = review.apply_xlsx(Path(args.file), outputs_anywhere(args), reviewer)
    print(
        f"{result.unit}: {result.rows_applied} hàng đã áp dụng ({result.corrections} sửa, "
        f"{result.confirmations} xác nhận), {result.rows_waiting} hàng chưa biên mục, "
        f"{len({r for r, _, _ in result.problems})} hàng để riêng."
    )
    for row, column, message in result.problems:
        print(f"  {args.file}: hàng {row}, cột {column}: {message}")
    if result.problems:
        raise InputError(
            f"review apply: {args.file}: {len(result.problems)} ô sai; các hàng đó được để riêng "
            "(review/rejected.csv), các hàng khác đã áp dụng"
        )
    return 0
