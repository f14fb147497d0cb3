"""The priority-first greedy schedule: the baseline the solver is measured against, and its
first hint.

Requests are taken by priority, highest first, and each is put in the earliest slot where
both people are free and available and a table is left. It is what an organiser does by hand
on a spreadsheet; it never undoes a choice, so an early slot given to someone who could have
met later may be the only one a person leaving early had.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence

from feidi.schedule._model import Event, Meeting, Schedule
from feidi.schedule._tables import assign_tables

__all__ = ["greedy_schedule", "greedy_slots", "priority_ceiling"]


def greedy_slots(event: Event, first: Sequence[tuple[str, int]] = ()) -> dict[str, int]:
    """Request id → slot by the greedy rule; ``first`` (request id, slot) are tried before.

    ``first`` lets a rescheduling start from the previous schedule: each of those meetings
    stays in its slot if that is still possible, then the rest are placed by priority.
    """
    by_id = {r.request_id: r for r in event.requests}
    capacity = len(event.open_tables)
    busy: dict[str, set[int]] = defaultdict(set)
    load: dict[int, int] = defaultdict(int)
    met: set[frozenset[str]] = set()
    chosen: dict[str, int] = {}

    def place(request_id: str, slots: Sequence[int]) -> None:
        r = by_id[request_id]
        if request_id in chosen or r.pair in met:
            return
        free = event.free_slots(r.requester) & event.free_slots(r.invitee)
        for slot in slots:
            if (
                slot in free
                and load[slot] < capacity
                and slot not in busy[r.requester]
                and slot not in busy[r.invitee]
            ):
                chosen[request_id] = slot
                load[slot] += 1
                busy[r.requester].add(slot)
                busy[r.invitee].add(slot)
                met.add(r.pair)
                return

    for request_id, slot in first:
        if request_id in by_id:
            place(request_id, (slot,))
    every_slot = range(1, event.slots + 1)
    # sorted() is stable: equal priorities keep the order of the file
    for r in sorted(event.requests, key=lambda r: -r.priority):
        place(r.request_id, every_slot)
    return chosen


def priority_ceiling(event: Event) -> float:
    """An upper bound no schedule can beat: per pair that shares a slot, its best priority."""
    best: dict[frozenset[str], float] = {}
    for r in event.requests:
        if event.common_slots(r):
            best[r.pair] = max(best.get(r.pair, 0.0), r.priority)
    return sum(best.values())


def greedy_schedule(event: Event, previous: Mapping[str, Meeting] | None = None) -> Schedule:
    """The priority-first greedy schedule of ``event`` (see the module's description).

    Its ``bound`` is :func:`priority_ceiling` (greedy proves nothing better) and its status
    "feasible" unless it reached that ceiling.

    Examples
    --------
    >>> from feidi.schedule import Event, Request
    >>> e = Event((Request("a", "甲", "乙", 5), Request("b", "甲", "丙", 3)), slots=1, tables=2)
    >>> s = greedy_schedule(e)
    >>> [(m.request_id, m.slot, m.table) for m in s.meetings], s.objective
    ([('a', 1, 1)], 5.0)
    """
    started = time.perf_counter()
    previous = previous or {}
    first = [(rid, m.slot) for rid, m in previous.items()]
    chosen = greedy_slots(event, first)
    meetings = assign_tables(event, list(chosen.items()), previous)
    priority = {r.request_id: r.priority for r in event.requests}
    objective = float(sum(priority[m.request_id] for m in meetings))
    ceiling = priority_ceiling(event)
    return Schedule(
        meetings=meetings,
        objective=objective,
        bound=ceiling,
        status="optimal" if objective >= ceiling else "feasible",
        seconds=time.perf_counter() - started,
        method="greedy",
    )
