"""A finished run's stored aggregates give exactly what counting its records live gives, for
every role and filter; runs finished before they existed are summarised on first view; the
pool's pages read in index order list exactly ``pool_records``; records' JSON as before.
"""

from __future__ import annotations

import io
import json
import math
from datetime import date

import polars as pl
import pytest
from django.core.management import call_command
from django.core.paginator import Paginator
from tests.web.conftest import AS_OF, make_user

from feidi.rules import evaluate
from feidi_web.accounts.models import Role, User
from feidi_web.dashboards.selectors import cockpit_for_user
from feidi_web.enterprises.codec import jsonable
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.selectors import dataset_for, towns_for_user
from feidi_web.evaluations.ladder import ladder_of
from feidi_web.evaluations.models import (
    EvaluationRecord,
    EvaluationRun,
    LevelTally,
    Movement,
    TierTally,
)
from feidi_web.evaluations.selectors import run_tier_counts
from feidi_web.evaluations.services import evaluation_run_execute, records_json
from feidi_web.evaluations.summaries import group_scope
from feidi_web.pool.selectors import PoolFilter, pool_counts, pool_for_user, pool_records

RULEBOOK = "miit-2022"
EARLIER = date(2025, 6, 30)
NEIGHBOUR = "320582"  # 张家港: some of the city's firms are moved there for these tests


def grade(admin, as_of: date) -> EvaluationRun:
    run = EvaluationRun.objects.create(rulebook=RULEBOOK, as_of=as_of, created_by=admin)
    run = evaluation_run_execute(run_id=run.pk)
    assert run.status == "done", run.error
    return run


def forget_aggregates(*runs: EvaluationRun) -> None:
    """As for a run finished before the aggregates existed."""
    for run in runs:
        run.tier_tallies.all().delete()
        run.level_tallies.all().delete()
        run.candidates.all().delete()
        Movement.objects.filter(run=run).delete()
        Movement.objects.filter(previous=run).delete()
        EvaluationRun.objects.filter(pk=run.pk).update(summarised_at=None)


@pytest.fixture
def two_counties(city, admin_user) -> tuple[EvaluationRun, EvaluationRun]:
    """The test city with a quarter of its firms (one enclave firm among them) moved to a
    neighbouring county and a few to other towns, graded twice."""
    moved = [*[e.pk for e in city if not e.enclave][::4], next(e.pk for e in city if e.enclave)]
    Enterprise.objects.filter(pk__in=moved).update(jurisdiction_code=NEIGHBOUR)
    Enterprise.objects.filter(pk__in=[e.pk for e in city][1::7]).update(town="")
    return grade(admin_user, EARLIER), grade(admin_user, AS_OF)


@pytest.fixture
def users(admin_user, staff_user, operator_user, other_staff_user) -> dict[str, object]:
    return {
        "admin": admin_user,
        "county staff": staff_user,
        "enclave operator": operator_user,
        "another county's staff": other_staff_user,
        "neighbour staff": make_user("neighbour", Role.COUNTY_STAFF, division=NEIGHBOUR),
        "neighbour enclave operator": make_user(
            "neighbour-op", Role.ENCLAVE_OPERATOR, division=NEIGHBOUR
        ),
        "prefecture staff": make_user("prefecture", Role.COUNTY_STAFF, division="320500"),
    }


def as_dict(cockpit) -> dict[str, object]:
    return {
        "firms": cockpit.firms,
        "runs": [r.pk for r in cockpit.runs],
        "rulebooks": cockpit.rulebooks,
        "passed": {r.as_of: cockpit.passed(r) for r in cockpit.runs},
        "near": cockpit.near,
        "near_firms": cockpit.near_firms,
        "by_town": cockpit.by_town,
        "movement": cockpit.movement,
        "candidates": cockpit.candidates,
    }


