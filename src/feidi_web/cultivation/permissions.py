"""Who reads diagnoses and who refers firms to services.

Every government role reads the diagnoses and cases of the firms it can see
(``enterprise_scope``: an enclave operator the enclave's firms). Those who cultivate — the
SME bureau's staff, administrators and the enclave operator for the enclave's firms — refer
firms, move cases and disagree with a diagnosis. Investment-promotion officers read only;
enterprise users see neither (their own firm's page is the portal). As everywhere, a firm or
a case outside the caller's scope is *not found* (404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from feidi_web.accounts.models import GOVERNMENT_ROLES, Role, User
from feidi_web.cultivation.models import ServiceCase
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope

#: Roles that refer firms, move cases and review diagnoses.
CULTIVATION_ROLES = frozenset({Role.ADMIN, Role.COUNTY_STAFF, Role.ENCLAVE_OPERATOR})


def can_read(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in GOVERNMENT_ROLES


def can_cultivate(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in CULTIVATION_ROLES


def require_reader(user: User) -> None:
    if not can_read(user):
        raise PermissionDenied


def require_cultivator(user: User) -> None:
    if not can_cultivate(user):
        raise PermissionDenied


def firms_for(user: User) -> QuerySet[Enterprise]:
    require_reader(user)
    return Enterprise.objects.filter(enterprise_scope(user))


def firm_for(user: User, ref: str) -> Enterprise:
    """A graded firm (one with a credit code) the user may read, by its credit code."""
    require_reader(user)
    try:
        return Enterprise.objects.filter(enterprise_scope(user)).get(credit_code=ref)
    except Enterprise.DoesNotExist:
        raise Http404("enterprise not found") from None


def cases_for(user: User) -> QuerySet[ServiceCase]:
    require_reader(user)
    return ServiceCase.objects.filter(
        enterprise__in=Enterprise.objects.filter(enterprise_scope(user))
    )


def case_for(user: User, case_id: int) -> ServiceCase:
    try:
        return cases_for(user).select_related("enterprise", "opened_by").get(pk=case_id)
    except ServiceCase.DoesNotExist:
        raise Http404("case not found") from None
