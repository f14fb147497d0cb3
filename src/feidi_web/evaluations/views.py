from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feidi.rules import available_rulebooks
from feidi_web.common.http import AuthedRequest
from feidi_web.enterprises.permissions import require_staff_role
from feidi_web.evaluations import selectors, services
from feidi_web.evaluations.ladder import current_ladder, ladder_of
from feidi_web.evaluations.permissions import can_manage_run


class RunForm(forms.Form):
    rulebook = forms.ChoiceField(label=_("Rulebook"))
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["rulebook"]).choices = [
            (b, current_ladder(b).rulebook_label) for b in available_rulebooks()
        ]


@login_required
@require_http_methods(["GET", "POST"])
def run_list(request: AuthedRequest) -> HttpResponse:
    require_staff_role(request.user)
    can_run = request.user.is_registry_editor
    form = RunForm(
        request.POST or None,
        initial={"rulebook": settings.FEIDI_DEFAULT_RULEBOOK, "as_of": timezone.localdate()},
    )
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied
        if form.is_valid():
            try:
                run, created = services.evaluation_run_create(
                    actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                if not created:
                    messages.info(
                        request, _("The same evaluation is already under way; here it is.")
                    )
                return redirect("evaluations:detail", run_id=run.pk)
    runs = (
        selectors.runs_for_user(request.user)
        .select_related("created_by", "version")
        .defer("version__source")[:50]
    )
    rows = [
        (r, r.version.label if r.version else current_ladder(r.rulebook).rulebook_label)
        for r in runs
    ]
    return render(
        request, "evaluations/list.html", {"form": form, "runs": rows, "can_run": can_run}
    )


def _tier_counts(request: AuthedRequest, run) -> list[Mapping[str, Any]]:
    """Per tier of the run's ladder, in its order: its name and the verdicts' counts."""
    rows = selectors.run_tier_counts(request.user, run)
    ladder = ladder_of(run)
    found = {r["tier"]: r for r in rows}
    return [{**found[t], "label": ladder.label(t)} for t in ladder.ordered(list(found))]


@login_required
@require_GET
def run_detail(request: AuthedRequest, run_id: int) -> HttpResponse:
    require_staff_role(request.user)
    run = selectors.run_get_for_user(request.user, run_id)
    return render(
        request,
        "evaluations/detail.html",
        {
            "run": run,
            "counts": _tier_counts(request, run) if run.status == "done" else [],
            "can_manage": can_manage_run(request.user, run),
            "rulebook_label": ladder_of(run).rulebook_label,
        },
    )


@login_required
@require_GET
def run_progress(request: AuthedRequest, run_id: int) -> HttpResponse:
    """The progress fragment the run page polls; it stops polling once the run has ended."""
    require_staff_role(request.user)
    run = selectors.run_get_for_user(request.user, run_id)
    return render(
        request,
        "evaluations/_progress.html",
        {
            "run": run,
            "counts": _tier_counts(request, run) if run.status == "done" else [],
            "can_manage": can_manage_run(request.user, run),
        },
    )


@login_required
@require_POST
def run_cancel(request: AuthedRequest, run_id: int) -> HttpResponse:
    require_staff_role(request.user)
    run = selectors.run_get_for_user(request.user, run_id)
    try:
        services.evaluation_run_cancel(actor=request.user, run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The evaluation was cancelled."))
    return redirect("evaluations:detail", run_id=run.pk)


@login_required
@require_POST
def run_retry(request: AuthedRequest, run_id: int) -> HttpResponse:
    require_staff_role(request.user)
    run = selectors.run_get_for_user(request.user, run_id)
    try:
        services.evaluation_run_retry(actor=request.user, run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The evaluation was queued again."))
    return redirect("evaluations:detail", run_id=run.pk)
