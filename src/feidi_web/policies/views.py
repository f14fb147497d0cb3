"""Policy channel pages (政策直达): the policies covering the user's firms, one policy with
its firms by verdict, one firm across its policies with the trace; authoring a division's
local policies (drafts, preview, publish)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feidi_web.accounts.scope import is_firm_user
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.http import AuthedRequest
from feidi_web.common.lang import pick
from feidi_web.common.workbook import Book
from feidi_web.policies import selectors, services
from feidi_web.policies.forms import AsOfForm, LocalPolicyForm, VerdictFilterForm, initial_of
from feidi_web.policies.models import PolicyVersion, VersionStatus
from feidi_web.policies.permissions import (
    firm_for,
    is_author,
    local_policy_for,
    require_author,
    require_reader,
    require_staff,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _as_of(form: AsOfForm) -> tuple[date, bool]:
    """The day asked for (today when none or invalid) and whether the input was valid."""
    if form.is_bound and not form.is_valid():
        return selectors.today(), False
    day = form.cleaned_data.get("as_of") if form.is_bound else None
    return day or selectors.today(), True


@login_required
@require_GET
def policy_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if is_firm_user(user) and user.enterprise is not None:
        return redirect("policies:firm", credit_code=user.enterprise.credit_code)
    require_staff(user)
    form = AsOfForm(request.GET or None)
    as_of, ok = _as_of(form)
    rows, _e = selectors.policy_rows(user, as_of)
    return render(
        request,
        "policies/list.html",
        {"form": form, "as_of": as_of, "rows": rows, "can_author": is_author(user)},
        status=200 if ok else 422,
    )


@login_required
@require_GET
def policy_detail(request: AuthedRequest, policy_id: str) -> HttpResponse:
    require_staff(request.user)
    form = VerdictFilterForm(request.GET or None)
    as_of, ok = _as_of(form)
    policy = selectors.policy_for(request.user, policy_id, as_of)
    verdict = form.cleaned_data.get("verdict", "") if ok and form.is_bound else ""
    firms, counts, total, priced = selectors.policy_firms(
        request.user, policy, as_of, verdict=verdict
    )
    page = Paginator(firms, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "policies/detail.html",
        {
            "form": form,
            "as_of": as_of,
            "policy": policy,
            "name": pick(policy.name),
            "citation": selectors.citation_of(policy),
            "benefit": pick(policy.benefit),
            "claim": selectors.claim_text(getattr(policy, "claim", "apply")),
            "amount_name": pick(policy.amount.name) if policy.amount else "",
            "conditions": selectors.condition_words(policy),
            "counts": [(v, selectors.verdict_text(v), n) for v, n in counts.items()],
            "total": total,
            "priced": priced,
            "page": page,
        },
        status=200 if ok else 422,
    )


@login_required
@require_GET
def policy_export(request: AuthedRequest, policy_id: str) -> HttpResponse:
    require_staff(request.user)
    form = AsOfForm(request.GET or None)
    as_of, _ok = _as_of(form)
    policy = selectors.policy_for(request.user, policy_id, as_of)
    firms, _counts, _total, _priced = selectors.policy_firms(request.user, policy, as_of)
    book = Book()
    amount = pick(policy.amount.name) if policy.amount else _("Amount")
    book.sheet(
        pick(policy.name),
        [
            _("Credit code"),
            _("Firm"),
            _("Town"),
            _("Verdict"),
            f"{amount} ({_('10k CNY')})",
            _("Missing data"),
        ],
        [
            [
                f.enterprise.credit_code,
                f.enterprise.name,
                f.enterprise.town,
                f.verdict_text,
                f.amount,
                "、".join(f.missing),
            ]
            for f in firms
        ],
        formats={4: "money"},
        widths={1: 30, 5: 40},
    )
    response = HttpResponse(book.close(), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="policy-{policy.id}-{as_of.isoformat()}.xlsx"'
    )
    return response


@login_required
@require_GET
def firm_page(request: AuthedRequest, credit_code: str) -> HttpResponse:
    require_reader(request.user)
    enterprise = firm_for(request.user, credit_code)
    form = AsOfForm(request.GET or None)
    as_of, ok = _as_of(form)
    rows = selectors.firm_policies(request.user, enterprise, as_of)
    return render(
        request,
        "policies/firm.html",
        {
            "form": form,
            "as_of": as_of,
            "enterprise": enterprise,
            "rows": rows,
            "is_firm_user": is_firm_user(request.user),
            # a firm's own user applies; its county's authors record one on its behalf
            "may_apply": is_firm_user(request.user) or is_author(request.user),
            "eligible_total": sum(r.amount or 0 for r in rows if r.verdict == "eligible"),
        },
        status=200 if ok else 422,
    )


# --- authoring -------------------------------------------------------------------------------


@login_required
@require_GET
def local_list(request: AuthedRequest) -> HttpResponse:
    require_author(request.user)
    return render(
        request, "policies/author_list.html", {"rows": selectors.local_policies(request.user)}
    )


def _show_errors(form: LocalPolicyForm, exc: ValidationError) -> None:
    """A service's refusal on the form: a condition's problem beside its row."""
    if not hasattr(exc, "error_dict"):
        for m in exc.messages:
            form.add_error(None, m)
        return
    for key, errors in exc.message_dict.items():
        for m in errors:
            if key.startswith("row:") and key[4:].isdigit():
                k = int(key[4:])
                if k < len(form.used_rows):
                    form.add_error(f"cond_{form.used_rows[k]}_value", m)
                    continue
                form.add_error(None, m)
            elif key in form.fields:
                form.add_error(key, m)
            else:
                form.add_error(None, m)


@login_required
@require_http_methods(["GET", "POST"])
def local_new(request: AuthedRequest) -> HttpResponse:
    require_author(request.user)
    form = LocalPolicyForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                policy, version = services.policy_create(actor=request.user, spec=form.spec())
            except ValidationError as exc:
                _show_errors(form, exc)
            else:
                messages.success(request, _("Saved as a draft: preview it, then publish it."))
                return redirect("policies:version", slug=policy.slug, number=version.number)
        return render(request, "policies/author_form.html", {"form": form}, status=422)
    return render(request, "policies/author_form.html", {"form": form})


@login_required
@require_GET
def local_policy(request: AuthedRequest, slug: str) -> HttpResponse:
    policy = local_policy_for(request.user, slug)
    versions = list(policy.versions.select_related("author", "published_by"))
    return render(
        request,
        "policies/version_list.html",
        {
            "policy": policy,
            "versions": [(v, VersionStatus(v.status).label) for v in versions],
            "table": selectors.version_table(versions),
            "has_draft": any(v.status == VersionStatus.DRAFT for v in versions),
            "name": selectors.spec_words(versions[0].spec)[0][1] if versions else "",
        },
    )


def _preview_bar(version: PolicyVersion) -> list[dict[str, Any]]:
    p = version.preview or {}
    counts = {v: int(p.get(v, 0)) for v in ("eligible", "unknown", "not_eligible")}
    return selectors.bar(counts)


def _version_context(
    request: AuthedRequest, version: PolicyVersion, **extra: Any
) -> dict[str, Any]:
    return {
        "policy": version.policy,
        "version": version,
        "status": VersionStatus(version.status).label,
        "words": selectors.spec_words(version.spec),
        "name": selectors.spec_words(version.spec)[0][1],
        "bar": _preview_bar(version),
        "is_draft": version.status == VersionStatus.DRAFT,
        **extra,
    }


@login_required
@require_GET
def version_detail(request: AuthedRequest, slug: str, number: int) -> HttpResponse:
    policy = local_policy_for(request.user, slug)
    version = selectors.version_of(policy, number)
    return render(request, "policies/version.html", _version_context(request, version))


def _seen(request: AuthedRequest) -> int | None:
    raw = request.POST.get("edit_version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _conflict_words(exc: EditConflict) -> dict[str, Any]:
    status = exc.current.get("status", VersionStatus.DRAFT)
    return {
        "status": VersionStatus(status).label if status in VersionStatus.values else status,
        "by": exc.changed_by,
        "at": exc.changed_at,
    }


@login_required
@require_http_methods(["GET", "POST"])
def version_edit(request: AuthedRequest, slug: str, number: int) -> HttpResponse:
    policy = local_policy_for(request.user, slug)
    version = selectors.version_of(policy, number)
    if request.method == "GET":
        if version.status != VersionStatus.DRAFT:
            messages.info(request, _("Only a draft is edited: start a new version instead."))
            return redirect("policies:version", slug=slug, number=number)
        form = LocalPolicyForm(initial=initial_of(version.spec), fixed_slug=slug)
        return render(
            request,
            "policies/author_form.html",
            {"form": form, "version": version, "edit_version": version.edit_version},
        )
    form = LocalPolicyForm(request.POST, fixed_slug=slug)
    seen = _seen(request)
    conflict = None
    if seen is None:
        form.add_error(None, _("The form is incomplete: reload the page."))
    elif form.is_valid():
        try:
            services.version_save(
                actor=request.user, version=version, spec=form.spec(), seen_edit_version=seen
            )
        except EditConflict as exc:
            conflict = _conflict_words(exc)
        except ValidationError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Draft saved: preview it again before publishing."))
            return redirect("policies:version", slug=slug, number=number)
    version.refresh_from_db()
    return render(
        request,
        "policies/author_form.html",
        {
            "form": form,
            "version": version,
            "edit_version": seen if conflict is None and seen is not None else version.edit_version,
            "conflict": conflict,
        },
        status=409 if conflict else 422,
    )


@login_required
@require_POST
def version_new(request: AuthedRequest, slug: str) -> HttpResponse:
    policy = local_policy_for(request.user, slug)
    version = services.version_new(actor=request.user, policy=policy)
    messages.success(request, _("A new draft is started from the latest version."))
    return redirect("policies:version_edit", slug=slug, number=version.number)


def _act(request: AuthedRequest, slug: str, number: int, publish: bool) -> HttpResponse:
    policy = local_policy_for(request.user, slug)
    version = selectors.version_of(policy, number)
    seen = _seen(request)
    error = conflict = None
    if seen is None:
        error = _("The form is incomplete: reload the page.")
    else:
        try:
            if publish:
                services.version_publish(
                    actor=request.user, version=version, seen_edit_version=seen
                )
            else:
                form = AsOfForm(request.POST)
                as_of = form.cleaned_data.get("as_of") if form.is_valid() else None
                if not form.is_valid():
                    raise ValidationError(list(form.errors["as_of"]))
                services.version_preview(
                    actor=request.user, version=version, seen_edit_version=seen, as_of=as_of
                )
        except EditConflict as exc:
            conflict = _conflict_words(exc)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Published: firms of its area are graded on it from now on.")
                if publish
                else _("Previewed."),
            )
            return redirect("policies:version", slug=slug, number=number)
    version.refresh_from_db()
    return render(
        request,
        "policies/version.html",
        _version_context(request, version, error=error, conflict=conflict),
        status=409 if conflict else 422,
    )


@login_required
@require_POST
def version_preview(request: AuthedRequest, slug: str, number: int) -> HttpResponse:
    return _act(request, slug, number, publish=False)


@login_required
@require_POST
def version_publish(request: AuthedRequest, slug: str, number: int) -> HttpResponse:
    return _act(request, slug, number, publish=True)
