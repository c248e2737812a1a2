"""What the 04_statistics report shows: programme progress, sector indicators, analysis, quality."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from sohoa_lib.handover.stats import StatisticsResult
from sohoa_lib.records.registry import unit as registry_unit
from sohoa_lib.reports import blocks as r
from sohoa_lib.stats.analysis import (
    deadline_sentences,
    movement_sentences,
    period_name,
    quality_sentences,
)
from sohoa_lib.stats.compile import period_sort_key
from sohoa_lib.stats.prepare import compile_definitions, sector_definitions

RULES = {
    "doc_tep": "Không đọc được tệp", "ky_bao_cao": "Thiếu kỳ báo cáo", "ky_trung": "Kỳ báo cáo trùng",
    "chi_tieu": "Chỉ tiêu không xác định", "so_lieu": "Số liệu không hợp lệ",
    "phan_to": "Phân tổ không hợp lệ", "bat_buoc": "Thiếu chỉ tiêu bắt buộc",
    "khong_am": "Số âm", "tong": "Tổng không khớp", "bat_thuong": "Biến động bất thường",
}  # fmt: skip
SERIES_CHARTS = (
    ("Người tham gia", ("TG02", "TG03", "TG04", "TG05")),
    ("Thu, chi", ("TH01", "CH01")),
)
"""Time-series charts: (title, indicators drawn together)."""


def _programme_codes(result: StatisticsResult) -> list[str]:
    return [i.code for i in result.definitions.indicators if i.computed]


def _own_rows(result: StatisticsResult) -> pd.DataFrame:
    """The unit's own series (its pre-2025 code, not the province it now belongs to)."""
    c = result.compiled
    return c[(c["level"] == "unit") & (c["unit"] == result.settings.unit)]


def _value(result: StatisticsResult, code: str) -> float | None:
    rows = _own_rows(result)
    rows = rows[(rows["indicator"] == code) & (rows["breakdown"] == "")]
    if rows.empty:
        return None
    return float(rows.loc[rows["period"].map(period_sort_key).idxmax(), "value"])


def heading(result: StatisticsResult) -> r.Html:
    s = result.settings
    unit = registry_unit(s.unit)
    merged = f" — từ 01/07/2025 thuộc {unit.current_name}" if unit.merged else ""
    f = result.figures()
    periods = ", ".join(period_name(p) for p in f["periods"]) or "chưa có"
    return r.title(
        f"Chỉ tiêu thống kê — {s.name}{merged}",
        "Theo Quyết định 341/QĐ-BHXH và Kế hoạch 1838/KH-BHXH · số liệu tính đến ngày "
        f"{r.date(result.as_of)}",
        f"Kỳ báo cáo đã nhận: {periods}. Chỉ tiêu của chương trình số hóa là số liệu tại "
        f"{period_name(result.period)}.",
    )


def key_figures(result: StatisticsResult) -> r.Html:
    f = result.figures()
    share, target = _value(result, "SH08"), result.definitions.by_code["SH08"].target
    selected, digitized = _value(result, "SH07"), _value(result, "SH09")
    done = digitized / selected if digitized is not None and selected else None
    overdue = result.pace.get("overdue_days") or 0
    return r.cards(
        [
            r.KeyFigure("Bảng báo cáo đã đọc", r.number(f["files"]),
                        f"{r.number(len(f['periods']))} kỳ, {r.number(f['sector_values'])} số liệu"),
            r.KeyFigure("Vấn đề chất lượng dữ liệu", r.number(f["problems"]),
                        f"{r.number(f['set_aside'])} số liệu bị loại khỏi tổng hợp",
                        "bad" if f["problems"] else "good"),
            r.KeyFigure("Tỷ lệ trang được lựa chọn",
                        "–" if share is None else r.number(share, 1) + "%",
                        f"mục tiêu {r.percent(target, 0)} tài liệu giấy" if target else "",
                        "" if share is None or not target else
                        ("good" if share >= target * 100 - 1e-9 else "bad")),
            r.KeyFigure("Đã số hóa", r.percent(done) if done is not None else "–",
                        f"{r.number(digitized)} / {r.number(selected)} trang được lựa chọn"
                        if selected else "chưa có kết quả kiểm kê"),
            r.KeyFigure("Tiến độ so với hạn",
                        f"Quá hạn {r.number(overdue)} ngày" if overdue else
                        ("Kịp hạn" if result.pace else "–"),
                        f"hạn {r.date(result.settings.deadline)}; dự kiến xong "
                        f"{r.date(result.pace.get('projected_finish'))}" if result.pace else "",
                        "bad" if overdue else ("good" if result.pace else "")),
        ]
    )  # fmt: skip


