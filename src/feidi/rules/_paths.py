"""The smallest set of changes that would make a firm pass a tier, as Polars expressions.

Runs on the flat result frame (any engine's, collected or streamed through Polars), so one
mechanism serves a 1,000,000-firm batch and a single firm's what-if alike.

How a path is chosen, in the rulebook's own terms:

* every node of the requirement tree has a *cost*, the number of changes it needs: a leaf that
  does not surely hold costs 1, or ∞ when it cannot be a change — a band leaf (it only says
  which revenue band applies) or a measure marked ``actionable: false`` (award ranks); a score
  threshold costs the fewest bracket steps that cover its deficit; ``all`` adds its children;
* ``any`` follows its first child that can be reached (finite cost): rulebooks list the usual
  route first (the score before the direct routes, revenue before equity financing), and an
  officer expects the usual route unless it is closed;
* the path is the set of failing leaves and score steps under the chosen children;
* score steps are greedy by gain: each indicator's next bracket up (or, when next steps cannot
  cover the deficit, its top bracket), largest gain first — the fewest steps that cover it.
  Indicators with unknown points are not stepped: the missing data comes first.
* each step carries its required value and, where it can be computed, the amount (万元, people,
  years) it takes at the firm's current figures (extra R&D at current revenue …).

Known simplification: a tier with a total and group minimums (附件1) chooses steps for each
score threshold separately and takes their union, so a step counted for a group is not
credited to the total; the path can then hold one step more than strictly needed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from feidi.rules._engine import mcol, ncol
from feidi.rules._measures import year_column
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
    Measure,
    Options,
    Rulebook,
    ScoreAtLeast,
    Scoring,
    Tier,
)
from feidi.schema import FIELDS_BY_NAME

INF = math.inf

PATH_STEP = pl.Struct(
    {
        "id": pl.String,  # indicator or condition id
        "measure": pl.String,
        "observed": pl.Float64,
        "op": pl.String,  # at_least / at_most / greater_than / less_than / in / is
        "required": pl.Float64,
        "gain": pl.Float64,  # points gained (score steps); null for conditions
        "amount": pl.Float64,  # change needed in `amount_field`, when computable
        "amount_field": pl.String,  # e.g. "rd_expense@2025"
    }
)


@dataclass
class _Step:
    """Expressions describing one indicator's candidate step (next bracket or top bracket)."""

    gain: pl.Expr
    measure: pl.Expr
    observed: pl.Expr
    op: pl.Expr
    required: pl.Expr
    amount: pl.Expr
    amount_field: pl.Expr


def _lit_str(v: str | None) -> pl.Expr:
    return pl.lit(v, dtype=pl.String)


def _null_f() -> pl.Expr:
    return pl.lit(None, dtype=pl.Float64)


def _amount(
    book: Rulebook, measure_id: str, op: str, required: pl.Expr, fy: int
) -> tuple[pl.Expr, pl.Expr]:
    """(amount, field) needed for ``measure op required`` at current figures, or nulls."""
    m: Measure = book.measures[measure_id]
    up = op in ("at_least", "greater_than")
    if m.kind == "ratio":
        num, den = (pl.col(year_column(a, m.year)) for a in m.args)
        need = required / 100 * den - num if up else num - required / 100 * den
        spec = FIELDS_BY_NAME.get(m.args[0])
        if spec is not None and spec.kind == "count":  # whole people: 0.1 人 is 1 人
            need = need.ceil()
        field = f"{m.args[0]}@{fy - m.year}"
        return pl.when(need > 0).then(need), _lit_str(field)
    if m.kind == "field" and m.unit not in ("", "名", "强"):  # not for ranks and yes/no fields
        obs = pl.col(mcol(measure_id, "obs"))
        need = required - obs if up else obs - required
        spec = FIELDS_BY_NAME.get(m.args[0])
        field = (
            f"{m.args[0]}@{fy - m.year}" if spec is not None and spec.scope == "year" else m.args[0]
        )
        return pl.when(need > 0).then(need), _lit_str(field)
    if m.kind in ("sum", "mean"):
        obs = pl.col(mcol(measure_id, "lo"))
        need = (required - obs) * (m.years if m.kind == "mean" else 1)
        return pl.when(need > 0).then(need), _lit_str(f"{m.args[0]}@{fy}")
    if m.kind == "growth":
        now, base = (pl.col(year_column(m.args[0], m.year + k)) for k in (0, 1))
        need = base * (1 + required / 100) - now
        return pl.when(need > 0).then(need), _lit_str(f"{m.args[0]}@{fy - m.year}")
    return _null_f(), _lit_str(None)


