"""Hand-built firms for the diagnosis tests: one per type and per flag, figures chosen so
that every verdict can be worked out by hand (see each firm's comment). As of 2026-06-30:
上年度 = 2025, the year before 2024, and 2023."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from feidi.reference import make_credit_code

AS_OF = date(2026, 6, 30)


def code(n: int) -> str:
    return make_credit_code(f"91320581MA1M0{n:04d}")


# Firm fields every firm shares unless it says otherwise: they make the specialised tier's
# other conditions hold, so its path names only what a firm's own comment says is short.
BASE: dict[str, Any] = {
    "niche_years": 6.0,
    "ip_class1_high_value": 0,
    "ip_class1_self_developed": 0,
    "ip_class1": 1,
    "ip_class2": 0,
    "ip_class1_in_use": 1,
    "rd_institution": "none",
    "strategic_emerging": False,
    "sci_award_national_rank": None,  # given and empty: no award
    "sci_award_provincial_rank": None,
    "development_score": 60.0,
    "honors": "",
    "titles": "",
}


def year(
    revenue: float | None,
    rd: float | None,
    profit: float | None,
    assets: float | None,
    debt: float | None,
    employees: int | None = 100,
    rd_staff: int | None = 10,
    main: float | None = None,
) -> dict[str, Any]:
    return {
        "revenue": revenue,
        "main_revenue": revenue if main is None else main,
        "rd_expense": rd,
        "net_profit": profit,
        "total_assets": assets,
        "total_liabilities": debt,
        "employees": employees,
        "rd_employees": rd_staff,
        "equity_financing": 0.0,
    }


FIRMS: dict[str, dict[str, Any]] = {
    # 先锋分子: R&D 80 / 1000 = 8% ≥ 5%, R&D staff 10 / 50 = 20% ≥ 10%. Holds 创新型 (2025,
    # due 2028: not within 183 days), so its next tier is 专精特新 (MIIT 2026 on 2026-06-30),
    # where revenue 1000 < 1500 and R&D 80 < 100 万元 are short (R&D 2024: 100, 12.5%).
    "vanguard": {
        "n": 1,
        "name": "甲先锋科技有限公司",
        "industry_code": "C3841",
        "main_products": "锂电池电芯、电池包",
        "titles": "innovative@2025-09-30",
        "years": {
            2025: year(1000, 80, 50, 1000, 300, employees=50, rd_staff=10),
            2024: year(800, 100, 40, 900, 270, employees=45, rd_staff=9),
            2023: year(600, 60, 30, 800, 240),
        },
    },
    # 落后分子: R&D 10 / 2000 = 0.5% < 1%, net margin 20 / 2000 = 1% < 2%.
    # Falling revenue: (2000 / 2500)^(1/2) − 1 = −10.56% ≤ −5% (and −13.04% in 2025).
    # Rising debt: 1400 / 2000 = 70% ≥ 60%, up from 1300 / 2000 = 65%: +5 points ≥ 5 (the edge).
    # 创新型 granted 2023-07-10: 复核 due 2026-07-10, 10 days on (≤ 183): review_due; judged by
    # MIIT 2022 (in force on the grant date), where it scores below 60: title_lapsing.
    "laggard": {
        "n": 2,
        "name": "乙传统纺织有限公司",
        "industry_code": "C1819",
        "main_products": "羽绒服",
        "niche_years": 10.0,
        "ip_class1": 0,
        "ip_class1_in_use": 0,
        "development_score": 40.0,
        "titles": "innovative@2023-07-10",
        "years": {
            2025: year(2000, 10, 20, 2000, 1400, rd_staff=0),
            2024: year(2300, 10, 30, 2000, 1300, rd_staff=0),
            2023: year(2500, 10, 40, 2000, 1200, rd_staff=0),
        },
    },
    # 中间分子: R&D 150 / 5000 = 3% (< 5%: not vanguard; ≥ 1%: not laggard). High-tech
    # enterprise: passes 创新型 by the direct route, holds no title, so its next tier is
    # 专精特新, short only of the 创新型 title (MIIT 2026's prerequisite).
    "middle": {
        "n": 3,
        "name": "丙汽配制造有限公司",
        "industry_code": "C3670",
        "main_products": "汽车座椅",
        "honors": "high_tech",
        "years": {
            2025: year(5000, 150, 300, 4000, 2000, employees=200, rd_staff=16),
            2024: year(4800, 150, 280, 3900, 1950),
            2023: year(4600, 140, 260, 3800, 1900),
        },
    },
    # Undecided: R&D 6% but R&D staff unknown (2025 empty) → the vanguard rule is unknown; the
    # laggard rule fails (6% ≥ 1%), so it is vanguard or middle. Revenue 2023 is empty and
    # 2025 fell 3% (not ≤ −10%): falling revenue unknown.
    "open": {
        "n": 4,
        "name": "丁未知科技有限公司",
        "industry_code": "C3841",
        "main_products": "电池包",
        "years": {
            2025: year(970, 58.2, 30, 1000, 300, rd_staff=None),
            2024: year(1000, 50, 30, 1000, 300),
            2023: year(None, 40, 30, 1000, 300),
        },
    },
    # Detached and no R&D: R&D 0 (< 1%), margin 5% (not thin) but on no chain node (C1340
    # 制糖 is on none of the chains) → laggard by detachment; no_rd and detached raised.
    # Titles: 专精特新 granted 2023-03-15 lapsed on 2026-03-15, no renewal → title_lapsing.
    "detached": {
        "n": 5,
        "name": "戊糖业有限公司",
        "industry_code": "C1340",
        "main_products": "白砂糖",
        "titles": "specialized@2023-03-15",
        "years": {
            2025: year(3000, 0, 150, 3000, 900, rd_staff=0),
            2024: year(2900, 0, 140, 3000, 900, rd_staff=0),
            2023: year(2800, 0, 130, 3000, 900, rd_staff=0),
        },
    },
    # Unknowns: R&D 2025 empty → no_rd unknown (and both type rules unknown); liabilities 2024
    # empty with a 75% debt ratio → rising debt unknown, naming 负债总额（2024年）; an undated
    # 专精特新 title → review_due unknown.
    "gaps": {
        "n": 6,
        "name": "己缺数有限公司",
        "industry_code": "C3670",
        "main_products": "汽车座椅",
        "titles": "specialized",
        "years": {
            2025: year(2000, None, 100, 2000, 1500),
            2024: year(2000, 60, 100, 2000, None),
            2023: year(2000, 60, 100, 2000, 1500),
        },
    },
}

_FIRM_COLUMNS = ("name", "industry_code", "main_products", *BASE)
_SCHEMA: dict[str, Any] = {
    "credit_code": pl.String,
    "year": pl.Int64,
    "revenue": pl.Float64,
    "main_revenue": pl.Float64,
    "rd_expense": pl.Float64,
    "net_profit": pl.Float64,
    "total_assets": pl.Float64,
    "total_liabilities": pl.Float64,
    "employees": pl.Int64,
    "rd_employees": pl.Int64,
    "equity_financing": pl.Float64,
    "name": pl.String,
    "industry_code": pl.String,
    "main_products": pl.String,
    "niche_years": pl.Float64,
    "ip_class1_high_value": pl.Int64,
    "ip_class1_self_developed": pl.Int64,
    "ip_class1": pl.Int64,
    "ip_class2": pl.Int64,
    "ip_class1_in_use": pl.Int64,
    "rd_institution": pl.String,
    "strategic_emerging": pl.Boolean,
    "sci_award_national_rank": pl.Int64,
    "sci_award_provincial_rank": pl.Int64,
    "development_score": pl.Float64,
    "honors": pl.String,
    "titles": pl.String,
}


def frame(keys: tuple[str, ...] | None = None) -> pl.DataFrame:
    """The long frame (one row per firm × year) of the firms named (default: all)."""
    rows = []
    for key in keys or tuple(FIRMS):
        spec = {**BASE, **FIRMS[key]}
        for y, figures in spec["years"].items():
            rows.append(
                {
                    "credit_code": code(spec["n"]),
                    "year": y,
                    **figures,
                    **{c: spec.get(c) for c in _FIRM_COLUMNS},
                }
            )
    return pl.DataFrame(rows, schema=_SCHEMA)


CODES = {key: code(spec["n"]) for key, spec in FIRMS.items()}
#: Chain nodes at confidence ≥ 0.4 as feidi.chains mounts them (see test_diagnosis_cli):
#: C3841 + 锂电池电芯、电池包 → 3; C1819 + 羽绒服 → 1; C3670 + 汽车座椅 → 1; C1340 → 0.
NODES = {
    CODES["vanguard"]: 3,
    CODES["laggard"]: 1,
    CODES["middle"]: 1,
    CODES["detached"]: 0,
    CODES["gaps"]: 1,
}  # "open" is not named: unknown
