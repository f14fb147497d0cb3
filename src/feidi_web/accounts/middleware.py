"""Two middlewares of the accounts app (after ``AuthenticationMiddleware``):

* ``DeviceCookieMiddleware`` sends the trusted-device cookie after a log-in
  (``accounts.devices``) and answers a log-in the throttle refused with 429, on both log-in
  pages;
* ``PasswordChangeRequiredMiddleware`` sends a user whose password an administrator set to
  the password change page until they choose their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from feidi_web.accounts.devices import (
    COOKIE_NAME,
    COOKIE_SALT,
    DEVICE_ISSUE_ATTR,
    THROUGH_MIDDLEWARE_ATTR,
    device_lifetime,
)
from feidi_web.accounts.throttle import LOGIN_REFUSAL_ATTR


class DeviceCookieMiddleware:
    """Sends the device cookie after a log-in; answers a refused log-in with 429."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        setattr(request, THROUGH_MIDDLEWARE_ATTR, True)
        response = self.get_response(request)
        device = getattr(request, DEVICE_ISSUE_ATTR, None)
        if device:
            response.set_signed_cookie(
                COOKIE_NAME,
                device,
                salt=COOKIE_SALT,
                max_age=int(device_lifetime().total_seconds()),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        if getattr(request, LOGIN_REFUSAL_ATTR, None) is not None and response.status_code == 200:
            response.status_code = 429  # the log-in page, showing why: Too Many Requests
        return response


class PasswordChangeRequiredMiddleware:
    """A user with ``must_change_password`` reaches only the password change page (and
    log-out, the language switch); everything else redirects there. The API is left alone:
    a token is not the temporary password."""

    #: the views such a user may still reach
    ALLOWED = frozenset(
        {
            "accounts:password_change",
            "accounts:password_change_done",
            "accounts:logout",
            "admin:logout",
            "set_language",
            "javascript-catalog",
        }
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return None
        match = request.resolver_match
        if match is None or match.view_name in self.ALLOWED or match.namespace == "api":
            return None
        return redirect("accounts:password_change")
