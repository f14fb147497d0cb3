"""Policy applications: a firm applies for a policy it is eligible for (or may be: unknown),
staff review and decide, and the totals granted by policy, town and chain.

Writes (``application_submit``, ``application_move``) check role and scope, leave an audit
entry in the same transaction, and a move names the version its author saw (the row is
locked; a version that moved on is an ``EditConflict``). The firm's users are told each
decision in their inbox. Reads (``applications_for``, ``application_for``,
``application_search``, ``application_totals``) keep to the user's scope: a firm user sees
only their own firm's applications, anything else is *not found*.

Choices:

* A firm the rules find *not eligible* cannot apply — nor can staff record one for it — and
  is told why (the first step that would make it eligible); *unknown* may apply (the data
  that would decide it are missing, the reviewer checks them).
* Staff (authors) may record an application on a firm's behalf (a paper application).
* ``submitted → under_review → granted | rejected``; the firm withdraws while it is open.
  A grant names the amount granted (万元, ≥ 0), a rejection its reason (kept in the audit
  entry and told to the firm: the model has no column for it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.chains import find_node
from feidi.policy import load_policies
from feidi_web.accounts.models import Role, User
from feidi_web.accounts.scope import is_firm_user
from feidi_web.chains.selectors import chain_nodes_of
from feidi_web.common.audit import (
    VIA_FORM,
    AuditAction,
    application_subject,
    audit_entry,
)
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.display import number_text
from feidi_web.common.lang import pick
from feidi_web.common.models import AuditEntry
from feidi_web.common.text import checked_text
from feidi_web.common.workbook import Book
from feidi_web.enterprises.models import Enterprise
from feidi_web.inbox.models import Topic
from feidi_web.inbox.services import Notice, notify_each
from feidi_web.policies.grading import eligibility_of
from feidi_web.policies.models import (
    OPEN_APPLICATION,
    ApplicationStatus,
    PolicyApplication,
    PolicyVersion,
    VersionStatus,
)
from feidi_web.policies.permissions import firms_for, is_author, is_staff

NOTE_MAX = 1000
REASON_MAX = 500
#: The largest amount the column holds (12 digits, 2 after the point), 万元.
AMOUNT_MAX = Decimal("9999999999.99")
#: A mount counts a firm on a chain from this confidence (as cultivation and the strength).
CHAIN_CONFIDENCE = 0.4

#: status → the statuses it may move to, and who moves it there.
MOVES: dict[str, tuple[str, ...]] = {
    ApplicationStatus.SUBMITTED: (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.WITHDRAWN),
    ApplicationStatus.UNDER_REVIEW: (
        ApplicationStatus.GRANTED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
    ),
    ApplicationStatus.GRANTED: (),
    ApplicationStatus.REJECTED: (),
    ApplicationStatus.WITHDRAWN: (),
}
#: Moves only the firm makes; every other move is staff's (authors').
FIRM_MOVES = frozenset({ApplicationStatus.WITHDRAWN})


def _amount(errors: dict[str, list[str]], field: str, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = [_("Enter an amount in 10k CNY, e.g. 12.5.")]
        return None
    if not amount.is_finite() or amount < 0:
        errors[field] = [_("The amount cannot be negative.")]
        return None
    if amount > AMOUNT_MAX:
        errors[field] = [_("The amount is too large.")]
        return None
    return amount.quantize(Decimal("0.01"))


def policy_name(policy_id: str) -> str:
    """A policy's name in the page's language (shipped, else a published local one)."""
    for p in load_policies():
        if p.id == policy_id:
            return pick(p.name)
    version = (
        PolicyVersion.objects.filter(policy__slug=policy_id)
        .order_by("-status", "-number")  # published before draft and retired
        .first()
    )
    if version is not None and isinstance(version.spec, dict):
        spec = version.spec
        return pick((str(spec.get("name") or policy_id), str(spec.get("name_en") or policy_id)))
    return policy_id


# --- who may ------------------------------------------------------------------------------


def _own_firm(actor: User, enterprise: Enterprise) -> bool:
    return is_firm_user(actor) and actor.enterprise_id == enterprise.pk


def _in_scope(actor: User, enterprise: Enterprise) -> bool:
    return firms_for(actor).filter(pk=enterprise.pk).exists()


def may_apply(actor: User, enterprise: Enterprise) -> bool:
    """A firm's own user, or staff who author (on the firm's behalf) within their scope."""
    return _own_firm(actor, enterprise) or (is_author(actor) and _in_scope(actor, enterprise))


# --- applying -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """Where a firm stands on a policy today: its verdict, the computed benefit, and — when
    it is not eligible — why, in words."""

    policy: str
    name: str
    verdict: str
    benefit_amount: float | None
    reason: str


def standing(enterprise: Enterprise, policy_id: str, *, as_of: date | None = None) -> Standing:
    """The firm's verdict on the policy; ``Http404`` when the policy does not cover the firm
    (unknown id, not in force, another region)."""
    result = eligibility_of(Enterprise.objects.filter(pk=enterprise.pk), as_of=as_of)
    rows = result.verdicts.filter(
        (result.verdicts["credit_code"] == enterprise.credit_code)
        & (result.verdicts["policy"] == policy_id)
    )
    if rows.height == 0:
        raise Http404("policy not found")
    row = rows.row(0, named=True)
    verdict = str(row["verdict"])
    reason = ""
    if verdict == "not_eligible":
        why = result.explain(str(enterprise.credit_code), policy_id)
        step = pick(why.path[0]) if why.path else ""
        reason = (
            _("Your firm does not meet this policy's conditions. First step: %(step)s")
            % {"step": step}
            if step
            else _("Your firm does not meet this policy's conditions.")
        )
    return Standing(
        policy=policy_id,
        name=pick(result.policy(policy_id).name),
        verdict=verdict,
        benefit_amount=row["benefit_amount"],
        reason=reason,
    )


def application_submit(
    *,
    actor: User,
    enterprise: Enterprise,
    policy_id: str,
    amount_requested: Any = None,
    note: str = "",
    as_of: date | None = None,
    at: datetime | None = None,
    via: str = VIA_FORM,
) -> PolicyApplication:
    """``enterprise`` applies for ``policy_id`` (its own user, or staff on its behalf). The
    amount requested defaults to the computed benefit, when there is one. Refused for a firm
    the rules find not eligible (with the reason) and while it has an open application for
    the same policy."""
    if not may_apply(actor, enterprise):
        raise PermissionDenied
    here = standing(enterprise, policy_id, as_of=as_of)
    errors: dict[str, list[str]] = {}
    if here.verdict == "not_eligible":
        errors["policy"] = [here.reason]
    amount = _amount(errors, "amount_requested", amount_requested)
    if amount is None and "amount_requested" not in errors and here.benefit_amount is not None:
        amount = Decimal(str(here.benefit_amount)).quantize(Decimal("0.01"))
    note = checked_text(errors, "note", note, NOTE_MAX)
    if errors:
        raise ValidationError(errors)
    version = PolicyVersion.objects.filter(
        policy__slug=policy_id, status=VersionStatus.PUBLISHED
    ).first()
    when = at or timezone.now()
    already = ValidationError(
        {"policy": [_("This firm already has an open application for this policy.")]}
    )
    try:
        with transaction.atomic():
            # the firm's row is the lock: two applications of one firm at once queue here
            Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
            if PolicyApplication.objects.filter(
                enterprise=enterprise, policy=policy_id, status__in=OPEN_APPLICATION
            ).exists():
                raise already
            application = PolicyApplication.objects.create(
                enterprise=enterprise,
                policy=policy_id,
                policy_version=version,
                amount_requested=amount,
                note=note,
                submitted_by=actor,
                submitted_at=when,
            )
            audit_entry(
                actor=actor,
                action=AuditAction.APPLICATION_SUBMIT,
                subject=application_subject(application.pk),
                field="policy",
                new=policy_id,
                via=via,
            ).save()
    except IntegrityError:  # application_one_open: another request won the race
        raise already from None
    return application


# --- moving -------------------------------------------------------------------------------


def may_move(actor: User, application: PolicyApplication, to: str) -> bool:
    if to in FIRM_MOVES:
        return _own_firm(actor, application.enterprise)
    return is_author(actor) and _in_scope(actor, application.enterprise)


def moves_for(actor: User, application: PolicyApplication) -> list[str]:
    """The moves ``actor`` may make on ``application`` now."""
    return [to for to in MOVES[application.status] if may_move(actor, application, to)]


def _locked(application: PolicyApplication, seen_version: int) -> PolicyApplication:
    locked = PolicyApplication.objects.select_for_update().get(pk=application.pk)
    if locked.version != seen_version:
        last = (
            AuditEntry.objects.filter(subject=application_subject(application.pk))
            .select_related("actor")
            .order_by("-at", "-id")
            .first()
        )
        raise EditConflict(
            current_version=locked.version,
            current={"status": locked.status, "amount_granted": locked.amount_granted},
            changed_by=last.actor.display_name if last and last.actor else None,
            changed_at=last.at if last else None,
        )
    return locked


def _decision_notice(application: PolicyApplication, reason: str) -> Notice:
    """The message telling the firm's users of a decision, in the active language."""
    name = policy_name(application.policy)
    status = str(ApplicationStatus(application.status).label)
    lines = [
        _("Your application for %(policy)s is now: %(status)s.")
        % {"policy": name, "status": status}
    ]
    if application.status == ApplicationStatus.GRANTED:
        lines.append(
            _("Amount granted: %(amount)s (10k CNY).")
            % {"amount": number_text(application.amount_granted)}
        )
    if reason:
        lines.append(_("Reason: %(reason)s") % {"reason": reason})
    return Notice(
        subject=_("Policy application: %(policy)s — %(status)s")
        % {"policy": name, "status": status},
        body="\n".join(lines),
        link=f"/policies/applications/{application.pk}/",
        key=f"application:{application.pk}:{application.status}",
    )


