"""Build normalised firm data by hand for rule tests (the shape feidi.io produces)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from feidi.reference import make_credit_code
from feidi.schema import (
    FIELDS_BY_NAME,
    FIRM_FIELDS,
    HONORS,
    TITLE_LEVELS,
    TITLE_SLOTS,
    YEAR_FIELDS,
    title_date_column,
    title_undated_column,
)

_DTYPES = {
    "bool": pl.Boolean,
    "str": pl.String,
    "code": pl.String,
    "enum": pl.String,
    "flags": pl.String,
    "titles": pl.String,
}


@dataclass(frozen=True)
class Data:
    firms: pl.DataFrame
    financials: pl.DataFrame


def code(i: int) -> str:
    return make_credit_code(f"91320581MA{i:07d}")


def firm_row(
    i: int,
    *,
    honors: list[str] | None = None,
    titles: dict[str, date | None] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A firm row; ``honors``/``titles`` None means the column was absent (unknown)."""
    row: dict[str, Any] = {"credit_code": code(i), "name": f"测试企业{i}"}
    for f in FIRM_FIELDS:
        if f in ("honors", "titles", "name"):
            continue
        row[f] = fields.pop(f, None)
    if fields:
        raise TypeError(f"unknown firm fields {sorted(fields)}")
    row["honors"] = None if honors is None else ";".join(sorted(honors))
    for h in HONORS:
        row[f"honor_{h}"] = None if honors is None else h in honors
    row["titles"] = None if titles is None else ";".join(titles)
    for lvl in TITLE_LEVELS:
        row[title_undated_column(lvl)] = (
            None if titles is None else (lvl in titles and titles[lvl] is None)
        )
        granted = titles.get(lvl) if titles else None
        for slot in range(1, TITLE_SLOTS + 1):
            value = None
            if slot == 1 and granted is not None:
                value = granted.year * 10000 + granted.month * 100 + granted.day
            row[title_date_column(lvl, slot)] = value
    return row


def dataset(
    firms: list[dict[str, Any]],
    financials: list[dict[str, Any]] | None = None,
) -> Data:
    """``financials``: rows with credit_code, year and year fields (others unknown)."""
    schema: dict[str, Any] = {"credit_code": pl.String, "name": pl.String}
    for f in FIRM_FIELDS:
        if f == "name":
            continue
        schema[f] = _DTYPES.get(FIELDS_BY_NAME[f].kind, pl.Float64)
    for h in HONORS:
        schema[f"honor_{h}"] = pl.Boolean
    for lvl in TITLE_LEVELS:
        schema[title_undated_column(lvl)] = pl.Boolean
        for slot in range(1, TITLE_SLOTS + 1):
            schema[title_date_column(lvl, slot)] = pl.Int32
    fdf = pl.DataFrame(firms, schema=schema)
    fin_schema = {
        "credit_code": pl.String,
        "year": pl.Int32,
        **{f: pl.Float64 for f in YEAR_FIELDS},
    }
    rows = [{f: r.get(f) for f in fin_schema} for r in (financials or [])]
    return Data(fdf, pl.DataFrame(rows, schema=fin_schema))


def years_of(i: int, **by_year: dict[str, Any]) -> list[dict[str, Any]]:
    """financial rows for firm ``i``: years_of(1, y2025={...}, y2024={...})."""
    return [{"credit_code": code(i), "year": int(k[1:]), **v} for k, v in by_year.items()]
