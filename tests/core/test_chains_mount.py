"""Mounting firms on chain nodes: code and keyword evidence, the confidence formula, the
registry-wide frame (equal to the one-firm function), words, and corrections that stick."""

from __future__ import annotations

import re

import polars as pl
import pytest

from feidi.chains import (
    MOUNT_COLUMNS,
    CodeMatch,
    Correction,
    Evidence,
    Mount,
    apply_corrections,
    apply_corrections_frame,
    evidence_words,
    load_chain,
    mount,
    mount_frame,
    mounts_from_frame,
    node_words,
    with_words,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
AUTO_C3670 = [
    "auto_parts/body_stampings",
    "auto_parts/chassis",
    "auto_parts/electronics",
    "auto_parts/ev_systems",
    "auto_parts/interior_exterior",
    "auto_parts/powertrain",
]


def _summary(mounts: list[Mount]) -> list[tuple[str, float, tuple[str, ...]]]:
    return [(m.node, m.confidence, m.evidence.keywords) for m in mounts]


def test_mount_battery_housing_firm_on_auto_parts_and_new_energy() -> None:
    found = mount("C3670", "新能源汽车电池包壳体")
    assert _summary(found[:3]) == [
        ("auto_parts/ev_systems", 0.46, ("电池包",)),
        ("new_energy/nev", 0.43, ("新能源汽车",)),
        ("new_energy/battery_packs", 0.4, ("电池包",)),
    ]
    top = found[0]
    assert top.evidence.code == CodeMatch("C3670", "C3670", "class", 6)
    assert top.evidence.code_score == 0.1 and top.evidence.keyword_score == 0.4
    assert top.confidence == round(1 - (1 - 0.1) * (1 - 0.4), 3)
    # the vehicle node shares only the division (汽车制造业) with a parts maker
    assert found[1].evidence.code == CodeMatch("C3670", "C3612", "division", 1)
    assert found[2].evidence.code is None
    # the other C3670 nodes carry the code alone
    assert [(m.node, m.confidence) for m in found[3:]] == [
        (ref, 0.1) for ref in AUTO_C3670 if ref != "auto_parts/ev_systems"
    ]
    assert {m.chain for m in found} == {"auto_parts", "new_energy"}


def test_mount_by_code_alone_shares_the_class_among_its_nodes() -> None:
    found = mount("C3670", None)
    assert [(m.node, m.confidence) for m in found] == [(ref, 0.1) for ref in AUTO_C3670]
    assert all(m.evidence.keywords == () for m in found)
    # the same code written as a spreadsheet number
    assert mount("3670.0", "") == found


def test_mount_code_levels_group_and_division() -> None:
    # a 涤纶 firm: its class C2822 is in the node's group C282 (化学纤维)
    (fibre,) = mount("C2822", None)
    assert fibre.node == "textile_apparel/chemical_fibres"
    assert fibre.evidence.code == CodeMatch("C2822", "C282", "group", 1)
    assert fibre.confidence == 0.45
    # a firm coded only to the group C367 is in the group of the six C3670 nodes
    group_only = mount("C367", None)
    assert [(m.node, m.confidence) for m in group_only] == [(ref, 0.075) for ref in AUTO_C3670]
    assert group_only[0].evidence.code == CodeMatch("C367", "C3670", "group", 6)
    # neighbouring classes (光伏设备 C3825 and 电力电子元器件 C3824) are only one division
    assert [m.node for m in mount("C3825", None)] == [
        "new_energy/inverters",
        "new_energy/pv_modules",
    ]


def test_mount_by_keywords_alone() -> None:
    assert _summary(mount(None, "光伏组件、逆变器的研发、生产和销售")) == [
        ("new_energy/inverters", 0.4, ("逆变器",)),
        ("new_energy/pv_modules", 0.4, ("光伏组件",)),
    ]
    assert _summary(mount(None, "羽绒服、西服、衬衫生产；服装批发")) == [
        ("textile_apparel/apparel", 0.784, ("羽绒服", "西服", "衬衫")),
        ("textile_apparel/brands_trade", 0.4, ("服装批发",)),
    ]


def test_mount_code_and_keywords_combine() -> None:
    found = mount("C1752", "化纤织物染整、数码印花加工")
    assert _summary(found[:1]) == [
        ("textile_apparel/dyeing_finishing", 0.856, ("染整", "数码印花"))
    ]
    assert found[0].confidence == round(1 - (1 - 0.6) * (1 - 0.64), 3)


def test_mount_keywords_count_only_as_words() -> None:
    # 电池包 and 汽车 are substrings here, but not words: 蓄电池/包装, 汽车站
    assert mount(None, "蓄电池包装材料销售") == []
    assert mount(None, "汽车站运营管理") == []
    assert _summary(mount(None, "电池包组装")) == [
        ("auto_parts/ev_systems", 0.4, ("电池包",)),
        ("new_energy/battery_packs", 0.4, ("电池包",)),
    ]


def test_mount_keywords_inside_longer_words_and_nested() -> None:
    # jieba's search mode: 铸造 inside 精密铸造 (itself an auto-parts keyword)
    found = {m.node: m.evidence.keywords for m in mount(None, "精密铸造件")}
    assert found == {
        "auto_parts/castings_forgings": ("精密铸造",),
        "high_end_equipment/basic_processes": ("铸造",),
    }
    # 焊接机器人 holds 机器人, a keyword of the same node: counted once
    robots = mount(None, "焊接机器人")
    assert _summary(robots) == [("high_end_equipment/industrial_robots", 0.4, ("焊接机器人",))]


def test_mount_folds_width_and_case() -> None:
    nodes = {m.node: m.evidence.keywords for m in mount(None, "ＩＧＢＴ模块，igbt")}
    assert nodes == {
        "auto_parts/chips_sensors": ("IGBT",),
        "new_energy/power_electronics": ("IGBT",),
        "next_gen_it/power_discrete": ("IGBT",),
    }


def test_mount_refuses_a_code_outside_the_standard() -> None:
    with pytest.raises(ValueError, match="不是 GB/T 4754-2017") as caught:
        mount("C9999", "光伏组件")
    assert "is not a GB/T 4754-2017" in str(caught.value)
    assert mount(None, None) == []


def test_mount_min_confidence_and_custom_chains() -> None:
    assert [m.node for m in mount("C3670", "新能源汽车电池包壳体", min_confidence=0.42)] == [
        "auto_parts/ev_systems",
        "new_energy/nev",
    ]
    only = mount("C3670", "新能源汽车电池包壳体", chains=[load_chain("new_energy")])
    assert [m.node for m in only] == ["new_energy/nev", "new_energy/battery_packs"]


# --- words ----------------------------------------------------------------------------------


def test_mount_evidence_words_both_languages() -> None:
    top, nev, packs = mount("C3670", "新能源汽车电池包壳体")[:3]
    assert evidence_words(top) == (
        (
            "行业代码 C3670 属于本环节的小类 C3670「汽车零部件及配件制造」；本链 6 个环节共用，代码得分 0.6 ÷ 6 = 0.1",
            "industry code C3670 is in the node's class C3670; 6 nodes of this chain share it: code score 0.6 / 6 = 0.1",
        ),
        ("关键词：电池包（关键词得分 0.4）", "keywords: 电池包 (keyword score 0.4)"),
        ("置信度 0.46 = 1 − (1 − 0.1) × (1 − 0.4)", "confidence 0.46 = 1 - (1 - 0.1) x (1 - 0.4)"),
    )
    assert evidence_words(nev)[0] == (
        "行业代码 C3670 与本环节的 C3612 同属大类 C36「汽车制造业」；代码得分 0.05",
        "industry code C3670 and the node's code C3612 are in the same division C36; code score 0.05",
    )
    assert evidence_words(packs)[0] == (
        "关键词：电池包（关键词得分 0.4）",
        "keywords: 电池包 (keyword score 0.4)",
    )
    for zh, en in evidence_words(top) + evidence_words(nev):
        if not en.startswith("keywords:"):  # the keywords quote the Chinese text itself
            assert not CJK.search(en), en
        assert CJK.search(zh)
    assert node_words("auto_parts/ev_systems") == (
        "汽车零部件 › 新能源汽车“三电”系统（中游）",
        "Automotive parts › EV battery, motor and control systems (midstream)",
    )


# --- the registry frame ------------------------------------------------------------------


FIRMS = pl.DataFrame(
    {
        "id": ["a", "b", "c", "d", "e", "f", "g", "h"],
        "industry_code": ["C3670", None, "3825", "1819.0", "C367", None, "I6513", "C2822"],
        "text": [
            "新能源汽车电池包壳体",
            "光伏组件、逆变器",
            None,
            "羽绒服；服装批发",
            "冲压件、底盘",
            "蓄电池包装材料销售",
            "工业软件开发、MES系统、人工智能算法、大数据分析",
            "涤纶长丝；货物进出口",
        ],
    }
)


def test_mount_frame_equals_mount_for_every_firm() -> None:
    long = mount_frame(FIRMS)
    assert long.columns == ["id", *MOUNT_COLUMNS]
    assert long.schema["keywords"] == pl.List(pl.String)
    by_id = mounts_from_frame(long)
    for firm_id, code, text in FIRMS.iter_rows():
        assert by_id.get(firm_id, []) == mount(code, text), firm_id
    # firms in input order, each surest first; a firm with no evidence has no rows
    assert long["id"].unique(maintain_order=True).to_list() == ["a", "b", "c", "d", "e", "g", "h"]
    assert long.filter(pl.col("id") == "a")["confidence"].to_list() == [
        0.46,
        0.43,
        0.4,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
    ]


def test_mount_frame_on_many_generated_firms_equals_mount() -> None:
    words = [
        "电池包",
        "光伏组件",
        "数控机床",
        "印染",
        "医用导管",
        "软件开发",
        "涤纶",
        "污水处理设备",
    ]
    codes = ["C3670", "C3825", "C3421", "C1752", "C3584", "I6513", None, "C3591", "C282"]
    rows = [
        (i, codes[i % len(codes)], f"{words[i % 8]}、{words[(i * 3) % 8]}的生产；第{i % 5}分厂")
        for i in range(120)
    ]
    firms = pl.DataFrame(rows, schema=["id", "industry_code", "text"], orient="row")
    by_id = mounts_from_frame(mount_frame(firms, min_confidence=0.1))
    for firm_id, code, text in rows:
        assert by_id.get(firm_id, []) == mount(code, text, min_confidence=0.1)


def test_mount_frame_refuses_bad_ids_and_codes() -> None:
    with pytest.raises(ValueError, match="duplicate id"):
        mount_frame(pl.DataFrame({"id": [1, 1], "text": ["印染", "针织"]}))
    with pytest.raises(ValueError, match=r"e\.g\. 2 \(C9999\)"):
        mount_frame(pl.DataFrame({"id": [1, 2], "industry_code": ["C3670", "C9999"]}))
    with pytest.raises(ValueError, match="'id'"):
        mount_frame(pl.DataFrame({"text": ["印染"]}))


def test_mount_frame_words_equal_evidence_words() -> None:
    long = mount_frame(FIRMS)
    fixed = apply_corrections_frame(
        long, pl.DataFrame({"id": ["c"], "node": ["new_energy/nev"], "action": ["add"]})
    )
    worded = with_words(fixed)
    mounts = [m for ms in mounts_from_frame(fixed).values() for m in ms]
    assert len(mounts) == worded.height
    for row, m in zip(worded.iter_rows(named=True), mounts, strict=True):
        assert row["node"] == m.node
        lines = evidence_words(m)
        assert row["evidence"] == "；".join(z for z, _ in lines)
        assert row["evidence_en"] == "; ".join(e for _, e in lines)
        assert (row["node_name"], row["node_name_en"]) == node_words(row["node"])
    assert worded.filter(pl.col("status") == "added")["evidence"].to_list() == [
        "人工添加，置信度 1"
    ]


# --- corrections ----------------------------------------------------------------------------


def test_corrections_confirm_reject_add() -> None:
    auto = mount("C3670", "新能源汽车电池包壳体")
    fixed = apply_corrections(
        auto,
        [
            Correction("new_energy/nev", "reject", by="王芳", note="不造整车"),
            Correction("auto_parts/ev_systems", "confirm", by="王芳"),
            Correction("new_energy/energy_storage", "add", by="李强", note="储能柜箱体"),
        ],
    )
    assert [(m.node, m.confidence, m.status) for m in fixed[:3]] == [
        ("auto_parts/ev_systems", 1.0, "confirmed"),
        ("new_energy/energy_storage", 1.0, "added"),
        ("new_energy/battery_packs", 0.4, "auto"),
    ]
    assert "new_energy/nev" not in {m.node for m in fixed}
    assert fixed[0].evidence == auto[0].evidence  # the automatic evidence is kept
    assert fixed[1].evidence == Evidence()
    assert evidence_words(fixed[1]) == (
        (
            "人工添加（李强）：储能柜箱体，置信度 1",
            "added by staff (李强): 储能柜箱体; confidence 1",
        ),
    )
    assert len(fixed) == len(auto) - 1 + 1


def test_corrections_survive_remounting_with_new_text() -> None:
    corrections = [
        Correction("auto_parts/chassis", "reject"),
        Correction("auto_parts/interior_exterior", "confirm"),
        Correction("auto_parts/chassis", "confirm"),  # a later decision replaces the first
        Correction("new_energy/nev", "reject"),
    ]
    before = apply_corrections(mount("C3670", "新能源汽车电池包壳体、内饰件"), corrections)
    # the firm's text changes: the automatic mounting no longer finds 内饰件 and finds
    # 新能源汽车 again — staff's word holds both ways
    after = apply_corrections(mount("C3670", "新能源汽车电池包"), corrections)
    for fixed in (before, after):
        nodes = {m.node: m.status for m in fixed}
        assert nodes["auto_parts/interior_exterior"] == "confirmed"
        assert nodes["auto_parts/chassis"] == "confirmed"
        assert "new_energy/nev" not in nodes
    assert after[0].node == "auto_parts/chassis" and after[0].confidence == 1.0
    # applying twice changes nothing
    assert apply_corrections(after, corrections) == after


def test_corrections_are_checked() -> None:
    with pytest.raises(ValueError, match="confirm / reject / add"):
        Correction("auto_parts/chassis", "delete")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="chain/node"):
        Correction("chassis", "reject")


