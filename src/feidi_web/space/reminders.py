"""Reminders of the space, sent through the inbox (and by email): a booking starting within a
day, to the person who booked it; a resident firm's term ending within 30 days and again
within 7, to the firm's users and the enclave operators of the centre's division.

Each reminder has a once-key (``booking:<id>:24h``, ``membership:<id>:30d`` / ``:7d``), so
running the job twice — or two workers at once — tells nobody anything twice
(``inbox.services.notify``). Each is written in its recipient's language: the user's own
preference when the account has one, else the site's language (zh-hans).

Run by ``python -m feidi_web space_reminders`` (hourly, say).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi_web.accounts.models import Role, User
from feidi_web.accounts.scope import division_prefix
from feidi_web.inbox.models import Topic
from feidi_web.inbox.services import Notice, notify_each
from feidi_web.space.models import Booking, BookingStatus, Membership, MembershipStatus

#: A booking is reminded of this long before it starts.
BOOKING_AHEAD = timedelta(hours=24)
#: A term's end is announced this many days ahead, and again at the second.
MEMBERSHIP_AHEAD = (30, 7)


@dataclass(frozen=True)
class Sent:
    booking_messages: int = 0
    membership_messages: int = 0


def _hm(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _tell(recipients: Iterable[User], topic: Topic, words: Callable[[], Notice]) -> int:
    """Notify each recipient with ``words()`` rendered in their own language."""
    return len(notify_each(recipients, topic, words))


def send_booking_reminders(now: datetime | None = None) -> int:
    """Remind the booker of each confirmed booking starting within ``BOOKING_AHEAD`` of
    ``now``. Returns the messages written (0 on a second run)."""
    now = now or timezone.now()
    due = (
        Booking.objects.filter(
            status=BookingStatus.CONFIRMED, start__gt=now, start__lte=now + BOOKING_AHEAD
        )
        .select_related("resource", "booked_by", "party")
        .order_by("start", "id")
    )
    written = 0
    for b in due:

        def words(b: Booking = b) -> Notice:
            values = {
                "resource": b.resource.name,
                "when": _hm(b.start),
                "until": f"{timezone.localtime(b.end):%H:%M}",
                "where": b.resource.location or b.resource.name,
            }
            body = _("Your booking of %(resource)s is on %(when)s–%(until)s (%(where)s).") % values
            if b.title:
                body += "\n" + _("What for: %(title)s") % {"title": b.title}
            if b.party:
                body += "\n" + _("For: %(who)s") % {"who": b.party.name}
            body += "\n" + _("If you no longer need it, cancel it so others can book the time.")
            return Notice(
                subject=_("Reminder: %(resource)s, %(when)s") % values,
                body=body,
                link=reverse("space:bookings"),
                key=f"booking:{b.pk}:24h",
            )

        written += _tell([b.booked_by], Topic.BOOKING_REMINDER, words)
    return written


def _operators_of(code: str, operators: list[User]) -> list[User]:
    return [u for u in operators if code.startswith(division_prefix(u.division_code))]


def send_membership_reminders(today: date | None = None) -> int:
    """Announce each active term ending within 30 days (key ``…:30d``) and again within 7
    (``…:7d``; a term first found within 7 days gets only that one) to the resident firm's
    users and the enclave operators of the centre's division. Returns the messages written."""
    today = today or timezone.localdate()
    far, near = MEMBERSHIP_AHEAD
    due = (
        Membership.objects.filter(
            status=MembershipStatus.ACTIVE,
            ends_on__gte=today,
            ends_on__lte=today + timedelta(days=far),
        )
        .select_related("party", "resource")
        .order_by("ends_on", "id")
    )
    operators = list(
        User.objects.filter(
            role=Role.ENCLAVE_OPERATOR, is_active=True, division_code__regex=r"^[0-9]{6}$"
        )
    )
    written = 0
    for m in due:
        left = (m.ends_on - today).days
        mark = f"{near}d" if left <= near else f"{far}d"
        firm_users = list(
            User.objects.filter(
                Q(role=Role.ENTERPRISE) & Q(enterprise_id=m.party_id), is_active=True
            )
        )
        recipients = firm_users + _operators_of(m.jurisdiction_code, operators)

        def words(m: Membership = m, left: int = left, mark: str = mark) -> Notice:
            values = {"firm": m.party.name, "day": f"{m.ends_on:%Y-%m-%d}", "n": left}
            body = _("The centre membership of %(firm)s ends on %(day)s, in %(n)d days.") % values
            if m.resource:
                body += "\n" + _("Assigned: %(what)s") % {"what": m.resource.name}
            body += "\n" + _("Talk to the centre about renewing it in good time.")
            return Notice(
                subject=_("Membership of %(firm)s ends on %(day)s") % values,
                body=body,
                link=reverse("space:list"),
                key=f"membership:{m.pk}:{mark}",
            )

        written += _tell(recipients, Topic.MEMBERSHIP_RENEWAL, words)
    return written


def send_reminders(now: datetime | None = None) -> Sent:
    now = now or timezone.now()
    return Sent(
        booking_messages=send_booking_reminders(now),
        membership_messages=send_membership_reminders(timezone.localdate(now)),
    )
