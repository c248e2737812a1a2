"""What the 02_digitize report shows: checks with failing pages, OCR quality, documents, speed."""

from __future__ import annotations

import base64
import html

import numpy as np
import pandas as pd

from sohoa_lib.handover.digitize import DigitizeResult
from sohoa_lib.handover.files import CHECK_COLUMNS, STATUS_DONE, STATUS_PENDING, STATUS_RESCAN
from sohoa_lib.reports import blocks as r


def heading(result: DigitizeResult) -> r.Html:
    s = result.settings
    m = result.model
    return r.title(
        f"Số hóa: kiểm tra ảnh, nhận dạng chữ (OCR) và PDF/A — {s.name}",
        f"Chuẩn áp dụng: {r.profile_name(s.profile)} · tệp PDF/A-2 hai lớp (ảnh gốc và lớp chữ ẩn)",
        f"Mô hình OCR: Tesseract {m.name} — nguồn: {m.source}; giấy phép: {m.licence}",
    )


def key_figures(result: DigitizeResult) -> r.Html:
    f = result.figures()
    rate = f["pages_passed"] / f["pages_checked"] if f["pages_checked"] else None
    speed = f["pages_per_minute"]
    return r.cards(
        [
            r.KeyFigure("Hồ sơ được chọn", r.number(f["selected_files"]),
                        f"{r.number(f['scanned_files'])} đã quét · {r.number(f['pending_files'])} chờ quét"),
            r.KeyFigure("Hồ sơ hoàn thành", r.number(f["done_files"]),
                        f"{r.number(f['digitized_pages'])} trang đã số hóa", "good" if f["done_files"] else ""),
            r.KeyFigure("Hồ sơ cần quét lại", r.number(f["rescan_files"]),
                        "có trang không đạt yêu cầu", "bad" if f["rescan_files"] else "good"),
            r.KeyFigure("Trang đạt kiểm tra", r.percent(rate),
                        f"{r.number(f['pages_passed'])}/{r.number(f['pages_checked'])} trang"),
            r.KeyFigure("Độ tin cậy OCR trung bình", r.number(f["mean_ocr_confidence"], 1),
                        "thang 0–100, trung bình độ tin cậy từng từ"),
            r.KeyFigure("Văn bản nhận diện", r.number(f["documents"]),
                        f"{r.number(f['documents_flagged'])} văn bản cần biên mục bổ sung",
                        "warn" if f["documents_flagged"] else ""),
            r.KeyFigure("Tốc độ xử lý", "–" if speed is None else f"{r.number(speed, 1)} trang/phút",
                        f"{r.number(f['ocr_pages_this_run'])} trang OCR trong lần chạy này"),
        ]
    )  # fmt: skip


def checks(result: DigitizeResult) -> r.Html:
    """Pass rate per check, then each failing page with its reason and a thumbnail."""
    pages = result.pages
    if pages.empty:
        return r.note("Chưa có trang nào được quét trong số hồ sơ được chọn.")
    rows = []
    for label, column in CHECK_COLUMNS.items():
        values = pages[column].fillna("")
        checked = values != ""
        passed = values.str.startswith("đạt")
        rows.append({"kiem_tra": label, "trang": int(checked.sum()), "dat": int(passed.sum()),
                     "ty_le": passed.sum() / checked.sum() if checked.any() else None})  # fmt: skip
    table = r.table(
        pd.DataFrame(rows),
        {"kiem_tra": ("Kiểm tra", None), "trang": ("Số trang kiểm tra", None),
         "dat": ("Đạt", None), "ty_le": ("Tỷ lệ đạt", r.percent)},
    )  # fmt: skip
    return r.Html(table.text + _warned_pages(result).text + _failing_pages(result).text)


