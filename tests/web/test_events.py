"""Events of the enclave centre on the platform: capacity and the wait list (a cancellation
moves the first up; two registrations for the last seat at once — against a live server —
seat exactly one), check-in by the QR code's link, meeting requests, the optimal schedule
(stored as the core computes it) and a rescheduling after a cancellation, the printed
schedule, leads for the pipeline, scope and bad input."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.web.conftest import make_user
from tests.web.live_platform import Platform, at_once, live_platform

import feidi_web.events
from feidi.schedule import Event as CoreEvent
from feidi.schedule import Meeting as CoreMeeting
from feidi.schedule import Request as CoreRequest
from feidi.schedule import reschedule, schedule_meetings
from feidi_web.accounts.models import Role
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.services import party_register
from feidi_web.events.models import Event, Meeting, MeetingRequest, Registration, Schedule
from feidi_web.events.services import (
    event_create,
    event_file_leads,
    event_set_status,
    event_update,
    meeting_request_answer,
    meeting_request_cancel,
    meeting_request_create,
    registration_cancel,
    registration_check_in,
    registration_create,
    registration_set_availability,
    schedule_make,
    schedule_remake,
)
from feidi_web.pipeline.models import Project
from feidi_web.pipeline.services import NewCounterpart, project_create

A, B = "320581", "320582"
START = timezone.make_aware(datetime(2027, 3, 18, 13, 30))  # noqa: DTZ001 — local time


@pytest.fixture
def officer(db):
    return make_user("officer", Role.INVESTMENT_OFFICER, division=A)


def _event(actor, **kw) -> Event:
    values = {
        "title": "智能制造资本对接会",
        "kind": "capital",
        "place": "常熟（北京）创新中心 3 楼",
        "starts_at": START,
        "slots": 4,
        "slot_minutes": 15,
        "first_slot_at": START + timedelta(minutes=60),
        "tables": 3,
        "capacity": 20,
    }
    return event_create(actor=actor, **(values | kw))


def _register(actor, event, name, role="startup", **kw) -> Registration:
    return registration_create(
        actor=actor,
        event=event,
        person=kw.pop("person", f"{name}代表"),
        contact="138 0000 0000",
        role=role,
        new_party=None if "party" in kw else NewCounterpart(name=name, kind=""),
        **kw,
    )


def _firm_user(officer, username="firm", name="常熟某精密机械有限公司"):
    party = party_register(actor=officer, name=name, kind="enterprise")
    return make_user(username, Role.ENTERPRISE, enterprise=party)


def _statuses(event) -> list[tuple[str, str]]:
    return list(event.registrations.order_by("id").values_list("person", "status"))


# --- capacity and the wait list -----------------------------------------------------------


def test_registrations_beyond_capacity_wait_and_a_cancellation_moves_the_first_up(officer):
    event = _event(officer, capacity=2)
    first, second, third, fourth = (_register(officer, event, n) for n in "甲乙丙丁")
    assert _statuses(event) == [
        ("甲代表", "registered"),
        ("乙代表", "registered"),
        ("丙代表", "waitlisted"),
        ("丁代表", "waitlisted"),
    ]
    # 甲 had asked 乙 for a meeting: it is called off with the registration
    ask = meeting_request_create(actor=officer, requester=first, invitee=second, priority=4)
    done = registration_cancel(actor=officer, registration=first)
    assert [r.pk for r in done.promoted] == [third.pk] and done.requests_cancelled == 1
    assert _statuses(event) == [
        ("甲代表", "cancelled"),
        ("乙代表", "registered"),
        ("丙代表", "registered"),
        ("丁代表", "waitlisted"),
    ]
    assert MeetingRequest.objects.get(pk=ask.pk).status == "cancelled"
    assert Registration.objects.get(pk=third.pk).promoted_at is not None
    actions = list(
        AuditEntry.objects.filter(subject=f"event:{event.pk}")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["registration.cancel", "registration.promote"]
    # a waiting person who cancels frees no seat: nobody moves up
    assert registration_cancel(actor=officer, registration=fourth).promoted == []
    with pytest.raises(ValidationError):
        registration_cancel(actor=officer, registration=first)  # already cancelled


def test_the_registration_page_says_where_on_the_wait_list(officer, client):
    event = _event(officer, capacity=1)
    _register(officer, event, "甲")
    waiting = [_register(officer, event, n) for n in "乙丙"]
    client.force_login(officer)
    page = client.get(f"/events/registrations/{waiting[1].pk}/").content.decode()
    assert 'id="wait-list-position" data-position="2"' in page
    detail = client.get(f"/events/{event.pk}/").content.decode()
    assert '<span id="seats-taken">1</span> / <span id="capacity">1</span>' in detail
    assert '<td id="waiting">2</td>' in detail


def test_a_larger_capacity_moves_the_wait_list_up_and_a_smaller_one_is_refused(officer):
    event = _event(officer, capacity=1)
    for n in "甲乙丙":
        _register(officer, event, n)
    event = event_update(actor=officer, event=event, changes={"capacity": 2}, seen_version=1)
    assert [s for _p, s in _statuses(event)] == ["registered", "registered", "waitlisted"]
    with pytest.raises(ValidationError) as exc:
        event_update(actor=officer, event=event, changes={"capacity": 1}, seen_version=2)
    assert "capacity" in exc.value.message_dict
    assert Event.objects.get(pk=event.pk).capacity == 2
    with pytest.raises(EditConflict):  # someone saw version 1
        event_update(actor=officer, event=event, changes={"title": "改名"}, seen_version=1)


def test_an_enterprise_user_registers_their_own_firm_while_the_event_is_open(officer, client):
    firm = _firm_user(officer)
    event = _event(officer)
    client.force_login(firm)
    r = client.post(
        f"/events/{event.pk}/register/",
        {"person": "王工", "contact": "139 1234 5678", "role": "home_firm", "party_name": "别家"},
    )
    registration = Registration.objects.get(event=event)
    assert r.status_code == 302 and r["Location"] == f"/events/registrations/{registration.pk}/"
    assert registration.party == firm.enterprise  # never another party, whatever is posted
    event_set_status(actor=officer, event=event, status="closed", seen_version=1)
    r = client.post(
        f"/events/{event.pk}/register/", {"person": "李工", "contact": "1", "role": "home_firm"}
    )
    assert r.status_code == 422 and Registration.objects.filter(event=event).count() == 1


# --- two registrations for the last seat at once, against a real server ---------------------

SETUP = r"""
import json, sys
from datetime import timedelta
from django.utils import timezone
from feidi_web.accounts.models import Role, User
from feidi_web.enterprises.services import party_register
from feidi_web.events.services import event_create, registration_create
from feidi_web.pipeline.services import NewCounterpart
officer = User.objects.create_user("officer", password="x-officer-2026",
                                   role=Role.INVESTMENT_OFFICER, division_code="320581")
