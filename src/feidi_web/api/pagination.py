"""Limit/offset pagination: 50 items unless asked, never more than 500 per page."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: Far beyond any registry, and within every database's integer range (SQL OFFSET is a
#: 64-bit integer; a larger number would fail in the driver, not answer 422).
MAX_OFFSET = 2**31 - 1


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (1–500, default 50)."
        )
        offset: int = Field(
            0, ge=0, le=MAX_OFFSET, description="Items to skip before the page starts."
        )

    class Output(Schema):
        items: list[Any] = Field(description="This page's items.")
        count: int = Field(description="How many items match, over all pages.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
