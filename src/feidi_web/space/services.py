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
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dateutil.rrule import rrulestr
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.pipeline import Source
from feidi.reference import division
from feidi_web.accounts.models import PIPELINE_ROLES, Role, User
from feidi_web.accounts.scope import division_q, is_firm_user
from feidi_web.common.audit import VIA_FORM, AuditAction, audit_entry
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope
from feidi_web.pipeline.models import Project
from feidi_web.pipeline.permissions import sources_for
from feidi_web.pipeline.services import DuplicateProject, project_create
from feidi_web.space.models import (
    ACTIVE,
    DAY_MINUTES,
    GRID_MINUTES,
    HORIZON_DAYS,
    MAX_CAPACITY,
    MAX_LONGEST_MINUTES,
    BookableBy,
    Booking,
    BookingSlot,
    BookingStatus,
    Membership,
    MembershipKind,
    MembershipStatus,
    Resource,
    ResourceKind,
    Visit,
    VisitPurpose,
)
from feidi_web.space.permissions import (
    booking_scope,
    is_staff,
    may_book,
    membership_scope,
    require_decider,
    require_manager,
    require_space_user,
    require_staff,
    resource_scope,
    sees_whose,
    visit_scope,
)
from feidi_web.space.selectors import CHECK_IN_EARLY, booking_lead_ids, is_local_firm

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


# === operations: resources edited, check-in, memberships, visitors, leads ====================


def resource_subject(resource_id: int) -> str:
    return f"resource:{resource_id}"


def membership_subject(membership_id: int) -> str:
    return f"membership:{membership_id}"


def visit_subject(visit_id: int) -> str:
    return f"visit:{visit_id}"


def _division(actor: User, given: str) -> str:
    """The division a new row belongs to: the actor's own, or — for the administrator, who
    has none — the one they name."""
    return (given or "").strip() if actor.role == Role.ADMIN else actor.division_code


def _division_errors(actor: User, code: str, errors: dict[str, list[str]]) -> None:
    if not (len(code) == 6 and code.isdigit()):
        errors["jurisdiction_code"] = [_("Name the division: its six-digit code.")]
    elif actor.role == Role.ADMIN and not division(code):
        errors["jurisdiction_code"] = [_("No division has this code.")]


def _short_text(
    value: Any, limit: int, field: str, errors: dict[str, list[str]], *, required: bool = False
) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors[field] = [_("Required.")]
    elif len(text) > limit or _CONTROL.search(text):
        errors[field] = [_("At most %(n)d characters, without control characters.") % {"n": limit}]
    return text


#: What a resource's form edits; every value is checked by ``resource_problems``.
RESOURCE_FIELDS = (
    "name",
    "kind",
    "location",
    "capacity",
    "open_days",
    "opens_minute",
    "closes_minute",
    "bookable_by",
    "longest_minutes",
    "needs_approval",
    "hourly_price",
    "active",
)
#: The dearest hour a resource may cost (the column holds 8 digits, 2 after the point).
MAX_HOURLY_PRICE = Decimal("999999.99")