start = timezone.now() + timedelta(days=10)
events = []
for i in range(2):
    event = event_create(actor=officer, title=f"路演{i}", kind="roadshow", place="创新中心",
                         starts_at=start, slots=2, slot_minutes=10, first_slot_at=start,
                         tables=1, capacity=2)
    registration_create(actor=officer, event=event, person="先到者", contact="1", role="investor",
                        new_party=NewCounterpart(name="某投资机构", kind="investor"))
    events.append(event.pk)
for i in range(4):
    firm = party_register(actor=officer, name=f"本地企业{i}", kind="enterprise")
    User.objects.create_user(f"firm{i}", password="x-firm-2026", role=Role.ENTERPRISE,
                             enterprise=firm)
json.dump({"key": "", "events": events}, sys.stdout)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Platform]:
    with live_platform(
        tmp_path_factory.mktemp("events"),
        SETUP,
        FEIDI_TASK_BACKEND="django_tasks.backends.dummy.DummyBackend",
    ) as platform:
        yield platform


def _browser(
    server: Platform, username: str, password: str = "x-firm-2026"
) -> urllib.request.OpenerDirector:
    """A logged-in HTTP client (cookies, CSRF token) of the live platform."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(server.base + "/accounts/login/", timeout=60).read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(server.base + "/accounts/login/", body, timeout=60).read()
    assert any(c.name == "sessionid" for c in jar), f"{username} did not log in"
    opener.csrf = next(c.value for c in jar if c.name == "csrftoken")  # type: ignore[attr-defined]
    return opener


def _register_at_once(server: Platform, event: int, users: list[str]) -> list[str]:
    openers = [_browser(server, u) for u in users]

    def register(i: int) -> str:
        body = urllib.parse.urlencode(
            {
                "person": f"代表{i}",
                "contact": "138",
                "role": "home_firm",
                "csrfmiddlewaretoken": openers[i].csrf,  # type: ignore[attr-defined]
            }
        ).encode()
        with openers[i].open(f"{server.base}/events/{event}/register/", body, timeout=120) as r:
            page = r.read().decode()
        return re.findall(r'registration-status-(\w+) fs-6" id="registration-status"', page)[0]

    return at_once([lambda i=i: register(i) for i in range(len(openers))])


@pytest.mark.parametrize("at_once", [2, 3])
def test_registrations_for_the_last_seat_at_once_seat_exactly_one(server, at_once):
    event = server.made["events"][at_once - 2]
    users = [f"firm{i}" for i in range(at_once)]
    landed = _register_at_once(server, event, users)
    # each lands on its registration page: one with the seat, the others on the wait list
    assert sorted(landed) == ["registered"] + ["waitlisted"] * (at_once - 1), landed
    # the event's own page, as its broker sees it: both seats taken, the rest waiting
    with _browser(server, "officer", "x-officer-2026").open(
        f"{server.base}/events/{event}/", timeout=60
    ) as r:
        page = r.read().decode()
    counts = {
        "registered": int(page.split('id="seats-taken">')[1].split("<")[0]),
        "waitlisted": int(page.split('id="waiting">')[1].split("<")[0]),
    }
    assert counts == {"registered": 2, "waitlisted": at_once - 1}
    assert "database is locked" not in server.log.read_text()


# --- check-in -----------------------------------------------------------------------------


def test_check_in_by_the_qr_codes_link_once_then_already(officer, client):
    firm = _firm_user(officer)
    event = _event(officer)
    mine = _register(firm, event, "—", role="home_firm", party=firm.enterprise, person="王工")
    client.force_login(firm)
    page = client.get(f"/events/registrations/{mine.pk}/").content.decode()
    link = page.split('id="checkin-link" href="')[1].split('"')[0]
    assert link == f"http://testserver/events/checkin/{mine.token}/"
    assert '<div id="checkin-qr" class="qr"><svg viewBox=' in page  # drawn here, inline
    assert len(mine.token) >= 32
    # the firm's own user cannot check anyone in, itself included
    assert client.get(link).status_code == 403
    assert client.post(link).status_code == 403
    assert Registration.objects.get(pk=mine.pk).checked_in_at is None

    phone = Client()
    phone.force_login(officer)
    first = phone.get(link).content.decode()
    assert '<h1 class="h3 mt-2" id="checkin-person">王工</h1>' in first
    assert 'id="checkin-form"' in first and "checkin-already" not in first
    done = phone.post(link)
    assert done.status_code == 200 and 'id="checkin-done"' in done.content.decode()
    at = Registration.objects.get(pk=mine.pk).checked_in_at
    assert at is not None
    second = phone.get(link).content.decode()
    shown = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    assert 'id="checkin-already"' in second and shown in second and "checkin-form" not in second
    again = phone.post(link).content.decode()  # a second tap changes nothing
    assert 'id="checkin-already"' in again
    assert Registration.objects.get(pk=mine.pk).checked_in_at == at
    assert AuditEntry.objects.filter(action="registration.check_in").count() == 1
    assert phone.get(f"/events/checkin/{mine.token[:-1]}x/").status_code == 404
    assert phone.get("/events/checkin/not-a-token/").status_code == 404


def test_a_wait_listed_or_cancelled_participant_is_not_checked_in(officer, client):
    event = _event(officer, capacity=1)
    seated = _register(officer, event, "甲")
    waiting = _register(officer, event, "乙")
    client.force_login(officer)
    r = client.post(f"/events/checkin/{waiting.token}/")
    assert r.status_code == 422 and 'id="checkin-problem"' in r.content.decode()
    registration_cancel(actor=officer, registration=seated)  # 乙 moves up
    gone = client.get(f"/events/checkin/{seated.token}/").content.decode()
    assert "checkin-form" not in gone and 'id="checkin-problem"' in gone
    assert client.post(f"/events/checkin/{waiting.token}/").status_code == 200
    assert Registration.objects.get(pk=waiting.pk).checked_in_at is not None
    assert Registration.objects.get(pk=seated.pk).checked_in_at is None


def test_another_countys_broker_gets_not_found_for_the_check_in_link(officer):
    event = _event(officer)
    r = _register(officer, event, "甲")
    other = make_user("other", Role.COUNTY_STAFF, division=B)
    c = Client()
    c.force_login(other)
    assert c.get(f"/events/checkin/{r.token}/").status_code == 404
    with pytest.raises(PermissionDenied):
        registration_check_in(actor=other, registration=r)


# --- meeting requests ---------------------------------------------------------------------


def test_the_invitee_accepts_or_declines_and_only_accepted_requests_are_scheduled(officer, client):
    firm = _firm_user(officer)
    event = _event(officer, slots=2, tables=2)
    mine = _register(firm, event, "—", role="home_firm", party=firm.enterprise, person="王工")
    investor = _register(officer, event, "某创投", role="investor")
    startup = _register(officer, event, "某初创")
    asked = meeting_request_create(actor=officer, requester=investor, invitee=mine, priority=5)
    second = meeting_request_create(actor=officer, requester=startup, invitee=mine, priority=2)
    client.force_login(firm)
    page = client.get(f"/events/registrations/{mine.pk}/").content.decode()
    assert page.count('class="answer-form"') == 2
    r = client.post(f"/events/requests/{asked.pk}/answer/", {"answer": "accept"})
    assert r.status_code == 302
    client.post(f"/events/requests/{second.pk}/answer/", {"answer": "decline"})
    assert [q.status for q in MeetingRequest.objects.order_by("id")] == ["accepted", "declined"]
    # the firm asks in turn; the start-up's side answers (a broker for them), not the firm
    own = meeting_request_create(actor=firm, requester=mine, invitee=startup, priority=3)
    assert (
        client.post(f"/events/requests/{own.pk}/answer/", {"answer": "accept"}).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        meeting_request_create(actor=firm, requester=investor, invitee=startup, priority=3)
    schedule = schedule_make(actor=officer, event=event)
    assert [m.request_id for m in schedule.meetings.all()] == [asked.pk]
    meeting_request_answer(actor=officer, request=own, accept=True)
    with pytest.raises(ValidationError):
        meeting_request_answer(actor=officer, request=own, accept=False)  # answered already
    meeting_request_cancel(actor=firm, request=own)
    assert MeetingRequest.objects.get(pk=own.pk).status == "cancelled"


# --- the schedule -------------------------------------------------------------------------


@pytest.fixture
def busy_event(officer):
    """Seven participants, three slots of 20 minutes, two tables: not every accepted request
    fits. One participant can come to slots 1 and 2 only; one request is declined."""
    event = _event(officer, slots=3, slot_minutes=20, tables=2)
    names = ["创投甲", "创投乙", "初创丙", "初创丁", "初创戊", "本地己", "本地庚"]
    roles = ["investor", "investor", "startup", "startup", "startup", "home_firm", "home_firm"]
    people = {
        n: _register(officer, event, n, role=role, person=n)
        for n, role in zip(names, roles, strict=True)
    }
    registration_set_availability(actor=officer, registration=people["初创丙"], slots=[1, 2])
    plan = [
        ("创投甲", "初创丙", 5), ("创投甲", "初创丁", 4), ("创投甲", "初创戊", 3),
        ("创投乙", "初创丙", 4), ("创投乙", "初创戊", 5), ("初创丁", "本地己", 2),
        ("初创丙", "本地庚", 3), ("本地己", "创投乙", 1), ("初创戊", "本地庚", 2),
        ("本地庚", "创投甲", 2), ("初创丁", "创投乙", 3),
    ]  # fmt: skip
    requests = []
    for i, (a, b, p) in enumerate(plan):
        q = meeting_request_create(
            actor=officer, requester=people[a], invitee=people[b], priority=p
        )
        requests.append(meeting_request_answer(actor=officer, request=q, accept=i != 7))
    return event, people, requests


def _core_event(event, people, requests, *, gone=()) -> CoreEvent:
    """The event written out by hand for the core, by the participants' names."""
    name = {r.pk: n for n, r in people.items()}
    return CoreEvent(
        tuple(
            CoreRequest(str(q.pk), name[q.requester_id], name[q.invitee_id], q.priority)
            for q in requests
            if q.status == "accepted" and q.pk not in gone
        ),
        slots=event.slots,
        tables=event.tables,
        availability={"初创丙": frozenset({1, 2})},
    )


