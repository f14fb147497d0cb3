"""Reads of events: the list with its seat counts, the participants, and a schedule as the
pages show it — a table × slot grid, each participant's own list, and what a cancellation
left behind in the current schedule."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from feidi_web.accounts.models import User
from feidi_web.events.models import (
    Event,
    Meeting,
    MeetingRequest,
    Registration,
    RegistrationStatus,
    RequestStatus,
    Schedule,
)
from feidi_web.events.permissions import events_for_user, is_participant_user


def event_list(user: User) -> QuerySet[Event]:
    """The events ``user`` sees, each with ``seats`` taken and people ``waiting`` (and, for
    an enterprise user, ``mine``: their firm's live registrations)."""
    qs = (
        events_for_user(user)
        .order_by("-starts_at", "-id")
        .annotate(
            seats=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)
            ),
            waiting=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
            ),
        )
    )
    if is_participant_user(user):
        qs = qs.annotate(
            mine=Count(
                "registrations",
                filter=Q(registrations__party_id=user.enterprise_id)
                & ~Q(registrations__status=RegistrationStatus.CANCELLED),
            )
        )
    return qs


def seat_counts(event: Event) -> dict[str, int]:
    """Registrations by status (one query)."""
    counts = dict(
        Registration.objects.filter(event=event)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {s: counts.get(s, 0) for s in RegistrationStatus.values}


def seated(event: Event) -> list[Registration]:
    """Who holds a seat, in the order they registered."""
    return list(
        Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED)
        .select_related("party")
        .order_by("created_at", "id")
    )


def wait_list_position(registration: Registration) -> int | None:
    """1 for the next to move up; None when not on the wait list."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id, status=RegistrationStatus.WAITLISTED
    ).filter(
        Q(created_at__lt=registration.created_at)
        | Q(created_at=registration.created_at, id__lt=registration.pk)
    )
    return ahead.count() + 1


@dataclass(frozen=True)
class SlotTime:
    number: int
    starts: datetime
    ends: datetime


def slot_times(event: Event, slots: int | None = None) -> list[SlotTime]:
    step = timedelta(minutes=event.slot_minutes)
    return [
        SlotTime(n, event.slot_start(n), event.slot_start(n) + step)
        for n in range(1, (slots or event.slots) + 1)
    ]


@dataclass(frozen=True)
class Scheduled:
    """A meeting of a stored schedule with its people and its time."""

    meeting: Meeting
    request: MeetingRequest
    time: SlotTime

    @property
    def people(self) -> tuple[Registration, Registration]:
        return self.request.requester, self.request.invitee


def scheduled(event: Event, schedule: Schedule) -> list[Scheduled]:
    """A schedule's meetings in slot and table order (one query)."""
    times = {t.number: t for t in slot_times(event, max(event.slots, schedule.slots))}
    meetings = schedule.meetings.select_related(
        "request__requester__party", "request__invitee__party"
    ).order_by("slot", "table")
    return [Scheduled(m, m.request, times[m.slot]) for m in meetings]


@dataclass(frozen=True)
class Grid:
    """The printed schedule's grid: a row per slot, a column per table that holds a meeting."""

    tables: list[int]
    rows: list[tuple[SlotTime, list[Scheduled | None]]]


def grid(event: Event, meetings: list[Scheduled]) -> Grid:
    tables = sorted({s.meeting.table for s in meetings})
    at = {(s.meeting.slot, s.meeting.table): s for s in meetings}
    slots = sorted({s.meeting.slot for s in meetings})
    times = {s.time.number: s.time for s in meetings}
    return Grid(tables, [(times[n], [at.get((n, t)) for t in tables]) for n in slots])


@dataclass(frozen=True)
class OwnMeeting:
    time: SlotTime
    table: int
    other: Registration
    request: MeetingRequest


def own_meetings(meetings: list[Scheduled], registration_id: int) -> list[OwnMeeting]:
    out = []
    for s in meetings:
        a, b = s.people
        if registration_id in (a.pk, b.pk):
            other = b if a.pk == registration_id else a
            out.append(OwnMeeting(s.time, s.meeting.table, other, s.request))
    return out


def by_participant(meetings: list[Scheduled]) -> list[tuple[Registration, list[OwnMeeting]]]:
    """Each participant with a meeting, and their meetings in time order."""
    people: dict[int, Registration] = {}
    lists: dict[int, list[OwnMeeting]] = defaultdict(list)
    for s in meetings:
        a, b = s.people
        for me, other in ((a, b), (b, a)):
            people[me.pk] = me
            lists[me.pk].append(OwnMeeting(s.time, s.meeting.table, other, s.request))
    order = sorted(people.values(), key=lambda r: (r.party.name, r.person, r.pk))
    return [(r, lists[r.pk]) for r in order]


def affected(meetings: list[Scheduled]) -> list[Scheduled]:
    """Meetings of a stored schedule that can no longer take place as planned: the request
    was called off, or one of the two is no longer registered."""
    return [
        s
        for s in meetings
        if s.request.status != RequestStatus.ACCEPTED
        or any(p.status != RegistrationStatus.REGISTERED for p in s.people)
    ]


def accepted_since(event: Event, schedule: Schedule) -> int:
    """Requests accepted (between seated participants) after the schedule was made."""
    return MeetingRequest.objects.filter(
        event=event,
        status=RequestStatus.ACCEPTED,
        answered_at__gt=schedule.made_at,
        requester__status=RegistrationStatus.REGISTERED,
        invitee__status=RegistrationStatus.REGISTERED,
    ).count()
