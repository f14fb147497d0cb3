"""The optimal schedule with OR-Tools CP-SAT.

**Formulation.** One boolean ``x[r, s]`` per request ``r`` and slot ``s`` that both of its
people can attend — no table index: tables are interchangeable, so a slot only needs at most
as many meetings as there are open tables, and :func:`~feidi.schedule._tables.assign_tables`
numbers them afterwards. For 2,000 requests × 12 slots that is ≤ 24,000 variables instead of
2.4 million with a table index, and no table symmetry for the search to wade through.
Constraints: per person and slot, at most one of the ``x`` naming them; per slot, at most
``open tables``; per unordered pair, at most one ``x`` over all its requests and slots (which
also says each request meets at most once). Objective: maximise Σ priority · x, on integer
weights (:func:`integer_weights`).

**Method.** CP-SAT alone, started from the greedy schedule, closes the gap slowly on a
realistic event: slots that many people can all attend make the search wander among
equivalent colourings, and its linear relaxation converges slowly on two cores (1.2–2.3 %
gap after 55 s on the benchmark). So a schedule is found in three steps:

1. the **bound** — the degree-constrained relaxation (:mod:`feidi.schedule._bound`, one
   boolean per request, solved by CP-SAT in under a second), whose optimum no schedule can
   beat;
2. a **schedule** — that relaxation's meetings given slots by Kempe-chain insertion, then the
   other requests by priority (:mod:`feidi.schedule._kempe`); with the greedy schedule, the
   better is kept;
3. when that schedule does not reach the bound, **CP-SAT** on the slot model above, hinted
   with it and given the bound as a constraint, for the time left.

When step 2 reaches the bound the schedule is proven optimal without a search (as on the
benchmark event). Rescheduling (:mod:`feidi.schedule._reschedule`) uses the same steps.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ortools.sat.python import cp_model

from feidi.schedule._bound import Relaxation, relaxation
from feidi.schedule._greedy import greedy_slots, priority_ceiling
from feidi.schedule._kempe import SlotBoard
from feidi.schedule._model import DEFAULT_TIME_LIMIT, DEFAULT_WORKERS, Event, Meeting, Schedule
from feidi.schedule._tables import assign_tables

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "DEFAULT_WORKERS",
    "integer_weights",
    "schedule_meetings",
]

#: Decimals of a priority that count (more are rounded).
PRIORITY_DECIMALS = 6
#: The largest weighted total allowed: exact in a double, so bound and gap are exact too.
_MAX_TOTAL = 2**50


def integer_weights(priorities: Sequence[float]) -> tuple[list[int], int]:
    """Integer weights for the solver and the scale they were multiplied by.

    The scale is the smallest power of ten that makes every priority whole (at most
    10^6), lowered if the total would pass 2^50. Weights are at least 1.

    >>> integer_weights([1, 2.5, 3])
    ([10, 25, 30], 10)
    >>> integer_weights([3, 7])
    ([3, 7], 1)
    """
    digits = PRIORITY_DECIMALS
    for d in range(PRIORITY_DECIMALS + 1):
        scale = 10**d
        if all(abs(p * scale - round(p * scale)) <= 1e-9 * max(1.0, p * scale) for p in priorities):
            digits = d
            break
    total = sum(priorities)
    while digits > 0 and total * 10**digits > _MAX_TOTAL:
        digits -= 1
    scale = 10**digits
    return [max(1, round(p * scale)) for p in priorities], scale


#: A yes-or-no question's answer: a schedule (request id → slot), "none" exists, or
#: "unknown" (time ran out first).
Answer = dict[str, int] | Literal["none", "unknown"]


@dataclass
class Outcome:
    chosen: dict[str, int]  # request id → slot
    value: int  # the solved objective on integer weights
    bound: int  # a proven upper bound on it (integral: the weights are)
    proven: bool  # the solver proved its objective optimal (not merely within a gap limit)


class Formulation:
    """The CP-SAT model of an event: ``x[request id, slot]`` and the rules between them."""

    def __init__(self, event: Event) -> None:
        self.event = event
        self.model = cp_model.CpModel()
        weights, self.scale = integer_weights([r.priority for r in event.requests])
        self.weight = {r.request_id: w for r, w in zip(event.requests, weights, strict=True)}
        self.x: dict[tuple[str, int], cp_model.IntVar] = {}
        by_person_slot: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        by_pair: dict[frozenset[str], list[cp_model.IntVar]] = defaultdict(list)
        for r in event.requests:
            for s in event.common_slots(r):
                v = self.model.new_bool_var(f"x[{r.request_id},{s}]")
                self.x[r.request_id, s] = v
                by_person_slot[r.requester, s].append(v)
                by_person_slot[r.invitee, s].append(v)
                by_slot[s].append(v)
                by_pair[r.pair].append(v)
        for group in (*by_person_slot.values(), *by_pair.values()):
            if len(group) > 1:
                self.model.add_at_most_one(group)
        capacity = len(event.open_tables)
        for group in by_slot.values():
            if len(group) > capacity:
                self.model.add(sum(group) <= capacity)
        keys = list(self.x)
        self.priority_sum = cp_model.LinearExpr.weighted_sum(
            [self.x[k] for k in keys], [self.weight[k[0]] for k in keys]
        )

    def value(self, chosen: Mapping[str, int]) -> int:
        return sum(self.weight[rid] for rid in chosen)

    def hint(self, chosen: Mapping[str, int]) -> None:
        """A complete hint: every variable, 1 where ``chosen`` puts the request."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]  # untyped in OR-Tools
        for (rid, s), v in self.x.items():
            self.model.add_hint(v, chosen.get(rid) == s)

    def solve(self, time_limit: float, workers: int, relative_gap: float, seed: int) -> Outcome:
        """Solve the model's current objective; the outcome holds the solution found, if any."""
        solver = _solver(time_limit, workers, relative_gap, seed)
        status = solver.solve(self.model)
        _check_valid(status, self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Outcome({}, -1, 0, proven=False)
        chosen = {rid: s for (rid, s), v in self.x.items() if solver.boolean_value(v)}
        value = round(solver.objective_value)
        # The weights are integers, so is the optimum: a fractional bound rounds down.
        bound = math.floor(solver.best_objective_bound + 1e-6)
        return Outcome(chosen, value, max(bound, value), proven=value >= bound)

    def answer(self, query: cp_model.CpModel, time_limit: float, workers: int, seed: int) -> Answer:
        """Solve ``query`` (a clone of the model with more constraints): the schedule found
        (the best in the time, if it has an objective), "none" or "unknown"."""
        solver = _solver(time_limit, workers, 0.0, seed)
        status = solver.solve(query)
        _check_valid(status, query)
        if status == cp_model.INFEASIBLE:
            return "none"
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return "unknown"
        # A clone keeps the variables' indices, so the original variables read its solution.
        return {rid: s for (rid, s), v in self.x.items() if solver.boolean_value(v)}


def _solver(time_limit: float, workers: int, relative_gap: float, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.relative_gap_limit = relative_gap
    solver.parameters.random_seed = seed
    return solver


def _check_valid(status: cp_model.CpSolverStatus, model: cp_model.CpModel) -> None:
    if status == cp_model.MODEL_INVALID:  # a bug here, never the user's input
        raise RuntimeError(f"invalid CP-SAT model: {model.validate()}")


def schedule_result(
    event: Event,
    form: Formulation,
    outcome: Outcome,
    meetings: tuple[Meeting, ...],
    started: float,
) -> Schedule:
    priority = {r.request_id: r.priority for r in event.requests}
    objective = float(sum(priority[m.request_id] for m in meetings))
    value = form.value({m.request_id: m.slot for m in meetings})
    optimal = value >= outcome.bound
    bound = objective if optimal else min(outcome.bound / form.scale, priority_ceiling(event))
    return Schedule(
        meetings=meetings,
        objective=objective,
        bound=max(bound, objective),
        status="optimal" if optimal else "feasible",
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class Budget:
    """How long stage one may take in all, and the solver's other settings."""

    started: float
    time_limit: float
    workers: int
    relative_gap: float
    seed: int

    def left(self) -> float:
        return max(self.time_limit - (time.perf_counter() - self.started), 0.05)


def kempe_slots(
    event: Event, form: Formulation, relax: Relaxation, first: Sequence[tuple[str, int]]
) -> dict[str, int]:
    """A schedule built by Kempe chains: ``first`` where they still fit, then the
    relaxation's meetings most constrained first, then every other request by priority."""
    board = SlotBoard(event)
    for rid, slot in first:
        board.place(rid, slot)
    order = {r.request_id: i for i, r in enumerate(event.requests)}
    common = {r.request_id: len(event.common_slots(r)) for r in event.requests}
    board.insert_all(
        sorted(relax.chosen, key=lambda rid: (common[rid], -form.weight[rid], order[rid]))
    )
    board.insert_all(r.request_id for r in sorted(event.requests, key=lambda r: -r.priority))
    return board.chosen


def best_priority(
    event: Event,
    form: Formulation,
    candidates: Sequence[dict[str, int]],
    relax: Relaxation,
    budget: Budget,
) -> Outcome:
    """Stage one: the highest priority sum.

    The best of the ``candidates`` (heuristic schedules), if it reaches the relaxation's
    bound, is optimal and no search is needed (nor when it is within the relative gap asked
    for). Otherwise CP-SAT searches from it, with the
    bound as a constraint (valid, and it gives the search its bound at once), and the better
    of its schedule and the hint is kept.
    """
    # max() keeps the first of equal candidates: callers list the least disruptive first.
    hint = max(candidates, key=form.value)
    value = form.value(hint)
    if value >= relax.bound * (1 - budget.relative_gap):
        return Outcome(hint, value, max(relax.bound, value), proven=value >= relax.bound)
    form.model.add(form.priority_sum <= relax.bound)
    form.model.maximize(form.priority_sum)
    form.hint(hint)
    outcome = form.solve(budget.left(), budget.workers, budget.relative_gap, budget.seed)
    if outcome.value < form.value(hint):
        # The solver found nothing better in its time (or nothing at all): keep the hint,
        # and the best bound known.
        bound = min(outcome.bound, relax.bound) if outcome.value >= 0 else relax.bound
        return Outcome(hint, form.value(hint), max(bound, form.value(hint)), proven=False)
    bound = min(outcome.bound, relax.bound)
    return Outcome(outcome.chosen, outcome.value, bound, proven=outcome.value >= bound)


def schedule_meetings(
    event: Event,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    workers: int = DEFAULT_WORKERS,
    relative_gap: float = 0.0,
    seed: int = 0,
) -> Schedule:
    """The schedule with the highest sum of priorities (see the module for the method).

    Stops at the proven optimum, after ``time_limit`` seconds in all, or once the objective
    is within ``relative_gap`` of its bound — whichever comes first. The result is never
    worse than the priority-first greedy schedule.

    Examples
    --------
    >>> from feidi.schedule import Event, Request
    >>> e = Event(
    ...     (Request("a", "甲", "乙", 5), Request("b", "甲", "丙", 3), Request("c", "乙", "丙", 3)),
    ...     slots=2, tables=1,
    ... )
    >>> s = schedule_meetings(e)
    >>> s.status, s.objective, s.gap
    ('optimal', 8.0, 0.0)
    """
    started = time.perf_counter()
    budget = Budget(started, time_limit, workers, relative_gap, seed)
    form = Formulation(event)
    relax = relaxation(event, form.weight, time_limit=time_limit, workers=workers, seed=seed)
    candidates = [kempe_slots(event, form, relax, ()), greedy_slots(event)]
    outcome = best_priority(event, form, candidates, relax, budget)
    meetings = assign_tables(event, list(outcome.chosen.items()))
    return schedule_result(event, form, outcome, meetings, started)
