"""The subnational mode: score locations against a reference panel's PCI and proximity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from feidi.complexity._complexity import Complexity, compute
from feidi.complexity._indices import PciScale
from feidi.complexity._matrix import CUTOFF, Matrix, Panel, diversity, mcp, rca
from feidi.complexity._proximity import outlook

__all__ = ["RcaBase", "Reference", "reference_from", "score_against"]

#: The shares RCA is measured against in the subnational mode: ``"reference"`` — the
#: reference panel's product shares (works for a single city); ``"input"`` — the scored
#: table's own (Datawheel's ``complexity_subnational``, which needs several locations).
RcaBase = Literal["reference", "input"]


@dataclass(frozen=True, eq=False)
class Reference:
    """What the subnational mode takes from a reference panel (a province, the country, the
    world): its products, their PCI, ubiquity and proximity, and their share of its total.
    """

    products: tuple[str, ...]
    pci: Matrix
    ubiquity: Matrix
    proximity: Matrix
    share: Matrix
    full: Complexity


def reference_from(
    panel: Panel, *, cutoff: float = CUTOFF, pci_scale: PciScale = "own"
) -> Reference:
    """Compute the reference measures of ``panel`` (see :func:`compute`).

    >>> ref = reference_from(Panel.from_dense([[5, 3, 2], [6, 1, 0], [1, 4, 5]], "abc", "xyz"))
    >>> ref.products, ref.share.round(3).tolist()
    (('x', 'y', 'z'), [0.444, 0.296, 0.259])
    """
    full = compute(panel, cutoff=cutoff, pci_scale=pci_scale)
    totals = panel.values.sum(axis=0)
    return Reference(
        panel.products, full.pci, full.ubiquity, full.proximity, totals / totals.sum(), full
    )


def score_against(
    panel: Panel,
    reference: Reference,
    *,
    cutoff: float = CUTOFF,
    rca_against: RcaBase = "reference",
) -> tuple[Complexity, tuple[str, ...]]:
    r"""Score each location of ``panel`` (one city is enough) against ``reference``.

    Products are the reference's (a product the reference lacks has no PCI: it is left out
    and returned as the second value). RCA is against the reference's product shares
    (``rca_against="reference"``) or the panel's own (Datawheel). Then M = RCA ≥ ``cutoff``;
    ECI is the mean reference PCI of the products a location has (Datawheel's
    ``complexity_subnational``; on the reference's ECI scale when it was built with
    ``pci_scale="eci"``); density, COI and COG use the reference's proximity and PCI, so a
    county ranks the industries near its capabilities and complex enough to be worth it.

    Examples
    --------
    >>> ref = reference_from(Panel.from_dense(
    ...     [[5, 3, 1, 1], [2, 4, 3, 0], [1, 2, 4, 3], [0, 1, 3, 5]], "abcd", "wxyz"))
    >>> city = Panel.from_dense([[1.0, 6.0, 1.0, 0.0]], ["县"], "wxyz")
    >>> scored, left_out = score_against(city, ref)
    >>> scored.m.astype(int).tolist(), left_out
    ([[0, 1, 0, 0]], ())
    >>> bool(scored.eci[0] == ref.pci[1])
    True
    """
    index = {p: j for j, p in enumerate(reference.products)}
    known = np.array([p in index for p in panel.products], dtype=bool)
    left_out = tuple(p for p, k in zip(panel.products, known, strict=True) if not k)
    cols = np.array([index[p] for p in panel.products if p in index], dtype=np.int64)

    def on_reference_products(values: Matrix) -> Matrix:
        out = np.zeros((values.shape[0], len(reference.products)))
        out[:, cols] = values[:, known]
        return out

    x = on_reference_products(panel.values)
    kept = x.sum(axis=1) > 0
    dropped_locs = tuple(np.asarray(panel.locations, dtype=object)[~kept])
    locations = tuple(np.asarray(panel.locations, dtype=object)[kept])
    if not locations:
        raise ValueError(
            "没有地区在参照产品中有正值 / no location has a positive value in the reference's"
            " products"
        )
    if rca_against == "reference":
        x = x[kept]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (x / x.sum(axis=1, keepdims=True)) / reference.share[None, :]
    else:
        # within the scored table, every product counted (Datawheel), then the reference's
        r = on_reference_products(rca(panel.values))[kept]
        x = x[kept]
    r = np.nan_to_num(r, nan=0.0, posinf=0.0)
    m = mcp(r, cutoff)
    div = diversity(m)
    pci = reference.pci
    with np.errstate(divide="ignore", invalid="ignore"):
        eci = (m @ np.nan_to_num(pci, nan=0.0)) / (m @ np.isfinite(pci).astype(np.float64))
    dens, coi, cog = outlook(m, reference.proximity, pci)
    scored_panel = Panel(
        locations,
        reference.products,
        x,
        (*panel.dropped_locations, *dropped_locs),
        panel.dropped_products,
    )
    nan_loc = np.full(len(locations), np.nan)
    nan_prod = np.full(len(reference.products), np.nan)
    return (
        Complexity(
            scored_panel,
            r,
            m,
            div,
            reference.ubiquity,
            eci,
            pci,
            reference.proximity,
            dens,
            coi,
            cog,
            nan_loc,
            nan_prod,
        ),
        left_out,
    )
