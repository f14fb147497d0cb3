"""``feidi match`` as a user drives it: files in, matches out, bad input refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from feidi.cli import app
from feidi.match import read_profiles

runner = CliRunner()

SUPPLY = [
    {
        "编号": "s1",
        "标题": "动力电池热管理技术",
        "描述": "液冷板与相变材料结合的电池包热管理方案",
        "行业代码": "C3841",
        "区划代码": "110108",
        "关键词": "热管理;液冷",
        "阶段": "中试",
    },
    {
        "编号": "s2",
        "标题": "纺织面料抗菌整理工艺",
        "描述": "银离子抗菌整理，耐洗五十次",
        "行业代码": "1713",
        "区划代码": "110105",
        "关键词": "抗菌；纺织",
        "阶段": "量产",
    },
    {
        "编号": "s3",
        "标题": "工业机器人视觉引导焊接",
        "描述": "基于机器视觉的焊缝识别与路径规划",
        "行业代码": "C3491",
        "区划代码": "110108",
        "关键词": "机器视觉;焊接",
        "阶段": "prototype",
    },
]
DEMAND = [
    {
        "id": "d1",
        "title": "电池包热失控防护",
        "description": "储能电池包需要液冷热管理方案",
        "industry_code": "C3841",
        "region_code": "320581",
        "keywords": "热管理",
        "stage": "pilot",
        "tier": "专精特新中小企业",
    },
    {
        "id": "d2",
        "title": "焊接产线自动化改造",
        "description": "薄板焊接需要视觉引导",
        "industry_code": "3491",
        "region_code": "320581",
        "keywords": None,
        "stage": None,
        "tier": None,
    },
    {
        "id": "d3",
        "title": "抗菌医用纺织品",
        "description": "医用床单需要耐洗的抗菌面料",
        "industry_code": None,
        "region_code": None,
        "keywords": "抗菌",
        "stage": None,
        "tier": None,
    },
]


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    supply, demand = tmp_path / "supply.csv", tmp_path / "demand.xlsx"
    pl.DataFrame(SUPPLY).write_csv(supply)
    pl.DataFrame(DEMAND).write_excel(demand)
    return supply, demand


def match(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["match", *args, "--no-progress"])
    return result.exit_code, result.output


def test_match_cli_writes_one_row_per_demand_and_rank(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    supply, demand = files
    out = tmp_path / "out.jsonl"
    code, output = match(
        "--supply", str(supply), "--demand", str(demand), "--top", "2", "-o", str(out)
    )
    assert code == 0, output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(r["demand_id"], r["supply_id"], r["rank"]) for r in rows] == [
        ("d1", "s1", 1),
        ("d2", "s3", 1),
        ("d3", "s2", 1),
    ]
    assert set(rows[0]) == {"demand_id", "supply_id", "rank", "score", "reasons"}
    kinds = [r["kind"] for r in rows[0]["reasons"]]
    assert {"industry", "stage", "tier", "concepts"} <= set(kinds)
    assert all(set(r) == {"kind", "points", "zh", "en", "detail"} for r in rows[0]["reasons"])
    assert rows[0]["score"] == pytest.approx(sum(r["points"] for r in rows[0]["reasons"]), abs=1e-3)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_match_cli_writes_every_format_with_the_same_rows(
    files: tuple[Path, Path], tmp_path: Path, suffix: str
) -> None:
    supply, demand = files
    jsonl, other = tmp_path / "out.jsonl", tmp_path / f"out{suffix}"
    assert match("-s", str(supply), "-d", str(demand), "-o", str(jsonl))[0] == 0
    assert match("-s", str(supply), "-d", str(demand), "-o", str(other))[0] == 0
    expected = [json.loads(line) for line in jsonl.read_text("utf-8").splitlines()]
    frame = (
        pl.read_csv(other, schema_overrides={"demand_id": pl.String, "supply_id": pl.String})
        if suffix == ".csv"
        else pl.read_excel(other)
        if suffix == ".xlsx"
        else pl.read_parquet(other)
    )
    got = frame.select("demand_id", "supply_id", "rank").rows()
    assert got == [(r["demand_id"], r["supply_id"], r["rank"]) for r in expected]
    if suffix == ".parquet":
        first = frame["reasons"][0].to_list()
        assert [x["zh"] for x in first] == [x["zh"] for x in expected[0]["reasons"]]
    else:
        assert frame["reasons_zh"][0] == "\n".join(x["zh"] for x in expected[0]["reasons"])
        assert json.loads(frame["reasons"][0]) == expected[0]["reasons"]


def test_match_cli_ranks_demand_for_supply_too(files: tuple[Path, Path], tmp_path: Path) -> None:
    supply, demand = files
    out = tmp_path / "out.jsonl"
    assert match("-s", str(supply), "-d", str(demand), "--for", "supply", "-o", str(out))[0] == 0
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(r["supply_id"], r["demand_id"], r["rank"]) for r in rows][:1] == [("s1", "d1", 1)]


def test_match_cli_feedback_and_replayed_params(files: tuple[Path, Path], tmp_path: Path) -> None:
    supply, demand = files
    declines = tmp_path / "declines.csv"
    declines.write_text("supply_id,reason,demand_id\ns1,不感兴趣,d1\n", "utf-8")
    params = tmp_path / "params.json"
    words = tmp_path / "words.txt"
    words.write_text("# 产业链关键词\n热失控\n", "utf-8")
    first, again = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    code, output = match(
        "-s", str(supply), "-d", str(demand), "--feedback", str(declines),
        "--words", str(words), "--save-params", str(params), "-o", str(first),
    )  # fmt: skip
    assert code == 0, output
    rows = [json.loads(line) for line in first.read_text("utf-8").splitlines()]
    assert ("d1", "s1") not in {(r["demand_id"], r["supply_id"]) for r in rows}
    stored = json.loads(params.read_text("utf-8"))
    assert stored["params"]["user_words"] == ["热失控"]
    code, output = match(
        "-s", str(supply), "-d", str(demand), "--feedback", str(declines),
        "--params", str(params), "-o", str(again),
    )  # fmt: skip
    assert code == 0, output
    assert again.read_text("utf-8") == first.read_text("utf-8")


def test_match_cli_prints_a_table_without_output(files: tuple[Path, Path]) -> None:
    supply, demand = files
    code, output = match("-s", str(supply), "-d", str(demand))
    assert code == 0
    assert "d1" in output and "s1" in output and "行业相同" in output


# --- bad input -------------------------------------------------------------------------------


def _refused(output: str, *parts: str) -> None:
    """Each part appears in the output, however the report table wrapped it."""
    flat = re.sub(r"[\s│┃]", "", output)
    for part in parts:
        assert re.sub(r"\s", "", part) in flat, output


def test_match_cli_refuses_a_missing_column(files: tuple[Path, Path], tmp_path: Path) -> None:
    _, demand = files
    bad = tmp_path / "supply.csv"
    bad.write_text("编号,标题\ns1,激光焊接\n", "utf-8")
    out = tmp_path / "out.jsonl"
    code, output = match("-s", str(bad), "-d", str(demand), "-o", str(out))
    assert code == 2
    _refused(output, "supply.csv", "缺少必需的列：描述(description)", "required column(s) missing")
    assert not out.exists()


def test_match_cli_refuses_empty_and_duplicate_ids(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    _, demand = files
    bad = tmp_path / "offers.csv"
    bad.write_text("id,title,description\ns1,激光焊接,a\n,电池,b\ns1,纺织,c\n", "utf-8")
    with pytest.raises(Exception) as caught:
        read_profiles(bad)
    issues = [(i.row, i.column, i.code, i.value) for i in caught.value.report.errors]  # type: ignore[attr-defined]
    assert issues == [(3, "id", "id.missing", None), (4, "id", "id.duplicate", "s1")]
    code, output = match("-s", str(bad), "-d", str(demand))
    assert code == 2
    _refused(output, "offers.csv", "编号为空", "the id is empty", "第 2 行已出现", "first in row 2")


def test_match_cli_refuses_bad_codes_naming_row_column_and_value(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    supply, _ = files
    bad = tmp_path / "needs.csv"
    bad.write_text(
        "id,title,description,industry_code,region_code,stage\n"
        "d1,电池,需要,C9999,320581,pilot\n"
        "d2,电池,需要,C3841,999999,sometime\n",
        "utf-8",
    )
    with pytest.raises(Exception) as caught:
        read_profiles(bad)
    issues = [(i.row, i.column, i.code, i.value) for i in caught.value.report.errors]  # type: ignore[attr-defined]
    assert issues == [
        (2, "industry_code", "industry_code.invalid", "C9999"),
        (3, "region_code", "region_code.invalid", "999999"),
        (3, "stage", "stage.invalid", "sometime"),
    ]
    assert match("-s", str(supply), "-d", str(bad))[0] == 2


def test_match_cli_refuses_an_unreadable_file(files: tuple[Path, Path], tmp_path: Path) -> None:
    _, demand = files
    fake = tmp_path / "offers.xlsx"
    fake.write_bytes(b"this is no workbook")
    code, output = match("-s", str(fake), "-d", str(demand))
    assert code == 2
    _refused(output, "offers.xlsx", "不是有效的 XLSX", "not a valid XLSX workbook")
    code, output = match("-s", str(tmp_path / "missing.csv"), "-d", str(demand))
    assert code == 2
    _refused(output, "missing.csv", "找不到文件", "file not found")


def test_match_cli_refuses_a_file_over_the_limits(files: tuple[Path, Path], tmp_path: Path) -> None:
    _, demand = files
    wide = tmp_path / "wide.csv"
    header = ",".join(["id", "title", "description", *(f"x{i}" for i in range(1200))])
    wide.write_text(header + "\n" + ",".join(["s1", "a", "b", *(["1"] * 1200)]) + "\n", "utf-8")
    code, output = match("-s", str(wide), "-d", str(demand))
    assert code == 2
    _refused(output, "wide.csv", "超过上限 1000 列", "more than the limit of 1,000 columns")


def test_match_cli_refuses_control_characters_and_bad_feedback(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    supply, demand = files
    bad = tmp_path / "offers.csv"
    bad.write_text("id,title,description\ns1,激光\x01焊接,a\n", "utf-8")
    code, output = match("-s", str(bad), "-d", str(demand))
    assert code == 2
    _refused(output, "控制字符", "control character")
    declines = tmp_path / "declines.csv"
    declines.write_text("supply_id,reason\ns1,too_expensive\n", "utf-8")
    code, output = match("-s", str(supply), "-d", str(demand), "--feedback", str(declines))
    assert code == 2
    _refused(
        output, "无法识别的婉拒原因", "unknown reason 'too_expensive'", "需填写需求编号或需求方"
    )


def test_match_cli_refuses_an_unknown_output_format(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    supply, demand = files
    code, output = match("-s", str(supply), "-d", str(demand), "-o", str(tmp_path / "out.txt"))
    assert code == 2
    _refused(output, "unsupported output format .txt")
