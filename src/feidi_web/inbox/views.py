"""The inbox page (newest first, unread marked), marking read, and the navigation badge
(fetched by htmx after the page, so no page pays a query for it)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from feidi_web.common.http import AuthedRequest
from feidi_web.inbox import selectors, services


@login_required
@require_GET
def inbox(request: AuthedRequest) -> HttpResponse:
    page = Paginator(selectors.messages_of(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "inbox/list.html",
        {"page": page, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def read(request: AuthedRequest) -> HttpResponse:
    raw = request.POST.getlist("message")
    # ids as the database can hold them (a 30-digit "id" would overflow SQLite's integer)
    ids = [int(x) for x in raw if x.isdigit() and len(x) <= 18][:500] if raw else None
    services.mark_read(request.user, ids)
    return redirect("inbox:list")


@login_required
@require_GET
def badge(request: AuthedRequest) -> HttpResponse:
    return render(request, "inbox/_badge.html", {"unread": selectors.unread_count(request.user)})
