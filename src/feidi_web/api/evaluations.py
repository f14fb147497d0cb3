"""Evaluation runs over HTTP: list, start, follow progress, read the records."""

from ninja import P, PathEx, Query, Router, Status
from ninja.pagination import paginate

from feidi_web.api.pagination import Pagination
from feidi_web.api.schemas import RecordOut, RecordQuery, RunIn, RunOut, errors
from feidi_web.evaluations.selectors import records_for_user, run_get_for_user, runs_for_user
from feidi_web.evaluations.services import evaluation_run_create

router = Router(tags=["evaluations"])

RunId = PathEx[int, P(description="Run id.")]


@router.get("", response={200: list[RunOut], **errors()}, summary="Evaluation runs")
@paginate(Pagination)
def run_list(request):
    """Runs over firms the caller may see, newest first."""
    return runs_for_user(request.auth)


@router.post("", response={201: RunOut, **errors(403, 422)}, summary="Start an evaluation run")
def run_create(request, payload: RunIn):
    """Grade every firm the caller is responsible for, in the background; poll
    ``GET /api/evaluations/{run_id}`` for progress. System administrators and county staff
    only (403 otherwise); an unknown rulebook or an out-of-range date answers 422."""
    return Status(
        201,
        evaluation_run_create(actor=request.auth, rulebook=payload.rulebook, as_of=payload.as_of),
    )


@router.get("/{run_id}", response={200: RunOut, **errors(404)}, summary="One run and its progress")
def run_detail(request, run_id: RunId):
    return run_get_for_user(request.auth, run_id)


@router.get(
    "/{run_id}/records",
    response={200: list[RecordOut], **errors(404)},
    summary="A run's records",
)
@paginate(Pagination)
def run_records(request, run_id: RunId, filters: Query[RecordQuery]):
    """One record per firm × tier, for firms in the caller's scope only, by credit code."""
    records = records_for_user(request.auth, run_get_for_user(request.auth, run_id))
    if filters.tier:
        records = records.filter(tier=filters.tier)
    if filters.verdict:
        records = records.filter(verdict=filters.verdict)
    return records.order_by("enterprise__credit_code", "tier")
