"""The investment project pipeline on the platform: filing (with duplicates flagged), moving a
project to landed (the firm then in the registry), conflicts, scope, the funnel against a
hand count (page, Excel, API and cockpit), and bad input."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from tests.web.conftest import make_user

from feidi.reference import make_credit_code
from feidi_web.accounts.models import ApiToken, Role
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.pipeline.models import Project, StageChange
from feidi_web.pipeline.services import (
    DuplicateProject,
    NewCounterpart,
    follow_up_add,
    project_create,
    project_move,
)

A = "320581"


@pytest.fixture
def officer(db):
    return make_user("officer", Role.INVESTMENT_OFFICER, division=A)


def _file(officer, name="深鉴智能产业化项目", counterpart="北京深鉴智能科技", **kw):
    return project_create(
        actor=officer,
        name=name,
        source=kw.pop("source", "enclave"),
        new_counterpart=NewCounterpart(name=counterpart, kind=kw.pop("kind", "startup")),
        **kw,
    )


def test_filing_registers_the_counterpart_as_a_party_without_a_code(officer):
    p = _file(officer, valuation="52000", planned_investment=8000)
    party = p.counterpart
    assert (party.kind, party.credit_code, party.jurisdiction_code) == ("startup", None, A)
    assert p.stage == "lead" and p.owner == officer and p.version == 1
    assert list(p.history.values_list("from_stage", "stage")) == [("", "lead")]
    assert AuditEntry.objects.filter(action="project.create", subject=f"project:{p.pk}").exists()


def test_a_similar_project_is_flagged_and_filed_only_when_asked(officer):
    first = _file(officer)
    with pytest.raises(DuplicateProject) as dup:
        _file(officer, name="深鉴智能产业化项目", counterpart="深鉴智能（北京）有限公司")
    assert dup.value.similar == [first]
    # the same counterpart under another project name is flagged too
    with pytest.raises(DuplicateProject):
        project_create(actor=officer, name="二期", source="event", counterpart=first.counterpart)
    second = _file(officer, counterpart="深鉴智能（北京）有限公司", allow_duplicate=True)
    assert second.pk != first.pk


def test_a_project_moves_to_landed_and_the_firm_is_in_the_registry(officer, client):
    p = _file(officer)
    p = project_move(actor=officer, project=p, to="negotiating", seen_version=1)
    p = project_move(actor=officer, project=p, to="signed", seen_version=2, note="签约仪式")
    code = make_credit_code("91320581MA7LAND01")
    p = project_move(actor=officer, project=p, to="landed", seen_version=3, landed_credit_code=code)
    # the start-up registered here: the counterpart itself now carries the code
    firm = Enterprise.objects.get(credit_code=code)
    assert p.landed_firm == firm == p.counterpart
    assert list(p.history.values_list("stage", flat=True)) == [
        "lead",
        "negotiating",
        "signed",
        "landed",
    ]
    client.force_login(officer)
    page = client.get(f"/pipeline/{p.pk}/").content.decode()
    assert 'id="landed-firm"' in page and code in page
    assert "已落地" in page and "签约仪式" in page
    assert "move-form" not in page  # landed is final
    registry = client.get("/enterprises/", {"q": code[:10]}).content.decode()
    assert firm.name in registry
    with pytest.raises(ValidationError):
        project_move(actor=officer, project=p, to="lost", seen_version=4, lost_reason="other")


def test_landing_as_a_new_local_firm_keeps_the_counterpart(officer):
    p = _file(officer, kind="investor", counterpart="某投资机构")
    code = make_credit_code("91320581MA7LAND02")
    p = project_move(
        actor=officer,
        project=p,
        to="landed",
        seen_version=1,
        landed_credit_code=code,
        landed_firm_name="常熟某传感器有限公司",
    )
    assert p.landed_firm.name == "常熟某传感器有限公司"
    assert p.counterpart.credit_code is None


def test_a_code_outside_the_county_is_refused_without_naming_the_firm(officer, db):
    other = make_user("other", Role.COUNTY_STAFF, division="320582")
    from feidi_web.enterprises.services import party_register

    code = make_credit_code("91320582MA70THER1")
    party_register(actor=other, name="别县企业", kind="enterprise", credit_code=code)
    p = _file(officer)
    with pytest.raises(ValidationError) as exc:
        project_move(actor=officer, project=p, to="landed", seen_version=1, landed_credit_code=code)
    assert "别县企业" not in str(exc.value)
    assert Project.objects.get(pk=p.pk).stage == "lead"


def test_lost_needs_a_reason_and_a_lost_project_reopens_before_it_signs(officer):
    p = _file(officer)
    with pytest.raises(ValidationError):
        project_move(actor=officer, project=p, to="lost", seen_version=1)
    p = project_move(actor=officer, project=p, to="lost", seen_version=1, lost_reason="space")
    with pytest.raises(ValidationError):
        project_move(actor=officer, project=p, to="signed", seen_version=2)
    p = project_move(actor=officer, project=p, to="negotiating", seen_version=2)
    assert p.lost_reason == ""


def test_two_moves_from_the_same_version_write_one_and_refuse_the_other(officer):
    colleague = make_user("colleague", Role.INVESTMENT_OFFICER, division=A)
    p = _file(officer)
    project_move(actor=officer, project=p, to="contacted", seen_version=1)
    with pytest.raises(EditConflict) as exc:
        project_move(actor=colleague, project=p, to="lost", seen_version=1, lost_reason="paused")
    assert exc.value.current["stage"] == "contacted"
    assert exc.value.changed_by == "officer"
    assert list(StageChange.objects.filter(project=p).values_list("stage", flat=True)) == [
        "lead",
        "contacted",
    ]


def test_the_move_page_shows_the_conflict_and_moves_nothing(officer, client):
    p = _file(officer)
    project_move(actor=officer, project=p, to="contacted", seen_version=1)
    client.force_login(officer)
    r = client.post(f"/pipeline/{p.pk}/move/", {"version": 1, "to": "negotiating"})
    assert r.status_code == 409
    assert 'id="move-conflict"' in r.content.decode()
    assert Project.objects.get(pk=p.pk).stage == "contacted"


def test_scope_other_county_enclave_operator_firm_user(officer, city):
    enclave_project = _file(officer)
    referral = _file(officer, name="无锡储能", counterpart="无锡某储能", source="referral")
    other = make_user("other", Role.INVESTMENT_OFFICER, division="320582")
    operator = make_user("op", Role.ENCLAVE_OPERATOR, division=A)
    firm_user = make_user("firm", Role.ENTERPRISE, enterprise=city[0])
    c = Client()
    c.force_login(other)
    assert c.get(f"/pipeline/{enclave_project.pk}/").status_code == 404
    assert "深鉴" not in c.get("/pipeline/").content.decode()
    c.force_login(operator)
    assert c.get(f"/pipeline/{enclave_project.pk}/").status_code == 200
    assert c.get(f"/pipeline/{referral.pk}/").status_code == 404
    with pytest.raises(ValidationError):
        project_create(
            actor=operator,
            name="x",
            source="referral",
            new_counterpart=NewCounterpart(name="某公司", kind="prospect"),
        )
    c.force_login(firm_user)
    assert c.get("/pipeline/").status_code == 403
    with pytest.raises(PermissionDenied):
        project_move(actor=other, project=enclave_project, to="contacted", seen_version=1)


def test_bad_input_on_the_filing_form_names_the_field(officer, client):
    client.force_login(officer)
    good = {
        "name": "某项目",
        "counterpart_name": "某公司",
        "counterpart_kind": "prospect",
        "source": "enclave",
        "stage": "lead",
        "owner": str(officer.pk),
    }

    def errors(**bad) -> dict[str, str]:
        r = client.post("/pipeline/new/", {**good, **bad})
        assert r.status_code == 422
        page = r.content.decode()
        found = {}
        for field in bad:
            part = page.split(f'id="id_{field}"')[1].split('<div class="mb-3">')[0]
            found[field] = part.split('invalid-feedback d-block">')[1].split("<")[0]
        return found

    said = errors(stage="landed", valuation="-5")  # not a starting stage; a negative amount
    assert all(said.values())
    said = errors(name="a\x07b", industry_code="Z99")
    assert "控制字符" in said["name"] and "Z99" in said["industry_code"]
    assert Project.objects.count() == 0


def test_follow_ups_and_stale_projects(officer, client, settings):
    settings.FEIDI_PROJECT_STALE_DAYS = 30
    old = _file(officer, at=timezone.now() - timedelta(days=45))
    fresh = _file(officer, name="新项目", counterpart="某新公司")
    client.force_login(officer)
    page = client.get("/pipeline/", {"stale": "on"}).content.decode()
    assert old.name in page and fresh.name not in page
    follow_up_add(actor=officer, project=old, title="回访", due_on=timezone.localdate())
    page = client.get("/pipeline/", {"stale": "on"}).content.decode()
    assert old.name not in page  # touched today


# --- the funnel against a hand count ------------------------------------------------------


def _at(month: int, day: int) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, 10))  # noqa: DTZ001 — local time


@pytest.fixture
def history(officer):
    """Five projects with a written-out history (as tests/core/test_pipeline.py)."""
    plan = [
        ("甲", "enclave", 5000, [("lead", 1, 5), ("contacted", 1, 20), ("negotiating", 2, 10), ("signed", 3, 1), ("landed", 4, 15)]),
        ("乙", "event", 8000, [("lead", 1, 10), ("negotiating", 2, 1)]),
        ("丙", "enclave", 1200, [("contacted", 2, 3), ("lost", 3, 20)]),
        ("丁", "referral", None, [("lead", 2, 14), ("signed", 4, 2)]),
        ("戊", "enclave", 3000, [("lead", 3, 3), ("negotiating", 3, 10), ("lost", 3, 25), ("negotiating", 4, 20)]),
    ]  # fmt: skip
    for i, (name, source, valuation, moves) in enumerate(plan):
        (stage, m, d), *rest = moves
        p = project_create(
            actor=officer,
            name=f"{name}项目",
            source=source,
            stage=stage,
            valuation=valuation,
            new_counterpart=NewCounterpart(name=f"{name}公司{i}", kind="prospect"),
            at=_at(m, d),
        )
        for stage, m, d in rest:
            code = make_credit_code(f"91320581MA7FUN{i:03d}") if stage == "landed" else ""
            p = project_move(
                actor=officer,
                project=p,
                to=stage,
                seen_version=p.version,
                lost_reason="elsewhere" if stage == "lost" else "",
                landed_credit_code=code,
                at=_at(m, d),
            )


def test_the_funnel_page_equals_a_hand_count(officer, history, client):
    client.force_login(officer)
    page = client.get("/pipeline/funnel/").content.decode()
    # introduced 甲 丁; negotiating 乙 戊; landed 甲; valuation of 甲 only (丁 has none)
    assert '<div class="fs-3" id="total-introduced">2</div>' in page
    assert '<div class="fs-3" id="total-negotiating">2</div>' in page
    assert '<div class="fs-3" id="total-landed">1</div>' in page
    assert '<div class="fs-3" id="total-valuation">5,000 万元</div>' in page
    data = json.loads(page.split('id="pipeline-data" type="application/json">')[1].split("<")[0])
    assert [d["value"] for d in data["funnel"]["data"]] == [5, 5, 4, 2, 1]


def test_the_workbook_and_the_api_give_the_same_figures(officer, history, client):
    client.force_login(officer)
    r = client.get("/pipeline/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    funnel_rows = list(book["漏斗"].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in funnel_rows] == [5, 5, 4, 2, 1]
    projects = list(book["项目"].iter_rows(min_row=2, values_only=True))
    assert sorted(row[0] for row in projects) == ["丁项目", "丙项目", "乙项目", "戊项目", "甲项目"]
    key = ApiToken.new_key()
    ApiToken.objects.create(user=officer, name="t", digest=ApiToken.digest_of(key))
    api = Client().get("/api/pipeline/funnel", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert api["totals"] | {"valuation": round(api["totals"]["valuation"])} == {
        "projects": 5,
        "introduced": 2,
        "negotiating": 2,
        "landed": 1,
        "lost": 1,
        "valuation": 5000,
    }
    assert api["reached"] == {
        "lead": 5,
        "contacted": 5,
        "negotiating": 4,
        "signed": 2,
        "landed": 1,
    }
    assert api["by_source"]["enclave"]["landed"] == 1


def test_the_api_moves_with_if_match_and_refuses_a_stale_version(officer):
    p = _file(officer)
    key = ApiToken.new_key()
    ApiToken.objects.create(user=officer, name="t", digest=ApiToken.digest_of(key))
    c = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/pipeline/projects/{p.pk}/move"
    body = json.dumps({"to": "contacted"})
    assert c.post(url, body, content_type="application/json").status_code == 428
    r = c.post(url, body, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert r.status_code == 200 and r["ETag"] == '"2"'
    assert [h["stage"] for h in r.json()["history"]] == ["lead", "contacted"]
    r = c.post(url, json.dumps({"to": "lost", "lost_reason": "paused"}), content_type="application/json", HTTP_IF_MATCH='"1"')  # fmt: skip
    assert r.status_code == 412 and r.json()["current"]["stage"] == "contacted"
    r = c.post(url, json.dumps({"to": "lost"}), content_type="application/json", HTTP_IF_MATCH='"2"')  # fmt: skip
    assert r.status_code == 422  # no reason


def test_the_cockpit_shows_the_seeds_figures_equal_to_a_hand_count(officer, history, client):
    client.force_login(officer)
    page = client.get("/cockpit/").content.decode()
    section = page.split('id="cockpit-pipeline"')[1]

    def card(kpi: str) -> str:
        return section.split(f'id="kpi-{kpi}"')[1].split('data-value="')[1].split('"')[0]

    # introduced 甲 丁; negotiating 乙 戊; landed 甲; valuation 5,000 万元 (甲; 丁 has none)
    assert (card("introduced"), card("negotiating"), card("landed")) == ("2", "2", "1")
    assert float(card("valuation")) == 5000.0
    assert "5,000 万元" in section
    data = json.loads(page.split('id="pipeline-data" type="application/json">')[1].split("<")[0])
    months = dict(zip(data["trend"]["months"], data["trend"]["series"][1]["data"], strict=True))
    assert months["2026-03"] == 1 and months["2026-04"] == 1  # 甲 signed in March, 丁 in April


def test_the_cockpit_shows_the_pipeline_to_staff_once_there_are_projects(client, city, officer):
    staff = make_user("staff2", Role.COUNTY_STAFF, division=A)
    client.force_login(staff)
    assert 'id="cockpit-pipeline"' not in client.get("/cockpit/").content.decode()
    _file(officer)
    page = client.get("/cockpit/").content.decode()
    assert 'id="cockpit-pipeline"' in page  # county staff work the pipeline too
    client.force_login(make_user("firm", Role.ENTERPRISE, enterprise=city[0]))
    assert client.get("/cockpit/").status_code == 403


def test_the_demo_pipeline_loads_through_the_services_and_shows_the_seeds_six_months(db):
    from datetime import date

    from feidi.demo import demo_pipeline
    from feidi_web.demo.loader import load_pipeline, pipeline_opened
    from feidi_web.pipeline.selectors import pipeline_funnel

    officer = make_user("officer", Role.INVESTMENT_OFFICER, division=A)
    make_user("staff", Role.COUNTY_STAFF, division=A)
    make_user("enclave", Role.ENCLAVE_OPERATOR, division=A)
    today = date(2026, 12, 2)
    filed = load_pipeline(today=today, say=lambda _: None)
    plan = demo_pipeline(opened=pipeline_opened(today))
    assert filed == len(plan.projects) == Project.objects.count()
    assert load_pipeline(today=today, say=lambda _: None) == 0  # idempotent
    six_months = pipeline_opened(today).replace(year=2025, month=12)
    f = pipeline_funnel(officer, until=timezone.make_aware(datetime(2025, 12, 1)))  # noqa: DTZ001
    assert six_months == date(2025, 12, 1)
    assert (f.totals.introduced, f.totals.negotiating, f.totals.landed) == (12, 20, 6)
    assert f.totals.valuation == pytest.approx(plan.figures_at(six_months)["valuation"])
    assert f.totals.valuation >= 400_000  # 超40亿
    # every landed project's firm is in the registry with its credit code
    landed = Project.objects.filter(stage="landed").select_related("landed_firm")
    assert landed and all(p.landed_firm.credit_code for p in landed)
