"""The smallest set of changes that would make a firm pass a tier, computed as NumPy arrays.

Runs on a batch of the engine's result (any engine's, brought to Polars), one array per
column, so one mechanism serves a 1,000,000-firm province and a single firm's what-if alike.

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
* a condition whose change a score step of the same path already makes (the same measure, in
  the same direction, at least as far) is not listed a second time;
* each step carries its required value and, where it can be computed, the amount (万元, people,
  years) it takes at the firm's current figures (extra R&D at current revenue …), rounded *up*
  to the hundredth shown, so that adding the amount shown really meets the requirement.

Known simplification: a tier with a total and group minimums (附件1) chooses steps for each
score threshold separately and takes their union, so a step counted for a group is not
credited to the total; the path can then hold one step more than strictly needed.

A path is found in two halves. :class:`PathFinder` decides, per firm, which candidate steps
are on the path and, for a score step, which of the indicator's possible steps (its
:class:`Shape`) it is: a boolean and a small integer per candidate, which is what the flat
layout stores. :func:`path_series` turns those back into :data:`PATH_STEP` structs — measure,
observed value, target, gain, amount — from the flat columns alone, so a reader of a flat
file gets the same path as the evaluation did.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
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

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
B = npt.NDArray[np.bool_]

#: Amounts are shown to the hundredth (万元, people, years): they are rounded *up* to it.
AMOUNT_STEP = 0.01


class Figures(Protocol):
    """Where the values a path is priced at come from (NaN where unknown)."""

    n: int

    def obs(self, measure: str) -> F64: ...

    def lo(self, measure: str) -> F64: ...

    def input(self, column: str) -> F64: ...


def column_bools(s: pl.Series) -> B:
    """A boolean column as a NumPy array, False where null.

    Unpacked from the Arrow bitmap: several times faster than ``Series.to_numpy``.
    """
    a = s.to_arrow()
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    if len(a) == 0:
        return np.zeros(0, dtype=np.bool_)
    validity, data = a.buffers()[:2]

    def unpack(buf: pa.Buffer) -> B:
        bits = np.unpackbits(np.frombuffer(buf, dtype=np.uint8), bitorder="little")
        return bits[a.offset : a.offset + len(a)].view(np.bool_)

    out = unpack(data)
    if a.null_count:
        out = out & unpack(validity)
    return out


def column_floats(s: pl.Series) -> F64:
    """A numeric or boolean column as float64, NaN where null."""
    if s.dtype != pl.Float64:
        s = s.cast(pl.Float64)
    out = s.to_numpy()
    return out if out.dtype == np.float64 else out.astype(np.float64)


class EngineColumns:
    """The columns of one batch of the engine's result, as NumPy arrays fetched once."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self.n = frame.height
        self._f: dict[str, F64] = {}
        self._b: dict[str, B] = {}

    def f(self, name: str) -> F64:
        out = self._f.get(name)
        if out is None:
            out = self._f[name] = column_floats(self.frame.get_column(name))
        return out

    def b(self, name: str) -> B:
        """A boolean column, False where null."""
        out = self._b.get(name)
        if out is None:
            out = self._b[name] = column_bools(self.frame.get_column(name))
        return out

    def null(self, name: str) -> B:
        s = self.frame.get_column(name)
        if not s.null_count():
            return np.zeros(self.n, dtype=np.bool_)
        if s.dtype.is_numeric():
            return np.isnan(self.f(name))
        return s.is_null().to_numpy()

    # Figures
    def obs(self, measure: str) -> F64:
        return self.f(mcol(measure, "obs"))

    def lo(self, measure: str) -> F64:
        return self.f(mcol(measure, "lo"))

    def input(self, column: str) -> F64:
        return self.f(column)


class Strings:
    """Interned strings of the path (ids, measures, operators, fields): code = index.

    Batches are laid out on threads, so a new string is added under a lock.
    """

    def __init__(self) -> None:
        self.values: list[str] = []
        self._codes: dict[str, int] = {}
        self._lock = threading.Lock()

    def code(self, value: str | None) -> int:
        if value is None:
            return -1
        got = self._codes.get(value)
        if got is None:
            with self._lock:
                got = self._codes.get(value)
                if got is None:
                    self.values.append(value)
                    got = self._codes[value] = len(self.values) - 1
        return got

    def arrow(self, codes: I32) -> pa.Array:
        """Codes (−1 = null) as an Arrow string array."""
        values = list(self.values)
        table = pa.array([*values, None], type=pa.string())
        return table.take(pa.array(np.where(codes < 0, len(values), codes)))


def _full(n: int, value: float) -> F64:
    return np.full(n, value, dtype=np.float64)


