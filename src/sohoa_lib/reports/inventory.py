"""What the 01_inventory report shows: key figures, tables and charts built from the stage result."""

from __future__ import annotations

import numpy as np

from sohoa_lib.handover.inventory import InventoryResult, exclusion_counts
from sohoa_lib.records import codes
from sohoa_lib.records.registry import unit as registry_unit
from sohoa_lib.reports import blocks as r
from sohoa_lib.reports._inventory_quality import data_quality

__all__ = [
    "budget", "data_quality", "exclusions", "heading", "key_figures", "pace", "selection",
    "volume", "volume_chart", "years_chart",
]  # fmt: skip


def heading(result: InventoryResult) -> r.Html:
    s = result.settings
    unit = registry_unit(s.unit)
    merged = f" — từ 01/07/2025 thuộc {unit.current_name}" if unit.merged else ""
    return r.title(
        f"Thống kê, lựa chọn và dự toán số hóa — {s.name}",
        f"Theo Kế hoạch 1838/KH-BHXH ngày 08/07/2022 · giai đoạn {s.phase}, "
        f"hạn hoàn thành {r.date(s.deadline)}{merged}",
        f"Nguồn: {result.table.source} · số liệu tính đến ngày {r.date(result.pace.as_of)}",
    )


def key_figures(result: InventoryResult) -> r.Html:
    f = result.figures()
    s = result.summary
    p = result.pace
    reached = s.selected_pages >= s.target_pages
    if p.overdue_days:
        if p.required_per_day_new_target is not None:
            pace_value = f"{r.number(p.required_per_day_new_target)} trang/ngày"
            pace_note = (
                f"Quá hạn {r.number(p.overdue_days)} ngày; mức cần để kịp mốc mới "
                f"{r.date(p.new_target_date)} (năng lực {r.number(p.capacity_per_day)} trang/ngày)"
            )
        else:
            pace_value = f"Quá hạn {r.number(p.overdue_days)} ngày"
            pace_note = "Chưa có mốc hoàn thành mới trong tham số (new_target_date)"
    else:
        pace_value = f"{r.number(p.required_per_day)} trang/ngày"
        pace_note = f"{r.number(p.working_days_left)} ngày làm việc đến {r.date(p.deadline)}"
    return r.cards(
        [
            r.KeyFigure(
                "Tổng số tài liệu (khối lượng hiện có)",
                f"{r.number(f['holdings_pages'])} trang",
                f"{r.number(f['holdings_files'])} hồ sơ · {r.number(f['holdings_sheets'])} tờ",
            ),
            r.KeyFigure(
                "Đủ điều kiện số hóa",
                f"{r.number(s.eligible_pages)} trang",
                f"{r.number(s.eligible_files)} hồ sơ · "
                f"{r.percent(s.eligible_pages / f['holdings_pages'] if f['holdings_pages'] else 0)} "
                "khối lượng",
            ),
            r.KeyFigure(
                "Được lựa chọn số hóa",
                f"{r.number(s.selected_pages)} trang",
                f"{r.number(s.selected_files)} hồ sơ · {r.number(s.selected_sheets)} tờ",
            ),
            r.KeyFigure(
                "Tỷ lệ so với mục tiêu",
                r.percent(s.achieved_share),
                f"mục tiêu tối thiểu {r.percent(s.target_share, 0)} tài liệu chưa điện tử"
                + ("" if reached else f" · thiếu {r.number(s.shortfall_pages)} trang"),
                "good" if reached else "bad",
            ),
            r.KeyFigure(
                "Dự toán kinh phí",
                r.money(f["cost_total"]),
                f"{r.number(f['labour_days'], 0)} ngày công",
            ),
            r.KeyFigure(
                "Tiến độ cần thiết",
                pace_value,
                pace_note,
                "good" if p.on_track else ("bad" if p.overdue_days else "warn"),
            ),
        ]
    )


