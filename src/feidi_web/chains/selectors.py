"""Mounts as pages show them: chain and node in words, the evidence in sentences, who
corrected what — no node ids, no codes without their meaning.

And the chains of a user's scope as a whole (:func:`chain_figures`): every node's strength and
the typed, ranked gaps with their candidates, computed by ``feidi.chains.node_strength`` and
``feidi.chains.chain_gaps`` from the registry as it stands (nothing is cached: an import, an
edit, a correction or a new offer shows on the next page).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import polars as pl
from django.db.models import Q
from django.utils import timezone

from feidi.chains import (
    POSITIONS,
    Chain,
    Mount,
    chain_gaps,
    evidence_words,
    find_node,
    load_chains,
    mount_of_row,
    node_strength,
    node_words,
)
from feidi.chains._strength import MIN_CONFIDENCE, counted_mounts
from feidi.parties import PartyKind
from feidi.rules import highest_title
from feidi_web.accounts.models import User
from feidi_web.chains.models import ChainMount, CorrectionAction, MountCorrection, Mounting
from feidi_web.chains.permissions import offers_scope
from feidi_web.chains.services import refresh_enterprise_mounts, refresh_profile_mounts
from feidi_web.common.display import number_text
from feidi_web.common.lang import pick
from feidi_web.enterprises.models import Enterprise, FiscalYear
from feidi_web.enterprises.permissions import enterprise_scope


@dataclass(frozen=True)
class MountRow:
    node: str  # the reference, for forms only
    where: str  # 汽车零部件 › 底盘系统（中游）
    confidence: str  # "46%"
    share: float  # 0.46, for the bar
    status: str
    evidence: list[str]
    corrected: bool


@dataclass(frozen=True)
class RejectedRow:
    node: str
    where: str
    by: str
    note: str
    at: Any


@dataclass
class MountsView:
    mounts: list[MountRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    #: (chain in words, [(node reference, node in words)]) for the "add a node" choice
    addable: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)


def _where(node: str) -> str:
    try:
        return pick(node_words(node))
    except (KeyError, ValueError):  # a node no chain has any more: staff's word still stands
        return str(node)


def _as_core(m: ChainMount) -> Mount:
    """A stored mount as the core's (its evidence is stored with the long frame's keys)."""
    c = m.correction
    return mount_of_row(
        {
            **m.evidence,
            "node": m.node,
            "confidence": m.confidence,
            "status": m.status,
            "corrected_by": c.by.display_name if c else None,
            "correction_note": c.note if c else None,
        }
    )


def enterprise_mounts_view(enterprise: Any) -> MountsView:
    return mounts_view(Mounting.objects.filter(enterprise=enterprise).first())


def profile_mounts_view(profile: Any) -> MountsView:
    return mounts_view(Mounting.objects.filter(profile=profile).first())


def mounts_view(mounting: Mounting | None) -> MountsView:
    if mounting is None:
        return MountsView(addable=_addable(set()))
    mounts = list(ChainMount.objects.filter(mounting=mounting).select_related("correction__by"))
    rows = [
        MountRow(
            node=m.node,
            where=_where(m.node),
            confidence=f"{number_text(m.confidence * 100, 0)}%",
            share=m.confidence,
            status=m.get_status_display(),
            evidence=[pick(pair) for pair in evidence_words(_as_core(m))],
            corrected=m.status != "auto",
        )
        for m in mounts
    ]
    latest: dict[str, MountCorrection] = {}
    for c in MountCorrection.objects.filter(mounting=mounting).select_related("by"):
        latest[c.node] = c  # ordered oldest first: the last one holds
    rejected = [
        RejectedRow(c.node, _where(c.node), c.by.display_name, c.note, c.created_at)
        for c in latest.values()
        if c.action == CorrectionAction.REJECT
    ]
    return MountsView(rows, rejected, _addable({m.node for m in mounts}))


def _addable(mounted: Iterable[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    taken = set(mounted)
    out = []
    for chain in load_chains():
        nodes = sorted(chain.nodes, key=lambda n: POSITIONS.index(n.position))
        choices = [
            (chain.ref(n.id), pick((n.name, n.name_en)))
            for n in nodes
            if chain.ref(n.id) not in taken
        ]
        if choices:
            out.append((pick((chain.name, chain.name_en)), choices))
    return out


def chain_nodes_of(
    field_name: str, ids: Iterable[int], *, min_confidence: float
) -> dict[int, tuple[str, ...]]:
    """Each subject's nodes at or above ``min_confidence`` (staff's are 1), surest first:
    ``chain_nodes_of("enterprise", ids, min_confidence=0.4)``."""
    key = f"mounting__{field_name}_id"
    out: dict[int, list[str]] = {}
    rows = (
        ChainMount.objects.filter(**{f"{key}__in": list(ids)}, confidence__gte=min_confidence)
        .order_by("-confidence", "node")
        .values_list(key, "node")
    )
    for subject, node in rows:
        out.setdefault(subject, []).append(node)
    return {k: tuple(v) for k, v in out.items()}


# --- strength and gaps over a user's scope ---------------------------------------------------

#: Candidates kept per gap and action (attract / grow), as the CLI's default.
CANDIDATES_PER_GAP = 5
#: A matchmaking offer that is live (``matchmaking.Profile``'s side and status values; this app
#: sits below matchmaking and names them by value, as it names the model by its label).
OFFER_SIDE, LIVE_STATUS = "supply", "live"
#: How candidates are named in the gaps frame: ``firm:<Enterprise pk>``, ``profile:<pk>``.
FIRM_PREFIX, PROFILE_PREFIX = "firm:", "profile:"


@dataclass(frozen=True, slots=True)
class PartyOnChains:
    """A registry party whose mounts count: a local firm, or an enclave start-up or team."""

    pk: int
    ref: str
    name: str
    kind: str
    enclave: bool
    credit_code: str | None
    revenue: float | None
    rd_expense: float | None
    year: int | None  # the fiscal year the figures are from
    tier: str | None  # highest ladder title held today


@dataclass(frozen=True, slots=True)
class OfferOnChains:
    """A live matchmaking offer of the user's division."""

    pk: int
    title: str
    party: str


