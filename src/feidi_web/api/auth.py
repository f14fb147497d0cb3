"""Who is calling: a bearer token (``Authorization: Bearer fd_…``) or a logged-in session.

Tokens are looked up by their SHA-256 (``ApiToken.digest_of``); the key itself is never
stored. A token stops working when it expires, when its user is inactive, and while its
account is locked by the log-in throttle's per-account rule (``accounts.throttle``): each is
answered 401 with a detail saying which. A session caller must send Django's CSRF token on unsafe methods, exactly as
ninja's ``django_auth`` does — but only once the session is known to be logged in, so an
anonymous or wrongly-authenticated request is answered 401, never a misleading 403.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from feidi_web.accounts.models import ApiToken
from feidi_web.accounts.throttle import account_refusal


class TokenRefused(AuthenticationError):
    """A known token that may not be used now; ``detail`` says why (answered 401)."""

    def __init__(self, detail: str) -> None:
        super().__init__(message=detail)
        self.detail = detail


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer fd_…`` — a key made by ``python -m feidi_web api_token``.

    A presented but unknown, expired or locked-out key (or one whose user is inactive) is
    refused outright with 401 rather than falling back to the session.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(token)).first()
        )
        if found is None:
            raise AuthenticationError
        now = timezone.now()
        if found.expires_at <= now:
            raise TokenRefused(
                f"This API token expired at {timezone.localtime(found.expires_at).isoformat(timespec='seconds')}; "
                "ask an administrator for a new one."
            )
        if not found.user.is_active:
            raise TokenRefused("This API token's account is inactive.")
        refusal = account_refusal(found.user.username)
        if refusal is not None:
            raise TokenRefused(
                "This API token's account is locked after too many failed log-ins, until "
                f"{timezone.localtime(refusal.until).isoformat(timespec='seconds')}; "
                "an administrator can unlock it."
            )
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """The browser session of a logged-in user, with Django's CSRF check on unsafe methods."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # not ours to answer: the request ends as 401
        return super().__call__(request)  # runs the CSRF check (403 on failure)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


api_token_auth = ApiTokenAuth()
session_auth = SessionAuth()
