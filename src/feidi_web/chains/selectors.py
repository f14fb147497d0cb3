"""Mounts as pages show them: chain and node in words, the evidence in sentences, who
corrected what — no node ids, no codes without their meaning."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from feidi.chains import (
    POSITIONS,
    Mount,
    evidence_words,
    load_chains,
    mount_of_row,
    node_words,
)
from feidi_web.chains.models import ChainMount, CorrectionAction, MountCorrection, Mounting
from feidi_web.common.display import number_text
from feidi_web.common.lang import pick


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