def _warned_pages(result: DigitizeResult) -> r.Html:
    """Pages that passed with something a person should confirm (a dpi tag not trusted, …)."""
    if "canh_bao" not in result.pages:
        return r.Html("")
    warned = result.pages[result.pages["canh_bao"].fillna("") != ""]
    if warned.empty:
        return r.Html("")
    note = r.note(f"{r.number(len(warned))} trang đạt nhưng cần người xem xác nhận.")
    table = r.table(
        warned,
        {"ma_ho_so": ("Mã hồ sơ", None), "trang": ("Trang", None), "canh_bao": ("Cảnh báo", None)},
        csv="digitize/pages.csv",
    )  # fmt: skip
    return r.Html(note.text + table.text)


def _failing_pages(result: DigitizeResult) -> r.Html:
    failing = result.pages[~result.pages["dat"].astype(bool)]
    if failing.empty:
        return r.note("Mọi trang đã quét đều đạt yêu cầu.", ok=True)
    cells = []
    for row in failing.head(r.ROWS_SHOWN).to_dict("records"):
        img = ""
        thumb = row.get("anh_thu_nho") or ""
        if thumb:
            file = result.root / thumb
            if file.is_file():
                data = base64.b64encode(file.read_bytes()).decode("ascii")
                alt = html.escape(f"Ảnh thu nhỏ của trang {row['tep']}")
                img = (f"<img alt='{alt}' src='data:image/jpeg;base64,{data}' "
                       "style='max-width:160px;border:1px solid #ccc'/>")  # fmt: skip
        cells.append(
            f"<div style='display:inline-block;vertical-align:top;width:190px;margin:6px'>{img}"
            f"<div style='font-size:.85em'><b>{html.escape(row['tep'])}</b><br>"
            f"{html.escape(row['ly_do'])}</div></div>"
        )
    more = ""
    if len(failing) > r.ROWS_SHOWN:
        text = r.more_rows(r.ROWS_SHOWN, len(failing), "digitize/pages.csv")
        more = f"<p class='sh-sub'>{html.escape(text)}</p>"
    return r.Html("<h4>Các trang không đạt (hồ sơ cần quét lại)</h4>" + "".join(cells) + more)


def files(result: DigitizeResult) -> r.Html:
    table = result.files[result.files["trang_thai"] != STATUS_PENDING]
    if table.empty:
        return r.note("Chưa có hồ sơ nào được quét.")
    return r.table(
        table,
        {"ma_ho_so": ("Mã hồ sơ", None), "tieu_de": ("Tiêu đề", None), "trang_thai": ("Trạng thái", None),
         "so_trang_muc_luc": ("Trang theo mục lục", None), "so_trang_quet": ("Trang đã quét", None),
         "so_van_ban": ("Văn bản", None), "ly_do": ("Lý do", None)},
        csv="digitize/files.csv",
    )  # fmt: skip


def confidence_chart(result: DigitizeResult) -> r.Html:
    values = result.pages["do_tin_cay_ocr"].dropna().astype(float)
    if values.empty:
        return r.note("Chưa có trang nào được nhận dạng chữ.")
    fig = r.new_figure(8, 2.8)
    ax = fig.add_subplot()
    ax.hist(values, bins=np.arange(0, 105, 5), color=r.COLOURS["eligible"])
    ax.axvline(values.mean(), color=r.COLOURS["target"], linestyle="--",
               label=f"Trung bình {r.number(values.mean(), 1)}")  # fmt: skip
    ax.set_xlabel("Độ tin cậy OCR của trang (0–100)")
    ax.set_ylabel("Số trang")
    ax.legend(frameon=False, loc="upper left")
    r.style_axes(ax)
    ax.xaxis.set_major_formatter(r.VnTicks())
    return r.figure_html(fig, "Phân bố độ tin cậy nhận dạng chữ theo trang")


