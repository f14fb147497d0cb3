"""The plain data of an event's 1:1 meetings: requests, the event, a schedule.

Everything here is a frozen value; the solvers (:mod:`feidi.schedule._solve`,
:mod:`feidi.schedule._greedy`) read an :class:`Event` and return a :class:`Schedule`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from feidi.io._issues import Bilingual

#: Seconds a schedule may take (a rescheduling may take this twice: once per stage). Here,
#: not beside the solver, so the CLI can show it without importing OR-Tools.
DEFAULT_TIME_LIMIT = 30.0
#: CP-SAT's parallel workers: the project's machines have 2 cores.
DEFAULT_WORKERS = 2

__all__ = [
    "MAX_PRIORITY",
    "Event",
    "Meeting",
    "Request",
    "Reschedule",
    "Schedule",
    "ScheduleError",
    "Status",
]

#: The largest priority accepted: the solver works on integer weights, and their sum over a
#: large event must stay far inside a 64-bit integer (and exact in a double, for the bound).
MAX_PRIORITY = 1_000_000_000.0

Status = Literal["optimal", "feasible"]


class ScheduleError(ValueError):
    """An event that cannot be scheduled as given; ``reason`` is a (中文, English) pair."""

    def __init__(self, reason: Bilingual) -> None:
        super().__init__(f"{reason[0]} / {reason[1]}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Request:
    """A wish for one 1:1 meeting: ``requester`` asked to meet ``invitee``.

    ``priority`` (> 0) is what the meeting is worth when it takes place; the schedule
    maximises the sum over the meetings it holds.
    """

    request_id: str
    requester: str
    invitee: str
    priority: float

    @property
    def pair(self) -> frozenset[str]:
        """The two people, unordered: A→B and B→A are the same pair."""
        return frozenset((self.requester, self.invitee))


@dataclass(frozen=True, slots=True, order=True)
class Meeting:
    """A scheduled request: in time slot ``slot`` (1..N) at table ``table`` (1..T)."""

    request_id: str
    slot: int
    table: int


@dataclass(frozen=True)
class Event:
    """An event to schedule: requests, ``slots`` time slots (1..N) and ``tables`` tables (1..T).

    ``availability`` maps a participant to the slots they can attend; a participant not in
    it is free in every slot, one mapped to an empty set attends none (withdrawn).
    ``closed_tables`` are table numbers that cannot be used (a table removed mid-event).

    The rules a schedule obeys: a person is in at most one meeting per slot; a slot holds at
    most as many meetings as there are open tables, each at its own table; both people are
    available in the meeting's slot; and a **pair meets at most once** — when A asked B and
    B asked A (or A asked B twice), at most one of those requests is scheduled, and the
    meeting is worth the priority of the request it is scheduled under, so the solver picks
    the higher one. Two meetings of the same two people would only take a slot from someone
    else.

    Examples
    --------
    >>> e = Event((Request("r1", "甲", "乙", 2.0),), slots=3, tables=1, availability={"乙": frozenset({3})})
    >>> sorted(e.free_slots("甲")), sorted(e.free_slots("乙"))
    ([1, 2, 3], [3])
    """

    requests: tuple[Request, ...]
    slots: int
    tables: int
    availability: Mapping[str, frozenset[int]] = field(default_factory=dict)
    closed_tables: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if self.slots < 1:
            raise ScheduleError(
                (
                    f"时段数须至少为 1，得到 {self.slots}",
                    f"slots must be at least 1, got {self.slots}",
                )
            )
        if self.tables < 1:
            raise ScheduleError(
                (
                    f"桌数须至少为 1，得到 {self.tables}",
                    f"tables must be at least 1, got {self.tables}",
                )
            )
        seen: set[str] = set()
        for r in self.requests:
            _check_request(r, seen)
        for person, slots in self.availability.items():
            bad = sorted(s for s in slots if not 1 <= s <= self.slots)
            if bad:
                raise ScheduleError(
                    (
                        f"参会人「{person}」的时段 {bad[0]} 不在 1..{self.slots} 之内",
                        f"participant {person!r}: slot {bad[0]} is not in 1..{self.slots}",
                    )
                )
        bad_tables = sorted(t for t in self.closed_tables if not 1 <= t <= self.tables)
        if bad_tables:
            raise ScheduleError(
                (
                    f"关闭的桌号 {bad_tables[0]} 不在 1..{self.tables} 之内",
                    f"closed table {bad_tables[0]} is not in 1..{self.tables}",
                )
            )

    @property
    def open_tables(self) -> tuple[int, ...]:
        """The table numbers meetings may use, in order."""
        return tuple(t for t in range(1, self.tables + 1) if t not in self.closed_tables)

    def free_slots(self, participant: str) -> frozenset[int]:
        """The slots ``participant`` can attend."""
        slots = self.availability.get(participant)
        return frozenset(range(1, self.slots + 1)) if slots is None else slots

    def common_slots(self, request: Request) -> list[int]:
        """The slots both people of ``request`` can attend, in order."""
        return sorted(self.free_slots(request.requester) & self.free_slots(request.invitee))

    def without(
        self,
        *,
        requests: Iterable[str] = (),
        participants: Iterable[str] = (),
        tables: Iterable[int] = (),
    ) -> Event:
        """The event after a change: requests cancelled, participants withdrawn, tables closed.

        >>> e = Event((Request("r1", "甲", "乙", 1.0),), slots=2, tables=3)
        >>> e2 = e.without(requests=["r1"], participants=["丙"], tables=[2])
        >>> e2.requests, e2.free_slots("丙"), e2.open_tables
        ((), frozenset(), (1, 3))
        """
        gone = set(requests)
        availability = dict(self.availability)
        availability.update({p: frozenset() for p in participants})
        return Event(
            tuple(r for r in self.requests if r.request_id not in gone),
            self.slots,
            self.tables,
            availability,
            self.closed_tables | frozenset(tables),
        )


def _check_request(r: Request, seen: set[str]) -> None:
    if not r.request_id:
        raise ScheduleError(("约见请求编号为空", "empty request_id"))
    if r.request_id in seen:
        raise ScheduleError(
            (f"约见请求编号「{r.request_id}」重复", f"duplicate request_id {r.request_id!r}")
        )
    seen.add(r.request_id)
    if not r.requester or not r.invitee:
        raise ScheduleError(
            (
                f"约见请求「{r.request_id}」的发起人或受邀人为空",
                f"request {r.request_id!r}: empty requester or invitee",
            )
        )
    if r.requester == r.invitee:
        raise ScheduleError(
            (
                f"约见请求「{r.request_id}」的发起人与受邀人是同一人",
                f"request {r.request_id!r}: requester and invitee are the same person",
            )
        )
    if not (math.isfinite(r.priority) and 0 < r.priority <= MAX_PRIORITY):
        raise ScheduleError(
            (
                f"约见请求「{r.request_id}」的优先级须为不超过 {MAX_PRIORITY:,.0f} 的正数，得到 {r.priority}",
                f"request {r.request_id!r}: priority must be a positive number up to"
                f" {MAX_PRIORITY:,.0f}, got {r.priority}",
            )
        )


@dataclass(frozen=True)
class Schedule:
    """Meetings with what is known of their quality.

    ``objective`` is the sum of the scheduled requests' priorities; ``bound`` a proven upper
    bound on the best possible sum (equal to ``objective`` when ``status`` is "optimal"; for
    the greedy baseline, which proves nothing, each pair's best priority summed over the
    pairs that share a slot); ``gap`` how far below the bound the objective may be, as a share
    of the bound. ``seconds`` is the wall time of building and solving; ``method`` says which
    of :func:`~feidi.schedule.schedule_meetings` and :func:`~feidi.schedule.greedy_schedule`
    made it.
    """

    meetings: tuple[Meeting, ...]
    objective: float
    bound: float
    status: Status
    seconds: float
    method: Literal["cp-sat", "greedy"] = "cp-sat"

    @property
    def gap(self) -> float:
        """``(bound − objective) / bound``: 0.01 means within 1 % of the optimum."""
        if self.bound <= 0:
            return 0.0
        return max(self.bound - self.objective, 0.0) / self.bound


@dataclass(frozen=True)
class Reschedule:
    """A new schedule after a change, and what became of each previous meeting.

    Of the previous meetings whose request still stands, each is ``kept`` (same slot and
    table), ``moved`` (another slot or table) or ``dropped`` (no longer scheduled);
    ``cancelled`` are previous meetings whose request is no longer in the event.
    ``changes_minimal`` is True when the solver proved that no schedule with the same
    priority sum drops fewer, nor — dropping as few — moves fewer.
    """

    schedule: Schedule
    kept: tuple[str, ...]
    moved: tuple[str, ...]
    dropped: tuple[str, ...]
    cancelled: tuple[str, ...]
    changes_minimal: bool
