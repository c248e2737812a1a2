"""Demo inputs: inventories, scans and params files for the demo units, generated from a seed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from tqdm import tqdm

from sohoa_lib.common.files import atomic_path, write_text
from sohoa_lib.demo._inventory import add_mistakes, generate_inventory, typed_inventory
from sohoa_lib.demo._units import DEMO_UNITS, DemoUnit

__all__ = ["DEMO_UNITS", "DemoUnit", "unit_params", "write_demo_data"]

NEW_TARGET_DATE = {"central": "2027-06-30", "province": "2027-12-31"}
# The demo PKI issues one signing certificate: the Archive Centre's. Every demo unit signs with it.
ARCHIVE_ORG = "Trung tâm Lưu trữ BHXH Việt Nam"
PASSWORD_ENV = "SOHOA_KEY_PASSWORD"
# Demo units that keep the rule: flagged files wait for biên mục (the demo shows the waiting list
# and the review). The other demo units sign their unreviewed demo files knowingly
# (review.sign_unreviewed), as their sign report says, so the demo shows signed flagged files too.
REVIEWED_FIRST = ("TTLT",)


def unit_params(
    unit: DemoUnit, *, data: str, costs: str, pki: str, backups: str, indicators: str
) -> dict:
    """The params mapping of a demo unit; the path arguments are relative to the params file."""
    suffix = unit.inventory_format
    return {
        "unit": unit.code,
        "name": unit.name,
        "level": unit.level,
        "phase": 1,
        "deadline": "2023-12-30",
        "new_target_date": NEW_TARGET_DATE[unit.level],
        "profile": "tt05-2025",
        "inventory": f"{data}/inventory.{suffix}",
        "scans": f"{data}/scans",
        "statistics": f"{data}/statistics",
        "costs": costs,
        "indicators": indicators,
        "selection": {"target_share": 0.30, "year_from": 1995, "year_to": 2021},
        "capacity": {"scanners": unit.scanners, "staff": unit.staff, "pages_per_scanner_day": 1500},
        "signing": {
            "organisation": ARCHIVE_ORG,
            "pkcs12": f"{pki}/signer.p12",
            "password_env": PASSWORD_ENV,
            "trust_roots": [f"{pki}/ca.crt"],
            "demo_tsa": f"{pki}/tsa.p12",
            # The demo CA's CRL: revocation data offline, so the demo reaches B-LT and B-LTA.
            "revocation": [f"{pki}/ca.crl"],
        },
        "preservation": {"backups": [f"{backups}/copy-1", f"{backups}/copy-2"]},
    } | ({} if unit.code in REVIEWED_FIRST else {"review": {"sign_unreviewed": True}})


def write_demo_data(out: Path, *, seed: int = 1838, params_dir: Path) -> list[Path]:
    """Write every demo unit's inputs under `out/<UNIT>/` with its params file; return those files."""
    costs = params_dir / "costs.yaml"
    if not costs.is_file():
        from sohoa_lib.errors import ParamsError

        raise ParamsError(f"{costs}: cost norms not found (expected params/costs.yaml)")
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        from sohoa_lib.errors import ParamsError

        raise ParamsError(
            f"set {PASSWORD_ENV} to the password the demo signing key should have "
            "(make demo sets one for the demo key)"
        )
    from sohoa_lib.demo._pki import write_demo_pki

    # The demo's backup copies belong to the packages of the demo run before: a new demo signs
    # with a new key, and its packages would differ from those copies, which stage 3 rightly
    # fails until a person accepts them. Demo copies are the demo's own to reset.
    shutil.rmtree(out / "backups", ignore_errors=True)
    write_demo_pki(out / "pki", organisation=ARCHIVE_ORG, password=password)
    written = []
    for index, unit in enumerate(tqdm(DEMO_UNITS, desc="demo-data", disable=None)):
        folder = out / unit.code
        written.append(_write_unit(unit, folder, costs, np.random.default_rng([seed, index]), seed))
    return written


def _write_unit(
    unit: DemoUnit, folder: Path, costs: Path, rng: np.random.Generator, seed: int
) -> Path:
    from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
    from sohoa_lib.demo._statistics import write_demo_statistics

    clean = generate_inventory(unit, rng)
    scanned = _pick_scanned(clean, len(unit.scans))
    requests = []
    for position, (row, (fmt, pages, defects)) in enumerate(zip(scanned, unit.scans, strict=True)):
        last = position == len(unit.scans) - 1
        counted = pages + (unit.missing_pages if last else 0)
        clean.loc[row, ["so_trang", "so_to"]] = [counted, -(-counted // 2)]
        requests.append(
            ScanRequest(
                ma_ho_so=clean.at[row, "ma_ho_so"],
                parent=unit.parent,
                issuer=unit.issuer,
                place=unit.place,
                year=clean.at[row, "start"].year,
                pages=pages,
                image_format=fmt,
                defects=defects,
            )
        )
    typed = add_mistakes(typed_inventory(clean, unit, rng), unit)
    folder.mkdir(parents=True, exist_ok=True)
    inventory = folder / f"inventory.{unit.inventory_format}"
    with atomic_path(inventory) as tmp:
        if unit.inventory_format == "xlsx":
            typed.to_excel(tmp, index=False, sheet_name="Mục lục hồ sơ", engine="openpyxl")
        else:
            typed.to_csv(tmp, index=False, encoding="utf-8-sig")
    manifest = write_demo_scans(requests, folder / "scans", folder / "ground_truth", seed)
    with atomic_path(folder / "scans_manifest.csv") as tmp:
        manifest.to_csv(tmp, index=False, encoding="utf-8")
    write_demo_statistics(folder / "statistics", unit.code, rng)
    params = unit_params(unit, data=".", costs=os.path.relpath(costs, folder), pki="../pki",
                         backups="../backups",
                         indicators=os.path.relpath(costs.parent / "indicators.yaml", folder))  # fmt: skip
    path = folder / "params.yaml"
    write_text(path, _params_yaml(unit, params))
    return path


def _pick_scanned(clean: pd.DataFrame, count: int) -> list[int]:
    """The most used eligible files: the ones the selection takes first, so scanned first."""
    start_year = clean["start"].map(lambda d: d.year)
    eligible = (
        start_year.between(1995, 2021)
        & (clean["end_year"] <= 2021)
        & clean["da_chinh_ly"]
        & clean["thoi_han_bao_quan"].notna()
        & ~clean["mat"]
        & (clean["che_do_su_dung"] != "03")
        & ~clean["qppl"]
        & ~clean["da_co_dien_tu"]
    )
    top = clean[eligible].sort_values("so_luot_khai_thac", ascending=False, kind="stable")
    return list(top.index[:count])


def _params_yaml(unit: DemoUnit, params: dict) -> str:
    header = (
        f"# Params of {unit.name} ({unit.code}). Paths are relative to this file.\n"
        "# Signing secrets never go here: they come from the environment or a prompt.\n"
    )
    if "review" in params:
        header += (
            "# review.sign_unreviewed: DEMO DATA ONLY. Flagged files are signed without biên mục,\n"
            "# knowingly; the sign report says so. A real unit leaves it out (default: false).\n"
        )
    return header + yaml.safe_dump(params, allow_unicode=True, sort_keys=False)
