"""Node strength and typed gaps on the chains (issue 13): figures, ranks, evidence,
candidates, the demo city and ``feidi chains INPUT -o OUT``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from feidi.chains import (
    chain_gaps,
    gap_candidates,
    load_chain,
    load_chains,
    mount_frame,
    node_strength,
)
from feidi.cli import app

runner = CliRunner()


def _node(id_: str, name: str, position: str, code: str, word: str) -> dict[str, Any]:
    return {
        "id": id_,
        "name": name,
        "name_en": id_.upper(),
        "position": position,
        "codes": [code],
        "keywords": [word],
    }


def _toy() -> Any:
    """a, b → c → e; d → f (two upstream nodes, two midstream, two downstream)."""
    return load_chain(
        {
            "id": "toy",
            "name": "示例链",
            "name_en": "Toy chain",
            "sources": [{"title": "国民经济行业分类", "document": "GB/T 4754-2017"}],
            "nodes": [
                _node("a", "甲材料", "upstream", "C3216", "铝锭"),
                _node("b", "乙材料", "upstream", "C3252", "铝板"),
                _node("c", "丙部件", "midstream", "C3670", "冲压件"),
                _node("d", "丁部件", "midstream", "C3660", "车身"),
                _node("e", "戊整机", "downstream", "C3620", "发动机"),
                _node("f", "己整机", "downstream", "C3453", "轴承"),
            ],
            "edges": [["a", "c"], ["b", "c"], ["c", "e"], ["d", "f"]],
        }
    )


def _mounts(rows: list[tuple[int, str, float]], status: list[str] | None = None) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows, schema={"id": pl.Int64, "node": pl.String, "confidence": pl.Float64}, orient="row"
    )
    if status is not None:
        frame = frame.with_columns(pl.Series("status", status))
    return frame


def _example() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Six firms on c (two tier holders, one with R&D), one on e, one on d (no R&D, no tier)."""
    mounts = _mounts(
        [(i, "toy/c", 0.64) for i in range(1, 7)] + [(7, "toy/e", 0.4), (8, "toy/d", 0.64)]
    )
    firms = pl.DataFrame(
        {
            "id": list(range(1, 9)),
            "revenue": [100.0] * 6 + [50.0, 10.0],
            "rd_expense": [5.0, 0, 0, 0, 0, 0, 2.0, 0],
            "tier": ["specialized", "little_giant", None, None, None, None, "innovative", None],
        }
    )
    return mounts, firms


def test_node_strength_counts_firms_money_tiers_and_index() -> None:
    mounts, firms = _example()
    s = node_strength(mounts, firms, chains=[_toy()])
    assert s["node"].to_list() == [f"toy/{n}" for n in "abcdef"]
    assert s.select(
        "node_id",
        "firms",
        "revenue",
        "rd_expense",
        "rd_firms",
        "tier_innovative",
        "tier_specialized",
        "tier_little_giant",
        "tier_holders",
        "enclave_firms",
    ).rows() == [
        ("a", 0, 0.0, 0.0, 0, 0, 0, 0, 0, 0),
        ("b", 0, 0.0, 0.0, 0, 0, 0, 0, 0, 0),
        ("c", 6, 600.0, 5.0, 1, 0, 1, 1, 2, 0),
        ("d", 1, 10.0, 0.0, 0, 0, 0, 0, 0, 0),
        ("e", 1, 50.0, 2.0, 1, 1, 0, 0, 1, 0),
        ("f", 0, 0.0, 0.0, 0, 0, 0, 0, 0, 0),
    ]
    # mean firms per node 8/6, mean revenue 660/6 = 110
    assert s["firm_index"].to_list() == pytest.approx([0, 0, 4.5, 0.75, 0.75, 0])
    assert s["revenue_index"].to_list() == pytest.approx([0, 0, 600 / 110, 10 / 110, 50 / 110, 0])
    assert s["strength"].to_list() == pytest.approx(
        [0, 0, (4.5 + 600 / 110) / 2, (0.75 + 10 / 110) / 2, (0.75 + 50 / 110) / 2, 0]
    )


