"""Report tables stay short: a capped table says how many rows there are and links the full CSV."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from sohoa_lib.reports import blocks as r
from sohoa_lib.reports import digitize
from sohoa_lib.run import _links


def _files(n: int) -> pd.DataFrame:
    return pd.DataFrame({"ma_ho_so": [f"TTLT.{i:05d}" for i in range(n)], "tieu_de": "Hồ sơ",
                         "trang_thai": digitize.STATUS_DONE, "so_trang_muc_luc": 3,
                         "so_trang_quet": 3, "so_van_ban": 1, "ly_do": ""})  # fmt: skip


def test_a_long_table_shows_the_cap_the_total_and_the_csv() -> None:
    html = digitize.files(SimpleNamespace(files=_files(1234))).text
    assert html.count("<tr") == r.ROWS_SHOWN + 1  # header row + capped rows
    assert "TTLT.00049" in html and "TTLT.00050" not in html
    assert "trong tổng số 1.234 dòng" in html and "digitize/files.csv" in html


def test_a_short_table_is_whole_and_says_nothing_more() -> None:
    html = digitize.files(SimpleNamespace(files=_files(3))).text
    assert html.count("<tr") == 4 and "tổng số" not in html


def test_failing_pages_are_capped_too(tmp_path: Path) -> None:
    pages = pd.DataFrame({"dat": False, "tep": [f"p{i}.png" for i in range(70)],
                          "ly_do": "trang trắng", "anh_thu_nho": ""})  # fmt: skip
    html = digitize._failing_pages(SimpleNamespace(pages=pages, root=tmp_path)).text
    assert html.count("<b>p") == r.ROWS_SHOWN and "trong tổng số 70 dòng" in html


def test_the_csv_named_under_a_capped_table_becomes_a_link(tmp_path: Path) -> None:
    unit = tmp_path / "TTLT"
    (unit / "digitize").mkdir(parents=True)
    (unit / "digitize" / "files.csv").write_text("ma_ho_so\n", encoding="utf-8")
    (unit / "reports").mkdir()
    html = digitize.files(SimpleNamespace(files=_files(60))).text
    linked = _links.link_mentions(html, unit / "reports", (unit, tmp_path))
    assert re.search(r'<a href="\.\./digitize/files\.csv">digitize/files\.csv</a>', linked)
