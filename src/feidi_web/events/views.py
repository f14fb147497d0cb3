"""Event pages: the list, an event (registrations, wait list, meeting requests, the schedule,
leads), a registration (its QR code, availability, requests and own schedule), the check-in
page a broker's phone opens from the QR code, and the printed schedule."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feidi_web.common.audit import action_text
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.forms import add_errors
from feidi_web.common.http import AuthedRequest
from feidi_web.common.models import AuditEntry
from feidi_web.events import selectors, services
from feidi_web.events.forms import (
    AnswerForm,
    AvailabilityForm,
    EventEditForm,
    EventForm,
    MeetingRequestForm,
    RegistrationForm,
    StatusForm,
)
from feidi_web.events.models import (
    Event,
    EventStatus,
    MeetingRequest,
    Registration,
    RegistrationStatus,
    RequestStatus,
    Schedule,
)
from feidi_web.events.permissions import (
    acts_for,
    event_get_for_user,
    is_broker,
    registration_by_token,
    registration_get_for_user,
    request_get_for_user,
    require_broker,
    require_events_user,
)
from feidi_web.pipeline.services import NewCounterpart

PAGE_SIZE = 50


def _who(user: Any) -> str:
    return user.display_name if user else "—"


# --- the list and a new event ------------------------------------------------------------------


@login_required
@require_GET
def event_list(request: AuthedRequest) -> HttpResponse:
    require_events_user(request.user)
    page = Paginator(selectors.event_list(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "events/list.html",
        {"page": page, "events": list(page), "broker": is_broker(request.user)},
    )


_NEW_EVENT_DEFAULTS = {"kind": "capital", "capacity": 60, "slots": 8, "slot_minutes": 15}


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: AuthedRequest) -> HttpResponse:
    require_broker(request.user)
    form = EventForm(request.POST or None, initial={**_NEW_EVENT_DEFAULTS, "tables": 10})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Created %(title)s.") % {"title": event.title})
            return redirect("events:detail", event_id=event.pk)
    return render(request, "events/new.html", {"form": form}, status=422 if form.errors else 200)


# --- an event ----------------------------------------------------------------------------------


def _registration_rows(event: Event) -> list[Registration]:
    return list(event.registrations.select_related("party").order_by("created_at", "id"))


def _audit(event: Event) -> list[dict[str, Any]]:
    entries = AuditEntry.objects.filter(subject=services.event_subject(event.pk)).select_related(
        "actor"
    )[:50]
    return [{"at": e.at, "who": _who(e.actor), "what": action_text(e.action)} for e in entries]


def _schedule_context(event: Event, schedule: Schedule | None) -> dict[str, Any]:
    if schedule is None:
        return {"schedule": None}
    meetings = selectors.scheduled(event, schedule)
    return {
        "schedule": schedule,
        "schedule_status": schedule.get_status_display(),
        "gap_percent": f"{schedule.gap * 100:.2f}",
        "meetings": meetings,
        "affected": selectors.affected(meetings),
        "accepted_since": selectors.accepted_since(event, schedule),
        "rescheduled": schedule.previous_id is not None,
    }


def _detail_context(request: AuthedRequest, event: Event, **extra: Any) -> dict[str, Any]:
    user = request.user
    broker = is_broker(user)
    times = selectors.slot_times(event)
    ctx: dict[str, Any] = {
        "event": event,
        "broker": broker,
        "counts": selectors.seat_counts(event),
        "times": times,
        "held": event.status == EventStatus.HELD,
    }
    can_register = event.status == EventStatus.OPEN or (broker and event.status != EventStatus.HELD)
    if can_register:
        ctx["register_form"] = extra.pop("register_form", None) or RegistrationForm(
            broker=broker, times=times
        )
    if broker:
        ctx |= {
            "registrations": _registration_rows(event),
            "requests": list(
                event.meeting_requests.select_related("requester__party", "invitee__party")
            ),
            "status_form": StatusForm(initial={"version": event.version, "status": event.status}),
            "audit": _audit(event),
            "may_file_leads": services.may_file_leads(user),
            **_schedule_context(event, services.current_schedule(event)),
        }
    else:
        ctx["mine"] = list(
            event.registrations.filter(party_id=user.enterprise_id).order_by("created_at", "id")
        )
    return {**ctx, **extra}


@login_required
@require_GET
def event_detail(request: AuthedRequest, event_id: int) -> HttpResponse:
    event = event_get_for_user(request.user, event_id)
    return render(request, "events/detail.html", _detail_context(request, event))


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: AuthedRequest, event_id: int) -> HttpResponse:
    require_broker(request.user)
    event = event_get_for_user(request.user, event_id)
    initial = {f: getattr(event, f) for f in services.EDITABLE} | {"version": event.version}
    initial["starts_at"] = timezone.localtime(event.starts_at)
    initial["first_slot_at"] = timezone.localtime(event.first_slot_at)
    form = EventEditForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        seen = changes.pop("version")
        try:
            services.event_update(
                actor=request.user, event=event, changes=changes, seen_version=seen
            )
        except EditConflict as exc:
            conflict = {"by": exc.changed_by, "at": exc.changed_at}
            # the editor's values stay; the version moves on, so saving again overwrites
            data = request.POST.copy()
            data["version"] = str(exc.current_version)
            form = EventEditForm(data)
            form.is_valid()
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("events:detail", event_id=event.pk)
    return render(
        request,
        "events/edit.html",
        {"event": event, "form": form, "conflict": conflict},
        status=409 if conflict else (422 if form.errors else 200),
    )


@login_required
@require_POST
def event_status(request: AuthedRequest, event_id: int) -> HttpResponse:
    require_broker(request.user)
    event = event_get_for_user(request.user, event_id)
    form = StatusForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            moved = services.event_set_status(
                actor=request.user,
                event=event,
                status=form.cleaned_data["status"],
                seen_version=form.cleaned_data["version"],
            )
        except EditConflict as exc:
            messages.error(
                request,
                _("%(by)s changed this event in the meantime; it is now “%(status)s”.")
                % {
                    "by": exc.changed_by or "—",
                    "status": EventStatus(exc.current["status"]).label,
                },
            )
            status = 409
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The event is now “%(status)s”.") % {"status": moved.get_status_display()},
            )
            return redirect("events:detail", event_id=event.pk)
    event.refresh_from_db()
    return render(request, "events/detail.html", _detail_context(request, event), status=status)


@login_required
@require_POST
def event_register(request: AuthedRequest, event_id: int) -> HttpResponse:
    event = event_get_for_user(request.user, event_id)
    broker = is_broker(request.user)
    form = RegistrationForm(request.POST, broker=broker, times=selectors.slot_times(event))
    if form.is_valid():
        d = form.cleaned_data
        party = new_party = None
        if broker:
            party = services.party_for_event(request.user, event, d["party_name"])
            if party is None:
                new_party = NewCounterpart(
                    name=d["party_name"], kind=d["party_kind"], credit_code=d["party_credit_code"]
                )
        try:
            registration = services.registration_create(
                actor=request.user,
                event=event,
                person=d["person"],
                contact=d["contact"],
                role=d["role"],
                party=party,
                new_party=new_party,
                availability=form.chosen_slots(),
            )
        except ValidationError as exc:
            add_errors(
                form,
                exc,
                {"name": "party_name", "kind": "party_kind", "credit_code": "party_credit_code"},
            )
        else:
            if registration.status == RegistrationStatus.WAITLISTED:
                messages.warning(
                    request,
                    _("The event is full: %(name)s is on the wait list.")
                    % {"name": registration.person},
                )
            else:
                messages.success(
                    request, _("%(name)s is registered.") % {"name": registration.person}
                )
            return redirect("events:registration", registration_id=registration.pk)
    event.refresh_from_db()
    return render(
        request,
        "events/detail.html",
        _detail_context(request, event, register_form=form),
        status=422,
    )


# --- the schedule ------------------------------------------------------------------------------


def _schedule_said(schedule: Schedule) -> str:
    n = schedule.meetings.count()
    said = ngettext("%(n)d meeting scheduled.", "%(n)d meetings scheduled.", n) % {"n": n}
    return f"{said} {schedule.get_status_display()}."


@login_required
@require_POST
def schedule_make(request: AuthedRequest, event_id: int) -> HttpResponse:
    require_broker(request.user)
    event = event_get_for_user(request.user, event_id)
    try:
        schedule = services.schedule_make(actor=request.user, event=event)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _schedule_said(schedule))
    return redirect(reverse("events:detail", args=[event.pk]) + "#schedule")


@login_required
@require_POST
def schedule_remake(request: AuthedRequest, event_id: int) -> HttpResponse:
    require_broker(request.user)
    event = event_get_for_user(request.user, event_id)
    try:
        schedule = services.schedule_remake(actor=request.user, event=event)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _schedule_said(schedule))
    return redirect(reverse("events:detail", args=[event.pk]) + "#schedule")


@login_required
@require_GET
def schedule_print(request: AuthedRequest, event_id: int) -> HttpResponse:
    """The schedule as handed out at the door: a table × slot grid, then a block per
    participant with their own meetings (one per printed page where it fits)."""
    require_broker(request.user)
    event = event_get_for_user(request.user, event_id)
    schedule = services.current_schedule(event)
    meetings = selectors.scheduled(event, schedule) if schedule else []
    return render(
        request,
        "events/print.html",
        {
            "event": event,
            "schedule": schedule,
            "grid": selectors.grid(event, meetings),
            "people": selectors.by_participant(meetings),
            "meetings": meetings,
        },
    )


@login_required
@require_POST
def event_leads(request: AuthedRequest, event_id: int) -> HttpResponse:
    require_broker(request.user)
    event = event_get_for_user(request.user, event_id)
    try:
        leads = services.event_file_leads(actor=request.user, event=event)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(n)d lead filed in the pipeline.",
                "%(n)d leads filed in the pipeline.",
                len(leads.filed),
            )
            % {"n": len(leads.filed)},
        )
        for name, why in leads.skipped:
            messages.info(request, _("Not filed: %(name)s — %(why)s.") % {"name": name, "why": why})
    return redirect(reverse("events:detail", args=[event.pk]) + "#leads")


# --- a registration ----------------------------------------------------------------------------


def checkin_url(request: AuthedRequest, registration: Registration) -> str:
    return request.build_absolute_uri(reverse("events:checkin", args=[registration.token]))


def _qr_svg(url: str) -> str:
    """The check-in link as an inline SVG QR code, drawn here (no outside service)."""
    # safe: segno draws the SVG from the link's bits; no text of the link is in it
    return mark_safe(segno.make(url, error="m").svg_inline(scale=5, omitsize=True))


def _other_participants(registration: Registration, broker: bool) -> list[tuple[int, str]]:
    """Who a participant may ask to meet: others with a seat, not of their own party."""
    others = (
        Registration.objects.filter(
            event_id=registration.event_id, status=RegistrationStatus.REGISTERED
        )
        .exclude(party_id=registration.party_id)
        .select_related("party")
        .order_by("party__name", "person")
    )
    return [
        (
            r.pk,
            f"{r.person} · {r.party.name} · {r.get_role_display()}"
            if broker
            else f"{r.party.name} · {r.get_role_display()}",
        )
        for r in others
    ]


def _registration_context(
    request: AuthedRequest, registration: Registration, **extra: Any
) -> dict[str, Any]:
    user = request.user
    event = registration.event
    broker = is_broker(user)
    mine = acts_for(user, registration)
    live = registration.status != RegistrationStatus.CANCELLED and event.status != EventStatus.HELD
    times = selectors.slot_times(event)
    schedule = services.current_schedule(event)
    own = []
    if schedule is not None and registration.status == RegistrationStatus.REGISTERED:
        own = selectors.own_meetings(selectors.scheduled(event, schedule), registration.pk)
    made = registration.requests_made.select_related("invitee__party").order_by("created_at", "id")
    received = registration.requests_received.select_related("requester__party").order_by(
        "created_at", "id"
    )
    ctx: dict[str, Any] = {
        "registration": registration,
        "event": event,
        "broker": broker,
        "position": selectors.wait_list_position(registration),
        "made": list(made),
        "received": list(received),
        "own": own,
        "schedule": schedule,
        "can_cancel": mine and live,
        "pending": RequestStatus.PENDING,
        "open_statuses": (RequestStatus.PENDING, RequestStatus.ACCEPTED),
        "live": live,
    }
    if registration.status != RegistrationStatus.CANCELLED:
        url = checkin_url(request, registration)
        ctx |= {"checkin_url": url, "qr": _qr_svg(url)}
    if mine and live:
        chosen = registration.availability
        ctx["availability_form"] = extra.pop("availability_form", None) or AvailabilityForm(
            times=times,
            initial={"slots": [str(s) for s in (chosen or [])]},
        )
        if registration.status == RegistrationStatus.REGISTERED:
            ctx["request_form"] = extra.pop("request_form", None) or MeetingRequestForm(
                others=_other_participants(registration, broker)
            )
    available = registration.availability
    ctx["available"] = (
        None if available is None else [t for t in times if t.number in set(available)]
    )
    return {**ctx, **extra}


@login_required
@require_GET
def registration_detail(request: AuthedRequest, registration_id: int) -> HttpResponse:
    registration = registration_get_for_user(request.user, registration_id)
    return render(request, "events/registration.html", _registration_context(request, registration))


@login_required
@require_POST
def registration_cancel(request: AuthedRequest, registration_id: int) -> HttpResponse:
    registration = registration_get_for_user(request.user, registration_id)
    try:
        done = services.registration_cancel(actor=request.user, registration=registration)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render(
            request,
            "events/registration.html",
            _registration_context(request, registration),
            status=422,
        )
    messages.success(
        request, _("%(name)s's registration is cancelled.") % {"name": registration.person}
    )
    for r in done.promoted:
        messages.info(request, _("%(name)s moved up from the wait list.") % {"name": r.person})
    return redirect("events:registration", registration_id=registration.pk)


@login_required
@require_POST
def registration_availability(request: AuthedRequest, registration_id: int) -> HttpResponse:
    registration = registration_get_for_user(request.user, registration_id)
    form = AvailabilityForm(request.POST, times=selectors.slot_times(registration.event))
    if form.is_valid():
        chosen = [int(s) for s in form.cleaned_data["slots"]] or None
        try:
            services.registration_set_availability(
                actor=request.user, registration=registration, slots=chosen
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("events:registration", registration_id=registration.pk)
    return render(
        request,
        "events/registration.html",
        _registration_context(request, registration, availability_form=form),
        status=422,
    )


@login_required
@require_POST
def request_new(request: AuthedRequest, registration_id: int) -> HttpResponse:
    registration = registration_get_for_user(request.user, registration_id)
    others = _other_participants(registration, is_broker(request.user))
    form = MeetingRequestForm(request.POST, others=others)
    if form.is_valid():
        invitee = Registration.objects.filter(
            event_id=registration.event_id, pk=form.cleaned_data["invitee"]
        ).first()
        try:
            if invitee is None:  # cannot happen: the form offers this event's people only
                raise ValidationError({"invitee": [_("Choose a participant of the same event.")]})
            services.meeting_request_create(
                actor=request.user,
                requester=registration,
                invitee=invitee,
                priority=form.cleaned_data["priority"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Meeting requested."))
            return redirect("events:registration", registration_id=registration.pk)
    return render(
        request,
        "events/registration.html",
        _registration_context(request, registration, request_form=form),
        status=422,
    )


def _back_to(request: AuthedRequest, meeting_request: MeetingRequest) -> HttpResponse:
    """The registration page of the side the user acts for."""
    side = (
        meeting_request.invitee
        if acts_for(request.user, meeting_request.invitee)
        else meeting_request.requester
    )
    return redirect("events:registration", registration_id=side.pk)


@login_required
@require_POST
def request_answer(request: AuthedRequest, request_id: int) -> HttpResponse:
    meeting_request = request_get_for_user(request.user, request_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Accept or decline."))
        return _back_to(request, meeting_request)
    try:
        services.meeting_request_answer(
            actor=request.user,
            request=meeting_request,
            accept=form.cleaned_data["answer"] == "accept",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back_to(request, meeting_request)
    messages.success(request, _("Answered."))
    return _back_to(request, meeting_request)


@login_required
@require_POST
def request_cancel(request: AuthedRequest, request_id: int) -> HttpResponse:
    meeting_request = request_get_for_user(request.user, request_id)
    try:
        services.meeting_request_cancel(actor=request.user, request=meeting_request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The meeting request is called off."))
    return _back_to(request, meeting_request)


# --- check-in ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: AuthedRequest, token: str) -> HttpResponse:
    """Opened from a participant's QR code on a broker's phone: who it is, and one button."""
    registration = registration_by_token(request.user, token)
    ctx: dict[str, Any] = {"registration": registration, "event": registration.event}
    status = 200
    if request.method == "POST":
        try:
            done = services.registration_check_in(actor=request.user, registration=registration)
        except ValidationError as exc:
            ctx["problem"] = " ".join(exc.messages)
            status = 422
        else:
            ctx["registration"] = done.registration
            ctx["just_now"] = done.just_now
    return render(request, "events/checkin.html", ctx, status=status)
