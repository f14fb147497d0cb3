"""Writes of matchmaking: profiles (submit, review, renew, withdraw), recommendations, and
the two-way selection — interest from either side (or a broker proposing), a date once both
agree, a pilot cooperation with milestones (which files a pipeline project), and landing.

Every transition checks the actor's role and scope, names the version its author saw (the
row is locked; a moved-on version is an ``EditConflict``), and leaves an audit entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feidi.chains import load_chains
from feidi.match import DeclineReason, Feedback, MatchRanker
from feidi.match import Profile as CoreProfile
from feidi.match import Stage as MaturityStage
from feidi.reference import industry, normalise_industry_code
from feidi_web.accounts.models import Role, User
from feidi_web.chains.selectors import chain_nodes_of
from feidi_web.chains.services import (
    PRODUCTS_FIELD,
    refresh_enterprise_mounts,
    refresh_profile_mounts,
)
from feidi_web.common.audit import VIA_FORM, AuditAction, audit_entry, profile_subject
from feidi_web.common.conflicts import EditConflict
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope
from feidi_web.matchmaking.models import (
    TYPE_SIDE,
    Interest,
    Match,
    MatchStage,
    Milestone,
    Profile,
    ProfileStatus,
    ProfileType,
    RecommendationRun,
    Side,
    Visibility,
)
from feidi_web.matchmaking.permissions import (
    is_broker,
    profile_scope,
    require_broker,
    require_matchmaking_user,
    side_of,
)
from feidi_web.pipeline.services import project_create, project_move

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Two profiles whose title + description share this share of character pairs look alike.
SIMILAR_AT = 0.6
#: Stages from which a pairing cannot be declined any more.
_SETTLED = (MatchStage.LANDED, MatchStage.DECLINED)


def match_subject(match_id: int) -> str:
    return f"match:{match_id}"


# --- profiles ---------------------------------------------------------------------------------


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"\s+", "", text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def similar_profiles(profile: Profile) -> list[int]:
    """Profiles of the same side and county that read almost the same (character pairs of
    title and description: Jaccard ≥ ``SIMILAR_AT``) — near duplicates for the reviewer."""
    mine = _bigrams(profile.title + profile.description)
    if not mine:
        return []
    out = []
    others = Profile.objects.filter(
        side=profile.side, jurisdiction_code=profile.jurisdiction_code
    ).exclude(pk=profile.pk)
    for pk, title, text in others.values_list("pk", "title", "description"):
        theirs = _bigrams(title + text)
        if theirs and len(mine & theirs) / len(mine | theirs) >= SIMILAR_AT:
            out.append(pk)
    return out[:10]


def _clean_profile(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        values["type"] = ProfileType(values.get("type", "")).value
    except ValueError:
        errors["type"] = [_("Choose one of the listed types.")]
    for f, longest in (("title", 200), ("description", 4000), ("contact", 120)):
        text = str(values.get(f) or "").strip()
        if f != "contact" and not text:
            errors[f] = [_("This is needed.")]
        elif len(text) > longest or _CONTROL.search(text):
            errors[f] = [
                _("At most %(n)d characters, without control characters.") % {"n": longest}
            ]
        values[f] = text
    words = [w.strip() for w in re.split(r"[;；,，、]", str(values.get("keywords") or ""))]
    words = [w for w in words if w]
    if len(words) > 20 or any(len(w) > 30 or _CONTROL.search(w) for w in words):
        errors["keywords"] = [_("Up to 20 keywords of at most 30 characters each.")]
    values["keywords"] = ";".join(dict.fromkeys(words))
    code = str(values.get("industry_code") or "").strip()
    if code:
        normal = normalise_industry_code(code)
        if normal is None:
            errors["industry_code"] = [
                _("%(code)s is not a GB/T 4754 industry code.") % {"code": code}
            ]
        values["industry_code"] = normal or ""
    stage = str(values.get("stage") or "")
    if stage and stage not in {s.value for s in MaturityStage}:
        errors["stage"] = [_("Choose one of the listed stages.")]
    values["stage"] = stage
    if values.get("visibility", Visibility.PLATFORM) not in Visibility.values:
        errors["visibility"] = [_("Choose one of the listed options.")]
    return errors


def profile_submit(
    *, actor: User, party: Enterprise | None = None, via: str = VIA_FORM, **fields: Any
) -> Profile:
    """A new profile, waiting for review. An enterprise user posts for their own firm; a
    broker for any party of their division."""
    require_matchmaking_user(actor)
    if actor.role == Role.ENTERPRISE:
        party = actor.enterprise
    if party is None:
        raise ValidationError({"party": [_("Choose the party the profile is for.")]})
    if not Enterprise.objects.filter(enterprise_scope(actor), pk=party.pk).exists():
        raise PermissionDenied
    allowed = {"type", "title", "description", "keywords", "industry_code", "chain_node"}
    allowed |= {"stage", "contact", "visibility"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    values = dict(fields)
    errors = _clean_profile(values)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        profile = Profile(
            party=party,
            jurisdiction_code=party.jurisdiction_code,
            side=TYPE_SIDE[ProfileType(values["type"])],
            created_by=actor,
            industry_code=values.pop("industry_code", "") or party.industry_code,
            **values,
        )
        profile.save()
        profile.similar = similar_profiles(profile)
        profile.save(update_fields=["similar"])
        audit_entry(
            actor=actor,
            action=AuditAction.PROFILE_SUBMIT,
            subject=profile_subject(profile.pk),
            via=via,
        ).save()
    refresh_profile_mounts([profile])  # the reviewer sees where it sits on the chains
    return profile


def _expiry() -> date:
    return timezone.localdate() + timedelta(days=settings.FEIDI_PROFILE_DAYS)


def profile_review(
    *, actor: User, profile: Profile, approve: bool, note: str = "", seen_version: int
) -> Profile:
    """A broker accepts a profile (live until ``FEIDI_PROFILE_DAYS`` from now) or not."""
    require_broker(actor)
    _in_scope(actor, profile)
    with transaction.atomic():
        locked = _locked_profile(profile, seen_version)
        if locked.status not in (ProfileStatus.SUBMITTED, ProfileStatus.REJECTED):
            raise ValidationError(_("Only a profile waiting for review can be reviewed."))
        locked.status = ProfileStatus.LIVE if approve else ProfileStatus.REJECTED
        locked.expires_on = _expiry() if approve else None
        locked.review_note = note.strip()[:500]
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.version += 1
        locked.save()
        audit_entry(
            actor=actor,
            action=AuditAction.PROFILE_REVIEW,
            subject=profile_subject(locked.pk),
            new=locked.status,
            via=VIA_FORM,
        ).save()
    return locked


def profile_renew(*, actor: User, profile: Profile) -> Profile:
    """Keep a live (or lapsed) profile live for another ``FEIDI_PROFILE_DAYS``."""
    _in_scope(actor, profile)
    if actor.role == Role.ENTERPRISE and profile.party_id != actor.enterprise_id:
        raise PermissionDenied
    with transaction.atomic():
        locked = Profile.objects.select_for_update().get(pk=profile.pk)
        if locked.status != ProfileStatus.LIVE:
            raise ValidationError(_("Only a profile that was accepted can be renewed."))
        locked.expires_on = _expiry()
        locked.version += 1
        locked.save(update_fields=["expires_on", "version", "updated_at"])
        audit_entry(
            actor=actor,
            action=AuditAction.PROFILE_RENEW,
            subject=profile_subject(locked.pk),
            new=locked.expires_on.isoformat(),
            via=VIA_FORM,
        ).save()
    return locked


def _in_scope(actor: User, profile: Profile) -> None:
    require_matchmaking_user(actor)
    if not Profile.objects.filter(profile_scope(actor), pk=profile.pk).exists():
        raise PermissionDenied


def _locked_profile(profile: Profile, seen_version: int) -> Profile:
    locked = Profile.objects.select_for_update().get(pk=profile.pk)
    if locked.version != seen_version:
        raise EditConflict(
            current_version=locked.version,
            current={"status": locked.status},
        )
    return locked


def live_profiles(q: Q | None = None) -> Any:
    """Profiles that are live and not past their expiry date."""
    live = Profile.objects.filter(status=ProfileStatus.LIVE, expires_on__gte=timezone.localdate())
    return live.filter(q) if q is not None else live


# --- recommendations --------------------------------------------------------------------------


@dataclass(frozen=True)
class _ChainContext:
    edges: tuple[tuple[str, str], ...]
    names: dict[str, tuple[str, str]]
    words: tuple[str, ...]


@cache
def _chains() -> _ChainContext:
    edges: list[tuple[str, str]] = []
    names: dict[str, tuple[str, str]] = {}
    words: set[str] = set()
    for chain in load_chains():
        for node in chain.nodes:
            names[chain.ref(node.id)] = (node.name, node.name_en)
            words.update(node.keywords)
        edges += [(chain.ref(e.supplier), chain.ref(e.customer)) for e in chain.edges]
    return _ChainContext(tuple(edges), names, tuple(sorted(words)))


#: Mounts at least this sure join a profile's chain nodes for ranking: one keyword found
#: (0.4), or a class code few nodes share; a class shared by six nodes alone (0.1) does not.
RANK_MOUNT_CONFIDENCE = 0.4


def _core_profile(p: Profile, mounted: tuple[str, ...] = ()) -> CoreProfile:
    stated = (p.chain_node,) if p.chain_node else ()
    return CoreProfile(
        id=f"profile:{p.pk}",
        title=p.title,
        description=p.description,
        keywords=tuple(p.keyword_list),
        industry_code=p.industry_code or None,
        # a party without a credit code has no registered division of its own (it is filed
        # under the county that works with it): no region fit claimed for it
        region_code=p.party.region_code if p.party.credit_code else None,
        chain_nodes=tuple(dict.fromkeys((*stated, *mounted))),
        stage=MaturityStage(p.stage) if p.stage else None,
    )


def _firm_profile(e: Enterprise, tier: str | None, mounted: tuple[str, ...] = ()) -> CoreProfile:
    found = industry(e.industry_code) if e.industry_code else None
    products = e.profile.get(PRODUCTS_FIELD) or ""
    return CoreProfile(
        id=f"firm:{e.pk}",
        title=e.name,
        description="。".join(t for t in (products, found.name if found else "") if t),
        industry_code=e.industry_code or None,
        region_code=e.region_code or None,
        chain_nodes=mounted,
        tier=tier,
    )


def _profiles_with_mounts(profiles: list[Profile]) -> list[CoreProfile]:
    refresh_profile_mounts(profiles)
    nodes = chain_nodes_of(
        "profile", [p.pk for p in profiles], min_confidence=RANK_MOUNT_CONFIDENCE
    )
    return [_core_profile(p, nodes.get(p.pk, ())) for p in profiles]


def ranker_for(side: str) -> MatchRanker:
    """The ranker with the platform's settings: index the other side of ``side``."""
    ctx = _chains()
    return MatchRanker(
        index_side="supply" if side == Side.DEMAND else "demand",
        user_words=ctx.words,
        chain_edges=ctx.edges,
        chain_names=ctx.names,
    )


