"""Who sees and books which resources, and whose bookings they see.

* centre staff — administrators, county staff, investment-promotion officers and enclave
  operators (``PIPELINE_ROLES``) — see every resource and booking of their division and book
  for anyone of their scope (or for the centre itself);
* the enclave operator (and the administrator) decide the bookings that need approval;
* an enterprise user sees the bookable resources of their firm's county, books those firms
  may book (``Resource.bookable_by``; the others are refused, 403), for their own firm only; of the bookings, only their firm's (the week view shows
  other bookings as taken, without saying whose).

Outside the scope is *not found* (404), as in the registry.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from feidi_web.accounts.models import PIPELINE_ROLES, Role, User
from feidi_web.accounts.scope import division_q
from feidi_web.enterprises.models import Enterprise
from feidi_web.space.models import BookableBy, Booking, Resource

#: Who approves or rejects bookings that need approval.
DECIDER_ROLES = frozenset({Role.ADMIN, Role.ENCLAVE_OPERATOR})


def is_staff(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in PIPELINE_ROLES


def is_firm_user(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.ENTERPRISE
        and user.enterprise_id is not None
    )


def is_decider(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in DECIDER_ROLES


def require_space_user(user: User) -> None:
    if not (is_staff(user) or is_firm_user(user)):
        raise PermissionDenied


def require_decider(user: User) -> None:
    if not is_decider(user):
        raise PermissionDenied


def resource_scope(user: User) -> Q:
    if is_staff(user):
        return division_q(user, "jurisdiction_code")
    if is_firm_user(user) and user.enterprise_id is not None:
        county = Enterprise.objects.filter(pk=user.enterprise_id).values("jurisdiction_code")
        return Q(active=True, jurisdiction_code__in=county)
    return Q(pk__in=[])


def booking_scope(user: User) -> Q:
    if is_staff(user):
        return division_q(user, "resource__jurisdiction_code")
    if is_firm_user(user):
        return Q(party_id=user.enterprise_id)
    return Q(pk__in=[])


def resources_for_user(user: User) -> QuerySet[Resource]:
    return Resource.objects.filter(resource_scope(user))


def resource_get_for_user(user: User, resource_id: int) -> Resource:
    require_space_user(user)
    try:
        return resources_for_user(user).get(pk=resource_id)
    except Resource.DoesNotExist:
        raise Http404("resource not found") from None


def bookings_for_user(user: User) -> QuerySet[Booking]:
    return Booking.objects.filter(booking_scope(user))


def booking_get_for_user(user: User, booking_id: int) -> Booking:
    require_space_user(user)
    try:
        return (
            bookings_for_user(user)
            .select_related("resource", "party", "booked_by")
            .get(pk=booking_id)
        )
    except Booking.DoesNotExist:
        raise Http404("booking not found") from None


def may_book(user: User, resource: Resource) -> bool:
    """Whether the resource's rules let ``user``'s role book it (scope aside)."""
    return is_staff(user) or (is_firm_user(user) and resource.bookable_by == BookableBy.FIRMS)


def sees_whose(user: User, booking: Booking) -> bool:
    """Whether ``user`` may learn who holds ``booking`` (staff of its division, or its own
    firm); everyone else is told only that the time is taken."""
    return Booking.objects.filter(booking_scope(user), pk=booking.pk).exists()
