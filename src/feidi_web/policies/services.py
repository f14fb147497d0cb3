"""Writes of local-policy authoring: create a policy (its first draft), save a draft, start a
new version, preview a draft over the author's firms, publish it.

Every write checks that the actor authors policies of the division (``is_author``; a local
policy outside it is *not found*), leaves an ``AuditEntry`` in the same transaction, and an
edit names the ``edit_version`` its author saw (a version that moved on is an
``EditConflict``). Publishing locks the policy's row: of two publishers at once one wins, the
other is told the policy changed; the database's ``policy_one_published_version`` keeps at
most one published version whatever happens.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.policy import PolicySpecError, load_policies, policy_problems, preview
from feidi_web.accounts.models import Role, User
from feidi_web.accounts.scope import division_prefix
from feidi_web.common.audit import VIA_FORM, AuditAction, audit_entry
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.lang import core_lang
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.selectors import dataset_for
from feidi_web.policies.models import LocalPolicy, PolicyVersion, VersionStatus
from feidi_web.policies.permissions import authored_policies, firms_for, require_author

_ROW = re.compile(r"^requires\.(?:all|any)\[(\d+)\](?:\.\S*?)?[：:]\s*")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
#: Ids a local policy may not take: the channel's own pages (/policies/<id>/ is one policy).
RESERVED = frozenset(
    {"local", "firms", "new", "digests", "digest", "free", "applications", "application"}
)


def policy_subject(slug: str) -> str:
    return f"policy:{slug}"


def _problems(spec: dict[str, Any]) -> dict[str, list[str]]:
    """The core's problems in the page's language: a condition's beside its row
    (``row:<k>``, the k-th condition of the spec), the rest above the form."""
    out: dict[str, list[str]] = {}
    lang = 0 if core_lang() == "zh" else 1
    for pair in policy_problems(spec):
        text = pair[lang]
        m = _ROW.match(text)
        key = "__all__"
        if m:
            key, text = f"row:{m.group(1)}", text[m.end() :]
        out.setdefault(key, []).append(text)
    return out


def _division(actor: User) -> str:
    return "" if actor.role == Role.ADMIN else actor.division_code


def _check(actor: User, spec: dict[str, Any]) -> str:
    """Raise what is wrong with ``spec`` for ``actor``; the jurisdiction it is authored in."""
    errors: dict[str, list[str]] = {}
    region = spec.get("region")
    division = _division(actor)
    if actor.role != Role.ADMIN and not division:
        raise PermissionDenied
    if region is not None and not re.fullmatch(r"\d{2,6}", str(region)):
        errors["region"] = [_("Give 2 to 6 digits of a division code.")]
    elif region and division and not str(region).startswith(division_prefix(division)):
        errors["region"] = [
            _("The region must lie within your division (its code starts with %(code)s).")
            % {"code": division_prefix(division)}
        ]
    elif not region and not division:
        errors["region"] = [_("An administrator gives the region the policy applies in.")]
    for key, messages in _problems(spec).items():
        if key == "__all__" and "region" in errors:
            messages = [m for m in messages if "region" not in m]
        errors.setdefault(key, []).extend(messages)
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise ValidationError(errors)
    return division or str(region).ljust(6, "0")


def _check_slug(slug: str) -> None:
    if not _ID.match(slug or ""):
        raise ValidationError(
            {"slug": [_("2 to 63 lower-case letters, digits or hyphens, starting with one.")]}
        )
    if slug in RESERVED:
        raise ValidationError({"slug": [_("This id is reserved by the platform: choose another.")]})
    if slug in {p.id for p in load_policies()}:
        raise ValidationError(
            {"slug": [_("A national or shipped policy already has this id: choose another.")]}
        )
    if LocalPolicy.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": [_("A local policy already has this id.")]})


def policy_create(
    *, actor: User, spec: dict[str, Any], via: str = VIA_FORM
) -> tuple[LocalPolicy, PolicyVersion]:
    """A new local policy of the actor's division with ``spec`` as its first draft."""
    require_author(actor)
    slug = str(spec.get("id") or "")
    _check_slug(slug)
    jurisdiction = _check(actor, spec)
    try:
        with transaction.atomic():
            policy = LocalPolicy.objects.create(
                slug=slug, jurisdiction_code=jurisdiction, created_by=actor
            )
            version = PolicyVersion.objects.create(policy=policy, number=1, spec=spec, author=actor)
            audit_entry(
                actor=actor,
                action=AuditAction.LOCAL_POLICY_CREATE,
                subject=policy_subject(slug),
                field="version",
                new=1,
                via=via,
            ).save()
    except IntegrityError:  # the same id taken a moment ago
        raise ValidationError({"slug": [_("A local policy already has this id.")]}) from None
    return policy, version


def _in_scope(actor: User, policy: LocalPolicy) -> None:
    require_author(actor)
    if not authored_policies(actor).filter(pk=policy.pk).exists():
        raise Http404("policy not found")


def _conflict(locked: PolicyVersion) -> EditConflict:
    last = (
        AuditEntry.objects.filter(subject=policy_subject(locked.policy.slug))
        .select_related("actor")
        .first()
    )
    return EditConflict(
        current_version=locked.edit_version,
        current={"status": locked.status, "number": locked.number},
        changed_by=last.actor.display_name if last and last.actor else None,
        changed_at=last.at if last else None,
    )