def programme(result: StatisticsResult) -> r.Html:
    """The programme's indicators at the snapshot, with the target where one is set."""
    defs = result.definitions.by_code
    rows = []
    for code in _programme_codes(result):
        value = _value(result, code)
        if value is None:
            continue
        d = defs[code]
        pct = d.unit == "tỷ lệ"
        whole = float(value).is_integer() or abs(value) >= 100
        shown = r.number(value, 1) if pct else r.number(value, 0 if whole else 1)
        target = "" if d.target is None else (r.percent(d.target, 0) if pct else r.number(d.target))
        unit = "%" if pct else d.unit
        rows.append({"ma": code, "ten": d.name, "gia_tri": shown, "dvt": unit, "muc_tieu": target})
    if not rows:
        return r.note("Chưa có kết quả của các bước kiểm kê, số hóa, ký số cho đơn vị này.")
    return r.table(
        pd.DataFrame(rows),
        {"ma": ("Mã", None), "ten": ("Chỉ tiêu", None), "gia_tri": ("Giá trị", None),
         "dvt": ("Đơn vị tính", None), "muc_tieu": ("Mục tiêu", None)},
    )  # fmt: skip


def progress_chart(result: StatisticsResult) -> r.Html:
    """Progress against target: pages needed (30%), selected, digitized, signed."""
    steps = [("Mục tiêu 30%", None), ("Được lựa chọn", "SH07"), ("Đã số hóa", "SH09"),
             ("Đã ký số", "SH10")]  # fmt: skip
    paper, target = _value(result, "SH03"), result.definitions.by_code["SH08"].target or 0.30
    values = [paper * target if paper is not None else None]
    values += [_value(result, code) for _, code in steps[1:]]
    if all(v is None for v in values):
        return r.note("Chưa có số liệu tiến độ số hóa.")
    fig = r.new_figure(8, 2.8)
    ax = fig.add_subplot()
    y = np.arange(len(steps))[::-1]
    colours = [r.COLOURS["target"], r.COLOURS["selected"], r.COLOURS["eligible"], "#2da44e"]
    ax.barh(y, [v or 0 for v in values], color=colours)
    for yi, v in zip(y, values, strict=True):
        ax.text(v or 0, yi, f" {r.number(v) if v is not None else 'chưa có'}", va="center")
    ax.set_yticks(y, [label for label, _ in steps])
    ax.set_xlabel("Số trang")
    r.style_axes(ax, grid_axis="x")
    return r.figure_html(fig, "Tiến độ so với mục tiêu: số trang cần số hóa, đã chọn, đã số hóa, "
                              "đã ký số")  # fmt: skip


def _latest_sector(result: StatisticsResult) -> tuple[pd.DataFrame, str | None]:
    rows = _own_rows(result)
    rows = rows[~rows["indicator"].isin(_programme_codes(result))]
    if rows.empty:
        return rows, None
    latest = max(rows["period"], key=period_sort_key)
    return rows[rows["period"] == latest], latest


def sector(result: StatisticsResult) -> r.Html:
    """The sector's indicators in the latest period: total, by sex, and the two comparisons."""
    rows, latest = _latest_sector(result)
    if latest is None:
        return r.note("Đơn vị chưa gửi bảng báo cáo chỉ tiêu thống kê (khóa statistics).")
    return indicator_table(rows, compile_definitions(result.definitions), latest)


def indicator_table(rows: pd.DataFrame, defs: dict, period: str) -> r.Html:
    """One series' indicators in `period` (compiled rows of a single unit or level): total, by
    sex, change against the previous period and against the same period last year."""
    total = rows[rows["breakdown"] == ""].set_index("indicator")
    parts = rows[rows["breakdown"] != ""].pivot_table(
        index="indicator", columns="breakdown", values="value", aggfunc="first"
    )
    table = []
    for code in [c for c in defs if c in total.index]:
        d, row = defs[code], total.loc[code]
        pct = d.unit_of_measure == "%"
        fmt = (lambda v: r.number(v, 1)) if pct else (lambda v: r.number(v))
        part = parts.loc[code] if code in parts.index else {}
        table.append(
            {"ma": code, "ten": d.name, "dvt": d.unit_of_measure, "gia_tri": fmt(row["value"]),
             "nam": fmt(part["nam"]) if "nam" in part and pd.notna(part["nam"]) else "",
             "nu": fmt(part["nữ"]) if "nữ" in part and pd.notna(part["nữ"]) else "",
             "qoq": _change(row["value"], row["prev_value"], row["change_pct"], pct),
             "yoy": _change(row["value"], row["yoy_value"], row["yoy_pct"], pct)}
        )  # fmt: skip
    return r.Html(
        f"<p class='sh-sub'>Kỳ {period_name(period)}.</p>"
        + r.table(
            pd.DataFrame(table),
            {"ma": ("Mã", None), "ten": ("Chỉ tiêu", None), "dvt": ("Đơn vị tính", None),
             "gia_tri": ("Tổng số", None), "nam": ("Nam", None), "nu": ("Nữ", None),
             "qoq": ("So với kỳ trước", None), "yoy": ("So với cùng kỳ năm trước", None)},
        ).text
    )  # fmt: skip