def _check_rules(schedule: Schedule, event: Event) -> list[Meeting]:
    meetings = list(schedule.meetings.select_related("request__requester", "request__invitee"))
    seats = Counter(
        (m.slot, p) for m in meetings for p in (m.request.requester_id, m.request.invitee_id)
    )
    assert max(seats.values()) == 1  # nobody in two meetings at once
    assert len({(m.slot, m.table) for m in meetings}) == len(meetings)  # one per table and slot
    assert all(1 <= m.table <= event.tables and 1 <= m.slot <= event.slots for m in meetings)
    pairs = Counter(frozenset((m.request.requester_id, m.request.invitee_id)) for m in meetings)
    assert max(pairs.values()) == 1
    for m in meetings:
        assert m.request.status == "accepted"
        for p in (m.request.requester, m.request.invitee):
            assert p.availability is None or m.slot in p.availability
    assert schedule.objective == sum(m.request.priority for m in meetings)
    return meetings


def test_the_stored_schedule_keeps_the_rules_and_equals_the_cores_optimum(
    officer, busy_event, client
):
    event, people, requests = busy_event
    schedule = schedule_make(actor=officer, event=event)
    meetings = _check_rules(schedule, event)
    core = schedule_meetings(_core_event(event, people, requests))
    assert (schedule.objective, schedule.bound, schedule.status) == (
        core.objective,
        core.bound,
        "optimal",
    )
    assert len(meetings) == len(core.meetings) < 10  # 10 accepted; 3 slots × 2 tables = 6
    assert requests[7].pk not in {m.request_id for m in meetings}  # the declined one
    client.force_login(officer)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert f'<span id="schedule-objective">{core.objective:.0f}</span>' in page
    # each participant's own schedule on their registration page
    own = client.get(f"/events/registrations/{people['创投甲'].pk}/").content.decode()
    rows = own.split('id="own-meetings"')[1].split("</table>")[0].count("<tr>") - 1
    mine = [
        m for m in meetings if people["创投甲"].pk in (m.request.requester_id, m.request.invitee_id)
    ]
    assert rows == len(mine) > 0
    first = min(mine, key=lambda m: m.slot)
    start = event.slot_start(first.slot)
    assert f"{timezone.localtime(start):%H:%M}–" in own


