"""The investment project pipeline (招商项目库): projects, their stage history, follow-ups.

Stages, sources and lost reasons are the core's (``feidi.pipeline``); the figures an office
reports are computed by the core from ``StageChange`` rows, never kept as counters.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feidi.pipeline import LostReason, Source, Stage


class Project(models.Model):
    """One investment project: a counterpart (a party of the registry, with or without a
    credit code) the division's office works towards landing in the home city."""

    name = models.CharField(_("project"), max_length=200)
    #: Who the project is with: a big-city start-up, a lab, an investor, a firm.
    counterpart = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("counterpart"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    #: The division whose office works it (scope: staff and officers by prefix).
    jurisdiction_code = models.CharField(_("jurisdiction"), max_length=6, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    source = models.CharField(
        _("source"), max_length=12, choices=[(s.value, s.label("en")) for s in Source]
    )
    stage = models.CharField(
        _("stage"), max_length=12, choices=[(s.value, s.label("en")) for s in Stage]
    )
    lost_reason = models.CharField(
        _("reason lost"),
        max_length=12,
        blank=True,
        choices=[(r.value, r.label("en")) for r in LostReason],
    )
    industry_code = models.CharField(_("industry (GB/T 4754)"), max_length=5, blank=True)
    #: A node of an industry chain ("chain/node", ``feidi.chains``) when known.
    chain_node = models.CharField(_("chain position"), max_length=80, blank=True)
    planned_investment = models.DecimalField(
        _("planned investment (10k CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    valuation = models.DecimalField(
        _("valuation (10k CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True, max_length=4000)
    #: The registry firm the project landed as (a local company with a credit code).
    landed_firm = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("landed as"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="landed_projects",
    )
    created_at = models.DateTimeField(db_index=True)
    stage_changed_at = models.DateTimeField()
    #: Last time anyone did something with it (a move, an edit, a follow-up): stale reminders.
    touched_at = models.DateTimeField(db_index=True)
    #: Goes up by one with every write; a move or edit names the version its author saw.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-touched_at", "-id"]
        indexes = [models.Index(fields=["jurisdiction_code", "stage"])]
        constraints = [
            models.CheckConstraint(
                name="project_stage_valid", condition=Q(stage__in=[s.value for s in Stage])
            ),
            models.CheckConstraint(
                name="project_source_valid", condition=Q(source__in=[s.value for s in Source])
            ),
            models.CheckConstraint(
                name="project_lost_has_reason",
                condition=~Q(stage=Stage.LOST.value) | ~Q(lost_reason=""),
            ),
            models.CheckConstraint(
                name="project_landed_has_firm",
                condition=~Q(stage=Stage.LANDED.value) | Q(landed_firm__isnull=False),
            ),
            models.CheckConstraint(
                name="project_jurisdiction_shape",
                condition=Q(jurisdiction_code__regex=r"^[0-9]{6}$"),
            ),
            models.CheckConstraint(
                name="project_amounts_not_negative",
                condition=(Q(planned_investment__isnull=True) | Q(planned_investment__gte=0))
                & (Q(valuation__isnull=True) | Q(valuation__gte=0)),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StageChange(models.Model):
    """One move of a project; its first row is the stage it was created in. The funnel, the
    month-by-month figures and time in stage are computed from these."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="history")
    from_stage = models.CharField(max_length=12, blank=True)
    stage = models.CharField(max_length=12, choices=[(s.value, s.label("en")) for s in Stage])
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["project", "at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.from_stage or '—'} → {self.stage}"


class FollowUp(models.Model):
    """A task on a project: call back, send the policy package, arrange a site visit."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="follow_ups")
    title = models.CharField(_("task"), max_length=200)
    due_on = models.DateField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_on", "id"]

    def __str__(self) -> str:
        return self.title
