"""Hand-computed cases from CRITERIA.md, each checked on every engine.

A case is one firm graded on one tier. Cases sharing a rulebook and as-of date are evaluated
together, once per engine (a session cache), and each case asserts on its own record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from feidi.rules import evaluate
from tests.core.firms import code, dataset, firm_row, years_of

AS_OF = date(2026, 3, 1)  # 上年度 = 2025
AS_OF_2026 = date(2026, 6, 30)


@dataclass
class Case:
    name: str
    rulebook: str
    tier: str
    firm: dict[str, Any]
    years: dict[int, dict[str, Any]]
    expect: dict[str, Any]
    as_of: date = AS_OF
    indicators: dict[str, Any] = field(default_factory=dict)  # id → points (None = unknown)
    conditions: dict[str, str] = field(default_factory=dict)  # id → verdict
    honors: list[str] | None = field(default_factory=list)
    titles: dict[str, date | None] | None = field(default_factory=dict)


CASES: list[Case] = []


def case(*args: Any, **kw: Any) -> None:
    CASES.append(Case(*args, **kw))


# A firm that meets 附件1's score comfortably, varied one input at a time below.
def base_fin(
    rev: float = 10000,
    main: float = 9000,
    rd: float = 320,
    assets: float = 10000,
    liab: float = 5000,
    prev_main: float = 8000,
    **more: Any,
) -> dict[int, dict[str, Any]]:
    y2025 = dict(
        revenue=rev,
        main_revenue=main,
        rd_expense=rd,
        total_assets=assets,
        total_liabilities=liab,
        equity_financing=0.0,
        net_profit=500.0,
        employees=100,
        rd_employees=15,
    )
    y2025.update(more)
    return {
        2025: y2025,
        2024: dict(revenue=9000, main_revenue=prev_main, rd_expense=300, equity_financing=0.0),
        2023: dict(revenue=8000, main_revenue=7000, rd_expense=250, equity_financing=0.0),
    }


INNOV_FIRM = dict(
    ip_class1=1,
    ip_class1_high_value=0,
    ip_class1_self_developed=0,
    ip_class2=0,
    strategic_emerging=False,
    rd_institution="none",
    sci_award_national_rank=float("inf"),
    sci_award_provincial_rank=float("inf"),
)

# --- 附件1 创新型: every bracket edge of R&D intensity (revenue 10000) ----------------------
for rd, pts in [(500, 20), (499.99, 15), (300, 15), (299.99, 10), (200, 10), (100, 5), (99.99, 0)]:
    case(
        f"innovative rd_ratio {rd / 100}%",
        "miit-2022",
        "innovative",
        INNOV_FIRM,
        base_fin(rd=rd),
        {},
        indicators={"rd_ratio": pts},
    )

# debt ratio: 55% sits on the edge and scores the higher bracket (5500 / 10000 is exactly 55)
for liab, pts in [(5500, 10), (5500.01, 5), (7500, 5), (7500.01, 0)]:
    case(
        f"innovative debt {liab}",
        "miit-2022",
        "innovative",
        INNOV_FIRM,
        base_fin(liab=liab),
        {},
        indicators={"debt_ratio": pts},
    )

# main revenue / revenue
for main, pts in [(7000, 20), (6999.99, 15), (6000, 15), (5500, 10), (5000, 5), (4999.99, 0)]:
    case(
        f"innovative main share {main}",
        "miit-2022",
        "innovative",
        INNOV_FIRM,
        base_fin(main=main),
        {},
        indicators={"main_share": pts},
    )

# main revenue growth, 上年度 over the year before (prev 8000)
for main, pts in [(9200, 20), (9199.99, 15), (8800, 15), (8400, 10), (8000, 5), (7999.99, 0)]:
    case(
        f"innovative growth {main}",
        "miit-2022",
        "innovative",
        INNOV_FIRM,
        base_fin(main=main),
        {},
        indicators={"main_revenue_growth": pts},
    )

# a base year of zero makes growth unknown: the indicator spans its whole range
case(
    "innovative growth base zero",
    "miit-2022",
    "innovative",
    INNOV_FIRM,
    base_fin(prev_main=0),
    {"score": None, "score_min": 60.0, "score_max": 80.0},
    indicators={"main_revenue_growth": None},
)

# IP: a high-value class I patent scores the maximum whatever the other counts are
case(
    "innovative ip high value known",
    "miit-2022",
    "innovative",
    {
        **INNOV_FIRM,
        "ip_class1": None,
        "ip_class2": None,
        "ip_class1_self_developed": None,
        "ip_class1_high_value": 2,
    },
    base_fin(),
    {},
    indicators={"ip": 20},
)
case(
    "innovative ip partly unknown",
    "miit-2022",
    "innovative",
    {
        **INNOV_FIRM,
        "ip_class1": None,
        "ip_class1_high_value": None,
        "ip_class1_self_developed": None,
        "ip_class2": 1,
    },
    base_fin(),
    {"score": None, "score_min": 70.0, "score_max": 85.0},
    indicators={"ip": None},
)

# strategic emerging: 10 vs 5
case(
    "innovative product field",
    "miit-2022",
    "innovative",
    {**INNOV_FIRM, "strategic_emerging": True},
    base_fin(),
    {"score": 80.0},
    indicators={"product_field": 10},
)

# total: ip 10 + rd 15 (3.2%) + growth 15 (12.5%) + debt 10 + field 5 + share 20 = 75
case(
    "innovative passes by score",
    "miit-2022",
    "innovative",
    INNOV_FIRM,
    base_fin(),
    {"verdict": "pass", "score": 75.0},
    conditions={"by_score": "pass", "direct": "fail"},
)

# sub-minimum: 创新能力 = ip 0 + rd 15 = 15 < 20 → fails although the total reaches 60
case(
    "innovative fails a group minimum",
    "miit-2022",
    "innovative",
    {**INNOV_FIRM, "ip_class1": 0},
    base_fin(),
    {"verdict": "fail", "score": 65.0},
    conditions={"total_score": "pass", "innovation_min": "fail", "by_score": "fail"},
)

# direct routes, each alone, on a firm that fails the score (no IP, no R&D)
WEAK = {**INNOV_FIRM, "ip_class1": 0}
case(
    "innovative direct honour",
    "miit-2022",
    "innovative",
    WEAK,
    base_fin(rd=0),
    {"verdict": "pass"},
    conditions={"by_score": "fail", "honor": "pass"},
    honors=["high_tech"],
)
case(
    "innovative direct provincial award",
    "miit-2022",
    "innovative",
    {**WEAK, "sci_award_provincial_rank": 7},
    base_fin(rd=0),
    {"verdict": "pass"},
    conditions={"sci_award": "pass"},
)
case(
    "innovative direct institution",
    "miit-2022",
    "innovative",
    {**WEAK, "rd_institution": "provincial"},
    base_fin(rd=0),
    {"verdict": "pass"},
    conditions={"rd_institution": "pass"},
)
case(
    "innovative direct equity 3 years",
    "miit-2022",
    "innovative",
    WEAK,
    {**base_fin(rd=0), 2023: {"revenue": 8000, "main_revenue": 7000, "equity_financing": 500.0}},
    {"verdict": "pass"},
    conditions={"equity_financing": "pass"},
)
# a missing year counts as anything from 0 up: known years already reaching 500 pass ...
case(
    "innovative equity known years suffice",
    "miit-2022",
    "innovative",
    WEAK,
    {
        **base_fin(rd=0, equity_financing=None),
        2024: {"revenue": 9000, "main_revenue": 8000, "equity_financing": 600.0},
    },
    {"verdict": "pass"},
    conditions={"equity_financing": "pass"},
)
# ... known years short of 500 with one missing leave it unknown
case(
    "innovative equity unknown",
    "miit-2022",
    "innovative",
    WEAK,
    {
        **base_fin(rd=0, equity_financing=None),
        2024: {"revenue": 9000, "main_revenue": 8000, "equity_financing": 300.0},
    },
    {"verdict": "unknown", "missing": ["equity_financing@2025"]},
    conditions={"equity_financing": "unknown"},
)
case(
    "innovative fails everything",
    "miit-2022",
    "innovative",
    WEAK,
    base_fin(rd=0),
    {"verdict": "fail", "score": 50.0, "missing": []},
)

# unknown honours (column absent) leave the direct route undecided
case(
    "innovative honours unknown",
    "miit-2022",
    "innovative",
    WEAK,
    base_fin(rd=0),
    {"verdict": "unknown", "missing": ["honors"]},
    honors=None,
)

# missing revenue: both ratios span their range; score interval straddles 60
case(
    "innovative revenue missing",
    "miit-2022",
    "innovative",
    INNOV_FIRM,
    base_fin(rev=None),
    {
        "verdict": "unknown",
        "score": None,
        "score_min": 40.0,
        "score_max": 80.0,
        "missing": ["revenue@2025"],
    },
    indicators={"rd_ratio": None, "main_share": None},
)

# --- 附件2 专精特新 --------------------------------------------------------------------------
SPEC_FIRM = dict(
    niche_years=6,
    product_field_2022="foundation",
    digital_level=2,
    quality_award_provincial=False,
    iso9001=False,
    own_brand=True,
    standards_drafting=False,
    special_score=8,
    ip_class1_high_value=0,
    ip_class1_self_developed=1,
    ip_class1=1,
    ip_class2=3,
    rd_institution="city",
    sci_award_national_rank=float("inf"),
    sci_award_provincial_rank=float("inf"),
    chuangke_rank=float("inf"),
)
# main share 90% → 5; mean growth: (8000/7000-1, 9000/8000-1) = (14.29, 12.5) → 10; niche 6 → 3;
# foundation → 3; digital 2 → 3; quality own brand → 3; net margin 5% → 4; debt 50% → 5;
# special 8; ip self-developed → 8; R&D 320万 (6) vs 3.2% (2) → 6; R&D staff 15% → 3;
# city institution → 4.  Total 65.
case(
    "specialized score 65",
    "miit-2022",
    "specialized",
    SPEC_FIRM,
    base_fin(),
    {"verdict": "pass", "score": 65.0},
    indicators={
        "main_share": 5,
        "main_revenue_growth": 10,
        "niche_years": 3,
        "product_field": 3,
        "digital_level": 3,
        "quality": 3,
        "net_margin": 4,
        "debt_ratio": 5,
        "special": 8,
        "ip": 8,
        "rd_input": 6,
        "rd_staff": 3,
        "rd_institution": 4,
    },
)
case(
    "guangdong needs 70",
    "guangdong-2024",
    "specialized",
    SPEC_FIRM,
    base_fin(),
    {"verdict": "fail", "score": 65.0},
    conditions={"total_score": "fail", "score_or_direct": "fail"},
)
case(
    "guangdong keeps innovative",
    "guangdong-2024",
    "innovative",
    INNOV_FIRM,
    base_fin(),
    {"verdict": "pass", "score": 75.0},
)
# quality is capped at 5; two items met make it known whatever the others are
case(
    "specialized quality capped",
    "miit-2022",
    "specialized",
    {**SPEC_FIRM, "iso9001": True, "quality_award_provincial": None, "standards_drafting": None},
    base_fin(),
    {"score": 67.0},
    indicators={"quality": 5},
)
case(
    "specialized quality partly unknown",
    "miit-2022",
    "specialized",
    {**SPEC_FIRM, "quality_award_provincial": None},
    base_fin(),
    {"score": None, "score_min": 65.0, "score_max": 67.0},
    indicators={"quality": None},
)
# "或": R&D 450万 scores 8 on the amount although 4.5% scores only 4 on the share
case(
    "specialized rd input takes the higher",
    "miit-2022",
    "specialized",
    SPEC_FIRM,
    base_fin(rd=450),
    {},
    indicators={"rd_input": 8},
)
case(
    "specialized niche 11 years",
    "miit-2022",
    "specialized",
    {**SPEC_FIRM, "niche_years": 11},
    base_fin(),
    {},
    indicators={"niche_years": 5},
)
case(
    "specialized niche below 2 fails",
    "miit-2022",
    "specialized",
    {**SPEC_FIRM, "niche_years": 1.5},
    base_fin(),
    {"verdict": "fail"},
    conditions={"niche": "fail"},
)
# hard conditions: R&D below 100 fails; revenue exactly 1000 meets 一(三)
case(
    "specialized rd below 100",
    "miit-2022",
    "specialized",
    SPEC_FIRM,
    base_fin(rev=2000, main=1800, rd=99, assets=2000, liab=1000, net_profit=100),
    {"verdict": "fail"},
    conditions={"rd": "fail"},
)
case(
    "specialized revenue exactly 1000",
    "miit-2022",
    "specialized",
    SPEC_FIRM,
    base_fin(rev=1000, main=900, rd=100, assets=1000, liab=500, net_profit=50),
    {},
    conditions={"scale": "pass", "rd": "pass"},
)
# mean growth needs three years of data
case(
    "specialized mean growth needs 3 years",
    "miit-2022",
    "specialized",
    SPEC_FIRM,
    {k: v for k, v in base_fin().items() if k != 2023},
    {"score": None},
    indicators={"main_revenue_growth": None},
)
# score below 60 but a direct condition (mean R&D ≥ 1000)
case(
    "specialized direct mean rd",
    "miit-2022",
    "specialized",
    {**SPEC_FIRM, "special_score": 0, "digital_level": 1},
    {**base_fin(rd=1200), 2024: dict(revenue=9000, main_revenue=8000, rd_expense=800)},
    {"verdict": "pass"},
    conditions={"total_score": "fail", "rd_mean": "pass"},
)

# --- 附件3 小巨人 ----------------------------------------------------------------------------
LG_FIRM = dict(
    niche_years=8,
    info_system=True,
    management_cert=True,
    product_cert_developed=False,
    market_share=12,
    own_brand=True,
    rd_institution="provincial",
    ip_class1_in_use=3,
    sci_award_national_rank=float("inf"),
    chuangke_rank=float("inf"),
)
SPEC_TITLE = {"specialized": date(2024, 7, 1)}


def lg_fin(rev: float, rd0: float, rd1: float, **more: Any) -> dict[int, dict[str, Any]]:
    return {
        2025: dict(
            revenue=rev,
            main_revenue=rev * 0.9,
            rd_expense=rd0,
            total_assets=rev,
            total_liabilities=rev * 0.5,
            employees=100,
            rd_employees=more.get("rd_staff", 20),
            equity_financing=more.get("eq0", 0.0),
        ),
        2024: dict(
            revenue=rev * 0.9,
            main_revenue=rev * 0.8,
            rd_expense=rd1,
            equity_financing=more.get("eq1", 0.0),
        ),
        2023: dict(revenue=rev * 0.8, main_revenue=rev * 0.7),
    }


case(
    "little giant large band",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(20000, 700, 600),
    {"verdict": "pass"},
    titles=SPEC_TITLE,
    conditions={"rd_band_large": "pass"},
)
case(
    "little giant middle band needs 6%",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(8000, 400, 400),
    {"verdict": "fail"},
    titles=SPEC_TITLE,
    conditions={"rd_band_middle": "fail", "xin": "fail"},
)
# revenue exactly 10000: both the large (3%) and the middle (6%) bands apply; passing either passes
case(
    "little giant shared edge 10000",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(10000, 300, 270),
    {"verdict": "pass"},
    titles=SPEC_TITLE,
    conditions={"rd_band_large": "pass", "rd_band_middle": "fail", "rd_by_revenue": "pass"},
)
# revenue exactly 5000: the small band (equity and R&D sums) or the middle band (6%)
case(
    "little giant shared edge 5000",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(5000, 300, 270),
    {"verdict": "pass"},
    titles=SPEC_TITLE,
    conditions={"rd_band_middle": "pass", "rd_band_small": "fail"},
)
case(
    "little giant needs the title",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(20000, 700, 600),
    {"verdict": "fail"},
    titles={},
    conditions={"prerequisite": "fail"},
)
case(
    "little giant title implies specialized",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(20000, 700, 600),
    {"verdict": "pass"},
    titles={"little_giant": date(2025, 1, 1)},
    conditions={"prerequisite": "pass"},
)
case(
    "little giant undated title counts",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(20000, 700, 600),
    {"verdict": "pass"},
    titles={"specialized": None},
    conditions={"prerequisite": "pass"},
)
# titles last three years: granted 2023-03-01 lapses on 2026-03-01 (the as-of date)
case(
    "little giant title lapsed on the anniversary",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(20000, 700, 600),
    {"verdict": "fail"},
    titles={"specialized": date(2023, 3, 1)},
    conditions={"prerequisite": "fail"},
)
case(
    "little giant title the day before the anniversary",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(20000, 700, 600),
    {"verdict": "pass"},
    titles={"specialized": date(2023, 3, 2)},
    conditions={"prerequisite": "pass"},
)
# a 29 February grant lapses on 1 March three years later
case(
    "title granted 29 Feb held on 28 Feb",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(20000, 700, 600),
    {},
    as_of=date(2027, 2, 28),
    titles={"specialized": date(2024, 2, 29)},
    conditions={"prerequisite": "pass"},
)
case(
    "title granted 29 Feb lapsed on 1 Mar",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(20000, 700, 600),
    {},
    as_of=date(2027, 3, 1),
    titles={"specialized": date(2024, 2, 29)},
    conditions={"prerequisite": "fail"},
)
case(
    "title granted after the as-of date",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    lg_fin(20000, 700, 600),
    {},
    titles={"specialized": date(2026, 5, 1)},
    conditions={"prerequisite": "fail"},
)
case(
    "little giant direct national award",
    "miit-2022",
    "little_giant",
    {**LG_FIRM, "ip_class1_in_use": 0, "sci_award_national_rank": 2},
    lg_fin(20000, 100, 100),
    {"verdict": "pass"},
    titles=SPEC_TITLE,
    conditions={"xin_general": "fail", "xin_direct": "pass"},
)
case(
    "little giant revenue unknown",
    "miit-2022",
    "little_giant",
    LG_FIRM,
    {**lg_fin(20000, 700, 600), 2025: {**lg_fin(20000, 700, 600)[2025], "revenue": None}},
    {"verdict": "unknown"},
    titles=SPEC_TITLE,
)

# --- MIIT 2026 -------------------------------------------------------------------------------
S26 = dict(
    niche_years=4,
    ip_class1_in_use=1,
    development_score=55,
    rd_institution="none",
    sci_award_national_rank=float("inf"),
    sci_award_provincial_rank=float("inf"),
)
case(
    "2026 specialized passes",
    "miit-2026",
    "specialized",
    S26,
    base_fin(rev=2000, main=1700, rd=100, assets=2000, liab=1200),
    {"verdict": "pass", "score": None, "warnings": []},
    as_of=AS_OF_2026,
    titles={"innovative": date(2025, 5, 1)},
    conditions={"rd": "pass"},
)
case(
    "2026 specialized needs innovative title",
    "miit-2026",
    "specialized",
    S26,
    base_fin(rev=2000, main=1700, rd=100, assets=2000, liab=1200),
    {"verdict": "fail"},
    as_of=AS_OF_2026,
    titles={},
    conditions={"prerequisite": "fail"},
)
case(
    "2026 specialized main share 80",
    "miit-2026",
    "specialized",
    S26,
    base_fin(rev=2000, main=1599.99, rd=100, assets=2000, liab=1200),
    {"verdict": "fail"},
    as_of=AS_OF_2026,
    titles={"innovative": None},
    conditions={"main_share": "fail"},
)
case(
    "2026 specialized R&D each year",
    "miit-2026",
    "specialized",
    S26,
    {
        **base_fin(rev=2000, main=1700, rd=100, assets=2000, liab=1200),
        2024: dict(revenue=9000, main_revenue=8000, rd_expense=260),
    },
    {"verdict": "fail"},
    as_of=AS_OF_2026,
    titles={"innovative": None},
    conditions={"rd": "fail"},
)
L26 = dict(
    niche_years=5,
    ip_class1_in_use=4,
    development_score=65,
    market_share=None,
    market_rank=2,
    sci_award_national_rank=float("inf"),
)


def l26_fin(rev0: float, rev2: float) -> dict[int, dict[str, Any]]:
    return {
        2025: dict(
            revenue=rev0,
            main_revenue=rev0 * 0.95,
            rd_expense=700,
            total_assets=rev0,
            total_liabilities=rev0 * 0.7,
        ),
        2024: dict(revenue=rev0 * 0.98, main_revenue=rev0 * 0.93, rd_expense=600),
        2023: dict(revenue=rev2, main_revenue=rev2 * 0.9, rd_expense=500),
    }


# CAGR (y0 / y−2)^(1/2) − 1: 11025 over 10000 is exactly 5% and meets the edge
case(
    "2026 little giant CAGR edge",
    "miit-2026",
    "little_giant",
    L26,
    l26_fin(11025, 10000),
    {"verdict": "pass"},
    as_of=AS_OF_2026,
    titles={"specialized": date(2025, 1, 1)},
    conditions={"growth": "pass"},
)
case(
    "2026 little giant CAGR short",
    "miit-2026",
    "little_giant",
    L26,
    l26_fin(11000, 10000),
    {"verdict": "fail"},
    as_of=AS_OF_2026,
    titles={"specialized": date(2025, 1, 1)},
    conditions={"growth": "fail"},
)
# 复核: CAGR is not checked when the firm already holds the title
case(
    "2026 little giant review skips CAGR",
    "miit-2026",
    "little_giant",
    L26,
    l26_fin(11000, 10000),
    {"verdict": "pass"},
    as_of=AS_OF_2026,
    titles={"little_giant": date(2024, 1, 1)},
    conditions={"growth": "pass", "review": "pass"},
)
# an as-of date outside the rulebook's period is allowed, with a warning
case(
    "2026 rules before they apply",
    "miit-2026",
    "little_giant",
    L26,
    l26_fin(11025, 10000),
    {"verdict": "pass"},
    as_of=date(2026, 3, 1),
    titles={"specialized": date(2025, 1, 1)},
)


# --- running the cases -------------------------------------------------------------------------
_cache: dict[tuple[str, str, date], dict[tuple[str, str], dict[str, Any]]] = {}


def _results(engine: str, rulebook: str, as_of: date) -> dict[tuple[str, str], dict[str, Any]]:
    key = (engine, rulebook, as_of)
    if key not in _cache:
        group = [(i, c) for i, c in enumerate(CASES) if c.rulebook == rulebook and c.as_of == as_of]
        firms = [firm_row(i, honors=c.honors, titles=c.titles, **c.firm) for i, c in group]
        fin = [
            row for i, c in group for row in years_of(i, **{f"y{y}": v for y, v in c.years.items()})
        ]
        ev = evaluate(dataset(firms, financials=fin), rulebook, as_of, engine=engine)  # type: ignore[arg-type]
        rows = ev.records().collect().to_dicts()
        _cache[key] = {(r["credit_code"], r["tier"]): r for r in rows}
    return _cache[key]


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_rules_hand_computed_case(c: Case, engine: str) -> None:
    record = _results(engine, c.rulebook, c.as_of)[(code(CASES.index(c)), c.tier)]
    for key, want in c.expect.items():
        assert record[key] == want, key
    points = {i["id"]: i["points"] for i in record["indicators"]}
    for iid, want in c.indicators.items():
        assert points[iid] == want, iid
    verdicts = {n["id"]: n["verdict"] for n in record["conditions"]}
    for nid, want in c.conditions.items():
        assert verdicts[nid] == want, nid


def test_rules_warning_outside_effective_period(engine: str) -> None:
    c = next(c for c in CASES if c.name == "2026 rules before they apply")
    record = _results(engine, c.rulebook, c.as_of)[(code(CASES.index(c)), c.tier)]
    assert len(record["warnings"]) == 1
    assert "2026-03-01" in record["warnings"][0]
    assert "outside the period in force" in record["warnings"][0]
