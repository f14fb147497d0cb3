"""Which database the web suite ran on, and that its constraints hold there.

``make test`` runs the web tests twice: on SQLite (no ``DATABASE_URL``) and on a throwaway
PostgreSQL server (``scripts/pg-throwaway`` sets ``DATABASE_URL``). The first test fails if
the suite silently ran on the other backend; the rest prove the database itself, not only
Django's validation, refuses bad rows on both.
"""

from __future__ import annotations

import os
from datetime import date

import dj_database_url
import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from feidi_web.accounts.models import Role, User
from feidi_web.enterprises.models import Enterprise, FiscalYear
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun

VENDORS = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgresql",
}


def expected_vendor() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return "sqlite"  # the settings' default: SQLite under FEIDI_DATA_DIR
    return VENDORS[dj_database_url.parse(url)["ENGINE"]]


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_that_database_url_names(record_property):
    record_property("database_vendor", connection.vendor)
    assert VENDORS[settings.DATABASES["default"]["ENGINE"]] == expected_vendor()
    assert connection.vendor == expected_vendor()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            assert int(version.split(".")[0]) >= 15, version
        else:
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
    record_property("database_version", version)
    print(f"web tests ran on {connection.vendor} {version}")


@pytest.fixture
def firm(db) -> Enterprise:
    return Enterprise.objects.create(
        credit_code="91320581MA1M00001N",
        name="虞山约束测试有限公司",
        region_code="320581",
        jurisdiction_code="320581",
    )


@pytest.fixture
def someone(db) -> User:
    return User.objects.create_user("constraint-admin", password="x" * 12, role=Role.ADMIN)


def test_a_firm_year_is_stored_once(firm):
    FiscalYear.objects.create(enterprise=firm, year=2025, figures={"revenue": 100.0})
    with pytest.raises(IntegrityError), transaction.atomic():
        FiscalYear.objects.create(enterprise=firm, year=2025, figures={"revenue": 200.0})
    assert FiscalYear.objects.get(enterprise=firm, year=2025).figures == {"revenue": 100.0}


def test_a_fiscal_year_outside_1949_2100_is_refused(firm):
    with pytest.raises(IntegrityError), transaction.atomic():
        FiscalYear.objects.create(enterprise=firm, year=1900)


def test_a_run_cannot_have_done_more_firms_than_it_has(someone):
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationRun.objects.create(
            rulebook="miit-2022",
            as_of=date(2026, 6, 30),
            created_by=someone,
            firms_total=10,
            firms_done=11,
        )
    assert not EvaluationRun.objects.exists()


def test_a_run_cannot_be_updated_past_its_total(someone):
    run = EvaluationRun.objects.create(
        rulebook="miit-2022", as_of=date(2026, 6, 30), created_by=someone, firms_total=10
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationRun.objects.filter(pk=run.pk).update(firms_done=11)
    run.refresh_from_db()
    assert run.firms_done == 0


def test_a_run_status_outside_the_choices_is_refused(someone):
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationRun.objects.create(
            rulebook="miit-2022", as_of=date(2026, 6, 30), created_by=someone, status="paused"
        )


def test_a_record_is_stored_once_per_run_firm_and_tier(someone, firm):
    run = EvaluationRun.objects.create(
        rulebook="miit-2022", as_of=date(2026, 6, 30), created_by=someone
    )
    fields = {"run": run, "enterprise": firm, "tier": "specialized", "record": {}}
    EvaluationRecord.objects.create(verdict="fail", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationRecord.objects.create(verdict="pass", **fields)


@pytest.mark.parametrize("code", ["91320581ma1m00001n", "91320581MA1M0001N", "91320581MA1M00001I"])
def test_a_malformed_credit_code_is_refused_by_the_database(db, code):
    """The shape check is a regular expression in the schema: SQLite needs Django's REGEXP
    function for it, PostgreSQL runs it natively — both must refuse."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Enterprise.objects.create(
            credit_code=code, name="x", region_code="320581", jurisdiction_code="320581"
        )
    assert not Enterprise.objects.exists()


def test_an_enterprise_user_without_a_firm_is_refused(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("lonely", password="x" * 12, role=Role.ENTERPRISE)
