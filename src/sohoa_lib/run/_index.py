"""The index page `outputs/index.html`: every unit's status and reports, read back from run.json."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from sohoa_lib.common import clock
from sohoa_lib.common.clock import VIETNAM
from sohoa_lib.common.files import write_text
from sohoa_lib.errors import UnknownUnitError
from sohoa_lib.paths import STAGE_TITLES, STAGES
from sohoa_lib.records import registry

TITLE = "Báo cáo số hóa và thống kê ngành BHXH"

STATUS = {
    "ok": ("Hoàn thành", "ok"),
    "failed": ("Lỗi", "failed"),
    "skipped": ("Bỏ qua", "skipped"),
}
NATIONAL_REPORT = "national/reports/05_national.html"

# Self-contained: the folder is zipped and mailed, and must read the same offline.
CSS = """
body { font-family: "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; margin: 2rem;
       color: #1f2933; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
p.meta { color: #52606d; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; font-size: .95rem; }
th, td { border: 1px solid #d9e2ec; padding: .45rem .6rem; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
tr:nth-child(even) td { background: #fafcfe; }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: .8rem; font-size: .85rem;
         white-space: nowrap; }
.ok { background: #e3f9e5; color: #1f6f2b; }
.failed { background: #ffe3e3; color: #a61b1b; }
.skipped { background: #eceff1; color: #52606d; }
.error { color: #a61b1b; font-family: monospace; font-size: .85rem; }
.none { color: #9aa5b1; }
a { color: #0b69a3; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
.card { border: 1px solid #d9e2ec; border-radius: .5rem; padding: .6rem .9rem; min-width: 12rem;
        background: #fafcfe; }
.card .v { font-size: 1.5rem; font-weight: 600; }
.card .l, .card .n { color: #52606d; font-size: .85rem; }
"""


def write_index(
    outputs: Path,
    *,
    batch: Sequence[dict[str, Any]] = (),
    generated: dt.datetime | None = None,
) -> Path:
    """Write `outputs/index.html` from every `<UNIT>/run.json` there, and return its path.

    `batch` holds this batch's results (`unit`, `status`, `error`): they override what a unit's
    run.json says, because a unit whose params file is broken fails before writing one and would
    otherwise show an earlier run's result, or nothing.
    """
    generated = generated or dt.datetime.now(VIETNAM)
    by_unit = {r["unit"]: r for r in batch if r.get("unit") != "national"}
    runs = {p.parent.name: _read(p) for p in sorted(outputs.glob("*/run.json"))}
    runs.pop("national", None)
    codes = sorted(set(runs) | set(by_unit))

    rows = [_row(outputs, code, runs.get(code), by_unit.get(code), STAGES) for code in codes]
    failed = sum(1 for r in rows if r[1] == "failed")
    summary = f"{len(rows)} đơn vị: {len(rows) - failed} hoàn thành, {failed} lỗi."
    national = _national(outputs)
    head = "".join(
        f"<th>{escape(f'{stem[:2]}. {STAGE_TITLES[name]}')}</th>" for name, stem in STAGES
    )
    page = f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(TITLE)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>{escape(TITLE)}</h1>
<p class="meta">Lập lúc {escape(_when(generated))}. {escape(summary)}</p>
{_headline(outputs)}
{national}
<table>
<thead><tr><th>Mã</th><th>Đơn vị</th><th>Giai đoạn</th><th>Hạn hoàn thành</th><th>Trạng thái</th>
{head}<th>Lần chạy</th><th>Ghi chú</th></tr></thead>
<tbody>
{"".join(html for _, _, html in rows)}</tbody>
</table>
</body>
</html>
"""
    return write_text(outputs / "index.html", page)


def _row(
    outputs: Path,
    code: str,
    run: dict[str, Any] | None,
    result: dict[str, Any] | None,
    stage_list: Sequence[tuple[str, str]],
) -> tuple[str, str, str]:
    """(code, status, the row's HTML) for one unit."""
    run = run or {}
    try:
        known = registry.unit(code)
    except UnknownUnitError:
        name, phase, deadline = run.get("name", ""), "—", "—"
    else:
        name, phase, deadline = (
            run.get("name") or known.name,
            str(known.phase),
            _date(known.deadline),
        )
        if known.merged:  # records formed 1995–2021 name the old province (SPEC §2)
            name = f"{name} (nay thuộc {known.current_name})"
    status = run.get("status", "failed")
    error = run.get("error") or next(
        (s.get("error") for s in run.get("stages", []) if s.get("error")), None
    )
    if result is not None and result.get("status") != "ok":
        status, error = "failed", error or result.get("error")
    stages = {s.get("name"): s for s in run.get("stages", [])}
    cells = "".join(_stage_cell(outputs, code, stem, stages.get(name)) for name, stem in stage_list)
    label, css = STATUS.get(status, STATUS["failed"])
    finished = run.get("finished")
    html = (
        f"<tr><td>{escape(code)}</td><td>{escape(name)}</td><td>{escape(phase)}</td>"
        f'<td>{escape(deadline)}</td><td><span class="badge {css}">{escape(label)}</span></td>'
        f"{cells}<td>{escape(_iso(finished) if finished else '—')}</td>"
        f'<td class="error">{escape(error or "")}</td></tr>\n'
    )
    return code, status, html


def _stage_cell(outputs: Path, code: str, stem: str, stage: dict[str, Any] | None) -> str:
    """A link to the stage's report when it exists, coloured by the stage's status in this run."""
    status = stage.get("status") if stage else None
    report = f"{code}/reports/{stem}.html"
    if status == "skipped":
        return f'<td><span class="badge skipped">{escape(STATUS["skipped"][0])}</span></td>'
    if (outputs / report).is_file():
        # A report left by an earlier run (its stage not in this run.json) is linked uncoloured.
        css = STATUS.get(status, STATUS["failed"])[1] if stage else ""
        text = "Lỗi – xem báo cáo" if status == "failed" else "Xem báo cáo"
        return f'<td><a class="badge {css}" href="{escape(report)}">{escape(text)}</a></td>'
    return '<td class="none">—</td>'


def _national(outputs: Path) -> str:
    if not (outputs / NATIONAL_REPORT).is_file():
        return ""
    run = _read(outputs / "national" / "run.json")
    label, css = STATUS.get(run.get("status", "ok"), STATUS["failed"])
    return (
        f'<p><a href="{escape(NATIONAL_REPORT)}"><strong>Báo cáo toàn Ngành</strong></a> '
        f'<span class="badge {css}">{escape(label)}</span></p>'
    )


def _read(path: Path) -> dict[str, Any]:
    """A run.json's content; an unreadable one shows as a failed run, not a broken page."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {"status": "failed", "error": f"{path.name} unreadable: {exc}"}
    return data if isinstance(data, dict) else {"status": "failed", "error": "run.json malformed"}


def _date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")  # how Vietnamese readers write dates


def _when(moment: dt.datetime) -> str:
    """`14:05 ngày 30/11/2026 (+07:00)`: Vietnamese time; a naive moment is taken as local time."""
    moment = moment.astimezone(VIETNAM)
    return f"{moment.strftime('%H:%M ngày %d/%m/%Y')} (+07:00)"


def _headline(outputs: Path) -> str:
    """The programme's figures over the units run here: pages selected, digitized, signed."""
    import pandas as pd

    from sohoa_lib.common.vnformat import number, share
    from sohoa_lib.stats.progress import progress_by_unit

    units = progress_by_unit(outputs, clock.today(), [])
    units = units[units["reported"]]
    if units.empty:
        return ""
    total = {c: int(pd.to_numeric(units[c]).fillna(0).sum())
             for c in ("target_pages", "selected_pages", "digitized_pages", "signed_pages")}  # fmt: skip
    done = total["digitized_pages"] / total["selected_pages"] if total["selected_pages"] else None
    cards = [
        ("Đơn vị đã báo cáo", number(len(units)), "có kết quả thống kê, lựa chọn tài liệu"),
        ("Trang được chọn số hóa", number(total["selected_pages"]),
         f"mục tiêu tối thiểu 30%: {number(total['target_pages'])} trang"),
        ("Trang đã số hóa", number(total["digitized_pages"]), f"{share(done)} số trang được chọn"),
        ("Trang đã ký số", number(total["signed_pages"]), "đã ký và kiểm tra chữ ký"),
    ]  # fmt: skip
    body = "".join(
        f'<div class="card"><div class="l">{escape(label)}</div><div class="v">{escape(value)}'
        f'</div><div class="n">{escape(note)}</div></div>'
        for label, value, note in cards
    )
    return f'<div class="cards">{body}</div>'


def _iso(text: str) -> str:
    try:
        return _when(dt.datetime.fromisoformat(text))
    except ValueError:
        return text
