"""Diagnosis on hand-built firms (tests/core/diagnosis_firms.py): each type, each flag (raised
and unknown for want of an input), the ranked services with their reasons, and the words."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from feidi.diagnosis import (
    FLAGS,
    TYPES,
    Diagnosis,
    diagnose,
    diagnosis_rulebook,
    ladder_in_force,
)
from feidi.diagnosis._titles import review_due_flag, title_facts
from feidi.io import dataset_from_frame, empty_dataset
from tests.core.diagnosis_firms import AS_OF, CODES, NODES, frame

NAMES = {v: k for k, v in CODES.items()}


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    dataset, report = dataset_from_frame(frame())
    assert report.ok and not report.issues
    return dataset


@pytest.fixture(scope="module")
def d(data) -> Diagnosis:  # type: ignore[no-untyped-def]
    return diagnose(data, as_of=AS_OF, chain_nodes=NODES)


def _by_key(df: pl.DataFrame) -> dict[str, dict]:  # type: ignore[type-arg]
    return {NAMES[r["credit_code"]]: r for r in df.iter_rows(named=True)}


def test_the_public_names_are_the_ids_the_platform_stores() -> None:
    assert list(TYPES) == ["laggard", "middle", "vanguard"]
    assert TYPES["laggard"] == ("落后分子", "Laggard")
    assert list(FLAGS) == [
        "falling_revenue",
        "rising_debt",
        "no_rd",
        "detached",
        "review_due",
        "title_lapsing",
    ]
    book = diagnosis_rulebook()
    assert set(book.tiers) == {"vanguard", "laggard", *list(FLAGS)[:4]}
    assert all(t.article.startswith(("精准孵化", "附件")) for t in book.tiers.values())
    assert len(book.digest) == 64


def test_each_firm_gets_its_type_or_says_what_would_decide_it(d: Diagnosis) -> None:
    types = _by_key(d.types)
    got = {
        k: (r["type"], r["decided"], r["possible"], r["missing"], r["next_tier"])
        for k, r in types.items()
    }
    assert got == {
        # 8% ≥ 5% and 20% ≥ 10%
        "vanguard": ("vanguard", True, ["vanguard"], [], "specialized"),
        # not vanguard (0.5% < 5%); 0.5% < 1% and margin 1% < 2%
        "laggard": ("laggard", True, ["laggard"], [], "specialized"),
        # 3%: neither end
        "middle": ("middle", True, ["middle"], [], "specialized"),
        # R&D 6% ≥ 5% but R&D staff unknown; 6% ≥ 1%: not a laggard
        "open": (None, False, ["vanguard", "middle"], ["rd_employees@2025"], "innovative"),
        # R&D 0 < 1%, margin 5%, but on no chain node
        "detached": ("laggard", True, ["laggard"], [], "innovative"),
        # R&D unknown (staff 10% ≥ 10% already holds); margin 5% and 1 node: not a laggard
        "gaps": (None, False, ["vanguard", "middle"], ["rd_expense@2025"], "little_giant"),
    }
    assert types["vanguard"]["why_zh"] == (
        "先锋分子：符合（上年度研发费用占营业收入比重 8%（门槛 ≥ 5%）；"
        "研发人员占职工总数比重 20%（门槛 ≥ 10%））。"
    )
    assert types["middle"]["why_en"] == (
        "Vanguard: not met (R&D / revenue, last year 3% (threshold ≥ 5%); R&D staff / employees"
        " 8% (threshold ≥ 10%)). Laggard: not met (R&D / revenue, last year 3% (threshold < 1%);"
        " Net profit / revenue, last year 6% (threshold < 2%); Chain nodes mounted on (confidence"
        " ≥ 0.4) 1 (threshold ≤ 0)). So: middle."
    )
    assert types["open"]["why_zh"].endswith("类型待定，可能是先锋分子或中间分子。")
    assert "缺：研发人员数（2025年）" in types["open"]["why_zh"]


def test_flags_are_raised_with_their_evidence(d: Diagnosis) -> None:
    got = {(NAMES[c], f, s) for c, f, s in d.flags.select("credit_code", "flag", "status").rows()}
    assert got == {
        ("laggard", "falling_revenue", "raised"),
        ("laggard", "rising_debt", "raised"),
        ("laggard", "review_due", "raised"),
        ("laggard", "title_lapsing", "raised"),
        ("open", "falling_revenue", "unknown"),
        ("open", "detached", "unknown"),
        ("detached", "no_rd", "raised"),
        ("detached", "detached", "raised"),
        ("detached", "title_lapsing", "raised"),
        ("gaps", "rising_debt", "unknown"),
        ("gaps", "no_rd", "unknown"),
        ("gaps", "review_due", "unknown"),
        ("gaps", "title_lapsing", "unknown"),
    }
    ev = {(NAMES[c], f): (zh, en) for c, f, _s, zh, en in d.flags.rows()}
    # (2000 / 2500)^(1/2) − 1 = −10.56%: the sustained fall, listed first, decides
    assert ev["laggard", "falling_revenue"] == (
        "近2年营业收入复合增长率 -10.56%（门槛 ≤ -5%）",
        "Revenue CAGR, last 2 years -10.56% (threshold ≤ -5%)",
    )
    # 1400 / 2000 = 70%, 1300 / 2000 = 65%: +5 points is on the (inclusive) edge
    assert ev["laggard", "rising_debt"] == (
        "上年度末资产负债率 70%（门槛 ≥ 60%）；资产负债率比上年变化 5 百分点（门槛 ≥ 5 百分点）",
        "Liabilities / assets, end of last year 70% (threshold ≥ 60%); Change of liabilities /"
        " assets on the year 5 pts (threshold ≥ 5 pts)",
    )
    assert ev["laggard", "review_due"][0] == (
        "创新型中小企业称号（2023-07-10 获得）将于 2026-07-10 到期复核，距评价日 10 天"
    )
    # judged by MIIT 2022, in force when the title was granted (not MIIT 2026, in force now)
    lapsing = ev["laggard", "title_lapsing"][0]
    assert "按《优质中小企业梯度培育管理暂行办法》现有数据未达到该梯度" in lapsing
    assert "创新型中小企业: 未通过, 30 分, 差 30 分" in lapsing
    assert ev["detached", "no_rd"][0] == "上年度研发费用 0 万元（门槛 ≤ 0 万元）"
    assert ev["detached", "detached"][0] == "挂接的产业链环节数(置信度≥0.4) 0 个（门槛 ≤ 0 个）"
    assert ev["detached", "title_lapsing"] == (
        "专精特新中小企业称号已于 2026-03-15 到期（2023-03-15 获得），未见复核通过后的新证书",
        "the Specialised and sophisticated SME title lapsed on 2026-03-15 (granted 2023-03-15),"
        " with no renewal on record",
    )


def test_unknown_flags_name_the_inputs_that_would_decide_them(d: Diagnosis) -> None:
    ev = {(NAMES[c], f): (zh, en) for c, f, _s, zh, en in d.flags.rows()}
    assert ev["open", "falling_revenue"] == (
        "近2年营业收入复合增长率 未知；缺：营业收入（2023年）",
        "Revenue CAGR, last 2 years unknown; missing: Revenue (2023)",
    )
    assert ev["open", "detached"][0].endswith("缺：挂接产业链环节数")
    # the debt ratio's change is named by the figure it lacks, not by the derived input
    assert ev["gaps", "rising_debt"][0] == (
        "上年度末资产负债率 75%（门槛 ≥ 60%）；资产负债率比上年变化 未知；缺：负债总额（2024年）"
    )
    assert ev["gaps", "no_rd"][0] == "上年度研发费用 未知；缺：研发费用（2025年）"
    assert ev["gaps", "review_due"][0] == "已获专精特新中小企业称号未注明获得日期，无法确定复核日期"
    firm = d.explain(CODES["gaps"])
    flags = {f.flag: f for f in firm.flags}
    assert flags["rising_debt"].missing == (("负债总额（2024年）", "Total liabilities (2024)"),)
    assert flags["review_due"].missing == (("已获称号", "Titles held"),)


def test_without_chain_nodes_detachment_is_unknown_and_may_leave_the_type_open(data) -> None:  # type: ignore[no-untyped-def]
    d = diagnose(data, as_of=AS_OF)
    types = _by_key(d.types)
    # R&D 0 < 1% and margin 5% (not thin): only the chains could make it a laggard
    assert (types["detached"]["type"], types["detached"]["possible"]) == (
        None,
        ["laggard", "middle"],
    )
    assert types["detached"]["missing"] == ["chain_nodes"]
    # thin margin decides the laggard without the chains
    assert types["laggard"]["type"] == "laggard"
    detached = d.flags.filter(pl.col("flag") == "detached")
    assert detached["status"].unique().to_list() == ["unknown"]
    assert detached.height == len(CODES)


def test_title_windows_have_inclusive_edges() -> None:
    def facts(titles: dict[str, object]) -> object:
        row = {
            "title_innovative_undated": False,
            "title_specialized_undated": False,
            "title_little_giant_undated": False,
            **titles,
        }
        return title_facts(row, AS_OF, 365)

    # 2026-06-30 + 183 days = 2026-12-30
    due = facts({"title_innovative_1": 20231230})
    assert review_due_flag(due, AS_OF, 183)[0] == "raised"  # type: ignore[arg-type]
    later = facts({"title_innovative_1": 20231231})
    assert review_due_flag(later, AS_OF, 183)[0] == "clear"  # type: ignore[arg-type]
    # lapsed within the last 365 days: after 2025-06-30, up to the as-of date
    assert facts({"title_innovative_1": 20220701}).lapsed  # type: ignore[attr-defined]
    assert not facts({"title_innovative_1": 20220630}).lapsed  # type: ignore[attr-defined]
    assert facts({"title_innovative_1": 20230630}).lapsed  # lapses on the as-of date itself
    # renewed, or covered by a higher title held: not lapsed
    renewed = facts({"title_innovative_1": 20250930, "title_innovative_2": 20220930})
    assert renewed.lapsed == () and renewed.highest == "innovative"  # type: ignore[attr-defined]
    higher = facts({"title_specialized_1": 20241220, "title_innovative_1": 20221220})
    assert higher.lapsed == () and higher.highest == "specialized"  # type: ignore[attr-defined]
    # no titles given at all: unknown, not "none held"
    assert not title_facts({}, AS_OF, 365).known


def test_a_debt_rise_below_five_points_is_not_a_flag() -> None:
    # liabilities 2024 1301 of 2000: 65.05% → 70%, +4.95 points
    rows = frame(("laggard",)).with_columns(
        pl.when(pl.col("year") == 2024)
        .then(1301.0)
        .otherwise(pl.col("total_liabilities"))
        .alias("total_liabilities")
    )
    dataset, _ = dataset_from_frame(rows)
    d = diagnose(dataset, as_of=AS_OF, chain_nodes=NODES)
    assert "rising_debt" not in d.flags["flag"].to_list()
    record = d.explain(CODES["laggard"]).flags[1]
    assert record.flag == "rising_debt" and record.status == "clear"
    lines = {zh.id: (zh.observed, zh.verdict) for zh, _en in record.check.conditions}  # type: ignore[union-attr]
    assert lines["debt_rising"] == ("4.95 百分点", "fail")


def test_services_are_ranked_by_points_with_the_facts_as_reasons(d: Diagnosis) -> None:
    got: dict[str, list[tuple[str, int]]] = {}
    for c, s, rank, points in d.recommendations.select(
        "credit_code", "service", "rank", "points"
    ).rows():
        got.setdefault(NAMES[c], []).append((s, points))
        assert rank == len(got[NAMES[c]])
    assert got == {
        # vanguard 3 each; proof of concept +2: the path to 专精特新 raises R&D 80 → 100 万元;
        # leading firm: vanguard 2 + on a chain 1
        "vanguard": [
            ("proof_of_concept", 5),
            ("talent_pool", 3),
            ("capital_forum", 3),
            ("leading_firm_programme", 3),
        ],
        # consulting: rising debt 3 + falling revenue 2 + lapsing 3 + review due 1 + R&D gap 2;
        # park: laggard 3 + on a chain 1; migration: laggard 2 + falling revenue 2 (ties in
        # catalogue order); leading firm: laggard 2 + on a chain 1
        "laggard": [
            ("consulting_days", 11),
            ("park_integration", 4),
            ("chain_migration", 4),
            ("leading_firm_programme", 3),
        ],
        # the three networks of mode 2 (consulting's 2 alone is short of 3)
        "middle": [
            ("direction_briefing", 4),
            ("application_pilot", 3),
            ("craftsman_training", 3),
        ],
        # park: laggard 3 + detached 3; migration: detached 3 + laggard 2; consulting: lapsed
        # title 3 + R&D gap 2; leading firm: laggard 2 + no R&D 2
        "detached": [
            ("park_integration", 6),
            ("chain_migration", 5),
            ("consulting_days", 5),
            ("leading_firm_programme", 4),
        ],
        # undecided, no flag raised, gaps worth 2 at most: nothing reaches 3
    }
    reasons = {
        (NAMES[c], s): (zh, en)
        for c, s, zh, en in d.recommendations.select(
            "credit_code", "service", "reason_zh", "reason_en"
        ).rows()
    }
    assert reasons["middle", "direction_briefing"] == (
        "类型为中间分子 —— 模式2：成熟企业创新眼界受限、独自创新风险高，由政府指明方向；"
        "挂接 1 个产业链环节 —— 简报按企业所在产业链的创新方向组织",
        "type: middle — mode 2: a mature firm sees little of where to innovate and risks too"
        " much alone; the government names the directions; on 1 chain node — the briefing"
        " follows the innovation directions of the firm's chain",
    )
    poc = reasons["vanguard", "proof_of_concept"][0]
    assert "距专精特新中小企业：上年度研发费用 80 万元 → ≥100 万元 —— 研发与知识产权差距" in poc
    park = reasons["detached", "park_integration"][0]
    assert "红旗「脱离产业链」：挂接的产业链环节数(置信度≥0.4) 0 个（门槛 ≤ 0 个）" in park


def test_explain_gives_one_firm_in_words(d: Diagnosis) -> None:
    firm = d.explain(CODES["laggard"])
    assert (firm.type, firm.type_name, firm.decided, firm.chain_nodes) == (
        "laggard",
        ("落后分子", "Laggard"),
        True,
        1,
    )
    assert firm.chain_position == ("挂接 1 个产业链环节", "on 1 chain node")
    assert [(r.id, r.status) for r in firm.rules] == [("vanguard", "unmet"), ("laggard", "met")]
    laggard = firm.rules[1]
    lines = [(zh.id, zh.mark, zh.label, en.label) for zh, en in laggard.conditions]
    assert lines == [
        ("requires", "✓", "同时满足以下各项", "All of the following"),
        (
            "low_tech",
            "✓",
            "上年度研发费用占营业收入比重低于1%",
            "R&D below 1% of revenue, last year",
        ),
        (
            "weak_position",
            "✓",
            "利润很薄，或与产业链脱钩",
            "Thin profit, or detached from the chains",
        ),
        ("thin_margin", "✓", "上年度净利润率低于2%", "Net margin below 2%, last year"),
        ("off_chain", "✗", "未挂接任何产业链环节", "On no chain node"),
    ]
    assert laggard.source == (
        "精准孵化 模式1：挖潜「落后分子」",
        "Precision incubation, mode 1: tapping the laggards' potential",
    )
    assert [(f.flag, f.status) for f in firm.flags] == [
        ("falling_revenue", "raised"),
        ("rising_debt", "raised"),
        ("no_rd", "clear"),
        ("detached", "clear"),
        ("review_due", "raised"),
        ("title_lapsing", "raised"),
    ]
    assert firm.flags[4].check is None  # a title flag: from grant dates, not a rule
    assert firm.ladder is not None
    assert (firm.ladder.rulebook, firm.ladder.tier, firm.ladder.verdict) == (
        "miit-2026",
        "specialized",
        "fail",
    )
    assert firm.ladder.steps[0] == (
        "上年度研发费用 10 万元 → ≥100 万元",
        "R&D expense, last year CNY 100,000 → ≥CNY 1 m",
    )
    assert [r.service for r in firm.recommendations][:2] == ["consulting_days", "park_integration"]
    assert firm.recommendations[1].reasons[0][0].startswith("类型为落后分子 —— ")
    undecided = d.explain(CODES["open"])
    assert undecided.type is None and undecided.type_name == (
        "未定（缺数据）",
        "undecided (inputs missing)",
    )
    assert undecided.missing == (("研发人员数（2025年）", "R&D staff (2025)"),)
    assert undecided.chain_nodes is None
    with pytest.raises(KeyError, match="no firm"):
        d.explain("91320581MA1M0XXXXX")


def test_the_ladder_is_the_one_in_force_unless_named(data) -> None:  # type: ignore[no-untyped-def]
    assert ladder_in_force(date(2026, 3, 31)) == "miit-2022"
    assert ladder_in_force(date(2026, 4, 1)) == "miit-2026"
    assert ladder_in_force(date(2020, 1, 1)) == "miit-2022"  # before the first: the first
    d = diagnose(data, as_of=AS_OF, chain_nodes=NODES, ladder="miit-2022")
    assert d.ladder == "miit-2022"
    # MIIT 2022's 专精特新 has no title prerequisite: the middle firm is short of other things
    middle = d.explain(CODES["middle"])
    assert middle.ladder is not None and middle.ladder.rulebook == "miit-2022"


def test_bad_chain_counts_and_an_empty_registry() -> None:
    dataset, _ = dataset_from_frame(frame(("middle",)))
    with pytest.raises(ValueError, match="chain_nodes"):
        diagnose(dataset, as_of=AS_OF, chain_nodes={CODES["middle"]: -1})
    empty = diagnose(empty_dataset(), as_of=AS_OF, chain_nodes={})
    assert (empty.types.height, empty.flags.height, empty.recommendations.height) == (0, 0, 0)
    assert empty.types.columns[:5] == ["credit_code", "type", "decided", "possible", "missing"]
