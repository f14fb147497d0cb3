"""Registry search, firm page, evaluations: answers and query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.web.conftest import load_city

from feidi.rules import review_due
from feidi_web.enterprises.codec import name_initials
from feidi_web.enterprises.models import DataImport, Enterprise
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun
from feidi_web.evaluations.services import evaluation_run_create, evaluation_run_execute


def _codes(response) -> list[str]:
    import re

    return re.findall(r"<code>([0-9A-Z]{18})</code>", response.content.decode())


def test_search_by_name_initials_code_industry_and_town(client, staff_user, city):
    client.force_login(staff_user)
    firm = city[5]
    assert firm.credit_code in _codes(client.get("/enterprises/", {"q": name_initials(firm.name)}))
    assert _codes(client.get("/enterprises/", {"q": firm.credit_code[:12]})) == [
        e.credit_code
        for e in sorted(city, key=lambda e: e.name)
        if e.credit_code.startswith(firm.credit_code[:12])
    ]
    by_town = _codes(client.get("/enterprises/", {"town": firm.town}))
    assert sorted(by_town) == sorted(e.credit_code for e in city if e.town == firm.town)
    by_industry = _codes(client.get("/enterprises/", {"industry": firm.industry_code[:3]}))
    assert sorted(by_industry) == sorted(
        e.credit_code for e in city if e.industry_code.startswith(firm.industry_code[:3])
    )


def test_search_by_tier_uses_the_latest_run(client, staff_user, graded_city, city):
    client.force_login(staff_user)
    passing = set(
        EvaluationRecord.objects.filter(
            run=graded_city, tier="innovative", verdict="pass"
        ).values_list("enterprise__credit_code", flat=True)
    )
    assert set(_codes(client.get("/enterprises/", {"tier": "innovative"}))) == passing
    assert passing


def test_htmx_search_returns_only_the_table(client, staff_user, city):
    client.force_login(staff_user)
    body = client.get("/enterprises/", {"q": "zzzz"}, HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith('<p class="text-muted small" id="registry-count">')
    assert "<nav" not in body


def test_firm_page_shows_titles_with_review_dates(client, staff_user, graded_city, city):
    client.force_login(staff_user)
    firm = next(e for e in city if e.profile.get("title_innovative_1"))
    v = firm.profile["title_innovative_1"]
    due = review_due(date(v // 10000, v // 100 % 100, v % 100))
    body = client.get(f"/enterprises/{firm.credit_code}/").content.decode()
    assert due.isoformat() in body


def test_evaluation_run_stores_one_record_per_firm_and_tier(
    staff_user, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the task is queued on commit
        run, created = evaluation_run_create(
            actor=staff_user, rulebook="miit-2022", as_of=date(2026, 6, 30)
        )
    assert created
    run.refresh_from_db()
    assert (run.status, run.firms_total, run.firms_done) == ("done", 33, 33)
    assert run.records.count() == 33 * 3
    rec = run.records.filter(verdict="fail", gap__isnull=False).first()
    assert rec.gap == pytest.approx(rec.pass_mark - rec.score)


def test_evaluation_run_with_a_bad_input_ends_failed_not_stuck(staff_user, city, monkeypatch):
    import feidi_web.evaluations.services as svc

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(svc, "evaluate", boom)
    run = EvaluationRun.objects.create(
        rulebook="miit-2022", as_of=date(2026, 6, 30), created_by=staff_user
    )
    run = evaluation_run_execute(run_id=run.pk)
    assert (run.status, run.error) == ("failed", "RuntimeError: disk full")


def test_evaluation_progress_fragment_stops_polling_when_done(client, staff_user, graded_city):
    client.force_login(staff_user)
    body = client.get(f"/evaluations/{graded_city.pk}/progress/").content.decode()
    assert 'data-status="done"' in body
    assert "hx-trigger" not in body
    assert ">100%<" in body


# --- query counts: every list view at 1 and 3 items ---------------------------------------


@pytest.mark.parametrize("path", ["/enterprises/", "/enterprises/imports/", "/evaluations/"])
def test_list_pages_query_count_does_not_grow_with_items(client, admin_user, path):
    """n firms, n imports and n runs: the page's queries are the same for n = 1 and 3."""
    client.force_login(admin_user)
    counts = []
    for n in (1, 3):
        Enterprise.objects.all().delete()
        DataImport.objects.all().delete()
        EvaluationRun.objects.all().delete()
        load_city(admin_user, n_local=n, n_enclave=0)
        for _ in range(n - 1):  # more imports (of no new firm) so the imports list has n rows
            DataImport.objects.create(
                uploaded_by=admin_user,
                jurisdiction_code="320581",
                file_name="x.csv",
                status="rejected",
            )
        for _ in range(n):
            run = EvaluationRun.objects.create(
                rulebook="miit-2022", as_of=date(2026, 6, 30), created_by=admin_user
            )
            evaluation_run_execute(run_id=run.pk)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
