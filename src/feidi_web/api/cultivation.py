"""Diagnoses and service cases over HTTP, in the same scope rules as the pages: a firm or a
case outside the caller's scope is *not found*. Types, flags and services come with their id
and their name in the request's language (``Accept-Language`` or the session's)."""

from datetime import datetime
from typing import Any, Literal

import polars as pl
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from feidi_web.api.errors import seen_version
from feidi_web.api.pagination import Pagination
from feidi_web.api.schemas import _TEXT, errors
from feidi_web.common.audit import VIA_API
from feidi_web.common.lang import pick
from feidi_web.cultivation import selectors
from feidi_web.cultivation.diagnosing import diagnosis_of
from feidi_web.cultivation.models import ServiceCase
from feidi_web.cultivation.permissions import case_for, firm_for, firms_for
from feidi_web.cultivation.services import case_move, case_open

router = Router(tags=["cultivation"])

TypeId = Literal["laggard", "middle", "vanguard"]
CaseState = Literal["opened", "in_service", "done", "cancelled"]


class FlagOut(Schema):
    flag: str = Field(description="Flag id: falling_revenue, rising_debt, no_rd, detached, …")
    name: str = Field(description="The flag in words.")
    status: Literal["raised", "unknown"] = Field(
        description="raised, or unknown (an input it needs is missing)."
    )
    evidence: str = Field(description="The figures that raise it, in words.")


class RecommendationOut(Schema):
    service: str = Field(description="Service id of the catalogue.")
    name: str = Field(description="The service in words.")
    rank: int = Field(description="1 = the best fit.")
    reason: str = Field(description="Why it suits the firm, in words.")


class DiagnosisOut(Schema):
    credit_code: str
    name: str = Field(description="The firm's name.")
    type: TypeId | None = Field(description="The rules' type; null when inputs are missing.")
    type_name: str = Field(description="The type in words.")
    staff_type: TypeId | None = Field(description="Staff's type, when they disagreed.")
    staff_reason: str = Field(description="Why staff disagreed (empty if they did not).")
    flags: list[FlagOut]
    recommendations: list[RecommendationOut]


class DiagnosisQuery(Schema):
    type: TypeId | Literal["undecided"] | None = Field(None, description="Only this type.")
    flag: str = Field(
        "", max_length=40, pattern=r"^[a-z_]*$", description="Only with this flag raised."
    )
    service: str = Field(
        "", max_length=40, pattern=r"^[a-z_]*$", description="Only firms this service suits."
    )


def _diagnosis_out(d: Any, firm: Any, review: Any) -> dict[str, Any]:
    code = str(firm.credit_code)
    t = d.types.filter(pl.col("credit_code") == code)
    type_id = t["type"][0] if t.height else None
    flags = d.flags.filter(pl.col("credit_code") == code)
    recs = d.recommendations.filter(pl.col("credit_code") == code).sort("rank")
    return {
        "credit_code": code,
        "name": firm.name,
        "type": type_id,
        "type_name": selectors.type_text(type_id),
        "staff_type": review.staff_type if review else None,
        "staff_reason": review.reason if review else "",
        "flags": [
            {
                "flag": r["flag"],
                "name": selectors.flag_text(r["flag"]),
                "status": r["status"],
                "evidence": pick((r["evidence_zh"], r["evidence_en"])),
            }
            for r in flags.iter_rows(named=True)
        ],
        "recommendations": [
            {
                "service": r["service"],
                "name": selectors.service_text(r["service"]),
                "rank": r["rank"],
                "reason": pick((r["reason_zh"], r["reason_en"])),
            }
            for r in recs.iter_rows(named=True)
        ],
    }


@router.get("/diagnoses", response={200: list[DiagnosisOut], **errors(403)}, summary="Diagnoses")
@paginate(Pagination)
def diagnosis_list(request, filters: Query[DiagnosisQuery]):
    """Every registered firm in the caller's scope: its type, red flags and the services
    that suit it, by name."""
    d = diagnosis_of(firms_for(request.auth))
    qs, _facts = selectors.diagnosis_rows(
        request.auth, d, type=filters.type or "", flag=filters.flag, service=filters.service
    )
    return _Page(qs, d)


class _Page:
    """Lazily turns the sliced firms into diagnoses (the paginator counts, then slices)."""

    def __init__(self, qs: Any, d: Any) -> None:
        self.qs, self.d = qs, d

    def __len__(self) -> int:
        return int(self.qs.count())

    def __getitem__(self, s: slice) -> list[dict[str, Any]]:
        firms = list(self.qs[s])
        reviews = selectors.latest_reviews([f.pk for f in firms])
        return [_diagnosis_out(self.d, f, reviews.get(f.pk)) for f in firms]


