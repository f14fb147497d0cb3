"""The enclave centre in a real browser: a resident firm books a room that needs approval,
the enclave operator approves it, the front desk checks the firm in, and the utilisation
report counts the room's hours (beside last week's booking that was attended and the one
that was not)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from feidi.demo import LOCAL_REGION
from feidi_web.accounts.models import Role
from feidi_web.enterprises.models import Enterprise
from feidi_web.space.models import Booking, BookingStatus, Resource
from tests.e2e.conftest import login
from tests.web.conftest import make_user

pytestmark = pytest.mark.e2e

ROOM = "路演厅 B（测试）"


def _next_quarter(now: datetime) -> datetime:
    """The quarter hour after the next one: check-in opens 30 minutes before a start."""
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    return local + timedelta(minutes=15 - local.minute % 15 + 15 if local.minute % 15 else 15)


def test_book_approve_check_in_and_count(new_page, staff, city):
    firm = Enterprise.objects.filter(credit_code__isnull=False).order_by("credit_code").first()
    make_user("firm", Role.ENTERPRISE, enterprise=firm)
    make_user("operator", Role.ENCLAVE_OPERATOR, division=LOCAL_REGION)
    # open round the clock, so the test runs at any hour of the day
    room = Resource.objects.create(
        name=ROOM,
        kind="meeting_room",
        jurisdiction_code=LOCAL_REGION,
        capacity=12,
        open_days="1234567",
        opens_minute=0,
        closes_minute=24 * 60,
        longest_minutes=240,
        needs_approval=True,
    )
    # last week: one booking attended, one not (a no-show)
    week_ago = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    week_ago -= timedelta(days=7)
    for hours, checked in ((0, True), (2, False)):
        start = week_ago + timedelta(hours=hours)
        Booking.objects.create(
            resource=room,
            booked_by=staff,
            party=firm,
            start=start,
            end=start + timedelta(hours=1),
            status=BookingStatus.CONFIRMED,
            checked_in_at=start if checked else None,
        )

    # --- the firm books the next free quarter hour for an hour
    start = _next_quarter(timezone.now())
    end = start + timedelta(hours=1)
    mine = new_page()
    login(mine, "firm", next_url=f"/space/resources/{room.pk}/book/")
    mine.fill("#id_day", start.date().isoformat())
    mine.select_option("#id_start", start.strftime("%H:%M"))
    same_day = end.date() == start.date()
    mine.select_option("#id_end", end.strftime("%H:%M") if same_day else "24:00")
    mine.fill("#id_title", "新品路演")
    mine.click("#booking-form button[type=submit]")
    expect(mine).to_have_url(re.compile(r"/space/bookings/$"))
    expect(mine.locator("#bookings")).to_contain_text("待审批")
    booking = Booking.objects.get(resource=room, title="新品路演")
    assert booking.status == BookingStatus.REQUESTED

    # --- the enclave operator approves it
    desk = new_page()
    login(desk, "operator", next_url="/space/approvals/")
    row = desk.locator("#approvals tr", has_text="新品路演")
    row.locator("button[value=approve]").click()
    expect(desk.locator("#approvals")).not_to_contain_text("新品路演")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    mine.reload()
    expect(mine.locator("#bookings")).to_contain_text("已确认")

    # --- the firm arrives: the front desk checks it in
    desk.goto(f"/space/today/?day={start.date().isoformat()}")
    row = desk.locator("#front-desk tr", has_text="新品路演")
    row.locator("button.btn-success").click()
    checked = desk.locator("#front-desk tr", has_text="新品路演").locator("td").nth(4)
    expect(checked).to_have_text(re.compile(r"^\d\d:\d\d"))
    booking.refresh_from_db()
    assert booking.checked_in_at is not None and booking.checked_in_by is not None

    # --- the utilisation report: last week's no-show and this booking's hours
    desk.goto("/space/usage/")
    desk.fill("#id_since", (week_ago.date()).isoformat())
    desk.fill("#id_until", end.date().isoformat())
    desk.click("#usage-range button[type=submit]")
    expect(desk.locator("#chart-heatmap")).to_have_attribute("data-ready", "1")
    resource_row = desk.locator("#usage-no-shows tbody tr", has_text=ROOM)
    expect(resource_row).to_be_visible()
    # of last week's two confirmed bookings one was a no-show (today's has not ended)
    expect(desk.locator("#total-no-show")).to_contain_text("50")
    with desk.expect_download() as download:
        desk.click("#usage-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    for p in (mine, desk):
        assert p.js_errors == [] and p.csp_violations == []
