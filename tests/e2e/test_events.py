"""An enclave event in a real browser: a home firm registers and asks for a meeting, a broker
checks it in on a phone by its QR code's link, the schedule is made and printed, a
participant cancels, and the rescheduling says how many meetings moved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from feidi_web.accounts.models import Role
from feidi_web.enterprises.services import party_register
from feidi_web.events.models import Event, Meeting, Registration, Schedule
from feidi_web.events.services import (
    event_create,
    meeting_request_answer,
    meeting_request_create,
    registration_create,
)
from feidi_web.pipeline.services import NewCounterpart
from tests.e2e.conftest import login
from tests.web.conftest import make_user

pytestmark = pytest.mark.e2e

A = "320581"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def event_day(transactional_db):
    """A capital matchmaking event of county A with an investor and two start-ups already
    registered and their meeting requests accepted; a home firm with a log-in."""
    officer = make_user("officer", Role.INVESTMENT_OFFICER, division=A)
    firm = party_register(actor=officer, name="常熟某精密机械有限公司", kind="enterprise")
    make_user("firm", Role.ENTERPRISE, enterprise=firm)
    start = timezone.now() + timedelta(days=5)
    event = event_create(
        actor=officer,
        title="智能制造专场资本对接会",
        kind="capital",
        place="常熟（北京）创新中心",
        starts_at=start,
        slots=3,
        slot_minutes=15,
        first_slot_at=start + timedelta(hours=1),
        tables=1,
        capacity=10,
    )
    people = {
        name: registration_create(
            actor=officer,
            event=event,
            person=name,
            contact="010-8888",
            role=role,
            new_party=NewCounterpart(name=party, kind=""),
        )
        for name, party, role in (
            ("投资人甲", "北京某创投基金", "investor"),
            ("创始人乙", "北京某视觉初创", "startup"),
            ("创始人丙", "北京某材料初创", "startup"),
        )
    }
    for a, b, priority in (
        ("投资人甲", "创始人乙", 5),
        ("投资人甲", "创始人丙", 4),
        ("创始人乙", "创始人丙", 2),
    ):
        q = meeting_request_create(
            actor=officer, requester=people[a], invitee=people[b], priority=priority
        )
        meeting_request_answer(actor=officer, request=q, accept=True)
    return event, people


def test_an_event_from_registration_and_check_in_to_a_printed_schedule_and_a_rescheduling(
    browser, new_page, live_server, event_day
):
    event, people = event_day
    investor = people["投资人甲"]

    # 1. the home firm registers in the portal and asks the investor for a meeting
    firm = new_page()
    login(firm, "firm", next_url=f"/events/{event.pk}/")
    firm.fill("#register-form input[name=person]", "王工")
    firm.fill("#register-form input[name=contact]", "139 0000 1234")
    firm.select_option("#register-form select[name=role]", "home_firm")
    with firm.expect_navigation():
        firm.click("#register-form button[type=submit]")
    expect(firm.locator("#registration-status")).to_have_class(
        "badge registration-status-registered fs-6"
    )
    expect(firm.locator("#checkin-qr svg")).to_be_visible()
    link = firm.locator("#checkin-link").get_attribute("href")
    mine = Registration.objects.get(person="王工")
    assert link == f"{live_server.url}/events/checkin/{mine.token}/"
    firm.select_option("#request-form select[name=invitee]", str(investor.pk))
    firm.select_option("#request-form select[name=priority]", "4")
    with firm.expect_navigation():
        firm.click("#request-form button[type=submit]")
    expect(firm.locator("#requests-made tr.request-pending")).to_have_count(1)

    # 2. at the door: a broker's phone opens the QR code's link
    phone_context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=3,
    )
    try:
        phone = phone_context.new_page()
        login(phone, "officer", next_url=link.removeprefix(live_server.url))
        expect(phone.locator("#checkin-person")).to_have_text("王工")
        expect(phone.locator("#checkin-party")).to_have_text("常熟某精密机械有限公司")
        with phone.expect_navigation():
            phone.locator("#checkin-form button").tap()
        expect(phone.locator("#checkin-done")).to_be_visible()
        width = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width  # nothing wider than the phone
        phone.goto(link)  # scanned a second time
        when = timezone.localtime(Registration.objects.get(pk=mine.pk).checked_in_at)
        expect(phone.locator("#checkin-already")).to_contain_text(when.strftime("%Y-%m-%d %H:%M"))
        expect(phone.locator("#checkin-form")).to_have_count(0)
    finally:
        phone_context.close()

    # 3. the broker answers for the investor, makes the schedule and prints it
    office = new_page()
    login(office, "officer", next_url=f"/events/registrations/{investor.pk}/")
    row = office.locator("#requests-received tr.request-pending")
    with office.expect_navigation():
        row.locator(".answer-form button").click()
    office.goto(f"/events/{event.pk}/")
    with office.expect_navigation():
        office.click("#schedule-form button")
    schedule = Schedule.objects.get(event=event)
    n = Meeting.objects.filter(schedule=schedule).count()
    assert n == 3  # three slots, one table: three of the four accepted requests
    expect(office.locator("#schedule-objective")).to_have_text(f"{schedule.objective:.0f}")
    with office.expect_navigation():
        office.click("#schedule-print")
    expect(office.locator("#schedule-grid .meeting")).to_have_count(n)
    expect(office.locator("#schedule-people tr[data-request]")).to_have_count(2 * n)
    for m in schedule.meetings.all():
        cell = office.locator(f'#schedule-grid .meeting[data-request="{m.request_id}"]')
        expect(cell).to_have_attribute("data-slot", str(m.slot))

    # 4. a start-up withdraws; the rescheduling says how many meetings moved
    office.goto(f"/events/registrations/{people['创始人乙'].pk}/")
    with office.expect_navigation():
        office.click("#cancel-form button")
    office.goto(f"/events/{event.pk}/")
    expect(office.locator("#schedule-affected")).to_be_visible()
    with office.expect_navigation():
        office.click("#reschedule-form button")
    after = Schedule.objects.filter(event=event).order_by("-made_at", "-id").first()
    assert after is not None and after.previous == schedule and after.cancelled
    expect(office.locator("#reschedule-moved")).to_have_text(str(len(after.moved)))
    expect(office.locator("#reschedule-kept")).to_have_text(str(len(after.kept)))
    expect(office.locator("#schedule-affected")).to_have_count(0)
    assert Event.objects.get(pk=event.pk).status == "open"
    assert office.js_errors == [] and office.csp_violations == []  # type: ignore[attr-defined]
