"""Writes of events: the event itself, registrations (capacity and wait list, availability,
check-in), meeting requests (ask, answer, cancel), the schedule (made and remade by
``feidi.schedule``) and filing the attended investors and start-ups as pipeline leads.

Every write checks the actor's role and scope and leaves an audit entry in the same
transaction. Anything that counts seats locks the event row (``select_for_update``), so two
registrations for the last seat, or a cancellation and a registration at once, are decided
one after the other: exactly one gets the seat, the other is wait-listed. Edits of the event
name the version their author saw (``EditConflict`` otherwise).

The scheduler runs in the request, outside any transaction (it may take
``FEIDI_SCHEDULE_SECONDS``); its result is stored only if the requests, availability, slots
and tables it was computed from are still those of the event when it is written.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.parties import PartyKind
from feidi.pipeline import Source
from feidi.schedule import Event as CoreEvent
from feidi.schedule import Meeting as CoreMeeting
from feidi.schedule import Request as CoreRequest
from feidi.schedule import ScheduleError, reschedule, schedule_meetings
from feidi_web.accounts.models import Role, User
from feidi_web.common.audit import VIA_FORM, AuditAction, audit_entry
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.lang import pick
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope, in_jurisdiction
from feidi_web.enterprises.services import party_register
from feidi_web.events.models import (
    MAX_CAPACITY,
    MAX_PRIORITY,
    MAX_SLOTS,
    MAX_TABLES,
    SLOT_MINUTES,
    Event,
    EventKind,
    EventStatus,
    Meeting,
    MeetingRequest,
    ParticipantRole,
    Registration,
    RegistrationStatus,
    RequestStatus,
    Schedule,
)
from feidi_web.events.permissions import (
    acts_for,
    event_scope,
    is_broker,
    is_participant_user,
    require_broker,
    require_events_user,
)
from feidi_web.pipeline.models import Project
from feidi_web.pipeline.permissions import sources_for
from feidi_web.pipeline.services import DuplicateProject, NewCounterpart, project_create

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Fields an edit may change (the status goes through ``event_set_status``).
EDITABLE = (
    "title",
    "kind",
    "place",
    "starts_at",
    "slots",
    "slot_minutes",
    "first_slot_at",
    "tables",
    "capacity",
)
#: Who is filed as a lead after the event: the big-city side.
LEAD_ROLES = (ParticipantRole.INVESTOR, ParticipantRole.STARTUP)
#: The kind of party a new participant is registered as, by what they come as.
PARTY_KIND_OF_ROLE = {
    ParticipantRole.INVESTOR: PartyKind.INVESTOR,
    ParticipantRole.STARTUP: PartyKind.STARTUP,
    ParticipantRole.HOME_FIRM: PartyKind.ENTERPRISE,
    ParticipantRole.OTHER: PartyKind.OTHER,
}
_OPEN_REQUESTS = (RequestStatus.PENDING, RequestStatus.ACCEPTED)


def event_subject(event_id: int) -> str:
    return f"event:{event_id}"


def _audit(
    actor: User,
    action: AuditAction,
    event_id: int,
    *,
    field: str = "",
    old: Any = None,
    new: Any = None,
) -> AuditEntry:
    return audit_entry(
        actor=actor,
        action=action,
        subject=event_subject(event_id),
        field=field,
        old=old,
        new=new,
        via=VIA_FORM,
    )


def _text(value: Any, longest: int) -> str | None:
    """A stripped one-line text of 1..``longest`` characters, else None."""
    text = str(value or "").strip()
    if not text or len(text) > longest or _CONTROL.search(text):
        return None
    return text


def _whole(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    if isinstance(value, float) and value != number:
        return None
    return number if low <= number <= high else None


# --- the event ---------------------------------------------------------------------------------


def _clean_event(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Check and normalise the event fields present in ``values`` (in place)."""
    for f, longest in (("title", 200), ("place", 200)):
        if f in values:
            text = _text(values[f], longest)
            if text is None:
                errors[f] = [
                    _("1 to %(n)d characters, without control characters.") % {"n": longest}
                ]
            values[f] = text
    if "kind" in values and values["kind"] not in EventKind.values:
        errors["kind"] = [_("Choose one of the listed kinds.")]
    for f in ("starts_at", "first_slot_at"):
        if f in values and not (isinstance(values[f], datetime) and timezone.is_aware(values[f])):
            errors[f] = [_("Give a date and a time.")]
    bounds = {
        "slots": (1, MAX_SLOTS, _("Between 1 and %(n)d meeting slots.") % {"n": MAX_SLOTS}),
        "tables": (1, MAX_TABLES, _("Between 1 and %(n)d tables.") % {"n": MAX_TABLES}),
        "capacity": (
            1,
            MAX_CAPACITY,
            _("Between 1 and %(n)d participants.") % {"n": MAX_CAPACITY},
        ),
        "slot_minutes": (
            SLOT_MINUTES[0],
            SLOT_MINUTES[1],
            _("Between %(low)d and %(high)d minutes.")
            % {"low": SLOT_MINUTES[0], "high": SLOT_MINUTES[1]},
        ),
    }
    for f, (low, high, message) in bounds.items():
        if f in values:
            number = _whole(values[f], low, high)
            if number is None:
                errors[f] = [message]
            values[f] = number


