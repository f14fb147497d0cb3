"""The log-in signals the throttle listens to (connected in ``apps.Config.ready``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from feidi_web.accounts.devices import device_id, issue_device_cookie
from feidi_web.accounts.models import TrustedDevice, User
from feidi_web.accounts.network import client_address
from feidi_web.accounts.services import login_failure_record, trusted_device_trust
from feidi_web.accounts.throttle import LOGIN_REFUSAL_ATTR


@receiver(user_login_failed, dispatch_uid="feidi_accounts_count_failure")
def count_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Record a failed log-in — unless the throttle refused it (a refusal is not a guess)."""
    if request is None or getattr(request, LOGIN_REFUSAL_ATTR, None) is not None:
        return
    login_failure_record(
        username=str(credentials.get(User.USERNAME_FIELD) or ""),
        address=client_address(request),
        device=device_id(request),
    )


@receiver(user_logged_in, dispatch_uid="feidi_accounts_trust_device")
def trust_device(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """A browser that logged in becomes (or stays) a trusted device of the user."""
    if request is None:
        return
    device = device_id(request) or TrustedDevice.new_id()
    if issue_device_cookie(request, device):
        trusted_device_trust(user=user, device=device)
