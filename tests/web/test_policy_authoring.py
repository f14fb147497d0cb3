"""Authoring a local policy: the editor's checks (each a clear error beside its field or
row), drafts and their versions, the preview counted over the author's firms, publishing
(one published version, even with two publishers), and the published policy reaching the
firms of its area only."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test import Client
from django.utils import timezone, translation
from tests.web.conftest import make_user
from tests.web.test_policy_pages import A, B, firm

from feidi_web.accounts.models import Role
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.policies.grading import eligibility_of
from feidi_web.policies.models import LocalPolicy, PolicyVersion
from feidi_web.policies.services import (
    policy_create,
    version_new,
    version_preview,
    version_publish,
    version_save,
)

DAY = date(2026, 6, 30)
SLUG = "yushan-rd-reward"


def spec(**over) -> dict:
    s = {
        "id": SLUG,
        "name": "虞山研发奖励",
        "name_en": "Yushan R&D reward",
        "document": "虞政发〔2026〕1号",
        "article": "第三条",
        "article_en": "Article 3",
        "issuer": "虞山街道",
        "effective_from": "2026-01-01",
        "effective_to": None,
        "region": None,
        "benefit": {"zh": "奖励10万元", "en": "A reward of 100,000 CNY"},
        "amount": {"fixed": 10, "zh": "奖励金额", "en": "Reward"},
        "requires": {
            "name": "同时满足以下各项",
            "name_en": "All of the following",
            "all": [
                {
                    "name": "上年度营业收入",
                    "name_en": "Revenue, last year",
                    "field": "revenue",
                    "at_least": 500,
                }
            ],
        },
    }
    return s | over


@pytest.fixture
def people(db):
    return {
        "staff_a": make_user("staff_a", Role.COUNTY_STAFF, division=A),
        "staff_a2": make_user("staff_a2", Role.COUNTY_STAFF, division=A),
        "staff_b": make_user("staff_b", Role.COUNTY_STAFF, division=B),
        "officer_a": make_user("officer_a", Role.INVESTMENT_OFFICER, division=A),
        "admin": make_user("admin", Role.ADMIN),
    }


@pytest.fixture
def firms(db):
    """County A: revenue 1000 (meets ≥ 500), 300 (does not), none (unknown); county B: 2000."""
    return (
        firm(1, "甲", years={2025: {"revenue": 1000.0}}),
        firm(2, "乙", years={2025: {"revenue": 300.0}}),
        firm(3, "丙", years={2025: {"employees": 5}}),
        firm(4, "丁", region=B, years={2025: {"revenue": 2000.0}}),
    )


def messages_of(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- checks ----------------------------------------------------------------------------------


def test_an_unknown_measure_is_refused_beside_its_row(people):
    bad = spec()
    bad["requires"]["all"].append(
        {"name": "x", "name_en": "x", "measure": "no_such", "at_least": 1}
    )
    with pytest.raises(ValidationError) as exc:
        policy_create(actor=people["staff_a"], spec=bad)
    assert messages_of(exc) == {"row:1": ["未知的指标 'no_such'"]}


def test_a_bad_operator_is_refused(people):
    bad = spec()
    bad["requires"]["all"][0] = {"name": "x", "name_en": "x", "field": "revenue", "is": True}
    with pytest.raises(ValidationError) as exc:
        policy_create(actor=people["staff_a"], spec=bad)
    assert list(messages_of(exc)) == ["row:0"]
    assert "是/否字段用 is" in messages_of(exc)["row:0"][0]
    bad["requires"]["all"][0] = {"name": "x", "name_en": "x", "field": "revenue", "about": 5}
    with pytest.raises(ValidationError, match="about"):
        policy_create(actor=people["staff_a"], spec=bad)


def test_a_region_outside_the_division_is_refused(people):
    with pytest.raises(ValidationError) as exc:
        policy_create(actor=people["staff_a"], spec=spec(region="320582"))
    assert list(messages_of(exc)) == ["region"]
    # within it is fine; an administrator names any region (and must name one)
    policy_create(actor=people["staff_a"], spec=spec(region="320581"))
    with pytest.raises(ValidationError) as exc:
        policy_create(actor=people["admin"], spec=spec(id="admin-reward"))
    assert list(messages_of(exc)) == ["region"]
    p, _v = policy_create(actor=people["admin"], spec=spec(id="admin-reward", region="32"))
    assert p.jurisdiction_code == "320000"


def test_a_shipped_policy_id_is_refused(people):
    with pytest.raises(ValidationError) as exc:
        policy_create(actor=people["staff_a"], spec=spec(id="rd-super-deduction"))
    assert list(messages_of(exc)) == ["slug"]
    with pytest.raises(ValidationError) as exc:
        policy_create(actor=people["staff_a"], spec=spec(id="local"))  # a page of its own
    assert list(messages_of(exc)) == ["slug"]
    policy_create(actor=people["staff_a"], spec=spec())
    with pytest.raises(ValidationError, match="already"), translation.override("en"):
        policy_create(actor=people["staff_b"], spec=spec())


def test_only_authors_author(people):
    with pytest.raises(PermissionDenied):
        policy_create(actor=people["officer_a"], spec=spec())
    _policy, version = policy_create(actor=people["staff_a"], spec=spec())
    # county B's staff do not see A's policy
    with pytest.raises(Http404):
        version_save(actor=people["staff_b"], version=version, spec=spec(), seen_edit_version=1)


def test_the_form_shows_each_problem_beside_its_row(people):
    client = Client()
    client.force_login(people["staff_a"])
    data = {
        "slug": "rd-super-deduction",
        "name": "奖励",
        "name_en": "Reward",
        "document": "文件",
        "article": "第一条",
        "article_en": "Article 1",
        "issuer": "街道",
        "effective_from": "2026-01-01",
        "benefit_zh": "奖励",
        "benefit_en": "Reward",
        "amount_kind": "none",
        "claim": "apply",
        "combine": "all",
        "cond_0_target": "field:revenue",
        "cond_0_op": "at_least",
        "cond_0_value": "lots",
        "cond_2_target": "measure:no_such",  # not a listed choice
        "cond_2_op": "at_least",
        "cond_2_value": "1",
    }
    r = client.post("/policies/local/new/", data)
    assert r.status_code == 422
    form = r.context["form"]
    assert "cond_0_value" in form.errors
    assert "cond_2_target" in form.errors
    # the values fixed, the shipped id is refused beside the id
    data |= {"cond_0_value": "500", "cond_2_target": "", "cond_2_op": "", "cond_2_value": ""}
    r = client.post("/policies/local/new/", data)
    assert r.status_code == 422 and list(r.context["form"].errors) == ["slug"]
    # a yes/no field compared as a number: the core's problem beside row 2
    data |= {
        "slug": SLUG,
        "cond_1_target": "field:iso9001",
        "cond_1_op": "at_least",
        "cond_1_value": "1",
    }
    r = client.post("/policies/local/new/", data)
    assert r.status_code == 422
    assert list(r.context["form"].errors) == ["cond_1_value"]
    assert "row-error" in r.content.decode()
    data |= {"cond_1_op": "is", "cond_1_value": "是"}
    r = client.post("/policies/local/new/", data)
    assert r.status_code == 302
    v = PolicyVersion.objects.get(policy__slug=SLUG)
    assert (v.number, v.status) == (1, "draft")
    assert v.spec["requires"]["all"][1] == {
        "name": "ISO9001认证",
        "name_en": "ISO 9001 certified",
        "field": "iso9001",
        "is": True,
    }
    assert AuditEntry.objects.filter(subject=f"policy:{SLUG}", action="policy.create").exists()


# --- drafts, preview, publish ----------------------------------------------------------------


def test_the_preview_counts_the_authors_firms_by_hand(people, firms):
    _p, v = policy_create(actor=people["staff_a"], spec=spec())
    v = version_preview(actor=people["staff_a"], version=v, seen_edit_version=1, as_of=DAY)
    # 甲 1000 ≥ 500; 乙 300 < 500; 丙 has no revenue; 丁 is county B's
    assert v.preview == {"as_of": "2026-06-30", "eligible": 1, "not_eligible": 1, "unknown": 1}
    client = Client()
    client.force_login(people["staff_a"])
    page = client.get(f"/policies/local/{SLUG}/v1/").content.decode()
    assert 'class="n-eligible">1<' in page and "progress-bar" in page


def test_publishing_reaches_the_firms_of_its_area_only(people, firms):
    a, _b, _c, d = firms
    _p, v = policy_create(actor=people["staff_a"], spec=spec())
    with pytest.raises(ValidationError, match="Preview"), translation.override("en"):
        version_publish(actor=people["staff_a"], version=v, seen_edit_version=1)
    v = version_preview(actor=people["staff_a"], version=v, seen_edit_version=1, as_of=DAY)
    e = eligibility_of(Enterprise.objects.all(), as_of=DAY)
    assert SLUG not in set(e.verdicts["policy"])  # a draft grades no one
    version_publish(actor=people["staff_a"], version=v, seen_edit_version=1)
    e = eligibility_of(Enterprise.objects.all(), as_of=DAY)
    mine = e.verdicts.filter(policy=SLUG)
    assert sorted(mine["name"]) == ["丙", "乙", "甲"]  # not county B's 丁
    row = mine.filter(credit_code=a.credit_code).row(0, named=True)
    assert (row["verdict"], row["benefit_amount"]) == ("eligible", 10.0)
    # the pages show it: the list of A's staff, the firm's page; not B's
    client = Client()
    client.force_login(people["staff_a"])
    assert SLUG in {r.policy.id for r in client.get("/policies/?as_of=2026-06-30").context["rows"]}
    client_b = Client()
    client_b.force_login(people["staff_b"])
    assert SLUG not in {r.policy.id for r in client_b.get("/policies/").context["rows"]}
    assert client_b.get(f"/policies/{SLUG}/").status_code == 404
    assert d.credit_code not in set(mine["credit_code"])


def test_a_region_narrows_the_firms_reached(people, firms):
    d = firms[3]
    _p, v = policy_create(actor=people["admin"], spec=spec(region="320582"))
    v = version_preview(actor=people["admin"], version=v, seen_edit_version=1, as_of=DAY)
    assert (
        v.preview["eligible"] == 1
        and sum(v.preview[k] for k in ("eligible", "unknown", "not_eligible")) == 1
    )
    version_publish(actor=people["admin"], version=v, seen_edit_version=1)
    e = eligibility_of(Enterprise.objects.all(), as_of=DAY)
    assert list(e.verdicts.filter(policy=SLUG)["credit_code"]) == [d.credit_code]


def test_a_stale_edit_is_a_conflict(people, firms):
    _p, v = policy_create(actor=people["staff_a"], spec=spec())
    client = Client()
    client.force_login(people["staff_a"])
    form = client.get(f"/policies/local/{SLUG}/v1/edit/")
    assert form.status_code == 200
    initial = form.context["form"].initial
    data = {k: ("" if v is None else v) for k, v in initial.items() if k != "slug"}
    data |= {"edit_version": "1", "name": "虞山研发奖励（修订）"}
    assert client.post(f"/policies/local/{SLUG}/v1/edit/", data).status_code == 302
    # a colleague who opened the same draft before saves: refused, told who changed it
    other = Client()
    other.force_login(people["staff_a2"])
    r = other.post(f"/policies/local/{SLUG}/v1/edit/", data | {"name": "另一个名称"})
    assert r.status_code == 409
    assert "edit-conflict" in r.content.decode()
    v.refresh_from_db()
    assert (v.spec["name"], v.edit_version) == ("虞山研发奖励（修订）", 2)
    # a preview names the version it saw, too
    with pytest.raises(EditConflict):
        version_preview(actor=people["staff_a"], version=v, seen_edit_version=1, as_of=DAY)


def test_saving_a_draft_asks_for_a_new_preview(people, firms):
    _p, v = policy_create(actor=people["staff_a"], spec=spec())
    v = version_preview(actor=people["staff_a"], version=v, seen_edit_version=1, as_of=DAY)
    v = version_save(
        actor=people["staff_a"], version=v, spec=spec(name="新名称"), seen_edit_version=1
    )
    assert v.preview is None
    with pytest.raises(ValidationError, match="Preview"), translation.override("en"):
        version_publish(actor=people["staff_a"], version=v, seen_edit_version=2)


def test_a_new_version_retires_the_published_one(people, firms):
    policy, v1 = policy_create(actor=people["staff_a"], spec=spec())
    v1 = version_preview(actor=people["staff_a"], version=v1, seen_edit_version=1, as_of=DAY)
    v1 = version_publish(actor=people["staff_a"], version=v1, seen_edit_version=1)
    v2 = version_new(actor=people["staff_a"], policy=policy)
    assert (v2.number, v2.status, v2.spec) == (2, "draft", v1.spec)
    v2 = version_save(
        actor=people["staff_a"],
        version=v2,
        spec=spec(effective_to="2027-12-31"),
        seen_edit_version=1,
    )
    v2 = version_preview(actor=people["staff_a"], version=v2, seen_edit_version=2, as_of=DAY)
    version_publish(actor=people["staff_a"], version=v2, seen_edit_version=2)
    assert dict(policy.versions.values_list("number", "status")) == {1: "retired", 2: "published"}
    # the versions page shows what changed
    client = Client()
    client.force_login(people["staff_a"])
    page = client.get(f"/policies/local/{SLUG}/").content.decode()
    assert "2027-12-31" in page and "changed" in page
    assert AuditEntry.objects.filter(subject=f"policy:{SLUG}", action="policy.publish").count() == 2


def test_publishing_twice_leaves_one_published_version(people, firms):
    policy, v1 = policy_create(actor=people["staff_a"], spec=spec())
    v1 = version_preview(actor=people["staff_a"], version=v1, seen_edit_version=1, as_of=DAY)
    stale = PolicyVersion.objects.get(pk=v1.pk)
    version_publish(actor=people["staff_a"], version=v1, seen_edit_version=1)
    # the second publisher saw the same draft: told it changed, nothing done twice
    with pytest.raises(EditConflict):
        version_publish(actor=people["staff_a2"], version=stale, seen_edit_version=1)
    assert policy.versions.filter(status="published").count() == 1
    # the database refuses a second published version whatever the code does
    v2 = version_new(actor=people["staff_a"], policy=policy)
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.filter(pk=v2.pk).update(
            status="published", published_at=timezone.now()
        )


@pytest.mark.django_db(transaction=True)
def test_two_publishers_at_once_one_wins():
    staff = make_user("staff_t", Role.COUNTY_STAFF, division=A)
    firm(9, "戊", years={2025: {"revenue": 800.0}})
    policy, v1 = policy_create(actor=staff, spec=spec())
    v1 = version_preview(actor=staff, version=v1, seen_edit_version=1, as_of=DAY)
    results: list[str] = []
    start = threading.Barrier(2)

    def publish() -> None:
        try:
            start.wait()
            version_publish(actor=staff, version=v1, seen_edit_version=1)
            results.append("published")
        except EditConflict:
            results.append("conflict")
        finally:
            connection.close()

    if connection.vendor == "postgresql":  # two connections, the policy's row lock between
        threads = [threading.Thread(target=publish) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:  # SQLite serialises writers: one after the other, on the same stale draft
        start = threading.Barrier(1)
        publish()
        publish()
    assert sorted(results) == ["conflict", "published"]
    assert policy.versions.filter(status="published").count() == 1
    LocalPolicy.objects.all().delete()


def test_the_editor_and_the_pages_style_every_field(people, firms):
    from tests.web.test_site_chrome import _unstyled_fields

    client = Client()
    client.force_login(people["staff_a"])
    body = client.get("/policies/local/new/").content.decode()
    assert body.count('class="condition-row') == 8  # eight rows, no script needed
    assert _unstyled_fields(body) == []
    for url in ("/policies/", "/policies/rd-super-deduction/", "/policies/local/"):
        r = client.get(url)
        assert r.status_code == 200 and _unstyled_fields(r.content.decode()) == [], url
