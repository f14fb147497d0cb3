"""Policy applications: who may apply for what (not for a policy the firm fails), one open
application per firm and policy, the moves and who makes them, stale moves (409), the firm
told of each decision, scope (another firm's application is not found), the totals by
policy, town and chain worked by hand, and the Excel export."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone, translation
from tests.web.conftest import AS_OF, PASSWORD, make_user

from feidi.chains import find_node
from feidi_web.accounts.models import Role
from feidi_web.chains.models import ChainMount, Mounting
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.inbox.models import Message, Topic
from feidi_web.policies import applications as apps
from feidi_web.policies.grading import eligibility_of
from feidi_web.policies.models import ApplicationStatus, PolicyApplication

pytestmark = pytest.mark.django_db


def _verdicts(firm: Enterprise) -> dict[str, tuple[str, float | None]]:
    e = eligibility_of(Enterprise.objects.filter(pk=firm.pk))
    return {
        r["policy"]: (r["verdict"], r["benefit_amount"]) for r in e.verdicts.iter_rows(named=True)
    }


def _one(firm: Enterprise, *verdicts: str) -> str:
    for pid, (v, _amount) in sorted(_verdicts(firm).items()):
        if v in verdicts:
            return pid
    pytest.skip(f"the fixture firm has no policy {verdicts}")


def _client(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


@pytest.fixture
def firm(city) -> Enterprise:
    return city[0]


# --- applying -----------------------------------------------------------------------------


def test_a_firm_user_applies_with_the_computed_benefit_by_default(firm, firm_user):
    pid = next(
        (p for p, (v, amount) in sorted(_verdicts(firm).items()) if v == "eligible" and amount),
        None,
    ) or _one(firm, "eligible", "unknown")
    _verdict, amount = _verdicts(firm)[pid]
    a = apps.application_submit(actor=firm_user, enterprise=firm, policy_id=pid, note="申请")
    assert a.status == ApplicationStatus.SUBMITTED and a.version == 1
    expected = Decimal(str(amount)).quantize(Decimal("0.01")) if amount is not None else None
    assert a.amount_requested == expected
    entry = AuditEntry.objects.get(subject=f"application:{a.pk}")
    assert entry.action == "application.submit" and entry.actor == firm_user
    # an amount given wins over the computed one
    a.status = ApplicationStatus.WITHDRAWN
    a.save()
    b = apps.application_submit(
        actor=firm_user, enterprise=firm, policy_id=pid, amount_requested="3.5"
    )
    assert b.amount_requested == Decimal("3.50")


def test_a_policy_the_firm_fails_is_refused_with_the_reason(firm, firm_user, staff_user):
    pid = _one(firm, "not_eligible")
    for actor in (firm_user, staff_user):  # staff cannot record one on its behalf either
        with pytest.raises(ValidationError) as exc:
            apps.application_submit(actor=actor, enterprise=firm, policy_id=pid)
        assert "policy" in exc.value.message_dict
    c = _client(firm_user)
    url = f"/policies/firms/{firm.credit_code}/apply/{pid}/"
    page = c.get(url)
    assert page.status_code == 200 and 'id="apply-refused"' in page.content.decode()
    assert c.post(url, {"note": "x"}).status_code == 422
    assert not PolicyApplication.objects.exists()


def test_one_open_application_per_firm_and_policy(firm, firm_user, staff_user):
    pid = _one(firm, "eligible", "unknown")
    apps.application_submit(actor=firm_user, enterprise=firm, policy_id=pid)
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        apps.application_submit(actor=staff_user, enterprise=firm, policy_id=pid)
    assert "open application" in str(exc.value.message_dict["policy"])
    # the database holds the line too (two requests that both passed the check)
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyApplication.objects.create(
            enterprise=firm, policy=pid, submitted_by=firm_user, submitted_at=timezone.now()
        )


def test_bad_input_names_the_field(firm, firm_user):
    pid = _one(firm, "eligible", "unknown")
    for amount in ("-1", "abc", "1e20", "NaN"):
        with pytest.raises(ValidationError) as exc:
            apps.application_submit(
                actor=firm_user, enterprise=firm, policy_id=pid, amount_requested=amount
            )
        assert "amount_requested" in exc.value.message_dict, amount
    with pytest.raises(ValidationError) as exc:
        apps.application_submit(actor=firm_user, enterprise=firm, policy_id=pid, note="x" * 1001)
    assert "note" in exc.value.message_dict
    r = _client(firm_user).post(
        f"/policies/firms/{firm.credit_code}/apply/{pid}/", {"amount_requested": "-5"}
    )
    assert r.status_code == 422
    assert not PolicyApplication.objects.exists()


def test_who_may_apply_for_a_firm(city, firm, firm_user, operator_user, other_staff_user):
    pid = _one(firm, "eligible", "unknown")
    other_firm_user = make_user("firm-other", Role.ENTERPRISE, enterprise=city[1])
    for actor in (other_firm_user, operator_user, other_staff_user):
        with pytest.raises(PermissionDenied):
            apps.application_submit(actor=actor, enterprise=firm, policy_id=pid)
    url = f"/policies/firms/{firm.credit_code}/apply/{pid}/"
    assert _client(other_firm_user).get(url).status_code == 404
    assert _client(other_staff_user).get(url).status_code == 404
    assert _client(operator_user).get(url).status_code in (403, 404)
    # a policy that does not cover the firm, or no policy at all: not found
    assert _client(firm_user).get(url.replace(pid, "no-such-policy")).status_code == 404


def test_the_apply_page_submits(firm, firm_user):
    pid = _one(firm, "eligible", "unknown")
    url = f"/policies/firms/{firm.credit_code}/apply/{pid}/"
    c = _client(firm_user)
    assert c.get(url).status_code == 200
    r = c.post(url, {"amount_requested": "12.5", "note": "请审核"})
    a = PolicyApplication.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/policies/applications/{a.pk}/"
    assert (a.amount_requested, a.note, a.submitted_by) == (Decimal("12.50"), "请审核", firm_user)


# --- moving -------------------------------------------------------------------------------


@pytest.fixture
def submitted(firm, firm_user) -> PolicyApplication:
    pid = _one(firm, "eligible", "unknown")
    return apps.application_submit(actor=firm_user, enterprise=firm, policy_id=pid)


def test_the_lifecycle_to_granted_tells_the_firm(submitted, staff_user, firm_user):
    a = apps.application_move(
        actor=staff_user, application=submitted, to="under_review", seen_version=1
    )
    with pytest.raises(ValidationError) as exc:
        apps.application_move(actor=staff_user, application=a, to="granted", seen_version=2)
    assert "amount_granted" in exc.value.message_dict
    with pytest.raises(ValidationError):
        apps.application_move(
            actor=staff_user, application=a, to="granted", seen_version=2, amount_granted="-1"
        )
    a = apps.application_move(
        actor=staff_user, application=a, to="granted", seen_version=2, amount_granted="8"
    )
    assert (a.status, a.amount_granted, a.decided_by, a.version) == (
        "granted",
        Decimal("8.00"),
        staff_user,
        3,
    )
    told = Message.objects.filter(recipient=firm_user, topic=Topic.APPLICATION)
    assert told.count() == 2  # under review, granted
    assert told.first().link == f"/policies/applications/{a.pk}/"
    # a decided application moves no more
    with pytest.raises(ValidationError):
        apps.application_move(
            actor=staff_user, application=a, to="rejected", seen_version=3, reason="x"
        )
    assert apps.moves_for(staff_user, a) == []


def test_a_rejection_needs_its_reason_and_the_firm_reads_it(submitted, staff_user, firm_user):
    a = apps.application_move(
        actor=staff_user, application=submitted, to="under_review", seen_version=1
    )
    with pytest.raises(ValidationError) as exc:
        apps.application_move(actor=staff_user, application=a, to="rejected", seen_version=2)
    assert "reason" in exc.value.message_dict
    a = apps.application_move(
        actor=staff_user, application=a, to="rejected", seen_version=2, reason="材料不全"
    )
    assert a.status == "rejected"
    assert "材料不全" in Message.objects.filter(recipient=firm_user).first().body
    history = apps.application_history(a)
    assert [h.reason for h in history][-1] == "材料不全"


def test_granted_and_rejected_only_after_review(submitted, staff_user):
    with pytest.raises(ValidationError):
        apps.application_move(
            actor=staff_user,
            application=submitted,
            to="granted",
            seen_version=1,
            amount_granted="1",
        )


def test_only_the_firm_withdraws_and_only_staff_decide(
    submitted, staff_user, firm_user, operator_user
):
    with pytest.raises(PermissionDenied):
        apps.application_move(
            actor=staff_user, application=submitted, to="withdrawn", seen_version=1
        )
    with pytest.raises(PermissionDenied):
        apps.application_move(
            actor=firm_user, application=submitted, to="under_review", seen_version=1
        )
    with pytest.raises(PermissionDenied):
        apps.application_move(
            actor=operator_user, application=submitted, to="under_review", seen_version=1
        )
    a = apps.application_move(
        actor=firm_user, application=submitted, to="withdrawn", seen_version=1
    )
    assert a.status == "withdrawn"
    # the firm is not told of its own withdrawal; a new application may be filed now
    assert not Message.objects.filter(topic=Topic.APPLICATION).exists()
    again = apps.application_submit(actor=firm_user, enterprise=a.enterprise, policy_id=a.policy)
    assert again.status == "submitted"


def test_a_stale_move_is_409_and_changes_nothing(submitted, staff_user):
    c = _client(staff_user)
    url = f"/policies/applications/{submitted.pk}/move/"
    assert c.post(url, {"to": "under_review", "version": 1}).status_code == 302
    r = c.post(url, {"to": "rejected", "version": 1, "reason": "晚了"})
    assert r.status_code == 409
    submitted.refresh_from_db()
    assert (submitted.status, submitted.version) == ("under_review", 2)
    r = c.post(url, {"to": "granted", "version": 2})  # no amount: refused as input
    assert r.status_code == 422


def test_another_firms_application_is_not_found(city, submitted, other_staff_user):
    stranger = make_user("firm-other", Role.ENTERPRISE, enterprise=city[1])
    c = _client(stranger)
    assert c.get(f"/policies/applications/{submitted.pk}/").status_code == 404
    r = c.post(f"/policies/applications/{submitted.pk}/move/", {"to": "withdrawn", "version": 1})
    assert r.status_code == 404
    assert c.get("/policies/applications/").context["totals"].applications == 0
    c = _client(other_staff_user)
    assert c.get(f"/policies/applications/{submitted.pk}/").status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_the_detail_page_offers_each_their_moves(submitted, staff_user, firm_user, operator_user):
    def moves(user):
        r = _client(user).get(f"/policies/applications/{submitted.pk}/")
        assert r.status_code == 200
        return r.context["moves"]

    assert moves(staff_user) == ["under_review"]
    assert moves(firm_user) == ["withdrawn"]
    assert moves(operator_user) == []
    r = _client(operator_user).post(
        f"/policies/applications/{submitted.pk}/move/", {"to": "under_review", "version": 1}
    )
    assert r.status_code == 403


# --- totals -------------------------------------------------------------------------------


def _mount(firm: Enterprise, *nodes: str) -> None:
    m = Mounting.objects.create(
        enterprise=firm, jurisdiction_code=firm.jurisdiction_code, inputs_digest="t"
    )
    for node in nodes:
        ChainMount.objects.create(
            mounting=m, node=node, chain=node.split("/")[0], confidence=0.9, status="auto"
        )


def test_totals_by_policy_town_and_chain_by_hand(city, staff_user):
    Mounting.objects.all().delete()
    f1, f2, f3 = city[0], city[1], city[2]
    Enterprise.objects.filter(pk=f1.pk).update(town="梅李镇")
    Enterprise.objects.filter(pk=f2.pk).update(town="梅李镇")
    Enterprise.objects.filter(pk=f3.pk).update(town="")
    _mount(f1, "auto_parts/chassis", "new_energy/battery_packs")  # on two chains
    _mount(f2, "auto_parts/electronics", "auto_parts/chassis")  # twice on one chain
    now = timezone.now() - timedelta(days=1)

    def app(firm, policy, status, granted=None):
        PolicyApplication.objects.create(
            enterprise=firm,
            policy=policy,
            status=status,
            submitted_by=staff_user,
            submitted_at=now,
            amount_granted=granted,
        )

    app(f1, "high-tech-rate", "granted", Decimal("10"))
    app(f1, "small-low-profit", "rejected")
    app(f2, "high-tech-rate", "granted", Decimal("5.5"))
    app(f2, "small-low-profit", "submitted")
    app(f3, "small-low-profit", "granted", Decimal("2"))
    with timezone.override("Asia/Shanghai"), translation.override("en"):
        t = apps.application_totals(apps.applications_for(staff_user))
    assert (t.applications, t.granted, t.amount_granted) == (5, 3, Decimal("17.5"))
    by_policy = {r.label: (r.applications, r.granted, r.amount_granted) for r in t.by_policy}
    assert by_policy == {
        "15% income-tax rate for high-tech enterprises": (2, 2, Decimal("15.5")),
        "Income-tax relief for small low-profit enterprises": (3, 1, Decimal("2")),
    }
    by_town = {r.label: (r.applications, r.granted, r.amount_granted) for r in t.by_town}
    assert by_town == {"梅李镇": (4, 2, Decimal("15.5")), "No town recorded": (1, 1, Decimal("2"))}
    auto = find_node("auto_parts/chassis")[0].name_en  # the totals were made in English
    energy = find_node("new_energy/battery_packs")[0].name_en
    by_chain = {r.label: (r.applications, r.granted, r.amount_granted) for r in t.by_chain}
    # f1 counts on both chains; f2, on one chain by two nodes, counts once; f3 on none
    assert by_chain[auto] == (4, 2, Decimal("15.5"))
    assert by_chain[energy] == (2, 1, Decimal("10"))
    assert sum(r.applications for r in t.by_chain) == 7  # more than the 5 applications
    assert len(by_chain) == 3  # and "on no chain" for f3


def test_the_list_filters_charts_and_exports(city, submitted, staff_user, firm_user):
    c = _client(staff_user)
    page = c.get("/policies/applications/")
    assert page.status_code == 200
    assert page.context["totals"].applications == 1
    assert 'id="applications-data"' in page.content.decode()
    assert c.get("/policies/applications/?status=granted").context["totals"].applications == 0
    assert c.get("/policies/applications/?status=bogus").status_code == 200  # ignored
    book = openpyxl.load_workbook(io.BytesIO(c.get("/policies/applications/export.xlsx").content))
    assert len(book.sheetnames) == 4
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][1] == submitted.enterprise.name
    mine = _client(firm_user).get("/policies/applications/")
    assert mine.context["totals"].applications == 1


# --- the demo -----------------------------------------------------------------------------


def test_the_demo_publishes_tells_and_files_once(city, staff_user, firm_user):
    from feidi_web.inbox.models import Message as Inbox
    from feidi_web.policies.demo import DEMO_POLICY, load_policies_demo
    from feidi_web.policies.models import DigestRun, LocalPolicy

    said: list[str] = []
    load_policies_demo(say=said.append, as_of=AS_OF)
    policy = LocalPolicy.objects.get(slug=DEMO_POLICY)
    assert policy.versions.get().status == "published"
    assert DigestRun.objects.count() == 1
    assert Inbox.objects.filter(recipient=firm_user, topic=Topic.POLICY_DIGEST).exists()
    n = PolicyApplication.objects.count()
    assert 10 <= n <= 31
    granted = PolicyApplication.objects.filter(status="granted")
    assert granted.exists() and all(a.amount_granted is not None for a in granted)
    assert PolicyApplication.objects.filter(status="rejected").exists()
    assert len({a.enterprise.town for a in PolicyApplication.objects.all()}) > 1
    assert len(set(PolicyApplication.objects.values_list("policy", flat=True))) > 2
    # the demo firm applied itself, and was told its application is under review
    assert PolicyApplication.objects.filter(submitted_by=firm_user).exists()
    assert Inbox.objects.filter(recipient=firm_user, topic=Topic.APPLICATION).exists()
    load_policies_demo(say=said.append, as_of=AS_OF)  # a second run adds nothing
    assert PolicyApplication.objects.count() == n
    assert DigestRun.objects.count() == 1
    assert LocalPolicy.objects.count() == 1


def test_the_firm_page_links_to_apply_for_policies_by_application(firm, firm_user, operator_user):
    from feidi.policy import policy_by_id

    page = _client(firm_user).get(f"/policies/firms/{firm.credit_code}/").content.decode()
    for pid, (verdict, _amount) in _verdicts(firm).items():
        link = f'href="/policies/firms/{firm.credit_code}/apply/{pid}/"'
        claim = policy_by_id(pid).claim if not pid.startswith("yushan") else "apply"
        assert (link in page) == (verdict != "not_eligible" and claim == "apply"), pid
    staff_page = _client(operator_user).get(f"/policies/firms/{firm.credit_code}/")
    assert "/apply/" not in staff_page.content.decode()  # may not apply: no link
