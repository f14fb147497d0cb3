"""Registry firms and matchmaking profiles on the industry chains (issue 12): mounted from
their GB/T 4754 code and their products with the evidence and a confidence, shown on their
pages; staff corrections that stick when the firm is mounted again; who may correct; bad
input refused with a reason; the mounts feeding the ranking."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.web.conftest import PASSWORD, make_user

from feidi.chains import evidence_words, mount, node_words
from feidi_web.accounts.models import Role
from feidi_web.chains.models import ChainMount, MountCorrection, Mounting
from feidi_web.chains.services import refresh_enterprise_mounts
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.matchmaking import services as mm

A = "320581"
PRODUCTS = "电池包、电池管理系统"


def _client(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def _nodes(e: Enterprise) -> dict[str, ChainMount]:
    return {m.node: m for m in ChainMount.objects.filter(mounting__enterprise=e)}


@pytest.fixture
def battery_firm(city) -> Enterprise:
    """A local auto-parts firm (C3670) that says it makes battery packs and their BMS."""
    e = next(e for e in city if not e.enclave)
    e.industry_code = "C3670"
    e.profile = {**e.profile, "industry_code": "C3670", "main_products": PRODUCTS}
    e.save()
    return e


def test_the_demo_city_arrives_with_products_and_every_firm_is_mounted(city):
    assert all(e.profile.get("main_products") for e in city)  # imported like any other field
    assert refresh_enterprise_mounts(city) == len(city)
    assert refresh_enterprise_mounts(city) == 0  # nothing changed: nothing mounted again
    # every demo firm's class is on a chain and its products are the chains' words
    on_chains = {e.pk for e in city if _nodes(e)}
    assert on_chains == {e.pk for e in city}
    firm = city[0]
    expected = mount(firm.industry_code, firm.profile["main_products"])
    stored = sorted(_nodes(firm).values(), key=lambda m: (-m.confidence, m.node))
    assert [(m.node, m.confidence) for m in stored] == [(m.node, m.confidence) for m in expected]


def test_the_firm_page_shows_where_it_sits_and_why(battery_firm, staff_user):
    page = _client(staff_user).get(reverse("registry:detail", args=[battery_firm.ref]))
    html = page.content.decode()
    assert page.status_code == 200
    top = mount("C3670", PRODUCTS)[0]
    assert top.node == "auto_parts/ev_systems"
    assert node_words(top.node)[0] in html  # 汽车零部件 › … in words, not the node id
    assert "关键词：电池包、电池管理系统" in html
    for zh, _en in evidence_words(top):  # the code, the keywords, how they make the confidence
        assert zh in html
    assert f"{round(top.confidence * 100)}%" in html
    assert PRODUCTS in html


def test_a_correction_sticks_when_the_firm_is_mounted_again(battery_firm, staff_user):
    c = _client(staff_user)
    url = reverse("chains:firm_correct", args=[battery_firm.ref])
    c.get(reverse("registry:detail", args=[battery_firm.ref]))
    auto = _nodes(battery_firm)
    assert "new_energy/battery_packs" in auto and auto["new_energy/battery_packs"].status == "auto"

    c.post(url, {"node": "new_energy/battery_packs", "action": "reject", "note": "只做壳体"})
    c.post(url, {"node": "auto_parts/ev_systems", "action": "confirm"})
    c.post(url, {"node": "new_energy/energy_storage", "action": "add", "note": "储能柜也在做"})
    fixed = _nodes(battery_firm)
    assert "new_energy/battery_packs" not in fixed
    assert (fixed["auto_parts/ev_systems"].status, fixed["auto_parts/ev_systems"].confidence) == (
        "confirmed",
        1.0,
    )
    assert fixed["new_energy/energy_storage"].status == "added"

    # the firm's products change (an edit, a new import): it is mounted again from scratch …
    battery_firm.profile = {**battery_firm.profile, "main_products": "电池包、储能电池、冲压件"}
    battery_firm.save()
    page = c.get(reverse("registry:detail", args=[battery_firm.ref])).content.decode()
    again = _nodes(battery_firm)
    assert "auto_parts/body_stampings" in again  # new evidence found
    # … and staff's decisions hold over the fresh evidence
    assert "new_energy/battery_packs" not in again
    assert again["auto_parts/ev_systems"].status == "confirmed"
    assert again["new_energy/energy_storage"].status == "added"
    assert "只做壳体" in page and "储能柜也在做" in page
    # the history keeps every decision; the latest one for a node holds
    c.post(url, {"node": "new_energy/battery_packs", "action": "confirm", "note": "复核后确认"})
    assert _nodes(battery_firm)["new_energy/battery_packs"].status == "confirmed"
    assert MountCorrection.objects.filter(node="new_energy/battery_packs").count() == 2


def test_a_correction_leaves_an_audit_entry_in_the_firms_change_log(battery_firm, staff_user):
    c = _client(staff_user)
    c.post(
        reverse("chains:firm_correct", args=[battery_firm.ref]),
        {"node": "auto_parts/ev_systems", "action": "confirm", "note": "走访核实"},
    )
    entry = AuditEntry.objects.get(action="chain.correct")
    assert entry.subject == f"party:{battery_firm.pk}" and entry.actor == staff_user
    assert entry.new_value == {
        "node": "auto_parts/ev_systems",
        "action": "confirm",
        "note": "走访核实",
    }
    page = c.get(reverse("registry:detail", args=[battery_firm.ref])).content.decode()
    assert "产业链位置已更正" in page


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"node": "auto_parts/no_such_node", "action": "add"}, "没有这个产业链环节"),
        ({"node": "../../etc", "action": "add"}, "没有这个产业链环节"),
        ({"node": "auto_parts/ev_systems", "action": "delete"}, "请选择"),
        ({"node": "auto_parts/ev_systems", "action": "reject", "note": "长" * 301}, "300"),
    ],
)
def test_bad_corrections_are_refused_with_a_reason(battery_firm, staff_user, post, message):
    c = _client(staff_user)
    page = c.post(
        reverse("chains:firm_correct", args=[battery_firm.ref]), post, follow=True
    ).content.decode()
    assert message in page
    assert not MountCorrection.objects.exists()


def test_who_may_correct_a_firms_mounts(battery_firm, city, staff_user, other_staff_user):
    enclave_firm = next(e for e in city if e.enclave)
    body = {"node": "auto_parts/ev_systems", "action": "reject"}
    own = make_user("own", Role.ENTERPRISE, enterprise=battery_firm)
    operator = make_user("op", Role.ENCLAVE_OPERATOR, division=A)
    officer = make_user("officer", Role.INVESTMENT_OFFICER, division=A)

    def post(user, firm):
        return _client(user).post(reverse("chains:firm_correct", args=[firm.ref]), body)

    assert post(own, battery_firm).status_code == 403  # a firm reads its page, staff correct
    assert post(other_staff_user, battery_firm).status_code == 404  # another county's firm
    assert post(operator, battery_firm).status_code == 404  # operators: the enclave's firms
    assert not MountCorrection.objects.exists()
    assert (
        Client().post(reverse("chains:firm_correct", args=[battery_firm.ref]), body).status_code
        == 302
    )
    assert not MountCorrection.objects.exists()
    assert post(officer, battery_firm).status_code == 302
    assert post(operator, enclave_firm).status_code == 302
    assert MountCorrection.objects.count() == 2


def test_a_profile_is_mounted_at_submission_and_its_mounts_feed_the_ranking(
    battery_firm, staff_user
):
    officer = make_user("officer", Role.INVESTMENT_OFFICER, division=A)
    offer = mm.profile_submit(
        actor=officer,
        party=battery_firm,
        type="tech_offer",
        title="动力电池包热管理与电池管理系统",
        description="面向新能源汽车的电池包液冷热管理方案与电池管理系统，已完成样件验证。",
        keywords="电池包;电池管理系统",
        industry_code="C3841",
        stage="pilot",
    )
    mounting = Mounting.objects.get(profile=offer)
    nodes = set(mounting.mounts.values_list("node", flat=True))
    assert {"new_energy/battery_packs", "auto_parts/ev_systems"} <= nodes
    # staff see it on the profile page and may correct it there too
    c = _client(officer)
    page = c.get(reverse("matchmaking:detail", args=[offer.pk])).content.decode()
    assert node_words("new_energy/battery_packs")[0] in page
    c.post(
        reverse("matchmaking:chain_correct", args=[offer.pk]),
        {"node": "auto_parts/ev_systems", "action": "reject"},
    )
    assert "auto_parts/ev_systems" not in set(mounting.mounts.values_list("node", flat=True))

    # an offer ranks the home firms with their chain mounts: the battery firm's chain fit
    mm.profile_review(actor=officer, profile=offer, approve=True, seen_version=offer.version)
    offer.refresh_from_db()
    run = mm.recommend_for(actor=officer, profile=offer, top_k=5)
    best = run.results[0]
    assert best["demand_id"] == f"firm:{battery_firm.pk}"
    assert "chain" in {r["kind"] for r in best["reasons"]}


def test_the_portal_shows_the_firm_its_place_on_the_chains_read_only(battery_firm):
    own = make_user("own", Role.ENTERPRISE, enterprise=battery_firm)
    html = _client(own).get(reverse("portal:home")).content.decode()
    assert node_words("auto_parts/ev_systems")[0] in html
    assert "关键词：电池包、电池管理系统" in html
    assert reverse("chains:firm_correct", args=[battery_firm.ref]) not in html  # no forms
    assert "不属于该环节" not in html
