"""Where registry firms and matchmaking profiles sit on the industry chains (``feidi.chains``).

A ``Mounting`` is one firm's (or one profile's) place on the chains: the automatic mounts
``feidi.chains.mount_frame`` found from its GB/T 4754 code and its text, with the staff
corrections laid over them (``feidi.chains.apply_corrections_frame``). The mounts are derived
data: ``inputs_digest`` says what they were computed from (code, text, chain data), so they are
computed again whenever any of those changes — after an import, an edit, a new chain file —
and the corrections, which are kept as their own history, are laid over them again. That is
how a correction sticks.

The app sits below matchmaking (which uses the mounts to rank) yet mounts its profiles: the
foreign key to ``matchmaking.Profile`` is named by its label, and nothing here imports the
matchmaking app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MountStatus(models.TextChoices):
    AUTO = "auto", _("Found automatically")
    CONFIRMED = "confirmed", _("Confirmed by staff")
    ADDED = "added", _("Added by staff")


class CorrectionAction(models.TextChoices):
    """The core's ``feidi.chains.ACTIONS``, one to one."""

    CONFIRM = "confirm", _("Confirm")
    REJECT = "reject", _("Not on this node")
    ADD = "add", _("Add")


class Mounting(models.Model):
    """One firm's or one profile's place on the chains (exactly one of the two)."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mounting",
    )
    profile = models.OneToOneField(
        "matchmaking.Profile",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mounting",
    )
    #: The county the subject belongs to (its scope), for counting a county's chains.
    jurisdiction_code = models.CharField(max_length=6, db_index=True)
    #: sha256 of the code, the text and the chain data the mounts were computed from.
    inputs_digest = models.CharField(max_length=64)
    mounted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="mounting_one_subject",
                condition=(Q(enterprise__isnull=False) & Q(profile__isnull=True))
                | (Q(enterprise__isnull=True) & Q(profile__isnull=False)),
            )
        ]

    def __str__(self) -> str:
        return f"mounting {self.pk}"


class MountCorrection(models.Model):
    """Staff's decision about one subject on one node; the latest per node holds. Kept as
    history: a later decision is a new row, never an edit."""

    mounting = models.ForeignKey(Mounting, on_delete=models.CASCADE, related_name="corrections")
    node = models.CharField(max_length=80)
    action = models.CharField(max_length=8, choices=CorrectionAction.choices)
    note = models.CharField(_("reason"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="mount_correction_action_valid",
                condition=Q(action__in=CorrectionAction.values),
            )
        ]

    def __str__(self) -> str:
        return f"{self.node} {self.action}"


class ChainMount(models.Model):
    """One subject on one node (``"chain/node"``), with the confidence and its evidence."""

    mounting = models.ForeignKey(Mounting, on_delete=models.CASCADE, related_name="mounts")
    node = models.CharField(max_length=80)
    chain = models.CharField(max_length=40)
    confidence = models.FloatField()
    status = models.CharField(max_length=10, choices=MountStatus.choices)
    #: ``code``, ``node_code``, ``code_level``, ``code_shared``, ``keywords`` as the core's
    #: long frame has them (``feidi.chains.MOUNT_COLUMNS``).
    evidence = models.JSONField(default=dict)
    #: The staff decision that holds for a confirmed or added mount.
    correction = models.ForeignKey(
        MountCorrection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-confidence", "node"]
        indexes = [models.Index(fields=["chain", "node"])]
        constraints = [
            models.UniqueConstraint(fields=["mounting", "node"], name="chain_mount_once"),
            models.CheckConstraint(
                name="chain_mount_status_valid", condition=Q(status__in=MountStatus.values)
            ),
            models.CheckConstraint(
                name="chain_mount_confidence_range",
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
            ),
        ]

    def __str__(self) -> str:
        return self.node
