"""The leaders' cockpit: its figures equal counts taken straight from the records, in scope."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date

import pytest

from feidi.schema import TITLE_LEVELS
from feidi_web.dashboards.selectors import (
    CANDIDATES_PER_TIER,
    NEAR_GAP,
    QUERIES_WITH_RUNS,
    cockpit_for_user,
)
from feidi_web.evaluations.models import EvaluationRun, Movement
from feidi_web.evaluations.services import evaluation_run_execute
from feidi_web.pipeline.selectors import FUNNEL_QUERIES

RULEBOOK = "miit-2022"
EARLIER = date(2025, 6, 30)
#: Queries of an authenticated page before the view runs: the session and the user.
REQUEST_QUERIES = 2
#: The pipeline's figures on the cockpit of staff: the projects in scope and their history.
PIPELINE_QUERIES = FUNNEL_QUERIES


def grade(admin, as_of: date, rulebook: str = RULEBOOK) -> EvaluationRun:
    run = EvaluationRun.objects.create(rulebook=rulebook, as_of=as_of, created_by=admin)
    run = evaluation_run_execute(run_id=run.pk)
    assert run.status == "done", run.error
    return run


def forget_aggregates(*runs: EvaluationRun) -> None:
    """Drop the stored aggregates of finished runs whose records a test edited (the platform
    never does): they are counted again when next shown, as for a run finished before they
    existed."""
    for run in runs:
        run.tier_tallies.all().delete()
        run.level_tallies.all().delete()
        run.candidates.all().delete()
        Movement.objects.filter(run=run).delete()
        Movement.objects.filter(previous=run).delete()
        EvaluationRun.objects.filter(pk=run.pk).update(summarised_at=None)


def levels_of(run: EvaluationRun) -> dict[int, int]:
    """Highest tier passed per firm of the run (0 none … 3 little giant), from its records."""
    levels = {}
    for eid, tier, verdict in run.records.values_list("enterprise_id", "tier", "verdict"):
        level = TITLE_LEVELS.index(tier) + 1 if verdict == "pass" else 0
        levels[eid] = max(levels.get(eid, 0), level)
    return levels


def kpi(body: str, card_id: str) -> int:
    m = re.search(rf'id="{card_id}">.*?data-value="(\d+)"', body, re.S)
    assert m, card_id
    return int(m.group(1))


def test_cockpit_for_user_counts_equal_the_records(staff_user, graded_city, city):
    run = graded_city
    data = cockpit_for_user(staff_user, RULEBOOK)
    records = list(run.records.values("enterprise_id", "tier", "verdict", "gap"))

    assert data.firms == len(city) == 33
    assert [r.pk for r in data.runs] == [run.pk]
    assert data.latest.pk == run.pk
    assert data.previous is None
    assert data.passed(run) == {
        t: sum(1 for r in records if r["tier"] == t and r["verdict"] == "pass")
        for t in TITLE_LEVELS
    }
    near = [r for r in records if r["verdict"] == "fail" and r["gap"] is not None]
    near = [r for r in near if r["gap"] <= NEAR_GAP]
    assert data.near == {t: sum(1 for r in near if r["tier"] == t) for t in TITLE_LEVELS}
    assert data.near_firms == len({r["enterprise_id"] for r in near})
    assert sum(data.passed(run).values()) > 0


def test_cockpit_for_user_by_town_counts_each_firm_once_at_its_highest_tier(
    staff_user, graded_city, city
):
    town_of = {e.pk: e.town for e in city}
    expected: dict[str, dict[int, int]] = {}
    for eid, level in levels_of(graded_city).items():
        if level:
            counts = expected.setdefault(town_of[eid], {})
            counts[level] = counts.get(level, 0) + 1

    data = cockpit_for_user(staff_user, RULEBOOK)

    assert data.by_town == expected
    assert sum(sum(c.values()) for c in data.by_town.values()) == sum(
        1 for level in levels_of(graded_city).values() if level
    )


def test_cockpit_for_user_candidates_are_the_failing_firms_with_the_smallest_gap(
    staff_user, graded_city
):
    data = cockpit_for_user(staff_user, RULEBOOK)

    for tier in TITLE_LEVELS:
        failing = graded_city.records.filter(tier=tier, verdict="fail", gap__isnull=False)
        gaps = sorted(failing.values_list("gap", flat=True))[:CANDIDATES_PER_TIER]
        assert [c.gap for c in data.candidates[tier]] == gaps
        codes = {c.credit_code for c in data.candidates[tier]}
        assert codes <= set(failing.values_list("enterprise__credit_code", flat=True))
    assert any(data.candidates.values())


def test_cockpit_for_user_takes_the_newest_run_of_each_as_of_date(
    staff_user, admin_user, graded_city
):
    rerun = grade(admin_user, graded_city.as_of)
    grade(admin_user, graded_city.as_of, rulebook="miit-2026")

    data = cockpit_for_user(staff_user, RULEBOOK)

    assert [r.pk for r in data.runs] == [rerun.pk]
    assert data.rulebooks == ["miit-2022", "miit-2026"]


def test_cockpit_for_user_movement_totals_equal_firms_in_both_runs(
    staff_user, admin_user, graded_city, city
):
    earlier = grade(admin_user, EARLIER)
    before, after = levels_of(earlier), levels_of(graded_city)
    expected = Counter((before[e], after[e]) for e in before.keys() & after.keys())

    data = cockpit_for_user(staff_user, RULEBOOK)

    assert [r.pk for r in data.runs] == [earlier.pk, graded_city.pk]
    assert data.movement == dict(expected)
    assert sum(data.movement.values()) == len(city) == 33


def test_cockpit_for_user_movement_counts_a_changed_firm_in_its_cell(
    staff_user, admin_user, graded_city, city
):
    earlier = grade(admin_user, EARLIER)
    firm = city[5]
    # the firm passed nothing before and reaches specialized (not little giant) now
    earlier.records.filter(enterprise=firm).update(verdict="fail")
    graded_city.records.filter(enterprise=firm, tier__in=["innovative", "specialized"]).update(
        verdict="pass"
    )
    graded_city.records.filter(enterprise=firm, tier="little_giant").update(verdict="fail")
    forget_aggregates(earlier, graded_city)
    before, after = levels_of(earlier), levels_of(graded_city)
    assert (before[firm.pk], after[firm.pk]) == (0, 2)
    others = Counter((before[e], after[e]) for e in before if e != firm.pk)

    data = cockpit_for_user(staff_user, RULEBOOK)

    assert data.movement[(0, 2)] == others[(0, 2)] + 1
    assert data.movement == dict(others + Counter({(0, 2): 1}))


def test_cockpit_page_shows_the_matrix_and_the_sankey(client, staff_user, admin_user, graded_city):
    grade(admin_user, EARLIER)
    data = cockpit_for_user(staff_user, RULEBOOK)
    client.force_login(staff_user)

    r = client.get("/cockpit/")
    body = r.content.decode()

    assert r.status_code == 200
    assert f'id="movement-total" data-n="{len(levels_of(graded_city))}"' in body
    for (b, a), n in data.movement.items():
        frm, to = ("none", *TITLE_LEVELS)[b], ("none", *TITLE_LEVELS)[a]
        assert f'data-from="{frm}" data-to="{to}" data-n="{n}"' in body
    up = sum(n for (b, a), n in data.movement.items() if a > b)
    down = sum(n for (b, a), n in data.movement.items() if a < b)
    assert f'data-kind="up" data-n="{up}"' in body
    assert f'data-kind="down" data-n="{down}"' in body
    payload = json.loads(re.search(r'id="cockpit-data"[^>]*>(.*?)</script>', body, re.S)[1])
    assert sum(link["value"] for link in payload["movement"]["links"]) == 33
    for chart_id in ("chart-by-year", "chart-by-town", "chart-movement"):
        assert f'id="{chart_id}"' in body
    assert "vendor/echarts.min.js" in body
    assert "dashboards/cockpit.js" in body


def test_cockpit_page_shows_kpis_charts_and_candidates(client, staff_user, graded_city, city):
    data = cockpit_for_user(staff_user, RULEBOOK)
    client.force_login(staff_user)

    r = client.get("/cockpit/")
    body = r.content.decode()

    assert r.status_code == 200
    assert kpi(body, "kpi-firms") == 33
    for tier in TITLE_LEVELS:
        assert kpi(body, f"kpi-{tier}") == data.passed(graded_city)[tier]
        assert f'id="candidates-{tier}"' in body
    assert kpi(body, "kpi-near") == data.near_firms
    for c in data.candidates["specialized"] or data.candidates["innovative"]:
        assert f'href="/enterprises/{c.credit_code}/"' in body
    payload = json.loads(re.search(r'id="cockpit-data"[^>]*>(.*?)</script>', body, re.S)[1])
    assert payload["byYear"]["categories"] == [graded_city.as_of.isoformat()]
    assert [s["data"] for s in payload["byYear"]["series"]] == [
        [data.passed(graded_city)[t]] for t in TITLE_LEVELS
    ]
    assert "movement" not in payload
    assert 'id="movement-none"' in body


def test_cockpit_page_labels_are_translated_on_the_server(
    client, staff_user, graded_city, settings
):
    client.force_login(staff_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # what the language switch sets

    r = client.get("/cockpit/")
    payload = json.loads(
        re.search(r'id="cockpit-data"[^>]*>(.*?)</script>', r.content.decode(), re.S)[1]
    )

    assert payload["byYear"]["title"] == "Firms passing each tier, by as-of date"
    assert [s["name"] for s in payload["byYear"]["series"]] == [
        "Innovative SME",
        "Specialised and sophisticated SME (SRDI)",
        "Little giant SRDI enterprise",
    ]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get("/cockpit/").content.decode()
    payload = json.loads(re.search(r'id="cockpit-data"[^>]*>(.*?)</script>', body, re.S)[1])
    assert payload["byYear"]["series"][0]["name"] == "创新型中小企业"


def test_cockpit_other_county_staff_sees_zero_firms(client, other_staff_user, graded_city):
    data = cockpit_for_user(other_staff_user, RULEBOOK)

    assert data.firms == 0
    assert data.passed(data.latest) == dict.fromkeys(TITLE_LEVELS, 0)
    assert data.near == dict.fromkeys(TITLE_LEVELS, 0)
    assert data.near_firms == 0
    assert data.by_town == {}
    assert data.movement == {}
    assert data.candidates == {t: [] for t in TITLE_LEVELS}
    client.force_login(other_staff_user)
    body = client.get("/cockpit/").content.decode()
    assert kpi(body, "kpi-firms") == 0
    assert "/enterprises/9" not in body


def test_cockpit_enclave_operator_sees_only_enclave_firms(operator_user, graded_city, city):
    enclave = {e.pk for e in city if e.enclave}
    passed = graded_city.records.filter(enterprise__in=enclave, verdict="pass")

    data = cockpit_for_user(operator_user, RULEBOOK)

    assert data.firms == len(enclave) == 3
    assert data.passed(graded_city) == {t: passed.filter(tier=t).count() for t in TITLE_LEVELS}


def test_cockpit_enterprise_user_gets_403(client, firm_user, graded_city):
    client.force_login(firm_user)

    assert client.get("/cockpit/").status_code == 403


def test_cockpit_anonymous_user_is_sent_to_login(client, graded_city):
    r = client.get("/cockpit/")

    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/")


def test_cockpit_without_runs_shows_the_firms_and_an_empty_state(client, staff_user, city):
    client.force_login(staff_user)

    body = client.get("/cockpit/").content.decode()

    assert kpi(body, "kpi-firms") == 33
    assert 'id="cockpit-empty"' in body
    assert 'id="chart-by-year"' not in body
    assert "echarts" not in body


def test_cockpit_unknown_rulebook_falls_back_to_the_default(client, staff_user, graded_city):
    client.force_login(staff_user)

    r = client.get("/cockpit/", {"rulebook": "../../etc/passwd"})

    assert r.status_code == 200
    assert r.context["cockpit"].rulebook == RULEBOOK
    assert r.context["cockpit"].latest.pk == graded_city.pk


def test_cockpit_rulebook_without_runs_shows_the_empty_state(client, staff_user, graded_city):
    client.force_login(staff_user)

    r = client.get("/cockpit/", {"rulebook": "miit-2026"})
    body = r.content.decode()

    assert r.context["cockpit"].rulebook == "miit-2026"
    assert 'id="cockpit-empty"' in body
    assert '<option value="miit-2022">' in body


@pytest.mark.parametrize("n_runs", [1, 3])
def test_cockpit_query_count_is_the_same_for_1_and_3_runs(
    client, staff_user, admin_user, graded_city, n_runs, django_assert_num_queries
):
    for year in range(2025, 2025 - (n_runs - 1), -1):
        grade(admin_user, date(year, 6, 30))
    client.force_login(staff_user)

    with django_assert_num_queries(REQUEST_QUERIES + QUERIES_WITH_RUNS + PIPELINE_QUERIES):
        r = client.get("/cockpit/")

    assert r.status_code == 200
    assert len(r.context["cockpit"].runs) == n_runs


def test_cockpit_query_count_without_runs(client, staff_user, city, django_assert_num_queries):
    client.force_login(staff_user)

    with django_assert_num_queries(REQUEST_QUERIES + 2 + PIPELINE_QUERIES):
        assert client.get("/cockpit/").status_code == 200
