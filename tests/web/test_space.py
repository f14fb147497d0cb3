"""The enclave's space: what a booking must satisfy, who may book what, the database's
refusal of overlaps (on either backend), approvals, cancellation, recurring bookings, the
API's 201/409/422/403/404 and the pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test import Client
from django.utils import timezone, translation
from tests.web.conftest import make_user

from feidi_web.accounts.models import ApiToken, Role, User
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.space.models import Booking, BookingSlot, BookingStatus, Resource
from feidi_web.space.permissions import resource_get_for_user
from feidi_web.space.services import (
    BookingTaken,
    SeriesClash,
    booking_cancel,
    booking_create,
    booking_create_series,
    booking_decide,
)

A, B = "320581", "320582"


def _monday() -> date:
    """The next Monday, 1 to 7 days ahead."""
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0))) + timedelta(
        hours=hour, minutes=minute
    )


def _resource(name: str = "会议室 常熟厅", code: str = A, **kw) -> Resource:
    values = {
        "kind": "meeting_room",
        "capacity": 12,
        "opens_minute": 9 * 60,
        "closes_minute": 18 * 60,
        "longest_minutes": 240,
        **kw,
    }
    return Resource.objects.create(name=name, jurisdiction_code=code, **values)


def _firm(name: str, code: str = A) -> Enterprise:
    return Enterprise.objects.create(name=name, region_code=code, jurisdiction_code=code)


class People:
    def __init__(self) -> None:
        self.firm_a = _firm("常熟甲精密机械有限公司")
        self.firm_a2 = _firm("常熟乙电子有限公司")
        self.firm_b = _firm("张家港丙化工有限公司", B)
        self.staff = make_user("staff_a", Role.COUNTY_STAFF, division=A)
        self.operator = make_user("operator_a", Role.ENCLAVE_OPERATOR, division=A)
        self.staff_b = make_user("staff_b", Role.COUNTY_STAFF, division=B)
        self.user_a = make_user("firm_a", Role.ENTERPRISE, enterprise=self.firm_a)
        self.user_a2 = make_user("firm_a2", Role.ENTERPRISE, enterprise=self.firm_a2)
        self.user_b = make_user("firm_b", Role.ENTERPRISE, enterprise=self.firm_b)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(db) -> People:
    return People()


@pytest.fixture
def room(db) -> Resource:
    return _resource()


# --- what a booking must satisfy -------------------------------------------------------------


def test_a_booking_is_confirmed_priced_and_audited(people, room):
    office = _resource("快捷办公室 1", kind="quick_office", hourly_price=Decimal("30"))
    day = _monday()
    free = booking_create(
        actor=people.user_a, resource=room, start=at(day, 10), end=at(day, 11, 30), title="洽谈"
    )
    paid = booking_create(
        actor=people.user_a, resource=office, start=at(day, 9), end=at(day, 10, 30)
    )
    assert (free.status, free.price, free.party_id) == (
        "confirmed",
        Decimal("0.00"),
        people.firm_a.pk,
    )
    assert paid.price == Decimal("45.00")  # 1.5 h × ¥30
    entry = AuditEntry.objects.get(subject=f"booking:{free.pk}")
    assert (entry.action, entry.actor_id, entry.new_value["status"]) == (
        "booking.create",
        people.user_a.pk,
        "confirmed",
    )
    if connection.vendor != "postgresql":  # SQLite: one slot per quarter hour held
        assert BookingSlot.objects.filter(booking=free).count() == 6


def _problems(resource: Resource, start, end) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        booking_create(
            actor=User.objects.get(username="staff_a"), resource=resource, start=start, end=end
        )
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("case", "field", "words"),
    [
        ("end before start", "end", "after the start"),
        ("off the grid", "start", "quarter hour"),
        ("in the past", "start", "passed"),
        ("beyond the horizon", "start", "90 days ahead"),
        ("longer than allowed", "end", "240 minutes at most"),
        ("before opening", "end", "open 09:00–18:00"),
        ("past closing", "end", "open 09:00–18:00"),
        ("closed day", "start", "closed on this day"),
        ("no time zone", "start", "date and a time"),
    ],
)
def test_refused_values_name_their_field(people, room, case, field, words):
    day = _monday()
    start, end = {
        "end before start": (at(day, 11), at(day, 10)),
        "off the grid": (at(day, 10, 5), at(day, 11)),
        "in the past": (at(day - timedelta(days=14), 10), at(day - timedelta(days=14), 11)),
        "beyond the horizon": (at(day + timedelta(days=91), 10), at(day + timedelta(days=91), 11)),
        "longer than allowed": (at(day, 10), at(day, 14, 15)),
        "before opening": (at(day, 8, 45), at(day, 10)),
        "past closing": (at(day, 17), at(day, 18, 15)),
        "closed day": (at(day + timedelta(days=6), 10), at(day + timedelta(days=6), 11)),
        "no time zone": (datetime.combine(day, time(10)), at(day, 11)),
    }[case]
    problems = _problems(room, start, end)
    assert any(words in m for m in problems[field]), problems
    assert not Booking.objects.exists()


def test_a_room_open_round_the_clock_takes_a_booking_until_midnight(people):
    pod = _resource("睡眠舱 1", kind="sleeping_pod", opens_minute=0, closes_minute=1440)
    day = _monday()
    made = booking_create(actor=people.staff, resource=pod, start=at(day, 22), end=at(day, 24))
    assert made.end == at(day + timedelta(days=1), 0)


# --- overlaps --------------------------------------------------------------------------------


def test_an_overlap_is_taken_and_says_only_what_the_caller_may_know(people, room):
    day = _monday()
    booking_create(actor=people.user_a, resource=room, start=at(day, 10), end=at(day, 11))
    with pytest.raises(BookingTaken) as other_firm:
        booking_create(
            actor=people.user_a2, resource=room, start=at(day, 10, 30), end=at(day, 11, 30)
        )
    assert "10:00" in other_firm.value.reason and "11:00" in other_firm.value.reason
    assert "another booking" in other_firm.value.reason
    assert people.firm_a.name not in other_firm.value.reason
    with pytest.raises(BookingTaken) as staff:
        booking_create(actor=people.staff, resource=room, start=at(day, 9), end=at(day, 12))
    assert people.firm_a.name in staff.value.reason
    # half-open: the hour after is free, for anyone
    after = booking_create(actor=people.user_a2, resource=room, start=at(day, 11), end=at(day, 12))
    assert after.status == "confirmed"
    assert Booking.objects.filter(status__in=["requested", "confirmed"]).count() == 2


def test_the_database_itself_refuses_an_overlap(people, room):
    """Bypassing the service: PostgreSQL's exclusion constraint, or SQLite's slot key."""
    day = _monday()
    first = Booking.objects.create(
        resource=room,
        booked_by=people.staff,
        start=at(day, 10),
        end=at(day, 11),
        status="confirmed",
    )
    BookingSlot.objects.create(resource=room, start=at(day, 10, 45), booking=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        second = Booking.objects.create(
            resource=room,
            booked_by=people.staff,
            start=at(day, 10, 45),
            end=at(day, 12),
            status="requested",
        )
        BookingSlot.objects.create(resource=room, start=at(day, 10, 45), booking=second)
    # a cancelled row holds nothing (PostgreSQL: the constraint's condition)
    if connection.vendor == "postgresql":
        Booking.objects.create(
            resource=room,
            booked_by=people.staff,
            start=at(day, 10),
            end=at(day, 11),
            status="cancelled",
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = 'booking_no_overlap'")
            assert cursor.fetchone() == (1,)


def test_cancelling_frees_the_time(people, room):
    day = _monday()
    made = booking_create(actor=people.user_a, resource=room, start=at(day, 10), end=at(day, 11))
    done = booking_cancel(actor=people.user_a, booking=made, seen_version=1)
    assert (done.status, done.version) == ("cancelled", 2)
    assert not BookingSlot.objects.filter(booking=made).exists()
    again = booking_create(actor=people.user_a2, resource=room, start=at(day, 10), end=at(day, 11))
    assert again.status == "confirmed"
    with pytest.raises(ValidationError, match="already cancelled"):
        booking_cancel(actor=people.user_a, booking=made)
    # another firm's user may not cancel it
    with pytest.raises(PermissionDenied):
        booking_cancel(actor=people.user_a, booking=again)


# --- scope -----------------------------------------------------------------------------------


def test_scope_second_county_and_firms(people, room):
    day = _monday()
    staff_only = _resource("咖啡吧", kind="cafe", bookable_by="staff")
    with pytest.raises(PermissionDenied):
        booking_create(actor=people.staff_b, resource=room, start=at(day, 10), end=at(day, 11))
    with pytest.raises(PermissionDenied):
        booking_create(actor=people.user_b, resource=room, start=at(day, 10), end=at(day, 11))
    for user in (people.staff_b, people.user_b):
        with pytest.raises(Http404):
            resource_get_for_user(user, room.pk)
    assert resource_get_for_user(people.user_a, staff_only.pk) == staff_only  # seen, not booked
    with pytest.raises(PermissionDenied):
        booking_create(actor=people.user_a, resource=staff_only, start=at(day, 10), end=at(day, 11))
    # a firm user books for their own firm only; staff for a party of their scope
    with pytest.raises(PermissionDenied):
        booking_create(
            actor=people.user_a,
            resource=room,
            start=at(day, 10),
            end=at(day, 11),
            party=people.firm_a2,
        )
    with pytest.raises(PermissionDenied):
        booking_create(
            actor=people.staff,
            resource=room,
            start=at(day, 10),
            end=at(day, 11),
            party=people.firm_b,
        )
    made = booking_create(
        actor=people.staff, resource=room, start=at(day, 10), end=at(day, 11), party=people.firm_a2
    )
    assert made.party == people.firm_a2
    assert not Booking.objects.exclude(pk=made.pk).exists()


# --- approvals -------------------------------------------------------------------------------


def test_approval_flow_with_versions(people):
    hall = _resource("产品展厅", kind="exhibition_hall", needs_approval=True, longest_minutes=600)
    day = _monday()
    asked = booking_create(actor=people.user_a, resource=hall, start=at(day, 9), end=at(day, 12))
    assert asked.status == "requested"
    # a requested booking already holds its time
    with pytest.raises(BookingTaken):
        booking_create(actor=people.user_a2, resource=hall, start=at(day, 11), end=at(day, 13))
    with pytest.raises(PermissionDenied):
        booking_decide(actor=people.staff, booking=asked, approve=True, seen_version=1)
    done = booking_decide(actor=people.operator, booking=asked, approve=True, seen_version=1)
    assert (done.status, done.version, done.decided_by) == ("confirmed", 2, people.operator)
    with pytest.raises(EditConflict) as stale:
        booking_decide(actor=people.operator, booking=asked, approve=False, seen_version=1)
    assert stale.value.current_version == 2
    with pytest.raises(ValidationError, match="only bookings awaiting approval"):
        booking_decide(actor=people.operator, booking=asked, approve=False, seen_version=2)
    # a rejection frees the time
    other = booking_create(actor=people.user_a2, resource=hall, start=at(day, 13), end=at(day, 15))
    booking_decide(actor=people.operator, booking=other, approve=False, seen_version=1)
    again = booking_create(actor=people.user_a, resource=hall, start=at(day, 13), end=at(day, 15))
    assert again.status == "requested"
    assert AuditEntry.objects.filter(action="booking.decide").count() == 2


# --- recurring bookings ----------------------------------------------------------------------


def test_a_weekly_series_skips_its_exceptions(people, room):
    day = _monday()
    made = booking_create_series(
        actor=people.user_a,
        resource=room,
        start=at(day, 10),
        end=at(day, 11),
        rule="RRULE:FREQ=WEEKLY;COUNT=4",
        exdates=[at(day + timedelta(days=7), 10)],
    )
    assert [b.start for b in made] == [at(day + timedelta(days=7 * w), 10) for w in (0, 2, 3)]
    assert len({b.series for b in made}) == 1


def test_a_series_with_a_taken_occurrence_writes_nothing_and_names_it(people, room):
    day = _monday()
    booking_create(
        actor=people.user_a2,
        resource=room,
        start=at(day + timedelta(days=14), 10, 30),
        end=at(day + timedelta(days=14), 11),
    )
    with pytest.raises(SeriesClash) as caught:
        booking_create_series(
            actor=people.user_a,
            resource=room,
            start=at(day, 10),
            end=at(day, 11),
            rule="FREQ=WEEKLY;COUNT=3",
        )
    (clash,) = caught.value.clashes
    assert clash.start == at(day + timedelta(days=14), 10)
    assert "10:30" in clash.reason and "another booking" in clash.reason
    assert Booking.objects.count() == 1


# --- the API ---------------------------------------------------------------------------------


def _api(user: User) -> Client:
    key = ApiToken.new_key()
    ApiToken.objects.create(user=user, name="t", digest=ApiToken.digest_of(key))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.cookies["django_language"] = "en"
    return client


def test_api_books_and_answers_409_422_403_404(people, room):
    day = _monday()
    body = {"resource": room.pk, "start": at(day, 10).isoformat(), "end": at(day, 11).isoformat()}
    firm_a = _api(people.user_a)
    made = firm_a.post("/api/bookings", body, content_type="application/json")
    assert made.status_code == 201, made.json()
    assert made.json() | {"id": 0} == {
        "id": 0,
        "resource": room.pk,
        "start": at(day, 10).isoformat(),
        "end": at(day, 11).isoformat(),
        "status": "confirmed",
        "title": "",
        "party": people.firm_a.pk,
        "price": "0.00",
        "version": 1,
    }
    taken = _api(people.user_a2).post(
        "/api/bookings",
        {**body, "start": at(day, 10, 45).isoformat()},
        content_type="application/json",
    )
    assert taken.status_code == 409
    assert "another booking" in taken.json()["detail"]
    off_grid = firm_a.post(
        "/api/bookings",
        {**body, "start": at(day, 12, 10).isoformat(), "end": at(day, 13).isoformat()},
        content_type="application/json",
    )
    assert off_grid.status_code == 422
    assert any("quarter hour" in m for m in off_grid.json()["detail"])
    assert (
        _api(people.staff_b)
        .post("/api/bookings", body, content_type="application/json")
        .status_code
        == 404
    )
    # the café is for the centre's staff: a firm sees it, and may not book it
    cafe = _resource("咖啡吧", kind="cafe", bookable_by="staff")
    refused = firm_a.post(
        "/api/bookings", {**body, "resource": cafe.pk}, content_type="application/json"
    )
    assert refused.status_code == 403
    # lists: a firm sees the resources it may book, and its own bookings
    assert [r["name"] for r in firm_a.get("/api/resources").json()] == ["咖啡吧", room.name]
    assert _api(people.user_b).get("/api/resources").json() == []
    assert len(_api(people.staff).get("/api/resources").json()) == 2
    assert [b["id"] for b in firm_a.get("/api/bookings").json()] == [made.json()["id"]]
    assert _api(people.user_a2).get("/api/bookings").json() == []
    cancelled = firm_a.post(f"/api/bookings/{made.json()['id']}/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")


# --- pages -----------------------------------------------------------------------------------


def _page(user: User) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_pages_book_show_cancel_and_approve(people):
    hall = _resource("路演厅", needs_approval=True)
    day = _monday()
    firm_a = _page(people.user_a)
    form = {"day": day.isoformat(), "start": "10:00", "end": "11:30", "title": "路演彩排"}
    assert firm_a.post(f"/space/resources/{hall.pk}/book/", form).status_code == 302
    taken = _page(people.user_a2).post(f"/space/resources/{hall.pk}/book/", form)
    assert taken.status_code == 409 and "another booking" in taken.content.decode()
    week = _page(people.user_a2).get(f"/space/?week={day.isoformat()}").content.decode()
    assert "路演厅" in week and "taken" in week and people.firm_a.name not in week
    assert people.firm_a.name in _page(people.staff).get(f"/space/?week={day}").content.decode()
    booking = Booking.objects.get()
    queue = _page(people.operator).get("/space/approvals/")
    assert queue.status_code == 200 and "路演彩排" in queue.content.decode()
    assert _page(people.staff).get("/space/approvals/").status_code == 403
    decided = _page(people.operator).post(
        f"/space/bookings/{booking.pk}/decide/", {"version": 1, "decision": "approve"}
    )
    assert decided.status_code == 302
    assert firm_a.post(f"/space/bookings/{booking.pk}/cancel/", {"version": 1}).status_code == 409
    assert firm_a.post(f"/space/bookings/{booking.pk}/cancel/", {"version": 2}).status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    mine = firm_a.get("/space/bookings/").content.decode()
    assert "路演彩排" in mine


def test_the_demo_centre_is_furnished_and_booked(db):
    from feidi_web.space.demo import demo_resources, load_space

    make_user("enclave", Role.ENCLAVE_OPERATOR, division=A)
    said: list[str] = []
    assert load_space(say=said.append) == 29  # 12 desks, 6 offices, 7 rooms and halls, 4 pods
    assert len(demo_resources()) == 29
    kinds = set(Resource.objects.values_list("kind", flat=True))
    assert kinds == {
        "open_desk",
        "quick_office",
        "meeting_room",
        "exhibition_hall",
        "lounge",
        "cafe",
        "sleeping_pod",
    }
    # the operator's two bookings: the free room at once, the roadshow hall awaiting approval
    assert sorted(Booking.objects.values_list("resource__name", "status")) == [
        ("会议室 常熟厅", "confirmed"),
        ("路演厅", "requested"),
    ]
    assert load_space(say=said.append) == 0  # a furnished centre is left as it is
