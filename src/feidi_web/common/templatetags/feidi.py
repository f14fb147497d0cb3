"""Template filters for numbers and verdicts, shared by every app."""

from __future__ import annotations

from typing import Any

from django import template

from feidi_web.common.display import number_text

register = template.Library()


@register.filter
def num(value: Any, digits: int = 2) -> str:
    """A figure as people read it (``common.display.number_text``)."""
    return number_text(value, digits)


@register.filter
def verdict_class(verdict: str) -> str:
    return {"pass": "success", "fail": "danger", "unknown": "warning"}.get(verdict, "secondary")


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def signed(value: Any, digits: int = 0) -> str:
    """A change with its sign: +12, −3.5 (— if unknown)."""
    if value is None:
        return "—"
    text = number_text(abs(float(value)), digits)
    return f"+{text}" if float(value) > 0 else (f"−{text}" if float(value) < 0 else text)
