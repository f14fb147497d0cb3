"""What changes accounts: failed log-ins, trusted devices, passwords, API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from feidi_web.accounts.devices import device_lifetime
from feidi_web.accounts.models import (
    ApiToken,
    LoginFailure,
    TrustedDevice,
    User,
    api_token_expiry,
)
from feidi_web.accounts.throttle import device_trusted, username_key

#: Failed log-ins are kept this long for the admin's list, then deleted.
FAILURE_RETENTION = timedelta(days=30)
#: The longest an API token may be made for.
API_TOKEN_MAX_DAYS = 3650


def login_failure_record(*, username: str, address: str, device: str) -> LoginFailure:
    """Record one failed log-in as ``username`` (as typed) from ``address`` with ``device``
    (the browser's device id, or ""); drop records older than ``FAILURE_RETENTION``."""
    now = timezone.now()
    LoginFailure.objects.filter(attempted_at__lt=now - FAILURE_RETENTION).delete()
    return LoginFailure.objects.create(
        username=username_key(username),
        address=address[:45],
        device=TrustedDevice.digest_of(device) if device else "",
        trusted=device_trusted(username, device),
        attempted_at=now,
    )


def login_failures_clear(*, username: str) -> int:
    """Unlock an account: forget every failed log-in recorded for ``username`` (from any
    address or device). Returns how many were forgotten."""
    deleted, _ = LoginFailure.objects.filter(username=username_key(username)).delete()
    return deleted


def trusted_device_trust(*, user: User, device: str) -> TrustedDevice:
    """``user`` logged in with the browser holding ``device``: trust it for another
    ``FEIDI_TRUSTED_DEVICE_DAYS`` and forget that device's own failed log-ins for the user
    (and the user's devices that have expired)."""
    now = timezone.now()
    digest = TrustedDevice.digest_of(device)
    with transaction.atomic():
        TrustedDevice.objects.filter(user=user, expires_at__lte=now).delete()
        trusted, _ = TrustedDevice.objects.update_or_create(
            user=user,
            digest=digest,
            defaults={"last_login_at": now, "expires_at": now + device_lifetime()},
        )
        LoginFailure.objects.filter(
            username=username_key(user.username), device=digest, trusted=True
        ).delete()
    return trusted


def trusted_devices_revoke(*, user: User, keep_device: str = "") -> int:
    """Stop trusting ``user``'s browsers, except the one holding ``keep_device`` (the
    browser the user is using now). Returns how many were revoked."""
    devices = TrustedDevice.objects.filter(user=user)
    if keep_device:
        devices = devices.exclude(digest=TrustedDevice.digest_of(keep_device))
    deleted, _ = devices.delete()
    return deleted


def user_password_change(*, user: User, password: str, keep_device: str = "") -> int:
    """A user chose a new password (already validated): set it, and revoke their other
    trusted devices. Their other sessions end with the password (Django's session hash);
    API tokens are kept. Returns how many devices were revoked."""
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        return trusted_devices_revoke(user=user, keep_device=keep_device)


def temporary_password() -> str:
    """A random password to hand over once: 16 characters, no look-alikes (0/O, 1/l/I)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def user_password_reset(*, user: User, password: str | None = None) -> str:
    """An administrator sets ``user``'s password (a random one when ``password`` is None):
    the user must change it at the next log-in; all their trusted devices are revoked and
    their failed log-ins cleared. Returns the password set."""
    password = password or temporary_password()
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        trusted_devices_revoke(user=user)
        login_failures_clear(username=user.username)
    return password


def api_token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new API token for ``user``, valid ``days`` (default ``FEIDI_API_TOKEN_DAYS``).
    Returns the token and its key; only the key's digest is stored."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        digest=ApiToken.digest_of(key),
        expires_at=api_token_expiry(days),
    )
    return token, key
