"""The enclave in a real browser: a home firm's request from posting through review,
recommendation, mutual interest, a date and a pilot to a landed project that then appears in
the registry and on the cockpit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from feidi.reference import make_credit_code
from feidi_web.accounts.models import Role
from feidi_web.enterprises.services import party_register
from feidi_web.matchmaking import services as mm
from feidi_web.matchmaking.models import Match, Profile
from tests.e2e.conftest import login
from tests.web.conftest import make_user

pytestmark = pytest.mark.e2e

A = "320581"


@pytest.fixture
def enclave_people(city):
    firm = next(e for e in city if not e.enclave)
    people = {
        "officer": make_user("officer", Role.INVESTMENT_OFFICER, division=A),
        "enclave": make_user("enclave", Role.ENCLAVE_OPERATOR, division=A),
        "firm": make_user("firm", Role.ENTERPRISE, enterprise=firm),
    }
    # the Beijing team's offer, already posted and accepted
    team = party_register(actor=people["enclave"], name="北京视启智能科技团队", kind="startup")
    offer = mm.profile_submit(
        actor=people["enclave"],
        party=team,
        type="tech_offer",
        title="焊缝缺陷机器视觉在线检测系统",
        description="深度学习机器视觉在线识别焊缝气孔与裂纹，已在两条产线试用。",
        keywords="机器视觉;焊缝检测;深度学习",
        industry_code="I6513",
        stage="pilot",
    )
    mm.profile_review(actor=people["officer"], profile=offer, approve=True, seen_version=1)
    other = mm.profile_submit(
        actor=people["enclave"],
        party=team,
        type="tech_offer",
        title="可降解聚乳酸包装膜",
        description="聚乳酸可降解包装膜，适用于食品包装。",
        keywords="聚乳酸;可降解",
        stage="mass_production",
    )
    mm.profile_review(actor=people["officer"], profile=other, approve=True, seen_version=1)
    return people


def test_a_request_walks_from_posting_to_a_landed_project(new_page, enclave_people):
    # 1. the home firm posts its request in the portal
    firm_page = new_page()
    login(firm_page, "firm", next_url="/matchmaking/new/")
    firm_page.select_option("#id_type", "tech_request")
    firm_page.fill("#id_title", "焊接产线机器视觉检测改造")
    firm_page.fill("#id_description", "我司焊接产线需要机器视觉检测焊缝缺陷，提高良品率。")
    firm_page.fill("#id_keywords", "机器视觉、焊缝检测")
    firm_page.select_option("#id_stage", "pilot")
    with firm_page.expect_navigation():
        firm_page.click("#profile-form button[type=submit]")
    expect(firm_page.locator("#profile-status")).to_have_text("待审核")
    request = Profile.objects.get(title="焊接产线机器视觉检测改造")

    # 2. the officer accepts it, ranks the offers and proposes the best one
    officer = new_page()
    login(officer, "officer", next_url=f"/matchmaking/{request.pk}/")
    officer.select_option("#review-form select[name=decision]", "approve")
    with officer.expect_navigation():
        officer.click("#review-form button[type=submit]")
    expect(officer.locator("#profile-status")).to_have_text("已发布")
    with officer.expect_navigation():
        officer.click("#recommend")
    first = officer.locator("#recommendations .recommendation").first
    expect(first).to_contain_text("焊缝缺陷机器视觉在线检测系统")
    expect(first.locator(".reasons")).to_contain_text("机器视觉")
    with officer.expect_navigation():
        first.locator("button[type=submit]").click()
    expect(officer).to_have_url(re.compile(r"/matchmaking/pairings/\d+/$"))
    match = Match.objects.get()

    # 3. the firm says yes on its pairing page; the officer answers for the team
    firm_page.goto(f"/matchmaking/pairings/{match.pk}/")
    form = firm_page.locator("#side-demand form")
    form.locator("select[name=interested]").select_option("yes")
    with firm_page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(firm_page.locator("#side-demand")).to_contain_text("有意向")
    expect(firm_page.locator("#side-supply form")).to_have_count(0)  # not its side

    officer.goto(f"/matchmaking/pairings/{match.pk}/")
    form = officer.locator("#side-supply form")
    form.locator("select[name=interested]").select_option("yes")
    with officer.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(officer.locator("#pairing-stage")).to_have_text("双向有意")

    # 4. the date, the pilot with milestones, the landing
    officer.fill("#date-form input[name=at]", "2026-12-20T14:30")
    officer.fill("#date-form input[name=place]", "常熟（北京）创新中心")
    with officer.expect_navigation():
        officer.click("#date-form button[type=submit]")
    expect(officer.locator("#pairing-date")).to_contain_text("2026-12-20 14:30")
    officer.fill(
        "#pilot-form textarea[name=milestones]", "2027-01-15 样机入厂联调\n2027-03-01 小批量试产"
    )
    with officer.expect_navigation():
        officer.click("#pilot-form button[type=submit]")
    expect(officer.locator("#pairing-stage")).to_have_text("试点合作")
    expect(officer.locator("#milestones tr")).to_have_count(2)
    code = make_credit_code("91320581MA9E2E001")
    officer.fill("#land-form input[name=landed_credit_code]", code)
    with officer.expect_navigation():
        officer.click("#land-form button[type=submit]")
    expect(officer.locator("#pairing-stage")).to_have_text("落地")

    # 5. the landed firm is in the registry; the cockpit counts the landing
    with officer.expect_navigation():
        officer.click("#pairing-project a")
    expect(officer.locator("#project-stage")).to_have_text("已落地")
    expect(officer.locator("#landed-firm")).to_contain_text(code)
    officer.goto(f"/enterprises/?q={code}")
    expect(officer.locator("#registry")).to_contain_text("北京视启智能科技团队")
    officer.goto("/cockpit/")
    expect(officer.locator("#kpi-landed .kpi")).to_have_text("1")
