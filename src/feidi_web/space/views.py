"""Space pages: the resources with a week of their bookings, booking one, one's bookings
(with cancel) and the enclave operator's approval queue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feidi_web.common.conflicts import EditConflict
from feidi_web.common.forms import add_errors
from feidi_web.common.http import AuthedRequest
from feidi_web.space import selectors, services
from feidi_web.space.forms import BookingForm, DecideForm, VersionForm
from feidi_web.space.permissions import (
    booking_get_for_user,
    is_decider,
    is_firm_user,
    is_staff,
    require_decider,
    require_space_user,
    resource_get_for_user,
    resources_for_user,
)


def _at(day: date, hhmm: str) -> datetime:
    """``day`` at ``hhmm`` local time; "24:00" is the next midnight."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    midnight = timezone.make_aware(datetime.combine(day, time(0)))
    return midnight + timedelta(hours=hours, minutes=minutes)


@login_required
@require_GET
def space_list(request: AuthedRequest) -> HttpResponse:
    require_space_user(request.user)
    today = timezone.localdate()
    try:
        asked = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        asked = today
    monday = selectors.monday_of(asked)
    resources = resources_for_user(request.user).order_by("kind", "name", "id")
    firm = is_firm_user(request.user)
    return render(
        request,
        "space/list.html",
        {
            "rows": selectors.week(request.user, resources, monday),
            "days": [monday + timedelta(days=i) for i in range(7)],
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "staff": is_staff(request.user),
            "decider": is_decider(request.user),
            "firm": firm,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_book(request: AuthedRequest, resource_id: int) -> HttpResponse:
    resource = resource_get_for_user(request.user, resource_id)
    form = BookingForm(request.POST or None, initial={"day": timezone.localdate()})
    status = 200
    context: dict[str, Any] = {"resource": resource, "form": form}
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                booking = services.booking_create(
                    actor=request.user,
                    resource=resource,
                    start=_at(data["day"], data["start"]),
                    end=_at(data["day"], data["end"]),
                    title=data["title"],
                )
            except ValidationError as exc:
                add_errors(form, exc, rename={"start": "start", "end": "end", "resource": ""})
            except services.BookingTaken as taken:
                form.add_error(None, taken.reason)
                status = 409
            else:
                if booking.status == "requested":
                    messages.info(request, _("Booked; the centre will confirm it."))
                else:
                    messages.success(request, _("Booked."))
                return redirect("space:bookings")
    return render(request, "space/book.html", context, status=status)


@login_required
@require_GET
def booking_list(request: AuthedRequest) -> HttpResponse:
    require_space_user(request.user)
    return render(
        request,
        "space/bookings.html",
        {
            "bookings": selectors.my_bookings(request.user)[:200],
            "now": timezone.now(),
            "decider": is_decider(request.user),
        },
    )


@login_required
@require_POST
def booking_cancel(request: AuthedRequest, booking_id: int) -> HttpResponse:
    booking = booking_get_for_user(request.user, booking_id)
    form = VersionForm(request.POST)
    seen = form.cleaned_data["version"] if form.is_valid() else None
    try:
        services.booking_cancel(actor=request.user, booking=booking, seen_version=seen)
    except (ValidationError, EditConflict) as exc:
        text = (
            " ".join(exc.messages)
            if isinstance(exc, ValidationError)
            else _("The booking changed meanwhile; nothing was done. Look again.")
        )
        messages.error(request, text)
        return render(
            request,
            "space/bookings.html",
            {"bookings": selectors.my_bookings(request.user)[:200], "now": timezone.now()},
            status=409 if isinstance(exc, EditConflict) else 422,
        )
    messages.success(request, _("The booking is cancelled; the time is free again."))
    return redirect("space:bookings")


@login_required
@require_GET
def approval_list(request: AuthedRequest) -> HttpResponse:
    require_decider(request.user)
    return render(
        request, "space/approvals.html", {"bookings": selectors.approval_queue(request.user)}
    )


@login_required
@require_POST
def booking_decide(request: AuthedRequest, booking_id: int) -> HttpResponse:
    require_decider(request.user)
    booking = booking_get_for_user(request.user, booking_id)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        status = 422
    else:
        try:
            services.booking_decide(
                actor=request.user,
                booking=booking,
                approve=form.cleaned_data["decision"] == "approve",
                seen_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 422
        except EditConflict:
            messages.error(request, _("The booking changed meanwhile; nothing was done."))
            status = 409
        else:
            messages.success(request, _("Decided."))
            return redirect("space:approvals")
    return render(
        request,
        "space/approvals.html",
        {"bookings": selectors.approval_queue(request.user)},
        status=status,
    )