def _tell_firm(application: PolicyApplication, reason: str) -> None:
    people = User.objects.filter(
        enterprise_id=application.enterprise_id, role=Role.ENTERPRISE, is_active=True
    ).order_by("pk")
    notify_each(people, Topic.APPLICATION, lambda: _decision_notice(application, reason))


def application_move(
    *,
    actor: User,
    application: PolicyApplication,
    to: str,
    seen_version: int,
    amount_granted: Any = None,
    reason: str = "",
    at: datetime | None = None,
    via: str = VIA_FORM,
) -> PolicyApplication:
    """Move an application: staff put it under review, grant it (the amount granted) or
    reject it (the reason); the firm withdraws it while open. The firm's users are told of
    each of staff's moves."""
    errors: dict[str, list[str]] = {}
    if to not in ApplicationStatus.values:
        raise ValidationError({"to": [_("Choose one of the listed statuses.")]})
    if not may_move(actor, application, to):
        raise PermissionDenied
    amount = _amount(errors, "amount_granted", amount_granted)
    if to == ApplicationStatus.GRANTED and amount is None and "amount_granted" not in errors:
        errors["amount_granted"] = [_("Say how much was granted (10k CNY; 0 is allowed).")]
    reason = checked_text(errors, "reason", reason, REASON_MAX)
    if to == ApplicationStatus.REJECTED and not reason and "reason" not in errors:
        errors["reason"] = [_("Say why the application is rejected: the firm is told.")]
    if errors:
        raise ValidationError(errors)
    when = at or timezone.now()
    with transaction.atomic():
        locked = _locked(application, seen_version)
        before = locked.status
        if to not in MOVES[before]:
            raise ValidationError(
                {
                    "to": [
                        _("An application that is %(now)s cannot become %(to)s.")
                        % {
                            "now": ApplicationStatus(before).label,
                            "to": ApplicationStatus(to).label,
                        }
                    ]
                }
            )
        locked.status = to
        if to == ApplicationStatus.GRANTED:
            locked.amount_granted = amount
        if to in (ApplicationStatus.GRANTED, ApplicationStatus.REJECTED):
            locked.decided_by = actor
            locked.decided_at = max(when, locked.submitted_at)
        locked.version += 1
        locked.save()
        new: dict[str, Any] = {"status": to}
        if to == ApplicationStatus.GRANTED:
            new["amount_granted"] = str(amount)
        if reason:
            new["reason"] = reason
        audit_entry(
            actor=actor,
            action=AuditAction.APPLICATION_MOVE,
            subject=application_subject(locked.pk),
            field="status",
            old=before,
            new=new,
            via=via,
        ).save()
        if to not in FIRM_MOVES:
            _tell_firm(locked, reason)
    return locked


