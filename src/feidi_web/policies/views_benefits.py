"""Policy channel pages of what firms get from the policies: the digests (who was told what
changed, and "send now"), the 免申即享 lists (firms to push a benefit to without an
application) and the applications (apply, review, decide, totals).

Kept apart from ``views`` (the policies, their authoring and the firm pages) so that the two
halves of the channel are written side by side; ``urls`` mounts both."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feidi_web.common.conflicts import EditConflict
from feidi_web.common.forms import add_errors
from feidi_web.common.http import AuthedRequest
from feidi_web.policies import applications as apps
from feidi_web.policies.digests import digest_preview, digest_runs, digest_send
from feidi_web.policies.free import claim_words, free_lists, free_workbook
from feidi_web.policies.models import ApplicationStatus, PolicyApplication
from feidi_web.policies.permissions import (
    firm_for,
    is_author,
    is_staff,
    require_author,
    require_reader,
    require_staff,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.xlsx"'
    return response


# --- digests -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def digest_list(request: AuthedRequest) -> HttpResponse:
    """The digest runs of the user's division; authors send digests now (POST)."""
    if request.method == "POST":
        require_author(request.user)
        run = digest_send(actor=request.user)
        messages.success(
            request,
            _("Digests sent: %(firms)d firms told of %(changes)d changes.")
            % {"firms": run.firms_told, "changes": run.changes},
        )
        return redirect("policies:digests")
    require_staff(request.user)
    preview = digest_preview(actor=request.user) if is_author(request.user) else None
    runs = digest_runs(request.user)[:50]
    return render(request, "policies/digests.html", {"runs": runs, "preview": preview})


# --- 免申即享 --------------------------------------------------------------------------------


@login_required
@require_GET
def free_list(request: AuthedRequest) -> HttpResponse:
    lists = free_lists(request.user)
    return render(request, "policies/free.html", {"lists": lists, "claims": claim_words()})


@login_required
@require_GET
def free_export(request: AuthedRequest) -> HttpResponse:
    return _xlsx(free_workbook(free_lists(request.user)), "policies-without-application")


# --- applications ---------------------------------------------------------------------------


