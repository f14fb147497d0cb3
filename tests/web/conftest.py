"""Fixtures for the web tests: a small graded county and one user per role."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from feidi.demo import LOCAL_REGION, generate_demo_city
from feidi_web.accounts.models import Role, User
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.services import import_check, import_commit
from feidi_web.evaluations.models import EvaluationRun
from feidi_web.evaluations.services import evaluation_run_execute

PASSWORD = "test-pass-2026"
AS_OF = date(2026, 6, 30)


def make_user(
    username: str, role: str, *, division: str = "", enterprise: Enterprise | None = None
) -> User:
    return User.objects.create_user(
        username,
        password=PASSWORD,
        role=role,
        division_code=division,
        enterprise=enterprise,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )


def upload(frame, name: str = "firms.csv") -> SimpleUploadedFile:
    import io

    buf = io.BytesIO()
    frame.write_csv(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="text/csv")


@pytest.fixture
def admin_user(db) -> User:
    return make_user("admin", Role.ADMIN)


@pytest.fixture
def staff_user(db) -> User:
    return make_user("staff", Role.COUNTY_STAFF, division=LOCAL_REGION)


@pytest.fixture
def other_staff_user(db) -> User:
    """Staff of another county (苏州市区 320505): must see none of 虞山's firms."""
    return make_user("other", Role.COUNTY_STAFF, division="320505")


@pytest.fixture
def operator_user(db) -> User:
    return make_user("operator", Role.ENCLAVE_OPERATOR, division=LOCAL_REGION)


def load_city(admin: User, *, n_local: int, n_enclave: int, n_years: int = 3) -> list[Enterprise]:
    frame = generate_demo_city(n_local=n_local, n_enclave=n_enclave, n_years=n_years)
    imp = import_check(actor=admin, upload=upload(frame), jurisdiction_code=LOCAL_REGION)
    assert imp.status == "preview", imp.report["issues"][:3]
    import_commit(actor=admin, import_id=imp.pk)
    return list(Enterprise.objects.order_by("credit_code"))


@pytest.fixture
def city(admin_user) -> list[Enterprise]:
    """30 local + 3 enclave firms of the demo city, imported through the import service."""
    return load_city(admin_user, n_local=30, n_enclave=3)


@pytest.fixture
def graded_city(city, admin_user) -> EvaluationRun:
    run = EvaluationRun.objects.create(rulebook="miit-2022", as_of=AS_OF, created_by=admin_user)
    return evaluation_run_execute(run_id=run.pk)


@pytest.fixture
def firm_user(city) -> User:
    return make_user("firm", Role.ENTERPRISE, enterprise=city[0])
