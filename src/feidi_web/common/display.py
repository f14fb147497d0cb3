"""Values as people read them, in the page's language: one home for how a stored figure,
category, yes/no or "none" is written on a page, in an export or in the change log."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _

from feidi.parties import PartyKind
from feidi.reference import industry
from feidi.rules import number_text as core_number_text
from feidi.schema import Field
from feidi_web.common.lang import core_lang


def number_text(value: Any, digits: int = 2) -> str:
    """A stored figure as the core writes figures (``feidi.rules.number_text``), — if
    unknown, 无 / none for "no award" (+∞, stored as "none")."""
    if value is None or value == "":
        return "—"
    if value == "none" or (isinstance(value, float) and math.isinf(value)):
        return _("none")
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(f):
        return "—"
    return core_number_text(f, places=int(digits))


def choice_text(field: Field, key: str) -> str:
    """One category of an enum, flags or titles field in the page's language
    (``Field.value_label``); a title held since a date (``innovative@2024-11-29``) reads
    创新型中小企业（2024-11-29）."""
    level, _sep, since = key.partition("@")
    text = field.value_label(level, core_lang())
    if since:
        return f"{text}（{since}）" if core_lang() == "zh" else f"{text} ({since})"
    return text


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


def industry_text(code: str) -> str:
    """An industry (GB/T 4754) as people name it: its Chinese name; English pages give the
    code with the standard's name (the national table has no English names)."""
    if not code:
        return "—"
    found = industry(code)
    if found is None:
        return code
    return found.name if core_lang() == "zh" else f"GB/T 4754 {found.section}{found.code}"


def kind_text(kind: str) -> str:
    """A party's kind (``feidi.parties.PartyKind``) in the page's language."""
    try:
        return PartyKind(kind).label(core_lang())
    except ValueError:
        return kind
