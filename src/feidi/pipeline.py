"""The investment project pipeline (招商项目库): stages, the moves between them, and the figures
an investment-promotion office reports, computed from stage history.

A project goes lead → contacted → negotiating → signed → landed (线索 → 已接触 → 洽谈中 →
已签约 → 已落地), or is lost with a reason. The figures are those the enclave seed reports
after six months (``shared/seeds/enclave-innovation-centre.zh.txt``): "累计引进项目12个，正在洽谈
项目20个，其中通过飞地落户常熟的项目有6个，按照估值计算……超40亿" —

* **introduced** (引进): projects that reached *signed* (a landed project was signed first);
* **negotiating** (正在洽谈): projects in *negotiating* at the date;
* **landed** (落地): projects that reached *landed*;
* **valuation** (估值): the valuation of the projects introduced.

Every figure is computed from the history of stage changes (one row per change), never from
a stored counter, so a figure for any past date or month can be recomputed and checked by
hand. A move that skips stages (a lead signed at the first meeting) counts as having passed
the skipped ones: the funnel counts how far each project *reached*.

Examples
--------
>>> Stage.SIGNED.label("zh"), Stage.SIGNED.label("en")
('已签约', 'Signed')
>>> move_problem(Stage.LANDED, Stage.LEAD)[1]
'A landed project stays landed.'
>>> move_problem(Stage.LEAD, Stage.NEGOTIATING) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise

import polars as pl

__all__ = [
    "OPEN_STAGES",
    "ORDER",
    "Funnel",
    "LostReason",
    "MonthFigures",
    "Source",
    "Stage",
    "Totals",
    "funnel",
    "move_problem",
    "stage_at",
]


class Stage(StrEnum):
    LEAD = "lead"
    CONTACTED = "contacted"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    LANDED = "landed"
    LOST = "lost"

    def label(self, lang: str) -> str:
        zh, en = _STAGE_LABELS[self]
        return zh if lang == "zh" else en

    @property
    def rank(self) -> int:
        """Position on the way to landing (lost: -1)."""
        return ORDER.index(self) if self in ORDER else -1


_STAGE_LABELS: dict[Stage, tuple[str, str]] = {
    Stage.LEAD: ("线索", "Lead"),
    Stage.CONTACTED: ("已接触", "Contacted"),
    Stage.NEGOTIATING: ("洽谈中", "Negotiating"),
    Stage.SIGNED: ("已签约", "Signed"),
    Stage.LANDED: ("已落地", "Landed"),
    Stage.LOST: ("已流失", "Lost"),
}

#: The way to landing, in order.
ORDER: tuple[Stage, ...] = (
    Stage.LEAD,
    Stage.CONTACTED,
    Stage.NEGOTIATING,
    Stage.SIGNED,
    Stage.LANDED,
)
#: Stages a project is still being worked in.
OPEN_STAGES: frozenset[Stage] = frozenset(
    {Stage.LEAD, Stage.CONTACTED, Stage.NEGOTIATING, Stage.SIGNED}
)


class Source(StrEnum):
    """Where a project came from."""

    ENCLAVE = "enclave"
    EVENT = "event"
    REFERRAL = "referral"
    MATCHMAKING = "matchmaking"
    VISIT = "visit"
    OTHER = "other"

    def label(self, lang: str) -> str:
        zh, en = _SOURCE_LABELS[self]
        return zh if lang == "zh" else en


_SOURCE_LABELS: dict[Source, tuple[str, str]] = {
    Source.ENCLAVE: ("飞地中心", "Enclave centre"),
    Source.EVENT: ("活动", "Event"),
    Source.REFERRAL: ("推荐", "Referral"),
    Source.MATCHMAKING: ("供需对接", "Matchmaking"),
    Source.VISIT: ("上门招商", "Business visit"),
    Source.OTHER: ("其他", "Other"),
}


class LostReason(StrEnum):
    """Why a project was lost: the office learns from these."""

    ELSEWHERE = "elsewhere"
    NO_FIT = "no_fit"
    FUNDING = "funding"
    SPACE = "space"
    TERMS = "terms"
    PAUSED = "paused"
    OTHER = "other"

    def label(self, lang: str) -> str:
        zh, en = _LOST_LABELS[self]
        return zh if lang == "zh" else en


_LOST_LABELS: dict[LostReason, tuple[str, str]] = {
    LostReason.ELSEWHERE: ("落户其他地区", "Went to another place"),
    LostReason.NO_FIT: ("与本地产业不匹配", "No fit with local industry"),
    LostReason.FUNDING: ("资金未落实", "Funding fell through"),
    LostReason.SPACE: ("用地或空间不满足", "Land or space not available"),
    LostReason.TERMS: ("政策条件未谈拢", "Terms not agreed"),
    LostReason.PAUSED: ("项目搁置", "Project shelved"),
    LostReason.OTHER: ("其他原因", "Other reason"),
}


def move_problem(current: Stage, target: Stage) -> tuple[str, str] | None:
    """Why a project in ``current`` cannot move to ``target`` (a (中文, English) pair), or None.

    Open stages move freely among themselves (talks cool down as well as warm up) and to
    lost; landed is final; a lost project can be reopened into an open stage before signing.
    """
    if current == target:
        return ("项目已处于该阶段。", "The project is already at that stage.")
    if current == Stage.LANDED:
        return ("已落地的项目不能再变更阶段。", "A landed project stays landed.")
    if current == Stage.LOST and target in (Stage.SIGNED, Stage.LANDED):
        return (
            "已流失的项目需先重新激活（线索、已接触或洽谈中）再签约。",
            "A lost project is reopened (lead, contacted or negotiating) before it is signed.",
        )
    return None


# --- figures from history ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Totals:
    """The seed's four figures for a set of projects at a date."""

    introduced: int
    negotiating: int
    landed: int
    valuation: float  # 万元, of the projects introduced
    lost: int
    projects: int


