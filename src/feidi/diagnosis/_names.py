"""The ids the platform keys diagnoses by, with their names in both languages.

The web app stores staff's disagreements and referrals by these ids, so they are stable:
the rulebook (``data/diagnosis.yaml``) and the catalogue (``data/services.yaml``) are checked
against them when they are loaded.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "FLAGS",
    "FLAG_STATUS",
    "RULE_STATUS",
    "TYPES",
    "UNDECIDED",
    "Bilingual",
    "FlagResult",
    "FlagStatus",
    "RuleStatus",
]

#: A text in 简体中文 and English, in that order.
Bilingual = tuple[str, str]

#: The seed's three types of firm, in the seed's order (模式1, 模式2, 模式3). The order the
#: rules decide in is the rulebook's (``diagnosis.decide``: 先锋, 落后, then 中间).
TYPES: dict[str, Bilingual] = {
    "laggard": ("落后分子", "Laggard"),
    "middle": ("中间分子", "Middle"),
    "vanguard": ("先锋分子", "Vanguard"),
}
#: A firm whose type a missing input leaves open.
UNDECIDED: Bilingual = ("未定（缺数据）", "undecided (inputs missing)")

#: The red flags, in the order pages list them. The first four are rules of the rulebook;
#: the two title flags are worked out from the grant dates (see ``_titles``).
FLAGS: dict[str, Bilingual] = {
    "falling_revenue": ("营业收入下滑", "Falling revenue"),
    "rising_debt": ("负债率上升", "Rising debt"),
    "no_rd": ("无研发投入", "No R&D"),
    "detached": ("脱离产业链", "Detached from every chain"),
    "review_due": ("称号临近复核", "Title due for review"),
    "title_lapsing": ("称号即将失效", "Title lapsing"),
}

RuleStatus = Literal["met", "unmet", "unknown"]
FlagStatus = Literal["raised", "clear", "unknown"]
#: A flag for one firm: its status, the evidence and the inputs it lacks.
FlagResult = tuple[FlagStatus, Bilingual, tuple[str, ...]]
RULE_STATUS: dict[str, Bilingual] = {
    "met": ("符合", "met"),
    "unmet": ("不符合", "not met"),
    "unknown": ("待定（缺数据）", "unknown (inputs missing)"),
}
FLAG_STATUS: dict[str, Bilingual] = {
    "raised": ("已触发", "raised"),
    "clear": ("未触发", "clear"),
    "unknown": ("待定（缺数据）", "unknown (inputs missing)"),
}