# --- reading ------------------------------------------------------------------------------


def applications_for(user: User) -> QuerySet[PolicyApplication]:
    """The applications ``user`` may see: their firm's, or those of their scope's firms."""
    rows = PolicyApplication.objects.select_related("enterprise", "submitted_by", "decided_by")
    if is_firm_user(user) and user.enterprise_id is not None:
        return rows.filter(enterprise_id=user.enterprise_id)
    if is_staff(user):
        return rows.filter(enterprise__in=firms_for(user).values("pk"))
    raise PermissionDenied


def application_for(user: User, application_id: int) -> PolicyApplication:
    """One application of ``user``'s scope (404 outside it)."""
    try:
        return applications_for(user).get(pk=application_id)
    except PolicyApplication.DoesNotExist:
        raise Http404("application not found") from None


def application_search(
    user: User, *, policy: str = "", status: str = "", town: str = ""
) -> QuerySet[PolicyApplication]:
    rows = applications_for(user)
    if policy:
        rows = rows.filter(policy=policy)
    if status:
        rows = rows.filter(status=status)
    if town:
        rows = rows.filter(enterprise__town=town)
    return rows


@dataclass(frozen=True)
class TotalRow:
    """Applications of one group: how many, how many granted, the amount granted (万元)."""

    label: str
    applications: int
    granted: int
    amount_granted: Decimal


