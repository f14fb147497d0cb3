"""简体中文 first: the language is the user's choice (cookie) or Chinese — never the browser's
Accept-Language, which on government desktops is often en-US while their users read Chinese."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response


#: What the databases say when a writer gave up waiting for another's lock.
_BUSY = ("database is locked", "database table is locked", "deadlock detected", "lock timeout")


def is_busy_database(exc: BaseException) -> bool:
    """A write that waited for another's lock and gave up: worth a retry, not a 500."""
    from django.db import OperationalError

    return isinstance(exc, OperationalError) and any(s in str(exc).lower() for s in _BUSY)


def busy_response(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import render

    response = render(request, "busy.html", status=503)
    response["Retry-After"] = "5"
    return response


class BusyDatabaseMiddleware:
    """Concurrent writes wait for each other (SQLite: up to 30 s, IMMEDIATE transactions);
    one that still cannot get the lock is answered 503 "busy, try again", never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        return busy_response(request) if is_busy_database(exc) else None


class RejectNulMiddleware:
    """A NUL character in the path or query string is never meaningful, and PostgreSQL
    cannot even compare text with one: answer 400 at the door instead of failing in a query.
    (Form fields already refuse it: Django's CharField has ProhibitNullCharactersValidator.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.template.loader import render_to_string

            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "NUL characters are not allowed."}, status=400)
            # the site's 400 page, as handler400 renders it: without the request
            return HttpResponseBadRequest(render_to_string("400.html"))
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Pages and API answers for a logged-in user carry firm data: no shared cache (a proxy,
    a CDN) may keep them, and the browser may not keep them on disk once the user leaves.
    Static files are not affected (WhiteNoise answers them before this runs)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = (user is not None and user.is_authenticated) or "Authorization" in (
            request.headers
        )
        if personal:
            response["Cache-Control"] = "private, no-store"
        return response
