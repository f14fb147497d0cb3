"""Parties without credit codes: registered by hand, kept and audited like firms, not graded
until a code arrives — and every way to misuse that is refused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from tests.web.conftest import AS_OF, make_user

from feidi.demo import LOCAL_REGION
from feidi.reference import make_credit_code
from feidi_web.accounts.models import Role
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.evaluations.models import EvaluationRun
from feidi_web.evaluations.services import evaluation_run_execute


def _register(client, **fields):
    data = {
        "name": "深圳某传感器初创团队",
        "kind": "startup",
        "credit_code": "",
        "town": "",
        "industry_code": "",
    }
    return client.post("/enterprises/new/", {**data, **fields})


@pytest.fixture
def startup(client, staff_user) -> Enterprise:
    client.force_login(staff_user)
    response = _register(client)
    assert response.status_code == 302
    return Enterprise.objects.get(name="深圳某传感器初创团队")


def test_a_party_without_a_code_is_registered_shown_and_audited(client, startup):
    assert startup.credit_code is None and startup.jurisdiction_code == LOCAL_REGION
    page = client.get(f"/enterprises/{startup.ref}/")
    html = page.content.decode()
    assert page.status_code == 200 and startup.ref == f"p{startup.pk}"
    assert (
        "初创团队" in html and "尚无统一社会信用代码" in html
    )  # its kind and why it is not graded
    assert "登记" in html and "enterprise.create" not in html and "party:" not in html
    listing = client.get("/enterprises/?q=深圳").content.decode()
    assert "深圳某传感器初创团队" in listing and f"/enterprises/{startup.ref}/" in listing


def test_a_party_without_a_code_is_not_graded(client, startup, city, admin_user):
    run = EvaluationRun.objects.create(rulebook="miit-2022", as_of=AS_OF, created_by=admin_user)
    run = evaluation_run_execute(run_id=run.pk)
    assert run.status == "done" and run.firms_total == len([e for e in city if e.credit_code])
    assert not run.records.filter(enterprise=startup).exists()


def test_adding_the_code_keeps_identity_and_history_and_grades_it(client, startup, admin_user):
    code = make_credit_code("91320581MA7777777")
    response = client.post(f"/enterprises/{startup.ref}/credit-code/", {"credit_code": code})
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{code}/"
    startup.refresh_from_db()
    assert startup.credit_code == code
    html = client.get(f"/enterprises/{code}/").content.decode()
    assert html.count("<tr>") >= 2 and code in html
    assert AuditEntry.objects.filter(subject=f"party:{startup.pk}").count() == 2
    assert client.get(f"/enterprises/p{startup.pk}/").status_code == 404  # the code names it now
    run = EvaluationRun.objects.create(rulebook="miit-2022", as_of=AS_OF, created_by=admin_user)
    run = evaluation_run_execute(run_id=run.pk)
    assert run.records.filter(enterprise=startup).count() == 3


def test_another_countys_firm_code_is_refused_without_naming_it(client, city, other_staff_user):
    client.force_login(other_staff_user)
    taken = city[0].credit_code
    html = _register(client, credit_code=taken).content.decode()
    assert "辖区以外" in html and city[0].name not in html
    assert Enterprise.objects.filter(credit_code=taken).count() == 1


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"credit_code": "91320581MA7777777X"}, "不是有效的统一社会信用代码"),
        ({"name": "  "}, "必填"),
        ({"name": "甲\x01乙"}, "控制字符"),
        ({"kind": "spy"}, "kind"),
        ({"industry_code": "Z999"}, "GB/T 4754"),
    ],
)
def test_bad_fields_are_refused_with_the_reason(client, staff_user, fields, why):
    client.force_login(staff_user)
    response = _register(client, **fields)
    assert response.status_code == 200
    html = response.content.decode()
    assert why in html or fields.get("kind") == "spy"
    assert not Enterprise.objects.exists()


def test_scope_holds_for_parties(client, startup, other_staff_user, city):
    firm = make_user("firm2", Role.ENTERPRISE, enterprise=city[0])
    for user in (other_staff_user, firm):
        client.force_login(user)
        assert client.get(f"/enterprises/{startup.ref}/").status_code in (302, 404)
        code = make_credit_code("91320581MA8888888")
        client.post(f"/enterprises/{startup.ref}/credit-code/", {"credit_code": code})
        assert not Enterprise.objects.filter(credit_code=code).exists()
    client.force_login(firm)
    assert _register(client).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_migration_names_audit_subjects_by_party_id():
    executor = MigrationExecutor(connection)
    before = [("enterprises", "0002_fiscal_year_version"), ("common", "0001_initial")]
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    ent = old.get_model("enterprises", "Enterprise").objects.create(
        credit_code="913205811032256919",
        name="甲",
        region_code="320581",
        jurisdiction_code="320581",
    )
    audit = old.get_model("common", "AuditEntry").objects
    audit.create(action="enterprise.create", subject="enterprise:913205811032256919", via="form")
    audit.create(action="fiscal_year.update", subject="fiscal_year:913205811032256919:2025")
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        subjects = set(AuditEntry.objects.values_list("subject", flat=True))
        assert subjects == {f"party:{ent.pk}", f"fiscal_year:{ent.pk}:2025"}
        executor = MigrationExecutor(connection)
        executor.migrate(before)  # and back
        back = executor.loader.project_state(before).apps.get_model("common", "AuditEntry")
        assert set(back.objects.values_list("subject", flat=True)) == {
            "enterprise:913205811032256919",
            "fiscal_year:913205811032256919:2025",
        }
    finally:
        MigrationExecutor(connection).migrate(latest)
