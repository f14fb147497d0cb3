"""Meeting schedules: every rule holds, the optimum equals brute force, rescheduling moves the
fewest meetings — each checked by code written here, independent of the module's own."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence

import pytest

from feidi.schedule import (
    Event,
    Meeting,
    Request,
    ScheduleError,
    assign_tables,
    greedy_schedule,
    integer_weights,
    reschedule,
    schedule_meetings,
)
from feidi.schedule._bound import relaxation
from feidi.schedule._kempe import SlotBoard


def problems(event: Event, meetings: Iterable[Meeting]) -> list[str]:
    """Every broken rule of ``meetings`` as a schedule of ``event`` (empty: a valid schedule)."""
    by_id = {r.request_id: r for r in event.requests}
    found: list[str] = []
    seen: set[str] = set()
    person_slot: set[tuple[str, int]] = set()
    table_slot: set[tuple[int, int]] = set()
    pairs: set[frozenset[str]] = set()
    for m in meetings:
        r = by_id.get(m.request_id)
        if r is None:
            found.append(f"{m.request_id}: unknown request")
            continue
        if m.request_id in seen:
            found.append(f"{m.request_id}: scheduled twice")
        seen.add(m.request_id)
        if not 1 <= m.slot <= event.slots:
            found.append(f"{m.request_id}: slot {m.slot} out of range")
        if not 1 <= m.table <= event.tables or m.table in event.closed_tables:
            found.append(f"{m.request_id}: table {m.table} is not open")
        if (m.slot, m.table) in table_slot:
            found.append(f"{m.request_id}: table {m.table} double-booked in slot {m.slot}")
        table_slot.add((m.slot, m.table))
        for person in (r.requester, r.invitee):
            allowed = event.availability.get(person)
            if allowed is not None and m.slot not in allowed:
                found.append(f"{m.request_id}: {person} unavailable in slot {m.slot}")
            if (person, m.slot) in person_slot:
                found.append(f"{m.request_id}: {person} double-booked in slot {m.slot}")
            person_slot.add((person, m.slot))
        pair = frozenset((r.requester, r.invitee))
        if pair in pairs:
            found.append(f"{m.request_id}: the pair already meets")
        pairs.add(pair)
    return found


def value(event: Event, meetings: Iterable[Meeting]) -> float:
    priority = {r.request_id: r.priority for r in event.requests}
    return sum(priority[m.request_id] for m in meetings)


def brute_force_best(event: Event) -> float:
    """The best priority sum over every slot choice (tables: at most T per slot)."""
    options = [(None, *range(1, event.slots + 1))] * len(event.requests)
    capacity = event.tables - len(event.closed_tables)
    best = 0.0
    for choice in itertools.product(*options):
        meetings = [
            Meeting(r.request_id, s, 0)
            for r, s in zip(event.requests, choice, strict=True)
            if s is not None
        ]
        if any(
            sum(1 for m in meetings if m.slot == s) > capacity for s in range(1, event.slots + 1)
        ):
            continue
        numbered = _numbered(event, meetings)
        if not problems(event, numbered):
            best = max(best, value(event, numbered))
    return best


def _numbered(event: Event, meetings: Sequence[Meeting]) -> list[Meeting]:
    """Meetings given the open tables in order within each slot (for the checker)."""
    open_tables = [t for t in range(1, event.tables + 1) if t not in event.closed_tables]
    out: list[Meeting] = []
    for slot in sorted({m.slot for m in meetings}):
        here = [m for m in meetings if m.slot == slot]
        out.extend(Meeting(m.request_id, slot, t) for m, t in zip(here, open_tables, strict=False))
    return out


def random_event(
    rng: random.Random, *, requests: int, people: int = 5, slots: int = 0, tables: int = 0
) -> Event:
    names = [f"p{i}" for i in range(people)]
    reqs = []
    for i in range(requests):
        a, b = rng.sample(names, 2)
        reqs.append(Request(f"r{i}", a, b, float(rng.randint(1, 9))))
    slots = slots or rng.randint(2, 3)
    availability = {
        p: frozenset(s for s in range(1, slots + 1) if rng.random() < 0.7)
        for p in names
        if rng.random() < 0.4
    }
    tables = tables or rng.randint(1, 2)
    return Event(tuple(reqs), slots=slots, tables=tables, availability=availability)


# --- the model ---------------------------------------------------------------------------


def test_event_refuses_what_cannot_be_scheduled() -> None:
    ok = Request("r1", "甲", "乙", 1)
    cases = [
        ((ok, Request("r1", "甲", "丙", 1)), {}, "duplicate request_id"),
        ((Request("r1", "甲", "甲", 1),), {}, "the same person"),
        ((Request("r1", "甲", "乙", 0),), {}, "priority must be a positive number"),
        ((Request("r1", "甲", "乙", float("nan")),), {}, "priority must be a positive number"),
        ((Request("r1", "", "乙", 1),), {}, "empty requester or invitee"),
        ((ok,), {"甲": frozenset({4})}, "slot 4 is not in 1..3"),
    ]
    for requests, availability, reason in cases:
        with pytest.raises(ScheduleError) as caught:
            Event(requests, slots=3, tables=1, availability=availability)
        assert reason in caught.value.reason[1]
        assert caught.value.reason[0]  # and a Chinese half
    with pytest.raises(ScheduleError, match="closed table 3"):
        Event((ok,), slots=1, tables=2, closed_tables=frozenset({3}))


def test_integer_weights_keep_decimals_and_ratios() -> None:
    assert integer_weights([0.5, 1.25, 3]) == ([50, 125, 300], 100)
    assert integer_weights([2, 7]) == ([2, 7], 1)
    weights, scale = integer_weights([1e9, 0.1])
    assert scale == 10 and weights == [10_000_000_000, 1]


# --- the optimum ---------------------------------------------------------------------------


def test_schedule_equals_brute_force_on_small_events() -> None:
    rng = random.Random(7)
    for _ in range(40):
        event = random_event(rng, requests=rng.randint(3, 6))
        best = brute_force_best(event)
        s = schedule_meetings(event, time_limit=10)
        assert problems(event, s.meetings) == []
        assert value(event, s.meetings) == s.objective == best
        assert (s.status, s.bound, s.gap) == ("optimal", best, 0.0)


def test_greedy_is_valid_and_never_beats_the_optimum() -> None:
    rng = random.Random(11)
    short = 0
    for _ in range(40):
        event = random_event(rng, requests=rng.randint(3, 6))
        g = greedy_schedule(event)
        best = schedule_meetings(event, time_limit=10)
        assert problems(event, g.meetings) == []
        assert g.objective == value(event, g.meetings) <= best.objective
        short += g.objective < best.objective
    assert short > 0  # the instances are not all easy: greedy loses on some


def test_greedy_loses_where_the_optimum_does_not() -> None:
    # Greedy gives the higher request the earliest slot; 丁 leaves after slot 1, so 甲–丁
    # then finds 甲 taken. The optimum holds 甲–乙 back to slot 2.
    event = Event(
        (
            Request("a", "甲", "乙", 5),  # both free all day
            Request("b", "甲", "丁", 4),  # 丁 only in slot 1
        ),
        slots=2,
        tables=5,
        availability={"丁": frozenset({1})},
    )
    g = greedy_schedule(event)
    best = schedule_meetings(event)
    assert [(m.request_id, m.slot) for m in g.meetings] == [("a", 1)]
    assert g.objective == 5
    assert sorted((m.request_id, m.slot) for m in best.meetings) == [("a", 2), ("b", 1)]
    assert (best.objective, best.status) == (9, "optimal")


def test_availability_is_respected() -> None:
    event = Event(
        (
            Request("r1", "投资人", "企业甲", 1),
            Request("r2", "投资人", "企业乙", 1),
            Request("r3", "投资人", "企业丙", 1),
        ),
        slots=4,
        tables=3,
        availability={
            "企业甲": frozenset({4}),
            "企业乙": frozenset({4}),
            "投资人": frozenset({2, 4}),
        },
    )
    s = schedule_meetings(event)
    assert problems(event, s.meetings) == []
    slots = {m.request_id: m.slot for m in s.meetings}
    # 投资人 has slots 2 and 4; 甲 and 乙 only 4: one of them meets in 4, 丙 in 2.
    assert slots["r3"] == 2 and len(slots) == 2 and set(slots.values()) == {2, 4}


def test_a_pair_asking_both_ways_meets_once_under_the_higher_priority() -> None:
    event = Event(
        (Request("ab", "甲", "乙", 2), Request("ba", "乙", "甲", 7)),
        slots=3,
        tables=2,
    )
    s = schedule_meetings(event)
    assert [m.request_id for m in s.meetings] == ["ba"]
    assert s.objective == 7 == s.bound


def test_tables_are_distinct_open_and_at_most_t_per_slot() -> None:
    people = [f"p{i}" for i in range(8)]
    requests = tuple(
        Request(f"r{i}{j}", a, b, 1)
        for i, a in enumerate(people)
        for j, b in enumerate(people)
        if i < j
    )
    event = Event(requests, slots=2, tables=3, closed_tables=frozenset({2}))
    s = schedule_meetings(event)
    assert problems(event, s.meetings) == []
    assert {m.table for m in s.meetings} == {1, 3}
    assert len(s.meetings) == 4  # two open tables × two slots


def test_an_odd_cycle_is_solved_by_the_search_not_the_relaxation() -> None:
    # Three people who all asked each other, two slots: each person could take two meetings
    # (the relaxation's bound is 3) but a triangle needs three slots: the optimum is 2, and the
    # reported bound must be the proven 2, not the relaxation's 3.
    event = Event(
        (Request("ab", "甲", "乙", 1), Request("bc", "乙", "丙", 1), Request("ca", "丙", "甲", 1)),
        slots=2,
        tables=3,
    )
    assert (
        relaxation(event, {"ab": 1, "bc": 1, "ca": 1}, time_limit=5, workers=1, seed=0).bound == 3
    )
    s = schedule_meetings(event)
    assert (s.objective, s.bound, s.status, len(s.meetings)) == (2, 2, "optimal", 2)
    assert problems(event, s.meetings) == []


def test_relaxation_bounds_the_brute_force_optimum() -> None:
    rng = random.Random(3)
    for _ in range(25):
        event = random_event(rng, requests=rng.randint(3, 6))
        weights, scale = integer_weights([r.priority for r in event.requests])
        weight = {r.request_id: w for r, w in zip(event.requests, weights, strict=True)}
        bound = relaxation(event, weight, time_limit=5, workers=1, seed=0).bound
        assert bound / scale >= brute_force_best(event)


def test_kempe_chain_makes_room_for_a_meeting() -> None:
    # 甲 is busy in slot 2 (with 丁), 乙 in slot 1 (with 丙): no common free slot, until 乙–丙
    # moves to slot 2 and frees 乙 in slot 1 for 甲.
    event = Event(
        (Request("x", "甲", "丁", 1), Request("y", "乙", "丙", 1), Request("new", "甲", "乙", 1)),
        slots=2,
        tables=5,
    )
    board = SlotBoard(event)
    assert board.place("x", 2) and board.place("y", 1)
    assert not board.place("new", 1) and not board.place("new", 2)
    assert board.insert("new")
    assert board.chosen == {"x": 2, "y": 2, "new": 1}


def test_kempe_chain_respects_availability() -> None:
    event = Event(
        (Request("x", "甲", "丁", 1), Request("y", "乙", "丙", 1), Request("new", "甲", "乙", 1)),
        slots=2,
        tables=5,
        availability={"丙": frozenset({1}), "丁": frozenset({2})},  # neither x nor y can move
    )
    board = SlotBoard(event)
    assert board.place("x", 2) and board.place("y", 1)
    assert not board.insert("new")
    assert board.chosen == {"x": 2, "y": 1}


def test_a_time_limit_gives_an_honest_gap() -> None:
    rng = random.Random(5)
    event = random_event(rng, requests=6)
    s = schedule_meetings(event, time_limit=0.0)
    assert problems(event, s.meetings) == []
    assert s.bound >= s.objective == value(event, s.meetings)
    expected = (s.bound - s.objective) / s.bound if s.bound else 0.0
    assert s.gap == pytest.approx(expected)
    assert (s.status == "optimal") == (s.gap == 0.0)


# --- rescheduling ----------------------------------------------------------------------------


def valid_schedules(event: Event) -> list[tuple[Meeting, ...]]:
    places = [None, *itertools.product(range(1, event.slots + 1), range(1, event.tables + 1))]
    out = []
    for choice in itertools.product(places, repeat=len(event.requests)):
        meetings = tuple(
            Meeting(r.request_id, *place)
            for r, place in zip(event.requests, choice, strict=True)
            if place is not None
        )
        if not problems(event, meetings):
            out.append(meetings)
    return out


def brute_force_reschedule(event: Event, before: dict[str, Meeting]) -> tuple[float, int, int]:
    """(best priority sum, then fewest dropped, then fewest moved) over every (slot, table)
    choice per request."""
    places = [None, *itertools.product(range(1, event.slots + 1), range(1, event.tables + 1))]
    best: tuple[float, int, int] | None = None
    for choice in itertools.product(places, repeat=len(event.requests)):
        meetings = [
            Meeting(r.request_id, *place)
            for r, place in zip(event.requests, choice, strict=True)
            if place is not None
        ]
        if problems(event, meetings):
            continue
        now = {m.request_id: m for m in meetings}
        standing = [rid for rid in before if rid in {r.request_id for r in event.requests}]
        dropped = sum(1 for rid in standing if rid not in now)
        moved = sum(1 for rid in standing if rid in now and now[rid] != before[rid])
        key = (-value(event, meetings), dropped, moved)
        if best is None or key < (-best[0], best[1], best[2]):
            best = (value(event, meetings), dropped, moved)
    assert best is not None
    return best


def _changes(rng: random.Random, event: Event, meetings: Sequence[Meeting]) -> Event:
    """One change of the kinds an organiser meets on the day."""
    by_id = {r.request_id: r for r in event.requests}
    kind = rng.choice(["cancel", "withdraw", "slot", "table"])
    if kind == "cancel" and meetings:
        return event.without(requests=[rng.choice(meetings).request_id])
    if kind == "withdraw" and meetings:
        return event.without(participants=[by_id[rng.choice(meetings).request_id].requester])
    if kind == "slot" and meetings:
        m = rng.choice(meetings)
        person = by_id[m.request_id].invitee
        availability = dict(event.availability)
        availability[person] = event.free_slots(person) - {m.slot}
        return Event(event.requests, event.slots, event.tables, availability, event.closed_tables)
    return event.without(tables=[event.tables]) if event.tables > 1 else event


def test_reschedule_moves_the_fewest_as_brute_force_finds() -> None:
    rng = random.Random(2024)
    checked = 0
    while checked < 30:
        event = random_event(rng, requests=rng.randint(3, 4), people=4, slots=2, tables=2)
        # the solver's own schedule, or any valid one (an organiser's hand-made plan)
        before = (
            schedule_meetings(event).meetings if checked % 2 else rng.choice(valid_schedules(event))
        )
        changed = _changes(rng, event, before)
        result = reschedule(changed, before, time_limit=10)
        s = result.schedule
        assert problems(changed, s.meetings) == []
        best, dropped, moved = brute_force_reschedule(changed, {m.request_id: m for m in before})
        assert (s.objective, len(result.dropped), len(result.moved)) == (best, dropped, moved)
        assert result.changes_minimal and s.status == "optimal"
        # every previous meeting is accounted for exactly once
        accounted = result.kept + result.moved + result.dropped + result.cancelled
        assert sorted(accounted) == sorted(m.request_id for m in before)
        checked += 1


def test_reschedule_keeps_everything_a_cancellation_does_not_touch() -> None:
    requests = tuple(Request(f"r{i}", f"投资人{i % 3}", f"企业{i}", 1 + i % 4) for i in range(9))
    event = Event(requests, slots=3, tables=3)
    before = schedule_meetings(event).meetings
    gone = before[0].request_id
    result = reschedule(event.without(requests=[gone]), before)
    assert result.cancelled == (gone,)
    assert (result.moved, result.dropped) == ((), ())
    assert sorted(result.kept) == sorted(m.request_id for m in before[1:])
    kept = {m.request_id: m for m in result.schedule.meetings}
    assert all(kept[m.request_id] == m for m in before[1:])  # same slot, same table


def test_reschedule_after_a_table_is_removed_moves_only_its_meetings() -> None:
    requests = tuple(Request(f"r{i}", f"甲{i}", f"乙{i}", 1) for i in range(4))
    event = Event(requests, slots=2, tables=2)
    before = assign_tables(event, [("r0", 1), ("r1", 1), ("r2", 2), ("r3", 2)])
    assert [m.table for m in before] == [1, 2, 1, 2]
    result = reschedule(event.without(tables=[2]), before)
    # two slots, one table: two meetings can stay; the table-2 meetings have nowhere to go
    assert sorted(result.kept) == ["r0", "r2"]
    assert sorted(result.dropped) == ["r1", "r3"]
    assert result.moved == ()


def test_reschedule_after_a_slot_is_lost_moves_the_meeting_not_the_others() -> None:
    requests = (
        Request("a", "甲", "乙", 3),
        Request("b", "丙", "丁", 2),
        Request("c", "戊", "己", 1),
    )
    event = Event(requests, slots=3, tables=1)
    before = assign_tables(event, [("a", 1), ("b", 2), ("c", 3)])
    changed = Event(requests, 3, 1, {"甲": frozenset({1, 2}), "乙": frozenset({2, 3})})
    # 甲 and 乙 now share only slot 2: "a" must move there, and "b" must make room.
    result = reschedule(changed, before)
    assert problems(changed, result.schedule.meetings) == []
    assert result.schedule.objective == 6
    assert sorted(result.moved) == ["a", "b"] and result.kept == ("c",)
    assert result.changes_minimal


def test_reschedule_refuses_a_previous_schedule_that_is_not_one() -> None:
    event = Event((Request("a", "甲", "乙", 1), Request("b", "丙", "丁", 1)), slots=2, tables=2)
    with pytest.raises(ScheduleError, match="twice"):
        reschedule(event, [Meeting("a", 1, 1), Meeting("a", 2, 1)])
    with pytest.raises(ScheduleError, match="table 1 in slot 1"):
        reschedule(event, [Meeting("a", 1, 1), Meeting("b", 1, 1)])
