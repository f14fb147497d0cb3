from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from feidi_web.accounts.forms import AdminLoginForm, AdminSetPasswordForm
from feidi_web.accounts.models import ApiToken, LoginFailure, User
from feidi_web.accounts.services import login_failures_clear

# /admin/login/ goes through the same throttle as /accounts/login/ (accounts.throttle).
admin.site.login_form = AdminLoginForm


def _own_password_change(request: HttpRequest, extra_context: object = None):
    """The admin's "change password" link leads to the site's page, which also revokes the
    user's other trusted devices (one way to change one's own password)."""
    return redirect("accounts:password_change")


# replaced on the default site's instance, deliberately (mypy refuses assigning to a method)
admin.site.password_change = _own_password_change  # type: ignore[method-assign]


@admin.register(User)
class FeidiUserAdmin(UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),  # never None for UserAdmin; the stubs allow it
        ("Feidi", {"fields": ("role", "division_code", "enterprise", "must_change_password")}),
    )
    list_display = ("username", "role", "division_code", "enterprise", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("enterprise",)
    # a password set here is temporary: the user changes it at the next log-in
    change_password_form = AdminSetPasswordForm
    actions = ["unlock_login"]

    @admin.action(description=_("Unlock: clear failed log-ins"))
    def unlock_login(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        cleared = sum(login_failures_clear(username=u.username) for u in queryset)
        users = len(queryset)
        self.message_user(
            request,
            ngettext(
                "Unlocked %(users)d account: %(failures)d failed log-ins cleared.",
                "Unlocked %(users)d accounts: %(failures)d failed log-ins cleared.",
                users,
            )
            % {"users": users, "failures": cleared},
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "created_at", "expires_at", "last_used_at")
    readonly_fields = ("digest",)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Read-only: the throttle writes these; the unlock action on users clears them."""

    list_display = ("attempted_at", "username", "address", "trusted")
    list_filter = ("trusted",)
    search_fields = ("username", "address")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
