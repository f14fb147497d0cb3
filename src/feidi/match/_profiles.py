"""What the matcher reads: profiles on either side, and the declines that come back.

A :class:`Profile` is one posting (技术成果、研发团队、初创项目 on the supply side; 技术需求、
应用场景、本地企业 on the demand side). Every field beyond ``id`` and ``title`` is optional: a
component of the score that lacks its data on either side simply adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

import polars as pl

__all__ = [
    "STAGE_ALIASES",
    "TIER_ALIASES",
    "TIER_LEVELS",
    "DeclineReason",
    "Feedback",
    "Profile",
    "Side",
    "Stage",
    "as_feedback",
    "as_profiles",
]

#: Which side of the market a profile is on.
Side = Literal["supply", "demand"]


class Stage(StrEnum):
    """How far a technology has come (supply), or how far it must have come (demand)."""

    IDEA = "idea"
    PROTOTYPE = "prototype"
    PILOT = "pilot"
    MASS_PRODUCTION = "mass_production"

    @property
    def order(self) -> int:
        return list(Stage).index(self)

    def label(self, lang: str) -> str:
        zh, en = _STAGE_LABELS[self]
        return zh if lang == "zh" else en


_STAGE_LABELS: dict[Stage, tuple[str, str]] = {
    Stage.IDEA: ("概念", "idea"),
    Stage.PROTOTYPE: ("样机", "prototype"),
    Stage.PILOT: ("中试", "pilot"),
    Stage.MASS_PRODUCTION: ("量产", "mass production"),
}

#: How a stage may be written in a file (besides its id).
STAGE_ALIASES: dict[str, Stage] = {
    **{s.value: s for s in Stage},
    "mass production": Stage.MASS_PRODUCTION,
    "概念": Stage.IDEA,
    "创意": Stage.IDEA,
    "构想": Stage.IDEA,
    "实验室": Stage.IDEA,
    "样机": Stage.PROTOTYPE,
    "原型": Stage.PROTOTYPE,
    "样品": Stage.PROTOTYPE,
    "中试": Stage.PILOT,
    "试点": Stage.PILOT,
    "小批量": Stage.PILOT,
    "量产": Stage.MASS_PRODUCTION,
    "批量生产": Stage.MASS_PRODUCTION,
    "产业化": Stage.MASS_PRODUCTION,
}

#: A home firm's place on the ladder (the rulebooks' tier ids), 0 for none yet.
TIER_LEVELS: dict[str, int] = {"none": 0, "innovative": 1, "specialized": 2, "little_giant": 3}

TIER_ALIASES: dict[str, str] = {
    **{t: t for t in TIER_LEVELS},
    "无": "none",
    "创新型中小企业": "innovative",
    "创新型": "innovative",
    "专精特新中小企业": "specialized",
    "专精特新": "specialized",
    '专精特新"小巨人"企业': "little_giant",
    "专精特新“小巨人”企业": "little_giant",
    "专精特新小巨人": "little_giant",
    "小巨人": "little_giant",
}

TIER_LABELS: dict[str, tuple[str, str]] = {
    "none": ("尚未入库", "not yet on the ladder"),
    "innovative": ("创新型中小企业", "an innovative SME"),
    "specialized": ("专精特新中小企业", "a specialised and sophisticated SME"),
    "little_giant": ('专精特新"小巨人"企业', 'a "little giant" enterprise'),
}


@dataclass(frozen=True, slots=True)
class Profile:
    """One posting.

    ``stage`` is what a supply profile has reached and what a demand profile needs.
    ``chain_nodes`` name industry-chain nodes as ``"chain/node"``. ``tier`` is a home firm's
    ladder tier id (demand side). ``owner`` is the party that posted it: declines by a
    requester (:class:`Feedback` with ``requester``) follow all of that party's requests.

    Examples
    --------
    >>> p = Profile("r1", "动力电池热管理", keywords=("热管理", "液冷"))
    >>> p.text
    '动力电池热管理 热管理 液冷 '
    """

    id: str
    title: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    industry_code: str | None = None
    region_code: str | None = None
    chain_nodes: tuple[str, ...] = ()
    stage: Stage | None = None
    tier: str | None = None
    owner: str | None = None

    @property
    def text(self) -> str:
        """What text relevance reads: title, keywords, description."""
        return f"{self.title} {' '.join(self.keywords)} {self.description}"


class DeclineReason(StrEnum):
    """Why a pair was declined; each reason changes the ranking in its own way (see
    :class:`~feidi.match.MatchRanker`)."""

    WRONG_FIELD = "wrong_field"
    WRONG_STAGE = "wrong_stage"
    TOO_FAR = "too_far"
    NO_CAPACITY = "no_capacity"
    NOT_INTERESTED = "not_interested"

    def label(self, lang: str) -> str:
        zh, en = _DECLINE_LABELS[self]
        return zh if lang == "zh" else en


_DECLINE_LABELS: dict[DeclineReason, tuple[str, str]] = {
    DeclineReason.WRONG_FIELD: ("领域不符", "wrong field"),
    DeclineReason.WRONG_STAGE: ("阶段不符", "wrong stage"),
    DeclineReason.TOO_FAR: ("距离太远", "too far"),
    DeclineReason.NO_CAPACITY: ("对方无余力", "no capacity"),
    DeclineReason.NOT_INTERESTED: ("不感兴趣", "not interested"),
}


@dataclass(frozen=True, slots=True)
class Feedback:
    """A declined pair: the demand side (one request, or every request of a ``requester``),
    the supply profile, and why."""

    supply_id: str
    reason: DeclineReason
    demand_id: str | None = None
    requester: str | None = None

    def __post_init__(self) -> None:
        if self.demand_id is None and self.requester is None:
            raise ValueError("feedback needs a demand_id or a requester")
        if not isinstance(self.reason, DeclineReason):
            object.__setattr__(self, "reason", DeclineReason(self.reason))

    def concerns(self, demand: Profile) -> bool:
        """Whether this decline was made for ``demand`` (the request or its requester)."""
        return self.demand_id == demand.id or (
            self.requester is not None and self.requester == demand.owner
        )


def as_profiles(items: Sequence[Profile] | pl.DataFrame) -> list[Profile]:
    """Profiles from a sequence of :class:`Profile` or a frame with their fields as columns
    (``keywords`` and ``chain_nodes`` as lists or ``;``-separated text; ``stage`` as an id).

    The frame is trusted to be checked already (:func:`~feidi.match.read_profiles` checks
    files).
    """
    if not isinstance(items, pl.DataFrame):
        out = list(items)
        bad = [type(p).__name__ for p in out if not isinstance(p, Profile)][:1]
        if bad:
            raise TypeError(f"expected Profile objects or a polars DataFrame, got {bad[0]}")
        return out
    missing = {"id", "title"} - set(items.columns)
    if missing:
        raise ValueError(f"the frame lacks the column(s) {', '.join(sorted(missing))}")
    return [_profile(row) for row in items.iter_rows(named=True)]


def _profile(row: Mapping[str, Any]) -> Profile:
    stage = row.get("stage")
    return Profile(
        id=str(row["id"]),
        title=str(row["title"] or ""),
        description=str(row.get("description") or ""),
        keywords=_listed(row.get("keywords")),
        industry_code=row.get("industry_code") or None,
        region_code=row.get("region_code") or None,
        chain_nodes=_listed(row.get("chain_nodes")),
        stage=Stage(stage) if stage else None,
        tier=row.get("tier") or None,
        owner=row.get("owner") or None,
    )


def _listed(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    parts: Iterable[object] = value.split(";") if isinstance(value, str) else value  # type: ignore[assignment]
    return tuple(s for s in (str(p).strip() for p in parts) if s)


def as_feedback(records: Iterable[Feedback | Mapping[str, Any]]) -> list[Feedback]:
    """Feedback from :class:`Feedback` objects or mappings with the same keys."""
    out = []
    for r in records:
        if isinstance(r, Feedback):
            out.append(r)
        else:
            out.append(
                Feedback(
                    supply_id=str(r["supply_id"]),
                    reason=DeclineReason(r["reason"]),
                    demand_id=None if r.get("demand_id") is None else str(r["demand_id"]),
                    requester=None if r.get("requester") is None else str(r["requester"]),
                )
            )
    return out
