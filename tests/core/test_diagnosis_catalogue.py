"""The service catalogue: the shipped one as the platform expects it, and every problem a
catalogue file can have, each named with its file and service in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from feidi.diagnosis import (
    SERVICE_IDS,
    CatalogueError,
    load_catalogue,
    load_services,
    service_by_id,
)

GOOD_SERVICE = """
  - id: pilot
    name: 应用中心试点
    name_en: Application-centre pilot
    summary: 免费可行性研究。
    summary_en: A free feasibility study.
    source: 精准孵化 模式2 ②
    source_en: Precision incubation, mode 2
    duration: 3–6 个月
    duration_en: 3–6 months
    suits:
      - {type: middle, points: 3, why: 模式2, why_en: mode 2}
"""


def test_the_shipped_catalogue_holds_the_seed_instruments_by_their_stable_ids() -> None:
    services = load_services()
    assert (
        tuple(s.id for s in services)
        == SERVICE_IDS
        == (
            "park_integration",
            "chain_migration",
            "direction_briefing",
            "application_pilot",
            "craftsman_training",
            "consulting_days",
            "talent_pool",
            "proof_of_concept",
            "capital_forum",
            "leading_firm_programme",
        )
    )
    for s in services:
        assert s.name and s.name_en and s.summary and s.summary_en
        assert s.source.startswith("精准孵化 模式") and s.source_en.startswith("Precision")
        assert s.duration[0] and s.duration[1] and s.suits
    pilot = service_by_id("application_pilot")
    assert (pilot.name, pilot.duration) == (
        "应用中心试点",
        ("3–6 个月（免费可行性研究）", "3–6 months (free feasibility study)"),
    )
    assert "弗劳恩霍夫" in pilot.source  # the seed's passage it comes from
    assert load_catalogue().recommend_from == 3
    # whom it suits, in words, with the points
    assert service_by_id("talent_pool").suits_text("zh") == (
        "先锋分子（模式3：科技企业成长的痛点是人才） +3；"
        "梯度差距在研发人员占职工总数比重（研发人员占比不足） +2"
    )
    assert service_by_id("capital_forum").suits_text("en").endswith("(only Vanguard, Middle)")
    with pytest.raises(KeyError, match="no service 'massage'"):
        service_by_id("massage")


def test_a_catalogue_file_with_mistakes_lists_every_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "recommend_from: 0\ncolour: red\nservices:"
        + GOOD_SERVICE
        + GOOD_SERVICE  # the same id twice
        + """
  - id: forum
    name: 资本对接会
    name_en: 资本对接会
    summary: 金融论坛。
    source: 精准孵化 模式3
    source_en: mode 3
    duration: 每季度
    duration_en: quarterly
    only_types: [pioneer]
    shape: round
    suits:
      - {flag: broke, points: 2, why: 没钱, why_en: no money}
      - {ladder_gap: [rd_ratio_y0, happiness], points: 0, why: 研发, why_en: R&D}
      - {type: vanguard, chain: on_chain, points: 1, why: 两个, why_en: two}
      - {chain: on_chain, points: 1, why: 在链上}
""",
        "utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(bad)
    problems = caught.value.problems
    assert [(p.where, p.code) for p in problems] == [
        ("", "key.unknown"),
        ("", "recommend_from"),
        ("service forum", "key.unknown"),
        ("service forum", "english.chinese"),
        ("service forum", "english.missing"),
        ("service forum", "type.unknown"),
        ("service forum suits[0]", "flag.unknown"),
        ("service forum suits[1]", "ladder_gap.unknown"),
        ("service forum suits[1]", "points"),
        ("service forum suits[2]", "clause.kind"),
        ("service forum suits[3]", "english.missing"),
        ("service pilot", "id.duplicate"),
    ]
    assert all(p.file == "bad.yaml" for p in problems)
    text = str(caught.value)
    assert "bad.yaml: service forum: 缺少英文 summary_en / no English summary_en" in text
    assert "unknown or several values of ladder_gap: ['rd_ratio_y0', 'happiness']" in text


def test_a_catalogue_that_is_no_mapping_or_no_yaml(tmp_path: Path) -> None:
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n", "utf-8")
    with pytest.raises(CatalogueError, match="expected a mapping at the top"):
        load_catalogue(listed)
    broken = tmp_path / "broken.yaml"
    broken.write_text("services: [\n", "utf-8")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(broken)
    good = tmp_path / "good.yaml"
    good.write_text("recommend_from: 3\nservices:" + GOOD_SERVICE, "utf-8")
    (pilot,) = load_services(good)
    assert (pilot.id, pilot.suits[0].kind, pilot.suits[0].points) == ("pilot", "type", 3)
