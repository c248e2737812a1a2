"""The `sohoa` command: run a unit, a batch, write demo data; errors end as one line and a code."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from sohoa_lib.errors import ParamsError, PreservationError, SohoaError, StageError

log = logging.getLogger("sohoa_lib")

OUTPUTS_HELP = "thư mục kết quả (mặc định outputs/)"
AS_OF_HELP = "ngày tính số liệu của báo cáo (mặc định hôm nay)"
SCHEDULER_HELP = (
    "địa chỉ bộ lập lịch Dask (tcp://máy:8786) nhận việc từng trang của bước số hóa "
    "(mặc định: biến SOHOA_DASK_SCHEDULER, rồi digitize.scheduler trong tệp tham số, "
    "không có thì dùng các lõi của máy này)"
)
STATUS_WORDS = {"ok": "xong", "failed": "lỗi", "skipped": "bỏ qua"}


# argparse writes its own words in English; users of the command read Vietnamese.
_HELP_WORDS = {
    "usage:": "cách dùng:",
    "positional arguments:": "tham số:",
    "options:": "tùy chọn:",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
}
_ERROR_WORDS = (
    (r"the following arguments are required: (.*)", r"thiếu tham số bắt buộc: \1"),
    (r"unrecognized arguments: (.*)", r"tham số không nhận ra: \1"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
     r"tham số \1: không có lựa chọn \2 (chọn một trong: \3)"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"tham số \1: giá trị không hợp lệ: \3"),
    (r"argument (\S+): expected one argument", r"tham số \1: cần một giá trị"),
    (r"argument (\S+): (.*)", r"tham số \1: \2"),
)  # fmt: skip


class _Parser(argparse.ArgumentParser):
    """argparse in Vietnamese; a usage error becomes a ParamsError: one line, like every other."""

    def error(self, message: str) -> None:  # type: ignore[override]
        import re

        for pattern, words in _ERROR_WORDS:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, words, message)
                break
        command = self.prog.removeprefix("sohoa").strip()  # "run" in `sohoa run`'s parser
        raise ParamsError(f"{command}: {message}" if command else message)

    def format_usage(self) -> str:
        return _vietnamese(super().format_usage())

    def format_help(self) -> str:
        return _vietnamese(super().format_help())


def _vietnamese(text: str) -> str:
    for english, words in _HELP_WORDS.items():
        text = text.replace(english, words)
    return text


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"cần ngày dạng YYYY-MM-DD, nhận được {text!r}") from None


def _stage_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _outputs(args: argparse.Namespace, root: Path) -> Path:
    # --outputs is relative to where the command is typed; the default lives in the project.
    return Path(args.outputs).resolve() if args.outputs else root / "outputs"


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
        outputs=_outputs(args, root),
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
    from sohoa_lib.run import runner

    root = runner.project_root()
    outputs = _outputs(args, root)
    results = runner.run_batch(
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


def cmd_search(args: argparse.Namespace) -> int:
    from sohoa_lib.catalog import db

    if args.limit < 1:
        raise ParamsError(f"search: --limit phải từ 1 trở lên, nhận được {args.limit}")
    if args.outputs:  # searching needs no project folder when told where the outputs are
        outputs = Path(args.outputs).resolve()
    else:
        from sohoa_lib.run import runner

        outputs = runner.project_root() / "outputs"
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


def cmd_screenshots(args: argparse.Namespace) -> int:
    from sohoa_lib.reports import browser

    outputs = _outputs_anywhere(args)
    if browser.chromium_path() is None:
        # make demo calls this on machines without a browser too; no screenshots is not a failure.
        print("Không chụp ảnh báo cáo: máy không cài Chromium (apt-get install chromium).")
        return 0
    if not browser.report_pages(outputs):
        raise ParamsError(f"screenshots: không có báo cáo nào trong {outputs}")
    written = browser.screenshots(outputs)
    print(f"Đã chụp {len(written)} trang báo cáo vào {outputs / browser.SCREENSHOTS}")
    return 0


def _outputs_anywhere(args: argparse.Namespace) -> Path:
    if args.outputs:  # no project folder needed when told where the outputs are
        return Path(args.outputs).resolve()
    from sohoa_lib.run import runner

    return runner.project_root() / "outputs"


def cmd_review_export(args: argparse.Namespace) -> int:
    from sohoa_lib.review import sheet as review

    paths = review.unit_paths(_outputs_anywhere(args), args.unit)
    out = review.export_xlsx(paths, Path(args.out).resolve() if args.out else None)
    print(f"Biên mục: {out}")
    return 0


def cmd_review_apply(args: argparse.Namespace) -> int:
    from sohoa_lib.review import sheet as review
    from sohoa_lib.errors import InputError

    reviewer = review.require_reviewer(args.reviewer)
    result = review.apply_xlsx(Path(args.file), _outputs_anywhere(args), reviewer)
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


def cmd_verify(args: argparse.Namespace) -> int:
    import os

    from sohoa_lib.preserve import fixity
    from sohoa_lib.sign import verify
    from sohoa_lib.errors import InputError

    path = Path(args.path)
    if args.fixity:
        return _verify_fixity(path)

    roots = [Path(p) for p in args.trust or []] or verify.trust_roots_from_env()
    if not roots:
        roots = _unit_trust_roots(args, path)
    if not roots:
        raise ParamsError(
            "verify: chưa có chứng thư gốc tin cậy (no trust roots): dùng --trust FILE (chứng thư "
            f"gốc, PEM hoặc DER; lặp lại nếu nhiều), hoặc đặt {verify.TRUST_ENV} là các tệp đó, "
            f"cách nhau bởi {os.pathsep!r}, hoặc kiểm tra thư mục outputs/<UNIT>/ của một đơn vị "
            "có signing.trust_roots trong tham số"
        )
    counts = dict.fromkeys(verify.STATUSES, 0)
    if args.at is not None:
        print(f"Kiểm tra tại thời điểm {args.at.isoformat()} (--at), không dùng mạng.")
    for verdict in verify.iter_verdicts(path, roots, when=args.at):
        counts[verdict.status] += 1
        print(f"{verdict.status:<10} {verdict.path}  [{verdict.label}] {verdict.reason}"
              + _long_term(verdict))  # fmt: skip
    checksums = None
    if path.is_dir() and (path / fixity.MANIFEST).is_file():
        # The files it lists must be intact; unlisted ones are --fixity's business.
        checksums = fixity.check_manifest(path, extra=False)
        print(*fixity.format_report(checksums), sep="\n")
    total = sum(counts.values())
    if not total and checksums is None:
        raise InputError(f"verify: {path}: không có tệp PDF để kiểm tra")
    parts = [f"{n} {verify.LABELS[status]}" for status, n in counts.items() if n]
    print(f"Tổng cộng {total} tệp: {', '.join(parts) or 'không có tệp PDF'}.")
    failed = total - counts["valid"]
    if failed:
        raise SohoaError(f"verify: {failed}/{total} tệp không có chữ ký số hợp lệ")
    if checksums is not None and not checksums.ok:
        raise SohoaError(f"verify: {path}: các tệp khác với {fixity.MANIFEST}")
    return 0


def _long_term(verdict) -> str:
    """The level reached, the time the signer was judged at and why, and what is missing."""
    parts = []
    if verdict.level_reached:
        parts.append(f"mức đạt: {verdict.level_reached}")
    if verdict.validation_time and verdict.status != "unsigned":
        parts.append(f"kiểm tra chứng thư tại {verdict.validation_basis}")
    if verdict.missing:
        parts.append("thiếu: " + "; ".join(verdict.missing))
    return f" | {' | '.join(parts)}" if parts else ""


def _moment(text: str) -> dt.datetime:
    """--at: a date (its start, Vietnam time) or a date and time (unzoned: Vietnam time)."""
    from sohoa_lib.sign.verify import VN_TZ

    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM], got {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def cmd_backup_accept(args: argparse.Namespace) -> int:
    from sohoa_lib.preserve import backup, fixity

    package = Path(args.package)
    if not (package / fixity.MANIFEST).is_file():
        raise ParamsError(
            f"backup accept: {package}: cần thư mục gói có tệp {fixity.MANIFEST} "
            "(outputs/<UNIT>/archive/packages/<mã hồ sơ>)"
        )
    results = backup.accept(package)
    for result in results:
        status = "ok" if result.verified else "failed"  # as fixity.format_report writes it
        print(f"{status:<10} {result.copy}  {'; '.join(result.problems) or 'khớp với gói'}")
    bad = sum(not r.verified for r in results)
    if bad:
        raise PreservationError(f"backup accept: {bad}/{len(results)} bản sao vẫn sai lệch")
    print("Đã chấp nhận gói mới; chạy lại giai đoạn ký (sohoa run UNIT --stages sign) để cập nhật "
          "báo cáo.")  # fmt: skip
    return 0


def _verify_fixity(path: Path) -> int:
    from sohoa_lib.preserve import fixity

    if not path.is_dir():
        raise ParamsError(f"verify --fixity: {path}: cần một thư mục lưu trữ")
    path = path.resolve()  # the log names what was checked, wherever the command was typed
    folder = fixity.fixity_folder(path)
    reports, problems = [], []
    if folder != path:
        print(f"Thư mục lưu trữ: các tệp PDF đã ký theo {fixity.MANIFEST} của nó, rồi các gói và "
              f"bản sao dự phòng trong {folder}.")  # fmt: skip
        if (path / fixity.MANIFEST).is_file():
            reports.append(fixity.check_manifest(path, extra=False))
        else:
            problems.append(
                f"{path / fixity.MANIFEST}: không có; các tệp PDF đã ký chưa được kiểm tra"
            )
    backups = fixity.read_backups(folder)
    if reports and backups is not None and backups.log is not None:
        fixity.log_check(backups.log, reports[0])  # the signed PDFs' check is recorded too
    reports += fixity.check_archive(folder)
    problems += fixity.bookkeeping_problems(folder)
    for report in reports:
        print(*fixity.format_report(report), sep="\n")
    for problem in problems:
        print(f"{'failed':<10} {problem}")  # the status column of fixity.format_report
    if backups is not None and backups.log is not None:
        print(f"Nhật ký bảo quản: {backups.log}")
    bad = sum(not report.ok for report in reports)
    print(f"Tổng cộng {len(reports)} nơi lưu: {len(reports) - bad} khớp, {bad} sai lệch"
          + (f"; {len(problems)} thiếu sót trong hồ sơ bảo quản." if problems else "."))  # fmt: skip
    if bad:
        raise PreservationError(f"verify --fixity: {bad}/{len(reports)} nơi lưu không khớp")
    if problems:
        raise PreservationError(f"verify --fixity: {len(problems)} thiếu sót: {problems[0]}")
    return 0


def cmd_preserve_renew(args: argparse.Namespace) -> int:
    from sohoa_lib.preserve import renew as preserve
    from sohoa_lib.run import runner
    from sohoa_lib.settings import load_unit_settings

    path = Path(args.path)
    params = Path(args.params) if args.params else None
    if params is None:
        root = runner.project_root()
        try:
            unit = path.resolve().relative_to(_outputs(args, root)).parts[0]
        except (ValueError, IndexError):
            unit = None
        params = root / "params" / "units" / f"{unit}.yaml" if unit else None
    if params is None or not params.is_file():
        raise ParamsError(
            "preserve renew: give --params FILE (the unit's params, for its timestamp authority, "
            "trust roots and CRL files), or renew a unit's outputs/<UNIT>/archive"
        )
    settings = load_unit_settings(params)
    days = args.margin_days or settings.preservation.renew_margin_days
    now = dt.datetime.now(dt.UTC)
    results = preserve.Renewer(settings.signing).renew_path(
        path, margin=dt.timedelta(days=days), now=now, dry_run=args.dry_run
    )
    for r in results:
        state = "renewed" if r.renewed else "due" if r.due else "ok"
        expires = r.expires.date().isoformat() if r.expires else "-"
        print(f"{state:<10} {r.path}  [{expires}] {r.reason}")
    renewed = sum(r.renewed for r in results)
    waiting = [r for r in results if r.due and not r.renewed]
    print(f"Tổng cộng {len(results)} tệp: {renewed} đã gia hạn, {len(waiting)} cần xử lý.")
    folder = path if path.is_dir() else path.parent
    failures = _renew_packages(settings, folder, {r.path.name for r in results if r.renewed})
    bad = _recheck_packages(folder)
    if failures:
        name, reason = failures[0]
        raise PreservationError(
            f"preserve renew: {len(failures)} gói hoặc bản sao dự phòng chưa được gia hạn: "
            f"{name}: {reason}"
        )
    if bad:
        raise PreservationError(f"preserve renew: {bad} gói hoặc nơi lưu dự phòng không khớp")
    if waiting and not args.dry_run:
        raise PreservationError(f"preserve renew: {len(waiting)} tệp không gia hạn được")
    return 0


def _renew_packages(settings, folder: Path, renewed: set[str]) -> list[tuple[str, str]]:
    """Rebuild the packages of `folder` (a unit's archive) holding renewed files and replace
    their backup copies; what could not be done, each with its reason."""
    from sohoa_lib.stages import sign
    from sohoa_lib.preserve import fixity
    from sohoa_lib.paths import UnitPaths

    packages = folder / fixity.PACKAGES
    if not renewed or not packages.is_dir():
        return []
    if folder.name != "archive" or folder.parent.name != settings.unit:
        return [(str(packages), f"không phải thư mục outputs/{settings.unit}/archive của đơn vị "
                 "trong tham số: các gói không được dựng lại, vẫn giữ tệp trước khi gia hạn")]  # fmt: skip
    done = sign.rebuild_packages(
        settings, UnitPaths(folder.parent.parent, settings.unit), renewed
    )
    for package in done.packages:
        print(f"{'rebuilt':<10} {package}  gói dựng lại với tệp đã gia hạn và sự kiện PREMIS")
    for copy in done.backups:
        status = "ok" if copy.verified else "failed"
        print(f"{status:<10} {copy.copy}  {'; '.join(copy.problems) or 'thay bằng gói mới, khớp'}")
    shown = {str(copy.copy) for copy in done.backups}
    for name, reason in done.failures:
        if name not in shown:
            print(f"{'failed':<10} {name}  {reason}")
    return done.failures


def _recheck_packages(path: Path) -> int:
    """An archive folder's packages and their backup copies checked against the packages'
    manifest (nothing changed, each check logged); how many locations differ."""
    from sohoa_lib.preserve import fixity

    packages = path / "packages"
    if not path.is_dir() or not (packages / fixity.MANIFEST).is_file():
        return 0
    reports = fixity.check_archive(packages)
    for report in reports:
        print(*fixity.format_report(report), sep="\n")
    return sum(not report.ok for report in reports)


def _unit_trust_roots(args: argparse.Namespace, path: Path) -> list[Path]:
    from sohoa_lib.run import runner
    from sohoa_lib.sign import verify

    try:
        root = runner.project_root()
    except ParamsError:  # outside the project there is no unit params file to read
        return []
    return verify.unit_trust_roots(path, _outputs(args, root), root / "params" / "units")


def build_parser() -> argparse.ArgumentParser:
    """The command line, with one sub-command per job."""
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS so `-v` given before the sub-command is not reset by the sub-command's default
    # (the action object is shared by every parser built from `common`, so no set_defaults).
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="in thêm thông tin (-vv: gỡ lỗi)",
    )
    parser = _Parser(
        prog="sohoa",
        description="Số hóa tài liệu lưu trữ và thống kê ngành BHXH Việt Nam.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="chạy các notebook giai đoạn của một đơn vị")
    run.add_argument("unit", metavar="UNIT", help="mã đơn vị, ví dụ TTLT")
    run.add_argument(
        "--params", metavar="FILE", help="tệp tham số (mặc định params/units/UNIT.yaml)"
    )
    run.add_argument(
        "--stages",
        type=_stage_list,
        metavar="LIST",
        help="các giai đoạn, cách nhau bởi dấu phẩy: inventory,digitize,sign,statistics "
        "(mặc định: mọi giai đoạn có notebook)",
    )
    run.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    run.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help=AS_OF_HELP)
    run.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    run.set_defaults(func=cmd_run)

    batch = sub.add_parser(
        "batch", parents=[common], help="chạy các đơn vị, rồi báo cáo toàn Ngành và trang mục lục"
    )
    batch.add_argument(
        "units", nargs="*", metavar="UNIT", help="mã đơn vị (mặc định: mọi tệp tham số)"
    )
    batch.add_argument(
        "--parallel", type=int, default=2, metavar="N", help="số đơn vị chạy cùng lúc (mặc định 2)"
    )
    batch.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    batch.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help=AS_OF_HELP)
    batch.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    batch.set_defaults(func=cmd_batch)

    demo = sub.add_parser("demo-data", parents=[common], help="tạo dữ liệu mẫu và tệp tham số")
    demo.add_argument("--out", metavar="DIR", help="nơi ghi (mặc định data/demo/)")
    demo.add_argument(
        "--seed", type=int, default=0, metavar="N", help="hạt giống ngẫu nhiên (mặc định 0)"
    )
    demo.set_defaults(func=cmd_demo_data)

    search = sub.add_parser(
        "search", parents=[common], help="tìm trong mục lục dữ liệu (gõ có hoặc không dấu)"
    )
    search.add_argument("query", metavar="QUERY", help='các từ, "một cụm từ" hoặc tiền tố*')
    search.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    search.add_argument("--unit", metavar="UNIT", help="chỉ văn bản của đơn vị này")
    search.add_argument(
        "--limit", type=int, default=20, metavar="N", help="tối đa N kết quả (mặc định 20)"
    )
    search.set_defaults(func=cmd_search)

    review = sub.add_parser(
        "review", parents=[common], help="biên mục: các trường cần xem xuất ra XLSX và nhập lại"
    )
    review_sub = review.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    export = review_sub.add_parser(
        "export", parents=[common], help="ghi các văn bản cần biên mục của đơn vị ra tệp XLSX"
    )
    export.add_argument("unit", metavar="UNIT", help="mã đơn vị, ví dụ TTLT")
    export.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    export.add_argument(
        "--out", metavar="FILE", help="tệp XLSX (mặc định outputs/UNIT/review/bien-muc-UNIT.xlsx)"
    )
    export.set_defaults(func=cmd_review_export)
    apply = review_sub.add_parser(
        "apply", parents=[common], help="ghi tệp XLSX đã biên mục vào mục lục dữ liệu"
    )
    apply.add_argument("file", metavar="FILE", help="tệp XLSX do review export tạo, đã điền")
    apply.add_argument(
        "--reviewer", metavar="NAME", help="người biên mục (bắt buộc: ghi cùng mỗi thay đổi)"
    )
    apply.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    apply.set_defaults(func=cmd_review_apply)

    verify = sub.add_parser(
        "verify", parents=[common], help="kiểm tra chữ ký số và mã băm của một thư mục hoặc tệp PDF"
    )
    verify.add_argument("path", metavar="PATH", help="một tệp PDF đã ký hoặc thư mục lưu trữ")
    verify.add_argument(
        "--trust",
        action="append",
        metavar="FILE",
        help="chứng thư gốc tin cậy, PEM hoặc DER (lặp lại được; mặc định $SOHOA_TRUST_ROOTS)",
    )
    verify.add_argument(
        "--fixity",
        action="store_true",
        help="đối chiếu thư mục lưu trữ (hoặc packages/) và các bản sao trong backups.json với "
        "manifest-sha256.txt; mỗi lần kiểm tra được ghi vào nhật ký bảo quản",
    )
    verify.add_argument(
        "--at",
        type=_moment,
        metavar="DATE",
        help="kiểm tra như vào ngày hoặc thời điểm này (YYYY-MM-DD: đầu ngày, giờ Việt Nam), "
        "để kiểm toán; mặc định: bây giờ. Luôn ngoại tuyến, từ dữ liệu xác thực trong chính tệp",
    )
    verify.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    verify.set_defaults(func=cmd_verify)

    preserve = sub.add_parser(
        "preserve", parents=[common], help="duy trì khả năng xác thực lâu dài của tệp đã ký"
    )
    preserve_sub = preserve.add_subparsers(dest="action", required=True, metavar="ACTION")
    renew = preserve_sub.add_parser(
        "renew",
        parents=[common],
        help="thêm dữ liệu xác thực mới và dấu thời gian tài liệu cho tệp có chứng thư "
        "dấu thời gian mới nhất sắp hết hạn, rồi dựng lại gói và thay các bản sao dự phòng",
    )
    renew.add_argument("path", metavar="PATH", help="một tệp PDF đã ký hoặc thư mục archive")
    renew.add_argument("--params", metavar="FILE", help="tệp tham số của đơn vị")
    renew.add_argument(
        "--margin-days",
        type=int,
        metavar="N",
        help="gia hạn khi chứng thư hết hạn trong vòng N ngày "
        "(mặc định preservation.renew_margin_days, 730)",
    )
    renew.add_argument(
        "--dry-run",
        action="store_true",
        help="chỉ liệt kê tệp cần gia hạn và thời hạn, không thay đổi gì",
    )
    renew.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    renew.set_defaults(func=cmd_preserve_renew)

    backup = sub.add_parser("backup", parents=[common], help="xử lý bản sao dự phòng bị sai lệch")
    backup_sub = backup.add_subparsers(dest="action", required=True, metavar="ACTION")
    accept = backup_sub.add_parser(
        "accept",
        parents=[common],
        help="chấp nhận gói làm phiên bản mới trong các bản sao, giữ lại bản sao cũ",
    )
    accept.add_argument(
        "package", metavar="PACKAGE", help="outputs/<UNIT>/archive/packages/<mã hồ sơ>"
    )
    accept.set_defaults(func=cmd_backup_accept)

    shots = sub.add_parser(
        "screenshots",
        parents=[common],
        help="chụp màn hình trang mục lục và từng báo cáo (rộng 1024 px) vào outputs/screenshots/",
    )
    shots.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    shots.set_defaults(func=cmd_screenshots)
    return parser


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


if __name__ == "__main__":
    sys.exit(main())
