"""Eighteen months of the demo city's investment project pipeline (招商项目库), seeded.

Calibrated on the enclave seed's six-month report ("累计引进项目12个，正在洽谈项目20个，其中通过
飞地落户常熟的项目有6个，按照估值计算……超40亿"): six months after the centre opens, 12 projects
have been introduced (signed), 20 are being negotiated, 6 have landed, and the projects
introduced are valued at about 40 亿元. The first six months are laid out to meet those four
figures exactly (so a demo shows them, and a test can count them); the twelve months after
follow a seeded random walk through the stages with the same rates. Every name is generated.

>>> plan = demo_pipeline(opened=date(2025, 6, 1), months=18)
>>> f = plan.figures_at(date(2025, 12, 1))
>>> (f["introduced"], f["negotiating"], f["landed"]), 40e4 <= f["valuation"] <= 42e4
((12, 20, 6), True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from feidi.demo._params import INDUSTRIES, LOCAL_REGION
from feidi.pipeline import OPEN_STAGES, LostReason, Source, Stage

_FIRST_MONTHS = 6
_COUNTERPART_PLACES = ("北京", "北京", "北京", "上海", "深圳", "苏州", "杭州")
_BRANDS = [
    "睿",
    "澜",
    "启",
    "曜",
    "鼎",
    "芯",
    "航",
    "拓",
    "衡",
    "锐",
    "元",
    "铂",
    "知",
    "瀚",
    "智",
    "钧",
    "沐",
    "昊",
    "星",
    "骐",
    "博",
    "宸",
    "泓",
    "朗",
    "微",
    "极",
]
_KINDS = ("startup", "startup", "startup", "prospect", "prospect", "lab", "investor")
_SOURCES = (
    (Source.ENCLAVE, 0.45),
    (Source.EVENT, 0.2),
    (Source.MATCHMAKING, 0.15),
    (Source.REFERRAL, 0.1),
    (Source.VISIT, 0.1),
)


@dataclass(frozen=True, slots=True)
class DemoProject:
    name: str
    counterpart: str
    counterpart_kind: str
    source: str
    industry_code: str
    planned_investment: float  # 万元
    valuation: float  # 万元
    #: (stage, when): the first is the stage it was filed in.
    moves: tuple[tuple[str, datetime], ...]
    lost_reason: str = ""
    #: The credit code of the local firm it landed as (landed projects only).
    landed_credit_code: str = ""
    #: Whose project: 0 the investment officer, 1 county staff, 2 the enclave operator.
    owner: int = 0


@dataclass
class DemoPipeline:
    projects: list[DemoProject] = field(default_factory=list)

    def figures_at(self, when: date) -> dict[str, float]:
        """The seed's four figures at ``when`` (for the doctest and the docs)."""
        cut = datetime.combine(when, datetime.min.time())
        introduced = negotiating = landed = 0
        valuation = 0.0
        for p in self.projects:
            seen = [s for s, t in p.moves if t <= cut]
            if not seen:
                continue
            reached = max(Stage(s).rank for s in seen)
            if reached >= Stage.SIGNED.rank:
                introduced += 1
                valuation += p.valuation
            landed += reached >= Stage.LANDED.rank
            negotiating += seen[-1] == Stage.NEGOTIATING.value
        return {
            "introduced": introduced,
            "negotiating": negotiating,
            "landed": landed,
            "valuation": valuation,
        }


def _names(rng: np.random.Generator, i: int) -> tuple[str, str, str, str]:
    """(project name, counterpart name, industry code, kind)."""
    industry = INDUSTRIES[int(rng.integers(len(INDUSTRIES)))]
    klass = industry.classes[int(rng.integers(len(industry.classes)))]
    words = industry.enclave_words or klass.words
    word = words[int(rng.integers(len(words)))]
    brand = "".join(rng.choice(_BRANDS, 2, replace=False))
    place = _COUNTERPART_PLACES[int(rng.integers(len(_COUNTERPART_PLACES)))]
    kind = _KINDS[int(rng.integers(len(_KINDS)))]
    if kind == "lab":
        counterpart = f"{place}某高校{word}实验室（{brand}课题组）"
        project = f"{word}成果转化项目"
    elif kind == "investor":
        counterpart = f"{place}{brand}创业投资有限公司"
        project = f"{brand}资本{word}产业基金落地"
    else:
        counterpart = f"{place}{brand}{word}有限公司"
        project = f"{brand}{word}产业化项目"
    return f"{project}（{i + 1:03d}）", counterpart, klass.code, kind


def _valuations(rng: np.random.Generator, n: int, total: float) -> list[float]:
    """``n`` lognormal valuations (万元) summing to ``total``, rounded to 100 万元."""
    raw = rng.lognormal(mean=0.0, sigma=0.9, size=n)
    values = [float(x) for x in np.round(raw / raw.sum() * total / 100.0) * 100.0]
    values[values.index(max(values))] += total - sum(values)
    return values


_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(i: int) -> str:
    """The credit code of the ``i``-th project's new local company: 91 (企业法人) + the demo
    county + an organisation code "MA9…" (the demo city's firms use MA0–MA2, so none clash)."""
    from feidi.reference import make_credit_code

    digits = []
    for _ in range(6):
        i, r = divmod(i, len(_CODE_ALPHABET))
        digits.append(_CODE_ALPHABET[r])
    return make_credit_code(f"91{LOCAL_REGION}MA9{''.join(reversed(digits))}")


