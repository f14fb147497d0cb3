"""Declines turned into exclusions, boosts and penalties per query (the rules are in
:mod:`feidi.match._ranker`'s docstring)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from feidi.match._fits import Reason, Traits
from feidi.match._profiles import DeclineReason, Feedback, Profile

if TYPE_CHECKING:
    from feidi.match._ranker import MatchRanker

__all__ = ["Plans", "penalty_reason"]

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


_PENALTY_WORDS: dict[DeclineReason, tuple[str, str]] = {
    DeclineReason.WRONG_FIELD: (
        "与此前以「领域不符」婉拒的对象相近，排序下调",
        "close to one declined before as the wrong field; moved down",
    ),
    DeclineReason.WRONG_STAGE: (
        "与此前以「阶段不符」婉拒的对象处于同一阶段，排序下调",
        "at the stage of one declined before as the wrong stage; moved down",
    ),
    DeclineReason.TOO_FAR: (
        "与此前以「距离太远」婉拒的对象在同一城市，排序下调",
        "in the city of one declined before as too far; moved down",
    ),
    DeclineReason.NO_CAPACITY: (
        "持有方近期表示无余力承接新的合作，排序下调",
        "its holder has said it has no capacity for new partners now; moved down",
    ),
}


def penalty_reason(rule: DeclineReason, points: float) -> Reason:
    zh, en = _PENALTY_WORDS[rule]
    return Reason("feedback", -points, zh, en, {"rule": rule.value})


@dataclass
class Plan:
    """What the declines made for one query change."""

    excluded: set[int] = field(default_factory=set)
    wrong_field: list[int] = field(default_factory=list)
    wrong_stage: list[int] = field(default_factory=list)
    too_far: list[int] = field(default_factory=list)


@dataclass
class Plans:
    """The declines, turned into exclusions, boosts and penalties per query (see the module)."""

    by_query: dict[int, Plan]
    busy: I64  # indexed offers whose holders have no capacity (ranked for requests only)

    @classmethod
    def of(cls, qs: list[Profile], declines: list[Feedback], ranker: MatchRanker) -> Plans:
        plans: dict[int, Plan] = defaultdict(Plan)
        busy: set[int] = set()
        if ranker.index_side == "supply":
            by_id: dict[str, list[int]] = defaultdict(list)
            by_owner: dict[str, list[int]] = defaultdict(list)
            for row, query in enumerate(qs):
                by_id[query.id].append(row)
                if query.owner is not None:
                    by_owner[query.owner].append(row)
            for d in declines:
                item = ranker.index_of_.get(d.supply_id)
                if item is None:
                    continue
                if d.reason is DeclineReason.NO_CAPACITY:
                    busy.add(item)
                rows = set(by_id.get(d.demand_id or "", ()))
                rows |= set(by_owner.get(d.requester or "", ()) if d.requester else ())
                for row in sorted(rows):
                    plan = plans[row]
                    plan.excluded.add(item)
                    if d.reason is DeclineReason.WRONG_FIELD:
                        plan.wrong_field.append(item)
                    elif d.reason is DeclineReason.WRONG_STAGE:
                        plan.wrong_stage.append(item)
                    elif d.reason is DeclineReason.TOO_FAR:
                        plan.too_far.append(item)
        else:
            # Offers are the queries: a declined pair stays out, nothing else changes.
            row_of = {q.id: i for i, q in enumerate(qs)}
            for d in declines:
                found = row_of.get(d.supply_id)
                if found is None:
                    continue
                row = found
                for item, profile in enumerate(ranker.items_):
                    if d.concerns(profile):
                        plans[row].excluded.add(item)
        return cls(dict(plans), np.array(sorted(busy), dtype=np.int64))

    def boosts(self, rows: I64) -> tuple[F32, F32]:
        """Stage and region weight multipliers per query of the batch: ×2 after one decline
        for that reason, ×3 after two or more."""
        stage = np.ones(len(rows), dtype=np.float32)
        region = np.ones(len(rows), dtype=np.float32)
        for local, row in enumerate(rows.tolist()):
            plan = self.by_query.get(row)
            if plan is not None:
                stage[local] = 1 + min(len(plan.wrong_stage), 2)
                region[local] = 1 + min(len(plan.too_far), 2)
        return stage, region

    def exclusions(self, rows: I64) -> list[tuple[int, I64]]:
        out = []
        for local, row in enumerate(rows.tolist()):
            plan = self.by_query.get(row)
            if plan is not None and plan.excluded:
                out.append((local, np.array(sorted(plan.excluded), dtype=np.int64)))
        return out

    def penalties(
        self, rows: I64, ranker: MatchRanker, queries: Traits
    ) -> dict[DeclineReason, F32]:
        """The points each rule takes from each pair of the batch (B × N per rule present)."""
        out: dict[DeclineReason, F32] = {}
        fp = np.float32(ranker.feedback_penalty)
        if fp <= 0:
            return out
        shape = (len(rows), len(ranker.items_))
        if len(self.busy):
            out[DeclineReason.NO_CAPACITY] = np.zeros(shape, dtype=np.float32)
            out[DeclineReason.NO_CAPACITY][:, self.busy] = fp
        items = ranker.traits_
        for local, row in enumerate(rows.tolist()):
            plan = self.by_query.get(row)
            if plan is None:
                continue
            if plan.wrong_field:
                sims = np.max([ranker.field_similarity(i) for i in plan.wrong_field], axis=0)
                out.setdefault(DeclineReason.WRONG_FIELD, np.zeros(shape, np.float32))[local] = (
                    fp * sims
                )
            if plan.wrong_stage:
                stages = sorted({int(items.stage[i]) for i in plan.wrong_stage} - {4})
                hit = np.isin(items.stage, stages)
                out.setdefault(DeclineReason.WRONG_STAGE, np.zeros(shape, np.float32))[local] = (
                    fp * hit
                )
            if plan.too_far:
                # The declined offers' cities (region level 1), never the requester's own.
                cities = sorted(
                    {int(items.region[i, 1]) for i in plan.too_far if items.region[i, 1] >= 0}
                )
                hit = np.isin(items.region[:, 1], cities) & (
                    items.region[:, 1] != queries.region[local, 1]
                )
                out.setdefault(DeclineReason.TOO_FAR, np.zeros(shape, np.float32))[local] = fp * hit
        return out
