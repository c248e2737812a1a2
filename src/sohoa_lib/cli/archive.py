"""`sohoa verify`, `sohoa backup accept` and `sohoa preserve renew`: signatures and preservation."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from sohoa_lib.cli._where import outputs_dir
from sohoa_lib.errors import ParamsError, PreservationError, SohoaError


def cmd_verify(args: argparse.Namespace) -> int:
    import os

    from sohoa_lib.errors import InputError
    from sohoa_lib.preserve import fixity
    from sohoa_lib.sign import verify

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
            unit = path.resolve().relative_to(outputs_dir(args, root)).parts[0]
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
    from sohoa_lib.paths import UnitPaths
    from sohoa_lib.preserve import fixity
    from sohoa_lib.stages import sign

    packages = folder / fixity.PACKAGES
    if not renewed or not packages.is_dir():
        return []
    if folder.name != "archive" or folder.parent.name != settings.unit:
        return [(str(packages), f"không phải thư mục outputs/{settings.unit}/archive của đơn vị "
                 "trong tham số: các gói không được dựng lại, vẫn giữ tệp trước khi gia hạn")]  # fmt: skip
    done = sign.rebuild_packages(settings, UnitPaths(folder.parent.parent, settings.unit), renewed)
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
    return verify.unit_trust_roots(path, outputs_dir(args, root), root / "params" / "units")
