"""Checking free text a person typed (a note, a reason) before a service stores it."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

#: Control characters other than tab and line breaks: never part of what a person typed.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def checked_text(errors: dict[str, list[str]], field: str, value: Any, limit: int) -> str:
    """``value`` stripped; a text over ``limit`` characters or holding control characters
    adds its reason to ``errors[field]`` (the caller raises them together)."""
    text = str(value or "").strip()
    if len(text) > limit:
        errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    elif CONTROL.search(text):
        errors[field] = [_("The text contains control characters.")]
    return text
