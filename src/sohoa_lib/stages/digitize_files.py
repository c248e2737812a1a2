"""One file through stage 2: its plan, its resume record, its OCR tasks, and finishing it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sohoa_lib import handover
from sohoa_lib.common.files import sha256
from sohoa_lib.describe import boxes, xmp
from sohoa_lib.describe import documents as docs
from sohoa_lib.errors import InputError
from sohoa_lib.paths import UnitPaths
from sohoa_lib.pdf.pdfa import PdfPage, build_pdfa
from sohoa_lib.preserve import history
from sohoa_lib.preserve.premis import PreservationEvent
from sohoa_lib.review import decisions
from sohoa_lib.scan import ocr
from sohoa_lib.scan.pagecheck import FileCheck, PageCheck
from sohoa_lib.scan.pages import embeddable, list_pages
from sohoa_lib.settings import UnitSettings
from sohoa_lib.stages._digitize_rows import (
    FilePlan,
    _int,
    catalog_file,
    document_metadata,
    file_metadata,
    inventory_dates,
    page_row,
)


@dataclass(frozen=True)
class FileOutcome:
    """Everything stage 2 produced for one file, as plain rows (JSON-able, picklable)."""

    file_row: dict
    page_rows: list[dict]
    document_rows: list[dict]
    catalog_file: dict
    catalog_documents: list[dict]
    catalog_pages: list[dict]
    pdfs: list[str]
    alto: list[dict] = dataclasses.field(default_factory=list)
    """One row per page: `trang` (page of the file), `file` (its ALTO, relative to the digitize
    stage's folder), `pdf` and `trang_pdf` (the PDF/A holding the page and the page in it)."""


def plan_file(ma_ho_so: str, folder: Path, work: Path) -> FilePlan:
    state = work / "files" / f"{ma_ho_so}.json"
    try:
        pages = tuple(list_pages(folder))
    except InputError as exc:
        return FilePlan(ma_ho_so, folder, (), {}, state, error=str(exc))
    files = sorted({p.path for p in pages})
    checksums = {p.relative_to(folder).as_posix(): sha256(p) for p in files}
    return FilePlan(ma_ho_so, folder, pages, checksums, state)


def _settings_key(settings: UnitSettings) -> str:
    # Outputs depend on these settings too: a change of model or packaging redoes the file.
    d = settings.digitize
    return f"{settings.profile}|{d.ocr_model}|{d.tessdata_dir}|{d.pdf_per}|{d.document_list}"


def load_outcome(plan: FilePlan, settings: UnitSettings) -> FileOutcome | None:
    """The file's earlier outcome when its inputs and settings are unchanged and its PDFs exist."""
    if plan.error or not plan.state.is_file():
        return None
    record = handover.read_file_record(plan.state)
    if record.get("inputs") != plan.checksums or record.get("settings") != _settings_key(settings):
        return None
    outcome = FileOutcome(**record["outcome"])
    root = plan.state.parent.parent / "pdfa"
    if not all((root / name).is_file() for name in outcome.pdfs):
        return None
    if not all((root.parent / row["file"]).is_file() for row in outcome.alto):
        return None
    return outcome


def page_tasks(plan: FilePlan, check: FileCheck, model: ocr.OcrModel) -> list[ocr.PageTask]:
    workdir = plan.state.parent.parent / "ocr" / plan.ma_ho_so
    return [
        ocr.PageTask(
            key=_key(plan.ma_ho_so, pc.page.number),
            image_path=pc.page.path,
            page_index=pc.page.index,
            dpi=pc.dpi,
            model=model,
            workdir=workdir,
        )
        for pc in check.pages
    ]


def _key(ma_ho_so: str, number: int) -> str:
    return f"{ma_ho_so}#{number:04d}"


def finish_file(
    plan: FilePlan,
    row: dict,
    check: FileCheck | None,
    results: dict[str, ocr.PageResult],
    settings: UnitSettings,
    paths: UnitPaths,
    *,
    timings: dict[int, dict] | None = None,
    as_of: dt.date | None = None,
) -> FileOutcome:
    """Split into documents, build the PDF/A files, record the outcome (runs in a worker).

    `timings`: each page's timing columns by page number, added to its row in pages.csv.
    `as_of`: the date the figures are for; a document dated after it is flagged (default today).
    """
    ma = plan.ma_ho_so
    timings = timings or {}
    page_rows = [page_row(ma, pc, results.get(_key(ma, pc.page.number)), paths)
                 | timings.get(pc.page.number, {}) for pc in (check.pages if check else ())]  # fmt: skip
    base = {"ma_ho_so": ma, "tieu_de": row.get("tieu_de"), "so_trang_muc_luc": _int(row.get("so_trang")),
            "so_trang_quet": len(plan.pages)}  # fmt: skip
    if plan.error or check is None or check.needs_rescan:
        reasons = [plan.error] if plan.error else check.reasons
        outcome = FileOutcome(
            file_row=base | {"trang_thai": "cần quét lại", "so_van_ban": 0, "ly_do": "; ".join(reasons)},
            page_rows=page_rows, document_rows=[], pdfs=[],
            catalog_file=catalog_file(row, plan, 0, "", needs_rescan=True),
            catalog_documents=[], catalog_pages=[],
        )  # fmt: skip
        _record(plan, settings, outcome)
        return outcome
    infos = []
    for pc in check.pages:
        result = results[_key(ma, pc.page.number)]
        infos.append(
            docs.PageInfo(
                number=pc.page.number,
                text=result.text,
                ocr_confidence=result.mean_confidence,
                # Found by shape in the working copy: ink is only lifted where a seal or a
                # signature is, so their counts say all the shares did.
                seal=result.ink.get("seals", 0) > 0,
                signature=result.ink.get("signatures", 0) > 0,
                lines=boxes.lines_from_tsv(result.tsv) if result.tsv else (),
                size=boxes.page_size(result.tsv) if result.tsv else None,
                # The scan, for fields in doubt to be read again from their region.
                image_path=pc.page.path,
                page_index=pc.page.index,
                dpi=pc.dpi,
                ocr_dpi=result.ocr_dpi,
            )
        )
    found = docs.catalogue(infos, _document_list(settings, ma), inventory_dates(row), as_of)
    whole = settings.digitize.pdf_per == "file"
    pdf_dir = paths.stage_dir("digitize") / "pdfa"
    document_rows, catalog_documents, pdfs = [], [], []
    by_number = {pc.page.number: pc for pc in check.pages}
    for document in found:
        name = document.file_name(ma, whole=whole)
        fields = {k: f.value for k, f in document.fields.items()}
        flagged = ",".join(document.flagged())
        code = docs.ma_dinh_danh(ma, document.seq)
        doc_meta = document_metadata(code, ma, document, fields, row)
        if not whole:
            _build(pdf_dir / name, [by_number[n] for n in range(document.first_page, document.last_page + 1)],
                   results, ma, file_metadata(row, plan, len(found)), doc_meta, fields.get("trich_yeu") or row.get("tieu_de"))  # fmt: skip
            pdfs.append(name)
        confidence = min((f.confidence for f in document.fields.values()), default=0.0)
        document_rows.append(
            {"ma_dinh_danh": code, "ma_ho_so": ma, "so_thu_tu": document.seq,
             "trang_dau": document.first_page, "trang_cuoi": document.last_page,
             "so_trang": document.pages, **{k: fields.get(k) for k in (
                 "ten_loai", "so", "ky_hieu", "ngay", "co_quan_ban_hanh", "trich_yeu",
                 "chuc_vu_nguoi_ky", "nguoi_ky")},
             "but_tich": ",".join(map(str, document.but_tich)), "do_tin_cay": round(confidence, 2),
             "can_bien_muc_tay": flagged, "tep_pdf": name if not whole else f"{ma}.pdf"}
        )  # fmt: skip
        catalog_documents.append(doc_meta | {"pdf": name if not whole else f"{ma}.pdf",
                                             "flagged": flagged, "trang_dau": document.first_page,
                                             "trang_cuoi": document.last_page,
                                             "flags": _flags(document)})  # fmt: skip
    if whole:
        name = f"{ma}.pdf"
        _build(pdf_dir / name, list(check.pages), results, ma, file_metadata(row, plan, len(found)),
               None, row.get("tieu_de"))  # fmt: skip
        pdfs.append(name)
    seq_of = {n: d.seq for d in found for n in range(d.first_page, d.last_page + 1)}
    stage = paths.stage_dir("digitize")
    alto = []
    for d in found:
        for n in range(d.first_page, d.last_page + 1):
            result = results[_key(ma, n)]
            if result.alto is None:
                continue
            pdf, page = (
                (f"{ma}.pdf", n) if whole else (d.file_name(ma, whole=False), n - d.first_page + 1)
            )
            alto.append({"trang": n, "file": result.alto.relative_to(stage).as_posix(),
                         "pdf": pdf, "trang_pdf": page})  # fmt: skip
    outcome = FileOutcome(
        file_row=base | {"trang_thai": "hoàn thành", "so_van_ban": len(found), "ly_do": ""},
        page_rows=page_rows,
        document_rows=document_rows,
        catalog_file=catalog_file(
            row, plan, len(found), pdfs[0] if whole else "", needs_rescan=False
        ),
        catalog_documents=catalog_documents,
        catalog_pages=[
            {
                "ma_ho_so": ma,
                "so_trang": i.number,
                "text": i.text,
                "ocr_confidence": i.ocr_confidence,
                "so_thu_tu": seq_of.get(i.number),
            }
            for i in infos
        ],
        pdfs=pdfs,
        alto=alto,
    )
    _record(plan, settings, outcome, _events(plan, settings, check, results.values()))
    return outcome


def _events(plan, settings, check: FileCheck, results) -> list[PreservationEvent]:
    """What this file went through in stage 2, recorded now with the tools each step used."""
    pages = list(results)
    ocr_at = max((r.finished_at for r in pages if r.finished_at), default="") or history.now()
    return [history.capture(plan.folder, settings.name),
            history.page_checks(check.checked_at or ocr_at, len(check.pages)),
            history.ocr(ocr_at, [r.engine for r in pages if r.engine]),
            history.pdfa(history.now())]  # fmt: skip


def _flags(document: docs.Document) -> list[dict]:
    """Each flagged field with its value, its reason and where on which page to look."""
    found = []
    for name in document.flagged():
        f = document.fields[name]
        # A low confidence with no reason given is still a reason; the cataloguer reads it.
        low = "không tìm thấy" if f.value is None else f"độ tin cậy thấp ({f.confidence:.2f})"
        reason = f.reason or low
        # The words it was read from when known; else the part of the page its kind sits in.
        page, box = f.region or decisions.default_region(
            name, document.first_page, document.last_page
        )
        found.append({"field": name, "value": f.value, "reason": reason, "page": page,
                      "box": list(box)})  # fmt: skip
    return found


def failed_outcome(plan: FilePlan, row: dict, reason: str) -> FileOutcome:
    """A file whose processing failed: reported with the reason, not recorded, so a rerun retries."""
    return FileOutcome(
        file_row={"ma_ho_so": plan.ma_ho_so, "tieu_de": row.get("tieu_de"),
                  "so_trang_muc_luc": _int(row.get("so_trang")), "so_trang_quet": len(plan.pages),
                  "trang_thai": "lỗi xử lý", "so_van_ban": 0, "ly_do": reason},
        page_rows=[], document_rows=[], pdfs=[],
        catalog_file=catalog_file(row, plan, 0, "", needs_rescan=False) | {"status": "lỗi xử lý"},
        catalog_documents=[], catalog_pages=[],
    )  # fmt: skip


def _build(out: Path, checks: list[PageCheck], results, ma, file_meta, doc_meta, title) -> None:
    pages = []
    for pc in checks:
        result = results[_key(ma, pc.page.number)]
        original = embeddable(pc.page)
        pages.append(
            PdfPage(
                image_path=pc.page.path,
                page_index=pc.page.index,
                dpi=(pc.dpi, pc.dpi),
                text_pdf=result.text_pdf,
                jpeg=original[0] if original else None,
            )
        )
    document = xmp.document_fields(doc_meta) if doc_meta else None
    build_pdfa(pages, out, xmp={"file": file_meta, "document": document}, title=title or ma)


def _document_list(settings: UnitSettings, ma: str) -> list[tuple[int, int]] | None:
    path = settings.digitize.document_list
    if path is None:
        return None
    import pandas as pd  # only when a list is given: page workers do without pandas

    table = pd.read_csv(path, dtype={"ma_ho_so": str}, encoding="utf-8-sig")
    rows = table[table["ma_ho_so"] == ma].sort_values("trang_dau")
    return [
        (int(a), int(b)) for a, b in zip(rows["trang_dau"], rows["trang_cuoi"], strict=True)
    ] or None


def _record(plan: FilePlan, settings: UnitSettings, outcome: FileOutcome, events=()) -> None:
    handover.write_file_record(plan.state, inputs=plan.checksums, settings_key=_settings_key(settings),
                               outcome=dataclasses.asdict(outcome), events=events)  # fmt: skip