def test_every_government_role_has_a_scope_on_groups_of_firms(users, firm_user):
    for name, user in users.items():
        assert group_scope(user) is not None, name
    assert group_scope(firm_user) is None  # one firm: counted live
    # no division (the database refuses to store one; scope still says: nothing)
    assert group_scope(User(username="nobody", role=Role.COUNTY_STAFF)) is None


def test_cockpit_from_the_aggregates_equals_counting_the_records(users, two_counties):
    for name, user in users.items():
        stored = as_dict(cockpit_for_user(user, RULEBOOK))
        live = as_dict(cockpit_for_user(user, RULEBOOK, live=True))
        assert stored == live, name
    staff = as_dict(cockpit_for_user(users["county staff"], RULEBOOK))
    neighbour = as_dict(cockpit_for_user(users["neighbour staff"], RULEBOOK))
    assert staff["movement"]
    assert neighbour["movement"]
    assert any(staff["candidates"].values())
    assert any(neighbour["candidates"].values())
    assert cockpit_for_user(users["another county's staff"], RULEBOOK).movement == {}


FILTERS = [
    PoolFilter(),
    PoolFilter(tier="innovative", include_no_gap=True),
    PoolFilter(tier="little_giant", gap_max=5),
    PoolFilter(tier="innovative", gap_max=10, include_no_gap=True, enclave=True),
    PoolFilter(tier="specialized", enclave=False, industry="C"),
    PoolFilter(tier="specialized", passes_lower=True, gap_max=20),
]


def test_pool_counts_from_the_aggregates_equal_counting_the_records(users, two_counties):
    _earlier, latest = two_counties
    ladder = ladder_of(latest)
    towns = sorted({e.town for e in Enterprise.objects.all()})
    filters = [*FILTERS, PoolFilter(town=towns[-1]), PoolFilter(town="", gap_max=0)]
    for name, user in users.items():
        for f in filters:
            stored = pool_counts(user, latest, f, ladder)
            live = pool_counts(user, latest, f, ladder, live=True)
            assert stored == live, (name, f)
    staff_counts = pool_counts(users["county staff"], latest, PoolFilter(), ladder)
    assert sum(c.evaluated for c in staff_counts) > 0


def test_the_pools_town_list_is_the_registrys_when_every_firm_was_graded(users, two_counties):
    for name, user in users.items():
        assert pool_for_user(user, PoolFilter()).towns == towns_for_user(user), name
    assert pool_for_user(users["county staff"], PoolFilter()).towns


def test_a_runs_verdict_counts_from_the_aggregates_equal_counting_the_records(
    users, two_counties, firm_user
):
    _earlier, latest = two_counties
    for name, user in [*users.items(), ("firm", firm_user)]:
        stored = sorted(run_tier_counts(user, latest), key=lambda r: r["tier"])
        live = sorted(
            (
                {
                    "tier": t,
                    "passed": qs.filter(verdict="pass").count(),
                    "failed": qs.filter(verdict="fail").count(),
                    "unknown": qs.filter(verdict="unknown").count(),
                }
                for t in ladder_of(latest).tiers
                if (
                    qs := latest.records.filter(
                        tier=t, enterprise__in=Enterprise.objects.filter(user_scope(user))
                    )
                ).exists()
            ),
            key=lambda r: r["tier"],
        )
        assert stored == live, name


def user_scope(user):
    from feidi_web.enterprises.permissions import enterprise_scope

    return enterprise_scope(user)