@dataclass(frozen=True, slots=True)
class MonthFigures:
    month: str  # "2026-05"
    new: int  # projects created in the month
    introduced: int  # first reached signed in the month
    landed: int  # first reached landed in the month
    lost: int  # lost in the month
    negotiating_at_end: int
    valuation_introduced: float  # 万元, of those introduced in the month


@dataclass(frozen=True, slots=True)
class Funnel:
    """How far the projects got: per stage of ``ORDER`` the projects that reached it, the
    share of those that went on to the next stage, and the median days spent in it."""

    reached: dict[Stage, int]
    conversion: dict[Stage, float | None]  # stage → share reaching the next stage
    median_days: dict[Stage, float | None]
    lost_by_reason: dict[str, int]
    totals: Totals
    months: list[MonthFigures] = field(default_factory=list)
    by: dict[str, dict[str, Totals]] = field(default_factory=dict)


#: A stage history: one row per change; a project's first row is the stage it was created in.
HISTORY_SCHEMA = pl.Schema(
    [("project", pl.Int64()), ("stage", pl.String()), ("at", pl.Datetime("us"))]
)


def _reached(history: pl.DataFrame, until: datetime) -> pl.DataFrame:
    """Per project: the highest rank reached, when signed and landed were first reached, and
    its stage at ``until``."""
    h = history.filter(pl.col("at") <= until).with_columns(
        rank=pl.col("stage").replace_strict({s.value: s.rank for s in Stage}, return_dtype=pl.Int64)
    )
    signed, landed = Stage.SIGNED.rank, Stage.LANDED.rank
    return (
        h.sort("project", "at")
        .group_by("project", maintain_order=True)
        .agg(
            max_rank=pl.col("rank").max(),
            signed_at=pl.col("at").filter(pl.col("rank") >= signed).first(),
            landed_at=pl.col("at").filter(pl.col("rank") >= landed).first(),
            lost_at=pl.col("at").filter(pl.col("stage") == Stage.LOST.value).last(),
            stage=pl.col("stage").last(),
        )
    )


def stage_at(history: pl.DataFrame, when: datetime) -> dict[int, Stage]:
    """Each project's stage at ``when`` (projects created later are absent)."""
    r = _reached(history, when)
    return {p: Stage(s) for p, s in zip(r["project"], r["stage"], strict=True)}


def _totals(reached: pl.DataFrame, projects: pl.DataFrame) -> Totals:
    joined = reached.join(projects.select("project", "valuation"), on="project", how="left")
    introduced = joined.filter(pl.col("signed_at").is_not_null())
    return Totals(
        introduced=introduced.height,
        negotiating=joined.filter(pl.col("stage") == Stage.NEGOTIATING.value).height,
        landed=joined.filter(pl.col("landed_at").is_not_null()).height,
        valuation=float(introduced["valuation"].fill_null(0).sum()),
        lost=joined.filter(pl.col("stage") == Stage.LOST.value).height,
        projects=joined.height,
    )


