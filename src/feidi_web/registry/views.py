"""Registry pages: the enterprise list and the firm page.

They show the registry's data (``enterprises``) together with the latest evaluation results
(``evaluations``), so they sit above both; the registry itself knows nothing of evaluations.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from feidi.rules import title_grants
from feidi.schema import FIELDS, TITLE_LEVELS
from feidi_web.accounts.models import Role
from feidi_web.common.http import AuthedRequest
from feidi_web.common.lang import core_lang, field_label, tier_label
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises import selectors
from feidi_web.enterprises.codec import from_json
from feidi_web.enterprises.forms import RegistrySearchForm
from feidi_web.enterprises.permissions import enterprise_get_for_user, require_staff_role
from feidi_web.evaluations.selectors import enterprise_history, latest_run
from feidi_web.evaluations.wording import record_explanation

PAGE_SIZE = 50


@login_required
@require_GET
def enterprise_list(request: AuthedRequest) -> HttpResponse:
    require_staff_role(request.user)
    form = RegistrySearchForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.enterprise_search(
        request.user,
        selectors.RegistryFilter(
            q=f.get("q", ""), industry=f.get("industry", ""), town=f.get("town", "")
        ),
    )
    run = latest_run(request.user)
    tier = f.get("tier", "")
    if tier and run is not None:
        passed = run.records.filter(verdict="pass")
        if tier == "none":
            qs = qs.exclude(pk__in=passed.values("enterprise_id"))
        else:
            qs = qs.filter(pk__in=passed.filter(tier=tier).values("enterprise_id"))
    page = Paginator(
        qs.only("credit_code", "name", "town", "industry_code", "region_code", "enclave"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    top: dict[int, str] = {}
    if run is not None:
        # the highest tier each listed firm passes, in one query
        passes = run.records.filter(
            enterprise_id__in=[e.pk for e in page], verdict="pass"
        ).values_list("enterprise_id", "tier")
        for eid, t in passes:
            if eid not in top or TITLE_LEVELS.index(t) > TITLE_LEVELS.index(top[eid]):
                top[eid] = t
    rows = [(e, tier_label(top[e.pk]) if e.pk in top else "") for e in page]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "run": run,
        "towns": selectors.towns_for_user(request.user),
        "total": page.paginator.count,
    }
    template = "registry/_table.html" if request.htmx else "registry/list.html"
    return render(request, template, context)


def _figure_table(enterprise) -> tuple[list[int], list[tuple[str, list]]]:
    years = list(enterprise.years.order_by("year"))
    names = [f.name for f in FIELDS if f.scope == "year"]
    table = [(field_label(n), [from_json(y.figures).get(n) for y in years]) for n in names]
    return [y.year for y in years], table


@login_required
@require_GET
def enterprise_detail(request: AuthedRequest, credit_code: str) -> HttpResponse:
    enterprise = enterprise_get_for_user(request.user, credit_code)
    if request.user.role == Role.ENTERPRISE:
        return redirect("portal:home")
    years, table = _figure_table(enterprise)
    history = list(enterprise_history(enterprise))
    latest = {}
    if history:
        newest_run = history[0].run_id
        latest = {r.tier: r for r in history if r.run_id == newest_run}
    verdicts = [
        {
            "tier": tier_label(t),
            "code": t,
            "record": latest[t],
            "explanation": record_explanation(latest[t]),
        }
        for t in TITLE_LEVELS
        if t in latest
    ]
    profile_fields = [
        (f.zh if core_lang() == "zh" else f.en, enterprise.profile.get(f.name))
        for f in FIELDS
        if f.scope == "firm" and f.name not in ("name",)
    ]
    grants = [
        {"tier": tier_label(g.level), "granted": g.granted, "review_due": g.review_due}
        for g in title_grants(enterprise.profile)
    ]
    audit = AuditEntry.objects.filter(
        subject__in=[
            f"enterprise:{credit_code}",
            *[f"fiscal_year:{credit_code}:{y}" for y in years],
        ]
    ).select_related("actor")[:50]
    return render(
        request,
        "registry/detail.html",
        {
            "enterprise": enterprise,
            "years": years,
            "figure_table": table,
            "verdicts": verdicts,
            "history": history,
            "profile_fields": profile_fields,
            "grants": grants,
            "audit": audit,
            "can_edit": request.user.is_registry_editor,
        },
    )
