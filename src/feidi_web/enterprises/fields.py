"""The fields the registry keeps: the canonical ones (``feidi.schema``) and every shipped
rulebook's own inputs (a province's: 山东 ``sd_key_industry`` …), so that any shipped rulebook
can grade the firms it stores, and an import keeps a province's columns instead of dropping
them as unknown."""

from __future__ import annotations

from functools import cache

from feidi.rules import shipped_inputs
from feidi.schema import FIELDS, Field


def extra_fields() -> tuple[Field, ...]:
    """The shipped rulebooks' own inputs (all firm-level)."""
    return shipped_inputs()


@cache
def registry_fields() -> dict[str, Field]:
    """Every field the registry keeps, by name."""
    return {f.name: f for f in (*FIELDS, *extra_fields())}