def resource_problems(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The resource's values cleaned, and what is wrong with them, field by field — the
    model's check constraints in words, so a user never meets an ``IntegrityError``."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    clean["name"] = _short_text(values.get("name"), 100, "name", errors, required=True)
    clean["location"] = _short_text(values.get("location"), 100, "location", errors)
    kind = values.get("kind")
    if kind not in ResourceKind.values:
        errors["kind"] = [_("Choose one of the listed kinds.")]
    clean["kind"] = kind
    bookable_by = values.get("bookable_by")
    if bookable_by not in BookableBy.values:
        errors["bookable_by"] = [_("Choose who may book it.")]
    clean["bookable_by"] = bookable_by

    def whole(field: str, low: int, high: int, message: str) -> int | None:
        try:
            number = int(values.get(field))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors[field] = [message]
            return None
        if not low <= number <= high:
            errors[field] = [message]
        return number

    clean["capacity"] = whole(
        "capacity", 1, MAX_CAPACITY, _("From 1 to %(n)d people.") % {"n": MAX_CAPACITY}
    )
    longest = whole(
        "longest_minutes",
        GRID_MINUTES,
        MAX_LONGEST_MINUTES,
        _("From %(lo)d minutes to %(hi)d minutes (a week).")
        % {"lo": GRID_MINUTES, "hi": MAX_LONGEST_MINUTES},
    )
    if longest is not None and "longest_minutes" not in errors and longest % GRID_MINUTES:
        errors["longest_minutes"] = [
            _("A whole number of quarter hours (a multiple of %(n)d minutes).")
            % {"n": GRID_MINUTES}
        ]
    clean["longest_minutes"] = longest
    days = values.get("open_days")
    day_text = "".join(sorted(set(str(d) for d in (days or []))))
    if not day_text or any(d not in "1234567" for d in day_text):
        errors["open_days"] = [_("Choose at least one day of the week.")]
    clean["open_days"] = day_text
    grid = _("On the quarter hour, from 00:00 to 24:00.")
    opens = whole("opens_minute", 0, DAY_MINUTES, grid)
    closes = whole("closes_minute", 0, DAY_MINUTES, grid)
    for field, minute in (("opens_minute", opens), ("closes_minute", closes)):
        if minute is not None and field not in errors and minute % GRID_MINUTES:
            errors[field] = [grid]
    if (
        opens is not None
        and closes is not None
        and not ({"opens_minute", "closes_minute"} & errors.keys())
        and closes <= opens
    ):
        errors["closes_minute"] = [_("Closing comes after opening.")]
    clean["opens_minute"], clean["closes_minute"] = opens, closes
    try:
        price = Decimal(str(values.get("hourly_price") or 0)).quantize(Decimal("0.01"))
        if not price.is_finite():
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["hourly_price"] = [_("A price in yuan, such as 30 or 12.50.")]
        price = Decimal(0)
    else:
        if not Decimal(0) <= price <= MAX_HOURLY_PRICE:
            errors["hourly_price"] = [
                _("From 0 (free) to %(max)s yuan an hour.") % {"max": MAX_HOURLY_PRICE}
            ]
    clean["hourly_price"] = price
    clean["needs_approval"] = bool(values.get("needs_approval"))
    clean["active"] = bool(values.get("active"))
    return clean, errors


def _resource_audit_value(resource: Resource) -> dict[str, Any]:
    return {f: str(getattr(resource, f)) for f in RESOURCE_FIELDS}


def resource_create(
    *, actor: User, values: dict[str, Any], jurisdiction_code: str = "", via: str = VIA_FORM
) -> Resource:
    """A new desk, office, room or hall of the actor's division (the administrator names
    the division). Raises ``PermissionDenied`` (role) or ``ValidationError`` (per field)."""
    require_manager(actor)
    clean, errors = resource_problems(values)
    code = _division(actor, jurisdiction_code)
    _division_errors(actor, code, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        resource = Resource.objects.create(jurisdiction_code=code, **clean)
        audit_entry(
            actor=actor,
            action=AuditAction.RESOURCE_CREATE,
            subject=resource_subject(resource.pk),
            new=_resource_audit_value(resource),
            via=via,
        ).save()
    return resource


def resource_update(
    *,
    actor: User,
    resource: Resource,
    values: dict[str, Any],
    seen_version: int,
    via: str = VIA_FORM,
) -> Resource:
    """Changes a resource of the actor's division, if it is still at ``seen_version``
    (``EditConflict`` otherwise, nothing written). Bookings already made stand."""
    require_manager(actor)
    if not Resource.objects.filter(division_q(actor, "jurisdiction_code"), pk=resource.pk).exists():
        raise PermissionDenied
    clean, errors = resource_problems(values)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Resource.objects.select_for_update().get(pk=resource.pk)
        if current.version != seen_version:
            last = (
                AuditEntry.objects.filter(subject=resource_subject(current.pk))
                .select_related("actor")
                .first()
            )
            raise EditConflict(
                current_version=current.version,
                current=_resource_audit_value(current),
                changed_by=last.actor.display_name if last and last.actor else None,
                changed_at=last.at if last else None,
            )
        old = _resource_audit_value(current)
        for f, v in clean.items():
            setattr(current, f, v)
        current.version += 1
        current.save()
        new = _resource_audit_value(current)
        audit_entry(
            actor=actor,
            action=AuditAction.RESOURCE_UPDATE,
            subject=resource_subject(current.pk),
            old={k: v for k, v in old.items() if new[k] != v},
            new={k: v for k, v in new.items() if old[k] != v},
            via=via,
        ).save()
    return current


# --- the front desk: check-in ----------------------------------------------------------------


def booking_check_in(
    actor: User,
    booking: Booking,
    at: datetime | None = None,
    *,
    seen_version: int | None = None,
    via: str = VIA_FORM,
) -> Booking:
    """The centre's desk checks a confirmed booking in: from ``CHECK_IN_EARLY`` before its
    start until its end. Staff of the booking's division only; a second check-in is refused
    (``ValidationError``, saying when it was checked in)."""
    require_staff(actor)
    if not Booking.objects.filter(booking_scope(actor), pk=booking.pk).exists():
        raise PermissionDenied
    when = at or timezone.now()
    with transaction.atomic():
        current = _locked(booking, seen_version)
        if current.checked_in_at is not None:
            raise ValidationError(
                _("Already checked in at %(at)s.") % {"at": _hm(current.checked_in_at)}
            )
        if current.status != BookingStatus.CONFIRMED:
            raise ValidationError(
                _("This booking is %(status)s; only confirmed bookings are checked in.")
                % {"status": current.get_status_display().lower()}
            )
        if when < current.start - CHECK_IN_EARLY:
            raise ValidationError(
                _("Too early: check-in opens %(n)d minutes before the start (%(at)s).")
                % {
                    "n": int(CHECK_IN_EARLY.total_seconds() // 60),
                    "at": _hm(current.start - CHECK_IN_EARLY),
                }
            )
        if when > current.end:
            raise ValidationError(
                _("This booking ended at %(at)s; it can no longer be checked in.")
                % {"at": _hm(current.end)}
            )
        current.checked_in_at = when
        current.checked_in_by = actor
        current.version += 1
        current.save(update_fields=["checked_in_at", "checked_in_by", "version"])
        audit_entry(
            actor=actor,
            action=AuditAction.BOOKING_CHECK_IN,
            subject=booking_subject(current.pk),
            field="checked_in_at",
            new=when.isoformat(),
            via=via,
        ).save()
    return current


# --- leads for the pipeline ------------------------------------------------------------------


def file_lead(
    actor: User,
    party: Enterprise,
    description: str,
    jurisdiction_code: str,
    *,
    at: datetime | None = None,
) -> Project:
    """The one home of filing someone the centre met as a pipeline lead (source: enclave
    centre), for a visitor and a checked-in booking alike. Raises ``PermissionDenied`` when
    the actor may not file enclave-sourced projects or the party is outside their part of
    the registry, ``DuplicateProject`` when the party looks like a project already filed."""
    if Source.ENCLAVE not in sources_for(actor):
        raise PermissionDenied
    return project_create(
        actor=actor,
        name=party.name,
        source=Source.ENCLAVE.value,
        counterpart=party,
        industry_code=party.industry_code,
        description=description[:2000],
        jurisdiction_code=jurisdiction_code,
        allow_duplicate=False,
        at=at,
    )


def _lead_refusal(exc: Exception) -> ValidationError:
    if isinstance(exc, DuplicateProject):
        names = "、".join(p.name for p in exc.similar)
        return ValidationError(_("Already in the pipeline: %(names)s.") % {"names": names})
    return ValidationError(_("This party is outside your part of the registry."))


def booking_file_lead(*, actor: User, booking: Booking, via: str = VIA_FORM) -> Project:
    """A checked-in booking's party that is not a local registered firm (a prospect, a
    start-up, an enclave firm) becomes a lead; once per booking."""
    require_staff(actor)
    if not Booking.objects.filter(booking_scope(actor), pk=booking.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        current = _locked(booking, None)
        party = current.party
        if current.checked_in_at is None:
            raise ValidationError(_("Only a booking checked in is filed as a lead."))
        if party is None:
            raise ValidationError(_("This booking is for the centre itself; no one to file."))
        if is_local_firm(party):
            raise ValidationError(
                _("%(name)s is a local registered firm, not a lead.") % {"name": party.name}
            )
        if booking_lead_ids([current.pk]):
            raise ValidationError(_("This booking was filed as a lead before."))
        day = timezone.localtime(current.start).date().isoformat()
        try:
            project = file_lead(
                actor,
                party,
                _("Booked %(resource)s at the enclave centre on %(day)s.")
                % {"resource": current.resource.name, "day": day},
                current.resource.jurisdiction_code,
            )
        except (DuplicateProject, PermissionDenied) as exc:
            raise _lead_refusal(exc) from None
        audit_entry(
            actor=actor,
            action=AuditAction.BOOKING_LEAD,
            subject=booking_subject(current.pk),
            field="project",
            new=project.pk,
            via=via,
        ).save()
    return project


# --- memberships -----------------------------------------------------------------------------

#: The longest term one membership row may have; a longer stay is renewed.
MAX_TERM_DAYS = 5 * 366
MAX_MONTHLY_FEE = Decimal("99999999.99")
#: Which resources a membership of each kind may be assigned.
ASSIGNABLE = {
    MembershipKind.DESK.value: ResourceKind.OPEN_DESK.value,
    MembershipKind.OFFICE.value: ResourceKind.QUICK_OFFICE.value,
}


def party_for_centre(actor: User, name: str) -> Enterprise | None:
    """The party a member of staff means by ``name``: one of their part of the registry with
    exactly that name (the oldest, if two share it)."""
    text = (name or "").strip()
    if not text:
        return None
    return Enterprise.objects.filter(enterprise_scope(actor), name=text).order_by("id").first()


def _fee(value: Any, errors: dict[str, list[str]]) -> Decimal:
    try:
        fee = Decimal(str(value if value not in (None, "") else 0)).quantize(Decimal("0.01"))
        if not fee.is_finite():
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["monthly_fee"] = [_("A fee in yuan, such as 1500 or 1500.50.")]
        return Decimal(0)
    if not Decimal(0) <= fee <= MAX_MONTHLY_FEE:
        errors["monthly_fee"] = [_("From 0 to %(max)s yuan a month.") % {"max": MAX_MONTHLY_FEE}]
    return fee


def _term_errors(starts_on: Any, ends_on: Any, errors: dict[str, list[str]]) -> None:
    if not isinstance(starts_on, date):
        errors["starts_on"] = [_("Give the first day of the term.")]
    if not isinstance(ends_on, date):
        errors["ends_on"] = [_("Give the last day of the term.")]
    if errors.keys() & {"starts_on", "ends_on"}:
        return
    if ends_on < starts_on:
        errors["ends_on"] = [_("The term ends on or after its first day.")]
    elif (ends_on - starts_on).days > MAX_TERM_DAYS:
        errors["ends_on"] = [_("A term is five years at most; renew it for longer.")]


def _one_active_error(party: Enterprise) -> ValidationError:
    return ValidationError(
        {
            "party": [
                _("%(name)s is already a resident of the centre (an active membership).")
                % {"name": party.name}
            ]
        }
    )


def membership_create(
    *,
    actor: User,
    party: Enterprise | None,
    kind: str,
    starts_on: Any,
    ends_on: Any,
    monthly_fee: Any = 0,
    resource: Resource | None = None,
    note: str = "",
    jurisdiction_code: str = "",
    via: str = VIA_FORM,
) -> Membership:
    """A resident firm's term at the centre of the actor's division: one active membership
    per firm and centre (``already a resident`` otherwise)."""
    require_manager(actor)
    errors: dict[str, list[str]] = {}
    if party is None:
        errors["party"] = [_("Name a firm of your part of the registry.")]
    elif not Enterprise.objects.filter(enterprise_scope(actor), pk=party.pk).exists():
        raise PermissionDenied
    code = _division(actor, jurisdiction_code or (party.jurisdiction_code if party else ""))
    _division_errors(actor, code, errors)
    if kind not in MembershipKind.values:
        errors["kind"] = [_("Choose desk or office.")]
    _term_errors(starts_on, ends_on, errors)
    fee = _fee(monthly_fee, errors)
    clean_note = _short_text(note, 500, "note", errors)
    if resource is not None:
        if not Resource.objects.filter(
            division_q(actor, "jurisdiction_code"), pk=resource.pk, jurisdiction_code=code
        ).exists():
            raise PermissionDenied
        if kind in ASSIGNABLE and resource.kind != ASSIGNABLE[kind]:
            errors["resource"] = [
                _(
                    "A desk membership is assigned an open desk, an office membership a quick office."
                )
            ]
    if errors:
        raise ValidationError(errors)
    assert party is not None
    if Membership.objects.filter(
        party=party, jurisdiction_code=code, status=MembershipStatus.ACTIVE
    ).exists():
        raise _one_active_error(party)
    try:
        with transaction.atomic():
            made = Membership.objects.create(
                party=party,
                jurisdiction_code=code,
                kind=kind,
                resource=resource,
                starts_on=starts_on,
                ends_on=ends_on,
                monthly_fee=fee,
                note=clean_note,
                created_by=actor,
            )
            audit_entry(
                actor=actor,
                action=AuditAction.MEMBERSHIP_CREATE,
                subject=membership_subject(made.pk),
                new={
                    "party": party.pk,
                    "kind": kind,
                    "starts_on": str(starts_on),
                    "ends_on": str(ends_on),
                    "monthly_fee": str(fee),
                },
                via=via,
            ).save()
    except IntegrityError:  # a second active term written at the same moment
        raise _one_active_error(party) from None
    return made


def _membership_locked(actor: User, membership: Membership, seen_version: int) -> Membership:
    require_manager(actor)
    if not Membership.objects.filter(membership_scope(actor), pk=membership.pk).exists():
        raise PermissionDenied
    current = Membership.objects.select_for_update().get(pk=membership.pk)
    if current.version != seen_version:
        last = (
            AuditEntry.objects.filter(subject=membership_subject(current.pk))
            .select_related("actor")
            .first()
        )
        raise EditConflict(
            current_version=current.version,
            current={"status": current.status, "ends_on": str(current.ends_on)},
            changed_by=last.actor.display_name if last and last.actor else None,
            changed_at=last.at if last else None,
        )
    if current.status != MembershipStatus.ACTIVE:
        raise ValidationError(
            _("This membership is %(status)s; only an active one is changed.")
            % {"status": current.get_status_display().lower()}
        )
    return current


def membership_renew(
    *,
    actor: User,
    membership: Membership,
    ends_on: Any,
    seen_version: int,
    monthly_fee: Any = None,
    via: str = VIA_FORM,
) -> Membership:
    """The next term, from the day after this one ends until ``ends_on``: this row becomes
    ``renewed``, the new one ``active`` (``renewal_of``), in one transaction. Returns the
    new term."""
    with transaction.atomic():
        current = _membership_locked(actor, membership, seen_version)
        starts_on = current.ends_on + timedelta(days=1)
        errors: dict[str, list[str]] = {}
        _term_errors(starts_on, ends_on, errors)
        fee = current.monthly_fee if monthly_fee in (None, "") else _fee(monthly_fee, errors)
        if errors:
            raise ValidationError(errors)
        current.status = MembershipStatus.RENEWED
        current.version += 1
        current.save(update_fields=["status", "version"])
        made = Membership.objects.create(
            party_id=current.party_id,
            jurisdiction_code=current.jurisdiction_code,
            kind=current.kind,
            resource_id=current.resource_id,
            starts_on=starts_on,
            ends_on=ends_on,
            monthly_fee=fee,
            renewal_of=current,
            note=current.note,
            created_by=actor,
        )
        audit_entry(
            actor=actor,
            action=AuditAction.MEMBERSHIP_RENEW,
            subject=membership_subject(current.pk),
            field="status",
            old=MembershipStatus.ACTIVE.value,
            new={"renewed_by": made.pk, "ends_on": str(ends_on), "monthly_fee": str(fee)},
            via=via,
        ).save()
    return made


def membership_end(
    *,
    actor: User,
    membership: Membership,
    seen_version: int,
    cancel: bool = False,
    via: str = VIA_FORM,
) -> Membership:
    """Ends an active membership early (``ended``; its term now ends today, or on its first
    day if it had not begun) — or, with ``cancel``, withdraws one entered by mistake or
    never taken up (``cancelled``)."""
    with transaction.atomic():
        current = _membership_locked(actor, membership, seen_version)
        now = timezone.now()
        today = timezone.localdate(now)
        old = {"status": current.status, "ends_on": str(current.ends_on)}
        current.status = MembershipStatus.CANCELLED if cancel else MembershipStatus.ENDED
        current.ended_at = now
        if not cancel:
            current.ends_on = min(current.ends_on, max(today, current.starts_on))
        current.version += 1
        current.save(update_fields=["status", "ended_at", "ends_on", "version"])
        audit_entry(
            actor=actor,
            action=AuditAction.MEMBERSHIP_CANCEL if cancel else AuditAction.MEMBERSHIP_END,
            subject=membership_subject(current.pk),
            field="status",
            old=old,
            new={"status": current.status, "ends_on": str(current.ends_on)},
            via=via,
        ).save()
    return current


# --- the visitor log -------------------------------------------------------------------------

#: Purposes a visitor may be filed as a lead for.
LEAD_PURPOSES = frozenset({VisitPurpose.INVESTMENT, VisitPurpose.TOUR, VisitPurpose.MEETING})


def host_for(actor: User, ref: str) -> tuple[User | None, Enterprise | None]:
    """A host as the visitor form names it — ``user:<id>`` a member of staff of the
    division, ``party:<id>`` a resident firm — or ``ValidationError``."""
    kind, _sep, pk = (ref or "").partition(":")
    if kind == "user" and pk.isdigit():
        user = (
            User.objects.filter(
                division_q(actor, "division_code"),
                pk=int(pk),
                role__in=sorted(PIPELINE_ROLES),
                is_active=True,
            )
            .exclude(division_code="")
            .first()
        )
        if user is not None:
            return user, None
    elif kind == "party" and pk.isdigit():
        party = Enterprise.objects.filter(
            pk=int(pk),
            memberships__in=Membership.objects.filter(
                membership_scope(actor), status=MembershipStatus.ACTIVE
            ),
        ).first()
        if party is not None:
            return None, party
    raise ValidationError({"host": [_("Choose a member of staff or a resident firm.")]})


def visit_create(
    *,
    actor: User,
    visitor_name: str,
    purpose: str,
    organisation: str = "",
    host_user: User | None = None,
    host_party: Enterprise | None = None,
    arrived_at: datetime | None = None,
    note: str = "",
    jurisdiction_code: str = "",
    via: str = VIA_FORM,
) -> Visit:
    """A visitor at the front desk. ``organisation`` is looked up by name in the actor's
    part of the registry; when no party has the name, the name is kept in the note."""
    require_staff(actor)
    errors: dict[str, list[str]] = {}
    name = _short_text(visitor_name, 100, "visitor_name", errors, required=True)
    org = _short_text(organisation, 200, "organisation", errors)
    text = _short_text(note, 300, "note", errors)
    if purpose not in VisitPurpose.values:
        errors["purpose"] = [_("Choose one of the listed purposes.")]
    code = _division(actor, jurisdiction_code)
    _division_errors(actor, code, errors)
    now = timezone.now()
    when = arrived_at or now
    if not timezone.is_aware(when):
        errors["arrived_at"] = [_("Give a date and a time.")]
    elif when > now + timedelta(minutes=5):
        errors["arrived_at"] = [_("A visitor is logged once they have arrived.")]
    elif when < now - timedelta(days=366):
        errors["arrived_at"] = [_("At most a year back.")]
    if host_user is not None and host_party is not None:
        errors["host"] = [_("Either a member of staff or a resident firm, not both.")]
    else:  # the host is staff of the division or one of its resident firms
        try:
            if host_user is not None:
                host_for(actor, f"user:{host_user.pk}")
            if host_party is not None:
                host_for(actor, f"party:{host_party.pk}")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    party = party_for_centre(actor, org)
    if org and party is None:
        text = f"{org} — {text}" if text else org
    with transaction.atomic():
        visit = Visit.objects.create(
            jurisdiction_code=code,
            visitor_name=name,
            party=party,
            host_user=host_user,
            host_party=host_party,
            purpose=purpose,
            note=text[:500],
            arrived_at=when,
            logged_by=actor,
        )
        audit_entry(
            actor=actor,
            action=AuditAction.VISIT_CREATE,
            subject=visit_subject(visit.pk),
            new={"visitor": name, "party": party.pk if party else None, "purpose": purpose},
            via=via,
        ).save()
    return visit


def _visit_locked(actor: User, visit: Visit) -> Visit:
    require_staff(actor)
    if not Visit.objects.filter(visit_scope(actor), pk=visit.pk).exists():
        raise PermissionDenied
    return Visit.objects.select_for_update(of=("self",)).select_related("party").get(pk=visit.pk)


def visit_leave(
    *, actor: User, visit: Visit, at: datetime | None = None, via: str = VIA_FORM
) -> Visit:
    """Marks the visitor as gone (once)."""
    with transaction.atomic():
        current = _visit_locked(actor, visit)
        if current.left_at is not None:
            raise ValidationError(
                _("Already marked as left at %(at)s.") % {"at": _hm(current.left_at)}
            )
        current.left_at = max(at or timezone.now(), current.arrived_at)
        current.save(update_fields=["left_at"])
        audit_entry(
            actor=actor,
            action=AuditAction.VISIT_LEFT,
            subject=visit_subject(current.pk),
            field="left_at",
            new=current.left_at.isoformat(),
            via=via,
        ).save()
    return current


def visit_file_lead(
    *, actor: User, visit: Visit, at: datetime | None = None, via: str = VIA_FORM
) -> Project:
    """A visitor from a registry party who came for an investment talk, a tour or a meeting
    becomes a pipeline lead (source: enclave centre); once per visit."""
    with transaction.atomic():
        current = _visit_locked(actor, visit)
        if current.project_id is not None:
            raise ValidationError(_("This visit was filed as a lead before."))
        if current.party is None:
            raise ValidationError(
                _("The visitor's organisation is not in the registry; register it first.")
            )
        if current.purpose not in LEAD_PURPOSES:
            raise ValidationError(
                _("Only visits for an investment talk, a tour or a meeting are filed as leads.")
            )
        day = timezone.localtime(current.arrived_at).date().isoformat()
        try:
            project = file_lead(
                actor,
                current.party,
                _("%(visitor)s visited the enclave centre on %(day)s (%(purpose)s).")
                % {
                    "visitor": current.visitor_name,
                    "day": day,
                    "purpose": current.get_purpose_display(),
                },
                current.jurisdiction_code,
                at=at,
            )
        except (DuplicateProject, PermissionDenied) as exc:
            raise _lead_refusal(exc) from None
        current.project = project
        current.save(update_fields=["project"])
        audit_entry(
            actor=actor,
            action=AuditAction.VISIT_LEAD,
            subject=visit_subject(current.pk),
            field="project",
            new=project.pk,
            via=via,
        ).save()
    return project
