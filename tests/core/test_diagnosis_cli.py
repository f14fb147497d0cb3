"""``feidi diagnose INPUT -o OUT``: a small registry end to end, the demo city, bad input."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from feidi.cli import app
from feidi.demo import DEMO_AS_OF, DEMO_YEARS, generate_demo_city
from feidi.diagnosis import FLAGS, TYPES, diagnose
from feidi.diagnosis.cli import chain_nodes_of
from feidi.io import read_dataset
from tests.core.diagnosis_firms import AS_OF, CODES, frame

runner = CliRunner()
CODE = "统一社会信用代码 / Credit code"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("diagnose") / "firms.csv"
    frame().write_csv(path)
    return path


def test_a_small_registry_is_diagnosed_into_three_tables_in_words(
    small: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["diagnose", str(small), "-o", str(out), "--as-of", str(AS_OF)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "diagnoses.csv",
        "flags.csv",
        "recommendations.csv",
    ]
    diagnoses = {r[CODE]: r for r in pl.read_csv(out / "diagnoses.csv").iter_rows(named=True)}
    assert diagnoses[CODES["vanguard"]]["类型 / Type"] == "先锋分子 / Vanguard"
    assert diagnoses[CODES["detached"]]["类型 / Type"] == "落后分子 / Laggard"
    assert diagnoses[CODES["middle"]]["类型 / Type"] == "中间分子 / Middle"
    open_ = diagnoses[CODES["open"]]
    assert open_["类型 / Type"] == "未定（缺数据） / undecided (inputs missing)"
    assert open_["可能类型 / Possible types"] == "先锋分子、中间分子 / Vanguard, Middle"
    assert open_["缺失数据 / Missing inputs"] == "研发人员数（2025年） / R&D staff (2025)"
    # mounted here from code and 主导产品: C3841 锂电池电芯、电池包 → three nodes at ≥ 0.4
    assert diagnoses[CODES["vanguard"]]["挂接产业链环节 / Chain nodes"].count("›") == 6
    assert (
        "新能源 › 电池包与电池管理系统"
        in diagnoses[CODES["vanguard"]]["挂接产业链环节 / Chain nodes"]
    )
    assert diagnoses[CODES["detached"]]["挂接产业链环节 / Chain nodes"] == (
        "未挂接任何产业链环节 / on no chain node"  # C1340 制糖 is on none of the chains
    )
    assert diagnoses[CODES["laggard"]]["红旗 / Red flags"] == (
        "营业收入下滑 / Falling revenue；负债率上升 / Rising debt；"
        "称号临近复核 / Title due for review；称号即将失效 / Title lapsing"
    )
    assert diagnoses[CODES["vanguard"]]["下一梯度 / Next tier"] == (
        "专精特新中小企业 / Specialised and sophisticated SME (SRDI)"
    )
    assert diagnoses[CODES["middle"]]["推荐服务 / Services"] == (
        "1. 创新方向指引 / Innovation-direction briefing；2. 应用中心试点 / Application-centre"
        " pilot；3. 大师级工匠培训 / Master-craftsman training"
    )
    flags = pl.read_csv(out / "flags.csv")
    assert flags.columns == [
        CODE,
        "企业名称 / Name",
        "红旗 / Flag",
        "状态 / Status",
        "证据",
        "Evidence",
    ]
    detached = flags.filter(pl.col(CODE) == CODES["detached"])
    assert detached["红旗 / Flag"].to_list() == [
        "无研发投入 / No R&D",
        "脱离产业链 / Detached from every chain",
        "称号即将失效 / Title lapsing",
    ]
    assert set(detached["状态 / Status"]) == {"已触发 / raised"}
    # the chains are known here, so nothing is unknown for want of them
    assert not flags.filter(
        pl.col("红旗 / Flag").str.starts_with("脱离") & (pl.col(CODE) == CODES["open"])
    ).height
    recs = pl.read_csv(out / "recommendations.csv")
    first = recs.filter(pl.col("排序 / Rank") == 1)
    assert dict(zip(first[CODE], first["服务 / Service"], strict=True))[CODES["laggard"]] == (
        "管理咨询服务日 / Consulting days"
    )
    assert recs["理由"].str.contains("——").all() and recs["Reason"].str.contains(" — ").all()
    # the same as the core on the same file
    data, _ = read_dataset(small)
    counts, _names = chain_nodes_of(data)
    assert counts == {
        CODES["vanguard"]: 3,
        CODES["laggard"]: 1,
        CODES["middle"]: 1,
        CODES["open"]: 2,
        CODES["detached"]: 0,
        CODES["gaps"]: 1,
    }
    d = diagnose(data, as_of=AS_OF, chain_nodes=counts)
    assert recs.height == d.recommendations.height and flags.height == d.flags.height


def test_an_xlsx_output_has_three_sheets(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "diagnosis.xlsx"
    result = runner.invoke(
        app,
        ["diagnose", str(small), "-o", str(out), "--as-of", str(AS_OF), "--ladder", "miit-2022"],
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["诊断 diagnoses", "红旗 flags", "推荐服务 recommendations"]
    header = next(wb["诊断 diagnoses"].iter_rows(values_only=True))
    assert header[:3] == (CODE, "企业名称 / Name", "类型 / Type")
    rows = list(wb["诊断 diagnoses"].iter_rows(values_only=True))[1:]
    assert len(rows) == len(CODES)
    # under MIIT 2022 the vanguard's next tier is still 专精特新
    assert {r[0]: r[9] for r in rows}[CODES["vanguard"]].startswith("专精特新中小企业")


def test_the_demo_city(tmp_path: Path) -> None:
    """The demo registry as `feidi demo` writes it (3,300 firms × 2021–2025)."""
    src = tmp_path / "demo-city.csv"
    generate_demo_city(n_years=DEMO_YEARS).write_csv(src)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["diagnose", str(src), "-o", str(out), "--as-of", DEMO_AS_OF.isoformat()]
    )
    assert result.exit_code == 0, result.output
    diagnoses = pl.read_csv(out / "diagnoses.csv")
    assert diagnoses.height == 3300
    by_type = Counter(diagnoses["类型 / Type"].to_list())
    data, _ = read_dataset(src)
    counts, _names = chain_nodes_of(data)
    d = diagnose(data, as_of=DEMO_AS_OF, chain_nodes=counts)
    core = Counter(d.types["type"].to_list())
    assert by_type == {
        **{f"{TYPES[t][0]} / {TYPES[t][1]}": core[t] for t in TYPES},
        "未定（缺数据） / undecided (inputs missing)": core[None],
    }
    # every demo firm's class belongs to one of the city's chains: none is detached
    assert len(counts) == 3300 and min(counts.values()) >= 1
    raised = Counter(d.flags.filter(pl.col("status") == "raised")["flag"].to_list())
    assert raised["detached"] == 0
    # the summary printed counts the same firms
    for t in TYPES:
        assert f"{core[t]:,}" in result.output
    flags = pl.read_csv(out / "flags.csv")
    assert Counter(flags["红旗 / Flag"].to_list()) == {
        f"{FLAGS[f][0]} / {FLAGS[f][1]}": n for f, n in Counter(d.flags["flag"].to_list()).items()
    }


def test_bad_input_exits_2_naming_row_and_column_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    import feidi._console

    monkeypatch.setattr(feidi._console, "console", Console(width=250))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "统一社会信用代码,年度,营业收入,研发费用\n"
        f"{CODES['middle']},2025,1000,30\n"
        f"{CODES['laggard']},2025,一千,30\n",
        "utf-8",
    )
    out = tmp_path / "out"
    report = tmp_path / "report.csv"
    result = runner.invoke(
        app,
        ["diagnose", str(bad), "-o", str(out), "--as-of", "2026-06-30", "--report", str(report)],
    )
    assert result.exit_code == 2
    assert not out.exists()
    assert "│ 3 " in result.output and "营业收入" in result.output and "一千" in result.output
    issue = pl.read_csv(report).filter(pl.col("severity") == "error").row(0, named=True)
    assert (issue["file"], issue["row"], issue["column"], issue["value"]) == (
        "bad.csv",
        3,
        "营业收入",
        "一千",
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["-o", "out.parquet"], "folder or an .xlsx"),
        (["-o", "out", "--ladder", "nowhere-2030"], "unknown rulebook"),
        (["-o", "out", "--as-of", "2026/06/30"], "YYYY-MM-DD"),
    ],
)
def test_bad_options_exit_2(small: Path, tmp_path: Path, args: list[str], says: str) -> None:
    args = [a if a not in ("out", "out.parquet") else str(tmp_path / a) for a in args]
    result = runner.invoke(app, ["diagnose", str(small), *args])
    assert result.exit_code == 2
    assert says in result.output
    assert not any(tmp_path.iterdir())
