"""The system administrator's view of Feidi's own data in /admin/, and what every app's
admin shares.

Most of Feidi's data is written only through its services: they check it with the core,
keep the audit trail and the edit versions, and scope it to a county. Changing such rows in
the admin would bypass all of that, so their admins are view-only (``ViewOnlyAdmin``): the
system administrator can find and read every row, not add, change or delete one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from feidi_web.common.models import AuditEntry

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

admin.site.site_header = _("Feidi administration")
admin.site.site_title = _("Feidi administration")


def name_model(model: type[models.Model], singular: StrOrPromise, plural: StrOrPromise) -> None:
    """The model's name in the admin, translated, without touching its ``Meta``.

    Names set in ``Meta`` would call for a migration of each model; names set here are the
    same everywhere at run time (the admin loads with the project) and leave the migrations
    alone (``makemigrations`` reads ``Meta`` as written, not these). Moving them into ``Meta``
    later — with that migration — makes this call unnecessary.
    """
    model._meta.verbose_name = singular
    model._meta.verbose_name_plural = plural


def pretty_json(value: Any) -> SafeString | str:
    """A JSON value as indented text, Chinese as Chinese (not \\u escapes)."""
    if value in (None, "", {}, []):
        return "—"
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2))


def shown(
    attribute: str, label: StrOrPromise, *, ordering: str | None = None, as_json: bool = False
) -> Callable[[Any, Any], Any]:
    """A read-only column or field showing ``obj.<attribute>`` under a translated ``label``.

    For the fields whose models give them no translated name: used as a method of a
    ``ModelAdmin`` (assigned in its class body) and named in ``list_display`` or ``fields``.
    A method attribute (``get_status_display``) is called.
    """

    @admin.display(description=label, ordering=None if as_json else (ordering or attribute))
    def show(model_admin: Any, obj: Any) -> Any:
        value = getattr(obj, attribute)
        if callable(value):
            value = value()
        return pretty_json(value) if as_json else value

    return show


def titled(
    title: StrOrPromise, kind: type[admin.FieldListFilter] = admin.AllValuesFieldListFilter
) -> type[admin.FieldListFilter]:
    """A list filter of ``kind`` under a translated ``title``, for a field whose model gives it
    no translated name: ``list_filter = [("status", titled(_("status"), ChoicesFieldListFilter))]``."""

    class Titled(kind):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows the platform's services write: the admin shows them and changes nothing.

    ``fields`` lists what the page shows (all read-only); the change view becomes a view page
    without a save button, and a POST to it is refused (403)."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> Any:
        return tuple(self.fields or ())


class ViewOnlyInline(admin.TabularInline):
    """Rows shown with their parent, read-only like it."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> Any:
        return tuple(self.fields or ())


name_model(AuditEntry, _("audit entry"), _("audit entries"))


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnlyAdmin):
    """Who changed which figure, from what to what: the trail itself must not be editable."""

    actor_shown = shown("actor", _("changed by"))
    via_shown = shown("via", _("changed through"))
    at_shown = shown("at", _("changed at"))
    old_shown = shown("old_value", _("old value"), as_json=True)
    new_shown = shown("new_value", _("new value"), as_json=True)

    list_display = ("at_shown", "actor_shown", "action", "subject", "field", "via_shown")
    list_filter = ("action",)
    list_select_related = ("actor",)
    search_fields = ("subject", "field", "actor__username")
    date_hierarchy = "at"
    show_full_result_count = False
    fields = (
        "at_shown",
        "actor_shown",
        "action",
        "subject",
        "field",
        "old_shown",
        "new_shown",
        "via_shown",
    )