def round_up_amount(need: F64) -> F64:
    """Amounts needed, rounded up to :data:`AMOUNT_STEP`; NaN where nothing is needed.

    Floating noise below a millionth of the step is ignored (0.07 / 0.01 is
    7.000000000000001, and 0.07 is what is needed, not 0.08); a need above zero is never
    shown as 0.
    """
    with np.errstate(invalid="ignore"):
        up: F64 = np.ceil(np.round(need / AMOUNT_STEP, 6)) * AMOUNT_STEP
        up = np.round(np.maximum(up, AMOUNT_STEP), 2).astype(np.float64)
        return np.where(need > 0, up, np.nan)


def amount_measure(book: Rulebook, measure_id: str, op: str | None) -> bool:
    """Whether a step on ``measure op …`` can carry an amount at all."""
    if op is None or op == "in":
        return False
    m = book.measures[measure_id]
    return m.kind in ("ratio", "sum", "mean", "growth") or (
        m.kind == "field" and m.unit not in ("", "名", "强")
    )


def amount_inputs(book: Rulebook, measure_id: str) -> list[str]:
    """The wide-frame input columns an amount on ``measure_id`` is priced at."""
    m = book.measures[measure_id]
    if m.kind == "ratio":
        return [year_column(a, m.year) for a in m.args]
    if m.kind in ("sum", "mean"):
        return [year_column(m.args[0], k) for k in range(m.years)]
    if m.kind == "growth":
        return [year_column(m.args[0], m.year + k) for k in (0, 1)]
    return []


def amount_needed(
    book: Rulebook,
    measure_id: str,
    op: str,
    required: F64 | float,
    fy: int,
    figures: Figures,
    *,
    exact: bool = False,
) -> tuple[F64, str | None]:
    """(amount, field) needed for ``measure op required`` at current figures, or NaN, None.

    The amount is rounded up as shown (:func:`round_up_amount`); ``exact`` gives it unrounded
    (comparing what two steps cost).
    """
    m: Measure = book.measures[measure_id]
    round_up = (lambda need: np.where(need > 0, need, np.nan)) if exact else round_up_amount
    up = op in ("at_least", "greater_than")
    with np.errstate(invalid="ignore"):
        if m.kind == "ratio":
            num, den = (figures.input(year_column(a, m.year)) for a in m.args)
            need = required / 100 * den - num if up else num - required / 100 * den
            spec = FIELDS_BY_NAME.get(m.args[0])
            if spec is not None and spec.kind == "count":  # whole people: 0.1 人 is 1 人
                need = np.ceil(need)
            return round_up(need), f"{m.args[0]}@{fy - m.year}"
        if m.kind == "field" and m.unit not in ("", "名", "强"):  # not ranks or yes/no fields
            obs = figures.obs(measure_id)
            need = required - obs if up else obs - required
            spec = FIELDS_BY_NAME.get(m.args[0])
            field = (
                f"{m.args[0]}@{fy - m.year}"
                if spec is not None and spec.scope == "year"
                else m.args[0]
            )
            return round_up(need), field
        if m.kind in ("sum", "mean"):
            need = (required - figures.lo(measure_id)) * (m.years if m.kind == "mean" else 1)
            return round_up(need), f"{m.args[0]}@{fy}"
        if m.kind == "growth":
            now, base = (figures.input(year_column(m.args[0], m.year + k)) for k in (0, 1))
            need = base * (1 + required / 100) - now
            return round_up(need), f"{m.args[0]}@{fy - m.year}"
    return _full(figures.n, np.nan), None


def _sum(arrays: Sequence[F64], n: int) -> F64:
    """Left-to-right sum (the order a horizontal sum adds in: the same float result)."""
    out = _full(n, 0.0)
    for a in arrays:
        out = out + a
    return out


