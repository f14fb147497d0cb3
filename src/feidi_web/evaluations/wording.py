"""Stored records → the core's structured explanation, in the page's language."""

from __future__ import annotations

from functools import cache
from typing import Any

from feidi.rules import Explanation, Rulebook, explain, load_rulebook
from feidi_web.common.lang import core_lang
from feidi_web.enterprises.codec import restore


@cache
def rulebook(book_id: str) -> Rulebook:
    return load_rulebook(book_id)


def record_explanation(record: dict[str, Any]) -> Explanation:
    return explain(rulebook(record["rulebook"]), restore(record), core_lang())
