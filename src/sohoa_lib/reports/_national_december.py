"""The December report of the national roll-up (báo cáo tình hình thực hiện), every figure from data."""

from __future__ import annotations

import pandas as pd

from sohoa_lib.handover.national import NationalResult
from sohoa_lib.reports import blocks as r
from sohoa_lib.reports import december as dec
from sohoa_lib.reports._national_figures import (
    late_sentences,
    latest_sector_period,
    national_rows,
    sector_defs,
    share_of,
    total,
)
from sohoa_lib.reports.stats import RULES
from sohoa_lib.stats.analysis import movement_sentences, period_name, unit_label

DECEMBER_INDICATORS = ("TG02", "TG03", "TG04", "TG05", "TH01", "CH01")
"""The movements the December report states (the rest are in the analysis section)."""


def december_report(result: NationalResult) -> dec.December:
    """The yearly progress report of decision 341 (tháng 12 hằng năm), every figure from data."""
    d, t = result.as_of, total(result)
    intro = (
        "Thực hiện Kế hoạch số 1838/KH-BHXH về số hóa tài liệu lưu trữ và Quyết định số "
        "341/QĐ-BHXH phê duyệt Đề án tư liệu hóa và chuyển đổi số trong hệ thống thống kê ngành "
        "BHXH Việt Nam, Vụ Kế hoạch và Đầu tư tổng hợp báo cáo của "
        f"{r.number(t['units_reported'])}/{r.number(t['units'])} đơn vị, số liệu đến ngày "
        f"{r.date(d)}, như sau:"
    )
    body = [
        dec.Block("p", intro),
        dec.Block("h3", "I. KẾT QUẢ THỰC HIỆN"),
        *_results(result),
        dec.Block("h3", "II. TỒN TẠI, HẠN CHẾ"),
        *_dashes(_shortcomings(result)),
        dec.Block("h3", "III. NHIỆM VỤ TRỌNG TÂM VÀ KIẾN NGHỊ"),
        *_dashes(_tasks(result)),
    ]
    subject = (
        "Tình hình thực hiện số hóa tài liệu lưu trữ và biên soạn chỉ tiêu thống kê của Ngành "
        f"năm {d.year}"
    )
    return dec.December(as_of=d, subject=subject, body=tuple(body))


def _late(result: NationalResult) -> pd.DataFrame:
    """The reporting units past their deadline and not finished, furthest along first."""
    ranked = result.ranking()
    return ranked[ranked["overdue_days"].fillna(0) > 0]


def _dashes(items: list[str]) -> list[dec.Block]:
    return [dec.Block("dash", i) for i in items]


def _december_coverage(result: NationalResult, period: str) -> str:
    # The screen version explains blank table cells; on paper there is no table to explain.
    return (
        f"Số liệu {period_name(period)} tổng hợp từ {r.number(result.coverage.get(period, 0))} "
        "đơn vị đã gửi báo cáo; so sánh với kỳ trước và cùng kỳ năm trước chỉ tính khi hai kỳ có "
        "cùng các đơn vị báo cáo."
    )


