"""Who corrects where a firm or a profile sits on the chains.

The roles that work the enclave and the pipeline (administrators, county staff, investment-
promotion officers, enclave operators) — each within what they can see: a firm in their
registry scope (``enterprise_scope``: an enclave operator sees the enclave's firms), a profile
of their division. Everyone who can see a firm's page can read its mounts.

Who sees the chains as a whole (node strength, gaps, candidates): the government roles, each
over the firms of its own scope (``enterprise_scope``) and the offers of its division.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from feidi_web.accounts.models import GOVERNMENT_ROLES, PIPELINE_ROLES, Role, User
from feidi_web.accounts.scope import division_prefix, division_q
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope


def can_correct(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in PIPELINE_ROLES


def require_corrector_of_enterprise(user: User, enterprise: Enterprise) -> None:
    if not can_correct(user):
        raise PermissionDenied
    if not Enterprise.objects.filter(enterprise_scope(user), pk=enterprise.pk).exists():
        raise Http404("enterprise not found")


def require_corrector_in(user: User, jurisdiction_code: str) -> None:
    """For a profile: the user's division holds the profile's county."""
    if not can_correct(user):
        raise PermissionDenied
    if user.role == Role.ADMIN:
        return
    if not (
        user.division_code and jurisdiction_code.startswith(division_prefix(user.division_code))
    ):
        raise Http404("profile not found")


def can_see_chains(user: User) -> bool:
    """The chain pages (strength, gaps, candidates): the government roles, each over the firms
    of its scope. A firm user sees its own place on the chains on the portal instead."""
    return user.is_authenticated and user.is_active and user.role in GOVERNMENT_ROLES


def require_chain_viewer(user: User) -> None:
    if not can_see_chains(user):
        raise PermissionDenied


def offers_scope(user: User, prefix: str = "") -> Q:
    """Offers a user's division holds (matchmaking's brokers see their division's)."""
    return division_q(user, f"{prefix}jurisdiction_code")
