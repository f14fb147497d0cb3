"""Choosing each query's best profiles exactly, without scoring every pair in full."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy import sparse

from feidi.match._feedback import Plans
from feidi.match._fits import INDUSTRY_STEPS, REGION_STEPS, Traits, stage_fit
from feidi.match._profiles import Profile

if TYPE_CHECKING:
    from feidi.match._ranker import MatchRanker

__all__ = ["BLOCK", "Grid", "Pairs", "Queries"]

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


@dataclass
class Queries:
    profiles: list[Profile]
    terms: sparse.csr_matrix  # query × vocabulary, 1 for each distinct indexed word
    traits: Traits
    vectors: F32 | None
    chain_sets: list[tuple[str, ...]]
    plans: Plans


@dataclass(frozen=True)
class Pairs:
    """The chosen pairs of a batch: row in the batch, indexed profile, rank, score."""

    rows: I64
    items: I64
    ranks: I64
    scores: F32


#: Indexed profiles combined at once: keeps the batch's temporary arrays in the CPU cache.
BLOCK = 8192


class Grid:
    """A batch of queries against every indexed profile: the score of every pair, block by
    block, keeping each row's best.

    The non-text points depend only on a profile's signature (its codes): they are worked
    out per signature first, then gathered for every profile.
    """

    def __init__(self, ranker: MatchRanker, q: Queries, rows: I64, scale: F32) -> None:
        self.r = ranker
        self.q = q
        self.rows = rows
        self.scale = scale
        self.traits = q.traits.take(rows)
        self.stage_boost, self.region_boost = q.plans.boosts(rows)
        self.penalties = q.plans.penalties(rows, ranker, self.traits)
        self.excluded = q.plans.exclusions(rows)
        self.points, self.related = self._by_signature()
        self.top_k_hint = 1

    def _by_signature(self) -> tuple[F32, npt.NDArray[np.bool_]]:
        """Non-text points and "related" flag of every query against every signature."""
        r, t = self.r, self.traits
        sig = r.signatures_
        supply_queries = r.index_side == "demand"
        points = np.zeros((len(self.rows), len(sig)), dtype=np.float32)
        related = np.zeros(points.shape, dtype=bool)
        if r.industry_weight > 0:
            for level, step in enumerate(INDUSTRY_STEPS):
                same = t.industry[:, level, None] == sig[None, :, level]
                points += same * np.float32(r.industry_weight * step)
                if level == 1:  # the same division (大类) or deeper relates a pair
                    related |= same
        if r.region_weight > 0:
            for level, step in enumerate(REGION_STEPS):
                same = t.region[:, level, None] == sig[None, :, 4 + level]
                points += same * (np.float32(r.region_weight * step) * self.region_boost)[:, None]
        if r.stage_weight > 0:
            codes, mine = sig[None, :, 7], t.stage[:, None]
            fit = stage_fit(mine, codes) if supply_queries else stage_fit(codes, mine)
            points += fit * (np.float32(r.stage_weight) * self.stage_boost)[:, None]
        if r.tier_weight > 0:
            if supply_queries:
                points += np.float32(r.tier_weight / 3) * sig[None, :, 9].astype(np.float32)
            else:
                points += np.float32(r.tier_weight) * t.tier[:, None]
        sets = [self.q.chain_sets[i] for i in self.rows.tolist()]
        if r.chain_weight > 0 and any(sets) and any(r.chain_sets_):
            if supply_queries:
                table = r.chains_.fit_table(sets, r.chain_sets_)
            else:
                table = r.chains_.fit_table(r.chain_sets_, sets).T
            fit = table[:, sig[:, 8]]
            points += np.float32(r.chain_weight) * fit
            related |= fit > 0
        return points, related

    def top(self, text: F32, top_k: int) -> Pairs:
        """Each row's ``top_k`` best related profiles, best first.

        Exact, without scoring every pair in full: the first block of profiles is scored in
        full, and the k-th best score so far (the *floor*) only rises. A profile can reach
        the floor only if its text points plus the most any signature (and meaning) can add
        reach it, so later profiles are first screened on their text alone, and only those
        that pass are scored. A row whose floor is within reach of non-text points alone
        (weak text matches) is scored in full.
        """
        n_items = text.shape[1]
        bound = self.points.max(axis=1) if self.points.shape[1] else np.zeros(len(self.rows))
        if self.q.vectors is not None and self.r.vectors_ is not None:
            bound = bound + np.float32(self.r.dense_weight)
        first = min(BLOCK, n_items)
        everyone = np.arange(len(self.rows))
        pool = [self._full(text, everyone, 0, first, None)]
        floor = _floors(pool, len(self.rows), top_k)
        for lo in range(first, n_items, 4 * BLOCK):
            hi = min(lo + 4 * BLOCK, n_items)
            # Text a profile needs to reach the floor: (floor − bound) / scale, a little lower
            # for rounding; rows without text or within reach of the bound are scored in full.
            need = np.divide(
                floor - bound,
                self.scale,
                out=np.full(len(self.rows), -np.inf, dtype=np.float64),
                where=self.scale > 0,
            )
            need = need - np.abs(need) * 1e-5 - 1e-6
            screened = need > 0
            if screened.any():
                pool.append(self._screened(text, np.flatnonzero(screened), need, lo, hi, floor))
            if not screened.all():
                pool.append(self._full(text, np.flatnonzero(~screened), lo, hi, floor))
            floor = np.maximum(floor, _floors(pool, len(self.rows), top_k))
        rows, items, scores = (np.concatenate(x) for x in zip(*pool, strict=True))
        return _merge(rows, items, scores, top_k)

    def _full(
        self, text: F32, rows: I64, lo: int, hi: int, floor: F32 | None
    ) -> tuple[I64, I64, F32]:
        """Score rows × profiles ``lo:hi`` in full; keep the related pairs at or above the
        floor (without a floor: the block's k-th best)."""
        r = self.r
        block = text[rows, lo:hi]
        total = block * self.scale[rows, None]
        signature = r.signature_of_[lo:hi]
        total += self.points[rows].take(signature, axis=1)
        related = self.related[rows].take(signature, axis=1)
        related |= block > 0
        if self.q.vectors is not None and r.vectors_ is not None:
            cosine = self.q.vectors[self.rows[rows]] @ r.vectors_[lo:hi].T
            related |= cosine > 0
            total += np.float32(r.dense_weight) * cosine
        for penalty in self.penalties.values():
            total -= penalty[rows, lo:hi]
        at = {int(row): i for i, row in enumerate(rows.tolist())}
        for local, excluded in self.excluded:
            if local in at:
                inside = excluded[(excluded >= lo) & (excluded < hi)]
                related[at[local], inside - lo] = False
        np.putmask(total, ~related, -np.inf)
        if floor is None:
            floor = _kth_best(total, self.top_k_hint)
            keep = total >= floor[:, None]
        else:
            keep = total >= np.maximum(floor[rows], _TINY)[:, None]
        i, j = np.nonzero(keep)
        return rows[i], j.astype(np.int64) + lo, total[i, j]

    def _screened(
        self, text: F32, rows: I64, need: npt.NDArray[np.float64], lo: int, hi: int, floor: F32
    ) -> tuple[I64, I64, F32]:
        """The profiles ``lo:hi`` whose text alone could reach the floor, scored exactly."""
        r = self.r
        every = len(rows) == len(self.rows)
        block = text[:, lo:hi] if every else text[rows, lo:hi]  # a view when it can be
        width = hi - lo
        # 1-D positions: np.nonzero on a 2-D mask costs several times more.
        flat = np.flatnonzero(block >= need[rows, None].astype(np.float32))
        i, j = np.divmod(flat, width)
        row, item = rows[i], j + lo
        total = block.ravel().take(flat) if block.flags.c_contiguous else block[i, j]
        total = total * self.scale[row] + self.points[row, r.signature_of_[item]]
        if self.q.vectors is not None and r.vectors_ is not None:
            cosine = np.einsum("ij,ij->i", self.q.vectors[self.rows[row]], r.vectors_[item])
            total += np.float32(r.dense_weight) * cosine
        for penalty in self.penalties.values():
            total -= penalty[row, item]
        keep = total >= floor[row]
        if self.excluded:
            out = np.zeros(len(row), dtype=bool)
            for local, excluded in self.excluded:
                out |= (row == local) & np.isin(item, excluded)
            keep &= ~out
        return row[keep], item[keep], total[keep].astype(np.float32)


_TINY = np.float32(np.finfo(np.float32).tiny)


def _floors(pool: list[tuple[I64, I64, F32]], n_rows: int, top_k: int) -> F32:
    """Each row's k-th best score among the candidates so far (the smallest positive number
    where there are fewer than k)."""
    rows = np.concatenate([p[0] for p in pool])
    scores = np.concatenate([p[2] for p in pool])
    out = np.full(n_rows, _TINY, dtype=np.float32)
    if len(rows) == 0:
        return out
    order = np.lexsort((-scores, rows))
    rows, scores = rows[order], scores[order]
    first = np.searchsorted(rows, np.arange(n_rows))
    count = np.bincount(rows, minlength=n_rows)
    full = count >= top_k
    out[full] = np.maximum(scores[first[full] + top_k - 1], _TINY)
    return out


def _kth_best(total: F32, top_k: int) -> F32:
    """Each row's k-th best score, and never below the smallest positive number: only pairs
    scoring above 0 are recommended."""
    k = min(top_k, total.shape[1])
    kth = np.partition(total, total.shape[1] - k, axis=1)[:, total.shape[1] - k]
    return np.maximum(kth, _TINY)


def _merge(rows: I64, items: I64, scores: F32, top_k: int) -> Pairs:
    """The best ``top_k`` per row, best first; ties go to the earlier indexed profile."""
    order = np.lexsort((items, -scores, rows))
    rows, items, scores = rows[order], items[order], scores[order]
    first = np.searchsorted(rows, rows)  # where each row's run starts
    rank = np.arange(len(rows)) - first + 1
    keep = rank <= top_k
    return Pairs(rows[keep], items[keep], rank[keep], scores[keep])
