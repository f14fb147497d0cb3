"""Matchmaking on the platform: a request from posting through review, recommendation, mutual
interest, a date and a pilot to a landed project in the registry and the pipeline; declines
with reasons feeding the ranking; near duplicates; expiry; who sees what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from tests.web.conftest import make_user

from feidi.match import DeclineReason
from feidi.reference import make_credit_code
from feidi_web.accounts.models import Role
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.services import party_register
from feidi_web.matchmaking import services
from feidi_web.matchmaking.models import Match, MatchStage, Profile
from feidi_web.pipeline.models import Project

A = "320581"

REQUEST = {
    "type": "tech_request",
    "title": "焊接产线机器视觉检测改造",
    "description": "我司汽车零部件焊接产线需要引入机器视觉检测，识别焊缝缺陷，提高良品率。",
    "keywords": "机器视觉;焊缝检测;汽车零部件",
    "industry_code": "C3670",
    "stage": "pilot",
}
OFFER = {
    "type": "tech_offer",
    "title": "基于深度学习的焊缝缺陷机器视觉检测系统",
    "description": "团队研发的机器视觉检测系统可在线识别焊缝气孔、裂纹等缺陷，已在两条产线试用。",
    "keywords": "机器视觉;深度学习;焊缝检测",
    "industry_code": "I6513",
    "stage": "pilot",
}
OTHER_OFFER = {
    "type": "tech_offer",
    "title": "可降解聚乳酸包装材料",
    "description": "以聚乳酸为原料的可降解包装膜，适用于食品与快递包装。",
    "keywords": "聚乳酸;可降解",
    "industry_code": "C2929",
    "stage": "mass_production",
}


@pytest.fixture
def people(city):
    local = next(e for e in city if not e.enclave)
    return {
        "officer": make_user("officer", Role.INVESTMENT_OFFICER, division=A),
        "enclave": make_user("enclave", Role.ENCLAVE_OPERATOR, division=A),
        "firm": make_user("firm", Role.ENTERPRISE, enterprise=local),
        "other_firm": make_user("firm2", Role.ENTERPRISE, enterprise=city[1]),
        "other_county": make_user("other", Role.INVESTMENT_OFFICER, division="320582"),
    }


def _startup(enclave_user) -> Enterprise:
    return party_register(actor=enclave_user, name="北京视启智能科技团队", kind="startup")


def _live(profile: Profile, broker) -> Profile:
    return services.profile_review(
        actor=broker, profile=profile, approve=True, seen_version=profile.version
    )


def test_a_request_goes_from_posting_to_a_landed_project(people):
    firm_user, officer, enclave = people["firm"], people["officer"], people["enclave"]
    # the home firm posts its request in the portal; it waits for review
    request = services.profile_submit(actor=firm_user, **REQUEST)
    assert (request.side, request.status, request.party) == (
        "demand",
        "submitted",
        firm_user.enterprise,
    )
    request = _live(request, officer)
    assert request.expires_on == timezone.localdate() + timedelta(days=180)
    # the enclave posts a Beijing team's offer, and an unrelated one
    team = _startup(enclave)
    offer = _live(services.profile_submit(actor=enclave, party=team, **OFFER), officer)
    _live(services.profile_submit(actor=enclave, party=team, **OTHER_OFFER), officer)
    # recommendations for the request: the fitting offer first, with reasons in words
    run = services.recommend_for(actor=officer, profile=request)
    assert run.candidates == 2 and run.params["params"]["index_side"] == "supply"
    best = run.results[0]
    assert best["supply_id"] == f"profile:{offer.pk}" and best["rank"] == 1
    assert any("机器视觉" in r["zh"] for r in best["reasons"])
    # proposed; both sides say yes (the broker answers for the team, which has no login)
    match = services.match_propose(
        actor=officer, supply=offer, demand=request, rank=1, reasons=best["reasons"]
    )
    match = services.match_answer(
        actor=firm_user, match=match, side="demand", interested=True, seen_version=1
    )
    assert match.stage == MatchStage.PROPOSED
    with pytest.raises(PermissionDenied):  # the firm cannot answer for the other side
        services.match_answer(
            actor=firm_user, match=match, side="supply", interested=True, seen_version=2
        )
    match = services.match_answer(
        actor=enclave, match=match, side="supply", interested=True, seen_version=2
    )
    assert match.stage == MatchStage.MUTUAL
    when = timezone.now() + timedelta(days=7)
    match = services.match_date(
        actor=enclave, match=match, at=when, place="常熟（北京）创新中心", seen_version=3
    )
    match = services.match_pilot(
        actor=officer,
        match=match,
        milestones=[("样机联调", date(2027, 1, 15)), ("小批量试产", date(2027, 3, 1))],
        seen_version=4,
    )
    assert match.project.source == "matchmaking" and match.project.stage == "negotiating"
    assert match.milestones.count() == 2
    code = make_credit_code("91320581MA9MATCH1")
    match = services.match_land(actor=officer, match=match, seen_version=5, landed_credit_code=code)
    assert match.stage == MatchStage.LANDED
    project = Project.objects.get(pk=match.project_id)
    assert project.stage == "landed" and project.landed_firm.credit_code == code
    assert Enterprise.objects.get(credit_code=code) == team  # the team registered here
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"profile.submit", "profile.review", "match.propose", "match.answer"} <= actions
    assert {"match.date", "match.pilot", "match.land", "project.stage"} <= actions


def test_pages_walk_the_pairing_and_the_firm_sees_only_its_own(people, client):
    firm_user, officer, enclave = people["firm"], people["officer"], people["enclave"]
    request = _live(services.profile_submit(actor=firm_user, **REQUEST), officer)
    offer = _live(services.profile_submit(actor=enclave, party=_startup(enclave), **OFFER), officer)
    client.force_login(officer)
    r = client.post(f"/matchmaking/{request.pk}/recommend/")
    assert r.status_code == 302
    page = client.get(f"/matchmaking/{request.pk}/").content.decode()
    assert offer.title in page and "机器视觉" in page
    r = client.post(f"/matchmaking/{request.pk}/propose/", {"candidate": f"profile:{offer.pk}"})
    match = Match.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/matchmaking/pairings/{match.pk}/"
    # the firm answers on its page; it sees its own profile and the pairing
    firm = Client()
    firm.force_login(firm_user)
    page = firm.get(f"/matchmaking/pairings/{match.pk}/").content.decode()
    assert "answer-form" in page
    r = firm.post(
        f"/matchmaking/pairings/{match.pk}/answer/",
        {"version": 1, "side": "demand", "interested": "no", "reason": ""},
    )
    assert r.status_code == 422  # a no needs a reason
    r = firm.post(
        f"/matchmaking/pairings/{match.pk}/answer/",
        {"version": 1, "side": "demand", "interested": "no", "reason": "wrong_stage"},
    )
    assert r.status_code == 302
    match.refresh_from_db()
    assert (match.stage, match.decline_reason, match.declined_side) == (
        "declined",
        "wrong_stage",
        "demand",
    )
    said = DeclineReason("wrong_stage").label("zh")
    assert said in firm.get(f"/matchmaking/pairings/{match.pk}/").content.decode()
    # another firm sees none of it
    other = Client()
    other.force_login(people["other_firm"])
    assert other.get(f"/matchmaking/pairings/{match.pk}/").status_code == 404
    assert other.get(f"/matchmaking/{request.pk}/").status_code == 404
    assert request.title not in other.get("/matchmaking/").content.decode()
    # another county's officer neither
    c = Client()
    c.force_login(people["other_county"])
    assert c.get(f"/matchmaking/{offer.pk}/").status_code == 404


def test_a_decline_is_remembered_by_the_ranking(people):
    officer, enclave, firm_user = people["officer"], people["enclave"], people["firm"]
    request = _live(services.profile_submit(actor=firm_user, **REQUEST), officer)
    offer = _live(services.profile_submit(actor=enclave, party=_startup(enclave), **OFFER), officer)
    match = services.match_propose(actor=officer, supply=offer, demand=request)
    services.match_answer(
        actor=firm_user,
        match=match,
        side="demand",
        interested=False,
        reason="not_interested",
        seen_version=1,
    )
    run = services.recommend_for(actor=officer, profile=request)
    # a declined pair never comes back
    assert f"profile:{offer.pk}" not in [r["supply_id"] for r in run.results]


def test_near_duplicates_are_flagged_and_profiles_expire(people, client):
    officer, firm_user = people["officer"], people["firm"]
    first = services.profile_submit(actor=firm_user, **REQUEST)
    again = services.profile_submit(
        actor=firm_user, **{**REQUEST, "title": REQUEST["title"] + "（二）"}
    )
    assert again.similar == [first.pk]
    live = _live(first, officer)
    Profile.objects.filter(pk=live.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    client.force_login(officer)
    page = client.get(f"/matchmaking/{live.pk}/").content.decode()
    assert "已过期" in page
    assert not services.live_profiles().filter(pk=live.pk).exists()
    renewed = services.profile_renew(actor=firm_user, profile=Profile.objects.get(pk=live.pk))
    assert renewed.expires_on > timezone.localdate()


def test_review_conflict_and_bad_input(people):
    officer, enclave, firm_user = people["officer"], people["enclave"], people["firm"]
    p = services.profile_submit(actor=firm_user, **REQUEST)
    services.profile_review(actor=officer, profile=p, approve=False, seen_version=1)
    with pytest.raises(EditConflict):
        services.profile_review(actor=enclave, profile=p, approve=True, seen_version=1)
    with pytest.raises(ValidationError) as bad:
        services.profile_submit(
            actor=firm_user, **{**REQUEST, "title": "", "industry_code": "Z99", "type": "x"}
        )
    assert set(bad.value.message_dict) == {"title", "industry_code", "type"}
    with pytest.raises(PermissionDenied):  # a firm user cannot review
        services.profile_review(actor=firm_user, profile=p, approve=True, seen_version=2)
