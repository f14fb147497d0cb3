"""Measures as interval expressions over the one-row-per-firm ("wide") frame.

Every measure becomes three narwhals expressions:

* ``obs`` – the value when every input is known (derived values rounded to 6 decimals), else null;
* ``lo`` / ``hi`` – the smallest / largest value it can take over every possible value of its
  missing inputs (CRITERIA.md "Missing data"); never null, ±inf where unbounded.

The expressions are written once against narwhals and run on Polars, DuckDB and PySpark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import narwhals as nw

from feidi.rules._model import Measure
from feidi.schema import (
    FIELDS_BY_NAME,
    TITLE_LEVELS,
    TITLE_SLOTS,
    Field,
    title_date_column,
    title_undated_column,
)

INF = math.inf
#: Derived values are rounded to this many decimals before they meet a threshold.
DECIMALS = 6


@dataclass(frozen=True, slots=True)
class IntervalExpr:
    obs: nw.Expr
    lo: nw.Expr
    hi: nw.Expr


def year_column(field: str, offset: int) -> str:
    """Wide-frame column of a year field: ``revenue__y0`` is 上年度's revenue."""
    return f"{field}__y{offset}"


def _domain(f: Field) -> tuple[float, float]:
    """The values an unknown field can take."""
    if f.kind == "bool":
        return 0.0, 1.0
    lo = -INF if f.min is None else float(f.min)
    hi = INF if f.max is None else float(f.max)
    return lo, hi


def _known(obs: nw.Expr, lo: float, hi: float) -> IntervalExpr:
    return IntervalExpr(obs, obs.fill_null(lo), obs.fill_null(hi))


def _derived(value: nw.Expr, defined: nw.Expr) -> IntervalExpr:
    """A ratio or growth rate: known and rounded where ``defined``, else spanning everything."""
    obs = nw.when(defined).then(value.round(DECIMALS))
    return IntervalExpr(obs, obs.fill_null(-INF), obs.fill_null(INF))


def _growth(x_now: nw.Expr, x_base: nw.Expr) -> nw.Expr:
    return (x_now - x_base) / x_base * 100


def measure_inputs(m: Measure, fields: dict[str, Field]) -> list[str]:
    """The wide-frame columns a measure reads (used to list missing fields)."""
    if m.kind == "field":
        f = fields[m.args[0]]
        return [year_column(f.name, m.year) if f.scope == "year" else f.name]
    if m.kind == "ratio":
        return [year_column(a, m.year) for a in m.args]
    if m.kind == "growth":
        return [year_column(m.args[0], m.year + k) for k in (0, 1)]
    if m.kind in ("mean_growth", "cagr"):
        return [year_column(m.args[0], k) for k in range(m.years + 1)]
    if m.kind in ("sum", "mean"):
        return [year_column(m.args[0], k) for k in range(m.years)]
    if m.kind == "title":
        return ["titles"]
    if m.kind == "present":
        return list(m.args)
    if m.kind == "any_of":
        return ["honors"] if all(a.startswith("honor_") for a in m.args) else list(m.args)
    return [m.args[0]]  # ordinal


def years_needed(measures: list[Measure]) -> int:
    """How many fiscal years back from 上年度 the measures read."""
    need = 1
    for m in measures:
        if m.kind in ("ratio", "field"):
            need = max(need, m.year + 1)
        elif m.kind == "growth":
            need = max(need, m.year + 2)
        elif m.kind in ("mean_growth", "cagr"):
            need = max(need, m.years + 1)
        elif m.kind in ("sum", "mean"):
            need = max(need, m.years)
    return need


def _title_held(level: str, as_of: date) -> tuple[nw.Expr, nw.Expr]:
    """(held, known): the firm holds ``level`` or a higher title on ``as_of``.

    Grant dates are YYYYMMDD integers, so "before the same calendar date three years later"
    is ``as_of < grant + 30000`` — a 29 February grant lapses on 1 March as CRITERIA requires.
    """
    a = as_of.year * 10000 + as_of.month * 100 + as_of.day
    held_parts: list[nw.Expr] = []
    for lvl in TITLE_LEVELS[TITLE_LEVELS.index(level) :]:
        held_parts.append(nw.col(title_undated_column(lvl)).fill_null(value=False))
        for slot in range(1, TITLE_SLOTS + 1):
            d = nw.col(title_date_column(lvl, slot))
            held_parts.append(((d <= a) & (d + 30000 > a)).fill_null(value=False))
    known = ~nw.col(title_undated_column(level)).is_null()
    return nw.any_horizontal(*held_parts, ignore_nulls=False), known


