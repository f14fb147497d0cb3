"""Titles a firm holds and when each is due for 复核 (re-examination).

A title lasts three years from its grant date; the same calendar date three years on is the
first day it no longer holds, so a 29 February grant lapses on 1 March (``CRITERIA.md``).
The engine tests the same rule on YYYYMMDD integers (``_measures._title_held``); this module
states it on dates for pages that list a firm's grants and their due dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from feidi.schema import TITLE_LEVELS, TITLE_SLOTS, title_date_column, title_undated_column

__all__ = ["TitleGrant", "highest_title", "review_due", "title_grants"]


def review_due(granted: date) -> date:
    """The first day a title granted on ``granted`` no longer holds (its 复核 date).

    Examples
    --------
    >>> review_due(date(2023, 7, 1)), review_due(date(2024, 2, 29))
    (datetime.date(2026, 7, 1), datetime.date(2027, 3, 1))
    """
    try:
        return granted.replace(year=granted.year + 3)
    except ValueError:  # 29 February in a year without one: the title runs through 28 Feb
        return date(granted.year + 3, 3, 1)


@dataclass(frozen=True, slots=True)
class TitleGrant:
    """One dated grant of a ladder title."""

    level: str
    granted: date
    review_due: date

    def held_on(self, as_of: date) -> bool:
        return self.granted <= as_of < self.review_due


def title_grants(firm: Mapping[str, Any]) -> list[TitleGrant]:
    """Every dated grant in a normalised firm row (``Dataset.firms``), newest first.

    Examples
    --------
    >>> row = {"title_specialized_1": 20240229, "title_innovative_1": 20220301}
    >>> [(g.level, g.review_due.isoformat()) for g in title_grants(row)]
    [('specialized', '2027-03-01'), ('innovative', '2025-03-01')]
    """
    out: list[TitleGrant] = []
    for level in TITLE_LEVELS:
        for slot in range(1, TITLE_SLOTS + 1):
            value = firm.get(title_date_column(level, slot))
            if value is None:
                continue
            granted = date(int(value) // 10000, int(value) // 100 % 100, int(value) % 100)
            out.append(TitleGrant(level, granted, review_due(granted)))
    return sorted(out, key=lambda g: g.granted, reverse=True)


def highest_title(firm: Mapping[str, Any], on: date, *, undated: bool) -> str | None:
    """The highest ladder title a normalised firm row holds on ``on``: a dated grant within its
    three years, and — with ``undated`` — a title listed without a date, which the rulebooks
    count as held. A case's outcome leaves undated titles out: it cannot say when they came.

    Examples
    --------
    >>> row = {"title_innovative_1": 20240301, "title_specialized_undated": True}
    >>> highest_title(row, date(2026, 6, 30), undated=True)
    'specialized'
    >>> highest_title(row, date(2026, 6, 30), undated=False)
    'innovative'
    >>> highest_title(row, date(2027, 3, 1), undated=False) is None
    True
    """
    held = {g.level for g in title_grants(firm) if g.held_on(on)}
    if undated:
        held |= {level for level in TITLE_LEVELS if firm.get(title_undated_column(level)) is True}
    return next((level for level in reversed(TITLE_LEVELS) if level in held), None)
