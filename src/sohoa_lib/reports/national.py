"""What the 05_national report shows: progress by phase, units ranked, national indicators, December."""

from __future__ import annotations

import html

import numpy as np

from sohoa_lib.handover.national import NationalResult
from sohoa_lib.reports import blocks as r
from sohoa_lib.reports import december as dec
from sohoa_lib.reports._national_december import december_report
from sohoa_lib.reports._national_figures import (
    late_sentences,
    latest_sector_period,
    national_rows,
    sector_defs,
    share_of,
    total,
)

# Section 2's table and chart by today's provinces, shown by the notebook as view.provinces(...).
from sohoa_lib.reports._national_provinces import province_chart as province_chart
from sohoa_lib.reports._national_provinces import provinces as provinces
from sohoa_lib.reports.stats import RULES, indicator_table, series_figures
from sohoa_lib.stats.analysis import (
    movement_sentences,
    period_name,
    quality_sentences,
)
from sohoa_lib.stats.compile import period_sort_key
from sohoa_lib.stats.prepare import compile_definitions

RANKED_INDICATOR = "TG02"
"""The indicator whose province ranking is charted (participants in compulsory insurance)."""


# --- 1. heading and key figures ---------------------------------------------------------------


def heading(result: NationalResult) -> r.Html:
    t = total(result)
    return r.title(
        "Báo cáo toàn Ngành — số hóa tài liệu lưu trữ và chỉ tiêu thống kê",
        "Theo Kế hoạch 1838/KH-BHXH và Quyết định 341/QĐ-BHXH · số liệu tính đến ngày "
        f"{r.date(result.as_of)}",
        f"{r.number(t['units_reported'])}/{r.number(t['units'])} đơn vị (Trung tâm Lưu trữ và "
        "63 tỉnh, thành phố theo danh mục trước 01/07/2025) đã có kết quả; số liệu tổng hợp là "
        "của các đơn vị đã báo cáo.",
    )


def key_figures(result: NationalResult) -> r.Html:
    t, by_phase = total(result), result.phases.iloc[:-1]
    phases = "; ".join(
        f"giai đoạn {p.phase}: {p.units_reported}/{p.units}" for p in by_phase.itertuples()
    )
    selected_share = share_of(t["selected_pages"], t["paper_pages"])
    done = share_of(t["digitized_pages"], t["selected_pages"])
    return r.cards(
        [
            r.KeyFigure("Đơn vị đã báo cáo", f"{r.number(t['units_reported'])}/"
                        f"{r.number(t['units'])}", phases,
                        "good" if t["units_reported"] == t["units"] else "warn"),
            r.KeyFigure("Trang được lựa chọn số hóa", r.number(t["selected_pages"]),
                        f"{r.percent(selected_share)} tài liệu giấy (mục tiêu tối thiểu 30%)",
                        "" if selected_share is None else
                        ("good" if selected_share >= 0.30 - 1e-9 else "bad")),
            r.KeyFigure("Đã số hóa", r.percent(done, 2) if done is not None else "–",
                        f"{r.number(t['digitized_pages'])} trang; đã ký số "
                        f"{r.number(t['signed_pages'])} trang"),
            r.KeyFigure("Đơn vị chậm so với hạn", r.number(t["units_overdue"]),
                        "hạn giai đoạn 1: 30/12/2023; giai đoạn 2: 31/12/2024",
                        "bad" if t["units_overdue"] else "good"),
            r.KeyFigure("Vấn đề chất lượng số liệu", r.number(len(result.problems)),
                        "trong bảng báo cáo của các đơn vị",
                        "bad" if len(result.problems) else "good"),
        ]
    )  # fmt: skip


# --- 2. progress by phase -----------------------------------------------------------------------


def _phase_label(phase: object) -> str:
    return "Toàn Ngành" if phase == "" else f"Giai đoạn {phase}"


def phases(result: NationalResult) -> r.Html:
    """Per phase against its deadline: units reporting, pages selected, digitized, signed."""
    frame = result.phases.assign(
        ten=result.phases["phase"].map(_phase_label),
        han=result.phases["deadline"].map(lambda d: r.date(d) if d else ""),
        bao_cao=[f"{a}/{b}" for a, b in zip(result.phases["units_reported"],
                                            result.phases["units"], strict=True)],
    )  # fmt: skip
    rows, total = frame.iloc[:-1], frame.iloc[-1].to_dict()
    return r.table(
        rows,
        {"ten": ("Giai đoạn", None), "han": ("Thời hạn", None), "bao_cao": ("Đã báo cáo", None),
         "paper_pages": ("Trang tài liệu giấy", None), "selected_pages": ("Trang được chọn", None),
         "selected_share": ("Tỷ lệ chọn", r.percent), "digitized_pages": ("Đã số hóa", None),
         "share_digitized": ("Tỷ lệ số hóa", lambda v: r.percent(v, 2)),
         "signed_pages": ("Đã ký số", None), "units_overdue": ("Đơn vị chậm hạn", None),
         "days_past_deadline": ("Đã quá hạn (ngày)", None)},
        total=total,
    )  # fmt: skip


