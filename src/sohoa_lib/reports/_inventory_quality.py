"""The 01_inventory report's data-quality section: how the sheet was read, what it lacks, rows set aside."""

from __future__ import annotations

from sohoa_lib.handover.inventory import InventoryResult
from sohoa_lib.records.inventory import InventoryTable
from sohoa_lib.reports import blocks as r


def data_quality(result: InventoryResult) -> r.Html:
    """How the inventory was read, what it lacks, and the rows set aside, for the archivist."""
    table = result.table
    parts = [r.note(_how_read(table), ok=True)]
    if table.composed:
        parts.append(r.note(table.composed, ok=True))
    if table.declared:
        parts.append(
            r.note(
                "Thông tin không có ở từng dòng, được lấy cho toàn bộ mục lục: "
                + "; ".join(table.declared)
            )
        )
    if table.unknown_rules:
        parts.append(
            r.note(
                "Không áp dụng được điều kiện số hóa về: "
                + ", ".join(table.unknown_rules)
                + " (mục lục không có cột này, tham số inventory_facts không khai báo). "
                "Các hồ sơ liên quan được để riêng với lý do “Chưa đủ thông tin để xét điều kiện”, "
                "không được tính là đủ điều kiện cho đến khi bổ sung."
            )
        )
    if table.missing:
        lacking = "; ".join(
            f"{label} → {', '.join(tables)}" for label, tables in table.missing.items()
        )
        parts.append(
            r.note(f"Mục lục không có các cột (không bắt buộc) sau, nên thiếu: {lacking}.")
        )
    estimated = int(result.files["trang_uoc_tinh"].sum())
    if estimated:
        parts.append(
            r.note(
                f"{r.number(estimated)} hồ sơ chỉ ghi số tờ: số trang được ước bằng số tờ × 2 "
                "(mỗi tờ hai mặt); khối lượng và mục tiêu tính theo số trang ước tính này."
            )
        )
    parts.extend(_legacy_notes(table))
    rejected = table.rejected
    if len(rejected):
        parts.append(
            r.note(
                f"{r.number(rejected['dong'].nunique())} dòng của tệp {table.source} có lỗi "
                "nên được để riêng, không đưa vào tính toán; các dòng còn lại vẫn được xử lý. "
                "Danh sách đầy đủ: inventory/rejected.csv."
            )
        )
        parts.append(
            r.table(
                rejected,
                {
                    "dong": ("Dòng", str),
                    "ma_ho_so": ("Mã hồ sơ", None),
                    "cot": ("Cột", None),
                    "gia_tri": ("Giá trị", None),
                    "loi": ("Lỗi", None),
                },
                max_rows=30,
                csv="inventory/rejected.csv",
            )
        )
    else:
        parts.append(r.note("Mọi dòng hồ sơ của mục lục đều đọc được.", ok=True))
    if len(table.skipped):
        counts = table.skipped["loai"].value_counts()
        parts.append(
            r.note(
                "Không tính là hồ sơ (cũng không phải lỗi): "
                + ", ".join(f"{r.number(int(n))} {kind}" for kind, n in counts.items())
                + " (danh sách: inventory/skipped_rows.csv).",
                ok=True,
            )
        )
    if table.ignored_headers:
        parts.append(
            r.note("Các cột không được nhận diện (bỏ qua): " + ", ".join(table.ignored_headers))
        )
    return r.Html("".join(p.text for p in parts))


def _how_read(table: InventoryTable) -> str:
    rows = table.header_rows
    where = f"dòng {rows[0]}" if len(rows) == 1 else f"dòng {rows[0]}–{rows[-1]}"
    above = f"; {rows[0] - 1} dòng phía trên là tiêu đề của văn bản" if rows[0] > 1 else ""
    kind = f" · {table.file_format}" if table.file_format else ""
    return f"Tệp {table.source}{kind} · tiêu đề cột ở {where}{above}."


def _legacy_notes(table: InventoryTable) -> list[r.Html]:
    encoding = table.encoding
    if encoding.empty:
        return []
    notes = []
    converted = encoding[encoding["bang_ma"] != ""]
    if len(converted):
        by = converted.groupby(["bang_ma", "cot"]).size()
        notes.append(
            r.note(
                "Đã chuyển sang Unicode các ô gõ bằng bảng mã cũ: "
                + "; ".join(f"{r.number(int(n))} ô cột {c} ({enc})" for (enc, c), n in by.items())
                + " (danh sách: inventory/encoding.csv).",
                ok=True,
            )
        )
    doubtful = encoding[encoding["nghi_van"] != ""]
    if len(doubtful):
        notes.append(
            r.note(
                f"{r.number(len(doubtful))} ô có chữ không đọc chắc chắn được (giữ nguyên như trong "
                "tệp, cần người kiểm tra): "
                + "; ".join(
                    f"dòng {d.dong}, cột {d.cot}: “{d.gia_tri}” ({d.nghi_van})"
                    for d in doubtful.head(10).itertuples()
                )
            )
        )
    return notes
