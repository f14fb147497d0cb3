"""Log-in and password pages. Each view makes one service call."""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy

from feidi_web.accounts.devices import device_id
from feidi_web.accounts.forms import LoginForm
from feidi_web.accounts.services import user_password_change


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every logged-in user changes their own password here; the browser in use stays
    trusted, the user's other trusted devices and sessions are revoked."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user_password_change(
            user=form.user,
            password=form.cleaned_data["new_password1"],
            keep_device=device_id(self.request),
        )
        update_session_auth_hash(self.request, form.user)  # this session stays logged in
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
