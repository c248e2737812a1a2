"""Publication: compiled indicators as CSV with a data dictionary, and as SDMX-CSV 2.0."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sohoa_lib.common.files import write_csv, write_text
from sohoa_lib.records.registry import current_units
from sohoa_lib.stats.compile import NATIONAL, Definition, as_definitions, parse_period

DATAFLOW = "VSS:DF_SOHOA(1.0)"
"""Agency VSS (Vietnam Social Security), dataflow DF_SOHOA, version 1.0."""
NATIONAL_AREA = "VN"
TOTAL = "_T"
"""SDMX's code for "no breakdown" (total)."""
DIMENSIONS = ("INDICATOR", "REF_AREA", "TIME_PERIOD", "BREAKDOWN")
SDMX_COLUMNS = ("STRUCTURE", "STRUCTURE_ID", "ACTION", *DIMENSIONS, "OBS_VALUE", "UNIT_MEASURE")
DEFAULT_SOURCE = "Báo cáo thống kê của các đơn vị BHXH (Quyết định 341/QĐ-BHXH)"

_RULE_TEXT = {
    "sum": "Tổng các đơn vị",
    "weighted_mean": "Bình quân gia quyền theo {weight}",
    "ratio": "{numerator} / {denominator}",
}


def data_dictionary(
    definitions: Mapping[str, object], *, source: str = DEFAULT_SOURCE
) -> pd.DataFrame:
    """One row per indicator: code, name, unit, definition (how it rolls up), source."""
    defs = as_definitions(definitions)
    rows = []
    for code, d in defs.items():
        raw = definitions[code]
        own = raw.get if isinstance(raw, Mapping) else lambda k, r=raw: getattr(r, k, None)
        rows.append(
            {
                "code": code,
                "name": d.name,
                "unit": d.unit_of_measure,
                "definition": own("definition") or _rule_text(d, defs),
                "source": own("source") or source,
            }
        )
    return pd.DataFrame(rows, columns=["code", "name", "unit", "definition", "source"])


def _rule_text(d: Definition, defs: Mapping[str, Definition]) -> str:
    names = {
        k: defs[getattr(d, k)].name
        for k in ("weight", "numerator", "denominator")
        if getattr(d, k) in defs
    }
    text = _RULE_TEXT[d.rule].format(**names)
    return f"{text} × {d.scale:g}" if d.rule == "ratio" and d.scale != 1 else text


def to_sdmx_frame(
    compiled: pd.DataFrame, definitions: Mapping[str, object], *, dataflow: str = DATAFLOW
) -> pd.DataFrame:
    """The observations as SDMX-CSV 2.0 rows (strings), one per area, period and breakdown.

    Areas are today's units and `VN` for the nation, plus the merged historical units (HD, BG, …)
    so their old series stay published. A unit's own pre-2025 row under a code that is still in
    use (HP alone, before HD joined) is left out: it would share the REF_AREA of today's unit.
    """
    defs = as_definitions(definitions)
    current = set(current_units())
    level, unit = compiled["level"], compiled["unit"]
    keep = (level == NATIONAL) | (level == "province") | ((level == "unit") & ~unit.isin(current))
    rows = compiled[keep & compiled["value"].notna()]
    for period in set(rows["period"]):
        parse_period(period)  # SDMX time format is the same text; reject anything else here
    area = rows["unit"].where(rows["level"] != NATIONAL, NATIONAL_AREA)
    frame = pd.DataFrame(
        {
            "STRUCTURE": "dataflow",
            "STRUCTURE_ID": dataflow,
            "ACTION": "I",  # information: the file is the whole dataset, not an update
            "INDICATOR": rows["indicator"],
            "REF_AREA": area,
            "TIME_PERIOD": rows["period"],
            "BREAKDOWN": rows["breakdown"].where(rows["breakdown"] != "", TOTAL),
            "OBS_VALUE": rows["value"].map(_number),
            "UNIT_MEASURE": rows["indicator"].map(lambda c: defs[c].unit_of_measure),
        },
        columns=list(SDMX_COLUMNS),
    )
    return frame.sort_values(list(DIMENSIONS), kind="stable").reset_index(drop=True)


def _number(value: float) -> str:
    # SDMX wants a dot decimal and no thousands separator, whatever the reader's locale.
    if math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def sdmx_csv_text(frame: pd.DataFrame) -> str:
    """SDMX-CSV text from `to_sdmx_frame` rows (comma-separated, quoted only where needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SDMX_COLUMNS)
    writer.writerows(frame.loc[:, list(SDMX_COLUMNS)].itertuples(index=False))
    return buffer.getvalue()


def publish(
    folder: Path,
    compiled: pd.DataFrame,
    definitions: Mapping[str, object],
    *,
    source: str = DEFAULT_SOURCE,
    dataflow: str = DATAFLOW,
) -> dict[str, Path]:
    """Write `indicators.csv`, `data_dictionary.csv` and `indicators.sdmx.csv` into `folder`."""
    sdmx = to_sdmx_frame(compiled, definitions, dataflow=dataflow)
    return {
        "indicators": write_csv(folder / "indicators.csv", compiled),
        "dictionary": write_csv(
            folder / "data_dictionary.csv", data_dictionary(definitions, source=source)
        ),
        # No BOM here: SDMX tools read plain UTF-8 and would take a BOM into the first header.
        "sdmx": write_text(folder / "indicators.sdmx.csv", sdmx_csv_text(sdmx)),
    }
