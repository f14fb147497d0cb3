"""Template filters for numbers and verdicts, shared by every app."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def num(value: Any, digits: int = 2) -> str:
    """A figure as people read it: thousands separators, trailing zeros dropped, — if unknown."""
    if value is None or value == "":
        return "—"
    if value == "none":
        return _("none")
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{f:,.{int(digits)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@register.filter
def verdict_class(verdict: str) -> str:
    return {"pass": "success", "fail": "danger", "unknown": "warning"}.get(verdict, "secondary")


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None
