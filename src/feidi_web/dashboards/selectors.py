"""The cockpit's figures: pure reads, aggregated in the database, within the user's scope.

The figures of a run are sums of its stored aggregates (``evaluations.summaries``: per tier,
per town × level, the movement between two runs, the closest candidates) over the groups of
firms in the user's scope; only the number of firms in scope is counted live. A user whose
scope is not a filter on groups (``group_scope`` is None) gets the same figures counted live
from ``EvaluationRecord`` and ``Enterprise`` rows (``live=True``, as before the aggregates).
Nothing loops over firms in Python. ``cockpit_for_user`` runs a fixed number of queries (two
when the rulebook has no finished run, :data:`QUERIES_WITH_RUNS` otherwise), whatever the
number of firms or runs — once a run is summarised (the first view of a run finished before
the aggregates existed summarises it).

Runs: of the finished runs of one rulebook the user may see, the newest of each as-of date
(a re-run of the same date replaces the earlier one). The last of these is the *latest* run,
the one before it the *previous* run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from feidi_web.accounts.models import User
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope
from feidi_web.evaluations.ladder import Ladder, current_ladder, ladder_of
from feidi_web.evaluations.models import (
    Candidate as StoredCandidate,
)
from feidi_web.evaluations.models import (
    EvaluationRecord,
    EvaluationRun,
    LevelTally,
    Movement,
    RunStatus,
    TierTally,
    Verdict,
)
from feidi_web.evaluations.selectors import records_for_user, runs_for_user
from feidi_web.evaluations.summaries import (
    CANDIDATES_PER_TIER,
    NEAR_GAP,
    ensure_movement,
    ensure_summarised,
    group_scope,
    prefixed,
)

#: Queries ``cockpit_for_user`` makes when the rulebook has at least one finished run (runs,
#: firms in scope, per tier, per town × level, movement, candidates).
QUERIES_WITH_RUNS = 6


@dataclass(frozen=True)
class Candidate:
    credit_code: str
    name: str
    town: str
    score: float | None
    pass_mark: float | None
    gap: float


@dataclass(frozen=True)
class Cockpit:
    rulebook: str
    #: The rulebook's tiers (as the latest run graded them): "highest tier passed" of a firm is
    #: its rank on this ladder, 0 for none.
    ladder: Ladder
    #: Rulebooks with at least one finished run in scope (for the rulebook picker).
    rulebooks: list[str]
    #: Firms in the user's scope (graded or not).
    firms: int
    #: One run per as-of date, oldest first; empty when the rulebook has no finished run.
    runs: list[EvaluationRun]
    #: as-of date → tier → firms passing it.
    passed_by_date: dict[date, dict[str, int]] = field(default_factory=dict)
    #: Latest run: tier → failing firms at most ``NEAR_GAP`` points short of its pass mark.
    near: dict[str, int] = field(default_factory=dict)
    #: Latest run: distinct firms near at least one tier.
    near_firms: int = 0
    #: Latest run: town → level (rank on ``ladder``) → firms whose highest tier it is.
    by_town: dict[str, dict[int, int]] = field(default_factory=dict)
    #: (level in the previous run, level in the latest run) → firms graded in both runs.
    movement: dict[tuple[int, int], int] = field(default_factory=dict)
    #: tier → the failing firms closest to its pass mark in the latest run, closest first.
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)

    @property
    def latest(self) -> EvaluationRun | None:
        return self.runs[-1] if self.runs else None

    @property
    def previous(self) -> EvaluationRun | None:
        return self.runs[-2] if len(self.runs) > 1 else None

    def passed(self, run: EvaluationRun | None) -> dict[str, int]:
        counts = self.passed_by_date.get(run.as_of, {}) if run else {}
        return {t: counts.get(t, 0) for t in self.ladder.tiers}


def cockpit_for_user(user: User, rulebook: str, *, live: bool = False) -> Cockpit:
    """Everything the cockpit shows for ``rulebook``, computed within ``user``'s scope: from
    the runs' stored aggregates, or with ``live`` (or a scope that is no filter on groups of
    firms) counted from the records."""
    all_runs = list(
        runs_for_user(user)
        .filter(status=RunStatus.DONE)
        .order_by("-as_of", "-finished_at", "-id")
        .select_related("version")
        .only(
            "id",
            "rulebook",
            "as_of",
            "finished_at",
            "version",
            "warnings",
            "status",
            "summarised_at",
        )
    )
    firms = Enterprise.objects.filter(enterprise_scope(user)).count()
    newest_per_date: dict[date, EvaluationRun] = {}
    for run in all_runs:  # runs, not firms: a few dozen rows at most
        if run.rulebook == rulebook:
            newest_per_date.setdefault(run.as_of, run)
    runs = [newest_per_date[d] for d in sorted(newest_per_date)]
    rulebooks = sorted({run.rulebook for run in all_runs})
    if not runs:
        ladder = current_ladder(rulebook)
        return Cockpit(
            rulebook=rulebook,
            ladder=ladder,
            rulebooks=rulebooks,
            firms=firms,
            runs=[],
            near=dict.fromkeys(ladder.tiers, 0),
        )
    latest = runs[-1]
    previous = runs[-2] if len(runs) > 1 else None
    ladder = ladder_of(latest)
    tiers = ladder.tiers
    groups = None if live else group_scope(user)
    if groups is not None:
        ensure_summarised(runs)
        passed_by_date, near = _stored_passed_and_near(runs, latest, tiers, groups)
        by_town, near_firms = _stored_by_town(latest, groups)
        return Cockpit(
            rulebook=rulebook,
            ladder=ladder,
            rulebooks=rulebooks,
            firms=firms,
            runs=runs,
            passed_by_date=passed_by_date,
            near=near,
            near_firms=near_firms,
            by_town=by_town,
            movement=_stored_movement(latest, previous, groups),
            candidates=_stored_candidates(latest, tiers, groups),
        )
    latest_records = records_for_user(user, latest)
    near, near_firms = _near(latest_records, tiers)
    return Cockpit(
        rulebook=rulebook,
        ladder=ladder,
        rulebooks=rulebooks,
        firms=firms,
        runs=runs,
        passed_by_date=_passed(user, runs, tiers),
        near=near,
        near_firms=near_firms,
        by_town=_by_town(user, latest.pk, tiers),
        movement=_movement(user, previous.pk if previous else None, latest.pk, tiers),
        candidates=_candidates(latest_records, tiers),
    )


# --- from the stored aggregates (evaluations.summaries) ---------------------------------------


def _stored_passed_and_near(
    runs: list[EvaluationRun], latest: EvaluationRun, tiers: tuple[str, ...], groups: Q
) -> tuple[dict[date, dict[str, int]], dict[str, int]]:
    """Passing firms per run and tier, and the latest run's near candidates per tier: one
    grouped sum over the runs' tier tallies in scope."""
    date_of = {r.pk: r.as_of for r in runs}
    rows = (
        TierTally.objects.filter(run_id__in=list(date_of), tier__in=tiers)
        .filter(groups)
        .values_list("run_id", "tier")
        .annotate(passed=Sum("passed"), near=Sum("near"))
        .order_by()
    )
    passed: dict[date, dict[str, int]] = {d: {} for d in date_of.values()}
    near = dict.fromkeys(tiers, 0)
    for run_id, tier, n_passed, n_near in rows:  # at most runs × tiers rows
        if n_passed:
            passed[date_of[run_id]][tier] = n_passed
        if run_id == latest.pk:
            near[tier] = n_near
    return passed, near


