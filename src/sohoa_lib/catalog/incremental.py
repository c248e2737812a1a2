"""The national catalogue kept up to date unit by unit: only catalogues whose checksum changed merge.

Each unit's rows are replaced in one transaction, so a unit whose catalogue cannot be read keeps
the rows of its last good merge and is named in the problems. The same recipe drives the SQLite
national catalogue (here) and the PostgreSQL one (catalog.postgres).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sohoa_lib.catalog.merge import copy_rows
from sohoa_lib.catalog.schema import (
    CATALOG_NAME,
    NATIONAL,
    check_current,
    open_connection,
    transaction,
)
from sohoa_lib.errors import InputError

MERGED_UNITS = (
    "CREATE TABLE IF NOT EXISTS merged_units (\n  unit TEXT PRIMARY KEY,\n"
    "  sha256 TEXT NOT NULL,\n  documents INTEGER NOT NULL,\n  merged_at TEXT NOT NULL\n)"
)
"""One row per unit whose catalogue is in the national one: the checksum of what was merged."""


@dataclass(frozen=True)
class MergeReport:
    """What one national merge did."""

    units: tuple[str, ...]
    """Units whose rows are in the national catalogue now (a failed unit keeps its old rows)."""
    merged: tuple[str, ...]
    """Units (re)merged this time: new, or their catalogue's checksum changed."""
    unchanged: tuple[str, ...]
    """Units skipped: same checksum as at their last merge."""
    failed: dict[str, str] = field(default_factory=dict)
    """Unit → why its catalogue could not be merged (Vietnamese, names the file)."""
    removed: tuple[str, ...] = ()
    """Units whose catalogue is gone from the outputs, so their rows were removed."""


class Store(Protocol):
    """A national catalogue the merge writes into (SQLite file or PostgreSQL database)."""

    def recorded(self) -> dict[str, str]:
        """Unit → SHA-256 of the catalogue last merged for it."""

    def replace_unit(self, unit: str, source: Path, digest: str) -> None:
        """Replace `unit`'s rows with `source`'s in one transaction; InputError leaves them."""

    def remove_unit(self, unit: str) -> None:
        """Delete `unit`'s rows and its merged_units row, in one transaction."""

    def finish(self, changed: bool) -> None:
        """Tidy after a merge (index maintenance) and close."""


def checksum(source: Path) -> str:
    """SHA-256 of a unit's catalogue, with its write-ahead log when one is beside it: a unit
    catalogue is in WAL mode and its latest rows may not be in the main file yet."""
    digest = hashlib.sha256()
    for path in (source, source.with_name(source.name + "-wal")):
        if path is source or path.is_file():
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def unit_sources(outputs: Path) -> list[Path]:
    """Every unit's catalogue under `outputs`, sorted (the national folder's own excluded)."""
    return sorted(p for p in Path(outputs).glob(f"*/{CATALOG_NAME}") if p.parent.name != NATIONAL)


def merge_units(sources: Sequence[Path], store: Store) -> MergeReport:
    """Bring `store` up to date with `sources` (each `<outputs>/<UNIT>/catalog.sqlite`)."""
    recorded = store.recorded()
    by_unit = {Path(p).parent.name: Path(p) for p in sources}
    merged, unchanged, failed = [], [], {}
    try:
        for unit, source in sorted(by_unit.items()):
            try:
                digest = checksum(source)
            except OSError as exc:
                failed[unit] = f"{source}: không đọc được mục lục dữ liệu: {exc.strerror or exc}"
                continue
            if recorded.get(unit) == digest:
                unchanged.append(unit)
                continue
            try:
                store.replace_unit(unit, source, digest)
            except InputError as exc:
                kept = " (giữ các dòng của lần gộp trước)" if unit in recorded else ""
                failed[unit] = f"{exc}{kept}"
                continue
            merged.append(unit)
        removed = sorted(set(recorded) - set(by_unit))
        for unit in removed:
            store.remove_unit(unit)
        units = tuple(sorted(store.recorded()))
    finally:
        store.finish(changed=bool(merged or removed))
    return MergeReport(units, tuple(merged), tuple(unchanged), failed, tuple(removed))


