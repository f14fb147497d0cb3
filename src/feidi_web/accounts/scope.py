"""Divisions: which six-digit 行政区划代码 a staff member's division covers.

What that means for firms (``enterprise_scope``) is the registry's policy and lives in
``feidi_web.enterprises.permissions``.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from feidi.reference import division
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


def division_q(user: User, field: str = "jurisdiction_code") -> Q:
    """Rows whose division ``field`` lies in ``user``'s division: everything for an
    administrator, nothing for a user without a division. Each app's scope starts here."""
    if user.role == Role.ADMIN:
        return Q()
    if user.division_code:
        return Q(**{f"{field}__startswith": division_prefix(user.division_code)})
    return Q(pk__in=[])


def scope_text(user: User) -> str:
    """Whose firms a report covers, named by the user's division (reports and exports)."""
    if user.role == Role.ADMIN:
        return _("all divisions")
    found = division(user.division_code) if user.division_code else None
    where = f"{user.division_code} {found.name}" if found else user.division_code
    if user.role == Role.ENCLAVE_OPERATOR:
        return _("enclave firms of %(division)s") % {"division": where}
    return str(where)


def is_firm_user(user: User) -> bool:
    """An active enterprise user tied to a firm (what the portal, bookings and policy pages
    of "my firm" need; a firm user without a firm sees nothing)."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.ENTERPRISE
        and user.enterprise_id is not None
    )
