"""The location × product matrix, the Balassa index (RCA), the M matrix, diversity, ubiquity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = ["CUTOFF", "Panel", "diversity", "mcp", "pivot", "rca", "ubiquity"]

Matrix = npt.NDArray[np.float64]

#: M = 1 where RCA ≥ this (Balassa 1965; Hidalgo et al. 2007; pacha, py-ecomplexity, Datawheel).
CUTOFF = 1.0


@dataclass(frozen=True, eq=False)
class Panel:
    """One period's location × product table: ``values[i, j]`` for ``locations[i]`` and
    ``products[j]`` (both sorted, as R factors and py-ecomplexity sort them).

    Locations and products whose total is zero are dropped by :func:`pivot` and named in
    ``dropped_locations`` / ``dropped_products``: their RCA is 0 / 0.

    Examples
    --------
    >>> import numpy as np
    >>> p = Panel(("a", "b"), ("x", "y"), np.array([[1.0, 0.0], [1.0, 1.0]]))
    >>> p.shape
    (2, 2)
    """

    locations: tuple[str, ...]
    products: tuple[str, ...]
    values: Matrix
    dropped_locations: tuple[str, ...] = ()
    dropped_products: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.locations), len(self.products)):
            raise ValueError(
                f"矩阵形状与名称不符 / values are {self.values.shape}, names"
                f" {len(self.locations)} × {len(self.products)}"
            )

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.locations), len(self.products)

    @classmethod
    def from_dense(
        cls, values: npt.ArrayLike, locations: Sequence[str], products: Sequence[str]
    ) -> Panel:
        """A panel from a dense matrix, dropping all-zero rows and columns (named in
        ``dropped_*``). Negative or non-finite values raise :class:`ValueError`.

        >>> Panel.from_dense([[1, 0, 0], [0, 0, 0], [2, 3, 0]], "abc", "xyz").dropped_locations
        ('b',)
        """
        x = np.asarray(values, dtype=np.float64)
        if not np.isfinite(x).all():
            raise ValueError("值须为有限数 / values must be finite (no NaN or inf)")
        if (x < 0).any():
            raise ValueError("值不能为负 / values must not be negative")
        rows, cols = x.sum(axis=1) > 0, x.sum(axis=0) > 0
        locs, prods = (
            np.asarray(list(locations), dtype=object),
            np.asarray(list(products), dtype=object),
        )
        return cls(
            tuple(locs[rows]),
            tuple(prods[cols]),
            np.ascontiguousarray(x[np.ix_(rows, cols)]),
            tuple(locs[~rows]),
            tuple(prods[~cols]),
        )


def pivot(frame: pl.DataFrame, location: str, product: str, value: str) -> Panel:
    """The :class:`Panel` of a long table (one row per location × product).

    Duplicate location × product rows are **summed** here (as pacha's
    ``country_product_aggregation``); :func:`feidi.complexity.read_table` refuses them in a
    file instead, where a repeated row is more likely a mistake. Missing pairs and null
    values are 0. Negative or non-finite values raise :class:`ValueError`.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"c": ["b", "a", "a"], "p": ["x", "x", "y"], "v": [1.0, 2.0, 3.0]})
    >>> p = pivot(df, "c", "p", "v")
    >>> p.locations, p.products, p.values.tolist()
    (('a', 'b'), ('x', 'y'), [[2.0, 3.0], [1.0, 0.0]])
    """
    data = frame.select(
        pl.col(location).cast(pl.String).alias("l"),
        pl.col(product).cast(pl.String).alias("p"),
        pl.col(value).cast(pl.Float64).fill_null(0.0).alias("v"),
    )
    if data["l"].null_count() or data["p"].null_count():
        raise ValueError("地区或产品为空 / a location or product is empty")
    locs = data["l"].unique().sort()
    prods = data["p"].unique().sort()
    codes = data.select(
        pl.col("l").cast(pl.Enum(locs)).to_physical().cast(pl.Int64),
        pl.col("p").cast(pl.Enum(prods)).to_physical().cast(pl.Int64),
    )
    v = data["v"].to_numpy()
    if not np.isfinite(v).all():
        raise ValueError("值须为有限数 / values must be finite (no NaN or inf)")
    if (v < 0).any():
        raise ValueError("值不能为负 / values must not be negative")
    n_l, n_p = locs.len(), prods.len()
    flat = codes["l"].to_numpy() * n_p + codes["p"].to_numpy()
    x = np.bincount(flat, weights=v, minlength=n_l * n_p).reshape(n_l, n_p)
    return Panel.from_dense(x, locs.to_list(), prods.to_list())


def rca(values: npt.ArrayLike) -> Matrix:
    r"""Balassa's revealed comparative advantage,
    :math:`RCA_{cp} = (X_{cp} / X_c) / (X_p / X)`.

    Rows or columns of zeros give NaN (0 / 0); :func:`pivot` drops them first.

    >>> rca([[1.0, 1.0], [0.0, 2.0]]).round(4).tolist()
    [[2.0, 0.6667], [0.0, 1.3333]]
    """
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = x / x.sum(axis=1, keepdims=True)
        out: Matrix = share / (x.sum(axis=0, keepdims=True) / x.sum())
    return out


def mcp(rca_values: Matrix, cutoff: float = CUTOFF) -> Matrix:
    """The M matrix: 1 where RCA ≥ ``cutoff``, else 0 (NaN → 0).

    Stata ``ecomplexity`` uses RCA > cutoff; the two differ only on an exact tie (see
    ``docs/complexity.md``).

    >>> mcp(np.array([[2.0, 1.0], [0.5, np.nan]])).tolist()
    [[1.0, 1.0], [0.0, 0.0]]
    """
    return (np.nan_to_num(rca_values, nan=0.0) >= cutoff).astype(np.float64)


def diversity(m: Matrix) -> Matrix:
    """How many products each location has (row sums of M).

    >>> diversity(np.array([[1.0, 1.0], [0.0, 1.0]])).tolist()
    [2.0, 1.0]
    """
    out: Matrix = m.sum(axis=1)
    return out


def ubiquity(m: Matrix) -> Matrix:
    """How many locations have each product (column sums of M).

    >>> ubiquity(np.array([[1.0, 1.0], [0.0, 1.0]])).tolist()
    [1.0, 2.0]
    """
    out: Matrix = m.sum(axis=0)
    return out
