"""The engine's records as the diagnosis reads them: verdicts alone for every firm, whole
records (with their nested traces) only where words are made from them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import polars as pl

__all__ = ["Frames", "by_firm", "verdicts"]


@dataclass(frozen=True)
class Frames:
    """Firms and financials shaped like ``feidi.io.Dataset`` (what ``evaluate`` reads)."""

    firms: pl.DataFrame
    financials: pl.DataFrame


def verdicts(records: pl.DataFrame) -> dict[str, dict[str, tuple[str, tuple[str, ...]]]]:
    """Credit code → rule or tier → (verdict, missing), without the nested traces."""
    out: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = defaultdict(dict)
    for code, tier, verdict, missing in records.select(
        "credit_code", "tier", "verdict", "missing"
    ).iter_rows():
        out[code][tier] = (verdict, tuple(missing or ()))
    return out


def by_firm(records: pl.DataFrame) -> dict[str, dict[str, dict[str, Any]]]:
    """Credit code → rule or tier → the whole record (nested traces as Python objects)."""
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in records.iter_rows(named=True):
        out[r["credit_code"]][r["tier"]] = r
    return out
