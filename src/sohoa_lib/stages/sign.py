"""Stage 3, signing and preservation: PAdES signatures, verification, packages, verified backups."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sohoa_lib.common import versions
from sohoa_lib.common.clock import VIETNAM
from sohoa_lib.common.files import sha256, write_csv, write_text
from sohoa_lib.common.progress import Progress
from sohoa_lib.errors import ParamsError, PreservationError, SohoaError
from sohoa_lib.paths import UnitPaths
from sohoa_lib.preserve.backup import BackupResult, accept, backup
from sohoa_lib.preserve.backup import reference as backup_reference
from sohoa_lib.preserve.fixity import check_manifest, write_manifest
from sohoa_lib.preserve.package import PageAlto, PreservationEvent, build_package, validate_package
from sohoa_lib.preserve.renew import renewal_due
from sohoa_lib.review import gate as _review_gate
from sohoa_lib.settings import UnitSettings
from sohoa_lib.sign.pades import Session
from sohoa_lib.sign.verify import verify_pdf
from sohoa_lib.tools import tesseract


@dataclass(frozen=True)
class SignStageResult:
    """What stage 3 did for a unit; the same tables are written as CSV under archive/."""

    settings: UnitSettings
    root: Path
    signed: pd.DataFrame
    """One row per PDF/A: signed file, level, time, verification status and reason."""
    packages: pd.DataFrame
    """One row per hồ sơ: its package and whether it validates."""
    backups: pd.DataFrame
    """One row per package copy: location, files, bytes, verified, problems."""
    failures: list[tuple[str, str]]
    """(file, reason) for every file that could not be signed or packaged."""
    certificate: dict | None
    seconds: float
    signed_now: int
    """Files signed in this run (the others were already signed from the same source)."""
    waiting: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_WAITING_COLUMNS))
    """One row per open flag of a hồ sơ with flagged fields nobody has reviewed (chờ biên mục)."""
    signed_unreviewed: tuple[str, ...] = ()
    """Hồ sơ signed with open flags because params say `review.sign_unreviewed: true`."""

    def raise_for_failures(self) -> None:
        """PreservationError when a file, package or backup copy failed: the stage then fails,
        and `sohoa run` exits non-zero, after the report has shown every failure."""
        if self.failures:
            names = ", ".join(name for name, _ in self.failures[:5])
            more = f" và {len(self.failures) - 5} mục khác" if len(self.failures) > 5 else ""
            raise PreservationError(
                f"{len(self.failures)} lỗi ký số, đóng gói hoặc sao lưu: {names}{more} "
                f"(chi tiết: {self.root / 'archive' / 'failures.csv'})"
            )

    def figures(self) -> dict:
        s = self.signed
        held = len(self.waiting) and not self.settings.review.sign_unreviewed
        return {
            "unit": self.settings.unit,
            "files": len(s),
            "signed_now": self.signed_now,
            "valid": int((s["trang_thai"] == "valid").sum()) if len(s) else 0,
            "not_valid": int((s["trang_thai"] != "valid").sum()) if len(s) else 0,
            "signed_pages": int(s.loc[s["trang_thai"] == "valid", "so_trang"].sum())
            if len(s)
            else 0,
            "packages": len(self.packages),
            "backup_copies": len(self.backups),
            "backup_copies_verified": int(self.backups["da_kiem_tra"].sum())
            if len(self.backups)
            else 0,
            "failures": len(self.failures),
            # Files whose newest timestamp ends within preservation.renew_margin_days.
            "renewal_due": int(s["can_gia_han"].sum()) if len(s) else 0,
            # Files held back for biên mục, or signed knowingly without it (review.sign_unreviewed).
            "waiting_review_files": int(self.waiting["ma_ho_so"].nunique()) if held else 0,
            "waiting_review_documents": int(self.waiting["ma_dinh_danh"].nunique()) if held else 0,
            "sign_unreviewed": self.settings.review.sign_unreviewed,
            "signed_unreviewed_files": len(self.signed_unreviewed),
            "seconds": round(self.seconds, 1),
            "files_per_second": round(self.signed_now / self.seconds, 2)
            if self.signed_now
            else None,
        }


def run_sign(
    settings: UnitSettings,
    paths: UnitPaths,
    *,
    prompt: Callable[[str], str] | None = None,
    progress: Progress | None = None,
) -> SignStageResult:
    """Sign, verify, package and back up every finished file of the unit.

    `progress` counts the files signed (tqdm's bar in the notebook, the terminal's status line).
    """
    started = time.perf_counter()
    sign = settings.signing
    if sign.pkcs12 is None and sign.token is None:
        raise ParamsError(f"{settings.source}: khóa 'signing': cần 'pkcs12' hoặc 'token' để ký số")
    if len(settings.preservation.backups) < 2:
        raise ParamsError(
            f"{settings.source}: khóa 'preservation.backups' liệt kê "
            f"{len(settings.preservation.backups)} vị trí; tt05-2025 yêu cầu ít nhất hai"
        )
    files = _finished_files(paths)
    # Biên mục first: a file with a flag nobody has looked at waits, unless params say otherwise;
    # reviewed values go into the PDF/A's XMP before it is signed, and into the package.
    gate = _review_gate.check(paths, files)
    for ma, outcome in files.items():
        outcome["catalog_documents"] = gate.documents[ma]
        _review_gate.rebuild_xmp(paths.digitize / "pdfa", gate.documents[ma], gate.events[ma])
    if not settings.review.sign_unreviewed:
        files = {ma: o for ma, o in files.items() if ma not in gate.waiting}
    archive = paths.stage_dir("archive")
    state_path = archive / "signed.json"
    state = json.loads(state_path.read_text(encoding="utf-8")) if state_path.is_file() else {}
    failures: list[tuple[str, str]] = []
    todo = [
        (ma, name)
        for ma, outcome in files.items()
        for name in outcome["pdfs"]
        if not _already_signed(name, paths, state)
    ]
    certificate = None
    if todo:
        if progress is not None:
            progress.begin(len(todo))
        with Session(sign, settings.profile, prompt=prompt) as session:
            for _ma, name in todo:
                _sign_one(session, paths, name, state, failures)
                if progress is not None:
                    progress(name)
        if progress is not None:
            progress.finish()
    signed_rows = []
    now = dt.datetime.now(dt.UTC)
    margin = dt.timedelta(days=settings.preservation.renew_margin_days)
    for ma, outcome in files.items():
        pages = {d.get("pdf"): d.get("so_trang") for d in outcome["catalog_documents"]}
        for name in outcome["pdfs"]:
            if name not in state or not (archive / name).is_file():
                continue
            verdict = verify_pdf(archive / name, sign.trust_roots)
            due = renewal_due(archive / name, margin=margin, now=now)
            certificate = certificate or state[name].get("certificate")
            signed_rows.append(
                {"ma_ho_so": ma, "tep": name, "so_trang": pages.get(name) or _pages(archive / name),
                 "muc": state[name]["level"], "thoi_diem_ky": state[name]["signed_at"],
                 "trang_thai": verdict.status, "ly_do": verdict.reason,
                 "dau_thoi_gian": verdict.timestamp or "",
                 # When the newest timestamp stops proving anything: renew before (preserve renew).
                 "gia_han_truoc": due.expires.date().isoformat() if due.expires else "",
                 "can_gia_han": due.due}
            )  # fmt: skip
    not_signed = len(failures)  # packaging and backup failures are counted after this
    packages, copies = _package_and_back_up(settings, paths, files, state, failures, gate)
    _write_pdf_manifest(archive)
    result = SignStageResult(
        settings=settings,
        root=paths.root,
        signed=pd.DataFrame(signed_rows, columns=_SIGNED_COLUMNS),
        packages=pd.DataFrame(packages, columns=["ma_ho_so", "goi", "so_tep", "hop_le", "van_de"]),
        backups=pd.DataFrame(copies, columns=_BACKUP_COLUMNS),
        failures=failures,
        certificate=certificate,
        seconds=time.perf_counter() - started,
        signed_now=len(todo) - not_signed,
        waiting=pd.DataFrame(
            [
                (ma, f.ma_dinh_danh, f.field, f.value, f.reason)
                for ma, flags in gate.waiting.items()
                for f in flags
            ],
            columns=_WAITING_COLUMNS,
        ),
        signed_unreviewed=tuple(ma for ma in gate.waiting if ma in files),
    )
    _write_outputs(result, archive)
    return result


_SIGNED_COLUMNS = ["ma_ho_so", "tep", "so_trang", "muc", "thoi_diem_ky", "trang_thai", "ly_do",
                   "dau_thoi_gian", "gia_han_truoc", "can_gia_han"]  # fmt: skip
_WAITING_COLUMNS = ["ma_ho_so", "ma_dinh_danh", "truong", "gia_tri", "ly_do"]
_BACKUP_COLUMNS = ["ma_ho_so", "ban_sao", "so_tep", "dung_luong", "da_kiem_tra", "van_de"]


def _finished_files(paths: UnitPaths) -> dict[str, dict]:
    """The outcome of each file stage 2 finished, from its resume records."""
    folder = paths.digitize / "files"
    if not folder.is_dir():
        raise SohoaError(f"{folder}: không tìm thấy; hãy chạy bước digitize trước (sohoa run UNIT)")
    found = {}
    for record in sorted(folder.glob("*.json")):
        outcome = json.loads(record.read_text(encoding="utf-8"))["outcome"]
        if outcome["file_row"]["trang_thai"] == "hoàn thành" and outcome["pdfs"]:
            found[outcome["file_row"]["ma_ho_so"]] = outcome | {"_record": str(record)}
    return found


def _sign_one(
    session: Session, paths: UnitPaths, name: str, state: dict, failures: list[tuple[str, str]]
) -> None:
    """Sign one PDF/A into the archive and record it in `state` (saved at once: a rerun resumes)."""
    source = paths.digitize / "pdfa" / name
    try:
        result = session.sign(source, paths.archive / name)
    except SohoaError as exc:
        failures.append((name, str(exc)))
        return
    state[name] = {"source_sha256": sha256(source), "level": result.level,
                   "signed_at": result.signed_at, "seconds": round(result.seconds, 3),
                   "certificate": result.certificate}  # fmt: skip
    write_text(
        paths.archive / "signed.json", json.dumps(state, ensure_ascii=False, indent=1) + "\n"
    )


def _already_signed(name: str, paths: UnitPaths, state: dict) -> bool:
    entry = state.get(name)
    source = paths.digitize / "pdfa" / name
    return (
        bool(entry)
        and (paths.archive / name).is_file()
        and entry["source_sha256"] == sha256(source)
    )


def _package_and_back_up(settings, paths, files, state, failures, gate):
    packages_dir = paths.archive / "packages"
    log_csv = paths.archive / "preservation-log.csv"
    package_rows, copy_rows = [], []
    for ma, outcome in files.items():
        pdfs = [paths.archive / n for n in outcome["pdfs"] if (paths.archive / n).is_file()]
        if len(pdfs) != len(outcome["pdfs"]):
            continue  # not every document is signed yet: no package for a partial file
        try:
            package = _build(settings, paths, ma, outcome, state, gate, pdfs)
        except SohoaError as exc:
            failures.append((ma, str(exc)))
            continue
        problems = validate_package(package)
        package_rows.append({"ma_ho_so": ma, "goi": package.relative_to(paths.root).as_posix(),
                             "so_tep": sum(1 for p in package.rglob("*") if p.is_file()),
                             "hop_le": not problems, "van_de": "; ".join(problems)})  # fmt: skip
        if problems:
            failures.append((ma, "gói thông tin không hợp lệ: " + "; ".join(problems)))
            continue  # an invalid package is not copied to the backups
        locations = [loc / settings.unit for loc in settings.preservation.backups]
        for copy in backup(package, locations, log_csv=log_csv):
            copy_rows.append({"ma_ho_so": ma, "ban_sao": str(copy.copy), "so_tep": copy.files,
                              "dung_luong": copy.bytes, "da_kiem_tra": copy.verified,
                              "van_de": "; ".join(copy.problems)})  # fmt: skip
            if not copy.verified:  # a failure until a person resolves it (sohoa backup accept)
                failures.append((str(copy.copy), "bản sao dự phòng không đạt: " + "; ".join(copy.problems)))  # fmt: skip
    if packages_dir.is_dir():
        # `sohoa verify --fixity archive/packages` checks every copy against this manifest.
        write_manifest(packages_dir)
        copies = [str(loc / settings.unit) for loc in settings.preservation.backups]
        backups_json = {"copies": copies, "log": str(log_csv)}
        write_text(packages_dir / "backups.json", json.dumps(backups_json, indent=1) + "\n")
    return package_rows, copy_rows


def _build(settings, paths, ma, outcome, state, gate, pdfs) -> Path:
    """The hồ sơ's package from its signed PDFs, stage-2 record, signing record and review."""
    return build_package(
        out_dir=paths.archive / "packages",
        ma_ho_so=ma,
        file_metadata=outcome["catalog_file"],
        documents=outcome["catalog_documents"],
        pdfs=pdfs,
        events=[*_events(settings, paths, ma, outcome, state), *gate.events[ma]],
        agent_org=settings.signing.organisation,
        alto=[PageAlto(row["trang"], paths.digitize / row["file"], row["pdf"],
                       row["trang_pdf"]) for row in outcome.get("alto", [])],
    )  # fmt: skip


