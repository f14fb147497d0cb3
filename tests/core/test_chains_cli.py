"""``feidi chains``: list, show, and mount a file of firms (with corrections) to a file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from feidi.chains import apply_corrections_frame, mount_frame
from feidi.cli import app

runner = CliRunner()

FIRMS_CSV = """统一社会信用代码,企业名称,行业代码,主营产品,经营范围
91320581A,甲公司,C3670,新能源汽车电池包壳体,汽车零部件及配件制造
91320581B,乙公司,3825,光伏组件,
91320581C,丙公司,,,服装批发；货物进出口
91320581D,丁公司,1819.0,羽绒服,
"""
FIXES_CSV = """id,node,action,by,note
91320581A,new_energy/nev,reject,王芳,不生产整车
91320581D,textile_apparel/brands_trade,add,王芳,自有品牌
"""


def test_chains_cli_lists_and_shows(monkeypatch) -> None:
    # a wide console whatever the terminal (Rich fixes a console's width when it is made)
    from rich.console import Console

    import feidi.chains.cli as chains_cli

    monkeypatch.setattr(chains_cli, "console", Console(width=250))
    listed = runner.invoke(app, ["chains", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    for name in ("汽车零部件", "生物医药及高端医疗器械", "国家统计局令第23号"):
        assert name in listed.output
    shown = runner.invoke(app, ["chains", "show", "new_energy"], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    assert "电池包与电池管理系统" in shown.output and "battery_packs" in shown.output
    unknown = runner.invoke(app, ["chains", "show", "steel"])
    assert unknown.exit_code == 2
    assert "unknown chain" in unknown.output


def test_chains_cli_mount_with_corrections_equals_the_core(tmp_path: Path) -> None:
    firms, fixes = tmp_path / "firms.csv", tmp_path / "fixes.csv"
    firms.write_text(FIRMS_CSV, "utf-8")
    fixes.write_text(FIXES_CSV, "utf-8")
    out = tmp_path / "mounts.parquet"
    result = runner.invoke(
        app, ["chains", "mount", str(firms), "-o", str(out), "--corrections", str(fixes)]
    )
    assert result.exit_code == 0, result.output
    written = pl.read_parquet(out)
    expected = apply_corrections_frame(
        mount_frame(
            pl.DataFrame(
                {
                    "id": ["91320581A", "91320581B", "91320581C", "91320581D"],
                    "industry_code": ["C3670", "C3825", None, "C1819"],
                    # the two text columns, joined
                    "text": [
                        "新能源汽车电池包壳体；汽车零部件及配件制造",
                        "光伏组件",
                        "服装批发；货物进出口",
                        "羽绒服",
                    ],
                }
            )
        ),
        pl.read_csv(fixes),
    )
    assert written.drop("node_name", "node_name_en", "evidence", "evidence_en").equals(expected)
    added = written.filter(pl.col("node") == "textile_apparel/brands_trade")
    assert added.select("id", "status", "corrected_by").rows() == [
        ("91320581C", "auto", None),
        ("91320581D", "added", "王芳"),
    ]
    assert added["evidence"][1] == "人工添加（王芳）：自有品牌，置信度 1"
    assert "new_energy/nev" not in written.filter(pl.col("id") == "91320581A")["node"].to_list()


def test_chains_cli_mount_writes_csv_for_excel(tmp_path: Path) -> None:
    firms = tmp_path / "firms.csv"
    firms.write_text(FIRMS_CSV, "utf-8")
    out = tmp_path / "mounts.csv"
    result = runner.invoke(app, ["chains", "mount", str(firms), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    first = pl.read_csv(out).row(0, named=True)
    assert (first["id"], first["node"], first["keywords"]) == (
        "91320581A",
        "auto_parts/ev_systems",
        "电池包",
    )
    assert first["evidence_en"].startswith("industry code C3670 is in the node's class C3670")


def test_chains_cli_mount_refuses_bad_rows_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,industry_code,text\n1,C9999,汽车\n1,C3670,\n,3670,\n", "utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["chains", "mount", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert "row 2, industry_code 'C9999'" in result.output
    assert "row 3, id '1': id 与第 2 行重复 / the id repeats row 2" in result.output
    assert "row 4, id: id 为空 / the id is empty" in result.output
    assert not out.exists()
    no_id = tmp_path / "no_id.csv"
    no_id.write_text("名称,行业代码\n甲,C3670\n", "utf-8")
    result = runner.invoke(app, ["chains", "mount", str(no_id), "-o", str(out)])
    assert result.exit_code == 2
    assert "no id column" in result.output
    assert not out.exists()


def test_chains_cli_mounts_a_registry_export_by_its_main_products(tmp_path: Path) -> None:
    """The registry's own columns — the demo city's file as `feidi demo` writes it — are
    read as they are: credit code, industry code and 主导产品 (main_products)."""
    from feidi.demo import generate_demo_city

    city = generate_demo_city(n_local=20, n_enclave=2).unique("credit_code", keep="first")
    firms = tmp_path / "city.csv"
    city.select("credit_code", "industry_code", "main_products").write_csv(firms)
    out = tmp_path / "mounts.parquet"
    result = runner.invoke(app, ["chains", "mount", str(firms), "-o", str(out)])
    assert result.exit_code == 0, result.output
    got = pl.read_parquet(out)
    expected = mount_frame(
        city.select(
            pl.col("credit_code").alias("id"),
            "industry_code",
            pl.col("main_products").alias("text"),
        )
    )
    assert got.select("id", "node", "confidence").equals(
        expected.select("id", "node", "confidence")
    )
    assert got.filter(pl.col("keywords").list.len() > 0).height > 0  # the products were read
