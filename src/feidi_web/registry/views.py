"""Registry pages: the enterprise list and the firm page.

They show the registry's data (``enterprises``) together with the latest evaluation results
(``evaluations``), so they sit above both; the registry itself knows nothing of evaluations.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from feidi.parties import PartyKind
from feidi.rules import title_grants
from feidi.schema import FIELDS, FIELDS_BY_NAME
from feidi_web.accounts.models import Role
from feidi_web.chains.permissions import can_correct
from feidi_web.chains.selectors import enterprise_mounts_view
from feidi_web.chains.services import PRODUCTS_FIELD, refresh_enterprise_mounts
from feidi_web.common.audit import (
    action_text,
    import_ids,
    party_subject,
    via_text,
    year_subject,
)
from feidi_web.common.display import industry_text, kind_text, value_text
from feidi_web.common.http import AuthedRequest
from feidi_web.common.lang import field_label
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises import selectors
from feidi_web.enterprises.codec import from_json
from feidi_web.enterprises.fields import registry_fields
from feidi_web.enterprises.forms import RegistrySearchForm
from feidi_web.enterprises.models import DataImport, Enterprise
from feidi_web.enterprises.permissions import enterprise_get_for_user, require_staff_role
from feidi_web.evaluations.ladder import current_ladder, ladder_of, title_label
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
        qs.only("kind", "credit_code", "name", "town", "industry_code", "region_code", "enclave"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    top: dict[int, str] = {}
    ladder = ladder_of(run) if run is not None else current_ladder()
    if run is not None:
        # the highest tier each listed firm passes, in one query
        passes = run.records.filter(
            enterprise_id__in=[e.pk for e in page], verdict="pass"
        ).values_list("enterprise_id", "tier")
        for eid, t in passes:
            if eid not in top or ladder.rank(t) > ladder.rank(top[eid]):
                top[eid] = t
    rows = [
        (
            e,
            ladder.label(top[e.pk]) if e.pk in top else "",
            kind_text(e.kind) if e.kind != PartyKind.ENTERPRISE else "",
            industry_text(e.industry_code),
        )
        for e in page
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "run": run,
        "rulebook_label": ladder.rulebook_label,
        "towns": selectors.towns_for_user(request.user),
        "tier_choices": [*ladder.labels(), ("none", _("None"))],
        "total": page.paginator.count,
    }
    template = "registry/_table.html" if request.htmx else "registry/list.html"
    return render(request, template, context)


def _figure_table(enterprise) -> tuple[list[int], list[tuple[str, list]]]:
    years = list(enterprise.years.order_by("year"))
    names = [f.name for f in FIELDS if f.scope == "year"]
    table = [(field_label(n), [from_json(y.figures).get(n) for y in years]) for n in names]
    return [y.year for y in years], table


def _change_log(enterprise: Enterprise, years: list[int]) -> list[dict[str, object]]:
    """The party's last 50 changes in words: what, which field, from → to, how it came in."""
    entries = list(
        AuditEntry.objects.filter(
            subject__in=[
                party_subject(enterprise.pk),
                *[year_subject(enterprise.pk, y) for y in years],
            ]
        ).select_related("actor")[:50]
    )
    files = dict(
        DataImport.objects.filter(pk__in=import_ids([a.via for a in entries])).values_list(
            "pk", "file_name"
        )
    )
    fields = registry_fields()
    return [
        {
            "at": a.at,
            "actor": a.actor.get_username() if a.actor else "",
            "action": action_text(a.action),
            "year": a.subject.rsplit(":", 1)[-1] if a.subject.startswith("fiscal_year:") else "",
            "field": field_label(a.field) if a.field else "",
            "old": value_text(fields.get(a.field), a.old_value),
            "new": value_text(fields.get(a.field), a.new_value),
            "via": via_text(a.via, files),
            "has_values": bool(a.field),
        }
        for a in entries
    ]


@login_required
@require_GET
def enterprise_detail(request: AuthedRequest, ref: str) -> HttpResponse:
    enterprise = enterprise_get_for_user(request.user, ref)
    if request.user.role == Role.ENTERPRISE:
        return redirect("portal:home")
    years, table = _figure_table(enterprise)
    history = list(enterprise_history(enterprise))
    ladders = {r.run_id: ladder_of(r.run) for r in history}  # one per run (versions cached)
    rows = [(r, ladders[r.run_id].label(r.tier), ladders[r.run_id].rulebook_label) for r in history]
    latest = {}
    if history:
        newest_run = history[0].run_id
        latest = {r.tier: r for r in history if r.run_id == newest_run}
    verdicts = [
        {
            "tier": ladders[latest[t].run_id].label(t),
            "code": t,
            "record": latest[t],
            "explanation": record_explanation(latest[t]),
        }
        for t in (ladders[history[0].run_id].ordered(list(latest)) if history else [])
    ]
    profile_fields = [
        (field_label(f.name), value_text(f, enterprise.profile.get(f.name)))
        for f in registry_fields().values()
        if f.scope == "firm"
        and f.name != "name"
        # a province's own fields only where the firm has them
        and (f.name in FIELDS_BY_NAME or enterprise.profile.get(f.name) is not None)
    ]
    grants = [
        {"tier": title_label(g.level), "granted": g.granted, "review_due": g.review_due}
        for g in title_grants(enterprise.profile)
    ]
    audit = _change_log(enterprise, years)
    refresh_enterprise_mounts([enterprise])  # only when its code, products or the chains changed
    chains = enterprise_mounts_view(enterprise)
    return render(
        request,
        "registry/detail.html",
        {
            "enterprise": enterprise,
            "years": years,
            "figure_table": table,
            "verdicts": verdicts,
            "history": rows,
            "profile_fields": profile_fields,
            "grants": grants,
            "audit": audit,
            "kind": kind_text(enterprise.kind),
            "industry": industry_text(enterprise.industry_code),
            "can_edit": request.user.is_registry_editor,
            "can_add_code": request.user.is_party_registrar,
            "chains": chains,
            "can_correct": can_correct(request.user),
            "correct_url": reverse("chains:firm_correct", args=[enterprise.ref]),
            "subject_products": enterprise.profile.get(PRODUCTS_FIELD) or "",
        },
    )
