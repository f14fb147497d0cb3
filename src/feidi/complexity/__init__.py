"""Relatedness and economic complexity (经济复杂度与产业关联) from any location × product
table — output, exports, employment, firm counts.

:func:`rca` and :func:`mcp` (the M matrix), :func:`diversity`, :func:`ubiquity`,
:func:`eci_pci` (eigenvector method), :func:`proximity`, :func:`density`, :func:`outlook`
(complexity outlook index and gain), :func:`fitness_complexity`; :func:`compute` does them
all for one :class:`Panel`; :func:`complexity_tables` for a long table, per year. The
subnational mode, :func:`reference_from` and :func:`score_against`, takes PCI and proximity
from a reference panel (a province, the country, the world) and scores one city against it.
Conventions (pacha, Stata ``ecomplexity``, py-ecomplexity, Datawheel) are in
``docs/complexity.md``.

>>> import numpy as np
>>> from feidi.complexity import eci_pci, mcp, rca
>>> m = mcp(rca([[5.0, 3.0, 2.0], [6.0, 1.0, 0.0], [1.0, 4.0, 5.0]]))
>>> eci, pci = eci_pci(m)
>>> m.astype(int).tolist(), eci.round(3).tolist()
([[1, 1, 0], [1, 0, 0], [0, 1, 1]], [-0.156, -0.913, 1.069])
"""

from typing import TYPE_CHECKING

from feidi._lazy import lazy_names

# Names are imported when first used (PEP 562): the `feidi` CLI registers `feidi complexity`
# through this package, and SciPy's import should not slow every other command.
_WHERE = {
    "Complexity": "_complexity",
    "compute": "_complexity",
    "fitness_complexity": "_fitness",
    "PciScale": "_indices",
    "eci_pci": "_indices",
    "zscore": "_indices",
    "OUTPUT_FILES": "_io",
    "read_table": "_io",
    "write_tables": "_io",
    "CUTOFF": "_matrix",
    "Panel": "_matrix",
    "diversity": "_matrix",
    "mcp": "_matrix",
    "pivot": "_matrix",
    "rca": "_matrix",
    "ubiquity": "_matrix",
    "density": "_proximity",
    "location_proximity": "_proximity",
    "outlook": "_proximity",
    "proximity": "_proximity",
    "RcaBase": "_subnational",
    "Reference": "_subnational",
    "reference_from": "_subnational",
    "score_against": "_subnational",
    "ComplexityTables": "_tables",
    "complexity_tables": "_tables",
}

if TYPE_CHECKING:
    from feidi.complexity._complexity import Complexity, compute
    from feidi.complexity._fitness import fitness_complexity
    from feidi.complexity._indices import PciScale, eci_pci, zscore
    from feidi.complexity._io import OUTPUT_FILES, read_table, write_tables
    from feidi.complexity._matrix import (
        CUTOFF,
        Panel,
        diversity,
        mcp,
        pivot,
        rca,
        ubiquity,
    )
    from feidi.complexity._proximity import density, location_proximity, outlook, proximity
    from feidi.complexity._subnational import RcaBase, Reference, reference_from, score_against
    from feidi.complexity._tables import ComplexityTables, complexity_tables


__getattr__ = lazy_names(__name__, _WHERE, globals())


__all__ = [
    "CUTOFF",
    "OUTPUT_FILES",
    "Complexity",
    "ComplexityTables",
    "Panel",
    "PciScale",
    "RcaBase",
    "Reference",
    "complexity_tables",
    "compute",
    "density",
    "diversity",
    "eci_pci",
    "fitness_complexity",
    "location_proximity",
    "mcp",
    "outlook",
    "pivot",
    "proximity",
    "rca",
    "read_table",
    "reference_from",
    "score_against",
    "ubiquity",
    "write_tables",
    "zscore",
]
