"""Values as people read them, in the page's language: one home for how a stored figure,
category, yes/no or "none" is written on a page, in an export or in the change log."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _

from feidi.schema import Field
from feidi_web.common.lang import core_lang


def number_text(value: Any, digits: int = 2) -> str:
    """A figure: thousands separators, trailing zeros dropped, — if unknown."""
    if value is None or value == "":
        return "—"
    if value == "none" or (isinstance(value, float) and math.isinf(value)):
        return _("none")
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{f:,.{int(digits)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def choice_text(field: Field, key: str) -> str:
    """One category of an enum or flags field: its first Chinese name, or the key in words."""
    aliases = field.values.get(key) or ()
    if core_lang() == "zh" and aliases:
        return aliases[0]
    return key.replace("_", " ")


def value_text(field: Field | None, value: Any) -> str:
    """A stored value of ``field`` (None: a plain number or text)."""
    if value is None or value == "":
        return "—"
    if field is None:
        return number_text(value) if isinstance(value, int | float) else str(value)
    if field.kind == "bool":
        return _("yes") if value else _("no")
    if field.kind == "enum":
        return choice_text(field, str(value))
    if field.kind in ("flags", "titles"):
        keys = [k for k in str(value).split(";") if k]
        return "、".join(choice_text(field, k) for k in keys) if keys else _("none")
    if isinstance(value, int | float) or value == "none":
        return number_text(value)
    return str(value)