def phase_chart(result: NationalResult) -> r.Html:
    """Pages needed (30% of the paper), selected, digitized and signed, per phase."""
    rows = result.phases.iloc[:-1]
    rows = rows[rows["units_reported"] > 0]
    if rows.empty:
        return r.note("Chưa có đơn vị nào báo cáo kết quả thống kê, lựa chọn tài liệu.")
    bars = [("Mục tiêu 30%", "target_pages", r.COLOURS["target"]),
            ("Được chọn", "selected_pages", r.COLOURS["selected"]),
            ("Đã số hóa", "digitized_pages", r.COLOURS["eligible"]),
            ("Đã ký số", "signed_pages", "#2da44e")]  # fmt: skip
    fig = r.new_figure(8, 1.4 + 1.3 * len(rows))
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    height = 0.8 / len(bars)
    for i, (label, column, colour) in enumerate(bars):
        values = rows[column].astype(float).to_numpy()
        at = y + 0.4 - height * (i + 0.5)
        ax.barh(at, values, height, color=colour, label=label)
        for yi, v in zip(at, values, strict=True):
            ax.text(v, yi, f" {r.number(v)}", va="center", fontsize=8)
    ax.set_yticks(y, [_phase_label(p) for p in rows["phase"]])
    ax.set_xlabel("Số trang (các đơn vị đã báo cáo)")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    r.style_axes(ax, grid_axis="x")
    return r.figure_html(fig, "Tiến độ theo giai đoạn: số trang cần số hóa (30%), đã chọn, đã số "
                              "hóa, đã ký số")  # fmt: skip


# --- 3. units ranked ----------------------------------------------------------------------------


def ranking(result: NationalResult) -> r.Html:
    """Units that reported, furthest along first, with their deadline and the pace now needed."""
    ranked = result.ranking()
    if ranked.empty:
        return r.note("Chưa có đơn vị nào báo cáo kết quả.")
    ranked = ranked.assign(
        hang=range(1, len(ranked) + 1),
        han=ranked["deadline"].map(r.date),
        xong=ranked["projected_finish"].map(lambda d: r.date(d) if isinstance(d, str) else ""),
        han_moi=ranked["new_target_date"].map(lambda d: r.date(d) if isinstance(d, str) else ""),
    )
    return r.table(
        ranked,
        {"hang": ("Hạng", None), "name": ("Đơn vị", None), "phase": ("Giai đoạn", None),
         "han": ("Thời hạn", None), "selected_pages": ("Trang được chọn", None),
         "digitized_pages": ("Đã số hóa", None),
         "share_digitized": ("Tỷ lệ", r.share),
         "signed_pages": ("Đã ký số", None), "xong": ("Dự kiến xong", None),
         "overdue_days": ("Đã quá hạn (ngày)", None), "han_moi": ("Mốc mới", None),
         "required_per_day_new_target": ("Cần (trang/ngày)", None)},
        csv="progress_units.csv",
    )  # fmt: skip


def ranking_chart(result: NationalResult) -> r.Html:
    ranked = result.ranking()
    if ranked.empty:
        return r.Html("")
    fig = r.new_figure(8, 1.0 + 0.35 * len(ranked))
    ax = fig.add_subplot()
    y = np.arange(len(ranked))[::-1]
    shares = ranked["share_digitized"].astype(float).fillna(0).to_numpy() * 100
    colours = ["#cf222e" if d > 0 else "#2da44e" for d in ranked["overdue_days"].fillna(0)]
    ax.barh(y, shares, color=colours)
    for yi, v in zip(y, shares, strict=True):
        ax.text(v, yi, f" {r.share(v / 100)}", va="center", fontsize=8)
    ax.set_yticks(y, ranked["name"])
    ax.set_xlabel("% số trang được chọn đã số hóa (đỏ: đã quá hạn)")
    r.style_axes(ax, grid_axis="x", values="percent")
    return r.figure_html(fig, "Xếp hạng đơn vị theo tỷ lệ số hóa")


def not_reporting(result: NationalResult) -> r.Html:
    missing = result.units[~result.units["reported"]]
    if missing.empty:
        return r.note("Tất cả các đơn vị đã báo cáo.", ok=True)
    parts = [
        f"giai đoạn {phase} ({len(g)}): " + ", ".join(g["name"])
        for phase, g in missing.groupby("phase")
    ]
    return r.note(f"{len(missing)} đơn vị chưa báo cáo — " + "; ".join(parts) + ".")


# --- 4. national indicators ---------------------------------------------------------------------


def indicators(result: NationalResult) -> r.Html:
    """The sector's indicators for the nation in the latest period, with the two comparisons."""
    latest = latest_sector_period(result)
    if latest is None:
        return r.note("Chưa có đơn vị nào gửi bảng báo cáo chỉ tiêu thống kê.")
    defs = sector_defs(result)
    rows = national_rows(result)
    rows = rows[(rows["period"] == latest) & rows["indicator"].isin(defs)]
    text = indicator_table(rows, defs, latest).text
    text += r.note(_coverage_sentence(result, latest)).text
    return r.Html(text)