def _results(result: NationalResult) -> list[dec.Block]:
    t = total(result)
    selected_share = share_of(t["selected_pages"], t["paper_pages"])
    passed = share_of(t["pages_passed"], t["pages_checked"])
    done = share_of(t["digitized_pages"], t["selected_pages"])
    ocr = national_rows(result)
    ocr = ocr[(ocr["indicator"] == "SH14") & (ocr["breakdown"] == "")]["value"]
    out = [
        dec.Block("h4", "1. Thống kê, lựa chọn tài liệu"),
        dec.Block("p", f"Tổng số trang tài liệu giấy của các đơn vị đã báo cáo là "
                  f"{r.number(t['paper_pages'])} trang; đã lựa chọn {r.number(t['selected_pages'])} "
                  f"trang để số hóa, đạt {r.percent(selected_share)} (mục tiêu tối thiểu 30%). Dự "
                  f"toán kinh phí số hóa: {r.money(float(t['cost']))}."),
        dec.Block("h4", "2. Số hóa, ký số và bảo quản"),
        dec.Block("p", f"Đã số hóa {r.number(t['digitized_pages'])} trang, bằng "
                  f"{r.percent(done, 2) if done is not None else '–'} số trang được lựa chọn; đã ký "
                  f"số {r.number(t['signed_pages'])} trang. Kiểm tra chất lượng ảnh: "
                  f"{r.number(t['pages_passed'])}/{r.number(t['pages_checked'])} trang đạt "
                  f"({r.percent(passed)})"
                  + (f"; độ tin cậy nhận dạng ký tự (OCR) bình quân {r.number(ocr.iloc[-1], 1)} "
                     "điểm." if len(ocr) else ".")),
        dec.Block("h4", "3. Tiến độ theo giai đoạn"),
        *_dashes([_phase_sentence(p) + ";" for p in result.phases.iloc[:-1].itertuples()]),
        dec.Block("h4", "4. Chỉ tiêu thống kê của Ngành"),
    ]  # fmt: skip
    defs = {c: d for c, d in sector_defs(result).items() if c in DECEMBER_INDICATORS}
    latest = latest_sector_period(result)
    if latest is None:
        out.append(dec.Block("p", "Chưa có đơn vị nào gửi bảng báo cáo chỉ tiêu thống kê."))
    else:
        movements = movement_sentences(result.compiled, defs)
        out += _dashes([*movements, _december_coverage(result, latest)])
    return out


def _phase_sentence(p) -> str:
    head = f"Giai đoạn {p.phase} (thời hạn {r.date(p.deadline)}): "
    if not p.units_reported:
        return head + f"chưa có đơn vị nào trong {p.units} đơn vị báo cáo"
    return head + (
        f"{p.units_reported}/{p.units} đơn vị đã báo cáo, đã số hóa "
        f"{r.number(p.digitized_pages)}/{r.number(p.selected_pages)} trang được chọn, "
        f"{p.units_overdue} đơn vị chậm hạn"
    )


def _shortcomings(result: NationalResult) -> list[str]:
    items = []
    late = _late(result)
    if len(late):
        items.append(f"{r.number(len(late))} đơn vị chưa hoàn thành số hóa khi đã quá thời hạn "
                     "của Kế hoạch 1838/KH-BHXH:")  # fmt: skip
        items += late_sentences(late)
    missing = result.units[~result.units["reported"]]
    if len(missing):
        items.append(f"{r.number(len(missing))} đơn vị chưa báo cáo kết quả số hóa "
                     f"({', '.join(missing['name'].head(8))}"
                     f"{', …' if len(missing) > 8 else ''}).")  # fmt: skip
    if len(result.problems):
        counts = result.problems["quy_tac"].map(RULES).fillna(result.problems["quy_tac"])
        detail = ", ".join(f"{k.lower()}: {n}" for k, n in counts.value_counts().items())
        units = result.problems["don_vi"].nunique()
        items.append(f"Bảng báo cáo thống kê của {units} đơn vị có {len(result.problems)} vấn "
                     f"đề về số liệu ({detail}).")  # fmt: skip
    return items or ["Không có tồn tại đáng kể trong kỳ báo cáo."]


def _tasks(result: NationalResult) -> list[str]:
    items = []
    for row in _late(result).to_dict("records"):
        need, by = row["required_per_day_new_target"], row["new_target_date"]
        if pd.isna(need) or not isinstance(by, str):
            continue
        items.append(
            f"Đề nghị {unit_label(row['unit'])} bảo đảm năng lực số hóa tối thiểu {r.number(need)} "
            f"trang/ngày làm việc để hoàn thành trước ngày {r.date(by)} (năng lực hiện có "
            f"{r.number(row['capacity_per_day'])} trang/ngày)."
        )
    if (~result.units["reported"]).any():
        items.append("Đề nghị các đơn vị chưa báo cáo gửi kết quả thống kê, lựa chọn và số hóa "
                     "tài liệu về BHXH Việt Nam (Vụ Kế hoạch và Đầu tư).")  # fmt: skip
    if len(result.problems):
        items.append("Đề nghị các đơn vị có số liệu sai rà soát, gửi lại bảng báo cáo đã sửa "
                     "(danh sách chi tiết đến từng ô trong báo cáo toàn Ngành, mục vấn đề số liệu).")  # fmt: skip
    return items or ["Tiếp tục duy trì tiến độ và chất lượng số hóa."]
