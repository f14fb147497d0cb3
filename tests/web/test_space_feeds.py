"""Calendar feeds and reminders of the space.

Feeds: the key in the address is made (and renewed, retiring the old one) on the calendar
page, stored only as its SHA-256 and shown once; a feed parsed back with ``icalendar`` holds
exactly the owner's bookings (a firm: its own; staff: those they made, or with ``?all=1`` the
division's), a resource's feed names only what the owner may see, and unknown, retired or
inactive keys and resources outside the owner's scope are 404.

Reminders: a confirmed booking starting within a day is told once to its booker (inbox and
email), a resident firm's term ending within 30 and then 7 days to the firm's users and the
division's enclave operators; a second run tells nobody anything.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from icalendar import Calendar
from tests.web.conftest import make_user

from feidi_web.accounts.models import Role
from feidi_web.enterprises.models import Enterprise
from feidi_web.inbox.models import Message, Topic
from feidi_web.space.feeds import feed_key_renew
from feidi_web.space.models import Booking, FeedKey, Membership, Resource
from feidi_web.space.reminders import (
    send_booking_reminders,
    send_membership_reminders,
)

pytestmark = pytest.mark.django_db

A, B = "320581", "320582"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _room(name: str, code: str = A, **kw) -> Resource:
    values = {
        "kind": "meeting_room",
        "capacity": 10,
        "opens_minute": 9 * 60,
        "closes_minute": 18 * 60,
        "longest_minutes": 480,
        "location": "三楼",
        **kw,
    }
    return Resource.objects.create(name=name, jurisdiction_code=code, **values)


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


class World:
    def __init__(self) -> None:
        self.firm_a = Enterprise.objects.create(
            name="常熟甲精密机械有限公司", region_code=A, jurisdiction_code=A
        )
        self.firm_a2 = Enterprise.objects.create(
            name="常熟乙电子有限公司", region_code=A, jurisdiction_code=A
        )
        self.firm_b = Enterprise.objects.create(
            name="张家港丙化工有限公司", region_code=B, jurisdiction_code=B
        )
        self.staff = make_user("staff_a", Role.COUNTY_STAFF, division=A)
        self.operator = make_user("operator_a", Role.ENCLAVE_OPERATOR, division=A)
        self.operator_b = make_user("operator_b", Role.ENCLAVE_OPERATOR, division=B)
        self.staff_b = make_user("staff_b", Role.COUNTY_STAFF, division=B)
        self.user_a = make_user("firm_a", Role.ENTERPRISE, enterprise=self.firm_a)
        self.user_a2 = make_user("firm_a2", Role.ENTERPRISE, enterprise=self.firm_a2)
        self.user_b = make_user("firm_b", Role.ENTERPRISE, enterprise=self.firm_b)
        for u in (self.staff, self.operator, self.operator_b, self.user_a, self.user_a2):
            u.email = f"{u.username}@example.cn"
            u.save()
        self.room = _room("路演厅")
        self.room_b = _room("张家港会议室", B)
        now = timezone.now()
        self.mine = self._book(self.room, self.user_a, self.firm_a, 3, 10, "confirmed", "客户来访")
        self.theirs = self._book(
            self.room, self.user_a2, self.firm_a2, 3, 14, "confirmed", "秘密项目"
        )
        self.staff_own = self._book(self.room, self.staff, None, 4, 9, "requested", "内部培训")
        self.cancelled = self._book(
            self.room, self.user_a, self.firm_a, 5, 9, "cancelled", "取消的"
        )
        self.cancelled.cancelled_at = now - timedelta(days=1)
        self.cancelled.save()
        self.long_gone = self._book(
            self.room, self.user_a, self.firm_a, 6, 9, "cancelled", "早取消"
        )
        self.long_gone.cancelled_at = now - timedelta(days=30)
        self.long_gone.save()
        self.operators = self._book(self.room, self.operator, None, 7, 9, "confirmed", "路演")
        self.in_b = self._book(self.room_b, self.user_b, self.firm_b, 3, 10, "confirmed", "B")

    @staticmethod
    def _book(resource, user, party, days, hour, status, title) -> Booking:
        return Booking.objects.create(
            resource=resource,
            booked_by=user,
            party=party,
            start=_at(days, hour),
            end=_at(days, hour + 1),
            status=status,
            title=title,
            price=Decimal(60),
        )


@pytest.fixture
def world() -> World:
    return World()


def _events(response) -> dict[str, dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.content)
    return {
        str(e["UID"]): {
            "summary": str(e["SUMMARY"]),
            "status": str(e["STATUS"]),
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND"),
            "location": str(e["LOCATION"]),
            "description": str(e.get("DESCRIPTION", "")),
        }
        for e in cal.walk("VEVENT")
    }


def uid(b: Booking) -> str:
    return f"booking-{b.pk}@feidi"


def _feed(key: str, tail: str = "mine.ics", **query):
    return Client().get(f"/space/feed/{key}/{tail}", query)


# --- the key --------------------------------------------------------------------------------


def test_calendar_page_shows_the_address_once_and_stores_only_a_digest(world):
    c = Client()
    c.force_login(world.user_a)
    c.cookies["django_language"] = "en"
    assert "feed-none" in c.get("/space/calendar/").content.decode()
    page = c.post("/space/calendar/", {"action": "renew"}).content.decode()
    found = re.search(r"/space/feed/([A-Za-z0-9_-]+)/mine\.ics", page)
    assert found
    key = found.group(1)
    stored = FeedKey.objects.get(user=world.user_a)
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest() and key not in stored.digest
    assert f"/space/feed/{key}/resources/{world.room.pk}.ics" in page
    assert f"resources/{world.room_b.pk}.ics" not in page  # outside the firm's county
    again = c.get("/space/calendar/").content.decode()
    assert key not in again and "feed-active" in again
    assert _feed(key).status_code == 200


def test_renewing_retires_the_old_address_and_stop_ends_it(world):
    old = feed_key_renew(world.user_a)
    new = feed_key_renew(world.user_a)
    assert _feed(old).status_code == 404
    assert _feed(new).status_code == 200
    c = Client()
    c.force_login(world.user_a)
    c.post("/space/calendar/", {"action": "stop"})
    assert _feed(new).status_code == 404


def test_unknown_key_and_inactive_owner_are_not_found(world):
    assert _feed("no-such-key").status_code == 404
    assert _feed("x" * 500).status_code == 404
    key = feed_key_renew(world.user_a)
    world.user_a.is_active = False
    world.user_a.save()
    assert _feed(key).status_code == 404
    assert _feed(key, f"resources/{world.room.pk}.ics").status_code == 404


def test_feed_takes_no_post(world):
    key = feed_key_renew(world.user_a)
    assert Client().post(f"/space/feed/{key}/mine.ics").status_code == 405


# --- what a feed holds -----------------------------------------------------------------------


def test_firm_feed_holds_its_firms_bookings(world):
    events = _events(_feed(feed_key_renew(world.user_a)))
    assert set(events) == {uid(world.mine), uid(world.cancelled)}  # not the long-gone one
    mine = events[uid(world.mine)]
    assert mine["summary"] == "路演厅 · 客户来访"
    assert mine["status"] == "CONFIRMED"
    assert mine["start"] == world.mine.start.astimezone(UTC)
    assert mine["end"] == world.mine.end.astimezone(UTC)
    assert mine["location"] == "路演厅 · 三楼"
    assert "常熟甲精密机械有限公司" in mine["description"]
    assert events[uid(world.cancelled)]["status"] == "CANCELLED"


def test_another_users_key_does_not_read_ours(world):
    events = _events(_feed(feed_key_renew(world.user_a2)))
    assert set(events) == {uid(world.theirs)}
    assert uid(world.mine) not in events


def test_resource_feed_hides_other_firms(world):
    response = _feed(feed_key_renew(world.user_a), f"resources/{world.room.pk}.ics")
    events = _events(response)
    assert set(events) == {
        uid(world.mine),
        uid(world.theirs),
        uid(world.staff_own),
        uid(world.cancelled),
        uid(world.operators),
    }
    assert events[uid(world.mine)]["summary"] == "路演厅 · 客户来访"
    with translation.override("zh-hans"):  # the owner's language (the site's)
        booked = f"路演厅 · {gettext('Booked')}"
    assert events[uid(world.theirs)]["summary"] == booked
    assert events[uid(world.staff_own)]["summary"] == booked
    assert events[uid(world.staff_own)]["status"] == "TENTATIVE"
    body = response.content.decode()
    for secret in ("秘密项目", "常熟乙电子有限公司", "内部培训", "staff_a"):
        assert secret not in body


def test_resource_outside_the_owners_scope_is_not_found(world):
    firm_key = feed_key_renew(world.user_a)
    assert _feed(firm_key, f"resources/{world.room_b.pk}.ics").status_code == 404
    assert _feed(firm_key, "resources/999999.ics").status_code == 404
    b_key = feed_key_renew(world.staff_b)
    assert _feed(b_key, f"resources/{world.room.pk}.ics").status_code == 404
    assert set(_events(_feed(b_key, f"resources/{world.room_b.pk}.ics"))) == {uid(world.in_b)}


def test_staff_feed_their_own_or_the_division(world):
    key = feed_key_renew(world.staff)
    assert set(_events(_feed(key))) == {uid(world.staff_own)}
    everything = _events(_feed(key, all="1"))
    assert set(everything) == {
        uid(world.mine),
        uid(world.theirs),
        uid(world.staff_own),
        uid(world.cancelled),
        uid(world.operators),
    }
    assert everything[uid(world.theirs)]["summary"] == "路演厅 · 秘密项目"
    # a firm user's ?all=1 changes nothing
    assert set(_events(_feed(feed_key_renew(world.user_a), all="1"))) == {
        uid(world.mine),
        uid(world.cancelled),
    }


def test_uid_is_stable_across_renewals(world):
    first = _events(_feed(feed_key_renew(world.user_a)))
    Booking.objects.filter(pk=world.mine.pk).update(title="客户来访（改）", version=2)
    second = _events(_feed(feed_key_renew(world.user_a)))
    assert set(first) == set(second)
    assert second[uid(world.mine)]["summary"] == "路演厅 · 客户来访（改）"


# --- reminders -------------------------------------------------------------------------------


def _booking(world, user, party, start, status="confirmed") -> Booking:
    return Booking.objects.create(
        resource=world.room,
        booked_by=user,
        party=party,
        start=start,
        end=start + timedelta(hours=1),
        status=status,
    )


def test_booking_reminders_told_once_to_the_booker(world):
    now = timezone.now().replace(microsecond=0)
    soon = _booking(world, world.user_a, world.firm_a, now + timedelta(hours=2))
    _booking(world, world.user_a, world.firm_a, now + timedelta(hours=30))  # not yet
    _booking(world, world.user_a, world.firm_a, now + timedelta(hours=3), "cancelled")
    _booking(world, world.user_a, world.firm_a, now + timedelta(hours=4), "requested")
    _booking(world, world.user_a, world.firm_a, now - timedelta(hours=1))  # begun
    Message.objects.all().delete()
    mail.outbox.clear()

    assert send_booking_reminders(now) == 1
    message = Message.objects.get()
    assert message.recipient == world.user_a
    assert message.topic == Topic.BOOKING_REMINDER
    assert message.key == f"booking:{soon.pk}:24h"
    assert message.link == "/space/bookings/"
    assert "路演厅" in message.subject and message.emailed_at is not None
    assert [m.to for m in mail.outbox] == [["firm_a@example.cn"]]

    assert send_booking_reminders(now) == 0  # a second run tells nobody
    assert send_booking_reminders(now + timedelta(minutes=30)) == 0
    assert Message.objects.count() == 1 and len(mail.outbox) == 1
    assert not Message.objects.filter(recipient=world.user_a2).exists()


def test_reminder_language_is_the_accounts_or_the_sites(world):
    """No language preference on the account: the site's (zh-hans); one kept: that one."""
    assert world.user_a.reading_language == "zh-hans"
    world.user_a.language = "en"  # chosen with the navigation's language buttons
    assert world.user_a.reading_language == "en"
    world.user_a.language = "fr"  # not a language of the site
    assert world.user_a.reading_language == "zh-hans"


