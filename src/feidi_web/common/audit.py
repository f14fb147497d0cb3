"""The audit trail's one home: what an entry says happened (``AuditAction``), how a subject
is named, and how an entry is written and read back in words.

Services write entries in the same transaction as the change (``audit_entry`` builds one,
unsaved, for ``bulk_create``); pages show them through ``action_text`` / ``via_text`` so that
no stored code (``enterprise.create``, ``import:17``) reaches a user.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from feidi_web.common.models import AuditEntry


class AuditAction(models.TextChoices):
    PARTY_CREATE = "enterprise.create", _("Registered")
    PARTY_UPDATE = "enterprise.update", _("Profile changed")
    YEAR_CREATE = "fiscal_year.create", _("Fiscal year added")
    YEAR_UPDATE = "fiscal_year.update", _("Figure changed")
    PROJECT_CREATE = "project.create", _("Project filed")
    PROJECT_UPDATE = "project.update", _("Project details changed")
    PROJECT_MOVE = "project.stage", _("Project stage changed")
    FOLLOW_UP_CREATE = "follow_up.create", _("Follow-up added")
    FOLLOW_UP_DONE = "follow_up.done", _("Follow-up done")
    PROFILE_SUBMIT = "profile.submit", _("Profile submitted")
    PROFILE_REVIEW = "profile.review", _("Profile reviewed")
    PROFILE_RENEW = "profile.renew", _("Profile renewed")
    MATCH_PROPOSE = "match.propose", _("Pairing proposed")
    MATCH_ANSWER = "match.answer", _("Interest answered")
    MATCH_DATE = "match.date", _("Date arranged")
    MATCH_PILOT = "match.pilot", _("Pilot cooperation started")
    MATCH_LAND = "match.land", _("Pilot landed as a project")
    EVENT_CREATE = "event.create", _("Event created")
    EVENT_UPDATE = "event.update", _("Event details changed")
    EVENT_STATUS = "event.status", _("Event status changed")
    EVENT_LEADS = "event.leads", _("Participants filed as leads")
    REGISTRATION_CREATE = "registration.create", _("Registration received")
    REGISTRATION_CANCEL = "registration.cancel", _("Registration cancelled")
    REGISTRATION_PROMOTE = "registration.promote", _("Moved up from the wait list")
    REGISTRATION_AVAILABILITY = "registration.availability", _("Availability changed")
    REGISTRATION_CHECK_IN = "registration.check_in", _("Checked in")
    MEETING_REQUEST = "meeting.request", _("Meeting requested")
    MEETING_ANSWER = "meeting.answer", _("Meeting request answered")
    MEETING_CANCEL = "meeting.cancel", _("Meeting request cancelled")
    SCHEDULE_MAKE = "schedule.make", _("Meeting schedule made")
    SCHEDULE_REMAKE = "schedule.remake", _("Meetings rescheduled")
    CHAIN_CORRECT = "chain.correct", _("Chain position corrected")
    TYPE_REVIEW = "diagnosis.review", _("Diagnosis reviewed by staff")
    CASE_OPEN = "case.open", _("Referred to a service")
    CASE_MOVE = "case.move", _("Service case status changed")
    BOOKING_CREATE = "booking.create", _("Space booked")
    BOOKING_CANCEL = "booking.cancel", _("Booking cancelled")
    BOOKING_DECIDE = "booking.decide", _("Booking approved or rejected")
    LOCAL_POLICY_CREATE = "policy.create", _("Local policy created")
    POLICY_VERSION_SAVE = "policy.save", _("Policy version saved")
    POLICY_PREVIEW = "policy.preview", _("Policy previewed")
    POLICY_PUBLISH = "policy.publish", _("Policy version published")
    APPLICATION_SUBMIT = "application.submit", _("Policy application submitted")
    APPLICATION_MOVE = "application.move", _("Policy application status changed")
    BOOKING_CHECK_IN = "booking.check_in", _("Booking checked in")
    BOOKING_LEAD = "booking.lead", _("Booking party filed as a lead")
    RESOURCE_CREATE = "resource.create", _("Resource added")
    RESOURCE_UPDATE = "resource.update", _("Resource changed")
    MEMBERSHIP_CREATE = "membership.create", _("Membership added")
    MEMBERSHIP_RENEW = "membership.renew", _("Membership renewed")
    MEMBERSHIP_END = "membership.end", _("Membership ended")
    MEMBERSHIP_CANCEL = "membership.cancel", _("Membership cancelled")
    VISIT_CREATE = "visit.create", _("Visit logged")
    VISIT_LEFT = "visit.left", _("Visitor left")
    VISIT_LEAD = "visit.lead", _("Visitor filed as a lead")


def party_subject(party_id: int) -> str:
    """The subject of a party's own entries: by its id, which never changes (a credit code
    may be added later)."""
    return f"party:{party_id}"


def year_subject(party_id: int, year: int) -> str:
    return f"fiscal_year:{party_id}:{year}"


def project_subject(project_id: int) -> str:
    return f"project:{project_id}"


def profile_subject(profile_id: int) -> str:
    """A matchmaking profile's entries (its review, renewal, chain corrections)."""
    return f"profile:{profile_id}"


def case_subject(case_id: int) -> str:
    """A service case's entries (its referral and moves)."""
    return f"case:{case_id}"


def application_subject(application_id: int) -> str:
    """A policy application's entries (its submission and moves)."""
    return f"application:{application_id}"


def audit_entry(
    *,
    actor: Any,
    action: AuditAction,
    subject: str,
    via: str,
    field: str = "",
    old: Any = None,
    new: Any = None,
) -> AuditEntry:
    """One entry, unsaved (callers save it with the change, often in bulk)."""
    return AuditEntry(
        actor=actor,
        action=action.value,
        subject=subject,
        field=field,
        old_value=old,
        new_value=new,
        via=via,
    )


def via_import(import_id: int) -> str:
    return f"import:{import_id}"


VIA_FORM = "form"
VIA_API = "api"


def action_text(action: str) -> str:
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return str(_("Other change"))


def via_text(via: str, import_names: dict[int, str] | None = None) -> str:
    """How a change came in, in words: 表单 / API / 导入 "file.xlsx"."""
    if via == VIA_FORM:
        return str(_("edit form"))
    if via == VIA_API:
        return str(_("API"))
    kind, _sep, ref = via.partition(":")
    if kind == "import" and ref.isdigit():
        name = (import_names or {}).get(int(ref))
        return str(_("import of %(file)s") % {"file": name}) if name else str(_("an import"))
    return str(_("other"))


def import_ids(vias: list[str]) -> list[int]:
    """The imports a list of entries' ``via`` names (to look their file names up once)."""
    out = []
    for via in vias:
        kind, _sep, ref = via.partition(":")
        if kind == "import" and ref.isdigit():
            out.append(int(ref))
    return out
