"""The industry chains of the caller's scope over HTTP: each chain's strength, one chain's
nodes and ranked gaps with their candidates, and every gap (by type). The same figures as the
pages and the workbook (``feidi_web.chains.wording``); names in both languages, as the core
writes them, and never a node id without its name."""

from typing import Any, Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from feidi.chains import load_chains
from feidi.schema import TITLE_LEVELS
from feidi_web.api.pagination import Pagination
from feidi_web.api.schemas import errors
from feidi_web.chains.permissions import require_chain_viewer
from feidi_web.chains.selectors import chain_figures
from feidi_web.chains.wording import (
    CandidateRow,
    ChainSummary,
    GapRow,
    NodeRow,
    chain_summaries,
    gap_rows,
    node_rows,
)

router = Router(tags=["chains"])

GapType = Literal[
    "fill_blank",
    "shore_up",
    "missing_upstream",
    "missing_downstream",
    "missing_technology",
    "forge_long",
]
Position = Literal["upstream", "midstream", "downstream"]


class CandidateOut(Schema):
    kind: Literal["enclave_startup", "profile", "reference_firm", "local_firm"] = Field(
        description="`enclave_startup`, `profile` (a live matchmaking offer), `reference_firm` "
        "(to attract) or `local_firm` (to grow)."
    )
    action: Literal["attract", "grow"]
    name: str = Field(description="The party's name, or the offer's title.")
    ref: str | None = Field(
        description="The party's `ref` (credit code or `p<id>`): `/api/enterprises/{ref}`."
    )
    profile_id: int | None = Field(
        description="The offer: `/api/matchmaking/profiles/{profile_id}`."
    )
    offered_by: str = Field(description="Who posts the offer (empty for a party).")
    node: str = Field(description="The node it was found on, `chain/node`.")
    node_name: str = Field(description="That node's name (中文).")
    node_name_en: str = Field(description="That node's name in English.")
    confidence: float = Field(description="How sure its mount on that node is (0–1).")
    score: float = Field(
        description="Confidence on a target node; half of it on a node linked to one (grow)."
    )


class RelatedNodeOut(Schema):
    node: str
    name: str
    name_en: str


class GapOut(Schema):
    rank: int = Field(description="1 = the highest priority in the caller's scope.")
    chain: str = Field(description="Chain id.")
    node: str = Field(description="The gap's node, `chain/node`.")
    node_name: str
    node_name_en: str
    position: Position
    type: GapType
    type_name: str = Field(description="填空白, 补短板, 缺上游供给, 缺下游客户, 缺技术, 锻长板.")
    type_name_en: str
    priority: float = Field(description="0–1; the rules are in `feidi.chains._gaps`.")
    firms: int = Field(description="Local firms on the node.")
    strength: float | None = Field(description="1 = the chain's average node, 0 = empty.")
    related: list[RelatedNodeOut] = Field(
        description="The supplier or customer nodes the gap names."
    )
    evidence: str = Field(description="Why, with its figures (中文).")
    evidence_en: str = Field(description="The same in English.")
    candidates: list[CandidateOut] = Field(
        description="Up to 5 to attract and 5 to grow, best first."
    )


class NodeOut(Schema):
    node: str = Field(description="`chain/node`.")
    name: str
    name_en: str
    position: Position
    order: int = Field(description="Place in the chain, upstream first.")
    codes: list[str] = Field(description="GB/T 4754-2017 codes with their names.")
    firms: int = Field(
        description="Local firms on the node (a firm on several nodes counts on each)."
    )
    revenue: float | None = Field(
        description="Their revenue of the latest fiscal year, 10k CNY, each firm's shared over "
        "its nodes by confidence; null when no firm has the figure."
    )
    rd_expense: float | None = Field(description="The same for R&D expense.")
    rd_firms: int | None = Field(description="Firms with R&D expense above zero.")
    tiers: dict[str, int | None] = Field(
        description="Firms per highest ladder title held today: "
        + ", ".join(f"`{t}`" for t in TITLE_LEVELS)
        + "."
    )
    tier_holders: int | None
    enclave_firms: int = Field(description="Enclave start-ups on the node (counted apart).")
    strength: float | None = Field(description="1 = the chain's average node, 0 = empty.")
    gaps: list[GapType] = Field(description="The types of the node's gaps.")


class ChainOut(Schema):
    id: str
    name: str = Field(description="中文.")
    name_en: str
    nodes: int
    nodes_held: int = Field(description="Nodes with at least one local firm.")
    firms: int = Field(description="Local firms on at least one node of the chain.")
    enclave_firms: int = Field(description="Enclave start-ups on at least one node.")
    revenue: float | None = Field(description="The nodes' revenue, 10k CNY.")
    rd_expense: float | None = Field(description="The nodes' R&D expense, 10k CNY.")
    nodes_by_strength: dict[str, int] = Field(
        description="Nodes per class: `empty`, `weak` (< 0.5), `average`, `strong` (≥ 2)."
    )
    gaps: dict[str, int] = Field(description="Gaps per type.")


