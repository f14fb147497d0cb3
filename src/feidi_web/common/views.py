from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from feidi_web.accounts.models import Role
from feidi_web.common.http import AuthedRequest


@login_required
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    """Each role lands where its work is."""
    if request.user.role == Role.ENTERPRISE:
        return redirect("portal:home")
    return redirect("dashboards:cockpit")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For operators and load balancers: the process answers and the database responds."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # report, do not raise: a health check must always answer
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on their own: send them to the SVG the pages link (not
    a permanent redirect: browsers would keep it even if the static address changed)."""
    return redirect(static("feidi/favicon.svg"))


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: the site's page, rendered without the request — a malformed request
    (a bad Host header, a broken body or cookie) must not be asked for its user or session."""
    return HttpResponseBadRequest(render_to_string("400.html"))
