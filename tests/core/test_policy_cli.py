"""``feidi policies INPUT -o OUT``: a small registry, an .xlsx, the demo city, bad input."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from feidi.cli import app
from feidi.demo import DEMO_AS_OF, DEMO_YEARS, generate_demo_city
from feidi.io import read_dataset
from feidi.policy import VERDICTS, eligibility, load_policies
from feidi.policy.cli import COLUMNS, policy_inputs
from tests.core.policy_firms import AS_OF, CODES, frame

runner = CliRunner()
CODE, POLICY, VERDICT = COLUMNS[0], COLUMNS[2], COLUMNS[5]
AMOUNT, MISSING = COLUMNS[8], COLUMNS[10]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policies") / "firms.csv"
    frame().write_csv(path)
    return path


def _cell(table: pl.DataFrame, firm: str, policy_zh: str) -> dict[str, object]:
    rows = table.filter(
        (pl.col(CODE) == CODES[firm]) & pl.col(POLICY).str.starts_with(policy_zh + " / ")
    )
    assert rows.height == 1
    return rows.row(0, named=True)


def test_a_small_registry_in_words(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["policies", str(small), "-o", str(out), "--as-of", str(AS_OF)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["policies.csv"]
    table = pl.read_csv(out / "policies.csv")
    assert tuple(table.columns) == COLUMNS
    assert table.height == 4 * 8  # four firms × the eight policies in force on 2026-06-30
    small_ = _cell(table, "all", "小型微利企业所得税优惠")
    assert small_[VERDICT] == "符合 / eligible"
    assert small_[AMOUNT] == 56.0
    assert small_["依据"] == "财政部 税务总局公告2023年第12号 第三条、第五条"
    assert small_[COLUMNS[9]] == "少缴企业所得税（万元） / Income tax saved (10k CNY)"
    gaps = _cell(table, "gaps", "小型微利企业所得税优惠")
    assert gaps[VERDICT] == "待定（缺数据） / unknown (data missing)"
    assert gaps[MISSING] == "上年度应纳税所得额 / Taxable income, last year"
    assert gaps[AMOUNT] is None
    rd = _cell(table, "gaps", "研发费用税前加计扣除（100%）")
    assert rd[MISSING] == "研发费用（2025年） / R&D expense (2025)"
    assert _cell(table, "none", "研发费用税前加计扣除（100%）")[VERDICT] == "不符合 / not eligible"
    demo = _cell(table, "all", '示例：常熟市专精特新"小巨人"企业奖励（演示用）')
    assert (demo[AMOUNT], str(demo["优惠"]).startswith("示例：")) == (50.0, True)
    # no raw ids anywhere: policies and verdicts in words
    assert not table[POLICY].str.contains("rd-super").any()
    assert "eligible" not in set(table[VERDICT])
    assert "4 家企业，评价日 2026-06-30，8 项有效政策" in result.output


def test_an_xlsx_output_has_one_sheet(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "policies.xlsx"
    result = runner.invoke(app, ["policies", str(small), "-o", str(out), "--as-of", str(AS_OF)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["政策 policies"]
    rows = list(wb["政策 policies"].iter_rows(values_only=True))
    assert rows[0] == COLUMNS and len(rows) == 1 + 32


def test_the_demo_city(tmp_path: Path) -> None:
    src = tmp_path / "demo-city.csv"
    generate_demo_city(n_years=DEMO_YEARS).write_csv(src)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["policies", str(src), "-o", str(out), "--as-of", DEMO_AS_OF.isoformat()]
    )
    assert result.exit_code == 0, result.output
    table = pl.read_csv(out / "policies.csv", infer_schema_length=0)
    policies = load_policies(DEMO_AS_OF)
    assert table.height == 3300 * len(policies)
    data, _ = read_dataset(src, extra_fields=policy_inputs(policies))
    counts = eligibility(data, as_of=DEMO_AS_OF).counts()
    words = {f"{p.name[0]} / {p.name[1]}": p.id for p in policies}
    seen = Counter((words[p], v) for p, v in table.select(POLICY, VERDICT).iter_rows())
    for p in policies:
        for v, (zh, en) in VERDICTS.items():
            assert seen[(p.id, f"{zh} / {en}")] == counts[p.id][v]
    # the demo registry has 高新技术企业 honours and titles, but no taxable income
    assert counts["high-tech-rate"]["eligible"] > 0
    assert counts["small-low-profit"]["eligible"] == 0
    assert f"{counts['high-tech-rate']['eligible']:,}" in result.output


def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    import feidi._console

    monkeypatch.setattr(feidi._console, "console", Console(width=250))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "统一社会信用代码,年度,营业收入,上年度应纳税所得额\n"
        f"{CODES['all']},2025,1000,30\n"
        f"{CODES['none']},2025,1000,三十\n",
        "utf-8",
    )
    out = tmp_path / "out"
    report = tmp_path / "report.csv"
    result = runner.invoke(
        app,
        ["policies", str(bad), "-o", str(out), "--as-of", "2026-06-30", "--report", str(report)],
    )
    assert result.exit_code == 2
    assert not out.exists()
    issue = pl.read_csv(report).filter(pl.col("severity") == "error").row(0, named=True)
    assert (issue["file"], issue["row"], issue["column"], issue["value"]) == (
        "bad.csv",
        3,
        "上年度应纳税所得额",
        "三十",
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["-o", "out.parquet"], "folder or an .xlsx"),
        (["-o", "out", "--as-of", "2026/06/30"], "YYYY-MM-DD"),
    ],
)
def test_bad_options_exit_2(small: Path, tmp_path: Path, args: list[str], says: str) -> None:
    args = [a if a not in ("out", "out.parquet") else str(tmp_path / a) for a in args]
    result = runner.invoke(app, ["policies", str(small), *args])
    assert result.exit_code == 2
    assert says in result.output
    assert not (tmp_path / "out").exists()
