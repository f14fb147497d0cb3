"""The core speaks 'zh' or 'en'; Django speaks language codes. One mapping."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import get_language

from feidi.schema import FIELDS_BY_NAME


def core_lang() -> Literal["zh", "en"]:
    return "en" if (get_language() or "zh-hans").startswith("en") else "zh"


def field_label(name: str) -> str:
    f = FIELDS_BY_NAME.get(name)
    if f is None:
        return name
    return f.en if core_lang() == "en" else f.zh


TIER_LABELS = {
    "zh": {
        "innovative": "创新型中小企业",
        "specialized": "专精特新中小企业",
        "little_giant": "专精特新“小巨人”企业",
    },
    "en": {
        "innovative": "Innovative SME",
        "specialized": "Specialised SME (专精特新)",
        "little_giant": "Little Giant (小巨人)",
    },
}


def tier_label(tier: str) -> str:
    return TIER_LABELS[core_lang()].get(tier, tier)
