from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from feidi_web.accounts.models import ApiToken, User


@admin.register(User)
class FeidiUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Feidi", {"fields": ("role", "division_code", "enterprise")}),
    )
    list_display = ("username", "role", "division_code", "enterprise", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("enterprise",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "created_at", "last_used_at")
    readonly_fields = ("digest",)
