"""The chains of a scope as pages, the cockpit, Excel and the API read them: names instead of
node ids, GB/T 4754 codes with their names, gap types and candidates in words, and the graph's
payload. One set of rows for all of them, so they always agree; no query here except what
:func:`~feidi_web.chains.selectors.node_mounts` reads for one node page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feidi.chains import GAP_TYPES, POSITIONS, Chain, Node
from feidi.chains._gaps import CANDIDATE_KINDS, STRONG, WEAK
from feidi.chains._model import POSITION_WORDS
from feidi.reference import industry
from feidi.schema import FIELDS_BY_NAME, TITLE_LEVELS
from feidi_web.chains.selectors import (
    ChainFigures,
    MountRow,
    OfferOnChains,
    PartyOnChains,
    node_mounts,
)
from feidi_web.common.display import kind_text, number_text
from feidi_web.common.lang import core_lang, pick

KIND_LABELS = {
    "enclave_startup": gettext_lazy("Enclave firm"),
    "profile": gettext_lazy("Matchmaking offer"),
    "reference_firm": gettext_lazy("Reference-panel firm"),
    "local_firm": gettext_lazy("Local firm"),
}
ACTION_LABELS = {"attract": gettext_lazy("To attract"), "grow": gettext_lazy("To grow")}
#: Strength classes of a node, for bars, colours and the graph's legend.
STRENGTH_CLASSES = ("empty", "weak", "average", "strong")
CLASS_LABELS = {
    "empty": gettext_lazy("No local firm"),
    "weak": gettext_lazy("Weak (strength below %(weak)s)"),
    "average": gettext_lazy("Average"),
    "strong": gettext_lazy("Strong (strength %(strong)s or more)"),
}


def strength_class(firms: int, strength: float | None) -> str:
    """The class of a node: the thresholds of 补短板 (``WEAK``) and 锻长板 (``STRONG``)."""
    if not firms:
        return "empty"
    s = strength or 0.0
    return "weak" if s < WEAK else "strong" if s >= STRONG else "average"


def class_label(key: str) -> str:
    return str(CLASS_LABELS[key]) % {"weak": f"{WEAK:g}", "strong": f"{STRONG:g}"}


def gap_type_label(kind: str) -> str:
    """A gap type in the page's language: 填空白 / fill a blank …"""
    zh, en = GAP_TYPES[kind]
    return zh if core_lang() == "zh" else en


def gap_type_labels() -> list[tuple[str, str]]:
    return [(k, gap_type_label(k)) for k in GAP_TYPES]


def tier_label(level: str) -> str:
    """A ladder title in the page's language (创新型中小企业 / Innovative SME)."""
    return FIELDS_BY_NAME["titles"].value_label(level, core_lang())


def code_names(codes: tuple[str, ...]) -> list[str]:
    """GB/T 4754-2017 codes with their names: ``C3825 光伏设备及元器件制造``."""
    out = []
    for code in codes:
        found = industry(code)
        out.append(f"{code} {found.name}" if found else code)
    return out


def node_name(node: Node) -> str:
    return pick((node.name, node.name_en))


def chain_name(chain: Chain) -> str:
    return pick((chain.name, chain.name_en))


# --- rows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateRow:
    id: str  # firm:<pk> / profile:<pk>
    kind: str
    kind_label: str
    action: str
    name: str
    ref: str | None  # the party's ref, for its registry page
    credit_code: str | None
    profile_id: int | None  # the offer, for its matchmaking page
    offered_by: str  # who posts the offer
    node: str  # "chain/node" where it was found
    node_id: str
    where: str  # that node's name
    confidence: float
    score: float

    @property
    def url(self) -> str:
        if self.profile_id is not None:
            return reverse("matchmaking:detail", args=[self.profile_id])
        return reverse("registry:detail", args=[self.ref]) if self.ref else ""


