"""The recommender: for each request the best offers (or for each offer the best home firms),
each with its reasons.

The score of a pair is a sum of points, one term per component::

    score = text_weight     × text      (BM25 over jieba words, ÷ the query's best, so 0–1)
          + dense_weight    × meaning   (cosine of dense vectors, when a model is given)
          + industry_weight × industry  (GB/T 4754 level, see feidi.match._fits)
          + chain_weight    × chain     (same node or supplier → customer 1, same chain 0.25)
          + region_weight   × region    (same county / city / province)
          + stage_weight    × stage     (the stage needed, or close to it)
          + tier_weight     × tier      (the home firm's ladder level)
          − penalties from declines

A pair is recommended only when something relates the two — shared words, meaning, the same
industry division or deeper, or a chain relation — and its score is above 0: region, stage
and tier reorder related pairs but never make a pair related.

Declines (:class:`~feidi.match.Feedback`) feed back, for the request they were made for (or
every request of the requester they name), when offers are ranked for requests:

* every decline: the declined offer is never recommended for it again;
* ``wrong_field``: offers like the declined one lose ``feedback_penalty`` × their likeness
  to it — the cosine of their BM25 vectors or their industry fit with it (same class 1, group
  0.6, division 0.3, section 0.1), whichever is higher — so the declined field moves down;
* ``wrong_stage``: stage fit counts double (triple after two such declines), and offers at the
  declined offer's stage lose ``feedback_penalty``;
* ``too_far``: region fit counts double (triple after two), and offers in the declined offer's
  city — unless it is the requester's own — lose ``feedback_penalty``;
* ``no_capacity``: the offer's holder cannot take on partners now: the offer loses
  ``feedback_penalty`` for every request;
* ``not_interested``: only the pair goes.

When home firms are ranked for offers (``index_side="demand"``) declined pairs are left out and
nothing else changes.
"""

from __future__ import annotations

import gc
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import bm25s
import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from feidi import __version__
from feidi.match._bm25 import bm25_weights
from feidi.match._dense import Encoder, StaticEmbedding, _unit
from feidi.match._feedback import Plans, penalty_reason
from feidi.match._fits import (
    LEVEL_FIT_INDUSTRY,
    LEVEL_FIT_REGION,
    ChainFit,
    Reason,
    Traits,
    industry_reason,
    region_reason,
    stage_fit,
    stage_reason,
    tier_reason,
)
from feidi.match._profiles import (
    Feedback,
    Profile,
    Side,
    as_feedback,
    as_profiles,
)
from feidi.match._reasons import SharedWords, meaning_reason, reason_order
from feidi.match._segment import Segmenter, _hash, normalise_text
from feidi.match._select import Grid, Pairs, Queries

__all__ = ["Match", "MatchRanker"]

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

_FORMAT = 1
_BM25_METHODS = ("lucene", "robertson", "atire")
#: Industry fit from which a shared industry alone relates a pair: the same division (大类).
_INDUSTRY_RELATES = 0.3 - 1e-6
_WEIGHTS = (
    "text_weight",
    "dense_weight",
    "industry_weight",
    "chain_weight",
    "region_weight",
    "stage_weight",
    "tier_weight",
    "feedback_penalty",
)


@dataclass(frozen=True)
class Match:
    """One recommended pair. ``rank`` is 1 for the best match of the query; ``points`` holds
    each component's share of ``score``."""

    demand_id: str
    supply_id: str
    rank: int
    score: float
    points: Mapping[str, float] = field(default_factory=dict)
    reasons: tuple[Reason, ...] = ()

    def to_record(self) -> dict[str, Any]:
        """The output row: ids, rank, score and the reasons as plain data."""
        return {
            "demand_id": self.demand_id,
            "supply_id": self.supply_id,
            "rank": self.rank,
            "score": round(self.score, 6),
            "reasons": [r.to_dict() for r in self.reasons],
        }