def demo_pipeline(*, opened: date, months: int = 18, seed: int = 20250601) -> DemoPipeline:
    """The pipeline of a centre opened on ``opened``, over ``months`` months."""
    rng = np.random.default_rng(seed)
    plan = DemoPipeline()
    start = datetime.combine(opened, datetime.min.time())
    six = start + timedelta(days=183)

    def day(lo: datetime, hi: datetime) -> datetime:
        span = max(1, int((hi - lo).total_seconds() // 3600))
        return lo + timedelta(hours=int(rng.integers(span)))

    def source() -> str:
        names = [s.value for s, _ in _SOURCES]
        p = np.array([w for _, w in _SOURCES])
        return str(rng.choice(names, p=p / p.sum()))

    # --- the first six months, laid out to meet the seed's figures ----------------------
    # 12 introduced (6 of them landed), 20 negotiating, 6 lost, 14 leads or contacted
    first = ["landed"] * 6 + ["signed"] * 6 + ["negotiating"] * 20 + ["lost"] * 6
    first += ["lead"] * 7 + ["contacted"] * 7
    introduced_values = _valuations(rng, 12, 400_000.0 + float(rng.integers(0, 15)) * 1000)
    v = iter(introduced_values)
    for i, end in enumerate(first):
        name, counterpart, code, kind = _names(rng, i)
        filed = day(start, six - timedelta(days=60))
        path = [s.value for s in (Stage.LEAD, Stage.CONTACTED, Stage.NEGOTIATING)]
        if end in ("signed", "landed"):
            path += ["signed"]
        if end == "landed":
            path += ["landed"]
        if end == "lost":
            path = [*path[: int(rng.integers(1, 4))], "lost"]
        if end in ("lead", "contacted"):
            path = path[: path.index(end) + 1]
        # the later moves at sorted random times between filing and the end of month six
        span = int((six - filed).total_seconds() // 3600) - 24
        offsets = np.sort(rng.choice(np.arange(24, span), size=len(path) - 1, replace=False))
        moves = [(path[0], filed)] + [
            (stage, filed + timedelta(hours=int(h)))
            for stage, h in zip(path[1:], offsets, strict=True)
        ]
        valuation = (
            float(next(v))
            if end in ("signed", "landed")
            else float(np.round(rng.lognormal(9.5, 0.8), -2))
        )
        plan.projects.append(
            DemoProject(
                name=name,
                counterpart=counterpart,
                counterpart_kind=kind,
                source=source(),
                industry_code=code,
                planned_investment=float(np.round(valuation * rng.uniform(0.05, 0.3), -1)),
                valuation=valuation,
                moves=tuple(moves),
                lost_reason=str(rng.choice([r.value for r in LostReason])) if end == "lost" else "",
                landed_credit_code=_credit_code(i) if end == "landed" else "",
                owner=int(rng.integers(3)),
            )
        )
    # --- the months after: new leads and a random walk at the first months' rates --------
    end_of_plan = start + timedelta(days=int(months * 30.44))
    step = {
        Stage.LEAD: (Stage.CONTACTED, 0.35),
        Stage.CONTACTED: (Stage.NEGOTIATING, 0.3),
        Stage.NEGOTIATING: (Stage.SIGNED, 0.12),
        Stage.SIGNED: (Stage.LANDED, 0.3),
    }
    # the first months' open projects keep moving after month six
    for k, p in enumerate(plan.projects):
        plan.projects[k] = _walk(p, rng, six, end_of_plan, step, k)
    i = len(plan.projects)
    month = six
    while month < end_of_plan:
        nxt = month + timedelta(days=30)
        for _ in range(int(rng.poisson(7))):
            name, counterpart, code, kind = _names(rng, i)
            filed = day(month, min(nxt, end_of_plan))
            valuation = float(np.round(rng.lognormal(9.9, 0.9), -2))
            p = DemoProject(
                name=name,
                counterpart=counterpart,
                counterpart_kind=kind,
                source=source(),
                industry_code=code,
                planned_investment=float(np.round(valuation * rng.uniform(0.05, 0.3), -1)),
                valuation=valuation,
                moves=(("lead", filed),),
                owner=int(rng.integers(3)),
            )
            plan.projects.append(_walk(p, rng, filed, end_of_plan, step, i))
            i += 1
        month = nxt
    return plan


def _walk(
    p: DemoProject,
    rng: np.random.Generator,
    since: datetime,
    until: datetime,
    step: dict[Stage, tuple[Stage, float]],
    i: int,
) -> DemoProject:
    """Move an open project on, month by month, from ``since`` to ``until``."""
    moves = list(p.moves)
    stage, t = Stage(moves[-1][0]), max(moves[-1][1], since)
    lost_reason, code = p.lost_reason, p.landed_credit_code
    while stage in OPEN_STAGES:
        t = t + timedelta(days=int(rng.integers(20, 45)))
        if t >= until:
            break
        if rng.random() < 0.04:
            stage, lost_reason = Stage.LOST, str(rng.choice([r.value for r in LostReason]))
        elif rng.random() < step[stage][1]:
            stage = step[stage][0]
        else:
            continue
        moves.append((stage.value, t))
        if stage == Stage.LANDED:
            code = _credit_code(i)
    return DemoProject(
        name=p.name,
        counterpart=p.counterpart,
        counterpart_kind=p.counterpart_kind,
        source=p.source,
        industry_code=p.industry_code,
        planned_investment=p.planned_investment,
        valuation=p.valuation,
        moves=tuple(moves),
        lost_reason=lost_reason,
        landed_credit_code=code,
        owner=p.owner,
    )
