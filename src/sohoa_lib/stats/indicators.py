"""Indicator definitions (chỉ tiêu) as data: frozen dataclasses and a strict loader."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sohoa_lib.common.config import build, read_yaml
from sohoa_lib.common.text import key
from sohoa_lib.errors import ParamsError
from sohoa_lib.handover import SUMMARY, check_summary_key

AGGREGATIONS = ("sum", "weighted_mean", "ratio")


@dataclass(frozen=True)
class Breakdown:
    """A breakdown (phân tổ) of an indicator, such as sex: nam, nữ."""

    name: str
    """Name indicators refer to (`gioi_tinh`)."""
    label: str
    """Vietnamese label (`Giới tính`)."""
    values: tuple[str, ...]
    """The parts, as report tables head their columns (`nam`, `nữ`)."""


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it counts, how it combines, and what a valid value looks like."""

    code: str
    """Mã chỉ tiêu (indicator code), as units type it in their tables."""
    name: str
    """Tên chỉ tiêu (Vietnamese name); tables may type it without diacritics."""
    unit: str
    """Đơn vị tính (unit of measure)."""
    source: str
    """Where the definition comes from."""
    aggregation: str = "sum"
    """`sum`, `weighted_mean` (by `weight`) or `ratio` (`numerator` / `denominator`)."""
    weight: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    breakdowns: tuple[str, ...] = ()
    """Names of the breakdowns that apply (`gioi_tinh`)."""
    non_negative: bool = True
    total_of: tuple[str, ...] = ()
    """Codes whose sum this indicator equals, per period and breakdown."""
    required: bool = False
    """Every report table must give it."""
    computed: bool = False
    """True for the programme's own indicators, read from a stage output rather than a table."""
    from_output: str | None = None
    """`<stage>/<file>:<key>` (dotted key inside the JSON), for computed indicators."""
    target: float | None = None


@dataclass(frozen=True)
class Definitions:
    """Every indicator and breakdown, and the collection's tuning."""

    indicators: tuple[Indicator, ...]
    breakdowns: tuple[Breakdown, ...] = ()
    outlier_change: float = 0.5
    """Relative change against the previous period beyond which a value is flagged (0.5 = 50%)."""

    @cached_property
    def by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    @cached_property
    def by_key(self) -> dict[str, Indicator]:
        """Indicators by folded code and by folded name, so `so nguoi tham gia bhyt` matches."""
        table = {key(i.name): i for i in self.indicators}
        table.update({key(i.code): i for i in self.indicators})
        return table

    def breakdown(self, name: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.name == name)

    def reported(self) -> tuple[Indicator, ...]:
        """The indicators report tables give (not computed from stage outputs)."""
        return tuple(i for i in self.indicators if not i.computed)


def load_definitions(path: Path) -> Definitions:
    """The indicator definitions in `path`; ParamsError naming the file and key for any mistake."""
    definitions = build(Definitions, read_yaml(path), source=path)
    _check(definitions, path)
    return definitions


def _check(d: Definitions, path: Path) -> None:
    # Cross-references cannot be checked field by field, so they are checked here, all at once.
    seen: set[str] = set()
    breakdowns = {b.name for b in d.breakdowns}
    for n, ind in enumerate(d.indicators):
        where = f"{path}: indicators[{n}] ({ind.code})"
        if ind.code in seen:
            raise ParamsError(f"{where}: mã {ind.code!r} được định nghĩa hai lần")
        seen.add(ind.code)
        if ind.aggregation not in AGGREGATIONS:
            raise ParamsError(
                f"{where}: aggregation {ind.aggregation!r} phải là một trong {', '.join(AGGREGATIONS)}"
            )
        if ind.aggregation == "weighted_mean" and not ind.weight:
            raise ParamsError(f"{where}: weighted_mean cần khóa 'weight'")
        if ind.aggregation == "ratio" and not (ind.numerator and ind.denominator):
            raise ParamsError(f"{where}: ratio cần khóa 'numerator' và 'denominator'")
        for b in ind.breakdowns:
            if b not in breakdowns:
                raise ParamsError(f"{where}: không có cách phân tổ {b!r}")
        if ind.computed and ind.from_output:
            _check_from_output(where, ind.from_output)
    for n, ind in enumerate(d.indicators):
        refs = (ind.weight, ind.numerator, ind.denominator, *ind.total_of)
        for ref in refs:
            if ref is not None and ref not in seen:
                raise ParamsError(
                    f"{path}: indicators[{n}] ({ind.code}): tham chiếu chỉ tiêu không có {ref!r}"
                )
    if not d.outlier_change > 0:
        raise ParamsError(f"{path}: khóa 'outlier_change' phải lớn hơn 0")


def _check_from_output(where: str, from_output: str) -> None:
    """`<stage>/summary.json:<key>` naming a figure that stage's summary declares (handover)."""
    file, colon, dotted = from_output.partition(":")
    stage, slash, name = file.partition("/")
    if not (colon and slash and name == SUMMARY and dotted):
        raise ParamsError(
            f"{where}: from_output phải có dạng '<stage>/{SUMMARY}:<key>', nhận được {from_output!r}"
        )
    if (why := check_summary_key(stage, dotted)) is not None:
        raise ParamsError(f"{where}: from_output {from_output!r}: {why}")
