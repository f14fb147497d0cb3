"""The policy channel (政策直达) on the platform.

The national policies ship with the core (``feidi.policy``, read from its YAML); what the
platform keeps is what people do with them:

* ``LocalPolicy`` / ``PolicyVersion`` — a division's own policy, authored by staff as a spec
  (``feidi.policy.load_policy_spec``'s dict), kept as numbered versions: drafts are edited and
  previewed, one version at a time is published (what firms are graded on), an older one is
  retired when a newer is published;
* ``EligibilityState`` — what each firm was last told about each policy (verdict, amount,
  rulebook digest): a digest tells a firm only what is new or changed since;
* ``PolicyApplication`` — a firm's application for a policy, from submitted to granted (with
  the amount) or rejected; totals by policy, town and chain are computed from these rows.

A policy is named everywhere by its id: the shipped ids (``rd-super-deduction`` …) and the
local slugs share one namespace (a local slug may not take a shipped id).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LocalPolicy(models.Model):
    #: The policy id firms and the API see (lower-case letters, digits, "-").
    slug = models.SlugField(_("policy id"), max_length=63, unique=True)
    #: The division whose staff author it (scope); where it applies is the spec's ``region``.
    jurisdiction_code = models.CharField(_("jurisdiction"), max_length=6, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                name="local_policy_jurisdiction_shape",
                condition=Q(jurisdiction_code__regex=r"^[0-9]{6}$"),
            ),
        ]

    def __str__(self) -> str:
        return self.slug


class VersionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("policy version", "Draft")
    PUBLISHED = "published", pgettext_lazy("policy version", "Published")
    RETIRED = "retired", pgettext_lazy("policy version", "Retired")


class PolicyVersion(models.Model):
    policy = models.ForeignKey(LocalPolicy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    #: The authored spec (see ``feidi.policy._authoring``): checked before it is saved.
    spec = models.JSONField()
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    #: The last preview: {"as_of": date, "eligible": n, "not_eligible": n, "unknown": n}.
    preview = models.JSONField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: Goes up by one with every edit of a draft; an edit names the version it saw.
    edit_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_once"),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(status="published"),
                name="policy_one_published_version",
            ),
            models.CheckConstraint(
                name="policy_version_status_valid", condition=Q(status__in=VersionStatus.values)
            ),
            models.CheckConstraint(
                name="policy_version_published_when",
                condition=Q(status="draft") | Q(published_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.slug} v{self.number}"


class EligibilityState(models.Model):
    """What a firm was last told about one policy (by a digest)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="policy_states"
    )
    policy = models.CharField(max_length=63)
    verdict = models.CharField(max_length=12)
    benefit_amount = models.FloatField(null=True, blank=True)
    #: The rulebook version the verdict came from (a changed policy is news too).
    digest = models.CharField(max_length=64)
    told_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "policy"], name="eligibility_state_once"),
        ]


class DigestRun(models.Model):
    """One sending of digests to a division's firms: when, by whom, how many were told."""

    jurisdiction_code = models.CharField(max_length=6, db_index=True)
    as_of = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    firms_told = models.PositiveIntegerField(default=0)
    changes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    GRANTED = "granted", _("Granted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: An application still being decided: one per firm and policy at a time.
OPEN_APPLICATION = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)


class PolicyApplication(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="policy_applications",
    )
    policy = models.CharField(_("policy"), max_length=63, db_index=True)
    #: The local policy's version applied under (None for a shipped policy).
    policy_version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    #: 万元, as the policies price benefits.
    amount_requested = models.DecimalField(
        _("amount requested (10k CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_granted = models.DecimalField(
        _("amount granted (10k CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=1000, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="application_status_valid", condition=Q(status__in=ApplicationStatus.values)
            ),
            models.UniqueConstraint(
                fields=["enterprise", "policy"],
                condition=Q(status__in=["submitted", "under_review"]),
                name="application_one_open",
            ),
            models.CheckConstraint(
                name="application_granted_has_amount",
                condition=~Q(status="granted") | Q(amount_granted__gte=0),
            ),
            models.CheckConstraint(
                name="application_amounts_not_negative",
                condition=(Q(amount_requested__isnull=True) | Q(amount_requested__gte=0))
                & (Q(amount_granted__isnull=True) | Q(amount_granted__gte=0)),
            ),
            models.CheckConstraint(
                name="application_decided_after_submitted",
                condition=Q(decided_at__isnull=True) | Q(decided_at__gte=F("submitted_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.policy}"
