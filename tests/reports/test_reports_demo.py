"""The demo's reports as a reviewer gets them: navigation, working links, Vietnamese time, short tables."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"href", "src"} and value and tag in {"a", "img", "link", "script"}:
                self.links.append(value)


def links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


@pytest.fixture
def copied(demo_reports: Path) -> Path:
    return demo_reports


def test_every_link_resolves_relative_to_the_copy(copied: Path) -> None:
    pages = [copied / "index.html", *sorted(copied.glob("*/reports/*.html"))]
    assert len(pages) == 6
    for page in pages:
        for link in links(page):
            parts = urlsplit(link)
            if parts.scheme == "data" or link.startswith("#"):
                continue
            assert not parts.scheme and not os.path.isabs(parts.path), (page.name, link)
            assert (page.parent / unquote(parts.path)).is_file(), (page.name, link)


def test_reports_link_the_index_each_other_and_the_files_they_name(copied: Path) -> None:
    inventory = copied / "HP" / "reports" / "01_inventory.html"
    found = set(links(inventory))
    assert {"../../index.html", "02_digitize.html", "03_sign.html", "04_statistics.html"} <= found
    assert {"../inventory/rejected.csv", "../inventory/summary.json"} <= found
    sign = set(links(copied / "HP" / "reports" / "03_sign.html"))
    assert any(re.fullmatch(r"\.\./archive/HP\.[\w.]+\.pdf", link) for link in sign)
    national = set(links(copied / "national" / "reports" / "05_national.html"))
    assert "../../index.html" in national and "../problems.csv" in national


def test_times_shown_are_vietnamese_with_headline_figures(copied: Path) -> None:
    index = (copied / "index.html").read_text(encoding="utf-8")
    assert "(+07:00)" in index and "UTC" not in index
    assert "Trang đã số hóa" in index and "Trang được chọn số hóa" in index
    sign = (copied / "HP" / "reports" / "03_sign.html").read_text(encoding="utf-8")
    assert "+00:00" not in sign
    assert re.search(r"Hiệu lực từ</td><td>\d\d:\d\d:\d\d ngày \d\d/\d\d/\d{4} \(\+07:00\)", sign)


def test_progress_bars_stay_out_of_reports_and_outputs(copied: Path) -> None:
    for page in sorted(copied.glob("HP/reports/*.html")):
        text = page.read_text(encoding="utf-8")
        assert "widget-view" not in text and "trang/s" not in text and "it/s" not in text
    assert (
        not (copied / "HP" / ".progress.json").exists() and not (copied / "HP" / ".stage").exists()
    )
    digitize = (copied / "HP" / "notebooks" / "02_digitize.ipynb").read_text(encoding="utf-8")
    assert "Nhận dạng chữ (OCR)" in digitize  # the analyst's notebook did show the bar


def test_reports_speak_vietnamese(copied: Path) -> None:
    digitize = (copied / "HP" / "reports" / "02_digitize.html").read_text(encoding="utf-8")
    sign = (copied / "HP" / "reports" / "03_sign.html").read_text(encoding="utf-8")
    for text in (digitize, sign):
        assert "Chuẩn áp dụng: Thông tư 05/2025/TT-BNV" in text and "tt05-2025" not in text
        assert "No description has been provided" not in text
    assert "upstream" not in digitize and "Debian package" not in digitize
