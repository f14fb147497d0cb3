"""What came of the cases: each served firm's figures since its referral, beside comparable
firms that were not served over the same years.

A case's **outcome** is measured from its baseline (the firm's latest fiscal year and tier
when it was referred) to the firm's latest fiscal year after it and its tier today — from the
registry, so it follows every import. **Comparable firms** for a case are the firms of the
same scope that were never referred to that service, of the same type when the case opened
(the rules' type today stands in for theirs: types move slowly), with figures for both years;
their change over the same two years is the comparison. The report gives medians side by
side with the counts. It is a comparison, not an estimate of what the service caused: firms
are referred because they differ, and small groups vary a lot — the pages say so.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from feidi_web.cultivation.figures import figures_of, highest_tier, snapshot, tier_rank
from feidi_web.cultivation.models import CaseStatus, ServiceCase
from feidi_web.enterprises.models import Enterprise, FiscalYear


@dataclass(frozen=True)
class Change:
    """A firm's change between two fiscal years (None where a figure is missing)."""

    from_year: int
    to_year: int
    jobs: float | None  # employees, difference
    revenue_growth: float | None  # percent, None when the base is not positive
    rd: float | None  # R&D expense, difference in 万元
    tier_up: bool  # holds a higher tier now than at the start


def change(before: Mapping[str, Any], after: Mapping[str, Any]) -> Change | None:
    """From two snapshots (``figures.snapshot``); None when either has no year."""
    if before.get("year") is None or after.get("year") is None:
        return None

    def diff(name: str) -> float | None:
        a, b = before.get(name), after.get(name)
        return None if a is None or b is None else float(b) - float(a)

    r0, r1 = before.get("revenue"), after.get("revenue")
    growth = (float(r1) / float(r0) - 1) * 100 if r0 and r1 is not None and r0 > 0 else None
    return Change(
        from_year=int(before["year"]),
        to_year=int(after["year"]),
        jobs=diff("employees"),
        revenue_growth=growth,
        rd=diff("rd_expense"),
        tier_up=tier_rank(str(after.get("tier") or "")) > tier_rank(str(before.get("tier") or "")),
    )


def _years_by_firm(ids: Iterable[int]) -> dict[int, list[tuple[int, dict[str, Any]]]]:
    out: dict[int, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    rows = FiscalYear.objects.filter(enterprise_id__in=list(ids)).values_list(
        "enterprise_id", "year", "figures"
    )
    for e, y, f in rows.iterator(chunk_size=5000):
        out[e].append((y, f))
    return out


def case_outcome(
    case: ServiceCase, *, today: date | None = None
) -> tuple[dict[str, Any], Change | None]:
    """The firm's latest figures after its baseline year, and the case's outcome so far
    (None until the registry holds a year after the baseline)."""
    years = list(
        FiscalYear.objects.filter(enterprise=case.enterprise).values_list("year", "figures")
    )
    after = snapshot(
        case.enterprise.profile,
        years,
        on=today or timezone.localdate(),
        after=case.baseline.get("year"),
    )
    return after, change(case.baseline, after)


@dataclass(frozen=True)
class Medians:
    firms: int  # with a change measured
    jobs: float | None
    revenue_growth: float | None
    rd: float | None
    tier_up_share: float | None  # percent of the firms


def medians(changes: list[Change]) -> Medians:
    def med(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None

    return Medians(
        firms=len(changes),
        jobs=med([c.jobs for c in changes]),
        revenue_growth=med([c.revenue_growth for c in changes]),
        rd=med([c.rd for c in changes]),
        tier_up_share=(100 * sum(c.tier_up for c in changes) / len(changes)) if changes else None,
    )


@dataclass
class ServiceOutcome:
    service: str
    cases: int = 0  # all cases of the service in scope
    open: int = 0
    done: int = 0
    served: Medians = field(default_factory=lambda: medians([]))
    comparable: Medians = field(default_factory=lambda: medians([]))


def service_outcomes(
    cases: Iterable[ServiceCase],
    firms: Iterable[Enterprise],
    types: Mapping[str, str | None],
    *,
    today: date | None = None,
) -> dict[str, ServiceOutcome]:
    """Per service: its cases, the served firms' median change (done cases with a later
    year), and comparable firms' median change over the same years. ``firms`` are the firms in
    scope, ``types`` the rules' type of each by credit code."""
    on = today or timezone.localdate()
    cases = list(cases)
    firms = [f for f in firms if f.credit_code]
    years = _years_by_firm([f.pk for f in firms] + [c.enterprise_id for c in cases])
    by_year = {pk: dict(rows) for pk, rows in years.items()}
    by_type: dict[str | None, list[Enterprise]] = defaultdict(list)
    for f in firms:
        by_type[types.get(str(f.credit_code)) or None].append(f)
    served_by: dict[str, set[int]] = defaultdict(set)
    for c in cases:
        served_by[c.service].add(c.enterprise_id)
    # a firm's highest tier on a day, worked out once per firm and day (cases share days)
    tiers: dict[tuple[int, date], str] = {}

    def tier(f: Enterprise, day: date) -> str:
        key = (f.pk, day)
        if key not in tiers:
            tiers[key] = highest_tier(f.profile, day)
        return tiers[key]

    def at(f: Enterprise, year: int, day: date) -> dict[str, Any]:
        return {"year": year, **figures_of(by_year[f.pk][year]), "tier": tier(f, day)}

    changes: dict[tuple[int, int, int, date], Change | None] = {}
    out: dict[str, ServiceOutcome] = {}
    served: dict[str, list[Change]] = defaultdict(list)
    compared: dict[str, list[Change]] = defaultdict(list)
    for c in cases:
        o = out.setdefault(c.service, ServiceOutcome(c.service))
        o.cases += 1
        o.open += c.status in (CaseStatus.OPENED, CaseStatus.IN_SERVICE)
        if c.status != CaseStatus.DONE:
            continue
        o.done += 1
        base_year = c.baseline.get("year")
        ch = change(
            c.baseline,
            snapshot(c.enterprise.profile, years.get(c.enterprise_id, []), on=on, after=base_year),
        )
        if ch is None:
            continue
        served[c.service].append(ch)
        opened = timezone.localdate(c.opened_at)
        for f in by_type.get(c.baseline.get("type") or None, []):
            fy = by_year.get(f.pk, {})
            if f.pk in served_by[c.service] or ch.from_year not in fy or ch.to_year not in fy:
                continue
            key = (f.pk, ch.from_year, ch.to_year, opened)
            if key not in changes:  # the same firm, years and day for another case
                changes[key] = change(at(f, ch.from_year, opened), at(f, ch.to_year, on))
            cmp = changes[key]
            if cmp is not None:
                compared[c.service].append(cmp)
    for service, o in out.items():
        o.served = medians(served[service])
        o.comparable = medians(compared[service])
    # a firm-year pair compared for several cases of a service counts once per case: the
    # comparison is per case, as the served side is
    return out