def _declines(profile: Profile) -> list[Feedback]:
    """What the county's declined pairings say, for the ranker to learn from."""
    out = []
    declined = Match.objects.filter(
        jurisdiction_code=profile.jurisdiction_code, stage=MatchStage.DECLINED
    ).exclude(decline_reason="")
    for m in declined.values("demand_id", "firm_id", "supply_id", "decline_reason"):
        demand = f"profile:{m['demand_id']}" if m["demand_id"] else f"firm:{m['firm_id']}"
        out.append(
            Feedback(
                supply_id=f"profile:{m['supply_id']}",
                demand_id=demand,
                reason=DeclineReason(m["decline_reason"]),
            )
        )
    return out


def recommend_for(*, actor: User, profile: Profile, top_k: int = 10) -> RecommendationRun:
    """Rank the other side for ``profile`` and store the run (parameters, candidates, top
    results with reasons): for a request, the county's live offers; for an offer, its live
    requests and its home firms (the registry, not only those who posted)."""
    require_broker(actor)
    _in_scope(actor, profile)
    county = Q(jurisdiction_code=profile.jurisdiction_code)
    other = Side.SUPPLY if profile.side == Side.DEMAND else Side.DEMAND
    items = _profiles_with_mounts(
        list(live_profiles(county & Q(side=other)).select_related("party"))
    )
    if profile.side == Side.SUPPLY:
        firms = list(
            Enterprise.objects.filter(
                jurisdiction_code=profile.jurisdiction_code,
                credit_code__isnull=False,
                enclave=False,
            ).only("id", "name", "industry_code", "region_code", "jurisdiction_code", "profile")
        )
        refresh_enterprise_mounts(firms)
        nodes = chain_nodes_of(
            "enterprise", [e.pk for e in firms], min_confidence=RANK_MOUNT_CONFIDENCE
        )
        tiers = _highest_tiers(profile.jurisdiction_code)
        items += [_firm_profile(e, tiers.get(e.pk), nodes.get(e.pk, ())) for e in firms]
    ranker = ranker_for(profile.side)
    results: list[dict[str, Any]] = []
    if items:
        ranker.fit(items)
        matches = ranker.recommend(
            _profiles_with_mounts([profile]), top_k=top_k, feedback=_declines(profile)
        )
        results = [m.to_record() for m in matches]
    return RecommendationRun.objects.create(
        profile=profile, params=ranker.to_dict(), candidates=len(items), results=results
    )


