"""The two title flags: a title due for 复核 soon, and a title lapsing.

Computed here, not by the engine: the engine's ``title`` measure asks whether a title is held
on the as-of date, and these flags need windows around it (due within N days; lapsed within
the last M days). The dates follow the ladder's own rule (:func:`feidi.rules.review_due`,
:func:`feidi.rules.title_grants`: a title lasts three years; a higher title implies the lower
ones; an undated title counts as held); the windows are data (``diagnosis.titles`` in
``data/diagnosis.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from feidi.diagnosis._names import Bilingual, FlagResult, FlagStatus
from feidi.rules import Rulebook, TitleGrant, summary_line, title_grants
from feidi.schema import FIELDS_BY_NAME, TITLE_LEVELS, title_undated_column

__all__ = ["TitleFacts", "lapsing_flag", "level_name", "review_due_flag", "title_facts"]


def level_name(level: str) -> Bilingual:
    """A ladder title in words: 专精特新中小企业 / Specialised and sophisticated SME."""
    f = FIELDS_BY_NAME["titles"]
    return f.value_label(level, "zh"), f.value_label(level, "en")


@dataclass(frozen=True, slots=True)
class TitleFacts:
    """What a firm's titles say on the as-of date.

    ``known`` is False when the input has no titles at all (the field was not given).
    ``highest`` is the highest title held; ``grant`` its newest dated grant held (None when it
    is held only by an undated listing, whose 复核 date is unknown). ``lapsed`` are the grants
    that lapsed within the window at a level the firm no longer holds (no renewal, no higher
    title), newest first.
    """

    known: bool
    highest: str | None
    grant: TitleGrant | None
    lapsed: tuple[TitleGrant, ...]


def title_facts(firm: Mapping[str, Any], as_of: date, lapsed_within_days: int) -> TitleFacts:
    """The facts of one normalised firm row (``Dataset.firms``).

    >>> row = {"title_specialized_1": 20230705, "title_innovative_1": 20230630,
    ...        "title_innovative_undated": False, "title_specialized_undated": False,
    ...        "title_little_giant_undated": False}
    >>> f = title_facts(row, date(2026, 6, 30), 365)
    >>> f.highest, f.grant.review_due.isoformat(), f.lapsed
    ('specialized', '2026-07-05', ())
    """
    undated = {lvl: firm.get(title_undated_column(lvl)) for lvl in TITLE_LEVELS}
    known = any(v is not None for v in undated.values())
    grants = title_grants(firm)

    def held(level: str) -> bool:
        """Holds ``level`` or a higher title on the as-of date."""
        higher = TITLE_LEVELS[TITLE_LEVELS.index(level) :]
        return any(undated[lvl] for lvl in higher) or any(
            g.level in higher and g.held_on(as_of) for g in grants
        )

    highest = next((lvl for lvl in reversed(TITLE_LEVELS) if held(lvl)), None)
    grant = None
    if highest is not None:
        grant = next((g for g in grants if g.level == highest and g.held_on(as_of)), None)
    since = as_of - timedelta(days=lapsed_within_days)
    lapsed = tuple(g for g in grants if since < g.review_due <= as_of and not held(g.level))
    return TitleFacts(known or bool(grants), highest, grant, lapsed)


def review_due_flag(facts: TitleFacts, as_of: date, within_days: int) -> FlagResult:
    """``review_due``: the highest title held is due for 复核 within ``within_days``; with
    its evidence and the inputs it lacks."""
    if not facts.known:
        return "unknown", _NO_TITLES, ("titles",)
    if facts.highest is None:
        return "clear", ("", ""), ()
    zh, en = level_name(facts.highest)
    if facts.grant is None:
        return (
            "unknown",
            (
                f"已获{zh}称号未注明获得日期，无法确定复核日期",
                f"the {en} title is listed without its grant date: its review date is unknown",
            ),
            ("titles",),
        )
    due = facts.grant.review_due
    days = (due - as_of).days
    if days > within_days:
        return "clear", ("", ""), ()
    return "raised", review_words(facts.grant, as_of), ()


def review_words(grant: TitleGrant, as_of: date) -> Bilingual:
    """ "专精特新中小企业称号（2023-07-05 获得）将于 2026-07-05 到期复核，距评价日 5 天"."""
    zh, en = level_name(grant.level)
    days = (grant.review_due - as_of).days
    return (
        f"{zh}称号（{grant.granted} 获得）将于 {grant.review_due} 到期复核，距评价日 {days} 天",
        f"the {en} title (granted {grant.granted}) is due for review on {grant.review_due},"
        f" {days} day{'s' if days != 1 else ''} after the as-of date",
    )


def lapsed_words(grant: TitleGrant) -> Bilingual:
    zh, en = level_name(grant.level)
    return (
        f"{zh}称号已于 {grant.review_due} 到期（{grant.granted} 获得），未见复核通过后的新证书",
        f"the {en} title lapsed on {grant.review_due} (granted {grant.granted}),"
        " with no renewal on record",
    )


def lapsing_flag(
    titles: TitleFacts,
    review: tuple[Rulebook, Mapping[str, Any]] | None,
    as_of: date,
    due: FlagStatus,
) -> FlagResult:
    """``title_lapsing``: a title that lapsed within the window with no renewal, or a title
    due for 复核 (or of unknown date) whose tier the firm fails today under the rules of its
    复核 (unknown when that verdict is unknown)."""
    if titles.lapsed:
        parts = [lapsed_words(g) for g in titles.lapsed]
        return "raised", ("；".join(p[0] for p in parts), "; ".join(p[1] for p in parts)), ()
    if not titles.known:
        return "unknown", ("未提供已获称号，无法判断", "titles not given: cannot tell"), ("titles",)
    if titles.highest is None or due == "clear" or review is None:
        return "clear", ("", ""), ()
    review_book, record = review
    verdict = str(record["verdict"])
    if verdict == "pass":
        return "clear", ("", ""), ()
    dated = titles.grant is not None
    name_zh, name_en = level_name(titles.highest)
    when = (
        review_words(titles.grant, as_of)
        if titles.grant is not None
        else (
            f"已获{name_zh}称号未注明获得日期（复核日期不明）",
            f"the {name_en} title has no grant date (its review date is unknown)",
        )
    )
    line = summary_line(review_book, record, "zh"), summary_line(review_book, record, "en")
    if verdict == "fail":
        words = (
            f"{when[0]}；按《{review_book.name}》现有数据未达到该梯度：{line[0]}",
            f"{when[1]}; on today's figures it fails the tier under the"
            f" {review_book.name_en}: {line[1]}",
        )
        return ("raised" if dated else "unknown"), words, (() if dated else ("titles",))
    words = (
        f"{when[0]}；按《{review_book.name}》复核能否通过待定：{line[0]}",
        f"{when[1]}; whether it passes review under the {review_book.name_en} is open: {line[1]}",
    )
    return "unknown", words, tuple(record["missing"] or ())


_NO_TITLES: Bilingual = ("未提供已获称号，无法判断", "titles not given: cannot tell")
