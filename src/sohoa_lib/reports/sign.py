"""What the 03_sign report shows: signatures and their checks, the stamp, packages and backups."""

from __future__ import annotations

import base64
import html

import pandas as pd

from sohoa_lib.handover import SignStageResult
from sohoa_lib.reports import blocks as r
from sohoa_lib.tools.poppler import render_page

STATUS = {"valid": "hợp lệ", "tampered": "bị sửa đổi", "untrusted": "không tin cậy",
          "unsigned": "chưa ký", "unreadable": "không đọc được"}  # fmt: skip


def heading(result: SignStageResult) -> r.Html:
    s = result.settings
    way = "token PKCS#11" if s.signing.token else "tệp khóa PKCS#12"
    tsa = (
        "có (máy chủ dấu thời gian)"
        if s.signing.tsa_url
        else (
            "có (máy chủ dấu thời gian thử nghiệm, chỉ dùng cho demo)"
            if s.signing.demo_tsa
            else "không"
        )
    )
    return r.title(
        f"Ký số và bảo quản — {s.name}",
        f"Chuẩn áp dụng: {r.profile_name(s.profile)} · tổ chức ký: {s.signing.organisation} · khóa: {way}",
        f"Dấu thời gian RFC 3161: {tsa}",
    )  # fmt: skip


def key_figures(result: SignStageResult) -> r.Html:
    f = result.figures()
    copies = f["backup_copies"]
    return r.cards(
        [
            r.KeyFigure("Tệp đã ký", r.number(f["files"]),
                        f"{r.number(f['signed_now'])} tệp ký trong lần chạy này"),
            r.KeyFigure("Chữ ký hợp lệ", r.number(f["valid"]),
                        f"{r.number(f['not_valid'])} không hợp lệ", "good" if not f["not_valid"] else "bad"),
            r.KeyFigure("Trang đã ký số", r.number(f["signed_pages"]), "trong các tệp có chữ ký hợp lệ"),
            r.KeyFigure("Gói thông tin (E-ARK CSIP)", r.number(f["packages"]), "METS, PREMIS, SHA-256"),
            r.KeyFigure("Bản sao dự phòng đã kiểm tra", f"{r.number(f['backup_copies_verified'])}/{r.number(copies)}",
                        "mỗi gói ít nhất hai nơi lưu", "good" if copies and f["backup_copies_verified"] == copies else "bad"),
            _waiting_figure(result),
            r.KeyFigure("Lỗi", r.number(f["failures"]), "tệp không ký, không đóng gói được, hoặc bản sao không đạt",
                        "bad" if f["failures"] else "good"),
        ]
    )  # fmt: skip


def _waiting_figure(result: SignStageResult) -> r.KeyFigure:
    f = result.figures()
    if f["sign_unreviewed"]:
        return r.KeyFigure("Ký khi chưa biên mục", r.number(f["signed_unreviewed_files"]),
                           "hồ sơ có trường nghi vấn chưa ai xem (review.sign_unreviewed)",
                           "bad" if f["signed_unreviewed_files"] else "good")  # fmt: skip
    return r.KeyFigure("Hồ sơ chờ biên mục", r.number(f["waiting_review_files"]),
                       f"{r.number(f['waiting_review_documents'])} văn bản chưa ký, chờ người xem",
                       "bad" if f["waiting_review_files"] else "good")  # fmt: skip


def review(result: SignStageResult) -> r.Html:
    """Files held back for biên mục, or signed knowingly without it, with each open flag."""
    unit = result.settings.unit
    how = (f"Biên mục: sohoa review export {unit}, điền tệp XLSX, rồi sohoa review apply TỆP "
           "--reviewer TÊN; hoặc mở notebooks/review.ipynb.")  # fmt: skip
    if result.waiting.empty:
        return r.note("Không có hồ sơ nào chờ biên mục: mọi trường nghi vấn đã được xem.", ok=True)
    if result.settings.review.sign_unreviewed:
        head = r.note(
            f"CHÚ Ý: đơn vị đặt review.sign_unreviewed: true nên đã ký "
            f"{len(result.signed_unreviewed)} hồ sơ có trường nghi vấn CHƯA được biên mục "
            f"({', '.join(result.signed_unreviewed)}). Giá trị của các trường dưới đây là do máy "
            "đọc, chưa có người xác nhận. " + how
        )
    else:
        head = r.note(
            f"{result.waiting['ma_ho_so'].nunique()} hồ sơ chờ biên mục (chưa ký): mỗi trường "
            "dưới đây cần người xem ảnh trang và sửa hoặc xác nhận. " + how
        )
    table = r.table(result.waiting, {"ma_ho_so": ("Mã hồ sơ", None),
                                     "ma_dinh_danh": ("Văn bản", None), "truong": ("Trường", None),
                                     "gia_tri": ("Giá trị máy đọc", None),
                                     "ly_do": ("Lý do", None)},
                    csv="archive/waiting_review.csv")  # fmt: skip
    return r.Html(head.text + table.text)


