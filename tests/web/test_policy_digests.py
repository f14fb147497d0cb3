"""Policy digests: what is new, changed or gone for each firm since it was last told, one
message per firm user in their language, nobody told twice (a second run, two at once),
scope, the page, the scheduled command; and the 免申即享 lists."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from tests.web.conftest import AS_OF, PASSWORD, make_user

from feidi.policy import policy_by_id
from feidi_web.accounts.models import Role
from feidi_web.enterprises.models import Enterprise
from feidi_web.inbox.models import Message, Topic
from feidi_web.policies import digests
from feidi_web.policies.digests import CHANGED, GONE, NEW, changes_for, digest_send
from feidi_web.policies.grading import eligibility_of
from feidi_web.policies.models import DigestRun, EligibilityState

pytestmark = pytest.mark.django_db


def _state(policy: str, verdict: str, amount: float | None = None, digest: str = "d1"):
    return EligibilityState(
        policy=policy,
        verdict=verdict,
        benefit_amount=amount,
        digest=digest,
        told_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _row(verdict: str, amount: float | None = None, missing: tuple[str, ...] = ()):
    return {"verdict": verdict, "benefit_amount": amount, "missing": list(missing)}


# --- what counts as news (the rules, on a hand-made firm) ----------------------------------


def test_new_changed_and_gone_on_a_small_fixture():
    rows = {
        "a": _row("eligible", 10.0),  # never told, eligible: new
        "b": _row("unknown", missing=("taxable_income",)),  # never told, undecided: new
        "c": _row("not_eligible"),  # never told, not eligible: not news
        "d": _row("unknown"),  # undecided with nothing missing: not news
        "e": _row("eligible", 12.0),  # told 10: changed (amount)
        "f": _row("eligible", 5.0),  # same, but the rulebook changed: changed
        "g": _row("not_eligible"),  # told eligible: gone
        "h": _row("eligible", 3.0),  # told unknown: changed (verdict)
        "i": _row("eligible", 7.0),  # told the same: nothing
        "j": _row("unknown", missing=("x",)),  # told eligible: changed, not gone
    }
    states = {
        "e": _state("e", "eligible", 10.0),
        "f": _state("f", "eligible", 5.0, digest="old"),
        "g": _state("g", "eligible", 4.0),
        "h": _state("h", "unknown"),
        "i": _state("i", "eligible", 7.0000001),
        "j": _state("j", "eligible", 1.0),
        "k": _state("k", "eligible", 2.0),  # the policy no longer covers the firm: gone
        "m": _state("m", "not_eligible"),  # no longer covers, was not eligible: nothing
    }
    found = {c.policy: c.kind for c in changes_for(rows, states, dict.fromkeys(rows, "d1"))}
    assert found == {
        "a": NEW,
        "b": NEW,
        "e": CHANGED,
        "f": CHANGED,
        "g": GONE,
        "h": CHANGED,
        "j": CHANGED,
        "k": GONE,
    }


# --- sending ------------------------------------------------------------------------------


def _news_of(firm: Enterprise) -> set[str]:
    """The policies a never-told firm hears of: eligible, or undecided for missing data."""
    e = eligibility_of(Enterprise.objects.filter(pk=firm.pk), as_of=AS_OF)
    return {
        r["policy"]
        for r in e.verdicts.iter_rows(named=True)
        if r["verdict"] == "eligible" or (r["verdict"] == "unknown" and r["missing"])
    }


def test_first_send_tells_each_firm_user_then_a_second_tells_nobody(city, staff_user, firm_user):
    other = make_user("firm-b", Role.ENTERPRISE, enterprise=city[0])
    other.email = "b@example.com"
    other.save()
    news = _news_of(city[0])
    assert news, "the fixture firm should have some policy news"
    run = digest_send(actor=staff_user, as_of=AS_OF)
    # only the firm with users is told; its state remembers exactly what it was told
    assert (run.firms_told, run.changes) == (1, len(news))
    assert run.finished_at is not None
    assert set(EligibilityState.objects.values_list("policy", flat=True)) == news
    assert set(EligibilityState.objects.values_list("enterprise", flat=True)) == {city[0].pk}
    messages = Message.objects.filter(topic=Topic.POLICY_DIGEST)
    assert {m.recipient for m in messages} == {firm_user, other}
    m = messages.get(recipient=firm_user)
    assert m.key == f"digest:{run.pk}:{city[0].pk}"
    assert m.link == f"/policies/firms/{city[0].credit_code}/"
    for pid in news:  # every change in words, by the policy's name (never its id)
        assert policy_by_id(pid).name[0] in m.body
        assert pid not in m.body
    # the email copy went to the user with an address
    assert [e.to for e in mail.outbox] == [["b@example.com"]]
    again = digest_send(actor=staff_user, as_of=AS_OF)
    assert (again.firms_told, again.changes) == (0, 0)
    assert Message.objects.filter(topic=Topic.POLICY_DIGEST).count() == 2
    assert len(mail.outbox) == 1


def test_a_change_since_the_last_digest_is_told_and_remembered(city, staff_user, firm_user):
    digest_send(actor=staff_user, as_of=AS_OF)
    told = EligibilityState.objects.filter(enterprise=city[0], verdict="eligible").first()
    assert told is not None, "the fixture firm should be eligible for something"
    # pretend the firm was told another amount, and eligibility for a policy it fails
    told.benefit_amount = (told.benefit_amount or 0) + 99
    told.save()
    e = eligibility_of(Enterprise.objects.filter(pk=city[0].pk), as_of=AS_OF)
    failing = e.verdicts.filter(e.verdicts["verdict"] == "not_eligible")["policy"].to_list()
    assert failing
    EligibilityState.objects.create(
        enterprise=city[0],
        policy=failing[0],
        verdict="eligible",
        benefit_amount=1.0,
        digest="x",
        told_at=told.told_at,
    )
    run = digest_send(actor=staff_user, as_of=AS_OF)
    assert (run.firms_told, run.changes) == (1, 2)
    body = Message.objects.filter(topic=Topic.POLICY_DIGEST).first().body
    # both changes named, in the recipient's language (Chinese by default)
    assert e.policy(failing[0]).name[0] in body
    assert e.policy(told.policy).name[0] in body
    assert EligibilityState.objects.get(enterprise=city[0], policy=failing[0]).verdict == (
        "not_eligible"
    )
    assert digest_send(actor=staff_user, as_of=AS_OF).firms_told == 0


def test_a_firm_without_users_keeps_its_state_until_it_has_one(city, staff_user):
    assert digest_send(actor=staff_user, as_of=AS_OF).firms_told == 0
    assert not EligibilityState.objects.exists()
    make_user("late", Role.ENTERPRISE, enterprise=city[3])
    run = digest_send(actor=staff_user, as_of=AS_OF)
    assert run.firms_told == (1 if _news_of(city[3]) else 0)
    assert set(EligibilityState.objects.values_list("enterprise", flat=True)) <= {city[3].pk}


def test_the_message_is_in_the_recipients_language_not_the_senders(
    city, staff_user, firm_user, monkeypatch
):
    english = make_user("firm-en", Role.ENTERPRISE, enterprise=city[0])
    english.language = "en"  # chosen with the navigation's language buttons
    english.save(update_fields=["language"])
    with translation.override("en"):  # the sender reads English
        digest_send(actor=staff_user, as_of=AS_OF)
    zh = Message.objects.get(recipient=firm_user)
    en = Message.objects.get(recipient=english)
    # the policies' names are the core's own pairs: each message carries its reader's half
    # (the platform's sentences follow once the lead translates them)
    for pid in EligibilityState.objects.filter(enterprise=city[0]).values_list("policy", flat=True):
        zh_name, en_name = policy_by_id(pid).name
        assert zh_name in zh.body and en_name not in zh.body
        assert en_name in en.body and zh_name not in en.body
    assert zh.key == en.key


def test_without_a_stored_language_the_sites_default_is_used(firm_user):
    assert firm_user.language == "" and firm_user.reading_language == "zh-hans"


def test_staff_of_another_county_tell_none_of_our_firms(
    city, staff_user, other_staff_user, firm_user
):
    ours = Enterprise.objects.filter(jurisdiction_code__startswith="320581")
    run = digest_send(actor=other_staff_user, as_of=AS_OF, firms=ours)
    assert (run.firms_told, run.changes) == (0, 0)
    assert not Message.objects.exists()
    assert not EligibilityState.objects.exists()


def test_only_authors_send(city, operator_user, firm_user):
    with pytest.raises(PermissionDenied):
        digest_send(actor=operator_user, as_of=AS_OF)
    with pytest.raises(PermissionDenied):
        digest_send(actor=firm_user, as_of=AS_OF)
    assert not DigestRun.objects.exists()


def test_two_sends_at_once_tell_a_firm_once(city, staff_user, firm_user, monkeypatch):
    """Run A grades, then — before it tells anyone — run B runs to the end; A must read the
    state again under the firm's lock and find nothing left to tell."""
    real = digests.eligibility_of
    calls = {"n": 0}

    def grade_then_race(firms, *, as_of=None):
        result = real(firms, as_of=as_of)
        calls["n"] += 1
        if calls["n"] == 1:
            monkeypatch.setattr(digests, "eligibility_of", real)
            digest_send(actor=staff_user, as_of=AS_OF)  # the other send, all the way
        return result

    monkeypatch.setattr(digests, "eligibility_of", grade_then_race)
    first = digest_send(actor=staff_user, as_of=AS_OF)
    assert first.firms_told == 0
    assert DigestRun.objects.exclude(pk=first.pk).get().firms_told == 1
    assert Message.objects.filter(recipient=firm_user).count() == 1


