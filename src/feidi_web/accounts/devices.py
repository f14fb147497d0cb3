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


def device_lifetime() -> timedelta:
    return timedelta(days=settings.FEIDI_TRUSTED_DEVICE_DAYS)


def device_id(request: HttpRequest) -> str:
    """The browser's device id from its signed cookie; "" when absent, forged or too old."""
    if not hasattr(request, "_feidi_device_id"):
        request._feidi_device_id = request.get_signed_cookie(
            COOKIE_NAME,
            default="",
            salt=COOKIE_SALT,
            max_age=device_lifetime().total_seconds(),
        )
    return request._feidi_device_id


def issue_device_cookie(request: HttpRequest, device: str) -> bool:
    """Ask the middleware to (re)send ``device`` as this browser's cookie. False when the
    request did not pass through the middleware (e.g. ``Client.force_login`` in tests):
    there is no response to carry the cookie, so nothing should be trusted."""
    if not getattr(request, "_feidi_device_middleware", False):
        return False
    request._feidi_device_issue = device
    request._feidi_device_id = device
    return True
