"""The log-in forms of both log-in pages, throttled (``accounts.throttle``), and the admin's
form for setting another user's password."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AdminPasswordChangeForm, AuthenticationForm

from feidi_web.accounts.models import User
from feidi_web.accounts.services import trusted_devices_revoke, user_password_reset
from feidi_web.accounts.throttle import ThrottledLoginFormMixin


class LoginForm(ThrottledLoginFormMixin, AuthenticationForm):
    """``/accounts/login/``."""


class AdminLoginForm(ThrottledLoginFormMixin, AdminAuthenticationForm):
    """``/admin/login/``."""


class AdminSetPasswordForm(AdminPasswordChangeForm):
    """The admin's "change password" form for a user: the password it sets is temporary
    (the user must change it at the next log-in); the user's trusted devices are revoked and
    failed log-ins cleared (``services.user_password_reset``)."""

    def save(self, commit: bool = True) -> User:
        if not commit:
            return super().save(commit=False)
        if self.cleaned_data["set_usable_password"]:
            user_password_reset(user=self.user, password=self.cleaned_data["password1"])
            return self.user
        user = super().save(commit=True)  # password log-in disabled for this user
        trusted_devices_revoke(user=user)
        return user
