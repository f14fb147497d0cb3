"""The enclave centre's day-to-day operations: resources edited (version-checked, words
instead of constraint errors), the recurring booking form, the front desk's check-in and the
no-show definition, resident firms' memberships (renew, end, one active term), the visitor
log and filing visitors and checked-in prospects as pipeline leads; scope and role attacks on
every page; the demo's operations data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.test import Client
from django.utils import timezone, translation
from tests.web.conftest import make_user

from feidi_web.accounts.models import Role, User
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.pipeline.models import Project
from feidi_web.space import selectors, services
from feidi_web.space.forms import SeriesForm
from feidi_web.space.models import Booking, Membership, Resource, Visit
from feidi_web.space.permissions import membership_get_for_user, visit_get_for_user

A, B = "320581", "320582"


def _monday() -> date:
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


def _firm(name: str, code: str = A, **kw) -> Enterprise:
    return Enterprise.objects.create(name=name, region_code=code, jurisdiction_code=code, **kw)


class People:
    def __init__(self) -> None:
        self.firm_a = _firm("常熟甲精密机械有限公司", credit_code="91320581MA1XXXXX1A")
        self.firm_a2 = _firm("常熟乙电子有限公司")
        self.startup = _firm("北京某机器人初创团队", kind="startup", enclave=True)
        self.firm_b = _firm("张家港丙化工有限公司", B)
        self.staff = make_user("staff_a", Role.COUNTY_STAFF, division=A)
        self.operator = make_user("operator_a", Role.ENCLAVE_OPERATOR, division=A)
        self.officer = make_user("officer_a", Role.INVESTMENT_OFFICER, division=A)
        self.staff_b = make_user("staff_b", Role.COUNTY_STAFF, division=B)
        self.user_a = make_user("firm_a", Role.ENTERPRISE, enterprise=self.firm_a)
        self.user_a2 = make_user("firm_a2", Role.ENTERPRISE, enterprise=self.firm_a2)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(db) -> People:
    return People()


def _page(user: User) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def _resource_values(**kw) -> dict:
    return {
        "name": "会议室 虞山厅",
        "kind": "meeting_room",
        "location": "三层",
        "capacity": 8,
        "open_days": ["1", "2", "3", "4", "5"],
        "opens_minute": 540,
        "closes_minute": 1080,
        "bookable_by": "firms",
        "longest_minutes": 240,
        "needs_approval": False,
        "hourly_price": "0",
        "active": True,
        **kw,
    }


# --- resources ---------------------------------------------------------------------------------


def test_a_resource_is_created_and_edited_with_its_version_and_audit(people):
    made = services.resource_create(actor=people.operator, values=_resource_values())
    assert (made.jurisdiction_code, made.open_days, made.version) == (A, "12345", 1)
    changed = services.resource_update(
        actor=people.staff,
        resource=made,
        values=_resource_values(capacity=10, open_days=["7", "1"]),
        seen_version=1,
    )
    assert (changed.capacity, changed.open_days, changed.version) == (10, "17", 2)
    entry = AuditEntry.objects.filter(action="resource.update").get()
    assert entry.new_value == {"capacity": "10", "open_days": "17"}
    # a stale edit: refused, nothing written, and who changed it is named
    with pytest.raises(EditConflict) as stale:
        services.resource_update(
            actor=people.operator,
            resource=made,
            values=_resource_values(capacity=3),
            seen_version=1,
        )
    assert stale.value.current_version == 2 and stale.value.changed_by
    made.refresh_from_db()
    assert made.capacity == 10


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"name": ""}, "name", "Required"),
        ({"kind": "castle"}, "kind", "listed kinds"),
        ({"capacity": 0}, "capacity", "From 1"),
        ({"capacity": 5000}, "capacity", "From 1"),
        ({"open_days": []}, "open_days", "at least one day"),
        ({"opens_minute": 545}, "opens_minute", "quarter hour"),
        ({"opens_minute": 1080, "closes_minute": 540}, "closes_minute", "after opening"),
        ({"closes_minute": 1500}, "closes_minute", "quarter hour"),
        ({"longest_minutes": 10}, "longest_minutes", "From 15"),
        ({"longest_minutes": 50}, "longest_minutes", "multiple of 15"),
        ({"hourly_price": "-1"}, "hourly_price", "From 0"),
        ({"hourly_price": "abc"}, "hourly_price", "price in yuan"),
        ({"bookable_by": "anyone"}, "bookable_by", "who may book"),
        ({"name": "x\x00y"}, "name", "control characters"),
    ],
)
def test_resource_values_refused_in_words_not_integrity_errors(people, change, field, words):
    with pytest.raises(ValidationError) as caught:
        services.resource_create(actor=people.operator, values=_resource_values(**change))
    assert any(words in m for m in caught.value.message_dict[field]), caught.value.message_dict
    assert not Resource.objects.exists()


def test_resource_editing_roles_and_scope(people):
    room = _resource()
    with pytest.raises(PermissionDenied):  # an officer sees, does not edit
        services.resource_create(actor=people.officer, values=_resource_values())
    with pytest.raises(PermissionDenied):
        services.resource_create(actor=people.user_a, values=_resource_values())
    with pytest.raises(PermissionDenied):
        services.resource_update(
            actor=people.staff_b, resource=room, values=_resource_values(), seen_version=1
        )
    admin = make_user("root", Role.ADMIN)
    with pytest.raises(ValidationError) as no_division:
        services.resource_create(actor=admin, values=_resource_values())
    assert "jurisdiction_code" in no_division.value.message_dict
    made = services.resource_create(actor=admin, values=_resource_values(), jurisdiction_code=B)
    assert made.jurisdiction_code == B


def test_resource_pages_edit_conflict_and_errors(people):
    room = _resource()
    staff = _page(people.staff)
    form = {
        "name": "常熟厅",
        "kind": "meeting_room",
        "location": "三层",
        "capacity": "14",
        "open_days": ["1", "3"],
        "opens": "08:00",
        "closes": "20:00",
        "bookable_by": "firms",
        "longest_minutes": "180",
        "hourly_price": "20",
        "active": "on",
        "version": "1",
    }
    assert staff.get(f"/space/resources/{room.pk}/edit/").status_code == 200
    assert staff.post(f"/space/resources/{room.pk}/edit/", form).status_code == 302
    room.refresh_from_db()
    assert (room.name, room.open_days, room.opens_minute, room.hourly_price, room.version) == (
        "常熟厅",
        "13",
        480,
        Decimal("20.00"),
        2,
    )
    stale = staff.post(f"/space/resources/{room.pk}/edit/", {**form, "capacity": "3"})
    assert stale.status_code == 409
    assert "Nothing was saved" in stale.content.decode()
    room.refresh_from_db()
    assert room.capacity == 14
    bad = staff.post(
        f"/space/resources/{room.pk}/edit/",
        {**form, "version": "2", "longest_minutes": "50", "opens": "20:00"},
    )
    assert bad.status_code == 422
    page = bad.content.decode()
    assert "multiple of 15" in page and "Closing comes after opening" in page
    created = _page(people.operator).post("/space/resources/new/", {**form, "name": "新会议室"})
    assert created.status_code == 302
    assert Resource.objects.filter(name="新会议室", jurisdiction_code=A).exists()
    # roles and scope
    assert _page(people.user_a).get(f"/space/resources/{room.pk}/edit/").status_code == 403
    assert _page(people.officer).get("/space/resources/new/").status_code == 403
    assert _page(people.staff_b).get(f"/space/resources/{room.pk}/edit/").status_code == 404


# --- the recurring booking form -----------------------------------------------------------


def test_series_form_builds_the_rule_and_exceptions(db):
    day = _monday()
    form = SeriesForm(
        {
            "first_day": day.isoformat(),
            "start": "10:00",
            "end": "11:00",
            "frequency": "weekly",
            "weekdays": ["3", "1"],
            "until": (day + timedelta(days=20)).isoformat(),
            "exceptions": f"{day + timedelta(days=7)}，{day + timedelta(days=9)}\n",
        }
    )
    assert form.is_valid(), form.errors
    assert form.rule() == (
        f"RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL={day + timedelta(days=20):%Y%m%d}T235959"
    )
    assert form.cleaned_data["exceptions"] == [day + timedelta(days=7), day + timedelta(days=9)]
    bad = SeriesForm(
        {
            "first_day": day.isoformat(),
            "start": "10:00",
            "end": "09:00",
            "frequency": "weekly",
            "count": "61",
            "exceptions": "next tuesday",
        }
    )
    assert not bad.is_valid()
    assert set(bad.errors) >= {"end", "count", "weekdays", "exceptions"}
    both = SeriesForm(
        {
            "first_day": day.isoformat(),
            "start": "10:00",
            "end": "11:00",
            "frequency": "daily",
            "count": "3",
            "until": day.isoformat(),
        }
    )
    assert not both.is_valid() and "until" in both.errors


def test_series_page_books_all_or_lists_each_clash(people):
    room = _resource()
    day = _monday()
    firm = _page(people.user_a)
    form = {
        "first_day": day.isoformat(),
        "start": "10:00",
        "end": "11:00",
        "frequency": "weekly",
        "weekdays": ["1", "3"],
        "count": "6",
        "exceptions": (day + timedelta(days=2)).isoformat(),
        "title": "周例会",
    }
    # two occurrences are taken by another firm: both listed by date and time, nothing written
    for d in (day + timedelta(days=7), day + timedelta(days=14)):
        services.booking_create(
            actor=people.user_a2, resource=room, start=at(d, 10, 30), end=at(d, 11, 30)
        )
    clash = firm.post(f"/space/resources/{room.pk}/repeat/", form)
    assert clash.status_code == 409
    page = clash.content.decode()
    for d in (day + timedelta(days=7), day + timedelta(days=14)):
        assert f"{d:%Y-%m-%d}" in page
    assert "nothing was booked" in page and people.firm_a2.name not in page
    assert not Booking.objects.filter(party=people.firm_a).exists()
    # without the clashing days (and the exception) every occurrence is booked, one series
    free = {**form, "exceptions": f"{day + timedelta(days=2)}, {day + timedelta(days=7)}"}
    free["exceptions"] += f"\n{day + timedelta(days=14)}"
    assert firm.post(f"/space/resources/{room.pk}/repeat/", free).status_code == 302
    made = Booking.objects.filter(party=people.firm_a).order_by("start")
    # COUNT=6 gives Mon/Wed ×3 weeks; the three exception dates leave three
    assert [b.start for b in made] == [at(day + timedelta(days=n), 10) for n in (0, 9, 16)]
    assert len({b.series for b in made}) == 1 and made[0].title == "周例会"
    assert _page(people.staff_b).get(f"/space/resources/{room.pk}/repeat/").status_code == 404
    # a firm user books a series for their own firm only
    with pytest.raises(PermissionDenied):
        services.booking_create_series(
            actor=people.user_a,
            resource=room,
            start=at(day + timedelta(days=35), 10),
            end=at(day + timedelta(days=35), 11),
            rule="FREQ=WEEKLY;COUNT=2",
            party=people.firm_a2,
        )


# --- check-in and no-shows -------------------------------------------------------------------


def _now_booking(people: People, room: Resource, start: datetime, end: datetime, **kw) -> Booking:
    values = {"status": "confirmed", "party": people.firm_a, "booked_by": people.user_a, **kw}
    return Booking.objects.create(resource=room, start=start, end=end, **values)


def test_check_in_window_and_refusals(people):
    room = _resource()
    now = timezone.now().replace(second=0, microsecond=0)
    b = _now_booking(people, room, now + timedelta(minutes=40), now + timedelta(minutes=100))
    with pytest.raises(ValidationError, match="Too early"):
        services.booking_check_in(people.staff, b, at=now)
    done = services.booking_check_in(people.staff, b, at=now + timedelta(minutes=10))
    assert done.checked_in_at == now + timedelta(minutes=10)
    assert done.checked_in_by == people.staff and done.version == 2
    with pytest.raises(ValidationError, match="Already checked in"):
        services.booking_check_in(people.operator, b, at=now + timedelta(minutes=50))
    late = _now_booking(people, room, now - timedelta(hours=3), now - timedelta(hours=2))
    with pytest.raises(ValidationError, match="no longer be checked in"):
        services.booking_check_in(people.staff, late, at=now)
    at_end = services.booking_check_in(people.staff, late, at=now - timedelta(hours=2))
    assert at_end.checked_in_at is not None  # the end itself is still inside the window
    for status in ("cancelled", "rejected", "requested"):
        other = _now_booking(
            people, room, now + timedelta(hours=5), now + timedelta(hours=6), status=status
        )
        with pytest.raises(ValidationError, match="only confirmed bookings"):
            services.booking_check_in(people.staff, other, at=now + timedelta(hours=5))
    # a firm user checks no one in, not even their own firm; staff of B not ours
    mine = _now_booking(people, room, now + timedelta(hours=2), now + timedelta(hours=3))
    for who in (people.user_a, people.user_a2, people.staff_b):
        with pytest.raises(PermissionDenied):
            services.booking_check_in(who, mine, at=now)
    assert AuditEntry.objects.filter(action="booking.check_in").count() == 2


def test_no_show_definition_is_one_and_the_same(people):
    room = _resource()
    now = timezone.now().replace(second=0, microsecond=0)
    past = now - timedelta(hours=2)
    gone = _now_booking(people, room, past, past + timedelta(hours=1))
    came = _now_booking(
        people, room, past + timedelta(hours=1), past + timedelta(hours=1, minutes=30)
    )
    came.checked_in_at = came.start
    came.save()
    cancelled = _now_booking(people, room, past, past + timedelta(hours=1), status="cancelled")
    requested = _now_booking(
        people, room, past - timedelta(hours=2), past - timedelta(hours=1), status="requested"
    )
    other = _resource("会议室 虞山厅")  # no two active bookings of one room overlap
    running = _now_booking(people, other, now - timedelta(minutes=15), now + timedelta(hours=1))
    ends_now = _now_booking(people, room, now - timedelta(minutes=30), now)
    found = set(Booking.objects.filter(selectors.no_show_q(now)).values_list("pk", flat=True))
    assert found == {gone.pk}
    for b in (gone, came, cancelled, requested, running, ends_now):
        assert selectors.is_no_show(b, now) == (b.pk in found)


def test_front_desk_page_checks_in_and_files_a_prospect(people):
    room = _resource(opens_minute=0, closes_minute=1440)
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - timedelta(minutes=now.minute % 15)
    local = _now_booking(people, room, start, start + timedelta(minutes=45), title="本地企业")
    prospect = _now_booking(
        people,
        room,
        start + timedelta(minutes=45),
        start + timedelta(minutes=60),
        party=people.startup,
        booked_by=people.staff,
        title="初创团队参观",
    )
    staff = _page(people.officer)
    page = staff.get("/space/today/")
    assert page.status_code == 200 and "本地企业" in page.content.decode()
    ok = staff.post(f"/space/bookings/{local.pk}/check-in/", {"version": 1})
    assert ok.status_code == 302
    again = staff.post(f"/space/bookings/{local.pk}/check-in/")
    assert again.status_code == 422 and "Already checked in" in again.content.decode()
    # a local registered firm is no lead; a checked-in start-up is, once
    refused = staff.post(f"/space/bookings/{local.pk}/lead/")
    assert refused.status_code == 422 and "local registered firm" in refused.content.decode()
    services.booking_check_in(people.staff, prospect, at=prospect.start)
    assert staff.post(f"/space/bookings/{prospect.pk}/lead/").status_code == 302
    project = Project.objects.get(counterpart=people.startup)
    assert (project.source, project.jurisdiction_code) == ("enclave", A)
    twice = staff.post(f"/space/bookings/{prospect.pk}/lead/")
    assert twice.status_code == 422 and "filed as a lead before" in twice.content.decode()
    assert Project.objects.count() == 1
    assert "filed as a lead" in staff.get("/space/today/").content.decode()
    # roles and scope: a firm user is refused the page and the button; B's staff find nothing
    assert _page(people.user_a).get("/space/today/").status_code == 403
    assert _page(people.user_a).post(f"/space/bookings/{local.pk}/check-in/").status_code == 403
    assert _page(people.staff_b).post(f"/space/bookings/{local.pk}/check-in/").status_code == 404
    assert _page(people.staff_b).post(f"/space/bookings/{local.pk}/lead/").status_code == 404
    assert people.firm_a.name not in _page(people.staff_b).get("/space/today/").content.decode()


# --- memberships -------------------------------------------------------------------------------


def _member(people: People, party: Enterprise | None = None, **kw) -> Membership:
    today = timezone.localdate()
    values = {
        "kind": "desk",
        "starts_on": today - timedelta(days=300),
        "ends_on": today + timedelta(days=10),
        "monthly_fee": "800",
        **kw,
    }
    return services.membership_create(actor=people.staff, party=party or people.startup, **values)


def test_membership_one_active_renew_end_cancel(people):
    desk = _resource("开放工位 A01", kind="open_desk", capacity=1)
    m = _member(people, resource=desk)
    assert (m.status, m.jurisdiction_code, m.monthly_fee) == ("active", A, Decimal("800.00"))
    with pytest.raises(ValidationError) as twice:
        _member(people)
    assert "already a resident" in twice.value.message_dict["party"][0]
    # the database keeps the rule too
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            party=people.startup,
            jurisdiction_code=A,
            kind="desk",
            starts_on=m.starts_on,
            ends_on=m.ends_on,
            created_by=people.operator,
        )
    new = services.membership_renew(
        actor=people.staff,
        membership=m,
        ends_on=m.ends_on + timedelta(days=365),
        seen_version=1,
    )
    m.refresh_from_db()
    assert (m.status, m.version) == ("renewed", 2)
    assert (new.status, new.starts_on, new.renewal_of, new.resource) == (
        "active",
        m.ends_on + timedelta(days=1),
        m,
        desk,
    )
    with pytest.raises(EditConflict):
        services.membership_renew(
            actor=people.staff, membership=m, ends_on=new.ends_on, seen_version=1
        )
    with pytest.raises(ValidationError, match="only an active one"):
        services.membership_renew(
            actor=people.staff, membership=m, ends_on=new.ends_on, seen_version=2
        )
    with pytest.raises(ValidationError) as short:
        services.membership_renew(
            actor=people.staff,
            membership=new,
            ends_on=new.starts_on - timedelta(days=1),
            seen_version=1,
        )
    assert "ends_on" in short.value.message_dict
    ended = services.membership_end(actor=people.operator, membership=new, seen_version=1)
    assert ended.status == "ended" and ended.ended_at is not None
    assert ended.ends_on == new.starts_on  # ended before its (future) term began
    # a new term after the end is allowed: no longer active
    again = _member(people, party=people.firm_a2, kind="office")
    cancelled = services.membership_end(
        actor=people.operator, membership=again, seen_version=1, cancel=True
    )
    assert cancelled.status == "cancelled"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert actions >= {
        "membership.create",
        "membership.renew",
        "membership.end",
        "membership.cancel",
    }


def test_membership_values_roles_and_scope(people):
    office = _resource("快捷办公室 1", kind="quick_office", capacity=4)
    with pytest.raises(ValidationError) as wrong:
        _member(people, resource=office, ends_on=timezone.localdate() - timedelta(days=400))
    assert set(wrong.value.message_dict) == {"resource", "ends_on"}
    with pytest.raises(ValidationError) as fee:
        _member(people, monthly_fee="-5")
    assert "monthly_fee" in fee.value.message_dict
    with pytest.raises(PermissionDenied):  # another county's firm
        _member(people, party=people.firm_b)
    with pytest.raises(PermissionDenied):
        services.membership_create(
            actor=people.officer,
            party=people.startup,
            kind="desk",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        )
    m = _member(people)
    for who in (people.staff_b,):
        with pytest.raises(Http404):
            membership_get_for_user(who, m.pk)
        with pytest.raises(PermissionDenied):
            services.membership_end(actor=who, membership=m, seen_version=1)
    with pytest.raises(PermissionDenied):
        membership_get_for_user(people.user_a, m.pk)


def test_member_pages(people):
    today = timezone.localdate()
    soon = _member(people)  # ends in 10 days
    later = _member(people, party=people.firm_a, ends_on=today + timedelta(days=200))
    operator = _page(people.staff)  # the operator's registry is the enclave firms only
    page = operator.get("/space/members/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("ending-soon") == 1 and people.startup.name in html
    added = operator.post(
        "/space/members/new/",
        {
            "party_name": people.firm_a2.name,
            "kind": "office",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=90)).isoformat(),
            "monthly_fee": "3000",
        },
    )
    assert added.status_code == 302
    dup = operator.post(
        "/space/members/new/",
        {
            "party_name": people.firm_a2.name,
            "kind": "desk",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=90)).isoformat(),
            "monthly_fee": "0",
        },
    )
    assert dup.status_code == 422 and "already a resident" in dup.content.decode()
    unknown = operator.post(
        "/space/members/new/",
        {
            "party_name": people.firm_b.name,  # another county's: not found by name
            "kind": "desk",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "monthly_fee": "0",
        },
    )
    assert unknown.status_code == 422 and "No firm of your part" in unknown.content.decode()
    renew_to = soon.ends_on + timedelta(days=180)
    renewed = operator.post(
        f"/space/members/{soon.pk}/renew/", {"version": 1, "ends_on": renew_to.isoformat()}
    )
    assert renewed.status_code == 302
    assert Membership.objects.get(renewal_of=soon).ends_on == renew_to
    stale = operator.post(f"/space/members/{later.pk}/end/", {"version": 7, "action": "end"})
    assert stale.status_code == 409
    assert (
        operator.post(
            f"/space/members/{later.pk}/end/", {"version": 1, "action": "end"}
        ).status_code
        == 302
    )
    # a firm user sees their own firm's membership on the space page, and no staff page
    Membership.objects.filter(party=people.firm_a).update(status="ended")
    _member(people, party=people.firm_a, kind="office", ends_on=today + timedelta(days=60))
    firm = _page(people.user_a)
    assert "resident of the centre" in firm.get("/space/").content.decode()
    other = _page(people.user_a2).get("/space/").content.decode()
    assert "3000.00 yuan a month" in other and "800.00 yuan" not in other
    assert firm.get("/space/members/").status_code == 403
    assert firm.post(f"/space/members/{later.pk}/end/", {"version": 2}).status_code == 403
    assert _page(people.officer).get("/space/members/").status_code == 200
    assert (
        _page(people.officer)
        .post(f"/space/members/{later.pk}/end/", {"version": 2, "action": "cancel"})
        .status_code
        == 403
    )
    b = _page(people.staff_b)
    assert b.post(f"/space/members/{later.pk}/renew/", {"version": 2}).status_code == 404
    assert people.startup.name not in b.get("/space/members/").content.decode()


# --- visitors and leads ------------------------------------------------------------------------


def test_visit_log_leave_and_lead_once(people):
    v = services.visit_create(
        actor=people.operator,
        visitor_name="刘博士",
        organisation=people.startup.name,
        host_user=people.officer,
        purpose="investment",
    )
    assert (v.party, v.jurisdiction_code, v.left_at) == (people.startup, A, None)
    unknown = services.visit_create(
        actor=people.operator,
        visitor_name="赵女士",
        organisation="某未登记基金",
        purpose="tour",
        note="随行两人",
    )
    assert unknown.party is None and unknown.note == "某未登记基金 — 随行两人"
    with pytest.raises(ValidationError, match="not in the registry"):
        services.visit_file_lead(actor=people.officer, visit=unknown)
    left = services.visit_leave(actor=people.staff, visit=v)
    assert left.left_at is not None
    with pytest.raises(ValidationError, match="Already marked"):
        services.visit_leave(actor=people.staff, visit=v)
    project = services.visit_file_lead(actor=people.officer, visit=v)
    v.refresh_from_db()
    assert (v.project, project.source, project.counterpart) == (project, "enclave", people.startup)
    with pytest.raises(ValidationError, match="filed as a lead before"):
        services.visit_file_lead(actor=people.officer, visit=v)
    # a second visit of the same party: the pipeline already has it
    second = services.visit_create(
        actor=people.staff,
        visitor_name="刘博士",
        organisation=people.startup.name,
        purpose="meeting",
    )
    with pytest.raises(ValidationError, match="Already in the pipeline"):
        services.visit_file_lead(actor=people.staff, visit=second)
    event = services.visit_create(
        actor=people.staff, visitor_name="孙先生", organisation=people.firm_a.name, purpose="event"
    )
    with pytest.raises(ValidationError, match="Only visits for"):
        services.visit_file_lead(actor=people.staff, visit=event)
    assert Project.objects.count() == 1
    # values
    with pytest.raises(ValidationError) as bad:
        services.visit_create(
            actor=people.staff,
            visitor_name="",
            purpose="party",
            arrived_at=timezone.now() + timedelta(hours=2),
        )
    assert set(bad.value.message_dict) == {"visitor_name", "purpose", "arrived_at"}
    # scope and role
    with pytest.raises(PermissionDenied):
        services.visit_create(actor=people.user_a, visitor_name="x", purpose="tour")
    with pytest.raises(ValidationError, match="member of staff or a resident"):
        services.visit_create(
            actor=people.staff, visitor_name="x", purpose="tour", host_user=people.staff_b
        )
    with pytest.raises(ValidationError, match="member of staff or a resident"):
        services.visit_create(  # a firm of A, but no resident
            actor=people.staff, visitor_name="x", purpose="tour", host_party=people.firm_a2
        )
    with pytest.raises(Http404):
        visit_get_for_user(people.staff_b, v.pk)
    with pytest.raises(PermissionDenied):
        services.visit_leave(actor=people.staff_b, visit=second)


def test_visitor_pages(people):
    _member(people, party=people.firm_a)
    staff = _page(people.staff)
    page = staff.get("/space/visitors/")
    assert page.status_code == 200
    html = page.content.decode()
    assert people.firm_a.name in html and "officer_a" in html  # hosts offered
    logged = staff.post(
        "/space/visitors/",
        {
            "visitor_name": "周总",
            "organisation": people.startup.name,
            "host": f"party:{people.firm_a.pk}",
            "purpose": "meeting",
        },
    )
    assert logged.status_code == 302
    v = Visit.objects.get()
    assert (v.party, v.host_party, v.logged_by) == (people.startup, people.firm_a, people.staff)
    forged = staff.post(
        "/space/visitors/",
        {"visitor_name": "x", "host": f"user:{people.staff_b.pk}", "purpose": "tour"},
    )
    assert forged.status_code == 422 and Visit.objects.count() == 1
    for ref in (f"user:{people.staff_b.pk}", f"party:{people.firm_b.pk}", "user:x", "root"):
        with pytest.raises(ValidationError, match="member of staff or a resident"):
            services.host_for(people.staff, ref)
    assert services.host_for(people.staff, f"user:{people.officer.pk}") == (people.officer, None)
    listed = staff.get("/space/visitors/").content.decode()
    assert "周总" in listed and "1 visitor" in listed
    assert staff.post(f"/space/visitors/{v.pk}/left/").status_code == 302
    assert staff.post(f"/space/visitors/{v.pk}/lead/").status_code == 302
    twice = staff.post(f"/space/visitors/{v.pk}/lead/")
    assert twice.status_code == 422 and "filed as a lead before" in twice.content.decode()
    yesterday = timezone.localdate() - timedelta(days=1)
    assert "周总" not in staff.get(f"/space/visitors/?day={yesterday}").content.decode()
    assert _page(people.user_a).get("/space/visitors/").status_code == 403
    assert _page(people.staff_b).post(f"/space/visitors/{v.pk}/left/").status_code == 404
    assert _page(people.staff_b).post(f"/space/visitors/{v.pk}/lead/").status_code == 404
    assert "周总" not in _page(people.staff_b).get("/space/visitors/").content.decode()


# --- the demo ----------------------------------------------------------------------------------


def test_demo_operations_are_loaded_once(db):
    from feidi.demo import LOCAL_REGION
    from feidi_web.space.demo import load_space

    make_user("enclave", Role.ENCLAVE_OPERATOR, division=LOCAL_REGION)
    make_user("officer", Role.INVESTMENT_OFFICER, division=LOCAL_REGION)
    make_user("staff", Role.COUNTY_STAFF, division=LOCAL_REGION)
    for i in range(12):
        _firm(f"飞地企业{i}", LOCAL_REGION, enclave=True)
    for i in range(4):
        _firm(f"北京初创团队{i}", LOCAL_REGION, kind="startup")
    load_space(say=lambda _s: None)
    counts = (Membership.objects.count(), Visit.objects.count(), Booking.objects.count())
    statuses = set(Membership.objects.values_list("status", flat=True))
    assert statuses >= {"active", "ended", "renewed"}
    assert Visit.objects.count() >= 15 and Visit.objects.exclude(project=None).exists()
    now = timezone.now()
    assert Booking.objects.filter(selectors.no_show_q(now)).exists()
    assert Booking.objects.filter(checked_in_at__isnull=False).count() > 50
    load_space(say=lambda _s: None)
    assert (Membership.objects.count(), Visit.objects.count(), Booking.objects.count()) == counts