def test_node_strength_shares_money_counts_firms_once_per_node() -> None:
    mounts = _mounts(
        [
            (1, "toy/c", 0.6),
            (1, "toy/e", 0.4),  # revenue 100 split 60 / 40, one firm on each node
            (2, "toy/c", 0.9),  # an enclave startup: counted apart
            (3, "toy/d", 0.2),  # below 0.4: not counted
            (4, "toy/d", 0.2),  # confirmed by staff: counted
            (5, "new_energy/nev", 0.9),  # another chain: ignored
        ],
        status=["auto", "auto", "auto", "auto", "confirmed", "auto"],
    )
    firms = pl.DataFrame(
        {"id": [1, 2, 3, 4, 5], "revenue": [100.0, 1000.0, 7.0, 20.0, 5.0]}
    ).with_columns(enclave=pl.Series([False, True, False, None, False]))
    s = node_strength(mounts, firms, chains=[_toy()])
    assert s.select("node_id", "firms", "revenue", "enclave_firms").rows() == [
        ("a", 0, 0.0, 0),
        ("b", 0, 0.0, 0),
        ("c", 1, 60.0, 1),
        ("d", 1, 20.0, 0),
        ("e", 1, 40.0, 0),
        ("f", 0, 0.0, 0),
    ]
    # no rd_expense and no tier column: unknown (null), not zero
    assert s["rd_firms"].null_count() == 6 and s["tier_holders"].null_count() == 6
    gaps = chain_gaps(s, chains=[_toy()])
    assert "missing_technology" not in gaps["type"].to_list()


def test_chain_gaps_every_type_with_figures_rank_and_evidence() -> None:
    mounts, firms = _example()
    chain = _toy()
    gaps = chain_gaps(node_strength(mounts, firms, chains=[chain]), chains=[chain])
    assert gaps.select("rank", "node", "type", "type_zh", "priority", "related").rows() == [
        (1, "toy/a", "fill_blank", "填空白", 1.0, ["toy/c"]),
        (2, "toy/b", "fill_blank", "填空白", 1.0, ["toy/c"]),
        (3, "toy/f", "fill_blank", "填空白", 1.0, ["toy/d"]),
        (4, "toy/c", "missing_upstream", "缺上游供给", 0.9, ["toy/a", "toy/b"]),
        (5, "toy/c", "forge_long", "锻长板", 0.7, []),
        (6, "toy/d", "missing_downstream", "缺下游客户", 0.584, ["toy/f"]),
        (7, "toy/d", "shore_up", "补短板", 0.464, []),
        (8, "toy/d", "missing_technology", "缺技术", 0.384, []),
    ]
    words = {(r["node"], r["type"]): (r["evidence"], r["evidence_en"]) for r in gaps.to_dicts()}
    assert words["toy/a", "fill_blank"] == (
        "「甲材料」（上游）没有本地企业；与其相连的 1 个环节中 1 个有本地企业：「丙部件」。",
        "'A' (upstream) has no local firm; 1 of its 1 linked nodes have local firms: 'C'.",
    )
    assert words["toy/d", "shore_up"] == (
        "「丁部件」（中游）仅 1 家本地企业，营业收入合计 10.00，强度 0.42"
        "（全链平均环节为 1，低于 0.5 为短板）。",
        "'D' (midstream) has only 1 local firm(s), revenue 10.00, strength 0.42"
        " (1 is the chain's average node; below 0.5 is weak).",
    )
    assert words["toy/c", "forge_long"][0] == (
        "「丙部件」（中游）强度 4.98（不低于 2，全链平均环节为 1）：6 家本地企业，"
        "营业收入合计 600.00，1 家有研发投入，2 家梯度企业。"
    )
    assert words["toy/c", "missing_upstream"][0] == (
        "「丙部件」（中游）有 6 家本地企业（强度 4.98），但其全部 2 个供给环节"
        "「甲材料」、「乙材料」均无本地企业。"
    )
    assert words["toy/d", "missing_downstream"][1] == (
        "'D' (midstream) has 1 local firm(s) (strength 0.42) but none of its 1 customer"
        " node(s) 'F' has a local firm."
    )
    assert words["toy/d", "missing_technology"] == (
        "「丁部件」（中游）的 1 家本地企业均无研发投入、梯度企业。",
        "None of the 1 local firm(s) of 'D' (midstream) has R&D spending or a ladder tier.",
    )
    assert gaps["candidates"].list.len().to_list() == [0] * 8


