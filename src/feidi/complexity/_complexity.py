"""Everything for one period at once: :func:`compute` and its :class:`Complexity` result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse

from feidi.complexity._fitness import fitness_complexity
from feidi.complexity._indices import PciScale, eci_pci
from feidi.complexity._matrix import CUTOFF, Matrix, Panel, diversity, mcp, rca, ubiquity
from feidi.complexity._proximity import _min_conditional, outlook

__all__ = ["Complexity", "compute"]


@dataclass(frozen=True, eq=False)
class Complexity:
    """The measures of one period, arrays aligned with ``panel.locations`` (rows) and
    ``panel.products`` (columns). ``proximity`` is product × product.

    The three tables the CLI writes are :meth:`locations_frame`, :meth:`products_frame`
    and :meth:`pairs_frame`.
    """

    panel: Panel
    rca: Matrix
    m: Matrix
    diversity: Matrix
    ubiquity: Matrix
    eci: Matrix
    pci: Matrix
    proximity: Matrix
    density: Matrix
    coi: Matrix
    cog: Matrix
    fitness: Matrix
    product_complexity: Matrix

    def locations_frame(self) -> pl.DataFrame:
        """location, diversity, eci, coi — one row per location.

        >>> c = compute(Panel.from_dense([[5, 3, 2], [6, 1, 0], [1, 4, 5]], "abc", "xyz"))
        >>> c.locations_frame().columns
        ['location', 'diversity', 'eci', 'coi']
        """
        return pl.DataFrame(
            {
                "location": list(self.panel.locations),
                "diversity": self.diversity.astype(np.int64),
                "eci": self.eci,
                "coi": self.coi,
            },
            schema_overrides={"location": pl.String},
        )

    def products_frame(self) -> pl.DataFrame:
        """product, ubiquity, pci — one row per product."""
        return pl.DataFrame(
            {
                "product": list(self.panel.products),
                "ubiquity": self.ubiquity.astype(np.int64),
                "pci": self.pci,
            },
            schema_overrides={"product": pl.String},
        )

    def pairs_frame(self) -> pl.DataFrame:
        """location, product, rca, m, density, cog — every location × product, row-major;
        location and product as Polars Enums (cheap to build for millions of pairs)."""
        n_loc, n_prod = self.m.shape
        # Enum columns: gathering 4 million codes is cheap, 4 million strings are not
        locs = pl.Series(
            "location", list(self.panel.locations), dtype=pl.Enum(self.panel.locations)
        )
        prods = pl.Series("product", list(self.panel.products), dtype=pl.Enum(self.panel.products))
        return pl.DataFrame(
            [
                locs.gather(np.repeat(np.arange(n_loc), n_prod)),
                prods.gather(np.tile(np.arange(n_prod), n_loc)),
                pl.Series("rca", self.rca.ravel()),
                pl.Series("m", self.m.ravel().astype(np.int8)),
                pl.Series("density", self.density.ravel()),
                pl.Series("cog", self.cog.ravel()),
            ]
        )


def compute(
    panel: Panel, *, cutoff: float = CUTOFF, pci_scale: PciScale = "own", fitness: bool = True
) -> Complexity:
    """RCA, M, diversity, ubiquity, ECI, PCI, proximity, density, COI, COG and (unless
    ``fitness=False``, then NaN) fitness–complexity of one period's table.

    Examples
    --------
    >>> p = Panel.from_dense([[5, 3, 2], [6, 1, 0], [1, 4, 5]], ["甲", "乙", "丙"], "xyz")
    >>> c = compute(p)
    >>> c.m.astype(int).tolist(), c.eci.round(3).tolist()
    ([[1, 1, 0], [1, 0, 0], [0, 1, 1]], [-0.156, -0.913, 1.069])
    """
    if min(panel.shape) < 2:
        raise ValueError(
            "至少需要 2 个地区和 2 个产品（总量为 0 的已剔除）/ need at least 2 locations and"
            f" 2 products with a positive total, got {panel.shape[0]} × {panel.shape[1]}"
        )
    r = rca(panel.values)
    m = mcp(r, cutoff)
    eci, pci = eci_pci(m, pci_scale=pci_scale)
    sparse = scipy.sparse.csr_array(m)
    phi = _min_conditional(m, 0, sparse)
    dens, coi, cog = outlook(m, phi, pci, sparse=sparse)
    if fitness:
        fit, comp = fitness_complexity(m)
    else:
        fit, comp = np.full(m.shape[0], np.nan), np.full(m.shape[1], np.nan)
    return Complexity(
        panel, r, m, diversity(m), ubiquity(m), eci, pci, phi, dens, coi, cog, fit, comp
    )
