"""BM25 weights of a whole corpus at once, by bm25s's own formulas."""

from __future__ import annotations

import bm25s
import numpy as np
import numpy.typing as npt
from scipy import sparse

__all__ = ["bm25_weights"]

I64 = npt.NDArray[np.int64]


def bm25_weights(
    doc: I64, term: I64, n_docs: int, n_terms: int, k1: float, b: float, method: str
) -> sparse.csr_matrix:
    """BM25 weight of every (profile, word): bm25s's own idf and term-frequency formulas,
    applied to the whole corpus at once.

    bm25s's ``BM25.index`` computes the same numbers in a Python loop over the documents
    (tens of seconds for 100,000 offers); ``tests/core/test_match_ranker.py`` checks that
    both agree.
    """
    counts = sparse.csr_matrix(
        (np.ones(len(doc), dtype=np.float32), (doc, term)), shape=(n_docs, n_terms)
    )
    counts.sum_duplicates()
    doc_len = np.bincount(doc, minlength=n_docs)
    df = np.bincount(counts.indices, minlength=n_terms)
    idf_of = bm25s.scoring._select_idf_scorer(method)
    idf = np.array([idf_of(int(d), N=n_docs) if d else 0.0 for d in df.tolist()], dtype=np.float32)
    tfc = bm25s.scoring._select_tfc_scorer(method)(
        tf_array=counts.data,
        l_d=np.repeat(doc_len, np.diff(counts.indptr)),
        l_avg=doc_len.mean() if n_docs else 0.0,
        k1=k1,
        b=b,
        delta=0.5,
    )
    weights = (idf[counts.indices] * tfc).astype(np.float32)
    return sparse.csr_matrix((weights, counts.indices, counts.indptr), shape=(n_docs, n_terms))
