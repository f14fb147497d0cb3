"""Who sees and books which resources, and whose bookings they see.

* centre staff — administrators, county staff, investment-promotion officers and enclave
  operators (``PIPELINE_ROLES``) — see every resource and booking of their division and book
  for anyone of their scope (or for the centre itself);
* the enclave operator (and the administrator) decide the bookings that need approval;
* an enterprise user sees the bookable resources of their firm's county, books those firms
  may book (``Resource.bookable_by``; the others are refused, 403), for their own firm only; of the bookings, only their firm's (the week view shows
  other bookings as taken, without saying whose).

Day-to-day operations of the centre (``space.services``, operations section):

* editing the resources (create and edit) and the memberships of resident firms (add,
  renew, end, cancel) is for the people who run the centre and answer for its terms: the
  administrator, county staff and the enclave operator (``MANAGER_ROLES``); an
  investment-promotion officer sees both, read-only;
* the front desk — checking bookings in, the visitor log, filing a visitor or a checked-in
  prospect as a pipeline lead — is for every member of centre staff (``is_staff``) of the
  division;
* an enterprise user sees their own firm's membership, read-only; staff pages are 403 for
  them.

Outside the scope is *not found* (404), as in the registry.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from feidi_web.accounts.models import PIPELINE_ROLES, Role, User
from feidi_web.accounts.scope import division_q, is_firm_user
from feidi_web.enterprises.models import Enterprise
from feidi_web.space.models import BookableBy, Booking, Membership, Resource, Visit

#: Who approves or rejects bookings that need approval.
DECIDER_ROLES = frozenset({Role.ADMIN, Role.ENCLAVE_OPERATOR})
#: Who edits the resources and the resident firms' memberships (see the module docstring).
MANAGER_ROLES = frozenset({Role.ADMIN, Role.COUNTY_STAFF, Role.ENCLAVE_OPERATOR})


def is_staff(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in PIPELINE_ROLES


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


# --- operations: resources edited, memberships, the front desk ------------------------------


def is_manager(user: User) -> bool:
    """Whether ``user`` edits resources and memberships (``MANAGER_ROLES``)."""
    return is_staff(user) and user.role in MANAGER_ROLES


def require_staff(user: User) -> None:
    if not is_staff(user):
        raise PermissionDenied


def require_manager(user: User) -> None:
    if not is_manager(user):
        raise PermissionDenied


def resource_edit_get_for_user(user: User, resource_id: int) -> Resource:
    """A resource its editor may change: 403 for the wrong role, 404 outside the division."""
    require_manager(user)
    try:
        return Resource.objects.filter(division_q(user, "jurisdiction_code")).get(pk=resource_id)
    except Resource.DoesNotExist:
        raise Http404("resource not found") from None


def membership_scope(user: User) -> Q:
    if is_staff(user):
        return division_q(user, "jurisdiction_code")
    if is_firm_user(user):
        return Q(party_id=user.enterprise_id)
    return Q(pk__in=[])


def memberships_for_user(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(membership_scope(user))


def membership_get_for_user(user: User, membership_id: int) -> Membership:
    """A membership for staff pages: 403 for a firm user, 404 outside the division."""
    require_staff(user)
    try:
        return memberships_for_user(user).select_related("party", "resource").get(pk=membership_id)
    except Membership.DoesNotExist:
        raise Http404("membership not found") from None


def visit_scope(user: User) -> Q:
    if is_staff(user):
        return division_q(user, "jurisdiction_code")
    return Q(pk__in=[])


def visits_for_user(user: User) -> QuerySet[Visit]:
    return Visit.objects.filter(visit_scope(user))


def visit_get_for_user(user: User, visit_id: int) -> Visit:
    require_staff(user)
    try:
        return visits_for_user(user).select_related("party").get(pk=visit_id)
    except Visit.DoesNotExist:
        raise Http404("visit not found") from None


def staff_booking_get_for_user(user: User, booking_id: int) -> Booking:
    """A booking for the front desk: 403 for a firm user, 404 outside the division."""
    require_staff(user)
    return booking_get_for_user(user, booking_id)
