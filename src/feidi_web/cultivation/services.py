"""Writes of cultivation: staff's review of a diagnosis, referring a firm to a service, moving
its case.

Every write checks the actor's role and scope, leaves an ``AuditEntry`` in the same
transaction, and a case move names the version its author saw (the row is locked; a version
that moved on is an ``EditConflict``), so two people closing the same case never both do.
A case keeps the firm's type and figures when it was referred (its baseline); the outcome is
computed later from the registry, never typed in.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.diagnosis import service_by_id
from feidi_web.accounts.models import User
from feidi_web.common.audit import (
    VIA_FORM,
    AuditAction,
    audit_entry,
    case_subject,
    party_subject,
)
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.models import AuditEntry
from feidi_web.common.text import checked_text
from feidi_web.cultivation.diagnosing import engine_type_of
from feidi_web.cultivation.figures import snapshot
from feidi_web.cultivation.models import (
    CASE_MOVES,
    TYPE_CHOICES,
    CaseChange,
    CaseStatus,
    ServiceCase,
    TypeReview,
)
from feidi_web.cultivation.permissions import firms_for, require_cultivator
from feidi_web.enterprises.models import Enterprise, FiscalYear
from feidi_web.enterprises.permissions import enterprise_scope

TEXT_MAX = 1000
REASON_MAX = 500


def _require_firm(actor: User, enterprise: Enterprise) -> None:
    require_cultivator(actor)
    if not Enterprise.objects.filter(enterprise_scope(actor), pk=enterprise.pk).exists():
        raise PermissionDenied
    if not enterprise.gradable:
        # a prospect or start-up without a credit code has no figures to diagnose or measure
        raise ValidationError(
            _("Only a registered enterprise (with a credit code) can be diagnosed or referred.")
        )


def type_review_add(
    *, actor: User, enterprise: Enterprise, staff_type: str, reason: str, via: str = VIA_FORM
) -> TypeReview:
    """Staff disagree with the type the rules gave ``enterprise`` and say why."""
    _require_firm(actor, enterprise)
    errors: dict[str, list[str]] = {}
    if staff_type not in {t for t, _label in TYPE_CHOICES}:
        errors["staff_type"] = [_("Choose one of the listed types.")]
    reason = checked_text(errors, "reason", reason, REASON_MAX)
    if not reason and "reason" not in errors:
        errors["reason"] = [_("Say why the diagnosis is wrong: the next reader needs it.")]
    if errors:
        raise ValidationError(errors)
    engine = engine_type_of(enterprise, firms_for(actor))
    with transaction.atomic():
        review = TypeReview.objects.create(
            enterprise=enterprise,
            engine_type=engine or "",
            staff_type=staff_type,
            reason=reason,
            by=actor,
            created_at=timezone.now(),
        )
        audit_entry(
            actor=actor,
            action=AuditAction.TYPE_REVIEW,
            subject=party_subject(enterprise.pk),
            field="type",
            old=engine or None,
            new=staff_type,
            via=via,
        ).save()
    return review


def case_open(
    *,
    actor: User,
    enterprise: Enterprise,
    service: str,
    provider: str = "",
    note: str = "",
    at: datetime | None = None,
    via: str = VIA_FORM,
) -> ServiceCase:
    """Refer ``enterprise`` to ``service`` (a catalogue id). Refused while the firm has an
    open case for the same service: one referral at a time, so outcomes are not counted
    twice."""
    _require_firm(actor, enterprise)
    errors: dict[str, list[str]] = {}
    try:
        service_by_id(service)
    except KeyError:
        errors["service"] = [_("Choose one of the listed services.")]
    provider = checked_text(errors, "provider", provider, 200)
    note = checked_text(errors, "note", note, TEXT_MAX)
    if errors:
        raise ValidationError(errors)
    when = at or timezone.now()
    day = timezone.localdate(when)
    years = FiscalYear.objects.filter(enterprise=enterprise).values_list("year", "figures")
    # the baseline is the last fiscal year complete when the firm was referred, whatever the
    # registry held then, so a case's outcome starts from the same year however late the
    # figures were imported
    baseline = {
        "type": engine_type_of(enterprise, firms_for(actor), as_of=day) or "",
        **snapshot(enterprise.profile, years, on=day, until=day.year - 1),
    }
    with transaction.atomic():
        # the firm's row is the lock: two referrals of one firm at once queue here
        Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
        open_now = ServiceCase.objects.filter(
            enterprise=enterprise,
            service=service,
            status__in=(CaseStatus.OPENED, CaseStatus.IN_SERVICE),
        ).exists()
        if open_now:
            raise ValidationError(
                {"service": [_("This firm already has an open case for this service.")]}
            )
        case = ServiceCase.objects.create(
            enterprise=enterprise,
            service=service,
            provider=provider,
            note=note,
            baseline=baseline,
            opened_by=actor,
            opened_at=when,
        )
        CaseChange.objects.create(
            case=case, from_status="", status=CaseStatus.OPENED, at=when, actor=actor, note=note
        )
        audit_entry(
            actor=actor,
            action=AuditAction.CASE_OPEN,
            subject=case_subject(case.pk),
            field="service",
            new=service,
            via=via,
        ).save()
    return case


def _locked(case: ServiceCase, seen_version: int) -> ServiceCase:
    locked = ServiceCase.objects.select_for_update().get(pk=case.pk)
    if locked.version != seen_version:
        last = (
            AuditEntry.objects.filter(subject=case_subject(case.pk)).select_related("actor").first()
        )
        raise EditConflict(
            current_version=locked.version,
            current={"status": locked.status, "outcome_note": locked.outcome_note},
            changed_by=last.actor.display_name if last and last.actor else None,
            changed_at=last.at if last else None,
        )
    return locked


def case_move(
    *,
    actor: User,
    case: ServiceCase,
    to: str,
    seen_version: int,
    note: str = "",
    at: datetime | None = None,
    via: str = VIA_FORM,
) -> ServiceCase:
    """Move a case: referred → in service → done, or cancelled before it is done. The note of
    a move to done is the case's outcome in words (the figures come from the registry)."""
    _require_firm(actor, case.enterprise)
    errors: dict[str, list[str]] = {}
    if to not in CaseStatus.values:
        errors["to"] = [_("Choose one of the listed statuses.")]
    note = checked_text(errors, "note", note, TEXT_MAX)
    if to == CaseStatus.CANCELLED and not note and "note" not in errors:
        errors["note"] = [_("Say why the case is cancelled.")]
    if errors:
        raise ValidationError(errors)
    when = at or timezone.now()
    with transaction.atomic():
        locked = _locked(case, seen_version)
        before = locked.status
        if to not in CASE_MOVES[before]:
            raise ValidationError(
                {
                    "to": [
                        _("A case that is %(now)s cannot become %(to)s.")
                        % {
                            "now": CaseStatus(before).label,
                            "to": CaseStatus(to).label,
                        }
                    ]
                }
            )
        locked.status = to
        if to == CaseStatus.IN_SERVICE:
            locked.started_at = when
        if to in (CaseStatus.DONE, CaseStatus.CANCELLED):
            locked.closed_at = when
        if to == CaseStatus.DONE:
            locked.outcome_note = note
        locked.version += 1
        locked.save()
        CaseChange.objects.create(
            case=locked, from_status=before, status=to, at=when, actor=actor, note=note
        )
        audit_entry(
            actor=actor,
            action=AuditAction.CASE_MOVE,
            subject=case_subject(locked.pk),
            field="status",
            old=before,
            new=to,
            via=via,
        ).save()
    return locked
