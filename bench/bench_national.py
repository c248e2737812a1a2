"""Benchmark: the national catalogue at the sector's scale, SQLite and PostgreSQL side by side.

Generated data, not the demo: `--provinces` unit catalogues (34 by default, today's provinces) of
`--docs` documents each (100,000 by default), one page of a few lines of Vietnamese text per
document, ten documents per hồ sơ, written straight into the unit schema with executemany.
Measures the full merge, the incremental merge after one province changes, search latency
(p50/p95 over ten typical queries), the catalogue's size and the merging process's peak memory.
PostgreSQL runs in a throwaway cluster (as tests/pg.py starts it); without PostgreSQL installed
its column says so.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the throwaway cluster of the tests

QUERIES = (
    "bảo hiểm xã hội",  # diacritics, in almost every document: the exact check's worst case
    "bao hiem that nghiep",  # no diacritics: any spelling
    "quyết định nâng lương",
    "so hoa tai lieu",
    '"truy thu bảo hiểm"',  # phrase with diacritics
    '"thu hoi tien"',  # phrase without
    "1234/QĐ-BHXH",  # number and symbol
    "Nguyễn Thị Hoa",  # a signer
    "lương hưu*",  # prefix
    "chế độ thai sản năm 2015",
)
REPEAT = 3
"""Timed runs per query, after one warm-up run (--repeat)."""
DOCS_PER_FILE = 10

# A few lines of the sector's administrative prose; pages are random choices of them.
_LINES = (
    "Căn cứ Luật Bảo hiểm xã hội số 58/2014/QH13 ngày 20 tháng 11 năm 2014;",
    "Bảo hiểm xã hội tỉnh đề nghị đơn vị sử dụng lao động truy thu bảo hiểm xã hội bắt buộc.",
    "Về việc giải quyết chế độ thai sản cho người lao động tại doanh nghiệp.",
    "Quyết định nâng lương đối với viên chức Phòng Quản lý thu năm {year}.",
    "Thông báo kết quả đóng bảo hiểm xã hội, bảo hiểm y tế, bảo hiểm thất nghiệp.",
    "Biên bản kiểm tra việc chấp hành pháp luật về bảo hiểm xã hội tại đơn vị.",
    "Danh sách người lao động đề nghị hưởng lương hưu hằng tháng từ tháng {month}/{year}.",
    "Công văn hướng dẫn thu hồi tiền hưởng trợ cấp thất nghiệp chi sai quy định.",
    "Kế hoạch số hóa tài liệu lưu trữ giai đoạn 2023–2025 theo Kế hoạch 1838/KH-BHXH.",
    "Báo cáo tình hình thực hiện chính sách bảo hiểm y tế học sinh, sinh viên.",
    "Tờ trình phê duyệt dự toán chi quản lý bộ máy năm {year}.",
    "Giám đốc Bảo hiểm xã hội huyện chịu trách nhiệm thi hành Quyết định này.",
    "Hợp đồng khám bệnh, chữa bệnh bảo hiểm y tế với bệnh viện đa khoa tỉnh.",
    "Nơi nhận: Như Điều 3; Lưu: VT, TCCB.",
)
_TYPES = ("Quyết định", "Công văn", "Thông báo", "Báo cáo", "Kế hoạch", "Biên bản", "Tờ trình")
_SYMBOLS = ("QĐ-BHXH", "BHXH-TCCB", "TB-BHXH", "BC-BHXH", "KH-BHXH", "BB-BHXH", "TTr-BHXH")
_NAMES = ("Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Minh Đức", "Phạm Thu Hương", "Hoàng Văn Nam",
          "Vũ Thị Lan", "Đặng Quốc Hùng", "Bùi Thanh Sơn")  # fmt: skip


# ---- generated unit catalogues -------------------------------------------------------------


def write_unit(path: Path, unit: str, docs: int, seed: int) -> None:
    """A unit catalogue of `docs` documents in the unit schema, bulk-inserted."""
    from sohoa_lib.catalog import db as catalog
    from sohoa_lib.common.text import fold

    rng = random.Random(seed)
    conn = catalog.open_catalog(path)
    conn.execute("PRAGMA synchronous = OFF")
    files, documents, pages, fts = [], [], [], []
    for d in range(docs):
        f, seq = divmod(d, DOCS_PER_FILE)
        year = 1995 + (f % 27)
        code = f"{unit}.{year}.{f:05d}"
        if seq == 0:
            title = f"Hồ sơ {rng.choice(_TYPES).lower()} về bảo hiểm xã hội năm {year}"
            files.append((unit, code, title, "01", "01", "01", f"{year}-01-01", None,
                          DOCS_PER_FILE, DOCS_PER_FILE, DOCS_PER_FILE, "01", None, None, "02",
                          None, None, None, None, None, 0, "ok"))  # fmt: skip
            file_text = fold(title)
        kind, symbol = rng.choice(list(zip(_TYPES, _SYMBOLS, strict=True)))
        number, signer = str(rng.randint(1, 9999)), rng.choice(_NAMES)
        summary = rng.choice(_LINES).format(year=year, month=rng.randint(1, 12))
        text = " ".join(
            rng.choice(_LINES).format(year=year, month=rng.randint(1, 12)) for _ in range(4)
        )
        ma = f"{code}.{seq + 1:02d}"
        documents.append((len(documents) + 1, unit, ma, code, seq + 1, kind, number, symbol,
                          f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                          f"Bảo hiểm xã hội tỉnh {unit}", summary, "01", 1, seq + 1, seq + 1,
                          None, None, None, "01", "02", None, "01", signer, "Giám đốc", None,
                          None))  # fmt: skip
        pages.append((unit, code, seq + 1, seq + 1, text, 90.0))
        title_text = " · ".join((kind, number, symbol, summary, f"Bảo hiểm xã hội tỉnh {unit}",
                                 signer, "Giám đốc", ma))  # fmt: skip
        fts.append((len(fts) + 1, fold(title_text), fold(text), file_text))
    with catalog.transaction(conn):
        conn.executemany(_insert("files", catalog.FILE_COLUMNS), files)
        marks = ", ".join("?" * (len(catalog.DOCUMENT_COLUMNS) + 2))
        conn.executemany(f"INSERT INTO documents VALUES ({marks})", documents)
        conn.executemany(_insert("pages", catalog.PAGE_COLUMNS), pages)
        conn.executemany("INSERT INTO doc_fts (rowid, title, body, ho_so) VALUES (?, ?, ?, ?)",
                         fts)  # fmt: skip
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _write_unit(args: tuple) -> None:
    write_unit(*args)


def generate(folder: Path, provinces: int, docs: int) -> list[Path]:
    jobs = [(folder / f"P{i:02d}" / "catalog.sqlite", f"P{i:02d}", docs, i)
            for i in range(1, provinces + 1)]  # fmt: skip
    with multiprocessing.Pool(os.cpu_count() or 1) as pool:
        pool.map(_write_unit, jobs)
    return [job[0] for job in jobs]


# ---- measuring -----------------------------------------------------------------------------


def _merge_child(kind: str, sources: list[Path], where: str, queue) -> None:
    from sohoa_lib.catalog import incremental
    from sohoa_lib.catalog import postgres as catalog_pg

    start = time.perf_counter()
    if kind == "sqlite":
        report = incremental.merge_sqlite(sources, Path(where))
    else:
        report = catalog_pg.merge_pg(sources, where)
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, peak_mib, len(report.merged)))


def timed_merge(kind: str, sources: list[Path], where: str) -> tuple[float, float, int]:
    """Merge in a child process: its own peak RSS, not the benchmark's."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_merge_child, args=(kind, sources, where, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def _insert(table: str, columns) -> str:
    """An INSERT of `unit` and `columns` (the catalogue's own constants), every value bound."""
    marks = ", ".join("?" * (len(columns) + 1))
    return f"INSERT INTO {table} (unit, {', '.join(columns)}) VALUES ({marks})"