class ChainDetailOut(ChainOut):
    node_list: list[NodeOut] = Field(description="Every node, upstream first.")
    gap_list: list[GapOut] = Field(description="Every gap of the chain, ranked.")


class GapQuery(Schema):
    type: GapType | None = Field(None, description="Only gaps of this type.")
    chain: str | None = Field(
        None, pattern=r"^[a-z0-9_]{1,40}$", description="Only gaps of this chain (its id)."
    )


def _candidate(c: CandidateRow, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    zh, en = names.get(c.node, (c.where, c.where))
    return {
        "kind": c.kind,
        "action": c.action,
        "name": c.name,
        "ref": c.ref,
        "profile_id": c.profile_id,
        "offered_by": c.offered_by,
        "node": c.node,
        "node_name": zh,
        "node_name_en": en,
        "confidence": c.confidence,
        "score": c.score,
    }


def _names() -> dict[str, tuple[str, str]]:
    return {c.ref(n.id): (n.name, n.name_en) for c in load_chains() for n in c.nodes}


def _gap(g: GapRow, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    return {
        "rank": g.rank,
        "chain": g.chain_id,
        "node": g.node,
        "node_name": g.node_name_zh,
        "node_name_en": g.node_name_en,
        "position": g.position,
        "type": g.type,
        "type_name": g.type_zh,
        "type_name_en": g.type_en,
        "priority": g.priority,
        "firms": g.firms,
        "strength": g.strength,
        "related": [
            {
                "node": f"{g.chain_id}/{i}",
                "name": names[f"{g.chain_id}/{i}"][0],
                "name_en": names[f"{g.chain_id}/{i}"][1],
            }
            for i, _name in g.related
        ],
        "evidence": g.evidence_zh,
        "evidence_en": g.evidence_en,
        "candidates": [_candidate(c, names) for c in g.candidates],
    }


def _node(n: NodeRow) -> dict[str, Any]:
    return {
        "node": n.ref,
        "name": n.name_zh,
        "name_en": n.name_en,
        "position": n.position,
        "order": n.order,
        "codes": n.codes,
        "firms": n.firms,
        "revenue": n.revenue,
        "rd_expense": n.rd_expense,
        "rd_firms": n.rd_firms,
        "tiers": n.tiers,
        "tier_holders": n.tier_holders,
        "enclave_firms": n.enclave_firms,
        "strength": n.strength,
        "gaps": [k for k, _label in n.gaps],
    }


def _chain(s: ChainSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name_zh,
        "name_en": s.name_en,
        "nodes": s.nodes,
        "nodes_held": s.held,
        "firms": s.firms,
        "enclave_firms": s.enclave_firms,
        "revenue": s.revenue,
        "rd_expense": s.rd_expense,
        "nodes_by_strength": s.classes,
        "gaps": {k: n for k, _label, n in s.gaps},
    }


@router.get("", response={200: list[ChainOut], **errors(403)}, summary="Chains")
def chain_list(request):
    """Every chain with its nodes held, firms, money, nodes by strength and gaps by type, over
    the firms of the caller's scope."""
    require_chain_viewer(request.auth)
    return [_chain(s) for s in chain_summaries(chain_figures(request.auth), top_gaps=0)]


@router.get("/gaps", response={200: list[GapOut], **errors(403)}, summary="Gaps")
@paginate(Pagination)
def chain_gap_list(request, filters: Query[GapQuery]):
    """Every gap in the caller's scope, highest priority first, with its evidence and its
    candidates to attract and to grow."""
    require_chain_viewer(request.auth)
    figures = chain_figures(request.auth)
    names = _names()
    return [_gap(g, names) for g in gap_rows(figures, chain_id=filters.chain, kind=filters.type)]


@router.get(
    "/{chain_id}",
    response={200: ChainDetailOut, **errors(403, 404)},
    summary="One chain: nodes and gaps",
)
def chain_detail(request, chain_id: str):
    """The chain's nodes with their strength, and its gaps ranked with their candidates."""
    require_chain_viewer(request.auth)
    chain = next((c for c in load_chains() if c.id == chain_id), None)
    if chain is None:
        raise Http404("chain not found")
    figures = chain_figures(request.auth)
    names = _names()
    return {
        **_chain(chain_summaries(figures, chain_id=chain.id, top_gaps=0)[0]),
        "node_list": [_node(n) for n in node_rows(figures, chain)],
        "gap_list": [_gap(g, names) for g in gap_rows(figures, chain_id=chain.id)],
    }