def version_save(
    *,
    actor: User,
    version: PolicyVersion,
    spec: dict[str, Any],
    seen_edit_version: int,
    via: str = VIA_FORM,
) -> PolicyVersion:
    """Save an edited draft (its preview no longer holds: it must be previewed again)."""
    _in_scope(actor, version.policy)
    spec = {**spec, "id": version.policy.slug}
    _check(actor, spec)
    with transaction.atomic():
        locked = (
            PolicyVersion.objects.select_for_update().select_related("policy").get(pk=version.pk)
        )
        if locked.edit_version != seen_edit_version or locked.status != VersionStatus.DRAFT:
            raise _conflict(locked)
        locked.spec = spec
        locked.preview = None
        locked.edit_version += 1
        locked.save(update_fields=["spec", "preview", "edit_version"])
        audit_entry(
            actor=actor,
            action=AuditAction.POLICY_VERSION_SAVE,
            subject=policy_subject(locked.policy.slug),
            field="version",
            new=locked.number,
            via=via,
        ).save()
    return locked


def version_new(*, actor: User, policy: LocalPolicy, via: str = VIA_FORM) -> PolicyVersion:
    """A new draft, numbered after the last version, starting from the newest version's spec."""
    _in_scope(actor, policy)
    with transaction.atomic():
        LocalPolicy.objects.select_for_update().get(pk=policy.pk)
        last = policy.versions.order_by("-number").first()
        number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = PolicyVersion.objects.create(
            policy=policy, number=number, spec=dict(last.spec) if last else {}, author=actor
        )
        audit_entry(
            actor=actor,
            action=AuditAction.POLICY_VERSION_SAVE,
            subject=policy_subject(policy.slug),
            field="version",
            new=number,
            via=via,
        ).save()
    return version


def preview_firms(actor: User, policy: LocalPolicy, spec: dict[str, Any]) -> Any:
    """The actor's firms in the area the policy would cover (what publishing would grade)."""
    area = str(spec.get("region") or policy.jurisdiction_code)
    return firms_for(actor).filter(jurisdiction_code__startswith=area)


def version_preview(
    *,
    actor: User,
    version: PolicyVersion,
    seen_edit_version: int,
    as_of: date | None = None,
    via: str = VIA_FORM,
) -> PolicyVersion:
    """Count the firms of the actor's scope the draft would reach on ``as_of`` (today):
    eligible, not eligible, unknown — kept on the version with the date."""
    _in_scope(actor, version.policy)
    when = as_of or timezone.localdate()
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Only a draft is previewed; a published version is live."))
    firms = preview_firms(actor, version.policy, version.spec)
    try:
        counts = preview(version.spec, dataset_for(firms), when)
    except PolicySpecError as exc:
        lang = 0 if core_lang() == "zh" else 1
        raise ValidationError([p[lang] for p in exc.problems]) from None
    with transaction.atomic():
        locked = (
            PolicyVersion.objects.select_for_update().select_related("policy").get(pk=version.pk)
        )
        if locked.edit_version != seen_edit_version or locked.status != VersionStatus.DRAFT:
            raise _conflict(locked)
        locked.preview = {"as_of": when.isoformat(), **counts}
        locked.save(update_fields=["preview"])
        audit_entry(
            actor=actor,
            action=AuditAction.POLICY_PREVIEW,
            subject=policy_subject(locked.policy.slug),
            field="preview",
            new=locked.preview,
            via=via,
        ).save()
    return locked


def version_publish(
    *, actor: User, version: PolicyVersion, seen_edit_version: int, via: str = VIA_FORM
) -> PolicyVersion:
    """Publish a previewed draft: the published version (if any) retires, in one
    transaction. Of two publishers at once, the second finds the policy changed."""
    _in_scope(actor, version.policy)
    try:
        with transaction.atomic():
            # the policy's row is the lock: publishers of any of its versions queue here
            LocalPolicy.objects.select_for_update().get(pk=version.policy_id)
            locked = PolicyVersion.objects.select_related("policy").get(pk=version.pk)
            if locked.edit_version != seen_edit_version or locked.status != VersionStatus.DRAFT:
                raise _conflict(locked)
            if not locked.preview:
                raise ValidationError(_("Preview the draft first: see how many firms it reaches."))
            now = timezone.now()
            before = list(
                PolicyVersion.objects.filter(
                    policy_id=locked.policy_id, status=VersionStatus.PUBLISHED
                ).values_list("number", flat=True)
            )
            PolicyVersion.objects.filter(
                policy_id=locked.policy_id, status=VersionStatus.PUBLISHED
            ).update(status=VersionStatus.RETIRED)
            locked.status = VersionStatus.PUBLISHED
            locked.published_at = now
            locked.published_by = actor
            locked.edit_version += 1
            locked.save(update_fields=["status", "published_at", "published_by", "edit_version"])
            audit_entry(
                actor=actor,
                action=AuditAction.POLICY_PUBLISH,
                subject=policy_subject(locked.policy.slug),
                field="published",
                old=before[0] if before else None,
                new=locked.number,
                via=via,
            ).save()
    except IntegrityError:  # the constraint: another version was published meanwhile
        raise _conflict(PolicyVersion.objects.select_related("policy").get(pk=version.pk)) from None
    return locked
