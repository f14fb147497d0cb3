"""The cultivation pool (培育库): the firms closest to a tier they do not pass yet.

Everything is read from a finished evaluation run's stored records (``score``, ``pass_mark``,
``gap``, ``verdict``) within the user's scope; no rule is re-computed here. The counts per tier
are sums of the run's tier tallies over the groups in scope (``evaluations.summaries``; only
the number within a chosen gap is counted from the records); the list is read page by page in
the order of the ``record_pool_order`` index, so a page reads about as many records as it shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, cast, overload

from django.conf import settings
from django.db.models import Count, F, OrderBy, Q, QuerySet, Subquery, Sum, Value
from django.http import Http404

from feidi_web.accounts.models import User
from feidi_web.enterprises.selectors import towns_for_user
from feidi_web.evaluations.ladder import Ladder, current_ladder, ladder_of
from feidi_web.evaluations.models import (
    EvaluationRecord,
    EvaluationRun,
    RunStatus,
    TierTally,
    Verdict,
)
from feidi_web.evaluations.selectors import (
    latest_run,
    records_for_user,
    run_get_for_user,
    runs_for_user,
)
from feidi_web.evaluations.summaries import ensure_summarised, group_scope

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


def _not_passing(
    user: User, run: EvaluationRun, f: PoolFilter, ladder: Ladder
) -> QuerySet[EvaluationRecord]:
    """The run's records of ``f.tier`` in scope and filters that do not pass it (any gap)."""
    qs = _firm_filtered(user, run, f).filter(tier=f.tier).exclude(verdict=Verdict.PASS)
    if f.passes_lower and (lower := ladder.below(f.tier)):
        passing_lower = run.records.filter(tier=lower, verdict=Verdict.PASS)
        qs = qs.filter(enterprise_id__in=passing_lower.values("enterprise_id"))
    return qs.select_related("enterprise", "run").defer(
        "enterprise__profile", "enterprise__name_initials"
    )


#: After gap and score, ties are listed by name and credit code.
_BY_FIRM = ("enterprise__name", "enterprise__credit_code")


def _score_desc() -> OrderBy:
    return F("score").desc(nulls_last=True)


def pool_records(
    user: User, run: EvaluationRun, f: PoolFilter, ladder: Ladder
) -> QuerySet[EvaluationRecord]:
    """The run's records of ``f.tier`` not passing it, nearest first, firm fetched alongside.

    Sorted by gap (smallest first; no gap last), then by score (highest first), then name.
    """
    return (
        _not_passing(user, run, f, ladder)
        .filter(f.near_q())
        .order_by(F("gap").asc(nulls_last=True), _score_desc(), *_BY_FIRM)
    )


@dataclass
class PoolList:
    """``pool_records`` as a page reads it (a ``Paginator``'s object list): the records with a
    gap within the filter first, in index order (gap, then score) and stopped after the page,
    then — when the filter includes them — those without a gap. Its length comes from the
    counts whenever they give it, so no query counts the records."""

    #: not passing, gap within the filter, in the list's order
    scored: QuerySet[EvaluationRecord]
    #: not passing, no gap, in the list's order; None when the filter leaves them out
    unscored: QuerySet[EvaluationRecord] | None
    #: how many records each part holds (None: not known from the counts, counted when asked)
    n_scored: int | None
    n_unscored: int | None

    def _sizes(self) -> tuple[int, int]:
        if self.n_scored is None:
            self.n_scored = self.scored.count()
        if self.n_unscored is None:
            self.n_unscored = self.unscored.count() if self.unscored is not None else 0
        return self.n_scored, self.n_unscored

    def count(self) -> int:
        return sum(self._sizes())

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[EvaluationRecord]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, index: int) -> EvaluationRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[EvaluationRecord]: ...
    def __getitem__(self, index: int | slice) -> EvaluationRecord | list[EvaluationRecord]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        n_scored, _n = self._sizes()
        rows: list[EvaluationRecord] = (
            _page(self.scored, start, min(stop, n_scored)) if start < n_scored else []
        )
        if self.unscored is not None and stop > n_scored:
            rows += _page(self.unscored, max(start - n_scored, 0), stop - n_scored)
        return rows


def _page(ordered: QuerySet[EvaluationRecord], start: int, stop: int) -> list[EvaluationRecord]:
    """``ordered[start:stop]`` in one query that finds the page's ids first: the rows skipped
    on the way are read from the index and the firm's name, never with their JSON."""
    ids = ordered.values("id")[start:stop]
    return list(ordered.filter(id__in=Subquery(ids)))


