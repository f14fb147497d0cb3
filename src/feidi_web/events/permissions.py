"""Who sees and works which events, registrations and meeting requests.

* brokers — administrators, county staff, investment-promotion officers and enclave
  operators (``PIPELINE_ROLES``) — run every event of their division: they register anyone,
  check people in, schedule and file leads;
* an enterprise user sees the open events of their firm's county (to register) and the
  events their firm registered for; of those, only their firm's registrations, the meeting
  requests their firm is in, and their own schedule.

Outside the scope is *not found* (404), as in the registry; a check-in token that is not one
of the broker's events is not found either.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from feidi_web.accounts.models import PIPELINE_ROLES, Role, User
from feidi_web.accounts.scope import division_q
from feidi_web.enterprises.models import Enterprise
from feidi_web.events.models import Event, EventStatus, MeetingRequest, Registration


def is_broker(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in PIPELINE_ROLES


def is_participant_user(user: User) -> bool:
    """An enterprise user, who takes part for their own firm."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.ENTERPRISE
        and user.enterprise_id is not None
    )


def require_events_user(user: User) -> None:
    if not (is_broker(user) or is_participant_user(user)):
        raise PermissionDenied


def require_broker(user: User) -> None:
    if not is_broker(user):
        raise PermissionDenied


def event_scope(user: User) -> Q:
    if is_broker(user):
        return division_q(user, "jurisdiction_code")
    if is_participant_user(user) and user.enterprise_id is not None:
        mine = Registration.objects.filter(party_id=user.enterprise_id).values("event_id")
        county = Enterprise.objects.filter(pk=user.enterprise_id).values("jurisdiction_code")
        return Q(pk__in=mine) | Q(status=EventStatus.OPEN, jurisdiction_code__in=county)
    return Q(pk__in=[])


def registration_scope(user: User) -> Q:
    if is_broker(user):
        return division_q(user, "event__jurisdiction_code")
    if is_participant_user(user):
        return Q(party_id=user.enterprise_id)
    return Q(pk__in=[])


def request_scope(user: User) -> Q:
    if is_broker(user):
        return division_q(user, "event__jurisdiction_code")
    if is_participant_user(user):
        return Q(requester__party_id=user.enterprise_id) | Q(invitee__party_id=user.enterprise_id)
    return Q(pk__in=[])


def events_for_user(user: User) -> QuerySet[Event]:
    return Event.objects.filter(event_scope(user))


def event_get_for_user(user: User, event_id: int) -> Event:
    require_events_user(user)
    try:
        return events_for_user(user).get(pk=event_id)
    except Event.DoesNotExist:
        raise Http404("event not found") from None


def registrations_for_user(user: User) -> QuerySet[Registration]:
    return Registration.objects.filter(registration_scope(user))


def registration_get_for_user(user: User, registration_id: int) -> Registration:
    require_events_user(user)
    try:
        return registrations_for_user(user).select_related("event", "party").get(pk=registration_id)
    except Registration.DoesNotExist:
        raise Http404("registration not found") from None


def registration_by_token(user: User, token: str) -> Registration:
    """The registration a check-in link names, for a broker of its event; else not found."""
    require_broker(user)
    try:
        return (
            registrations_for_user(user)
            .select_related("event", "party", "checked_in_by")
            .get(token=token)
        )
    except Registration.DoesNotExist:
        raise Http404("registration not found") from None


def requests_for_user(user: User) -> QuerySet[MeetingRequest]:
    return MeetingRequest.objects.filter(request_scope(user))


def request_get_for_user(user: User, request_id: int) -> MeetingRequest:
    require_events_user(user)
    try:
        return (
            requests_for_user(user)
            .select_related("event", "requester__party", "invitee__party")
            .get(pk=request_id)
        )
    except MeetingRequest.DoesNotExist:
        raise Http404("meeting request not found") from None


def acts_for(user: User, registration: Registration) -> bool:
    """Whether ``user`` may act for this participant: a broker of the event, or a user of
    the participant's own firm."""
    if is_broker(user):
        return Registration.objects.filter(registration_scope(user), pk=registration.pk).exists()
    return is_participant_user(user) and registration.party_id == user.enterprise_id
