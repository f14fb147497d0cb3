"""The enclave's space: the centre's rooms and desks (``Resource``) and their bookings.

The one promise: two *active* bookings (requested or confirmed) of one resource never
overlap — whatever the service code does, and however many requests arrive at once. The
database keeps it, not a check in Python:

* on PostgreSQL an exclusion constraint over ``(resource WITH =, tstzrange(start, end, '[)')
  WITH &&)`` for active rows (migration ``0002``; ``btree_gist`` lets the integer column
  take part in the GiST index);
* on SQLite, which has no exclusion constraints, every active booking holds one
  ``BookingSlot`` row per ``GRID_MINUTES`` it covers, unique per (resource, slot start),
  written in the same transaction as the booking. Bookings start and end on the grid, so two
  of them overlap exactly when they share a slot: the later of the two starts lies on the
  grid and inside both. The unique key therefore refuses precisely the overlapping ones.

Either way the refusal is an ``IntegrityError``, which the service turns into a "taken"
answer naming the clash (``services.BookingTaken``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

#: Bookings start and end on this grid (minutes past the hour: 0, 15, 30, 45).
GRID_MINUTES = 15
#: The longest booking any resource may allow: a week (672 slots at most).
MAX_LONGEST_MINUTES = 7 * 24 * 60
MAX_CAPACITY = 2000
#: How far ahead a booking may be made.
HORIZON_DAYS = 90
#: A day in minutes: a resource open round the clock is open 0–1440.
DAY_MINUTES = 24 * 60


class ResourceKind(models.TextChoices):
    OPEN_DESK = "open_desk", _("Open desk")
    QUICK_OFFICE = "quick_office", _("Quick office")
    MEETING_ROOM = "meeting_room", _("Meeting room")
    EXHIBITION_HALL = "exhibition_hall", _("Exhibition hall")
    LOUNGE = "lounge", _("Lounge")
    CAFE = "cafe", _("Café")
    SLEEPING_POD = "sleeping_pod", _("Sleeping pod")


class BookableBy(models.TextChoices):
    """Who may book. Resident firms (memberships) come with the next part of the issue; until
    then "firms" means the firms of the centre's division."""

    STAFF = "staff", _("Centre staff only")
    FIRMS = "firms", _("Staff and firms of the division")