def _highest_tiers(jurisdiction: str) -> dict[int, str]:
    """Each firm's highest tier passed in the latest finished run of the default rulebook."""
    from feidi_web.evaluations.ladder import ladder_of
    from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun

    run = (
        EvaluationRun.objects.filter(status="done", rulebook=settings.FEIDI_DEFAULT_RULEBOOK)
        .filter(Q(jurisdiction_code="") | Q(jurisdiction_code=jurisdiction))
        .order_by("-as_of", "-finished_at")
        .first()
    )
    if run is None:
        return {}
    ladder = ladder_of(run)
    top: dict[int, str] = {}
    passes = EvaluationRecord.objects.filter(run=run, verdict="pass").values_list(
        "enterprise_id", "tier"
    )
    for eid, tier in passes:
        if eid not in top or ladder.rank(tier) > ladder.rank(top[eid]):
            top[eid] = tier
    return top


# --- two-way selection ------------------------------------------------------------------------


def match_propose(
    *,
    actor: User,
    supply: Profile,
    demand: Profile | None = None,
    firm: Enterprise | None = None,
    rank: int | None = None,
    reasons: list[dict[str, Any]] | None = None,
) -> Match:
    """A broker pairs an offer with a request (or a home firm); the pairing waits for both
    sides' interest. Proposing a pair again returns the existing pairing."""
    require_broker(actor)
    _in_scope(actor, supply)
    if supply.side != Side.SUPPLY:
        raise ValidationError(_("The first profile must be an offer."))
    if demand is not None:
        _in_scope(actor, demand)
        if demand.side != Side.DEMAND:
            raise ValidationError(_("The second profile must be a request."))
        firm = demand.party
    if firm is None or not Enterprise.objects.filter(enterprise_scope(actor), pk=firm.pk).exists():
        raise ValidationError(_("Choose a request or a home firm of your division."))
    with transaction.atomic():
        match, created = Match.objects.get_or_create(
            firm=firm,
            supply=supply,
            defaults={
                "demand": demand,
                "jurisdiction_code": supply.jurisdiction_code,
                "proposed_by": actor,
                "rank": rank,
                "reasons": reasons or [],
            },
        )
        if created:
            _audit(actor, AuditAction.MATCH_PROPOSE, match)
    return match


