"""The ladder side of a diagnosis: which rulebook, which tier is next, and what is short.

* the ladder by default is the national rulebook in force on the as-of date (MIIT 2022 until
  2026-03-31, MIIT 2026 from 2026-04-01); a title's 复核 is judged by the national rulebook in
  force when it was granted (``miit-2026.yaml``: "复核 of titles granted under the 2022 rules is
  judged by miit-2022 — the caller picks the rulebook by the title's grant");
* a firm's **next tier** is the lowest tier of the ladder it neither holds on the as-of date
  nor passes today — the one whose failing conditions and score steps (its path to pass, the
  fewest changes, ``feidi.rules``) say what the firm lacks;
* the path's steps in words are the ladder's own (``step_text``), so a recommendation's
  reason reads like the firm's ladder page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from typing import Any

import polars as pl

from feidi.diagnosis._names import Bilingual
from feidi.diagnosis._records import Frames, by_firm
from feidi.diagnosis._titles import TitleFacts
from feidi.rules import FirmData, Rulebook, available_rulebooks, evaluate, load_rulebook
from feidi.rules._model import Meta, Tier, scoring_parts, walk
from feidi.rules._wording import input_label, merged_path, step_text
from feidi.schema import TITLE_LEVELS

__all__ = [
    "NATIONAL_ISSUER",
    "Gap",
    "GapStep",
    "gap_of",
    "gap_words",
    "ladder_in_force",
    "ladder_tiers",
    "next_tier",
    "review_records",
    "review_rulebook",
    "review_tiers",
]

#: Whose rulebooks are the national ladder (a province's extend them and are picked by name).
NATIONAL_ISSUER = "工业和信息化部"


@cache
def _national() -> tuple[Rulebook, ...]:
    books = [load_rulebook(ref) for ref in available_rulebooks()]
    return tuple(
        sorted((b for b in books if b.issuer == NATIONAL_ISSUER), key=lambda b: b.effective_from)
    )


def ladder_in_force(day: date) -> str:
    """The national ladder rulebook in force on ``day`` (before the first: the first; after
    the last period ended: the latest that started).

    >>> ladder_in_force(date(2026, 3, 31)), ladder_in_force(date(2026, 4, 1))
    ('miit-2022', 'miit-2026')
    """
    books = _national()
    current = [b for b in books if b.in_force(day)]
    if current:
        return current[-1].id
    started = [b for b in books if b.effective_from <= day]
    return (started[-1] if started else books[0]).id


def review_rulebook(granted: date | None, ladder: str | None, in_use: str) -> str:
    """The rulebook a title's 复核 is judged by: the one the caller chose, else the national
    rulebook in force on the grant date (an undated title: the ladder in use)."""
    if ladder is not None:
        return ladder
    return ladder_in_force(granted) if granted is not None else in_use


def ladder_tiers(book: Rulebook) -> tuple[str, ...]:
    """The tiers of a ladder rulebook, lowest first."""
    return tuple(t for t in TITLE_LEVELS if t in book.tiers)


def next_tier(book: Rulebook, held: str | None, verdicts: Mapping[str, str]) -> str | None:
    """The lowest tier neither held (``held``: the highest title held, or None) nor passed."""
    tiers = ladder_tiers(book)
    start = TITLE_LEVELS.index(held) + 1 if held in TITLE_LEVELS else 0
    for tier in tiers:
        if TITLE_LEVELS.index(tier) < start or verdicts.get(tier) == "pass":
            continue
        return tier
    return None


@dataclass(frozen=True, slots=True)
class GapStep:
    """One change on the firm's path to the tier: the measure and the ladder's path step
    (``feidi.rules.PATH_STEP``, merged one per measure and direction)."""

    measure: str
    step: Mapping[str, Any]


@dataclass(frozen=True)
class Gap:
    """What the firm lacks for its next tier, from the ladder's record of it; the steps are
    put in words only when read (:meth:`texts`)."""

    book: Rulebook
    tier: str
    verdict: str  # fail / unknown
    steps: tuple[GapStep, ...]
    missing: tuple[str, ...]

    @property
    def measures(self) -> frozenset[str]:
        return frozenset(s.measure for s in self.steps)

    @property
    def tier_name(self) -> Bilingual:
        t = self.book.tiers[self.tier]
        return t.name, t.name_en

    @cached_property
    def _texts(self) -> tuple[Bilingual, ...]:
        metas = _metas(self.book.tiers[self.tier])
        return tuple(
            (step_text(self.book, s.step, metas, "zh"), step_text(self.book, s.step, metas, "en"))
            for s in self.steps
        )

    def texts(self, measures: Sequence[str] | None = None) -> tuple[Bilingual, ...]:
        """The steps (on ``measures``, default all) as the ladder writes them."""
        return tuple(
            text
            for s, text in zip(self.steps, self._texts, strict=True)
            if measures is None or s.measure in measures
        )

    def missing_texts(self) -> tuple[Bilingual, ...]:
        return tuple(
            (input_label(self.book, m, "zh"), input_label(self.book, m, "en")) for m in self.missing
        )


def _metas(tier: Tier) -> dict[str, Meta]:
    out = {n.meta.id: n.meta for n in walk(tier.requires)}
    for top in tier.scorecard.indicators if tier.scorecard else ():
        for ind in scoring_parts(top):
            out[ind.meta.id] = ind.meta
    return out


def gap_of(book: Rulebook, record: Mapping[str, Any]) -> Gap:
    """The gap a ladder record (one firm × its next tier) describes."""
    steps = tuple(
        GapStep(str(step["measure"]), step)
        for step in merged_path(record["path"] or ())
        if step["measure"]
    )
    return Gap(
        book=book,
        tier=str(record["tier"]),
        verdict=str(record["verdict"]),
        steps=steps,
        missing=tuple(record["missing"] or ()),
    )


def gap_words(gap: Gap, measures: Sequence[str] | None = None) -> Bilingual:
    """ "距专精特新中小企业：研发费用占比 1.7% → ≥3%；…" — the steps on ``measures`` (all)."""
    texts = gap.texts(measures)
    zh = "；".join(t[0] for t in texts)
    en = "; ".join(t[1] for t in texts)
    name_zh, name_en = gap.tier_name
    return f"距{name_zh}：{zh}", f"short of {name_en}: {en}"


def review_tiers(
    titles: Mapping[str, TitleFacts],
    as_of: date,
    within_days: int,
    ladder: str | None,
    in_use: str,
) -> dict[str, tuple[str, str]]:
    """Credit code → (rulebook, tier) of the 复核 to judge: the highest title held, when it is
    due within the window or its date is unknown."""
    out: dict[str, tuple[str, str]] = {}
    for code, facts in titles.items():
        if facts.highest is None:
            continue
        grant = facts.grant
        if grant is not None and (grant.review_due - as_of).days > within_days:
            continue
        ref = review_rulebook(grant.granted if grant else None, ladder, in_use)
        out[code] = (ref, facts.highest)
    return out


def review_records(
    data: FirmData,
    reviews: Mapping[str, tuple[str, str]],
    as_of: date,
    in_use: str,
    ladder_book: Rulebook,
    ladder_records: Mapping[str, Mapping[str, dict[str, Any]]],
) -> dict[str, tuple[Rulebook, dict[str, Any]]]:
    """Each firm's 复核 record: from the ladder in use (``in_use``, as the caller named it:
    an id or a file), or graded here (those firms, that tier) under the rulebook of the
    grant."""
    wanted: dict[str, dict[str, str]] = defaultdict(dict)
    for code, (ref, tier) in reviews.items():
        wanted[ref][code] = tier
    out: dict[str, tuple[Rulebook, dict[str, Any]]] = {}
    for ref, tiers in wanted.items():
        graded: Mapping[str, Mapping[str, dict[str, Any]]]
        if ref == in_use:
            book, graded = ladder_book, ladder_records
        else:
            book = load_rulebook(ref)
            codes = list(tiers)
            subset = Frames(
                data.firms.filter(pl.col("credit_code").is_in(codes)),
                data.financials.filter(pl.col("credit_code").is_in(codes)),
            )
            needed = tuple(t for t in book.tiers if t in set(tiers.values()))
            graded = by_firm(evaluate(subset, book, as_of, tiers=needed).records().collect())
        for code, tier in tiers.items():
            record = graded.get(code, {}).get(tier)
            if record is not None:
                out[code] = (book, record)
    return out
