"""Events of the enclave innovation centre (沙龙、资本对接会、路演): registrations with a
capacity and a wait list, check-in by QR code, 1:1 meeting requests, and the schedules made
for them by ``feidi.schedule``.

A participant is a person of a party of the registry (``enterprises.Enterprise``, with or
without a credit code). The schedule's meetings are stored per run, so a rescheduling can
say what moved against the schedule it replaced.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

#: The bounds a page and the service check (the database refuses what lies outside).
MAX_SLOTS = 48
MAX_TABLES = 500
MAX_CAPACITY = 5000
SLOT_MINUTES = (5, 240)
MAX_PRIORITY = 5


class EventKind(models.TextChoices):
    SALON = "salon", _("Salon")
    CAPITAL = "capital", _("Capital matchmaking")
    ROADSHOW = "roadshow", _("Roadshow")


class EventStatus(models.TextChoices):
    OPEN = "open", _("Open for registration")
    CLOSED = "closed", _("Registration closed")
    HELD = "held", _("Held")


class Event(models.Model):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    #: The county whose centre runs it (scope: its brokers; firms of the county may register).
    jurisdiction_code = models.CharField(_("jurisdiction"), max_length=6, db_index=True)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    #: 1:1 meetings: ``slots`` slots of ``slot_minutes`` from ``first_slot_at``, at ``tables``.
    slots = models.PositiveSmallIntegerField(_("meeting slots"))
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per slot"))
    first_slot_at = models.DateTimeField(_("first slot at"))
    tables = models.PositiveSmallIntegerField(_("tables"))
    capacity = models.PositiveIntegerField(_("capacity"))
    status = models.CharField(
        _("status"), max_length=8, choices=EventStatus.choices, default=EventStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    #: Goes up by one with every edit or status change; an edit names the version it saw.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(name="event_kind_valid", condition=Q(kind__in=EventKind.values)),
            models.CheckConstraint(
                name="event_status_valid", condition=Q(status__in=EventStatus.values)
            ),
            models.CheckConstraint(
                name="event_jurisdiction_shape",
                condition=Q(jurisdiction_code__regex=r"^[0-9]{6}$"),
            ),
            models.CheckConstraint(
                name="event_slots_range", condition=Q(slots__gte=1, slots__lte=MAX_SLOTS)
            ),
            models.CheckConstraint(
                name="event_tables_range", condition=Q(tables__gte=1, tables__lte=MAX_TABLES)
            ),
            models.CheckConstraint(
                name="event_capacity_range",
                condition=Q(capacity__gte=1, capacity__lte=MAX_CAPACITY),
            ),
            models.CheckConstraint(
                name="event_slot_minutes_range",
                condition=Q(slot_minutes__gte=SLOT_MINUTES[0], slot_minutes__lte=SLOT_MINUTES[1]),
            ),
            models.CheckConstraint(
                name="event_slots_after_start", condition=Q(first_slot_at__gte=F("starts_at"))
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def slot_start(self, slot: int) -> datetime:
        """When meeting slot ``slot`` (1..slots) begins."""
        return self.first_slot_at + timedelta(minutes=self.slot_minutes * (slot - 1))


class ParticipantRole(models.TextChoices):
    """What a participant comes as."""

    INVESTOR = "investor", _("Investor")
    STARTUP = "startup", _("Start-up")
    HOME_FIRM = "home_firm", _("Home firm")
    OTHER = "other", _("Other")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("On the wait list")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    """One person of a party at an event: a seat (or a place on the wait list) and a
    check-in token, shown as a QR code."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    party = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("party"),
        on_delete=models.PROTECT,
        related_name="event_registrations",
    )
    person = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("phone or contact"), max_length=120)
    role = models.CharField(_("comes as"), max_length=10, choices=ParticipantRole.choices)
    status = models.CharField(_("status"), max_length=10, choices=RegistrationStatus.choices)
    #: Unguessable (``secrets.token_urlsafe``): whoever holds the link is this participant
    #: at the door, so it is never shown to anyone but them and the event's brokers.
    token = models.CharField(max_length=64, unique=True)
    #: The meeting slots they can attend; null: all of them.
    availability = models.JSONField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    #: The lead filed for the party after the event (``pipeline.Project``), if any.
    project = models.ForeignKey(
        "pipeline.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["event", "status"])]
        constraints = [
            models.CheckConstraint(
                name="registration_role_valid", condition=Q(role__in=ParticipantRole.values)
            ),
            models.CheckConstraint(
                name="registration_status_valid",
                condition=Q(status__in=RegistrationStatus.values),
            ),
            # one seat per person of a party; a cancelled registration may be made again
            models.UniqueConstraint(
                fields=["event", "party", "person"],
                condition=~Q(status="cancelled"),
                name="registration_once_per_person",
            ),
            models.CheckConstraint(
                name="registration_checked_in_only_registered",
                condition=Q(checked_in_at__isnull=True) | ~Q(status="waitlisted"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.party_id})"

    @property
    def label(self) -> str:
        """How a participant is named on schedules: the person and their party."""
        return f"{self.person} · {self.party.name}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingRequest(models.Model):
    """A participant asks to meet another of the same event; only accepted requests are
    scheduled, worth their ``priority`` (1–5)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meeting_requests")
    requester = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="requests_made"
    )
    invitee = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="requests_received"
    )
    priority = models.PositiveSmallIntegerField(_("priority"))
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="meeting_request_not_oneself", condition=~Q(requester=F("invitee"))
            ),
            models.CheckConstraint(
                name="meeting_request_priority_range",
                condition=Q(priority__gte=1, priority__lte=MAX_PRIORITY),
            ),
            models.CheckConstraint(
                name="meeting_request_status_valid",
                condition=Q(status__in=RequestStatus.values),
            ),
            models.UniqueConstraint(
                fields=["requester", "invitee"],
                condition=Q(status__in=["pending", "accepted"]),
                name="meeting_request_once_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester_id} → {self.invitee_id}"


class ScheduleStatus(models.TextChoices):
    OPTIMAL = "optimal", _("Proven optimal")
    FEASIBLE = "feasible", _("Best found in the time allowed")


class Schedule(models.Model):
    """One run of the scheduler for an event; the newest is the event's schedule. A
    rescheduling names the schedule it replaced and what became of that one's meetings."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="schedules")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField()
    #: Σ priority of the meetings held; the proven upper bound; (bound − objective) / bound.
    objective = models.FloatField()
    bound = models.FloatField()
    gap = models.FloatField()
    status = models.CharField(max_length=8, choices=ScheduleStatus.choices)
    seconds = models.FloatField()
    #: The slots and tables it was made for (the event may change afterwards).
    slots = models.PositiveSmallIntegerField()
    tables = models.PositiveSmallIntegerField()
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: For a rescheduling: the previous meetings' request ids, by what became of them.
    kept = models.JSONField(default=list)
    moved = models.JSONField(default=list)
    dropped = models.JSONField(default=list)
    cancelled = models.JSONField(default=list)
    #: The solver proved no schedule as good changes fewer previous meetings.
    changes_minimal = models.BooleanField(null=True)

    class Meta:
        ordering = ["-made_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="schedule_status_valid", condition=Q(status__in=ScheduleStatus.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} @ {self.made_at:%Y-%m-%d %H:%M}"


class Meeting(models.Model):
    """A scheduled request: slot ``slot`` at table ``table``. The database refuses two
    meetings at one table in one slot, and a request twice in one schedule."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="meetings")
    request = models.ForeignKey(MeetingRequest, on_delete=models.CASCADE, related_name="+")
    slot = models.PositiveSmallIntegerField()
    table = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["slot", "table"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "slot", "table"], name="meeting_one_per_table_and_slot"
            ),
            models.UniqueConstraint(fields=["schedule", "request"], name="meeting_request_once"),
            models.CheckConstraint(
                name="meeting_slot_table_positive", condition=Q(slot__gte=1, table__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.slot}/{self.table}"