def exclusions(result: InventoryResult) -> r.Html:
    counts = exclusion_counts(result)
    excluded = result.files[~result.files["du_dieu_kien"]]
    table = r.table(
        counts,
        {"ly_do": ("Lý do không đủ điều kiện", None), "ho_so": ("Số hồ sơ", None), "trang": ("Số trang", None)},
        total={"ly_do": "Hồ sơ không đủ điều kiện (mỗi hồ sơ tính một lần)",
               "ho_so": len(excluded), "trang": int(excluded["so_trang"].sum())},
    )  # fmt: skip
    fig = r.new_figure(8, 3.0)
    ax = fig.add_subplot()
    ordered = counts.sort_values("trang")
    ax.barh(ordered["ly_do"], ordered["trang"], color=r.COLOURS["holdings"])
    ax.set_xlabel("Số trang")
    r.style_axes(ax, grid_axis="x")
    chart = r.figure_html(
        fig, "Số trang không đủ điều kiện theo lý do (một hồ sơ có thể có nhiều lý do)"
    )
    return r.Html(table.text + chart.text)


def selection(result: InventoryResult) -> r.Html:
    s = result.summary
    if s.shortfall_pages:
        message = r.note(
            f"Tài liệu đủ điều kiện ({r.number(s.eligible_pages)} trang) không đạt mục tiêu "
            f"{r.percent(s.target_share, 0)} ({r.number(s.target_pages)} trang): thiếu "
            f"{r.number(s.shortfall_pages)} trang. Toàn bộ hồ sơ đủ điều kiện đã được chọn."
        )
    else:
        message = r.note(
            f"Đã chọn {r.number(s.selected_files)} hồ sơ ({r.number(s.selected_pages)} trang), đạt "
            f"{r.percent(s.achieved_share)} khối lượng tài liệu chưa có bản điện tử "
            f"(mục tiêu {r.percent(s.target_share, 0)} = {r.number(s.target_pages)} trang). "
            "Thứ tự ưu tiên: lượt khai thác nhiều trước; cùng lượt: bảo quản vĩnh viễn trước, "
            "rồi hồ sơ cũ hơn trước.",
            ok=True,
        )
    eligible = result.files[result.files["du_dieu_kien"]].sort_values(
        "so_luot_khai_thac", ascending=False, kind="stable"
    )
    fig = r.new_figure(8, 3.2)
    ax = fig.add_subplot()
    cumulative = eligible["so_trang"].cumsum().to_numpy()
    ax.plot(
        np.arange(1, len(cumulative) + 1),
        cumulative,
        color=r.COLOURS["eligible"],
        label="Lũy kế trang đủ điều kiện",
    )
    ax.axhline(
        s.target_pages,
        color=r.COLOURS["target"],
        linestyle="--",
        label=f"Mục tiêu {r.percent(s.target_share, 0)}",
    )
    ax.axvline(
        s.selected_files, color=r.COLOURS["selected"], linestyle=":", label="Hồ sơ được chọn"
    )
    ax.set_xlabel("Thứ tự hồ sơ theo lượt khai thác (giảm dần)")
    ax.set_ylabel("Số trang lũy kế")
    ax.legend(frameon=False, loc="lower right")
    r.style_axes(ax)
    r.count_axis(ax.xaxis)
    chart = r.figure_html(fig, "Lũy kế số trang theo thứ tự ưu tiên và ngưỡng mục tiêu")
    top = r.table(
        result.selection,
        {
            "thu_tu": ("TT", str),
            "ma_ho_so": ("Mã hồ sơ", None),
            "tieu_de": ("Tiêu đề hồ sơ", None),
            "so_luot_khai_thac": ("Lượt khai thác", None),
            "thoi_han_bao_quan": ("THBQ", lambda c: codes.names("thoi_han_bao_quan").get(c, c)),
            "so_trang": ("Số trang", None),
        },
        max_rows=15,
        csv="inventory/selection.csv",
    )
    return r.Html(message.text + chart.text + "<h4>Hồ sơ ưu tiên cao nhất</h4>" + top.text)