@dataclass(frozen=True)
class ChainFigures:
    """The chains as one user's scope holds them today."""

    chains: tuple[Chain, ...]
    #: ``feidi.chains.node_strength``: one row per node of every chain
    strength: pl.DataFrame
    #: ``feidi.chains.chain_gaps``: ranked, with the ``candidates`` list column
    gaps: pl.DataFrame
    #: ``id`` (party pk), ``node``, ``confidence``, ``status``, ``enclave``, ``counted``
    mounts: pl.DataFrame
    parties: dict[int, PartyOnChains]
    offers: dict[int, OfferOnChains]
    as_of: date
    min_confidence: float = MIN_CONFIDENCE

    def chain(self, chain_id: str) -> Chain | None:
        return next((c for c in self.chains if c.id == chain_id), None)

    def candidate(self, key: str) -> PartyOnChains | OfferOnChains | None:
        """The party or offer a candidate id (``firm:12``, ``profile:3``) names."""
        prefix, _sep, pk = key.partition(":")
        if not pk.isdigit():
            return None
        if f"{prefix}:" == FIRM_PREFIX:
            return self.parties.get(int(pk))
        if f"{prefix}:" == PROFILE_PREFIX:
            return self.offers.get(int(pk))
        return None


def counts_on_chains(kind: str, enclave: bool) -> bool:
    """Whose mounts count. Local strength is the registry's enterprises (企业); the enclave's
    start-ups, teams and labs are counted apart and are the first to attract. Left out: a
    local prospect, start-up or lab that is no enterprise yet (it is not the county's
    capability), and investors anywhere (they make nothing)."""
    if enclave:
        return kind != PartyKind.INVESTOR
    return kind == PartyKind.ENTERPRISE


