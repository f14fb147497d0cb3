"""Evaluation runs of the registry and their per firm × tier records."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feidi.schema import FIELDS_BY_NAME
from feidi_web.enterprises.models import Enterprise


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


#: A run still waiting for or holding a worker.
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


class RulebookVersion(models.Model):
    """The exact texts of a rulebook as a run graded with it (``feidi.rules.RulebookSource``):
    its YAML, the rulebooks it extends and the shared measures. Runs keep pointing at it, so
    their results are explained against these texts even after the shipped file changes.
    Immutable; one row per digest."""

    digest = models.CharField(max_length=64, unique=True)
    #: The rulebook's id (``miit-2022``) and names, for lists; the source is the truth.
    rulebook = models.CharField(_("rulebook"), max_length=40)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    source = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rulebook", "-created_at"]

    def __str__(self) -> str:
        return f"{self.rulebook} ({self.digest[:12]})"

    @property
    def label(self) -> str:
        """The rulebook's name in the page's language (no need to parse the source)."""
        from feidi_web.common.lang import core_lang

        return (self.name_en if core_lang() == "en" and self.name_en else self.name) or (
            self.rulebook
        )


class EvaluationRun(models.Model):
    """One grading of every enterprise in a jurisdiction on one rulebook at one as-of date."""

    rulebook = models.CharField(_("rulebook"), max_length=40)
    #: The rulebook's texts as graded (null only for runs stored before versions existed).
    version = models.ForeignKey(
        RulebookVersion, on_delete=models.PROTECT, related_name="runs", null=True
    )
    as_of = models.DateField(_("as of"))
    #: The division graded ('' = the whole registry, for a system administrator).
    jurisdiction_code = models.CharField(max_length=6, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluation_runs"
    )
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    firms_total = models.PositiveIntegerField(default=0)
    firms_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    warnings = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: Written by the worker after every batch: a running run whose heartbeat is older than
    #: FEIDI_RUN_STALE_SECONDS has lost its worker (killed, machine restarted) and is *stale*.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    #: Which claim of the run is current: a worker takes the run by raising it, and writes
    #: only while it is still its own — a worker thought dead that wakes up writes nothing.
    attempt = models.PositiveIntegerField(default=0)
    #: When the run's aggregates (``TierTally``, ``LevelTally``, ``Candidate``) were stored:
    #: in the transaction that marks it done, or — for a run finished before they existed —
    #: the first time a page needs them (``evaluations.summaries``). Null: not yet.
    summarised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="run_status_valid", condition=Q(status__in=[s.value for s in RunStatus])
            ),
            models.CheckConstraint(
                name="run_progress_bounded", condition=Q(firms_done__lte=F("firms_total"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rulebook} @ {self.as_of} ({self.status})"

    @property
    def is_stale(self) -> bool:
        """Running, but no sign of its worker for longer than FEIDI_RUN_STALE_SECONDS."""
        if self.status != RunStatus.RUNNING:
            return False
        seen = self.heartbeat_at or self.started_at or self.created_at
        return timezone.now() - seen > timedelta(seconds=settings.FEIDI_RUN_STALE_SECONDS)

    @property
    def can_cancel(self) -> bool:
        return self.status in ACTIVE

    @property
    def can_retry(self) -> bool:
        return self.status in (RunStatus.FAILED, RunStatus.CANCELLED) or self.is_stale

    @property
    def percent(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        return int(100 * self.firms_done / self.firms_total) if self.firms_total else 0

    @property
    def warning_texts(self) -> list[str]:
        """The run's warnings in the page's language. Stored as (中文, English) pairs; runs
        from before pairs hold one "中文 / English" string, shown as its half."""
        from feidi_web.common.lang import pick, stored_pair

        return [pick(stored_pair(w)) for w in self.warnings or ()]


class Verdict(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    UNKNOWN = "unknown", _("Unknown")


class EncodedJSON(str):
    """A JSON document already encoded (the worker encodes records in Polars, in bulk)."""


class RecordJSONEncoder(json.JSONEncoder):
    """Encodes ``EvaluationRecord.record``: an ``EncodedJSON`` text is stored as it is, anything
    else as ``json.dumps`` would. Reading is plain ``json.loads`` either way."""

    def encode(self, o: Any) -> str:
        if isinstance(o, EncodedJSON):
            return str(o)
        return super().encode(o)


class EvaluationRecord(models.Model):
    """The core's record for one firm × tier (``feidi.rules.RECORD_SCHEMA``) as JSON, with the
    columns lists filter on pulled out and indexed."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="records")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="evaluation_records"
    )
    tier = models.CharField(max_length=20)
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    score = models.FloatField(null=True)
    pass_mark = models.FloatField(null=True)
    #: pass_mark − score when both are known and the firm is short, else null.
    gap = models.FloatField(null=True, db_index=True)
    record = models.JSONField(encoder=RecordJSONEncoder)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "enterprise", "tier"], name="record_once_per_run_firm_tier"
            ),
            models.CheckConstraint(
                name="record_verdict_valid", condition=Q(verdict__in=[v.value for v in Verdict])
            ),
        ]
        indexes = [
            models.Index(fields=["run", "tier", "verdict"]),
            # The pool's list, nearest first: read in this order and stopped after one page
            # (with the firm and the verdict, so that neither the scope, the filter nor the
            # order reads the row).
            models.Index(
                fields=["run", "tier", "gap", "-score", "enterprise", "verdict"],
                name="record_pool_order",
            ),
            # A run's aggregates read firm, tier, verdict and gap of every record from here
            # alone: on SQLite a row's columns after ``record`` sit behind its JSON, on
            # overflow pages.
            models.Index(
                fields=["run", "enterprise", "tier", "verdict", "gap"], name="record_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.tier} {self.verdict}"


# --- a finished run's aggregates --------------------------------------------------------------
#
# Written once, in the transaction that marks the run done (``evaluations.summaries``), and
# never changed: a finished run's records never change. Each row counts the firms of one group
# (jurisdiction_code, enclave, …) as they were when the run was summarised, so a user's view is
# a sum over the groups in their scope: ``enterprise_scope`` filters on exactly these two
# columns for every government role.


class TierTally(models.Model):
    """A finished run's records of one tier for one group of firms (jurisdiction, enclave flag,
    town, industry): how many were graded, passed, failed, were unknown, and how the rest
    stand against the pass mark. The cockpit's and the pool's counts are sums of these."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="tier_tallies")
    jurisdiction_code = models.CharField(max_length=6)
    enclave = models.BooleanField()
    town = models.CharField(max_length=FIELDS_BY_NAME["town"].max_chars, blank=True)
    industry_code = models.CharField(max_length=5, blank=True)
    tier = models.CharField(max_length=20)
    evaluated = models.PositiveIntegerField()
    passed = models.PositiveIntegerField()
    failed = models.PositiveIntegerField()
    unknown = models.PositiveIntegerField()
    #: Not passing, with a gap (score known and below the pass mark).
    short = models.PositiveIntegerField()
    #: Not passing, without a gap: failing on a condition only, or the score unknown.
    no_gap = models.PositiveIntegerField()
    #: Failing and at most ``summaries.NEAR_GAP`` points short: the cockpit's near candidates.
    near = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["run", "tier"], name="tier_tally_run_tier")]


class LevelTally(models.Model):
    """A finished run's firms of one group (jurisdiction, enclave flag, town) by their highest
    tier passed (``level``: its rank on the run's ladder, 0 for none) and whether they are near
    at least one tier."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="level_tallies")
    jurisdiction_code = models.CharField(max_length=6)
    enclave = models.BooleanField()
    town = models.CharField(max_length=FIELDS_BY_NAME["town"].max_chars, blank=True)
    level = models.PositiveSmallIntegerField()
    near = models.BooleanField()
    firms = models.PositiveIntegerField()


class Candidate(models.Model):
    """One of the failing records closest to its tier's pass mark, per run, tier and group
    (jurisdiction, enclave flag): the union over a user's groups holds their closest ones."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="candidates")
    tier = models.CharField(max_length=20)
    jurisdiction_code = models.CharField(max_length=6)
    enclave = models.BooleanField()
    #: No database constraint and nothing done on delete: a finished run's records go only with
    #: the run (and its candidates with it), and deleting the records of a cancelled or
    #: retried run (which has none) stays one DELETE instead of Django collecting each record.
    record = models.ForeignKey(
        EvaluationRecord, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )


class Movement(models.Model):
    """The firms graded in two runs, by highest tier passed before and after: stored once per
    pair (``run`` the later), the first time a page or the finishing worker needs it."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="movements")
    previous = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "previous"], name="movement_once_per_pair")
        ]


class MovementTally(models.Model):
    movement = models.ForeignKey(Movement, on_delete=models.CASCADE, related_name="tallies")
    jurisdiction_code = models.CharField(max_length=6)
    enclave = models.BooleanField()
    before = models.PositiveSmallIntegerField()
    after = models.PositiveSmallIntegerField()
    firms = models.PositiveIntegerField()