@dataclass(frozen=True)
class Totals:
    by_policy: list[TotalRow]
    by_town: list[TotalRow]
    #: A firm on two chains counts in both (the rows do not add up to the whole).
    by_chain: list[TotalRow]
    applications: int
    granted: int
    amount_granted: Decimal


def _rows(groups: dict[str, list[PolicyApplication]]) -> list[TotalRow]:
    out = []
    for label, apps in groups.items():
        granted = [a for a in apps if a.status == ApplicationStatus.GRANTED]
        out.append(
            TotalRow(
                label=label,
                applications=len(apps),
                granted=len(granted),
                amount_granted=sum((a.amount_granted or Decimal(0) for a in granted), Decimal(0)),
            )
        )
    return sorted(out, key=lambda r: (-r.amount_granted, -r.applications, r.label))


def _chain_name(node: str) -> str:
    try:
        chain, _node = find_node(node)
    except KeyError:
        return node.split("/", 1)[0]
    return pick((chain.name, chain.name_en))


def application_totals(rows: QuerySet[PolicyApplication]) -> Totals:
    """Counts and amounts granted by policy, by town (the firm's ``town``) and by industry
    chain (the firm's chains from its mounts: a firm on two chains counts in both)."""
    apps = list(rows.select_related("enterprise"))
    by_policy: dict[str, list[PolicyApplication]] = defaultdict(list)
    by_town: dict[str, list[PolicyApplication]] = defaultdict(list)
    by_chain: dict[str, list[PolicyApplication]] = defaultdict(list)
    names: dict[str, str] = {}
    nodes = chain_nodes_of(
        "enterprise", {a.enterprise_id for a in apps}, min_confidence=CHAIN_CONFIDENCE
    )
    no_town, no_chain = _("No town recorded"), _("On no chain")
    for a in apps:
        if a.policy not in names:
            names[a.policy] = policy_name(a.policy)
        by_policy[names[a.policy]].append(a)
        by_town[a.enterprise.town or no_town].append(a)
        chains = sorted({_chain_name(n) for n in nodes.get(a.enterprise_id, ())})
        for chain in chains or [no_chain]:
            by_chain[chain].append(a)
    granted = [a for a in apps if a.status == ApplicationStatus.GRANTED]
    return Totals(
        by_policy=_rows(by_policy),
        by_town=_rows(by_town),
        by_chain=_rows(by_chain),
        applications=len(apps),
        granted=len(granted),
        amount_granted=sum((a.amount_granted or Decimal(0) for a in granted), Decimal(0)),
    )


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    what: str
    status: str
    amount: str
    reason: str


