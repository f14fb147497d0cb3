"""The core speaks 'zh' or 'en'; Django speaks language codes. One mapping."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from django.utils import translation
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


def in_both(message: Any, **params: Any) -> tuple[str, str]:
    """A platform message (a lazy translation, ``gettext_lazy("… %(x)s …")``) in both
    languages with ``params`` filled in, as the core writes its own: for what is stored (an
    import's report) and read later by someone who may read the other language."""
    with translation.override("zh-hans"):
        zh = str(message) % params
    with translation.override("en"):
        en = str(message) % params
    return zh, en


def stored_pair(value: Any) -> tuple[str, str]:
    """A stored message as its (中文, English) pair. Messages stored before they were pairs
    (run warnings, import reasons) hold one "中文 / English" text: split once, here."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return str(value[0]), str(value[1])
    zh, sep, en = str(value).partition(" / ")
    return zh, en if sep else zh


def reason_pair(issue: Mapping[str, Any]) -> tuple[str, str]:
    """The reason of a stored input issue (``feidi.io.Issue`` as JSON) as its pair."""
    if issue.get("reason_en"):
        return str(issue.get("reason") or ""), str(issue["reason_en"])
    return stored_pair(issue.get("reason") or "")


def reason_text(issue: Mapping[str, Any]) -> str:
    """The reason of a stored input issue in the page's language."""
    return pick(reason_pair(issue))