def _check_times(starts_at: Any, first_slot_at: Any, errors: dict[str, list[str]]) -> None:
    if "starts_at" in errors or "first_slot_at" in errors:
        return
    if first_slot_at < starts_at:
        errors["first_slot_at"] = [_("The first meeting slot starts once the event has begun.")]


def event_create(
    *,
    actor: User,
    title: str,
    kind: str,
    place: str,
    starts_at: datetime,
    slots: int,
    slot_minutes: int,
    first_slot_at: datetime,
    tables: int,
    capacity: int,
    status: str = EventStatus.OPEN,
    jurisdiction_code: str = "",
) -> Event:
    """A new event of the actor's county (an administrator names the county)."""
    require_broker(actor)
    errors: dict[str, list[str]] = {}
    division = jurisdiction_code if actor.role == Role.ADMIN else actor.division_code
    if not (len(division) == 6 and division.isdigit()):
        errors["jurisdiction_code"] = [_("Choose the county that runs the event.")]
    values: dict[str, Any] = {
        "title": title,
        "kind": kind,
        "place": place,
        "starts_at": starts_at,
        "slots": slots,
        "slot_minutes": slot_minutes,
        "first_slot_at": first_slot_at,
        "tables": tables,
        "capacity": capacity,
    }
    _clean_event(values, errors)
    _check_times(values["starts_at"], values["first_slot_at"], errors)
    if status not in (EventStatus.OPEN, EventStatus.CLOSED):
        errors["status"] = [_("A new event is open or closed for registration.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = Event.objects.create(
            jurisdiction_code=division, status=status, created_by=actor, **values
        )
        _audit(actor, AuditAction.EVENT_CREATE, event.pk, new=event.title).save()
    return event


def _require_in_scope(actor: User, event: Event) -> None:
    require_broker(actor)
    if not Event.objects.filter(event_scope(actor), pk=event.pk).exists():
        raise PermissionDenied


def _locked(event: Event, seen_version: int | None = None) -> Event:
    """The event, locked for this transaction (if still at ``seen_version``, when given)."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if seen_version is not None and locked.version != seen_version:
        last = (
            AuditEntry.objects.filter(subject=event_subject(event.pk))
            .filter(action__in=[AuditAction.EVENT_UPDATE, AuditAction.EVENT_STATUS])
            .select_related("actor")
            .first()
        )
        raise EditConflict(
            current_version=locked.version,
            current={
                "status": locked.status,
                **{f: _jsonable(getattr(locked, f)) for f in EDITABLE},
            },
            changed_by=last.actor.display_name if last and last.actor else None,
            changed_at=last.at if last else None,
        )
    return locked


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _not_held(event: Event) -> None:
    if event.status == EventStatus.HELD:
        raise ValidationError(_("The event has been held; it cannot be changed any more."))


def _seats_taken(event: Event) -> int:
    return Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count()


def _promote(actor: User, event: Event, when: datetime) -> list[Registration]:
    """Give free seats to the wait list, first come first served (the event is locked)."""
    free = event.capacity - _seats_taken(event)
    if free <= 0:
        return []
    waiting = list(
        Registration.objects.select_for_update()
        .filter(event=event, status=RegistrationStatus.WAITLISTED)
        .order_by("created_at", "id")[:free]
    )
    for r in waiting:
        r.status = RegistrationStatus.REGISTERED
        r.promoted_at = when
        r.save(update_fields=["status", "promoted_at"])
    AuditEntry.objects.bulk_create(
        _audit(actor, AuditAction.REGISTRATION_PROMOTE, event.pk, field="registration", new=r.pk)
        for r in waiting
    )
    return waiting


def event_update(*, actor: User, event: Event, changes: dict[str, Any], seen_version: int) -> Event:
    """Change an event's details; each changed field is audited. A larger capacity moves
    people up from the wait list; a capacity below the seats taken is refused."""
    _require_in_scope(actor, event)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    values = dict(changes)
    errors: dict[str, list[str]] = {}
    _clean_event(values, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(event, seen_version)
        _not_held(locked)
        _check_times(
            values.get("starts_at", locked.starts_at),
            values.get("first_slot_at", locked.first_slot_at),
            errors,
        )
        taken = _seats_taken(locked)
        if values.get("capacity") is not None and values["capacity"] < taken:
            errors["capacity"] = [
                _("%(n)d people hold a seat: cancel registrations before lowering the capacity.")
                % {"n": taken}
            ]
        if errors:
            raise ValidationError(errors)
        entries = []
        for f, new in values.items():
            old = getattr(locked, f)
            if old == new:
                continue
            setattr(locked, f, new)
            entries.append(
                _audit(
                    actor,
                    AuditAction.EVENT_UPDATE,
                    locked.pk,
                    field=f,
                    old=_jsonable(old),
                    new=_jsonable(new),
                )
            )
        if entries:
            locked.version += 1
            locked.save()
            AuditEntry.objects.bulk_create(entries)
            _promote(actor, locked, timezone.now())
    return locked


#: The moves between statuses: open and closed both ways; either to held, which is final.
_STATUS_MOVES = {
    EventStatus.OPEN: {EventStatus.CLOSED, EventStatus.HELD},
    EventStatus.CLOSED: {EventStatus.OPEN, EventStatus.HELD},
    EventStatus.HELD: set(),
}


def event_set_status(*, actor: User, event: Event, status: str, seen_version: int) -> Event:
    """Open or close registration, or mark the event held (final: it is then the record of
    who came, and its participants can be filed as leads)."""
    _require_in_scope(actor, event)
    if status not in EventStatus.values:
        raise ValidationError({"status": [_("Choose one of the listed statuses.")]})
    with transaction.atomic():
        locked = _locked(event, seen_version)
        if status == locked.status:
            return locked
        if EventStatus(status) not in _STATUS_MOVES[EventStatus(locked.status)]:
            raise ValidationError(
                {"status": [_("The event has been held; it cannot be changed any more.")]}
            )
        old = locked.status
        locked.status = status
        locked.version += 1
        locked.save(update_fields=["status", "version"])
        _audit(
            actor, AuditAction.EVENT_STATUS, locked.pk, field="status", old=old, new=status
        ).save()
    return locked


# --- registrations -----------------------------------------------------------------------------


def _clean_slots(slots: Any, event: Event) -> list[int] | None:
    """Availability as stored: None for every slot, else the sorted slots (1..event.slots).
    Raises a ValidationError naming a slot outside the event's."""
    if slots is None:
        return None
    chosen: set[int] = set()
    for s in slots:
        number = _whole(s, 1, event.slots)
        if number is None:
            raise ValidationError(
                {
                    "slots": [
                        _("Slot %(slot)s is not one of this event's slots 1 to %(n)d.")
                        % {"slot": s, "n": event.slots}
                    ]
                }
            )
        chosen.add(number)
    if len(chosen) == event.slots:
        return None
    return sorted(chosen)


def _party_allowed(actor: User, event: Event, party: Enterprise) -> bool:
    """A broker registers a party of the event's county or of their own scope."""
    allowed = enterprise_scope(actor) | in_jurisdiction(event.jurisdiction_code)
    return Enterprise.objects.filter(allowed, pk=party.pk).exists()


def party_for_event(actor: User, event: Event, name: str) -> Enterprise | None:
    """The party a broker means by ``name``: one of the event's county (or their scope)
    with exactly that name."""
    allowed = enterprise_scope(actor) | in_jurisdiction(event.jurisdiction_code)
    return Enterprise.objects.filter(allowed, name=name.strip()).order_by("id").first()


def registration_create(
    *,
    actor: User,
    event: Event,
    person: str,
    contact: str,
    role: str,
    party: Enterprise | None = None,
    new_party: NewCounterpart | None = None,
    availability: list[int] | None = None,
    at: datetime | None = None,
) -> Registration:
    """Register a person of a party: a seat while there are seats, else a place on the wait
    list. An enterprise user registers a person of their own firm while the event is open;
    a broker registers anyone (a party of the county, or a new one registered now) until
    the event is held. ``at`` backdates it (the demo's past events)."""
    require_events_user(actor)
    if not Event.objects.filter(event_scope(actor), pk=event.pk).exists():
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    who = _text(person, 100)
    if who is None:
        errors["person"] = [_("The participant's name, 1 to 100 characters.")]
    reach = _text(contact, 120)
    if reach is None:
        errors["contact"] = [_("A phone number or another way to reach them.")]
    if role not in ParticipantRole.values:
        errors["role"] = [_("Choose one of the listed roles.")]
    if is_participant_user(actor):
        party, new_party = actor.enterprise, None
    elif party is not None:
        if not _party_allowed(actor, event, party):
            raise PermissionDenied
    elif new_party is None or not new_party.name.strip():
        errors["party_name"] = [_("Name the party: a company, team, lab or investor.")]
    try:
        slots = _clean_slots(availability, event)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        slots = None
    if errors:
        raise ValidationError(errors)
    assert who is not None and reach is not None  # checked above
    when = at or timezone.now()
    with transaction.atomic():
        locked = _locked(event)
        _not_held(locked)
        if not is_broker(actor) and locked.status != EventStatus.OPEN:
            raise ValidationError(_("Registration for this event is closed."))
        if party is None:
            assert new_party is not None
            party = party_register(
                actor=actor,
                name=new_party.name,
                kind=new_party.kind or PARTY_KIND_OF_ROLE[ParticipantRole(role)].value,
                credit_code=new_party.credit_code or None,
                jurisdiction_code=locked.jurisdiction_code,
            )
        twice = Registration.objects.filter(event=locked, party=party, person=who).exclude(
            status=RegistrationStatus.CANCELLED
        )
        if twice.exists():
            raise ValidationError(
                {"person": [_("%(name)s is already registered for this event.") % {"name": who}]}
            )
        seated = _seats_taken(locked) < locked.capacity
        registration = Registration.objects.create(
            event=locked,
            party=party,
            person=who,
            contact=reach,
            role=role,
            status=RegistrationStatus.REGISTERED if seated else RegistrationStatus.WAITLISTED,
            token=secrets.token_urlsafe(24),
            availability=slots,
            created_by=actor,
            created_at=when,
        )
        _audit(
            actor,
            AuditAction.REGISTRATION_CREATE,
            locked.pk,
            field="registration",
            new=registration.pk,
        ).save()
    return registration


@dataclass(frozen=True)
class Cancellation:
    registration: Registration
    #: Who moved up from the wait list into the freed seat.
    promoted: list[Registration] = field(default_factory=list)
    #: Meeting requests of the cancelled participant that were called off with it.
    requests_cancelled: int = 0


def registration_cancel(*, actor: User, registration: Registration) -> Cancellation:
    """Cancel a registration (a broker, or the participant's own firm): their open meeting
    requests are called off, and a freed seat goes to the first on the wait list — all in
    one transaction, with the event locked."""
    require_events_user(actor)
    if not acts_for(actor, registration):
        raise PermissionDenied
    when = timezone.now()
    with transaction.atomic():
        event = _locked(registration.event)
        _not_held(event)
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status == RegistrationStatus.CANCELLED:
            raise ValidationError(_("This registration is already cancelled."))
        was = locked.status
        locked.status = RegistrationStatus.CANCELLED
        locked.cancelled_at = when
        locked.save(update_fields=["status", "cancelled_at"])
        called_off = (
            MeetingRequest.objects.filter(Q(requester=locked) | Q(invitee=locked))
            .filter(status__in=_OPEN_REQUESTS)
            .update(status=RequestStatus.CANCELLED, answered_at=when)
        )
        _audit(
            actor,
            AuditAction.REGISTRATION_CANCEL,
            event.pk,
            field="registration",
            old=was,
            new=locked.pk,
        ).save()
        promoted = _promote(actor, event, when) if was == RegistrationStatus.REGISTERED else []
    return Cancellation(locked, promoted, called_off)


def registration_set_availability(
    *, actor: User, registration: Registration, slots: list[int] | None
) -> Registration:
    """The meeting slots a participant can attend (None or every slot: all of them)."""
    require_events_user(actor)
    if not acts_for(actor, registration):
        raise PermissionDenied
    with transaction.atomic():
        event = _locked(registration.event)
        _not_held(event)
        cleaned = _clean_slots(slots, event)
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status == RegistrationStatus.CANCELLED:
            raise ValidationError(_("This registration is cancelled."))
        if locked.availability != cleaned:
            old, locked.availability = locked.availability, cleaned
            locked.save(update_fields=["availability"])
            _audit(
                actor,
                AuditAction.REGISTRATION_AVAILABILITY,
                event.pk,
                field="availability",
                old=old,
                new=cleaned,
            ).save()
    return locked


@dataclass(frozen=True)
class CheckIn:
    registration: Registration
    #: False when they had checked in before (a second scan): ``checked_in_at`` says when.
    just_now: bool


def registration_check_in(
    *, actor: User, registration: Registration, at: datetime | None = None
) -> CheckIn:
    """A broker checks a participant in at the door (their QR code's link). A second scan
    changes nothing and says when they checked in."""
    require_broker(actor)
    if not acts_for(actor, registration):
        raise PermissionDenied
    with transaction.atomic():
        locked = (
            Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
        )
        if locked.checked_in_at is not None:
            return CheckIn(locked, just_now=False)
        _not_held(locked.event)
        if locked.status == RegistrationStatus.CANCELLED:
            raise ValidationError(_("This registration was cancelled."))
        if locked.status == RegistrationStatus.WAITLISTED:
            raise ValidationError(_("This participant is still on the wait list."))
        locked.checked_in_at = at or timezone.now()
        locked.checked_in_by = actor
        locked.save(update_fields=["checked_in_at", "checked_in_by"])
        _audit(
            actor,
            AuditAction.REGISTRATION_CHECK_IN,
            locked.event_id,
            field="registration",
            new=locked.pk,
        ).save()
    return CheckIn(locked, just_now=True)


# --- meeting requests --------------------------------------------------------------------------


def meeting_request_create(
    *, actor: User, requester: Registration, invitee: Registration, priority: int
) -> MeetingRequest:
    """``requester`` asks to meet ``invitee`` (another registered participant of the same
    event) with a priority of 1 (nice to have) to 5 (the reason to come). A broker asks for
    any participant, an enterprise user for their own firm's."""
    require_events_user(actor)
    if not acts_for(actor, requester):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    weight = _whole(priority, 1, MAX_PRIORITY)
    if weight is None:
        errors["priority"] = [_("A priority from 1 to %(n)d.") % {"n": MAX_PRIORITY}]
    if invitee.event_id != requester.event_id:
        errors["invitee"] = [_("Choose a participant of the same event.")]
    elif invitee.pk == requester.pk:
        errors["invitee"] = [_("A participant cannot ask to meet themselves.")]
    elif invitee.party_id == requester.party_id:
        errors["invitee"] = [_("Both people come from the same party.")]
    if errors:
        raise ValidationError(errors)
    assert weight is not None  # checked above
    with transaction.atomic():
        event = _locked(requester.event)
        _not_held(event)
        people = {
            r.pk: r
            for r in Registration.objects.filter(pk__in=[requester.pk, invitee.pk]).only(
                "id", "status"
            )
        }
        if any(people[pk].status != RegistrationStatus.REGISTERED for pk in people):
            raise ValidationError(_("Meetings are requested between participants who hold a seat."))
        already = MeetingRequest.objects.filter(
            requester=requester, invitee=invitee, status__in=_OPEN_REQUESTS
        )
        if already.exists():
            raise ValidationError({"invitee": [_("This meeting has already been requested.")]})
        request = MeetingRequest.objects.create(
            event=event,
            requester=requester,
            invitee=invitee,
            priority=weight,
            created_by=actor,
        )
        _audit(actor, AuditAction.MEETING_REQUEST, event.pk, field="request", new=request.pk).save()
    return request


def _locked_request(request: MeetingRequest) -> MeetingRequest:
    return MeetingRequest.objects.select_for_update().get(pk=request.pk)


def meeting_request_answer(*, actor: User, request: MeetingRequest, accept: bool) -> MeetingRequest:
    """The invitee (their firm, or a broker for them) accepts or declines."""
    require_events_user(actor)
    if not acts_for(actor, request.invitee):
        raise PermissionDenied
    with transaction.atomic():
        _not_held(_locked(request.event))
        locked = _locked_request(request)
        if locked.status != RequestStatus.PENDING:
            raise ValidationError(_("This request has already been answered."))
        locked.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "answered_at"])
        _audit(
            actor,
            AuditAction.MEETING_ANSWER,
            locked.event_id,
            field=f"request:{locked.pk}",
            new=locked.status,
        ).save()
    return locked


