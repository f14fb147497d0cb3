"""Permission-checked fetches. Every read of an enterprise goes through here.

A firm outside the user's scope is reported as *not found* (404), not *forbidden*: an
enterprise user must not learn which credit codes exist.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from feidi_web.accounts.models import Role, User
from feidi_web.accounts.scope import enterprise_scope
from feidi_web.enterprises.models import DataImport, Enterprise


def enterprises_for_user(user: User) -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(enterprise_scope(user))


def enterprise_get_for_user(user: User, credit_code: str) -> Enterprise:
    try:
        return enterprises_for_user(user).get(credit_code=credit_code)
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
    if not (user.is_authenticated and user.role in (Role.ADMIN, Role.COUNTY_STAFF)):
        raise PermissionDenied


def require_staff_role(user: User) -> None:
    """Registry, pool, cockpit and evaluations: every government-side role."""
    if not (user.is_authenticated and user.is_staff_role):
        raise PermissionDenied
