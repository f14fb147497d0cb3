"""Long tables in, the three output tables out, one period (year) at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from feidi.complexity._complexity import Complexity, compute
from feidi.complexity._indices import PciScale
from feidi.complexity._matrix import CUTOFF, pivot
from feidi.complexity._subnational import RcaBase, Reference, reference_from, score_against

__all__ = ["ComplexityTables", "complexity_tables"]


@dataclass(frozen=True)
class ComplexityTables:
    """``locations`` (location, [year,] diversity, eci, coi), ``products`` (product, [year,]
    ubiquity, pci) and ``pairs`` (location, product, [year,] rca, m, density, cog); what was
    left out, by year (``None`` without a year): locations and products with a zero total
    and, in the subnational mode, products the reference does not have."""

    locations: pl.DataFrame
    products: pl.DataFrame
    pairs: pl.DataFrame
    dropped_locations: dict[object, tuple[str, ...]] = field(default_factory=dict)
    dropped_products: dict[object, tuple[str, ...]] = field(default_factory=dict)
    not_in_reference: dict[object, tuple[str, ...]] = field(default_factory=dict)


def _with_year(
    frame: pl.DataFrame, key: str, year: object, dtype: pl.DataType | None
) -> pl.DataFrame:
    if dtype is None:
        return frame
    return frame.insert_column(
        frame.columns.index(key) + 1,
        pl.Series("year", [year], dtype=dtype).new_from_index(0, frame.height),
    )


def complexity_tables(
    frame: pl.DataFrame,
    *,
    location: str = "location",
    product: str = "product",
    value: str = "value",
    year: str | None = None,
    reference: pl.DataFrame | None = None,
    cutoff: float = CUTOFF,
    pci_scale: PciScale = "own",
    rca_against: RcaBase = "reference",
) -> ComplexityTables:
    """The economic-complexity measures of a long location × product table, per ``year``.

    Without ``reference`` every measure comes from ``frame`` itself (:func:`compute`). With
    ``reference`` (a long table with the same column names) PCI and proximity come from it
    and ``frame``'s locations are scored against it (:func:`score_against`); if
    ``reference`` has the ``year`` column too, each year is scored against the same year.

    Examples
    --------
    >>> df = pl.DataFrame({
    ...     "county": ["a", "a", "a", "b", "b", "c", "c", "c"],
    ...     "industry": ["x", "y", "z", "x", "y", "x", "y", "z"],
    ...     "output": [5.0, 3.0, 2.0, 6.0, 1.0, 1.0, 4.0, 5.0]})
    >>> t = complexity_tables(df, location="county", product="industry", value="output")
    >>> t.locations.columns, t.pairs.columns
    (['location', 'diversity', 'eci', 'coi'], ['location', 'product', 'rca', 'm', 'density', 'cog'])
    >>> t.locations["diversity"].to_list()
    [2, 1, 2]
    """
    periods: list[tuple[object, pl.DataFrame]]
    year_dtype: pl.DataType | None = None
    if year is None:
        periods = [(None, frame)]
    else:
        year_dtype = frame.schema[year]
        periods = [
            (key[0], part) for key, part in frame.sort(year).group_by(year, maintain_order=True)
        ]
    ref_by_year: dict[object, Reference] = {}
    single_ref: Reference | None = None
    if reference is not None:
        if year is not None and year in reference.columns:
            for rkey, rpart in reference.group_by(year):
                ref_by_year[rkey[0]] = reference_from(
                    pivot(rpart, location, product, value), cutoff=cutoff, pci_scale=pci_scale
                )
        else:
            single_ref = reference_from(
                pivot(reference, location, product, value), cutoff=cutoff, pci_scale=pci_scale
            )
    parts: dict[str, list[pl.DataFrame]] = {"locations": [], "products": [], "pairs": []}
    dropped_l: dict[object, tuple[str, ...]] = {}
    dropped_p: dict[object, tuple[str, ...]] = {}
    missing: dict[object, tuple[str, ...]] = {}
    for key, part in periods:
        panel = pivot(part, location, product, value)
        result: Complexity
        if reference is None:
            # fitness is not in the three tables: not computed
            result = compute(panel, cutoff=cutoff, pci_scale=pci_scale, fitness=False)
        else:
            ref = single_ref if single_ref is not None else ref_by_year.get(key)
            if ref is None:
                raise ValueError(
                    f"参照表没有 {key} 年的数据 / the reference has no rows for year {key}"
                )
            result, missing[key] = score_against(panel, ref, cutoff=cutoff, rca_against=rca_against)
        dropped_l[key] = result.panel.dropped_locations
        dropped_p[key] = result.panel.dropped_products
        parts["locations"].append(_with_year(result.locations_frame(), "location", key, year_dtype))
        parts["products"].append(_with_year(result.products_frame(), "product", key, year_dtype))
        parts["pairs"].append(_with_year(result.pairs_frame(), "product", key, year_dtype))
    if len(periods) > 1:  # each year's pairs name their own Enum of locations and products
        parts["pairs"] = [
            p.with_columns(pl.col("location", "product").cast(pl.String)) for p in parts["pairs"]
        ]
    return ComplexityTables(
        pl.concat(parts["locations"]),
        pl.concat(parts["products"]),
        pl.concat(parts["pairs"]),
        dropped_l,
        dropped_p,
        missing,
    )
