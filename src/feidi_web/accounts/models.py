"""People who log in, what they are, and where they may look."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    COUNTY_STAFF = "county_staff", _("County staff")
    ENCLAVE_OPERATOR = "enclave_operator", _("Enclave operator")
    ENTERPRISE = "enterprise", _("Enterprise user")
    #: 招商专员: works the investment project pipeline of their division.
    INVESTMENT_OFFICER = "investment_officer", _("Investment-promotion officer")


#: Government-side roles: they work on the registry, the pool and the cockpit.
GOVERNMENT_ROLES = frozenset(
    {Role.ADMIN, Role.COUNTY_STAFF, Role.ENCLAVE_OPERATOR, Role.INVESTMENT_OFFICER}
)
#: Roles that change the registry: imports, figure edits, evaluations.
EDITOR_ROLES = frozenset({Role.ADMIN, Role.COUNTY_STAFF})
#: Roles that register a party by hand (a prospect, start-up, lab or investor, or a firm); an
#: enclave operator registers the enclave's own (start-ups and teams in the centre).
PARTY_REGISTRAR_ROLES = EDITOR_ROLES | {Role.INVESTMENT_OFFICER, Role.ENCLAVE_OPERATOR}
#: Roles that work the investment project pipeline (each in its scope).
PIPELINE_ROLES = frozenset(
    {Role.ADMIN, Role.COUNTY_STAFF, Role.INVESTMENT_OFFICER, Role.ENCLAVE_OPERATOR}
)
#: Roles whose scope is a division (``division_code``).
DIVISION_ROLES = frozenset({Role.COUNTY_STAFF, Role.ENCLAVE_OPERATOR, Role.INVESTMENT_OFFICER})


class User(AbstractUser):
    """A login. ``division_code`` scopes staff and operators; ``enterprise`` scopes firms.

    County staff see enterprises whose jurisdiction lies in their division; enclave operators
    the enclave firms of their division; an enterprise user only their own firm.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    division_code = models.CharField(
        _("division code"),
        max_length=6,
        blank=True,
        help_text=_("Six-digit division code: the jurisdiction of staff and operators"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="users",
    )
    #: The language the person last chose (the navigation's buttons): what messages sent to
    #: them — reminders, digests, decisions — are written in. Empty: the site's default.
    language = models.CharField(_("language"), max_length=10, blank=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_(
            "Set when an administrator set the password: the user chooses their own at the next log-in."
        ),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="user_role_valid",
                condition=Q(role__in=[r.value for r in Role]),
            ),
            # An enterprise user belongs to exactly one firm; nobody else is tied to one.
            models.CheckConstraint(
                name="user_enterprise_iff_enterprise_role",
                condition=(Q(role=Role.ENTERPRISE) & Q(enterprise__isnull=False))
                | (~Q(role=Role.ENTERPRISE) & Q(enterprise__isnull=True)),
            ),
            models.CheckConstraint(
                name="user_staff_has_division",
                condition=~Q(role__in=sorted(DIVISION_ROLES))
                | Q(division_code__regex=r"^[0-9]{6}$"),
            ),
        ]

    @property
    def is_county_staff(self) -> bool:
        return self.role == Role.COUNTY_STAFF

    @property
    def is_platform_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_enterprise_user(self) -> bool:
        return self.role == Role.ENTERPRISE

    @property
    def is_staff_role(self) -> bool:
        """Government-side roles that work on the registry (not an enterprise)."""
        return self.role in GOVERNMENT_ROLES

    @property
    def is_registry_editor(self) -> bool:
        """May import, change figures and start evaluations."""
        return self.role in EDITOR_ROLES

    @property
    def is_party_registrar(self) -> bool:
        """May register a party by hand (and add its credit code later)."""
        return self.role in PARTY_REGISTRAR_ROLES

    @property
    def display_name(self) -> str:
        """How pages name this person: their name, else their user name."""
        return self.get_full_name() or self.get_username()

    @property
    def reading_language(self) -> str:
        """The language messages to this person are written in: their last choice, else the
        site's default (never the sender's)."""
        codes = {code for code, _name in settings.LANGUAGES}
        return self.language if self.language in codes else settings.LANGUAGE_CODE


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_expiry(days: int | None = None) -> datetime:
    """When a token made now expires: ``FEIDI_API_TOKEN_DAYS`` (90) days unless told."""
    return timezone.now() + timedelta(days=days or settings.FEIDI_API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored; it stops working at
    ``expires_at``."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), default=api_token_expiry)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user.username}: {self.name}"

    @staticmethod
    def new_key() -> str:
        return "fd_" + secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(key: str) -> str:
        return _digest(key)


class TrustedDevice(models.Model):
    """A browser that has logged in as ``user``: it carries the device id in a signed cookie
    (``accounts.devices``); only the id's SHA-256 is stored. Failed log-ins from a trusted
    device count against that device alone (``accounts.throttle``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trusted_devices")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "digest"], name="trusted_device_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user.username}: {self.digest[:8]}"

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(device_id: str) -> str:
        return _digest(device_id)


class LoginFailure(models.Model):
    """One failed log-in: the username as typed (normalised, ``throttle.username_key``), the
    client address (``network.client_address``), the device if the browser sent a valid device
    cookie, whether that device was trusted for this username, and when."""

    username = models.CharField(_("username"), max_length=150)
    address = models.CharField(_("address"), max_length=45, blank=True)
    device = models.CharField(max_length=64, blank=True)
    trusted = models.BooleanField(_("from a trusted device"), default=False)
    attempted_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("failed log-in")
        verbose_name_plural = _("failed log-ins")
        indexes = [
            models.Index(fields=["username", "attempted_at"], name="login_failure_user_time"),
            models.Index(fields=["attempted_at"], name="login_failure_time"),
        ]

    def __str__(self) -> str:
        return f"{self.username} @ {self.address}"
