"""1:1 meeting schedules for enclave events (沙龙、资本对接会、路演) — OR-Tools CP-SAT.

An :class:`Event` holds meeting requests (who asked whom, with a priority), N time slots, T
tables and who can attend which slots. :func:`schedule_meetings` finds the schedule with the
highest priority sum — no person or table double-booked, both people available, each pair
meeting at most once — and reports the proven bound and gap; :func:`greedy_schedule` is the
priority-first baseline; :func:`reschedule` re-plans after a change (a request cancelled, a
participant withdrawn, a slot lost, a table closed) moving as few meetings as it can.
:func:`read_requests`, :func:`read_availability` and :func:`read_meetings` read the files
the CLI takes, with every problem named by file, row, column and reason.

>>> from feidi.schedule import Event, Request, schedule_meetings
>>> event = Event(
...     (Request("r1", "投资人甲", "企业乙", 3), Request("r2", "投资人甲", "企业丙", 2)),
...     slots=2, tables=5, availability={"企业乙": frozenset({1})},
... )
>>> [(m.request_id, m.slot, m.table) for m in schedule_meetings(event).meetings]
[('r1', 1, 1), ('r2', 2, 1)]
"""

from typing import TYPE_CHECKING

from feidi._lazy import lazy_names

# Names are imported when first used (PEP 562): the `feidi` CLI registers `feidi schedule`
# through this package, and OR-Tools (~0.6 s to import) must not slow `feidi evaluate`.
_WHERE = {
    "greedy_schedule": "_greedy",
    "priority_ceiling": "_greedy",
    "DEFAULT_TIME_LIMIT": "_model",
    "DEFAULT_WORKERS": "_model",
    "Event": "_model",
    "MAX_PRIORITY": "_model",
    "Meeting": "_model",
    "Request": "_model",
    "Reschedule": "_model",
    "Schedule": "_model",
    "ScheduleError": "_model",
    "Status": "_model",
    "read_availability": "_read",
    "read_meetings": "_read",
    "read_requests": "_read",
    "check_previous": "_reschedule",
    "reschedule": "_reschedule",
    "integer_weights": "_solve",
    "schedule_meetings": "_solve",
    "assign_tables": "_tables",
}

if TYPE_CHECKING:
    from feidi.schedule._greedy import greedy_schedule, priority_ceiling
    from feidi.schedule._model import (
        DEFAULT_TIME_LIMIT,
        DEFAULT_WORKERS,
        MAX_PRIORITY,
        Event,
        Meeting,
        Request,
        Reschedule,
        Schedule,
        ScheduleError,
        Status,
    )
    from feidi.schedule._read import read_availability, read_meetings, read_requests
    from feidi.schedule._reschedule import check_previous, reschedule
    from feidi.schedule._solve import integer_weights, schedule_meetings
    from feidi.schedule._tables import assign_tables


__getattr__ = lazy_names(__name__, _WHERE, globals())


__all__ = [
    "DEFAULT_TIME_LIMIT",
    "DEFAULT_WORKERS",
    "MAX_PRIORITY",
    "Event",
    "Meeting",
    "Request",
    "Reschedule",
    "Schedule",
    "ScheduleError",
    "Status",
    "assign_tables",
    "check_previous",
    "greedy_schedule",
    "integer_weights",
    "priority_ceiling",
    "read_availability",
    "read_meetings",
    "read_requests",
    "reschedule",
    "schedule_meetings",
]
