"""Demo statistical report tables: several periods per unit, with a few deliberate mistakes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sohoa_lib.common.files import atomic_path, write_text
from sohoa_lib.common.text import fold

DEFAULT_PERIODS = ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3")
"""Seven quarters, so the last has a same-quarter-last-year figure to compare with."""
# Units type their tables in different tools: the provinces merged into Hải Phòng send CSV.
FORMATS = {"TTLT": "xlsx", "BN": "xlsx", "HD": "csv", "HP": "csv"}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

# (code, name, unit of measure, base size, broken down by sex); matches params/indicators.yaml.
_ROWS = (
    ("TG01", "Số người tham gia BHXH", "người", 0, True),
    ("TG02", "Số người tham gia BHXH bắt buộc", "người", 180_000, True),
    ("TG03", "Số người tham gia BHXH tự nguyện", "người", 40_000, True),
    ("TG04", "Số người tham gia BHTN", "người", 160_000, True),
    ("TG05", "Số người tham gia BHYT", "người", 900_000, True),
    ("TG06", "Dân số", "người", 1_000_000, False),
    ("TG08", "Tiền lương bình quân làm căn cứ đóng BHXH bắt buộc", "đồng/tháng", 6_500_000, False),
    ("TH01", "Tổng số thu", "triệu đồng", 0, False),
    ("TH02", "Thu BHXH", "triệu đồng", 900_000, False),
    ("TH03", "Thu BHYT", "triệu đồng", 350_000, False),
    ("TH04", "Thu BHTN", "triệu đồng", 40_000, False),
    ("CH01", "Tổng số chi", "triệu đồng", 0, False),
    ("CH02", "Chi BHXH", "triệu đồng", 700_000, False),
    ("CH03", "Chi khám chữa bệnh BHYT", "triệu đồng", 300_000, False),
    ("CH04", "Chi BHTN", "triệu đồng", 25_000, False),
    ("CH05", "Chi quản lý bộ máy", "triệu đồng", 15_000, False),
    ("HL01", "Số lượt người hưởng chế độ ốm đau", "lượt người", 30_000, True),
    ("HL02", "Số lượt người hưởng chế độ thai sản", "lượt người", 8_000, True),
    ("HL03", "Số người hưởng lương hưu hằng tháng", "người", 60_000, True),
    ("HL04", "Số người hưởng chế độ tử tuất", "người", 5_000, True),
    ("HL06", "Số người hưởng trợ cấp thất nghiệp", "người", 4_000, True),
    ("HL07", "Số lượt khám chữa bệnh BHYT", "lượt", 500_000, False),
)
_TOTALS = {"TG01": ("TG02", "TG03"), "TH01": ("TH02", "TH03", "TH04"),
           "CH01": ("CH02", "CH03", "CH04")}  # fmt: skip
_HEADER_XLSX = ("STT", "Chỉ tiêu", "Mã chỉ tiêu", "Đơn vị tính", "Nam", "Nữ", "Tổng số")
_HEADER_CSV = ("Kỳ báo cáo", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Nam", "Nữ", "Tổng số")


@dataclass(frozen=True)
class DemoStatistics:
    """The tables written and the mistakes planted in them, as (file, sheet, cell, rule)."""

    files: tuple[Path, ...]
    mistakes: tuple[tuple[str, str, str, str], ...]


def period_label(period: str) -> str:
    """`2026-Q3` → `Quý III/2026`, `2026-10` → `Tháng 10/2026`, `2025` → `Năm 2025`."""
    if "-Q" in period:
        year, quarter = period.split("-Q")
        return f"Quý {_ROMAN[int(quarter)]}/{year}"
    if "-" in period:
        year, month = period.split("-")
        return f"Tháng {int(month)}/{year}"
    return f"Năm {period}"


def write_demo_statistics(
    folder: Path,
    unit: str,
    rng: np.random.Generator,
    periods: tuple[str, ...] = DEFAULT_PERIODS,
    fmt: str | None = None,
) -> DemoStatistics:
    """Write one report table per period under `folder`, plus a resubmitted copy of one period.

    Mistakes: in the first period a Nam figure that makes Tổng số not add up (pensioners, HL03);
    in the last a negative value (management spending, CH05); and the first period sent twice.
    """
    if len(periods) < 2:
        raise ValueError("the demo needs at least two periods")
    fmt = fmt or FORMATS.get(unit, "xlsx")
    scale = float(rng.uniform(0.5, 2.0))
    figures = [_figures(rng, scale, growth) for growth in _growths(rng, len(periods))]
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    mistakes: list[tuple[str, str, str, str]] = []
    write = _write_xlsx if fmt == "xlsx" else _write_csv
    # The resubmission repeats the clean figures, so the only thing wrong with it is the period.
    duplicate = folder / f"bao_cao_{periods[0]}_bo_sung.{fmt}"
    files.append(write(duplicate, periods[0], figures[0]))
    first, last = figures[0], figures[-1]
    first["HL03"] = (first["HL03"][0] + 1_500, first["HL03"][1], first["HL03"][2])
    last["CH05"] = (None, None, -last["CH05"][2])
    for period, values in zip(periods, figures, strict=True):
        files.append(write(folder / f"bao_cao_{period}.{fmt}", period, values))
    sheet = "BaoCao" if fmt == "xlsx" else None
    first_row, period_cell = (5, "A2") if fmt == "xlsx" else (2, "A2")
    row_of = {code: first_row + i for i, (code, *_) in enumerate(_ROWS)}
    mistakes += [
        (f"bao_cao_{periods[0]}.{fmt}", sheet or f"bao_cao_{periods[0]}", f"G{row_of['HL03']}",
         "tong"),
        (f"bao_cao_{periods[-1]}.{fmt}", sheet or f"bao_cao_{periods[-1]}", f"G{row_of['CH05']}",
         "khong_am"),
        (duplicate.name, sheet or duplicate.stem, period_cell, "ky_trung"),
    ]  # fmt: skip
    return DemoStatistics(tuple(sorted(files)), tuple(mistakes))


def _growths(rng: np.random.Generator, n: int) -> list[float]:
    # A slow drift (a few percent a quarter) keeps the demo well inside the outlier threshold.
    return list(np.cumprod(1 + rng.uniform(-0.02, 0.04, n)))


def _figures(
    rng: np.random.Generator, scale: float, growth: float
) -> dict[str, tuple[int | None, int | None, int]]:
    values: dict[str, tuple[int | None, int | None, int]] = {}
    for code, _name, _unit, base, by_sex in _ROWS:
        if code in _TOTALS:
            continue
        total = int(base * scale * growth * rng.uniform(0.99, 1.01))
        if by_sex:
            men = int(total * rng.uniform(0.45, 0.55))
            values[code] = (men, total - men, total)
        else:
            values[code] = (None, None, total)
    for code, parts in _TOTALS.items():
        sums = [sum(values[p][i] or 0 for p in parts) for i in range(3)]
        by_sex = values[parts[0]][0] is not None
        values[code] = (sums[0], sums[1], sums[2]) if by_sex else (None, None, sums[2])
    return values


def _write_xlsx(path: Path, period: str, values: dict) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "BaoCao"
    ws.append(["BÁO CÁO CHỈ TIÊU THỐNG KÊ NGÀNH BẢO HIỂM XÃ HỘI"])
    ws.append([f"Kỳ báo cáo: {period_label(period)}"])
    ws.append([])
    ws.append(list(_HEADER_XLSX))
    for n, (code, name, unit, _base, _sex) in enumerate(_ROWS, start=1):
        ws.append([n, name, code, unit, *values[code]])
    with atomic_path(path) as tmp:
        book.save(tmp)
    return path


def _write_csv(path: Path, period: str, values: dict) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_HEADER_CSV)
    label = period_label(period)
    for code, name, unit, _base, _sex in _ROWS:
        # Some archivists leave the code blank and type the name without diacritics.
        shown_code, shown_name = ("", fold(name)) if code == "HL04" else (code, name)
        writer.writerow([label, shown_code, shown_name, unit, *("" if v is None else v
                                                                for v in values[code])])  # fmt: skip
    write_text(path, "\ufeff" + out.getvalue())
    return path
