"""Pipeline pages: the project list, filing a project, a project (stage, history, follow-ups),
and the funnel with the seed's figures (charts and Excel)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feidi.pipeline import ORDER, LostReason, Source, Stage
from feidi_web.accounts.models import Role, User
from feidi_web.accounts.scope import division_prefix
from feidi_web.common.audit import action_text, project_subject, via_text
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.display import industry_text, kind_text
from feidi_web.common.forms import add_errors
from feidi_web.common.http import AuthedRequest
from feidi_web.common.lang import core_lang
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope
from feidi_web.pipeline import exports, selectors, services
from feidi_web.pipeline.forms import (
    FollowUpForm,
    FunnelFilterForm,
    MoveForm,
    ProjectEditForm,
    ProjectForm,
    ProjectSearchForm,
)
from feidi_web.pipeline.models import FollowUp, Project
from feidi_web.pipeline.permissions import (
    project_get_for_user,
    require_pipeline_role,
    sources_for,
)

PAGE_SIZE = 50


def stage_text(value: str) -> str:
    return Stage(value).label(core_lang()) if value else "—"


def source_text(value: str) -> str:
    return Source(value).label(core_lang())


def lost_text(value: str) -> str:
    return LostReason(value).label(core_lang()) if value else ""


def colleagues(user: User) -> list[User]:
    """Who may own a project of ``user``'s division: its pipeline staff (the user first)."""
    roles = [Role.COUNTY_STAFF, Role.INVESTMENT_OFFICER, Role.ENCLAVE_OPERATOR]
    qs = User.objects.filter(is_active=True, role__in=roles)
    if user.role != Role.ADMIN:
        qs = qs.filter(division_code__startswith=division_prefix(user.division_code))
    others = [u for u in qs.order_by("username") if u.pk != user.pk]
    return [user, *others]


def _row(p: Project) -> dict[str, Any]:
    return {
        "project": p,
        "stage": stage_text(p.stage),
        "source": source_text(p.source),
        "kind": kind_text(p.counterpart.kind),
        "owner": p.owner.display_name,
        "stale": p.stage in {s.value for s in ORDER[:-1]}
        and p.touched_at < selectors.stale_before(),
    }


@login_required
@require_GET
def project_list(request: AuthedRequest) -> HttpResponse:
    require_pipeline_role(request.user)
    form = ProjectSearchForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.project_search(
        request.user,
        selectors.ProjectFilter(
            q=f.get("q", ""),
            stage=f.get("stage", ""),
            source=f.get("source", ""),
            stale=bool(f.get("stale")),
        ),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "pipeline/_table.html" if request.htmx else "pipeline/list.html"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "rows": [_row(p) for p in page],
            "stale_count": selectors.stale_projects(request.user).count(),
            "stale_days": settings.FEIDI_PROJECT_STALE_DAYS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: AuthedRequest) -> HttpResponse:
    require_pipeline_role(request.user)
    owners = colleagues(request.user)
    form = ProjectForm(
        request.POST or None,
        sources=sources_for(request.user),
        owners=owners,
        initial={"owner": request.user.pk, "stage": Stage.LEAD.value},
    )
    similar: list[Project] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        # an existing party of the registry, named exactly, is linked; otherwise registered
        counterpart = (
            Enterprise.objects.filter(enterprise_scope(request.user))
            .filter(name=d["counterpart_name"].strip())
            .first()
        )
        try:
            project = services.project_create(
                actor=request.user,
                name=d["name"],
                source=d["source"],
                stage=d["stage"],
                counterpart=counterpart,
                new_counterpart=None
                if counterpart
                else services.NewCounterpart(
                    name=d["counterpart_name"],
                    kind=d["counterpart_kind"],
                    credit_code=d["counterpart_credit_code"],
                ),
                industry_code=d["industry_code"],
                planned_investment=d["planned_investment"],
                valuation=d["valuation"],
                description=d["description"],
                owner=next((u for u in owners if u.pk == d["owner"]), None),
                allow_duplicate=d["allow_duplicate"],
            )
        except services.DuplicateProject as dup:
            similar = dup.similar
            form.add_error(None, dup.messages[0])
        except ValidationError as exc:
            add_errors(
                form,
                exc,
                {"credit_code": "counterpart_credit_code", "kind": "counterpart_kind"},
            )
        else:
            messages.success(request, _("Filed %(name)s.") % {"name": project.name})
            return redirect("pipeline:detail", project_id=project.pk)
    return render(
        request,
        "pipeline/new.html",
        {"form": form, "similar": [_row(p) for p in similar]},
        status=200 if not form.errors else 422,
    )


def _history(project: Project) -> list[dict[str, Any]]:
    out = []
    for change in project.history.select_related("actor"):
        out.append(
            {
                "at": change.at,
                "from": stage_text(change.from_stage),
                "to": stage_text(change.stage),
                "who": change.actor.display_name if change.actor else "—",
                "note": change.note,
            }
        )
    return out


def _audit(project: Project) -> list[dict[str, Any]]:
    entries = AuditEntry.objects.filter(subject=project_subject(project.pk)).select_related(
        "actor"
    )[:50]
    return [
        {
            "at": e.at,
            "who": e.actor.display_name if e.actor else "—",
            "what": action_text(e.action),
            "via": via_text(e.via),
        }
        for e in entries
    ]


