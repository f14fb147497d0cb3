"""Cultivation on the platform: diagnoses of the registry's firms, staff disagreeing with a
type, referrals tracked as cases to their outcome (measured from the registry, beside
comparable firms), conflicts, scope, the API and the workbook."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from tests.web.conftest import PASSWORD, make_user

from feidi.reference import make_credit_code
from feidi_web.accounts.models import ApiToken, Role
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.models import AuditEntry
from feidi_web.cultivation.models import ServiceCase
from feidi_web.cultivation.outcomes import change, service_outcomes
from feidi_web.cultivation.services import case_move, case_open, type_review_add
from feidi_web.enterprises.models import Enterprise, FiscalYear

A, B = "320581", "320582"


def _firm(seq: int, name: str, *, region: str = A, years: dict[int, dict] | None = None, **profile):
    code = make_credit_code(f"91{region}MA{seq:07d}0"[:17])
    e = Enterprise.objects.create(
        credit_code=code,
        name=name,
        region_code=region,
        jurisdiction_code=region,
        industry_code=profile.pop("industry_code", "C3670"),
        profile={"name": name, "region_code": region, **profile},
    )
    for year, figures in (years or {}).items():
        FiscalYear.objects.create(enterprise=e, year=year, figures=figures)
    return e


@pytest.fixture
def staff(db):
    return make_user("staff_a", Role.COUNTY_STAFF, division=A)


@pytest.fixture
def firms(db):
    grow = _firm(
        1,
        "虞山精密部件有限公司",
        main_products="汽车底盘 悬架 零部件",
        years={2024: {"employees": 100, "revenue": 1000.0, "rd_expense": 30.0}},
    )
    peer = _firm(
        2,
        "常熟齿轮厂",
        years={
            2024: {"employees": 50, "revenue": 500.0, "rd_expense": 10.0},
            2025: {"employees": 50, "revenue": 550.0, "rd_expense": 10.0},
        },
    )
    far = _firm(3, "太仓纺织有限公司", region=B, years={2024: {"employees": 9, "revenue": 90.0}})
    return grow, peer, far


def test_change_is_worked_from_two_snapshots():
    c = change(
        {"year": 2024, "employees": 100, "revenue": 1000.0, "rd_expense": 30.0, "tier": ""},
        {
            "year": 2025,
            "employees": 110,
            "revenue": 1200.0,
            "rd_expense": 50.0,
            "tier": "innovative",
        },
    )
    assert c is not None
    assert (c.from_year, c.to_year, c.jobs, c.rd, c.tier_up) == (2024, 2025, 10.0, 20.0, True)
    assert c.revenue_growth == pytest.approx(20.0)
    # a base of zero revenue has no growth rate; a missing year no change at all
    assert (
        change({"year": 2024, "revenue": 0.0}, {"year": 2025, "revenue": 5.0}).revenue_growth
        is None
    )
    assert change({"year": None}, {"year": 2025}) is None


def test_a_referral_moves_to_done_and_its_outcome_comes_from_the_registry(staff, firms):
    grow, peer, _far = firms
    case = case_open(
        actor=staff, enterprise=grow, service="consulting_days", provider="常熟咨询中心"
    )
    assert case.baseline["year"] == 2024 and case.baseline["employees"] == 100
    assert list(case.history.values_list("from_status", "status")) == [("", "opened")]
    case = case_move(actor=staff, case=case, to="in_service", seen_version=case.version)
    # the registry receives the next year's figures (an import, an edit)
    FiscalYear.objects.create(
        enterprise=grow,
        year=2025,
        figures={"employees": 112, "revenue": 1150.0, "rd_expense": 45.0},
    )
    case = case_move(
        actor=staff, case=case, to="done", seen_version=case.version, note="完成精益生产咨询"
    )
    assert (case.status, case.outcome_note) == ("done", "完成精益生产咨询")
    assert case.closed_at is not None and case.started_at is not None
    assert AuditEntry.objects.filter(subject=f"case:{case.pk}", action="case.move").count() == 2

    # the peer (never referred) is compared over the same years when it has the same type
    types = {grow.credit_code: case.baseline["type"], peer.credit_code: case.baseline["type"]}
    out = service_outcomes([case], [grow, peer], types)["consulting_days"]
    assert (out.cases, out.open, out.done) == (1, 0, 1)
    assert (out.served.firms, out.served.jobs, out.served.rd) == (1, 12.0, 15.0)
    assert out.served.revenue_growth == pytest.approx(15.0)
    assert (out.comparable.firms, out.comparable.jobs, out.comparable.rd) == (1, 0.0, 0.0)
    assert out.comparable.revenue_growth == pytest.approx(10.0)
    # a firm of another type is no comparison
    other = {grow.credit_code: case.baseline["type"], peer.credit_code: "vanguard-not"}
    assert service_outcomes([case], [grow, peer], other)["consulting_days"].comparable.firms == 0


def test_moves_follow_the_order_and_a_stale_version_is_a_conflict(staff, firms):
    grow = firms[0]
    case = case_open(actor=staff, enterprise=grow, service="proof_of_concept")
    with pytest.raises(ValidationError):  # referred cannot jump to done
        case_move(actor=staff, case=case, to="done", seen_version=case.version)
    with pytest.raises(ValidationError):  # cancelling needs a reason
        case_move(actor=staff, case=case, to="cancelled", seen_version=case.version)
    moved = case_move(actor=staff, case=case, to="in_service", seen_version=case.version)
    with pytest.raises(EditConflict) as exc:  # a second person acting on what they saw
        case_move(actor=staff, case=case, to="cancelled", seen_version=case.version, note="x")
    assert exc.value.current["status"] == "in_service" and moved.version == 2
    assert ServiceCase.objects.get(pk=case.pk).status == "in_service"


def test_one_open_case_per_firm_and_service_and_unknown_services_are_refused(staff, firms):
    grow = firms[0]
    case_open(actor=staff, enterprise=grow, service="talent_pool")
    with pytest.raises(ValidationError) as exc:
        case_open(actor=staff, enterprise=grow, service="talent_pool")
    assert "service" in exc.value.message_dict
    with pytest.raises(ValidationError):
        case_open(actor=staff, enterprise=grow, service="free_money")
    with pytest.raises(ValidationError):
        case_open(actor=staff, enterprise=grow, service="capital_forum", note="坏\x00字")
    assert ServiceCase.objects.filter(enterprise=grow).count() == 1


def test_scope_and_roles(staff, firms):
    grow, _peer, far = firms
    with pytest.raises(PermissionDenied):  # another county's firm
        case_open(actor=staff, enterprise=far, service="talent_pool")
    officer = make_user("officer_a", Role.INVESTMENT_OFFICER, division=A)
    with pytest.raises(PermissionDenied):  # officers read, they do not refer
        case_open(actor=officer, enterprise=grow, service="talent_pool")
    firm_user = make_user("firm_a", Role.ENTERPRISE, enterprise=grow)
    with pytest.raises(PermissionDenied):
        type_review_add(actor=firm_user, enterprise=grow, staff_type="middle", reason="我们是中间")
    prospect = Enterprise.objects.create(
        kind="prospect", name="北京某团队", region_code=A, jurisdiction_code=A
    )
    with pytest.raises(ValidationError):  # no credit code, no figures to diagnose
        case_open(actor=staff, enterprise=prospect, service="talent_pool")


def test_staff_disagree_with_the_type_and_say_why(staff, firms, client):
    grow = firms[0]
    with pytest.raises(ValidationError):
        type_review_add(actor=staff, enterprise=grow, staff_type="vanguard", reason="  ")
    with pytest.raises(ValidationError):
        type_review_add(actor=staff, enterprise=grow, staff_type="star", reason="x")
    r = type_review_add(
        actor=staff, enterprise=grow, staff_type="vanguard", reason="新产线投产，研发团队已组建"
    )
    assert (r.staff_type, r.by) == ("vanguard", staff)
    assert AuditEntry.objects.filter(action="diagnosis.review", subject=f"party:{grow.pk}").exists()
    client.login(username="staff_a", password=PASSWORD)
    page = client.get(f"/cultivation/firms/{grow.credit_code}/").content.decode()
    assert "新产线投产，研发团队已组建" in page


def test_pages_walk_from_diagnosis_to_referral_to_outcome(staff, firms, client):
    grow, _peer, far = firms
    client.login(username="staff_a", password=PASSWORD)
    listing = client.get("/cultivation/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert grow.name in html and far.name not in html
    page = client.get(f"/cultivation/firms/{grow.credit_code}/")
    assert page.status_code == 200
    registry = client.get(f"/enterprises/{grow.credit_code}/").content.decode()
    assert f'href="/cultivation/firms/{grow.credit_code}/"' in registry  # from the firm's page
    r = client.post(
        f"/cultivation/firms/{grow.credit_code}/refer/",
        {"service": "consulting_days", "provider": "常熟咨询中心", "note": "精益生产"},
    )
    case = ServiceCase.objects.get(enterprise=grow)
    assert r.status_code == 302 and r["Location"] == f"/cultivation/cases/{case.pk}/"
    r = client.post(f"/cultivation/cases/{case.pk}/move/", {"to": "in_service", "version": 1})
    assert r.status_code == 302
    FiscalYear.objects.create(
        enterprise=grow,
        year=2025,
        figures={"employees": 130, "revenue": 1000.0, "rd_expense": 30.0},
    )
    r = client.post(
        f"/cultivation/cases/{case.pk}/move/", {"to": "done", "version": 2, "note": "新增产线"}
    )
    assert r.status_code == 302
    detail = client.get(f"/cultivation/cases/{case.pk}/").content.decode()
    assert 'id="outcome-jobs">+30<' in detail and "新增产线" in detail
    # a stale form shows the conflict and changes nothing
    stale = client.post(f"/cultivation/cases/{case.pk}/move/", {"to": "cancelled", "version": 1})
    assert stale.status_code in (409, 422)
    services = client.get("/cultivation/services/")
    assert services.status_code == 200
    # other county's staff: not found
    make_user("staff_b", Role.COUNTY_STAFF, division=B)
    other = Client()
    other.login(username="staff_b", password=PASSWORD)
    assert other.get(f"/cultivation/cases/{case.pk}/").status_code == 404
    assert other.get(f"/cultivation/firms/{grow.credit_code}/").status_code == 404


def test_the_workbook_lists_diagnoses_and_cases_in_words(staff, firms, client):
    grow = firms[0]
    case_open(actor=staff, enterprise=grow, service="talent_pool")
    client.login(username="staff_a", password=PASSWORD)
    r = client.get("/cultivation/export.xlsx")
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    diag = book.worksheets[0]
    names = [row[0] for row in diag.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted([firms[0].name, firms[1].name])  # not the other county's
    cases = book.worksheets[-1]
    rows = list(cases.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][0] == grow.name and "talent_pool" not in rows[0]


def test_the_api_refers_moves_with_if_match_and_hides_other_counties(staff, firms):
    grow, _peer, far = firms
    key = ApiToken.new_key()
    ApiToken.objects.create(user=staff, name="t", digest=ApiToken.digest_of(key))
    c = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    body = c.get("/api/diagnoses").json()
    codes = {i["credit_code"] for i in body["items"]}
    assert grow.credit_code in codes and far.credit_code not in codes and body["count"] == 2
    one = c.get(f"/api/diagnoses/{grow.credit_code}").json()
    assert one["type_name"] and all(f["name"] and f["evidence"] for f in one["flags"])
    assert c.get(f"/api/diagnoses/{far.credit_code}").status_code == 404

    new = {"credit_code": grow.credit_code, "service": "capital_forum", "note": "路演"}
    r = c.post("/api/cases", json.dumps(new), content_type="application/json")
    assert r.status_code == 201 and r.json()["service_name"] and r["ETag"] == '"1"'
    case_id = r.json()["id"]
    far_case = {**new, "credit_code": far.credit_code}
    assert (
        c.post("/api/cases", json.dumps(far_case), content_type="application/json").status_code
        == 404
    )
    url = f"/api/cases/{case_id}/move"
    move = json.dumps({"to": "in_service"})
    assert c.post(url, move, content_type="application/json").status_code == 428
    r = c.post(url, move, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert r.status_code == 200 and [h["status"] for h in r.json()["history"]] == [
        "opened",
        "in_service",
    ]
    stale = json.dumps({"to": "cancelled", "note": "企业放弃"})
    r = c.post(url, stale, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert r.status_code == 412
    listed = c.get("/api/cases?status=in_service").json()
    assert [i["id"] for i in listed["items"]] == [case_id]


def test_the_demo_refers_firms_and_shows_outcomes_beside_comparable_firms(admin_user, client):
    from tests.web.conftest import load_city

    from feidi_web.cultivation.selectors import services_report
    from feidi_web.demo.loader import load_cultivation

    load_city(admin_user, n_local=60, n_enclave=4, n_years=5)
    staff = make_user("staff", Role.COUNTY_STAFF, division="320581")
    n = load_cultivation(say=lambda _: None)
    assert n == ServiceCase.objects.count() > 0
    assert load_cultivation(say=lambda _: None) == 0  # idempotent
    done = ServiceCase.objects.filter(status="done")
    assert done.exists()
    # every case starts from 2024, the last fiscal year complete when it was referred (2025)
    assert {c.baseline["year"] for c in ServiceCase.objects.all()} == {2024}
    rows = {r.id: r for r in services_report(staff)}
    served = [r for r in rows.values() if r.outcome.done]
    assert served and all(r.outcome.served.firms == r.outcome.done for r in served)
    assert sum(r.outcome.cases for r in rows.values()) == n
    client.force_login(staff)
    page = client.get("/cultivation/services/").content.decode()
    assert 'id="outcome-caveat"' in page


def test_the_chain_graph_prints_as_svg_from_the_pages_payload():
    from feidi_web.cultivation.report import chain_svg

    payload = {
        "columns": ["上游", "中游", "下游"],
        "categories": [{"name": "空白", "color": "#eee"}, {"name": "强", "color": "#123456"}],
        "gapsWord": "缺口",
        "nodes": [
            {"id": "a", "name": "电芯<材料>", "x": 0, "y": 0, "size": 20, "category": 1, "gapTypes": []},
            {"id": "b", "name": "电池包", "x": 800, "y": 70, "size": 18, "category": 0, "gapTypes": ["fill_blank"]},
        ],
        "edges": [{"source": "a", "target": "b"}, {"source": "a", "target": "gone"}],
    }  # fmt: skip
    svg = chain_svg(payload)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<line") == 1  # an edge to a node the chain lacks is not drawn
    assert "电芯&lt;材料&gt;" in svg and "电池包" in svg  # names escaped
    assert svg.count('stroke="#dc3545"') == 2  # the gap node's ring and the legend's
    assert 'fill="#123456"' in svg
    assert chain_svg({**payload, "nodes": []}) == ""


def test_the_cultivation_report_in_pdf_and_excel_holds_the_pages_figures(admin_user, client):
    from tests.web.conftest import load_city
    from tests.web.test_pool import pdf_pages, pdf_text

    from feidi_web.cultivation.selectors import overview
    from feidi_web.demo.loader import load_cultivation

    load_city(admin_user, n_local=40, n_enclave=4, n_years=5)
    staff = make_user("staff", Role.COUNTY_STAFF, division="320581")
    load_cultivation(say=lambda _: None)
    client.force_login(staff)
    client.cookies["django_language"] = "en"  # what the language switch sets
    r = client.get("/cultivation/report.xlsx")
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    names = book.sheetnames
    for sheet in ("Summary", "Chains", "Gaps", "Opportunities", "Diagnoses", "Service cases"):
        assert sheet in names
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    local = Enterprise.objects.filter(enclave=False, kind="enterprise").count()
    assert summary["Local enterprises"] == local
    assert summary["Service cases"] == ServiceCase.objects.count()
    ov = overview(staff)
    for _id, words, n in ov.by_type:
        assert summary[f"Type: {words}"] == n
    chains = list(book["Chains"].iter_rows(min_row=2, values_only=True))
    assert len(chains) == 8 and all(held <= nodes for _n, nodes, held, *_ in chains)
    pdf = client.get("/cultivation/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf_pages(pdf.content) >= 3
    assert b"Noto-Sans-CJK-SC" in pdf_text(pdf.content)
