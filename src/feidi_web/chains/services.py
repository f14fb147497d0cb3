"""Mounting registry firms and matchmaking profiles on the chains, and staff corrections.

One mechanism keeps the stored mounts true: :func:`refresh_enterprise_mounts` and
:func:`refresh_profile_mounts` compare each subject's inputs (GB/T 4754 code, text, the
chain data) with the digest its mounts were computed from, and mount again — with
``feidi.chains.mount_frame``, a whole county at once — only those that changed. Pages and the
ranker call them before they read, so an import, an edit or a new chain file never leaves
stale mounts behind, and a page whose firm has not changed costs one digest comparison.

A correction (:func:`mount_correct`) is a row of history; every refresh lays the corrections
over the fresh automatic mounts (``feidi.chains.apply_corrections_frame``), so what staff
decided holds whatever the code or the text says later.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feidi.chains import (
    ACTIONS,
    apply_corrections_frame,
    find_node,
    load_chains,
    mount_frame,
    normalise_code,
)
from feidi_web.accounts.models import User
from feidi_web.chains.models import (
    ChainMount,
    CorrectionAction,
    MountCorrection,
    Mounting,
    MountStatus,
)
from feidi_web.chains.permissions import (
    require_corrector_in,
    require_corrector_of_enterprise,
)
from feidi_web.common.audit import (
    VIA_FORM,
    AuditAction,
    audit_entry,
    party_subject,
    profile_subject,
)
from feidi_web.enterprises.models import Enterprise

log = logging.getLogger(__name__)

#: The registry field that says what a firm makes (``feidi.schema``).
PRODUCTS_FIELD = "main_products"
NOTE_MAX = 300


@dataclass(frozen=True, slots=True)
class Subject:
    """What mounting needs to know of a firm or a profile."""

    field: str  # "enterprise" or "profile": the Mounting column that points at it
    pk: int
    jurisdiction: str
    code: str | None
    text: str


def enterprise_subject(e: Enterprise) -> Subject:
    products = e.profile.get(PRODUCTS_FIELD) if isinstance(e.profile, dict) else None
    return Subject("enterprise", e.pk, e.jurisdiction_code, e.industry_code or None, products or "")


def profile_subject_of(p: Any) -> Subject:
    """A matchmaking profile (duck-typed: this app sits below matchmaking): its title, text
    and keywords are what it offers or needs."""
    text = "。".join(part for part in (p.title, p.description, p.keywords) if part)
    return Subject("profile", p.pk, p.jurisdiction_code, p.industry_code or None, text)


def refresh_enterprise_mounts(enterprises: Iterable[Enterprise]) -> int:
    """Mount again the firms whose code, products or chain data changed; how many were."""
    return _refresh([enterprise_subject(e) for e in enterprises])


def refresh_profile_mounts(profiles: Iterable[Any]) -> int:
    return _refresh([profile_subject_of(p) for p in profiles])


@cache
def _chains_key() -> str:
    return ",".join(c.digest for c in load_chains())


def _digest(s: Subject) -> str:
    raw = "\x1f".join((s.code or "", s.text, _chains_key()))
    return hashlib.sha256(raw.encode()).hexdigest()


def _code(s: Subject) -> str | None:
    """The subject's code as mounting reads it; a code GB/T 4754-2017 does not have (an old
    row, a profile typed by hand) mounts from the text alone rather than failing a page."""
    try:
        return normalise_code(s.code)
    except ValueError:
        log.warning("%s %s: industry code %r not in GB/T 4754-2017", s.field, s.pk, s.code)
        return None


def _refresh(subjects: Sequence[Subject], *, force: frozenset[int] = frozenset()) -> int:
    if not subjects:
        return 0
    field = subjects[0].field
    key = f"{field}_id"
    digests = {s.pk: _digest(s) for s in subjects}
    known = dict(
        Mounting.objects.filter(**{f"{key}__in": list(digests)}).values_list(key, "inputs_digest")
    )
    stale = [s for s in subjects if s.pk in force or known.get(s.pk) != digests[s.pk]]
    if not stale:
        return 0
    long = mount_frame(
        pl.DataFrame(
            {
                "id": list(range(len(stale))),
                "industry_code": [_code(s) for s in stale],
                "text": [s.text for s in stale],
            },
            schema={"id": pl.Int64, "industry_code": pl.String, "text": pl.String},
        )
    )
    with transaction.atomic():
        Mounting.objects.bulk_create(
            [
                Mounting(
                    **{key: s.pk},
                    jurisdiction_code=s.jurisdiction,
                    inputs_digest=digests[s.pk],
                )
                for s in stale
                if s.pk not in known
            ],
            ignore_conflicts=True,  # another request mounted it first: it is locked below
        )
        # Locked (PostgreSQL) so that two refreshes of one subject write one after the other.
        rows = {
            getattr(m, key): m
            for m in Mounting.objects.select_for_update().filter(
                **{f"{key}__in": [s.pk for s in stale]}
            )
        }
        index = {rows[s.pk].pk: i for i, s in enumerate(stale)}
        corrections = list(
            MountCorrection.objects.filter(mounting_id__in=index)
            .select_related("by")
            .order_by("created_at", "id")
        )
        if corrections:
            long = apply_corrections_frame(
                long,
                pl.DataFrame(
                    {
                        "id": [index[c.mounting_id] for c in corrections],
                        "node": [c.node for c in corrections],
                        "action": [c.action for c in corrections],
                        "by": [c.by.display_name for c in corrections],
                        "note": [c.note for c in corrections],
                    },
                    schema={
                        "id": pl.Int64,
                        "node": pl.String,
                        "action": pl.String,
                        "by": pl.String,
                        "note": pl.String,
                    },
                ),
            )
        holding = {(c.mounting_id, c.node): c.pk for c in corrections}  # the last one wins
        mounting_of = [rows[s.pk] for s in stale]
        ChainMount.objects.filter(mounting_id__in=index).delete()
        ChainMount.objects.bulk_create(
            [
                _mount_row(mounting_of[row["id"]], row, holding)
                for row in long.iter_rows(named=True)
            ],
            batch_size=2000,
        )
        now = timezone.now()
        for s, m in zip(stale, mounting_of, strict=True):
            m.inputs_digest, m.jurisdiction_code, m.mounted_at = digests[s.pk], s.jurisdiction, now
        Mounting.objects.bulk_update(
            mounting_of, ["inputs_digest", "jurisdiction_code", "mounted_at"], batch_size=2000
        )
    return len(stale)


def _mount_row(mounting: Mounting, row: dict[str, Any], holding: dict[Any, int]) -> ChainMount:
    return ChainMount(
        mounting=mounting,
        node=row["node"],
        chain=row["chain"],
        confidence=row["confidence"],
        status=row["status"],
        evidence={
            "code": row["code"],
            "node_code": row["node_code"],
            "code_level": row["code_level"],
            "code_shared": row["code_shared"],
            "keywords": list(row["keywords"] or ()),
        },
        correction_id=(
            holding.get((mounting.pk, row["node"])) if row["status"] != MountStatus.AUTO else None
        ),
    )


def mount_correct(
    *,
    actor: User,
    node: str,
    action: str,
    note: str = "",
    enterprise: Enterprise | None = None,
    profile: Any = None,
) -> Mounting:
    """Staff decide that a firm (or a profile) is on ``node`` (``confirm``, ``add``) or is not
    (``reject``). Kept as history with an audit entry; the subject is mounted again with the
    decision laid over, and every later refresh lays it over again."""
    if (enterprise is None) == (profile is None):
        raise ValueError("exactly one of enterprise and profile")
    if enterprise is not None:
        require_corrector_of_enterprise(actor, enterprise)
        subject = enterprise_subject(enterprise)
        audit_subject = party_subject(enterprise.pk)
    else:
        require_corrector_in(actor, profile.jurisdiction_code)
        subject = profile_subject_of(profile)
        audit_subject = profile_subject(profile.pk)
    if action not in ACTIONS:
        raise ValidationError(_("Choose confirm, not on this node, or add."))
    try:
        find_node(node)
    except (KeyError, ValueError):
        raise ValidationError(_("No chain has that node.")) from None
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(_("The reason is longer than %(n)d characters.") % {"n": NOTE_MAX})
    with transaction.atomic():
        # the row the correction hangs on (an empty digest: mounted below, whatever it held)
        found, _created = Mounting.objects.get_or_create(
            **{f"{subject.field}_id": subject.pk},
            defaults={"jurisdiction_code": subject.jurisdiction, "inputs_digest": ""},
        )
        mounting = Mounting.objects.select_for_update().get(pk=found.pk)
        MountCorrection.objects.create(
            mounting=mounting, node=node, action=CorrectionAction(action), note=note, by=actor
        )
        audit_entry(
            actor=actor,
            action=AuditAction.CHAIN_CORRECT,
            subject=audit_subject,
            via=VIA_FORM,
            new={"node": node, "action": action, "note": note},
        ).save()
        _refresh([subject], force=frozenset({subject.pk}))
    mounting.refresh_from_db()
    return mounting
