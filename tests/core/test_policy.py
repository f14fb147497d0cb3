"""The policy channel's core: every shipped policy on hand-worked firms (tests/core/
policy_firms.py), amounts, paths to eligibility, effective dates, authoring and preview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import pytest

from feidi.io import Dataset, dataset_from_frame
from feidi.policy import (
    Eligibility,
    PolicySpecError,
    eligibility,
    load_policies,
    load_policy_spec,
    policy_by_id,
    policy_problems,
    preview,
)
from feidi.policy.cli import policy_inputs
from feidi.rules import evaluate, explain, load_rulebook
from tests.core.policy_firms import AS_OF, CODES, frame

NATIONAL = ("high-tech-rate", "rd-super-deduction", "small-low-profit")
TITLES = ("title-innovative-2026", "title-specialized-2026", "title-little-giant-2026")
DEMO = ("demo-little-giant-reward", "demo-specialized-reward")


@pytest.fixture(scope="module")
def data() -> Dataset:
    ds, report = dataset_from_frame(frame(), extra_fields=policy_inputs(load_policies()))
    assert not report.errors
    return ds


@pytest.fixture(scope="module")
def graded(data: Dataset) -> Eligibility:
    return eligibility(data, as_of=AS_OF)


def _row(e: Eligibility, firm: str, policy: str) -> dict[str, Any]:
    rows = e.verdicts.filter((pl.col("credit_code") == CODES[firm]) & (pl.col("policy") == policy))
    assert rows.height == 1
    return rows.row(0, named=True)


def test_the_shipped_policies_and_their_citations() -> None:
    everything = {p.id: p for p in load_policies()}
    assert set(everything) == {
        *NATIONAL,
        *DEMO,
        *TITLES,
        "title-innovative-2022",
        "title-specialized-2022",
        "title-little-giant-2022",
    }
    small = everything["small-low-profit"]
    assert small.document == "财政部 税务总局公告2023年第12号"
    assert small.article[0] == "财政部 税务总局公告2023年第12号 第三条、第五条"
    assert (small.effective_from, small.effective_to) == (date(2023, 1, 1), date(2027, 12, 31))
    rd = everything["rd-super-deduction"]
    assert rd.document == "财政部 税务总局公告2023年第7号" and rd.effective_to is None
    assert "100%" in rd.benefit[0] and "100%" in rd.benefit[1]
    high = everything["high-tech-rate"]
    assert "第二十八条" in high.document and "第九十三条" in high.document
    assert not high.dates_confirmed  # POLICIES.md gives no date: marked, results warn
    spec = everything["title-specialized-2026"]
    assert spec.document == "工信部企业〔2026〕2号" and spec.tier == "specialized"
    # the ladder's own tier, not a copy: same requirement tree
    assert spec.rulebook.tiers["specialized"] == load_rulebook("miit-2026").tiers["specialized"]
    for pid in DEMO:
        p = everything[pid]
        assert p.local and not p.dates_confirmed
        assert p.name[0].startswith("示例：") and p.name[1].startswith("Example:")
        assert "示意值" in p.benefit[0] and "illustrative" in p.benefit[1]
    assert not any(everything[p].local for p in (*NATIONAL, *TITLES))
    assert len({p.digest for p in everything.values()}) == 6  # one per rulebook file


@pytest.mark.parametrize(
    ("day", "present", "absent"),
    [
        # the last day in force, and the day after
        (date(2027, 12, 31), "small-low-profit", "title-specialized-2022"),
        (date(2028, 1, 1), "rd-super-deduction", "small-low-profit"),
        (date(2027, 12, 31), "demo-little-giant-reward", "title-innovative-2022"),
        (date(2028, 1, 1), "high-tech-rate", "demo-little-giant-reward"),
        (date(2026, 3, 31), "title-specialized-2022", "title-specialized-2026"),
        (date(2026, 4, 1), "title-specialized-2026", "title-specialized-2022"),
        (date(2022, 12, 31), "high-tech-rate", "rd-super-deduction"),
        (date(2023, 1, 1), "rd-super-deduction", "demo-specialized-reward"),
        (date(2024, 1, 1), "demo-specialized-reward", "title-specialized-2026"),
    ],
)
def test_effective_date_edges(day: date, present: str, absent: str) -> None:
    ids = {p.id for p in load_policies(day)}
    assert present in ids and absent not in ids


def test_a_policy_out_of_force_is_not_graded(data: Dataset) -> None:
    e = eligibility(data, as_of=date(2028, 1, 1))
    assert "small-low-profit" not in e.verdicts["policy"].to_list()
    assert {p.id for p in e.policies} >= {"rd-super-deduction", "high-tech-rate"}


def test_small_low_profit(graded: Eligibility) -> None:
    # 280 ≤ 300, 250 ≤ 300, 4000 ≤ 5000, not restricted: saves 280 × (25% − 5%) = 56
    assert _row(graded, "all", "small-low-profit")["verdict"] == "eligible"
    assert _row(graded, "all", "small-low-profit")["benefit_amount"] == pytest.approx(56.0)
    # 301 people: one over the edge, the whole relief goes (a cliff)
    assert _row(graded, "none", "small-low-profit")["verdict"] == "not_eligible"
    assert _row(graded, "none", "small-low-profit")["benefit_amount"] is None
    # 300 people and assets 5000 on the edges hold; taxable income not given → unknown
    gaps = _row(graded, "gaps", "small-low-profit")
    assert (gaps["verdict"], gaps["missing"]) == ("unknown", ["taxable_income"])
    # 500 > 300 fails even though 'not restricted' is unknown
    assert _row(graded, "nowhere", "small-low-profit")["verdict"] == "not_eligible"


def test_rd_super_deduction(graded: Eligibility) -> None:
    # R&D 200 > 0, C3841 (division 38) not excluded, not 核定征收: extra deduction 200 × 100%
    assert _row(graded, "all", "rd-super-deduction")["benefit_amount"] == pytest.approx(200.0)
    # F5132: division 51 (批发业) excluded
    assert _row(graded, "none", "rd-super-deduction")["verdict"] == "not_eligible"
    gaps = _row(graded, "gaps", "rd-super-deduction")
    assert (gaps["verdict"], gaps["missing"]) == ("unknown", ["rd_expense@2025"])
    # no industry code (named as the field it is worked out from) and 核定征收 not given
    nowhere = _row(graded, "nowhere", "rd-super-deduction")
    assert (nowhere["verdict"], nowhere["missing"]) == (
        "unknown",
        ["industry_code", "tax_assessed"],
    )


def test_a_file_may_give_the_excluded_industry_itself(data: Dataset) -> None:
    firms = data.firms.with_columns(
        pl.when(pl.col("credit_code") == CODES["none"])
        .then(False)
        .otherwise(None)
        .alias("rd_industry_excluded")
    )
    e = eligibility(
        _Frames(firms, data.financials),
        as_of=AS_OF,
        policies=[policy_by_id("rd-super-deduction")],
    )
    # staff say the wholesaler's main income is not wholesale: 50 × 100%
    assert _row(e, "none", "rd-super-deduction")["benefit_amount"] == pytest.approx(50.0)


@dataclass(frozen=True)
class _Frames:
    firms: pl.DataFrame
    financials: pl.DataFrame


def test_high_tech_rate(graded: Eligibility) -> None:
    # holds 高新技术企业: saves 280 × (25% − 15%) = 28
    assert _row(graded, "all", "high-tech-rate")["benefit_amount"] == pytest.approx(28.0)
    for firm in ("none", "gaps", "nowhere"):
        assert _row(graded, firm, "high-tech-rate")["verdict"] == "not_eligible"
    x = graded.explain(CODES["all"], "high-tech-rate")
    assert any("未经官方文本核实" in w for w in x.warnings)


def test_high_tech_rate_is_unknown_without_the_honours(data: Dataset) -> None:
    # the honours not given at all (as io reads a firm whose 荣誉资质 is unknown)
    firms = data.firms.with_columns(
        pl.when(pl.col("credit_code") == CODES["none"]).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("honors", "honor_high_tech")
    )
    e = eligibility(
        _Frames(firms, data.financials), as_of=AS_OF, policies=[policy_by_id("high-tech-rate")]
    )
    row = _row(e, "none", "high-tech-rate")
    assert (row["verdict"], row["missing"]) == ("unknown", ["honors"])
    assert e.explain(CODES["none"], "high-tech-rate").missing == (("荣誉资质", "Honours held"),)
    with pytest.raises(KeyError):
        e.explain("no such firm", "high-tech-rate")


def test_the_demo_provinces_example_rewards(graded: Eligibility) -> None:
    assert _row(graded, "all", "demo-little-giant-reward")["benefit_amount"] == 50.0
    assert _row(graded, "all", "demo-specialized-reward")["benefit_amount"] == 30.0
    for pid in DEMO:
        assert _row(graded, "none", pid)["verdict"] == "not_eligible"  # no title
        assert _row(graded, "gaps", pid)["verdict"] == "not_eligible"  # Beijing, no title
        nowhere = _row(graded, "nowhere", pid)
        assert (nowhere["verdict"], nowhere["missing"]) == ("unknown", ["region_code"])
    x = graded.explain(CODES["nowhere"], "demo-little-giant-reward")
    assert x.missing == (("行政区划代码", "Division code"),)
    assert x.path == (
        ("注册地在政策适用地区：— → 是", "Registered in the policy's region: — → yes"),
    )


def test_the_titles_are_the_ladders_tiers(data: Dataset, graded: Eligibility) -> None:
    ladder = load_rulebook("miit-2026")
    records = evaluate(data, ladder, AS_OF).records().collect()
    verdict = {"pass": "eligible", "fail": "not_eligible", "unknown": "unknown"}
    for pid, tier in zip(TITLES, ("innovative", "specialized", "little_giant"), strict=True):
        for firm, code in CODES.items():
            rec = records.filter((pl.col("credit_code") == code) & (pl.col("tier") == tier)).row(
                0, named=True
            )
            assert _row(graded, firm, pid)["verdict"] == verdict[rec["verdict"]], (pid, firm)
            x = graded.explain(code, pid)
            zh = explain(ladder, rec, "zh")
            assert tuple(z for z, _ in x.path) == zh.path
            assert tuple(c.id for c, _ in x.conditions) == tuple(c.id for c in zh.conditions)


def test_paths_say_what_would_make_a_firm_eligible(graded: Eligibility) -> None:
    x = graded.explain(CODES["none"], "small-low-profit")
    assert x.verdict == "not_eligible" and x.verdict_text == ("不符合", "not eligible")
    assert x.path == (
        (
            "上年度从业人数（按年末数代用季度平均） 301 人 → ≤300 人",
            "Employees, last year (year-end figure for the quarterly average) 301 people"
            " → ≤300 people",
        ),
    )
    assert x.citation == (
        "财政部 税务总局公告2023年第12号 第三条、第五条",
        "Announcement 2023 No. 12 of the Ministry of Finance and the State Taxation"
        " Administration, articles 3 and 5 (财政部 税务总局公告2023年第12号)",
    )
    x = graded.explain(CODES["none"], "high-tech-rate")
    assert x.path == (
        (
            "持有有效的高新技术企业证书：否 → 是",
            "Holds a valid high and new technology enterprise certificate: no → yes",
        ),
    )
    # 专精特新 for the firm without titles: the ladder's path starts with the 创新型 title
    x = graded.explain(CODES["gaps"], "title-specialized-2026")
    assert x.path[0] == (
        "持有有效的创新型中小企业称号：否 → 是",
        "Holds the innovative SME title: no → yes",
    )
    # eligible: nothing to do, nothing missing
    x = graded.explain(CODES["all"], "rd-super-deduction")
    assert (x.path, x.missing, x.benefit_amount) == ((), (), 200.0)
    assert [(c.id, c.verdict, c.observed) for c, _ in x.conditions] == [
        ("requires", "pass", ""),
        ("rd", "pass", "200 万元"),
        ("industry", "pass", "否"),
        ("assessed", "pass", "否"),
    ]
    assert x.amount_name == ("加计扣除额（万元）", "Extra deduction (10k CNY)")


def test_counts(graded: Eligibility) -> None:
    assert graded.counts()["rd-super-deduction"] == {
        "eligible": 1,
        "not_eligible": 1,
        "unknown": 2,
    }
    assert graded.verdicts.height == 4 * len(load_policies(AS_OF))


# --- authoring -------------------------------------------------------------------------------
def _spec(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "id": "changshu-specialized-2026",
        "name": "常熟市专精特新企业培育奖励",
        "name_en": "Changshu reward for SRDI firms",
        "document": "常熟市某某文件（测试用）",
        "article": "第三条",
        "article_en": "Article 3",
        "issuer": "常熟市工业和信息化局",
        "effective_from": "2026-01-01",
        "effective_to": "2026-12-31",
        "region": "320581",
        "benefit": {"zh": "奖励20万元", "en": "A reward of 200,000 CNY"},
        "amount": {"fixed": 20, "zh": "奖励（万元）", "en": "Reward (10k CNY)"},
        "requires": {
            "name": "同时满足",
            "name_en": "All of",
            "all": [
                {
                    "name": "持有专精特新称号",
                    "name_en": "Holds the SRDI title",
                    "measure": "holds_specialized",
                    "is": True,
                },
                {
                    "name": "上年度营业收入不低于2000万元",
                    "name_en": "Revenue at least 2000",
                    "field": "revenue",
                    "at_least": 2000,
                },
            ],
        },
    }
    spec.update(changes)
    return spec


def test_an_authored_policy_is_checked_loaded_and_previewed(data: Dataset) -> None:
    assert policy_problems(_spec()) == []
    p = load_policy_spec(_spec())
    assert (p.id, p.local, p.region, p.name[0]) == (
        "changshu-specialized-2026",
        True,
        "320581",
        "常熟市专精特新企业培育奖励",
    )
    assert p.in_force(date(2026, 12, 31)) and not p.in_force(date(2027, 1, 1))
    # all: 常熟, holds 专精特新 (小巨人 implies it), revenue 5000 ≥ 2000 → eligible
    # none: no title; gaps: Beijing; nowhere: no region code, title held, 8000 → unknown
    assert preview(_spec(), data, AS_OF) == {"eligible": 1, "not_eligible": 2, "unknown": 1}
    e = eligibility(data, as_of=AS_OF, policies=[p])
    assert _row(e, "all", p.id)["benefit_amount"] == 20.0
    x = e.explain(CODES["all"], p.id)
    assert [c.label for c, _ in x.conditions][1] == "注册地在常熟市（320581）"
    last = x.conditions[-1]
    assert (last[0].required, last[0].observed, last[1].observed) == (
        "≥ 2,000 万元",
        "5,000 万元",
        "CNY 50 m",
    )


def test_a_city_region_covers_its_counties(data: Dataset) -> None:
    """苏州市 320500 is its counties 3205xx (常熟 320581 among them), as the registry reads a
    division code — not the six characters "320500"."""
    p = load_policy_spec(_spec(region="320500"))
    assert p.region == "3205"
    assert preview(_spec(region="320500"), data, AS_OF) == preview(_spec(), data, AS_OF)
    x = eligibility(data, as_of=AS_OF, policies=[p]).explain(CODES["all"], p.id)
    assert [c.label for c, _ in x.conditions][1] == "注册地在苏州市（3205）"


def test_authoring_errors_are_listed() -> None:
    bad = _spec(
        name="",
        effective_from="2026-13-01",
        effective_to="2025-01-01",
        region="32a",
        benefit={"zh": "奖励"},
        amount={"field": "employees", "zh": "人", "en": "people"},
        requires={
            "name": "全部",
            "name_en": "All",
            "all": [
                {"name": "甲", "name_en": "A", "measure": "no_such_measure", "at_least": 1},
                {"name": "乙", "name_en": "B", "field": "no_such_field", "at_least": 1},
                {"name": "丙", "name_en": "C", "measure": "revenue_y0", "equals": 1},
                {"measure": "revenue_y0", "at_least": 1},
                {"name": "丁", "name_en": "D", "measure": "rd_institution", "in": ["galactic"]},
                {"name": "戊", "name_en": "E", "measure": "holds_specialized", "is": "yes"},
                {"name": "己", "name_en": "F", "field": "iso9001", "at_least": 1},
            ],
        },
    )
    problems = policy_problems(bad)
    assert [en for _, en in problems] == [
        "name is missing",
        "effective_from must be YYYY-MM-DD",
        "region must be a 2–6 digit division code",
        "benefit needs zh and en",
        "amount field 'employees' is not money",
        "requires.all[0]: unknown measure 'no_such_measure'",
        "requires.all[1]: unknown field, or not a number or yes / no: 'no_such_field'",
        "requires.all[2]: unknown key or operator 'equals'",
        "requires.all[2]: give exactly one operator (at_least, at_most, greater_than,"
        " less_than, is, in)",
        "requires.all[3]: the condition needs name and name_en",
        "requires.all[4]: the values of `in` must be among"
        " ['none', 'below_city', 'city', 'provincial', 'national']",
        "requires.all[5]: `is` takes true or false",
        "requires.all[6]: a yes / no field takes `is`, a number a comparison",
    ]
    assert all(zh and zh != en for zh, en in problems)
    assert [en for _, en in policy_problems(_spec(effective_to="2025-12-31"))] == [
        "effective_to is before effective_from"
    ]
    assert policy_problems("not a dict") == [("政策应为映射", "a policy must be a mapping")]
    # ids used twice reach the rulebook loader, whose refusal is listed too
    twice = _spec(
        region=None,
        requires={
            "all": [
                {"id": "x", "name": "甲", "name_en": "A", "measure": "revenue_y0", "at_least": 1},
                {
                    "id": "x",
                    "name": "乙",
                    "name_en": "B",
                    "measure": "rd_expense_y0",
                    "at_least": 1,
                },
            ],
            "name": "全部",
            "name_en": "All",
        },
    )
    (only,) = policy_problems(twice)
    assert "ids used twice" in only[1]


def test_preview_and_load_refuse_a_spec_with_problems(data: Dataset) -> None:
    with pytest.raises(PolicySpecError) as caught:
        preview(_spec(issuer=""), data, AS_OF)
    assert caught.value.problems == [("缺少 issuer", "issuer is missing")]
    with pytest.raises(PolicySpecError):
        load_policy_spec(
            _spec(requires={"name": "x", "name_en": "x", "measure": "nope", "is": True})
        )
