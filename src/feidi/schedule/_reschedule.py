"""Rescheduling after a change, moving as few of the previous meetings as needed.

A change — a request cancelled, a participant withdrawn, a slot lost for someone, a table
removed — is a new :class:`~feidi.schedule.Event`; the previous schedule says where each
meeting was. The new schedule is **lexicographically** best:

1. the highest priority sum ``P*`` (the method of :mod:`feidi.schedule._solve`, with one more
   starting schedule, the least disruptive: the previous meetings where they were, then the
   rest by Kempe chains; and the relaxation told to prefer previous meetings among its equally
   good sets);
2. holding Σ priority ≥ ``P*``, the fewest previous meetings **dropped** (no longer scheduled),
   then the fewest **moved** (another slot or table).

"Moved" is counted from slots alone: a meeting staying in its slot keeps its table when the
table is still open (:mod:`feidi.schedule._tables`). Stage two starts from the least
disruptive schedule known that reaches ``P*``, improves it by a small **repair** (the
relaxation's set given slots with every previous meeting fixed but the touched people's),
then asks CP-SAT **yes-or-no questions** — "is there a schedule dropping at most d?", then
"… and moving at most k?" — for the smallest d, then k. When every question is answered in
time the counts are proven fewest (``Reschedule.changes_minimal``); otherwise the best found
is kept and said to be unproven.

Why questions rather than one more objective: minimising the weighted count ``(R + 1) ·
dropped + moved`` (exactly lexicographic, as moved ≤ R) on the benchmark event did not close
its gap in a minute — the linear relaxation moves fractions of many meetings rather than a
few whole ones, so its bound proves little — while "at most one move?" is answered in
seconds.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from ortools.sat.python import cp_model

from feidi.schedule._bound import relaxation
from feidi.schedule._greedy import greedy_slots
from feidi.schedule._model import Event, Meeting, Reschedule, ScheduleError
from feidi.schedule._solve import (
    DEFAULT_TIME_LIMIT,
    DEFAULT_WORKERS,
    Answer,
    Budget,
    Formulation,
    Outcome,
    best_priority,
    kempe_slots,
    schedule_result,
)
from feidi.schedule._tables import assign_tables, keeps_table

__all__ = ["check_previous", "reschedule"]


def check_previous(meetings: Iterable[Meeting]) -> dict[str, Meeting]:
    """The previous schedule by request id; raises :class:`ScheduleError` when it is not one.

    A previous schedule lists each request once, slots and tables from 1, one meeting per
    table and slot. (Its slots and tables may lie beyond the event's now: the event shrank.)
    """
    by_id: dict[str, Meeting] = {}
    at: dict[tuple[int, int], str] = {}
    for m in meetings:
        if m.request_id in by_id:
            raise ScheduleError(
                (
                    f"原日程中约见请求「{m.request_id}」出现两次",
                    f"the previous schedule lists request {m.request_id!r} twice",
                )
            )
        if m.slot < 1 or m.table < 1:
            raise ScheduleError(
                (
                    f"原日程中约见请求「{m.request_id}」的时段与桌号须从 1 起",
                    f"the previous schedule: request {m.request_id!r} needs slot and table ≥ 1",
                )
            )
        other = at.get((m.slot, m.table))
        if other is not None:
            raise ScheduleError(
                (
                    f"原日程中「{other}」与「{m.request_id}」同一时段 {m.slot} 同坐 {m.table} 号桌",
                    f"the previous schedule puts {other!r} and {m.request_id!r} at table"
                    f" {m.table} in slot {m.slot}",
                )
            )
        at[m.slot, m.table] = m.request_id
        by_id[m.request_id] = m
    return by_id


def reschedule(
    event: Event,
    previous: Iterable[Meeting],
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    workers: int = DEFAULT_WORKERS,
    relative_gap: float = 0.0,
    seed: int = 0,
) -> Reschedule:
    """A new schedule for the changed ``event`` that disturbs ``previous`` as little as can be.

    Lexicographic: first the highest priority sum (proven, or within ``relative_gap`` /
    ``time_limit``, like :func:`schedule_meetings`); among schedules with at least that sum,
    the fewest previous meetings dropped, then the fewest moved to another slot or table.
    Previous meetings whose request is not in ``event`` count as cancelled. Each stage may take
    ``time_limit`` seconds; the second always aims at the proven minimum.

    Examples
    --------
    >>> from feidi.schedule import Event, Request, schedule_meetings
    >>> e = Event(tuple(Request(f"r{i}", "甲", f"p{i}", 1) for i in range(3)), slots=3, tables=1)
    >>> before = schedule_meetings(e).meetings
    >>> after = reschedule(e.without(requests=["r0"]), before)
    >>> after.cancelled, len(after.kept), after.moved, after.dropped
    (('r0',), 2, (), ())
    """
    started = time.perf_counter()
    before = check_previous(previous)
    known = {r.request_id for r in event.requests}
    cancelled = tuple(rid for rid in before if rid not in known)
    standing = {rid: m for rid, m in before.items() if rid in known}
    budget = Budget(started, time_limit, workers, relative_gap, seed)
    form = Formulation(event)
    relax = relaxation(
        event, form.weight, prefer=standing, time_limit=time_limit, workers=workers, seed=seed
    )
    first = [(rid, m.slot) for rid, m in standing.items()]
    candidates = [
        kempe_slots(event, form, relax, first),
        greedy_slots(event, first),
        kempe_slots(event, form, relax, ()),
    ]
    outcome = best_priority(event, form, candidates, relax, budget)
    chosen, minimal = outcome.chosen, True
    if standing:
        chosen, minimal = _fewest_changes(
            event, form, standing, outcome, candidates, relax.chosen, time_limit, workers, seed
        )
    meetings = assign_tables(event, list(chosen.items()), standing)
    now = {m.request_id: m for m in meetings}
    kept = tuple(rid for rid, m in standing.items() if now.get(rid) == m)
    moved = tuple(rid for rid, m in standing.items() if rid in now and now[rid] != m)
    dropped = tuple(rid for rid in standing if rid not in now)
    return Reschedule(
        schedule=schedule_result(event, form, outcome, meetings, started),
        kept=kept,
        moved=moved,
        dropped=dropped,
        cancelled=cancelled,
        changes_minimal=minimal,
    )


#: Seconds a repair may take per ring (its model is small: most meetings are fixed).
_REPAIR_SECONDS = 10.0
#: How many times the neighbourhood grows by one ring of meeting partners.
_REPAIR_RINGS = 3


class _Changes:
    """Stage two's questions: schedules reaching the priority sum ``floor`` that change the
    ``standing`` previous meetings as little as possible."""

    def __init__(
        self,
        event: Event,
        form: Formulation,
        standing: Mapping[str, Meeting],
        floor: int,
        time_limit: float,
        workers: int,
        seed: int,
    ) -> None:
        self.form, self.standing, self.floor = form, standing, floor
        self.started, self.time_limit = time.perf_counter(), time_limit
        self.workers, self.seed = workers, seed
        n = self.n = len(standing)
        self.slots_of: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        for (rid, _), v in form.x.items():
            if rid in standing:
                self.slots_of[rid].append(v)
        self.stay = {
            rid: form.x[rid, m.slot]
            for rid, m in standing.items()
            if keeps_table(event, m) and (rid, m.slot) in form.x
        }
        scheduled = [v for group in self.slots_of.values() for v in group]
        self.dropped = form.model.new_int_var(0, n, "dropped")
        self.moved = form.model.new_int_var(0, n, "moved")
        form.model.add(self.dropped == n - sum(scheduled))
        form.model.add(self.moved == sum(scheduled) - sum(self.stay.values()))
        form.model.add(form.priority_sum >= floor)

    @property
    def forced_drops(self) -> int:
        """Previous meetings that can no longer take place in any slot."""
        return self.n - len(self.slots_of)

    def count(self, chosen: Mapping[str, int]) -> tuple[int, int]:
        """(dropped, moved) of a schedule, request id → slot."""
        dropped = sum(1 for rid in self.standing if rid not in chosen)
        moved = sum(
            1
            for rid, slot in chosen.items()
            if rid in self.standing and (rid not in self.stay or slot != self.standing[rid].slot)
        )
        return dropped, moved

    def ask(self, hint: Mapping[str, int], max_dropped: int, max_moved: int) -> Answer:
        """Is there a schedule dropping at most ``max_dropped`` and moving at most
        ``max_moved``? One if so, else "none", or "unknown" when time ran out."""
        left = self.time_limit - (time.perf_counter() - self.started)
        if left <= 0:
            return "unknown"
        self.form.hint(hint)
        query = self.form.model.clone()
        query.clear_objective()  # type: ignore[no-untyped-call]  # untyped in OR-Tools
        query.add(query.get_int_var_from_proto_index(self.dropped.index) <= max_dropped)
        query.add(query.get_int_var_from_proto_index(self.moved.index) <= max_moved)
        if max_dropped == self.forced_drops:
            # The same as the count, said per meeting, propagates at once: the benchmark's
            # "one move?" question took 11 s instead of 17 s.
            var = query.get_bool_var_from_proto_index
            for group in self.slots_of.values():
                query.add_exactly_one(var(v.index) for v in group)
        return self.form.answer(query, left, self.workers, self.seed)


def _fewest_changes(
    event: Event,
    form: Formulation,
    standing: Mapping[str, Meeting],
    best: Outcome,
    candidates: Sequence[dict[str, int]],
    guide: frozenset[str],
    time_limit: float,
    workers: int,
    seed: int,
) -> tuple[dict[str, int], bool]:
    """Stage two (see the module): keep the priority sum, drop then move as few as can be.

    Returns the schedule and whether its changes are proven fewest. Three steps, each only
    ever improving on the last:

    1. the least disruptive schedule known that reaches the priority sum (``candidates``);
    2. a **repair** (:func:`_repair`): the relaxation's best set of meetings (``guide``) given
       slots by CP-SAT with every previous meeting fixed but those of the people the change
       touches, growing ring by ring;
    3. **yes-or-no questions** to CP-SAT over the whole event — "is there one dropping at most
       d?", then "… and moving at most k?" — for the smallest d, then k (:func:`_smallest`).
       A hard limit on a count is answered in seconds on the benchmark event, where the same
       count as an objective did not close its gap in a minute: the linear relaxation moves
       fractions of many meetings rather than a few whole ones, so its bound proves little.
    """
    changes = _Changes(event, form, standing, best.value, time_limit, workers, seed)
    good = [c for c in (*candidates, best.chosen) if form.value(c) >= best.value]
    current = _repair(event, changes, min(good, key=changes.count), guide)
    n = changes.n
    current, proven = _smallest(
        lambda hint, d: changes.ask(hint, d, n),
        lambda c: changes.count(c)[0],
        current,
        lowest=changes.forced_drops,
    )
    if not proven:
        return current, False
    fewest_dropped = changes.count(current)[0]
    return _smallest(
        lambda hint, k: changes.ask(hint, fewest_dropped, k),
        lambda c: changes.count(c)[1],
        current,
        lowest=0,
    )


def _repair(
    event: Event, changes: _Changes, current: dict[str, int], guide: frozenset[str]
) -> dict[str, int]:
    """A less disruptive schedule of the meetings ``guide`` (the relaxation's best set,
    which keeps the most previous meetings), if they reach the priority sum.

    Only slots are chosen — the meetings are given — and every previous meeting is fixed
    in its slot except those of touched people: the people of ``guide``'s meetings that are
    not previous ones, of previous ones it leaves out, and of previous meetings that cannot
    stay. That leaves CP-SAT a small problem (under a second on the benchmark event); while
    it has no solution, the people those meet are added, up to :data:`_REPAIR_RINGS` times.
    """
    form, standing = changes.form, changes.standing
    if sum(form.weight[rid] for rid in guide) < changes.floor:
        return current  # the set was never given slots: it is no schedule to repair towards
    pair = {r.request_id: r.pair for r in event.requests}
    touched: set[str] = set()
    for rid in (guide ^ standing.keys()) | (standing.keys() - changes.stay.keys()):
        touched |= pair[rid]
    partners: dict[str, set[str]] = defaultdict(set)
    for rid in standing:
        a, b = pair[rid]
        partners[a].add(b)
        partners[b].add(a)
    given = Event(
        tuple(r for r in event.requests if r.request_id in guide),
        event.slots,
        event.tables,
        event.availability,
        event.closed_tables,
    )
    for _ in range(_REPAIR_RINGS):
        left = changes.time_limit - (time.perf_counter() - changes.started)
        if left <= 0:
            break
        sub = Formulation(given)
        slots_of: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        for (rid, _), v in sub.x.items():
            slots_of[rid].append(v)
        for group in slots_of.values():
            sub.model.add_exactly_one(group)
        stays = []
        for rid in guide & changes.stay.keys():
            v = sub.x[rid, standing[rid].slot]
            stays.append(v)
            sub.model.add_hint(v, True)
            if not pair[rid] & touched:
                sub.model.add(v == 1)
        sub.model.maximize(sum(stays))
        found = sub.answer(sub.model, min(left, _REPAIR_SECONDS), changes.workers, changes.seed)
        if isinstance(found, dict):
            if changes.count(found) < changes.count(current):
                current = found
            break
        if found == "unknown":
            break
        grown = touched | {q for p in touched for q in partners[p]}
        if grown == touched:
            break
        touched = grown
    return current


def _smallest(
    ask: Callable[[dict[str, int], int], Answer],
    count: Callable[[dict[str, int]], int],
    known: dict[str, int],
    *,
    lowest: int,
) -> tuple[dict[str, int], bool]:
    """The solution with the smallest ``count``, given one (``known``) and a floor.

    ``ask(hint, k)`` returns a solution whose count is at most ``k``, "none" when none exists,
    or "unknown" when it could not tell in time (then the best found so far is returned,
    unproven). The floor is asked first (often the answer, and cheap to refute), then the
    range between is bisected.
    """
    best, low, high = known, lowest, count(known)
    k = low
    while low < high:
        found = ask(best, k)
        if found == "unknown":
            return best, False
        if found == "none":
            low = k + 1
        elif isinstance(found, dict):
            best, high = found, count(found)
        k = (low + high - 1) // 2
    return best, True
