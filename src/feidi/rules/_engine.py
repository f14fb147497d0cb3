"""Compile a rulebook's tiers to frame expressions and evaluate them on any engine.

The evaluation is written once, against narwhals, over the wide frame (one row per firm) and
produces a *flat* frame of plain columns; engine-specific work (reading, reshaping, the nested
trace layout, writing) stays outside. Column names:

``m__<measure>__{obs,lo,hi}``   every measure the tiers use
``<tier>__<indicator>__{lo,hi}``  points interval of each indicator (and sub-indicator)
``<tier>__<node>__{def,pos}``   condition nodes: holds whatever the unknowns are / can hold
``<tier>__score__{lo,hi}``       total points interval (tiers with a scorecard)
``<tier>__verdict``             "pass" | "fail" | "unknown"
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import narwhals as nw

from feidi.rules._measures import DECIMALS, measure_expr
from feidi.rules._model import (
    AllOf,
    AnyOf,
    BestOf,
    Brackets,
    Compare,
    Condition,
    Indicator,
    InSet,
    Items,
    Options,
    Rulebook,
    ScoreAtLeast,
    Scorecard,
    Scoring,
    SumOf,
    Tier,
    Value,
    scoring_parts,
    walk,
)
from feidi.schema import FIELDS_BY_NAME, Field

__all__ = ["CompiledRulebook", "compile_rulebook"]


def mcol(measure: str, part: str) -> str:
    return f"m__{measure}__{part}"


def ncol(tier: str, node: str, part: str) -> str:
    return f"{tier}__{node}__{part}"


@dataclass(frozen=True)
class CompiledRulebook:
    """The expressions of one rulebook at one as-of date, in dependency order."""

    rulebook: Rulebook
    as_of: date
    tiers: tuple[str, ...]
    measure_ids: tuple[str, ...]
    stages: tuple[dict[str, nw.Expr], ...]  # each stage reads only columns of earlier ones

    def apply(
        self, wide: nw.LazyFrame[Any], keep: tuple[str, ...] = ("credit_code",)
    ) -> nw.LazyFrame[Any]:
        """Evaluate on a wide frame; returns ``keep`` columns plus the flat result columns."""
        out = wide
        for stage in self.stages:
            if stage:
                out = out.with_columns(**stage)
        produced = [name for stage in self.stages for name in stage]
        return out.select(*keep, *produced)


class _TierCompiler:
    def __init__(self, tier: Tier, orders: dict[str, tuple[str, ...]]) -> None:
        self.tier = tier
        self.orders = orders  # ordinal measures: their values, lowest first
        self.points: dict[str, nw.Expr] = {}  # indicator stage
        self.conds: dict[int, dict[str, nw.Expr]] = {}  # condition stages by tree level
        self.final: dict[str, nw.Expr] = {}

    # --- measures and leaves (read the measure columns, which exist at this stage) --------
    def _lo(self, measure: str) -> nw.Expr:
        return nw.col(mcol(measure, "lo"))

    def _hi(self, measure: str) -> nw.Expr:
        return nw.col(mcol(measure, "hi"))

    def leaf(self, c: Compare | InSet) -> tuple[nw.Expr, nw.Expr]:
        """(definitely holds, possibly holds) of a comparison."""
        if isinstance(c, InSet):
            order = self.orders[c.measure]
            codes = c.ranks(order)
            obs = nw.col(mcol(c.measure, "obs"))
            inside = obs.is_in(codes).fill_null(value=False)
            return inside, inside | obs.is_null()
        lo, hi, v = self._lo(c.measure), self._hi(c.measure), c.value
        if c.op == "at_least":
            return lo >= v, hi >= v
        if c.op == "at_most":
            return hi <= v, lo <= v
        if c.op == "greater_than":
            return lo > v, hi > v
        return hi < v, lo < v

    def inline_condition(self, c: Condition) -> tuple[nw.Expr, nw.Expr]:
        """A condition inside an indicator (no score leaves there), as one expression pair."""
        if isinstance(c, Compare | InSet):
            return self.leaf(c)
        if isinstance(c, AllOf | AnyOf):
            pairs = [self.inline_condition(k) for k in c.children]
            combine = nw.all_horizontal if isinstance(c, AllOf) else nw.any_horizontal
            return (
                combine(*[d for d, _ in pairs], ignore_nulls=False),
                combine(*[p for _, p in pairs], ignore_nulls=False),
            )
        raise ValueError("a score cannot be used inside an indicator")

    # --- indicators ---------------------------------------------------------------------
    def scoring(self, s: Scoring) -> tuple[nw.Expr, nw.Expr]:
        if isinstance(s, Brackets):

            def f(v: nw.Expr) -> nw.Expr:
                out = None
                for edge, pts in s.edges:
                    hit = v <= edge if s.lower_is_better else v >= edge
                    out = (
                        nw.when(hit).then(nw.lit(pts))
                        if out is None
                        else out.when(hit).then(nw.lit(pts))
                    )  # type: ignore[attr-defined]
                return out.otherwise(nw.lit(s.otherwise))  # type: ignore[union-attr]

            lo, hi = self._lo(s.measure), self._hi(s.measure)
            return (f(hi), f(lo)) if s.lower_is_better else (f(lo), f(hi))
        if isinstance(s, Options):
            pairs = [(p, self.inline_condition(c)) for p, c in s.options]

            def pick(which: int) -> nw.Expr:
                out = None
                for pts, dp in pairs:
                    hit = dp[which]
                    out = (
                        nw.when(hit).then(nw.lit(pts))
                        if out is None
                        else out.when(hit).then(nw.lit(pts))
                    )  # type: ignore[attr-defined]
                return out.otherwise(nw.lit(s.otherwise))  # type: ignore[union-attr]

            return pick(0), pick(1)
        if isinstance(s, Items):
            pairs = [(p, self.inline_condition(c)) for p, c in s.items]
            lo = nw.sum_horizontal(*[d.cast(nw.Float64) * p for p, (d, _) in pairs])
            hi = nw.sum_horizontal(*[q.cast(nw.Float64) * p for p, (_, q) in pairs])
            return nw.min_horizontal(lo, nw.lit(s.cap)), nw.min_horizontal(hi, nw.lit(s.cap))
        if isinstance(s, BestOf):
            parts = [self.scoring(p) for p in s.parts]
            return nw.max_horizontal(*[lo for lo, _ in parts]), nw.max_horizontal(
                *[hi for _, hi in parts]
            )
        if isinstance(s, SumOf):
            parts = [self.indicator(p) for p in s.parts]
            return nw.sum_horizontal(*[lo for lo, _ in parts]), nw.sum_horizontal(
                *[hi for _, hi in parts]
            )
        raise TypeError(s)

    def indicator(self, ind: Indicator) -> tuple[nw.Expr, nw.Expr]:
        if isinstance(ind.scoring, Value):
            lo = self._lo(ind.scoring.measure).clip(ind.min, ind.max)
            hi = self._hi(ind.scoring.measure).clip(ind.min, ind.max)
        else:
            lo, hi = self.scoring(ind.scoring)
        t = self.tier.id
        self.points[ncol(t, ind.meta.id, "lo")] = lo.cast(nw.Float64)
        self.points[ncol(t, ind.meta.id, "hi")] = hi.cast(nw.Float64)
        return lo, hi

    # --- the requirement tree (reads indicator columns) ----------------------------------
    def score(self, sc: Scorecard, group: str) -> tuple[nw.Expr, nw.Expr]:
        members = sc.members(group)
        t = self.tier.id
        # a sum of points is a derived value: rounded to 6 decimals like every other one, so
        # the order of addition (engines differ) cannot move a firm across a threshold
        return (
            nw.sum_horizontal(*[nw.col(ncol(t, i, "lo")) for i in members]).round(DECIMALS),
            nw.sum_horizontal(*[nw.col(ncol(t, i, "hi")) for i in members]).round(DECIMALS),
        )

    def condition(self, c: Condition, depth: int = 0) -> int:
        """Add the node's (def, pos) columns; a parent reads its children's columns, so the
        tree is compiled into one stage per level (deepest first) instead of nested copies."""
        t = self.tier.id
        if isinstance(c, ScoreAtLeast):
            assert self.tier.scorecard is not None
            lo, hi = self.score(self.tier.scorecard, c.group)
            pair, level = (lo >= c.value, hi >= c.value), 0
        elif isinstance(c, Compare | InSet):
            pair, level = self.leaf(c), 0
        else:
            level = 1 + max(self.condition(k, depth + 1) for k in c.children)
            combine = nw.all_horizontal if isinstance(c, AllOf) else nw.any_horizontal
            pair = (
                combine(
                    *[nw.col(ncol(t, k.meta.id, "def")) for k in c.children], ignore_nulls=False
                ),
                combine(
                    *[nw.col(ncol(t, k.meta.id, "pos")) for k in c.children], ignore_nulls=False
                ),
            )
        stage = self.conds.setdefault(level, {})
        stage[ncol(t, c.meta.id, "def")] = pair[0]
        stage[ncol(t, c.meta.id, "pos")] = pair[1]
        return level

    def compile(self) -> None:
        t = self.tier.id
        sc = self.tier.scorecard
        if sc is not None:
            for ind in sc.indicators:
                self.indicator(ind)
        self.condition(self.tier.requires)
        definitely = nw.col(ncol(t, self.tier.requires.meta.id, "def"))
        possibly = nw.col(ncol(t, self.tier.requires.meta.id, "pos"))
        self.final[f"{t}__verdict"] = (
            nw.when(definitely)
            .then(nw.lit("pass"))
            .when(~possibly)
            .then(nw.lit("fail"))  # type: ignore[attr-defined]
            .otherwise(nw.lit("unknown"))
        )
        if sc is not None:
            lo, hi = self.score(sc, "total")
            self.final[f"{t}__score__lo"] = lo
            self.final[f"{t}__score__hi"] = hi


def used_measures(tier: Tier) -> set[str]:
    """Every measure a tier reads, through its indicators and its requirement tree."""
    out: set[str] = set()

    def from_cond(c: Condition) -> None:
        for node in walk(c):
            if isinstance(node, Compare | InSet):
                out.add(node.measure)

    def from_scoring(s: Scoring) -> None:
        if isinstance(s, Brackets | Value):
            out.add(s.measure)
        elif isinstance(s, Options):
            for _, c in s.options:
                from_cond(c)
        elif isinstance(s, Items):
            for _, c in s.items:
                from_cond(c)
        elif isinstance(s, BestOf):
            for p in s.parts:
                from_scoring(p)
        elif isinstance(s, SumOf):
            for ind in s.parts:
                from_scoring(ind.scoring)

    from_cond(tier.requires)
    if tier.scorecard:
        for ind in tier.scorecard.indicators:
            for part in scoring_parts(ind):
                from_scoring(part.scoring)
    return out


def rulebook_fields(book: Rulebook) -> dict[str, Field]:
    """Canonical fields plus the ones the rulebook declares."""
    fields = dict(FIELDS_BY_NAME)
    for f in book.inputs:
        assert isinstance(f, Field)
        fields[f.name] = f
    return fields


def compile_rulebook(
    book: Rulebook, as_of: date, tiers: tuple[str, ...] | None = None
) -> CompiledRulebook:
    """Compile ``tiers`` (default: all) of ``book`` for evaluation at ``as_of``."""
    chosen = tiers or tuple(book.tiers)
    unknown = [t for t in chosen if t not in book.tiers]
    if unknown:
        raise KeyError(f"{book.id} has no tier {unknown}; tiers: {list(book.tiers)}")
    needed = sorted(set().union(*(used_measures(book.tiers[t]) for t in chosen)))
    fields = rulebook_fields(book)
    measures = {mid: measure_expr(book.measures[mid], as_of, fields) for mid in needed}
    stage_measures: dict[str, nw.Expr] = {}
    for mid, e in measures.items():
        stage_measures[mcol(mid, "obs")] = e.obs.cast(nw.Float64)
        stage_measures[mcol(mid, "lo")] = e.lo.cast(nw.Float64)
        stage_measures[mcol(mid, "hi")] = e.hi.cast(nw.Float64)
    points: dict[str, nw.Expr] = {}
    conds: dict[int, dict[str, nw.Expr]] = {}
    final: dict[str, nw.Expr] = {}
    orders = {mid: book.measures[mid].order for mid in needed}
    for t in chosen:
        tc = _TierCompiler(book.tiers[t], orders)
        tc.compile()
        points.update(tc.points)
        for level, cols in tc.conds.items():
            conds.setdefault(level, {}).update(cols)
        final.update(tc.final)
    cond_stages = tuple(conds[level] for level in sorted(conds))
    return CompiledRulebook(
        book, as_of, chosen, tuple(needed), (stage_measures, points, *cond_stages, final)
    )
