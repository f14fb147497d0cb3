"""Evaluation runs: start one (queued as a background task), execute it batch by batch.

The grading itself is one call into the core (``feidi.rules.evaluate``); this module only
chooses the firms, feeds them in batches so the page can show progress, and stores records.
"""

from __future__ import annotations

import logging
from datetime import date

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.dates import as_of_problem
from feidi.io import Dataset
from feidi.rules import available_rulebooks, evaluate
from feidi_web.accounts.models import Role, User
from feidi_web.common.lang import pick
from feidi_web.enterprises.codec import jsonable
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import in_jurisdiction, require_staff_role
from feidi_web.enterprises.selectors import dataset_for
from feidi_web.evaluations.models import ACTIVE, EvaluationRecord, EvaluationRun, RunStatus
from feidi_web.evaluations.permissions import require_run_manager
from feidi_web.evaluations.versions import rulebook_of, version_for

log = logging.getLogger(__name__)


class RunAbandoned(Exception):
    """The run is no longer this worker's: cancelled, or retried after it was thought dead."""


def evaluation_run_create(*, actor: User, rulebook: str, as_of: date) -> tuple[EvaluationRun, bool]:
    """Queue an evaluation of every firm the actor is responsible for.

    The rulebook's texts are stored with the run (``evaluations.versions``): it grades, and its
    results are explained, with exactly those. Returns ``(run, created)``: when the same
    evaluation (rulebook version, as-of date, division) is already waiting or running, that run is returned instead of queueing a second one. A user
    may have at most FEIDI_RUNS_PER_USER runs waiting or running.
    """
    require_staff_role(actor)
    if actor.role == Role.ENCLAVE_OPERATOR:
        raise PermissionDenied
    if rulebook not in available_rulebooks():
        raise ValidationError(_("Unknown rulebook %(r)s") % {"r": rulebook})
    problem = as_of_problem(as_of)
    if problem:
        raise ValidationError(pick(problem))
    jurisdiction = "" if actor.role == Role.ADMIN else actor.division_code
    version = version_for(rulebook)
    with transaction.atomic():
        # Serialises concurrent starts by the same user (SQLite: the write lock; PostgreSQL:
        # the user's row), so a double click cannot queue the same run twice.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        active = [
            r
            for r in EvaluationRun.objects.filter(status__in=ACTIVE, created_by=actor)
            if not r.is_stale
        ]
        same = next(
            (
                r
                for r in EvaluationRun.objects.filter(
                    status__in=ACTIVE,
                    version=version,
                    as_of=as_of,
                    jurisdiction_code=jurisdiction,
                )
                if not r.is_stale
            ),
            None,
        )
        if same is not None:
            return same, False
        if len(active) >= settings.FEIDI_RUNS_PER_USER:
            raise ValidationError(
                _(
                    "You already have %(n)d evaluations waiting or running; wait for one to "
                    "finish or cancel one."
                )
                % {"n": len(active)}
            )
        run = EvaluationRun.objects.create(
            rulebook=rulebook,
            version=version,
            as_of=as_of,
            jurisdiction_code=jurisdiction,
            created_by=actor,
        )
        _enqueue(run)
    return run, True


def _enqueue(run: EvaluationRun) -> None:
    from feidi_web.evaluations.tasks import evaluation_run_task

    # enqueue after the row is visible to the worker's connection
    transaction.on_commit(lambda: evaluation_run_task.enqueue(run.pk))


def evaluation_run_cancel(*, actor: User, run: EvaluationRun) -> EvaluationRun:
    """Stop a waiting or running evaluation. Its worker stops at its next batch and writes
    nothing more; the records written so far are deleted (they were never results)."""
    require_run_manager(actor, run)
    with transaction.atomic():
        changed = EvaluationRun.objects.filter(pk=run.pk, status__in=ACTIVE).update(
            status=RunStatus.CANCELLED, finished_at=timezone.now()
        )
        if not changed:
            run.refresh_from_db()
            raise ValidationError(
                _("This evaluation has already ended (%(s)s).") % {"s": run.get_status_display()}
            )
        EvaluationRecord.objects.filter(run=run).delete()
    run.refresh_from_db()
    return run


