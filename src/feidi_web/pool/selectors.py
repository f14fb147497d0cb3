"""The cultivation pool (培育库): the firms closest to a tier they do not pass yet.

Everything is read from a finished evaluation run's stored records (``score``, ``pass_mark``,
``gap``, ``verdict``) within the user's scope; no rule is re-computed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, cast

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from feidi_web.accounts.models import User
from feidi_web.enterprises.selectors import towns_for_user
from feidi_web.evaluations.ladder import Ladder, current_ladder, ladder_of
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun, RunStatus, Verdict
from feidi_web.evaluations.selectors import (
    latest_run,
    records_for_user,
    run_get_for_user,
    runs_for_user,
)

#: The tier the pool opens on: 专精特新 is the title counties are measured by.
DEFAULT_TIER = "specialized"
#: How many finished runs the run picker offers (newest first).
RUN_CHOICES = 100


@dataclass(frozen=True)
class PoolFilter:
    """What the pool's tabs and filters ask for."""

    tier: str = DEFAULT_TIER
    #: 差 N 分以内: keep firms whose gap is at most this; ``None`` = any gap.
    gap_max: float | None = None
    #: Also list firms with no gap: failing only on a condition, or with an unknown score.
    include_no_gap: bool = False
    town: str = ""
    industry: str = ""  # a GB/T 4754 prefix: "C", "C34", "C3491"
    enclave: bool | None = None
    #: Only firms that pass the tier below the target in the same run.
    passes_lower: bool = False

    def near_q(self) -> Q:
        """Records counted as "near": a known gap within the limit (or any null gap if asked)."""
        q = Q(gap__isnull=False) if self.gap_max is None else Q(gap__lte=self.gap_max)
        if self.include_no_gap:
            q |= Q(gap__isnull=True)
        return q


@dataclass(frozen=True)
class TierCount:
    """One tier's records within the scope and the firm filters (town, industry, enclave)."""

    tier: str
    evaluated: int = 0
    passed: int = 0
    failed: int = 0
    unknown: int = 0
    #: Not passing, with a gap within the filter's limit (any gap when no limit is set).
    near: int = 0
    #: Not passing, with no gap: failing on a condition only, or the score unknown.
    no_gap: int = 0


def _firm_filtered(user: User, run: EvaluationRun, f: PoolFilter) -> QuerySet[EvaluationRecord]:
    qs = records_for_user(user, run)
    if f.town:
        qs = qs.filter(enterprise__town=f.town)
    if f.industry:
        qs = qs.filter(enterprise__industry_code__startswith=f.industry.strip().upper())
    if f.enclave is not None:
        qs = qs.filter(enterprise__enclave=f.enclave)
    return qs


def pool_records(
    user: User, run: EvaluationRun, f: PoolFilter, ladder: Ladder
) -> QuerySet[EvaluationRecord]:
    """The run's records of ``f.tier`` not passing it, nearest first, firm fetched alongside.

    Sorted by gap (smallest first; no gap last), then by score (highest first), then name.
    """
    qs = (
        _firm_filtered(user, run, f)
        .filter(tier=f.tier)
        .exclude(verdict=Verdict.PASS)
        .filter(f.near_q())
    )
    if f.passes_lower and (lower := ladder.below(f.tier)):
        passing_lower = run.records.filter(tier=lower, verdict=Verdict.PASS)
        qs = qs.filter(enterprise_id__in=passing_lower.values("enterprise_id"))
    return (
        qs.select_related("enterprise", "run")
        .defer("enterprise__profile", "enterprise__name_initials")
        .order_by(
            F("gap").asc(nulls_last=True),
            F("score").desc(nulls_last=True),
            "enterprise__name",
            "enterprise__credit_code",
        )
    )