@dataclass(frozen=True)
class GapRow:
    rank: int
    chain_id: str
    chain: str
    node: str
    node_id: str
    node_name: str
    node_name_zh: str
    node_name_en: str
    position: str
    position_label: str
    type: str
    type_label: str
    type_zh: str
    type_en: str
    priority: float
    firms: int
    strength: float | None
    related: list[tuple[str, str]]  # (node id, name) the gap names
    evidence: str
    evidence_zh: str
    evidence_en: str
    attract: list[CandidateRow] = field(default_factory=list)
    grow: list[CandidateRow] = field(default_factory=list)

    @property
    def candidates(self) -> list[CandidateRow]:
        return [*self.attract, *self.grow]


@dataclass(frozen=True)
class NodeRow:
    ref: str
    id: str
    name: str
    name_zh: str
    name_en: str
    position: str
    position_label: str
    order: int
    codes: list[str]
    keywords: tuple[str, ...]
    firms: int
    revenue: float | None
    rd_expense: float | None
    rd_firms: int | None
    tiers: dict[str, int | None]
    tier_holders: int | None
    enclave_firms: int
    strength: float | None
    strength_class: str
    gaps: list[tuple[str, str]]  # (type, label)

    @property
    def strength_label(self) -> str:
        return class_label(self.strength_class)


@dataclass(frozen=True)
class ChainSummary:
    id: str
    name: str
    name_zh: str
    name_en: str
    nodes: int
    held: int
    firms: int  # distinct local firms counted on at least one node
    enclave_firms: int  # distinct enclave parties counted on at least one node
    revenue: float | None
    rd_expense: float | None
    classes: dict[str, int]  # nodes per strength class
    gaps: list[tuple[str, str, int]]  # (type, label, n), every type
    gap_count: int
    top_gaps: list[GapRow]

    @property
    def held_share(self) -> float:
        return self.held / self.nodes if self.nodes else 0.0

    @property
    def bar(self) -> list[dict[str, Any]]:
        """The strength bar: one segment per class, as a share of the nodes (in %)."""
        return [
            {
                "key": k,
                "label": class_label(k),
                "n": self.classes[k],
                "percent": round(100 * self.classes[k] / self.nodes, 2) if self.nodes else 0,
            }
            for k in STRENGTH_CLASSES
            if self.classes[k]
        ]


def _candidate_kind(kind: str, party: PartyOnChains | None) -> str:
    """ "Enclave firm", "Local firm", "Matchmaking offer"; a party that is no enterprise says
    what it is: "Enclave firm (Start-up)"."""
    label = str(KIND_LABELS[kind])
    if party is None or party.kind == "enterprise":
        return label
    return _("%(what)s (%(kind)s)") % {"what": label, "kind": kind_text(party.kind)}


def _candidate(figures: ChainFigures, c: dict[str, Any]) -> CandidateRow:
    found = figures.candidate(c["id"])
    chain_id, _sep, node_id = c["node"].partition("/")
    chain = figures.chain(chain_id)
    where = node_name(chain.node(node_id)) if chain and chain.has_node(node_id) else node_id
    party = found if isinstance(found, PartyOnChains) else None
    offer = found if isinstance(found, OfferOnChains) else None
    return CandidateRow(
        id=c["id"],
        kind=c["kind"],
        kind_label=_candidate_kind(c["kind"], party),
        action=c["action"] or CANDIDATE_KINDS[c["kind"]],
        name=party.name if party else offer.title if offer else c["name"] or "",
        ref=party.ref if party else None,
        credit_code=party.credit_code if party else None,
        profile_id=offer.pk if offer else None,
        offered_by=offer.party if offer else "",
        node=c["node"],
        node_id=node_id,
        where=where,
        confidence=c["confidence"],
        score=c["score"],
    )