def test_chain_gaps_on_an_empty_chain_are_all_blanks() -> None:
    chain = load_chain("auto_parts")
    empty = pl.DataFrame(schema={"id": pl.Int64, "node": pl.String, "confidence": pl.Float64})
    s = node_strength(empty, pl.DataFrame({"id": [1]}), chains=[chain])
    assert s.height == len(chain.nodes)
    assert s["firms"].sum() == 0 and s["strength"].to_list() == [0.0] * len(chain.nodes)
    gaps = chain_gaps(s, chains=[chain])
    assert gaps["node"].to_list() == list(chain.refs)
    assert set(gaps["type"]) == {"fill_blank"} and set(gaps["priority"]) == {0.6}
    assert gaps["rank"].to_list() == list(range(1, len(chain.nodes) + 1))


def test_chain_gaps_ranks_candidates_to_attract_and_grow() -> None:
    mounts, firms = _example()
    chain = _toy()
    candidates = pl.DataFrame(
        {
            "id": ["E1", "E2", "P1", "R1", "L1", "L2", "E3"],
            "name": ["飞地一", "飞地二", "需求一", "标杆一", "本地一", "本地二", "飞地三"],
            "kind": [
                "enclave_startup",
                "enclave_startup",
                "profile",
                "reference_firm",
                "local_firm",
                "local_firm",
                "enclave_startup",
            ],
            "node": ["toy/a", "toy/a", "toy/f", "toy/b", "toy/a", "toy/c", "toy/c"],
            "confidence": [0.64, 0.4, 0.4, 0.784, 0.2, 0.64, 0.9],
        }
    )
    strength = node_strength(mounts, firms, chains=[chain])
    gaps = chain_gaps(strength, chains=[chain], candidates=candidates)
    long = gap_candidates(gaps)
    picked = long.select("rank", "id", "action", "node", "score", "candidate_rank")

    def of(rank: int) -> list[tuple[Any, ...]]:
        return [r[1:] for r in picked.filter(pl.col("rank") == rank).rows()]

    # gap 1, 填空白 on a: startups on a; local firms on a (below the threshold) or next to it
    assert of(1) == [
        ("E1", "attract", "toy/a", 0.64, 1),
        ("E2", "attract", "toy/a", 0.4, 2),
        ("L2", "grow", "toy/c", 0.32, 1),
        ("L1", "grow", "toy/a", 0.2, 2),
    ]
    # gap 4, missing upstream of c: candidates on a and b (E3 on c is not adjacent-attracted)
    assert of(4) == [
        ("R1", "attract", "toy/b", 0.784, 1),
        ("E1", "attract", "toy/a", 0.64, 2),
        ("E2", "attract", "toy/a", 0.4, 3),
        ("L2", "grow", "toy/c", 0.32, 1),
        ("L1", "grow", "toy/a", 0.2, 2),
    ]
    assert of(3) == [("P1", "attract", "toy/f", 0.4, 1)]
    top1 = gap_candidates(chain_gaps(strength, chains=[chain], candidates=candidates, top=1))
    assert top1.filter(pl.col("rank") == 1)["id"].to_list() == ["E1", "L2"]
    with pytest.raises(ValueError, match="kind"):
        chain_gaps(
            strength, chains=[chain], candidates=candidates.with_columns(kind=pl.lit("friend"))
        )


def _demo_firms() -> pl.DataFrame:
    from feidi.demo import generate_demo_city

    city = generate_demo_city(n_local=300, n_enclave=30)
    last = city.filter(pl.col("year") == pl.col("year").max())
    held = pl.col("titles").str.split(";").list.eval(pl.element().str.split("@").list.first())
    return last.select(
        pl.col("credit_code").alias("id"),
        "name",
        "industry_code",
        pl.col("main_products").alias("text"),
        "revenue",
        "rd_expense",
        pl.when(held.list.contains("little_giant"))
        .then(pl.lit("little_giant"))
        .when(held.list.contains("specialized"))
        .then(pl.lit("specialized"))
        .when(held.list.contains("innovative"))
        .then(pl.lit("innovative"))
        .alias("tier"),
        "enclave",
    )


