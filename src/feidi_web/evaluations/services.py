"""Evaluation runs: start one (queued as a background task), execute it batch by batch.

The grading itself is one call into the core (``feidi.rules.evaluate``); this module only
chooses the firms, feeds them in batches so the page can show progress, and stores records.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Iterator
from datetime import date
from typing import Any, cast

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Field, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from polars.datatypes import DataTypeClass

from feidi.dates import as_of_problem
from feidi.io import Dataset
from feidi.rules import Rulebook, available_rulebooks, evaluate, score_gap
from feidi_web.accounts.models import Role, User
from feidi_web.common.lang import pick
from feidi_web.enterprises.codec import jsonable
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import in_jurisdiction
from feidi_web.enterprises.selectors import dataset_for
from feidi_web.evaluations.models import (
    ACTIVE,
    EncodedJSON,
    EvaluationRecord,
    EvaluationRun,
    RecordJSONEncoder,
    RunStatus,
)
from feidi_web.evaluations.permissions import require_run_manager
from feidi_web.evaluations.summaries import count_run
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
    if not (actor.is_authenticated and actor.is_registry_editor):
        raise PermissionDenied  # administrators and county staff start evaluations
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

    The firms are graded in one evaluation (``feidi.rules.evaluate`` plans the rulebook once)
    whose records come batch by batch (``FEIDI_RUN_BATCH_FIRMS`` firms). Each batch's records
    and the progress that counts them are written in one transaction, guarded by the run's
    attempt: a cancelled run, or one retried because this worker was thought dead, receives
    nothing more from it. Records become results only when the run is ``done`` (selectors
    serve nothing else); its aggregates (``evaluations.summaries``) are stored in the same
    transaction that marks it done.
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
        done = 0
        for records in _grade(data, book, run.as_of, settings.FEIDI_RUN_BATCH_FIRMS):
            done = min(done + records.get_column("credit_code").n_unique(), run.firms_total)
            with transaction.atomic():
                _beat(run, firms_done=done)
                _store(run, records, ids)
        summary = count_run(run, neighbours=True)  # reads only: the records are all written
        now = timezone.now()
        with transaction.atomic():
            _beat(
                run,
                status=RunStatus.DONE,
                # (中文, English) pairs, each page shows its language's half
                warnings=[list(w) for w in book.warnings(run.as_of)],
                finished_at=now,
                summarised_at=now,
            )
            summary.save()
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


def _grade(data: Dataset, book: Rulebook, as_of: date, size: int) -> Iterator[pl.DataFrame]:
    """The core's records for ``data``, ``size`` firms at a time (all tiers of each)."""
    if not data.firms.height:
        return iter(())
    return evaluate(data, book, as_of).iter_records(size=size)


#: The columns a batch of records is inserted with, in this order.
_RECORD_COLUMNS = ("run", "enterprise", "tier", "verdict", "score", "pass_mark", "gap", "record")


def _store(run: EvaluationRun, records: pl.DataFrame, ids: dict[str, int]) -> None:
    """Store one batch of the core's records (inside the transaction of its heartbeat)."""
    _insert(_record_rows(run, records, ids))


def _record_rows(
    run: EvaluationRun, records: pl.DataFrame, ids: dict[str, int]
) -> list[tuple[Any, ...]]:
    """One row of ``_RECORD_COLUMNS`` values per core record, its JSON encoded in bulk and
    adapted for the database as ``EvaluationRecord.record`` would be."""
    codes, tiers, verdicts, scores, marks = (
        records.get_column(c).to_list()
        for c in ("credit_code", "tier", "verdict", "score", "pass_mark")
    )
    adapt = connection.ops.adapt_json_value
    rows: list[tuple[Any, ...]] = []
    for code, tier, verdict, score, mark, text in zip(
        codes, tiers, verdicts, scores, marks, records_json(records), strict=True
    ):
        rows.append(
            (
                run.pk,
                ids[code],
                tier,
                verdict,
                score,
                mark,
                score_gap({"verdict": verdict, "score": score, "pass_mark": mark}),
                adapt(text, RecordJSONEncoder),
            )
        )
    return rows


