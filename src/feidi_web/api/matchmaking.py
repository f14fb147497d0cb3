"""Matchmaking over HTTP: profiles (list, one, post) and recommendations, in the same scope
rules as the pages. Brokers see their division's; a firm user their own firm's."""

from ninja import Query, Router
from ninja.pagination import paginate

from feidi_web.api.pagination import Pagination
from feidi_web.api.schemas import (
    ProfileIn,
    ProfileOut,
    ProfileQuery,
    RecommendationRunOut,
    errors,
)
from feidi_web.common.audit import VIA_API
from feidi_web.enterprises.permissions import enterprise_get_for_user
from feidi_web.matchmaking.models import Side
from feidi_web.matchmaking.permissions import (
    profile_get_for_user,
    profiles_for_user,
    require_broker,
    require_matchmaking_user,
)
from feidi_web.matchmaking.services import profile_submit, recommend_for

router = Router(tags=["matchmaking"])


@router.get("/profiles", response={200: list[ProfileOut], **errors(403)}, summary="Profiles")
@paginate(Pagination)
def profile_list(request, filters: Query[ProfileQuery]):
    require_matchmaking_user(request.auth)
    qs = profiles_for_user(request.auth).select_related("party")
    if filters.side:
        qs = qs.filter(side=filters.side)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-created_at", "-id")


@router.get(
    "/profiles/{profile_id}", response={200: ProfileOut, **errors(403, 404)}, summary="One profile"
)
def profile_detail(request, profile_id: int):
    return profile_get_for_user(request.auth, profile_id)


@router.post("/profiles", response={201: ProfileOut, **errors(403, 404)}, summary="Post a profile")
def profile_post(request, body: ProfileIn):
    """A new profile, waiting for review (422 with the reasons when a value is refused)."""
    require_matchmaking_user(request.auth)
    data = body.model_dump()
    ref = data.pop("party")
    party = enterprise_get_for_user(request.auth, ref) if ref else None
    return 201, profile_submit(actor=request.auth, party=party, via=VIA_API, **data)


@router.post(
    "/profiles/{profile_id}/recommendations",
    response={200: RecommendationRunOut, **errors(403, 404)},
    summary="Rank the other side for a profile",
)
def recommendations_run(request, profile_id: int, top: int = 10):
    """For a request, the county's live offers; for an offer, its live requests and home
    firms. The run is stored with its parameters, so it can be replayed."""
    require_broker(request.auth)
    profile = profile_get_for_user(request.auth, profile_id)
    run = recommend_for(actor=request.auth, profile=profile, top_k=max(1, min(top, 50)))
    side_key = "supply_id" if profile.side == Side.DEMAND else "demand_id"
    return {
        "profile": profile.pk,
        "created_at": run.created_at,
        "candidates": run.candidates,
        "params": run.params,
        "results": [
            {
                "rank": r["rank"],
                "candidate": r[side_key],
                "score": r["score"],
                "reasons": r["reasons"],
            }
            for r in run.results
        ],
    }
