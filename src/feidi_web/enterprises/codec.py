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
from feidi.schema import FIELDS
from feidi_web.enterprises.fields import extra_fields

NONE = "none"
KEY_COLUMNS = ("credit_code", "year")


def to_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A core row as a JSON-safe dict (∞ → "none", NaN → null)."""
    return jsonable(row)


def jsonable(value: Any) -> Any:
    """Deep JSON-safe copy of a core record (lists of structs included)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else (NONE if value > 0 else None)
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


#: Only rank fields hold +∞; an enum may have a real value "none" (研发机构 无).
_RANK_FIELDS = frozenset(f.name for f in FIELDS if f.kind == "rank")


def from_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored profile or figures row back to core values ("none" → +∞ in rank fields)."""
    return {k: (math.inf if v == NONE and k in _RANK_FIELDS else v) for k, v in row.items()}


def restore(value: Any) -> Any:
    """The inverse of :func:`jsonable` for stored records (numbers only, so no clash)."""
    if value == NONE:
        return math.inf
    if isinstance(value, Mapping):
        return {k: restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [restore(v) for v in value]
    return value


@cache
def _schemas() -> tuple[pl.Schema, pl.Schema]:
    empty = empty_dataset(extra_fields())  # a province's own columns too
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
