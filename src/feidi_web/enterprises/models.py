"""The enterprise registry: firms, their fiscal-year figures and the imports that wrote them.

Figures are stored as the core normalises them (``feidi.io.Dataset`` rows) in JSON, keyed by
canonical field name (``feidi.schema``), so a field added to the schema or a province's own
input needs no migration. Columns that pages filter on are real, indexed columns.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feidi.parties import PartyKind
from feidi.schema import FIELDS_BY_NAME

#: How a party without a credit code is named in URLs and audit subjects: ``p12``.
PARTY_REF_PREFIX = "p"


class Enterprise(models.Model):
    """A party of the registry (``feidi.parties``): an enterprise the ladder grades, or a
    prospect, start-up, lab or investor the enclave works with, with or without a credit
    code. The ladder's inputs (``profile``, ``years``) attach to it; only a party with a
    credit code is graded. A code added later keeps the party's identity and history.
    """

    kind = models.CharField(
        _("kind"),
        max_length=12,
        choices=[(k.value, k.label("en")) for k in PartyKind],
        default=PartyKind.ENTERPRISE.value,
    )
    #: Unique when present; none yet for a prospect, a start-up before it registers, a lab.
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, null=True, blank=True
    )
    # the core's checks refuse longer values with row and column (feidi.schema max_chars)
    name = models.CharField(_("name"), max_length=FIELDS_BY_NAME["name"].max_chars)
    #: 拼音首字母 of the name (e.g. 虞山融祥 → ysrx), for search as staff type it.
    name_initials = models.CharField(max_length=200, db_index=True, blank=True)
    region_code = models.CharField(_("registered division"), max_length=6, db_index=True)
    #: The county responsible for the firm: its own division, or for an enclave firm the
    #: home county that runs the enclave (飞地) — staff scope is checked against this.
    jurisdiction_code = models.CharField(_("jurisdiction"), max_length=6, db_index=True)
    town = models.CharField(
        _("town"), max_length=FIELDS_BY_NAME["town"].max_chars, blank=True, db_index=True
    )
    industry_code = models.CharField(_("industry (GB/T 4754)"), max_length=5, blank=True)
    enclave = models.BooleanField(_("enclave firm"), default=False)
    #: The normalised firm row (``Dataset.firms``), JSON-safe (see ``enterprises.codec``).
    profile = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["jurisdiction_code", "name"])]
        constraints = [
            models.CheckConstraint(
                name="enterprise_credit_code_shape",
                condition=Q(credit_code__isnull=True)
                | Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
            ),
            models.CheckConstraint(
                name="enterprise_kind_valid",
                condition=Q(kind__in=[k.value for k in PartyKind]),
            ),
            models.CheckConstraint(
                name="enterprise_jurisdiction_shape",
                condition=Q(jurisdiction_code__regex=r"^[0-9]{6}$"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code or self.ref})"

    @property
    def ref(self) -> str:
        """How pages and the API name this party: its credit code, or ``p<id>`` before it
        has one (a credit code never starts with ``p``)."""
        return self.credit_code or f"{PARTY_REF_PREFIX}{self.pk}"

    @property
    def gradable(self) -> bool:
        """Whether the ladder can grade it (``feidi.parties.Party.gradable``)."""
        return self.credit_code is not None


class FiscalYear(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    #: The normalised financial row (``Dataset.financials``) without its keys.
    figures = models.JSONField(default=dict)
    #: Goes up by one with every write. An edit names the version its editor saw, so a
    #: change made in between is shown as a conflict instead of being overwritten.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["enterprise", "year"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="fiscal_year_once"),
            models.CheckConstraint(
                name="fiscal_year_range", condition=Q(year__gte=1949) & Q(year__lte=2100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise.ref} {self.year}"


class ImportStatus(models.TextChoices):
    REJECTED = "rejected", _("Rejected: errors in the file")
    PREVIEW = "preview", _("Checked, waiting to be committed")
    COMMITTED = "committed", _("Committed")


class DataImport(models.Model):
    """One uploaded spreadsheet: checked on upload, written only when someone commits it."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="imports"
    )
    jurisdiction_code = models.CharField(max_length=6)
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/")
    status = models.CharField(max_length=12, choices=ImportStatus.choices)
    #: The core's InputReport as JSON: every issue with row, column, value and reason.
    report = models.JSONField(default=dict)
    #: What committing would do / did: counts of new and updated firms, years, changed cells.
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="import_status_valid",
                condition=Q(status__in=[s.value for s in ImportStatus]),
            ),
            models.CheckConstraint(
                name="import_committed_has_time",
                condition=~Q(status="committed") | Q(committed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"
