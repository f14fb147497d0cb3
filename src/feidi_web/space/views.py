"""Space pages: the resources with a week of their bookings, booking one, one's bookings
(with cancel) and the enclave operator's approval queue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feidi_web.accounts.scope import is_firm_user
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.forms import add_errors
from feidi_web.common.http import AuthedRequest
from feidi_web.space import selectors, services
from feidi_web.space.forms import (
    BookingForm,
    DecideForm,
    EndForm,
    MembershipForm,
    RenewForm,
    ResourceForm,
    SeriesForm,
    VersionForm,
    VisitForm,
)
from feidi_web.space.permissions import (
    booking_get_for_user,
    is_decider,
    is_manager,
    is_staff,
    membership_get_for_user,
    require_decider,
    require_manager,
    require_space_user,
    require_staff,
    resource_edit_get_for_user,
    resource_get_for_user,
    resources_for_user,
    staff_booking_get_for_user,
    visit_get_for_user,
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
            "manager": is_manager(request.user),
            "membership": selectors.firm_membership(request.user),
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
            "staff": is_staff(request.user),
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


# === operations: resources edited, series, the front desk, members, visitors ================


def _ops_context(request: AuthedRequest, tab: str) -> dict[str, Any]:
    return {
        "tab": tab,
        "staff": True,
        "manager": is_manager(request.user),
        "decider": is_decider(request.user),
    }


@login_required
@require_http_methods(["GET", "POST"])
def resource_new(request: AuthedRequest) -> HttpResponse:
    require_manager(request.user)
    admin = request.user.role == "admin"
    form = ResourceForm(
        request.POST or None,
        admin=admin,
        initial={"open_days": list("12345"), "opens": "09:00", "closes": "18:00"},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                made = services.resource_create(
                    actor=request.user,
                    values=form.values(),
                    jurisdiction_code=form.cleaned_data.get("jurisdiction_code", ""),
                )
            except ValidationError as exc:
                add_errors(form, exc, rename=_RESOURCE_RENAME)
            else:
                messages.success(request, _("%(name)s added.") % {"name": made.name})
                return redirect("space:list")
    return render(
        request,
        "space/resource_form.html",
        {**_ops_context(request, "week"), "form": form, "resource": None},
        status=status,
    )


#: The service's field names as the resource form names them.
_RESOURCE_RENAME = {"opens_minute": "opens", "closes_minute": "closes"}


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request: AuthedRequest, resource_id: int) -> HttpResponse:
    resource = resource_edit_get_for_user(request.user, resource_id)
    conflict = None
    if request.method == "POST":
        form = ResourceForm(request.POST)
        if form.is_valid():
            seen = form.cleaned_data.get("version")
            try:
                services.resource_update(
                    actor=request.user,
                    resource=resource,
                    values=form.values(),
                    seen_version=seen if seen is not None else 0,
                )
            except EditConflict as exc:
                conflict = {"by": exc.changed_by, "at": exc.changed_at}
                # the editor's values stay; the version moves on, so saving again overwrites
                data = request.POST.copy()
                data["version"] = str(exc.current_version)
                form = ResourceForm(data)
                form.is_valid()
            except ValidationError as exc:
                add_errors(form, exc, rename=_RESOURCE_RENAME)
            else:
                messages.success(request, _("Saved."))
                return redirect("space:list")
        status = 409 if conflict else 422
    else:
        form = ResourceForm(initial=ResourceForm.initial_of(resource))
        status = 200
    return render(
        request,
        "space/resource_form.html",
        {**_ops_context(request, "week"), "form": form, "resource": resource, "conflict": conflict},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_book_series(request: AuthedRequest, resource_id: int) -> HttpResponse:
    resource = resource_get_for_user(request.user, resource_id)
    form = SeriesForm(
        request.POST or None,
        initial={"first_day": timezone.localdate(), "frequency": "weekly", "count": 4},
    )
    clashes: list[services.Clash] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            start = _at(data["first_day"], data["start"])
            try:
                made = services.booking_create_series(
                    actor=request.user,
                    resource=resource,
                    start=start,
                    end=_at(data["first_day"], data["end"]),
                    rule=form.rule(),
                    exdates=[_at(d, data["start"]) for d in data["exceptions"]],
                    title=data["title"],
                )
            except ValidationError as exc:
                add_errors(form, exc, rename={"rule": "until", "resource": ""})
            except services.SeriesClash as clash:
                clashes = clash.clashes
                form.add_error(
                    None,
                    _("%(n)d of the occurrences cannot be had; nothing was booked.")
                    % {"n": len(clashes)},
                )
                status = 409
            else:
                if not made:
                    form.add_error("until", _("These rules give no occurrence at all."))
                else:
                    messages.success(request, _("Booked %(n)d occurrences.") % {"n": len(made)})
                    return redirect("space:bookings")
    return render(
        request,
        "space/book_series.html",
        {"resource": resource, "form": form, "clashes": clashes},
        status=status,
    )


def _day_asked(request: AuthedRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


def _today_page(request: AuthedRequest, status: int = 200) -> HttpResponse:
    day = _day_asked(request)
    now = timezone.now()
    return render(
        request,
        "space/today.html",
        {
            **_ops_context(request, "today"),
            "rows": selectors.front_desk(request.user, day, now),
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
        },
        status=status,
    )


@login_required
@require_GET
def front_desk(request: AuthedRequest) -> HttpResponse:
    require_staff(request.user)
    return _today_page(request)


@login_required
@require_POST
def booking_check_in(request: AuthedRequest, booking_id: int) -> HttpResponse:
    booking = staff_booking_get_for_user(request.user, booking_id)
    form = VersionForm(request.POST)
    seen = form.cleaned_data["version"] if form.is_valid() else None
    try:
        done = services.booking_check_in(request.user, booking, seen_version=seen)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _today_page(request, 422)
    except EditConflict:
        messages.error(request, _("The booking changed meanwhile; nothing was done. Look again."))
        return _today_page(request, 409)
    messages.success(
        request,
        _("%(who)s checked in for %(resource)s.")
        % {
            "who": done.party.name if done.party else done.booked_by.display_name,
            "resource": done.resource.name,
        },
    )
    return redirect("space:today")


@login_required
@require_POST
def booking_lead(request: AuthedRequest, booking_id: int) -> HttpResponse:
    booking = staff_booking_get_for_user(request.user, booking_id)
    try:
        project = services.booking_file_lead(actor=request.user, booking=booking)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _today_page(request, 422)
    messages.success(request, _("Filed as a lead: %(name)s.") % {"name": project.name})
    return redirect("space:today")


def _members_page(
    request: AuthedRequest, form: MembershipForm | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    lists = selectors.member_lists(request.user, today)
    manager = is_manager(request.user)
    if form is None and manager:
        form = _membership_form(request, None)
    return render(
        request,
        "space/members.html",
        {
            **_ops_context(request, "members"),
            "lists": lists,
            "form": form,
            "today": today,
        },
        status=status,
    )


def _membership_form(request: AuthedRequest, data: Any) -> MembershipForm:
    resources = [(r.pk, r.name) for r in selectors.assignable_resources(request.user)]
    today = timezone.localdate()
    return MembershipForm(
        data,
        resources=resources,
        initial={"starts_on": today, "ends_on": today + timedelta(days=364)},
    )


@login_required
@require_GET
def member_list(request: AuthedRequest) -> HttpResponse:
    require_staff(request.user)
    return _members_page(request)


@login_required
@require_POST
def member_new(request: AuthedRequest) -> HttpResponse:
    require_manager(request.user)
    form = _membership_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        party = services.party_for_centre(request.user, data["party_name"])
        resource = None
        if data["resource"] is not None:
            resource = (
                selectors.assignable_resources(request.user).filter(pk=data["resource"]).first()
            )
        try:
            if party is None:
                raise ValidationError(
                    {"party": [_("No firm of your part of the registry has this name.")]}
                )
            services.membership_create(
                actor=request.user,
                party=party,
                kind=data["kind"],
                resource=resource,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                monthly_fee=data["monthly_fee"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_errors(form, exc, rename={"party": "party_name"})
        else:
            messages.success(request, _("%(name)s is a resident now.") % {"name": party.name})
            return redirect("space:members")
    return _members_page(request, form, 422)


@login_required
@require_POST
def member_renew(request: AuthedRequest, membership_id: int) -> HttpResponse:
    membership = membership_get_for_user(request.user, membership_id)
    require_manager(request.user)
    form = RenewForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(str(m) for errors in form.errors.values() for m in errors),
        )
        return _members_page(request, status=422)
    try:
        made = services.membership_renew(
            actor=request.user,
            membership=membership,
            ends_on=form.cleaned_data["ends_on"],
            monthly_fee=form.cleaned_data["monthly_fee"],
            seen_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _members_page(request, status=422)
    except EditConflict:
        messages.error(
            request, _("The membership changed meanwhile; nothing was done. Look again.")
        )
        return _members_page(request, status=409)
    messages.success(
        request,
        _("%(name)s renewed until %(day)s.")
        % {"name": membership.party.name, "day": made.ends_on.isoformat()},
    )
    return redirect("space:members")


@login_required
@require_POST
def member_end(request: AuthedRequest, membership_id: int) -> HttpResponse:
    membership = membership_get_for_user(request.user, membership_id)
    require_manager(request.user)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose end early or cancel."))
        return _members_page(request, status=422)
    cancel = form.cleaned_data["action"] == "cancel"
    try:
        services.membership_end(
            actor=request.user,
            membership=membership,
            seen_version=form.cleaned_data["version"],
            cancel=cancel,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _members_page(request, status=422)
    except EditConflict:
        messages.error(
            request, _("The membership changed meanwhile; nothing was done. Look again.")
        )
        return _members_page(request, status=409)
    messages.success(
        request,
        (_("%(name)s's membership is cancelled.") if cancel else _("%(name)s's membership ended."))
        % {"name": membership.party.name},
    )
    return redirect("space:members")


def _visit_form(request: AuthedRequest, data: Any) -> VisitForm:
    return VisitForm(
        data,
        hosts=selectors.host_choices(request.user),
        admin=request.user.role == "admin",
    )


def _visitors_page(
    request: AuthedRequest, form: VisitForm | None = None, status: int = 200
) -> HttpResponse:
    day = _day_asked(request)
    return render(
        request,
        "space/visitors.html",
        {
            **_ops_context(request, "visitors"),
            "form": form or _visit_form(request, None),
            "visits": selectors.visits_on(request.user, day),
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "lead_purposes": sorted(services.LEAD_PURPOSES),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def visitor_list(request: AuthedRequest) -> HttpResponse:
    require_staff(request.user)
    if request.method == "GET":
        return _visitors_page(request)
    form = _visit_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            host_user, host_party = (
                services.host_for(request.user, data["host"]) if data["host"] else (None, None)
            )
            arrived = data["arrived_at"]
            services.visit_create(
                actor=request.user,
                visitor_name=data["visitor_name"],
                organisation=data["organisation"],
                host_user=host_user,
                host_party=host_party,
                purpose=data["purpose"],
                arrived_at=arrived,
                note=data["note"],
                jurisdiction_code=data.get("jurisdiction_code", ""),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s logged.") % {"name": data["visitor_name"]})
            return redirect("space:visitors")
    return _visitors_page(request, form, 422)


@login_required
@require_POST
def visit_left(request: AuthedRequest, visit_id: int) -> HttpResponse:
    visit = visit_get_for_user(request.user, visit_id)
    try:
        services.visit_leave(actor=request.user, visit=visit)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _visitors_page(request, status=422)
    messages.success(request, _("%(name)s has left.") % {"name": visit.visitor_name})
    return redirect("space:visitors")


@login_required
@require_POST
def visit_lead(request: AuthedRequest, visit_id: int) -> HttpResponse:
    visit = visit_get_for_user(request.user, visit_id)
    try:
        project = services.visit_file_lead(actor=request.user, visit=visit)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _visitors_page(request, status=422)
    messages.success(request, _("Filed as a lead: %(name)s.") % {"name": project.name})
    return redirect("space:visitors")


# === end of operations ======================================================================


# --- calendar feeds and utilisation (space.feeds, space.usage, space.exports) ---------------


def _feed_response(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_GET
def feed_mine(request: HttpRequest, key: str) -> HttpResponse:
    """A person's bookings as iCalendar; the key in the address stands for them (no log-in)."""
    from feidi_web.space import feeds

    owner = feeds.feed_owner(key)
    return _feed_response(
        feeds.mine_feed(owner, division=request.GET.get("all") == "1"), "mine.ics"
    )