def certificate(result: SignStageResult) -> r.Html:
    c = result.certificate
    if not c:
        return r.note("Chưa có tệp nào được ký.")
    rows = [("Chủ thể", c.get("subject")), ("Tổ chức cấp", c.get("issuer")),
            ("Số hiệu", c.get("serial")), ("Hiệu lực từ", r.moment(c.get("not_before"))),
            ("Hiệu lực đến", r.moment(c.get("not_after")))]  # fmt: skip
    return r.table(
        pd.DataFrame(rows, columns=["k", "v"]), {"k": ("Chứng thư số", None), "v": ("", str)}
    )


def signatures(result: SignStageResult) -> r.Html:
    s = result.signed.assign(trang_thai=result.signed["trang_thai"].map(STATUS),
                             thoi_diem_ky=result.signed["thoi_diem_ky"].map(r.moment))  # fmt: skip
    table = r.table(
        s,
        {"tep": ("Tệp", None), "so_trang": ("Số trang", None), "muc": ("Mức PAdES", None),
         "thoi_diem_ky": ("Thời điểm ký", None), "trang_thai": ("Kiểm tra", None),
         "dau_thoi_gian": ("Dấu thời gian", None), "gia_han_truoc": ("Gia hạn trước", None),
         "ly_do": ("Chi tiết", None)},
        csv="archive/signed.csv",
    )  # fmt: skip
    fails = ""
    due = result.signed[result.signed["can_gia_han"].astype(bool)] if len(result.signed) else []
    if len(due):
        fails += r.table(due, {"tep": ("Tệp cần gia hạn (sohoa preserve renew)", None),
                               "gia_han_truoc": ("Dấu thời gian mới nhất hết hạn", None)}).text  # fmt: skip
    if result.failures:
        fails = r.table(pd.DataFrame(result.failures, columns=["tep", "ly_do"]),
                        {"tep": ("Tệp / hồ sơ", None), "ly_do": ("Lý do", None)},
                        csv="archive/failures.csv").text  # fmt: skip
    return r.Html(table.text + fails)


def stamp(result: SignStageResult) -> r.Html:
    """Page 1 of the first signed file as rendered, so the reviewer sees the visible signature."""
    names = result.signed.loc[result.signed["trang_thai"] == "valid", "tep"]
    if names.empty:
        return r.note("Chưa có tệp ký hợp lệ để hiển thị.")
    pdf = result.root / "archive" / names.iloc[0]
    data = base64.b64encode(render_page(pdf, dpi=70)).decode("ascii")
    caption = f"Trang 1 của {names.iloc[0]} sau khi ký: chữ ký hiển thị ở góc trên bên phải."
    return r.Html(
        f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}' "
        "style='max-width:520px;border:1px solid #ccc'/>"
        f"<figcaption style='color:#555;font-size:.9em'>{html.escape(caption)}</figcaption></figure>"
    )


def packages(result: SignStageResult) -> r.Html:
    if result.packages.empty:
        return r.note("Chưa có gói thông tin nào.")
    table = r.table(result.packages, {"ma_ho_so": ("Mã hồ sơ", None), "goi": ("Gói", None),
                                      "so_tep": ("Số tệp", None)},
                    csv="archive/packages.csv")  # fmt: skip
    copies = r.table(
        result.backups.assign(da_kiem_tra=result.backups["da_kiem_tra"].map({True: "đạt", False: "KHÔNG ĐẠT"})),
        {"ma_ho_so": ("Mã hồ sơ", None), "ban_sao": ("Bản sao", None), "so_tep": ("Số tệp", None),
         "dung_luong": ("Dung lượng (byte)", None), "da_kiem_tra": ("Kiểm tra SHA-256", None),
         "van_de": ("Vấn đề", None)},
        csv="archive/backups.csv",
    )  # fmt: skip
    hint = r.note("Kiểm tra định kỳ (không thay đổi dữ liệu): sohoa verify --fixity "
                  f"outputs/{result.settings.unit}/archive/packages — mỗi lần kiểm tra và sao lưu "
                  "được ghi vào archive/preservation-log.csv.", ok=True)  # fmt: skip
    bad = result.backups.loc[~result.backups["da_kiem_tra"].astype(bool), "ma_ho_so"]
    accept = ""
    if len(bad):
        packages_dir = f"outputs/{result.settings.unit}/archive/packages"
        accept = r.note(
            f"{len(bad)} bản sao không đạt: được tính là lỗi cho tới khi có người xử lý. Bản sao "
            "đã có khác với gói thì không bị ghi đè. Sau khi kiểm tra, nếu gói mới là đúng, chấp "
            "nhận nó làm phiên bản mới (bản sao cũ được giữ lại bên cạnh, trong thư mục "
            f"{result.settings.unit}.superseded): sohoa backup accept {packages_dir}/"
            f"{sorted(set(bad))[0]}",
        ).text
    return r.Html(table.text + "<h4>Bản sao dự phòng</h4>" + copies.text + accept + hint.text)
