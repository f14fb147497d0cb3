"""Recommendations: the services of the catalogue whose clauses hold for a firm.

Each clause that holds — the firm's type, a raised flag, a measure on its path to the next
ladder tier, its chain position — adds its points and gives its reason (the fact, then what
the service does for it); a service whose points reach the catalogue's ``recommend_from`` is
recommended. Ranked by points, then in catalogue order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from feidi.diagnosis._catalogue import CHAIN_POSITIONS, Catalogue, Clause
from feidi.diagnosis._ladder import Gap, gap_words
from feidi.diagnosis._names import FLAGS, TYPES, Bilingual, FlagResult

__all__ = ["Recommendation", "chain_words", "recommend"]


@dataclass(frozen=True)
class Recommendation:
    """A service that suits the firm, its rank and points, and each fact that makes it suit
    (a reason per clause that holds)."""

    service: str
    name: Bilingual
    rank: int
    points: int
    reasons: tuple[Bilingual, ...]

    @property
    def reason(self) -> Bilingual:
        return "；".join(r[0] for r in self.reasons), "; ".join(r[1] for r in self.reasons)


def chain_words(nodes: int | None) -> Bilingual:
    if nodes is None:
        return "挂接环节未知", "chain nodes unknown"
    if nodes == 0:
        return CHAIN_POSITIONS["off_chain"]
    return f"挂接 {nodes} 个产业链环节", f"on {nodes} chain node{'s' if nodes != 1 else ''}"


def recommend(
    catalogue: Catalogue,
    firm_type: str | None,
    flags: Mapping[str, FlagResult],
    gap: Gap | None,
    nodes: float | None,
) -> tuple[Recommendation, ...]:
    """The services whose clauses that hold reach ``recommend_from`` points, best first."""
    scored: list[tuple[int, int, str, Bilingual, tuple[Bilingual, ...]]] = []
    for order, service in enumerate(catalogue.services):
        if service.only_types and firm_type not in service.only_types:
            continue
        points = 0
        reasons: list[Bilingual] = []
        for clause in service.suits:
            reason = _holds(clause, firm_type, flags, gap, nodes)
            if reason is not None:
                points += clause.points
                reasons.append(reason)
        if points >= catalogue.recommend_from:
            scored.append(
                (points, order, service.id, (service.name, service.name_en), tuple(reasons))
            )
    scored.sort(key=lambda s: (-s[0], s[1]))
    return tuple(
        Recommendation(sid, name, rank, points, reasons)
        for rank, (points, _order, sid, name, reasons) in enumerate(scored, start=1)
    )


def _holds(
    clause: Clause,
    firm_type: str | None,
    flags: Mapping[str, FlagResult],
    gap: Gap | None,
    nodes: float | None,
) -> Bilingual | None:
    """The reason the clause gives for this firm, or None when it does not hold."""
    why_zh, why_en = clause.why
    value = clause.values[0]
    if clause.kind == "type":
        if firm_type != value:
            return None
        zh, en = TYPES[value]
        return f"类型为{zh} —— {why_zh}", f"type: {en.lower()} — {why_en}"
    if clause.kind == "flag":
        status, (ev_zh, ev_en), _missing = flags[value]
        if status != "raised":
            return None
        zh, en = FLAGS[value]
        return f"红旗「{zh}」：{ev_zh} —— {why_zh}", f"red flag '{en}': {ev_en} — {why_en}"
    if clause.kind == "ladder_gap":
        if gap is None or not (gap.measures & set(clause.values)):
            return None
        zh, en = gap_words(gap, clause.values)
        return f"{zh} —— {why_zh}", f"{en} — {why_en}"
    if nodes is None or (value == "on_chain") != (nodes > 0):
        return None
    zh, en = chain_words(int(nodes))
    return f"{zh} —— {why_zh}", f"{en} — {why_en}"
