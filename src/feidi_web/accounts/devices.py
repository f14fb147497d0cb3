"""Trusted devices (OWASP "device cookies"): a browser that has logged in as a user.

After a successful log-in the browser gets a random device id in a signed, HttpOnly,
SameSite=Lax cookie (``FEIDI_TRUSTED_DEVICE_DAYS``, 180 days), and the server records the id's
digest as a trusted device of that user (``services.trusted_device_trust``). One browser keeps
one id, trusted separately for each user that logged in on it. Changing or resetting a
password revokes the user's trusted devices (``services.trusted_devices_revoke``); the cookie
then means nothing for that user.

``middleware.DeviceCookieMiddleware`` sends the cookie (``issue_device_cookie``).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest

COOKIE_NAME = "feidi_device"
COOKIE_SALT = "feidi_web.accounts.device"

#: What this module and ``middleware.DeviceCookieMiddleware`` leave on a request, by name
#: (``HttpRequest`` declares no such attributes): the browser's device id, the id the
#: middleware is to send, and that the request passed through the middleware.
DEVICE_ID_ATTR = "_feidi_device_id"
DEVICE_ISSUE_ATTR = "_feidi_device_issue"
THROUGH_MIDDLEWARE_ATTR = "_feidi_device_middleware"


def device_lifetime() -> timedelta:
    return timedelta(days=settings.FEIDI_TRUSTED_DEVICE_DAYS)


def device_id(request: HttpRequest) -> str:
    """The browser's device id from its signed cookie; "" when absent, forged or too old."""
    device: str | None = getattr(request, DEVICE_ID_ATTR, None)  # read once per request
    if device is None:
        device = (
            request.get_signed_cookie(
                COOKIE_NAME, default="", salt=COOKIE_SALT, max_age=device_lifetime()
            )
            or ""  # never None with this default; Django's stubs allow it
        )
        setattr(request, DEVICE_ID_ATTR, device)
    return device


def issue_device_cookie(request: HttpRequest, device: str) -> bool:
    """Ask the middleware to (re)send ``device`` as this browser's cookie. False when the
    request did not pass through the middleware (e.g. ``Client.force_login`` in tests):
    there is no response to carry the cookie, so nothing should be trusted."""
    if not getattr(request, THROUGH_MIDDLEWARE_ATTR, False):
        return False
    setattr(request, DEVICE_ISSUE_ATTR, device)
    setattr(request, DEVICE_ID_ATTR, device)
    return True