class MatchRanker(BaseEstimator):  # type: ignore[misc]
    """Recommends supply for demand (or demand for supply), explaining every match.

    Follows scikit-learn's conventions: the constructor only stores its parameters,
    :meth:`fit` learns the index (attributes ending in ``_``), :meth:`get_params` and
    :meth:`to_dict` give everything needed to replay a run.

    Parameters
    ----------
    index_side
        Which side :meth:`fit` receives: ``"supply"`` (rank offers for requests) or
        ``"demand"`` (rank requests or home firms for offers).
    user_words
        Custom words for the segmenter (e.g. the keywords of the home city's chains): they
        are cut as whole words, and a match on one is reported as a key concept.
    keywords_as_words
        Treat the indexed profiles' keywords like custom words: a keyword such as 热管理 is
        matched whole (its parts still match), and reported as a key concept.
    k1, b, bm25_method
        BM25's parameters and variant (bm25s: "lucene", "robertson" or "atire").
    text_weight, dense_weight, industry_weight, chain_weight, region_weight, stage_weight, tier_weight
        The points each component gives at full fit (see the module's formula).
    feedback_penalty
        The points a decline's rule takes away (see the module's rules).
    dense_model
        A local static-embedding model directory (:class:`~feidi.match.StaticEmbedding`) or
        any :class:`~feidi.match.Encoder`; None for none.
    chain_edges
        Supplier → customer edges between chain node ids (``"chain/node"``).
    chain_names
        (中文, English) names of chain and node ids, for the reasons.
    max_terms
        How many matched words a reason lists.
    batch_size
        Queries scored at once (memory: about 3 × batch_size × indexed profiles × 4 bytes
        per worker).
    n_jobs
        Worker threads for segmenting and scoring (None: 1; −1: every core). Results do not
        depend on it.

    Examples
    --------
    >>> offers = [Profile("s1", "动力电池热管理技术", "液冷板与相变材料"),
    ...           Profile("s2", "纺织面料抗菌整理工艺", "银离子抗菌")]
    >>> ranker = MatchRanker().fit(offers)
    >>> [(m.supply_id, m.rank) for m in ranker.recommend([Profile("d1", "电池热管理")])]
    [('s1', 1)]
    """

    def __init__(
        self,
        *,
        index_side: Side = "supply",
        user_words: Sequence[str] = (),
        keywords_as_words: bool = True,
        k1: float = 1.5,
        b: float = 0.75,
        bm25_method: str = "lucene",
        text_weight: float = 1.0,
        dense_weight: float = 0.5,
        industry_weight: float = 0.3,
        chain_weight: float = 0.3,
        region_weight: float = 0.1,
        stage_weight: float = 0.2,
        tier_weight: float = 0.1,
        feedback_penalty: float = 0.3,
        dense_model: str | Path | Encoder | None = None,
        chain_edges: Sequence[tuple[str, str]] = (),
        chain_names: Mapping[str, tuple[str, str]] | None = None,
        max_terms: int = 5,
        batch_size: int = 128,
        n_jobs: int | None = None,
    ) -> None:
        self.index_side = index_side
        self.user_words = user_words
        self.keywords_as_words = keywords_as_words
        self.k1 = k1
        self.b = b
        self.bm25_method = bm25_method
        self.text_weight = text_weight
        self.dense_weight = dense_weight
        self.industry_weight = industry_weight
        self.chain_weight = chain_weight
        self.region_weight = region_weight
        self.stage_weight = stage_weight
        self.tier_weight = tier_weight
        self.feedback_penalty = feedback_penalty
        self.dense_model = dense_model
        self.chain_edges = chain_edges
        self.chain_names = chain_names
        self.max_terms = max_terms
        self.batch_size = batch_size
        self.n_jobs = n_jobs

    # --- parameters as data -----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The parameters as JSON-ready data (:meth:`from_dict` gives the ranker back).

        A dense model is stored as its directory; once fitted, its SHA-256 is added, so a
        stored run names the exact model files it used.
        """
        params = self.get_params()
        params["user_words"] = list(self.user_words)
        params["chain_edges"] = [[s, d] for s, d in self.chain_edges]
        params["chain_names"] = (
            None
            if self.chain_names is None
            else {k: [zh, en] for k, (zh, en) in self.chain_names.items()}
        )
        params["dense_model"] = _model_path(self.dense_model)
        out: dict[str, Any] = {
            "estimator": "feidi.match.MatchRanker",
            "format": _FORMAT,
            "params": params,
            "software": _software(),
        }
        encoder = getattr(self, "encoder_", None)
        if isinstance(encoder, StaticEmbedding):
            out["dense_model_sha256"] = encoder.digest
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatchRanker:
        """A ranker with the parameters :meth:`to_dict` stored (unfitted)."""
        if data.get("estimator") != "feidi.match.MatchRanker" or data.get("format") != _FORMAT:
            raise ValueError(
                "not the parameters of a feidi.match.MatchRanker (format"
                f" {_FORMAT}): estimator={data.get('estimator')!r}, format={data.get('format')!r}"
            )
        params = dict(data["params"])
        known = set(cls().get_params())
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(unknown)}")
        if "user_words" in params:
            params["user_words"] = tuple(params["user_words"])
        if "chain_edges" in params:
            params["chain_edges"] = tuple((str(s), str(d)) for s, d in params["chain_edges"])
        if params.get("chain_names") is not None:
            params["chain_names"] = {
                str(k): (str(v[0]), str(v[1])) for k, v in params["chain_names"].items()
            }
        return cls(**params)

    def _check_params(self) -> None:
        if self.index_side not in ("supply", "demand"):
            raise ValueError(f"index_side must be 'supply' or 'demand', not {self.index_side!r}")
        if self.bm25_method not in _BM25_METHODS:
            raise ValueError(f"bm25_method must be one of {_BM25_METHODS}")
        for name in _WEIGHTS:
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number ≥ 0, not {value!r}")
        if not (self.k1 > 0 and 0 <= self.b <= 1):
            raise ValueError("BM25 needs k1 > 0 and 0 ≤ b ≤ 1")
        if self.max_terms < 0 or self.batch_size < 1:
            raise ValueError("max_terms must be ≥ 0 and batch_size ≥ 1")
        if isinstance(self.user_words, str):
            raise ValueError("user_words must be a list of words, not one string")

    # --- fitting ------------------------------------------------------------------------------

    def fit(self, items: Sequence[Profile] | pl.DataFrame, y: object = None) -> Self:
        """Index ``items`` (the ``index_side`` profiles): their words, codes and vectors."""
        del y  # scikit-learn's signature; there is no target
        self._check_params()
        profiles = as_profiles(items)
        if not profiles:
            raise ValueError("nothing to index: no profiles")
        self.index_of_ = {p.id: i for i, p in enumerate(profiles)}
        if len(self.index_of_) != len(profiles):
            seen: set[str] = set()
            twice = next(p.id for p in profiles if p.id in seen or seen.add(p.id))  # type: ignore[func-returns-value]
            raise ValueError(f"profile ids must be unique; {twice!r} appears twice")
        self.items_ = profiles
        words = list(self.user_words)
        if self.keywords_as_words:
            keywords = dict.fromkeys(k for p in profiles for k in p.keywords)
            words += [k for k in keywords if _usable_word(k)]
        self.segmenter_ = Segmenter(tuple(dict.fromkeys(words)))
        tokens = self.segmenter_.segment([p.text for p in profiles], n_jobs=self.n_jobs)
        vocab = self.segmenter_.vocabulary(tokens)
        self.vocab_hashes_ = vocab.hashes
        self.vocab_words_ = vocab.words
        self.word_lengths_ = np.array([len(w) for w in vocab.words], dtype=np.int64)
        self.hash_order_ = np.argsort(vocab.hashes)
        user = {_hash(normalise_text(w).strip().lower()) for w in self.segmenter_.user_words}
        self.concepts_ = np.isin(vocab.hashes, np.array(sorted(user), dtype=np.uint64))
        self.by_item_ = bm25_weights(
            tokens.doc,
            vocab.ids,
            len(profiles),
            len(vocab.hashes),
            self.k1,
            self.b,
            self.bm25_method,
        )
        self.by_term_ = self.by_item_.T.tocsr()
        self._split_common_terms()
        squares = self.by_item_.multiply(self.by_item_).sum(axis=1)
        self.item_norms_ = np.sqrt(np.asarray(squares, dtype=np.float64)).ravel()
        self.codes_: dict[str, int] = {}
        self.traits_ = Traits.of(profiles, self.codes_, query=False)
        self.chains_ = ChainFit(
            frozenset((str(s), str(d)) for s, d in self.chain_edges),
            dict(self.chain_names or {}),
        )
        sets = [tuple(sorted(p.chain_nodes)) for p in profiles]
        self.chain_sets_ = sorted(set(sets))
        at = {c: i for i, c in enumerate(self.chain_sets_)}
        chain_set_of = np.array([at[c] for c in sets], dtype=np.int64)
        # Profiles that share every code (industry, region, stage, chain nodes, tier) fit any
        # query alike: the non-text part is worked out once per such signature.
        t = self.traits_
        signature = np.column_stack(
            [t.industry, t.region, t.stage, chain_set_of, np.rint(t.tier * 3)]
        ).astype(np.int64)
        self.signatures_, of = np.unique(signature, axis=0, return_inverse=True)
        self.signature_of_ = of.ravel().astype(np.int64)
        self.encoder_: Encoder | None = None
        self.vectors_: F32 | None = None
        if self.dense_model is not None and self.dense_weight > 0:
            self.encoder_ = (
                StaticEmbedding(self.dense_model)
                if isinstance(self.dense_model, str | Path)
                else self.dense_model
            )
            self.vectors_ = _unit(self.encoder_.encode([p.text for p in profiles]))
        return self

    # --- recommending -------------------------------------------------------------------------

    def recommend(
        self,
        queries: Sequence[Profile] | pl.DataFrame,
        top_k: int = 10,
        *,
        feedback: Iterable[Feedback | Mapping[str, Any]] = (),
        explain: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> list[Match]:
        """The ``top_k`` best indexed profiles for each query, best first.

        ``queries`` are profiles of the other side. ``feedback`` are declines (see the
        module's rules). With ``explain`` each match carries its reasons. ``progress`` is
        called with the number of queries done after each batch.
        """
        check_is_fitted(self, "items_")
        if top_k < 1:
            raise ValueError("top_k must be ≥ 1")
        q = self._queries(as_profiles(queries), as_feedback(feedback))
        batches = [
            np.arange(start, min(start + self.batch_size, len(q.profiles)))
            for start in range(0, len(q.profiles), self.batch_size)
        ]

        def run(rows: I64) -> list[Match]:
            found = self._recommend_batch(q, rows, top_k, explain)
            if progress is not None:
                progress(len(rows))
            return found

        out: list[Match] = []
        workers = _workers(self.n_jobs)
        with _cycles_not_collected():
            if workers == 1:
                for rows in batches:
                    out.extend(run(rows))
                return out
            # Batches are independent and NumPy and SciPy work outside the interpreter lock:
            # threads share the index without copying it. Results come in query order.
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for found in pool.map(run, batches):
                    out.extend(found)
        return out

    def _split_common_terms(self) -> None:
        """Words in more than 2 % of the profiles are scored from a dense matrix: a sparse
        product spends ≈ 15 ns on each of their many postings, a dense row ≈ 0.7 ns per
        profile. At most 384 MB of them."""
        n_terms, n_items = self.by_term_.shape
        df = np.diff(self.by_term_.indptr)
        cap = max(0, (384 * 2**20) // (4 * max(n_items, 1)))
        common = np.flatnonzero(df > 0.02 * n_items)
        common = common[np.argsort(-df[common], kind="stable")][:cap]
        self.common_terms_ = np.sort(common)
        self.common_rows_ = (
            self.by_term_[self.common_terms_].toarray().astype(np.float32)
            if len(common)
            else np.zeros((0, n_items), np.float32)
        )
        rare = self.by_term_.copy()
        keep = np.ones(n_terms, dtype=bool)
        keep[self.common_terms_] = False
        rare = sparse.diags(keep.astype(np.float32)) @ rare
        rare.eliminate_zeros()
        self.rare_by_term_ = rare.tocsr()

    @property
    def _supply_queries(self) -> bool:
        return self.index_side == "demand"

    def _queries(self, qs: list[Profile], declines: list[Feedback]) -> Queries:
        tokens = self.segmenter_.segment([p.text for p in qs], n_jobs=self.n_jobs)
        n_vocab = len(self.vocab_hashes_)
        sorted_hashes = self.vocab_hashes_[self.hash_order_]
        at = np.minimum(np.searchsorted(sorted_hashes, tokens.hashes), n_vocab - 1)
        known = sorted_hashes[at] == tokens.hashes
        terms = sparse.csr_matrix(
            (
                np.ones(int(known.sum()), dtype=np.float32),
                (tokens.doc[known], self.hash_order_[at[known]]),
            ),
            shape=(len(qs), n_vocab),
        )
        terms.data[:] = 1.0  # each distinct word once: a repeated word is no stronger
        terms.sort_indices()
        vectors = None
        if self.encoder_ is not None and self.vectors_ is not None:
            vectors = _unit(self.encoder_.encode([p.text for p in qs]))
        return Queries(
            profiles=qs,
            terms=terms,
            traits=Traits.of(qs, dict(self.codes_), query=True),
            vectors=vectors,
            chain_sets=[tuple(sorted(p.chain_nodes)) for p in qs],
            plans=Plans.of(qs, declines, self),
        )

    def _recommend_batch(self, q: Queries, rows: I64, top_k: int, explain: bool) -> list[Match]:
        terms = q.terms[rows]
        text = np.asarray((terms @ self.rare_by_term_).toarray(), dtype=np.float32)
        if len(self.common_terms_):
            text += terms[:, self.common_terms_] @ self.common_rows_
        best = text.max(axis=1)
        scale = np.divide(
            np.float32(self.text_weight), best, out=np.zeros_like(best), where=best > 0
        )
        grid = Grid(self, q, rows, scale)
        grid.top_k_hint = top_k
        pairs = grid.top(text, top_k)
        if not explain:
            return [
                self._bare_match(q, int(rows[r]), int(i), int(k), float(v))
                for r, i, k, v in zip(
                    pairs.rows.tolist(),
                    pairs.items.tolist(),
                    pairs.ranks.tolist(),
                    pairs.scores.tolist(),
                    strict=True,
                )
            ]
        text_points = text[pairs.rows, pairs.items] * scale[pairs.rows]
        return self._explained(q, rows, pairs, text_points, grid)

    def _bare_match(self, q: Queries, row: int, item: int, rank: int, score: float) -> Match:
        query, profile = q.profiles[row], self.items_[item]
        supply, demand = (query, profile) if self._supply_queries else (profile, query)
        return Match(demand.id, supply.id, rank, score)

    # --- reasons, for a batch of pairs --------------------------------------------------------

    def _explained(
        self, q: Queries, rows: I64, pairs: Pairs, text_points: F32, grid: Grid
    ) -> list[Match]:
        n = len(pairs.items)
        if n == 0:
            return []
        q_rows = rows[pairs.rows]
        s_traits, d_traits = (
            (q.traits, self.traits_) if self._supply_queries else (self.traits_, q.traits)
        )
        s_at, d_at = (q_rows, pairs.items) if self._supply_queries else (pairs.items, q_rows)
        industry = _shared_levels(s_traits.industry[s_at], d_traits.industry[d_at])
        region = _shared_levels(s_traits.region[s_at], d_traits.region[d_at])
        ind_points = self.industry_weight * LEVEL_FIT_INDUSTRY[industry]
        reg_points = self.region_weight * grid.region_boost[pairs.rows] * LEVEL_FIT_REGION[region]
        stage_points = (
            self.stage_weight
            * grid.stage_boost[pairs.rows]
            * stage_fit(s_traits.stage[s_at], d_traits.stage[d_at])
        )
        tier_points = self.tier_weight * d_traits.tier[d_at]
        cosine = (
            np.einsum("ij,ij->i", q.vectors[q_rows], self.vectors_[pairs.items])
            if q.vectors is not None and self.vectors_ is not None
            else np.zeros(n, dtype=np.float32)
        )
        words = SharedWords.of(self, q, q_rows, pairs.items, text_points)
        penalties = [
            (rule, pen[pairs.rows, pairs.items].tolist()) for rule, pen in grid.penalties.items()
        ]
        # Python lists from here on: a NumPy scalar costs more than the float it holds.
        industry_, region_ = industry.tolist(), region.tolist()
        ind_, reg_, stage_, tier_ = (
            ind_points.tolist(),
            reg_points.tolist(),
            stage_points.tolist(),
            tier_points.tolist(),
        )
        cosine_ = cosine.tolist()
        ranks, scores = pairs.ranks.tolist(), pairs.scores.tolist()
        q_rows_, items_ = q_rows.tolist(), pairs.items.tolist()
        chain_weight, dense_weight = self.chain_weight, self.dense_weight
        out: list[Match] = []
        for p in range(n):
            query, profile = q.profiles[q_rows_[p]], self.items_[items_[p]]
            supply, demand = (query, profile) if self._supply_queries else (profile, query)
            reasons = words.reasons(p)
            if cosine_[p] > 0 and dense_weight > 0:
                reasons.append(meaning_reason(dense_weight * cosine_[p], cosine_[p]))
            if supply.chain_nodes and demand.chain_nodes and chain_weight > 0:
                chain = self.chains_.relation(supply.chain_nodes, demand.chain_nodes)
                found = self.chains_.reason(chain, chain_weight * (chain[0] if chain else 0.0))
                if found is not None:
                    reasons.append(found)
            for found in (
                industry_reason(supply, industry_[p], ind_[p]),
                region_reason(supply, region_[p], reg_[p]),
                stage_reason(supply.stage, demand.stage, stage_[p]),
                tier_reason(demand.tier, tier_[p]),
            ):
                if found is not None:
                    reasons.append(found)
            for rule, pen in penalties:
                if pen[p] > 0:
                    reasons.append(penalty_reason(rule, pen[p]))
            reasons.sort(key=reason_order)
            points: dict[str, float] = {}
            for r in reasons:
                kind = "text" if r.kind in ("terms", "concepts") else r.kind
                points[kind] = points.get(kind, 0.0) + r.points
            out.append(Match(demand.id, supply.id, ranks[p], scores[p], points, tuple(reasons)))
        return out

    def field_similarity(self, item: int) -> F32:
        """How close every indexed profile is to profile ``item``'s field: its text
        similarity (:meth:`similarity`) or its industry fit with it, whichever is higher."""
        codes = self.traits_.industry
        same = np.cumprod(codes == codes[item], axis=1).sum(axis=1)
        industry = LEVEL_FIT_INDUSTRY[same].astype(np.float32)
        likeness: F32 = np.maximum(self.similarity(item), industry)
        return likeness

    def similarity(self, item: int) -> F32:
        """Cosine of every indexed profile's BM25 vector with that of profile ``item``."""
        dots = np.asarray(
            (self.by_item_ @ self.by_item_[item].T).toarray(), dtype=np.float64
        ).ravel()
        norm = self.item_norms_ * self.item_norms_[item]
        cosine: F32 = np.divide(dots, norm, out=np.zeros_like(dots), where=norm > 0).astype(
            np.float32
        )
        return cosine


# --- helpers ---------------------------------------------------------------------------------


_WORD_CHARS = re.compile(r"^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]{2,12}$")


def _usable_word(word: str) -> bool:
    """A keyword jieba can cut whole: 2–12 characters of one cut block (no space or
    punctuation, which would split it anyway; a longer one is a phrase, matched by its
    words)."""
    return bool(_WORD_CHARS.match(normalise_text(word).strip()))


def _model_path(model: object) -> str | None:
    if model is None:
        return None
    if isinstance(model, str | Path):
        return str(model)
    if isinstance(model, StaticEmbedding):
        return str(model.path)
    raise ValueError(
        "a custom encoder object cannot be stored as data: pass the model directory instead"
    )


def _software() -> dict[str, str]:
    import jieba

    return {"feidi": __version__, "jieba": jieba.__version__, "bm25s": bm25s.__version__}


def _shared_levels(a: npt.NDArray[np.int32], b: npt.NDArray[np.int32]) -> I64:
    """How many levels, from the top, two codes share (pairs in rows)."""
    shared: I64 = np.cumprod(a == b, axis=1).sum(axis=1).astype(np.int64)
    return shared


@contextmanager
def _cycles_not_collected() -> Iterator[None]:
    """Pause Python's cycle collector while matches are made: they are millions of small
    objects without cycles, and each of its passes walks the whole index's objects too (a
    third of the time on 10,000 × 100,000). Reference counting frees memory as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _workers(n_jobs: int | None) -> int:
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, len(os.sched_getaffinity(0)) + 1 + n_jobs)
    return max(1, n_jobs)
