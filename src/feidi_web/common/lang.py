"""The core speaks 'zh' or 'en'; Django speaks language codes. One mapping."""

from __future__ import annotations

from functools import cache
from typing import Literal

from django.utils.translation import get_language

from feidi.rules import shipped_inputs
from feidi.schema import FIELDS, Field


def core_lang() -> Literal["zh", "en"]:
    return "en" if (get_language() or "zh-hans").startswith("en") else "zh"


@cache
def _fields() -> dict[str, Field]:
    # canonical fields and the shipped rulebooks' own inputs (a province's)
    return {f.name: f for f in (*FIELDS, *shipped_inputs())}


def field_label(name: str) -> str:
    f = _fields().get(name)
    if f is None:
        return name
    return f.en if core_lang() == "en" and f.en else f.zh


def pick(pair: tuple[str, str]) -> str:
    """The half of a core (中文, English) message in the page's language."""
    return pair[0] if core_lang() == "zh" else pair[1]
