"""Who sees a county's industry opportunities: the government roles, each over the local firms
of its own scope (``enterprise_scope``); an enterprise user never (403).

Which counties a user may choose follows from that scope: county staff and investment
officers their county; a prefecture's staff and the administrator any county whose local
firms they see; the enclave operator sees the enclave's firms only, so its county's table is
empty and the page says why.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from feidi_web.accounts.models import GOVERNMENT_ROLES, User


def can_see_opportunities(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in GOVERNMENT_ROLES)


def require_opportunities_role(user: User) -> None:
    if not can_see_opportunities(user):
        raise PermissionDenied