def meeting_request_cancel(*, actor: User, request: MeetingRequest) -> MeetingRequest:
    """Either side (or a broker) calls a requested or accepted meeting off."""
    require_events_user(actor)
    if not (acts_for(actor, request.requester) or acts_for(actor, request.invitee)):
        raise PermissionDenied
    with transaction.atomic():
        _not_held(_locked(request.event))
        locked = _locked_request(request)
        if locked.status not in _OPEN_REQUESTS:
            raise ValidationError(_("Only a waiting or accepted request can be called off."))
        old = locked.status
        locked.status = RequestStatus.CANCELLED
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "answered_at"])
        _audit(
            actor,
            AuditAction.MEETING_CANCEL,
            locked.event_id,
            field=f"request:{locked.pk}",
            old=old,
            new=locked.status,
        ).save()
    return locked


# --- the schedule ------------------------------------------------------------------------------


def participant_id(registration_id: int) -> str:
    """How a registration is named to the scheduler."""
    return f"r{registration_id}"


@dataclass(frozen=True)
class ScheduleInputs:
    """What a schedule is computed from: the core's event, and a fingerprint of it to tell
    whether the event changed while the solver ran."""

    event: CoreEvent
    basis: tuple[Any, ...]


def schedule_inputs(event: Event) -> ScheduleInputs:
    """The accepted requests between participants holding a seat, their availability (slots
    beyond the event's now are ignored), and the event's slots and tables."""
    seated = dict(
        Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).values_list(
            "id", "availability"
        )
    )
    requests = sorted(
        MeetingRequest.objects.filter(
            event=event,
            status=RequestStatus.ACCEPTED,
            requester_id__in=seated,
            invitee_id__in=seated,
        ).values_list("id", "requester_id", "invitee_id", "priority")
    )
    availability = {
        participant_id(pk): frozenset(s for s in slots if 1 <= s <= event.slots)
        for pk, slots in seated.items()
        if slots is not None
    }
    core = CoreEvent(
        tuple(
            CoreRequest(str(pk), participant_id(a), participant_id(b), float(p))
            for pk, a, b, p in requests
        ),
        slots=event.slots,
        tables=event.tables,
        availability=availability,
    )
    basis = (
        event.slots,
        event.tables,
        tuple(requests),
        tuple(sorted((k, tuple(sorted(v))) for k, v in availability.items())),
    )
    return ScheduleInputs(core, basis)


