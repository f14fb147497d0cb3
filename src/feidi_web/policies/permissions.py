"""Who sees and does what in the policy channel.

* government staff (``GOVERNMENT_ROLES``) see the policies and the verdicts of their scope's
  firms (the registry's scope), the 免申即享 lists and the applications;
* county staff and administrators (``AUTHOR_ROLES``) author, preview and publish local
  policies of their division, send digests and decide applications;
* an enterprise user sees their own firm's verdicts and applies for it; nothing else.

Outside the scope is *not found* (404), as in the registry.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from feidi_web.accounts.models import GOVERNMENT_ROLES, Role, User
from feidi_web.accounts.scope import division_prefix, is_firm_user
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope
from feidi_web.policies.models import LocalPolicy

#: Who authors local policies, sends digests and decides applications.
AUTHOR_ROLES = frozenset({Role.ADMIN, Role.COUNTY_STAFF})


def is_staff(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in GOVERNMENT_ROLES


def is_author(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in AUTHOR_ROLES


def require_reader(user: User) -> None:
    if not (is_staff(user) or is_firm_user(user)):
        raise PermissionDenied


def require_staff(user: User) -> None:
    if not is_staff(user):
        raise PermissionDenied


def require_author(user: User) -> None:
    if not is_author(user):
        raise PermissionDenied


def firms_for(user: User) -> QuerySet[Enterprise]:
    """The registered firms whose verdicts ``user`` may see."""
    if is_firm_user(user) and user.enterprise_id is not None:
        return Enterprise.objects.filter(pk=user.enterprise_id, credit_code__isnull=False)
    if is_staff(user):
        return Enterprise.objects.filter(enterprise_scope(user), credit_code__isnull=False)
    return Enterprise.objects.none()


def firm_for(user: User, credit_code: str) -> Enterprise:
    """One firm of ``user``'s scope by credit code (404 outside it)."""
    require_reader(user)
    try:
        return firms_for(user).get(credit_code=credit_code)
    except Enterprise.DoesNotExist:
        raise Http404("enterprise not found") from None


# --- authoring local policies (the policy-pages helper's block) ------------------------------


def authored_policies(user: User) -> QuerySet[LocalPolicy]:
    """The local policies ``user`` authors: their division's (an administrator: all)."""
    if not is_author(user):
        return LocalPolicy.objects.none()
    if user.role == Role.ADMIN:
        return LocalPolicy.objects.all()
    if not user.division_code:
        return LocalPolicy.objects.none()
    return LocalPolicy.objects.filter(
        jurisdiction_code__startswith=division_prefix(user.division_code)
    )


def local_policy_for(user: User, slug: str) -> LocalPolicy:
    """A local policy of ``user``'s division by its id: 403 for who does not author, 404
    outside the division."""
    require_author(user)
    try:
        return authored_policies(user).get(slug=slug)
    except LocalPolicy.DoesNotExist:
        raise Http404("policy not found") from None
