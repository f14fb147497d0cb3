"""Evaluation runs: start one (queued as a background task), execute it batch by batch.

The grading itself is one call into the core (``feidi.rules.evaluate``); this module only
chooses the firms, feeds them in batches so the page can show progress, and stores records.
"""

from __future__ import annotations

import logging
from datetime import date

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.io import Dataset
from feidi.rules import available_rulebooks, evaluate, load_rulebook
from feidi_web.accounts.models import Role, User
from feidi_web.accounts.scope import in_jurisdiction
from feidi_web.enterprises.codec import jsonable
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import require_staff_role
from feidi_web.enterprises.selectors import dataset_for
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun, RunStatus

log = logging.getLogger(__name__)

#: Firms per batch: small enough that the progress bar moves on a county, large enough
#: that the core's per-call overhead stays a small share.
BATCH_FIRMS = 500


def evaluation_run_create(*, actor: User, rulebook: str, as_of: date) -> EvaluationRun:
    """Queue an evaluation of every firm the actor is responsible for."""
    require_staff_role(actor)
    if actor.role == Role.ENCLAVE_OPERATOR:
        raise PermissionDenied
    if rulebook not in available_rulebooks():
        raise ValidationError(_("Unknown rulebook %(r)s") % {"r": rulebook})
    if not date(2000, 1, 1) <= as_of <= date(2100, 12, 31):
        raise ValidationError(_("The as-of date %(d)s is out of range") % {"d": as_of})
    jurisdiction = "" if actor.role == Role.ADMIN else actor.division_code
    run = EvaluationRun.objects.create(
        rulebook=rulebook, as_of=as_of, jurisdiction_code=jurisdiction, created_by=actor
    )
    from feidi_web.evaluations.tasks import evaluation_run_task

    # enqueue after the row is visible to the worker's connection
    transaction.on_commit(lambda: evaluation_run_task.enqueue(run.pk))
    return run


def _run_enterprises(run: EvaluationRun) -> QuerySet[Enterprise]:
    """The firms a run grades: its jurisdiction's, or the whole registry ('')."""
    if run.jurisdiction_code:
        return Enterprise.objects.filter(in_jurisdiction(run.jurisdiction_code))
    return Enterprise.objects.all()


def evaluation_run_execute(*, run_id: int) -> EvaluationRun:
    """Grade the run's firms and store one record per firm × tier; progress after each batch."""
    run = EvaluationRun.objects.get(pk=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return run
    try:
        book = load_rulebook(run.rulebook)
        enterprises = _run_enterprises(run)
        data = dataset_for(enterprises)
        ids = dict(enterprises.values_list("credit_code", "id"))
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.firms_total = data.firms.height
        run.firms_done = 0
        run.save(update_fields=["status", "started_at", "firms_total", "firms_done"])
        EvaluationRecord.objects.filter(run=run).delete()  # a retried run starts clean
        warnings: set[str] = set()
        for start in range(0, data.firms.height, BATCH_FIRMS):
            batch = _slice(data, start, BATCH_FIRMS)
            result = evaluate(batch, book, run.as_of)
            warnings.update(result.warnings)
            records = pl.concat(list(result.iter_records())) if batch.firms.height else None
            if records is not None:
                _store(run, records, ids)
            run.firms_done = min(start + BATCH_FIRMS, run.firms_total)
            run.save(update_fields=["firms_done"])
        run.status = RunStatus.DONE
        run.warnings = sorted(warnings)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "warnings", "finished_at"])
    except Exception as exc:  # the run must end visibly, whatever went wrong
        log.exception("evaluation run %s failed", run_id)
        run.status = RunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
    return run


def _slice(data: Dataset, start: int, n: int) -> Dataset:
    firms = data.firms.slice(start, n)
    codes = firms.get_column("credit_code")
    return Dataset(
        firms=firms, financials=data.financials.filter(pl.col("credit_code").is_in(codes.implode()))
    )


def _store(run: EvaluationRun, records: pl.DataFrame, ids: dict[str, int]) -> None:
    rows = []
    for rec in records.iter_rows(named=True):
        score, mark = rec["score"], rec["pass_mark"]
        gap = mark - score if score is not None and mark is not None and score < mark else None
        rows.append(
            EvaluationRecord(
                run=run,
                enterprise_id=ids[rec["credit_code"]],
                tier=rec["tier"],
                verdict=rec["verdict"],
                score=score,
                pass_mark=mark,
                gap=round(gap, 6) if gap is not None else None,
                record=jsonable(rec),
            )
        )
    EvaluationRecord.objects.bulk_create(rows, batch_size=500)
