"""Normalised core rows ⇄ JSON-safe dicts, and stored rows → a core ``Dataset``.

The core marks "none" for ranks (no award) as +∞; JSON (and PostgreSQL's jsonb) has no
infinity, so it is stored as the string ``"none"``. Nothing else needs translating.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import polars as pl
from pypinyin import Style, lazy_pinyin

from feidi.io import Dataset, empty_dataset

NONE = "none"
KEY_COLUMNS = ("credit_code", "year")


def to_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A core row as a JSON-safe dict (∞ → "none", NaN → null)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, float) and not math.isfinite(value):
            value = NONE if value > 0 else None
        out[key] = value
    return out


def jsonable(value: Any) -> Any:
    """Deep JSON-safe copy of a core record (lists of structs included)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else (NONE if value > 0 else None)
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def from_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (math.inf if v == NONE else v) for k, v in row.items()}


@cache
def _schemas() -> tuple[pl.Schema, pl.Schema]:
    empty = empty_dataset()
    return empty.firms.schema, empty.financials.schema


def dataset_from_rows(
    firms: Iterable[Mapping[str, Any]], years: Iterable[tuple[str, int, Mapping[str, Any]]]
) -> Dataset:
    """Rebuild the core's ``Dataset`` from stored profiles and (credit_code, year, figures)."""
    firm_schema, fin_schema = _schemas()
    firm_rows = [from_json(f) for f in firms]
    fin_rows = [{"credit_code": c, "year": y, **from_json(fig)} for c, y, fig in years]
    return Dataset(
        firms=pl.DataFrame(firm_rows, schema=firm_schema, orient="row", strict=False)
        if firm_rows
        else pl.DataFrame(schema=firm_schema),
        financials=pl.DataFrame(fin_rows, schema=fin_schema, orient="row", strict=False)
        if fin_rows
        else pl.DataFrame(schema=fin_schema),
    )


def name_initials(name: str) -> str:
    """拼音首字母, lower case, letters and digits kept: 虞山融祥合金 → ysrxhj."""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for ch in "".join(letters).lower() if ch.isalnum())
