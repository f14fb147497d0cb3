"""The words of a match: which of the request's words the offer holds, and the meaning
reason — worded for a whole batch of pairs at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from feidi.match._fits import Reason

if TYPE_CHECKING:
    from feidi.match._ranker import MatchRanker
    from feidi.match._select import Queries

__all__ = ["SharedWords", "meaning_reason", "reason_order"]

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


def reason_order(r: Reason) -> tuple[bool, float]:
    return (r.points < 0, -r.points)


@dataclass
class SharedWords:
    """For a batch of pairs: the query's words found in the profile, with their BM25 weight
    there, heaviest first (ties: vocabulary order), key concepts (custom words) apart; the
    pair's text points are shared between the two kinds by weight."""

    ranker: MatchRanker
    points: list[float]
    #: per pair, per kind ("concepts", "terms"): (kind, words, weights, share of the weight)
    listed: list[list[tuple[str, list[str], list[float], float]]]

    @classmethod
    def of(
        cls, ranker: MatchRanker, q: Queries, q_rows: I64, items: I64, points: F32
    ) -> SharedWords:
        common = ranker.by_item_[items].multiply(q.terms[q_rows]).tocsr()
        common.eliminate_zeros()
        owner = np.repeat(np.arange(len(items)), np.diff(common.indptr))
        terms, weights = common.indices, common.data
        concept = ranker.concepts_[terms]
        # Words before single characters, then by weight: 热管理 says more than 热.
        single = ranker.word_lengths_[terms] == 1
        order = np.lexsort((terms, -weights, single, ~concept, owner))
        owner, terms, weights, concept = owner[order], terms[order], weights[order], concept[order]
        group = owner * 2 + (~concept)
        total = np.bincount(owner, weights=weights, minlength=len(items)).astype(np.float64)
        by_group = np.bincount(group, weights=weights, minlength=2 * len(items)).astype(np.float64)
        share = np.divide(
            by_group,
            np.repeat(total, 2),
            out=np.zeros_like(by_group),
            where=np.repeat(total, 2) > 0,
        )
        starts = np.searchsorted(group, group)
        # A few more than shown: parts of a longer matched word are left out below.
        shown = np.arange(len(group)) - starts < 2 * ranker.max_terms
        group, terms = group[shown], terms[shown]
        weights = np.round(weights[shown].astype(np.float64), 4)
        vocab = ranker.vocab_words_
        words = [vocab[t] for t in terms.tolist()]
        weights_ = weights.tolist()
        heads = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else group
        ends = np.r_[heads[1:], len(group)].tolist() if len(group) else []
        listed: list[list[tuple[str, list[str], list[float], float]]] = [[] for _ in items]
        share_ = share.tolist()
        limit = ranker.max_terms
        for g, a, b in zip(group[heads].tolist(), heads.tolist(), ends, strict=True):
            # Concepts (even group numbers) come before plain words.
            kind = "terms" if g & 1 else "concepts"
            listed[g >> 1].append((kind, words[a:b], weights_[a:b], share_[g]))
        for entries in listed:
            if len(entries) > 1 or (entries and len(entries[0][1]) > 1):
                entries[:] = _without_parts(entries, limit)
            elif entries:
                kind, w, x, sh = entries[0]
                entries[0] = (kind, w[:limit], x[:limit], sh)
        return cls(ranker, points.tolist(), listed)

    def reasons(self, p: int) -> list[Reason]:
        points = self.points[p]
        if points <= 0:
            return []
        out = []
        for kind, words, weights, share in self.listed[p]:
            zh, en = _WORD_LEADS[kind]
            out.append(
                Reason(
                    kind,
                    points * share,
                    zh + "、".join(words),
                    en + ", ".join(words),
                    {"terms": words, "weights": weights},
                )
            )
        return out


def _without_parts(
    entries: list[tuple[str, list[str], list[float], float]], limit: int
) -> list[tuple[str, list[str], list[float], float]]:
    """Leave out a word of up to three characters that is part of a longer matched one (热管
    and 管理 inside 热管理: search mode indexes both, but 热管, a heat pipe, is not what
    matched), up to ``limit`` words per kind."""
    # All the words in one string: a word sits inside a longer one exactly when it occurs
    # more than once (itself; the separator keeps words apart) — one C-level count.
    every = "\x00".join(w for _, words, _, _ in entries for w in words)
    out = []
    for kind, words, weights, share in entries:
        kept = [
            (w, x) for w, x in zip(words, weights, strict=True) if len(w) > 3 or every.count(w) == 1
        ][:limit]
        if kept:
            out.append((kind, [w for w, _ in kept], [x for _, x in kept], share))
    return out


_WORD_LEADS = {
    "concepts": ("匹配的重点概念：", "key concepts matched: "),
    "terms": ("共同关键词：", "shared words: "),
}


def meaning_reason(points: float, cosine: float) -> Reason:
    return Reason(
        "meaning",
        points,
        f"语义相近（相似度 {cosine:.2f}）",
        f"close in meaning (similarity {cosine:.2f})",
        {"cosine": round(cosine, 4)},
    )
