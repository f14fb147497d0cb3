"""The demo centre's space: the 2,000 m² 常熟(北京)创新中心 at 北京王庄路1号, 五道口 — open desks,
quick offices, meeting rooms, the exhibition hall, the lounge, the café and sleeping pods —
and a few bookings of the coming days, made through the space's services. The demo loader
calls ``load_space`` after the accounts and the firms exist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from feidi.demo import LOCAL_REGION
from feidi_web.accounts.models import User
from feidi_web.enterprises.models import Enterprise
from feidi_web.space.models import BookableBy, Resource, ResourceKind
from feidi_web.space.services import BookingTaken, booking_create


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
    enclave operator for the centre, and by the county's firms' users, if any). A platform
    that has resources is left as it is. Returns the number of resources."""
    if Resource.objects.exists():
        return 0
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
