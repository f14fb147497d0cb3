"""Calendar feeds (iCalendar) of the space's bookings, for calendar apps that cannot log in.

A person's feeds are opened by a secret in the address (``FeedKey``: only its SHA-256 is
stored; renewing it retires every old address). The key stands for its owner: a feed shows
exactly what the owner may see on the pages, read-only, and nothing if the owner is no longer
active (404, as for an unknown key).

* ``mine.ics`` — a firm user: their firm's bookings; centre staff: the bookings they made
  themselves, and with ``?all=1`` every booking of their division (the front desk's view).
* ``resources/<id>.ics`` — the active bookings of one resource the owner may see (404
  outside their scope). Bookings of other firms appear as "Booked", without names or titles.

Events carry a stable UID per booking (``booking-<id>@feidi``), times in UTC, the resource as
LOCATION and a STATUS: CONFIRMED, TENTATIVE (awaiting approval) or CANCELLED (cancelled or
rejected within the last ``CANCELLED_DAYS``, so calendars drop them).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from feidi_web.accounts.models import User
from feidi_web.accounts.scope import is_firm_user
from feidi_web.space.models import (
    ACTIVE,
    HORIZON_DAYS,
    Booking,
    BookingStatus,
    FeedKey,
    Resource,
)
from feidi_web.space.permissions import (
    booking_scope,
    bookings_for_user,
    is_staff,
    resources_for_user,
)

#: Past bookings kept in a feed (days).
PAST_DAYS = 60
#: Cancelled and rejected bookings stay in a feed as CANCELLED for this long.
CANCELLED_DAYS = 14
#: The most events one feed holds.
MAX_EVENTS = 2000


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def feed_key_renew(user: User) -> str:
    """A new secret for ``user``'s feeds, replacing any earlier one (whose addresses stop
    working). Returns the secret: it is shown once and never stored."""
    key = secrets.token_urlsafe(32)
    FeedKey.objects.update_or_create(
        user=user, defaults={"digest": digest_of(key), "created_at": timezone.now()}
    )
    return key


def feed_key_revoke(user: User) -> None:
    FeedKey.objects.filter(user=user).delete()


def feed_owner(key: str) -> User:
    """Whose feeds ``key`` opens: 404 for an unknown or retired key and for an owner who can
    no longer use the space."""
    if not key or len(key) > 100:
        raise Http404("unknown feed")
    found = FeedKey.objects.filter(digest=digest_of(key)).select_related("user").first()
    if found is None or not (is_staff(found.user) or is_firm_user(found.user)):
        raise Http404("unknown feed")
    return found.user


def _window(now: datetime) -> Q:
    return Q(
        end__gte=now - timedelta(days=PAST_DAYS), start__lte=now + timedelta(days=HORIZON_DAYS + 1)
    )


def _shown(now: datetime) -> Q:
    """Active bookings, and those cancelled or rejected lately."""
    lately = now - timedelta(days=CANCELLED_DAYS)
    return (
        Q(status__in=ACTIVE)
        | Q(status=BookingStatus.CANCELLED, cancelled_at__gte=lately)
        | Q(status=BookingStatus.REJECTED, decided_at__gte=lately)
    )


def mine_bookings(
    user: User, *, division: bool = False, now: datetime | None = None
) -> QuerySet[Booking]:
    now = now or timezone.now()
    found = bookings_for_user(user)
    if is_staff(user) and not division:
        found = found.filter(booked_by=user)
    return found.filter(_window(now), _shown(now))


def mine_feed(user: User, *, division: bool = False, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    with translation.override(user.reading_language):
        bookings = mine_bookings(user, division=division, now=now)
        name = _("My bookings") if not division else _("Bookings of the centre")
        return _calendar(name, bookings, visible=None, now=now)


def resource_feed(user: User, resource_id: int, *, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    try:
        resource = resources_for_user(user).get(pk=resource_id)
    except Resource.DoesNotExist:
        raise Http404("resource not found") from None
    with translation.override(user.reading_language):
        found = Booking.objects.filter(resource=resource).filter(_window(now))
        # others' bookings: only while they hold the time, and nameless
        found = found.filter(Q(status__in=ACTIVE) | (booking_scope(user) & _shown(now)))
        visible = set(
            Booking.objects.filter(booking_scope(user), resource=resource)
            .filter(_window(now))
            .values_list("pk", flat=True)
        )
        return _calendar(resource.name, found, visible=visible, now=now)


_STATUS = {
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.REQUESTED: "TENTATIVE",
    BookingStatus.CANCELLED: "CANCELLED",
    BookingStatus.REJECTED: "CANCELLED",
}


def _calendar(
    name: str, bookings: QuerySet[Booking], *, visible: set[int] | None, now: datetime
) -> bytes:
    """``visible``: the bookings whose party and title may be named (None: all of them)."""
    cal = Calendar()
    cal.add("prodid", "-//Feidi//Enclave space//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(timezone.get_current_timezone()))
    rows: Iterable[Booking] = bookings.select_related("resource", "party", "booked_by").order_by(
        "start", "id"
    )[:MAX_EVENTS]
    for b in rows:
        cal.add_component(_event(b, named=visible is None or b.pk in visible, now=now))
    return cal.to_ical()


def _event(b: Booking, *, named: bool, now: datetime) -> Event:
    ev = Event()
    ev.add("uid", f"booking-{b.pk}@feidi")
    ev.add("dtstamp", now.astimezone(UTC))
    ev.add("dtstart", b.start.astimezone(UTC))
    ev.add("dtend", b.end.astimezone(UTC))
    ev.add("sequence", b.version)
    ev.add("status", _STATUS.get(BookingStatus(b.status), "CONFIRMED"))
    ev.add("location", " · ".join(x for x in (b.resource.name, b.resource.location) if x))
    if named:
        ev.add("summary", " · ".join(x for x in (b.resource.name, b.title) if x))
        who = b.party.name if b.party else b.booked_by.display_name
        lines = [
            _("For: %(who)s") % {"who": who},
            _("Status: %(s)s") % {"s": b.get_status_display()},
        ]
        if b.price:
            lines.append(_("Price: %(yuan)s yuan") % {"yuan": b.price})
        ev.add("description", "\n".join(lines))
        ev.add("transp", "OPAQUE")
    else:
        ev.add("summary", f"{b.resource.name} · {_('Booked')}")
        ev.add("class", "PRIVATE")
    changed = max(x for x in (b.created_at, b.decided_at, b.cancelled_at) if x is not None)
    ev.add("last-modified", changed.astimezone(UTC))
    return ev
