"""Who may do what to an evaluation run (reads are scoped in ``selectors.runs_for_user``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from feidi_web.accounts.models import Role, User
from feidi_web.accounts.scope import division_prefix
from feidi_web.evaluations.models import EvaluationRun


def can_manage_run(user: User, run: EvaluationRun) -> bool:
    """Cancelling and retrying: a system administrator, or county staff for a run of their
    own division — not a registry-wide run, which they can see but did not start."""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    return bool(
        user.role == Role.COUNTY_STAFF
        and run.jurisdiction_code
        and run.jurisdiction_code.startswith(division_prefix(user.division_code))
    )


def require_run_manager(user: User, run: EvaluationRun) -> None:
    if not can_manage_run(user, run):
        raise PermissionDenied