def _fewest_steps(gains: F64, deficit: F64, whole: bool) -> tuple[F64, B, F64]:
    """For gains (members × firms) and each firm's deficit: ``k``, the fewest steps whose
    gains cover the deficit (0 when there is none, ∞ when even all fall short); which members
    are among the ``k − 1`` that gain most (earlier members win ties); and the deficit left
    after them.

    ``whole``: every gain is a whole number of points (every shipped rulebook). They are then
    ordered by a sorting network over the members' rows — a few operations on small integer
    vectors, where sorting each firm's row costs far more — and their sums are exact in any
    order. Other gains take the literal route, summing in member order as a horizontal sum
    adds (the same floats).
    """
    size, n = gains.shape
    top = float(np.abs(gains).max(initial=0.0))
    if whole and size < _SLOTS and top < 2.0**40:
        # one key per member: its gain, then the earlier member first
        kind: type[np.signedinteger[Any]] = np.int16 if top * _SLOTS < 2**14 else np.int64
        codes: npt.NDArray[np.signedinteger[Any]] = gains.astype(kind)
        keys = list((codes << _SHIFT) | (_SLOTS - 1 - np.arange(size, dtype=kind))[:, None])
        ordered = list(keys)
        for rnd in range(size):  # odd–even transposition: descending after `size` rounds
            for j in range(rnd % 2, size - 1, 2):
                a, b = ordered[j], ordered[j + 1]
                ordered[j], ordered[j + 1] = np.maximum(a, b), np.minimum(a, b)
        k = _full(n, INF)
        total = _full(n, 0.0)
        covered_before: list[F64] = []  # the sum of the r largest gains, r = 0 … size − 1
        for r in range(size):
            covered_before.append(total)
            total = total + (ordered[r] >> _SHIFT)
            k = np.where(np.isinf(k) & (total >= deficit), float(r + 1), k)
        k = np.where(deficit <= 0, 0.0, k)
        remainder = deficit.copy()
        threshold = np.full(n, np.iinfo(kind).max, dtype=kind)  # k − 1 ≤ 0: no one
        for r in range(size):
            here = k - 1 == r
            remainder = np.where(here, deficit - covered_before[r], remainder)
            threshold = np.where(here, ordered[r], threshold)
        everyone = k - 1 >= size  # ∞ too
        remainder = np.where(everyone, deficit - total, remainder)
        threshold = np.where(everyone, np.iinfo(kind).min, threshold)
        in_top = np.stack(keys) > threshold[None, :]
        return k, in_top, remainder
    rank = [
        _sum(
            [
                ((gains[j] > gains[i]) | ((gains[j] == gains[i]) & (j < i))).astype(np.float64)
                for j in range(size)
                if j != i
            ],
            n,
        )
        for i in range(size)
    ]
    k = _full(n, INF)
    for t in range(size, 0, -1):
        covered_t = _sum([np.where(rank[i] < t, gains[i], 0.0) for i in range(size)], n)
        k = np.where(covered_t >= deficit, float(t), k)
    k = np.where(deficit <= 0, 0.0, k)
    in_top = np.stack([rank[i] < k - 1 for i in range(size)])
    remainder = deficit - _sum([np.where(in_top[i], gains[i], 0.0) for i in range(size)], n)
    return k, in_top, remainder


#: Bits of a sorting key that say which member it is (and how many members fit).
_SHIFT = 6
_SLOTS = 1 << _SHIFT


def next_edge(
    edges: Sequence[tuple[float, float]], lower_is_better: bool, observed: F64
) -> tuple[F64, F64]:
    """(edge, points) of the nearest bracket not yet reached; NaN where none (or unknown)."""
    values = [e for e, _ in edges]  # best first: descending, or ascending when lower is better
    if len(set(values)) == len(values):
        # found by bisection among the edges in ascending order
        ascending = values[::-1] if not lower_is_better else values
        pts = [p for _, p in (edges[::-1] if not lower_is_better else edges)]
        table_e = np.array([*ascending, np.nan])
        table_p = np.array([*pts, np.nan])
        if lower_is_better:  # the largest edge below the value
            at = np.searchsorted(ascending, observed, side="left") - 1
            at = np.where(at < 0, len(values), at)
        else:  # the smallest edge above the value
            at = np.searchsorted(ascending, observed, side="right")
        at = np.where(np.isnan(observed), len(values), at)
        return table_e[at], table_p[at]
    edge, pts_ = _full(len(observed), np.nan), _full(len(observed), np.nan)
    with np.errstate(invalid="ignore"):
        for e, p in edges:  # best first, so the nearest unmet edge wins last
            unmet = observed > e if lower_is_better else observed < e
            edge = np.where(unmet, e, edge)
            pts_ = np.where(unmet, p, pts_)
    return edge, pts_


@dataclass(frozen=True)
class Shape:
    """One step an indicator can be stepped by: its measure, operator and target.

    ``required`` None means "the next bracket edge above the observed value" (``edges``);
    ``points`` are what the step reaches (gain = points − current, capped at ``cap`` − current
    for items).
    """

    measure: str | None
    op: str | None
    required: float | None
    points: float | None = None
    edges: tuple[tuple[float, float], ...] = ()
    lower_is_better: bool = False
    cap: float | None = None


def _target(book: Rulebook, c: Condition) -> tuple[str | None, str | None, float | None]:
    """(measure, op, required) of a simple option/item condition, for describing a step."""
    if isinstance(c, Compare):
        return c.measure, c.op, c.value
    if isinstance(c, InSet):
        order = book.measures[c.measure].order
        return c.measure, "in", min(c.ranks(order))
    if isinstance(c, AnyOf | AllOf) and c.children:
        return _target(book, c.children[0])
    return None, None, None


def shapes(book: Rulebook, s: Scoring) -> list[Shape]:
    """Every step an indicator scored by ``s`` can take, in the order :class:`PathFinder`
    numbers them (a step's *variant* is its index here)."""
    if isinstance(s, Brackets):
        op = "at_most" if s.lower_is_better else "at_least"
        top_edge, top_pts = s.edges[0]
        return [
            Shape(s.measure, op, None, edges=s.edges, lower_is_better=s.lower_is_better),
            Shape(s.measure, op, top_edge, top_pts),
        ]
    if isinstance(s, Options | Items):
        choices = s.options if isinstance(s, Options) else s.items
        cap = s.cap if isinstance(s, Items) else None
        return [Shape(*_target(book, c), pts, cap=cap) for pts, c in choices]
    if isinstance(s, BestOf):
        return [shape for p in s.parts for shape in shapes(book, p)]
    return []


