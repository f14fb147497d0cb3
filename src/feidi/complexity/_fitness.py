"""The fitness–complexity method (Tacchella et al. 2012), as pacha's ``fitness`` method."""

from __future__ import annotations

import numpy as np
import scipy.sparse

from feidi.complexity._matrix import Matrix

__all__ = ["fitness_complexity"]


def fitness_complexity(
    m: Matrix, *, iterations: int = 20, extremality: float = 1.0
) -> tuple[Matrix, Matrix]:
    r"""Location fitness and product complexity, iterated from 1 and normalised to mean 1.

    At step :math:`n` (both from step :math:`n-1`, as pacha does):
    :math:`F_c = \sum_p M_{cp} Q_p`, :math:`Q_p = 1 / (\sum_c M_{cp} F_c^{-\gamma})^{1/\gamma}`
    with :math:`\gamma` = ``extremality``, each divided by its mean. ``iterations`` counts
    the starting vector, so 20 means 19 updates (pacha's default); an odd number is raised
    by one, as pacha does. Locations or products with no M = 1 are left out (NaN).

    Examples
    --------
    >>> m = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0]], dtype=float)
    >>> f, q = fitness_complexity(m)
    >>> f.round(4).tolist(), q.round(4).tolist()
    ([2.7381, 0.2414, 0.0204], [0.0205, 0.2323, 2.7472])
    """
    if iterations < 2:
        raise ValueError("迭代次数须 ≥ 2 / iterations must be at least 2")
    iterations += iterations % 2
    m = np.asarray(m, dtype=np.float64)
    rows, cols = m.sum(axis=1) > 0, m.sum(axis=0) > 0
    sub = scipy.sparse.csr_array(m[np.ix_(rows, cols)])
    f = np.ones(sub.shape[0])
    q = np.ones(sub.shape[1])
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        for _ in range(iterations - 1):
            f_next = sub @ q
            q_next = 1.0 / (sub.T @ (1.0 / f) ** extremality) ** (1.0 / extremality)
            f, q = f_next / f_next.mean(), q_next / q_next.mean()
    fitness = np.full(m.shape[0], np.nan)
    complexity = np.full(m.shape[1], np.nan)
    fitness[rows], complexity[cols] = f, q
    return fitness, complexity
