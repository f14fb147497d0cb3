"""Utilisation of the space: the figures hand-checked on a small fixture (occupancy by
resource × hour, busiest slots, no-shows, check-ins, takings, churn per month), the page for
staff only (403 firm users, another division sees none of it), the range checked and capped,
and the Excel and PDF holding the same numbers."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone, translation
from tests.web.conftest import make_user

from feidi_web.accounts.models import Role
from feidi_web.enterprises.models import Enterprise
from feidi_web.space.models import Booking, Membership, Resource
from feidi_web.space.usage import MAX_DAYS, default_range, usage_for

pytestmark = pytest.mark.django_db

A, B = "320581", "320582"
#: two full weeks, Monday 1 June to Sunday 14 June 2026
SINCE, UNTIL = date(2026, 6, 1), date(2026, 6, 14)
NOW = timezone.make_aware(datetime.combine(date(2026, 7, 1), time(12)))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _room(name: str, code: str = A) -> Resource:
    return Resource.objects.create(
        name=name,
        kind="meeting_room",
        jurisdiction_code=code,
        capacity=10,
        opens_minute=9 * 60,
        closes_minute=18 * 60,
        longest_minutes=480,
    )


class World:
    def __init__(self) -> None:
        self.staff = make_user("staff_a", Role.COUNTY_STAFF, division=A)
        self.operator = make_user("operator_a", Role.ENCLAVE_OPERATOR, division=A)
        self.staff_b = make_user("staff_b", Role.COUNTY_STAFF, division=B)
        self.firm = Enterprise.objects.create(
            name="常熟甲精密机械有限公司", region_code=A, jurisdiction_code=A
        )
        self.firm_user = make_user("firm_a", Role.ENTERPRISE, enterprise=self.firm)
        self.room = _room("路演厅")
        self.room_b = _room("张家港会议室", B)
        day = SINCE
        self.bookings = [
            # Mon 1 June 09–11, checked in
            self._book(at(day, 9), at(day, 11), "confirmed", 100, checked=True),
            # Tue 10:00–10:30, never came: a no-show
            self._book(at(day + timedelta(1), 10), at(day + timedelta(1), 10, 30), "confirmed", 25),
            # Wed: cancelled, counts for nothing
            self._book(at(day + timedelta(2), 14), at(day + timedelta(2), 16), "cancelled", 80),
            # Thu: never approved, counts for nothing
            self._book(at(day + timedelta(3), 9), at(day + timedelta(3), 10), "requested", 40),
            # Mon 8 June 09–10, checked in
            self._book(
                at(day + timedelta(7), 9), at(day + timedelta(7), 10), "confirmed", 50, checked=True
            ),
            # Fri 12 June 17–18, checked in
            self._book(
                at(day + timedelta(11), 17),
                at(day + timedelta(11), 18),
                "confirmed",
                30,
                checked=True,
            ),
            # the Friday before the range: outside it
            self._book(at(day - timedelta(3), 9), at(day - timedelta(3), 12), "confirmed", 999),
        ]
        # county B's room, fully booked on Monday: never in A's figures
        Booking.objects.create(
            resource=self.room_b,
            booked_by=self.staff_b,
            start=at(day, 9),
            end=at(day, 18),
            status="confirmed",
            price=Decimal(500),
        )

    def _book(self, start, end, status, price, *, checked: bool = False) -> Booking:
        return Booking.objects.create(
            resource=self.room,
            booked_by=self.staff,
            start=start,
            end=end,
            status=status,
            price=Decimal(price),
            checked_in_at=start if checked else None,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_occupancy_by_hour_is_booked_over_open_minutes(world):
    u = usage_for(world.staff, SINCE, UNTIL, now=NOW)
    assert [r.name for r in u.resources] == ["路演厅"]
    room = u.resources[0]
    # ten open weekdays × 60 minutes per hour of day = 600 open minutes each
    assert room.hours[9] == 20.0  # 60 + 60 of 600
    assert room.hours[10] == 15.0  # 60 + 30 of 600
    assert room.hours[11] == 0.0
    assert room.hours[17] == 10.0
    assert room.hours[8] is None and room.hours[18] is None  # closed: no figure, not 0
    assert room.open_hours == 90.0
    assert room.booked_hours == 4.5
    assert room.occupancy == 5.0
    assert u.hours == list(range(9, 18))


def test_no_shows_check_ins_and_takings(world):
    u = usage_for(world.staff, SINCE, UNTIL, now=NOW)
    room = u.resources[0]
    assert (room.past, room.no_shows, room.checked_in) == (4, 1, 3)
    assert room.no_show_rate == 25.0 and room.check_in_rate == 75.0
    assert room.revenue == Decimal(205)  # 100 + 25 + 50 + 30: confirmed only, in range
    assert (u.past, u.no_shows, u.no_show_rate, u.revenue) == (4, 1, 25.0, Decimal(205))


def test_a_booking_not_over_yet_is_no_no_show(world):
    """Seen on the Tuesday at 10:15, the 10:00–10:30 booking is still running."""
    u = usage_for(world.staff, SINCE, UNTIL, now=at(SINCE + timedelta(1), 10, 15))
    assert (u.past, u.no_shows) == (1, 0)


def test_busiest_slots_ranked(world):
    u = usage_for(world.staff, SINCE, UNTIL, now=NOW)
    top = [(s.weekday, s.hour, s.occupancy, s.booked_hours) for s in u.busiest]
    # two Mondays × 60 minutes open at 09:00, both fully booked
    assert top == [(1, 9, 100.0, 2.0), (1, 10, 50.0, 1.0), (5, 17, 50.0, 1.0), (2, 10, 25.0, 0.5)]
    assert u.busiest[0].weekday_text == "Monday"


def test_a_booking_across_the_range_edge_counts_inside_only(world):
    Booking.objects.create(
        resource=world.room,
        booked_by=world.staff,
        start=at(UNTIL + timedelta(1), 9),  # Monday 15 June, after the range
        end=at(UNTIL + timedelta(1), 12),
        status="confirmed",
    )
    u = usage_for(world.staff, SINCE, UNTIL + timedelta(1), now=NOW)
    # eleven open days now; Monday 15 June adds 60 minutes to 09, 10 and 11
    assert u.resources[0].hours[9] == round(100 * 180 / 660, 1)
    assert u.resources[0].hours[11] == round(100 * 60 / 660, 1)


def test_another_division_sees_only_its_own(world):
    u = usage_for(world.staff_b, SINCE, UNTIL, now=NOW)
    assert [r.name for r in u.resources] == ["张家港会议室"]
    assert u.resources[0].hours[9] == 10.0  # one Monday of ten open days
    assert u.revenue == Decimal(500)


def test_firm_users_may_not_read_the_figures(world):
    with pytest.raises(PermissionDenied):
        usage_for(world.firm_user, SINCE, UNTIL)


def _member(party, start, end, status, *, code=A, renewal_of=None, ended_at=None, by=None):
    return Membership.objects.create(
        party=party,
        jurisdiction_code=code,
        kind="desk",
        starts_on=start,
        ends_on=end,
        status=status,
        renewal_of=renewal_of,
        ended_at=ended_at,
        created_by=by,
    )


def test_churn_by_month(world):
    firms = [
        Enterprise.objects.create(name=f"入驻企业{i}", region_code=A, jurisdiction_code=A)
        for i in range(5)
    ]
    by = world.operator
    m1 = _member(firms[0], date(2026, 1, 1), date(2026, 5, 31), "renewed", by=by)
    _member(firms[0], date(2026, 6, 1), date(2026, 12, 31), "active", renewal_of=m1, by=by)
    _member(firms[1], date(2026, 2, 1), date(2026, 6, 15), "ended", by=by)
    _member(firms[2], date(2026, 5, 10), date(2026, 11, 30), "active", by=by)
    _member(
        firms[3],
        date(2026, 3, 1),
        date(2026, 9, 30),
        "cancelled",
        ended_at=at(date(2026, 6, 20), 10),
        by=by,
    )
    _member(firms[4], date(2026, 1, 1), date(2026, 5, 20), "ended", code=B, by=by)

    u = usage_for(world.staff, date(2026, 5, 1), date(2026, 6, 30), now=NOW)
    got = [
        (m.month_text, m.active_at_start, m.new, m.ended, m.renewed, m.churn_rate) for m in u.churn
    ]
    assert got == [
        # May: three terms running on the 1st; one new firm; one term renewed, none lost
        ("2026-05", 3, 1, 0, 1, 0.0),
        # June: the renewal starting on the 1st is running, not new; two ended without renewal
        ("2026-06", 4, 0, 2, 0, 50.0),
    ]
    # county B's staff see their own member's end only
    b = usage_for(world.staff_b, date(2026, 5, 1), date(2026, 5, 31), now=NOW)
    assert [(m.active_at_start, m.ended, m.churn_rate) for m in b.churn] == [(1, 1, 100.0)]


def test_default_range_is_the_last_eight_full_weeks():
    since, until = default_range(date(2026, 7, 1))  # a Wednesday
    assert since == date(2026, 5, 4) and until == date(2026, 6, 28)
    assert since.isoweekday() == 1 and until.isoweekday() == 7 and (until - since).days == 55


# --- the page and its exports -------------------------------------------------------------


def _client(user, language: str = "en") -> Client:
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = language  # what the language switch sets
    return c


RANGE = {"since": "2026-06-01", "until": "2026-06-14"}


def test_page_shows_the_figures_to_staff(world):
    response = _client(world.staff).get("/space/usage/", RANGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="usage-data"' in page and "space/usage.js" in page
    assert "路演厅" in page and "张家港会议室" not in page
    assert "usage.xlsx?since=2026-06-01&amp;until=2026-06-14" in page
    chart = response.context["chart"]
    assert chart["resources"] == ["路演厅"]
    assert chart["hours"][0] == "09:00" and len(chart["hours"]) == 9
    assert [0, 0, 20.0] in chart["cells"]  # 09:00, the room, 20 %


def test_page_default_range_and_tab(world):
    response = _client(world.operator).get("/space/usage/")
    assert response.status_code == 200
    assert response.context["u"].days == 56
    assert 'href="/space/usage/"' in response.content.decode()  # the Utilisation tab


def test_firm_user_is_refused_the_page_and_exports(world):
    c = _client(world.firm_user)
    for path in ("/space/usage/", "/space/usage.xlsx", "/space/usage.pdf"):
        assert c.get(path, RANGE).status_code == 403


def test_other_division_page_is_empty_of_ours(world):
    page = _client(world.staff_b).get("/space/usage/", RANGE).content.decode()
    assert "路演厅" not in page and "张家港会议室" in page


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"since": "2026-06-14", "until": "2026-06-01"}, "until", "must not come before"),
        ({"since": "2025-01-01", "until": "2026-06-01"}, "until", f"{MAX_DAYS} days at most"),
        ({"since": "2026-13-01", "until": "2026-06-01"}, "since", "valid date"),
    ],
)
def test_bad_range_is_a_clear_refusal(world, query, field, words):
    c = _client(world.staff)
    response = c.get("/space/usage/", query)
    assert response.status_code == 422
    assert words in " ".join(response.context["form"].errors[field])
    for path in ("/space/usage.xlsx", "/space/usage.pdf"):
        refused = c.get(path, query)
        assert refused.status_code == 422 and words in refused.content.decode()


def test_excel_holds_the_same_numbers(world):
    response = _client(world.staff).get("/space/usage.xlsx", RANGE)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Occupancy", "Busiest times", "No-shows", "Churn"]
    occ = list(book["Occupancy"].iter_rows(values_only=True))
    assert occ[0][:5] == ("Resource", "Occupancy (%)", "Open hours", "Booked hours", "09:00")
    assert occ[1][:6] == ("路演厅", 5, 90, 4.5, 20, 15)
    busiest = list(book["Busiest times"].iter_rows(values_only=True))
    assert busiest[1] == ("Monday", "09:00–10:00", 100, 2)
    shows = list(book["No-shows"].iter_rows(values_only=True))
    assert shows[1] == ("路演厅", 4, 1, 25, 3, 75, 205)
    churn = list(book["Churn"].iter_rows(values_only=True))
    assert churn[1] == ("2026-06", 0, 0, 0, 0, None)


def test_excel_speaks_the_readers_language(world):
    response = _client(world.staff, "zh-hans").get("/space/usage.xlsx", RANGE)
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header[0] == "资源"


def test_pdf_is_a_pdf(world):
    response = _client(world.staff).get("/space/usage.pdf", RANGE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 10_000