_STEP_FIELDS = ("gain", "measure", "observed", "op", "required", "amount", "amount_field")


class PathBuilder:
    """Builds the ``path`` column (list of :data:`PATH_STEP`) for one tier.

    Intermediate values are materialised as columns (``_p__<tier>__…``) in stages, each stage
    reading only earlier ones: written as one nested expression, the greedy ranking would copy
    every gain expression hundreds of times.
    """

    def __init__(self, book: Rulebook, tier: Tier, fiscal_year: int) -> None:
        self.book = book
        self.tier = tier
        self.fy = fiscal_year
        self.t = tier.id
        self.stages: dict[int, dict[str, pl.Expr]] = {}
        self.steps_blocked: dict[str, list[tuple[str, pl.Expr]]] = {}
        self.steps: dict[str, tuple[_Step, _Step]] = {}  # indicator → (next, top), as columns
        if tier.scorecard:
            for ind in tier.scorecard.indicators:
                nxt, top = self._indicator_steps(ind)
                self.steps[ind.meta.id] = (
                    self._materialise(f"{ind.meta.id}__next", nxt, 0),
                    self._materialise(f"{ind.meta.id}__top", top, 0),
                )

    def _col(self, name: str) -> str:
        return f"_p__{self.t}__{name}"

    def put(self, name: str, expr: pl.Expr, level: int) -> pl.Expr:
        """Store ``expr`` as a column at ``level``; return a reference to it."""
        self.stages.setdefault(level, {})[self._col(name)] = expr
        return pl.col(self._col(name))

    def _materialise(self, name: str, step: _Step, level: int) -> _Step:
        return _Step(*(self.put(f"{name}__{f}", getattr(step, f), level) for f in _STEP_FIELDS))

    def apply(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        """Add the intermediate columns the ``build()`` expression reads."""
        for level in sorted(self.stages):
            frame = frame.with_columns(**self.stages[level])
        return frame

    def drop_columns(self) -> list[str]:
        return [name for stage in self.stages.values() for name in stage]

    # --- columns of the flat frame ---------------------------------------------------------
    def _def(self, node: str) -> pl.Expr:
        return pl.col(ncol(self.t, node, "def"))

    def _lo(self, ind: str) -> pl.Expr:
        return pl.col(ncol(self.t, ind, "lo"))

    def _hi(self, ind: str) -> pl.Expr:
        return pl.col(ncol(self.t, ind, "hi"))

    # --- candidate steps per indicator -------------------------------------------------------
    def _none(self) -> _Step:
        return _Step(
            pl.lit(0.0),
            _lit_str(None),
            _null_f(),
            _lit_str(None),
            _null_f(),
            _null_f(),
            _lit_str(None),
        )

    def _bracket_steps(self, s: Brackets, current: pl.Expr) -> tuple[_Step, _Step]:
        obs = pl.col(mcol(s.measure, "obs"))
        op = "at_most" if s.lower_is_better else "at_least"
        # next bracket: the nearest edge not yet reached (edges are inclusive)
        ordered = list(reversed(s.edges))  # worst first
        nxt_edge: pl.Expr = _null_f()
        nxt_pts: pl.Expr = _null_f()
        for edge, pts in reversed(ordered):  # best first, so the nearest unmet edge wins last
            unmet = obs > edge if s.lower_is_better else obs < edge
            nxt_edge = pl.when(unmet).then(pl.lit(edge)).otherwise(nxt_edge)
            nxt_pts = pl.when(unmet).then(pl.lit(pts)).otherwise(nxt_pts)
        top_edge, top_pts = s.edges[0]
        top_unmet = obs > top_edge if s.lower_is_better else obs < top_edge

        def step(edge: pl.Expr, pts: pl.Expr, live: pl.Expr) -> _Step:
            amount, field = _amount(self.book, s.measure, op, edge, self.fy)
            gain = pl.when(live & obs.is_not_null()).then(pts - current).otherwise(0.0)
            return _Step(gain, _lit_str(s.measure), obs, _lit_str(op), edge, amount, field)

        return (
            step(nxt_edge, nxt_pts, nxt_edge.is_not_null()),
            step(pl.lit(top_edge), pl.lit(top_pts), top_unmet),
        )

    def _condition_target(self, c: Condition) -> tuple[str | None, str | None, float | None]:
        """(measure, op, required) of a simple option/item condition, for describing a step."""
        if isinstance(c, Compare):
            return c.measure, c.op, c.value
        if isinstance(c, InSet):
            order = self.book.measures[c.measure].order
            return c.measure, "in", min(c.ranks(order))
        if isinstance(c, AnyOf | AllOf) and c.children:
            return self._condition_target(c.children[0])
        return None, None, None

    def _choice_steps(
        self,
        choices: list[tuple[float, Condition]],
        current: pl.Expr,
        met: list[pl.Expr],
        capped_gain: float | None = None,
    ) -> tuple[_Step, _Step]:
        """Options (next = the option just above the current one) and items (next = first unmet)."""
        gain = pl.lit(0.0)
        measure, observed, op, req = _lit_str(None), _null_f(), _lit_str(None), _null_f()
        amount, field = _null_f(), _lit_str(None)
        # walk worst → best so the nearest better choice wins (options) / first unmet (items)
        seq = list(zip(choices, met, strict=True))
        order = seq if capped_gain is not None else list(reversed(seq))
        for (pts, cond), is_met in reversed(order):
            m, o, r = self._condition_target(cond)
            g = (
                pl.min_horizontal(pl.lit(pts), pl.lit(capped_gain) - current)
                if capped_gain is not None
                else pl.lit(pts) - current
            )
            live = ~is_met & (g > 0)
            gain = pl.when(live).then(g).otherwise(gain)
            measure = pl.when(live).then(_lit_str(m)).otherwise(measure)
            if m is not None:
                observed = pl.when(live).then(pl.col(mcol(m, "obs"))).otherwise(observed)
            op = pl.when(live).then(_lit_str(o)).otherwise(op)
            req = pl.when(live).then(pl.lit(r, dtype=pl.Float64)).otherwise(req)
            if m is not None and o is not None and r is not None and o != "in":
                a, f = _amount(self.book, m, o, pl.lit(r), self.fy)
                amount = pl.when(live).then(a).otherwise(amount)
                field = pl.when(live).then(f).otherwise(field)
        nxt = _Step(gain, measure, observed, op, req, amount, field)
        if capped_gain is not None:
            return nxt, nxt  # items: one item at a time
        best_pts, best_cond = choices[0]
        m, o, r = self._condition_target(best_cond)
        top_gain = pl.when(~met[0]).then(pl.lit(best_pts) - current).otherwise(0.0)
        a, f = (
            _amount(self.book, m, o, pl.lit(r), self.fy)
            if m and o and o != "in" and r is not None
            else (_null_f(), _lit_str(None))
        )
        top = _Step(
            top_gain,
            _lit_str(m),
            pl.col(mcol(m, "obs")) if m else _null_f(),
            _lit_str(o),
            pl.lit(r, dtype=pl.Float64),
            a,
            f,
        )
        return nxt, top

    def _scoring_steps(self, s: Scoring, current: pl.Expr, ind: Indicator) -> tuple[_Step, _Step]:
        if isinstance(s, Brackets):
            return self._bracket_steps(s, current)
        if isinstance(s, Options | Items):
            choices = list(s.options if isinstance(s, Options) else s.items)
            met = [self._cond_def(c) for _, c in choices]
            cap = s.cap if isinstance(s, Items) else None
            return self._choice_steps(choices, current, met, cap)
        if isinstance(s, BestOf):
            parts = [self._scoring_steps(p, current, ind) for p in s.parts]
            # the part that gains most; on a tie, the one that costs less money
            best_next, best_top = parts[0]
            for nxt, top in parts[1:]:
                better_n = (nxt.gain > best_next.gain) | (
                    (nxt.gain == best_next.gain)
                    & (nxt.amount < best_next.amount).fill_null(value=False)
                )
                better_t = top.gain > best_top.gain
                best_next = _pick(better_n, nxt, best_next)
                best_top = _pick(better_t, top, best_top)
            return best_next, best_top
        return self._none(), self._none()

    def _cond_def(self, c: Condition) -> pl.Expr:
        """Definitely-holds of an indicator's inner condition, from the measure columns."""
        if isinstance(c, Compare):
            lo, hi = pl.col(mcol(c.measure, "lo")), pl.col(mcol(c.measure, "hi"))
            return {
                "at_least": lo >= c.value,
                "at_most": hi <= c.value,
                "greater_than": lo > c.value,
                "less_than": hi < c.value,
            }[c.op]
        if isinstance(c, InSet):
            order = self.book.measures[c.measure].order
            codes = c.ranks(order)
            return pl.col(mcol(c.measure, "obs")).is_in(codes).fill_null(value=False)
        if isinstance(c, AllOf):
            return pl.all_horizontal(*[self._cond_def(k) for k in c.children])
        if isinstance(c, AnyOf):
            return pl.any_horizontal(*[self._cond_def(k) for k in c.children])
        raise TypeError(c)

    def _indicator_steps(self, ind: Indicator) -> tuple[_Step, _Step]:
        iid = ind.meta.id
        known = self._lo(iid) == self._hi(iid)
        nxt, top = self._scoring_steps(ind.scoring, self._lo(iid), ind)
        # unknown points are not stepped: the missing data comes first
        return (
            dataclasses.replace(nxt, gain=pl.when(known).then(nxt.gain).otherwise(0.0)),
            dataclasses.replace(top, gain=pl.when(known).then(top.gain).otherwise(0.0)),
        )

    # --- costs and selection --------------------------------------------------------------------
    def _score_selection(
        self,
        node: ScoreAtLeast,
        credited: dict[str, list[tuple[pl.Expr, pl.Expr]]] | None = None,
        base: int = 0,
    ) -> tuple[pl.Expr, dict[str, tuple[pl.Expr, pl.Expr]]]:
        """(cost, {indicator: (selected, uses_top_step)}) for a score threshold.

        ``credited``: steps already chosen for sibling group minimums; their gains count towards
        this threshold and those indicators are not stepped again. Levels ``base+1 … base+5``.
        """
        sc = self.tier.scorecard
        assert sc is not None
        nid = node.meta.id
        members = sc.members(node.group)
        deficit = pl.lit(node.value) - pl.sum_horizontal(*[self._lo(i) for i in members])
        taken: dict[str, pl.Expr] = {}
        for iid, picks in (credited or {}).items():
            if iid in members:
                nxt, top = self.steps[iid]
                picked = pl.any_horizontal(*[sel for sel, _ in picks])
                as_top = pl.any_horizontal(*[sel & t for sel, t in picks])
                taken[iid] = picked
                deficit = deficit - pl.when(picked).then(
                    pl.when(as_top).then(top.gain).otherwise(nxt.gain)
                ).otherwise(0.0)
        for iid in members:
            if iid in taken:  # already stepped for a group: no second step here
                self.steps_blocked.setdefault(nid, []).append((iid, taken[iid]))
        blocked = dict(self.steps_blocked.get(nid, []))

        def free(i: str, gain: pl.Expr) -> pl.Expr:
            return pl.when(blocked[i]).then(0.0).otherwise(gain) if i in blocked else gain

        next_total = pl.sum_horizontal(*[free(i, self.steps[i][0].gain) for i in members])
        use_top = self.put(f"{nid}__use_top", next_total < deficit, base + 1)
        deficit = self.put(f"{nid}__deficit", deficit, base + 1)
        gains = {
            i: self.put(
                f"{nid}__gain__{i}",
                free(
                    i, pl.when(use_top).then(self.steps[i][1].gain).otherwise(self.steps[i][0].gain)
                ),
                base + 2,
            )
            for i in members
        }
        # rank_i: how many members gain more (earlier members win ties)
        rank = {
            i: self.put(
                f"{nid}__rank__{i}",
                pl.sum_horizontal(
                    pl.lit(0),
                    *[
                        (
                            (gains[j] > gains[i])
                            | ((gains[j] == gains[i]) & pl.lit(members.index(j) < members.index(i)))
                        ).cast(pl.Int32)
                        for j in members
                        if j != i
                    ],
                ),
                base + 3,
            )
            for i in members
        }
        k: pl.Expr = pl.lit(INF)
        for t in range(len(members), 0, -1):
            covered = (
                pl.sum_horizontal(
                    *[pl.when(rank[i] < t).then(gains[i]).otherwise(0.0) for i in members]
                )
                >= deficit
            )
            k = pl.when(covered).then(pl.lit(float(t))).otherwise(k)
        k = self.put(f"{nid}__k", pl.when(deficit <= 0).then(0.0).otherwise(k), base + 4)
        cost = self.put(f"{nid}__cost", pl.when(self._def(nid)).then(0.0).otherwise(k), base + 5)
        # The k−1 largest gains, then the *smallest* step that still covers what remains: one
        # point short should not be told to build a provincial R&D institution.
        remainder = self.put(
            f"{nid}__remainder",
            deficit
            - pl.sum_horizontal(
                *[pl.when(rank[i] < k - 1).then(gains[i]).otherwise(0.0) for i in members]
            ),
            base + 5,
        )
        last_ok = {
            i: (rank[i] >= k - 1) & (gains[i] >= remainder) & (gains[i] > 0) for i in members
        }
        smallest = self.put(
            f"{nid}__smallest",
            pl.min_horizontal(
                *[pl.when(last_ok[i]).then(gains[i]).otherwise(INF) for i in members]
            ),
            base + 6,
        )
        # the first member (in rulebook order) with that smallest sufficient gain
        last = self.put(
            f"{nid}__last",
            pl.min_horizontal(
                *[
                    pl.when(last_ok[i] & (gains[i] == smallest))
                    .then(pl.lit(n))
                    .otherwise(pl.lit(len(members)))
                    for n, i in enumerate(members)
                ]
            ),
            base + 7,
        )
        chosen: dict[str, pl.Expr] = {}
        for n, i in enumerate(members):
            # when even every step falls short, still show them all: the gap stays visible
            chosen[i] = self.put(
                f"{nid}__chosen__{i}",
                pl.when(k.is_infinite())
                .then(gains[i] > 0)
                .otherwise((k >= 1) & (((rank[i] < k - 1) & (gains[i] > 0)) | (last == n))),
                base + 8,
            )
        return cost, {i: (chosen[i], use_top) for i in members}

    def build(self) -> list[tuple[pl.Expr, pl.Expr]]:
        """Every possible step as (is it on this firm's path, the PATH_STEP struct).

        Call :meth:`apply` on the frame first: the expressions read the staged columns.
        """
        leaf_steps: list[tuple[pl.Expr, pl.Expr]] = []
        ind_selected: dict[str, list[tuple[pl.Expr, pl.Expr]]] = {}
        costs: dict[str, pl.Expr] = {}
        selections: dict[str, dict[str, tuple[pl.Expr, pl.Expr]]] = {}

        def cost(c: Condition) -> int:
            """Add the node's cost column; returns its stage level."""
            nid = c.meta.id
            if isinstance(c, ScoreAtLeast):
                costs[nid], selections[nid] = self._score_selection(c)
                return 9
            if isinstance(c, AllOf) and any(
                isinstance(k, ScoreAtLeast) and k.group == "total" for k in c.children
            ):
                # group minimums first; the total is credited with the steps they chose
                groups = [
                    k for k in c.children if isinstance(k, ScoreAtLeast) and k.group != "total"
                ]
                for g in groups:
                    costs[g.meta.id], selections[g.meta.id] = self._score_selection(g)
                credited: dict[str, list[tuple[pl.Expr, pl.Expr]]] = {}
                for g in groups:
                    for iid, (sel, top) in selections[g.meta.id].items():
                        credited.setdefault(iid, []).append((sel & ~self._def(g.meta.id), top))
                total = next(
                    k for k in c.children if isinstance(k, ScoreAtLeast) and k.group == "total"
                )
                costs[total.meta.id], selections[total.meta.id] = self._score_selection(
                    total, credited, base=9
                )
                others = [k for k in c.children if not isinstance(k, ScoreAtLeast)]
                level = max([18, *[cost(k) for k in others]]) + 1
                costs[nid] = self.put(
                    f"{nid}__cost",
                    pl.sum_horizontal(*[costs[k.meta.id] for k in c.children]),
                    level,
                )
                return level
            if isinstance(c, Compare | InSet):
                fixed = (isinstance(c, Compare) and c.band) or not self.book.measures[
                    c.measure
                ].actionable
                fail = pl.lit(INF) if fixed else pl.lit(1.0)
                costs[nid] = self.put(
                    f"{nid}__cost", pl.when(self._def(nid)).then(0.0).otherwise(fail), 0
                )
                return 0
            level = 1 + max(cost(k) for k in c.children)
            kids = [costs[k.meta.id] for k in c.children]
            if isinstance(c, AllOf):
                combined = pl.sum_horizontal(*kids)
            else:  # the first reachable child's cost (see the module docstring)
                combined = pl.min_horizontal(*kids)
                for kid in reversed(kids):
                    combined = pl.when(kid.is_finite()).then(kid).otherwise(combined)
            costs[nid] = self.put(f"{nid}__cost", combined, max(level, 9))
            return max(level, 9)

        top_level = cost(self.tier.requires) + 1

        def mark(c: Condition, in_path: pl.Expr, level: int) -> None:
            nid = c.meta.id
            here = self.put(f"{nid}__in_path", in_path & ~self._def(nid), level)
            if isinstance(c, ScoreAtLeast):
                for iid, (sel, top) in selections[nid].items():
                    ind_selected.setdefault(iid, []).append((here & sel, top))
            elif isinstance(c, Compare | InSet):
                leaf_steps.append(self._leaf_step(c, here))
            elif isinstance(c, AllOf):
                for k in c.children:
                    mark(k, here, level + 1)
            else:
                # the first child whose cost is the node's cost (a column, so the test is linear)
                first = self.put(
                    f"{nid}__choice",
                    pl.min_horizontal(
                        *[
                            pl.when(costs[k.meta.id] == costs[nid])
                            .then(pl.lit(n))
                            .otherwise(pl.lit(len(c.children)))
                            for n, k in enumerate(c.children)
                        ]
                    ),
                    level,
                )
                for n, k in enumerate(c.children):
                    mark(k, here & (first == n), level + 1)

        mark(self.tier.requires, pl.lit(value=True), top_level)
        score_steps = [self._indicator_step(iid, sel) for iid, sel in ind_selected.items()]
        return score_steps + leaf_steps

    def path_column(self, staged: pl.DataFrame, steps: list[tuple[pl.Expr, pl.Expr]]) -> pl.Series:
        """The ``path`` column for every row of ``staged`` (a list of PATH_STEP per firm).

        ``steps`` come from :meth:`build`, called before :meth:`apply` staged the frame.
        Steps keep their order: score steps, then conditions in rulebook order.
        """
        return ragged_column(staged, steps, PATH_STEP, "path")

    def _indicator_step(
        self, iid: str, selections: list[tuple[pl.Expr, pl.Expr]]
    ) -> tuple[pl.Expr, pl.Expr]:
        chosen = pl.any_horizontal(*[s for s, _ in selections])
        top = pl.any_horizontal(*[s & t for s, t in selections])
        nxt, tp = self.steps[iid]
        s = _pick(top, tp, nxt)
        return chosen, pl.struct(
            id=_lit_str(iid),
            measure=s.measure,
            observed=s.observed,
            op=s.op,
            required=s.required,
            gain=s.gain,
            amount=s.amount,
            amount_field=s.amount_field,
        )

    def _leaf_step(self, c: Compare | InSet, here: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        if isinstance(c, InSet):
            order = self.book.measures[c.measure].order
            op, required = "in", min(c.ranks(order))
            amount, field = _null_f(), _lit_str(None)
        else:
            op, required = c.op, c.value
            amount, field = _amount(self.book, c.measure, op, pl.lit(required), self.fy)
            if self.book.measures[c.measure].kind in ("title",) or math.isinf(required):
                amount, field = _null_f(), _lit_str(None)
        return here, pl.struct(
            id=_lit_str(c.meta.id),
            measure=_lit_str(c.measure),
            observed=pl.col(mcol(c.measure, "obs")),
            op=_lit_str(op),
            required=pl.lit(required, dtype=pl.Float64),
            gain=_null_f(),
            amount=amount,
            amount_field=field,
        )


def ragged_column(
    frame: pl.DataFrame, items: list[tuple[pl.Expr, pl.Expr]], dtype: pl.DataType, name: str
) -> pl.Series:
    """A list column: for each row, the ``value`` of every ``(condition, value)`` that holds.

    Built long — each item's rows filtered first, sorted by row, then cut into per-row lists
    by Arrow offsets. Building every item for every row and dropping nulls cost 7× more, and a
    join back to the rows as much again (both measured): most items hold for few rows.
    """
    n_rows = frame.height
    lazy = frame.lazy().with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("__r"))
    parts = [
        lazy.filter(cond).select(
            "__r", pl.lit(n, dtype=pl.UInt16).alias("__n"), value.cast(dtype).alias("__v")
        )
        for n, (cond, value) in enumerate(items)
    ]
    if parts:
        long = pl.concat(parts).sort("__r", "__n").collect()
    else:
        long = pl.DataFrame(schema={"__r": pl.UInt32, "__n": pl.UInt16, "__v": dtype})
    counts = np.bincount(long["__r"].to_numpy(), minlength=n_rows)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    values = long["__v"].to_arrow()
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pl.Series(name, pa.ListArray.from_arrays(offsets, values)).cast(pl.List(dtype))


def _pick(cond: pl.Expr, a: _Step, b: _Step) -> _Step:
    return _Step(
        pl.when(cond).then(a.gain).otherwise(b.gain),
        pl.when(cond).then(a.measure).otherwise(b.measure),
        pl.when(cond).then(a.observed).otherwise(b.observed),
        pl.when(cond).then(a.op).otherwise(b.op),
        pl.when(cond).then(a.required).otherwise(b.required),
        pl.when(cond).then(a.amount).otherwise(b.amount),
        pl.when(cond).then(a.amount_field).otherwise(b.amount_field),
    )
