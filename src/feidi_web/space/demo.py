"""The demo centre's space: the 2,000 m² 常熟(北京)创新中心 at 北京王庄路1号, 五道口 — open desks,
quick offices, meeting rooms, the exhibition hall, the lounge, the café and sleeping pods —
and a few bookings of the coming days, made through the space's services. Then its recent
history: resident firms (some terms ending soon, some ended, one renewed), visitors of the
last weeks (some filed as pipeline leads) and eight weeks of past bookings with check-ins
and no-shows, so the front desk and the utilisation report have something to show. The
demo loader calls ``load_space`` after the accounts and the firms exist."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from feidi.demo import LOCAL_REGION
from feidi.parties import PartyKind
from feidi_web.accounts.models import User
from feidi_web.enterprises.models import Enterprise
from feidi_web.space.models import (
    GRID_MINUTES,
    BookableBy,
    Booking,
    BookingSlot,
    BookingStatus,
    Membership,
    MembershipKind,
    Resource,
    ResourceKind,
    Visit,
    VisitPurpose,
)
from feidi_web.space.services import (
    LEAD_PURPOSES,
    BookingTaken,
    booking_create,
    membership_create,
    membership_end,
    membership_renew,
    visit_create,
    visit_file_lead,
    visit_leave,
)


@dataclass(frozen=True)
class DemoResource:
    name: str
    kind: ResourceKind
    location: str
    capacity: int
    opens: int  # minutes after midnight
    closes: int
    longest: int  # minutes
    open_days: str = "12345"
    needs_approval: bool = False
    hourly_price: str = "0"
    bookable_by: BookableBy = BookableBy.FIRMS


def demo_resources() -> list[DemoResource]:
    """The centre's bookable space (2,000 m²: a 60-desk open area, 6 quick offices, 4
    meeting rooms, a 300 m² exhibition hall, lounge, café and 4 sleeping pods)."""
    day, long_day, always = (540, 1080), (480, 1320), (0, 1440)
    found = [
        DemoResource(
            f"开放工位 A{i:02d}", ResourceKind.OPEN_DESK, "二层开放办公区", 1, *long_day, 720
        )
        for i in range(1, 13)
    ]
    found += [
        DemoResource(
            f"快捷办公室 {i}",
            ResourceKind.QUICK_OFFICE,
            "二层东侧",
            4,
            *long_day,
            720,
            hourly_price="30",
        )
        for i in range(1, 7)
    ]
    found += [
        DemoResource("会议室 常熟厅", ResourceKind.MEETING_ROOM, "三层", 12, *day, 240),
        DemoResource("会议室 虞山厅", ResourceKind.MEETING_ROOM, "三层", 8, *day, 240),
        DemoResource("会议室 尚湖厅", ResourceKind.MEETING_ROOM, "三层", 6, *day, 240),
        DemoResource(
            "路演厅", ResourceKind.MEETING_ROOM, "一层", 60, *day, 480, needs_approval=True
        ),
        DemoResource(
            "产品展厅",
            ResourceKind.EXHIBITION_HALL,
            "一层(300 m²)",
            150,
            *day,
            600,
            open_days="1234567",
            needs_approval=True,
            hourly_price="200",
        ),
        DemoResource(
            "会客休息区",
            ResourceKind.LOUNGE,
            "二层西侧",
            20,
            *long_day,
            120,
            open_days="1234567",
        ),
        DemoResource(
            "咖啡吧",
            ResourceKind.CAFE,
            "一层",
            30,
            *day,
            120,
            open_days="1234567",
            needs_approval=True,
            bookable_by=BookableBy.STAFF,
        ),
    ]
    found += [
        DemoResource(
            f"睡眠舱 {i}",
            ResourceKind.SLEEPING_POD,
            "三层静区",
            1,
            *always,
            240,
            open_days="1234567",
        )
        for i in range(1, 5)
    ]
    return found


def load_space(*, say: Callable[[str], None] = print) -> int:
    """The demo centre's resources and a few bookings of the coming working days (by the
    enclave operator for the centre, and by the county's firms' users, if any), then its
    day-to-day history (``load_operations``). A platform that has resources is not
    furnished again. Returns the number of resources made."""
    made = 0 if Resource.objects.exists() else _furnish(say)
    load_operations(say=say)
    return made


def _furnish(say: Callable[[str], None]) -> int:
    items = demo_resources()
    say(f"Furnishing the enclave centre: {len(items)} bookable resources…")
    with transaction.atomic():
        made = Resource.objects.bulk_create(
            [
                Resource(
                    name=r.name,
                    kind=r.kind,
                    jurisdiction_code=LOCAL_REGION,
                    location=r.location,
                    capacity=r.capacity,
                    open_days=r.open_days,
                    opens_minute=r.opens,
                    closes_minute=r.closes,
                    bookable_by=r.bookable_by,
                    longest_minutes=r.longest,
                    needs_approval=r.needs_approval,
                    hourly_price=Decimal(r.hourly_price),
                )
                for r in items
            ]
        )
    operator = User.objects.filter(username="enclave").first()
    if operator is None:
        return len(made)
    by_name = {r.name: r for r in made}
    firm_users = list(
        User.objects.filter(role="enterprise", enterprise__jurisdiction_code=LOCAL_REGION)
        .select_related("enterprise")
        .order_by("id")[:3]
    )
    day = timezone.localdate() + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)

    def at(hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    plan: list[tuple[User, str, int, int, str, Enterprise | None]] = [
        (operator, "会议室 常熟厅", 10, 12, "常熟市招商推介会 筹备", None),
        (operator, "路演厅", 14, 17, "硬科技初创团队路演", None),
    ]
    for i, u in enumerate(firm_users):
        plan.append((u, "会议室 虞山厅", 9 + 2 * i, 10 + 2 * i, "客户洽谈", u.enterprise))
        plan.append((u, f"快捷办公室 {i + 1}", 9, 18, "驻京办公", u.enterprise))
    booked = 0
    for user, name, start, end, title, party in plan:
        try:
            booking_create(
                actor=user,
                resource=by_name[name],
                start=at(start),
                end=at(end),
                title=title,
                party=party,
            )
            booked += 1
        except BookingTaken:
            continue
    say(f"  {booked} bookings for {day:%Y-%m-%d}.")
    return len(made)


#: Weeks of past bookings the demo writes, and the fixed seed of its choices.
HISTORY_WEEKS = 8
DEMO_SEED = 2026_1202
#: Blocks a meeting room may be booked in on a working day (hour, minute, hour, minute).
ROOM_BLOCKS = ((9, 0, 10, 30), (11, 0, 12, 0), (14, 0, 15, 30), (16, 0, 17, 30))
VISITORS = (
    "刘博士",
    "赵女士",
    "孙总",
    "周经理",
    "吴博士",
    "郑先生",
    "王女士",
    "冯总",
    "陈工",
    "褚经理",
)
UNKNOWN_ORGS = ("某未登记天使基金", "清华大学某课题组", "中关村某孵化器", "海淀某投资机构")
VISIT_NOTES = ("了解入驻政策", "参观开放办公区", "洽谈设立研发中心", "", "", "咨询快捷办公室")


def load_operations(*, say: Callable[[str], None] = print) -> int:
    """The centre's recent history, once: memberships, visitors and past bookings. Needs the
    enclave operator and firms of the demo county; a platform with visitors already logged
    is left as it is. Returns the number of past bookings written."""
    operator = User.objects.filter(username="enclave").first()
    if operator is None or Visit.objects.exists() or Membership.objects.exists():
        return 0
    firms = Enterprise.objects.filter(jurisdiction_code=LOCAL_REGION)
    if not firms.exists():
        return 0
    rng = random.Random(DEMO_SEED)
    now = timezone.now()
    today = timezone.localdate(now)
    say("The enclave centre's last weeks: residents, visitors, bookings and check-ins…")
    residents = _load_memberships(operator, today)
    broker = (
        User.objects.filter(username__in=["officer", "staff"]).order_by("username").first()
        or operator
    )
    visits, leads = _load_visits(broker, operator, residents, rng, now)
    booked = _load_history(operator, residents, rng, now)
    say(
        f"  {len(residents)} resident firms, {visits} visits ({leads} filed as leads), "
        f"{booked} past bookings."
    )
    return booked


def _load_memberships(operator: User, today: date) -> list[Enterprise]:
    """Twelve resident firms: four ending within 30 days, four later, two ended without a
    renewal, one renewed, one office cancelled the week it was entered."""
    parties = list(
        Enterprise.objects.filter(jurisdiction_code=LOCAL_REGION, enclave=True).order_by("id")[:12]
    )
    desks = list(Resource.objects.filter(kind=ResourceKind.OPEN_DESK).order_by("name"))
    offices = list(Resource.objects.filter(kind=ResourceKind.QUICK_OFFICE).order_by("name"))
    residents: list[Enterprise] = []
    for i, party in enumerate(parties):
        office = i % 3 == 2 and i // 3 < len(offices)
        kind = MembershipKind.OFFICE if office else MembershipKind.DESK
        resource = offices[i // 3] if office else (desks[i] if i < len(desks) else None)
        if i < 4:  # ending soon
            start, end = today - timedelta(days=340 - 7 * i), today + timedelta(days=5 + 6 * i)
        elif i < 8:
            start, end = today - timedelta(days=60 * i), today + timedelta(days=30 * i + 60)
        elif i < 10:  # ended without a renewal
            start, end = today - timedelta(days=400), today - timedelta(days=20 * i - 140)
        else:  # i == 10 renewed, 11 cancelled
            start, end = today - timedelta(days=380), today - timedelta(days=16)
        m = membership_create(
            actor=operator,
            party=party,
            kind=kind,
            resource=resource,
            starts_on=start,
            ends_on=end,
            monthly_fee=Decimal("4500") if office else Decimal("800"),
            note="",
        )
        if 8 <= i < 10:
            m = membership_end(actor=operator, membership=m, seen_version=1)
            Membership.objects.filter(pk=m.pk).update(
                ended_at=timezone.make_aware(datetime.combine(end, time(18)))
            )
        elif i == 10:
            membership_renew(
                actor=operator, membership=m, ends_on=end + timedelta(days=365), seen_version=1
            )
            residents.append(party)
        elif i == 11:
            membership_end(actor=operator, membership=m, seen_version=1, cancel=True)
        else:
            residents.append(party)
    return residents


def _load_visits(
    broker: User,
    operator: User,
    residents: list[Enterprise],
    rng: random.Random,
    now: datetime,
) -> tuple[int, int]:
    """About twenty visitors over the last four weeks; the first few from registered
    prospects who came for an investment talk or a tour are filed as leads."""
    prospects = list(
        Enterprise.objects.filter(jurisdiction_code=LOCAL_REGION)
        .exclude(kind=PartyKind.ENTERPRISE.value)
        .order_by("id")[:8]
    )
    purposes = [
        VisitPurpose.INVESTMENT,
        VisitPurpose.TOUR,
        VisitPurpose.MEETING,
        VisitPurpose.EVENT,
        VisitPurpose.OTHER,
    ]
    made = leads = 0
    for n in range(20):
        day = timezone.localdate(now) - timedelta(days=1 + rng.randrange(28))
        while day.isoweekday() > 5:
            day -= timedelta(days=1)
        arrived = timezone.make_aware(
            datetime.combine(day, time(9 + rng.randrange(8), rng.choice((0, 15, 30, 45))))
        )
        if prospects and rng.random() < 0.7:
            org = prospects[n % len(prospects)].name
        else:
            org = rng.choice(UNKNOWN_ORGS)
        purpose = rng.choices(purposes, weights=(4, 3, 3, 1, 1))[0]
        hosted_by_firm = purpose == VisitPurpose.MEETING and residents
        visit = visit_create(
            actor=broker,
            visitor_name=VISITORS[n % len(VISITORS)],
            organisation=org,
            host_user=None if hosted_by_firm else rng.choice((broker, operator)),
            host_party=rng.choice(residents) if hosted_by_firm else None,
            purpose=purpose,
            arrived_at=arrived,
            note=rng.choice(VISIT_NOTES),
            jurisdiction_code=LOCAL_REGION,
        )
        visit_leave(
            actor=broker, visit=visit, at=arrived + timedelta(minutes=30 + 15 * rng.randrange(8))
        )
        made += 1
        if visit.party is not None and purpose in LEAD_PURPOSES and leads < 5:
            try:
                visit_file_lead(actor=broker, visit=visit, at=arrived + timedelta(hours=2))
                leads += 1
            except (ValidationError, PermissionDenied):
                continue  # already in the pipeline, or outside the broker's part
    return made, leads


def _load_history(
    operator: User, residents: list[Enterprise], rng: random.Random, now: datetime
) -> int:
    """Past bookings of the last ``HISTORY_WEEKS`` weeks, written directly (the services
    refuse the past): meeting rooms in blocks, quick offices by the day, pods at noon;
    most confirmed bookings checked in, some no-shows, a few cancelled."""
    rooms = list(
        Resource.objects.filter(
            jurisdiction_code=LOCAL_REGION,
            kind__in=[
                ResourceKind.MEETING_ROOM,
                ResourceKind.QUICK_OFFICE,
                ResourceKind.SLEEPING_POD,
            ],
        ).order_by("id")
    )
    parties: list[Enterprise | None] = [*residents, None]
    plan: list[tuple[Resource, datetime, datetime]] = []
    today = timezone.localdate(now)
    for back in range(HISTORY_WEEKS * 7, 0, -1):
        day = today - timedelta(days=back)
        if day.isoweekday() > 5:
            continue

        def at(hour: int, minute: int = 0, day: date = day) -> datetime:
            return timezone.make_aware(datetime.combine(day, time(hour, minute)))

        for r in rooms:
            if r.kind == ResourceKind.MEETING_ROOM:
                for h0, m0, h1, m1 in ROOM_BLOCKS:
                    if rng.random() < 0.45:
                        plan.append((r, at(h0, m0), at(h1, m1)))
            elif r.kind == ResourceKind.QUICK_OFFICE:
                if rng.random() < 0.6:
                    plan.append((r, at(9), at(18)))
            elif rng.random() < 0.3:
                plan.append((r, at(13), at(14)))
    bookings = []
    for r, start, end in plan:
        roll = rng.random()
        cancelled = roll < 0.06
        checked = not cancelled and roll < 0.86
        hours = Decimal((end - start).total_seconds()) / 3600
        bookings.append(
            Booking(
                resource=r,
                booked_by=operator,
                party=rng.choice(parties),
                start=start,
                end=end,
                status=BookingStatus.CANCELLED if cancelled else BookingStatus.CONFIRMED,
                title="",
                price=(r.hourly_price * hours).quantize(Decimal("0.01")),
                cancelled_at=start - timedelta(days=1) if cancelled else None,
                checked_in_at=start + timedelta(minutes=rng.randrange(0, 15)) if checked else None,
                checked_in_by=operator if checked else None,
            )
        )
    with transaction.atomic():
        made = Booking.objects.bulk_create(bookings)
        if connection.vendor != "postgresql":  # SQLite: the slots active bookings hold
            step = timedelta(minutes=GRID_MINUTES)
            slots = []
            for b in made:
                if b.status != BookingStatus.CONFIRMED:
                    continue
                moment = b.start
                while moment < b.end:
                    slots.append(BookingSlot(resource_id=b.resource_id, start=moment, booking=b))
                    moment += step
            BookingSlot.objects.bulk_create(slots, batch_size=2000)
    return len(made)
