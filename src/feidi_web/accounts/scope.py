"""Where a user may look: one definition used by every permission check."""

from __future__ import annotations

from django.db.models import Q

from feidi_web.accounts.models import Role, User


def division_prefix(code: str) -> str:
    """The prefix a six-digit division code covers: 320581 → 320581, 320500 → 3205, 320000 → 32.

    >>> division_prefix("320581"), division_prefix("320500"), division_prefix("320000")
    ('320581', '3205', '32')
    """
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


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
    if user.role == Role.COUNTY_STAFF and user.division_code:
        return in_jurisdiction(user.division_code)
    if user.role == Role.ENCLAVE_OPERATOR and user.division_code:
        return in_jurisdiction(user.division_code) & Q(enclave=True)
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        return Q(pk=user.enterprise_id)
    return Q(pk__in=[])