def latencies(kind: str, where: str, repeat: int) -> dict[str, tuple[list[float], int]]:
    from sohoa_lib.catalog import db as catalog
    from sohoa_lib.catalog import postgres as catalog_pg
    from sohoa_lib.catalog.schema import open_readonly

    if kind == "sqlite":
        conn = open_readonly(Path(where))
        found = catalog.found
    else:
        conn = catalog_pg.connect(where)
        found = catalog_pg.found
    out = {}
    try:
        for query in QUERIES:
            found(conn, query)  # warm the cache: the steady state is what users meet
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                result = found(conn, query)
                times.append(time.perf_counter() - start)
            out[query] = (times, result.total)
    finally:
        conn.close()
    return out


def change_one(source: Path, unit: str) -> None:
    """A re-digitized hồ sơ in one province: its catalogue (and checksum) changes."""
    from sohoa_lib.catalog import db as catalog

    conn = catalog.open_catalog(source)
    catalog.write_file(
        conn, unit=unit,
        file={"ma_ho_so": f"{unit}.2024.99999", "tieu_de": "Hồ sơ bổ sung", "needs_rescan": False},
        documents=[{"ma_dinh_danh": f"{unit}.2024.99999.01", "so_thu_tu": 1,
                    "trich_yeu": "Quyết định tuyển dụng viên chức", "trang_dau": 1,
                    "trang_cuoi": 1}],
        pages=[{"so_trang": 1, "text": "Quyết định tuyển dụng viên chức năm 2024"}],
    )  # fmt: skip
    conn.close()


