"""``feidi complexity`` — economic complexity of a location × product table (registered in
:mod:`feidi.cli`).

One call into the core: read and check the table (and the reference panel), compute
:func:`~feidi.complexity.complexity_tables`, write ``locations.csv``, ``products.csv`` and
``pairs.csv``. Exit code 2 for bad input (every problem shown, nothing written).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from feidi.io import InputError

__all__ = ["complexity_cmd"]


def complexity_cmd(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help="地区 × 产业长表 CSV / XLSX / Parquet / location × product table",
            show_default=False,
        ),
    ],
    location: Annotated[
        str, typer.Option("--location", help="地区列名 / location column", show_default=False)
    ],
    product: Annotated[
        str,
        typer.Option("--product", help="产业/产品列名 / product column", show_default=False),
    ],
    value: Annotated[
        str,
        typer.Option(
            "--value", help="数值列名（产值、出口、就业、企业数）/ value column", show_default=False
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="输出文件夹 / output folder", show_default=False)
    ],
    year: Annotated[
        str | None,
        typer.Option("--year", help="年份列名，逐年计算 / year column (each year apart)"),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference",
            help="参照面板（省、全国、世界），列名相同；按其 PCI 与邻近度为输入地区打分"
            " / reference panel with the same columns: score INPUT against its PCI and proximity",
        ),
    ] = None,
) -> None:
    """经济复杂度：RCA、ECI/PCI、邻近度、密度、机会前景 / economic complexity and relatedness."""
    from feidi._console import EXIT_BAD_INPUT, console, err
    from feidi._console import show_report as _show_report
    from feidi.complexity._io import read_table, write_tables
    from feidi.complexity._tables import complexity_tables

    def read(path: Path, optional_year: bool) -> Any:
        try:
            table, found = read_table(
                path,
                location=location,
                product=product,
                value=value,
                year=year,
                year_optional=optional_year,
            )
        except InputError as exc:
            _show_report(exc.report)
            err.print(
                "[red]输入有错误，未计算、未写出任何结果 / the input has errors: nothing was"
                " computed or written[/red]"
            )
            raise typer.Exit(EXIT_BAD_INPUT) from None
        if found.warnings:
            _show_report(found, limit=10)
        return table

    started = time.perf_counter()
    table = read(input_path, False)
    ref = None if reference is None else read(reference, True)
    try:
        # read_table names the columns location, product, value and year
        tables = complexity_tables(
            table,
            year=None if year is None else "year",
            reference=ref,
        )
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for label, dropped in (
        (
            "总量为 0 的地区，已剔除 / locations with a zero total, dropped",
            tables.dropped_locations,
        ),
        ("总量为 0 的产品，已剔除 / products with a zero total, dropped", tables.dropped_products),
        (
            "参照表没有的产品，已剔除 / products the reference lacks, dropped",
            tables.not_in_reference,
        ),
    ):
        for key, names_left in dropped.items():
            if names_left:
                shown = "、".join(names_left[:20]) + (" …" if len(names_left) > 20 else "")
                when = "" if key is None else f" [{key}]"
                err.print(f"[yellow]{label}{when}: {len(names_left)} — {shown}[/yellow]")
    paths = write_tables(tables, output)
    took = time.perf_counter() - started
    console.print(
        f"已写出 / written: {', '.join(str(p) for p in paths)} — {tables.locations.height:,} 个地区"
        f" / locations, {tables.products.height:,} 个产品 / products ({took:.1f} s)"
    )