def pool_counts(user: User, run: EvaluationRun, f: PoolFilter, ladder: Ladder) -> list[TierCount]:
    """Per tier (ladder order): evaluated, passed, failed, unknown, near and no-gap, one query."""
    not_pass = ~Q(verdict=Verdict.PASS)
    rows = (
        _firm_filtered(user, run, f)
        .order_by()
        .values("tier")
        .annotate(
            evaluated=Count("id"),
            passed=Count("id", filter=Q(verdict=Verdict.PASS)),
            failed=Count("id", filter=Q(verdict=Verdict.FAIL)),
            unknown=Count("id", filter=Q(verdict=Verdict.UNKNOWN)),
            near=Count("id", filter=not_pass & PoolFilter(gap_max=f.gap_max).near_q()),
            no_gap=Count("id", filter=not_pass & Q(gap__isnull=True)),
        )
    )
    # each row a plain dict, its tier popped off (the plugin types .values() rows as TypedDicts)
    found = {r.pop("tier"): r for r in cast("QuerySet[EvaluationRecord, dict[str, Any]]", rows)}
    return [TierCount(t, **found.get(t, {})) for t in ladder.ordered([*ladder.tiers, *found])]


@dataclass
class Pool:
    """The pool as one page or file shows it: the run, the filtered records and the counts.

    ``records`` is a lazy queryset (paginate it or iterate it); ``runs`` and ``towns`` query
    only when read.
    """

    user: User
    rulebook: str
    #: The rulebook's tiers as the run graded them (today's file when there is no run).
    ladder: Ladder
    run: EvaluationRun | None
    filters: PoolFilter
    records: QuerySet[EvaluationRecord]
    counts: list[TierCount] = field(default_factory=list)

    @property
    def target(self) -> TierCount:
        return next(
            (c for c in self.counts if c.tier == self.filters.tier), TierCount(self.filters.tier)
        )

    @property
    def lower_tier(self) -> str | None:
        """The tier below the target, on this rulebook's ladder."""
        return self.ladder.below(self.filters.tier)

    @cached_property
    def runs(self) -> list[EvaluationRun]:
        """The finished runs the user may pick, newest first."""
        qs = runs_for_user(self.user).filter(status=RunStatus.DONE)
        qs = qs.select_related("version")  # its name, for the picker, in the same query
        return list(qs.order_by("-as_of", "-finished_at", "-id")[:RUN_CHOICES])

    @cached_property
    def run_choices(self) -> list[tuple[int, str]]:
        """The run picker's options in words: rulebook name · as-of date (evaluation #n)."""
        return [
            (r.pk, f"{r.version.label if r.version else r.rulebook} · {r.as_of:%Y-%m-%d} (#{r.pk})")
            for r in self.runs
        ]

    @cached_property
    def towns(self) -> list[str]:
        return towns_for_user(self.user)


def pool_for_user(
    user: User, f: PoolFilter, *, rulebook: str = "", run_id: int | None = None
) -> Pool:
    """The pool from the chosen run (``run_id``, 404 unless finished and visible) or else the
    newest finished run of ``rulebook`` (default ``settings.FEIDI_DEFAULT_RULEBOOK``)."""
    run: EvaluationRun | None
    if run_id is not None:
        run = run_get_for_user(user, run_id)
        if run.status != RunStatus.DONE:
            raise Http404("run not finished")
        rulebook = run.rulebook
    else:
        rulebook = rulebook or settings.FEIDI_DEFAULT_RULEBOOK
        run = latest_run(user, rulebook)
    ladder = ladder_of(run) if run is not None else current_ladder(rulebook)
    if f.tier not in ladder.tiers:  # a tier this rulebook does not have: open on its default
        f = replace(f, tier=DEFAULT_TIER if DEFAULT_TIER in ladder.tiers else ladder.tiers[0])
    if run is None:
        return Pool(user, rulebook, ladder, None, f, EvaluationRecord.objects.none())
    return Pool(
        user,
        rulebook,
        ladder,
        run,
        f,
        pool_records(user, run, f, ladder),
        pool_counts(user, run, f, ladder),
    )
