"""Reads of the enclave's space: a week of bookings per resource, a user's bookings, the
approval queue. Bookings the reader may not attribute are shown as taken, nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi_web.accounts.models import User
from feidi_web.space.models import ACTIVE, Booking, BookingStatus, Resource
from feidi_web.space.permissions import booking_scope, bookings_for_user, is_staff, may_book


@dataclass
class Cell:
    """One booking as a week cell shows it."""

    start: datetime
    end: datetime
    label: str
    requested: bool


@dataclass
class WeekRow:
    resource: Resource
    days: list[list[Cell]] = field(default_factory=list)
    #: Whether the reader's role may book it (``Resource.bookable_by``).
    may_book: bool = False


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week(user: User, resources: QuerySet[Resource], monday: date) -> list[WeekRow]:
    """Each resource with its active bookings of the week from ``monday``, per day."""
    tz = timezone.get_current_timezone()
    since = datetime.combine(monday, time(0), tzinfo=tz)
    until = since + timedelta(days=7)
    rows = {
        r.pk: WeekRow(r, [[] for _ in range(7)], may_book(user, r) and r.active) for r in resources
    }
    visible = set(
        Booking.objects.filter(booking_scope(user), resource_id__in=rows)
        .filter(start__lt=until, end__gt=since)
        .values_list("pk", flat=True)
    )
    found = (
        Booking.objects.filter(
            resource_id__in=rows, status__in=ACTIVE, start__lt=until, end__gt=since
        )
        .select_related("party", "booked_by")
        .order_by("start")
    )
    for b in found:
        if b.pk in visible:
            who = b.party.name if b.party else (b.booked_by.display_name if is_staff(user) else "")
            label = " · ".join(x for x in (who, b.title) if x) or _("booked")
        else:
            label = _("taken")
        day = (timezone.localtime(b.start).date() - monday).days
        if 0 <= day < 7:
            rows[b.resource_id].days[day].append(
                Cell(b.start, b.end, label, b.status == BookingStatus.REQUESTED)
            )
    return list(rows.values())


def my_bookings(user: User) -> QuerySet[Booking]:
    """The user's own bookings and their firm's (staff: also every booking of the division
    from today on)."""
    found = bookings_for_user(user)
    if is_staff(user):
        found = found.filter(Q(booked_by=user) | Q(end__gte=timezone.now()))
    return found.select_related("resource", "party", "booked_by").order_by("-start", "-id")


def approval_queue(user: User) -> QuerySet[Booking]:
    return (
        bookings_for_user(user)
        .filter(status=BookingStatus.REQUESTED)
        .select_related("resource", "party", "booked_by")
        .order_by("start", "id")
    )