def test_the_printed_schedule_lists_every_meeting_by_table_and_by_participant(
    officer, busy_event, client
):
    event, _people, _requests = busy_event
    schedule = schedule_make(actor=officer, event=event)
    client.force_login(officer)
    page = client.get(f"/events/{event.pk}/schedule/print/").content.decode()
    grid = page.split('id="schedule-grid"')[1].split("</table>")[0]
    by_person = page.split('id="schedule-people"')[1]
    stored = {m.request_id: (m.slot, m.table) for m in schedule.meetings.all()}
    found = {
        int(r): (int(s), int(t))
        for r, s, t in re.findall(
            r'data-request="(\d+)" data-slot="(\d+)" data-table="(\d+)"', grid
        )
    }
    assert found == stored
    listed = Counter(int(r) for r in re.findall(r'<tr data-request="(\d+)"', by_person))
    assert listed == dict.fromkeys(stored, 2)  # once in each of the two people's lists
    css = Path(feidi_web.events.__file__).parent / "static" / "events" / "events.css"
    assert "events/events.css" in page and "@media print" in css.read_text("utf-8")


def test_rescheduling_after_a_cancellation_moves_as_few_as_the_core_and_says_how_many(
    officer, busy_event, client
):
    event, people, requests = busy_event
    before = schedule_make(actor=officer, event=event)
    previous = {m.request_id: (m.slot, m.table) for m in before.meetings.all()}
    gone = people["创投乙"]  # a busy investor withdraws
    theirs = {q.pk for q in requests if gone.pk in (q.requester_id, q.invitee_id)}
    registration_cancel(actor=officer, registration=gone)
    client.force_login(officer)
    page = client.get(f"/events/{event.pk}/").content.decode()
    hit = len([r for r in previous if r in theirs])
    assert hit > 0 and f'id="schedule-affected" data-count="{hit}"' in page
    after = schedule_remake(actor=officer, event=event)
    _check_rules(after, event)
    core = reschedule(
        _core_event(event, people, requests, gone=theirs),
        [CoreMeeting(str(r), s, t) for r, (s, t) in previous.items()],
    )
    assert after.changes_minimal is True and core.changes_minimal is True
    assert (len(after.moved), len(after.kept), len(after.dropped)) == (
        len(core.moved),
        len(core.kept),
        len(core.dropped),
    )
    assert sorted(after.cancelled) == sorted(r for r in previous if r in theirs)
    assert after.objective == core.schedule.objective and after.previous == before
    now = {m.request_id: (m.slot, m.table) for m in after.meetings.all()}
    assert all(now[r] == previous[r] for r in after.kept)  # kept: same slot, same table
    assert all(now[r] != previous[r] for r in after.moved)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert f'<span id="reschedule-moved">{len(after.moved)}</span>' in page
    assert f'<span id="reschedule-kept">{len(after.kept)}</span>' in page
    assert "schedule-affected" not in page