def _points(s: Scoring) -> list[float]:
    """Every number of points a scoring can give or gain from (to know they are whole)."""
    if isinstance(s, Brackets):
        return [p for _, p in s.edges] + [s.otherwise]
    if isinstance(s, Options):
        return [p for p, _ in s.options] + [s.otherwise]
    if isinstance(s, Items):
        return [p for p, _ in s.items] + [s.cap]
    if isinstance(s, BestOf):
        return [p for part in s.parts for p in _points(part)]
    return []  # a value or a sum of parts is never stepped


@dataclass
class Step:
    """One indicator's candidate step for every firm: what it gains and which shape it is.

    ``amount`` is computed only where a ``best_of`` compares what its parts cost.
    """

    gain: F64
    variant: I32
    amount: F64 | None = None

    def pick(self, cond: B, other: Step) -> Step:
        """``self`` where ``cond``, else ``other``."""
        amount = (
            None
            if self.amount is None or other.amount is None
            else np.where(cond, self.amount, other.amount)
        )
        return Step(
            np.where(cond, self.gain, other.gain),
            np.where(cond, self.variant, other.variant),
            amount,
        )


@dataclass
class TierPath:
    """Which firms have each candidate step on their path, and which shape a score step is."""

    on: dict[str, B]  # candidate id → on the path
    variant: dict[str, I32]  # indicator id → its shape (where on the path)