def _detail_context(request: AuthedRequest, project: Project, **extra: Any) -> dict[str, Any]:
    current = Stage(project.stage)
    return {
        "project": project,
        "row": _row(project),
        "industry": industry_text(project.industry_code) if project.industry_code else "—",
        "lost_reason": lost_text(project.lost_reason),
        "history": _history(project),
        "audit": _audit(project),
        "follow_ups": list(project.follow_ups.select_related("assignee")),
        "today": timezone.localdate(),
        "move_form": extra.pop("move_form", None)
        or MoveForm(current=current, initial={"version": project.version}),
        "follow_up_form": extra.pop("follow_up_form", None) or FollowUpForm(),
        "can_move": current != Stage.LANDED,
        **extra,
    }


@login_required
@require_GET
def project_detail(request: AuthedRequest, project_id: int) -> HttpResponse:
    project = project_get_for_user(request.user, project_id)
    return render(request, "pipeline/detail.html", _detail_context(request, project))


@login_required
@require_POST
def project_move(request: AuthedRequest, project_id: int) -> HttpResponse:
    project = project_get_for_user(request.user, project_id)
    form = MoveForm(request.POST, current=Stage(project.stage))
    conflict = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            moved = services.project_move(
                actor=request.user,
                project=project,
                to=d["to"],
                seen_version=d["version"],
                note=d["note"],
                lost_reason=d["lost_reason"],
                landed_credit_code=d["landed_credit_code"],
                landed_firm_name=d["landed_firm_name"],
            )
        except EditConflict as exc:
            conflict = {
                "stage": stage_text(str(exc.current["stage"])),
                "by": exc.changed_by,
                "at": exc.changed_at,
            }
            project.refresh_from_db()
            form = MoveForm(current=Stage(project.stage), initial={"version": project.version})
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Moved to %(stage)s.") % {"stage": stage_text(moved.stage)})
            return redirect("pipeline:detail", project_id=project.pk)
    project.refresh_from_db()
    return render(
        request,
        "pipeline/detail.html",
        _detail_context(request, project, move_form=form, conflict=conflict),
        status=409 if conflict else 422,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: AuthedRequest, project_id: int) -> HttpResponse:
    project = project_get_for_user(request.user, project_id)
    owners = colleagues(request.user)
    if project.owner not in owners:
        owners.append(project.owner)
    initial = {f: getattr(project, f) for f in services.EDITABLE if f != "owner"}
    initial |= {"owner": project.owner_id, "version": project.version}
    form = ProjectEditForm(
        request.POST or None, sources=sources_for(request.user), owners=owners, initial=initial
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        seen = d.pop("version")
        d["owner"] = next(u for u in owners if u.pk == d["owner"])
        try:
            services.project_update(
                actor=request.user, project=project, changes=d, seen_version=seen
            )
        except EditConflict as exc:
            conflict = {"by": exc.changed_by, "at": exc.changed_at}
            # the editor's values stay; the version moves on, so saving again overwrites
            data = request.POST.copy()
            data["version"] = str(exc.current_version)
            form = ProjectEditForm(data, sources=sources_for(request.user), owners=owners)
            form.is_valid()
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("pipeline:detail", project_id=project.pk)
    return render(
        request,
        "pipeline/edit.html",
        {"project": project, "form": form, "conflict": conflict},
        status=409 if conflict else (422 if form.errors else 200),
    )


@login_required
@require_POST
def follow_up_add(request: AuthedRequest, project_id: int) -> HttpResponse:
    project = project_get_for_user(request.user, project_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_add(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Follow-up added."))
            return redirect("pipeline:detail", project_id=project.pk)
    return render(
        request,
        "pipeline/detail.html",
        _detail_context(request, project, follow_up_form=form),
        status=422,
    )


@login_required
@require_POST
def follow_up_done(request: AuthedRequest, project_id: int, task_id: int) -> HttpResponse:
    project = project_get_for_user(request.user, project_id)
    try:
        task = project.follow_ups.get(pk=task_id)
    except FollowUp.DoesNotExist:
        from django.http import Http404

        raise Http404("follow-up not found") from None
    services.follow_up_done(actor=request.user, task=task)
    return redirect("pipeline:detail", project_id=project.pk)


def _funnel_context(request: AuthedRequest) -> dict[str, Any]:
    form = FunnelFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    result = selectors.pipeline_funnel(
        request.user,
        selectors.FunnelFilter(since=f.get("since"), source=f.get("source", "")),
    )
    return {"form": form, "funnel": result, **exports.funnel_tables(result)}


@login_required
@require_GET
def funnel(request: AuthedRequest) -> HttpResponse:
    require_pipeline_role(request.user)
    return render(request, "pipeline/funnel.html", _funnel_context(request))


@login_required
@require_GET
def export(request: AuthedRequest) -> HttpResponse:
    require_pipeline_role(request.user)
    ctx = _funnel_context(request)
    projects = selectors.project_search(request.user, selectors.ProjectFilter())
    body = exports.workbook(ctx["funnel"], [_row(p) for p in projects], ctx)
    response = HttpResponse(
        body,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="pipeline-{stamp}.xlsx"'
    return response