def _latest_figures(scope: Q) -> pl.DataFrame:
    """``id``, ``year``, ``revenue``, ``rd_expense`` of each firm's latest fiscal year (one
    query; the two figures read straight out of the stored JSON)."""
    rows = FiscalYear.objects.filter(
        enterprise__in=Enterprise.objects.filter(scope).values("pk")
    ).values_list("enterprise_id", "year", "figures__revenue", "figures__rd_expense")
    frame = pl.DataFrame(
        list(rows),
        schema={"id": pl.Int64, "year": pl.Int64, "revenue": pl.Float64, "rd_expense": pl.Float64},
        orient="row",
        strict=False,
    )
    return frame.sort(["id", "year"], descending=[False, True]).unique(
        "id", keep="first", maintain_order=True
    )


def _offers(user: User, as_of: date) -> list[Any]:
    """The live offers of the user's division, mounted afresh where their text changed. The
    model is reached through ``Mounting.profile`` (this app never imports matchmaking)."""
    profile_model = cast(Any, Mounting._meta.get_field("profile")).related_model
    offers = list(
        profile_model.objects.filter(
            offers_scope(user), side=OFFER_SIDE, status=LIVE_STATUS, expires_on__gte=as_of
        )
        .select_related("party")
        .order_by("pk")
    )
    refresh_profile_mounts(offers)
    return offers


def chain_figures(user: User, *, top: int = CANDIDATES_PER_GAP) -> ChainFigures:
    """Every node's strength and the gaps with their candidates, for the firms ``user`` may
    see (``enterprise_scope``) and the live offers of their division.

    * the firms are mounted afresh where their code, products or the chains changed
      (:func:`~feidi_web.chains.services.refresh_enterprise_mounts`), corrections laid over;
    * each firm's revenue and R&D expense are its latest fiscal year's, its tier the highest
      title it holds today (``feidi.rules.highest_title``, undated titles too);
    * candidates to **attract** are the enclave's parties (``enclave_startup``) and the live
      offers (``profile``) on a gap's nodes; to **grow**, the local firms on them or on a node
      linked to them (``local_firm``) — every mount, counted or not: a firm strong on the
      supplier node next door is the likeliest to grow into an empty one.

    One query per table (firms, fiscal years, mounts, offers, their mounts), whatever the
    number of firms; the figures are ``feidi.chains``' own.
    """
    as_of = timezone.localdate()
    chains = load_chains()
    scope = enterprise_scope(user)
    registry = list(
        Enterprise.objects.filter(scope).only(
            "id",
            "kind",
            "credit_code",
            "name",
            "enclave",
            "industry_code",
            "jurisdiction_code",
            "profile",
        )
    )
    on_chains = [e for e in registry if counts_on_chains(e.kind, e.enclave)]
    refresh_enterprise_mounts(on_chains)
    latest = {r["id"]: r for r in _latest_figures(scope).iter_rows(named=True)}
    parties: dict[int, PartyOnChains] = {}
    for e in on_chains:
        fig = latest.get(e.pk, {})
        profile = e.profile if isinstance(e.profile, dict) else {}
        parties[e.pk] = PartyOnChains(
            pk=e.pk,
            ref=e.ref,
            name=e.name,
            kind=e.kind,
            enclave=e.enclave,
            credit_code=e.credit_code,
            revenue=fig.get("revenue"),
            rd_expense=fig.get("rd_expense"),
            year=fig.get("year"),
            tier=highest_title(profile, as_of, undated=True),
        )
    firms = pl.DataFrame(
        [(p.pk, p.revenue, p.rd_expense, p.tier, p.enclave) for p in parties.values()],
        schema={
            "id": pl.Int64,
            "revenue": pl.Float64,
            "rd_expense": pl.Float64,
            "tier": pl.String,
            "enclave": pl.Boolean,
        },
        orient="row",
    )
    stored = ChainMount.objects.filter(
        mounting__enterprise__in=Enterprise.objects.filter(scope).values("pk")
    ).values_list("mounting__enterprise_id", "node", "confidence", "status")
    mounts = pl.DataFrame(
        list(stored),
        schema={"id": pl.Int64, "node": pl.String, "confidence": pl.Float64, "status": pl.String},
        orient="row",
    ).join(firms.select("id", "enclave"), on="id", how="inner")  # the parties that count
    mounts = mounts.with_columns(counted_mounts(mounts).alias("counted")).sort(
        ["node", "confidence", "id"], descending=[False, True, False]
    )
    strength = node_strength(mounts, firms, chains=chains)

    offers = _offers(user, as_of)
    offer_rows = [(o.pk, node, confidence) for o, node, confidence in _offer_mounts(offers)]
    names = pl.DataFrame(
        [(p.pk, p.name) for p in parties.values()],
        schema={"id": pl.Int64, "name": pl.String},
        orient="row",
    )
    candidates = pl.concat(
        [
            mounts.join(names, on="id", how="left").select(
                (pl.lit(FIRM_PREFIX) + pl.col("id").cast(pl.String)).alias("id"),
                "name",
                pl.when(pl.col("enclave"))
                .then(pl.lit("enclave_startup"))
                .otherwise(pl.lit("local_firm"))
                .alias("kind"),
                "node",
                "confidence",
            ),
            pl.DataFrame(
                [(f"{PROFILE_PREFIX}{pk}", None, "profile", n, c) for pk, n, c in offer_rows],
                schema={
                    "id": pl.String,
                    "name": pl.String,
                    "kind": pl.String,
                    "node": pl.String,
                    "confidence": pl.Float64,
                },
                orient="row",
            ),
        ]
    )
    gaps = chain_gaps(strength, chains=chains, candidates=candidates, top=top)
    return ChainFigures(
        chains=chains,
        strength=strength,
        gaps=gaps,
        mounts=mounts,
        parties=parties,
        offers={o.pk: OfferOnChains(o.pk, o.title, o.party.name) for o in offers},
        as_of=as_of,
    )


