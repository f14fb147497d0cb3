"""The command line as a user drives it: exit codes, reports, every output format."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from feidi.cli import app
from feidi.demo import DEMO_AS_OF, generate_demo_city
from feidi.reference import make_credit_code

runner = CliRunner()
AS_OF = DEMO_AS_OF.isoformat()


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "firms.csv"
    generate_demo_city(n_local=40, n_enclave=4).drop("enclave").write_csv(path)
    return path


def test_cli_help_is_bilingual() -> None:
    result = runner.invoke(app, ["evaluate", "--help"])
    assert result.exit_code == 0
    assert "评价每家企业的每个梯度" in result.output
    assert "grade every firm on every tier" in result.output


def test_cli_evaluate_writes_jsonl_with_the_agreed_keys(small_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(small_csv),
            "-r",
            "miit-2022",
            "--as-of",
            AS_OF,
            "-o",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(rows) == 44 * 3
    keys = {"credit_code", "rulebook", "tier", "verdict", "score", "missing", "indicators", "path"}
    assert keys <= set(rows[0])
    assert {r["verdict"] for r in rows} <= {"pass", "fail", "unknown"}
    assert {r["tier"] for r in rows} == {"innovative", "specialized", "little_giant"}
    assert all(r["score"] is None for r in rows if r["tier"] == "little_giant")


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_cli_evaluate_other_formats(small_csv: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"out{suffix}"
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(small_csv),
            "--as-of",
            AS_OF,
            "-t",
            "specialized",
            "-o",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        frame = pl.read_csv(out)
        assert frame.height == 44
        assert json.loads(frame["indicators"][0])[0]["id"] == "main_share"
    elif suffix == ".parquet":
        # the flat layout: one row per firm, plain columns per indicator and path step
        frame = pl.read_parquet(out)
        assert frame.height == 44
        assert frame.schema["specialized__verdict"] == pl.Enum(["pass", "fail", "unknown"])
        assert frame.schema["specialized__points_min__main_share"] == pl.Float64
        assert not any(isinstance(d, pl.List | pl.Struct) for d in frame.schema.values())
        # and `feidi records` gives the records back
        back = tmp_path / "records.jsonl"
        again = runner.invoke(app, ["records", str(out), "-o", str(back)])
        assert again.exit_code == 0, again.output
        rows = [json.loads(line) for line in back.read_text("utf-8").splitlines()]
        assert len(rows) == 44
        assert rows[0]["indicators"][0]["id"] == "main_share"
        assert {"path", "missing", "conditions"} <= set(rows[0])
    else:
        wb = openpyxl.load_workbook(out, read_only=True)
        assert wb.sheetnames == ["评价结果", "指标明细", "说明"]
        header = next(wb["评价结果"].iter_rows(values_only=True))
        assert header[:5] == ("统一社会信用代码", "企业名称", "规则集", "梯度", "结论")


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    good = make_credit_code("91320581MA1M00001")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    src = tmp_path / "bad.csv"
    src.write_text(
        f"统一社会信用代码,年度,营业收入,主营业务收入\n{good},2025,1000,1200\n{bad},2025,abc,10\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    report = tmp_path / "report.csv"
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(src),
            "--as-of",
            AS_OF,
            "-o",
            str(out),
            "--report",
            str(report),
            "--no-progress",
        ],
    )
    assert result.exit_code == 2
    assert not out.exists()
    issues = pl.read_csv(report).filter(pl.col("severity") == "error")
    assert sorted(issues["code"].to_list()) == [
        "credit_code.check_digit",
        "main_revenue.above_revenue",
        "number.parse",
    ]
    parse = issues.filter(pl.col("code") == "number.parse").row(0, named=True)
    assert (parse["file"], parse["row"], parse["column"], parse["value"]) == (
        "bad.csv",
        3,
        "营业收入",
        "abc",
    )


def test_cli_validate_reports_and_exit_code(small_csv: Path) -> None:
    result = runner.invoke(app, ["validate", str(small_csv)])
    assert result.exit_code == 0, result.output


def test_cli_unknown_rulebook_and_bad_date(small_csv: Path) -> None:
    assert (
        runner.invoke(
            app, ["evaluate", str(small_csv), "-r", "nowhere-2030", "--no-progress"]
        ).exit_code
        == 2
    )
    assert (
        runner.invoke(
            app, ["evaluate", str(small_csv), "--as-of", "2026/06/30", "--no-progress"]
        ).exit_code
        == 2
    )
    assert (
        runner.invoke(
            app, ["evaluate", str(small_csv), "--as-of", AS_OF, "-o", "x.docx", "--no-progress"]
        ).exit_code
        == 2
    )


def test_cli_explain_and_what_if(small_csv: Path) -> None:
    code = pl.read_csv(small_csv)["credit_code"][0]
    result = runner.invoke(
        app, ["explain", str(small_csv), "-c", code, "--as-of", AS_OF, "-t", "specialized"]
    )
    assert result.exit_code == 0, result.output
    assert "专精特新中小企业" in result.output and "条件" in result.output
    again = runner.invoke(
        app,
        [
            "explain",
            str(small_csv),
            "-c",
            code,
            "--as-of",
            AS_OF,
            "-t",
            "specialized",
            "--set",
            "iso9001=true",
            "--set",
            "rd_expense@2025=9999",
            "--lang",
            "en",
        ],
    )
    assert again.exit_code == 0, again.output
    assert "what-if: {'iso9001': True, 'rd_expense@2025': 9999.0}" in again.output
    assert "Conditions" in again.output
    missing = runner.invoke(
        app, ["explain", str(small_csv), "-c", "91320581MA1M000000", "--as-of", AS_OF]
    )
    assert missing.exit_code == 2


def test_cli_demo_writes_inputs_and_results(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        [
            "demo-city.csv",
            "demo-city.parquet",
            "demo-city.xlsx",
            *[
                f"results-{r}{s}"
                for r in ("miit-2022", "miit-2026")
                for s in (".jsonl", ".parquet", ".xlsx")
            ],
        ]
    )
    assert pl.read_parquet(tmp_path / "results-miit-2026.parquet").height == 3300
    jsonl = (tmp_path / "results-miit-2026.jsonl").read_text("utf-8").splitlines()
    assert len(jsonl) == 3300 * 3


def test_cli_as_of_outside_the_accepted_range_names_the_range(small_csv: Path) -> None:
    result = runner.invoke(
        app, ["evaluate", str(small_csv), "--as-of", "1999-01-01", "--no-progress"]
    )
    assert result.exit_code == 2
    assert "2000-01-01" in result.output and "2100-12-31" in result.output