def test_a_schedule_computed_while_the_event_changed_is_not_stored(
    officer, busy_event, monkeypatch
):
    event, people, _requests = busy_event
    from feidi_web.events import services

    real = services.schedule_meetings

    def slow(core, **kw):
        registration_cancel(actor=officer, registration=people["初创丁"])  # meanwhile
        return real(core, **kw)

    monkeypatch.setattr(services, "schedule_meetings", slow)
    with pytest.raises(ValidationError):
        schedule_make(actor=officer, event=event)
    assert Schedule.objects.count() == 0


# --- feeding the pipeline -----------------------------------------------------------------


def test_attended_investors_and_start_ups_become_leads_once_and_duplicates_are_named(
    officer, client
):
    event = _event(officer)
    investor = _register(officer, event, "某创投基金", role="investor")
    startup = _register(officer, event, "北京某机器人初创", role="startup")
    known = _register(officer, event, "深鉴智能", role="startup")
    home = _register(officer, event, "本地某企业", role="home_firm")
    absent = _register(officer, event, "没来的初创", role="startup")
    project_create(actor=officer, name="深鉴智能落地", source="enclave", counterpart=known.party)
    for r in (investor, startup, known, home):
        registration_check_in(actor=officer, registration=r)
    with pytest.raises(ValidationError):  # not before the event was held
        event_file_leads(actor=officer, event=event)
    operator = make_user("op", Role.ENCLAVE_OPERATOR, division=A)
    event = event_set_status(actor=officer, event=event, status="held", seen_version=1)
    with pytest.raises(PermissionDenied):  # the enclave files enclave-sourced projects only
        event_file_leads(actor=operator, event=event)
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.post(f"/events/{event.pk}/leads/", follow=True)
    filed = Project.objects.filter(source="event")
    assert sorted(p.counterpart.name for p in filed) == ["北京某机器人初创", "某创投基金"]
    assert all(p.stage == "lead" and p.jurisdiction_code == A for p in filed)
    page = r.content.decode()
    assert "2 leads filed" in page and "深鉴智能" in page.split("Not filed")[1]
    again = event_file_leads(actor=officer, event=event)
    assert again.filed == [] and len(again.skipped) == 3
    assert Project.objects.filter(source="event").count() == 2
    assert absent.party.name not in {p.counterpart.name for p in Project.objects.all()}


