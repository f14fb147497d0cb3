"""Stored records → the core's structured explanation, in the page's language."""

from __future__ import annotations

from functools import cache
from typing import Any

from feidi.rules import Explanation, Rulebook, explain, load_rulebook
from feidi_web.common.lang import core_lang
from feidi_web.enterprises.codec import from_json


@cache
def rulebook(book_id: str) -> Rulebook:
    return load_rulebook(book_id)


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        return from_json({k: _restore(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def record_explanation(record: dict[str, Any]) -> Explanation:
    return explain(rulebook(record["rulebook"]), _restore(record), core_lang())
