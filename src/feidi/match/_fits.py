"""The non-text parts of a match — industry, region, chain, stage, tier — as arrays, and
their reasons in words.

Each fit is a number in [0, 1] for a (supply, demand) pair; the ranker multiplies it by the
component's weight. A fit whose data is missing on either side is 0 and says nothing. Fits are
computed for a batch of queries against every indexed profile at once, from small integer
codes per profile (a comparison or a look-up per pair, no Python per pair).

The levels, in one place:

=========  =================================================================================
industry   same GB/T 4754 class (小类, 4 digits) 1.0 · group (中类) 0.6 · division (大类) 0.3 ·
           section (门类) 0.1
region     same county 1.0 · city 0.6 · province 0.3 (统计用区划代码)
chain      the offer's node is the request's node, or supplies it (an edge supplier →
           customer) 1.0 · both on the same chain 0.25
stage      the stage needed 1.0 · one stage further 0.75 · two or more further 0.5 · one stage
           short 0.25 · more than one short 0 (idea → prototype → pilot → mass production)
tier       the home firm's ladder level: 小巨人 1.0 · 专精特新 2/3 · 创新型 1/3 · none 0 — firms
           further up have the R&D staff and the capacity to take a technology on
=========  =================================================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from feidi.match._profiles import TIER_LABELS, TIER_LEVELS, Profile, Stage
from feidi.reference import division, industry, industry_codes

__all__ = [
    "INDUSTRY_STEPS",
    "LEVEL_FIT_INDUSTRY",
    "LEVEL_FIT_REGION",
    "REGION_STEPS",
    "ChainFit",
    "Reason",
    "Traits",
    "chain_of",
    "industry_reason",
    "region_reason",
    "stage_fit",
    "stage_reason",
    "tier_reason",
]

F32 = npt.NDArray[np.float32]
I32 = npt.NDArray[np.int32]

#: Names for a pair of strings, 简体中文 first.
Pair = tuple[str, str]


@dataclass(frozen=True)
class Reason:
    """Why a pair was recommended, one component at a time.

    ``points`` is what the component added to the score (negative for a decline's penalty);
    ``zh`` and ``en`` say it in words for people (no ids); ``detail`` holds the same as data
    (terms with their weights, levels, chain node ids …).
    """

    kind: str
    points: float
    zh: str
    en: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "points": round(self.points, 4),
            "zh": self.zh,
            "en": self.en,
            "detail": dict(self.detail),
        }


# --- per-profile codes ----------------------------------------------------------------------

_UNKNOWN_QUERY, _UNKNOWN_ITEM = -1, -2

#: Increments per level: each deeper level that agrees adds its share.
INDUSTRY_STEPS = (0.1, 0.2, 0.3, 0.4)  # section, division, group, class
REGION_STEPS = (0.3, 0.3, 0.4)  # province, city, county
#: Fit by the number of levels shared (0 … 4 for industry, 0 … 3 for region).
LEVEL_FIT_INDUSTRY = np.concatenate([[0.0], np.cumsum(INDUSTRY_STEPS)])
LEVEL_FIT_REGION = np.concatenate([[0.0], np.cumsum(REGION_STEPS)])
_INDUSTRY_LEVELS: tuple[Pair, ...] = (
    ("门类", "section"),
    ("大类", "division"),
    ("中类", "group"),
    ("小类", "class"),
)
_REGION_LEVELS: tuple[Pair, ...] = (("省", "province"), ("市", "city"), ("县（区）", "county"))


@cache
def _industry_parts(code: str | None) -> tuple[str, ...]:
    """``"C3670"`` → ("C", "C36", "C367", "C3670"); a division code stops at "C36"."""
    if not code:
        return ()
    letter, digits = code[0], code[1:]
    return (letter, *(letter + digits[:n] for n in (2, 3, 4) if len(digits) >= n))


@cache
def _region_parts(code: str | None) -> tuple[str, ...]:
    if not code or len(code) != 6 or not code.isdigit():
        return ()
    return (code[:2], code[:4], code)


@dataclass(frozen=True)
class Traits:
    """The codes of a list of profiles, level by level, as integer arrays.

    Codes are numbered through one shared table, so a query's code and an indexed profile's
    compare as integers; an unknown level is −1 for queries and −2 for indexed profiles, so
    two unknowns never agree.
    """

    industry: I32  # (n, 4)
    region: I32  # (n, 3)
    stage: I32  # (n,), 4 = unknown
    tier: npt.NDArray[np.float32]  # (n,), level / 3, 0 when unknown

    @classmethod
    def of(cls, profiles: Sequence[Profile], numbering: dict[str, int], *, query: bool) -> Traits:
        unknown = _UNKNOWN_QUERY if query else _UNKNOWN_ITEM
        seen: dict[tuple[str | None, str | None], list[int]] = {}

        def codes(industry_code: str | None, region_code: str | None) -> list[int]:
            found = seen.get((industry_code, region_code))
            if found is None:
                out = []
                for parts, width in (
                    (_industry_parts(industry_code), 4),
                    (_region_parts(region_code), 3),
                ):
                    out += [numbering.setdefault(p, len(numbering)) for p in parts]
                    out += [unknown] * (width - len(parts))
                found = seen[(industry_code, region_code)] = out
            return found

        both = np.array(
            [codes(p.industry_code, p.region_code) for p in profiles], dtype=np.int32
        ).reshape(len(profiles), 7)
        stage = np.array(
            [p.stage.order if p.stage is not None else 4 for p in profiles], dtype=np.int32
        )
        tier = np.array(
            [TIER_LEVELS.get(p.tier or "none", 0) / 3 for p in profiles], dtype=np.float32
        )
        return cls(both[:, :4].copy(), both[:, 4:].copy(), stage, tier)

    def take(self, rows: npt.NDArray[np.int64]) -> Traits:
        return Traits(self.industry[rows], self.region[rows], self.stage[rows], self.tier[rows])


#: stage fit by (supply stage, demand stage), 4 = unknown.
_STAGE_TABLE = np.zeros((5, 5), dtype=np.float32)
for _s in range(4):
    for _d in range(4):
        _gap = _s - _d
        _STAGE_TABLE[_s, _d] = {0: 1.0, 1: 0.75, -1: 0.25}.get(_gap, 0.5 if _gap > 1 else 0.0)


def stage_fit(supply_stage: Any, demand_stage: Any) -> F32:
    """Stage fit of stage codes (0–3, 4 unknown) that broadcast against each other."""
    return np.asarray(_STAGE_TABLE[supply_stage, demand_stage], dtype=np.float32)


# --- words for a pair ------------------------------------------------------------------------
# Worded once per distinct code, level or stage pair: a run words hundreds of thousands of
# matches that share a few hundred such phrases.


def industry_reason(supply: Profile, shared: int, points: float) -> Reason | None:
    """``shared``: how many levels (section, division, group, class) the two codes share."""
    if shared == 0 or points <= 0:
        return None
    zh, en, detail = _industry_words(_industry_parts(supply.industry_code)[shared - 1], shared)
    return Reason("industry", points, zh, en, detail)


@cache
def _industry_words(code: str, shared: int) -> tuple[str, str, dict[str, str]]:
    found = industry_codes().get(code) if shared == 1 else industry(code)
    name = found.name if found else code
    zh_level, en_level = _INDUSTRY_LEVELS[shared - 1]
    return (
        f"行业相同：同属{zh_level}「{name}」",
        f"same industry {en_level} (GB/T 4754 {code})",
        {"level": en_level, "code": code},
    )


def region_reason(supply: Profile, shared: int, points: float) -> Reason | None:
    """``shared``: how many levels (province, city, county) the two codes share."""
    if shared == 0 or points <= 0:
        return None
    zh, en, detail = _region_words(_region_parts(supply.region_code)[shared - 1], shared)
    return Reason("region", points, zh, en, detail)


@cache
def _region_words(prefix: str, shared: int) -> tuple[str, str, dict[str, str]]:
    code = prefix.ljust(6, "0")
    place = division(code)
    if place is None or place.name in ("市辖区", "县", "省直辖县级行政区划"):
        # Municipalities' "市辖区" and the like are no place names: name the province.
        place = division(code[:2] + "0000")
    zh_level, en_level = _REGION_LEVELS[shared - 1]
    zh = f"同在{place.name}" if place else f"同在一个{zh_level}"
    return zh, f"in the same {en_level}", {"level": en_level}


def stage_reason(supply: Stage | None, demand: Stage | None, points: float) -> Reason | None:
    if supply is None or demand is None or points <= 0:
        return None
    zh, en, detail = _stage_words(supply, demand)
    return Reason("stage", points, zh, en, detail)


@cache
def _stage_words(s: Stage, d: Stage) -> tuple[str, str, dict[str, str]]:
    gap = s.order - d.order
    detail = {"supply_stage": s.value, "demand_stage": d.value}
    if gap == 0:
        return (
            f"技术成熟度正合所需（{s.label('zh')}）",
            f"at the stage needed ({s.label('en')})",
            detail,
        )
    if gap > 0:
        return (
            f"技术已到{s.label('zh')}阶段，比所需的{d.label('zh')}更成熟",
            f"at the {s.label('en')} stage, further along than the {d.label('en')} needed",
            detail,
        )
    return (
        f"技术处于{s.label('zh')}阶段，比所需的{d.label('zh')}早一步",
        f"at the {s.label('en')} stage, one step short of the {d.label('en')} needed",
        detail,
    )


def tier_reason(tier: str | None, points: float) -> Reason | None:
    if not tier or points <= 0:
        return None
    zh_name, en_name = TIER_LABELS[tier]
    return Reason(
        "tier",
        points,
        f"需求方为{zh_name}，具备承接能力",
        f"the requester is {en_name}, able to take a technology on",
        {"tier": tier},
    )


# --- chains ----------------------------------------------------------------------------------


def chain_of(node: str) -> str:
    """The chain a node id ``"chain/node"`` belongs to."""
    return node.split("/", 1)[0]


#: A chain relation: (fit, kind, supply node, demand node), kind "same", "supplies" or
#: "same_chain".
Relation = tuple[float, str, str, str]


@dataclass(frozen=True)
class ChainFit:
    """Chain fit between node sets: the graph (supplier → customer edges) and names."""

    edges: frozenset[tuple[str, str]]
    names: Mapping[str, Pair]
    _known: dict[tuple[tuple[str, ...], tuple[str, ...]], Relation | None] = field(
        default_factory=dict, repr=False, compare=False
    )

    def relation(self, supply_nodes: Sequence[str], demand_nodes: Sequence[str]) -> Relation | None:
        """The strongest relation between two node sets, or None."""
        if not supply_nodes or not demand_nodes:
            return None
        key = (tuple(supply_nodes), tuple(demand_nodes))
        if key not in self._known:
            self._known[key] = self._relation(*key)
        return self._known[key]

    def _relation(
        self, supply_nodes: Sequence[str], demand_nodes: Sequence[str]
    ) -> Relation | None:
        best: Relation | None = None
        for s in supply_nodes:
            for d in demand_nodes:
                if s == d:
                    return (1.0, "same", s, d)
                if (s, d) in self.edges and (best is None or best[0] < 1.0):
                    best = (1.0, "supplies", s, d)
                elif chain_of(s) == chain_of(d) and best is None:
                    best = (0.25, "same_chain", s, d)
        return best

    def fit_table(
        self, supply_sets: Sequence[tuple[str, ...]], demand_sets: Sequence[tuple[str, ...]]
    ) -> F32:
        """Fit of every supply node set against every demand node set."""
        out = np.zeros((len(supply_sets), len(demand_sets)), dtype=np.float32)
        for i, s in enumerate(supply_sets):
            if not s:
                continue
            for j, d in enumerate(demand_sets):
                if d and (found := self.relation(s, d)) is not None:
                    out[i, j] = found[0]
        return out

    def reason(self, found: Relation | None, points: float) -> Reason | None:
        if found is None or points <= 0:
            return None
        _, kind, s, d = found
        detail = {"relation": kind, "supply_node": s, "demand_node": d}
        sn, dn = self.names.get(s), self.names.get(d)
        if kind == "same":
            zh = f"同处产业链环节「{sn[0]}」" if sn else "同处一个产业链环节"
            en = f"on the same chain node: {sn[1]}" if sn else "on the same chain node"
        elif kind == "supplies":
            if sn and dn:
                zh = f"供给方所在的「{sn[0]}」环节为需求方所在的「{dn[0]}」环节供货"
                en = f"the offer's node, {sn[1]}, supplies the requester's node, {dn[1]}"
            else:
                zh = "供给方所在环节是需求方所在环节的上游"
                en = "the offer's chain node supplies the requester's"
        else:
            cn = self.names.get(chain_of(s))
            zh = f"同属{cn[0]}产业链" if cn else "同属一条产业链"
            en = f"both on the {cn[1]} chain" if cn else "both on the same industry chain"
        return Reason("chain", points, zh, en, detail)