@router.get(
    "/diagnoses/{credit_code}",
    response={200: DiagnosisOut, **errors(403, 404)},
    summary="One firm's diagnosis",
)
def diagnosis_detail(request, credit_code: str):
    firm = firm_for(request.auth, credit_code)
    d = diagnosis_of(firms_for(request.auth).filter(pk=firm.pk))
    return _diagnosis_out(d, firm, selectors.latest_reviews([firm.pk]).get(firm.pk))


class CaseChangeOut(Schema):
    from_status: str = Field(description="The status before (empty for the referral).")
    status: CaseState
    at: datetime
    note: str


class CaseOut(Schema):
    id: int
    credit_code: str = Field(description="The firm's credit code.")
    firm: str = Field(description="The firm's name.")
    service: str = Field(description="Service id of the catalogue.")
    service_name: str = Field(description="The service in words.")
    status: CaseState
    provider: str
    note: str
    outcome_note: str
    opened_at: datetime
    started_at: datetime | None
    closed_at: datetime | None
    version: int = Field(description="Name it in `If-Match` to move the case.")
    baseline: dict[str, Any] = Field(
        description="When referred: type, year, employees, revenue, rd_expense (10k CNY), tier."
    )

    @staticmethod
    def resolve_credit_code(obj: ServiceCase) -> str:
        return str(obj.enterprise.credit_code)

    @staticmethod
    def resolve_firm(obj: ServiceCase) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_service_name(obj: ServiceCase) -> str:
        return selectors.service_text(obj.service)


class CaseDetailOut(CaseOut):
    history: list[CaseChangeOut]
    outcome: dict[str, Any] | None = Field(
        description="Since referral: from_year, to_year, jobs, revenue_growth (%), rd, "
        "tier_up; null until the registry holds a later fiscal year."
    )

    @staticmethod
    def resolve_history(obj: ServiceCase) -> list[Any]:
        return list(obj.history.all())

    @staticmethod
    def resolve_outcome(obj: ServiceCase) -> dict[str, Any] | None:
        outcome = selectors.case_figures(obj)["outcome"]
        return None if outcome is None else dict(outcome.__dict__)


class CaseQuery(Schema):
    status: CaseState | None = Field(None, description="Only cases with this status.")
    service: str = Field("", max_length=40, pattern=r"^[a-z_]*$", description="Only this service.")


class CaseIn(Schema):
    credit_code: str = Field(max_length=18, pattern=r"^[0-9A-Z]{18}$")
    service: str = Field(max_length=40, pattern=r"^[a-z_]+$", description="Service id.")
    provider: str = Field("", max_length=200, pattern=_TEXT)
    note: str = Field("", max_length=1000, pattern=_TEXT)


class CaseMoveIn(Schema):
    to: CaseState
    note: str = Field("", max_length=1000, pattern=_TEXT, description="For done: the outcome.")


@router.get("/cases", response={200: list[CaseOut], **errors(403)}, summary="Service cases")
@paginate(Pagination)
def case_list(request, filters: Query[CaseQuery]):
    """Referrals of firms in the caller's scope, newest first."""
    return selectors.case_search(request.auth, status=filters.status or "", service=filters.service)


@router.post("/cases", response={201: CaseDetailOut, **errors(403, 404)}, summary="Refer a firm")
def case_post(request, response: HttpResponse, body: CaseIn):
    """Refer a firm to a service: 201 with the case (422 when the service is unknown or the
    firm already has an open case for it)."""
    firm = firm_for(request.auth, body.credit_code)
    case = case_open(
        actor=request.auth,
        enterprise=firm,
        service=body.service,
        provider=body.provider,
        note=body.note,
        via=VIA_API,
    )
    response["ETag"] = f'"{case.version}"'
    return Status(201, case)


@router.get(
    "/cases/{case_id}", response={200: CaseDetailOut, **errors(403, 404)}, summary="One case"
)
def case_detail(request, response: HttpResponse, case_id: int):
    case = case_for(request.auth, case_id)
    response["ETag"] = f'"{case.version}"'
    return case


@router.post(
    "/cases/{case_id}/move",
    response={200: CaseDetailOut, **errors(403, 404, 412, 428)},
    summary="Move a case",
)
def case_move_post(request, response: HttpResponse, case_id: int, move: CaseMoveIn):
    """Referred → in service → done, or cancelled (with a note saying why). Name the version
    you saw: `If-Match: "<version>"`; 412 when the case moved since."""
    case = case_for(request.auth, case_id)
    moved = case_move(
        actor=request.auth,
        case=case,
        to=move.to,
        seen_version=seen_version(request),
        note=move.note,
        via=VIA_API,
    )
    response["ETag"] = f'"{moved.version}"'
    return moved
