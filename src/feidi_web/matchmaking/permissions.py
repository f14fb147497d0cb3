"""Who sees which profiles and pairings.

* brokers — administrators, county staff, investment-promotion officers and enclave
  operators — see and work every profile and pairing of their division;
* an enterprise user sees their own firm's profiles and the pairings their firm is in, and
  the other side's profile only when it is visible to matched parties or both sides agreed.

Outside the scope is *not found* (404), as in the registry.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from feidi_web.accounts.models import PIPELINE_ROLES, Role, User
from feidi_web.accounts.scope import division_q
from feidi_web.matchmaking.models import Match, Profile

#: Who brokers pairings: the roles that work the pipeline.
BROKER_ROLES = PIPELINE_ROLES


def is_broker(user: User) -> bool:
    return user.is_authenticated and user.role in BROKER_ROLES


def profile_scope(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if is_broker(user):
        return division_q(user)
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        own = Q(party_id=user.enterprise_id)
        # the other side of a pairing they are in, when it may be shown to them
        shown = Q(as_supply__firm_id=user.enterprise_id) & (
            Q(visibility="platform")
            | Q(as_supply__stage__in=["mutual", "dated", "pilot", "landed"])
        )
        shown |= Q(as_demand__supply__party_id=user.enterprise_id) & (
            Q(visibility="platform")
            | Q(as_demand__stage__in=["mutual", "dated", "pilot", "landed"])
        )
        return own | shown
    return Q(pk__in=[])


def match_scope(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if is_broker(user):
        return division_q(user)
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        return Q(firm_id=user.enterprise_id) | Q(supply__party_id=user.enterprise_id)
    return Q(pk__in=[])


def require_matchmaking_user(user: User) -> None:
    if not (is_broker(user) or (user.is_authenticated and user.role == Role.ENTERPRISE)):
        raise PermissionDenied


def require_broker(user: User) -> None:
    if not is_broker(user):
        raise PermissionDenied


def profiles_for_user(user: User) -> QuerySet[Profile]:
    return Profile.objects.filter(profile_scope(user)).distinct()


def profile_get_for_user(user: User, profile_id: int) -> Profile:
    require_matchmaking_user(user)
    try:
        return profiles_for_user(user).select_related("party").get(pk=profile_id)
    except Profile.DoesNotExist:
        raise Http404("profile not found") from None


def matches_for_user(user: User) -> QuerySet[Match]:
    return Match.objects.filter(match_scope(user))


def match_get_for_user(user: User, match_id: int) -> Match:
    require_matchmaking_user(user)
    try:
        return (
            matches_for_user(user)
            .select_related("firm", "supply", "supply__party", "demand", "project")
            .get(pk=match_id)
        )
    except Match.DoesNotExist:
        raise Http404("pairing not found") from None


def side_of(user: User, match: Match) -> str | None:
    """Which side an enterprise user answers for in ``match`` (None for a broker)."""
    if user.role != Role.ENTERPRISE:
        return None
    if match.firm_id == user.enterprise_id:
        return "demand"
    if match.supply.party_id == user.enterprise_id:
        return "supply"
    return None