class PathFinder:
    """Chooses the paths of one tier for batches of the engine's result (see the module
    docstring); static facts of the candidates come from the rulebook once."""

    def __init__(self, book: Rulebook, tier: Tier, fiscal_year: int) -> None:
        self.book = book
        self.tier = tier
        self.fy = fiscal_year
        self.t = tier.id
        # the path's items in order: indicators as the tree reaches them, then conditions
        self.score_ids: list[str] = []
        self.leaves: list[Compare | InSet] = []
        self._order(tier.requires)
        sc = tier.scorecard
        self.shapes: dict[str, list[Shape]] = (
            {ind.meta.id: shapes(book, ind.scoring) for ind in sc.indicators} if sc else {}
        )
        #: every score step gains whole points (so the fast exact route is taken)
        self.whole_points = all(
            float(p).is_integer()
            for ind in (sc.indicators if sc else ())
            for p in _points(ind.scoring)
        )

    def _order(self, c: Condition) -> None:
        if isinstance(c, ScoreAtLeast):
            assert self.tier.scorecard is not None
            for iid in self.tier.scorecard.members(c.group):
                if iid not in self.score_ids:
                    self.score_ids.append(iid)
        elif isinstance(c, Compare | InSet):
            self.leaves.append(c)
        else:
            for k in c.children:
                self._order(k)

    @property
    def candidates(self) -> list[str]:
        """Ids of every candidate step, in path order."""
        return [*self.score_ids, *(leaf.meta.id for leaf in self.leaves)]

    # --- candidate steps per indicator ----------------------------------------------------
    def indicator_steps(self, cols: EngineColumns) -> dict[str, tuple[Step, Step]]:
        """(next, top) step of every scorecard indicator; gains are 0 where points are unknown."""
        out: dict[str, tuple[Step, Step]] = {}
        sc = self.tier.scorecard
        if sc is None:
            return out
        for ind in sc.indicators:
            iid = ind.meta.id
            lo, hi = cols.f(ncol(self.t, iid, "lo")), cols.f(ncol(self.t, iid, "hi"))
            nxt, top = self._scoring_steps(ind.scoring, lo, cols, 0, with_amount=False)
            known = lo == hi  # unknown points are not stepped: the missing data comes first
            out[iid] = (
                Step(np.where(known, nxt.gain, 0.0), nxt.variant),
                Step(np.where(known, top.gain, 0.0), top.variant),
            )
        return out

    def _none(self, n: int) -> Step:
        return Step(_full(n, 0.0), np.full(n, -1, dtype=np.int32), _full(n, np.nan))

    def _amount(
        self, shape: Shape, required: F64 | float, cols: EngineColumns, with_amount: bool
    ) -> F64 | None:
        if not with_amount:
            return None
        if shape.measure is None or not amount_measure(self.book, shape.measure, shape.op):
            return _full(cols.n, np.nan)
        assert shape.op is not None
        return amount_needed(
            self.book, shape.measure, shape.op, required, self.fy, cols, exact=True
        )[0]

    def _bracket_steps(
        self, s: Brackets, current: F64, cols: EngineColumns, base: int, with_amount: bool
    ) -> tuple[Step, Step]:
        n = cols.n
        obs = cols.obs(s.measure)
        known = ~np.isnan(obs)
        nxt_shape, top_shape = shapes(self.book, s)
        nxt_edge, nxt_pts = next_edge(s.edges, s.lower_is_better, obs)
        top_edge, top_pts = s.edges[0]
        with np.errstate(invalid="ignore"):
            top_unmet = obs > top_edge if s.lower_is_better else obs < top_edge
        nxt = Step(
            np.where(~np.isnan(nxt_edge) & known, nxt_pts - current, 0.0),
            np.full(n, base, dtype=np.int32),
            self._amount(nxt_shape, nxt_edge, cols, with_amount),
        )
        top = Step(
            np.where(top_unmet & known, top_pts - current, 0.0),
            np.full(n, base + 1, dtype=np.int32),
            self._amount(top_shape, top_edge, cols, with_amount),
        )
        return nxt, top

    def _choice_steps(
        self,
        s: Options | Items,
        current: F64,
        cols: EngineColumns,
        base: int,
        with_amount: bool,
    ) -> tuple[Step, Step]:
        """Options (next = the option just above the current one) and items (next = first unmet)."""
        n = cols.n
        choices = list(s.options if isinstance(s, Options) else s.items)
        cap = s.cap if isinstance(s, Items) else None
        met = [self.definitely(c, cols) for _, c in choices]
        own = shapes(self.book, s)
        nxt = self._none(n)
        if not with_amount:
            nxt.amount = None
        # walk worst → best so the nearest better choice wins (options) / first unmet (items)
        order = list(range(len(choices)))
        if cap is None:
            order.reverse()
        for j in reversed(order):
            pts = choices[j][0]
            g = np.minimum(pts, cap - current) if cap is not None else pts - current
            live = ~met[j] & (g > 0)
            nxt.gain = np.where(live, g, nxt.gain)
            nxt.variant = np.where(live, base + j, nxt.variant)
            shape = own[j]
            if nxt.amount is not None and shape.required is not None:
                a = self._amount(shape, shape.required, cols, with_amount)
                assert a is not None
                nxt.amount = np.where(live, a, nxt.amount)
        if cap is not None:
            return nxt, nxt  # items: one item at a time
        top_shape = own[0]
        top = Step(
            np.where(~met[0], choices[0][0] - current, 0.0),
            np.full(n, base, dtype=np.int32),
            None
            if top_shape.required is None
            else self._amount(top_shape, top_shape.required, cols, with_amount),
        )
        return nxt, top

    def _scoring_steps(
        self, s: Scoring, current: F64, cols: EngineColumns, base: int, *, with_amount: bool
    ) -> tuple[Step, Step]:
        if isinstance(s, Brackets):
            return self._bracket_steps(s, current, cols, base, with_amount)
        if isinstance(s, Options | Items):
            return self._choice_steps(s, current, cols, base, with_amount)
        if isinstance(s, BestOf):
            parts = []
            offset = base
            for p in s.parts:
                parts.append(self._scoring_steps(p, current, cols, offset, with_amount=True))
                offset += len(shapes(self.book, p))
            # the part that gains most; on a tie, the one that costs less money
            best_next, best_top = parts[0]
            for nxt, top in parts[1:]:
                assert nxt.amount is not None and best_next.amount is not None
                with np.errstate(invalid="ignore"):
                    better_n = (nxt.gain > best_next.gain) | (
                        (nxt.gain == best_next.gain) & (nxt.amount < best_next.amount)
                    )
                best_next = nxt.pick(better_n, best_next)
                best_top = top.pick(top.gain > best_top.gain, best_top)
            return best_next, best_top
        return self._none(cols.n), self._none(cols.n)

    def definitely(self, c: Condition, cols: EngineColumns) -> B:
        """Definitely-holds of an indicator's inner condition, from the measure columns."""
        if isinstance(c, Compare):
            lo, hi = cols.f(mcol(c.measure, "lo")), cols.f(mcol(c.measure, "hi"))
            if c.op == "at_least":
                return lo >= c.value
            if c.op == "at_most":
                return hi <= c.value
            if c.op == "greater_than":
                return lo > c.value
            return hi < c.value
        if isinstance(c, InSet):
            order = self.book.measures[c.measure].order
            return np.isin(cols.obs(c.measure), c.ranks(order))
        if isinstance(c, AllOf):
            every: B = np.logical_and.reduce([self.definitely(k, cols) for k in c.children])
            return every
        if isinstance(c, AnyOf):
            some: B = np.logical_or.reduce([self.definitely(k, cols) for k in c.children])
            return some
        raise TypeError(c)

    # --- costs and selection ------------------------------------------------------------
    def _score_selection(
        self,
        node: ScoreAtLeast,
        steps: dict[str, tuple[Step, Step]],
        cols: EngineColumns,
        credited: dict[str, list[tuple[B, B]]] | None = None,
    ) -> tuple[F64, dict[str, tuple[B, B]]]:
        """(cost, {indicator: (selected, uses_top_step)}) for a score threshold.

        ``credited``: steps already chosen for sibling group minimums; their gains count towards
        this threshold and those indicators are not stepped again.
        """
        sc = self.tier.scorecard
        assert sc is not None
        n = cols.n
        members = sc.members(node.group)
        size = len(members)
        deficit = node.value - _sum([cols.f(ncol(self.t, i, "lo")) for i in members], n)
        blocked: dict[str, B] = {}
        for iid, picks in (credited or {}).items():
            if iid in members:
                nxt, top = steps[iid]
                picked = np.logical_or.reduce([sel for sel, _ in picks])
                as_top = np.logical_or.reduce([sel & t for sel, t in picks])
                blocked[iid] = picked
                deficit = deficit - np.where(picked, np.where(as_top, top.gain, nxt.gain), 0.0)

        def free(i: str, gain: F64) -> F64:
            return np.where(blocked[i], 0.0, gain) if i in blocked else gain

        next_total = _sum([free(i, steps[i][0].gain) for i in members], n)
        use_top = next_total < deficit
        # gains[i]: what stepping member i gains (its next step, or its top step when next
        # steps cannot cover the deficit)
        gains = np.stack(
            [free(i, np.where(use_top, steps[i][1].gain, steps[i][0].gain)) for i in members]
        )
        k, in_top, remainder = _fewest_steps(gains, deficit, self.whole_points)
        cost = np.where(cols.b(ncol(self.t, node.meta.id, "def")), 0.0, k)
        # The k−1 largest gains, then the *smallest* step that still covers what remains: one
        # point short should not be told to build a provincial R&D institution.
        last_ok = ~in_top & (gains >= remainder) & (gains > 0)
        smallest = np.where(last_ok, gains, INF).min(axis=0)
        last = np.full(n, size)
        for i in reversed(range(size)):  # the first member with that smallest gain
            last = np.where(last_ok[i] & (gains[i] == smallest), i, last)
        infinite = np.isinf(k)
        some = k >= 1
        chosen = {
            members[i]: (
                np.where(
                    infinite,
                    gains[i] > 0,  # when even every step falls short, show them all
                    some & ((in_top[i] & (gains[i] > 0)) | (last == i)),
                ),
                use_top,
            )
            for i in range(size)
        }
        return cost, chosen

    def paths(self, cols: EngineColumns) -> TierPath:
        """Every candidate step with the firms that have it on their path."""
        n = cols.n
        steps = self.indicator_steps(cols)
        costs: dict[str, F64] = {}
        selections: dict[str, dict[str, tuple[B, B]]] = {}

        def holds(c: Condition) -> B:
            return cols.b(ncol(self.t, c.meta.id, "def"))

        def cost(c: Condition) -> F64:
            nid = c.meta.id
            if isinstance(c, ScoreAtLeast):
                costs[nid], selections[nid] = self._score_selection(c, steps, cols)
            elif isinstance(c, AllOf) and any(
                isinstance(k, ScoreAtLeast) and k.group == "total" for k in c.children
            ):
                # group minimums first; the total is credited with the steps they chose
                groups = [
                    k for k in c.children if isinstance(k, ScoreAtLeast) and k.group != "total"
                ]
                for g in groups:
                    costs[g.meta.id], selections[g.meta.id] = self._score_selection(g, steps, cols)
                credited: dict[str, list[tuple[B, B]]] = {}
                for g in groups:
                    for iid, (sel, top) in selections[g.meta.id].items():
                        credited.setdefault(iid, []).append((sel & ~holds(g), top))
                total = next(
                    k for k in c.children if isinstance(k, ScoreAtLeast) and k.group == "total"
                )
                costs[total.meta.id], selections[total.meta.id] = self._score_selection(
                    total, steps, cols, credited
                )
                for k in c.children:
                    if not isinstance(k, ScoreAtLeast):
                        cost(k)
                costs[nid] = _sum([costs[k.meta.id] for k in c.children], n)
            elif isinstance(c, Compare | InSet):
                fixed = (isinstance(c, Compare) and c.band) or not self.book.measures[
                    c.measure
                ].actionable
                costs[nid] = np.where(holds(c), 0.0, INF if fixed else 1.0)
            else:
                kids = [cost(k) for k in c.children]
                if isinstance(c, AllOf):
                    costs[nid] = _sum(kids, n)
                else:  # the first reachable child's cost (see the module docstring)
                    combined = np.minimum.reduce(kids)
                    for kid in reversed(kids):
                        combined = np.where(np.isfinite(kid), kid, combined)
                    costs[nid] = combined
            return costs[nid]

        cost(self.tier.requires)

        chosen_by: dict[str, list[tuple[B, B]]] = {}
        leaf_on: dict[str, B] = {}

        def mark(c: Condition, in_path: B) -> None:
            nid = c.meta.id
            here = in_path & ~holds(c)
            if isinstance(c, ScoreAtLeast):
                for iid, (sel, top) in selections[nid].items():
                    chosen_by.setdefault(iid, []).append((here & sel, top))
            elif isinstance(c, Compare | InSet):
                leaf_on[nid] = here
            elif isinstance(c, AllOf):
                for k in c.children:
                    mark(k, here)
            else:
                # the first child whose cost is the node's cost
                first = np.minimum.reduce(
                    [
                        np.where(costs[k.meta.id] == costs[nid], float(i), float(len(c.children)))
                        for i, k in enumerate(c.children)
                    ]
                )
                for i, k in enumerate(c.children):
                    mark(k, here & (first == i))

        mark(self.tier.requires, np.ones(n, dtype=np.bool_))

        out = TierPath({}, {})
        for iid in self.score_ids:
            picks = chosen_by.get(iid)
            if not picks:
                out.on[iid] = np.zeros(n, dtype=np.bool_)
                out.variant[iid] = np.zeros(n, dtype=np.int32)
                continue
            on = np.logical_or.reduce([sel for sel, _ in picks])
            as_top = np.logical_or.reduce([sel & t for sel, t in picks])
            nxt, top = steps[iid]
            out.on[iid] = on
            out.variant[iid] = np.where(on, np.where(as_top, top.variant, nxt.variant), 0)
        for leaf in self.leaves:
            out.on[leaf.meta.id] = leaf_on[leaf.meta.id] & ~self._made_by_score_steps(
                leaf, out, cols.obs, n
            )
        return out

    def _made_by_score_steps(
        self, leaf: Compare | InSet, found: TierPath, observed: Callable[[str], F64], n: int
    ) -> B:
        """Firms whose path already changes ``leaf``'s measure at least as far by a score step
        (the same change is not listed twice)."""
        out = np.zeros(n, dtype=np.bool_)
        if isinstance(leaf, InSet):
            return out
        up = leaf.op in ("at_least", "greater_than")
        for iid in self.score_ids:
            on, variant = found.on[iid], found.variant[iid]
            for v, shape in enumerate(self.shapes[iid]):
                if shape.measure != leaf.measure or shape.op != leaf.op:
                    continue
                same = on & (variant == v)
                if not same.any():
                    continue
                required = shape_required(shape, observed(leaf.measure))
                with np.errstate(invalid="ignore"):
                    far = required >= leaf.value if up else required <= leaf.value
                out |= same & far
        return out