def _stored_by_town(latest: EvaluationRun, groups: Q) -> tuple[dict[str, dict[int, int]], int]:
    """Town → level → firms (level > 0), and the firms near at least one tier."""
    rows = (
        LevelTally.objects.filter(run=latest)
        .filter(groups)
        .values_list("town", "level", "near")
        .annotate(n=Sum("firms"))
        .order_by()
    )
    by_town: dict[str, dict[int, int]] = {}
    near_firms = 0
    for town, level, near, n in rows:  # towns × levels × 2 rows
        if level > 0:
            counts = by_town.setdefault(town, {})
            counts[level] = counts.get(level, 0) + n
        if near:
            near_firms += n
    return by_town, near_firms


def _stored_movement(
    latest: EvaluationRun, previous: EvaluationRun | None, groups: Q
) -> dict[tuple[int, int], int]:
    """(level before, level after) → firms graded in both runs. With a single run the query
    still runs (and finds nothing), so the page costs the same whatever the history; a pair
    not stored yet is counted and stored once."""

    def cells() -> list[tuple[int | None, int | None, int | None]]:
        return list(
            Movement.objects.filter(run=latest, previous=previous)
            .values_list("tallies__before", "tallies__after")
            .annotate(
                n=Sum(
                    "tallies__firms",
                    filter=prefixed(groups, "tallies__") if groups.children else None,
                )
            )
            .order_by()
        )

    rows = cells()
    if not rows and previous is not None:  # the pair is not stored yet
        ensure_movement(latest, previous)
        rows = cells()
    return {(b, a): n for b, a, n in rows if n and b is not None and a is not None}


