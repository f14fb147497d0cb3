"""Cultivation (精准孵化): staff's word on a firm's diagnosis, and referrals to services as cases.

The diagnosis itself is never stored: it is the core's (``feidi.diagnosis``) computed from the
registry as it stands, so it follows every import. What staff add is kept:

* a **review** — staff disagree with the type the rules gave and say why; the latest review of
  a firm holds, the earlier ones are its history;
* a **case** — a firm referred to one service of the catalogue (``feidi.diagnosis`` services),
  moving opened → in service → done (or cancelled), with the firm's figures when it was
  referred (the baseline) so its outcome — jobs, revenue, R&D, tier reached — is computed from
  the registry's later years, never typed in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

#: The three types of the seed (落后分子 / 中间分子 / 先锋分子), ``feidi.diagnosis.TYPES``.
TYPE_CHOICES = [
    ("laggard", _("Laggard")),
    ("middle", _("Middle")),
    ("vanguard", _("Vanguard")),
]


class TypeReview(models.Model):
    """Staff disagreeing with the type the rules gave a firm, and why."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="type_reviews"
    )
    #: What the rules said when staff disagreed ("" = undecided for missing inputs).
    engine_type = models.CharField(max_length=12, blank=True)
    staff_type = models.CharField(_("type"), max_length=12, choices=TYPE_CHOICES)
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["enterprise", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="type_review_type_valid",
                condition=Q(staff_type__in=[t for t, _ in TYPE_CHOICES]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.engine_type or '?'} → {self.staff_type}"


class CaseStatus(models.TextChoices):
    OPENED = "opened", _("Referred")
    IN_SERVICE = "in_service", _("In service")
    DONE = "done", pgettext_lazy("case status", "Done")
    CANCELLED = "cancelled", _("Cancelled")


#: Moves a case may make (a done or cancelled case is closed).
CASE_MOVES: dict[str, tuple[str, ...]] = {
    CaseStatus.OPENED: (CaseStatus.IN_SERVICE, CaseStatus.CANCELLED),
    CaseStatus.IN_SERVICE: (CaseStatus.DONE, CaseStatus.CANCELLED),
    CaseStatus.DONE: (),
    CaseStatus.CANCELLED: (),
}


class ServiceCase(models.Model):
    """One firm referred to one service."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="service_cases",
    )
    #: A service id of the catalogue (``feidi.diagnosis.load_services``).
    service = models.CharField(_("service"), max_length=40, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPENED
    )
    #: Who delivers it: the park, a consultancy, the enclave centre …
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    #: The firm's type and figures when it was referred: {"type", "year", "employees",
    #: "revenue", "rd_expense", "tier"} — the outcome is measured from these.
    baseline = models.JSONField(default=dict)
    #: What staff wrote when the service ended (the figures come from the registry).
    outcome_note = models.CharField(_("outcome"), max_length=1000, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    #: Goes up with every write; a move names the version its author saw.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["service", "status"])]
        constraints = [
            models.CheckConstraint(
                name="case_status_valid",
                condition=Q(status__in=[s.value for s in CaseStatus]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} · {self.service} · {self.status}"


class CaseChange(models.Model):
    """One move of a case; the first row is its referral."""

    case = models.ForeignKey(ServiceCase, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, blank=True)
    status = models.CharField(max_length=12, choices=CaseStatus.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status or '—'} → {self.status}"
