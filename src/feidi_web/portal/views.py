"""The enterprise portal: the user's own firm, and a what-if self-assessment against every tier.

No view takes a credit code: the firm is always ``request.user.enterprise``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from feidi_web.chains.selectors import enterprise_mounts_view
from feidi_web.chains.services import PRODUCTS_FIELD, refresh_enterprise_mounts
from feidi_web.common.display import industry_text
from feidi_web.common.http import AuthedRequest
from feidi_web.portal import selectors, services
from feidi_web.portal.forms import SelfAssessmentForm


@login_required
@require_http_methods(["GET", "POST"])
def home(request: AuthedRequest) -> HttpResponse:
    enterprise = selectors.portal_enterprise(request.user)  # 403 for every other role
    stored = selectors.latest_stored(enterprise)
    form = SelfAssessmentForm(
        request.POST if request.method == "POST" else None,
        baseline=selectors.baseline_for(enterprise),
        today=timezone.localdate(),
        compared_with=(stored.run.rulebook, stored.run.as_of) if stored.run else None,
    )
    assessment = None
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.self_assessment_run(
                user=request.user,
                rulebook=form.cleaned_data["rulebook"],
                as_of=form.cleaned_data["as_of"],
                changes=form.changes(),
            )
        except ValidationError as exc:
            form.add_core_errors(exc)
    context = {"enterprise": enterprise, "form": form, "assessment": assessment}
    if request.htmx and request.method == "POST":
        # the results panel, and the form again out of band (its errors, its year columns)
        return render(request, "portal/_whatif_response.html", context)
    years, figure_table = selectors.figure_table(enterprise)
    refresh_enterprise_mounts([enterprise])  # its place on the chains, read only here
    context.update(
        {
            "stored": stored,
            "years": years,
            "figure_table": figure_table,
            "grants": selectors.title_rows(enterprise),
            "industry": industry_text(enterprise.industry_code) if enterprise.industry_code else "",
            "chains": enterprise_mounts_view(enterprise),
            "can_correct": False,
            "subject_products": enterprise.profile.get(PRODUCTS_FIELD) or "",
        }
    )
    return render(request, "portal/home.html", context)
