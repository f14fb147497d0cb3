"""A finished run's aggregates: counted once from its records, then summed per user.

A finished run's records never change, so what the cockpit, the pool and a run's page count
over them is counted once — when the worker marks the run done, in the same transaction — into
small tables (``TierTally``, ``LevelTally``, ``Candidate``, ``Movement``/``MovementTally``).
Each row belongs to one *group* of firms: their jurisdiction and enclave flag (plus town and
industry where a page filters on them), as the registry held them when the run was summarised.
For every government role ``enterprise_scope`` is a filter on exactly those two columns, so a
user's figures are the same filter applied to the groups and a sum (``group_scope``); a scope
that is not (an enterprise user's own firm, a user without a division) has no group filter and
the pages count live, as before.

Runs finished before these tables existed are summarised the first time a page needs them
(``ensure_summarised``); the movement between two runs is stored per pair, for the run's
neighbours when it finishes and for any other pair the first time it is shown
(``ensure_movement``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Max, Q, Value, When, Window
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import RowNumber
from django.utils import timezone

from feidi_web.accounts.models import User
from feidi_web.accounts.scope import division_prefix
from feidi_web.enterprises.permissions import enterprise_scope
from feidi_web.evaluations.ladder import ladder_of
from feidi_web.evaluations.models import (
    Candidate,
    EvaluationRecord,
    EvaluationRun,
    LevelTally,
    Movement,
    MovementTally,
    RunStatus,
    TierTally,
    Verdict,
)

#: A failing firm this many points or fewer short of the pass mark is a *near* candidate.
NEAR_GAP = 5.0
#: Candidates listed per tier (and kept per tier and group of firms).
CANDIDATES_PER_TIER = 10
#: What tells groups of firms apart for scope: ``enterprise_scope`` of every government role
#: filters on these ``Enterprise`` columns, which every tally table repeats.
GROUP_FIELDS = frozenset({"jurisdiction_code", "enclave"})


# --- scope ------------------------------------------------------------------------------------


def group_scope(user: User) -> Q | None:
    """The user's scope as a filter on a tally's group columns, or None when it is not one
    (it names firms, or nothing): then pages count the records live."""
    q = enterprise_scope(user)
    return q if _filters_only(q, GROUP_FIELDS) else None


def _filters_only(q: Q, fields: frozenset[str]) -> bool:
    for child in q.children:
        if isinstance(child, Q):
            if not _filters_only(child, fields):
                return False
        elif not (isinstance(child, tuple) and str(child[0]).split(LOOKUP_SEP)[0] in fields):
            return False
    return True


def prefixed(q: Q, prefix: str) -> Q:
    """``q`` on a related model: every field name under ``prefix`` (``"tallies__"``)."""
    children: list[Any] = []
    for child in q.children:
        if isinstance(child, Q):
            children.append(prefixed(child, prefix))
        else:
            name, value = cast(tuple[str, object], child)
            children.append((prefix + name, value))
    return Q.create(children, connector=q.connector, negated=q.negated)


# --- counting a run ---------------------------------------------------------------------------


def _level(tiers: Sequence[str]) -> Case:
    """A passing record's tier as its rank on the ladder (1 = lowest), 0 otherwise."""
    return Case(
        *(When(verdict=Verdict.PASS, tier=t, then=Value(i)) for i, t in enumerate(tiers, 1)),
        default=Value(0),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class _Firm:
    jurisdiction_code: str
    enclave: bool
    town: str
    level: int


def _firms(run: EvaluationRun, tiers: Sequence[str]) -> dict[int, tuple[_Firm, bool]]:
    """Per firm graded in the run: its group, its highest tier passed (rank on ``tiers``) and
    whether it fails one of ``tiers`` by at most ``NEAR_GAP`` points."""
    near = Q(verdict=Verdict.FAIL, gap__lte=NEAR_GAP, tier__in=tiers)
    rows = (
        EvaluationRecord.objects.filter(run=run)
        .values_list(
            "enterprise_id",
            "enterprise__jurisdiction_code",
            "enterprise__enclave",
            "enterprise__town",
        )
        .annotate(
            level=Max(_level(tiers)),
            near=Max(Case(When(near, then=Value(1)), default=Value(0))),
        )
        .order_by()
    )
    return {eid: (_Firm(j, bool(e), town, level), bool(n)) for eid, j, e, town, level, n in rows}


def _tier_tallies(run: EvaluationRun) -> list[TierTally]:
    not_pass = ~Q(verdict=Verdict.PASS)
    rows = (
        EvaluationRecord.objects.filter(run=run)
        .values_list(
            "tier",
            "enterprise__jurisdiction_code",
            "enterprise__enclave",
            "enterprise__town",
            "enterprise__industry_code",
        )
        .annotate(
            evaluated=Count("id"),
            passed=Count("id", filter=Q(verdict=Verdict.PASS)),
            failed=Count("id", filter=Q(verdict=Verdict.FAIL)),
            unknown=Count("id", filter=Q(verdict=Verdict.UNKNOWN)),
            short=Count("id", filter=not_pass & Q(gap__isnull=False)),
            no_gap=Count("id", filter=not_pass & Q(gap__isnull=True)),
            near=Count("id", filter=Q(verdict=Verdict.FAIL, gap__lte=NEAR_GAP)),
        )
        .order_by()
    )
    return [
        TierTally(
            run=run,
            tier=tier,
            jurisdiction_code=j,
            enclave=bool(e),
            town=town,
            industry_code=industry,
            evaluated=evaluated,
            passed=passed,
            failed=failed,
            unknown=unknown,
            short=short,
            no_gap=no_gap,
            near=near,
        )
        for tier, j, e, town, industry, evaluated, passed, failed, unknown, short, no_gap, near in (
            rows
        )
    ]


def _candidates(run: EvaluationRun) -> list[Candidate]:
    """Per tier and group, the failing records closest to the pass mark — ordered as the
    cockpit lists them (gap, firm name, record), by the database's own collation."""
    ranked = (
        EvaluationRecord.objects.filter(run=run, verdict=Verdict.FAIL, gap__isnull=False)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[
                    F("tier"),
                    F("enterprise__jurisdiction_code"),
                    F("enterprise__enclave"),
                ],
                order_by=[F("gap").asc(), F("enterprise__name").asc(), F("id").asc()],
            )
        )
        .filter(rank__lte=CANDIDATES_PER_TIER)
        .values_list("id", "tier", "enterprise__jurisdiction_code", "enterprise__enclave")
    )
    return [
        Candidate(run=run, tier=tier, jurisdiction_code=j, enclave=bool(e), record_id=rid)
        for rid, tier, j, e in ranked
    ]


