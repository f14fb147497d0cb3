"""Reads of evaluation runs and records, always within the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from feidi_web.accounts.models import Role, User
from feidi_web.accounts.scope import division_prefix
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun, RunStatus, TierTally
from feidi_web.evaluations.summaries import ensure_summarised, group_scope


def runs_for_user(user: User) -> QuerySet[EvaluationRun]:
    """Runs whose firms the user may see: a county's own runs and registry-wide runs."""
    if not user.is_authenticated:
        return EvaluationRun.objects.none()
    if user.role == Role.ADMIN:
        return EvaluationRun.objects.all()
    if user.role in (Role.COUNTY_STAFF, Role.ENCLAVE_OPERATOR, Role.INVESTMENT_OFFICER):
        prefix = division_prefix(user.division_code)
        return EvaluationRun.objects.filter(
            Q(jurisdiction_code="") | Q(jurisdiction_code__startswith=prefix)
        )
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        return EvaluationRun.objects.filter(records__enterprise_id=user.enterprise_id).distinct()
    return EvaluationRun.objects.none()


def run_get_for_user(user: User, run_id: int) -> EvaluationRun:
    from django.http import Http404

    try:
        return runs_for_user(user).select_related("version").get(pk=run_id)
    except EvaluationRun.DoesNotExist:
        raise Http404("run not found") from None


def latest_run(user: User, rulebook: str | None = None) -> EvaluationRun | None:
    qs = runs_for_user(user).filter(status=RunStatus.DONE)
    if rulebook:
        qs = qs.filter(rulebook=rulebook)
    return qs.select_related("version").order_by("-as_of", "-finished_at", "-id").first()


def records_for_user(user: User, run: EvaluationRun) -> QuerySet[EvaluationRecord]:
    """The run's records for firms in the user's scope, with the firm fetched alongside."""
    visible = Enterprise.objects.filter(enterprise_scope(user)).values("id")
    return run.records.filter(enterprise__in=visible).select_related("enterprise")


def run_tier_counts(user: User, run: EvaluationRun) -> list[dict[str, Any]]:
    """Per tier with records in the user's scope: passed, failed and unknown firms. Summed from
    the run's tier tallies when the scope is a filter on groups of firms, else counted."""
    groups = group_scope(user)
    if groups is not None and run.status == RunStatus.DONE:
        ensure_summarised([run])
        stored = (
            TierTally.objects.filter(run=run)
            .filter(groups)
            .values("tier")
            .annotate(passed=Sum("passed"), failed=Sum("failed"), unknown=Sum("unknown"))
            .order_by()
        )
        return [dict(r) for r in stored]
    counted = (
        records_for_user(user, run)
        .values("tier")
        .annotate(
            passed=Count("id", filter=Q(verdict="pass")),
            failed=Count("id", filter=Q(verdict="fail")),
            unknown=Count("id", filter=Q(verdict="unknown")),
        )
        .order_by()
    )
    return [dict(r) for r in counted]


def enterprise_history(enterprise: Enterprise) -> QuerySet[EvaluationRecord]:
    """Every finished evaluation of one (already permission-checked) firm, newest first."""
    return (
        EvaluationRecord.objects.filter(enterprise=enterprise, run__status=RunStatus.DONE)
        .select_related("run", "run__version")
        .order_by("-run__as_of", "-run__finished_at", "tier")
    )
