"""What every app shares: the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who changed which figure, from what to what, and through which way in.

    Written by services in the same transaction as the change, so the trail and the data
    cannot disagree. ``subject`` names the record in a stable, readable way
    (``enterprise:91320581…`` ; ``fiscal_year:91320581…:2024``).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40)
    subject = models.CharField(_("subject"), max_length=120, db_index=True)
    field = models.CharField(_("field"), max_length=80, blank=True)
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    #: How it happened: "import:17", "form", "api".
    via = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject} {self.field}"
