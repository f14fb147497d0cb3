"""Write the demo city as the files a government office would hand over: XLSX, CSV, Parquet."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import polars.selectors as cs
import xlsxwriter

from feidi.demo._params import CITY_NAME, SYNTHETIC_LABEL
from feidi.schema import FIELDS_BY_NAME

DATA_SHEET = "企业数据"
README_SHEET = "说明"


def chinese_headers(columns: list[str]) -> dict[str, str]:
    """Map canonical column names to their Chinese headers (``Field.zh``)."""
    return {c: FIELDS_BY_NAME[c].zh for c in columns}


def readme_lines(seed: int, as_of: str, frame: pl.DataFrame) -> list[tuple[str, str]]:
    firms = frame["credit_code"].n_unique()
    enclave = frame.filter(pl.col("enclave"))["credit_code"].n_unique()
    years = sorted(frame["year"].unique().to_list())
    return [
        ("数据说明 / About", SYNTHETIC_LABEL),
        (
            "城市 / City",
            f"{CITY_NAME}：以常熟市(320581)为原型的虚构县级市"
            " / a fictitious county-level city modelled on 常熟",
        ),
        (
            "企业 / Firms",
            f"{firms} 家，其中北京海淀飞地入驻企业 {enclave} 家 / "
            f"{firms} firms, {enclave} of them enclave startups in 北京海淀",
        ),
        ("年度 / Years", "、".join(str(y) for y in years)),
        ("评价基准日 / As-of date", as_of),
        ("随机种子 / Seed", str(seed)),
        (
            "声明 / Notice",
            "企业名称、信用代码及全部数值均为程序生成，与任何真实企业无关。"
            " / Names, credit codes and every value are generated; any resemblance "
            "to a real firm is coincidental.",
        ),
        ("重新生成 / Regenerate", f"python -m feidi.demo OUTPUT_DIRECTORY {seed}"),
    ]


def write_xlsx(frame: pl.DataFrame, path: Path, *, seed: int, as_of: str) -> None:
    """One data sheet (title row, Chinese header row, data) and a 说明 sheet."""
    zh = frame.rename(chinese_headers(frame.columns))
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet(DATA_SHEET)
        title = wb.add_format({"bold": True, "font_size": 14, "font_color": "#C00000"})
        ws.write_string(0, 0, SYNTHETIC_LABEL, title)
        widths: dict[str | cs.Selector, tuple[str, ...] | int] = {c: 14 for c in zh.columns}
        widths |= {"企业名称": 30, "统一社会信用代码": 22}
        zh.write_excel(
            wb,
            ws,
            position="A2",
            table_style=None,
            autofilter=True,
            float_precision=2,
            freeze_panes="C3",
            column_widths=widths,
        )
        about = wb.add_worksheet(README_SHEET)
        bold = wb.add_format({"bold": True})
        about.set_column(0, 0, 24)
        about.set_column(1, 1, 100)
        for row, (key, value) in enumerate(readme_lines(seed, as_of, frame)):
            about.write_string(row, 0, key, bold)
            about.write_string(row, 1, value)


def write_all(frame: pl.DataFrame, directory: Path, *, seed: int, as_of: str) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "xlsx": directory / "demo-city.xlsx",
        "csv": directory / "demo-city.csv",
        "parquet": directory / "demo-city.parquet",
    }
    write_xlsx(frame, paths["xlsx"], seed=seed, as_of=as_of)
    frame.write_csv(paths["csv"])
    frame.write_parquet(
        paths["parquet"],
        metadata={
            "feidi.synthetic": SYNTHETIC_LABEL,
            "feidi.demo.seed": str(seed),
            "feidi.demo.as_of": as_of,
        },
    )
    return paths
