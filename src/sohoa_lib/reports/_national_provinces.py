"""The national report's progress by today's 34 provinces and the Archive Centre: table and chart."""

from __future__ import annotations

import numpy as np

from sohoa_lib.handover.national import NationalResult
from sohoa_lib.reports import blocks as r
from sohoa_lib.stats.provinces import SUMS, progress_by_province


def provinces(result: NationalResult) -> r.Html:
    """Today's provinces with the historical units they hold and their progress."""
    frame = progress_by_province(result.units)
    frame = frame.assign(
        bao_cao=[f"{a}/{b}" for a, b in zip(frame["units_reported"], frame["units"], strict=True)]
    )
    sums = {c: int(frame[c].sum()) for c in [*SUMS, "units_overdue"]}
    total = {"current_name": "Toàn Ngành", **sums,
             "bao_cao": f"{frame['units_reported'].sum()}/{frame['units'].sum()}",
             "share_digitized": sums["digitized_pages"] / sums["selected_pages"]
             if sums["selected_pages"] else None}  # fmt: skip
    return r.table(
        frame,
        {"current_name": ("Đơn vị (từ 01/07/2025)", None),
         "historical_units": ("Gồm đơn vị theo KH 1838", None),
         "bao_cao": ("Đã báo cáo", None), "selected_pages": ("Trang được chọn", None),
         "digitized_pages": ("Đã số hóa", None), "share_digitized": ("Tỷ lệ", r.share),
         "signed_pages": ("Đã ký số", None), "units_overdue": ("Đơn vị chậm hạn", None)},
        total=total,
        max_rows=40,
        csv="progress_provinces.csv",
    )  # fmt: skip


def province_chart(result: NationalResult) -> r.Html:
    """Share digitized per unit of today; grey where none of its historical units reported."""
    frame = progress_by_province(result.units)
    fig = r.new_figure(8, 1.0 + 0.26 * len(frame))
    ax = fig.add_subplot()
    y = np.arange(len(frame))[::-1]
    shares = frame["share_digitized"].astype(float).to_numpy() * 100
    silent = np.isnan(shares)
    colours = ["#cf222e" if o else "#2da44e" for o in frame["units_overdue"]]
    ax.barh(y[~silent], shares[~silent], color=np.array(colours)[~silent])
    for yi, v, quiet in zip(y, shares, silent, strict=True):
        label = " chưa báo cáo" if quiet else f" {r.share(v / 100)}"
        ax.text(0 if quiet else v, yi, label, va="center", fontsize=7,
                color="#6e7781" if quiet else "black")  # fmt: skip
    names = [f"{n} ({k})" if k > 1 else n for n, k in zip(frame["current_name"], frame["units"],
                                                           strict=True)]  # fmt: skip
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlim(0, max(100.0, float(np.nanmax(shares)) if (~silent).any() else 100.0))
    ax.set_xlabel("% số trang được chọn đã số hóa; (n): số đơn vị theo KH 1838 đã hợp nhất "
                  "(đỏ: có đơn vị chậm hạn)")  # fmt: skip
    r.style_axes(ax, grid_axis="x", values="percent")
    return r.figure_html(fig, "Tiến độ số hóa theo 34 tỉnh, thành phố và Trung tâm Lưu trữ")
