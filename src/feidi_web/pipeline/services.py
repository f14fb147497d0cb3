"""Writes to the pipeline: filing a project, moving it between stages, editing it, follow-ups.

Every write checks the actor's role and scope, leaves an ``AuditEntry`` in the same
transaction, and — for moves and edits — names the version its author saw: the project row
is locked (``select_for_update``) and a version that moved on is refused with an
``EditConflict`` (what it is now, who changed it, when), so two people moving the same
project at once never lose a transition; the second sees the first's and decides again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.parties import PartyKind
from feidi.pipeline import OPEN_STAGES, LostReason, Source, Stage, move_problem
from feidi.reference import normalise_industry_code
from feidi_web.accounts.models import Role, User
from feidi_web.accounts.scope import division_prefix
from feidi_web.common.audit import VIA_FORM, AuditAction, audit_entry, project_subject
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.lang import pick
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope
from feidi_web.enterprises.services import party_register, party_set_credit_code
from feidi_web.pipeline.models import FollowUp, Project, StageChange
from feidi_web.pipeline.permissions import (
    ENCLAVE_SOURCES,
    project_scope,
    require_pipeline_role,
)

#: What a project may be filed with: the counterpart kinds of the enclave and the pipeline.
COUNTERPART_KINDS = (
    PartyKind.PROSPECT,
    PartyKind.STARTUP,
    PartyKind.LAB,
    PartyKind.INVESTOR,
    PartyKind.ENTERPRISE,
    PartyKind.OTHER,
)
#: Fields of a project that an edit may change (stage changes go through ``project_move``).
EDITABLE = (
    "name",
    "source",
    "industry_code",
    "chain_node",
    "planned_investment",
    "valuation",
    "description",
    "owner",
)
# Words that do not tell two companies apart (legal form, place in brackets, "科技").
_NOISE = re.compile(r"[（(][^）)]*[）)]|有限责任公司|股份有限公司|有限公司|集团|科技|\s")


def name_key(name: str) -> str:
    """A project or party name reduced for duplicate detection.

    >>> name_key("深鉴科技（北京）有限公司"), name_key("深鉴 科技")
    ('深鉴', '深鉴')
    """
    return _NOISE.sub("", name).lower()


class DuplicateProject(ValidationError):
    """Projects in the actor's scope that look like the one being filed."""

    def __init__(self, similar: list[Project]) -> None:
        super().__init__(
            _("Similar projects exist: %(names)s. File it anyway if it is a different project.")
            % {"names": "、".join(p.name for p in similar)}
        )
        self.similar = similar


def similar_projects(actor: User, name: str, counterpart: Enterprise | None) -> list[Project]:
    """Projects the actor can see with the same counterpart or a name that reads the same."""
    key = name_key(name)
    q = Q(counterpart=counterpart) if counterpart is not None else Q(pk__in=[])
    candidates = Project.objects.filter(project_scope(actor)).select_related("counterpart")
    out = list(candidates.filter(q)[:10])
    if key:
        seen = {p.pk for p in out}
        for p in candidates.exclude(pk__in=seen).only("id", "name", "counterpart__name"):
            if key in (name_key(p.name), name_key(p.counterpart.name)):
                out.append(p)
    return out[:10]


@dataclass(frozen=True)
class NewCounterpart:
    """A counterpart not in the registry yet: registered with the project."""

    name: str
    kind: str
    credit_code: str = ""


