"""Proximity, density, the complexity outlook index (COI) and outlook gain (COG)."""

from __future__ import annotations

import numpy as np
import scipy.sparse

from feidi.complexity._matrix import Matrix

__all__ = ["density", "location_proximity", "outlook", "proximity"]


def _min_conditional(m: Matrix, axis: int, sparse: scipy.sparse.csr_array | None = None) -> Matrix:
    # sparse × dense: M is sparse (a county has a few hundred of 1,381 industries), the
    # product is not
    sparse = scipy.sparse.csr_array(m) if sparse is None else sparse
    both = np.asarray(sparse.T @ m if axis == 0 else sparse @ m.T)
    total = np.asarray(m.sum(axis=axis), dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: Matrix = both / np.maximum(total[:, None], total[None, :])
    return np.nan_to_num(out, nan=0.0)


def proximity(m: Matrix) -> Matrix:
    r"""Product proximity, the minimum of the two conditional probabilities (Hidalgo et al.
    2007): :math:`\phi_{pp'} = \sum_c M_{cp} M_{cp'} / \max(k_{p,0}, k_{p',0})`.

    Symmetric, with 1 on the diagonal, as pacha prints it; :func:`density` and
    :func:`outlook` leave the diagonal out (Stata ``ecomplexity``).

    >>> m = np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=float)
    >>> proximity(m).round(4).tolist()
    [[1.0, 0.6667, 0.6667], [0.6667, 1.0, 0.5], [0.6667, 0.5, 1.0]]
    """
    return _min_conditional(np.asarray(m, dtype=np.float64), axis=0)


def location_proximity(m: Matrix) -> Matrix:
    r"""Location proximity: :math:`\sum_p M_{cp} M_{c'p} / \max(k_{c,0}, k_{c',0})`.

    >>> location_proximity(np.array([[1, 1], [1, 0]], dtype=float)).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    return _min_conditional(np.asarray(m, dtype=np.float64), axis=1)


def _off_diagonal(phi: Matrix) -> tuple[Matrix, Matrix]:
    phi0 = np.array(phi, dtype=np.float64)
    np.fill_diagonal(phi0, 0.0)
    return phi0, phi0.sum(axis=1)


def density(m: Matrix, phi: Matrix) -> Matrix:
    r"""Density of product p around location c, the share of p's neighbours c already has:
    :math:`\omega_{cp} = \sum_{p' \ne p} M_{cp'} \phi_{pp'} / \sum_{p' \ne p} \phi_{pp'}`
    (0 for a product with no neighbour).

    >>> m = np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=float)
    >>> density(m, proximity(m)).round(4).tolist()
    [[0.5, 0.5714, 1.0], [0.5, 1.0, 0.5714], [1.0, 1.0, 1.0]]
    """
    phi0, total = _off_diagonal(phi)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.nan_to_num(phi0 / total[:, None], nan=0.0)
    out: Matrix = np.asarray(scipy.sparse.csr_array(np.asarray(m, dtype=np.float64)) @ weight.T)
    return out


def outlook(
    m: Matrix, phi: Matrix, pci: Matrix, *, sparse: scipy.sparse.csr_array | None = None
) -> tuple[Matrix, Matrix, Matrix]:
    r"""Density, the complexity outlook index and the complexity outlook gain (Atlas 2014).

    :math:`COI_c = \sum_p \omega_{cp} (1 - M_{cp}) PCI_p` — how much complexity lies near
    what c has; :math:`COG_{cp} = (1 - M_{cp}) \sum_{p'} (1 - M_{cp'})\,
    \phi_{pp'} PCI_{p'} / \sum_{p''} \phi_{p'p''}` — how much moving into p would add
    to c's outlook. Both in the units of ``pci``, proximity off the diagonal.

    Returns ``(density, coi, cog)``; one matrix product does density and COG together.
    ``sparse`` is ``m`` as a CSR array, if the caller has it already.

    >>> m = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 1], [1, 0, 0, 1]], dtype=float)
    >>> d, coi, cog = outlook(m, proximity(m), np.array([-1.0, 0.0, 0.5, 1.0]))
    >>> coi.round(4).tolist()
    [0.9375, 0.625, -1.0, 0.3125]
    >>> cog[1].round(4).tolist()
    [0.0, 0.375, 0.0, 0.0]
    """
    m = np.asarray(m, dtype=np.float64)
    phi0, total = _off_diagonal(phi)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(total > 0, 1.0 / total, 0.0)
    k = np.nan_to_num(np.asarray(pci, dtype=np.float64), nan=0.0)
    n = m.shape[1]
    rhs = np.empty((n, 2 * n))  # C order: the sparse product reads it row by row
    np.multiply(phi0.T, inv[None, :], out=rhs[:, :n])  # [p', p] = φ_pp' / Σφ_p·
    np.multiply(phi0, (k * inv)[:, None], out=rhs[:, n:])  # [p', p] = φ_p'p PCI_p' / Σφ_p'·
    both = np.asarray((scipy.sparse.csr_array(m) if sparse is None else sparse) @ rhs)
    dens = both[:, :n]
    absent = 1.0 - m
    # (1 - M) @ gain = column sums of gain - M @ gain
    cog: Matrix = np.subtract(rhs[:, n:].sum(axis=0)[None, :], both[:, n:])
    cog *= absent
    cog += 0.0  # no -0.0 in the output
    coi: Matrix = (dens * absent) @ k
    return dens, coi, cog