def measure_expr(
    m: Measure, as_of: date, fields: dict[str, Field] = FIELDS_BY_NAME
) -> IntervalExpr:
    """Compile one measure to its interval expressions."""
    if m.kind == "field":
        f = fields[m.args[0]]
        col = nw.col(year_column(f.name, m.year) if f.scope == "year" else f.name)
        if f.kind == "bool":
            col = col.cast(nw.Float64)
        lo, hi = _domain(f)
        if f.kind == "rank":
            lo = 1.0  # empty = none is +inf (known); only an absent column is unknown
        return _known(col.cast(nw.Float64), lo, hi)
    if m.kind == "ordinal":
        col = nw.col(m.args[0])
        ranked: nw.Expr = nw.when(col == m.order[0]).then(nw.lit(0.0))
        for rank, value in enumerate(m.order[1:], start=1):
            ranked = ranked.when(col == value).then(nw.lit(float(rank)))  # type: ignore[attr-defined]
        return _known(ranked, 0.0, float(len(m.order) - 1))
    if m.kind == "ratio":
        num, den = (nw.col(year_column(a, m.year)) for a in m.args)
        return _derived(num / den * 100, ~num.is_null() & (den > 0))
    if m.kind == "growth":
        now, base = (nw.col(year_column(m.args[0], m.year + k)) for k in (0, 1))
        return _derived(_growth(now, base), ~now.is_null() & (base > 0))
    if m.kind == "mean_growth":
        xs = [nw.col(year_column(m.args[0], k)) for k in range(m.years + 1)]
        rates = [_growth(xs[k], xs[k + 1]) for k in range(m.years)]
        defined = nw.all_horizontal(
            ~xs[0].is_null(), *[(x > 0) for x in xs[1:]], ignore_nulls=False
        ).fill_null(value=False)
        return _derived(nw.sum_horizontal(*rates) / m.years, defined)
    if m.kind == "cagr":
        last, first = nw.col(year_column(m.args[0], 0)), nw.col(year_column(m.args[0], m.years))
        rate = ((last / first) ** (1.0 / m.years) - 1) * 100
        return _derived(rate, (last >= 0) & (first > 0))
    if m.kind in ("sum", "mean"):
        # Non-negative yearly amounts: a missing year is anything from 0 up.
        amounts = [nw.col(year_column(m.args[0], k)) for k in range(m.years)]
        total = nw.sum_horizontal(*[x.fill_null(0.0) for x in amounts])
        if m.kind == "mean":
            total = total / m.years
        total = total.round(DECIMALS)
        missing = nw.any_horizontal(*[x.is_null() for x in amounts], ignore_nulls=False)
        obs = nw.when(~missing).then(total)
        return IntervalExpr(obs, total, nw.when(missing).then(nw.lit(INF)).otherwise(total))
    if m.kind == "title":
        held, known = _title_held(m.args[0], as_of)
        obs = nw.when(known).then(held.cast(nw.Float64))
        return IntervalExpr(obs, obs.fill_null(0.0), obs.fill_null(1.0))
    if m.kind in ("any_of", "present"):
        cols = [nw.col(a) for a in m.args]
        if m.kind == "present":  # a rank is held when finite; +inf is "none", null unknown
            cols = [nw.when(~c.is_null()).then(c < INF) for c in cols]
        parts = [c.cast(nw.Float64) for c in cols]
        least = nw.max_horizontal(*[p.fill_null(0.0) for p in parts])
        most = nw.max_horizontal(*[p.fill_null(1.0) for p in parts])
        return IntervalExpr(nw.when(least == most).then(least), least, most)
    raise ValueError(f"unknown measure kind {m.kind}")