@dataclass(frozen=True)
class Repackaged:
    """What `sohoa preserve renew` did to the packages holding the files it renewed."""

    packages: list[Path]
    """Packages rebuilt with the renewed files (valid ones only)."""
    backups: list[BackupResult]
    """Every backup copy of those packages after the replacement."""
    failures: list[tuple[str, str]]
    """(package, copy or hồ sơ; reason) for everything that could not be done."""


RENEWAL_REASON = "gia hạn kiểm tra dài hạn (sohoa preserve renew): gói dựng lại với tệp đã gia hạn"


def rebuild_packages(settings: UnitSettings, paths: UnitPaths, renewed: set[str]) -> Repackaged:
    """Rebuild each package under `archive/packages/` that holds a renewed file, then replace
    its backup copies with it.

    The package is built exactly as the sign stage builds it (same inputs and code, the renewal
    a PREMIS event from `signed.json` beside the earlier ones), so a later run of the stage
    leaves it alone. It is rebuilt only when it still matches its own manifest and every one of
    its PDFs was signed from the stage-2 file there now; otherwise it is left as it is and named
    in `failures`, since rebuilding would hide a difference nobody has looked at. The copies
    are replaced through `backup.accept`, only where they equal the package before renewal,
    the superseded copy kept; `packages/manifest-sha256.txt` is rewritten after.
    """
    packages_dir = paths.archive / "packages"
    affected = {
        p.name: p
        for p in sorted(packages_dir.iterdir() if packages_dir.is_dir() else [])
        if p.is_dir()
        and not p.name.startswith(".")
        and {f.name for f in p.rglob("*.pdf")} & renewed
    }
    result = Repackaged([], [], [])
    if not affected:
        return result
    kept = "; gói vẫn giữ tệp trước khi gia hạn"
    try:
        files = _finished_files(paths)
        gate = _review_gate.check(paths, files)
        state_path = paths.archive / "signed.json"
        if not state_path.is_file():
            raise SohoaError(f"{state_path}: không tìm thấy; cần bản ghi ký số này")
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except SohoaError as exc:
        result.failures.extend((str(p), f"không dựng lại được gói: {exc}{kept}")
                               for p in affected.values())  # fmt: skip
        return result
    for ma, package in affected.items():
        outcome = files.get(ma)
        try:
            own = check_manifest(package)
        except SohoaError as exc:
            own = None
            unreadable = str(exc)
        if own is None:
            reason = f"gói không có manifest đọc được ({unreadable}): cần người kiểm tra"
        elif outcome is None:
            reason = f"không có bản ghi giai đoạn 2 của hồ sơ {ma}"
        elif not all(_already_signed(n, paths, state) for n in outcome["pdfs"]):
            reason = ("tệp PDF/A của giai đoạn 2 đã đổi từ khi ký: chạy lại giai đoạn ký "
                      "(sohoa run UNIT --stages sign)")  # fmt: skip
        elif not own.ok:
            reason = f"gói không khớp manifest của chính nó ({own.describe()}): cần người kiểm tra"
        else:
            reason = ""
        if reason:
            result.failures.append((str(package), f"không dựng lại được gói: {reason}{kept}"))
            continue
        previous = backup_reference(package)  # the copies that are this version get replaced
        outcome = outcome | {"catalog_documents": gate.documents[ma]}
        pdfs = [paths.archive / n for n in outcome["pdfs"]]
        try:
            _build(settings, paths, ma, outcome, state, gate, pdfs)
        except SohoaError as exc:
            result.failures.append((str(package), f"không dựng lại được gói: {exc}{kept}"))
            continue
        problems = validate_package(package)
        if problems:
            result.failures.append((str(package), "gói dựng lại không hợp lệ, chưa sao lưu: "
                                    + "; ".join(problems)))  # fmt: skip
            continue
        result.packages.append(package)
        try:
            copies = accept(package, previous=previous, reason=RENEWAL_REASON)
        except PreservationError as exc:
            result.failures.append((str(package), f"bản sao dự phòng chưa được thay: {exc}"))
            continue
        result.backups.extend(copies)
        result.failures.extend((str(c.copy), "bản sao dự phòng không đạt: " + "; ".join(c.problems))
                               for c in copies if not c.verified)  # fmt: skip
    # `verify --fixity` checks every copy of the unit against this manifest.
    write_manifest(packages_dir)
    return result


