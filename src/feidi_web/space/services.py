"""Writes of the enclave's space: booking (single or recurring), cancelling, deciding.

A booking is checked here (scope, who may book, the grid, opening hours, the longest
booking, the horizon) and then simply written: whether the time is free is the database's
to say (see ``space.models``), so two requests for one slot at the same moment cannot both
pass a check and both be written. Its refusal — an ``IntegrityError`` — becomes
``BookingTaken`` with a reason naming the clash as far as the caller may know it.

Every write leaves an audit entry in the same transaction; decisions and cancellations name
the version their author saw (``EditConflict`` otherwise).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from dateutil.rrule import rrulestr
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi_web.accounts.models import User
from feidi_web.common.audit import VIA_FORM, AuditAction, audit_entry
from feidi_web.common.conflicts import EditConflict
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope
from feidi_web.space.models import (
    ACTIVE,
    DAY_MINUTES,
    GRID_MINUTES,
    HORIZON_DAYS,
    Booking,
    BookingSlot,
    BookingStatus,
    Resource,
)
from feidi_web.space.permissions import (
    booking_scope,
    is_firm_user,
    is_staff,
    may_book,
    require_decider,
    require_space_user,
    resource_scope,
    sees_whose,
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: The most occurrences one recurring booking may have.
MAX_OCCURRENCES = 60


class BookingTaken(Exception):
    """The time is taken (the database refused the overlap); ``reason`` says by what."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Clash:
    """One occurrence of a recurring booking that cannot be had, and why."""

    start: datetime
    end: datetime
    reason: str


class SeriesClash(Exception):
    """Some occurrences of a recurring booking are taken or refused: nothing was written."""

    def __init__(self, clashes: list[Clash]) -> None:
        super().__init__("; ".join(c.reason for c in clashes))
        self.clashes = clashes


def booking_subject(booking_id: int) -> str:
    return f"booking:{booking_id}"