def application_history(application: PolicyApplication) -> list[HistoryLine]:
    """The application's submission and moves, oldest first, in words."""
    out = []
    for e in (
        AuditEntry.objects.filter(subject=application_subject(application.pk))
        .select_related("actor")
        .order_by("at", "id")
    ):
        new = e.new_value if isinstance(e.new_value, dict) else {}
        status = str(new.get("status") or "")
        out.append(
            HistoryLine(
                at=e.at,
                who=e.actor.display_name if e.actor else "—",
                what=str(
                    _("Submitted")
                    if e.action == AuditAction.APPLICATION_SUBMIT
                    else _("Status changed")
                ),
                status=str(ApplicationStatus(status).label)
                if status in ApplicationStatus.values
                else "",
                amount=number_text(new["amount_granted"]) if new.get("amount_granted") else "",
                reason=str(new.get("reason") or ""),
            )
        )
    return out


def applications_workbook(rows: QuerySet[PolicyApplication], totals: Totals) -> bytes:
    """The applications (one row each) and the totals by policy, town and chain."""
    book = Book()
    names: dict[str, str] = {}
    lines = []
    for a in rows.select_related("enterprise"):
        if a.policy not in names:
            names[a.policy] = policy_name(a.policy)
        lines.append(
            (
                names[a.policy],
                a.enterprise.name,
                a.enterprise.credit_code or "",
                a.enterprise.town,
                str(ApplicationStatus(a.status).label),
                float(a.amount_requested) if a.amount_requested is not None else None,
                float(a.amount_granted) if a.amount_granted is not None else None,
                timezone.localtime(a.submitted_at).date(),
                timezone.localtime(a.decided_at).date() if a.decided_at else None,
            )
        )
    book.sheet(
        _("Applications"),
        [
            _("Policy"),
            _("Firm"),
            _("Credit code"),
            _("Town"),
            _("Status"),
            _("Amount requested (10k CNY)"),
            _("Amount granted (10k CNY)"),
            _("Submitted"),
            _("Decided"),
        ],
        lines,
        formats={5: "money", 6: "money", 7: "day", 8: "day"},
        widths={0: 40, 1: 30},
    )
    header = [_("Applications"), _("Granted"), _("Amount granted (10k CNY)")]
    for title, first, group in (
        (_("By policy"), _("Policy"), totals.by_policy),
        (_("By town"), _("Town"), totals.by_town),
        (_("By chain"), _("Chain"), totals.by_chain),
    ):
        ws = book.sheet(
            title,
            [first, *header],
            [(r.label, r.applications, r.granted, float(r.amount_granted)) for r in group],
            formats={3: "money"},
            widths={0: 40},
        )
        if group is totals.by_chain:
            ws.write(
                len(group) + 2,
                0,
                _("A firm on two chains counts in both: the rows do not add up to the total."),
            )
    return book.close()