def test_corrections_frame_equals_one_firm_at_a_time() -> None:
    fixes = pl.DataFrame(
        {
            "id": ["a", "a", "b", "b", "z", "a"],
            "node": [
                "new_energy/nev",
                "auto_parts/ev_systems",
                "new_energy/inverters",
                "new_energy/solar_power",
                "textile_apparel/apparel",
                "new_energy/nev",
            ],
            "action": ["reject", "confirm", "reject", "add", "add", "confirm"],
            "by": ["王芳", None, "李强", "李强", None, "王芳"],
        }
    )
    long = apply_corrections_frame(mount_frame(FIRMS), fixes)
    assert long.columns == ["id", *MOUNT_COLUMNS]
    by_id = mounts_from_frame(long)
    for firm_id in ["a", "b", "c", "d", "e", "f", "g", "h", "z"]:
        code, text = (
            FIRMS.filter(pl.col("id") == firm_id).select("industry_code", "text").row(0)
            if firm_id in FIRMS["id"]
            else (None, None)
        )
        mine = [
            Correction(n, a, b or "")  # type: ignore[arg-type]
            for i, n, a, b in fixes.iter_rows()
            if i == firm_id
        ]
        assert by_id.get(firm_id, []) == apply_corrections(mount(code, text), mine), firm_id
    # "z" exists only in the corrections: it comes after the mounted firms
    assert long["id"].unique(maintain_order=True).to_list()[-1] == "z"