def _change(value: float, base: float, share: float, points: bool) -> str:
    """`+2,6%`; a percentage moves in percentage points (`+0,4 điểm %`), as the sentences say."""
    if pd.isna(base):
        return ""
    if points:
        delta = value - base
        return ("+" if delta > 0 else "") + r.number(delta, 1) + " điểm %"
    if pd.isna(share):
        return ""
    return ("+" if share > 0 else "") + r.percent(share)


def series_charts(result: StatisticsResult) -> r.Html:
    """One time-series chart per group of indicators, as the unit reported them."""
    return series_figures(_own_rows(result), compile_definitions(result.definitions))


def series_figures(rows: pd.DataFrame, defs: dict, coverage: dict | None = None) -> r.Html:
    """One time-series chart per group in SERIES_CHARTS, from one series' compiled rows.

    `coverage` (period → units reporting) is printed under each period of a roll-up, so a jump
    that comes from more units reporting is not read as growth.
    """
    rows = rows[rows["breakdown"] == ""]
    out = []
    for title, codes in SERIES_CHARTS:
        part = rows[rows["indicator"].isin(codes)]
        if part["period"].nunique() < 2:
            continue
        periods = sorted(set(part["period"]), key=period_sort_key)
        fig = r.new_figure(8, 3.2)
        ax = fig.add_subplot()
        for code in codes:
            s = part[part["indicator"] == code].set_index("period")["value"].reindex(periods)
            ax.plot(range(len(periods)), s.to_numpy(), marker="o", label=defs[code].name)
        labels = [period_name(p).removeprefix("quý ").removeprefix("tháng ") for p in periods]
        if coverage:
            labels = [
                f"{t}\n({coverage.get(p, 0)} đv)" for t, p in zip(labels, periods, strict=True)
            ]
        ax.set_xticks(range(len(periods)), labels, fontsize=8)
        units = {defs[c].unit_of_measure for c in codes}
        ax.set_ylabel(", ".join(sorted(units)))
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        r.style_axes(ax, values="number")
        out.append(r.figure_html(fig, f"{title} theo kỳ báo cáo").text)
    if not out:
        return r.note("Cần ít nhất hai kỳ báo cáo để vẽ diễn biến theo thời gian.")
    return r.Html("".join(out))


def analysis(result: StatisticsResult) -> r.Html:
    """Sentences written from the figures: movements, the deadline, data quality."""
    unit = result.settings.unit
    sentences = movement_sentences(
        result.compiled, sector_definitions(result.definitions), unit=unit
    )
    selected, digitized = _value(result, "SH07"), _value(result, "SH09")
    if result.pace and selected:
        table = pd.DataFrame([{
            "unit": unit, "deadline": result.settings.deadline,
            "share_digitized": (digitized or 0) / selected,
            "overdue_days": result.pace.get("overdue_days") or 0,
            "projected_finish": result.pace.get("projected_finish"),
        }])  # fmt: skip
        sentences += deadline_sentences(table)
    sentences += quality_sentences(_problem_dicts(result), limit=10)
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return r.Html(f"<ul class='sh-analysis'>{items}</ul>")


def _problem_dicts(result: StatisticsResult) -> list[dict]:
    p = result.problems
    return [{"file": f, "sheet": s, "cell": c, "message": m}
            for f, s, c, m in zip(p["tep"], p["trang_tinh"], p["o"], p["noi_dung"], strict=True)]  # fmt: skip


def quality(result: StatisticsResult) -> r.Html:
    """Every problem found in the report tables, located to the cell, and what was set aside."""
    if result.problems.empty:
        return r.note("Không phát hiện vấn đề trong các bảng báo cáo.", ok=True)
    problems = result.problems.assign(quy_tac=result.problems["quy_tac"].map(RULES).fillna(
        result.problems["quy_tac"]))  # fmt: skip
    text = r.table(
        problems,
        {"tep": ("Tệp", None), "trang_tinh": ("Trang tính", None), "o": ("Ô", None),
         "quy_tac": ("Kiểm tra", None), "noi_dung": ("Nội dung", None)},
        csv="statistics/problems.csv",
    ).text  # fmt: skip
    if len(result.set_aside):
        text += r.note(
            f"{r.number(len(result.set_aside))} số liệu sai quy tắc (số âm) được loại khỏi tổng "
            "hợp (statistics/set_aside.csv); tổng không khớp được giữ nguyên và cảnh báo, vì "
            "không biết bên nào sai. Kỳ báo cáo trùng chỉ tính một lần (tệp đầu tiên)."
        ).text
    return r.Html(text)
