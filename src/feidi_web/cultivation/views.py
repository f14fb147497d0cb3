"""Cultivation pages: the diagnoses of the user's firms, one firm's diagnosis with its
recommended services (refer it, disagree with its type), the cases and what came of them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from feidi_web.common.conflicts import EditConflict
from feidi_web.common.forms import add_errors
from feidi_web.common.http import AuthedRequest
from feidi_web.cultivation import exports, selectors, services
from feidi_web.cultivation.diagnosing import diagnosis_of
from feidi_web.cultivation.forms import (
    CaseFilterForm,
    DiagnosisFilterForm,
    MoveForm,
    ReferForm,
    ReviewForm,
)
from feidi_web.cultivation.models import CASE_MOVES, CaseStatus, ServiceCase
from feidi_web.cultivation.permissions import (
    can_cultivate,
    case_for,
    firm_for,
    firms_for,
    require_cultivator,
    require_reader,
)
from feidi_web.cultivation.report import build_report
from feidi_web.cultivation.report import report_pdf as cultivation_pdf
from feidi_web.cultivation.report import report_xlsx as cultivation_xlsx
from feidi_web.cultivation.wording import firm_diagnosis_words

PAGE_SIZE = 50


@login_required
@require_GET
def diagnosis_list(request: AuthedRequest) -> HttpResponse:
    require_reader(request.user)
    form = DiagnosisFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    ov = selectors.overview(request.user)
    qs, facts = selectors.diagnosis_rows(
        request.user,
        ov.diagnosis,
        q=f.get("q", ""),
        type=f.get("type", ""),
        flag=f.get("flag", ""),
        service=f.get("service", ""),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    chart = {
        "types": [{"name": words, "value": n} for _id, words, n in ov.by_type],
        "flags": [{"name": words, "value": n} for _id, words, n in ov.by_flag],
        "services": [{"name": words, "value": n} for _id, words, n in ov.by_service],
    }
    return render(
        request,
        "cultivation/list.html",
        {
            "form": form,
            "overview": ov,
            "page": page,
            "rows": selectors.rows_for_page(list(page), facts),
            "chart": chart,
        },
    )


@login_required
@require_GET
def diagnosis_export(request: AuthedRequest) -> HttpResponse:
    require_reader(request.user)
    d = diagnosis_of(firms_for(request.user))
    data = exports.diagnoses_workbook(request.user, d)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="diagnoses-{stamp}.xlsx"'
    return response


def _firm_context(request: AuthedRequest, ref: str, **extra: Any) -> dict[str, Any]:
    enterprise = firm_for(request.user, ref)
    d = diagnosis_of(firms_for(request.user).filter(pk=enterprise.pk))
    reviews = list(enterprise.type_reviews.select_related("by").order_by("-created_at", "-id"))
    cases = [
        selectors.case_row(c)
        for c in ServiceCase.objects.filter(enterprise=enterprise).select_related(
            "enterprise", "opened_by"
        )
    ]
    words = firm_diagnosis_words(d, str(enterprise.credit_code))
    open_services = {r.case.service for r in cases if r.case.status in ("opened", "in_service")}
    return {
        "enterprise": enterprise,
        "words": words,
        "reviews": [
            {
                "type": selectors.type_text(r.staff_type),
                "engine": selectors.type_text(r.engine_type or None),
                "reason": r.reason,
                "by": r.by.display_name,
                "at": r.created_at,
            }
            for r in reviews
        ],
        "cases": cases,
        "open_services": open_services,
        "can_cultivate": can_cultivate(request.user),
        "review_form": extra.pop("review_form", None) or ReviewForm(),
        "refer_form": extra.pop("refer_form", None) or ReferForm(),
        **extra,
    }


@login_required
@require_GET
def firm_diagnosis(request: AuthedRequest, ref: str) -> HttpResponse:
    return render(request, "cultivation/firm.html", _firm_context(request, ref))


@login_required
@require_POST
def firm_review(request: AuthedRequest, ref: str) -> HttpResponse:
    enterprise = firm_for(request.user, ref)
    require_cultivator(request.user)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.type_review_add(
                actor=request.user,
                enterprise=enterprise,
                staff_type=form.cleaned_data["staff_type"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your view of this firm's type is recorded."))
            return redirect("cultivation:firm", ref=ref)
    return render(
        request, "cultivation/firm.html", _firm_context(request, ref, review_form=form), status=422
    )


@login_required
@require_POST
def firm_refer(request: AuthedRequest, ref: str) -> HttpResponse:
    enterprise = firm_for(request.user, ref)
    require_cultivator(request.user)
    form = ReferForm(request.POST)
    if form.is_valid():
        try:
            case = services.case_open(
                actor=request.user,
                enterprise=enterprise,
                service=form.cleaned_data["service"],
                provider=form.cleaned_data["provider"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Referred: the case is opened."))
            return redirect("cultivation:case", case_id=case.pk)
    return render(
        request, "cultivation/firm.html", _firm_context(request, ref, refer_form=form), status=422
    )


@login_required
@require_GET
def case_list(request: AuthedRequest) -> HttpResponse:
    require_reader(request.user)
    form = CaseFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.case_search(
        request.user, status=f.get("status", ""), service=f.get("service", "")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = {s: qs.filter(status=s).count() for s in CaseStatus.values}
    return render(
        request,
        "cultivation/cases.html",
        {
            "form": form,
            "page": page,
            "rows": [selectors.case_row(c) for c in page],
            "counts": [(CaseStatus(s).label, n) for s, n in counts.items()],
        },
    )


def _case_context(request: AuthedRequest, case: ServiceCase, **extra: Any) -> dict[str, Any]:
    return {
        "case": case,
        "row": selectors.case_row(case),
        "history": selectors.case_history(case),
        "figures": selectors.case_figures(case),
        "can_move": can_cultivate(request.user) and bool(CASE_MOVES[case.status]),
        "move_form": extra.pop("move_form", None)
        or MoveForm(status=case.status, initial={"version": case.version}),
        **extra,
    }


@login_required
@require_GET
def case_detail(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = case_for(request.user, case_id)
    return render(request, "cultivation/case.html", _case_context(request, case))


@login_required
@require_POST
def case_move(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = case_for(request.user, case_id)
    require_cultivator(request.user)
    form = MoveForm(request.POST, status=case.status)
    conflict = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            moved = services.case_move(
                actor=request.user,
                case=case,
                to=d["to"],
                seen_version=d["version"],
                note=d["note"],
            )
        except EditConflict as exc:
            conflict = {
                "status": CaseStatus(str(exc.current["status"])).label,
                "by": exc.changed_by,
                "at": exc.changed_at,
            }
            case.refresh_from_db()
            form = MoveForm(status=case.status, initial={"version": case.version})
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("The case is now %(status)s.") % {"status": CaseStatus(moved.status).label},
            )
            return redirect("cultivation:case", case_id=case.pk)
    case.refresh_from_db()
    return render(
        request,
        "cultivation/case.html",
        _case_context(request, case, move_form=form, conflict=conflict),
        status=409 if conflict else 422,
    )


@login_required
@require_GET
def service_list(request: AuthedRequest) -> HttpResponse:
    require_reader(request.user)
    rows = selectors.services_report(request.user)
    shown = [r for r in rows if r.outcome.done]
    chart = {
        "title": _("Median revenue growth since referral (%)"),
        "services": [r.name for r in shown],
        "series": [
            {"name": _("Served firms"), "data": [r.outcome.served.revenue_growth for r in shown]},
            {
                "name": _("Comparable firms not served"),
                "data": [r.outcome.comparable.revenue_growth for r in shown],
            },
        ],
    }
    return render(request, "cultivation/services.html", {"rows": rows, "chart": chart})


@login_required
@require_GET
def report_pdf(request: AuthedRequest) -> HttpResponse:
    report = build_report(request.user)
    response = HttpResponse(cultivation_pdf(report), content_type="application/pdf")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="cultivation-report-{stamp}.pdf"'
    return response


@login_required
@require_GET
def report_xlsx(request: AuthedRequest) -> HttpResponse:
    report = build_report(request.user)
    response = HttpResponse(
        cultivation_xlsx(report, request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="cultivation-report-{stamp}.xlsx"'
    return response