def current_schedule(event: Event) -> Schedule | None:
    return Schedule.objects.filter(event=event).order_by("-made_at", "-id").first()


def _time_limit() -> float:
    return float(settings.FEIDI_SCHEDULE_SECONDS)


def _store(
    actor: User,
    event: Event,
    inputs: ScheduleInputs,
    meetings: tuple[CoreMeeting, ...],
    figures: dict[str, Any],
    previous: Schedule | None,
    action: AuditAction,
    at: datetime | None = None,
) -> Schedule:
    """Write a computed schedule, if the event is still what it was computed for."""
    with transaction.atomic():
        locked = _locked(event)
        _not_held(locked)
        if schedule_inputs(locked).basis != inputs.basis or current_schedule(locked) != previous:
            raise ValidationError(
                _(
                    "Requests, availability or the schedule changed while the schedule was being"
                    " computed. Nothing was stored: run it again."
                )
            )
        stored = Schedule.objects.create(
            event=locked,
            made_by=actor,
            made_at=at or timezone.now(),
            slots=locked.slots,
            tables=locked.tables,
            previous=previous,
            **figures,
        )
        Meeting.objects.bulk_create(
            Meeting(schedule=stored, request_id=int(m.request_id), slot=m.slot, table=m.table)
            for m in meetings
        )
        _audit(actor, action, locked.pk, field="schedule", new=len(meetings)).save()
    return stored


