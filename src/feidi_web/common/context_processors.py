"""The navigation each role sees: one list, so pages and tests agree on who sees what."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from feidi_web.accounts.models import EDITOR_ROLES, GOVERNMENT_ROLES, PIPELINE_ROLES, Role

# (url name, label, roles that see it). Labels are the short forms a navigation bar of twelve
# entries needs in English too ("nav" context): "Pool", not "Cultivation pool".
_NAV = (
    ("portal:home", _("My enterprise"), {Role.ENTERPRISE}),
    ("dashboards:cockpit", _("Cockpit"), GOVERNMENT_ROLES),
    ("registry:list", _("Registry"), GOVERNMENT_ROLES),
    ("pool:pool", pgettext_lazy("nav", "Pool"), GOVERNMENT_ROLES),
    ("cultivation:list", pgettext_lazy("nav", "Diagnosis"), GOVERNMENT_ROLES),
    ("policies:list", pgettext_lazy("nav", "Policies"), GOVERNMENT_ROLES | {Role.ENTERPRISE}),
    ("chains:list", pgettext_lazy("nav", "Chains"), GOVERNMENT_ROLES),
    ("opportunities:list", _("Opportunities"), GOVERNMENT_ROLES),
    ("matchmaking:list", _("Matchmaking"), PIPELINE_ROLES | {Role.ENTERPRISE}),
    ("events:list", _("Events"), PIPELINE_ROLES | {Role.ENTERPRISE}),
    ("space:list", pgettext_lazy("nav", "Space"), PIPELINE_ROLES | {Role.ENTERPRISE}),
    ("pipeline:list", pgettext_lazy("nav", "Projects"), PIPELINE_ROLES),
    ("evaluations:list", _("Evaluations"), EDITOR_ROLES),
    ("enterprises:imports", _("Imports"), EDITOR_ROLES),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = []
    for name, label, roles in _NAV:
        if user.role in roles:
            url = reverse(name)
            items.append({"url": url, "label": label, "active": path.startswith(url)})
    return {"nav_items": items}