def _stored_candidates(
    latest: EvaluationRun, tiers: tuple[str, ...], groups: Q
) -> dict[str, list[Candidate]]:
    """Per tier, the closest failing firms: the stored closest of each group in scope, in the
    cockpit's order (gap, name, record), the first ``CANDIDATES_PER_TIER`` of each tier. The
    firms are also checked against the scope as the registry holds it now."""
    rows = (
        StoredCandidate.objects.filter(run=latest, tier__in=tiers)
        .filter(groups)
        .filter(prefixed(groups, "record__enterprise__"))
        .order_by("tier", "record__gap", "record__enterprise__name", "record_id")
        .values_list(
            "tier",
            "record__score",
            "record__pass_mark",
            "record__gap",
            "record__enterprise__credit_code",
            "record__enterprise__name",
            "record__enterprise__town",
        )
    )
    out: dict[str, list[Candidate]] = {t: [] for t in tiers}
    for tier, score, mark, gap, code, name, town in rows:  # ≤ groups × tiers × N rows
        if len(out[tier]) < CANDIDATES_PER_TIER:
            out[tier].append(
                Candidate(
                    credit_code=str(code),
                    name=name,
                    town=town,
                    score=score,
                    pass_mark=mark,
                    gap=cast(float, gap),  # stored candidates all have one
                )
            )
    return out


# --- counted live from the records --------------------------------------------------------------


def _visible_ids(user: User) -> QuerySet[Enterprise, Mapping[str, object]]:
    return Enterprise.objects.filter(enterprise_scope(user)).values("id")


def _passed(
    user: User, runs: list[EvaluationRun], tiers: tuple[str, ...]
) -> dict[date, dict[str, int]]:
    """Passing firms per run and tier, in one grouped query (read off the run/tier/verdict
    index)."""
    date_of = {r.pk: r.as_of for r in runs}
    rows = (
        EvaluationRecord.objects.filter(
            run_id__in=list(date_of),
            enterprise__in=_visible_ids(user),
            tier__in=tiers,
            verdict=Verdict.PASS,
        )
        .values("run_id", "tier")
        .annotate(n=Count("id"))
        .order_by()
    )
    passed: dict[date, dict[str, int]] = {d: {} for d in date_of.values()}
    for row in rows:  # at most runs × tiers rows
        passed[date_of[row["run_id"]]][row["tier"]] = row["n"]
    return passed