# --- scope --------------------------------------------------------------------------------


def test_scope_other_county_and_an_enterprise_user_sees_only_their_own(officer, client):
    firm = _firm_user(officer)
    event = _event(officer)
    mine = _register(firm, event, "—", role="home_firm", party=firm.enterprise, person="王工")
    investor = _register(officer, event, "某创投", role="investor")
    startup = _register(officer, event, "某初创")
    for a, b in ((investor, mine), (investor, startup)):
        q = meeting_request_create(actor=officer, requester=a, invitee=b, priority=3)
        meeting_request_answer(actor=officer, request=q, accept=True)
    schedule_make(actor=officer, event=event)
    other_event = _event(make_user("staff_b", Role.COUNTY_STAFF, division=B), title="别县沙龙")
    other = Client()
    other.force_login(make_user("officer_b", Role.INVESTMENT_OFFICER, division=B))
    for url in (
        f"/events/{event.pk}/",
        f"/events/registrations/{mine.pk}/",
        f"/events/{event.pk}/schedule/print/",
    ):
        assert other.get(url).status_code == 404, url
    assert "智能制造" not in other.get("/events/").content.decode()

    client.force_login(firm)
    listing = client.get("/events/").content.decode()
    assert event.title in listing and other_event.title not in listing
    assert client.get(f"/events/{other_event.pk}/").status_code == 404
    detail = client.get(f"/events/{event.pk}/").content.decode()
    assert "某创投代表" not in detail and 'id="registrations"' not in detail
    assert client.get(f"/events/registrations/{investor.pk}/").status_code == 404
    assert client.get(f"/events/{event.pk}/schedule/print/").status_code == 403
    own = client.get(f"/events/registrations/{mine.pk}/").content.decode()
    meetings = own.split('id="own-meetings"')[1].split("</table>")[0]
    assert meetings.count("<tr>") - 1 == 1 and "某创投" in meetings and "某初创" not in meetings
    assert investor.token not in own and startup.token not in own
    with pytest.raises(PermissionDenied):
        registration_cancel(actor=firm, registration=investor)