def _insert(rows: list[tuple[Any, ...]]) -> None:
    """Write the rows: on PostgreSQL by ``COPY``, elsewhere in INSERT statements of many rows
    each (as ``bulk_create`` writes them, without building a model instance and preparing each
    of its fields, which cost more than the database's work). On PostgreSQL an INSERT carries
    each record's JSON as a quoted literal the server parses again: ``COPY`` takes half the
    time."""
    meta = EvaluationRecord._meta
    quote = connection.ops.quote_name
    fields = [cast(Field[Any, Any], meta.get_field(f)) for f in _RECORD_COLUMNS]
    columns = ", ".join(quote(str(f.column)) for f in fields)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
        per_statement = max(1, min(500, connection.ops.bulk_batch_size(fields, rows)))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([row_marks] * len(chunk)),
                [value for row in chunk for value in row],
            )


# --- records as JSON --------------------------------------------------------------------------
#
# A record is stored as the JSON of its row, +∞ ("no award") as "none" and NaN or -∞ as null
# (``enterprises.codec.jsonable``). Polars encodes a whole batch at once, ~15× faster than
# Python's json on ``iter_rows``; it writes every non-finite float as null, so +∞ goes in as
# a stand-in value first and comes out as "none". A row whose count of stand-ins does not
# match its count of +∞ (the stand-in's text inside a string, or a true float maximum) is
# encoded the old way instead.

PolarsType = pl.DataType | DataTypeClass
_INF_STAND_IN = sys.float_info.max
_INF_TEXT = "1.7976931348623157e+308"  # how Polars writes the stand-in


def records_json(records: pl.DataFrame) -> list[EncodedJSON]:
    """Each row of ``records`` as a JSON document, equal to ``json.dumps(jsonable(row))``."""
    schema = records.schema
    encoded = records.select(
        pl.struct([_inf_as_stand_in(pl.col(c), t).alias(c) for c, t in schema.items()])
        .struct.json_encode()
        .alias("json"),
        pl.sum_horizontal([_inf_count(pl.col(c), t) for c, t in schema.items()]).alias("inf"),
    ).with_columns(
        seen=pl.col("json").str.count_matches(_INF_TEXT, literal=True),
        json=pl.col("json").str.replace_all(_INF_TEXT, '"none"', literal=True),
    )
    texts = encoded.get_column("json").to_list()
    for i in encoded.select(pl.arg_where(pl.col("seen") != pl.col("inf"))).to_series():
        texts[i] = json.dumps(jsonable(records.row(i, named=True)), ensure_ascii=False)
    return [EncodedJSON(t) for t in texts]


def _inf_as_stand_in(expr: pl.Expr, dtype: PolarsType) -> pl.Expr:
    if dtype.is_float():
        return pl.when(expr == math.inf).then(pl.lit(_INF_STAND_IN, dtype)).otherwise(expr)
    if isinstance(dtype, pl.List):
        return expr.list.eval(_inf_as_stand_in(pl.element(), dtype.inner))
    if isinstance(dtype, pl.Struct):
        fields = [
            _inf_as_stand_in(expr.struct.field(f.name), f.dtype).alias(f.name) for f in dtype.fields
        ]
        return pl.when(expr.is_null()).then(None).otherwise(pl.struct(fields))
    if isinstance(dtype, pl.Array):
        return _inf_as_stand_in(expr.arr.to_list(), pl.List(dtype.inner))
    return expr


def _inf_count(expr: pl.Expr, dtype: PolarsType) -> pl.Expr:
    """Per row, how many +∞ values ``expr`` holds at any depth."""
    if dtype.is_float():
        return (expr == math.inf).fill_null(False).cast(pl.UInt32)
    if isinstance(dtype, pl.List):
        return expr.list.eval(_inf_count(pl.element(), dtype.inner)).list.sum().fill_null(0)
    if isinstance(dtype, pl.Struct):
        return pl.sum_horizontal(
            [_inf_count(expr.struct.field(f.name), f.dtype) for f in dtype.fields]
        ).fill_null(0)
    if isinstance(dtype, pl.Array):
        return _inf_count(expr.arr.to_list(), pl.List(dtype.inner))
    return pl.lit(0, pl.UInt32)