def _audit(actor: User, action: AuditAction, match: Match, new: Any = None) -> None:
    audit_entry(
        actor=actor, action=action, subject=match_subject(match.pk), new=new, via=VIA_FORM
    ).save()


def _locked_match(actor: User, match: Match, seen_version: int) -> Match:
    require_matchmaking_user(actor)
    from feidi_web.matchmaking.permissions import match_scope

    if not Match.objects.filter(match_scope(actor), pk=match.pk).exists():
        raise PermissionDenied
    locked = Match.objects.select_for_update().select_related("supply", "firm").get(pk=match.pk)
    if locked.version != seen_version:
        raise EditConflict(current_version=locked.version, current={"stage": locked.stage})
    return locked


def _save(locked: Match) -> Match:
    locked.version += 1
    locked.save()
    return locked


def match_answer(
    *,
    actor: User,
    match: Match,
    side: str,
    interested: bool,
    reason: str = "",
    seen_version: int,
) -> Match:
    """One side says whether it is interested. An enterprise user answers for their own
    side; a broker may answer for a side without an account (a prospect, a lab). Both yes:
    the pairing is mutual and a date can be set. A no needs a reason, which the ranker
    learns from."""
    if side not in Side.values:
        raise ValidationError(_("Unknown side."))
    own = side_of(actor, match)
    if not is_broker(actor) and own != side:
        raise PermissionDenied
    decline = ""
    if not interested:
        try:
            decline = DeclineReason(reason).value
        except ValueError:
            raise ValidationError({"reason": [_("Say why not.")]}) from None
    with transaction.atomic():
        locked = _locked_match(actor, match, seen_version)
        if locked.stage not in (MatchStage.PROPOSED, MatchStage.MUTUAL):
            raise ValidationError(_("This pairing is past the interest stage."))
        answer = Interest.YES if interested else Interest.NO
        setattr(locked, f"{side}_interest", answer)
        if not interested:
            locked.stage = MatchStage.DECLINED
            locked.decline_reason = decline
            locked.declined_side = side
        elif locked.demand_interest == Interest.YES and locked.supply_interest == Interest.YES:
            locked.stage = MatchStage.MUTUAL
        _save(locked)
        _audit(actor, AuditAction.MATCH_ANSWER, locked, new=f"{side}:{answer}")
    return locked


