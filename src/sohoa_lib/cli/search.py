"""`sohoa search`: the catalogue (SQLite, or the sector's on PostgreSQL) searched, hits printed."""

from __future__ import annotations

import argparse
from pathlib import Path

from sohoa_lib.errors import ParamsError


def cmd_search(args: argparse.Namespace) -> int:
    from sohoa_lib.catalog import db

    if args.limit < 1:
        raise ParamsError(f"search: --limit phải từ 1 trở lên, nhận được {args.limit}")
    if args.outputs:  # searching needs no project folder when told where the outputs are
        outputs = Path(args.outputs).resolve()
    else:
        from sohoa_lib.run import runner

        outputs = runner.project_root() / "outputs"
    url = _database_url()
    if url:
        from sohoa_lib.catalog import postgres

        result = postgres.found(url, args.query, limit=args.limit, unit=args.unit)
    else:
        result = db.found_in_outputs(outputs, args.query, limit=args.limit, unit=args.unit)
    how = "khớp đúng dấu đã gõ" if result.exact else "không phân biệt dấu vì từ khóa gõ không dấu"
    if not result.hits:
        print(f"Không tìm thấy kết quả cho “{args.query}” ({how}).")
        return 0
    shown = f", hiện {len(result.hits)} văn bản đầu" if result.total > len(result.hits) else ""
    print(f"Tìm thấy {result.total} văn bản cho “{args.query}” ({how}{shown}).\n")
    for hit in result.hits:
        print(db.format_hit(hit), end="\n\n")
    return 0


def _database_url() -> str | None:
    """The sector's catalogue database, if one is set: environment, else params/national.yaml."""
    from sohoa_lib.catalog import postgres
    from sohoa_lib.run import runner

    try:
        params = runner.project_root() / "params" / "national.yaml"
    except ParamsError:
        params = None  # --outputs outside a project: only the environment can name a database
    return postgres.database_url(params)
