"""The diagnosis rules: ``data/diagnosis.yaml``, read by the ladder's own loader.

The types and the engine's flags are rules of one rulebook ("tiers" to the engine), so every
firm gets met / unmet / unknown per rule with the ladder's trace, wording and missing inputs.
What the engine does not read — the order the type rules decide in, and the date windows of
the title flags — sits under the file's ``diagnosis:`` key and is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from feidi.diagnosis._names import FLAGS, TYPES
from feidi.rules import Rulebook, RulebookError, RulebookSource, load_rulebook_source

__all__ = [
    "ENGINE_FLAGS",
    "RULEBOOK_ID",
    "Settings",
    "diagnosis_rulebook",
    "diagnosis_settings",
    "diagnosis_source",
    "diagnosis_sources",
]

RULEBOOK_ID = "feidi-diagnosis"
#: The flags that are rules of the rulebook; the other two are worked out from title dates.
ENGINE_FLAGS: tuple[str, ...] = ("falling_revenue", "rising_debt", "no_rd", "detached")
_FILE = "diagnosis.yaml"


@dataclass(frozen=True, slots=True)
class Settings:
    """What ``diagnosis:`` says: the type rules in deciding order (the last type has no rule:
    it is "otherwise") and the title flags' windows, in days."""

    decide: tuple[str, ...]
    review_within_days: int
    lapsed_within_days: int

    @property
    def type_rules(self) -> tuple[str, ...]:
        """The types that have a rule (all but the last, which is what remains)."""
        return self.decide[:-1]


def _text(name: str) -> str:
    return resources.files("feidi.diagnosis").joinpath("data", name).read_text("utf-8")


def diagnosis_source() -> RulebookSource:
    """The rulebook's texts (its YAML and the shared measures), like a ladder rulebook's
    :func:`feidi.rules.rulebook_source`: a store can keep the version a diagnosis used."""
    measures = resources.files("feidi.rules").joinpath("rulebooks", "_measures.yaml")
    return RulebookSource(
        root=RULEBOOK_ID,
        documents={"_measures": measures.read_text("utf-8"), RULEBOOK_ID: _text(_FILE)},
    )


@cache
def diagnosis_rulebook() -> Rulebook:
    """The diagnosis rules as a :class:`feidi.rules.Rulebook`, checked against
    :data:`TYPES` and :data:`FLAGS`.

    >>> sorted(diagnosis_rulebook().tiers)
    ['detached', 'falling_revenue', 'laggard', 'no_rd', 'rising_debt', 'vanguard']
    """
    book = load_rulebook_source(diagnosis_source())
    settings = diagnosis_settings()
    want = set(settings.type_rules) | set(ENGINE_FLAGS)
    if set(book.tiers) != want:
        raise RulebookError(
            f"{_FILE}: 规则应为 {sorted(want)}，实际为 {sorted(book.tiers)}"
            f" / the rules should be {sorted(want)}, not {sorted(book.tiers)}"
        )
    for rule in want:
        tier = book.tiers[rule]
        if not tier.name_en or tier.name_en == rule:
            raise RulebookError(f"{_FILE}: tiers.{rule}: 缺英文名称 / no English name")
        if not diagnosis_sources().get(rule):
            raise RulebookError(f"{_FILE}: tiers.{rule}: 缺 article_en / no article_en")
    return book


@cache
def diagnosis_sources() -> dict[str, str]:
    """Each rule's ``article_en``: where it comes from, in English (the engine's tier keeps
    the Chinese citation only)."""
    tiers: Any = yaml.safe_load(_text(_FILE)).get("tiers") or {}
    return {str(k): str(v.get("article_en", "")) for k, v in tiers.items()}


@cache
def diagnosis_settings() -> Settings:
    """The ``diagnosis:`` section, checked."""
    raw: Any = yaml.safe_load(_text(_FILE)).get("diagnosis")
    if not isinstance(raw, dict):
        raise RulebookError(f"{_FILE}: 缺少 diagnosis 段 / no `diagnosis:` section")
    decide = tuple(str(t) for t in raw.get("decide") or ())
    if sorted(decide) != sorted(TYPES):
        raise RulebookError(
            f"{_FILE}: diagnosis.decide 应列出三种类型各一次 {sorted(TYPES)}"
            f" / diagnosis.decide must list each type once: {sorted(TYPES)}"
        )
    titles = raw.get("titles") or {}
    try:
        review = int(titles["review_within_days"])
        lapsed = int(titles["lapsed_within_days"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RulebookError(
            f"{_FILE}: diagnosis.titles 需要 review_within_days 与 lapsed_within_days（天数）"
            f" / diagnosis.titles needs review_within_days and lapsed_within_days (days): {exc}"
        ) from None
    if review <= 0 or lapsed <= 0:
        raise RulebookError(f"{_FILE}: diagnosis.titles: 天数应为正 / days must be positive")
    assert set(FLAGS) >= set(ENGINE_FLAGS)
    return Settings(decide, review, lapsed)