def match_date(*, actor: User, match: Match, at: datetime, place: str, seen_version: int) -> Match:
    """A broker arranges the date (对接) once both sides are interested."""
    require_broker(actor)
    place = place.strip()
    if not place or len(place) > 200 or _CONTROL.search(place):
        raise ValidationError({"place": [_("Say where the two sides meet.")]})
    with transaction.atomic():
        locked = _locked_match(actor, match, seen_version)
        if locked.stage not in (MatchStage.MUTUAL, MatchStage.DATED):
            raise ValidationError(_("A date is arranged once both sides are interested."))
        locked.stage = MatchStage.DATED
        locked.date_at = at
        locked.date_place = place
        _save(locked)
        _audit(actor, AuditAction.MATCH_DATE, locked, new=at.isoformat())
    return locked


def match_pilot(
    *,
    actor: User,
    match: Match,
    milestones: list[tuple[str, date]],
    seen_version: int,
) -> Match:
    """After the date, the two sides try a pilot cooperation (试点合作) with milestones; the
    pipeline gets a project (source matchmaking) for it, so the funnel counts it."""
    require_broker(actor)
    cleaned = [(t.strip(), d) for t, d in milestones if t.strip()]
    if not cleaned or any(len(t) > 200 or _CONTROL.search(t) for t, _d in cleaned):
        raise ValidationError({"milestones": [_("Name at least one milestone with its date.")]})
    with transaction.atomic():
        locked = _locked_match(actor, match, seen_version)
        if locked.stage != MatchStage.DATED:
            raise ValidationError(_("A pilot starts after the two sides have met."))
        supply = locked.supply
        locked.project = project_create(
            actor=actor,
            name=_("%(offer)s × %(firm)s (pilot)")
            % {"offer": supply.title, "firm": locked.firm.name},
            source="matchmaking",
            stage="negotiating",
            counterpart=supply.party,
            industry_code=supply.industry_code or locked.firm.industry_code,
            chain_node=supply.chain_node,
            allow_duplicate=True,
            jurisdiction_code=locked.jurisdiction_code,
        )
        locked.stage = MatchStage.PILOT
        _save(locked)
        Milestone.objects.bulk_create(
            Milestone(match=locked, title=t, due_on=d) for t, d in cleaned
        )
        _audit(actor, AuditAction.MATCH_PILOT, locked, new=len(cleaned))
    return locked


def milestone_done(*, actor: User, milestone: Milestone) -> Milestone:
    require_broker(actor)
    _locked_match(actor, milestone.match, milestone.match.version)
    if milestone.done_at is None:
        milestone.done_at = timezone.now()
        milestone.save(update_fields=["done_at"])
    return milestone


def match_land(
    *,
    actor: User,
    match: Match,
    seen_version: int,
    landed_credit_code: str = "",
    landed_firm_name: str = "",
) -> Match:
    """The pilot became a landed project: the pipeline project moves to landed (its firm in
    the registry) and the pairing is done."""
    require_broker(actor)
    with transaction.atomic():
        locked = _locked_match(actor, match, seen_version)
        if locked.stage != MatchStage.PILOT or locked.project is None:
            raise ValidationError(_("Only a pilot cooperation can land."))
        project_move(
            actor=actor,
            project=locked.project,
            to="landed",
            seen_version=locked.project.version,
            landed_credit_code=landed_credit_code,
            landed_firm_name=landed_firm_name,
            note=_("Landed from a pilot cooperation."),
        )
        locked.stage = MatchStage.LANDED
        _save(locked)
        _audit(actor, AuditAction.MATCH_LAND, locked)
    return locked
