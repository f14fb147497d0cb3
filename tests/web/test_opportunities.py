"""Industry opportunities (产业机会): a hand-made registry of two counties scored against a
hand-made reference panel, every figure worked by hand; scope, roles, the Excel file, and the
demo's synthetic panel.

The reference panel (4 counties × 4 classes, the same table for revenue and firms):

    county   C1311 C1312 C1313 C1314
    320111     5     3     1     1
    320112     2     4     3     0
    320113     1     2     4     3
    320114     0     1     3     5      totals 8, 10, 11, 9 of 38

Its M (RCA ≥ 1): 320111 holds C1311, C1312; 320112 C1311, C1312, C1313; 320113 and 320114
C1313, C1314. Proximity (co-held ÷ the larger ubiquity): φ(C1311, C1312) = 2/2 = 1,
φ(C1311, C1313) = φ(C1312, C1313) = 1/3, φ(C1313, C1314) = 2/3, the others 0.

County A (320581): local firms in C1311 (revenue 10), C1312 (50 and 10), C1313 (10) in 2025,
one local firm without a class, one enclave firm in C1314 (1,000) — not the county's own. County
B (320582) has a firm in C1314 (500). A's revenue table is C1311 10, C1312 60, C1313 10 (of 80):

* RCA(C1312) = (60/80) / (10/38) = 2.85 → held; RCA(C1311) = (10/80) / (8/38) = 0.59375;
* density(C1311) = φ(C1311, C1312) / (φ(C1311, C1312) + φ(C1311, C1313)) = 1 / (4/3) = 0.75;
  density(C1313) = (1/3) / (1/3 + 1/3 + 2/3) = 0.25; density(C1314) = 0;
* by firm counts (1, 2, 1 of 4): RCA(C1311) = (1/4) / (8/38) = 1.1875 → held too.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.test import Client, override_settings
from tests.web.conftest import make_user

from feidi.reference import make_credit_code
from feidi_web.accounts.models import Role
from feidi_web.enterprises.models import Enterprise, FiscalYear
from feidi_web.opportunities import selectors
from feidi_web.opportunities.exports import XLSX_HEADER_ROW
from feidi_web.opportunities.selectors import opportunities_for

A, B = "320581", "320582"
PANEL = [
    ("320111", [5, 3, 1, 1]),
    ("320112", [2, 4, 3, 0]),
    ("320113", [1, 2, 4, 3]),
    ("320114", [0, 1, 3, 5]),
]
CLASSES = ["C1311", "C1312", "C1313", "C1314"]


@pytest.fixture
def panel_file(tmp_path: Path):
    lines = ["location,product,firms,revenue"]
    for county, values in PANEL:
        lines += [f"{county},{c},{v},{v}" for c, v in zip(CLASSES, values, strict=True) if v]
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    selectors._panels.clear()
    with override_settings(FEIDI_REFERENCE_PANEL=str(path)):
        yield path
    selectors._panels.clear()


def _firm(i: int, county: str, code: str, revenue: float | None, *, enclave: bool = False):
    firm = Enterprise.objects.create(
        credit_code=make_credit_code(f"91{county}MA{i:07d}"),
        name=f"企业{i}",
        region_code="110108" if enclave else county,
        jurisdiction_code=county,
        industry_code=code,
        enclave=enclave,
    )
    # 2024 figures would give another table: the latest fiscal year counts
    FiscalYear.objects.create(enterprise=firm, year=2024, figures={"revenue": 1.0})
    FiscalYear.objects.create(enterprise=firm, year=2025, figures={"revenue": revenue})
    return firm


@pytest.fixture
def registry(db, panel_file):
    _firm(1, A, "C1311", 10)
    _firm(2, A, "C1312", 50)
    _firm(3, A, "C1312", 10)
    _firm(4, A, "C1313", 10)
    _firm(5, A, "C13", 5)  # a division, not a class: left out
    _firm(6, A, "C1314", 1000, enclave=True)  # the enclave's, not the county's own
    _firm(7, B, "C1314", 500)


@pytest.fixture
def users(registry):
    return {
        "staff_a": make_user("staff_a", Role.COUNTY_STAFF, division=A),
        "staff_b": make_user("staff_b", Role.COUNTY_STAFF, division=B),
        "admin": make_user("admin", Role.ADMIN),
        "operator_a": make_user("operator_a", Role.ENCLAVE_OPERATOR, division=A),
        "staff_c": make_user("staff_c", Role.COUNTY_STAFF, division="320583"),
        "city": make_user("city", Role.COUNTY_STAFF, division="320500"),
        "firm_a": make_user(
            "firm_a", Role.ENTERPRISE, enterprise=Enterprise.objects.get(name="企业1")
        ),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _by_code(rows) -> dict:
    return {r["code"]: r for r in rows}


def test_api_scores_county_a_by_hand(users):
    body = _client(users["staff_a"]).get("/api/opportunities").json()
    assert body["problem"] is None
    assert body["county"] == {"code": A, "name": "常熟市", "firms": 5}
    assert (body["value"], body["default_value"], body["year"]) == ("revenue", "revenue", 2025)
    assert (body["firms"], body["firms_counted"], body["firms_without_class"]) == (5, 4, 1)
    assert [h["code"] for h in body["held"]] == ["C1312"]
    held = body["held"][0]
    assert held["rca"] == pytest.approx((60 / 80) / (10 / 38))
    assert held["value"] == 60 and held["firms"] == 2
    ranked = _by_code(body["opportunities"])
    assert set(ranked) == {"C1311", "C1313", "C1314"}
    assert ranked["C1311"]["rca"] == pytest.approx(0.59375)
    assert ranked["C1311"]["density"] == pytest.approx(0.75)
    assert ranked["C1313"]["density"] == pytest.approx(0.25)
    assert ranked["C1314"]["density"] == 0
    assert ranked["C1314"]["value"] == 0  # neither B's firm nor A's enclave firm counts
    # ECI is the PCI of the one class held; a candidate raises it when its PCI is higher
    assert body["eci"] == pytest.approx(held["pci"])
    for r in body["opportunities"]:
        assert r["raises_complexity"] == (r["pci"] > body["eci"])
    # the rule: 0.5 z(density) + 0.25 z(PCI) + 0.25 z(COG) over the three candidates
    rows = body["opportunities"]

    def z(key: str) -> list[float]:
        xs = [r[key] for r in rows]
        mean = sum(xs) / len(xs)
        sd = (sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)) ** 0.5
        return [(x - mean) / sd for x in xs]

    expected = [
        0.5 * d + 0.25 * p + 0.25 * c
        for d, p, c in zip(z("density"), z("pci"), z("cog"), strict=True)
    ]
    assert [r["score"] for r in rows] == pytest.approx(expected)
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert expected == sorted(expected, reverse=True)
    # words: nearness names the county's own related industry
    assert ranked["C1311"]["neighbours"] == ["小麦加工"]
    assert (
        ranked["C1311"]["reasons"][0]
        == "邻近度高（0.750，3 个候选中第 1 位）：本地已有小麦加工等相关产业"
    )
    assert ranked["C1314"]["reasons"][0].endswith("本地尚无相关产业")


def test_firm_counts_give_another_table(users):
    body = _client(users["staff_a"]).get("/api/opportunities?value=firms").json()
    held = _by_code(body["held"])
    assert set(held) == {"C1311", "C1312"}
    assert held["C1311"]["rca"] == pytest.approx((1 / 4) / (8 / 38))
    assert held["C1312"]["rca"] == pytest.approx((2 / 4) / (10 / 38))
    assert body["firms_counted"] == 4 and body["default_value"] == "revenue"
    assert _client(users["staff_a"]).get("/api/opportunities?value=jobs").status_code == 422


def test_county_b_never_enters_county_a(users):
    a = opportunities_for(users["staff_a"])
    b = opportunities_for(users["staff_b"])
    assert a.county.code == A and [c.code for c in a.counties] == [A]
    assert b.county.code == B and [c.code for c in b.counties] == [B]
    assert {r.code: r.value for r in a.classes if r.value} == {
        "C1311": 10.0,
        "C1312": 60.0,
        "C1313": 10.0,
    }
    assert {r.code: r.value for r in b.classes if r.value} == {"C1314": 500.0}
    assert [r.code for r in b.held] == ["C1314"]
    assert b.held[0].rca == pytest.approx(1 / (9 / 38))
    # staff of B asking for A get their own county
    assert opportunities_for(users["staff_b"], county=A).county.code == B


def test_administrator_and_prefecture_choose_a_county(users):
    for who in ("admin", "city"):
        result = opportunities_for(users[who])
        assert [(c.code, c.firms) for c in result.counties] == [(A, 5), (B, 1)]
        assert result.county.code == A  # most local firms first
        assert opportunities_for(users[who], county=B).held[0].code == "C1314"
    response = _client(users["admin"]).get(f"/opportunities/?county={B}")
    assert response.status_code == 200
    assert response.context["result"].county.code == B


def test_page_shows_the_hand_worked_figures(users):
    response = _client(users["staff_a"]).get("/opportunities/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="opp-chart"' in html and 'id="opp-data"' in html
    assert "<script>" not in html  # data via json_script only: the CSP forbids inline scripts
    ranked = response.context["ranked"]
    assert ranked[0].code == "C1311" and ranked[0].density == pytest.approx(0.75)
    assert ">0.75</td>" in html
    assert "稻谷加工" in html and "小麦加工" in html
    held = response.context["result"].held
    assert held[0].rca == pytest.approx(2.85)
    assert ">2.85</td>" in html
    chart = response.context["chart"]
    top = next(s for s in chart["series"] if s["kind"] == "top")
    assert [p[3] for p in top["points"]] == ["稻谷加工", "玉米加工", "杂粮加工"]
    assert "opp-synthetic" not in html  # a configured panel is not the demo's


def test_english_names_carry_their_code(users):
    client = _client(users["staff_a"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/api/opportunities").json()
    names = {r["code"]: r["name"] for r in body["opportunities"]}
    assert names["C1311"] == "稻谷加工 (C1311)"
    assert body["opportunities"][0]["reasons"][0].startswith(
        "Close to what the county has (density 0.750, 1st of 3)"
    )


def test_excel_holds_every_row(users):
    response = _client(users["staff_a"]).get("/opportunities/export.xlsx?value=revenue")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ranked, held, about = wb.worksheets
    rows = list(ranked.iter_rows(min_row=XLSX_HEADER_ROW + 2, values_only=True))
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (1, "C1311", "稻谷加工"),
        (2, "C1313", "玉米加工"),
        (3, "C1314", "杂粮加工"),
    ]
    assert rows[0][3] == pytest.approx(0.75)
    held_rows = list(held.iter_rows(min_row=XLSX_HEADER_ROW + 2, values_only=True))
    assert len(held_rows) == 1
    code, name, value, firms, rca, *_ = held_rows[0]
    assert (code, name, value, firms) == ("C1312", "小麦加工", 60, 2)
    assert rca == pytest.approx(2.85)
    assert about.cell(1, 2).value == "常熟市（320581）"


def test_enterprise_user_is_refused(users):
    client = _client(users["firm_a"])
    for url in ("/opportunities/", "/opportunities/export.xlsx", "/api/opportunities"):
        assert client.get(url).status_code == 403, url


def test_nothing_to_score_is_explained(users):
    # the enclave operator sees the enclave's firms only
    response = _client(users["operator_a"]).get("/opportunities/")
    assert response.status_code == 200
    problem = response.context["result"].problem
    assert "enclave" in problem or "飞地" in problem
    assert 'id="opp-problem"' in response.content.decode()
    # a county with no firm in the registry
    empty = _client(users["staff_c"]).get("/api/opportunities").json()
    assert empty["county"]["code"] == "320583" and empty["held"] == []
    assert "320583" in empty["problem"]
    assert _client(users["staff_c"]).get("/opportunities/export.xlsx").status_code == 200


def test_revenue_default_needs_enough_firms(users):
    # three of the four classed firms lose their 2025 revenue: 25 % < 80 % reports it
    FiscalYear.objects.filter(year=2025, enterprise__name__in=["企业2", "企业3", "企业4"]).update(
        figures={}
    )
    result = opportunities_for(users["staff_a"])
    assert (result.default_value, result.value) == ("firms", "firms")
    assert result.revenue_coverage == pytest.approx(0.25)
    revenue = opportunities_for(users["staff_a"], value="revenue")
    assert revenue.firms_without_revenue == 3
    assert {r.code: r.value for r in revenue.classes if r.value} == {"C1311": 10.0}


def test_an_unreadable_panel_is_named(users, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("location,product,firms,revenue\n320111,C1311,-1,5\n", "utf-8")
    selectors._panels.clear()
    with override_settings(FEIDI_REFERENCE_PANEL=str(bad)):
        result = opportunities_for(users["staff_a"])
    selectors._panels.clear()
    assert result.held == () and "bad.csv" in result.problem and "2" in result.problem


@pytest.mark.usefixtures("city")
def test_demo_panel_scores_the_demo_county(staff_user):
    selectors._panels.clear()
    response = _client(staff_user).get("/opportunities/")
    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok and result.reference.synthetic and result.reference.locations == 104
    assert 'id="opp-synthetic"' in response.content.decode()
    assert result.held and result.candidates > 600
    assert all(r.reasons and r.label for r in response.context["ranked"])
    assert len(response.context["ranked"]) == 30
    every = _client(staff_user).get("/opportunities/?all=1").context["ranked"]
    assert len(every) == result.candidates