def evaluation_run_retry(*, actor: User, run: EvaluationRun) -> EvaluationRun:
    """Queue a failed, cancelled or stale evaluation again, as a fresh attempt."""
    require_run_manager(actor, run)
    with transaction.atomic():
        run = EvaluationRun.objects.select_for_update().get(pk=run.pk)
        if not run.can_retry:
            raise ValidationError(
                _("Only a failed, cancelled or stalled evaluation can be retried.")
            )
        EvaluationRecord.objects.filter(run=run).delete()
        run.status = RunStatus.QUEUED
        run.error = ""
        run.firms_done = 0
        run.finished_at = None
        run.heartbeat_at = None
        run.save(update_fields=["status", "error", "firms_done", "finished_at", "heartbeat_at"])
        _enqueue(run)
    return run


def _run_enterprises(run: EvaluationRun) -> QuerySet[Enterprise]:
    """The firms a run grades: its jurisdiction's, or the whole registry ('')."""
    if run.jurisdiction_code:
        return Enterprise.objects.filter(in_jurisdiction(run.jurisdiction_code))
    return Enterprise.objects.all()


def _claim(run_id: int) -> EvaluationRun | None:
    """Take a queued run for this worker (None if it is not queued: done, cancelled, or
    another worker's)."""
    now = timezone.now()
    with transaction.atomic():
        taken = EvaluationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING,
            attempt=F("attempt") + 1,
            started_at=now,
            heartbeat_at=now,
            firms_done=0,
            firms_total=0,
        )
        if not taken:
            return None
        EvaluationRecord.objects.filter(run_id=run_id).delete()  # a retried run starts clean
        run = EvaluationRun.objects.get(pk=run_id)
        if run.version_id is None:  # made without the service (a script): version it now
            run.version = version_for(run.rulebook)
            run.save(update_fields=["version"])
    return run


def _beat(run: EvaluationRun, **fields: object) -> None:
    """Record progress, if the run is still this worker's; raise ``RunAbandoned`` if not."""
    still_mine = EvaluationRun.objects.filter(
        pk=run.pk, attempt=run.attempt, status=RunStatus.RUNNING
    ).update(heartbeat_at=timezone.now(), **fields)
    if not still_mine:
        raise RunAbandoned


def evaluation_run_execute(*, run_id: int) -> EvaluationRun:
    """Grade the run's firms and store one record per firm × tier; progress after each batch.

    Each batch's records and the progress that counts them are written in one transaction,
    guarded by the run's attempt: a cancelled run, or one retried because this worker was
    thought dead, receives nothing more from it. Records become results only when the run is
    ``done`` (selectors serve nothing else).
    """
    run = _claim(run_id)
    if run is None:
        return EvaluationRun.objects.get(pk=run_id)
    try:
        book = rulebook_of(run)  # the texts stored when the run was asked for
        enterprises = _run_enterprises(run)
        data = dataset_for(enterprises)
        ids = {
            str(c): i
            for c, i in enterprises.filter(credit_code__isnull=False).values_list(
                "credit_code", "id"
            )
        }
        run.firms_total = data.firms.height
        _beat(run, firms_total=run.firms_total)
        size = settings.FEIDI_RUN_BATCH_FIRMS
        for start in range(0, data.firms.height, size):
            batch = _slice(data, start, size)
            result = evaluate(batch, book, run.as_of)
            records = pl.concat(list(result.iter_records())) if batch.firms.height else None
            with transaction.atomic():
                _beat(run, firms_done=min(start + size, run.firms_total))
                if records is not None:
                    _store(run, records, ids)
        with transaction.atomic():
            _beat(
                run,
                status=RunStatus.DONE,
                # (中文, English) pairs, each page shows its language's half
                warnings=[list(w) for w in book.warnings(run.as_of)],
                finished_at=timezone.now(),
            )
    except RunAbandoned:
        log.info("evaluation run %s (attempt %s) was taken from this worker", run_id, run.attempt)
    except Exception as exc:  # the run must end visibly, whatever went wrong
        log.exception("evaluation run %s failed", run_id)
        EvaluationRun.objects.filter(pk=run.pk, attempt=run.attempt).update(
            status=RunStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
        )
    run.refresh_from_db()
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