def now() -> str:
    """The time of a merge as merged_units records it (UTC, to the second)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# ---- SQLite --------------------------------------------------------------------------------


class SqliteStore:
    """The national catalogue as one SQLite file, updated in place unit by unit."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.conn = open_connection(self.path, wal=False) if self._exists() else self._create()
        except InputError:
            # Derived data: a national file that cannot be opened is rebuilt from the units.
            self.path.unlink(missing_ok=True)
            self.conn = self._create()
        self.conn.execute(MERGED_UNITS)
        self.rebuilt = not self.recorded()

    def _exists(self) -> bool:
        return self.path.is_file()

    def _create(self) -> sqlite3.Connection:
        # No WAL: the national file is read by many, possibly from read-only storage, so it
        # must stay one self-contained file.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return open_connection(self.path, wal=False)

    def recorded(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT unit, sha256 FROM merged_units"))

    def replace_unit(self, unit: str, source: Path, digest: str) -> None:
        conn = self.conn
        try:
            conn.execute("ATTACH DATABASE ? AS src", (f"{source.resolve().as_uri()}?mode=ro",))
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{source}: không mở được mục lục dữ liệu: {exc}") from None
        try:
            check_current(conn, source, "src")
            only_unit(conn, unit, source)
            with transaction(conn):
                _delete_unit(conn, unit)
                copy_rows(conn)
                documents = conn.execute(
                    "SELECT count(*) FROM documents WHERE unit = ?", (unit,)
                ).fetchone()[0]
                conn.execute(
                    "INSERT OR REPLACE INTO merged_units VALUES (?, ?, ?, ?)",
                    (unit, digest, documents, now()),
                )
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{source}: không gộp được mục lục dữ liệu: {exc}") from None
        finally:
            conn.execute("DETACH DATABASE src")

    def remove_unit(self, unit: str) -> None:
        with transaction(self.conn):
            _delete_unit(self.conn, unit)

    def finish(self, changed: bool) -> None:
        try:
            if changed and self.rebuilt:
                # Built from nothing: one index segment, as the full merge leaves it. Later
                # merges touch one unit's rows and leave the segments to FTS5's automerge.
                self.conn.execute("INSERT INTO doc_fts (doc_fts) VALUES ('optimize')")
        finally:
            self.conn.close()


def only_unit(conn: sqlite3.Connection, unit: str, source: Path, files: str = "src.files") -> None:
    """Refuse a catalogue holding rows of another unit: replacing by unit would mix them.
    `files` is the source's files table as `conn` sees it (attached as `src`, or its own)."""
    others = [
        u
        for (u,) in conn.execute(
            f"SELECT DISTINCT unit FROM {files} WHERE unit != ? LIMIT 3", (unit,)
        )
    ]
    if others:
        raise InputError(
            f"{source}: mục lục dữ liệu của đơn vị {unit} chứa hồ sơ của đơn vị khác "
            f"({', '.join(others)}); không gộp"
        )


def _delete_unit(conn: sqlite3.Connection, unit: str) -> None:
    conn.execute(
        "DELETE FROM doc_fts WHERE rowid IN (SELECT id FROM documents WHERE unit = ?)", (unit,)
    )
    # Cascades to documents, pages and flags; the review history has no foreign key.
    conn.execute("DELETE FROM files WHERE unit = ?", (unit,))
    conn.execute("DELETE FROM reviews WHERE unit = ?", (unit,))
    conn.execute("DELETE FROM merged_units WHERE unit = ?", (unit,))


def merge_sqlite(sources: Sequence[Path], out: Path) -> MergeReport:
    """Bring the national SQLite catalogue `out` up to date with the units' `sources`."""
    return merge_units(sources, SqliteStore(out))