def _coverage_sentence(result: NationalResult, period: str) -> str:
    return (
        f"Số liệu {period_name(period)} tổng hợp từ {r.number(result.coverage.get(period, 0))} "
        "đơn vị đã gửi báo cáo. So sánh với kỳ trước và cùng kỳ năm trước chỉ được tính khi "
        "hai kỳ có cùng các đơn vị báo cáo; nếu không, ô để trống."
    )


def indicator_charts(result: NationalResult) -> r.Html:
    text = series_figures(national_rows(result), sector_defs(result), result.coverage).text
    return r.Html(text + province_ranking(result).text)


def province_ranking(result: NationalResult, code: str = RANKED_INDICATOR) -> r.Html:
    """Today's provinces ranked on one indicator in the latest period."""
    c = result.compiled
    rows = c[(c["level"] == "province") & (c["indicator"] == code) & (c["breakdown"] == "")
             & c["rank"].notna()]  # fmt: skip
    if rows.empty:
        return r.Html("")
    latest = max(rows["period"], key=period_sort_key)
    rows = rows[rows["period"] == latest].sort_values("rank")
    names = _current_names(result)
    fig = r.new_figure(8, 1.0 + 0.35 * len(rows))
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    ax.barh(y, rows["value"], color=r.COLOURS["eligible"])
    for yi, v, share in zip(y, rows["value"], rows["share"], strict=True):
        ax.text(v, yi, f" {r.number(v)} ({r.share(share)})", va="center", fontsize=8)
    ax.set_yticks(y, [names.get(u, u) for u in rows["unit"]])
    d = compile_definitions(result.definitions)[code]
    ax.set_xlabel(d.unit_of_measure)
    r.style_axes(ax, grid_axis="x", values="number")
    return r.figure_html(
        fig, f"{d.name} {period_name(latest)}: xếp hạng tỉnh, thành phố (đơn vị hành chính từ "
             "01/07/2025) và tỷ trọng trong tổng số"
    )  # fmt: skip


def _current_names(result: NationalResult) -> dict[str, str]:
    u = result.units
    return dict(zip(u["current_unit"], u["current_name"], strict=True))


# --- 5. analysis and quality --------------------------------------------------------------------


def _problem_dicts(result: NationalResult) -> list[dict]:
    p = result.problems
    return [{"file": f"{u}/{f}", "sheet": s, "cell": c, "message": m} for u, f, s, c, m in
            zip(p["don_vi"], p["tep"], p["trang_tinh"], p["o"], p["noi_dung"], strict=True)]  # fmt: skip


def analysis_sentences(result: NationalResult, *, quality_limit: int = 10) -> list[str]:
    sentences = movement_sentences(result.compiled, sector_defs(result))
    latest = latest_sector_period(result)
    if latest is not None:
        sentences.append(_coverage_sentence(result, latest))
    ranked = result.ranking()
    if len(ranked):
        sentences += late_sentences(ranked)
    missing = int((~result.units["reported"]).sum())
    if missing:
        sentences.append(f"{r.number(missing)} đơn vị chưa báo cáo kết quả số hóa.")
    return sentences + quality_sentences(_problem_dicts(result), limit=quality_limit)


def analysis(result: NationalResult) -> r.Html:
    items = "".join(f"<li>{html.escape(s)}</li>" for s in analysis_sentences(result))
    return r.Html(f"<ul class='sh-analysis'>{items}</ul>")


def quality(result: NationalResult) -> r.Html:
    if result.problems.empty:
        return r.note("Không phát hiện vấn đề trong bảng báo cáo của các đơn vị.", ok=True)
    p = result.problems
    return r.table(
        p.assign(quy_tac=p["quy_tac"].map(RULES).fillna(p["quy_tac"])),
        {"don_vi": ("Đơn vị", None), "tep": ("Tệp", None), "trang_tinh": ("Trang tính", None),
         "o": ("Ô", None), "quy_tac": ("Kiểm tra", None), "noi_dung": ("Nội dung", None)},
        csv="problems.csv",
    )  # fmt: skip


# --- 6. the December report (báo cáo tình hình thực hiện), printable -----------------------------


def december(result: NationalResult, *, pdf: bool | None = None) -> r.Html:
    """The December report as a page-like section; on paper (Ctrl+P) only this section prints.

    `pdf` says whether the run prints it to `bao-cao-thang-12.pdf` (it does when Chromium is
    installed); the sentence above the report names the files or says why there is no PDF.
    """
    if pdf is None:
        from sohoa_lib.reports.browser import chromium_path

        pdf = chromium_path() is not None
    files = (
        f"Bản in khổ A4 có số trang: {dec.PDF_NAME}"
        if pdf
        else "Không có bản PDF: máy chạy không cài trình duyệt Chromium"
    )
    hint = r.note(
        f"{files}; bản Word để chỉnh sửa, ban hành: {dec.DOCX_NAME}. In từ trình duyệt (Ctrl+P, "
        "khổ A4): chỉ phần báo cáo dưới đây được in."
    ).text
    return r.Html(
        f"{dec.PRINT_CSS}<div class='sh-noprint'>{hint}</div>{dec.to_html(december_report(result))}"
    )
