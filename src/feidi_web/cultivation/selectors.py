"""Reads of cultivation: the diagnoses of a user's firms in rows and counts, one firm's
diagnosis in words, the cases, and the services with what came of them."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.utils import timezone

from feidi.diagnosis import FLAGS, TYPES, Diagnosis, load_services, service_by_id
from feidi_web.accounts.models import User
from feidi_web.common.lang import core_lang, pick
from feidi_web.cultivation.diagnosing import diagnosis_of
from feidi_web.cultivation.models import CaseStatus, ServiceCase, TypeReview
from feidi_web.cultivation.outcomes import ServiceOutcome, case_outcome, service_outcomes
from feidi_web.cultivation.permissions import cases_for, firms_for
from feidi_web.enterprises.models import Enterprise
from feidi_web.evaluations.ladder import title_label


def type_text(type_id: str | None) -> str:
    if not type_id:
        return pick(("未定（缺数据）", "undecided (inputs missing)"))
    return pick(TYPES[type_id])


def flag_text(flag: str) -> str:
    return pick(FLAGS[flag])


def service_text(service: str) -> str:
    try:
        s = service_by_id(service)
    except KeyError:  # a service the catalogue no longer has: its cases still show
        return service
    return pick((s.name, s.name_en))


def latest_reviews(enterprise_ids: list[int]) -> dict[int, TypeReview]:
    out: dict[int, TypeReview] = {}
    rows = TypeReview.objects.filter(enterprise_id__in=enterprise_ids).select_related("by")
    for r in rows:  # ordered oldest first: the last one holds
        out[r.enterprise_id] = r
    return out


@dataclass(frozen=True)
class DiagnosisRow:
    enterprise: Enterprise
    type: str | None  # the rules' type
    type_text: str
    staff_type_text: str  # "" when staff did not disagree
    flags: list[str]  # in words
    services: list[str]  # recommended, best first, in words


@dataclass
class DiagnosisOverview:
    diagnosis: Diagnosis
    firms: int = 0
    by_type: list[tuple[str, str, int]] = field(default_factory=list)  # (id, words, firms)
    by_flag: list[tuple[str, str, int]] = field(default_factory=list)  # raised flags
    by_service: list[tuple[str, str, int]] = field(default_factory=list)  # recommended
    reviewed: int = 0  # firms whose type staff disagreed with


def overview(user: User, *, as_of: date | None = None) -> DiagnosisOverview:
    firms = firms_for(user)
    d = diagnosis_of(firms, as_of=as_of)
    types = Counter(d.types["type"].to_list())
    flags = Counter(d.flags.filter(pl.col("status") == "raised")["flag"].to_list())
    services = Counter(d.recommendations.unique(["credit_code", "service"])["service"].to_list())
    ids = list(firms.filter(credit_code__isnull=False).values_list("id", flat=True))
    return DiagnosisOverview(
        diagnosis=d,
        firms=d.types.height,
        by_type=[(t, type_text(t), types.get(t, 0)) for t in TYPES]
        + ([("undecided", type_text(None), types[None])] if types.get(None) else []),
        by_flag=[(f, flag_text(f), flags.get(f, 0)) for f in FLAGS],
        by_service=sorted(
            ((s.id, pick((s.name, s.name_en)), services.get(s.id, 0)) for s in load_services()),
            key=lambda r: -r[2],
        ),
        reviewed=len(latest_reviews(ids)),
    )


def diagnosis_rows(
    user: User,
    d: Diagnosis,
    *,
    q: str = "",
    type: str = "",
    flag: str = "",
    service: str = "",
) -> tuple[QuerySet[Enterprise], dict[str, dict[str, Any]]]:
    """The firms matching the filters (a queryset to page through) and, by credit code, what
    the rows show. Filtering happens on the diagnosis frames, then one query."""
    codes = d.types
    if type == "undecided":
        codes = codes.filter(pl.col("type").is_null())
    elif type:
        codes = codes.filter(pl.col("type") == type)
    wanted = set(codes["credit_code"].to_list())
    if flag:
        raised = d.flags.filter((pl.col("flag") == flag) & (pl.col("status") == "raised"))
        wanted &= set(raised["credit_code"].to_list())
    if service:
        wanted &= set(d.recommendations.filter(pl.col("service") == service)["credit_code"])
    qs = firms_for(user).filter(credit_code__in=wanted).order_by("name", "id")
    if q:
        qs = qs.filter(name__icontains=q)
    return qs, _facts(d)


def _facts(d: Diagnosis) -> dict[str, dict[str, Any]]:
    facts: dict[str, dict[str, Any]] = defaultdict(lambda: {"flags": [], "services": []})
    for code, t in d.types.select("credit_code", "type").iter_rows():
        facts[code]["type"] = t
    for code, f in (
        d.flags.filter(pl.col("status") == "raised").select("credit_code", "flag").iter_rows()
    ):
        facts[code]["flags"].append(flag_text(f))
    for code, s in d.recommendations.sort("rank").select("credit_code", "service").iter_rows():
        if service_text(s) not in facts[code]["services"]:
            facts[code]["services"].append(service_text(s))
    return facts


def rows_for_page(firms: list[Enterprise], facts: dict[str, dict[str, Any]]) -> list[DiagnosisRow]:
    reviews = latest_reviews([f.pk for f in firms])
    out = []
    for f in firms:
        fact = facts.get(str(f.credit_code), {"flags": [], "services": []})
        review = reviews.get(f.pk)
        out.append(
            DiagnosisRow(
                enterprise=f,
                type=fact.get("type"),
                type_text=type_text(fact.get("type")),
                staff_type_text=type_text(review.staff_type) if review else "",
                flags=fact["flags"],
                services=fact["services"][:3],
            )
        )
    return out


@dataclass(frozen=True)
class CaseRow:
    case: ServiceCase
    service: str
    status: str
    firm: str
    opened_by: str


def case_search(user: User, *, status: str = "", service: str = "") -> QuerySet[ServiceCase]:
    qs = cases_for(user).select_related("enterprise", "opened_by")
    if status:
        qs = qs.filter(status=status)
    if service:
        qs = qs.filter(service=service)
    return qs


def case_row(c: ServiceCase) -> CaseRow:
    return CaseRow(
        case=c,
        service=service_text(c.service),
        status=str(CaseStatus(c.status).label),
        firm=c.enterprise.name,
        opened_by=c.opened_by.display_name,
    )


def case_history(c: ServiceCase) -> list[dict[str, Any]]:
    return [
        {
            "at": h.at,
            "from": CaseStatus(h.from_status).label if h.from_status else "",
            "to": CaseStatus(h.status).label,
            "who": h.actor.display_name if h.actor else "—",
            "note": h.note,
        }
        for h in c.history.select_related("actor")
    ]


def tier_text(tier: str) -> str:
    return title_label(tier) if tier else pick(("无", "none"))


def case_figures(c: ServiceCase) -> dict[str, Any]:
    """The baseline, the latest figures and the outcome so far, for the case page."""
    after, outcome = case_outcome(c)
    return {
        "baseline": c.baseline,
        "after": after,
        "outcome": outcome,
        "type": type_text(c.baseline.get("type") or None),
        "baseline_tier": tier_text(str(c.baseline.get("tier") or "")),
        "tier_now": tier_text(str(after.get("tier") or "")),
    }


@dataclass(frozen=True)
class ServiceRow:
    id: str
    name: str
    summary: str
    suits: str
    source: str
    duration: str
    recommended: int  # firms in scope it is recommended to
    outcome: ServiceOutcome

    @property
    def medians(self) -> tuple[Any, Any]:
        return (self.outcome.served, self.outcome.comparable)


def services_report(user: User, *, today: date | None = None) -> list[ServiceRow]:
    """The catalogue with, for each service, its cases in the user's scope and what came of
    them beside comparable firms that were not served."""
    firms = firms_for(user)
    d = diagnosis_of(firms, as_of=today)
    types = dict(d.types.select("credit_code", "type").iter_rows())
    cases = list(case_search(user))
    outcomes = service_outcomes(
        cases, firms.filter(credit_code__isnull=False), types, today=today or timezone.localdate()
    )
    lang = core_lang()
    recommended = Counter(d.recommendations.unique(["credit_code", "service"])["service"].to_list())
    rows = []
    for s in load_services():
        rows.append(
            ServiceRow(
                id=s.id,
                name=pick((s.name, s.name_en)),
                summary=pick((s.summary, s.summary_en)),
                suits=s.suits_text(lang),
                source=pick((s.source, s.source_en)),
                duration=pick(s.duration),
                recommended=recommended.get(s.id, 0),
                outcome=outcomes.get(s.id, ServiceOutcome(s.id)),
            )
        )
    return rows
