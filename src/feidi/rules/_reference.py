"""A plain row-by-row interpreter of the same rulebook model: one firm, Python dicts, no frames.

It exists for two reasons: it is the *baseline* the benchmark compares the vectorised engine
against (the obvious way to grade a province), and it is an independent *oracle* — the
tests check that engine and interpreter agree on every verdict, score and indicator. It
computes verdicts, score intervals and indicator points; paths and layout are the engine's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from feidi.rules._engine import rulebook_fields
from feidi.rules._model import (
    AllOf,
    BestOf,
    Brackets,
    Compare,
    Condition,
    Indicator,
    InSet,
    Items,
    Measure,
    Options,
    Rulebook,
    ScoreAtLeast,
    Scoring,
    SumOf,
    Tier,
    Value,
    scoring_parts,
)
from feidi.schema import TITLE_LEVELS, TITLE_SLOTS, Field, title_date_column, title_undated_column

INF = math.inf
Interval = tuple[float, float]


def _r(x: float) -> float:
    return round(x, 6)


class FirmInterpreter:
    """Grades one firm: ``firm`` holds firm fields, ``years[k]`` the fields of 上年度 − k."""

    def __init__(
        self,
        book: Rulebook,
        firm: Mapping[str, Any],
        years: Mapping[int, Mapping[str, Any]],
        as_of: date,
    ):
        self.book, self.firm, self.years, self.as_of = book, firm, years, as_of
        self.fields: dict[str, Field] = rulebook_fields(book)
        self._cache: dict[str, tuple[float | None, Interval]] = {}
        self._points: dict[str, dict[str, Interval]] = {}

    def _year(self, field: str, k: int) -> Any:
        return (self.years.get(k) or {}).get(field)

    def measure(self, mid: str) -> tuple[float | None, Interval]:
        """(observed, (lo, hi))."""
        if mid not in self._cache:
            self._cache[mid] = self._measure(self.book.measures[mid])
        return self._cache[mid]

    def _measure(self, m: Measure) -> tuple[float | None, Interval]:
        if m.kind == "field":
            f = self.fields[m.args[0]]
            v = self._year(f.name, m.year) if f.scope == "year" else self.firm.get(f.name)
            lo = 0.0 if f.kind == "bool" else (-INF if f.min is None else float(f.min))
            hi = 1.0 if f.kind == "bool" else (INF if f.max is None else float(f.max))
            if f.kind == "rank":
                lo = 1.0
            if v is None:
                return None, (lo, hi)
            return float(v), (float(v), float(v))
        if m.kind == "ordinal":
            v = self.firm.get(m.args[0])
            if v is None:
                return None, (0.0, float(len(m.order) - 1))
            rank = float(m.order.index(v))
            return rank, (rank, rank)
        value: float | None = None
        if m.kind == "ratio":
            num, den = (self._year(a, m.year) for a in m.args)
            if num is not None and den is not None and den > 0:
                value = _r(num / den * 100)
        elif m.kind == "growth":
            now, base = self._year(m.args[0], m.year), self._year(m.args[0], m.year + 1)
            if now is not None and base is not None and base > 0:
                value = _r((now - base) / base * 100)
        elif m.kind == "mean_growth":
            xs = [self._year(m.args[0], k) for k in range(m.years + 1)]
            if xs[0] is not None and all(x is not None and x > 0 for x in xs[1:]):
                value = _r(
                    sum((xs[k] - xs[k + 1]) / xs[k + 1] * 100 for k in range(m.years)) / m.years
                )
        elif m.kind == "cagr":
            now, base = self._year(m.args[0], 0), self._year(m.args[0], m.years)
            if now is not None and base is not None and now >= 0 and base > 0:
                value = _r(((now / base) ** (1.0 / m.years) - 1) * 100)
        elif m.kind in ("sum", "mean"):
            xs = [self._year(m.args[0], k) for k in range(m.years)]
            total = sum(x for x in xs if x is not None)
            if m.kind == "mean":
                total /= m.years
            total = _r(total)
            if any(x is None for x in xs):
                return None, (total, INF)
            return total, (total, total)
        elif m.kind == "title":
            return self._title(m.args[0])
        elif m.kind in ("any_of", "present"):
            vals = [self.firm.get(a) for a in m.args]
            if m.kind == "present":
                vals = [None if v is None else v < INF for v in vals]
            if any(v for v in vals):
                return 1.0, (1.0, 1.0)
            if all(v is not None for v in vals):
                return 0.0, (0.0, 0.0)
            return None, (0.0, 1.0)
        else:
            raise ValueError(m.kind)
        return value, ((value, value) if value is not None else (-INF, INF))

    def _title(self, level: str) -> tuple[float | None, Interval]:
        if self.firm.get(title_undated_column(level)) is None:
            return None, (0.0, 1.0)
        a = self.as_of.year * 10000 + self.as_of.month * 100 + self.as_of.day
        for lvl in TITLE_LEVELS[TITLE_LEVELS.index(level) :]:
            if self.firm.get(title_undated_column(lvl)):
                return 1.0, (1.0, 1.0)
            for slot in range(1, TITLE_SLOTS + 1):
                d = self.firm.get(title_date_column(lvl, slot))
                if d is not None and d <= a < d + 30000:
                    return 1.0, (1.0, 1.0)
        return 0.0, (0.0, 0.0)

    # --- conditions and indicators -------------------------------------------------------------
    def condition(
        self, c: Condition, tier: Tier, out: dict[str, tuple[bool, bool]]
    ) -> tuple[bool, bool]:
        if isinstance(c, Compare):
            _, (lo, hi) = self.measure(c.measure)
            v = c.value
            res = {
                "at_least": (lo >= v, hi >= v),
                "at_most": (hi <= v, lo <= v),
                "greater_than": (lo > v, hi > v),
                "less_than": (hi < v, lo < v),
            }[c.op]
        elif isinstance(c, InSet):
            obs, _ = self.measure(c.measure)
            order = self.book.measures[c.measure].order
            codes = {float(order.index(v)) for v in c.values}
            res = (obs is not None and obs in codes, obs is None or obs in codes)
        elif isinstance(c, ScoreAtLeast):
            lo, hi = self.score(tier, c.group)
            res = (lo >= c.value, hi >= c.value)
        else:
            kids = [self.condition(k, tier, out) for k in c.children]
            agg = all if isinstance(c, AllOf) else any
            res = (agg(d for d, _ in kids), agg(p for _, p in kids))
        out[c.meta.id] = res
        return res

    def scoring(self, s: Scoring, ind: Indicator, tier: Tier) -> Interval:
        if isinstance(s, Brackets):

            def f(v: float) -> float:
                for edge, pts in s.edges:
                    if (v <= edge) if s.lower_is_better else (v >= edge):
                        return pts
                return s.otherwise

            _, (lo, hi) = self.measure(s.measure)
            return (f(hi), f(lo)) if s.lower_is_better else (f(lo), f(hi))
        if isinstance(s, Options):
            states = [self.condition(c, tier, {}) for _, c in s.options]
            lo = next(
                (p for (p, _), (d, _) in zip(s.options, states, strict=True) if d), s.otherwise
            )
            hi = next(
                (p for (p, _), (_, q) in zip(s.options, states, strict=True) if q), s.otherwise
            )
            return lo, hi
        if isinstance(s, Items):
            states = [self.condition(c, tier, {}) for _, c in s.items]
            lo = sum(p for (p, _), (d, _) in zip(s.items, states, strict=True) if d)
            hi = sum(p for (p, _), (_, q) in zip(s.items, states, strict=True) if q)
            return min(lo, s.cap), min(hi, s.cap)
        if isinstance(s, Value):
            _, (lo, hi) = self.measure(s.measure)
            return min(max(lo, ind.min), ind.max), min(max(hi, ind.min), ind.max)
        if isinstance(s, BestOf):
            parts = [self.scoring(p, ind, tier) for p in s.parts]
            return max(p[0] for p in parts), max(p[1] for p in parts)
        if isinstance(s, SumOf):
            parts = [self.scoring(p.scoring, p, tier) for p in s.parts]
            return sum(p[0] for p in parts), sum(p[1] for p in parts)
        raise TypeError(s)

    def points(self, tier: Tier) -> dict[str, Interval]:
        if tier.id in self._points:
            return self._points[tier.id]
        out: dict[str, Interval] = self._points.setdefault(tier.id, {})
        for top in tier.scorecard.indicators if tier.scorecard else ():
            for ind in scoring_parts(top):
                out[ind.meta.id] = self.scoring(ind.scoring, ind, tier)
        return out

    def score(self, tier: Tier, group: str) -> Interval:
        assert tier.scorecard is not None
        members = tier.scorecard.members(group)
        pts = self.points(tier)
        return _r(sum(pts[m][0] for m in members)), _r(sum(pts[m][1] for m in members))

    def grade(self, tier_id: str) -> dict[str, Any]:
        tier = self.book.tiers[tier_id]
        conds: dict[str, tuple[bool, bool]] = {}
        definitely, possibly = self.condition(tier.requires, tier, conds)
        verdict = "pass" if definitely else ("fail" if not possibly else "unknown")
        pts = self.points(tier)
        lo, hi = self.score(tier, "total") if tier.scorecard else (None, None)
        return {
            "verdict": verdict,
            "score_min": lo,
            "score_max": hi,
            "score": lo if lo is not None and lo == hi else None,
            "points": pts,
            "conditions": conds,
        }


def grade_rows(
    book: Rulebook,
    firms: list[Mapping[str, Any]],
    financials: list[Mapping[str, Any]],
    as_of: date,
    tiers: tuple[str, ...] | None = None,
) -> list[dict[str, Any]]:
    """Grade firms one by one, the obvious way (the benchmark's baseline)."""
    y0 = as_of.year - 1
    by_firm: dict[str, dict[int, Mapping[str, Any]]] = {}
    for row in financials:
        k = y0 - int(row["year"])
        if 0 <= k < 3:
            by_firm.setdefault(row["credit_code"], {})[k] = row
    out = []
    for firm in firms:
        interp = FirmInterpreter(book, firm, by_firm.get(firm["credit_code"], {}), as_of)
        for t in tiers or tuple(book.tiers):
            out.append({"credit_code": firm["credit_code"], "tier": t, **interp.grade(t)})
    return out
