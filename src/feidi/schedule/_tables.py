"""Tables for meetings already placed in slots.

Tables are interchangeable, so the solvers choose only each meeting's slot (with at most as
many meetings per slot as there are open tables) and the tables are given here. Any
numbering is valid; the one chosen keeps a previous meeting's table wherever it can, which
is what makes "a move" (another slot *or* another table) countable from slots alone: a
meeting that stays in its slot can always keep its table when that table is still open,
because the meetings staying in one slot had distinct tables before, and the others need
only the tables left over.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from feidi.schedule._model import Event, Meeting

__all__ = ["assign_tables", "keeps_table"]


def keeps_table(event: Event, before: Meeting) -> bool:
    """Whether ``before`` can stay exactly where it was, given only the event's slots and
    tables (its slot still exists and its table is still open)."""
    return before.slot <= event.slots and before.table in event.open_tables


def assign_tables(
    event: Event,
    slots: Sequence[tuple[str, int]],
    previous: Mapping[str, Meeting] | None = None,
) -> tuple[Meeting, ...]:
    """Meetings for ``(request_id, slot)`` pairs, each at its own open table in its slot.

    A meeting that stays in its ``previous`` slot keeps its table when that table is open;
    one that changes slot takes its old table number when free (people remember it); the
    others take the lowest free tables, in the order given. The result is ordered by slot
    and table.

    >>> e = Event((), slots=2, tables=3, closed_tables=frozenset({1}))
    >>> before = {"b": Meeting("b", 1, 3)}
    >>> [(m.request_id, m.slot, m.table) for m in assign_tables(e, [("a", 1), ("b", 1)], before)]
    [('a', 1, 2), ('b', 1, 3)]
    """
    previous = previous or {}
    open_tables = event.open_tables
    by_slot: dict[int, list[str]] = defaultdict(list)
    for request_id, slot in slots:
        by_slot[slot].append(request_id)
    meetings: list[Meeting] = []
    for slot, ids in by_slot.items():
        if len(ids) > len(open_tables):
            raise ValueError(f"slot {slot} holds {len(ids)} meetings for {len(open_tables)} tables")
        table_of: dict[str, int] = {}
        used: set[int] = set()
        # Stayers first, so that a meeting arriving from another slot never takes their table.
        for staying in (True, False):
            for rid in ids:
                before = previous.get(rid)
                if before is None or (before.slot == slot) != staying:
                    continue
                if before.table in open_tables and before.table not in used:
                    table_of[rid] = before.table
                    used.add(before.table)
        free = iter(t for t in open_tables if t not in used)
        for rid in ids:
            if rid not in table_of:
                table_of[rid] = next(free)
        meetings.extend(Meeting(rid, slot, table_of[rid]) for rid in ids)
    return tuple(sorted(meetings, key=lambda m: (m.slot, m.table)))