def test_the_event_list_takes_the_same_queries_for_one_and_three_events(officer, client):
    client.force_login(officer)
    _event(officer)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/events/").status_code == 200
    for i in range(2):
        e = _event(officer, title=f"沙龙{i}")
        _register(officer, e, f"初创{i}")
    with CaptureQueriesContext(connection) as three:
        page = client.get("/events/").content.decode()
    assert len(three) == len(one) and page.count('href="/events/') >= 3


# --- bad input ----------------------------------------------------------------------------


def test_bad_event_input_is_refused_naming_the_field(officer, client):
    for bad, field in (
        ({"capacity": 0}, "capacity"),
        ({"slots": 0}, "slots"),
        ({"slots": 49}, "slots"),
        ({"tables": 0}, "tables"),
        ({"slot_minutes": 2}, "slot_minutes"),
        ({"first_slot_at": START - timedelta(hours=1)}, "first_slot_at"),
        ({"title": "a\x07b"}, "title"),
    ):
        with pytest.raises(ValidationError) as exc:
            _event(officer, **bad)
        assert field in exc.value.message_dict, bad
    assert Event.objects.count() == 0
    client.force_login(officer)
    r = client.post(
        "/events/new/",
        {"title": "沙龙", "kind": "salon", "place": "中心", "starts_at": "2027-03-18T13:30",
         "first_slot_at": "2027-03-18T14:00", "capacity": "0", "slots": "99",
         "slot_minutes": "15", "tables": "2"},
    )  # fmt: skip
    page = r.content.decode()
    assert r.status_code == 422 and Event.objects.count() == 0
    for field in ("capacity", "slots"):
        assert (
            "invalid-feedback" in page.split(f'id="id_{field}"')[1].split('<div class="mb-3">')[0]
        )