def pg_size(url: str) -> int:
    from sohoa_lib.catalog import postgres as catalog_pg

    with catalog_pg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--docs", type=int, default=100_000, help="documents per province")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="timed runs per query")
    parser.add_argument("--no-search", action="store_true", help="merges, size and memory only")
    args = parser.parse_args()
    total = args.provinces * args.docs
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-national-") as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        start = time.perf_counter()
        sources = generate(base / "outputs", args.provinces, args.docs)
        generated = time.perf_counter() - start
        unit_bytes = sum(p.stat().st_size for p in sources)
        print(f"{args.provinces} tỉnh × {args.docs:,} văn bản = {total:,} văn bản; "
              f"sinh dữ liệu {generated:.0f} s, {unit_bytes / 2**30:.2f} GiB mục lục đơn vị",
              flush=True)  # fmt: skip
        columns: dict[str, dict] = {}
        for kind in ("sqlite", "postgresql"):
            cluster = None
            if kind == "sqlite":
                where = str(base / "outputs" / "national" / "catalog.sqlite")
            else:
                try:
                    import pg

                    cluster = pg.Cluster(pg._binaries()) if pg._binaries() else None
                    if cluster is None:
                        raise RuntimeError("PostgreSQL is not installed")
                    cluster.start()
                    where = cluster.new_database()
                    os.environ["SOHOA_DATABASE_PASSWORD"] = pg.PASSWORD
                except Exception as exc:
                    print(f"PostgreSQL: not measured ({exc})", file=sys.stderr)
                    if cluster:
                        cluster.stop()
                    continue
            try:
                full_s, full_mib, _ = timed_merge(kind, sources, where)
                print(f"{kind}: full merge {full_s:.1f} s", flush=True)
                size = Path(where).stat().st_size if kind == "sqlite" else pg_size(where)
                columns[kind] = {"full": full_s, "full_mib": full_mib, "size": size}
                if not args.no_search:
                    columns[kind]["search"] = latencies(kind, where, args.repeat)
                    print(f"{kind}: searched", flush=True)
                changed = sources[len(sources) // 2]
                change_one(changed, changed.parent.name)
                inc_s, inc_mib, merged = timed_merge(kind, sources, where)
                columns[kind] |= {"inc": inc_s, "inc_mib": inc_mib, "inc_units": merged}
                # Put the province back so the next backend sees what this one saw.
                _restore(changed, kind)
            finally:
                if cluster:
                    cluster.stop()
        _print(columns, args, total)
    return 0


def _restore(source: Path, kind: str) -> None:
    from sohoa_lib.catalog import db as catalog

    conn = catalog.open_catalog(source)
    with catalog.transaction(conn):
        unit = source.parent.name
        conn.execute("DELETE FROM doc_fts WHERE rowid IN (SELECT id FROM documents WHERE "
                     "ma_ho_so = ?)", (f"{unit}.2024.99999",))  # fmt: skip
        conn.execute("DELETE FROM files WHERE ma_ho_so = ?", (f"{unit}.2024.99999",))
    conn.close()


def _print(columns: dict, args, total: int) -> None:
    kinds = [k for k in ("sqlite", "postgresql") if k in columns]
    rows = [
        ("full merge (s)", lambda c: f"{c['full']:.1f}"),
        ("docs/s, full merge", lambda c: f"{total / c['full']:,.0f}"),
        ("incremental, 1 province changed (s)", lambda c: f"{c['inc']:.1f}"),
        ("units re-merged", lambda c: str(c["inc_units"])),
        ("catalogue size (GiB)", lambda c: f"{c['size'] / 2**30:.2f}"),
        ("peak RSS, merging process (MiB)", lambda c: f"{max(c['full_mib'], c['inc_mib']):.0f}"),
    ]
    searched = all("search" in columns[k] for k in kinds)
    every = {k: [t for times, _ in columns[k].get("search", {}).values() for t in times]
             for k in kinds}  # fmt: skip
    print(f"\nNational catalogue: {args.provinces} provinces × {args.docs:,} documents "
          f"= {total:,}\n")  # fmt: skip
    width = 38
    print(f"{'':{width}}" + "".join(f"{k:>14}" for k in kinds))
    for label, cell in rows:
        print(f"{label:{width}}" + "".join(f"{cell(columns[k]):>14}" for k in kinds))
    if not searched:
        print("\n(search not measured: --no-search)")
        return
    for label, share in (("search p50, all queries (ms)", 0.5), ("search p95, all queries (ms)",
                                                                  0.95)):  # fmt: skip
        print(f"{label:{width}}" + "".join(f"{percentile(every[k], share) * 1000:>14.0f}"
                                           for k in kinds))  # fmt: skip
    print(f"\n{'query (p50 ms / documents found)':{width}}" + "".join(f"{k:>20}" for k in kinds))
    for query in QUERIES:
        cells = []
        for k in kinds:
            times, found = columns[k]["search"][query]
            cells.append(f"{statistics.median(times) * 1000:>10.0f} / {found:<7,}")
        print(f"{query:{width}}" + "".join(f"{c:>20}" for c in cells))
    print("\nPostgreSQL's size is pg_database_size; its server's memory is not in the RSS above.")


if __name__ == "__main__":
    sys.exit(main())
