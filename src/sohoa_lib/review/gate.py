"""Review before signing: which files wait for biên mục, their reviewed values, XMP and PREMIS."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from sohoa_lib.catalog import db
from sohoa_lib.common.clock import now
from sohoa_lib.common.files import atomic_path
from sohoa_lib.describe import xmp
from sohoa_lib.paths import UnitPaths
from sohoa_lib.preserve.premis import PreservationEvent
from sohoa_lib.review import decisions
from sohoa_lib.review.decisions import CORRECT, Flag

WAITING = "chờ biên mục"
# Keys stage 2 adds to a catalogue document that are not metadata of the document.
_WORK_KEYS = frozenset({"pdf", "flagged", "flags", "trang_dau", "trang_cuoi"})


@dataclass(frozen=True)
class Gate:
    """What the review says about each finished file, before stage 3 signs it."""

    waiting: dict[str, list[Flag]]
    """mã hồ sơ → its open flags; such a file is not signed unless params say so knowingly."""
    documents: dict[str, list[dict]]
    """mã hồ sơ → its catalogue documents with the reviewed values (for METS and XMP)."""
    events: dict[str, list[PreservationEvent]]
    """mã hồ sơ → one PREMIS event per decision (correction or confirmation)."""


def check(paths: UnitPaths, files: dict[str, dict]) -> Gate:
    """Read the review state of every finished file from the unit's catalogue."""
    waiting: dict[str, list[Flag]] = {}
    documents: dict[str, list[dict]] = {}
    events: dict[str, list[PreservationEvent]] = {}
    path = paths.root / db.CATALOG_NAME
    if not path.is_file():
        # Without a catalogue nobody can have reviewed anything: every flag stays open.
        for ma, outcome in files.items():
            flags = [Flag(d["ma_dinh_danh"], f["field"], f.get("value"), f["reason"])
                     for d in outcome["catalog_documents"] for f in db.flag_rows(d)]  # fmt: skip
            if flags:
                waiting[ma] = flags
        return Gate(waiting, {ma: o["catalog_documents"] for ma, o in files.items()}, events)
    with contextlib.closing(db.open_catalog(path)) as conn:
        open_flags = decisions.open_flags(conn, paths.unit)
        known = {c for (c,) in conn.execute("SELECT ma_dinh_danh FROM documents WHERE unit = ?",
                                            (paths.unit,))}  # fmt: skip
        for ma, outcome in files.items():
            codes = {d["ma_dinh_danh"] for d in outcome["catalog_documents"]}
            flags = [f for f in open_flags if f.ma_dinh_danh in codes]
            # A document missing from the catalogue cannot have been reviewed: its own flags
            # from stage 2 stay open.
            flags += [Flag(d["ma_dinh_danh"], f["field"], f.get("value"), f["reason"])
                      for d in outcome["catalog_documents"] if d["ma_dinh_danh"] not in known
                      for f in db.flag_rows(d)]  # fmt: skip
            if flags:
                waiting[ma] = flags
            reviewed = db.reviewed_values(conn, paths.unit, ma)
            documents[ma] = [_reviewed(d, reviewed) for d in outcome["catalog_documents"]]
            events[ma] = [_event(h) for h in decisions.history(conn, paths.unit, ma)]
    return Gate(waiting, documents, events)


def _reviewed(document: dict, reviewed: dict) -> dict:
    out = dict(document)
    for (code, name), value in reviewed.items():
        if code == document["ma_dinh_danh"] and name in db.DOCUMENT_COLUMNS:
            out[name] = value
    return out


def _event(decision: dict) -> PreservationEvent:
    label = db.FIELD_LABELS.get(decision["field"], decision["field"])
    where = f"Biên mục {decision['ma_dinh_danh']}, {label}"
    if decision["action"] == CORRECT:
        detail = f"{where}: sửa “{decision['old'] or ''}” thành “{decision['new'] or ''}”"
        kind = "metadata modification"
    else:
        detail = f"{where}: xác nhận “{decision['new'] or ''}”"
        kind = "validation"
    return PreservationEvent(kind, decision["at"], decision["reviewer"], "success",
                             f"{detail} (nguồn: {decision['source']})", "person")  # fmt: skip


def rebuild_xmp(pdf_dir: Path, documents: list[dict], events: list[PreservationEvent]) -> int:
    """Rewrite the XMP of each document's PDF/A whose reviewed values differ; files rewritten.

    Only files with a decision are opened. The PDF/A changes, so stage 3 signs it anew.
    """
    if not events:
        return 0
    rewritten = 0
    for document in documents:
        pdf_path = pdf_dir / str(document.get("pdf") or "")
        if not pdf_path.is_file() or pdf_path.name == f"{document['ma_ho_so']}.pdf":
            continue  # one PDF for the whole file carries file-level metadata only
        meta = {k: v for k, v in document.items() if k not in _WORK_KEYS}
        with pikepdf.open(pdf_path) as pdf:
            current = xmp.read(pdf)
            wanted = xmp.normalise(
                {"file": current.get("file"), "document": xmp.document_fields(meta)}
            )
            if wanted.get("document") == current.get("document"):
                continue
            title = wanted["document"].get("trich_yeu") or str(pdf.open_metadata().get("dc:title"))
            when = now()
            tool = str(pdf.open_metadata().get("xmp:CreatorTool") or "sohoa")
            # Fields the review emptied must leave the packet, not keep the machine's reading.
            with pdf.open_metadata(set_pikepdf_as_editor=False) as packet:
                for name in xmp.DOCUMENT_FIELDS:
                    key = f"{{{xmp.NS}}}{xmp.LEVELS['document']}_{name}"
                    if key in packet:
                        del packet[key]
            xmp.write(pdf, wanted, title=title, lang="vi", when=when, tool=tool)
            with atomic_path(pdf_path) as tmp:
                pdf.save(tmp, fix_metadata_version=False, deterministic_id=True,
                         recompress_flate=False,
                         object_stream_mode=pikepdf.ObjectStreamMode.generate)  # fmt: skip
        rewritten += 1
    return rewritten