def _stays(history: pl.DataFrame, until: datetime) -> pl.DataFrame:
    """One row per stay in a stage: stage and days spent (an open stay counts to ``until``)."""
    h = history.filter(pl.col("at") <= until).sort("project", "at")
    return h.with_columns(
        left=pl.col("at").shift(-1).over("project").fill_null(until),
    ).select(
        "stage",
        days=(pl.col("left") - pl.col("at")).dt.total_seconds() / 86400.0,
    )


def _months(first: date, last: date) -> list[tuple[datetime, datetime, str]]:
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        start = datetime(y, m, 1)  # noqa: DTZ001 — history is in naive local time
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append((start, datetime(ny, nm, 1), f"{y:04d}-{m:02d}"))  # noqa: DTZ001
        y, m = ny, nm
    return out


def funnel(
    history: pl.DataFrame,
    projects: pl.DataFrame,
    *,
    until: datetime,
    months_from: date | None = None,
    by: Sequence[str] = (),
) -> Funnel:
    """The funnel and the seed's figures for ``projects`` as of ``until``.

    ``history`` has one row per stage change (``project``, ``stage``, ``at``; the first row of
    a project is its creation stage); ``projects`` has ``project``, ``created_at``,
    ``valuation`` (万元, may be null), ``lost_reason`` and any columns named in ``by`` (e.g.
    ``source``, ``industry``, ``owner``) to break the totals down by. Times are naive local
    times. ``months_from`` adds a month-by-month series from that month to ``until``'s.
    """
    history = history.select(
        pl.col("project").cast(pl.Int64), pl.col("stage").cast(pl.String), pl.col("at")
    )
    reached = _reached(history, until)
    counts = {s: reached.filter(pl.col("max_rank") >= s.rank).height for s in ORDER}
    conversion: dict[Stage, float | None] = {}
    for here, nxt in pairwise(ORDER):
        conversion[here] = counts[nxt] / counts[here] if counts[here] else None
    conversion[Stage.LANDED] = None
    stays = _stays(history, until)
    median_days: dict[Stage, float | None] = {}
    for s in (*ORDER[:-1], Stage.LOST):
        days = stays.filter(pl.col("stage") == s.value)["days"]
        median_days[s] = float(days.median()) if days.len() else None  # type: ignore[arg-type]
    median_days[Stage.LANDED] = None
    lost_ids = reached.filter(pl.col("stage") == Stage.LOST.value)["project"]
    lost_reasons = projects.filter(pl.col("project").is_in(lost_ids.implode()))
    lost_by_reason = {
        str(r): n
        for r, n in lost_reasons.group_by("lost_reason")
        .len()
        .sort("len", descending=True)
        .iter_rows()
    }
    out_months: list[MonthFigures] = []
    if months_from is not None:
        created = projects.select("project", "created_at")
        for start, end, label in _months(months_from, until.date()):
            in_month = reached.filter(
                pl.col("signed_at").is_between(start, end, closed="left")
            ).join(projects.select("project", "valuation"), on="project", how="left")
            at_end = _reached(history, min(end - timedelta(microseconds=1), until))
            out_months.append(
                MonthFigures(
                    month=label,
                    new=created.filter(
                        pl.col("created_at").is_between(start, end, closed="left")
                        & (pl.col("created_at") <= until)
                    ).height,
                    introduced=in_month.height,
                    landed=reached.filter(
                        pl.col("landed_at").is_between(start, end, closed="left")
                    ).height,
                    lost=reached.filter(
                        pl.col("lost_at").is_between(start, end, closed="left")
                        & (pl.col("stage") == Stage.LOST.value)
                    ).height,
                    negotiating_at_end=at_end.filter(
                        pl.col("stage") == Stage.NEGOTIATING.value
                    ).height,
                    valuation_introduced=float(in_month["valuation"].fill_null(0).sum()),
                )
            )
    breakdown: dict[str, dict[str, Totals]] = {}
    for column in by:
        breakdown[column] = {}
        keys = projects.select("project", column)
        for (key,), group in keys.group_by(column, maintain_order=True):
            ids = group["project"].implode()
            breakdown[column][str(key) if key is not None else ""] = _totals(
                reached.filter(pl.col("project").is_in(ids)), projects
            )
    return Funnel(
        reached=counts,
        conversion=conversion,
        median_days=median_days,
        lost_by_reason=lost_by_reason,
        totals=_totals(reached, projects),
        months=out_months,
        by=breakdown,
    )


def history_frame(rows: Iterable[tuple[int, str, datetime]]) -> pl.DataFrame:
    """A history frame from ``(project, stage, at)`` rows."""
    return pl.DataFrame(list(rows), schema=HISTORY_SCHEMA, orient="row")