def schedule_make(*, actor: User, event: Event, at: datetime | None = None) -> Schedule:
    """The schedule with the highest sum of priorities over the accepted requests
    (``feidi.schedule.schedule_meetings``): nobody and no table double-booked, everyone
    available in their meetings' slots. Replaces the event's schedule, if any, without
    regard to it (``schedule_remake`` keeps what it can). ``at`` backdates it (the demo)."""
    _require_in_scope(actor, event)
    _not_held(event)
    inputs = schedule_inputs(event)
    if not inputs.event.requests:
        raise ValidationError(
            _("There are no accepted meeting requests between participants holding a seat.")
        )
    previous = current_schedule(event)
    try:
        result = schedule_meetings(inputs.event, time_limit=_time_limit())
    except ScheduleError as exc:
        raise ValidationError(pick(exc.reason)) from None
    figures = {
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "status": result.status,
        "seconds": result.seconds,
    }
    return _store(
        actor, event, inputs, result.meetings, figures, previous, AuditAction.SCHEDULE_MAKE, at
    )


def schedule_remake(*, actor: User, event: Event) -> Schedule:
    """After a cancellation (a registration or a request) or any other change: the best
    schedule again, moving as few of the current schedule's meetings as can be
    (``feidi.schedule.reschedule``). The stored schedule says which meetings kept their slot
    and table, which moved, which were dropped and which were cancelled."""
    _require_in_scope(actor, event)
    _not_held(event)
    previous = current_schedule(event)
    if previous is None:
        raise ValidationError(_("There is no schedule to change yet: make one first."))
    inputs = schedule_inputs(event)
    before = [
        CoreMeeting(str(request_id), slot, table)
        for request_id, slot, table in previous.meetings.values_list("request_id", "slot", "table")
    ]
    try:
        result = reschedule(inputs.event, before, time_limit=_time_limit())
    except ScheduleError as exc:
        raise ValidationError(pick(exc.reason)) from None
    figures = {
        "objective": result.schedule.objective,
        "bound": result.schedule.bound,
        "gap": result.schedule.gap,
        "status": result.schedule.status,
        "seconds": result.schedule.seconds,
        "kept": [int(r) for r in result.kept],
        "moved": [int(r) for r in result.moved],
        "dropped": [int(r) for r in result.dropped],
        "cancelled": [int(r) for r in result.cancelled],
        "changes_minimal": result.changes_minimal,
    }
    return _store(
        actor,
        event,
        inputs,
        result.schedule.meetings,
        figures,
        previous,
        AuditAction.SCHEDULE_REMAKE,
    )