class Resource(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ResourceKind.choices)
    #: The division whose centre runs it (scope: its staff; firms of that county may book).
    jurisdiction_code = models.CharField(_("jurisdiction"), max_length=6, db_index=True)
    location = models.CharField(_("where"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (people)"))
    #: Open on these ISO weekdays (1 = Monday … 7 = Sunday), e.g. "12345".
    open_days = models.CharField(_("open on"), max_length=7, default="12345")
    #: Daily window in minutes after midnight, on the grid: 540–1080 is 09:00–18:00.
    opens_minute = models.PositiveSmallIntegerField(_("opens (minutes after midnight)"))
    closes_minute = models.PositiveSmallIntegerField(_("closes (minutes after midnight)"))
    bookable_by = models.CharField(
        _("who may book"), max_length=8, choices=BookableBy.choices, default=BookableBy.FIRMS
    )
    longest_minutes = models.PositiveIntegerField(_("longest booking (minutes)"))
    needs_approval = models.BooleanField(_("needs approval"), default=False)
    #: Yuan per hour; 0 is free.
    hourly_price = models.DecimalField(
        _("price per hour (yuan)"), max_digits=8, decimal_places=2, default=0
    )
    active = models.BooleanField(_("bookable"), default=True)
    #: Goes up by one with every edit; an edit names the version it saw.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["kind", "name", "id"]
        constraints = [
            models.CheckConstraint(
                name="resource_kind_valid", condition=Q(kind__in=ResourceKind.values)
            ),
            models.CheckConstraint(
                name="resource_bookable_by_valid", condition=Q(bookable_by__in=BookableBy.values)
            ),
            models.CheckConstraint(
                name="resource_jurisdiction_shape",
                condition=Q(jurisdiction_code__regex=r"^[0-9]{6}$"),
            ),
            models.CheckConstraint(
                name="resource_open_days_shape", condition=Q(open_days__regex=r"^[1-7]{1,7}$")
            ),
            models.CheckConstraint(
                name="resource_hours_range",
                condition=Q(
                    opens_minute__gte=0,
                    closes_minute__lte=DAY_MINUTES,
                    opens_minute__lt=F("closes_minute"),
                ),
            ),
            models.CheckConstraint(
                name="resource_longest_range",
                condition=Q(
                    longest_minutes__gte=GRID_MINUTES, longest_minutes__lte=MAX_LONGEST_MINUTES
                ),
            ),
            models.CheckConstraint(
                name="resource_capacity_range",
                condition=Q(capacity__gte=1, capacity__lte=MAX_CAPACITY),
            ),
            models.CheckConstraint(name="resource_price_range", condition=Q(hourly_price__gte=0)),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def free(self) -> bool:
        return not self.hourly_price

    @property
    def hours_text(self) -> str:
        """09:00–18:00."""
        o, c = self.opens_minute, self.closes_minute
        return f"{o // 60:02d}:{o % 60:02d}–{c // 60:02d}:{c % 60:02d}"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting approval")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


#: The statuses that hold the time: no two of one resource may overlap.
ACTIVE = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


class Booking(models.Model):
    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.PROTECT, related_name="bookings"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    #: The party it is for (an enterprise user books for their own firm).
    party = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    start = models.DateTimeField(_("from"), db_index=True)
    end = models.DateTimeField(_("until"))
    status = models.CharField(_("status"), max_length=10, choices=BookingStatus.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    #: The price at booking time (yuan): the hours times the resource's hourly price.
    price = models.DecimalField(_("price (yuan)"), max_digits=10, decimal_places=2, default=0)
    #: Occurrences of one recurring booking share it (empty: a single booking).
    series = models.CharField(max_length=32, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    #: When the party arrived (the centre's desk checks them in). A confirmed booking whose
    #: time has passed without a check-in is a no-show (``space.usage``).
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["resource", "start"])]
        constraints = [
            models.CheckConstraint(
                name="booking_status_valid", condition=Q(status__in=BookingStatus.values)
            ),
            models.CheckConstraint(
                name="booking_ends_after_start", condition=Q(end__gt=F("start"))
            ),
            models.CheckConstraint(
                name="booking_checked_in_confirmed",
                condition=Q(checked_in_at__isnull=True) | Q(status=BookingStatus.CONFIRMED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.start:%Y-%m-%d %H:%M}"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


class BookingSlot(models.Model):
    """One grid slot an active booking holds (SQLite's guarantee; see the module docstring).
    Written with the booking, deleted in the transaction that cancels or rejects it."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="slots")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "start"], name="booking_slot_once"),
        ]


class MembershipKind(models.TextChoices):
    """What a resident firm rents: a desk of the open area, or a quick-office."""

    DESK = "desk", _("Desk")
    OFFICE = "office", _("Office")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    RENEWED = "renewed", _("Renewed")
    CANCELLED = "cancelled", _("Cancelled")


class Membership(models.Model):
    """A resident firm of the centre: the desk or office it is assigned, for a term. Renewing
    ends this row as ``renewed`` and opens the next term as a new row (``renewal_of``), so
    churn — terms that ended without a renewal — is counted from rows, never kept."""

    party = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("resident firm"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    #: The division whose centre it is (scope, as for resources).
    jurisdiction_code = models.CharField(_("jurisdiction"), max_length=6, db_index=True)
    kind = models.CharField(_("kind"), max_length=8, choices=MembershipKind.choices)
    #: The desk area or office assigned (optional: a desk may be any desk of the open area).
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("assigned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.ACTIVE,
    )
    #: Yuan per month.
    monthly_fee = models.DecimalField(
        _("fee per month (yuan)"), max_digits=10, decimal_places=2, default=0
    )
    renewal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewed_by"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["ends_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="membership_kind_valid", condition=Q(kind__in=MembershipKind.values)
            ),
            models.CheckConstraint(
                name="membership_status_valid", condition=Q(status__in=MembershipStatus.values)
            ),
            models.CheckConstraint(
                name="membership_term_order", condition=Q(ends_on__gte=F("starts_on"))
            ),
            models.CheckConstraint(name="membership_fee_range", condition=Q(monthly_fee__gte=0)),
            models.CheckConstraint(
                name="membership_jurisdiction_shape",
                condition=Q(jurisdiction_code__regex=r"^[0-9]{6}$"),
            ),
            # one active term per firm and centre
            models.UniqueConstraint(
                fields=["party", "jurisdiction_code"],
                condition=Q(status="active"),
                name="membership_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party} {self.starts_on}–{self.ends_on}"


class VisitPurpose(models.TextChoices):
    TOUR = "tour", _("Tour of the centre")
    MEETING = "meeting", _("Meeting a resident")
    INVESTMENT = "investment", _("Investment talk")
    EVENT = "event", _("Event")
    OTHER = "other", _("Other")


class Visit(models.Model):
    """One visitor at the centre's front desk: who, from where, hosted by whom, why, when.
    A visitor from a firm the office would like to land can be filed as a pipeline lead
    (source: enclave centre); ``project`` then names it."""

    jurisdiction_code = models.CharField(_("jurisdiction"), max_length=6, db_index=True)
    visitor_name = models.CharField(_("visitor"), max_length=100)
    #: The visitor's organisation as a registry party (a prospect may have no credit code).
    party = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    #: Who they came to see: a member of staff, or a resident firm.
    host_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("host"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    host_party = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("host firm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_visits",
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=VisitPurpose.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), db_index=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    project = models.ForeignKey(
        "pipeline.Project",
        verbose_name=_("pipeline project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-arrived_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="visit_purpose_valid", condition=Q(purpose__in=VisitPurpose.values)
            ),
            models.CheckConstraint(
                name="visit_left_after_arrival",
                condition=Q(left_at__isnull=True) | Q(left_at__gte=F("arrived_at")),
            ),
            models.CheckConstraint(
                name="visit_jurisdiction_shape",
                condition=Q(jurisdiction_code__regex=r"^[0-9]{6}$"),
            ),
        ]

    def __str__(self) -> str:
        return self.visitor_name


class FeedKey(models.Model):
    """The secret in a person's calendar-feed addresses (calendar apps cannot log in). It
    opens only the feeds of its owner's scope, read-only; renewing it retires the old
    addresses. Stored as a SHA-256 digest, like the API tokens."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
