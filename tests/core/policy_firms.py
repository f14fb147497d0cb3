"""Hand-built firms for the policy tests, as of 2026-06-30 (上年度 = 2025). Each firm's
comment works out its verdict on every policy by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from feidi.reference import make_credit_code

AS_OF = date(2026, 6, 30)


def code(n: int) -> str:
    return make_credit_code(f"91320581MA1P0{n:04d}")


FIRMS: dict[str, dict[str, Any]] = {
    # Eligible for everything but the title policies' harder tiers: 应纳税所得额 280 ≤ 300,
    # 250 people ≤ 300, assets 4000 ≤ 5000, industry not restricted → 小型微利 (saves
    # 280 × 20% = 56); R&D 200 > 0, C3841 (division 38) not excluded, not 核定征收 → 加计扣除
    # 200 × 100% = 200; holds 高新技术企业 → 15% (saves 280 × 10% = 28); 常熟 (320581) and a
    # 小巨人 granted 2024-07-01 (held, and implies 专精特新) → both example rewards (50, 30).
    "all": {
        "n": 1,
        "name": "甲精密制造有限公司",
        "region_code": "320581",
        "industry_code": "C3841",
        "honors": "high_tech",
        "titles": "little_giant@2024-07-01",
        "taxable_income": 280.0,
        "industry_not_restricted": True,
        "tax_assessed": False,
        "years": {2025: (5000.0, 200.0, 250, 4000.0)},
    },
    # Not eligible: 301 people > 300 (one over the edge) → no 小型微利 relief; F5132 (division
    # 51, 批发业) is excluded → no 加计扣除; no honour → no 15%; no title → no reward.
    "none": {
        "n": 2,
        "name": "乙商贸有限公司",
        "region_code": "320581",
        "industry_code": "F5132",
        "honors": "",
        "titles": "",
        "taxable_income": 100.0,
        "industry_not_restricted": True,
        "tax_assessed": False,
        "years": {2025: (3000.0, 50.0, 301, 4000.0)},
    },
    # Unknown: 应纳税所得额 not given (300 people and assets 5000 sit on the edges, which hold)
    # → 小型微利 unknown for lack of it; R&D 2025 empty → 加计扣除 unknown. In Beijing
    # (110108): no example reward.
    "gaps": {
        "n": 3,
        "name": "丙缺数科技有限公司",
        "region_code": "110108",
        "industry_code": "C3670",
        "honors": "",
        "titles": "",
        "taxable_income": None,
        "industry_not_restricted": True,
        "tax_assessed": False,
        "years": {2025: (2000.0, None, 300, 5000.0)},
    },
    # No 行政区划代码 but a 小巨人 title: the 常熟 reward is unknown for lack of the code;
    # no industry code and not told whether 核定征收 → 加计扣除 unknown.
    "nowhere": {
        "n": 4,
        "name": "丁无区划有限公司",
        "region_code": None,
        "industry_code": None,
        "honors": "",
        "titles": "little_giant@2025-07-01",
        "taxable_income": 500.0,
        "industry_not_restricted": None,
        "tax_assessed": None,
        "years": {2025: (8000.0, 400.0, 120, 9000.0)},
    },
}

CODES = {k: code(v["n"]) for k, v in FIRMS.items()}
_SCHEMA: dict[str, Any] = {
    "credit_code": pl.String,
    "year": pl.Int64,
    "name": pl.String,
    "region_code": pl.String,
    "industry_code": pl.String,
    "honors": pl.String,
    "titles": pl.String,
    "taxable_income": pl.Float64,
    "industry_not_restricted": pl.Boolean,
    "tax_assessed": pl.Boolean,
    "revenue": pl.Float64,
    "main_revenue": pl.Float64,
    "rd_expense": pl.Float64,
    "employees": pl.Int64,
    "total_assets": pl.Float64,
}


def frame(keys: tuple[str, ...] | None = None) -> pl.DataFrame:
    """The long frame (one row per firm × year) of the firms named (default: all)."""
    rows = []
    for key in keys or tuple(FIRMS):
        spec = FIRMS[key]
        for y, (revenue, rd, employees, assets) in spec["years"].items():
            rows.append(
                {
                    "credit_code": CODES[key],
                    "year": y,
                    **{k: spec[k] for k in _SCHEMA if k in spec and k != "years"},
                    "revenue": revenue,
                    "main_revenue": revenue,
                    "rd_expense": rd,
                    "employees": employees,
                    "total_assets": assets,
                }
            )
    return pl.DataFrame(rows, schema=_SCHEMA)