def test_a_run_finished_before_the_aggregates_is_summarised_once_when_first_shown(
    client, staff_user, two_counties, django_assert_num_queries
):
    earlier, latest = two_counties
    live = as_dict(cockpit_for_user(staff_user, RULEBOOK, live=True))
    forget_aggregates(earlier, latest)
    assert not TierTally.objects.exists()
    assert not LevelTally.objects.exists()

    assert as_dict(cockpit_for_user(staff_user, RULEBOOK)) == live

    latest.refresh_from_db()
    assert latest.summarised_at is not None
    assert Movement.objects.filter(run=latest, previous=earlier).count() == 1
    tallies = TierTally.objects.count()
    client.force_login(staff_user)
    from feidi_web.dashboards.selectors import QUERIES_WITH_RUNS
    from feidi_web.pipeline.selectors import FUNNEL_QUERIES

    # session, user, the cockpit's reads, the pipeline's figures: nothing counted
    with django_assert_num_queries(2 + QUERIES_WITH_RUNS + FUNNEL_QUERIES):
        assert client.get("/cockpit/").status_code == 200
    assert TierTally.objects.count() == tallies


def test_summarise_runs_stores_what_older_runs_lack(staff_user, two_counties):
    earlier, latest = two_counties
    live = as_dict(cockpit_for_user(staff_user, RULEBOOK, live=True))
    forget_aggregates(earlier, latest)

    call_command("summarise_runs", stdout=io.StringIO())

    assert EvaluationRun.objects.filter(summarised_at__isnull=True).count() == 0
    assert TierTally.objects.filter(run=earlier).exists()
    assert as_dict(cockpit_for_user(staff_user, RULEBOOK)) == live


def test_the_finishing_worker_stores_the_movement_from_and_to_its_neighbours(admin_user, city):
    later = grade(admin_user, AS_OF)
    earlier = grade(admin_user, EARLIER)  # finished second, but earlier: the later run's pair

    assert Movement.objects.filter(run=later, previous=earlier).exists()
    assert later.summarised_at is not None
    assert earlier.summarised_at is not None


@pytest.mark.parametrize(
    "f",
    [
        PoolFilter(tier="innovative", include_no_gap=True),
        PoolFilter(tier="innovative"),
        PoolFilter(tier="little_giant", include_no_gap=True),
        PoolFilter(tier="specialized", include_no_gap=True, passes_lower=True),
        PoolFilter(tier="innovative", gap_max=10, include_no_gap=True),
        PoolFilter(tier="specialized", enclave=False, include_no_gap=True),
    ],
)
def test_the_pools_pages_list_exactly_pool_records_in_its_order(staff_user, two_counties, f):
    _earlier, latest = two_counties
    pool = pool_for_user(staff_user, f, run_id=latest.pk)
    want = [r.pk for r in pool_records(staff_user, latest, pool.filters, pool.ladder)]
    assert want

    paginator = Paginator(pool.listing, 7)
    got = [r.pk for n in paginator.page_range for r in paginator.page(n).object_list]

    assert paginator.count == len(want)
    assert got == want


def test_stored_records_are_the_cores_records_as_json(two_counties):
    _earlier, latest = two_counties
    data = dataset_for(Enterprise.objects.all())
    core = evaluate(data, ladder_of(latest).book, latest.as_of).records().collect()
    want = {
        (row["credit_code"], row["tier"]): json.loads(json.dumps(jsonable(row)))
        for row in core.iter_rows(named=True)
    }
    stored = {
        (code, tier): record
        for code, tier, record in EvaluationRecord.objects.filter(run=latest).values_list(
            "enterprise__credit_code", "tier", "record"
        )
    }
    assert stored == want
    assert any('"none"' in json.dumps(r) for r in stored.values())  # +∞ stored as "none"


def test_records_json_handles_infinities_and_lookalike_text():
    frame = pl.DataFrame(
        {
            "name": ["x:1.7976931348623157e+308,y", "plain", None],
            "score": [1.7976931348623157e308, math.inf, float("nan")],
            "items": [
                [{"observed": math.inf, "gap": -math.inf}],
                [{"observed": 1.5, "gap": None}],
                None,
            ],
        }
    )
    for text, row in zip(records_json(frame), frame.iter_rows(named=True), strict=True):
        assert json.loads(text) == json.loads(json.dumps(jsonable(row)))
    assert json.loads(records_json(frame)[1])["score"] == "none"
