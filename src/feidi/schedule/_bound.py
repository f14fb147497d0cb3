"""A proven upper bound on any schedule's priority sum, and the meetings that reach it.

Forget *when* meetings happen and keep only *how many* each person can take: a person has at
most as many meetings as slots they can attend, a pair meets at most once, and the event
holds at most slots × open tables meetings. Every schedule obeys these, so the best set of
meetings under them (a degree-constrained subgraph, one boolean per request: a small model
CP-SAT solves in well under a second for thousands of requests) bounds the optimum from
above. On the benchmark event its value equals the linear relaxation of the full slot model
and the optimum itself; and its meetings are a near-complete schedule once they are given
slots (:mod:`feidi.schedule._kempe`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from feidi.schedule._model import Event

__all__ = ["Relaxation", "relaxation"]


@dataclass(frozen=True)
class Relaxation:
    """``bound``: no schedule's weighted priority sum exceeds it; ``chosen``: request ids of the
    best meeting set found (optimal for the relaxation when ``proven``)."""

    bound: int
    chosen: frozenset[str]
    proven: bool


#: Largest objective handed to the solver with a preference folded in: its bound is read
#: back as a double, exact up to 2^53.
_EXACT = 2**52


def relaxation(
    event: Event,
    weight: Mapping[str, int],
    *,
    prefer: Collection[str] = (),
    time_limit: float,
    workers: int,
    seed: int,
) -> Relaxation:
    """Solve the degree-constrained relaxation (see the module) on integer ``weight``s.

    Among the best meeting sets it picks one with the most requests of ``prefer`` (a
    rescheduling's previous meetings), weighting each meeting ``M · weight + [preferred]``
    with ``M = len(prefer) + 1``: the preferred count never outweighs one unit of weight.
    """
    model = cp_model.CpModel()
    y: dict[str, cp_model.IntVar] = {}
    by_person: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    by_pair: dict[frozenset[str], list[cp_model.IntVar]] = defaultdict(list)
    for r in event.requests:
        if not event.common_slots(r):
            continue  # can never meet
        v = model.new_bool_var(f"y[{r.request_id}]")
        y[r.request_id] = v
        by_person[r.requester].append(v)
        by_person[r.invitee].append(v)
        by_pair[r.pair].append(v)
    for person, group in by_person.items():
        slots = len(event.free_slots(person))
        if len(group) > slots:
            model.add(sum(group) <= slots)
    for group in by_pair.values():
        if len(group) > 1:
            model.add_at_most_one(group)
    room = event.slots * len(event.open_tables)
    if len(y) > room:
        model.add(sum(y.values()) <= room)
    ids = list(y)
    total = sum(weight[i] for i in ids)
    scale = len(prefer) + 1 if (len(prefer) + 1) * total <= _EXACT else 1
    preferred = set(prefer) if scale > 1 else set()
    model.maximize(
        cp_model.LinearExpr.weighted_sum(
            [y[i] for i in ids], [scale * weight[i] + (i in preferred) for i in ids]
        )
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Relaxation(total, frozenset(), proven=False)
    chosen = frozenset(i for i in ids if solver.boolean_value(y[i]))
    # The preferred part adds less than ``scale``: the weight's bound is the quotient.
    bound = min(total, math.floor(solver.best_objective_bound + 1e-6) // scale)
    return Relaxation(bound, chosen, proven=status == cp_model.OPTIMAL)