def _choose(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class ApplicationFilterForm(forms.Form):
    policy = forms.ChoiceField(label=gettext_lazy("Policy"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    town = forms.ChoiceField(label=gettext_lazy("Town"), required=False)

    def __init__(self, *args: Any, policies: list[tuple[str, str]], towns: list[str], **kw: Any):
        super().__init__(*args, **kw)
        everything = [("", _("All"))]
        _choose(self, "policy", everything + policies)
        _choose(self, "status", everything + list(ApplicationStatus.choices))
        _choose(self, "town", everything + [(t, t) for t in towns])
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select form-select-sm"


class ApplyForm(forms.Form):
    amount_requested = forms.DecimalField(
        label=gettext_lazy("Amount requested (10k CNY)"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=apps.NOTE_MAX,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=gettext_lazy("New status"))
    version = forms.IntegerField(widget=forms.HiddenInput)
    amount_granted = forms.DecimalField(
        label=gettext_lazy("Amount granted (10k CNY)"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text=gettext_lazy("Needed to grant (0 is allowed)."),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=apps.REASON_MAX,
        help_text=gettext_lazy("Needed to reject: the firm is told."),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )

    def __init__(self, *args: Any, moves: list[str], **kw: Any):
        super().__init__(*args, **kw)
        _choose(self, "to", [(m, ApplicationStatus(m).label) for m in moves])
        self.fields["to"].widget.attrs["class"] = "form-select"


def _filtered(request: AuthedRequest) -> tuple[ApplicationFilterForm, Any]:
    require_reader(request.user)
    scope = apps.applications_for(request.user)
    ids = sorted(set(scope.values_list("policy", flat=True)))
    policies = sorted(((p, apps.policy_name(p)) for p in ids), key=lambda x: x[1])
    towns = sorted(
        t for t in set(scope.values_list("enterprise__town", flat=True)) if t
    )  # a firm user sees one town: theirs
    form = ApplicationFilterForm(request.GET or None, policies=policies, towns=towns)
    f = form.cleaned_data if form.is_valid() else {}
    rows = apps.application_search(
        request.user,
        policy=f.get("policy", ""),
        status=f.get("status", ""),
        town=f.get("town", ""),
    )
    return form, rows


def _chart(group: list[apps.TotalRow]) -> dict[str, Any]:
    return {
        "labels": [r.label for r in group],
        "applications": [r.applications for r in group],
        "granted": [float(r.amount_granted) for r in group],
    }


@login_required
@require_GET
def application_list(request: AuthedRequest) -> HttpResponse:
    form, rows = _filtered(request)
    totals = apps.application_totals(rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    names = {p: apps.policy_name(p) for p in {a.policy for a in page}}
    chart = {
        "series": [_("Applications"), _("Amount granted (10k CNY)")],
        "policy": _chart(totals.by_policy),
        "town": _chart(totals.by_town),
        "chain": _chart(totals.by_chain),
    }
    return render(
        request,
        "policies/applications.html",
        {
            "form": form,
            "page": page,
            "rows": [(a, names[a.policy]) for a in page],
            "totals": totals,
            "chart": chart,
            "staff": is_staff(request.user),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def application_export(request: AuthedRequest) -> HttpResponse:
    _form, rows = _filtered(request)
    return _xlsx(apps.applications_workbook(rows, apps.application_totals(rows)), "applications")


def _detail_context(
    request: AuthedRequest, application: PolicyApplication, **extra: Any
) -> dict[str, Any]:
    moves = apps.moves_for(request.user, application)
    return {
        "application": application,
        "policy_name": apps.policy_name(application.policy),
        "history": apps.application_history(application),
        "moves": moves,
        "move_form": extra.pop("move_form", None)
        or (MoveForm(moves=moves, initial={"version": application.version}) if moves else None),
        **extra,
    }


@login_required
@require_GET
def application_detail(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = apps.application_for(request.user, application_id)
    return render(request, "policies/application.html", _detail_context(request, application))


@login_required
@require_POST
def application_move(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = apps.application_for(request.user, application_id)
    moves = apps.moves_for(request.user, application)
    if not moves and not any(
        apps.may_move(request.user, application, to) for to in ApplicationStatus.values
    ):
        raise PermissionDenied
    form: MoveForm | None = MoveForm(request.POST, moves=moves or list(ApplicationStatus.values))
    conflict = None
    if form is not None and form.is_valid():
        d = form.cleaned_data
        try:
            moved = apps.application_move(
                actor=request.user,
                application=application,
                to=d["to"],
                seen_version=d["version"],
                amount_granted=d["amount_granted"],
                reason=d["reason"],
            )
        except EditConflict as exc:
            conflict = {
                "status": ApplicationStatus(str(exc.current["status"])).label,
                "by": exc.changed_by,
                "at": exc.changed_at,
            }
            form = None
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("The application is now %(status)s.")
                % {"status": ApplicationStatus(moved.status).label},
            )
            return redirect("policies:application", application_id=moved.pk)
    application.refresh_from_db()
    context = _detail_context(request, application, conflict=conflict)
    if form is not None:
        context["move_form"] = form
    return render(request, "policies/application.html", context, status=409 if conflict else 422)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: AuthedRequest, credit_code: str, policy_id: str) -> HttpResponse:
    """Apply for a policy for a firm (its own user, or staff on its behalf)."""
    firm = firm_for(request.user, credit_code)
    if not apps.may_apply(request.user, firm):
        raise PermissionDenied
    here = apps.standing(firm, policy_id)
    initial = {"amount_requested": round(here.benefit_amount, 2)} if here.benefit_amount else {}
    form = ApplyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = apps.application_submit(
                    actor=request.user,
                    enterprise=firm,
                    policy_id=policy_id,
                    amount_requested=form.cleaned_data["amount_requested"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The application was submitted."))
                return redirect("policies:application", application_id=application.pk)
        status = 422
    return render(
        request,
        "policies/application_form.html",
        {"firm": firm, "standing": here, "form": form},
        status=status,
    )
