"""Registry pages. Each view parses, makes one call, and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feidi_web.accounts.models import Role
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.forms import add_errors
from feidi_web.common.http import AuthedRequest
from feidi_web.common.lang import core_lang, field_label, reason_text
from feidi_web.common.uploads import upload_too_large_message
from feidi_web.enterprises import services
from feidi_web.enterprises.codec import from_json
from feidi_web.enterprises.forms import (
    CreditCodeForm,
    FiscalYearForm,
    ImportUploadForm,
    PartyForm,
)
from feidi_web.enterprises.permissions import (
    enterprise_get_for_user,
    import_get_for_user,
    imports_for_user,
    require_party_registrar,
    require_registry_editor,
)


@login_required
@require_http_methods(["GET", "POST"])
def fiscal_year_edit(request: AuthedRequest, ref: str, year: int) -> HttpResponse:
    require_registry_editor(request.user)
    enterprise = enterprise_get_for_user(request.user, ref)
    stored = enterprise.years.filter(year=year).first()
    figures = from_json(stored.figures) if stored else {}
    form = FiscalYearForm(
        request.POST or None,
        initial_figures=figures,
        initial_version=stored.version if stored else 0,
        lang=core_lang(),
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        changes = form.figure_changes(figures)
        try:
            services.fiscal_year_update(
                actor=request.user,
                enterprise=enterprise,
                year=year,
                changes=changes,
                seen_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            for m in exc.messages:
                form.add_error(None, m)
        except EditConflict as exc:
            form, conflict = _after_conflict(form, exc, request.POST)
        else:
            messages.success(request, _("Saved %(n)d changed figure(s).") % {"n": len(changes)})
            return redirect("registry:detail", ref=enterprise.ref)
    return render(
        request,
        "enterprises/year_edit.html",
        {"enterprise": enterprise, "year": year, "form": form, "conflict": conflict},
        status=409 if conflict else 200,
    )


def _after_conflict(
    form: FiscalYearForm, conflict: EditConflict, posted: QueryDict
) -> tuple[FiscalYearForm, dict[str, Any]]:
    """The form to show after a conflict, and what to say about it.

    The form keeps the editor's own edits (entered values that differ from what their page
    showed, ``seen-<field>``) and takes everything else from the year as stored now; it
    carries the version now seen, so saving again is a deliberate choice. The table lists
    the figures someone else changed, with the value stored now and the editor's value.
    """
    current = from_json(conflict.current)
    data = posted.copy()
    rows = []
    for name, value in form.cleaned_data.items():
        if name == "version":
            continue
        mine = float(value) if value is not None else None
        seen = _number(posted.get(f"seen-{name}"))
        now = current.get(name)
        if now == seen:
            continue  # nobody else touched it
        edited = mine != seen
        rows.append((field_label(name), now, mine, edited))
        if not edited:  # the editor did not touch it: show the value stored now
            data[name] = "" if now is None else str(now)
        data[f"seen-{name}"] = "" if now is None else str(now)
    data["version"] = str(conflict.current_version)
    fresh = FiscalYearForm(data, initial_figures=current, lang=core_lang())
    fresh.is_valid()
    return fresh, {"by": conflict.changed_by, "at": conflict.changed_at, "rows": rows}


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: AuthedRequest) -> HttpResponse:
    require_registry_editor(request.user)
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    refused = getattr(request, "upload_refused", None)
    if refused is not None:  # stopped while it arrived: say so, not "this field is required"
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", upload_too_large_message(refused))
    elif request.method == "POST" and form.is_valid():
        try:
            imp = services.import_check(
                actor=request.user,
                upload=form.cleaned_data["file"],
                jurisdiction_code=form.cleaned_data.get("jurisdiction_code")
                or request.user.division_code,
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("enterprises:import_detail", import_id=imp.pk)
    imports = imports_for_user(request.user).select_related("uploaded_by")[:50]
    return render(request, "enterprises/imports.html", {"form": form, "imports": imports})


@login_required
@require_GET
def import_detail(request: AuthedRequest, import_id: int) -> HttpResponse:
    require_registry_editor(request.user)
    imp = import_get_for_user(request.user, import_id)
    # each reason in the page's language (stored in both)
    issues = [{**i, "text": reason_text(i)} for i in imp.report.get("issues", [])]
    errors = [i for i in issues if i["severity"] == "error"]
    warnings = [i for i in issues if i["severity"] == "warning"]
    return render(
        request,
        "enterprises/import_detail.html",
        {"imp": imp, "errors": errors, "warnings": warnings},
    )


@login_required
@require_POST
def import_commit_view(request: AuthedRequest, import_id: int) -> HttpResponse:
    require_registry_editor(request.user)
    imp = import_get_for_user(request.user, import_id)
    try:
        services.import_commit(actor=request.user, import_id=imp.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Import committed."))
    return redirect("enterprises:import_detail", import_id=imp.pk)


@login_required
@require_http_methods(["GET", "POST"])
def party_new(request: AuthedRequest) -> HttpResponse:
    """Register a party without a file: a prospect, start-up, lab, investor, or a firm."""
    require_party_registrar(request.user)
    form = PartyForm(request.POST or None, lang=core_lang())
    if request.method == "POST" and form.is_valid():
        try:
            party = services.party_register(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Registered %(name)s.") % {"name": party.name})
            return redirect("registry:detail", ref=party.ref)
    return render(
        request,
        "enterprises/party_new.html",
        {"form": form, "choose_division": request.user.role == Role.ADMIN},
    )


@login_required
@require_POST
def party_credit_code(request: AuthedRequest, ref: str) -> HttpResponse:
    """A party registers as a firm: add its credit code, keeping its history."""
    require_party_registrar(request.user)
    party = enterprise_get_for_user(request.user, ref)
    form = CreditCodeForm(request.POST)
    if form.is_valid():
        try:
            party = services.party_set_credit_code(
                actor=request.user, party=party, credit_code=form.cleaned_data["credit_code"]
            )
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("Credit code added."))
    else:
        messages.error(request, _("Enter an 18-character credit code."))
    return redirect("registry:detail", ref=party.ref)