def _offer_mounts(offers: list[Any]) -> list[tuple[Any, str, float]]:
    """Each offer's nodes: where it is mounted, and the node its poster named (surely, 1)."""
    by_pk = {o.pk: o for o in offers}
    best: dict[tuple[int, str], float] = {}
    rows = ChainMount.objects.filter(mounting__profile_id__in=list(by_pk)).values_list(
        "mounting__profile_id", "node", "confidence"
    )
    for pk, node, confidence in rows:
        best[(pk, node)] = max(confidence, best.get((pk, node), 0.0))
    for o in offers:
        if o.chain_node:
            try:
                find_node(o.chain_node)
            except (KeyError, ValueError):
                continue  # a node no chain has any more
            best[(o.pk, o.chain_node)] = 1.0
    return [(by_pk[pk], node, c) for (pk, node), c in sorted(best.items())]


def node_mounts(figures: ChainFigures, node: str) -> list[tuple[PartyOnChains, MountRow]]:
    """The parties of ``figures`` on ``node``, surest first, each with its mount in words (the
    evidence read from the stored mounts: one query)."""
    ids = figures.mounts.filter(pl.col("node") == node)["id"].to_list()
    stored = {
        m.mounting.enterprise_id: m
        for m in ChainMount.objects.filter(
            node=node, mounting__enterprise_id__in=ids
        ).select_related("mounting", "correction__by")
    }
    out = []
    for pk in ids:
        m = stored.get(pk)
        if m is None:
            continue
        out.append(
            (
                figures.parties[pk],
                MountRow(
                    node=m.node,
                    where=_where(m.node),
                    confidence=f"{number_text(m.confidence * 100, 0)}%",
                    share=m.confidence,
                    status=m.get_status_display(),
                    evidence=[pick(pair) for pair in evidence_words(_as_core(m))],
                    corrected=m.status != "auto",
                ),
            )
        )
    return out
