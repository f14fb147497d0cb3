"""The portal inbox: one home for what the platform tells a person — a policy digest, a
booking reminder, a membership about to end. Each message is kept in the inbox and, when its
sender asks, also sent by email through Django's email backend (console by default)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    POLICY_DIGEST = "policy_digest", _("Policy digest")
    BOOKING_REMINDER = "booking_reminder", _("Booking reminder")
    MEMBERSHIP_RENEWAL = "membership_renewal", _("Membership renewal")
    APPLICATION = "application", _("Policy application")


class Message(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_messages"
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), max_length=20000)
    #: A page of this site the message is about (a path, never another site).
    link = models.CharField(max_length=300, blank=True)
    #: What the message is about, so one thing is never told twice (e.g. "booking:17:24h").
    #: Unique per recipient when given.
    key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    #: When the email copy was handed to the backend (None: inbox only, or sending failed).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.CheckConstraint(name="message_topic_valid", condition=Q(topic__in=Topic.values)),
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="message_key_once"
            ),
            models.CheckConstraint(
                name="message_link_local", condition=Q(link="") | Q(link__startswith="/")
            ),
        ]

    def __str__(self) -> str:
        return self.subject
