"""Report building blocks for notebooks: Vietnamese number formats, key figures, tables, charts."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # reports render off-screen; the notebook shows the PNG we embed
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from sohoa_lib.common import clock
from sohoa_lib.common.clock import VIETNAM

# The formatters live in common (statistics sentences use them too); reports call them r.number.
from sohoa_lib.common.vnformat import date as date
from sohoa_lib.common.vnformat import money as money
from sohoa_lib.common.vnformat import number as number
from sohoa_lib.common.vnformat import percent as percent
from sohoa_lib.common.vnformat import share as share

# Colours that print well in grey and keep meaning across reports.
COLOURS = {"holdings": "#9aa5b1", "eligible": "#3e7cb1", "selected": "#c0392b", "target": "#2c3e50"}

# JupyterLab's own table rule right-aligns every cell with a stronger selector, hence !important.
_CSS = """
<style>
.sh-title{font-family:'Liberation Serif','Times New Roman',serif;margin:0 0 .2em 0}
.sh-sub{color:#555;margin:0 0 1em 0}
.sh-cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px;margin:1em 0}
.sh-card{border:1px solid #d0d7de;border-radius:8px;padding:12px 14px;background:#fafbfc}
.sh-card .l{font-size:.85em;color:#57606a}.sh-card .v{font-size:1.6em;font-weight:600;margin:.15em 0}
.sh-card .n{font-size:.85em;color:#57606a}.sh-card.warn{border-color:#d4a72c;background:#fff8e5}
.sh-card.bad{border-color:#cf222e;background:#fff0f0}.sh-card.good{border-color:#2da44e;background:#f0fff4}
table.sh-t{border-collapse:collapse;margin:.5em 0 1em 0;font-size:.92em}
table.sh-t th{background:#eef1f4;text-align:left!important;padding:4px 8px;border-bottom:2px solid #c9d1d9}
table.sh-t td{padding:3px 8px;border-bottom:1px solid #eaeef2;text-align:left!important}
table.sh-t td.num{text-align:right!important;font-variant-numeric:tabular-nums}
table.sh-t tr.total td{font-weight:600;border-top:2px solid #c9d1d9}
.sh-note{border-left:4px solid #d4a72c;background:#fff8e5;padding:8px 12px;margin:.8em 0}
.sh-ok{border-left:4px solid #2da44e;background:#f0fff4;padding:8px 12px;margin:.8em 0}
</style>
"""


@dataclass(frozen=True)
class Html:
    """A piece of HTML that Jupyter (and nbconvert) renders as HTML."""

    text: str

    def _repr_html_(self) -> str:
        return self.text


# --- dates and names ---------------------------------------------------------------------------


def moment(value: dt.datetime | str | None) -> str:
    """A time for a reviewer, in Vietnamese time whatever zone it was recorded in.

    `2026-11-30T13:50:18+00:00` → `20:50:18 ngày 30/11/2026 (+07:00)`; text that is not ISO 8601
    is shown as it is.
    """
    if not isinstance(value, str | dt.datetime) or value == "":
        return "–"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.astimezone(VIETNAM).strftime("%H:%M:%S ngày %d/%m/%Y (+07:00)")


def profile_name(code: str) -> str:
    """`tt05-2025` → `Thông tư 05/2025/TT-BNV`."""
    from sohoa_lib.settings import PROFILE_NAMES

    return PROFILE_NAMES.get(code, code)


def as_of_date(value: str | dt.date | None) -> dt.date:
    """The report date from a notebook parameter: ISO text, a date, or blank for today."""
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value) if value else clock.today()


# --- blocks ------------------------------------------------------------------------------------


def title(heading: str, *lines: str) -> Html:
    """The report's heading, with the page style, and its subtitle lines."""
    sub = "".join(f"<p class='sh-sub'>{html.escape(line)}</p>" for line in lines)
    return Html(f"{_CSS}<h1 class='sh-title'>{html.escape(heading)}</h1>{sub}")


@dataclass(frozen=True)
class KeyFigure:
    """One key figure: a label, the value as shown, a note and a tone (good, warn, bad or '')."""

    label: str
    value: str
    note: str = ""
    tone: str = ""


def cards(figures: Iterable[KeyFigure]) -> Html:
    """Key figures as a grid of cards, for the top of a report."""
    body = "".join(
        f"<div class='sh-card {f.tone}'><div class='l'>{html.escape(f.label)}</div>"
        f"<div class='v'>{html.escape(f.value)}</div><div class='n'>{html.escape(f.note)}</div></div>"
        for f in figures
    )
    return Html(f"{_CSS}<div class='sh-cards'>{body}</div>")


def note(text: str, *, ok: bool = False) -> Html:
    """A highlighted sentence: a warning by default, a success when ok."""
    return Html(f"{_CSS}<div class='{'sh-ok' if ok else 'sh-note'}'>{html.escape(text)}</div>")


Format = Callable[[object], str]


ROWS_SHOWN = 50
"""Most rows a table shows inline: a province has thousands of files; its CSV has every row."""


def table(
    frame: pd.DataFrame,
    columns: dict[str, tuple[str, Format | None]],
    *,
    total: dict[str, object] | None = None,
    max_rows: int = ROWS_SHOWN,
    csv: str | None = None,
) -> Html:
    """A table with Vietnamese headers: columns maps a column to (header, formatter or None).

    Numbers are right-aligned; `total` adds a bold last row. At most `max_rows` rows are shown,
    with a sentence giving the total and naming `csv` (the path of the full table under the unit's
    folder, which the finished report turns into a link).
    """
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(label)}</th>" for label, _ in columns.values())
    rows = [_row(rec, columns) for rec in shown.to_dict("records")]
    if total is not None:
        rows.append(_row(total, columns, css="total"))
    more = ""
    if len(frame) > max_rows:
        more = f"<p class='sh-sub'>{html.escape(more_rows(len(shown), len(frame), csv))}</p>"
    return Html(f"{_CSS}<table class='sh-t'><tr>{head}</tr>{''.join(rows)}</table>{more}")


def more_rows(shown: int, total: int, csv: str | None) -> str:
    """The sentence under a capped table or list."""
    where = f"tệp {csv}" if csv else "tệp CSV của giai đoạn"
    return (
        f"Hiện {number(shown)} dòng đầu trong tổng số {number(total)} dòng; đủ các dòng: {where}."
    )


def _row(record: dict, columns: dict[str, tuple[str, Format | None]], css: str = "") -> str:
    cells = []
    for column, (_, fmt) in columns.items():
        value = record.get(column, "")
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            text = ""
        elif fmt is not None:
            text = fmt(value)
        elif numeric:
            text = number(value)
        else:
            text = str(value)
        cls = " class='num'" if numeric else ""
        cells.append(f"<td{cls}>{html.escape(text)}</td>")
    return f"<tr class='{css}'>{''.join(cells)}</tr>"


# --- charts ------------------------------------------------------------------------------------


def new_figure(width: float = 8.0, height: float = 3.6) -> Figure:
    """A figure with the report's style; not managed by pyplot, so nothing leaks between cells."""
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    return fig


def figure_html(fig: Figure, alt: str) -> Html:
    """Embed a chart as a PNG data URI, so the HTML report is one self-contained file."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Html(
        f"<figure style='margin:.5em 0 1.2em 0'><img alt='{html.escape(alt)}' "
        f"src='data:image/png;base64,{data}' style='max-width:100%'/>"
        f"<figcaption style='color:#555;font-size:.9em'>{html.escape(alt)}</figcaption></figure>"
    )


class VnTicks(Formatter):
    """Tick labels the Vietnamese way (1.234,5) with as few decimals as keep them apart.

    A fixed number of decimals printed "0 0 0 0" under a 0–0,05% axis and "0, 0, 1, 2, 2" under a
    count axis that matplotlib had ticked at halves; the labels now always differ.
    """

    def __init__(self, suffix: str = "", *, thousands: bool = True) -> None:
        self.suffix, self.thousands, self.decimals = suffix, thousands, 0

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        self.decimals = distinct_decimals(locs)

    def __call__(self, x: float, pos: int | None = None) -> str:
        if self.thousands:
            return number(x, self.decimals) + self.suffix
        return f"{x:.{self.decimals}f}".replace(".", ",") + self.suffix


def distinct_decimals(values: Iterable[float], most: int = 6) -> int:
    """The fewest decimals (up to `most`) that print every value differently."""
    values = [float(v) for v in values]
    for decimals in range(most + 1):
        if len({f"{v:.{decimals}f}" for v in values}) == len(set(values)):
            return decimals
    return most


def style_axes(ax, *, grid_axis: str = "y", values: str = "count") -> None:
    """Light grid, no top/right frame, Vietnamese numbers on the value axis.

    `values` says what the value axis counts: "count" (whole ticks only: no half a page),
    "number" (any number) or "percent" (values already in per cent).
    """
    from matplotlib.ticker import MaxNLocator

    ax.grid(axis=grid_axis, color="#e5e8eb", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    axis = ax.yaxis if grid_axis == "y" else ax.xaxis
    if values == "count":
        axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(VnTicks("%" if values == "percent" else ""))


def count_axis(axis) -> None:
    """Whole numbers only on an axis that counts (files, pages), Vietnamese thousands."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(VnTicks())


def year_axis(axis) -> None:
    """Whole years, written without a thousands dot (1995, not 1.995)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(VnTicks(thousands=False))