def shape_required(shape: Shape, observed: F64) -> F64:
    """The target of a step of ``shape`` for each firm (the next edge when it depends on it)."""
    if shape.required is not None:
        return _full(len(observed), shape.required)
    return next_edge(shape.edges, shape.lower_is_better, observed)[0]


def shape_gain(shape: Shape, observed: F64, current: F64) -> F64:
    """Points a step of ``shape`` gains from ``current`` points."""
    if shape.required is None:
        pts = next_edge(shape.edges, shape.lower_is_better, observed)[1]
        return pts - current
    assert shape.points is not None
    if shape.cap is not None:
        return np.minimum(shape.points, shape.cap - current)
    return shape.points - current


def _floats(values: F64) -> pa.Array:
    return pa.array(values, type=pa.float64(), mask=np.isnan(values))


_STEP_TYPE = pa.struct(
    [
        pa.field(f.name, pa.string() if f.dtype == pl.String else pa.float64())
        for f in PATH_STEP.fields
    ]
)


def ragged(
    n: int, rows_of: Sequence[npt.NDArray[np.intp]]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.intp]]:
    """Offsets of a list column whose items hold on ``rows_of`` rows (one array per item), and
    the order that puts the items' entries (concatenated item by item) in row order."""
    rows = np.concatenate(rows_of) if rows_of else np.zeros(0, dtype=np.intp)
    counts = np.bincount(rows, minlength=n)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return offsets, np.argsort(rows, kind="stable")