def _movement_tallies(
    run: EvaluationRun,
    previous: EvaluationRun,
    after: dict[int, tuple[_Firm, bool]] | None = None,
) -> list[MovementTally]:
    """Firms graded in both runs by (highest tier before, after), on ``run``'s ladder."""
    tiers = ladder_of(run).tiers
    after = after if after is not None else _firms(run, tiers)
    before = _firms(previous, tiers)
    counts = Counter(
        (firm.jurisdiction_code, firm.enclave, before[eid][0].level, firm.level)
        for eid, (firm, _near) in after.items()
        if eid in before
    )
    return [
        MovementTally(jurisdiction_code=j, enclave=e, before=b, after=a, firms=n)
        for (j, e, b, a), n in sorted(counts.items())
    ]


@dataclass
class RunSummary:
    """A run's aggregates, counted and not yet stored (``save`` writes them)."""

    run: EvaluationRun
    tiers: list[TierTally] = field(default_factory=list)
    levels: list[LevelTally] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    #: (later run, earlier run) → the movement between them.
    movements: dict[tuple[int, int], list[MovementTally]] = field(default_factory=dict)

    def save(self) -> None:
        """Store everything (call inside the transaction that marks the run summarised)."""
        TierTally.objects.bulk_create(self.tiers, batch_size=1000)
        LevelTally.objects.bulk_create(self.levels, batch_size=1000)
        Candidate.objects.bulk_create(self.candidates, batch_size=1000)
        for (run_id, previous_id), tallies in self.movements.items():
            _save_movement(run_id, previous_id, tallies)