def gap_rows(
    figures: ChainFigures,
    *,
    chain_id: str | None = None,
    node: str | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[GapRow]:
    """The gaps of ``figures`` (filtered to a chain, a node, a type), ranked, in words."""
    gaps = figures.gaps
    if chain_id is not None:
        gaps = gaps.filter(pl.col("chain") == chain_id)
    if node is not None:
        gaps = gaps.filter(pl.col("node") == node)
    if kind is not None:
        gaps = gaps.filter(pl.col("type") == kind)
    if limit is not None:
        gaps = gaps.head(limit)
    names = {c.ref(n.id): n for c in figures.chains for n in c.nodes}
    chains = {c.id: c for c in figures.chains}
    rows = []
    for g in gaps.iter_rows(named=True):
        n = names[g["node"]]
        candidates = [_candidate(figures, c) for c in g["candidates"]]
        rows.append(
            GapRow(
                rank=g["rank"],
                chain_id=g["chain"],
                chain=chain_name(chains[g["chain"]]),
                node=g["node"],
                node_id=n.id,
                node_name=node_name(n),
                node_name_zh=n.name,
                node_name_en=n.name_en,
                position=n.position,
                position_label=pick(POSITION_WORDS[n.position]),
                type=g["type"],
                type_label=gap_type_label(g["type"]),
                type_zh=GAP_TYPES[g["type"]][0],
                type_en=GAP_TYPES[g["type"]][1],
                priority=g["priority"],
                firms=g["firms"],
                strength=g["strength"],
                related=[(names[r].id, node_name(names[r])) for r in g["related"] or []],
                evidence=pick((g["evidence"], g["evidence_en"])),
                evidence_zh=g["evidence"],
                evidence_en=g["evidence_en"],
                attract=[c for c in candidates if c.action == "attract"],
                grow=[c for c in candidates if c.action == "grow"],
            )
        )
    return rows


def node_rows(figures: ChainFigures, chain: Chain) -> list[NodeRow]:
    """The chain's nodes, upstream first, with their figures and the types of their gaps."""
    gap_types: dict[str, list[str]] = {}
    for node, kind in (
        figures.gaps.filter(pl.col("chain") == chain.id).select("node", "type").rows()
    ):
        gap_types.setdefault(node, []).append(kind)
    rows = []
    strength = figures.strength.filter(pl.col("chain") == chain.id)
    for r in strength.iter_rows(named=True):
        n = chain.node(r["node_id"])
        rows.append(
            NodeRow(
                ref=r["node"],
                id=n.id,
                name=node_name(n),
                name_zh=n.name,
                name_en=n.name_en,
                position=n.position,
                position_label=pick(POSITION_WORDS[n.position]),
                order=r["order"],
                codes=code_names(n.codes),
                keywords=n.keywords,
                firms=r["firms"],
                revenue=r["revenue"],
                rd_expense=r["rd_expense"],
                rd_firms=r["rd_firms"],
                tiers={t: r[f"tier_{t}"] for t in TITLE_LEVELS},
                tier_holders=r["tier_holders"],
                enclave_firms=r["enclave_firms"],
                strength=r["strength"],
                strength_class=strength_class(r["firms"], r["strength"]),
                gaps=[
                    (k, gap_type_label(k))
                    for k in sorted(gap_types.get(r["node"], []), key=list(GAP_TYPES).index)
                ],
            )
        )
    return rows


def chain_summaries(
    figures: ChainFigures, *, top_gaps: int = 3, chain_id: str | None = None
) -> list[ChainSummary]:
    """One line per chain (or for ``chain_id`` only): nodes held of all, the firms and money on
    it, its nodes by strength class, its gaps by type and the highest-ranked few."""
    counted = figures.mounts.filter(pl.col("counted")).with_columns(
        pl.col("node").str.split("/").list.first().alias("chain")
    )
    local = dict(
        counted.filter(~pl.col("enclave")).group_by("chain").agg(pl.col("id").n_unique()).rows()
    )
    enclave = dict(
        counted.filter(pl.col("enclave")).group_by("chain").agg(pl.col("id").n_unique()).rows()
    )
    out = []
    for chain in figures.chains:
        if chain_id is not None and chain.id != chain_id:
            continue
        s = figures.strength.filter(pl.col("chain") == chain.id)
        classes = Counter(strength_class(f, v) for f, v in s.select("firms", "strength").rows())
        types = Counter(figures.gaps.filter(pl.col("chain") == chain.id)["type"].to_list())
        revenue_known = s["revenue"].null_count() < s.height
        rd_known = s["rd_expense"].null_count() < s.height
        out.append(
            ChainSummary(
                id=chain.id,
                name=chain_name(chain),
                name_zh=chain.name,
                name_en=chain.name_en,
                nodes=s.height,
                held=int((s["firms"] > 0).sum()),
                firms=int(local.get(chain.id, 0)),
                enclave_firms=int(enclave.get(chain.id, 0)),
                revenue=float(s["revenue"].sum()) if revenue_known else None,
                rd_expense=float(s["rd_expense"].sum()) if rd_known else None,
                classes={k: classes.get(k, 0) for k in STRENGTH_CLASSES},
                gaps=[(k, gap_type_label(k), types.get(k, 0)) for k in GAP_TYPES],
                gap_count=sum(types.values()),
                top_gaps=gap_rows(figures, chain_id=chain.id, limit=top_gaps),
            )
        )
    return out


@dataclass(frozen=True)
class NodeFirmRow:
    party: PartyOnChains
    mount: MountRow
    counted: bool  # counts for the node's figures (else a lead below the threshold)
    tier: str  # the highest title held today, in words ("" for none)
    kind: str  # the party's kind in words


def node_firm_rows(figures: ChainFigures, node: str) -> list[NodeFirmRow]:
    """The parties on ``node``: counted ones first, then by confidence."""
    counted = dict(figures.mounts.filter(pl.col("node") == node).select("id", "counted").rows())
    rows = [
        NodeFirmRow(
            party=p,
            mount=m,
            counted=bool(counted.get(p.pk)),
            tier=tier_label(p.tier) if p.tier else "",
            kind=kind_text(p.kind),
        )
        for p, m in node_mounts(figures, node)
    ]
    return sorted(rows, key=lambda r: (not r.counted, -r.mount.share, r.party.name))


# --- the graph --------------------------------------------------------------------------------

#: Node colours by strength class (the legend's order), and the gap marks' colours.
CLASS_COLORS = {"empty": "#adb5bd", "weak": "#fd7e14", "average": "#6baed6", "strong": "#1f4e79"}


def graph_payload(figures: ChainFigures, chain: Chain, nodes: list[NodeRow]) -> dict[str, Any]:
    """What ``chains/graph.js`` draws: nodes in columns by position (upstream → downstream),
    supplier → customer edges, size by local firms, colour by strength class, gap nodes
    marked; every word translated here (the script holds no text)."""
    columns: dict[str, list[NodeRow]] = {p: [] for p in POSITIONS}
    for n in nodes:
        columns[n.position].append(n)
    tallest = max(len(c) for c in columns.values()) or 1
    most = max((n.firms for n in nodes), default=0) or 1
    points = []
    for x, position in enumerate(POSITIONS):
        column = columns[position]
        for y, n in enumerate(column):
            # centred in its column: a short column sits in the middle of the tall ones
            offset = (tallest - len(column)) / 2
            points.append(
                {
                    "id": n.id,
                    "name": n.name,
                    "x": x * 400,
                    "y": (y + offset) * 70,
                    "size": 18 + 34 * (n.firms / most) ** 0.5,
                    "category": STRENGTH_CLASSES.index(n.strength_class),
                    "gaps": [label for _k, label in n.gaps],
                    "gapTypes": [k for k, _label in n.gaps],
                    "url": reverse("chains:node", args=[chain.id, n.id]),
                    "figures": [
                        [_("Position"), n.position_label],
                        [_("Local firms"), number_text(n.firms, 0)],
                        [_("Revenue (10k CNY)"), number_text(n.revenue, 0)],
                        [_("R&D expense (10k CNY)"), number_text(n.rd_expense, 0)],
                        [_("Tier holders"), number_text(n.tier_holders, 0)],
                        [_("Enclave firms"), number_text(n.enclave_firms, 0)],
                        [_("Strength"), number_text(n.strength, 2)],
                    ],
                }
            )
    return {
        "title": chain_name(chain),
        "columns": [pick(POSITION_WORDS[p]) for p in POSITIONS],
        "categories": [
            {"name": class_label(k), "color": CLASS_COLORS[k]} for k in STRENGTH_CLASSES
        ],
        "gapsWord": _("Gaps"),
        "noGap": _("No gap"),
        "clickHint": _("Click a node for its firms and candidates."),
        "nodes": points,
        "edges": [{"source": e.supplier, "target": e.customer} for e in chain.edges],
    }
