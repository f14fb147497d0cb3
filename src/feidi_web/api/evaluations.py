"""Evaluation runs over HTTP: list, start, follow progress, read the records."""

from ninja import P, PathEx, Query, Router, Status
from ninja.pagination import paginate

from feidi_web.api.errors import RunNotFinished
from feidi_web.api.pagination import Pagination
from feidi_web.api.schemas import RecordOut, RecordQuery, RunIn, RunOut, errors
from feidi_web.evaluations.selectors import records_for_user, run_get_for_user, runs_for_user
from feidi_web.evaluations.services import (
    evaluation_run_cancel,
    evaluation_run_create,
    evaluation_run_retry,
)

router = Router(tags=["evaluations"])

RunId = PathEx[int, P(description="Run id.")]


@router.get("", response={200: list[RunOut], **errors()}, summary="Evaluation runs")
@paginate(Pagination)
def run_list(request):
    """Runs over firms the caller may see, newest first."""
    return runs_for_user(request.auth)


@router.post(
    "", response={200: RunOut, 201: RunOut, **errors(403, 422)}, summary="Start an evaluation run"
)
def run_create(request, payload: RunIn):
    """Grade every firm the caller is responsible for, in the background; poll
    ``GET /api/evaluations/{run_id}`` for progress. 201 with the new run; 200 with the run
    already under way when the same evaluation (rulebook, as-of date, division) is waiting or
    running. System administrators and county staff only (403 otherwise); an unknown
    rulebook, an out-of-range date, or too many runs of the caller waiting already answer 422."""
    run, created = evaluation_run_create(
        actor=request.auth, rulebook=payload.rulebook, as_of=payload.as_of
    )
    return Status(201 if created else 200, run)


@router.post(
    "/{run_id}/cancel",
    response={200: RunOut, **errors(403, 404, 422)},
    summary="Cancel a waiting or running run",
)
def run_cancel(request, run_id: RunId):
    """Its worker stops at the next batch; nothing it graded is kept. 422 if it has ended."""
    return evaluation_run_cancel(actor=request.auth, run=run_get_for_user(request.auth, run_id))


@router.post(
    "/{run_id}/retry",
    response={200: RunOut, **errors(403, 404, 422)},
    summary="Queue a failed, cancelled or stalled run again",
)
def run_retry(request, run_id: RunId):
    """A run is *stalled* (``stale: true``) when its worker stopped answering; 422 for a run
    that is finished, or still healthy."""
    return evaluation_run_retry(actor=request.auth, run=run_get_for_user(request.auth, run_id))


@router.get("/{run_id}", response={200: RunOut, **errors(404)}, summary="One run and its progress")
def run_detail(request, run_id: RunId):
    return run_get_for_user(request.auth, run_id)


@router.get(
    "/{run_id}/records",
    response={200: list[RecordOut], **errors(404, 409)},
    summary="A run's records",
)
@paginate(Pagination)
def run_records(request, run_id: RunId, filters: Query[RecordQuery]):
    """One record per firm × tier, for firms in the caller's scope only, by credit code.
    A run that has not finished has no records to read (409)."""
    run = run_get_for_user(request.auth, run_id)
    if run.status != "done":
        raise RunNotFinished
    records = records_for_user(request.auth, run)
    if filters.tier:
        records = records.filter(tier=filters.tier)
    if filters.verdict:
        records = records.filter(verdict=filters.verdict)
    return records.order_by("enterprise__credit_code", "tier")
