"""The rulebook model: measures, indicators and condition trees, as frozen dataclasses.

A rulebook file (``rulebooks/*.yaml``) is parsed into these objects by ``_loader``; the engine
compiles them to frame expressions and the path finder walks them. Nothing here computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeAlias

MeasureKind = Literal[
    "field",
    "ratio",
    "growth",
    "mean_growth",
    "cagr",
    "sum",
    "mean",
    "title",
    "any_of",
    "present",
    "ordinal",
]
Op = Literal["at_least", "at_most", "greater_than", "less_than"]


@dataclass(frozen=True, slots=True)
class Measure:
    """A value computed per firm that indicators score and conditions compare.

    ``args`` holds the kind's inputs: the field (``field``, ``growth`` …), the two fields of a
    ratio, the title level, or the boolean fields of ``any_of``. ``year`` is the offset from
    上年度 (0) for year fields; ``years`` the window of multi-year measures.
    """

    id: str
    kind: MeasureKind
    args: tuple[str, ...]
    name: str
    name_en: str
    unit: str = ""
    year: int = 0
    years: int = 1
    order: tuple[str, ...] = ()  # ordinal: category values, lowest first
    actionable: bool = True  # False: a path never proposes changing it (award ranks)

    @property
    def derived(self) -> bool:
        """Ratios and growth rates: unknown inputs make them span everything."""
        return self.kind in ("ratio", "growth", "mean_growth", "cagr")


# --- conditions -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Meta:
    """What a node is called and where it comes from; ``id`` is unique within its tier."""

    id: str
    name: str = ""
    name_en: str = ""
    article: str = ""


@dataclass(frozen=True, slots=True)
class Compare:
    meta: Meta
    measure: str
    op: Op
    value: float
    band: bool = False  # only selects a band; never a change a path proposes


@dataclass(frozen=True, slots=True)
class InSet:
    meta: Meta
    measure: str
    values: tuple[str, ...]

    def ranks(self, order: tuple[str, ...]) -> list[float]:
        """The allowed values as ranks of the ordinal measure (how the engine stores it)."""
        return [float(order.index(v)) for v in self.values]


@dataclass(frozen=True, slots=True)
class ScoreAtLeast:
    meta: Meta
    group: str  # "total" or a scorecard group id
    value: float


@dataclass(frozen=True, slots=True)
class AllOf:
    meta: Meta
    children: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    meta: Meta
    children: tuple[Condition, ...]


Condition: TypeAlias = Compare | InSet | ScoreAtLeast | AllOf | AnyOf
Leaf: TypeAlias = Compare | InSet | ScoreAtLeast


# --- indicators -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Brackets:
    """``value ≥ edge → points`` (or ``≤`` when lower is better), first edge met wins."""

    measure: str
    edges: tuple[tuple[float, float], ...]  # (edge, points), best first
    otherwise: float
    lower_is_better: bool = False


@dataclass(frozen=True, slots=True)
class Options:
    """The points of the first option whose condition holds (options listed best first)."""

    options: tuple[tuple[float, Condition], ...]
    otherwise: float


@dataclass(frozen=True, slots=True)
class Items:
    """Points for every item that holds, capped."""

    items: tuple[tuple[float, Condition], ...]
    cap: float


@dataclass(frozen=True, slots=True)
class Value:
    """The measure itself is the points, clipped to ``[0, max]``."""

    measure: str


@dataclass(frozen=True, slots=True)
class BestOf:
    """ "或": the highest of several scorings of the same indicator."""

    parts: tuple[Scoring, ...]


@dataclass(frozen=True, slots=True)
class SumOf:
    """Sub-indicators added up (a province's composite indicator)."""

    parts: tuple[Indicator, ...]


Scoring: TypeAlias = Brackets | Options | Items | Value | BestOf | SumOf


@dataclass(frozen=True, slots=True)
class Indicator:
    meta: Meta
    scoring: Scoring
    max: float
    min: float = 0.0


@dataclass(frozen=True, slots=True)
class Scorecard:
    indicators: tuple[Indicator, ...]
    groups: dict[str, tuple[Meta, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def max(self) -> float:
        return sum(i.max for i in self.indicators)

    def members(self, group: str) -> list[str]:
        """Indicator ids a score threshold adds up: all for ``"total"``, else the group's."""
        return (
            [i.meta.id for i in self.indicators]
            if group == "total"
            else list(self.groups[group][1])
        )


@dataclass(frozen=True, slots=True)
class Tier:
    id: str
    name: str
    name_en: str
    article: str
    requires: Condition
    scorecard: Scorecard | None = None

    @property
    def pass_mark(self) -> float | None:
        """The total score the requirement tree asks for (one source: the tree itself)."""
        marks = [
            n.value
            for n in walk(self.requires)
            if isinstance(n, ScoreAtLeast) and n.group == "total"
        ]
        return marks[0] if marks else None


@dataclass(frozen=True, slots=True)
class Rulebook:
    id: str
    name: str
    name_en: str
    document: str
    issuer: str
    effective_from: date
    effective_to: date | None
    tiers: dict[str, Tier]
    measures: dict[str, Measure]
    inputs: tuple[object, ...] = ()  # extra feidi.schema.Field declared by the rulebook
    extends: str | None = None
    dates_confirmed: bool = True
    source_file: str = ""
    #: The version it was read from (``RulebookSource.digest``): what a stored result names.
    digest: str = ""

    def in_force(self, as_of: date) -> bool:
        return self.effective_from <= as_of and (
            self.effective_to is None or as_of <= self.effective_to
        )

    def warnings(self, as_of: date) -> list[tuple[str, str]]:
        """What a reader of results graded on ``as_of`` must know, as (中文, English) pairs:
        the date lies outside the rulebook's effective period; its dates are not confirmed."""
        out = []
        if not self.in_force(as_of):
            period = f"{self.effective_from} 至 {self.effective_to or '今'}"
            period_en = f"{self.effective_from} to {self.effective_to or 'now'}"
            out.append(
                (
                    f"评价日期 {as_of} 不在《{self.name}》的有效期（{period}）内，"
                    "结果仅供假设分析或按该规则复核已获称号时参考",
                    f"The as-of date {as_of} is outside the period in force of the "
                    f"{self.name_en} ({period_en}): read the result as a what-if, or as a review "
                    "of titles granted under these rules",
                )
            )
        if not self.dates_confirmed:
            out.append(
                (
                    f"《{self.name}》的生效日期未经官方文本核实",
                    f"The dates in force of the {self.name_en} are not confirmed",
                )
            )
        return out


def walk(cond: Condition) -> list[Condition]:
    """Every node of a condition tree, parents before children."""
    out: list[Condition] = [cond]
    if isinstance(cond, AllOf | AnyOf):
        for child in cond.children:
            out.extend(walk(child))
    return out


def scoring_parts(ind: Indicator) -> list[Indicator]:
    """An indicator and, for ``sum_of``, its sub-indicators (depth first)."""
    out = [ind]
    if isinstance(ind.scoring, SumOf):
        for part in ind.scoring.parts:
            out.extend(scoring_parts(part))
    return out


def scored_measure(s: Scoring) -> str | None:
    """The one measure a scoring reads, when it reads exactly one (its "observed" value).

    Brackets and values read one; options and items do when all their conditions test the
    same measure (研发机构级别, 主导产品所属领域); an IP indicator over four counts reads none.
    """
    if isinstance(s, Brackets | Value):
        return s.measure
    if isinstance(s, Options | Items):
        conds = [c for _, c in (s.options if isinstance(s, Options) else s.items)]
        measures = {n.measure for c in conds for n in walk(c) if isinstance(n, Compare | InSet)}
        return measures.pop() if len(measures) == 1 else None
    return None
