"""Reads of the pipeline: the project list, stale projects, and the funnel and the seed's
figures (``feidi.pipeline.funnel`` over the stage history of the projects a user may see)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from feidi.pipeline import OPEN_STAGES, Funnel, funnel
from feidi_web.accounts.models import User
from feidi_web.pipeline.models import Project, StageChange
from feidi_web.pipeline.permissions import projects_for_user


@dataclass(frozen=True)
class ProjectFilter:
    q: str = ""
    stage: str = ""
    source: str = ""
    owner: int | None = None
    stale: bool = False


def stale_before() -> datetime:
    """Open projects nobody touched since this moment are stale."""
    return timezone.now() - timedelta(days=settings.FEIDI_PROJECT_STALE_DAYS)


def project_search(user: User, f: ProjectFilter) -> QuerySet[Project]:
    qs = projects_for_user(user).select_related("counterpart", "owner")
    if f.q:
        qs = qs.filter(Q(name__icontains=f.q) | Q(counterpart__name__icontains=f.q))
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    if f.stale:
        qs = qs.filter(stage__in=[s.value for s in OPEN_STAGES], touched_at__lt=stale_before())
    return qs


def stale_projects(user: User) -> QuerySet[Project]:
    return project_search(user, ProjectFilter(stale=True)).order_by("touched_at")


def _naive(value: datetime) -> datetime:
    """Stage history in the site's local time without a zone (the core's convention)."""
    return timezone.localtime(value).replace(tzinfo=None)


#: Queries ``pipeline_funnel`` makes, whatever the number of projects: the projects, their
#: stage history (owner names for the breakdown only when there are projects).
FUNNEL_QUERIES = 2


@dataclass(frozen=True)
class FunnelFilter:
    since: date | None = None  # projects created on or after
    source: str = ""
    owner: int | None = None


def pipeline_funnel(
    user: User,
    f: FunnelFilter | None = None,
    *,
    until: datetime | None = None,
    months: int = 18,
) -> Funnel:
    """The funnel, totals, month-by-month figures and breakdowns by source, industry
    (GB/T 4754 division) and owner, for the projects ``user`` may see."""
    f = f or FunnelFilter()
    projects = projects_for_user(user)
    if f.since:
        projects = projects.filter(created_at__date__gte=f.since)
    if f.source:
        projects = projects.filter(source=f.source)
    if f.owner:
        projects = projects.filter(owner_id=f.owner)
    rows = list(
        projects.values_list(
            "id", "created_at", "valuation", "lost_reason", "source", "industry_code", "owner_id"
        )
    )
    frame = pl.DataFrame(
        [
            (
                pid,
                _naive(created),
                float(val) if val is not None else None,
                lost or None,
                source,
                (industry or "")[:3],  # the GB/T 4754 division (大类): C36
                owner,
            )
            for pid, created, val, lost, source, industry, owner in rows
        ],
        schema={
            "project": pl.Int64,
            "created_at": pl.Datetime("us"),
            "valuation": pl.Float64,
            "lost_reason": pl.String,
            "source": pl.String,
            "industry": pl.String,
            "owner": pl.Int64,
        },
        orient="row",
    )
    history = pl.DataFrame(
        [
            (pid, stage, _naive(at))
            for pid, stage, at in StageChange.objects.filter(
                project_id__in=projects.values("id")
            ).values_list("project_id", "stage", "at")
        ],
        schema={"project": pl.Int64, "stage": pl.String, "at": pl.Datetime("us")},
        orient="row",
    )
    end = _naive(until or timezone.now())
    back = end.year * 12 + end.month - 1 - (months - 1)
    start = date(back // 12, back % 12 + 1, 1)
    return funnel(history, frame, until=end, months_from=start, by=("source", "industry", "owner"))
