"""Bring a firm's fiscal years onto one row: the wide frame the engine evaluates.

Each year field becomes ``<field>__y0`` (上年度, the fiscal year before the as-of date's year),
``__y1`` (the year before) … Masking each column to its year and taking one aggregate per
firm is the fastest engine-neutral reshape measured (PERFORMANCE.md): no pivot, no self-joins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

import narwhals as nw
import numpy as np
import numpy.typing as npt
import polars as pl

from feidi.dates import fiscal_year
from feidi.rules._measures import year_column
from feidi.rules._model import Measure
from feidi.schema import TITLE_COLUMNS, YEAR_FIELDS


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


def polars_wide_frame(
    firms: pl.DataFrame,
    financials: pl.DataFrame,
    as_of: date,
    n_years: int,
    columns: Iterable[str] | None = None,
) -> pl.DataFrame:
    """:func:`wide_frame` in Polars and NumPy, firms in the order of ``firms``.

    A fiscal year has one row per firm (the input checks refuse a repeated one), so each
    year's value goes straight to its firm's row — no grouping, no join back to the firms'
    order. Only ``columns`` of ``firms`` (default: all) come along. Data with a repeated
    firm-year (nothing read by ``feidi.io`` has one) takes :func:`wide_frame`'s maxima.
    """
    y0 = fiscal_year(as_of)
    chosen = firms if columns is None else firms.select(columns)
    n = firms.height
    names = [year_column(f, k) for f in YEAR_FIELDS for k in range(n_years)]
    year = financials.get_column("year").cast(pl.Int64).to_numpy()
    rows = _firm_rows(firms.get_column("credit_code"), financials.get_column("credit_code"))
    back = y0 - year
    keep = (back >= 0) & (back < n_years) & (rows >= 0)
    slot = rows[keep] * n_years + back[keep]
    if len(slot) and np.bincount(slot, minlength=n * n_years).max() > 1:
        years = (
            financials.lazy()
            .filter((pl.col("year") <= y0) & (pl.col("year") > y0 - n_years))
            .select(
                "credit_code",
                *[
                    pl.when(pl.col("year") == y0 - k).then(pl.col(f)).alias(year_column(f, k))
                    for f in YEAR_FIELDS
                    for k in range(n_years)
                ],
            )
            .group_by("credit_code")
            .agg(pl.col(c).max() for c in names)
        )
        return (
            chosen.lazy().join(years, on="credit_code", how="left", maintain_order="left").collect()
        )
    # per year back: the financial rows that are that year, and their firms' rows
    at = [np.flatnonzero(keep & (back == k)) for k in range(n_years)]
    to = [rows[a] for a in at]
    out: list[pl.Series] = []
    for f in YEAR_FIELDS:
        values = financials.get_column(f).cast(pl.Float64).to_numpy()
        for k in range(n_years):
            wide = np.full(n, np.nan)
            wide[to[k]] = values[at[k]]
            out.append(pl.Series(year_column(f, k), wide).fill_nan(None))
    return chosen.with_columns(out)


def _firm_rows(firm_codes: pl.Series, row_codes: pl.Series) -> npt.NDArray[np.int64]:
    """For each row of ``row_codes``, the row of its firm in ``firm_codes`` (−1: none).

    When each firm's rows come together in the firms' order (how ``feidi.io`` builds them),
    that is the number of the run of equal codes — no hashing of millions of codes.
    """
    if row_codes.len() and row_codes.null_count() == 0:
        starts = row_codes.ne_missing(row_codes.shift())
        heads = row_codes.filter(starts)
        if heads.len() == firm_codes.len() and heads.equals(firm_codes, check_names=False):
            return (starts.cast(pl.Int64).cum_sum() - 1).to_numpy()
    index = pl.DataFrame({"credit_code": firm_codes, "__row": np.arange(firm_codes.len())})
    joined = (
        row_codes.to_frame("credit_code")
        .join(index, on="credit_code", how="left", maintain_order="left")
        .get_column("__row")
        .fill_null(-1)
    )
    return joined.cast(pl.Int64).to_numpy()


def firm_columns(measures: Iterable[Measure], available: Iterable[str]) -> list[str]:
    """The columns of the firms frame that ``measures`` read (and the firm's code and name)."""
    have = set(available)
    out = ["credit_code", "name"]

    def add(name: str) -> None:
        if name in have and name not in out:
            out.append(name)

    for m in measures:
        if m.kind == "title":
            for c in TITLE_COLUMNS:
                add(c)
        elif m.kind in ("any_of", "present", "field", "ordinal"):
            for a in m.args:
                add(a)
    return out


def exact_batches(batches: Iterable[pl.DataFrame], size: int) -> Iterator[pl.DataFrame]:
    """``batches`` re-cut into frames of exactly ``size`` rows (the last may be shorter), so
    that where a batch ends never depends on how an engine streamed its result."""
    pending: list[pl.DataFrame] = []
    held = 0
    for batch in batches:
        while batch.height:
            take = min(size - held, batch.height)
            pending.append(batch.slice(0, take))
            held += take
            batch = batch.slice(take)
            if held == size:
                yield pending[0] if len(pending) == 1 else pl.concat(pending)
                pending, held = [], 0
    if held:
        yield pending[0] if len(pending) == 1 else pl.concat(pending)