# --- feeding the pipeline ----------------------------------------------------------------------


@dataclass(frozen=True)
class Leads:
    """What ``event_file_leads`` did: the projects filed, and the parties skipped with why."""

    filed: list[Project]
    skipped: list[tuple[str, str]]


def event_file_leads(*, actor: User, event: Event) -> Leads:
    """After the event is held: each investor and start-up that checked in and is not in the
    pipeline yet becomes a lead (source "event"); a party that looks like a project already
    filed is skipped and named, and so is one filed from this event before."""
    _require_in_scope(actor, event)
    if Source.EVENT not in sources_for(actor):
        raise PermissionDenied
    filed: list[Project] = []
    skipped: list[tuple[str, str]] = []
    with transaction.atomic():
        locked = _locked(event)
        if locked.status != EventStatus.HELD:
            raise ValidationError(_("Participants are filed as leads once the event was held."))
        attended = (
            Registration.objects.filter(
                event=locked,
                status=RegistrationStatus.REGISTERED,
                checked_in_at__isnull=False,
                role__in=LEAD_ROLES,
            )
            .select_related("party")
            .order_by("created_at", "id")
        )
        by_party: dict[int, list[Registration]] = {}
        for r in attended:
            by_party.setdefault(r.party_id, []).append(r)
        day = timezone.localtime(locked.starts_at).date().isoformat()
        for registrations in by_party.values():
            party = registrations[0].party
            if any(r.project_id for r in registrations):
                skipped.append((party.name, _("filed from this event before")))
                continue
            try:
                project = project_create(
                    actor=actor,
                    name=party.name,
                    source=Source.EVENT.value,
                    counterpart=party,
                    industry_code=party.industry_code,
                    description=_("Met at %(event)s on %(day)s.")
                    % {"event": locked.title, "day": day},
                    jurisdiction_code=locked.jurisdiction_code,
                    allow_duplicate=False,
                )
            except DuplicateProject as dup:
                names = "、".join(p.name for p in dup.similar)
                skipped.append(
                    (party.name, _("already in the pipeline: %(names)s") % {"names": names})
                )
                continue
            except PermissionDenied:
                skipped.append((party.name, _("outside your part of the registry")))
                continue
            Registration.objects.filter(pk__in=[r.pk for r in registrations]).update(
                project=project
            )
            filed.append(project)
        _audit(actor, AuditAction.EVENT_LEADS, locked.pk, field="projects", new=len(filed)).save()
    return Leads(filed, skipped)


def may_file_leads(user: User) -> bool:
    """Whether ``user`` files event-sourced projects (the enclave operator files the
    enclave's own sources only)."""
    return is_broker(user) and Source.EVENT in sources_for(user)