def _membership(world, party, ends_on, status="active", code=A) -> Membership:
    return Membership.objects.create(
        party=party,
        jurisdiction_code=code,
        kind="desk",
        starts_on=ends_on - timedelta(days=365),
        ends_on=ends_on,
        status=status,
        created_by=world.operator,
    )


def test_membership_reminders_at_30_and_7_days(world):
    today = date(2026, 7, 1)
    ending = _membership(world, world.firm_a, today + timedelta(days=20))
    soon = _membership(world, world.firm_a2, today + timedelta(days=5))
    _membership(world, world.firm_b, today + timedelta(days=40), code=B)  # later
    over = _membership(world, world.firm_b, today + timedelta(days=10), status="ended", code=B)
    mail.outbox.clear()

    written = send_membership_reminders(today)
    got = sorted((m.recipient.username, m.key) for m in Message.objects.all())
    assert got == [
        ("firm_a", f"membership:{ending.pk}:30d"),
        ("firm_a2", f"membership:{soon.pk}:7d"),  # found within 7 days: only the 7-day one
        ("operator_a", f"membership:{ending.pk}:30d"),
        ("operator_a", f"membership:{soon.pk}:7d"),
    ]
    assert written == 4 and len(mail.outbox) == 4
    assert not Message.objects.filter(key__contains=f":{over.pk}:").exists()
    # county staff, the other county's operator and firm, and other firms hear nothing
    assert not Message.objects.filter(
        recipient__in=[world.staff, world.operator_b, world.user_b]
    ).exists()
    assert all(m.topic == Topic.MEMBERSHIP_RENEWAL for m in Message.objects.all())

    assert send_membership_reminders(today) == 0  # the same day again: nothing
    # two weeks on, the first term is within 7 days: told again, once; county B's term is
    # now within 30 days: its firm and its own operator are told
    assert send_membership_reminders(today + timedelta(days=14)) == 4
    assert sorted(
        Message.objects.exclude(
            key__in=[f"membership:{soon.pk}:7d", f"membership:{ending.pk}:30d"]
        ).values_list("recipient__username", flat=True)
    ) == ["firm_a", "firm_b", "operator_a", "operator_b"]
    assert send_membership_reminders(today + timedelta(days=15)) == 0
    assert Message.objects.filter(key=f"membership:{ending.pk}:7d").count() == 2


def test_command_runs_both_and_prints_counts(world):
    now = timezone.now().replace(microsecond=0)
    _booking(world, world.user_a, world.firm_a, now + timedelta(hours=5))
    _membership(world, world.firm_a, timezone.localdate(now) + timedelta(days=25))
    out = io.StringIO()
    call_command("space_reminders", "--now", now.isoformat(), stdout=out)
    assert out.getvalue().strip() == "booking reminders: 1; membership reminders: 2"
    out = io.StringIO()
    call_command("space_reminders", "--now", now.isoformat(), stdout=out)
    assert out.getvalue().strip() == "booking reminders: 0; membership reminders: 0"
    with pytest.raises(CommandError, match="--now"):
        call_command("space_reminders", "--now", "yesterday")
