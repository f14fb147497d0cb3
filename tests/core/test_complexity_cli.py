"""``feidi complexity`` as a user drives it: a table in, three files out, bad input refused.

The command is mounted on a test app here: ``feidi.cli`` registers it separately.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from feidi.complexity.cli import complexity_cmd

runner = CliRunner()
app = typer.Typer()
app.command("complexity")(complexity_cmd)
app.command("version")(lambda: None)  # a second command keeps the sub-command name

ROWS = [
    ("甲县", "C13", 5.0),
    ("甲县", "C14", 3.0),
    ("甲县", "C15", 2.0),
    ("乙县", "C13", 6.0),
    ("乙县", "C14", 1.0),
    ("丙县", "C13", 1.0),
    ("丙县", "C14", 4.0),
    ("丙县", "C15", 5.0),
]


def _write(path: Path, rows: list[tuple[object, ...]], header: str = "县,行业,产值") -> Path:
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n", "utf-8")
    return path


def _run(*args: str) -> object:
    return runner.invoke(app, ["complexity", *args])


def test_complexity_cli_writes_the_three_files(tmp_path: Path) -> None:
    src = _write(tmp_path / "t.csv", ROWS)
    out = tmp_path / "out"
    result = _run(
        str(src), "--location", "县", "--product", "行业", "--value", "产值", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    locs = pl.read_csv(out / "locations.csv")
    prods = pl.read_csv(out / "products.csv")
    pairs = pl.read_csv(out / "pairs.csv")
    assert locs.columns == ["location", "diversity", "eci", "coi"]
    assert prods.columns == ["product", "ubiquity", "pci"]
    assert pairs.columns == ["location", "product", "rca", "m", "density", "cog"]
    assert locs["location"].to_list() == ["丙县", "乙县", "甲县"]
    assert locs["diversity"].to_list() == [2, 1, 2]
    assert [round(v, 6) for v in locs["eci"]] == [1.068808, -0.912871, -0.155937]
    assert prods["ubiquity"].to_list() == [2, 2, 1]
    assert pairs.height == 9
    # 甲县 × C13: (5/10) / (12/27)
    row = pairs.filter((pl.col("location") == "甲县") & (pl.col("product") == "C13"))
    assert row["rca"][0] == pytest.approx(1.125)
    assert row["m"][0] == 1


def test_complexity_cli_by_year(tmp_path: Path) -> None:
    later = [*ROWS, ("丁县", "C13", 2.0), ("丁县", "C15", 3.0)]
    rows = [(*r, 2022) for r in ROWS] + [(*r, 2023) for r in later]
    src = _write(tmp_path / "t.csv", rows, "county,industry,output,yr")
    out = tmp_path / "out"
    result = _run(
        str(src), "--location", "county", "--product", "industry", "--value", "output",
        "--year", "yr", "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    locs = pl.read_csv(out / "locations.csv")
    assert locs.columns == ["location", "year", "diversity", "eci", "coi"]
    assert pl.read_csv(out / "products.csv").columns == ["product", "year", "ubiquity", "pci"]
    pairs = pl.read_csv(out / "pairs.csv")
    assert pairs.columns == ["location", "product", "year", "rca", "m", "density", "cog"]
    assert locs["year"].to_list() == [2022] * 3 + [2023] * 4
    assert pairs.height == 9 + 12


@pytest.mark.parametrize(
    ("rows", "row", "column", "reason"),
    [
        ([*ROWS[:3], ("乙县", "C13", -6)], 5, "产值", "the value must not be negative"),
        ([*ROWS[:3], ("乙县", "C13", "六")], 5, "产值", "not a number"),
        (
            [*ROWS[:3], ("甲县", "C13", 1)],
            5,
            "行业",
            "甲县 × C13 is given twice, as on row 2 (sum them first)",
        ),
        ([*ROWS[:3], ("", "C13", 1)], 5, "县", "县 is empty"),
    ],
)
def test_complexity_cli_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, rows: list[tuple[object, ...]], row: int, column: str, reason: str
) -> None:
    src = _write(tmp_path / "bad.csv", rows)
    out = tmp_path / "out"
    result = _run(
        str(src), "--location", "县", "--product", "行业", "--value", "产值", "-o", str(out)
    )
    assert result.exit_code == 2
    assert not out.exists()
    from feidi.complexity import read_table
    from feidi.io import InputError

    with pytest.raises(InputError) as caught:
        read_table(src, location="县", product="行业", value="产值")
    first = caught.value.report.errors[0]
    assert (first.file, first.row, first.column, first.reason_en) == (
        "bad.csv",
        row,
        column,
        reason,
    )


def test_complexity_cli_missing_column_exits_2(tmp_path: Path) -> None:
    src = _write(tmp_path / "t.csv", ROWS)
    result = _run(
        str(src),
        "--location",
        "县",
        "--product",
        "产品",
        "--value",
        "产值",
        "-o",
        str(tmp_path / "o"),
    )
    assert result.exit_code == 2
    assert "column(s) not found: 产品" in result.output.replace("\n", "")


def test_complexity_cli_single_location_exits_2(tmp_path: Path) -> None:
    src = _write(tmp_path / "t.csv", ROWS[:3])
    result = _run(
        str(src),
        "--location",
        "县",
        "--product",
        "行业",
        "--value",
        "产值",
        "-o",
        str(tmp_path / "o"),
    )
    assert result.exit_code == 2
    assert "at least 2 locations" in result.output.replace("\n", "")
    assert not (tmp_path / "o").exists()


def test_complexity_cli_empty_value_is_zero_and_zero_totals_are_reported(tmp_path: Path) -> None:
    src = _write(tmp_path / "t.csv", [*ROWS, ("丁县", "C13", ""), ("丁县", "C14", 0)])
    out = tmp_path / "out"
    result = _run(
        str(src), "--location", "县", "--product", "行业", "--value", "产值", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "丁县" in result.output
    assert pl.read_csv(out / "locations.csv")["location"].to_list() == ["丙县", "乙县", "甲县"]


def test_complexity_cli_reference_scores_one_county(tmp_path: Path) -> None:
    ref = _write(tmp_path / "province.csv", ROWS)
    city = _write(
        tmp_path / "city.csv", [("本县", "C14", 8), ("本县", "C13", 1), ("本县", "C99", 3)]
    )
    out = tmp_path / "out"
    result = _run(
        str(city), "--location", "县", "--product", "行业", "--value", "产值",
        "--reference", str(ref), "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "C99" in result.output  # not in the reference: left out and reported
    locs = pl.read_csv(out / "locations.csv")
    prods = pl.read_csv(out / "products.csv")
    pairs = pl.read_csv(out / "pairs.csv")
    assert locs["location"].to_list() == ["本县"]
    assert prods["product"].to_list() == ["C13", "C14", "C15"]
    assert pairs["m"].to_list() == [0, 1, 0]
    # ECI of the county = the reference PCI of C14, its one specialisation
    pci_c14 = prods.filter(pl.col("product") == "C14")["pci"][0]
    assert locs["eci"][0] == pytest.approx(pci_c14)


def test_complexity_cli_module_does_not_import_scipy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, feidi.complexity, feidi.complexity.cli;"
        "print('scipy' in sys.modules, 'feidi.complexity._indices' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
