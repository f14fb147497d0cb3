"""The registry's permission policy: which firms a user may see (``enterprise_scope``, the one
filter every fetch uses) and permission-checked fetches. Every read of an enterprise goes
through here.

A firm outside the user's scope is reported as *not found* (404), not *forbidden*: an
enterprise user must not learn which credit codes exist.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from feidi_web.accounts.models import Role, User
from feidi_web.accounts.scope import division_prefix
from feidi_web.enterprises.models import PARTY_REF_PREFIX, DataImport, Enterprise


def in_jurisdiction(code: str) -> Q:
    """Enterprises whose jurisdiction lies in division ``code`` (a county or a prefecture)."""
    return Q(jurisdiction_code__startswith=division_prefix(code))


def enterprise_scope(user: User) -> Q:
    """A filter on ``Enterprise`` selecting exactly what ``user`` may see.

    An anonymous or role-less user matches nothing (``pk__in=[]``), never everything.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role == Role.ADMIN:
        return Q()
    if user.role in (Role.COUNTY_STAFF, Role.INVESTMENT_OFFICER) and user.division_code:
        return in_jurisdiction(user.division_code)
    if user.role == Role.ENCLAVE_OPERATOR and user.division_code:
        return in_jurisdiction(user.division_code) & Q(enclave=True)
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        return Q(pk=user.enterprise_id)
    return Q(pk__in=[])


def enterprises_for_user(user: User) -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(enterprise_scope(user))


def enterprise_get_for_user(user: User, ref: str) -> Enterprise:
    """A party by its ``Enterprise.ref``: a credit code, or ``p<id>`` for one without."""
    prefix = PARTY_REF_PREFIX
    if ref.startswith(prefix) and ref[len(prefix) :].isdigit():
        lookup = Q(pk=int(ref[len(prefix) :]), credit_code__isnull=True)
    else:
        lookup = Q(credit_code=ref)
    try:
        return enterprises_for_user(user).get(lookup)
    except Enterprise.DoesNotExist:
        raise Http404("enterprise not found") from None


def imports_for_user(user: User) -> QuerySet[DataImport]:
    """Imports a user may see: their own uploads; an administrator sees all."""
    if user.role == Role.ADMIN:
        return DataImport.objects.all()
    return DataImport.objects.filter(uploaded_by=user)


def import_get_for_user(user: User, import_id: int) -> DataImport:
    try:
        return imports_for_user(user).get(pk=import_id)
    except DataImport.DoesNotExist:
        raise Http404("import not found") from None


def require_registry_editor(user: User) -> None:
    """Importing and changing figures: system administrators and county staff."""
    if not (user.is_authenticated and user.is_registry_editor):
        raise PermissionDenied


def require_party_registrar(user: User) -> None:
    """Registering a party by hand and adding its credit code: registry editors, and
    investment-promotion officers (their prospects, start-ups, labs and investors)."""
    if not (user.is_authenticated and user.is_party_registrar):
        raise PermissionDenied


def require_staff_role(user: User) -> None:
    """Registry, pool, cockpit and evaluations: every government-side role."""
    if not (user.is_authenticated and user.is_staff_role):
        raise PermissionDenied