def _near(
    latest_records: QuerySet[EvaluationRecord], tiers: tuple[str, ...]
) -> tuple[dict[str, int], int]:
    """Near candidates of the latest run: per tier, and distinct firms, in one query."""
    agg = latest_records.filter(verdict=Verdict.FAIL, gap__lte=NEAR_GAP, tier__in=tiers).aggregate(
        firms=Count("enterprise_id", distinct=True),
        **{t: Count("id", filter=Q(tier=t)) for t in tiers},
    )
    return {t: int(agg[t]) for t in tiers}, int(agg["firms"])


def _level(tiers: tuple[str, ...]) -> Case:
    """A record's tier as its rank on the ladder (1 = lowest)."""
    return Case(
        *(When(tier=t, then=Value(i)) for i, t in enumerate(tiers, start=1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _level_in(run_id: int | None, tiers: tuple[str, ...]) -> Coalesce:
    """Per firm (outer ``Enterprise`` row): the highest tier passed in the run, 0 for none."""
    top = (
        EvaluationRecord.objects.filter(
            run_id=run_id, enterprise_id=OuterRef("pk"), verdict=Verdict.PASS
        )
        .annotate(level=_level(tiers))
        .order_by("-level")
        .values("level")[:1]
    )
    return Coalesce(Subquery(top, output_field=IntegerField()), Value(0))


def _by_town(user: User, run_id: int, tiers: tuple[str, ...]) -> dict[str, dict[int, int]]:
    rows = (
        Enterprise.objects.filter(enterprise_scope(user))
        .annotate(level=_level_in(run_id, tiers))
        .filter(level__gt=0)
        .values("town", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[str, dict[int, int]] = {}
    for row in rows:  # towns × tiers rows
        out.setdefault(row["town"], {})[row["level"]] = row["n"]
    return out


def _movement(
    user: User, previous_id: int | None, latest_id: int, tiers: tuple[str, ...]
) -> dict[tuple[int, int], int]:
    """Firms graded in both runs, grouped by (highest tier before, highest tier after).

    With a single run (``previous_id`` None) the query still runs and finds nothing, so the
    page costs the same number of queries whatever the history.
    """
    in_run = EvaluationRecord.objects.values("enterprise_id")
    rows = (
        Enterprise.objects.filter(enterprise_scope(user))
        .filter(pk__in=in_run.filter(run_id=previous_id))
        .filter(pk__in=in_run.filter(run_id=latest_id))
        .annotate(before=_level_in(previous_id, tiers), after=_level_in(latest_id, tiers))
        .values("before", "after")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["before"], row["after"]): row["n"] for row in rows}


def _candidates(
    latest_records: QuerySet[EvaluationRecord], tiers: tuple[str, ...]
) -> dict[str, list[Candidate]]:
    """Per tier, the failing firms with the smallest gap, in one windowed query."""
    rows = (
        latest_records.filter(verdict=Verdict.FAIL, gap__isnull=False, tier__in=tiers)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("tier"),
                order_by=[F("gap").asc(), F("enterprise__name").asc(), F("id").asc()],
            )
        )
        .filter(rank__lte=CANDIDATES_PER_TIER)
        .order_by("tier", "rank")
        .values(
            "tier",
            "score",
            "pass_mark",
            "gap",
            "enterprise__credit_code",
            "enterprise__name",
            "enterprise__town",
        )
    )
    out: dict[str, list[Candidate]] = {t: [] for t in tiers}
    for row in rows:  # at most tiers × CANDIDATES_PER_TIER rows
        out[row["tier"]].append(
            Candidate(
                credit_code=str(row["enterprise__credit_code"]),  # graded: it has one
                name=row["enterprise__name"],
                town=row["enterprise__town"],
                score=row["score"],
                pass_mark=row["pass_mark"],
                gap=cast(float, row["gap"]),  # never None: gap__isnull=False above
            )
        )
    return out
