"""The policy channel's pages and API: the policies covering a scope with their counts, one
policy with its firms by verdict, one firm across its policies with the trace; scope (404
outside it), roles (a firm user sees only their own firm), the workbook and the API shapes."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from tests.web.conftest import make_user

from feidi.policy import policy_by_id
from feidi.reference import make_credit_code
from feidi_web.accounts.models import ApiToken, Role
from feidi_web.enterprises.models import Enterprise, FiscalYear
from feidi_web.policies.selectors import condition_words

A, B = "320581", "320582"
DAY = "2026-06-30"
RD = "rd-super-deduction"


def firm(seq: int, name: str, *, region: str = A, years: dict | None = None, **profile):
    code = make_credit_code(f"91{region}MA{seq:07d}0"[:17])
    profile.setdefault("industry_code", "C3670")
    e = Enterprise.objects.create(
        credit_code=code,
        name=name,
        region_code=region,
        jurisdiction_code=region,
        industry_code=profile["industry_code"],
        profile={"name": name, "region_code": region, **profile},
    )
    for year, figures in (years or {}).items():
        FiscalYear.objects.create(enterprise=e, year=year, figures=figures)
    return e


@pytest.fixture
def firms(db):
    # R&D super deduction on 2026-06-30 (fiscal year 2025): 甲 spent on R&D in a manufacturing
    # industry — unknown (whether its tax is assessed is not in the registry); 乙 is a
    # wholesaler without R&D — not eligible; 丙 is county B's
    a = firm(
        1,
        "虞山精密部件有限公司",
        years={2025: {"employees": 100, "revenue": 1000.0, "rd_expense": 30.0}},
    )
    b = firm(
        2,
        "常熟批发商行",
        industry_code="F5110",
        years={2025: {"revenue": 100.0, "rd_expense": 0.0}},
    )
    c = firm(3, "太仓纺织有限公司", region=B, years={2025: {"revenue": 90.0, "rd_expense": 5.0}})
    return a, b, c


@pytest.fixture
def people(firms):
    a = firms[0]
    return {
        "staff_a": make_user("staff_a", Role.COUNTY_STAFF, division=A),
        "staff_b": make_user("staff_b", Role.COUNTY_STAFF, division=B),
        "officer_a": make_user("officer_a", Role.INVESTMENT_OFFICER, division=A),
        "firm_a": make_user("firm_a", Role.ENTERPRISE, enterprise=a),
    }


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_list_counts_the_scope_firms_by_verdict(people, firms):
    r = login(people["staff_a"]).get(f"/policies/?as_of={DAY}")
    assert r.status_code == 200
    rows = {row.policy.id: row for row in r.context["rows"]}
    assert rows[RD].counts == {"eligible": 0, "not_eligible": 1, "unknown": 1}
    assert rows[RD].firms == 2  # county B's firm is not counted
    # the demo province's example reward applies in 常熟 (320581): covered here, not in B
    assert "demo-little-giant-reward" in rows
    body = r.content.decode()
    assert "研发费用税前加计扣除" in body and "dates-unconfirmed" in body  # high-tech-rate's
    rows_b = {
        row.policy.id: row for row in login(people["staff_b"]).get("/policies/").context["rows"]
    }
    assert rows_b[RD].firms == 1 and "demo-little-giant-reward" not in rows_b


def test_a_bad_date_is_a_clear_error(people, firms):
    r = login(people["staff_a"]).get("/policies/?as_of=2026-13-45")
    assert r.status_code == 422
    assert "as-of-errors" in r.content.decode()
    r = login(people["staff_a"]).get("/policies/?as_of=1900-01-01")
    assert r.status_code == 422


def test_one_policy_lists_its_firms_by_verdict_with_what_is_missing(people, firms):
    a, b, _c = firms
    client = login(people["staff_a"])
    r = client.get(f"/policies/{RD}/?verdict=unknown&as_of={DAY}")
    assert r.status_code == 200
    shown = [f.enterprise for f in r.context["page"]]
    assert shown == [a]
    assert r.context["page"][0].missing == ["企业所得税实行核定征收"]
    r = client.get(f"/policies/{RD}/?verdict=not_eligible&as_of={DAY}")
    assert [f.enterprise for f in r.context["page"]] == [b]
    # its conditions in words, from the rulebook (no firm's values)
    assert any(
        "研发费用" in c.label and c.required.startswith(">") for c in r.context["conditions"]
    )
    assert client.get("/policies/no-such-policy/").status_code == 404


def test_conditions_in_words_follow_the_rulebook():
    lines = condition_words(policy_by_id(RD))
    assert lines[0].depth == 0 and len(lines) == 4
    assert lines[1].required == "> 0 万元"


def test_the_firm_page_shows_the_trace_and_the_path(people, firms):
    a, _b, c = firms
    r = login(people["staff_a"]).get(f"/policies/firms/{a.credit_code}/?as_of={DAY}")
    assert r.status_code == 200
    rd = next(row for row in r.context["rows"] if row.policy.id == RD)
    assert rd.verdict == "unknown"
    assert [x.verdict for x in rd.conditions] == ["unknown", "pass", "pass", "unknown"]
    assert rd.conditions[1].observed == "30 万元"
    assert rd.missing == ["企业所得税实行核定征收"] and rd.path
    body = r.content.decode()
    assert "verdict-pass" in body and "verdict-unknown" in body
    # outside the scope: not found
    assert login(people["staff_a"]).get(f"/policies/firms/{c.credit_code}/").status_code == 404
    assert login(people["staff_b"]).get(f"/policies/firms/{a.credit_code}/").status_code == 404


def test_a_firm_user_sees_only_their_own_firm(people, firms):
    a, b, _c = firms
    client = login(people["firm_a"])
    r = client.get("/policies/")
    assert r.status_code == 302 and r["Location"] == f"/policies/firms/{a.credit_code}/"
    assert client.get(f"/policies/firms/{a.credit_code}/").status_code == 200
    assert client.get(f"/policies/firms/{b.credit_code}/").status_code == 404
    assert client.get(f"/policies/{RD}/").status_code == 403
    assert client.get(f"/policies/{RD}/export.xlsx").status_code == 403


def test_the_registry_and_the_portal_link_to_the_firm_page(people, firms):
    a, _b, _c = firms
    link = f"/policies/firms/{a.credit_code}/"
    assert link in login(people["staff_a"]).get(f"/enterprises/{a.credit_code}/").content.decode()
    assert link in login(people["firm_a"]).get("/portal/").content.decode()


def test_the_workbook_lists_the_firms_with_their_verdicts(people, firms):
    r = login(people["staff_a"]).get(f"/policies/{RD}/export.xlsx?as_of={DAY}")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 3  # header + county A's two firms
    verdicts = {row[1]: row[3] for row in rows[1:]}
    assert verdicts == {"虞山精密部件有限公司": "待定（缺数据）", "常熟批发商行": "不符合"}


def _api(user) -> Client:
    key = ApiToken.new_key()
    ApiToken.objects.create(user=user, name="t", digest=ApiToken.digest_of(key))
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_api_lists_policies_with_counts_in_the_callers_scope(people, firms):
    r = _api(people["staff_a"]).get(f"/api/policies?as_of={DAY}")
    assert r.status_code == 200
    rd = next(p for p in r.json() if p["id"] == RD)
    assert rd["counts"] == {"eligible": 0, "not_eligible": 1, "unknown": 1}
    assert rd["local"] is False and rd["name"]["zh"].startswith("研发费用")
    assert set(rd) >= {"document", "article", "effective_from", "effective_to", "benefit"}
    assert _api(people["staff_a"]).get("/api/policies?as_of=nonsense").status_code == 422


def test_api_gives_a_firms_verdicts_with_the_trace(people, firms):
    a, b, c = firms
    r = _api(people["firm_a"]).get(f"/api/enterprises/{a.credit_code}/policies?as_of={DAY}")
    assert r.status_code == 200
    rd = next(p for p in r.json() if p["policy"] == RD)
    assert rd["verdict"] == "unknown"
    assert [x["status"] for x in rd["conditions"]] == ["unknown", "met", "met", "unknown"]
    assert rd["conditions"][1]["observed"] == "30 万元"
    assert rd["missing"] == ["企业所得税实行核定征收"] and rd["path"]
    assert rd["citation"] and rd["benefit_amount"] is None
    # another firm: not found for the firm user; outside the scope for county B's staff
    assert (
        _api(people["firm_a"]).get(f"/api/enterprises/{b.credit_code}/policies").status_code == 404
    )
    assert (
        _api(people["staff_b"]).get(f"/api/enterprises/{a.credit_code}/policies").status_code == 404
    )
    assert (
        _api(people["staff_a"]).get(f"/api/enterprises/{c.credit_code}/policies").status_code == 404
    )
    ok = _api(people["staff_a"]).get(f"/api/enterprises/{b.credit_code}/policies?as_of={DAY}")
    assert next(p for p in ok.json() if p["policy"] == RD)["verdict"] == "not_eligible"


def test_every_policy_of_the_scope_has_its_page_in_both_languages(people, firms):
    client = login(people["staff_a"])
    ids = [r.policy.id for r in client.get(f"/policies/?as_of={DAY}").context["rows"]]
    assert len(ids) >= 6
    for lang in ("zh-hans", "en"):
        client.post("/i18n/setlang/", {"language": lang, "next": "/"})
        for pid in ids:
            r = client.get(f"/policies/{pid}/?as_of={DAY}")
            assert r.status_code == 200, pid
            assert r.context["conditions"] and all(c.label for c in r.context["conditions"]), pid
