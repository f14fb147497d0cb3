"""A firm's figures at a point in time — what a case's baseline keeps and its outcome is
measured against: jobs, revenue, R&D (the latest fiscal year) and the highest ladder tier
held (from the registry's title grants)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from feidi.rules import highest_title
from feidi.schema import TITLE_LEVELS

#: The figures a baseline keeps, by canonical field name (``feidi.schema``).
FIGURES = ("employees", "revenue", "rd_expense")


def highest_tier(profile: Mapping[str, Any], on: date) -> str:
    """The highest ladder title the firm holds on ``on`` ("" for none). A dated grant holds
    for three years; an undated title (``holds_*`` without a date) is not counted here, as a
    case cannot say when it was reached."""
    return highest_title(profile, on, undated=False) or ""


def tier_rank(tier: str) -> int:
    """0 for none, 1 innovative … 3 little giant."""
    return TITLE_LEVELS.index(tier) + 1 if tier in TITLE_LEVELS else 0


def snapshot(
    profile: Mapping[str, Any],
    years: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    on: date,
    after: int | None = None,
    until: int | None = None,
) -> dict[str, Any]:
    """The firm's latest fiscal year (later than ``after``, at most ``until``, when given) and
    its tier on ``on``: ``{"year", "employees", "revenue", "rd_expense", "tier"}``; ``year`` is
    None when there is no such year (then the figures are None: unknown, not zero)."""
    rows = sorted(
        (y, f) for y, f in years if (after is None or y > after) and (until is None or y <= until)
    )
    year, figures = rows[-1] if rows else (None, {})
    return {"year": year, **figures_of(figures), "tier": highest_tier(profile, on)}


def figures_of(figures: Mapping[str, Any]) -> dict[str, float | None]:
    """The baseline's figures of one stored fiscal year (None: not reported)."""
    out: dict[str, float | None] = {}
    for name in FIGURES:
        value = figures.get(name)
        out[name] = float(value) if isinstance(value, int | float) else None
    return out
