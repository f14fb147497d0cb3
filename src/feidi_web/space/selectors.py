"""Reads of the enclave's space: a week of bookings per resource, a user's bookings, the
approval queue. Bookings the reader may not attribute are shown as taken, nothing more.
Operations: the front desk's day, the no-show definition (``no_show_q``), memberships and
the visitor log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.parties import PartyKind
from feidi_web.accounts.models import PIPELINE_ROLES, User
from feidi_web.accounts.scope import division_q, is_firm_user
from feidi_web.common.audit import AuditAction
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.space.models import (
    ACTIVE,
    Booking,
    BookingStatus,
    Membership,
    MembershipStatus,
    Resource,
    ResourceKind,
    Visit,
    VisitPurpose,
)
from feidi_web.space.permissions import (
    booking_scope,
    bookings_for_user,
    is_staff,
    may_book,
    memberships_for_user,
    visits_for_user,
)


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


# --- operations: the front desk, no-shows, memberships, visitors ----------------------------

#: How early before its start a booking may be checked in.
CHECK_IN_EARLY = timedelta(minutes=30)
#: A membership ending within this many days is highlighted for renewal.
ENDING_SOON_DAYS = 30


def no_show_q(now: datetime) -> Q:
    """The one home of the definition of a no-show, a ``Q`` over ``Booking``: a *confirmed*
    booking whose end has passed (``end < now``) without a check-in. Cancelled, rejected and
    requested bookings are never no-shows, and neither is one still running (a booking may
    be checked in until its end, inclusive). Every count of no-shows (the front desk, the
    utilisation report) filters with this; ``is_no_show`` is the same for one booking."""
    return Q(status=BookingStatus.CONFIRMED, checked_in_at__isnull=True, end__lt=now)


def is_no_show(booking: Booking, now: datetime) -> bool:
    """``no_show_q`` for one booking already in memory (the same three conditions)."""
    return (
        booking.status == BookingStatus.CONFIRMED
        and booking.checked_in_at is None
        and booking.end < now
    )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight of ``day`` and of the next day."""
    since = timezone.make_aware(datetime.combine(day, time(0)))
    return since, since + timedelta(days=1)


def is_local_firm(party: Enterprise | None) -> bool:
    """A firm registered at home (an enterprise with a credit code, not an enclave firm):
    not a lead. Prospects, start-ups, labs, investors, parties without a credit code and
    enclave firms (whom the county would like to land at home) are."""
    return (
        party is not None
        and party.kind == PartyKind.ENTERPRISE.value
        and bool(party.credit_code)
        and not party.enclave
    )


def booking_lead_ids(booking_ids: list[int]) -> set[int]:
    """Of ``booking_ids``, those whose party was filed as a lead (their audit entry)."""
    subjects = {f"booking:{pk}": pk for pk in booking_ids}
    found = AuditEntry.objects.filter(
        action=AuditAction.BOOKING_LEAD.value, subject__in=list(subjects)
    ).values_list("subject", flat=True)
    return {subjects[s] for s in found}


@dataclass
class DeskRow:
    """A booking on the front-desk page, with what may be done with it."""

    booking: Booking
    may_check_in: bool
    no_show: bool
    may_file_lead: bool
    filed: bool


def front_desk(user: User, day: date, now: datetime) -> list[DeskRow]:
    """The day's confirmed bookings of the resources of the user's division, by start."""
    since, until = day_bounds(day)
    found = list(
        bookings_for_user(user)
        .filter(status=BookingStatus.CONFIRMED, start__lt=until, end__gt=since)
        .select_related("resource", "party", "booked_by", "checked_in_by")
        .order_by("start", "resource__name", "id")
    )
    filed = booking_lead_ids([b.pk for b in found])
    rows = []
    for b in found:
        window = b.start - CHECK_IN_EARLY <= now <= b.end
        rows.append(
            DeskRow(
                booking=b,
                may_check_in=b.checked_in_at is None and window,
                no_show=is_no_show(b, now),
                may_file_lead=(
                    b.checked_in_at is not None
                    and b.party is not None
                    and not is_local_firm(b.party)
                    and b.pk not in filed
                ),
                filed=b.pk in filed,
            )
        )
    return rows


@dataclass
class MemberRow:
    membership: Membership
    #: Ends within ``ENDING_SOON_DAYS`` (or its term is over, still active).
    ending_soon: bool
    #: The renewal form's default: a year more.
    renew_until: date


@dataclass
class MemberLists:
    active: list[MemberRow]
    ended: list[Membership]


def member_lists(user: User, today: date) -> MemberLists:
    """Active memberships by end of term (those ending within ``ENDING_SOON_DAYS`` marked),
    and the latest 100 that ended, were renewed or cancelled."""
    found = memberships_for_user(user).select_related("party", "resource", "renewal_of")
    soon = today + timedelta(days=ENDING_SOON_DAYS)
    active = [
        MemberRow(m, m.ends_on <= soon, m.ends_on + timedelta(days=365))
        for m in found.filter(status=MembershipStatus.ACTIVE).order_by("ends_on", "id")
    ]
    ended = list(found.exclude(status=MembershipStatus.ACTIVE).order_by("-ends_on", "-id")[:100])
    return MemberLists(active, ended)


def firm_membership(user: User) -> Membership | None:
    """A firm user's own firm's current membership (read-only on the space page)."""
    if not is_firm_user(user):
        return None
    return (
        Membership.objects.filter(party_id=user.enterprise_id, status=MembershipStatus.ACTIVE)
        .select_related("resource")
        .order_by("-ends_on")
        .first()
    )


@dataclass
class VisitDay:
    visits: list[Visit]
    total: int
    present: int
    by_purpose: list[tuple[str, int]]


def visits_on(user: User, day: date) -> VisitDay:
    """The visitors who arrived on ``day``, latest first, with counts."""
    since, until = day_bounds(day)
    found = list(
        visits_for_user(user)
        .filter(arrived_at__gte=since, arrived_at__lt=until)
        .select_related("party", "host_user", "host_party", "project")
        .order_by("-arrived_at", "-id")
    )
    counts: dict[str, int] = {}
    for v in found:
        counts[v.purpose] = counts.get(v.purpose, 0) + 1
    by_purpose = [
        (str(label), counts[value]) for value, label in VisitPurpose.choices if value in counts
    ]
    return VisitDay(found, len(found), sum(1 for v in found if v.left_at is None), by_purpose)


def host_choices(user: User) -> list[tuple[str, str]]:
    """Who a visitor may come to see: the division's staff, then its resident firms."""
    staff = (
        User.objects.filter(
            division_q(user, "division_code"), role__in=sorted(PIPELINE_ROLES), is_active=True
        )
        .exclude(division_code="")
        .order_by("username")
    )
    residents = (
        Enterprise.objects.filter(
            memberships__in=memberships_for_user(user).filter(status=MembershipStatus.ACTIVE)
        )
        .distinct()
        .order_by("name")
    )
    return [(f"user:{u.pk}", u.display_name) for u in staff] + [
        (f"party:{p.pk}", p.name) for p in residents
    ]


def assignable_resources(user: User) -> QuerySet[Resource]:
    """The desks and quick offices of the division a membership may be assigned."""
    return Resource.objects.filter(
        division_q(user, "jurisdiction_code"),
        kind__in=[ResourceKind.OPEN_DESK, ResourceKind.QUICK_OFFICE],
    ).order_by("kind", "name", "id")
