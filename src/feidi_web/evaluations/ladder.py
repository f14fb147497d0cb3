"""The ladder as a rulebook states it: its tiers in order, and their names in the page's
language. Nothing in the web app lists the tiers or their names itself: a province's
rulebook, or a policy authored as a rulebook, brings its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from feidi.rules import Rulebook, load_rulebook
from feidi_web.common.lang import core_lang
from feidi_web.evaluations.models import EvaluationRun
from feidi_web.evaluations.versions import rulebook_of


@dataclass(frozen=True)
class Ladder:
    """The tiers of one rulebook, lowest first."""

    book: Rulebook

    @property
    def tiers(self) -> tuple[str, ...]:
        return tuple(self.book.tiers)

    def label(self, tier: str) -> str:
        """The tier's name as the rulebook gives it, in the page's language."""
        t = self.book.tiers.get(tier)
        if t is None:
            return tier_name_unknown(tier)
        return t.name_en if core_lang() == "en" and t.name_en else t.name

    @property
    def rulebook_label(self) -> str:
        """The rulebook's own name in the page's language (its id only if it has none)."""
        book = self.book
        name = book.name_en if core_lang() == "en" and book.name_en else book.name
        return name or book.id

    def labels(self) -> list[tuple[str, str]]:
        return [(t, self.label(t)) for t in self.tiers]

    def rank(self, tier: str) -> int:
        """1 for the lowest tier … len(tiers) for the highest; 0 for a tier it does not have."""
        return self.tiers.index(tier) + 1 if tier in self.book.tiers else 0

    def below(self, tier: str) -> str | None:
        """The tier one step down the ladder (None at the bottom, or for an unknown tier)."""
        r = self.rank(tier)
        return self.tiers[r - 2] if r > 1 else None

    def ordered(self, tiers: set[str] | list[str]) -> list[str]:
        """``tiers`` in ladder order (any the rulebook does not have last, by id)."""
        known = [t for t in self.tiers if t in tiers]
        return known + sorted(set(tiers) - set(known))


def ladder_of(run: EvaluationRun) -> Ladder:
    """The ladder exactly as ``run`` graded it."""
    return Ladder(rulebook_of(run))


def current_ladder(rulebook: str | None = None) -> Ladder:
    """The ladder of a shipped rulebook as it is now (default: FEIDI_DEFAULT_RULEBOOK)."""
    return Ladder(load_rulebook(rulebook or settings.FEIDI_DEFAULT_RULEBOOK))


def title_label(level: str) -> str:
    """A title a firm holds (a ``feidi.schema.TITLE_LEVELS`` level), named as the default
    rulebook names its tier."""
    return current_ladder().label(level)


def tier_name_unknown(tier: str) -> str:
    # a tier no rulebook here names: say so rather than show its id
    from django.utils.translation import gettext

    return gettext("Other tier")
