"""The investment project pipeline over HTTP: projects, their stage history, moves, and the
funnel with the seed's figures, in the same scope rules as the pages."""

from dataclasses import asdict
from datetime import date

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from feidi_web.api.errors import seen_version
from feidi_web.api.pagination import Pagination
from feidi_web.api.schemas import (
    FunnelOut,
    FunnelQuery,
    ProjectDetailOut,
    ProjectMoveIn,
    ProjectOut,
    ProjectQuery,
    errors,
)
from feidi_web.common.audit import VIA_API
from feidi_web.pipeline.permissions import project_get_for_user, require_pipeline_role
from feidi_web.pipeline.selectors import (
    FunnelFilter,
    ProjectFilter,
    pipeline_funnel,
    project_search,
)
from feidi_web.pipeline.services import project_move

router = Router(tags=["pipeline"])


@router.get("/projects", response={200: list[ProjectOut], **errors(403)}, summary="Projects")
@paginate(Pagination)
def project_list(request, filters: Query[ProjectQuery]):
    """Projects in the caller's scope, latest activity first."""
    require_pipeline_role(request.auth)
    return project_search(
        request.auth,
        ProjectFilter(q=filters.q, stage=filters.stage or "", source=filters.source or ""),
    ).select_related("landed_firm")


@router.get(
    "/projects/{project_id}",
    response={200: ProjectDetailOut, **errors(403, 404)},
    summary="One project with its stage history",
)
def project_detail(request, project_id: int):
    return project_get_for_user(request.auth, project_id)


@router.post(
    "/projects/{project_id}/move",
    response={200: ProjectDetailOut, **errors(403, 404, 412, 428)},
    summary="Move a project to another stage",
)
def project_move_post(request, response: HttpResponse, project_id: int, move: ProjectMoveIn):
    """Name the version you saw: `If-Match: "<version>"`. When someone moved or edited the
    project since, 412 with its current stage and version, and nothing is written. Moving to
    `lost` needs `lost_reason`; to `landed`, the credit code of the registry firm it landed
    as (found in your scope, or registered)."""
    project = project_get_for_user(request.auth, project_id)
    moved = project_move(
        actor=request.auth,
        project=project,
        to=move.to,
        seen_version=seen_version(request),
        note=move.note,
        lost_reason=move.lost_reason or "",
        landed_credit_code=move.landed_credit_code,
        landed_firm_name=move.landed_firm_name,
        via=VIA_API,
    )
    response["ETag"] = f'"{moved.version}"'
    return moved


@router.get("/funnel", response={200: FunnelOut, **errors(403)}, summary="The funnel")
def funnel_get(request, filters: Query[FunnelQuery]):
    """The seed's figures (introduced, negotiating, landed, valuation), how far projects got,
    conversion and median days per stage, the last 18 months and totals by source."""
    require_pipeline_role(request.auth)
    try:
        since = date.fromisoformat(filters.since) if filters.since else None
    except ValueError:
        raise ValidationError(_("since: not a date (YYYY-MM-DD).")) from None
    f = pipeline_funnel(request.auth, FunnelFilter(since=since, source=filters.source or ""))
    return {
        "totals": asdict(f.totals),
        "reached": {s.value: n for s, n in f.reached.items()},
        "conversion": {s.value: v for s, v in f.conversion.items()},
        "median_days": {s.value: v for s, v in f.median_days.items()},
        "lost_by_reason": f.lost_by_reason,
        "months": [asdict(m) for m in f.months],
        "by_source": {k: asdict(t) for k, t in f.by.get("source", {}).items()},
    }