def _check_amount(errors: dict[str, list[str]], field: str, value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        errors[field] = [_("An amount in 10k CNY, zero or more.")]
        return None
    return amount.quantize(Decimal("0.01"))


def _clean_fields(actor: User, values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Check and normalise the editable fields present in ``values`` (in place)."""
    if "name" in values:
        values["name"] = str(values["name"] or "").strip()
        if not values["name"] or len(values["name"]) > 200:
            errors["name"] = [_("A project name of 1 to 200 characters.")]
        elif re.search(r"[\x00-\x1f\x7f]", values["name"]):
            errors["name"] = [_("The name contains control characters.")]
    if "source" in values:
        try:
            source = Source(values["source"])
        except ValueError:
            errors["source"] = [_("Choose one of the listed sources.")]
        else:
            if actor.role == Role.ENCLAVE_OPERATOR and source.value not in ENCLAVE_SOURCES:
                errors["source"] = [
                    _("The enclave files projects from the enclave or matchmaking.")
                ]
            values["source"] = source.value
    if values.get("industry_code"):
        code = normalise_industry_code(str(values["industry_code"]))
        if code is None:
            errors["industry_code"] = [
                _("%(code)s is not a GB/T 4754 industry code.") % {"code": values["industry_code"]}
            ]
        else:
            values["industry_code"] = code
    elif "industry_code" in values:
        values["industry_code"] = ""
    for f in ("planned_investment", "valuation"):
        if f in values:
            values[f] = _check_amount(errors, f, values[f])
    if "description" in values:
        values["description"] = str(values["description"] or "")[:4000]
    if "chain_node" in values:
        values["chain_node"] = str(values["chain_node"] or "").strip()[:80]
    if "owner" in values and values["owner"] is not None:
        owner = values["owner"]
        if not (isinstance(owner, User) and _may_own(owner, actor)):
            errors["owner"] = [_("Choose a colleague of your division.")]


def _may_own(owner: User, actor: User) -> bool:
    """An owner works in the pipeline of the actor's division (or the actor is admin)."""
    if not owner.is_active or owner.role not in (
        Role.COUNTY_STAFF,
        Role.INVESTMENT_OFFICER,
        Role.ENCLAVE_OPERATOR,
        Role.ADMIN,
    ):
        return False
    if actor.role == Role.ADMIN or owner.pk == actor.pk:
        return True
    return bool(owner.division_code and actor.division_code) and owner.division_code.startswith(
        division_prefix(actor.division_code)
    )


def project_create(
    *,
    actor: User,
    name: str,
    source: str,
    counterpart: Enterprise | None = None,
    new_counterpart: NewCounterpart | None = None,
    stage: str = Stage.LEAD.value,
    industry_code: str = "",
    chain_node: str = "",
    planned_investment: Any = None,
    valuation: Any = None,
    description: str = "",
    owner: User | None = None,
    jurisdiction_code: str = "",
    allow_duplicate: bool = False,
    at: datetime | None = None,
    via: str = VIA_FORM,
) -> Project:
    """File a project with an existing counterpart (in the actor's scope) or a new one
    (registered as a party of the actor's county). ``at`` backdates it (imports, the demo's
    history); pages never pass it."""
    require_pipeline_role(actor)
    errors: dict[str, list[str]] = {}
    division = jurisdiction_code if actor.role == Role.ADMIN else actor.division_code
    if not (len(division) == 6 and division.isdigit()):
        errors["jurisdiction_code"] = [_("Choose the division the project belongs to.")]
    values: dict[str, Any] = {
        "name": name,
        "source": source,
        "industry_code": industry_code,
        "chain_node": chain_node,
        "planned_investment": planned_investment,
        "valuation": valuation,
        "description": description,
        "owner": owner or actor,
    }
    _clean_fields(actor, values, errors)
    try:
        first = Stage(stage)
    except ValueError:
        first = Stage.LOST
    if first not in OPEN_STAGES:
        errors["stage"] = [_("A new project starts as a lead, contacted, negotiating or signed.")]
    if counterpart is not None:
        if not Enterprise.objects.filter(enterprise_scope(actor), pk=counterpart.pk).exists():
            raise PermissionDenied
    elif new_counterpart is None or not new_counterpart.name.strip():
        errors["counterpart"] = [_("Name the counterpart: a company, team, lab or investor.")]
    if errors:
        raise ValidationError(errors)
    if not allow_duplicate:
        named = counterpart.name if counterpart else new_counterpart.name  # type: ignore[union-attr]
        similar = similar_projects(actor, values["name"], counterpart) or similar_projects(
            actor, named, counterpart
        )
        if similar:
            raise DuplicateProject(similar)
    when = at or timezone.now()
    with transaction.atomic():
        if counterpart is None:
            assert new_counterpart is not None
            counterpart = party_register(
                actor=actor,
                name=new_counterpart.name,
                kind=new_counterpart.kind,
                credit_code=new_counterpart.credit_code or None,
                industry_code=values["industry_code"],
                jurisdiction_code=division,
            )
        project = Project.objects.create(
            counterpart=counterpart,
            jurisdiction_code=division,
            stage=first.value,
            created_at=when,
            stage_changed_at=when,
            touched_at=when,
            **values,
        )
        StageChange.objects.create(project=project, stage=first.value, at=when, actor=actor)
        audit_entry(
            actor=actor,
            action=AuditAction.PROJECT_CREATE,
            subject=project_subject(project.pk),
            via=via,
            new=first.value,
        ).save()
    return project


def _locked(project: Project, seen_version: int) -> Project:
    """The project, locked for this transaction, if still at ``seen_version``."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.version != seen_version:
        last = (
            AuditEntry.objects.filter(subject=project_subject(project.pk))
            .select_related("actor")
            .first()
        )
        raise EditConflict(
            current_version=locked.version,
            current={
                "stage": locked.stage,
                **{f: _jsonable(getattr(locked, f)) for f in EDITABLE if f != "owner"},
                "owner": locked.owner_id,
            },
            changed_by=last.actor.display_name if last and last.actor else None,
            changed_at=last.at if last else None,
        )
    return locked


def _require_in_scope(actor: User, project: Project) -> None:
    require_pipeline_role(actor)
    if not Project.objects.filter(project_scope(actor), pk=project.pk).exists():
        raise PermissionDenied


def _landed_firm(actor: User, project: Project, credit_code: str, firm_name: str) -> Enterprise:
    """The registry firm a project lands as, by its credit code: a firm already in the
    actor's scope; else the counterpart itself, when it has no code yet and no other name is
    given (a start-up that registers here keeps its identity and history); else a new firm
    registered now under ``firm_name``. Without a code, a counterpart that has one."""
    code = credit_code.strip().upper()
    if not code:
        if project.counterpart.credit_code:
            return project.counterpart
        raise ValidationError(
            {"landed_credit_code": [_("Give the credit code of the firm the project landed as.")]}
        )
    found = Enterprise.objects.filter(enterprise_scope(actor), credit_code=code).first()
    if found is not None:
        return found
    try:
        if project.counterpart.credit_code is None and not firm_name.strip():
            return party_set_credit_code(actor=actor, party=project.counterpart, credit_code=code)
        return party_register(
            actor=actor,
            name=firm_name.strip() or project.counterpart.name,
            kind=PartyKind.ENTERPRISE.value,
            credit_code=code,
            industry_code=project.industry_code,
            jurisdiction_code=project.jurisdiction_code,
        )
    except ValidationError as exc:
        raise ValidationError({"landed_credit_code": exc.messages}) from None


def project_move(
    *,
    actor: User,
    project: Project,
    to: str,
    seen_version: int,
    note: str = "",
    lost_reason: str = "",
    landed_credit_code: str = "",
    landed_firm_name: str = "",
    at: datetime | None = None,
    via: str = VIA_FORM,
) -> Project:
    """Move a project to stage ``to``. Lost needs a reason; landed needs the registry firm it
    landed as (found or registered by credit code). Refused with ``EditConflict`` when the
    project changed since ``seen_version``."""
    _require_in_scope(actor, project)
    try:
        target = Stage(to)
    except ValueError:
        raise ValidationError({"to": [_("Choose one of the listed stages.")]}) from None
    errors: dict[str, list[str]] = {}
    reason = ""
    if target == Stage.LOST:
        try:
            reason = LostReason(lost_reason).value
        except ValueError:
            errors["lost_reason"] = [_("Say why the project was lost.")]
    note = note.strip()[:500]
    if errors:
        raise ValidationError(errors)
    when = at or timezone.now()
    with transaction.atomic():
        locked = _locked(project, seen_version)
        problem = move_problem(Stage(locked.stage), target)
        if problem:
            raise ValidationError({"to": [pick(problem)]})
        before = locked.stage
        if target == Stage.LANDED:
            locked.landed_firm = _landed_firm(actor, locked, landed_credit_code, landed_firm_name)
        locked.stage = target.value
        locked.lost_reason = reason
        locked.stage_changed_at = when
        locked.touched_at = when
        locked.version += 1
        locked.save()
        StageChange.objects.create(
            project=locked, from_stage=before, stage=target.value, at=when, actor=actor, note=note
        )
        audit_entry(
            actor=actor,
            action=AuditAction.PROJECT_MOVE,
            subject=project_subject(locked.pk),
            field="stage",
            old=before,
            new=target.value,
            via=via,
        ).save()
    return locked


def project_update(
    *,
    actor: User,
    project: Project,
    changes: dict[str, Any],
    seen_version: int,
    via: str = VIA_FORM,
) -> Project:
    """Change a project's details (not its stage); each changed field is audited."""
    _require_in_scope(actor, project)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    values = dict(changes)
    errors: dict[str, list[str]] = {}
    _clean_fields(actor, values, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(project, seen_version)
        entries = []
        for f, new in values.items():
            old = getattr(locked, f)
            if old == new:
                continue
            setattr(locked, f, new)
            entries.append(
                audit_entry(
                    actor=actor,
                    action=AuditAction.PROJECT_UPDATE,
                    subject=project_subject(locked.pk),
                    field=f,
                    old=_jsonable(old),
                    new=_jsonable(new),
                    via=via,
                )
            )
        if entries:
            locked.version += 1
            locked.touched_at = timezone.now()
            locked.save()
            AuditEntry.objects.bulk_create(entries)
    return locked


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, User):
        return value.display_name
    return value


def follow_up_add(
    *,
    actor: User,
    project: Project,
    title: str,
    due_on: date,
    assignee: User | None = None,
) -> FollowUp:
    _require_in_scope(actor, project)
    title = title.strip()
    errors: dict[str, list[str]] = {}
    if not title or len(title) > 200 or re.search(r"[\x00-\x1f\x7f]", title):
        errors["title"] = [_("A task of 1 to 200 characters.")]
    who = assignee or actor
    if not _may_own(who, actor):
        errors["assignee"] = [_("Choose a colleague of your division.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        task = FollowUp.objects.create(project=project, title=title, due_on=due_on, assignee=who)
        Project.objects.filter(pk=project.pk).update(touched_at=timezone.now())
        audit_entry(
            actor=actor,
            action=AuditAction.FOLLOW_UP_CREATE,
            subject=project_subject(project.pk),
            new=title,
            via=VIA_FORM,
        ).save()
    return task


def follow_up_done(*, actor: User, task: FollowUp) -> FollowUp:
    _require_in_scope(actor, task.project)
    with transaction.atomic():
        done = FollowUp.objects.select_for_update().get(pk=task.pk)
        if done.done_at is None:
            done.done_at = timezone.now()
            done.save(update_fields=["done_at"])
            Project.objects.filter(pk=task.project_id).update(touched_at=done.done_at)
            audit_entry(
                actor=actor,
                action=AuditAction.FOLLOW_UP_DONE,
                subject=project_subject(task.project_id),
                new=done.title,
                via=VIA_FORM,
            ).save()
    return done
