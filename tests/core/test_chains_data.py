"""Chains as data: the shipped files load and hold together; broken files say what is wrong."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from feidi.chains import (
    POSITIONS,
    ChainError,
    available_chains,
    load_chain,
    load_chains,
    node_ref,
    split_node_ref,
)
from feidi.reference import industry_codes

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
SEED_CHAINS = {
    "汽车零部件",
    "纺织服装",
    "高端装备制造",
    "新能源",
    "新材料",
    "节能环保",
    "新一代信息技术",
    "生物医药及高端医疗器械",
}


def test_chains_shipped_are_the_seed_eight() -> None:
    chains = load_chains()
    assert [c.id for c in chains] == available_chains()
    assert {c.name for c in chains} == SEED_CHAINS
    assert len({c.id for c in chains}) == 8


@pytest.mark.parametrize("chain_id", available_chains())
def test_chains_shipped_chain_is_well_formed(chain_id: str) -> None:
    chain = load_chain(chain_id)
    assert 8 <= len(chain.nodes) <= 20
    assert chain.name_en and not CJK.search(chain.name_en)
    # every position is used, and the file lists nodes upstream first
    ranks = [POSITIONS.index(n.position) for n in chain.nodes]
    assert ranks == sorted(ranks)
    assert set(ranks) == {0, 1, 2}
    codes = industry_codes()
    for node in chain.nodes:
        assert node.name and node.name_en and not CJK.search(node.name_en), node.id
        assert len(node.codes) >= 1 and 4 <= len(node.keywords) <= 8, node.id
        for code in node.codes:
            assert codes[code[1:]].level in ("中类", "小类"), code
            assert codes[code[1:]].section == code[0], code
    # sources: GB/T 4754-2017 for the codes, plus a sector document; the own synthesis is said
    documents = {s.document for s in chain.sources}
    assert "GB/T 4754-2017" in documents
    assert len(chain.sources) >= 2
    assert chain.synthesis[0] and chain.synthesis[1]
    # every node takes part in the chain
    linked = {e.supplier for e in chain.edges} | {e.customer for e in chain.edges}
    assert linked == {n.id for n in chain.nodes}


@pytest.mark.parametrize("chain_id", available_chains())
def test_chains_round_trip_through_data(chain_id: str) -> None:
    chain = load_chain(chain_id)
    again = load_chain(copy.deepcopy(chain.to_dict()))
    assert again == chain
    assert again.digest == chain.digest


def test_chains_navigation_by_node() -> None:
    chain = load_chain("new_energy")
    assert [n.id for n in chain.suppliers("battery_cells")] == ["battery_materials"]
    assert [n.id for n in chain.customers("battery_cells")] == ["battery_packs", "energy_storage"]
    assert chain.ref("nev") == "new_energy/nev" == node_ref("new_energy", "nev")
    assert split_node_ref("new_energy/nev") == ("new_energy", "nev")
    with pytest.raises(ValueError, match="chain/node"):
        split_node_ref("new_energy")


def test_chains_ids_and_data_are_plain_ascii_ids() -> None:
    for chain in load_chains():
        assert re.fullmatch(r"[a-z0-9_]+", chain.id)
        for ref in chain.refs:
            assert ref.count("/") == 1 and re.fullmatch(r"[a-z0-9_/]+", ref)


# --- broken chains ------------------------------------------------------------------------


def _minimal() -> dict[str, Any]:
    return {
        "id": "demo_chain",
        "name": "示例链",
        "name_en": "Demo chain",
        "sources": [{"title": "国民经济行业分类", "document": "GB/T 4754-2017"}],
        "nodes": [
            {
                "id": "ore",
                "name": "矿石",
                "name_en": "Ore",
                "position": "upstream",
                "codes": ["C3216"],
                "keywords": ["铝锭"],
            },
            {
                "id": "sheet",
                "name": "板材",
                "name_en": "Sheet",
                "position": "midstream",
                "codes": ["3252"],
                "keywords": ["铝板"],
            },
            {
                "id": "parts",
                "name": "零件",
                "name_en": "Parts",
                "position": "downstream",
                "codes": ["C367"],
                "keywords": ["冲压件"],
            },
        ],
        "edges": [["ore", "sheet"], ["sheet", "parts"]],
    }


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def test_chains_minimal_chain_loads_and_normalises_codes() -> None:
    chain = load_chain(_minimal())
    assert [n.codes for n in chain.nodes] == [("C3216",), ("C3252",), ("C367",)]
    assert chain.source_file == "<chain demo_chain>"


def test_chains_dangling_edge_names_file_edge_and_node(tmp_path: Path) -> None:
    data = _minimal()
    data["edges"].append(["sheet", "paint"])
    with pytest.raises(ChainError) as caught:
        load_chain(_write(tmp_path, data))
    (problem,) = caught.value.problems
    assert (problem.file, problem.where, problem.code) == (
        "broken.yaml",
        "edge sheet -> paint",
        "edge.dangling",
    )
    assert problem.reason == "需方 paint 不是本链的环节"
    assert problem.reason_en == "the customer paint is not a node of this chain"
    assert str(caught.value) == (
        "broken.yaml: edge sheet -> paint: 需方 paint 不是本链的环节"
        " / the customer paint is not a node of this chain"
    )


def test_chains_cycle_is_refused_with_its_path(tmp_path: Path) -> None:
    data = _minimal()
    for node in data["nodes"]:
        node["position"] = "midstream"
    data["edges"].append(["parts", "ore"])
    with pytest.raises(ChainError) as caught:
        load_chain(_write(tmp_path, data))
    assert caught.value.codes == ["edge.cycle"]
    problem = caught.value.problems[0]
    assert problem.reason_en == "the edges form a cycle: ore -> sheet -> parts -> ore"
    assert problem.reason == "上下游关系成环：ore → sheet → parts → ore"


def test_chains_unknown_and_division_codes_are_refused(tmp_path: Path) -> None:
    data = _minimal()
    data["nodes"][1]["codes"] = ["C3259", "C9999", "C36"]
    with pytest.raises(ChainError) as caught:
        load_chain(_write(tmp_path, data))
    assert caught.value.codes == ["code.unknown", "code.level"]
    unknown, division = caught.value.problems
    assert unknown.where == "node sheet"
    assert unknown.reason_en == "industry code C9999 is not in GB/T 4754-2017"
    assert "大类" in division.reason and "division" in division.reason_en


def test_chains_missing_or_chinese_english_name(tmp_path: Path) -> None:
    data = _minimal()
    del data["nodes"][0]["name_en"]
    data["nodes"][2]["name_en"] = "Parts 零件"
    with pytest.raises(ChainError) as caught:
        load_chain(_write(tmp_path, data))
    missing, chinese = caught.value.problems
    assert (missing.where, missing.code) == ("node ore", "name_en.missing")
    assert missing.reason == "缺少英文名称 name_en"
    assert missing.reason_en == "missing the English name (name_en)"
    assert (chinese.where, chinese.code) == ("node parts", "name_en.chinese")
    assert not CJK.search(chinese.reason_en)


def test_chains_every_problem_is_listed_at_once() -> None:
    data = _minimal()
    data["nodes"].append(copy.deepcopy(data["nodes"][0]))  # duplicate id
    data["nodes"][1]["keywords"] = ["铝锭"]  # another node's keyword
    data["nodes"][2]["position"] = "sideways"
    data["nodes"][0]["keyword"] = ["typo"]  # unknown key
    data["edges"].append(["parts", "sheet"])  # downstream → midstream, and a cycle
    data["edges"].append(["ore", "sheet"])  # repeated
    with pytest.raises(ChainError) as caught:
        load_chain(data)
    assert caught.value.codes == [
        "key.unknown",
        "keyword.duplicate",
        "node.position",
        "node.duplicate",
        "edge.duplicate",
        "edge.cycle",
    ]
    assert all(p.file == "<chain demo_chain>" for p in caught.value.problems)


def test_chains_backwards_edge_and_isolated_node() -> None:
    data = _minimal()
    data["edges"] = [["sheet", "ore"]]
    with pytest.raises(ChainError) as caught:
        load_chain(data)
    assert caught.value.codes == ["edge.backwards", "node.isolated"]
    assert caught.value.problems[1].where == "node parts"


def test_chains_file_level_problems(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("id: [unclosed", "utf-8")
    with pytest.raises(ChainError) as caught:
        load_chain(bad_yaml)
    assert caught.value.codes == ["file.yaml"]
    with pytest.raises(ChainError) as caught:
        load_chain("no_such_chain")
    assert caught.value.codes == ["chain.unknown"]
    assert "auto_parts" in caught.value.problems[0].reason_en
    data = _minimal()
    data["sources"] = []
    with pytest.raises(ChainError) as caught:
        load_chain(data)
    assert caught.value.codes == ["sources.missing"]


def test_chains_segmenter_runs_are_jiebas_own() -> None:
    import jieba

    from feidi.chains._segment import BLOCK

    text = "新能源汽车（电池包）abc_12.5%-x，3D打印＃C++、R&D 研发\n二期"
    assert BLOCK.findall(text) == jieba.re_han_default.findall(text)
