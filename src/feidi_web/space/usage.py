"""How the centre's space is used, for its staff: occupancy by resource × hour of day, the
busiest weekday × hour slots, no-shows and check-ins, resident-firm churn per month, and the
takings from bookings — over a range of days (default: the last eight full weeks), for the
resources and memberships of the reader's division. Pure reads; every figure is counted from
rows (bookings laid out in Polars hour by hour, memberships month by month), never stored.

Definitions (one home each):

* **occupancy** of a resource at an hour of day = the minutes of that hour its *confirmed*
  bookings held, over the minutes it was open in that hour, summed across the days of the
  range (0–100 %); an hour it never opens has no occupancy (``None``, not 0);
* **no-show rate** = no-shows (``selectors.no_show_q``) / confirmed bookings of the range
  that have ended; **check-in rate** = those checked in / the same;
* **churn** of a month = terms that ended in it without a renewal (status ended or
  cancelled) / terms running when it began. A renewal (a term with ``renewal_of``) is neither
  new nor an end: the firm stayed;
* **revenue** = the price of the confirmed bookings starting in the range.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feidi_web.accounts.models import User
from feidi_web.accounts.scope import division_q, scope_text
from feidi_web.space.models import Booking, BookingStatus, Membership, MembershipStatus
from feidi_web.space.permissions import is_staff, resources_for_user
from feidi_web.space.selectors import monday_of, no_show_q

#: The longest range one report covers (days).
MAX_DAYS = 366
#: The default range: this many full weeks before the current one.
DEFAULT_WEEKS = 8
#: How many busiest slots are listed.
TOP_SLOTS = 10
HOURS = range(24)


def require_usage_reader(user: User) -> None:
    """The centre's staff read the figures; firm users (and everyone else) are refused."""
    if not is_staff(user):
        raise PermissionDenied


# --- the range ------------------------------------------------------------------------------


def default_range(today: date) -> tuple[date, date]:
    """The last ``DEFAULT_WEEKS`` full weeks (Monday to Sunday) before this one."""
    monday = monday_of(today)
    return monday - timedelta(weeks=DEFAULT_WEEKS), monday - timedelta(days=1)


class RangeForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("From"), required=False)
    until = forms.DateField(label=gettext_lazy("Until (inclusive)"), required=False)

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        for f in self.fields.values():
            f.widget = forms.DateInput(attrs={"type": "date", "class": "form-control"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        first, last = default_range(self.today)
        since = data.get("since") or first
        until = data.get("until") or (last if not data.get("since") else self.today)
        if until < since:
            self.add_error("until", _("The end of the range must not come before its start."))
        elif (until - since).days + 1 > MAX_DAYS:
            self.add_error("until", _("A range covers %(days)d days at most.") % {"days": MAX_DAYS})
        data["since"], data["until"] = since, until
        return data


# --- the figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceUsage:
    resource_id: int
    name: str
    #: Occupancy per hour of day 0–23 (percent; None where the resource is never open).
    hours: list[float | None]
    open_hours: float
    booked_hours: float
    occupancy: float | None
    #: Confirmed bookings of the range that have ended, and of them no-shows and check-ins.
    past: int
    no_shows: int
    checked_in: int
    no_show_rate: float | None
    check_in_rate: float | None
    revenue: Decimal


@dataclass(frozen=True)
class Slot:
    weekday: int  # ISO: 1 = Monday … 7 = Sunday
    hour: int
    occupancy: float
    booked_hours: float

    @property
    def weekday_text(self) -> str:
        return str(WEEKDAYS[self.weekday - 1])

    @property
    def hour_text(self) -> str:
        return f"{self.hour:02d}:00–{self.hour + 1:02d}:00"


@dataclass(frozen=True)
class ChurnMonth:
    month: date
    active_at_start: int
    new: int
    ended: int  # without a renewal
    renewed: int
    churn_rate: float | None

    @property
    def month_text(self) -> str:
        return f"{self.month:%Y-%m}"


@dataclass(frozen=True)
class Usage:
    since: date
    until: date
    scope: str
    generated: datetime
    resources: list[ResourceUsage]
    #: The hours of day some resource is open (the heatmap's columns).
    hours: list[int]
    busiest: list[Slot]
    open_hours: float
    booked_hours: float
    occupancy: float | None
    past: int
    no_shows: int
    checked_in: int
    no_show_rate: float | None
    check_in_rate: float | None
    revenue: Decimal
    churn: list[ChurnMonth] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


def percent(part: float, whole: float) -> float | None:
    """``part`` of ``whole`` in percent, one decimal; None when there is no whole."""
    return round(100.0 * part / whole, 1) if whole else None


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def usage_for(user: User, since: date, until: date, *, now: datetime | None = None) -> Usage:
    """The figures of ``user``'s division from ``since`` to ``until`` (both included)."""
    require_usage_reader(user)
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    start_at = datetime.combine(since, time(0), tzinfo=tz)
    end_at = datetime.combine(until + timedelta(days=1), time(0), tzinfo=tz)
    resources = list(resources_for_user(user).order_by("kind", "name", "id"))
    ids = [r.pk for r in resources]

    # open minutes: per resource × hour of day, and per weekday × hour (all resources)
    weekdays = Counter(
        (since + timedelta(days=i)).isoweekday() for i in range((until - since).days + 1)
    )
    open_rh: dict[tuple[int, int], int] = {}
    open_wh: Counter[tuple[int, int]] = Counter()
    for r in resources:
        days = [int(d) for d in set(r.open_days)]
        for h in HOURS:
            per_day = _overlap(h * 60, h * 60 + 60, r.opens_minute, r.closes_minute)
            if not per_day:
                continue
            open_rh[r.pk, h] = per_day * sum(weekdays[d] for d in days)
            for d in days:
                open_wh[d, h] += per_day * weekdays[d]

    booked_rh, booked_wh = _booked_minutes(resources, start_at, end_at)

    # no-shows, check-ins and takings, counted by the database
    in_range = Q(resource_id__in=ids, start__gte=start_at, start__lt=end_at)
    past_q = Q(status=BookingStatus.CONFIRMED, end__lt=now)
    counts: dict[int, dict[str, Any]] = {
        row["resource_id"]: dict(row)
        for row in Booking.objects.filter(in_range)
        .values("resource_id")
        .annotate(
            past=Count("id", filter=past_q),
            no_shows=Count("id", filter=no_show_q(now)),
            checked_in=Count("id", filter=past_q & Q(checked_in_at__isnull=False)),
            revenue=Sum("price", filter=Q(status=BookingStatus.CONFIRMED)),
        )
        .order_by()
    }

    rows = []
    for r in resources:
        c: dict[str, Any] = counts.get(r.pk, {})
        opened = sum(open_rh.get((r.pk, h), 0) for h in HOURS)
        booked = sum(booked_rh.get((r.pk, h), 0) for h in HOURS)
        past, no_shows, checked = c.get("past", 0), c.get("no_shows", 0), c.get("checked_in", 0)
        rows.append(
            ResourceUsage(
                resource_id=r.pk,
                name=r.name,
                hours=[
                    percent(booked_rh.get((r.pk, h), 0), open_rh[r.pk, h])
                    if open_rh.get((r.pk, h))
                    else None
                    for h in HOURS
                ],
                open_hours=opened / 60,
                booked_hours=booked / 60,
                occupancy=percent(booked, opened),
                past=past,
                no_shows=no_shows,
                checked_in=checked,
                no_show_rate=percent(no_shows, past),
                check_in_rate=percent(checked, past),
                revenue=c.get("revenue") or Decimal(0),
            )
        )
    busiest = sorted(
        (
            Slot(d, h, percent(booked_wh[d, h], minutes) or 0.0, booked_wh[d, h] / 60)
            for (d, h), minutes in open_wh.items()
            if minutes and booked_wh.get((d, h))
        ),
        key=lambda s: (-s.occupancy, -s.booked_hours, s.weekday, s.hour),
    )[:TOP_SLOTS]
    opened_all = sum(r.open_hours for r in rows)
    booked_all = sum(r.booked_hours for r in rows)
    past_all = sum(r.past for r in rows)
    return Usage(
        since=since,
        until=until,
        scope=scope_text(user),
        generated=now,
        resources=rows,
        hours=sorted({h for (_r, h), m in open_rh.items() if m}),
        busiest=busiest,
        open_hours=opened_all,
        booked_hours=booked_all,
        occupancy=percent(booked_all, opened_all),
        past=past_all,
        no_shows=sum(r.no_shows for r in rows),
        checked_in=sum(r.checked_in for r in rows),
        no_show_rate=percent(sum(r.no_shows for r in rows), past_all),
        check_in_rate=percent(sum(r.checked_in for r in rows), past_all),
        revenue=sum((r.revenue for r in rows), Decimal(0)),
        churn=churn_by_month(user, since, until),
    )


def _booked_minutes(
    resources: list[Any], start_at: datetime, end_at: datetime
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """Minutes held by confirmed bookings inside the range and the opening hours: per
    (resource, hour of day) and per (ISO weekday, hour of day). Each booking is cut into the
    clock hours it touches (Polars), each piece clipped to the range and that day's opening."""
    if not resources:
        return {}, {}
    found = list(
        Booking.objects.filter(
            resource_id__in=[r.pk for r in resources],
            status=BookingStatus.CONFIRMED,
            start__lt=end_at,
            end__gt=start_at,
        ).values_list("resource_id", "start", "end")
    )
    if not found:
        return {}, {}
    tz = str(timezone.get_current_timezone())
    local = pl.Datetime("us", "UTC")
    bookings = pl.DataFrame(
        found, schema={"resource": pl.Int64, "start": local, "end": local}, orient="row"
    ).with_columns(
        # naive local wall time: the opening hours are wall-clock hours
        pl.col(c).dt.convert_time_zone(tz).dt.replace_time_zone(None)
        for c in ("start", "end")
    )
    lo = timezone.localtime(start_at).replace(tzinfo=None)
    hi = timezone.localtime(end_at).replace(tzinfo=None)
    opening = pl.DataFrame(
        {
            "resource": [r.pk for r in resources],
            "opens": [r.opens_minute for r in resources],
            "closes": [r.closes_minute for r in resources],
            "open_days": [r.open_days for r in resources],
        },
        schema={"resource": pl.Int64, "opens": pl.Int64, "closes": pl.Int64, "open_days": pl.Utf8},
    )
    one_hour = pl.duration(hours=1)
    pieces = (
        bookings.with_columns(
            start=pl.max_horizontal(pl.col("start"), pl.lit(lo)),
            end=pl.min_horizontal(pl.col("end"), pl.lit(hi)),
        )
        .filter(pl.col("end") > pl.col("start"))
        .with_columns(
            slot=pl.datetime_ranges(
                pl.col("start").dt.truncate("1h"),
                pl.col("end") - pl.duration(microseconds=1),
                interval="1h",
            )
        )
        .explode("slot")
        .join(opening, on="resource")
        .with_columns(day=pl.col("slot").dt.truncate("1d"))
        .with_columns(
            lo=pl.max_horizontal(
                "start", "slot", pl.col("day") + pl.duration(minutes=pl.col("opens"))
            ),
            hi=pl.min_horizontal(
                "end",
                pl.col("slot") + one_hour,
                pl.col("day") + pl.duration(minutes=pl.col("closes")),
            ),
            weekday=pl.col("slot").dt.weekday(),
            hour=pl.col("slot").dt.hour().cast(pl.Int64),
        )
        .filter(pl.col("open_days").str.contains(pl.col("weekday").cast(pl.Utf8), literal=True))
        .with_columns(minutes=(pl.col("hi") - pl.col("lo")).dt.total_minutes().clip(lower_bound=0))
        .filter(pl.col("minutes") > 0)
    )
    by_resource = pieces.group_by("resource", "hour").agg(pl.col("minutes").sum())
    by_weekday = pieces.group_by("weekday", "hour").agg(pl.col("minutes").sum())
    return (
        {(r, h): int(m) for r, h, m in by_resource.iter_rows()},
        {(int(d), h): int(m) for d, h, m in by_weekday.iter_rows()},
    )


def _month_starts(since: date, until: date) -> list[date]:
    months, m = [], since.replace(day=1)
    while m <= until:
        months.append(m)
        m = (m + timedelta(days=32)).replace(day=1)
    return months


def churn_by_month(user: User, since: date, until: date) -> list[ChurnMonth]:
    """Per calendar month the range touches: terms running on its first day (renewals that
    begin that day included), new firms (first terms beginning in it), terms that ended in it
    without a renewal, terms renewed in it, and the churn rate."""
    require_usage_reader(user)
    tz = timezone.get_current_timezone()
    rows = list(
        Membership.objects.filter(division_q(user, "jurisdiction_code")).values_list(
            "starts_on", "ends_on", "status", "renewal_of_id", "ended_at"
        )
    )
    terms = pl.DataFrame(
        [
            {
                "starts_on": s,
                "last_day": _last_day(
                    e, status, ended_at.astimezone(tz).date() if ended_at else None
                ),
                "status": status,
                "renewal": renewal_of is not None,
            }
            for s, e, status, renewal_of, ended_at in rows
        ],
        schema={
            "starts_on": pl.Date,
            "last_day": pl.Date,
            "status": pl.Utf8,
            "renewal": pl.Boolean,
        },
    )
    gone = [MembershipStatus.ENDED.value, MembershipStatus.CANCELLED.value]
    out = []
    for m0 in _month_starts(since, until):
        m1 = (m0 + timedelta(days=32)).replace(day=1)
        running = (pl.col("starts_on") <= m0) & (pl.col("last_day") >= m0)
        at_start = running & ((pl.col("starts_on") < m0) | pl.col("renewal"))
        ends_in = (pl.col("last_day") >= m0) & (pl.col("last_day") < m1)
        counted = terms.select(
            active=at_start.sum(),
            new=(
                ~pl.col("renewal") & (pl.col("starts_on") >= m0) & (pl.col("starts_on") < m1)
            ).sum(),
            ended=(ends_in & pl.col("status").is_in(gone)).sum(),
            renewed=(ends_in & (pl.col("status") == MembershipStatus.RENEWED.value)).sum(),
        ).row(0, named=True)
        active = int(counted["active"] or 0)
        ended = int(counted["ended"] or 0)
        out.append(
            ChurnMonth(
                month=m0,
                active_at_start=active,
                new=int(counted["new"] or 0),
                ended=ended,
                renewed=int(counted["renewed"] or 0),
                churn_rate=percent(ended, active),
            )
        )
    return out


def _last_day(ends_on: date, status: str, ended_on: date | None) -> date:
    """The last day a term ran: its end date, or the day it was ended early (cancelled, or
    ended before its term)."""
    if status in (MembershipStatus.ENDED, MembershipStatus.CANCELLED) and ended_on is not None:
        return min(ends_on, ended_on)
    return ends_on


# --- for the chart and the printed heatmap --------------------------------------------------


def heatmap_payload(usage: Usage) -> dict[str, Any]:
    """The ECharts heatmap's data (``usage.js``): resources × the open hours of day."""
    hours = usage.hours
    cells = [
        [x, y, r.hours[h]]
        for y, r in enumerate(usage.resources)
        for x, h in enumerate(hours)
        if r.hours[h] is not None
    ]
    return {
        "hours": [f"{h:02d}:00" for h in hours],
        "resources": [r.name for r in usage.resources],
        "cells": cells,
        "title": _("Occupancy by hour of day (%)"),
        "closed": _("closed"),
        "churn": {
            "title": _("Resident firms per month"),
            "months": [m.month_text for m in usage.churn],
            "series": [
                {"name": _("New"), "data": [m.new for m in usage.churn]},
                {"name": _("Ended without renewal"), "data": [m.ended for m in usage.churn]},
                {"name": _("Renewed"), "data": [m.renewed for m in usage.churn]},
            ],
        },
    }


def shade(value: float | None) -> str:
    """A cell's background for the printed heatmap: white at 0 %, deep blue at 100 %, grey
    where closed."""
    if value is None:
        return "background:#e9ecef"
    v = max(0.0, min(100.0, value)) / 100
    r, g, b = (round(255 + (t - 255) * v) for t in (31, 78, 121))
    text = "#fff" if v > 0.55 else "#212529"
    return f"background:rgb({r},{g},{b});color:{text}"