def pool_list(
    user: User, run: EvaluationRun, f: PoolFilter, ladder: Ladder, counts: list[TierCount]
) -> PoolList:
    """The pool's list for paging (see ``PoolList``), its sizes taken from ``counts``."""
    base = _not_passing(user, run, f, ladder)
    scored_q = Q(gap__isnull=False) if f.gap_max is None else Q(gap__lte=f.gap_max)
    # gap is never null here: no NULLS LAST on it, so the index gives the order
    scored = base.filter(scored_q).order_by("gap", _score_desc(), *_BY_FIRM)
    unscored = (
        base.filter(gap__isnull=True).order_by(_score_desc(), *_BY_FIRM)
        if f.include_no_gap
        else None
    )
    target = next((c for c in counts if c.tier == f.tier), TierCount(f.tier))
    known = not f.passes_lower  # the counts do not know which firms pass the tier below
    return PoolList(
        scored,
        unscored,
        target.near if known else None,
        (target.no_gap if f.include_no_gap else 0) if known else None,
    )


def pool_counts(
    user: User, run: EvaluationRun, f: PoolFilter, ladder: Ladder, *, live: bool = False
) -> list[TierCount]:
    """Per tier (ladder order): evaluated, passed, failed, unknown, near and no-gap, in one
    query.

    Summed from the run's tier tallies over the groups in scope — with a gap limit, united with
    a count of the records within it; counted from the records with ``live`` or when the
    user's scope is no filter on groups of firms.
    """
    groups = None if live else group_scope(user)
    if groups is None:
        return _live_counts(user, run, f, ladder)
    ensure_summarised([run])
    tallies = TierTally.objects.filter(run=run).filter(groups)
    if f.town:
        tallies = tallies.filter(town=f.town)
    if f.industry:
        tallies = tallies.filter(industry_code__startswith=f.industry.strip().upper())
    if f.enclave is not None:
        tallies = tallies.filter(enclave=f.enclave)
    zero = Value(0)
    columns = ("evaluated", "passed", "failed", "unknown", "short", "no_gap")
    rows = (
        tallies.values_list("tier").annotate(**{c: Sum(c) for c in columns}, within=zero).order_by()
    )
    if f.gap_max is not None:
        # within a chosen gap: counted from the records (read off the pool's index), in the
        # same query
        rows = rows.union(
            _firm_filtered(user, run, f)
            # the run's tiers named, so the index is read by tier within the gap, not whole
            .filter(tier__in=TierTally.objects.filter(run=run).values("tier").distinct())
            .exclude(verdict=Verdict.PASS)
            .filter(gap__lte=f.gap_max)
            .values_list("tier")
            .annotate(**dict.fromkeys(columns, zero), within=Count("id"))
            .order_by(),
            all=True,
        )
    sums: dict[str, Counter[str]] = {}
    for tier, *numbers, within in rows:
        sums.setdefault(tier, Counter()).update(
            {**dict(zip(columns, numbers, strict=True)), "within": within}
        )
    near = "short" if f.gap_max is None else "within"
    return [
        TierCount(
            t,
            evaluated=sums[t]["evaluated"],
            passed=sums[t]["passed"],
            failed=sums[t]["failed"],
            unknown=sums[t]["unknown"],
            near=sums[t][near],
            no_gap=sums[t]["no_gap"],
        )
        if t in sums
        else TierCount(t)
        for t in ladder.ordered([*ladder.tiers, *sums])
    ]


def _live_counts(user: User, run: EvaluationRun, f: PoolFilter, ladder: Ladder) -> list[TierCount]:
    """``pool_counts`` counted from the records, in one query."""
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

    ``records`` is a lazy queryset (iterate it: the files), ``listing`` the same list for a
    page to paginate; ``runs`` and ``towns`` query only when read.
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
    def listing(self) -> PoolList | QuerySet[EvaluationRecord]:
        """``records`` for a ``Paginator``: a ``PoolList`` (sizes from the counts, each page
        read in index order), or the empty queryset when there is no run."""
        if self.run is None:
            return self.records
        return pool_list(self.user, self.run, self.filters, self.ladder, self.counts)

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
        """The towns the list can be narrowed to: those of the run's firms in scope (its tier
        tallies; the registry's own list scans every firm), else the registry's."""
        groups = group_scope(self.user)
        if self.run is None or groups is None:
            return towns_for_user(self.user)
        tallies = TierTally.objects.filter(run=self.run).filter(groups).exclude(town="")
        return list(tallies.values_list("town", flat=True).distinct().order_by("town"))


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
