"""Evaluation runs whose worker dies, runs cancelled or retried, and how many may wait."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from tests.web.conftest import make_user

from feidi_web.accounts.models import Role
from feidi_web.evaluations import services
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun, RunStatus
from feidi_web.evaluations.services import (
    evaluation_run_cancel,
    evaluation_run_create,
    evaluation_run_execute,
    evaluation_run_retry,
)

AS_OF = date(2026, 6, 30)


def killed_mid_run(run: EvaluationRun, *, seconds_ago: int = 600) -> EvaluationRun:
    """What a worker killed (kill -9, a restart) after its first batch leaves behind: a
    running run with one batch of records and a heartbeat that stopped."""
    beat = timezone.now() - timedelta(seconds=seconds_ago)
    EvaluationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        attempt=1,
        started_at=beat,
        heartbeat_at=beat,
        firms_total=33,
        firms_done=5,
    )
    run.refresh_from_db()
    return run


@pytest.fixture
def queued(staff_user, city) -> EvaluationRun:
    return EvaluationRun.objects.create(
        rulebook="miit-2022",
        as_of=AS_OF,
        jurisdiction_code=staff_user.division_code,
        created_by=staff_user,
    )


def _partial_records(run: EvaluationRun, city) -> None:
    EvaluationRecord.objects.bulk_create(
        EvaluationRecord(
            run=run,
            enterprise=firm,
            tier="innovative",
            verdict="pass",
            score=70.0,
            pass_mark=60.0,
            record={"tier": "innovative"},
        )
        for firm in city[:5]
    )


def test_a_run_whose_worker_died_is_stale_not_running_forever(queued, city):
    run = killed_mid_run(queued)
    _partial_records(run, city)
    assert run.is_stale
    fresh = killed_mid_run(queued, seconds_ago=5)
    assert not fresh.is_stale


def test_stale_run_page_stops_polling_and_offers_retry_and_cancel(client, staff_user, queued, city):
    run = killed_mid_run(queued)
    client.force_login(staff_user)
    page = client.get(f"/evaluations/{run.pk}/progress/").content.decode()
    assert 'data-status="stale"' in page
    assert "hx-trigger" not in page  # no more polling every second
    assert 'id="run-retry"' in page and 'id="run-cancel"' in page
    assert 'id="run-stale"' in page


def test_partial_records_of_an_unfinished_run_are_never_served(client, staff_user, queued, city):
    run = killed_mid_run(queued)
    _partial_records(run, city)
    client.force_login(staff_user)
    r = client.get(f"/api/evaluations/{run.pk}/records")
    assert r.status_code == 409
    assert r.json() == {"detail": "The run has not finished; it has no records yet."}
    firm_page = client.get(f"/enterprises/{city[0].credit_code}/").content.decode()
    assert 'id="verdicts"' not in firm_page or "70" not in firm_page
    pool = client.get("/pool/").content.decode()
    assert city[0].name not in pool


def test_retry_of_a_stale_run_grades_it_from_scratch(staff_user, queued, city):
    run = killed_mid_run(queued)
    _partial_records(run, city)
    run = evaluation_run_retry(actor=staff_user, run=run)
    assert (run.status, run.firms_done, run.records.count()) == ("queued", 0, 0)
    done = evaluation_run_execute(run_id=run.pk)
    assert (done.status, done.attempt, done.firms_done) == ("done", 2, 33)
    assert done.records.count() == 33 * 3


def test_a_worker_thought_dead_that_wakes_up_writes_nothing(
    staff_user, queued, city, monkeypatch, settings
):
    """The old worker resumes after the run was retried and claimed by a new worker."""
    real_store = services._store
    calls = []

    def store_then_lose_the_run(run, records, ids):
        if not calls:  # after the first batch, someone retries the run and a new worker takes it
            calls.append(1)
            EvaluationRun.objects.filter(pk=run.pk).update(attempt=run.attempt + 1)
        return real_store(run, records, ids)

    settings.FEIDI_RUN_BATCH_FIRMS = 10
    monkeypatch.setattr(services, "_store", store_then_lose_the_run)
    run = evaluation_run_execute(run_id=queued.pk)
    # the first batch was written in the same transaction as its heartbeat; the second
    # heartbeat found the run was no longer this worker's, so nothing more was written
    assert run.status == RunStatus.RUNNING
    assert run.records.count() == 10 * 3
    assert run.firms_done == 10


def test_cancel_stops_the_worker_and_removes_what_it_wrote(
    staff_user, queued, city, monkeypatch, settings
):
    real_store = services._store

    def store_then_cancel(run, records, ids):
        real_store(run, records, ids)
        evaluation_run_cancel(actor=staff_user, run=run)

    settings.FEIDI_RUN_BATCH_FIRMS = 10
    monkeypatch.setattr(services, "_store", store_then_cancel)
    run = evaluation_run_execute(run_id=queued.pk)
    assert run.status == RunStatus.CANCELLED
    assert run.records.count() == 0


def test_cancel_and_retry_through_the_pages(
    client, staff_user, queued, city, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    r = client.post(f"/evaluations/{queued.pk}/cancel/")
    assert r.status_code == 302
    queued.refresh_from_db()
    assert queued.status == "cancelled"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/evaluations/{queued.pk}/retry/")
    assert r.status_code == 302
    queued.refresh_from_db()
    assert queued.status == "done"  # tests run tasks inline: queued again and graded


def test_a_finished_run_cannot_be_cancelled_or_retried(admin_user, graded_city):
    with pytest.raises(ValidationError):
        evaluation_run_cancel(actor=admin_user, run=graded_city)
    with pytest.raises(ValidationError):
        evaluation_run_retry(actor=admin_user, run=graded_city)
    graded_city.refresh_from_db()
    assert graded_city.status == "done"


def test_only_the_runs_own_division_may_cancel_it(staff_user, admin_user, city, operator_user):
    registry_wide = EvaluationRun.objects.create(
        rulebook="miit-2022", as_of=AS_OF, jurisdiction_code="", created_by=admin_user
    )
    for who in (staff_user, operator_user):
        with pytest.raises(PermissionDenied):
            evaluation_run_cancel(actor=who, run=registry_wide)
    registry_wide.refresh_from_db()
    assert registry_wide.status == "queued"
    assert evaluation_run_cancel(actor=admin_user, run=registry_wide).status == "cancelled"


def test_an_identical_run_already_queued_is_not_queued_again(client, staff_user, city):
    from feidi_web.accounts.models import ApiToken

    key = ApiToken.new_key()
    ApiToken.objects.create(user=staff_user, name="t", digest=ApiToken.digest_of(key))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = json.dumps({"rulebook": "miit-2022", "as_of": "2026-06-30"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run: None)  # no worker: runs stay queued
        first = client.post("/api/evaluations", body, content_type="application/json", **auth)
        second = client.post("/api/evaluations", body, content_type="application/json", **auth)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert EvaluationRun.objects.count() == 1


def test_queued_runs_are_bounded_per_user(staff_user, city, settings, monkeypatch):
    settings.FEIDI_RUNS_PER_USER = 3
    monkeypatch.setattr(services, "_enqueue", lambda run: None)
    for day in range(3):
        _run, created = evaluation_run_create(
            actor=staff_user, rulebook="miit-2022", as_of=AS_OF - timedelta(days=day)
        )
        assert created
    with pytest.raises(ValidationError) as exc:
        evaluation_run_create(actor=staff_user, rulebook="miit-2022", as_of=date(2025, 1, 1))
    assert "3" in exc.value.messages[0]
    assert EvaluationRun.objects.count() == 3
    # another user is not held back by this one's queue
    other = make_user("staff2", Role.COUNTY_STAFF, division=staff_user.division_code)
    assert evaluation_run_create(actor=other, rulebook="miit-2022", as_of=date(2025, 1, 1))[1]


def test_a_stale_run_does_not_count_against_the_bound(staff_user, city, settings, monkeypatch):
    settings.FEIDI_RUNS_PER_USER = 1
    monkeypatch.setattr(services, "_enqueue", lambda run: None)
    run, _ = evaluation_run_create(actor=staff_user, rulebook="miit-2022", as_of=AS_OF)
    killed_mid_run(run)
    again, created = evaluation_run_create(actor=staff_user, rulebook="miit-2022", as_of=AS_OF)
    assert created and again.pk != run.pk


def test_as_of_out_of_range_names_the_range(staff_user, city):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        evaluation_run_create(actor=staff_user, rulebook="miit-2022", as_of=date(1999, 1, 1))
    assert exc.value.messages == ["as-of 1999-01-01 is out of range: 2000-01-01 … 2100-12-31"]
    with pytest.raises(ValidationError) as exc:  # and in Chinese, not both joined
        evaluation_run_create(actor=staff_user, rulebook="miit-2022", as_of=date(1999, 1, 1))
    assert exc.value.messages == ["评价日期 1999-01-01 超出范围：2000-01-01 至 2100-12-31"]