@require_GET
def feed_resource(request: HttpRequest, key: str, resource_id: int) -> HttpResponse:
    from feidi_web.space import feeds

    owner = feeds.feed_owner(key)
    return _feed_response(feeds.resource_feed(owner, resource_id), f"resource-{resource_id}.ics")


@login_required
@require_http_methods(["GET", "POST"])
def calendar_keys(request: AuthedRequest) -> HttpResponse:
    """The person's calendar-feed addresses: made or renewed here (shown once), or stopped."""
    from feidi_web.space import feeds
    from feidi_web.space.models import FeedKey

    require_space_user(request.user)
    key = ""
    if request.method == "POST":
        if request.POST.get("action") == "stop":
            feeds.feed_key_revoke(request.user)
            messages.success(request, _("Your calendar addresses no longer work."))
            return redirect("space:calendar")
        key = feeds.feed_key_renew(request.user)
    current = FeedKey.objects.filter(user=request.user).first()
    base = request.build_absolute_uri("/")[:-1]
    resources = resources_for_user(request.user).filter(active=True).order_by("kind", "name", "id")
    return render(
        request,
        "space/calendar.html",
        {
            "tab": "calendar",
            "current": current,
            "key": key,
            "mine_url": f"{base}/space/feed/{key}/mine.ics" if key else "",
            "resource_urls": [
                (r, f"{base}/space/feed/{key}/resources/{r.pk}.ics") for r in resources
            ]
            if key
            else [],
            "staff": is_staff(request.user),
            "decider": is_decider(request.user),
        },
    )


