"""Matchmaking pages: profiles (list, post, review, recommendations) and pairings (interest
from both sides, the date, the pilot with its milestones, landing)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feidi.match import DeclineReason
from feidi.match import Stage as MaturityStage
from feidi_web.chains.permissions import can_correct
from feidi_web.chains.selectors import profile_mounts_view
from feidi_web.chains.services import refresh_profile_mounts
from feidi_web.chains.views import correct_from_post
from feidi_web.common.conflicts import EditConflict
from feidi_web.common.display import industry_text, kind_text
from feidi_web.common.forms import add_errors
from feidi_web.common.http import AuthedRequest
from feidi_web.common.lang import core_lang
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope
from feidi_web.matchmaking import services
from feidi_web.matchmaking.forms import (
    AnswerForm,
    DateForm,
    LandForm,
    PilotForm,
    ProfileForm,
    ProfileSearchForm,
    ReviewForm,
)
from feidi_web.matchmaking.models import (
    Interest,
    Match,
    MatchStage,
    Profile,
    ProfileStatus,
    Side,
)
from feidi_web.matchmaking.permissions import (
    is_broker,
    match_get_for_user,
    matches_for_user,
    profile_get_for_user,
    profiles_for_user,
    require_broker,
    require_matchmaking_user,
    side_of,
)

PAGE_SIZE = 50


def _status_text(p: Profile) -> str:
    if p.status == ProfileStatus.LIVE and p.expires_on and p.expires_on < timezone.localdate():
        return _("Expired")
    return str(p.get_status_display())


def _maturity(value: str) -> str:
    return MaturityStage(value).label(core_lang()) if value else "—"


def _reason_words(reasons: list[dict[str, Any]]) -> list[str]:
    key = "zh" if core_lang() == "zh" else "en"
    return [str(r.get(key, "")) for r in reasons if r.get(key)]


@login_required
@require_GET
def profile_list(request: AuthedRequest) -> HttpResponse:
    require_matchmaking_user(request.user)
    form = ProfileSearchForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = profiles_for_user(request.user).select_related("party")
    if request.user.role == "enterprise":
        qs = qs.filter(party_id=request.user.enterprise_id)
    if f.get("q"):
        qs = qs.filter(Q(title__icontains=f["q"]) | Q(party__name__icontains=f["q"]))
    if f.get("side"):
        qs = qs.filter(side=f["side"])
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    pairings = matches_for_user(request.user).select_related("firm", "supply")[:20]
    return render(
        request,
        "matchmaking/list.html",
        {
            "form": form,
            "page": page,
            "rows": [(p, _status_text(p)) for p in page],
            "waiting": profiles_for_user(request.user)
            .filter(status=ProfileStatus.SUBMITTED)
            .count()
            if is_broker(request.user)
            else 0,
            "pairings": pairings,
            "broker": is_broker(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_new(request: AuthedRequest) -> HttpResponse:
    require_matchmaking_user(request.user)
    broker = is_broker(request.user)
    form = ProfileForm(request.POST or None, broker=broker)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        party = None
        try:
            if broker:
                name = d.pop("party_name").strip()
                kind = d.pop("party_kind")
                party = Enterprise.objects.filter(enterprise_scope(request.user), name=name).first()
                if party is None:
                    from feidi_web.enterprises.services import party_register

                    party = party_register(
                        actor=request.user,
                        name=name,
                        kind=kind,
                        industry_code=d.get("industry_code", ""),
                    )
            profile = services.profile_submit(actor=request.user, party=party, **d)
        except ValidationError as exc:
            add_errors(form, exc, {"name": "party_name", "kind": "party_kind"})
        else:
            messages.success(request, _("Submitted; it goes live once reviewed."))
            return redirect("matchmaking:detail", profile_id=profile.pk)
    return render(
        request, "matchmaking/new.html", {"form": form}, status=422 if form.errors else 200
    )


def _recommendations(profile: Profile) -> dict[str, Any] | None:
    run = profile.runs.first()
    if run is None:
        return None
    ids = {"profile": [], "firm": []}  # type: dict[str, list[int]]
    for r in run.results:
        kind, _sep, pk = str(
            r["supply_id" if profile.side == Side.DEMAND else "demand_id"]
        ).partition(":")
        ids[kind].append(int(pk))
    profiles = {
        p.pk: p for p in Profile.objects.filter(pk__in=ids["profile"]).select_related("party")
    }
    firms = {e.pk: e for e in Enterprise.objects.filter(pk__in=ids["firm"])}
    rows = []
    for r in run.results:
        kind, _sep, pk = str(
            r["supply_id" if profile.side == Side.DEMAND else "demand_id"]
        ).partition(":")
        target: Profile | Enterprise | None
        if kind == "profile":
            target = profiles.get(int(pk))
            name, party = (target.title, target.party.name) if target else ("", "")
        else:
            target = firms.get(int(pk))
            name, party = (target.name, _("home firm")) if target else ("", "")
        if target is None:
            continue
        rows.append(
            {
                "rank": r["rank"],
                "score": r["score"],
                "kind": kind,
                "target": target,
                "name": name,
                "party": party,
                "reasons": _reason_words(r["reasons"]),
                "candidate": f"{kind}:{pk}",
            }
        )
    return {"run": run, "rows": rows}


@login_required
@require_GET
def profile_detail(request: AuthedRequest, profile_id: int) -> HttpResponse:
    profile = profile_get_for_user(request.user, profile_id)
    broker = is_broker(request.user)
    own = request.user.role == "enterprise" and profile.party_id == request.user.enterprise_id
    pairings = (
        matches_for_user(request.user)
        .filter(Q(supply=profile) | Q(demand=profile))
        .select_related("firm", "supply", "supply__party")
    )
    similar = profiles_for_user(request.user).filter(pk__in=profile.similar)
    chains = None
    if broker or own:  # where it sits on the chains: for its own firm and for staff
        refresh_profile_mounts([profile])
        chains = profile_mounts_view(profile)
    return render(
        request,
        "matchmaking/detail.html",
        {
            "profile": profile,
            "status": _status_text(profile),
            "maturity": _maturity(profile.stage),
            "industry": industry_text(profile.industry_code) if profile.industry_code else "—",
            "kind": kind_text(profile.party.kind),
            "broker": broker,
            "own": own,
            "similar": similar,
            "review_form": ReviewForm(initial={"version": profile.version})
            if broker and profile.status == ProfileStatus.SUBMITTED
            else None,
            "recommendations": _recommendations(profile) if broker else None,
            "pairings": pairings,
            "can_recommend": broker and profile.status == ProfileStatus.LIVE,
            "chains": chains,
            "can_correct": can_correct(request.user),
            "correct_url": reverse("matchmaking:chain_correct", args=[profile.pk]),
        },
    )


@login_required
@require_POST
def profile_chain_correct(request: AuthedRequest, profile_id: int) -> HttpResponse:
    """Staff correct where a profile sits on the chains (the chains app keeps it)."""
    profile = profile_get_for_user(request.user, profile_id)
    correct_from_post(request, profile=profile)
    return redirect(reverse("matchmaking:detail", args=[profile.pk]) + "#chain-mounts")


@login_required
@require_POST
def profile_review(request: AuthedRequest, profile_id: int) -> HttpResponse:
    profile = profile_get_for_user(request.user, profile_id)
    require_broker(request.user)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.profile_review(
                actor=request.user,
                profile=profile,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
                seen_version=form.cleaned_data["version"],
            )
        except EditConflict:
            messages.error(request, _("Someone reviewed this profile in the meantime."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Review saved."))
    return redirect("matchmaking:detail", profile_id=profile.pk)


@login_required
@require_POST
def profile_renew(request: AuthedRequest, profile_id: int) -> HttpResponse:
    profile = profile_get_for_user(request.user, profile_id)
    try:
        services.profile_renew(actor=request.user, profile=profile)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Renewed."))
    return redirect("matchmaking:detail", profile_id=profile.pk)


@login_required
@require_POST
def profile_recommend(request: AuthedRequest, profile_id: int) -> HttpResponse:
    profile = profile_get_for_user(request.user, profile_id)
    require_broker(request.user)
    if profile.status != ProfileStatus.LIVE:
        messages.error(request, _("Recommendations are made for live profiles."))
    else:
        run = services.recommend_for(actor=request.user, profile=profile)
        messages.success(
            request,
            _("Ranked %(n)d candidates.") % {"n": run.candidates},
        )
    return redirect("matchmaking:detail", profile_id=profile.pk)


@login_required
@require_POST
def profile_propose(request: AuthedRequest, profile_id: int) -> HttpResponse:
    """Propose the pairing of this profile with one of its recommendations."""
    profile = profile_get_for_user(request.user, profile_id)
    require_broker(request.user)
    kind, _sep, pk = request.POST.get("candidate", "").partition(":")
    if kind not in ("profile", "firm") or not pk.isdigit():
        raise Http404("candidate not found")
    rec = _recommendations(profile)
    row = next((r for r in (rec or {}).get("rows", []) if r["candidate"] == f"{kind}:{pk}"), None)
    if row is None:
        raise Http404("candidate not found")
    target = row["target"]
    run_result = next(
        r
        for r in rec["run"].results  # type: ignore[index]
        if str(r["supply_id" if profile.side == Side.DEMAND else "demand_id"]) == f"{kind}:{pk}"
    )
    try:
        if profile.side == Side.DEMAND:
            match = services.match_propose(
                actor=request.user,
                supply=target,
                demand=profile,
                rank=row["rank"],
                reasons=run_result["reasons"],
            )
        else:
            match = services.match_propose(
                actor=request.user,
                supply=profile,
                demand=target if kind == "profile" else None,
                firm=target if kind == "firm" else None,
                rank=row["rank"],
                reasons=run_result["reasons"],
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("matchmaking:detail", profile_id=profile.pk)
    return redirect("matchmaking:pairing", match_id=match.pk)


# --- pairings ---------------------------------------------------------------------------------


def _pairing_context(request: AuthedRequest, match: Match, **forms: Any) -> dict[str, Any]:
    user = request.user
    broker = is_broker(user)
    own_side = side_of(user, match)
    initial = {"version": match.version}
    sides = []
    for side, label, party, answer in (
        (Side.DEMAND, _("Home side"), match.firm, match.demand_interest),
        (Side.SUPPLY, _("Offering side"), match.supply.party, match.supply_interest),
    ):
        may_answer = match.stage in (MatchStage.PROPOSED,) and (broker or own_side == side)
        sides.append(
            {
                "side": side.value,
                "label": label,
                "party": party,
                "answer": Interest(answer).label if answer else _("Not yet answered"),
                "form": forms.get(f"answer_{side.value}")
                or (AnswerForm(initial={**initial, "side": side.value}) if may_answer else None),
            }
        )
    decline = DeclineReason(match.decline_reason).label(core_lang()) if match.decline_reason else ""
    return {
        "match": match,
        "stage": match.get_stage_display(),
        "sides": sides,
        "decline": decline,
        "reasons": _reason_words(match.reasons),
        "broker": broker,
        "date_form": forms.get("date")
        or (DateForm(initial=initial) if broker and match.stage == MatchStage.MUTUAL else None),
        "pilot_form": forms.get("pilot")
        or (PilotForm(initial=initial) if broker and match.stage == MatchStage.DATED else None),
        "land_form": forms.get("land")
        or (LandForm(initial=initial) if broker and match.stage == MatchStage.PILOT else None),
        "milestones": list(match.milestones.all()),
        "today": timezone.localdate(),
    }


@login_required
@require_GET
def pairing(request: AuthedRequest, match_id: int) -> HttpResponse:
    match = match_get_for_user(request.user, match_id)
    return render(request, "matchmaking/pairing.html", _pairing_context(request, match))


def _step(request: AuthedRequest, match: Match, form: Any, key: str, call: Any) -> HttpResponse:
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except EditConflict:
            messages.error(request, _("The pairing changed since you opened it; look again."))
            return redirect("matchmaking:pairing", match_id=match.pk)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("matchmaking:pairing", match_id=match.pk)
    match.refresh_from_db()
    return render(
        request,
        "matchmaking/pairing.html",
        _pairing_context(request, match, **{key: form}),
        status=422,
    )


@login_required
@require_POST
def pairing_answer(request: AuthedRequest, match_id: int) -> HttpResponse:
    match = match_get_for_user(request.user, match_id)
    form = AnswerForm(request.POST)
    side = request.POST.get("side", "")
    return _step(
        request,
        match,
        form,
        f"answer_{side}",
        lambda d: services.match_answer(
            actor=request.user,
            match=match,
            side=d["side"],
            interested=d["interested"] == "yes",
            reason=d["reason"],
            seen_version=d["version"],
        ),
    )


@login_required
@require_POST
def pairing_date(request: AuthedRequest, match_id: int) -> HttpResponse:
    match = match_get_for_user(request.user, match_id)
    require_broker(request.user)
    return _step(
        request,
        match,
        DateForm(request.POST),
        "date",
        lambda d: services.match_date(
            actor=request.user,
            match=match,
            at=d["at"],
            place=d["place"],
            seen_version=d["version"],
        ),
    )


@login_required
@require_POST
def pairing_pilot(request: AuthedRequest, match_id: int) -> HttpResponse:
    match = match_get_for_user(request.user, match_id)
    require_broker(request.user)
    return _step(
        request,
        match,
        PilotForm(request.POST),
        "pilot",
        lambda d: services.match_pilot(
            actor=request.user,
            match=match,
            milestones=d["milestones"],
            seen_version=d["version"],
        ),
    )


@login_required
@require_POST
def pairing_land(request: AuthedRequest, match_id: int) -> HttpResponse:
    match = match_get_for_user(request.user, match_id)
    require_broker(request.user)
    return _step(
        request,
        match,
        LandForm(request.POST),
        "land",
        lambda d: services.match_land(
            actor=request.user,
            match=match,
            seen_version=d["version"],
            landed_credit_code=d["landed_credit_code"],
            landed_firm_name=d["landed_firm_name"],
        ),
    )


@login_required
@require_POST
def milestone_done(request: AuthedRequest, match_id: int, milestone_id: int) -> HttpResponse:
    match = match_get_for_user(request.user, match_id)
    require_broker(request.user)
    try:
        milestone = match.milestones.get(pk=milestone_id)
    except match.milestones.model.DoesNotExist:
        raise Http404("milestone not found") from None
    services.milestone_done(actor=request.user, milestone=milestone)
    return redirect("matchmaking:pairing", match_id=match.pk)
