"""The log-in throttle: failed log-ins counted per account as well as per address, without
letting an attacker lock a user out of a browser they already use.

Every failed log-in is recorded (``LoginFailure``: the username as typed and normalised, the
client address, the device, the time). Within the window (``FEIDI_LOGIN_COOLOFF_MINUTES``,
15 minutes) a log-in is refused — before its password is checked, and without counting as
another failure — when:

* from a **trusted device** of that user (``accounts.devices``): that device's own failures
  for the account reach ``FEIDI_LOGIN_FAILURE_LIMIT`` (5). Nothing anyone else does counts;
* from **any other client**: the account's failures from untrusted clients at this address
  reach ``FEIDI_LOGIN_FAILURE_LIMIT`` (5), or the account's failures from untrusted clients
  at all addresses reach ``FEIDI_LOGIN_ACCOUNT_LIMIT`` (20).

A refusal lasts until enough failures have left the window (a sliding window: the time is
shown). A successful log-in clears that device's own failures; an administrator clears an
account's failures with the admin action or ``python -m feidi_web unlock_login <username>``.

Both log-in pages go through ``ThrottleBackend`` (first in ``AUTHENTICATION_BACKENDS``:
it raises ``PermissionDenied``, so no later backend checks the password) and their forms use
``ThrottledLoginFormMixin`` to say why in the user's language instead of "wrong password".
The API refuses a token of an account locked by the per-account rule (``account_refusal``).

Check and record are not one transaction: a burst of parallel guesses can pass the limit by
about as many requests as run at once, no more.

Why not django-axes: it keys failures by username, address and user agent only (no device),
sums each parameter set and compares the largest sum with one limit, so it cannot say "5 per
address *or* 20 per account", nor exempt a browser the user has logged in with while still
capping that browser's own guesses.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from feidi_web.accounts.devices import device_id
from feidi_web.accounts.models import LoginFailure, TrustedDevice
from feidi_web.accounts.network import client_address

Reason = Literal["device", "address", "account"]

#: The request attribute a refused log-in leaves (a ``Refusal``; ``HttpRequest`` declares none).
LOGIN_REFUSAL_ATTR = "login_refusal"


def username_key(username: str) -> str:
    """How a typed username is counted: NFKC, trimmed, case-folded, so "Admin " and
    "admin" share one count.

    >>> username_key(" Ａｄｍｉｎ ")
    'admin'
    """
    return unicodedata.normalize("NFKC", username).strip().casefold()[:150]


def window() -> timedelta:
    return timedelta(minutes=settings.FEIDI_LOGIN_COOLOFF_MINUTES)


@dataclass(frozen=True)
class Refusal:
    """Why a log-in is refused, and until when."""

    reason: Reason
    until: datetime

    @property
    def until_text(self) -> str:
        """The minute after which a new attempt may succeed, local time (HH:MM)."""
        rounded = self.until.replace(second=0, microsecond=0)
        if rounded < self.until:
            rounded += timedelta(minutes=1)
        return date_format(timezone.localtime(rounded), "H:i")

    @property
    def message(self) -> str:
        time = self.until_text
        if self.reason == "device":
            return gettext(
                "Too many failed log-ins for this account from this browser. Try again after "
                "%(time)s. An administrator can unlock the account sooner."
            ) % {"time": time}
        if self.reason == "address":
            return gettext(
                "Too many failed log-ins for this account from your network address. Try again "
                "after %(time)s, or from a browser you have logged in with before. An "
                "administrator can unlock the account sooner."
            ) % {"time": time}
        return gettext(
            "Too many failed log-ins for this account. Try again after %(time)s, or from a "
            "browser you have logged in with before. An administrator can unlock the account "
            "sooner."
        ) % {"time": time}


def device_trusted(username: str, device: str) -> bool:
    """Whether ``device`` (an id from the cookie) is a trusted device of the active user
    named exactly ``username``."""
    if not device:
        return False
    return TrustedDevice.objects.filter(
        user__username=username,
        user__is_active=True,
        digest=TrustedDevice.digest_of(device),
        expires_at__gt=timezone.now(),
    ).exists()


def _over(failures: QuerySet[LoginFailure], limit: int, reason: Reason) -> Refusal | None:
    """A refusal when ``failures`` (already within the window) reach ``limit``: until the
    ``limit``-th newest leaves the window."""
    times = list(
        failures.order_by("-attempted_at").values_list("attempted_at", flat=True)[: max(limit, 1)]
    )
    if len(times) < max(limit, 1):
        return None
    return Refusal(reason, times[-1] + window())


def _recent(username: str) -> QuerySet[LoginFailure]:
    return LoginFailure.objects.filter(
        username=username_key(username), attempted_at__gt=timezone.now() - window()
    )


def refusal_for(*, username: str, address: str, device: str) -> Refusal | None:
    """Whether a log-in as ``username`` from ``address`` with ``device`` (the cookie's id,
    or "") is refused now, and why (see the module docstring)."""
    recent = _recent(username)
    if device_trusted(username, device):
        return _over(
            recent.filter(trusted=True, device=TrustedDevice.digest_of(device)),
            settings.FEIDI_LOGIN_FAILURE_LIMIT,
            "device",
        )
    refusals = [
        r
        for r in (
            _over(
                recent.filter(trusted=False, address=address),
                settings.FEIDI_LOGIN_FAILURE_LIMIT,
                "address",
            ),
            _over(recent.filter(trusted=False), settings.FEIDI_LOGIN_ACCOUNT_LIMIT, "account"),
        )
        if r is not None
    ]
    return max(refusals, key=lambda r: r.until, default=None)


def account_refusal(username: str) -> Refusal | None:
    """The per-account rule alone: too many failures from untrusted clients, all addresses."""
    return _over(
        _recent(username).filter(trusted=False), settings.FEIDI_LOGIN_ACCOUNT_LIMIT, "account"
    )


def refusal_for_request(request: HttpRequest, username: str) -> Refusal | None:
    return refusal_for(
        username=username, address=client_address(request), device=device_id(request)
    )


class ThrottleBackend:
    """First in ``AUTHENTICATION_BACKENDS``: a refused log-in stops here (``PermissionDenied``),
    so no password is checked; the refusal is left on the request for the form and the 429.

    It authenticates nobody and has no ``get_user``, so sessions (and ``force_login``) name
    the next backend."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None or username is None:
            return None
        refusal = refusal_for_request(request, username)
        if refusal is not None:
            setattr(request, LOGIN_REFUSAL_ATTR, refusal)
            raise PermissionDenied
        return None

    async def aauthenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        return await sync_to_async(self.authenticate)(request, **credentials)


class ThrottledLoginFormMixin:
    """For an ``AuthenticationForm``: a refused log-in says why and until when, not "wrong
    password". ``refusal`` is set when it was refused."""

    refusal: Refusal | None = None

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()  # type: ignore[misc]
        except ValidationError:
            refusal = getattr(self.request, LOGIN_REFUSAL_ATTR, None)  # type: ignore[attr-defined]
            if refusal is None:
                raise
            self.refusal = refusal
            raise ValidationError(refusal.message, code="throttled") from None
