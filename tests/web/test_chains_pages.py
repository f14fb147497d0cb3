"""The chains on the platform (issue 13): node strength and typed gaps with their candidates
on pages, in Excel, over the API and on the cockpit — figures worked by hand from a small
registry, each county's staff seeing only their own firms, and the demo city's pages agreeing
with the core computed straight from its rows.

The hand-made county A (320581), every firm mounted by its products alone (no industry code):

=====  ======  ===============  ==========================  =====================  =======
firm   where   products         nodes (confidence)          latest year: revenue,  title
                                                            R&D (万元)               held
=====  ======  ===============  ==========================  =====================  =======
甲      local   光伏组件          pv_modules (0.4)            100, 10 (2024: 999)    专精特新
乙      local   光伏组件、逆变器   pv_modules, inverters (0.4)  300, 0                 —
丙      local   逆变器           inverters (0.4)             50, 5                  lapsed
团队    enclave 多晶硅           silicon_wafers (0.4)        —                      —
=====  ======  ===============  ==========================  =====================  =======

and a live offer of county A whose text names 光伏玻璃 (pv_materials, 0.4). County B (320582)
has one local firm making 多晶硅 (revenue 70).

New energy's 17 nodes: pv_modules holds 甲 and 乙 (revenue 100 + 300 × 0.4 / 0.8 = 250, R&D 10,
one firm with R&D, one tier holder); inverters holds 乙 and 丙 (revenue 150 + 50 = 200, R&D 5,
no tier holder: 丙's title lapsed). Mean firms per node 4/17, so each firm index is
2 ÷ (4/17) = 8.5; revenue indices 250 ÷ (450/17) = 9.444 and 200 ÷ (450/17) = 7.556;
strength (8.5 + 9.444) / 2 = 8.97 and (8.5 + 7.556) / 2 = 8.03. The empty silicon_wafers and
pv_materials each feed pv_modules only (held): 填空白 with priority 0.6 + 0.4 × 1/1 = 1, ranks 1
and 2 (node order breaks the tie); the team is silicon_wafers' candidate to attract, the
offer pv_materials', and 甲 and 乙 (on the linked pv_modules, 0.4 × 0.5 = 0.2) the firms to grow.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import openpyxl
import polars as pl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.web.conftest import make_user

from feidi.chains import load_chain, mount_frame, node_strength
from feidi.reference import make_credit_code
from feidi_web.accounts.models import ApiToken, Role
from feidi_web.chains.selectors import chain_figures
from feidi_web.chains.services import mount_correct
from feidi_web.enterprises.models import Enterprise, FiscalYear
from feidi_web.enterprises.services import party_register
from feidi_web.matchmaking import services as mm

A, B = "320581", "320582"
PV, INV, WAFERS, PV_MAT = (
    "new_energy/pv_modules",
    "new_energy/inverters",
    "new_energy/silicon_wafers",
    "new_energy/pv_materials",
)
WAFERS_EVIDENCE = "「多晶硅与硅片」（上游）没有本地企业；与其相连的 1 个环节中 1 个有本地企业：「光伏电池片与组件」。"


def _yyyymmdd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _firm(name: str, code17: str, county: str, products: str, years: dict, **profile) -> Enterprise:
    e = Enterprise.objects.create(
        name=name,
        credit_code=make_credit_code(code17),
        region_code=county,
        jurisdiction_code=county,
        profile={"name": name, "main_products": products, **profile},
    )
    for year, figures in years.items():
        FiscalYear.objects.create(enterprise=e, year=year, figures=figures)
    return e


@pytest.fixture
def county(db):
    today = timezone.localdate()
    people = {
        "staff_a": make_user("staff_a", Role.COUNTY_STAFF, division=A),
        "staff_b": make_user("staff_b", Role.COUNTY_STAFF, division=B),
        "officer_a": make_user("officer_a", Role.INVESTMENT_OFFICER, division=A),
        "operator_a": make_user("operator_a", Role.ENCLAVE_OPERATOR, division=A),
        "admin": make_user("admin", Role.ADMIN),
    }
    jia = _firm(
        "甲光伏科技有限公司",
        "91320581MA1AAAAA0",
        A,
        "光伏组件",
        {
            2024: {"revenue": 999.0, "rd_expense": 99.0},
            2025: {"revenue": 100.0, "rd_expense": 10.0},
        },
        title_specialized_1=_yyyymmdd(today - timedelta(days=400)),
    )
    yi = _firm(
        "乙新能源有限公司",
        "91320581MA1BBBBB0",
        A,
        "光伏组件、逆变器",
        {2025: {"revenue": 300.0, "rd_expense": 0.0}},
    )
    bing = _firm(
        "丙电气有限公司",
        "91320581MA1CCCCC0",
        A,
        "逆变器",
        {2025: {"revenue": 50.0, "rd_expense": 5.0}},
        title_innovative_1=_yyyymmdd(today - timedelta(days=4 * 366)),  # lapsed
    )
    team = party_register(actor=people["operator_a"], name="北京硅材料初创团队", kind="startup")
    team.profile = {"main_products": "多晶硅"}
    team.save()
    other = _firm("丁硅业有限公司", "91320582MA1DDDDD0", B, "多晶硅", {2025: {"revenue": 70.0}})
    seller = party_register(actor=people["operator_a"], name="北京光伏玻璃团队", kind="lab")
    offer = mm.profile_submit(
        actor=people["operator_a"],
        party=seller,
        type="tech_offer",
        title="减反射镀膜技术",
        description="用于光伏玻璃的减反射镀膜，透光率提高两个百分点。",
    )
    mm.profile_review(actor=people["staff_a"], profile=offer, approve=True, seen_version=1)
    people["firm"] = make_user("firm", Role.ENTERPRISE, enterprise=jia)
    return {
        **people,
        "jia": jia,
        "yi": yi,
        "bing": bing,
        "team": team,
        "other": other,
        "seller": seller,
        "offer": offer,
    }


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _api(user, path: str):
    key = ApiToken.new_key()
    ApiToken.objects.create(
        user=user, name=f"t{ApiToken.objects.count()}", digest=ApiToken.digest_of(key)
    )
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {key}")


def _node(figures, ref: str) -> dict:
    return figures.strength.filter(pl.col("node") == ref).row(0, named=True)


# --- the figures ---------------------------------------------------------------------------


def test_node_strength_of_the_hand_made_county(county):
    f = chain_figures(county["staff_a"])
    pv, inv, wafers = _node(f, PV), _node(f, INV), _node(f, WAFERS)
    assert (pv["firms"], pv["revenue"], pv["rd_expense"], pv["rd_firms"]) == (2, 250.0, 10.0, 1)
    assert (pv["tier_specialized"], pv["tier_holders"]) == (1, 1)
    assert (inv["firms"], inv["revenue"], inv["rd_expense"], inv["rd_firms"]) == (2, 200.0, 5.0, 1)
    assert inv["tier_holders"] == 0  # 丙's innovative title lapsed four years after its grant
    assert (wafers["firms"], wafers["enclave_firms"]) == (0, 1)
    assert pv["firm_index"] == pytest.approx(8.5)
    assert pv["strength"] == pytest.approx((8.5 + 250 * 17 / 450) / 2)
    assert inv["strength"] == pytest.approx((8.5 + 200 * 17 / 450) / 2)
    held = f.strength.filter(pl.col("firms") > 0)["node"].to_list()
    assert sorted(held) == [INV, PV]


def test_the_gaps_are_ranked_with_their_candidates(county):
    f = chain_figures(county["staff_a"])
    top = f.gaps.head(2).rows(named=True)
    assert [(g["rank"], g["type"], g["node"], g["priority"]) for g in top] == [
        (1, "fill_blank", WAFERS, 1.0),
        (2, "fill_blank", PV_MAT, 1.0),
    ]
    assert top[0]["evidence"] == WAFERS_EVIDENCE
    wafers = {(c["kind"], c["id"], c["score"]) for c in top[0]["candidates"]}
    jia, yi, team = county["jia"].pk, county["yi"].pk, county["team"].pk
    assert wafers == {
        ("enclave_startup", f"firm:{team}", 0.4),
        ("local_firm", f"firm:{jia}", 0.2),
        ("local_firm", f"firm:{yi}", 0.2),
    }
    assert [(c["kind"], c["id"]) for c in top[1]["candidates"] if c["action"] == "attract"] == [
        ("profile", f"profile:{county['offer'].pk}")
    ]
    types = set(f.gaps.filter(pl.col("node") == PV)["type"].to_list())
    assert types == {"missing_upstream", "missing_downstream", "forge_long"}


def test_county_b_sees_only_its_own_firms_and_candidates(county):
    f = chain_figures(county["staff_b"])
    assert _node(f, WAFERS)["firms"] == 1 and _node(f, PV)["firms"] == 0
    assert set(f.parties) == {county["other"].pk}
    assert f.offers == {}
    ids = {c["id"] for cs in f.gaps["candidates"].to_list() for c in cs}
    assert ids == {f"firm:{county['other'].pk}"}
    body = _client(county["staff_b"]).get("/chains/new_energy/").content.decode()
    for name in ("甲光伏科技有限公司", "乙新能源有限公司", "北京硅材料初创团队", "减反射镀膜技术"):
        assert name not in body
    node = _client(county["staff_b"]).get("/chains/new_energy/silicon_wafers/").content.decode()
    assert "丁硅业有限公司" in node and "北京硅材料初创团队" not in node


def test_corrections_products_and_new_figures_show_at_once(county):
    """Nothing is cached: a staff correction, a changed product list and a new fiscal year
    are in the next figures."""
    mount_correct(actor=county["staff_a"], enterprise=county["bing"], node=WAFERS, action="add")
    jia = county["jia"]
    FiscalYear.objects.create(enterprise=jia, year=2026, figures={"revenue": 500.0})
    jia.profile = {**jia.profile, "main_products": "光伏组件、光伏玻璃"}
    jia.save()
    f = chain_figures(county["staff_a"])
    assert _node(f, WAFERS)["firms"] == 1  # 丙, added by staff (confidence 1)
    assert WAFERS not in f.gaps.filter(pl.col("type") == "fill_blank")["node"].to_list()
    # 甲 now on pv_modules and pv_materials (0.4 each): 500 split in two; 乙's 150 as before
    assert _node(f, PV)["revenue"] == 250 + 150 and _node(f, PV_MAT)["revenue"] == 250
    assert _node(f, PV)["rd_expense"] == 0  # 2026 has no R&D figure: unknown, not last year's


def test_a_county_without_firms_sees_every_node_blank(county):
    staff_c = make_user("staff_c", Role.COUNTY_STAFF, division="320583")
    f = chain_figures(staff_c)
    assert f.strength["firms"].sum() == 0 and f.gaps.height == 125
    assert set(f.gaps["type"]) == {"fill_blank"} and set(f.gaps["priority"]) == {0.6}
    c = _client(staff_c)
    for path in (
        "/chains/",
        "/chains/auto_parts/",
        "/chains/auto_parts/steel/",
        "/chains/export.xlsx",
    ):
        assert c.get(path).status_code == 200, path


def test_an_enclave_operator_counts_the_enclave_only(county):
    f = chain_figures(county["operator_a"])
    assert f.strength["firms"].sum() == 0  # no local firm in its scope
    assert _node(f, WAFERS)["enclave_firms"] == 1


# --- pages ---------------------------------------------------------------------------------


def test_the_chains_page_lists_every_chain_with_its_figures(county):
    r = _client(county["staff_a"]).get("/chains/")
    body = r.content.decode()
    assert r.status_code == 200
    row = re.search(r'<tr id="chain-new_energy"[^>]*>(.*?)</tr>', body, re.S)
    assert row, body[:2000]
    assert 'data-held="2" data-nodes="17" data-firms="3"' in body
    assert "新能源" in row[1] and "2 / 17" in row[1] and ">450<" in row[1]
    assert 'data-type="fill_blank" data-n="15"' in row[1]
    assert reverse("chains:detail", args=["new_energy"]) in row[1]
    assert body.count('<tr id="chain-') == 8
    assert WAFERS_EVIDENCE in body  # the top gap, with its evidence
    text = re.sub(r"<[^>]+>", " ", body)  # what a reader sees: no node ids, no type ids
    assert not re.search(r"new_energy|silicon_wafers|fill_blank|missing_", text)


def test_the_chain_page_shows_the_graph_nodes_and_gaps(county):
    r = _client(county["staff_a"]).get("/chains/new_energy/")
    body = r.content.decode()
    assert r.status_code == 200
    pv = re.search(r'<tr id="node-pv_modules"[^>]*>(.*?)</tr>', body, re.S)[1]
    assert "光伏电池片与组件" in pv
    assert re.search(r'class="num node-firms">2<', pv) and re.search(r'node-revenue">250<', pv)
    assert re.search(r'node-strength">8.97<', pv) and re.search(r'node-tiers">1<', pv)
    inv = re.search(r'<tr id="node-inverters"[^>]*>(.*?)</tr>', body, re.S)[1]
    assert re.search(r'node-revenue">200<', inv) and re.search(r'node-strength">8.03<', inv)
    payload = json.loads(re.search(r'id="chain-graph-data"[^>]*>(.*?)</script>', body, re.S)[1])
    nodes = {n["id"]: n for n in payload["nodes"] if not n["id"].startswith("__")}
    assert len(nodes) == 17 and len(payload["edges"]) == 22
    assert nodes["pv_modules"]["url"] == "/chains/new_energy/pv_modules/"
    assert nodes["silicon_wafers"]["gapTypes"] == ["fill_blank"]
    assert nodes["silicon_wafers"]["x"] == 0 and nodes["nev"]["x"] == 800  # up → downstream
    assert nodes["pv_modules"]["size"] > nodes["silicon_wafers"]["size"]
    assert {"source": "silicon_wafers", "target": "pv_modules"} in payload["edges"]
    assert "chains/graph.js" in body and "<script>" not in body  # no inline script (CSP)
    gap = re.search(r'id="gap-1"(.*?)id="gap-2"', body, re.S)[1]
    team = county["team"]
    assert WAFERS_EVIDENCE in gap
    assert f'href="/enterprises/{team.ref}/">北京硅材料初创团队</a>' in gap
    assert f'href="/enterprises/{county["jia"].credit_code}/">甲光伏科技有限公司</a>' in gap
    offer_url = reverse("matchmaking:detail", args=[county["offer"].pk])
    assert f'href="{offer_url}">减反射镀膜技术</a>' in body


def test_from_a_gap_to_the_firms_that_could_fill_it(county):
    """The node page a gap links to names the candidates to attract and grow, each linking to
    a page the user may open."""
    c = _client(county["staff_a"])
    chain_page = c.get("/chains/new_energy/").content.decode()
    link = reverse("chains:node", args=["new_energy", "silicon_wafers"])
    assert f'href="{link}"' in chain_page
    node = c.get(link).content.decode()
    attract = re.search(r'class="small mb-0 ps-3 candidates-attract">(.*?)</ol>', node, re.S)[1]
    grow = re.search(r'class="small mb-0 ps-3 candidates-grow">(.*?)</ol>', node, re.S)[1]
    assert re.findall(r">([^<]+)</a>", attract) == ["北京硅材料初创团队"]
    # equal scores (0.4 × 0.5 on the linked pv_modules): in the order of their ids
    assert re.findall(r">([^<]+)</a>", grow) == ["甲光伏科技有限公司", "乙新能源有限公司"]
    assert "光伏电池片与组件" in grow  # where each firm to grow was found
    for href in re.findall(r'href="(/enterprises/[^"]+)"', attract + grow):
        assert c.get(href).status_code == 200
    assert re.search(r'id="enclave-firms".*?北京硅材料初创团队', node, re.S)
    assert "C3218" in node and "多晶硅" in node  # the node's GB/T codes with their names


def test_the_node_page_lists_its_firms_with_their_evidence(county):
    body = _client(county["staff_a"]).get("/chains/new_energy/pv_modules/").content.decode()
    table = re.search(r'id="local-firms">(.*?)</table>', body, re.S)[1]
    assert re.findall(r'<a href="/enterprises/[^"]+">([^<]+)</a>', table) == [
        "乙新能源有限公司",
        "甲光伏科技有限公司",
    ]
    assert "关键词：光伏组件" in table and "专精特新中小企业" in table
    assert 'id="node-firms" data-value="2"' in body
    assert re.search(r'id="node-revenue">250<', body)


def test_an_enterprise_user_may_not_see_the_chains(county):
    c = _client(county["firm"])
    for path in (
        "/chains/",
        "/chains/new_energy/",
        "/chains/new_energy/pv_modules/",
        "/chains/export.xlsx",
        "/cockpit/chains/",
    ):
        assert c.get(path).status_code == 403, path
    assert _api(county["firm"], "/api/chains").status_code == 403


def test_unknown_chains_and_nodes_are_not_found(county):
    c = _client(county["staff_a"])
    assert c.get("/chains/no_such_chain/").status_code == 404
    assert c.get("/chains/new_energy/no_such_node/").status_code == 404
    assert _api(county["staff_a"], "/api/chains/no_such_chain").status_code == 404


def test_the_workbook_holds_nodes_gaps_and_candidates(county):
    r = _client(county["staff_a"]).get("/chains/export.xlsx")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    nodes, gaps, candidates = (list(ws.iter_rows(values_only=True)) for ws in book.worksheets[:3])
    assert len(nodes) == 1 + 125  # a header and every node of the eight chains
    pv = next(row for row in nodes if row[1] == "光伏电池片与组件")
    assert (pv[0], pv[4], pv[5], pv[6], pv[7]) == ("新能源", 2, 250, 10, 1)
    assert gaps[1][:6] == (1, "新能源", "多晶硅与硅片", "上游", "填空白", 1)
    assert gaps[1][9] == WAFERS_EVIDENCE
    assert len(gaps) == 1 + chain_figures(county["staff_a"]).gaps.height
    first = [row for row in candidates[1:] if row[0] == 1]
    assert sorted((row[5], row[10], row[11]) for row in first) == [
        ("乙新能源有限公司", 0.4, 0.2),
        ("北京硅材料初创团队", 0.4, 0.4),
        ("甲光伏科技有限公司", 0.4, 0.2),
    ]


def test_the_workbook_of_county_b_names_none_of_county_a(county):
    r = _client(county["staff_b"]).get("/chains/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    cells = {
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
    }
    assert "丁硅业有限公司" in cells
    assert not cells & {"甲光伏科技有限公司", "北京硅材料初创团队", "减反射镀膜技术"}


def test_the_cockpit_section_shows_chains_and_gaps(county):
    c = _client(county["staff_a"])
    cockpit = c.get("/cockpit/").content.decode()
    assert f'hx-get="{reverse("dashboards:chains")}"' in cockpit
    section = c.get("/cockpit/chains/").content.decode()
    assert re.search(r'data-chain="new_energy" data-held="2" data-nodes="17"', section)
    row = re.search(r'data-chain="new_energy"(.*?)</tr>', section, re.S)[1]
    assert "多晶硅与硅片" in row and "/chains/new_energy/silicon_wafers/#gap-1" in row
    # held chains first
    assert section.index('data-chain="new_energy"') < section.index('data-chain="auto_parts"')


def test_the_menu_offers_the_chains_to_government_roles_only(county):
    assert 'href="/chains/"' in _client(county["officer_a"]).get("/cockpit/").content.decode()
    assert 'href="/chains/"' not in _client(county["firm"]).get("/portal/").content.decode()


# --- API -----------------------------------------------------------------------------------


def test_the_api_answers_with_the_same_figures(county):
    chains = _api(county["staff_a"], "/api/chains").json()
    ne = next(c for c in chains if c["id"] == "new_energy")
    assert (ne["name"], ne["name_en"], ne["nodes"], ne["nodes_held"], ne["firms"]) == (
        "新能源",
        "New energy",
        17,
        2,
        3,
    )
    assert ne["revenue"] == 450 and ne["gaps"]["fill_blank"] == 15

    detail = _api(county["staff_a"], "/api/chains/new_energy").json()
    pv = next(n for n in detail["node_list"] if n["node"] == PV)
    assert (pv["name"], pv["firms"], pv["revenue"], pv["tiers"]["specialized"]) == (
        "光伏电池片与组件",
        2,
        250,
        1,
    )
    first = detail["gap_list"][0]
    assert (first["rank"], first["type"], first["type_name"], first["node"]) == (
        1,
        "fill_blank",
        "填空白",
        WAFERS,
    )
    assert first["evidence"] == WAFERS_EVIDENCE and first["evidence_en"].startswith(
        "'Polysilicon and wafers' (upstream) has no local firm"
    )
    team = next(c for c in first["candidates"] if c["action"] == "attract")
    assert (team["kind"], team["name"], team["ref"], team["node_name"]) == (
        "enclave_startup",
        "北京硅材料初创团队",
        county["team"].ref,
        "多晶硅与硅片",
    )

    gaps = _api(county["staff_a"], "/api/chains/gaps?type=fill_blank&limit=500").json()
    assert gaps["count"] == 125 - 2  # every node but the two held, across the eight chains
    assert all(g["type"] == "fill_blank" for g in gaps["items"])
    offer = next(g for g in gaps["items"] if g["node"] == PV_MAT)["candidates"][0]
    assert (offer["kind"], offer["profile_id"], offer["name"]) == (
        "profile",
        county["offer"].pk,
        "减反射镀膜技术",
    )
    b = _api(county["staff_b"], "/api/chains/gaps?chain=new_energy&limit=500").json()
    names = {c["name"] for g in b["items"] for c in g["candidates"]}
    assert names == {"丁硅业有限公司"}


# --- the demo city -------------------------------------------------------------------------


def test_the_demo_citys_chain_pages_agree_with_the_core(city, staff_user):
    """30 local and 3 enclave firms of the demo city: every chain page answers, and the firms
    per node on it are the core's own count from the registry's codes and products."""
    c = _client(staff_user)
    listing = c.get("/chains/")
    assert listing.status_code == 200
    firms = [e for e in city if e.kind == "enterprise"]
    long = mount_frame(
        pl.DataFrame(
            {
                "id": [e.pk for e in firms],
                "industry_code": [e.industry_code or None for e in firms],
                "text": [e.profile.get("main_products") or "" for e in firms],
            }
        )
    )
    expected = node_strength(
        long, pl.DataFrame({"id": [e.pk for e in firms], "enclave": [e.enclave for e in firms]})
    )
    for chain_id in ("new_energy", "auto_parts", "high_end_equipment"):
        page = c.get(f"/chains/{chain_id}/")
        assert page.status_code == 200
        shown = {n.id: n.firms for n in page.context["nodes"]}
        want = dict(expected.filter(pl.col("chain") == chain_id).select("node_id", "firms").rows())
        assert shown == want
        chain = load_chain(chain_id)
        busiest = max(chain.nodes, key=lambda n: want[n.id])
        node = c.get(f"/chains/{chain_id}/{busiest.id}/")
        assert node.status_code == 200
        assert node.content.decode().count('data-counted="1"') == want[busiest.id] + int(
            expected.filter(pl.col("node") == chain.ref(busiest.id))["enclave_firms"][0]
        )
    assert c.get("/chains/export.xlsx").status_code == 200
    assert c.get("/cockpit/chains/").status_code == 200
