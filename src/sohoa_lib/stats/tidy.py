"""The tidy table of indicator values collected from report tables, and a problem located to its cell."""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = [
    "chi_tieu", "ten_chi_tieu", "don_vi", "don_vi_tinh", "ky", "phan_to", "gia_tri",
    "tep", "trang_tinh", "o",
]  # fmt: skip
TOTAL = "tổng số"
"""The `phan_to` (breakdown) value of a figure that is not broken down."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a report table, located to the cell a statistician would open."""

    file: str
    sheet: str
    """Sheet name; for a CSV, the file's stem (what Excel shows as the sheet)."""
    cell: str
    """Cell address such as `D7`; empty when the problem is the whole file."""
    rule: str
    """`doc_tep`, `ky_bao_cao`, `ky_trung`, `chi_tieu`, `so_lieu`, `phan_to`, `bat_buoc`,
    `khong_am`, `tong`, `bat_thuong`."""
    message: str
    """What is wrong, in Vietnamese."""

    def __str__(self) -> str:
        where = [f"tệp {self.file}"]
        where += [f"trang tính {self.sheet}"] if self.sheet else []
        where += [f"ô {self.cell}"] if self.cell else []
        return f"{', '.join(where)}: {self.message}"


@dataclass(frozen=True)
class Sheet:
    """Where a table came from, and the list its problems go to."""

    file: str
    sheet: str
    problems: list[Problem]

    def flag(self, cell: str, rule: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.sheet, cell, rule, message))


def cell_name(row: int, col: int) -> str:
    """Excel address of 0-based (row, col): (6, 3) → `D7`."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"
