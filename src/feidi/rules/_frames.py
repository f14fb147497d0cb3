"""Bring a firm's fiscal years onto one row: the wide frame the engine evaluates.

Each year field becomes ``<field>__y0`` (上年度, the fiscal year before the as-of date's year),
``__y1`` (the year before) … Masking each column to its year and taking one aggregate per
firm is the fastest engine-neutral reshape measured (PERFORMANCE.md): no pivot, no self-joins.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import narwhals as nw

from feidi.rules._measures import year_column
from feidi.schema import YEAR_FIELDS


def fiscal_year(as_of: date) -> int:
    """上年度: the fiscal year before the as-of date's year."""
    return as_of.year - 1


def wide_frame(
    firms: nw.LazyFrame[Any], financials: nw.LazyFrame[Any], as_of: date, n_years: int
) -> nw.LazyFrame[Any]:
    """One row per firm of ``firms`` with its last ``n_years`` fiscal years as columns.

    ``financials`` holds one row per (credit_code, year); a year without a row is unknown.
    """
    y0 = fiscal_year(as_of)
    year = nw.col("year")
    masked = [
        nw.when(year == y0 - k).then(nw.col(f)).alias(year_column(f, k))
        for f in YEAR_FIELDS
        for k in range(n_years)
    ]
    years = (
        financials.filter((year <= y0) & (year > y0 - n_years))
        .select("credit_code", *masked)
        .group_by("credit_code")
        .agg(nw.col(year_column(f, k)).max() for f in YEAR_FIELDS for k in range(n_years))
    )
    return firms.join(years, on="credit_code", how="left")