def documents(result: DigitizeResult) -> r.Html:
    d = result.documents
    if d.empty:
        return r.note("Chưa có văn bản nào được nhận diện.")
    table = r.table(
        d,
        {"ma_dinh_danh": ("Mã định danh", None), "ten_loai": ("Tên loại", None),
         "so": ("Số", None), "ky_hieu": ("Ký hiệu", None), "ngay": ("Ngày", r.date),
         "co_quan_ban_hanh": ("Cơ quan ban hành", None), "trich_yeu": ("Trích yếu", None),
         "nguoi_ky": ("Người ký", None), "so_trang": ("Số trang", None),
         "but_tich": ("Bút tích (trang)", None), "can_bien_muc_tay": ("Cần biên mục tay", None)},
        csv="digitize/documents.csv",
    )  # fmt: skip
    flagged = d["can_bien_muc_tay"].fillna("").str.split(",").explode()
    flagged = flagged[flagged != ""].value_counts()
    if flagged.empty:
        note = r.note("Mọi trường của mọi văn bản đạt độ tin cậy; không cần biên mục tay.", ok=True)
    else:
        note = r.note("Trường cần biên mục tay (số văn bản): "
                      + ", ".join(f"{k} ({v})" for k, v in flagged.items()))  # fmt: skip
    return r.Html(table.text + note.text)


def pending(result: DigitizeResult) -> r.Html:
    waiting = result.files[result.files["trang_thai"] == STATUS_PENDING]
    text = (f"{r.number(len(waiting))} hồ sơ được chọn chưa có ảnh quét (chờ quét); "
            "danh sách: digitize/pending.csv.")  # fmt: skip
    extra = ""
    if result.unselected:
        extra = r.note("Thư mục quét không thuộc danh sách lựa chọn (không xử lý): "
                       + ", ".join(result.unselected)).text  # fmt: skip
    return r.Html(r.note(text).text + extra)


__all__ = ["STATUS_DONE", "STATUS_RESCAN", "checks", "confidence_chart", "documents", "files",
           "heading", "key_figures", "pending"]  # fmt: skip


_STEPS = {
    "giay_giai_ma": "Giải mã ảnh (cho kiểm tra và OCR)",
    "giay_kiem_tra": "Kiểm tra ảnh",
    "giay_chuan_bi": "Chuẩn bị bản làm việc (300 dpi, nhấc dấu và chữ ký)",
    "giay_ocr": "Nhận dạng chữ (Tesseract)",
    "giay_pdf": "Lớp chữ PDF và ALTO của trang",
}


def timings(result: DigitizeResult) -> r.Html:
    """Where a page's time goes: each step's seconds over the pages timed in this run."""
    pages = result.pages
    if pages.empty or not all(c in pages for c in _STEPS):
        return r.note("Chưa có trang nào được đo thời gian xử lý.")
    values = pages[list(_STEPS)].apply(pd.to_numeric, errors="coerce")
    timed = values.notna().any(axis=1)
    if not timed.any():
        return r.note(
            "Không có trang nào được xử lý trong lần chạy này (mọi hồ sơ đã xong từ trước)."
        )
    total = float(values.sum().sum())
    rows = [
        {"buoc": label, "trang": int(values[c].notna().sum()), "tong": values[c].sum(),
         "trung_binh": values[c].mean(), "p95": values[c].quantile(0.95),
         "ty_trong": values[c].sum() / total if total else None}
        for c, label in _STEPS.items()
    ]  # fmt: skip
    seconds = lambda v: "–" if v is None or pd.isna(v) else r.number(v, 2)  # noqa: E731
    table = r.table(
        pd.DataFrame(rows),
        {"buoc": ("Bước", None), "trang": ("Số trang", None), "tong": ("Tổng (giây)", seconds),
         "trung_binh": ("Trung bình một trang (giây)", seconds), "p95": ("95% trang dưới (giây)", seconds),
         "ty_trong": ("Tỷ trọng", r.percent)},
    )  # fmt: skip
    where = "các lõi của máy chạy" if result.where == "máy này" else f"cụm Dask {result.where}"
    note = r.note(
        f"Thời gian từng bước của {r.number(int(timed.sum()))} trang đo trong lần chạy này (các trang chạy song song trên "
        f"{where}); chi tiết từng trang: các cột giay_* của digitize/pages.csv."
    )
    return r.Html(table.text + note.text)
