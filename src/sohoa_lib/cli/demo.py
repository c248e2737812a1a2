"""`sohoa demo-data` and `sohoa screenshots`: the demo's inputs, and pictures of its reports."""

from __future__ import annotations

import argparse
from pathlib import Path

from sohoa_lib.cli._where import outputs_anywhere
from sohoa_lib.errors import ParamsError, SohoaError


def cmd_demo_data(args: argparse.Namespace) -> int:
    from sohoa_lib.run import runner

    try:  # the demo generator lands separately; the rest of the CLI must work without it
        from sohoa_lib.demo import write_demo_data
    except ImportError as exc:
        raise SohoaError(f"không có bộ tạo dữ liệu mẫu: {exc}") from None
    root = runner.project_root()
    out = Path(args.out).resolve() if args.out else root / "data" / "demo"
    write_demo_data(out, seed=args.seed, params_dir=root / "params")
    print(f"Demo data: {out}")
    return 0


def cmd_screenshots(args: argparse.Namespace) -> int:
    from sohoa_lib.reports import browser

    outputs = outputs_anywhere(args)
    if browser.chromium_path() is None:
        # make demo calls this on machines without a browser too; no screenshots is not a failure.
        print("Không chụp ảnh báo cáo: máy không cài Chromium (apt-get install chromium).")
        return 0
    if not browser.report_pages(outputs):
        raise ParamsError(f"screenshots: không có báo cáo nào trong {outputs}")
    written = browser.screenshots(outputs)
    print(f"Đã chụp {len(written)} trang báo cáo vào {outputs / browser.SCREENSHOTS}")
    return 0