_VOLUME_COLUMNS = {
    "gia_tri": ("", None),
    "tong_ho_so": ("Hồ sơ", None),
    "tong_to": ("Tờ", None),
    "tong_trang": ("Trang", None),
    "dk_trang": ("Trang đủ điều kiện", None),
    "chon_ho_so": ("Hồ sơ được chọn", None),
    "chon_trang": ("Trang được chọn", None),
}


def volume(result: InventoryResult, dimension: str) -> r.Html:
    """The volume table for one dimension (Nhóm hồ sơ, Năm, Đơn vị hình thành, Tình trạng vật lý)."""
    part = result.volume[result.volume["chieu"] == dimension]
    if part.empty:
        return r.note(f"Mục lục không có cột {dimension}: không lập được bảng này.")
    if dimension in ("Nhóm hồ sơ", "Đơn vị hình thành"):
        part = part.sort_values("tong_trang", ascending=False, kind="stable")
    columns = dict(_VOLUME_COLUMNS)
    columns["gia_tri"] = (dimension, None)
    sums = part[[c for c in columns if c != "gia_tri"]].sum()
    return r.table(part, columns, total={"gia_tri": "Tổng cộng", **sums.to_dict()})


def volume_chart(result: InventoryResult) -> r.Html:
    part = result.volume[result.volume["chieu"] == "Nhóm hồ sơ"].sort_values("tong_trang")
    if part.empty:
        return r.Html("")
    fig = r.new_figure(8, 3.8)
    ax = fig.add_subplot()
    y = np.arange(len(part))
    ax.barh(y + 0.27, part["tong_trang"], 0.27, color=r.COLOURS["holdings"], label="Hiện có")
    ax.barh(y, part["dk_trang"], 0.27, color=r.COLOURS["eligible"], label="Đủ điều kiện")
    ax.barh(y - 0.27, part["chon_trang"], 0.27, color=r.COLOURS["selected"], label="Được chọn")
    ax.set_yticks(y, part["gia_tri"])
    ax.set_xlabel("Số trang")
    ax.legend(frameon=False, loc="lower right")
    r.style_axes(ax, grid_axis="x")
    return r.figure_html(fig, "Khối lượng tài liệu theo nhóm hồ sơ (trang)")


def years_chart(result: InventoryResult) -> r.Html:
    rules = result.settings.selection
    part = result.volume[result.volume["chieu"] == "Năm"].copy()
    if part.empty:
        return r.Html("")
    part["nam"] = part["ma"].astype(int)
    fig = r.new_figure(8, 3.2)
    ax = fig.add_subplot()
    ax.axvspan(rules.year_from - 0.5, rules.year_to + 0.5, color="#eef4fa", zorder=0,
               label=f"Phạm vi {rules.year_from}–{rules.year_to}")  # fmt: skip
    ax.bar(part["nam"], part["tong_trang"], color=r.COLOURS["holdings"], label="Hiện có")
    ax.bar(part["nam"], part["chon_trang"], color=r.COLOURS["selected"], label="Được chọn")
    ax.set_xlabel("Năm hình thành (năm bắt đầu)")
    ax.set_ylabel("Số trang")
    ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
    r.style_axes(ax)
    r.year_axis(ax.xaxis)
    return r.figure_html(
        fig, "Số trang theo năm hình thành; vùng nền là phạm vi số hóa của Kế hoạch 1838"
    )


