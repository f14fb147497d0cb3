"""Log-in, password and language pages. Each view makes one service call."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.views import i18n as i18n_views

from feidi_web.accounts.devices import device_id
from feidi_web.accounts.forms import LoginForm
from feidi_web.accounts.models import User
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


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembering a logged-in person's choice on the account:
    what the platform sends them later (reminders, digests, decisions) is written in it."""
    response = i18n_views.set_language(request)
    chosen = request.POST.get("language", "")
    user = request.user
    if (
        request.method == "POST"
        and user.is_authenticated
        and chosen in {code for code, _name in settings.LANGUAGES}
        and user.language != chosen
    ):
        User.objects.filter(pk=user.pk).update(language=chosen)
    return response
