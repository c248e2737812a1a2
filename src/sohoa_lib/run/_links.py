"""Finish exported reports: a navigation bar, and a link on every output file a report names."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from html import escape
from pathlib import Path

from sohoa_lib.common.files import write_text

NAV_CSS = (
    "<style>.sh-nav{font-family:'Segoe UI',Roboto,'Noto Sans',Arial,sans-serif;font-size:.9rem;"
    "padding:.5rem 1rem;background:#f0f4f8;border-bottom:1px solid #d9e2ec}"
    ".sh-nav a{color:#0b69a3;margin-right:1.2rem}.sh-nav b{margin-right:1.2rem}</style>"
)
_NAV = re.compile(r"<nav class=\"sh-nav\">.*?</nav>", re.S)
_BODY = re.compile(r"<body[^>]*>")
# A file name as reports write it: `rejected.csv`, `archive/signed.csv`, `TTLT.2002.01.pdf`.
_MENTION = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w.-]+\.(?:csv|pdf|sqlite|json|xlsx))(?![\w/-])")
_TAG = re.compile(r"(<[^>]+>)")
# Elements whose text is not prose (or is a link already), skipped whole: scripts hold "<" too.
_OPAQUE = re.compile(r"<(script|style|head|a)\b.*?</\1\s*>", re.S | re.I)


def finish_reports(
    reports: Path,
    *,
    index: Path,
    titles: Mapping[str, str],
    bases: tuple[Path, ...],
    folders: Mapping[str, str] | None = None,
) -> None:
    """Give every report in `reports` the navigation bar and links to the files it names.

    `titles` maps a report's file stem to its label; `bases` are the folders a named file is looked
    for in, first match wins, after the report's own stage folder (`folders`: stem → folder name
    under the first base), so `summary.json` in the inventory report is the inventory's.
    Every href is relative, so a copied outputs folder still works. Only files that exist are
    linked: a link that leads nowhere is worse than none.
    """
    pages = sorted(reports.glob("*.html"))
    for page in pages:
        own = (folders or {}).get(page.stem)
        where = (bases[0] / own, *bases) if own and bases else bases
        text = page.read_text(encoding="utf-8")
        text = _NAV.sub("", text)
        nav = _nav(page, pages, index, titles)
        text = _BODY.sub(lambda m, nav=nav: m.group(0) + nav, text, count=1)
        text = link_mentions(text, page.parent, where)
        write_text(page, text)


def _nav(page: Path, pages: list[Path], index: Path, titles: Mapping[str, str]) -> str:
    items = []
    if index.is_file():
        items.append(f'<a href="{escape(_rel(index, page.parent))}">← Trang chính (mục lục)</a>')
    for other in pages:
        label = escape(f"{other.stem[:2]}. {titles.get(other.stem, other.stem)}")
        items.append(f"<b>{label}</b>" if other == page else f'<a href="{other.name}">{label}</a>')
    return f'{NAV_CSS}<nav class="sh-nav">{"".join(items)}</nav>'


def link_mentions(
    text: str, here: Path, bases: tuple[Path, ...], names: Mapping[str, Path] | None = None
) -> str:
    """Wrap each file name in the prose of `text` in a link to it, relative to folder `here`."""
    names = _names(bases) if names is None else names

    def prose(chunk: str) -> str:
        return "".join(
            part
            if part.startswith("<") or "." not in part
            else _MENTION.sub(lambda m: _anchor(m.group(1), here, bases, names), part)
            for part in _TAG.split(chunk)
        )

    out, pos = [], 0
    for found in _OPAQUE.finditer(text):
        out += [prose(text[pos : found.start()]), found.group(0)]
        pos = found.end()
    return "".join([*out, prose(text[pos:])])


def _anchor(mention: str, here: Path, bases: tuple[Path, ...], names: Mapping[str, Path]) -> str:
    target = next((b / mention for b in bases if (b / mention).is_file()), None)
    if target is None and "/" not in mention:
        target = names.get(mention)
    if target is None:
        return mention
    return f'<a href="{escape(_rel(target, here))}">{mention}</a>'


def _names(bases: tuple[Path, ...]) -> dict[str, Path]:
    """Bare file name → its shallowest copy under the first two bases (the stage's folder, then
    the unit's: `archive/x.pdf`, not the copy inside a package)."""
    found: dict[str, Path] = {}
    for base in bases[:2]:
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*"), key=lambda p: (len(p.parts), p.as_posix())):
            if path.suffix in {".csv", ".pdf", ".sqlite", ".json", ".xlsx"} and path.is_file():
                found.setdefault(path.name, path)
    return found


def _rel(target: Path, here: Path) -> str:
    return Path(os.path.relpath(target, here)).as_posix()
