"""Who sees and works which projects.

* county staff and investment-promotion officers: every project of their division (a
  prefecture's see their counties');
* enclave operators: the projects the enclave side brings in (sources enclave and
  matchmaking) of their division;
* administrators: all; enterprise users: none.

As in the registry, a project outside the caller's scope is *not found* (404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from feidi.pipeline import Source
from feidi_web.accounts.models import PIPELINE_ROLES, Role, User
from feidi_web.accounts.scope import division_prefix
from feidi_web.pipeline.models import Project

#: What the enclave side brings in and works.
ENCLAVE_SOURCES = (Source.ENCLAVE.value, Source.MATCHMAKING.value)


def project_scope(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role == Role.ADMIN:
        return Q()
    if not user.division_code:
        return Q(pk__in=[])
    here = Q(jurisdiction_code__startswith=division_prefix(user.division_code))
    if user.role in (Role.COUNTY_STAFF, Role.INVESTMENT_OFFICER):
        return here
    if user.role == Role.ENCLAVE_OPERATOR:
        return here & Q(source__in=ENCLAVE_SOURCES)
    return Q(pk__in=[])


def require_pipeline_role(user: User) -> None:
    if not (user.is_authenticated and user.role in PIPELINE_ROLES):
        raise PermissionDenied


def projects_for_user(user: User) -> QuerySet[Project]:
    return Project.objects.filter(project_scope(user))


def project_get_for_user(user: User, project_id: int) -> Project:
    require_pipeline_role(user)
    try:
        return (
            projects_for_user(user)
            .select_related("counterpart", "owner", "landed_firm")
            .get(pk=project_id)
        )
    except Project.DoesNotExist:
        raise Http404("project not found") from None


def sources_for(user: User) -> list[Source]:
    """The sources a user may file a project under."""
    if user.role == Role.ENCLAVE_OPERATOR:
        return [Source(s) for s in ENCLAVE_SOURCES]
    return list(Source)