def budget(result: InventoryResult) -> r.Html:
    b = result.budget
    steps = r.table(
        b,
        {
            "ten_buoc": ("Bước công việc", None),
            "giai_doan": ("Giai đoạn", None),
            "khoi_luong": ("Khối lượng", None),
            "don_vi_tinh": ("Đơn vị", None),
            "dinh_muc_phut": ("Định mức (phút/đơn vị)", lambda v: r.number(v, 1)),
            "ngay_cong": ("Ngày công", lambda v: r.number(v, 1)),
            "thanh_tien": ("Thành tiền (đồng)", None),
            "nguon": ("Nguồn định mức", None),
        },
        total={"ten_buoc": "Tổng cộng", "ngay_cong": float(b["ngay_cong"].sum()),
               "thanh_tien": int(b["thanh_tien"].sum())},
    )  # fmt: skip
    stages = r.table(
        result.budget_by_stage,
        {
            "giai_doan": ("Giai đoạn", None),
            "ngay_cong": ("Ngày công", lambda v: r.number(v, 1)),
            "thanh_tien": ("Thành tiền (đồng)", None),
        },
    )
    notes = []
    if result.sheets_estimated:
        notes.append(
            r.note(
                f"{r.number(result.sheets_estimated)} hồ sơ được chọn không ghi số tờ; "
                "số tờ được ước bằng số trang chia 2."
            ).text
        )
    notes.append(
        r.note(
            f"Định mức và đơn giá lấy từ tệp tham số {result.settings.costs.name}; "
            "cột “Nguồn định mức” ghi căn cứ của từng bước. Đơn vị cần thay bằng định mức, "
            "đơn giá được áp dụng trước khi trình duyệt dự toán."
        ).text
    )
    fig = r.new_figure(8, 2.8)
    ax = fig.add_subplot()
    ordered = b.sort_values("thanh_tien")
    ax.barh(ordered["ten_buoc"], ordered["thanh_tien"] / 1e6, color=r.COLOURS["eligible"])
    ax.set_xlabel("Triệu đồng")
    r.style_axes(ax, grid_axis="x", values="number")
    chart = r.figure_html(fig, "Dự toán kinh phí theo bước công việc (triệu đồng)")
    return r.Html(
        steps.text + "<h4>Tổng hợp theo giai đoạn</h4>" + stages.text + "".join(notes) + chart.text
    )


def pace(result: InventoryResult) -> r.Html:
    p = result.pace
    c = result.settings.capacity
    rows = [
        ("Số trang cần số hóa", r.number(p.pages_remaining)),
        ("Hạn hoàn thành theo Kế hoạch 1838", r.date(p.deadline)),
        ("Năng lực máy quét", f"{c.scanners} máy × {r.number(c.pages_per_scanner_day)} trang/ngày = "
                              f"{r.number(p.scanner_capacity)} trang/ngày"),
        ("Năng lực nhân lực", f"{c.staff} người → {r.number(p.staff_capacity)} trang/ngày theo định mức"),
        ("Năng lực thực tế (mức thấp hơn)", f"{r.number(p.capacity_per_day)} trang/ngày"),
        ("Số ngày làm việc cần thiết", r.number(p.days_needed)),
        ("Dự kiến hoàn thành (bắt đầu từ ngày báo cáo)", r.date(p.projected_finish)),
    ]  # fmt: skip
    if p.overdue_days:
        rows.append(("Đã quá hạn", f"{r.number(p.overdue_days)} ngày"))
        if p.new_target_date:
            rows.append(("Mốc hoàn thành mới", r.date(p.new_target_date)))
            rows.append(
                (
                    "Tiến độ cần để kịp mốc mới",
                    f"{r.number(p.required_per_day_new_target)} trang/ngày",
                )
            )
    else:
        rows.append(("Số ngày làm việc còn lại", r.number(p.working_days_left)))
        rows.append(("Tiến độ cần thiết", f"{r.number(p.required_per_day)} trang/ngày"))
    import pandas as pd

    table = r.table(
        pd.DataFrame(rows, columns=["k", "v"]), {"k": ("Chỉ tiêu", None), "v": ("Giá trị", None)}
    )
    target = p.deadline if not p.overdue_days else p.new_target_date
    if target is None:
        verdict = r.note(
            "Đã quá hạn và chưa có mốc mới: cần đặt new_target_date trong tham số của đơn vị."
        )
    elif p.on_track:
        verdict = r.note(
            f"Với năng lực hiện có, đơn vị hoàn thành trước {r.date(target)}.", ok=True
        )
    else:
        verdict = r.note(
            f"Với năng lực hiện có, đơn vị không kịp {r.date(target)}: cần tăng máy quét hoặc nhân lực."
        )
    return r.Html(table.text + verdict.text)
