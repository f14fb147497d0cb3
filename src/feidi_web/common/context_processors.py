"""The navigation each role sees: one list, so pages and tests agree on who sees what."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, roles that see it)
_NAV = (
    ("dashboards:cockpit", _("Cockpit"), {"admin", "county_staff", "enclave_operator"}),
    ("enterprises:list", _("Registry"), {"admin", "county_staff", "enclave_operator"}),
    ("pool:pool", _("Cultivation pool"), {"admin", "county_staff", "enclave_operator"}),
    ("evaluations:list", _("Evaluations"), {"admin", "county_staff"}),
    ("enterprises:imports", _("Imports"), {"admin", "county_staff"}),
    ("portal:home", _("My enterprise"), {"enterprise"}),
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