def _write_pdf_manifest(archive: Path) -> None:
    """SHA-256 of the signed PDF/A files; the stage's tables and logs change, so they stay out."""
    lines = [f"{sha256(p)}  {p.name}" for p in sorted(archive.glob("*.pdf"))]
    write_text(archive / "manifest-sha256.txt", "\n".join(lines) + "\n")


def _events(settings, paths, ma, outcome, state) -> list[PreservationEvent]:
    """The file's history for PREMIS: scanning, OCR, PDF/A conversion, signing."""
    sohoa = f"sohoa {versions.sohoa()}"
    scans = settings.scans / ma if settings.scans else None
    record = Path(outcome["_record"])
    pdfa = [paths.digitize / "pdfa" / n for n in outcome["pdfs"]]
    events = []
    if scans is not None and scans.exists():
        events.append(PreservationEvent("capture", _mtime(scans), f"{settings.name} (máy quét)",
                                        "success", "Quét tài liệu giấy thành ảnh"))  # fmt: skip
    events.append(PreservationEvent("metadata extraction", _mtime(record),
                                    f"{sohoa}; {tesseract.version() or 'tesseract'}", "success",
                                    "Nhận dạng chữ (OCR) tiếng Việt, tách văn bản, trích xuất dữ liệu đặc tả"))  # fmt: skip
    events.append(PreservationEvent("format conversion", _mtime(max(pdfa, key=os.path.getmtime)),
                                    f"{sohoa}; pikepdf {versions.version('pikepdf')}", "success",
                                    "Tạo tệp PDF/A-2B hai lớp (ảnh gốc và lớp chữ)"))  # fmt: skip
    times = sorted(state[n]["signed_at"] for n in outcome["pdfs"] if n in state)
    if times:
        subject = (state[outcome["pdfs"][0]].get("certificate") or {}).get("subject", "")
        events.append(PreservationEvent("digital signature generation", times[-1],
                                        f"{sohoa}; pyHanko {versions.version('pyhanko')}", "success",
                                        f"Ký số PAdES {state[outcome['pdfs'][0]]['level']}: {subject}"))  # fmt: skip
    # sohoa preserve renew: fresh validation data and a document timestamp (PAdES B-LTA).
    renewals = sorted(
        r["at"] for n in outcome["pdfs"] for r in state.get(n, {}).get("renewals", [])
    )
    # One event per renewal run (the hồ sơ's PDFs renewed together share its time): each
    # renewal stays in the history.
    for at in dict.fromkeys(renewals):
        events.append(PreservationEvent("renewal", at,
                                        f"{sohoa}; pyHanko {versions.version('pyhanko')}", "success",
                                        "Gia hạn kiểm tra dài hạn: bổ sung dữ liệu xác thực (DSS) và "
                                        "dấu thời gian tài liệu"))  # fmt: skip
    return events


def _mtime(path: Path) -> str:
    return (
        dt.datetime.fromtimestamp(path.stat().st_mtime, VIETNAM).replace(microsecond=0).isoformat()
    )


def _pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as doc:
        return len(doc.pages)


def _write_outputs(result: SignStageResult, archive: Path) -> None:
    write_csv(archive / "signed.csv", result.signed)
    write_csv(archive / "packages.csv", result.packages)
    write_csv(archive / "backups.csv", result.backups)
    write_csv(archive / "failures.csv", pd.DataFrame(result.failures, columns=["tep", "ly_do"]))
    write_csv(archive / "waiting_review.csv", result.waiting)
    figures = result.figures() | {"certificate": result.certificate}
    write_text(
        archive / "summary.json",
        json.dumps(figures, ensure_ascii=False, indent=2, default=str) + "\n",
    )