def test_bad_registration_and_request_input_is_refused(officer, client):
    event = _event(officer, slots=4)
    a = _register(officer, event, "甲")
    b = _register(officer, event, "乙")
    with pytest.raises(ValidationError) as exc:
        registration_set_availability(actor=officer, registration=a, slots=[2, 9])
    assert "9" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        _register(officer, event, "丙", availability=[0])
    assert "slots" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        meeting_request_create(actor=officer, requester=a, invitee=a, priority=3)
    assert "invitee" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        meeting_request_create(actor=officer, requester=a, invitee=b, priority=6)
    assert "priority" in exc.value.message_dict
    with pytest.raises(ValidationError):  # the same person twice
        _register(officer, event, "甲", party=a.party, person=a.person)
    with pytest.raises(ValidationError) as exc:
        _register(officer, event, "丁", role="boss")
    assert "role" in exc.value.message_dict
    meeting_request_create(actor=officer, requester=a, invitee=b, priority=3)
    with pytest.raises(ValidationError):  # asked already
        meeting_request_create(actor=officer, requester=a, invitee=b, priority=2)
    assert MeetingRequest.objects.count() == 1
    assert Registration.objects.get(pk=a.pk).availability is None
    client.force_login(officer)
    r = client.post(f"/events/registrations/{a.pk}/requests/", {"invitee": a.pk, "priority": 3})
    assert r.status_code == 422 and MeetingRequest.objects.count() == 1
    with pytest.raises(ValidationError):  # nothing to schedule: no accepted request
        schedule_make(actor=officer, event=event)


# --- the demo -----------------------------------------------------------------------------


def test_the_demo_holds_two_past_events_and_an_upcoming_one_with_a_wait_list(db):
    from feidi.reference import make_credit_code
    from feidi_web.demo.loader import DEMO_EVENTS, load_events

    officer = make_user("officer", Role.INVESTMENT_OFFICER, division=A)
    enclave = make_user("enclave", Role.ENCLAVE_OPERATOR, division=A)
    for i in range(14):
        party_register(actor=enclave, name=f"北京某初创团队{i}", kind="startup" if i % 3 else "lab")
    for i in range(3):
        party_register(actor=enclave, name=f"某创投{i}", kind="investor")
    for i in range(20):
        code = make_credit_code(f"91320581MA7DEM{i:03d}")
        party_register(actor=officer, name=f"常熟某企业{i}", kind="enterprise", credit_code=code)
    assert load_events(say=lambda _: None) == len(DEMO_EVENTS) == Event.objects.count()
    assert load_events(say=lambda _: None) == 0  # idempotent
    held = Event.objects.filter(status="held").order_by("starts_at")
    assert held.count() == 2 and all(e.starts_at < timezone.now() for e in held)
    for e in held:
        schedule = e.schedules.get()
        _check_rules(schedule, e)
        assert schedule.status == "optimal" and schedule.meetings.count() > 5
        assert e.registrations.filter(checked_in_at__isnull=False).count() > 10
        assert not e.meeting_requests.filter(status="pending").exists()
    upcoming = Event.objects.get(status="open")
    statuses = Counter(upcoming.registrations.values_list("status", flat=True))
    assert statuses["registered"] == upcoming.capacity and statuses["waitlisted"] == 3
    assert statuses["cancelled"] == 1  # and the first on the wait list took the seat
    client = Client()
    client.force_login(officer)
    page = client.get(f"/events/{upcoming.pk}/").content.decode()
    assert 'id="schedule-affected"' in page and 'id="reschedule-form"' in page


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_no_raw_codes_on_the_event_pages(officer, busy_event, client, lang):
    from tests.web.test_words_on_pages import RAW, visible_text

    event, people, _requests = busy_event
    schedule_make(actor=officer, event=event)
    registration_cancel(actor=officer, registration=people["初创丁"])
    schedule_remake(actor=officer, event=event)
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    codes = re.compile(
        r"(?<![\w.-])(home_firm|waitlisted|roadshow|feasible|registration\.\w+)(?![\w-])"
    )
    pages = ["/events/", f"/events/{event.pk}/", f"/events/{event.pk}/schedule/print/"]
    pages += [f"/events/registrations/{r.pk}/" for r in people.values()]
    pages += [f"/events/checkin/{people['本地己'].token}/", f"/events/{event.pk}/edit/"]
    found = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        found += [(url, m.group(0)) for m in (*RAW.finditer(text), *codes.finditer(text))]
    assert found == []
    if lang == "en":
        text = visible_text(client.get(f"/events/{event.pk}/").content.decode())
        assert "Home firm" in text and "Meetings rescheduled" in text  # labels, not codes
