"""Benchmark: signing at each PAdES level, verification and renewal per file, share per page."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "bench" / "digitize"
FILES = 12
PASSWORD = "bench-only"


def main() -> int:
    import os

    from PIL import Image

    from sohoa_lib.demo._pki import write_demo_pki
    from sohoa_lib.pdf.pdfa import PdfPage, build_pdfa
    from sohoa_lib.preserve.renew import Renewer
    from sohoa_lib.settings import Signing
    from sohoa_lib.sign.pades import Session
    from sohoa_lib.sign.verify import verify_pdf

    scans = sorted((DATA / "scans").rglob("*.png"))[:FILES]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not scans:  # bench_digitize.py not run: demo letters of one page instead
            scans = _demo_pages(tmp / "scans")
        pki = write_demo_pki(tmp / "pki", organisation="Trung tâm Lưu trữ BHXH Việt Nam",
                             password=PASSWORD)  # fmt: skip
        sources = []
        for i, scan in enumerate(scans):
            dpi = Image.open(scan).info.get("dpi", (300, 300))
            out = tmp / f"in-{i:02d}.pdf"
            build_pdfa([PdfPage(scan, 0, (float(dpi[0]), float(dpi[1])), None)], out,
                       xmp={"file": {"ma_ho_so": f"BENCH.{i}"}, "document": None}, title="bench")  # fmt: skip
            sources.append(out)
        os.environ["SOHOA_BENCH_PW"] = PASSWORD
        rows = {}
        tsa = {"demo_tsa": pki["tsa"]}
        long_term = {**tsa, "revocation": (pki["crl"],)}
        levels = (
            ("B-B", {}),
            ("B-T", tsa),
            ("B-LT", {**long_term, "document_timestamp": False}),
            ("B-LTA", long_term),
        )
        for level, extra in levels:
            settings = Signing(organisation="Trung tâm Lưu trữ BHXH Việt Nam", pkcs12=pki["signer"],
                               password_env="SOHOA_BENCH_PW", trust_roots=(pki["ca_cert"],), **extra)  # fmt: skip
            start = time.perf_counter()
            with Session(settings, "tt05-2025", prompt=None) as session:
                opened = time.perf_counter() - start
                t = time.perf_counter()
                signed = [session.sign(src, tmp / f"{level}-{src.name}").path for src in sources]
                per_file = (time.perf_counter() - t) / len(sources)
            t = time.perf_counter()
            verdicts = [verify_pdf(p, [pki["ca_cert"]]) for p in signed]
            verify_per_file = (time.perf_counter() - t) / len(signed)
            assert all(v.ok for v in verdicts), [v.reason for v in verdicts if not v.ok]
            rows[level] = (opened, per_file, verify_per_file)
        # Renewal: a fresh DSS and document timestamp on each B-LTA file (sohoa preserve renew).
        renewer = Renewer(settings, prompt=None)
        t = time.perf_counter()
        for path in signed:
            renewer.renew(path)
        renew_per_file = (time.perf_counter() - t) / len(signed)
    print(f"{FILES} one-page PDF/A files (A4, 300 dpi), one key session\n")
    print(f"{'level':<6}{'session open s':>15}{'sign files/s':>14}{'ms/file':>9}"
          f"{'verify files/s':>16}{'ms/file':>9}")  # fmt: skip
    for level, (opened, sign, verify) in rows.items():
        print(f"{level:<6}{opened:>15.2f}{1 / sign:>14.1f}{sign * 1000:>9.0f}"
              f"{1 / verify:>16.1f}{verify * 1000:>9.0f}")  # fmt: skip
    print(f"renewal (DSS + document timestamp, B-LTA file): {renew_per_file * 1000:.0f} ms/file")
    results = DATA / "results.json"
    if results.exists():
        stage2 = json.loads(results.read_text())["sohoa_seconds_per_page"]
        for level, (_, sign, verify) in rows.items():
            share = (sign + verify) / (stage2 + sign + verify)
            print(f"{level}: signing and verifying a one-page file is {share:.1%} of the time per "
                  f"page (stage 2: {stage2:.2f} s/page)")  # fmt: skip
    return 0


def _demo_pages(folder: Path) -> list[Path]:
    from sohoa_lib.demo._scans import ScanRequest, write_demo_scans

    requests = [
        ScanRequest(
            f"BENCH.{i}",
            parent="BẢO HIỂM XÃ HỘI VIỆT NAM",
            issuer="TRUNG TÂM LƯU TRỮ",
            place="Hà Nội",
            year=1998,
            pages=1,
            image_format="png",
        )
        for i in range(FILES)
    ]
    manifest = write_demo_scans(requests, folder, folder.parent / "truth", seed=7)
    return [folder / name for name in manifest["file"]]


if __name__ == "__main__":
    sys.exit(main())