def label_series(on: Sequence[B], labels: Sequence[str], n: int, name: str) -> pl.Series:
    """A list-of-strings column: for each row, the ``labels`` whose ``on`` holds, in order."""
    rows_of = [np.flatnonzero(o) for o in on]
    offsets, order = ragged(n, rows_of)
    codes = np.concatenate(
        [np.full(len(r), i, dtype=np.int32) for i, r in enumerate(rows_of)]
        or [np.zeros(0, dtype=np.int32)]
    )[order]
    values = pa.array(list(labels), type=pa.string()).take(pa.array(codes, type=pa.int32()))
    return pl.Series(name, pa.ListArray.from_arrays(pa.array(offsets), values)).cast(
        pl.List(pl.String)
    )


class PathReader:
    """Builds the ``path`` column (list of :data:`PATH_STEP`) of one tier from what the flat
    layout stores — which candidates are on the path, and each score step's shape — and the
    figures (observed values, points, inputs) beside them."""

    def __init__(self, finder: PathFinder) -> None:
        self.finder = finder
        self.book = finder.book
        self.strings = Strings()

    def series(
        self,
        on: dict[str, B],
        variant: dict[str, I32],
        points_lo: dict[str, F64],
        figures: Figures,
        name: str,
    ) -> pl.Series:
        finder, s = self.finder, self.strings
        n = figures.n
        ids = finder.candidates
        rows_of = [np.flatnonzero(on[i]) for i in ids]
        offsets, order = ragged(n, rows_of)
        total = len(order)
        cols: dict[str, list[npt.NDArray[np.float64] | npt.NDArray[np.int32]]] = {
            k: []
            for k in ("id", "measure", "observed", "op", "required", "gain", "amount", "field")
        }

        def put(key: str, values: F64 | I32) -> None:
            cols[key].append(values)

        for item, (iid, rows) in enumerate(zip(ids, rows_of, strict=True)):
            del item
            k = len(rows)
            if not k:
                continue
            put("id", np.full(k, s.code(iid), dtype=np.int32))
            if iid in finder.shapes:  # a score step: its shape says what it is
                chosen = variant[iid][rows]
                m_code = np.full(k, -1, dtype=np.int32)
                op_code = np.full(k, -1, dtype=np.int32)
                field_code = np.full(k, -1, dtype=np.int32)
                observed, required, gain, amount = (_full(k, np.nan) for _ in range(4))
                sub = _Subset(figures, rows)
                current = points_lo[iid][rows]
                for v, shape in enumerate(finder.shapes[iid]):
                    here = chosen == v
                    if not here.any():
                        continue
                    m_code[here] = s.code(shape.measure)
                    op_code[here] = s.code(shape.op)
                    if shape.measure is None:
                        continue
                    obs = sub.obs(shape.measure)
                    req = shape_required(shape, obs)
                    observed[here] = obs[here]
                    required[here] = req[here]
                    gain[here] = shape_gain(shape, obs, current)[here]
                    if amount_measure(self.book, shape.measure, shape.op):
                        assert shape.op is not None
                        a, f = amount_needed(
                            self.book, shape.measure, shape.op, req, finder.fy, sub
                        )
                        amount[here] = a[here]
                        field_code[here] = s.code(f)
                put("measure", m_code)
                put("op", op_code)
                put("field", field_code)
                put("observed", observed)
                put("required", required)
                put("gain", gain)
                put("amount", amount)
            else:
                leaf = next(x for x in finder.leaves if x.meta.id == iid)
                sub = _Subset(figures, rows)
                if isinstance(leaf, InSet):
                    order_ = self.book.measures[leaf.measure].order
                    op, req_value = "in", min(leaf.ranks(order_))
                    amount, field = _full(k, np.nan), None
                else:
                    op, req_value = leaf.op, leaf.value
                    if (
                        self.book.measures[leaf.measure].kind == "title"
                        or math.isinf(req_value)
                        or not amount_measure(self.book, leaf.measure, op)
                    ):
                        amount, field = _full(k, np.nan), None
                    else:
                        amount, field = amount_needed(
                            self.book, leaf.measure, op, req_value, finder.fy, sub
                        )
                put("measure", np.full(k, s.code(leaf.measure), dtype=np.int32))
                put("op", np.full(k, s.code(op), dtype=np.int32))
                put("field", np.full(k, s.code(field), dtype=np.int32))
                put("observed", sub.obs(leaf.measure))
                put("required", _full(k, req_value))
                put("gain", _full(k, np.nan))
                put("amount", amount)

        def merged(key: str) -> npt.NDArray[Any]:
            parts = cols[key]
            if not parts:
                return np.zeros(
                    0, dtype=np.int32 if key in ("id", "measure", "op", "field") else np.float64
                )
            out: npt.NDArray[Any] = np.concatenate(parts)[order]
            return out

        struct = pa.StructArray.from_arrays(
            [
                s.arrow(merged("id")),  # type: ignore[arg-type]
                s.arrow(merged("measure")),  # type: ignore[arg-type]
                _floats(merged("observed")),  # type: ignore[arg-type]
                s.arrow(merged("op")),  # type: ignore[arg-type]
                _floats(merged("required")),  # type: ignore[arg-type]
                _floats(merged("gain")),  # type: ignore[arg-type]
                _floats(merged("amount")),  # type: ignore[arg-type]
                s.arrow(merged("field")),  # type: ignore[arg-type]
            ],
            fields=list(_STEP_TYPE),
        )
        assert len(struct) == total
        return pl.Series(name, pa.ListArray.from_arrays(pa.array(offsets), struct)).cast(
            pl.List(PATH_STEP)
        )


class _Subset:
    """The figures of some rows only (the rows a candidate step is on the path for)."""

    def __init__(self, figures: Figures, rows: npt.NDArray[np.intp]) -> None:
        self.figures, self.rows, self.n = figures, rows, len(rows)

    def obs(self, measure: str) -> F64:
        return self.figures.obs(measure)[self.rows]

    def lo(self, measure: str) -> F64:
        return self.figures.lo(measure)[self.rows]

    def input(self, column: str) -> F64:
        return self.figures.input(column)[self.rows]
