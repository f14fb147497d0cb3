"""Dates every part of Feidi reads the same way: which fiscal year an as-of date grades, and
which as-of dates are accepted at all.

Examples
--------
>>> from datetime import date
>>> fiscal_year(date(2026, 6, 30))
2025
>>> as_of_problem(date(1999, 1, 1))
('评价日期 1999-01-01 超出范围：2000-01-01 至 2100-12-31', 'as-of 1999-01-01 is out of range: 2000-01-01 … 2100-12-31')
"""

from __future__ import annotations

from datetime import date

__all__ = ["EARLIEST_AS_OF", "LATEST_AS_OF", "as_of_problem", "fiscal_year"]

#: The as-of dates accepted anywhere (CLI, runs, the portal's what-if). The rulebooks start
#: in 2022; earlier dates are still graded, with the rulebook's effective-period warning.
EARLIEST_AS_OF = date(2000, 1, 1)
LATEST_AS_OF = date(2100, 12, 31)


def fiscal_year(as_of: date) -> int:
    """上年度: the fiscal year before the as-of date's year (the one whose accounts are
    closed and audited when titles are applied for)."""
    return as_of.year - 1


def as_of_problem(as_of: date) -> tuple[str, str] | None:
    """(中文, English) saying why ``as_of`` is refused, with the allowed range; None if fine."""
    if EARLIEST_AS_OF <= as_of <= LATEST_AS_OF:
        return None
    return (
        f"评价日期 {as_of} 超出范围：{EARLIEST_AS_OF} 至 {LATEST_AS_OF}",
        f"as-of {as_of} is out of range: {EARLIEST_AS_OF} … {LATEST_AS_OF}",
    )