def _save_movement(run_id: int, previous_id: int, tallies: list[MovementTally]) -> None:
    movement, created = Movement.objects.get_or_create(run_id=run_id, previous_id=previous_id)
    if created:
        for t in tallies:
            t.movement = movement
        MovementTally.objects.bulk_create(tallies, batch_size=1000)


def count_run(run: EvaluationRun, *, neighbours: bool = False) -> RunSummary:
    """Count a run's aggregates from its stored records (reads only).

    With ``neighbours`` (the worker finishing the run) it also counts the movement from the
    run's predecessor and to its successor, as the newest finished runs of each as-of date of
    the same rulebook (``_neighbours``), so the cockpit finds them stored.
    """
    tiers = ladder_of(run).tiers
    firms = _firms(run, tiers)
    levels = Counter(
        (f.jurisdiction_code, f.enclave, f.town, f.level, near) for f, near in firms.values()
    )
    summary = RunSummary(
        run=run,
        tiers=_tier_tallies(run),
        levels=[
            LevelTally(
                run=run, jurisdiction_code=j, enclave=e, town=town, level=level, near=near, firms=n
            )
            for (j, e, town, level, near), n in sorted(levels.items())
        ],
        candidates=_candidates(run),
    )
    if neighbours:
        previous, following = _neighbours(run)
        if previous is not None:
            summary.movements[(run.pk, previous.pk)] = _movement_tallies(run, previous, firms)
        if following is not None:
            summary.movements[(following.pk, run.pk)] = _movement_tallies(following, run)
    return summary


def _neighbours(run: EvaluationRun) -> tuple[EvaluationRun | None, EvaluationRun | None]:
    """The finished runs just before and after ``run``'s as-of date (the newest of their
    date), among the runs a user of the run's division sees beside it."""
    others = EvaluationRun.objects.filter(status=RunStatus.DONE, rulebook=run.rulebook).exclude(
        pk=run.pk
    )
    if run.jurisdiction_code:
        prefix = division_prefix(run.jurisdiction_code)
        others = others.filter(Q(jurisdiction_code="") | Q(jurisdiction_code__startswith=prefix))
    newest: dict[date, EvaluationRun] = {}
    for other in others.select_related("version").order_by("-as_of", "-finished_at", "-id"):
        newest.setdefault(other.as_of, other)
    earlier = [r for d, r in newest.items() if d < run.as_of]
    later = [r for d, r in newest.items() if d > run.as_of]
    return (
        max(earlier, key=lambda r: r.as_of, default=None),
        min(later, key=lambda r: r.as_of, default=None),
    )


# --- making sure they are there ---------------------------------------------------------------


def ensure_summarised(runs: Iterable[EvaluationRun]) -> None:
    """Summarise every finished run among ``runs`` that is not yet (a run finished before the
    tables existed): once, whoever asks first. No query for runs already summarised (their
    ``summarised_at`` must be loaded)."""
    for run in runs:
        if run.status != RunStatus.DONE or run.summarised_at is not None:
            continue
        summary = count_run(run)
        now = timezone.now()
        with transaction.atomic():
            # the guard: of two requests summarising at once, one stores, the other nothing
            if EvaluationRun.objects.filter(pk=run.pk, summarised_at__isnull=True).update(
                summarised_at=now
            ):
                summary.save()
        run.summarised_at = now


def ensure_movement(run: EvaluationRun, previous: EvaluationRun) -> None:
    """Store the movement between two finished runs if it is not stored yet."""
    if Movement.objects.filter(run=run, previous=previous).exists():
        return
    tallies = _movement_tallies(run, previous)
    with transaction.atomic():
        _save_movement(run.pk, previous.pk, tallies)