def _hm(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# --- checks --------------------------------------------------------------------------------


def _on_grid(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    return local.second == 0 and local.microsecond == 0 and local.minute % GRID_MINUTES == 0


def booking_problems(
    resource: Resource, start: Any, end: Any, *, now: datetime
) -> dict[str, list[str]]:
    """What is wrong with booking ``resource`` from ``start`` to ``end`` (empty: nothing);
    whether the time is free is not asked here."""
    errors: dict[str, list[str]] = {}
    for f, value in (("start", start), ("end", end)):
        if not (isinstance(value, datetime) and timezone.is_aware(value)):
            errors[f] = [_("Give a date and a time.")]
        elif not _on_grid(value):
            errors[f] = [_("Bookings start and end on the quarter hour (:00, :15, :30, :45).")]
    if errors:
        return errors
    if not resource.active:
        errors["resource"] = [_("%(name)s cannot be booked at present.") % {"name": resource}]
    if end <= start:
        errors["end"] = [_("The end must come after the start.")]
        return errors
    if start < now:
        errors["start"] = [_("This time has passed.")]
    elif start > now + timedelta(days=HORIZON_DAYS):
        errors["start"] = [_("Bookings open %(days)d days ahead at most.") % {"days": HORIZON_DAYS}]
    minutes = int((end - start).total_seconds() // 60)
    if minutes > resource.longest_minutes:
        errors["end"] = [
            _("%(name)s is booked for %(n)d minutes at most.")
            % {"name": resource, "n": resource.longest_minutes}
        ]
    local = timezone.localtime(start)
    midnight = local.replace(hour=0, minute=0)
    from_min = int((local - midnight).total_seconds() // 60)
    until_min = int((timezone.localtime(end) - midnight).total_seconds() // 60)
    if str(local.isoweekday()) not in resource.open_days:
        errors["start"] = [_("%(name)s is closed on this day.") % {"name": resource}]
    elif (
        from_min < resource.opens_minute
        or until_min > resource.closes_minute
        or until_min > DAY_MINUTES
    ):
        errors.setdefault("end", []).append(
            _("%(name)s is open %(hours)s.") % {"name": resource, "hours": resource.hours_text}
        )
    return errors


def _title(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > 200 or _CONTROL.search(text):
        raise ValidationError({"title": [_("At most 200 characters, without control characters.")]})
    return text


def _may_book(actor: User, resource: Resource) -> None:
    """Refuses (403) a resource outside the actor's scope or closed to their role."""
    require_space_user(actor)
    if not Resource.objects.filter(resource_scope(actor), pk=resource.pk).exists():
        raise PermissionDenied
    if not may_book(actor, resource):
        raise PermissionDenied


def _party_for(actor: User, party: Enterprise | None) -> Enterprise | None:
    """An enterprise user books for their own firm only; staff for a party of their scope."""
    if is_firm_user(actor):
        if party is not None and party.pk != actor.enterprise_id:
            raise PermissionDenied
        return actor.enterprise
    if (
        party is not None
        and not Enterprise.objects.filter(enterprise_scope(actor), pk=party.pk).exists()
    ):
        raise PermissionDenied
    return party


def _price(resource: Resource, start: datetime, end: datetime) -> Decimal:
    minutes = Decimal(int((end - start).total_seconds() // 60))
    return (resource.hourly_price * minutes / 60).quantize(Decimal("0.01"))


# --- holding the time ----------------------------------------------------------------------


def _hold(booking: Booking) -> None:
    """On SQLite: one slot row per grid step the booking covers (the unique key refuses a
    second holder). On PostgreSQL the exclusion constraint has already judged the row."""
    if connection.vendor == "postgresql":
        return
    step = timedelta(minutes=GRID_MINUTES)
    slots = []
    moment = booking.start
    while moment < booking.end:
        slots.append(BookingSlot(resource_id=booking.resource_id, start=moment, booking=booking))
        moment += step
    BookingSlot.objects.bulk_create(slots)


def _release(booking: Booking) -> None:
    BookingSlot.objects.filter(booking=booking).delete()


def taken_reason(actor: User, resource: Resource, start: datetime, end: datetime) -> str:
    """Why the time is taken: the clashing booking's time, and whose it is only if the actor
    may know (staff of the division, or the actor's own firm)."""
    clash = (
        Booking.objects.filter(resource=resource, status__in=ACTIVE, start__lt=end, end__gt=start)
        .select_related("party", "booked_by")
        .first()
    )
    if clash is None:
        return _("%(name)s was just booked by someone else for this time; choose another.") % {
            "name": resource
        }
    if sees_whose(actor, clash):
        if clash.party is not None:
            who = clash.party.name
        elif is_staff(actor):
            who = clash.booked_by.display_name
        else:
            who = _("the centre")
    else:
        who = _("another booking")
    return _("%(name)s is taken from %(start)s to %(end)s (%(who)s).") % {
        "name": resource,
        "start": _hm(clash.start),
        "end": _hm(clash.end),
        "who": who,
    }


def _write(
    *,
    actor: User,
    resource: Resource,
    start: datetime,
    end: datetime,
    title: str,
    party: Enterprise | None,
    via: str,
    series: str = "",
) -> Booking:
    """The booking, its slots and its audit entry in one transaction; ``IntegrityError`` if
    the time is taken."""
    status = BookingStatus.REQUESTED if resource.needs_approval else BookingStatus.CONFIRMED
    with transaction.atomic():
        booking = Booking.objects.create(
            resource=resource,
            booked_by=actor,
            party=party,
            start=start,
            end=end,
            status=status,
            title=title,
            price=_price(resource, start, end),
            series=series,
        )
        _hold(booking)
        audit_entry(
            actor=actor,
            action=AuditAction.BOOKING_CREATE,
            subject=booking_subject(booking.pk),
            field="status",
            new={
                "resource": resource.pk,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "status": status.value,
            },
            via=via,
        ).save()
    return booking


# --- booking -------------------------------------------------------------------------------


def booking_create(
    *,
    actor: User,
    resource: Resource,
    start: datetime,
    end: datetime,
    title: str = "",
    party: Enterprise | None = None,
    via: str = VIA_FORM,
) -> Booking:
    """A booking: confirmed at once, or awaiting approval when the resource needs it.

    Raises ``PermissionDenied`` (scope, role), ``ValidationError`` (the values) or
    ``BookingTaken`` (the time overlaps an active booking)."""
    _may_book(actor, resource)
    party = _party_for(actor, party)
    errors = booking_problems(resource, start, end, now=timezone.now())
    if errors:
        raise ValidationError(errors)
    clean_title = _title(title)
    try:
        return _write(
            actor=actor,
            resource=resource,
            start=start,
            end=end,
            title=clean_title,
            party=party,
            via=via,
        )
    except IntegrityError:
        raise BookingTaken(taken_reason(actor, resource, start, end)) from None


def occurrences(
    start: datetime, end: datetime, rule: str, exdates: list[datetime]
) -> list[tuple[datetime, datetime]]:
    """The (start, end) pairs of an RFC 5545 ``RRULE`` (e.g. ``FREQ=WEEKLY;COUNT=4``) from
    ``start``, without those starting at one of ``exdates``; in local wall-clock time, so a
    weekly 09:00 stays 09:00."""
    local = timezone.localtime(start).replace(tzinfo=None)
    length = end - start
    try:
        rule_set = rrulestr(rule.removeprefix("RRULE:"), dtstart=local, forceset=True)
    except (ValueError, TypeError) as exc:
        raise ValidationError({"rule": [_("Not a recurrence rule: %(e)s") % {"e": exc}]}) from None
    for ex in exdates:
        rule_set.exdate(timezone.localtime(ex).replace(tzinfo=None))
    found: list[tuple[datetime, datetime]] = []
    for moment in rule_set:
        if len(found) == MAX_OCCURRENCES:
            raise ValidationError(
                {"rule": [_("At most %(n)d occurrences.") % {"n": MAX_OCCURRENCES}]}
            )
        first = timezone.make_aware(moment)
        found.append((first, first + length))
    return found


def booking_create_series(
    *,
    actor: User,
    resource: Resource,
    start: datetime,
    end: datetime,
    rule: str,
    exdates: list[datetime] | None = None,
    title: str = "",
    party: Enterprise | None = None,
    via: str = VIA_FORM,
) -> list[Booking]:
    """A recurring booking: every occurrence, or none. If any occurrence is refused (its
    values, or its time taken), nothing is written and ``SeriesClash`` lists each of them."""
    _may_book(actor, resource)
    party = _party_for(actor, party)
    clean_title = _title(title)
    times = occurrences(start, end, rule, exdates or [])
    now = timezone.now()
    series = secrets.token_hex(8)
    clashes: list[Clash] = []
    made: list[Booking] = []
    try:
        with transaction.atomic():
            for first, last in times:
                problems = booking_problems(resource, first, last, now=now)
                if problems:
                    reason = " ".join(m for ms in problems.values() for m in ms)
                    clashes.append(Clash(first, last, f"{_hm(first)}: {reason}"))
                    continue
                try:
                    made.append(
                        _write(
                            actor=actor,
                            resource=resource,
                            start=first,
                            end=last,
                            title=clean_title,
                            party=party,
                            via=via,
                            series=series,
                        )
                    )
                except IntegrityError:
                    clashes.append(Clash(first, last, ""))
            if clashes:
                raise SeriesClash(clashes)
    except SeriesClash:
        # the reasons are looked up once the series is rolled back, against what stands
        named = [
            c if c.reason else Clash(c.start, c.end, taken_reason(actor, resource, c.start, c.end))
            for c in clashes
        ]
        raise SeriesClash(named) from None
    return made


def _locked(booking: Booking, seen_version: int | None) -> Booking:
    current = Booking.objects.select_for_update().get(pk=booking.pk)
    if seen_version is not None and current.version != seen_version:
        raise EditConflict(
            current_version=current.version,
            current={"status": current.status, "start": current.start, "end": current.end},
        )
    return current


def booking_cancel(
    *, actor: User, booking: Booking, seen_version: int | None = None, via: str = VIA_FORM
) -> Booking:
    """Cancels an active booking that has not ended: its booker, its firm, or staff of the
    division. The time is free again at once."""
    require_space_user(actor)
    mine = booking.booked_by_id == actor.pk
    if not (mine or Booking.objects.filter(booking_scope(actor), pk=booking.pk).exists()):
        raise PermissionDenied
    with transaction.atomic():
        current = _locked(booking, seen_version)
        if current.status not in ACTIVE:
            raise ValidationError(
                _("This booking is already %(status)s.")
                % {"status": current.get_status_display().lower()}
            )
        if current.end <= timezone.now():
            raise ValidationError(_("This booking is over; it cannot be cancelled."))
        old = current.status
        current.status = BookingStatus.CANCELLED
        current.cancelled_at = timezone.now()
        current.version += 1
        current.save(update_fields=["status", "cancelled_at", "version"])
        _release(current)
        audit_entry(
            actor=actor,
            action=AuditAction.BOOKING_CANCEL,
            subject=booking_subject(current.pk),
            field="status",
            old=old,
            new=current.status,
            via=via,
        ).save()
    return current


def booking_decide(
    *, actor: User, booking: Booking, approve: bool, seen_version: int, via: str = VIA_FORM
) -> Booking:
    """The enclave operator approves (confirmed) or rejects (the time is free again) a
    booking awaiting approval, naming the version they saw."""
    require_decider(actor)
    if not Booking.objects.filter(booking_scope(actor), pk=booking.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        current = _locked(booking, seen_version)
        if current.status != BookingStatus.REQUESTED:
            raise ValidationError(
                _("This booking is %(status)s; only bookings awaiting approval are decided.")
                % {"status": current.get_status_display().lower()}
            )
        old = current.status
        current.status = BookingStatus.CONFIRMED if approve else BookingStatus.REJECTED
        current.decided_by = actor
        current.decided_at = timezone.now()
        current.version += 1
        current.save(update_fields=["status", "decided_by", "decided_at", "version"])
        if not approve:
            _release(current)
        audit_entry(
            actor=actor,
            action=AuditAction.BOOKING_DECIDE,
            subject=booking_subject(current.pk),
            field="status",
            old=old,
            new=current.status,
            via=via,
        ).save()
    return current