def test_chain_gaps_on_the_demo_city_has_several_types() -> None:
    firms = _demo_firms()
    long = mount_frame(firms.select("id", "industry_code", "text"))
    strength = node_strength(long, firms)
    assert strength.height == sum(len(c.nodes) for c in load_chains())
    assert strength["enclave_firms"].sum() > 0
    gaps = chain_gaps(strength)
    counts = dict(gaps.group_by("type").len().rows())
    assert counts == {
        "fill_blank": 56,
        "missing_downstream": 27,
        "forge_long": 23,
        "missing_upstream": 16,
        "shore_up": 4,
    }
    assert gaps["rank"].to_list() == list(range(1, gaps.height + 1))
    assert gaps["priority"].is_sorted(descending=True)
    assert (gaps["evidence"].str.len_chars() > 10).all()


FIRMS_CSV = """统一社会信用代码,企业名称,行业代码,主导产品,营业收入（万元）,研发费用,梯度,飞地企业
91A,甲公司,C3825,光伏组件,"1,200",30,专精特新中小企业,否
91B,乙公司,,逆变器,800,0,,否
91C,丙公司,,光伏组件、逆变器,500,0,创新型中小企业,否
91D,丁公司,,多晶硅,,,,是
"""


def test_chains_cli_input_first_writes_nodes_mountings_gaps(tmp_path: Path, monkeypatch) -> None:
    firms = tmp_path / "firms.csv"
    firms.write_text(FIRMS_CSV, "utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["chains", str(firms), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "candidates.csv",
        "gaps.csv",
        "mountings.csv",
        "nodes.csv",
    ]
    nodes = pl.read_csv(out / "nodes.csv").filter(pl.col("chain") == "new_energy")
    held = nodes.filter(pl.col("firms") > 0).select(
        "node_id", "firms", "tier_specialized", "tier_innovative", "enclave_firms"
    )
    assert held.rows() == [("pv_modules", 2, 1, 1, 0), ("inverters", 2, 0, 1, 0)]
    assert nodes.filter(pl.col("node_id") == "silicon_wafers")["enclave_firms"].to_list() == [1]
    # 1,200 on pv_modules; 800 on inverters; 500 split 250 / 250 (0.4 each)
    assert nodes.filter(pl.col("firms") > 0)["revenue"].to_list() == [1450.0, 1050.0]
    candidates = pl.read_csv(out / "candidates.csv")
    wafers = candidates.filter(pl.col("gap_node") == "new_energy/silicon_wafers")
    assert wafers.filter(pl.col("type") == "fill_blank").select("id", "name", "kind").rows() == [
        ("91D", "丁公司", "enclave_startup")
    ]
    # the same through the explicit sub-command, as an .xlsx with four sheets
    book = tmp_path / "gaps.xlsx"
    again = runner.invoke(app, ["chains", "gaps", str(firms), "-o", str(book)])
    assert again.exit_code == 0, again.output
    sheets = pl.read_excel(book, sheet_id=0)
    assert list(sheets) == ["环节强度 nodes", "挂接 mountings", "缺口 gaps", "候选 candidates"]
    assert sheets["缺口 gaps"].height == pl.read_csv(out / "gaps.csv").height
    # the other sub-commands still answer (a wide console: Rich fixes its width when made)
    from rich.console import Console

    import feidi.chains.cli as chains_cli

    monkeypatch.setattr(chains_cli, "console", Console(width=250))
    shown = runner.invoke(app, ["chains", "show", "new_energy"], env={"COLUMNS": "250"})
    assert shown.exit_code == 0 and "battery_packs" in shown.output
    mounted = runner.invoke(app, ["chains", "mount", str(firms), "-o", str(tmp_path / "m.csv")])
    assert mounted.exit_code == 0, mounted.output


def test_chains_cli_bad_figures_exit_2_and_write_nothing(tmp_path: Path) -> None:
    firms = tmp_path / "firms.csv"
    firms.write_text(
        FIRMS_CSV.replace('"1,200"', "很多").replace("创新型中小企业", "金牌"), "utf-8"
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["chains", str(firms), "-o", str(out)], env={"COLUMNS": "250"})
    assert result.exit_code == 2
    assert "row 2, 营业收入（万元） '很多': 不是数字 / not a number" in result.output
    assert "row 4, 梯度 '金牌': 梯度应是 创新型 / 专精特新 / 小巨人 或空" in result.output
    assert not out.exists()
