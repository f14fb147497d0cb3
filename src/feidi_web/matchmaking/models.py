"""Matchmaking between the two cities (飞地众创): partnering profiles (supply and demand),
the two-way selection between a request and an offer (先恋爱再结婚: interest → date → pilot →
landed project), and the recommendation runs that proposed them.

A profile belongs to a party of the registry (``enterprises.Enterprise``, with or without a
credit code); a landed pairing becomes a project of the pipeline (``pipeline.Project``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feidi.match import DeclineReason
from feidi.match import Stage as MaturityStage


class Side(models.TextChoices):
    SUPPLY = "supply", _("Offer")
    DEMAND = "demand", _("Request")


class ProfileType(models.TextChoices):
    TECH_OFFER = "tech_offer", _("Technology offer")
    RD_TEAM = "rd_team", _("R&D team")
    STARTUP = "startup", _("Start-up in the enclave")
    TECH_REQUEST = "tech_request", _("Technology request")
    SCENARIO = "scenario", _("Application scenario")
    CAPACITY = "capacity", _("Spare manufacturing capacity")


#: Which side each type is on: offers come from the big city, requests from home firms —
#: except spare capacity, which a home firm offers.
TYPE_SIDE = {
    ProfileType.TECH_OFFER: Side.SUPPLY,
    ProfileType.RD_TEAM: Side.SUPPLY,
    ProfileType.STARTUP: Side.SUPPLY,
    ProfileType.TECH_REQUEST: Side.DEMAND,
    ProfileType.SCENARIO: Side.DEMAND,
    ProfileType.CAPACITY: Side.SUPPLY,
}


class ProfileStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    LIVE = "live", _("Live")
    REJECTED = "rejected", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Visibility(models.TextChoices):
    #: seen by staff and by the parties it is recommended to
    PLATFORM = "platform", _("Staff and matched parties")
    #: seen by staff only; the party is named to others only after mutual interest
    STAFF = "staff", _("Staff only until both sides agree")


class Profile(models.Model):
    party = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("party"),
        on_delete=models.PROTECT,
        related_name="profiles",
    )
    #: The county whose centre curates it (the party's).
    jurisdiction_code = models.CharField(max_length=6, db_index=True)
    side = models.CharField(_("side"), max_length=8, choices=Side.choices)
    type = models.CharField(_("type"), max_length=16, choices=ProfileType.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    #: separated by ";"
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    industry_code = models.CharField(_("industry (GB/T 4754)"), max_length=5, blank=True)
    chain_node = models.CharField(_("chain position"), max_length=80, blank=True)
    stage = models.CharField(
        _("stage"),
        max_length=16,
        blank=True,
        choices=[(s.value, s.label("en")) for s in MaturityStage],
    )
    contact = models.CharField(_("contact"), max_length=120, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PLATFORM
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProfileStatus.choices, default=ProfileStatus.SUBMITTED
    )
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    #: Live until then unless renewed.
    expires_on = models.DateField(null=True, blank=True)
    #: Profiles that looked alike when it was submitted (ids), for the reviewer.
    similar = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["jurisdiction_code", "side", "status"])]
        constraints = [
            models.CheckConstraint(name="profile_side_valid", condition=Q(side__in=Side.values)),
            models.CheckConstraint(
                name="profile_type_valid", condition=Q(type__in=ProfileType.values)
            ),
            models.CheckConstraint(
                name="profile_status_valid", condition=Q(status__in=ProfileStatus.values)
            ),
            models.CheckConstraint(
                name="profile_live_expires",
                condition=~Q(status="live") | Q(expires_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def keyword_list(self) -> list[str]:
        return [k for k in (w.strip() for w in self.keywords.split(";")) if k]


class MatchStage(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    MUTUAL = "mutual", _("Both interested")
    DATED = "dated", _("Date arranged")
    PILOT = "pilot", _("Pilot cooperation")
    LANDED = "landed", _("Landed")
    DECLINED = "declined", _("Declined")


class Interest(models.TextChoices):
    UNDECIDED = "", _("Not yet answered")
    YES = "yes", _("Interested")
    NO = "no", _("Not interested")


class Match(models.Model):
    """A request (or a home firm) and an offer, on their way from interest to a project."""

    #: The request, when the home side posted one; otherwise the home firm itself.
    demand = models.ForeignKey(
        Profile, null=True, blank=True, on_delete=models.PROTECT, related_name="as_demand"
    )
    firm = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="matches_as_demand"
    )
    supply = models.ForeignKey(Profile, on_delete=models.PROTECT, related_name="as_supply")
    jurisdiction_code = models.CharField(max_length=6, db_index=True)
    demand_interest = models.CharField(max_length=3, blank=True, choices=Interest.choices)
    supply_interest = models.CharField(max_length=3, blank=True, choices=Interest.choices)
    stage = models.CharField(max_length=10, choices=MatchStage.choices, default=MatchStage.PROPOSED)
    decline_reason = models.CharField(
        max_length=16, blank=True, choices=[(r.value, r.label("en")) for r in DeclineReason]
    )
    declined_side = models.CharField(max_length=8, blank=True, choices=Side.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: rank and reasons when a recommendation proposed it
    rank = models.PositiveIntegerField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    date_at = models.DateTimeField(null=True, blank=True)
    date_place = models.CharField(max_length=200, blank=True)
    project = models.OneToOneField(
        "pipeline.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="match"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "supply"], name="match_once_per_pair"),
            models.CheckConstraint(
                name="match_stage_valid", condition=Q(stage__in=MatchStage.values)
            ),
            models.CheckConstraint(
                name="match_declined_has_reason",
                condition=~Q(stage="declined") | ~Q(decline_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm_id} × {self.supply_id}"


class Milestone(models.Model):
    """A milestone of a pilot cooperation (试点合作)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class RecommendationRun(models.Model):
    """One ranking for one profile: the ranker's parameters (replayable) and what it found."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="runs")
    params = models.JSONField()
    candidates = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    results = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]