def _usage_range(request: AuthedRequest) -> tuple[Any, Any]:
    from feidi_web.space import usage

    usage.require_usage_reader(request.user)
    form = usage.RangeForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None
    since, until = usage.default_range(timezone.localdate())
    if request.GET:
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    else:
        form = usage.RangeForm(initial={"since": since, "until": until})
    return form, usage.usage_for(request.user, since, until)


@login_required
@require_GET
def usage_page(request: AuthedRequest) -> HttpResponse:
    from feidi_web.space import usage as figures

    form, found = _usage_range(request)
    context: dict[str, Any] = {"form": form, "u": found, "tab": "usage", "staff": True}
    context["decider"] = is_decider(request.user)
    if found is None:
        return render(request, "space/usage.html", context, status=422)
    context["chart"] = figures.heatmap_payload(found)
    context["query"] = f"since={found.since:%Y-%m-%d}&until={found.until:%Y-%m-%d}"
    return render(request, "space/usage.html", context)


def _range_refused(form: Any) -> HttpResponse:
    text = "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}"
        for f, e in form.errors.items()
    )
    return HttpResponse(text, status=422, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def usage_xlsx(request: AuthedRequest) -> HttpResponse:
    from feidi_web.space.exports import usage_xlsx as write

    form, found = _usage_range(request)
    if found is None:
        return _range_refused(form)
    response = HttpResponse(
        write(found),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="space-usage-{found.since:%Y%m%d}-{found.until:%Y%m%d}.xlsx"'
    )
    return response


@login_required
@require_GET
def usage_pdf(request: AuthedRequest) -> HttpResponse:
    from feidi_web.space.exports import usage_pdf as write

    form, found = _usage_range(request)
    if found is None:
        return _range_refused(form)
    response = HttpResponse(write(found), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="space-usage-{found.since:%Y%m%d}-{found.until:%Y%m%d}.pdf"'
    )
    return response
