"""Paths to pass: the issue's example, hard conditions, and "apply the path, grade again"."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from feidi.rules import evaluate, load_rulebook, path_changes, summary_line, what_if
from tests.core.firms import code, dataset, firm_row, years_of

AS_OF = date(2026, 3, 1)

# Every 专精特新 indicator at its top bracket except quality (no item), R&D input (3.2% of
# revenue 4000 = 128万: 2 points) and R&D institution (none: 0); 特色化 4. Total 66.
EXAMPLE = dict(
    niche_years=10,
    product_field_2022="key_link",
    digital_level=3,
    quality_award_provincial=False,
    iso9001=False,
    own_brand=False,
    standards_drafting=False,
    special_score=4,
    ip_class1_high_value=1,
    ip_class1_self_developed=1,
    ip_class1=1,
    ip_class2=0,
    rd_institution="none",
    sci_award_national_rank=float("inf"),
    sci_award_provincial_rank=float("inf"),
    chuangke_rank=float("inf"),
)
EXAMPLE_YEARS = dict(
    y2025=dict(
        revenue=4000,
        main_revenue=3600,
        rd_expense=128,
        net_profit=400,
        total_assets=4000,
        total_liabilities=1600,
        employees=100,
        rd_employees=20,
        equity_financing=0.0,
    ),
    y2024=dict(revenue=3500, main_revenue=3200, rd_expense=100, equity_financing=0.0),
    y2023=dict(revenue=3100, main_revenue=2800, rd_expense=90),
)


def _grade(
    firm: dict[str, Any],
    years: dict[str, dict[str, Any]],
    rulebook: str,
    tier: str,
    titles: dict[str, Any] | None = None,
) -> tuple[Any, dict[str, Any]]:
    data = dataset(
        [firm_row(1, honors=[], titles=titles or {}, **firm)], financials=years_of(1, **years)
    )
    ev = evaluate(data, rulebook, AS_OF, tiers=(tier,))
    return data, ev.records().collect().row(0, named=True)


def test_path_issue_example_fewest_steps() -> None:
    _, rec = _grade(EXAMPLE, EXAMPLE_YEARS, "guangdong-2024", "specialized")
    assert (rec["verdict"], rec["score"], rec["pass_mark"]) == ("fail", 66.0, 70.0)
    steps = [(s["id"], s["measure"], s["gain"], s["required"]) for s in rec["path"]]
    assert steps == [("quality", "iso9001", 3.0, 1.0), ("rd_input", "rd_ratio_y0", 2.0, 4.0)]
    rd = rec["path"][1]
    assert (rd["observed"], round(rd["amount"], 6), rd["amount_field"]) == (
        3.2,
        32.0,
        "rd_expense@2025",
    )
    line = summary_line(load_rulebook("guangdong-2024"), rec)
    assert line == (
        "专精特新中小企业: 未通过, 66 分, 差 4 分 — ISO9001质量管理体系认证：否 → 是 可 +3 分; "
        "上年度研发费用占营业收入比重 3.2% → ≥4% 可 +2 分（需增加2025年研发费用 32 万元）"
    )


def test_path_hard_condition_with_amount() -> None:
    years = {
        **EXAMPLE_YEARS,
        "y2025": {
            **EXAMPLE_YEARS["y2025"],
            "rd_expense": 90,
            "revenue": 2500,
            "main_revenue": 2300,
            "net_profit": 250,
            "total_assets": 2500,
            "total_liabilities": 1000,
        },
    }
    _, rec = _grade(EXAMPLE, years, "miit-2022", "specialized")
    assert rec["verdict"] == "fail"
    hard = [s for s in rec["path"] if s["id"] == "rd_1"]
    assert [
        (s["measure"], s["observed"], s["required"], s["amount"], s["amount_field"]) for s in hard
    ] == [("rd_expense_y0", 90.0, 100.0, 10.0, "rd_expense@2025")]


def test_path_empty_when_passing() -> None:
    _, rec = _grade(
        {**EXAMPLE, "iso9001": True, "own_brand": True}, EXAMPLE_YEARS, "miit-2022", "specialized"
    )
    assert (rec["verdict"], rec["path"]) == ("pass", [])


def test_path_never_proposes_an_award() -> None:
    _, rec = _grade({**EXAMPLE, "special_score": 0}, EXAMPLE_YEARS, "miit-2022", "specialized")
    measures = {s["measure"] for s in rec["path"]}
    assert measures.isdisjoint(
        {"sci_award_national_rank", "sci_award_provincial_rank", "chuangke_rank"}
    )


def test_path_little_giant_stays_in_its_band() -> None:
    firm = dict(
        niche_years=8,
        info_system=True,
        management_cert=True,
        market_share=12,
        own_brand=True,
        rd_institution="provincial",
        ip_class1_in_use=3,
        sci_award_national_rank=float("inf"),
        chuangke_rank=float("inf"),
    )
    years = dict(
        y2025=dict(
            revenue=8000,
            main_revenue=7200,
            rd_expense=400,
            total_assets=8000,
            total_liabilities=4000,
            employees=100,
            rd_employees=20,
        ),
        y2024=dict(revenue=7200, main_revenue=6400, rd_expense=400),
        y2023=dict(revenue=6400, main_revenue=5600),
    )
    _, rec = _grade(
        firm, years, "miit-2022", "little_giant", titles={"specialized": date(2024, 7, 1)}
    )
    assert [
        (s["measure"], s["required"], round(s["amount"], 6), s["amount_field"]) for s in rec["path"]
    ] == [
        ("rd_ratio_y0", 6.0, 80.0, "rd_expense@2025"),
        ("rd_ratio_y1", 6.0, 32.0, "rd_expense@2024"),
    ]


def test_what_if_applying_the_path_passes() -> None:
    data, rec = _grade(EXAMPLE, EXAMPLE_YEARS, "guangdong-2024", "specialized")
    changes = path_changes(load_rulebook("guangdong-2024"), rec, data)
    assert changes == {"iso9001": True, "rd_expense@2025": 160.0}
    again = (
        what_if(data, code(1), changes, "guangdong-2024", AS_OF, tiers=("specialized",))
        .records()
        .collect()
    )
    assert again.select("verdict", "score").row(0) == ("pass", 71.0)
    # the original data is untouched
    assert data.firms["iso9001"].to_list() == [False]
    assert data.financials.filter(pl.col("year") == 2025)["rd_expense"].to_list() == [128.0]


def test_what_if_paths_pass_across_the_demo_city() -> None:
    """For failing demo firms with complete data, applying the path (as a plan) passes.

    Paths that grow revenue are left out: growing revenue dilutes other ratios (net margin),
    which the step prices at today's figures by design.
    """
    from feidi.demo import DEMO_AS_OF, generate_demo_city
    from feidi.io import dataset_from_frame

    data, _ = dataset_from_frame(generate_demo_city(n_local=600, n_enclave=60).drop("enclave"))
    checked = 0
    for rb, tier in [
        ("miit-2022", "innovative"),
        ("miit-2022", "specialized"),
        ("miit-2026", "specialized"),
    ]:
        book = load_rulebook(rb)
        failing = (
            evaluate(data, rb, DEMO_AS_OF, tiers=(tier,))
            .records()
            .collect()
            .filter((pl.col("verdict") == "fail") & (pl.col("missing").list.len() == 0))
        )
        for rec in failing.iter_rows(named=True):
            kinds = {book.measures[s["measure"]].kind for s in rec["path"]}
            fields = {(s["amount_field"] or "").split("@")[0] for s in rec["path"]}
            if (
                not rec["path"]
                or kinds & {"growth", "mean_growth", "cagr", "title"}
                or "revenue" in fields
            ):
                continue
            plan = path_changes(book, rec, data)
            again = (
                what_if(data, rec["credit_code"], plan, rb, DEMO_AS_OF, tiers=(tier,))
                .records()
                .collect()
            )
            assert again["verdict"].to_list() == ["pass"], (rec["credit_code"], plan)
            checked += 1
            if checked >= 40:
                return
    assert checked >= 20


def test_path_group_minimum_step_also_covers_the_total() -> None:
    """附件1: no IP and no R&D — one high-value patent (+20) meets 创新能力 ≥ 20 and lifts the
    total from 50 to 70, so the path is that single step (the total needs nothing more)."""
    firm = dict(
        ip_class1=0,
        ip_class1_high_value=0,
        ip_class1_self_developed=0,
        ip_class2=0,
        strategic_emerging=False,
        rd_institution="none",
        sci_award_national_rank=float("inf"),
        sci_award_provincial_rank=float("inf"),
    )
    years = dict(
        y2025=dict(
            revenue=10000,
            main_revenue=9000,
            rd_expense=0,
            total_assets=10000,
            total_liabilities=5000,
            equity_financing=0.0,
        ),
        y2024=dict(revenue=9000, main_revenue=8000, equity_financing=0.0),
        y2023=dict(revenue=8000, main_revenue=7000, equity_financing=0.0),
    )
    _, rec = _grade(firm, years, "miit-2022", "innovative")
    assert (rec["verdict"], rec["score"]) == ("fail", 50.0)
    assert [(s["id"], s["measure"], s["gain"]) for s in rec["path"]] == [
        ("ip", "ip_class1_high_value", 20.0)
    ]