# --- the page and the command -------------------------------------------------------------


def _client(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def test_the_page_previews_and_sends(city, staff_user, firm_user):
    c = _client(staff_user)
    page = c.get("/policies/digests/")
    assert page.status_code == 200
    assert page.context["preview"]["firms"] == 1
    sent = c.post("/policies/digests/")
    assert sent.status_code == 302
    assert DigestRun.objects.get().firms_told == 1
    page = c.get("/policies/digests/")
    assert page.context["preview"] == {"firms": 0, "changes": 0}
    assert list(page.context["runs"]) == [DigestRun.objects.get()]


def test_the_page_refuses_who_may_not_send(city, operator_user, firm_user, other_staff_user):
    assert _client(operator_user).get("/policies/digests/").status_code == 200
    assert _client(operator_user).post("/policies/digests/").status_code == 403
    assert _client(firm_user).get("/policies/digests/").status_code == 403
    assert _client(firm_user).post("/policies/digests/").status_code == 403
    # another county's run is not listed to ours
    _client(other_staff_user).post("/policies/digests/")
    listed = _client(operator_user).get("/policies/digests/").context["runs"]
    assert list(listed) == []
    assert not Message.objects.exists()


def test_the_scheduled_command_sends_for_a_division(city, firm_user):
    out = io.StringIO()
    call_command("policy_digests", division="320581", as_of=AS_OF.isoformat(), stdout=out)
    assert "firms told: 1" in out.getvalue()
    run = DigestRun.objects.get()
    assert run.actor is None and run.jurisdiction_code == "320581"
    call_command("policy_digests", division="320581", as_of=AS_OF.isoformat(), stdout=out)
    assert Message.objects.filter(recipient=firm_user).count() == 1
    with pytest.raises(CommandError, match="--division"):
        call_command("policy_digests", division="32x")
    with pytest.raises(CommandError, match="--as-of"):
        call_command("policy_digests", division="320581", as_of="30/06/2026")


# --- 免申即享 lists -------------------------------------------------------------------------


def test_the_free_lists_show_policies_without_application(city, staff_user, firm_user):
    c = _client(staff_user)
    page = c.get("/policies/free/")
    assert page.status_code == 200
    lists = page.context["lists"]
    assert {fp.claim for fp in lists} <= {"automatic", "self_declared"}
    assert {fp.policy for fp in lists} >= {"small-low-profit", "rd-super-deduction"}
    text = page.content.decode()
    assert "免申即享" in text and "自行申报享受" in text  # what each kind means
    e = eligibility_of(Enterprise.objects.filter(jurisdiction_code="320581"))
    for fp in lists:
        expected = e.verdicts.filter(
            (e.verdicts["policy"] == fp.policy) & (e.verdicts["verdict"] == "eligible")
        )["credit_code"]
        assert {f.credit_code for f in fp.firms} == set(expected.to_list())
    book = openpyxl.load_workbook(io.BytesIO(c.get("/policies/free/export.xlsx").content))
    assert len(book.sheetnames) == 2  # the summary, then one row per policy × firm
    summary = book.worksheets[0]
    assert summary.max_row - 1 == len(lists)
    firms_sheet = book.worksheets[1]
    assert firms_sheet.max_row - 1 == sum(len(fp.firms) for fp in lists)
    assert _client(firm_user).get("/policies/free/").status_code == 403
