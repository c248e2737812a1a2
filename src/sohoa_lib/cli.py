"""The `sohoa` command: run a unit, a batch, write demo data; errors end as one line and a code."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import ParamsError, PreservationError, SohoaError, StageError

log = logging.getLogger("sohoa_lib")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error becomes a ParamsError: one line on stderr, like every other."""

    def error(self, message: str) -> None:  # type: ignore[override]
        command = self.prog.removeprefix("sohoa").strip()  # "run" in `sohoa run`'s parser
        raise ParamsError(f"{command}: {message}" if command else message)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _stage_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _outputs(args: argparse.Namespace, root: Path) -> Path:
    # --outputs is relative to where the command is typed; the default lives in the project.
    return Path(args.outputs).resolve() if args.outputs else root / "outputs"


def cmd_run(args: argparse.Namespace) -> int:
    from . import runner

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
    )
    for stage in record.stages:
        print(f"{stage.name:<11} {stage.status:<7} {stage.seconds:>7.1f} s  {stage.report or ''}")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from . import runner

    root = runner.project_root()
    outputs = _outputs(args, root)
    results = runner.run_batch(
        args.units or None, root=root, outputs=outputs, parallel=args.parallel, as_of=args.as_of
    )
    failed = [r["unit"] for r in results if r["status"] != "ok"]
    print(f"Reports: {outputs / 'index.html'}")
    if failed:
        raise StageError(f"{len(failed)} of {len(results)} runs failed: {', '.join(failed)}")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from . import runner

    try:  # the demo generator lands separately; the rest of the CLI must work without it
        from .demo import write_demo_data
    except ImportError as exc:
        raise SohoaError(f"the demo data generator is not available: {exc}") from None
    root = runner.project_root()
    out = Path(args.out).resolve() if args.out else root / "data" / "demo"
    write_demo_data(out, seed=args.seed, params_dir=root / "params")
    print(f"Demo data: {out}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from . import catalog

    if args.limit < 1:
        raise ParamsError(f"search: --limit must be at least 1, got {args.limit}")
    if args.outputs:  # searching needs no project folder when told where the outputs are
        outputs = Path(args.outputs).resolve()
    else:
        from . import runner

        outputs = runner.project_root() / "outputs"
    hits = catalog.search_outputs(outputs, args.query, limit=args.limit, unit=args.unit)
    if not hits:
        print(f"Không tìm thấy kết quả cho “{args.query}”.")
    for hit in hits:
        print(catalog.format_hit(hit), end="\n\n")
    return 0


def _outputs_anywhere(args: argparse.Namespace) -> Path:
    if args.outputs:  # no project folder needed when told where the outputs are
        return Path(args.outputs).resolve()
    from . import runner

    return runner.project_root() / "outputs"


def cmd_review_export(args: argparse.Namespace) -> int:
    from . import review

    paths = review.unit_paths(_outputs_anywhere(args), args.unit)
    out = review.export_xlsx(paths, Path(args.out).resolve() if args.out else None)
    print(f"Biên mục: {out}")
    return 0


def cmd_review_apply(args: argparse.Namespace) -> int:
    from . import review
    from .errors import InputError

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

    from . import fixity, verify
    from .errors import InputError

    path = Path(args.path)
    if args.fixity:
        return _verify_fixity(path)

    roots = [Path(p) for p in args.trust or []] or verify.trust_roots_from_env()
    if not roots:
        roots = _unit_trust_roots(args, path)
    if not roots:
        raise ParamsError(
            "verify: no trust roots: give --trust FILE (root certificate, PEM or DER; repeat for "
            f"several), or set {verify.TRUST_ENV} to such files separated by {os.pathsep!r}, or "
            "verify a unit's outputs/<UNIT>/ whose params list signing.trust_roots"
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
        raise InputError(f"verify: {path}: no PDF file to verify")
    parts = [f"{n} {verify.LABELS[status]}" for status, n in counts.items() if n]
    print(f"Tổng cộng {total} tệp: {', '.join(parts) or 'không có tệp PDF'}.")
    failed = total - counts["valid"]
    if failed:
        raise SohoaError(f"verify: {failed} of {total} files are not validly signed")
    if checksums is not None and not checksums.ok:
        raise SohoaError(f"verify: {path}: files differ from {fixity.MANIFEST}")
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
    from .verify import VN_TZ

    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM], got {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def cmd_backup_accept(args: argparse.Namespace) -> int:
    from . import backup, fixity

    package = Path(args.package)
    if not (package / fixity.MANIFEST).is_file():
        raise ParamsError(
            f"backup accept: {package}: expected a package folder holding {fixity.MANIFEST} "
            "(outputs/<UNIT>/archive/packages/<mã hồ sơ>)"
        )
    results = backup.accept(package)
    for result in results:
        status = "ok" if result.verified else "failed"
        print(f"{status:<10} {result.copy}  {'; '.join(result.problems) or 'khớp với gói'}")
    bad = sum(not r.verified for r in results)
    if bad:
        raise PreservationError(f"backup accept: {bad} of {len(results)} copies still differ")
    print("Đã chấp nhận gói mới; chạy lại giai đoạn ký (sohoa run UNIT --stages sign) để cập nhật "
          "báo cáo.")  # fmt: skip
    return 0


def _verify_fixity(path: Path) -> int:
    from . import fixity

    if not path.is_dir():
        raise ParamsError(f"verify --fixity: {path}: expected an archive folder")
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
        print(f"{'failed':<10} {problem}")
    if backups is not None and backups.log is not None:
        print(f"Nhật ký bảo quản: {backups.log}")
    bad = sum(not report.ok for report in reports)
    print(f"Tổng cộng {len(reports)} nơi lưu: {len(reports) - bad} khớp, {bad} sai lệch"
          + (f"; {len(problems)} thiếu sót trong hồ sơ bảo quản." if problems else "."))  # fmt: skip
    if bad:
        raise PreservationError(f"verify --fixity: {bad} of {len(reports)} locations do not match")
    if problems:
        raise PreservationError(f"verify --fixity: {len(problems)} thiếu sót: {problems[0]}")
    return 0


def cmd_preserve_renew(args: argparse.Namespace) -> int:
    from . import preserve, runner
    from .settings import load_unit_settings

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
    bad = _recheck_packages(path)
    if renewed:
        print("Các gói thông tin và bản sao dự phòng còn giữ tệp trước khi gia hạn: chạy lại giai "
              "đoạn ký (sohoa run UNIT --stages sign), rồi sohoa backup accept cho từng gói.")  # fmt: skip
    if bad:
        raise PreservationError(f"preserve renew: {bad} package or backup locations do not match")
    if waiting and not args.dry_run:
        raise PreservationError(f"preserve renew: {len(waiting)} files could not be renewed")
    return 0


def _recheck_packages(path: Path) -> int:
    """An archive folder's packages and their backup copies checked against the packages'
    manifest (nothing changed, each check logged); how many locations differ."""
    from . import fixity

    packages = path / "packages"
    if not path.is_dir() or not (packages / fixity.MANIFEST).is_file():
        return 0
    reports = fixity.check_archive(packages)
    for report in reports:
        print(*fixity.format_report(report), sep="\n")
    return sum(not report.ok for report in reports)


def _unit_trust_roots(args: argparse.Namespace, path: Path) -> list[Path]:
    from . import runner, verify

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
        help="say more (-vv: debug)",
    )
    parser = _Parser(
        prog="sohoa",
        description="Số hóa tài liệu lưu trữ và thống kê ngành BHXH Việt Nam.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="run one unit's stage notebooks")
    run.add_argument("unit", metavar="UNIT", help="unit code, e.g. TTLT")
    run.add_argument(
        "--params", metavar="FILE", help="params file (default params/units/UNIT.yaml)"
    )
    run.add_argument(
        "--stages",
        type=_stage_list,
        metavar="LIST",
        help="comma-separated stages: inventory,digitize,sign,statistics (default: all present)",
    )
    run.add_argument("--outputs", metavar="DIR", help="outputs folder (default outputs/)")
    run.add_argument(
        "--as-of", type=_date, metavar="YYYY-MM-DD", help="report date (default today)"
    )
    run.set_defaults(func=cmd_run)

    batch = sub.add_parser(
        "batch", parents=[common], help="run units, then the national report and the index page"
    )
    batch.add_argument(
        "units", nargs="*", metavar="UNIT", help="unit codes (default: every params file)"
    )
    batch.add_argument(
        "--parallel", type=int, default=2, metavar="N", help="units at once (default 2)"
    )
    batch.add_argument("--outputs", metavar="DIR", help="outputs folder (default outputs/)")
    batch.add_argument(
        "--as-of", type=_date, metavar="YYYY-MM-DD", help="report date (default today)"
    )
    batch.set_defaults(func=cmd_batch)

    demo = sub.add_parser("demo-data", parents=[common], help="write the demo inputs and params")
    demo.add_argument("--out", metavar="DIR", help="where to write (default data/demo/)")
    demo.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    demo.set_defaults(func=cmd_demo_data)

    search = sub.add_parser(
        "search", parents=[common], help="search the catalogue (diacritics optional)"
    )
    search.add_argument("query", metavar="QUERY", help='words, "a phrase" or a prefix*')
    search.add_argument("--outputs", metavar="DIR", help="outputs folder (default outputs/)")
    search.add_argument("--unit", metavar="UNIT", help="only this unit's documents")
    search.add_argument(
        "--limit", type=int, default=20, metavar="N", help="at most N results (default 20)"
    )
    search.set_defaults(func=cmd_search)

    review = sub.add_parser(
        "review", parents=[common], help="biên mục: flagged fields out to an XLSX and back"
    )
    review_sub = review.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    export = review_sub.add_parser(
        "export", parents=[common], help="write the unit's flagged documents as an XLSX"
    )
    export.add_argument("unit", metavar="UNIT", help="unit code, e.g. TTLT")
    export.add_argument("--outputs", metavar="DIR", help="outputs folder (default outputs/)")
    export.add_argument(
        "--out", metavar="FILE", help="the XLSX (default outputs/UNIT/review/bien-muc-UNIT.xlsx)"
    )
    export.set_defaults(func=cmd_review_export)
    apply = review_sub.add_parser(
        "apply", parents=[common], help="record a reviewed XLSX in the catalogue"
    )
    apply.add_argument("file", metavar="FILE", help="the XLSX written by review export, filled in")
    apply.add_argument(
        "--reviewer", metavar="NAME", help="who reviewed (required: recorded with each change)"
    )
    apply.add_argument("--outputs", metavar="DIR", help="outputs folder (default outputs/)")
    apply.set_defaults(func=cmd_review_apply)

    verify = sub.add_parser(
        "verify", parents=[common], help="check the signatures and checksums of a folder or PDF"
    )
    verify.add_argument("path", metavar="PATH", help="a signed PDF or an archive folder")
    verify.add_argument(
        "--trust",
        action="append",
        metavar="FILE",
        help="trusted root certificate, PEM or DER (repeatable; default $SOHOA_TRUST_ROOTS)",
    )
    verify.add_argument(
        "--fixity",
        action="store_true",
        help="check an archive folder (or its packages/) and the backup copies in backups.json "
        "against manifest-sha256.txt; appends each check to the preservation log",
    )
    verify.add_argument(
        "--at",
        type=_moment,
        metavar="DATE",
        help="validate as of this date or time (YYYY-MM-DD: its start, Vietnam time), for "
        "audits; default now. Always offline, from each file's own validation data",
    )
    verify.add_argument("--outputs", metavar="DIR", help="outputs folder (default outputs/)")
    verify.set_defaults(func=cmd_verify)

    preserve = sub.add_parser(
        "preserve", parents=[common], help="long-term validation of the signed files"
    )
    preserve_sub = preserve.add_subparsers(dest="action", required=True, metavar="ACTION")
    renew = preserve_sub.add_parser(
        "renew",
        parents=[common],
        help="add fresh validation data and a document timestamp to files whose newest "
        "timestamp certificate expires soon",
    )
    renew.add_argument("path", metavar="PATH", help="a signed PDF or an archive folder")
    renew.add_argument("--params", metavar="FILE", help="the unit's params file")
    renew.add_argument(
        "--margin-days",
        type=int,
        metavar="N",
        help="renew when the certificate expires within N days "
        "(default preservation.renew_margin_days, 730)",
    )
    renew.add_argument(
        "--dry-run", action="store_true", help="list the files due and when, change nothing"
    )
    renew.add_argument("--outputs", metavar="DIR", help="outputs folder (default outputs/)")
    renew.set_defaults(func=cmd_preserve_renew)

    backup = sub.add_parser("backup", parents=[common], help="resolve a backup copy that differs")
    backup_sub = backup.add_subparsers(dest="action", required=True, metavar="ACTION")
    accept = backup_sub.add_parser(
        "accept",
        parents=[common],
        help="accept a package as the new version in its backups, keeping the old copies",
    )
    accept.add_argument(
        "package", metavar="PACKAGE", help="outputs/<UNIT>/archive/packages/<mã hồ sơ>"
    )
    accept.set_defaults(func=cmd_backup_accept)
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
        print("sohoa: interrupted", file=sys.stderr)
        return 130


def _configure_logging(verbose: int) -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _one_line(message: str) -> str:
    # YAML and nbconvert messages span lines; the contract is one line.
    return " ".join(line.strip() for line in message.splitlines() if line.strip())


if __name__ == "__main__":
    sys.exit(main())
