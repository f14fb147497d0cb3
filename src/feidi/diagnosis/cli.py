"""``feidi diagnose INPUT -o OUT`` — every firm's type, red flags and recommended services.

Registered in :mod:`feidi.cli`. INPUT is a registry file as ``feidi evaluate`` reads it (with
主导产品 ``main_products`` beside the industry code, so the firms are mounted on the chains
here with :func:`feidi.chains.mount_frame`). OUT is a folder (``diagnoses.csv``,
``flags.csv``, ``recommendations.csv``) or an ``.xlsx`` with three sheets; headers in both
languages, values in words. Exit codes as ``feidi``'s: 0 done; 2 bad input (the report names
file, row, column, value and reason; nothing is written).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import polars as pl
import typer
from rich.table import Table

from feidi._console import EXIT_BAD_INPUT, as_of_date, both, console, err, refuse, show_report
from feidi.diagnosis._names import FLAG_STATUS, FLAGS, TYPES, UNDECIDED, Bilingual

if TYPE_CHECKING:
    from feidi.diagnosis._diagnose import Diagnosis
    from feidi.io import Dataset

__all__ = ["chain_nodes_of", "diagnose_cmd", "write_diagnosis"]

#: A mount counts towards "on a chain" from this confidence (one keyword, or a class or
#: group code match) — the threshold of the chains' strength and of the matchmaking ranker.
CHAIN_CONFIDENCE = 0.4
FILES = ("diagnoses", "flags", "recommendations")
SHEETS = {
    "diagnoses": "诊断 diagnoses",
    "flags": "红旗 flags",
    "recommendations": "推荐服务 recommendations",
}


def chain_nodes_of(data: Dataset) -> tuple[dict[str, int], dict[str, list[Bilingual]]]:
    """Mount the firms on the chains (industry code and 主导产品): credit code → how many
    nodes at confidence ≥ 0.4, and their names. A firm with neither a code nor products is
    left out (unknown, not "on no chain")."""
    from feidi.chains import mount_frame, node_words

    firms = data.firms
    code = firms["industry_code"] if "industry_code" in firms.columns else None
    text = firms["main_products"] if "main_products" in firms.columns else None
    frame = pl.DataFrame(
        {
            "id": firms["credit_code"],
            "industry_code": code if code is not None else pl.Series([None] * firms.height),
            "text": text if text is not None else pl.Series([None] * firms.height),
        },
        schema={"id": pl.String, "industry_code": pl.String, "text": pl.String},
    ).filter(pl.col("industry_code").is_not_null() | pl.col("text").is_not_null())
    counts = dict.fromkeys(frame["id"].to_list(), 0)
    names: dict[str, list[Bilingual]] = {}
    if frame.height:
        long = mount_frame(frame, min_confidence=CHAIN_CONFIDENCE)
        for firm, node in long.select("id", "node").unique(maintain_order=True).iter_rows():
            counts[firm] += 1
            names.setdefault(firm, []).append(node_words(node))
    return counts, names


def _nodes_text(code: str, counts: dict[str, int], nodes: dict[str, list[Bilingual]]) -> str:
    from feidi.diagnosis._catalogue import CHAIN_POSITIONS

    if code not in counts:
        return both(
            ("挂接环节未知（无行业代码与主导产品）", "unknown (no industry code or products)")
        )
    if not nodes.get(code):
        return both(CHAIN_POSITIONS["off_chain"])
    return "；".join(both(n) for n in nodes[code])


def _tables(
    d: Diagnosis, data: Dataset, counts: dict[str, int], nodes: dict[str, list[Bilingual]]
) -> dict[str, pl.DataFrame]:
    """The three tables as people read them: headers in both languages, values in words."""
    from feidi.diagnosis._catalogue import service_by_id
    from feidi.diagnosis._words import missing_words
    from feidi.rules import load_rulebook

    tiers = load_rulebook(d.ladder).tiers

    names = dict(
        data.firms.select("credit_code", "name").iter_rows() if "name" in data.firms.columns else ()
    )
    raised: dict[str, list[str]] = {}
    for code, flag in (
        d.flags.filter(pl.col("status") == "raised").select("credit_code", "flag").rows()
    ):
        raised.setdefault(code, []).append(both(FLAGS[flag]))
    services: dict[str, list[str]] = {}
    for code, sid, rank in d.recommendations.select("credit_code", "service", "rank").rows():
        s = service_by_id(sid)
        services.setdefault(code, []).append(f"{rank}. {s.name} / {s.name_en}")
    diagnoses = []
    for row in d.types.iter_rows(named=True):
        code = row["credit_code"]
        open_ = not row["decided"]
        nxt = tiers.get(row["next_tier"] or "")
        diagnoses.append(
            {
                "统一社会信用代码 / Credit code": code,
                "企业名称 / Name": names.get(code),
                "类型 / Type": both(TYPES[row["type"]] if row["type"] else UNDECIDED),
                "可能类型 / Possible types": "、".join(TYPES[t][0] for t in row["possible"])
                + " / "
                + ", ".join(TYPES[t][1] for t in row["possible"])
                if open_
                else "",
                "缺失数据 / Missing inputs": both(missing_words(d.rulebook, row["missing"]))
                if row["missing"]
                else "",
                "类型依据": row["why_zh"],
                "Why this type": row["why_en"],
                "挂接产业链环节 / Chain nodes": _nodes_text(code, counts, nodes),
                "红旗 / Red flags": "；".join(raised.get(code, [])),
                "下一梯度 / Next tier": both((nxt.name, nxt.name_en)) if nxt else "",
                "推荐服务 / Services": "；".join(services.get(code, [])),
            }
        )
    flags = [
        {
            "统一社会信用代码 / Credit code": code,
            "企业名称 / Name": names.get(code),
            "红旗 / Flag": both(FLAGS[flag]),
            "状态 / Status": both(FLAG_STATUS[status]),
            "证据": zh,
            "Evidence": en,
        }
        for code, flag, status, zh, en in d.flags.rows()
    ]
    recommendations = []
    for code, sid, rank, points, zh, en in d.recommendations.select(
        "credit_code", "service", "rank", "points", "reason_zh", "reason_en"
    ).rows():
        s = service_by_id(sid)
        recommendations.append(
            {
                "统一社会信用代码 / Credit code": code,
                "企业名称 / Name": names.get(code),
                "排序 / Rank": rank,
                "服务 / Service": f"{s.name} / {s.name_en}",
                "分值 / Points": points,
                "理由": zh,
                "Reason": en,
            }
        )
    return {
        "diagnoses": _frame(diagnoses, _DIAGNOSIS_COLUMNS),
        "flags": _frame(flags, _FLAG_COLUMNS),
        "recommendations": _frame(recommendations, _RECOMMENDATION_COLUMNS),
    }


_DIAGNOSIS_COLUMNS = (
    "统一社会信用代码 / Credit code",
    "企业名称 / Name",
    "类型 / Type",
    "可能类型 / Possible types",
    "缺失数据 / Missing inputs",
    "类型依据",
    "Why this type",
    "挂接产业链环节 / Chain nodes",
    "红旗 / Red flags",
    "下一梯度 / Next tier",
    "推荐服务 / Services",
)
_FLAG_COLUMNS = (
    "统一社会信用代码 / Credit code",
    "企业名称 / Name",
    "红旗 / Flag",
    "状态 / Status",
    "证据",
    "Evidence",
)
_RECOMMENDATION_COLUMNS = (
    "统一社会信用代码 / Credit code",
    "企业名称 / Name",
    "排序 / Rank",
    "服务 / Service",
    "分值 / Points",
    "理由",
    "Reason",
)
_INTS = {"排序 / Rank", "分值 / Points"}


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pl.DataFrame:
    schema = {c: (pl.Int64 if c in _INTS else pl.String) for c in columns}
    return pl.DataFrame(rows, schema=schema)


def write_diagnosis(tables: dict[str, pl.DataFrame], out: Path) -> None:
    """One .xlsx with a sheet per table, or a folder with a CSV per table; each file whole or
    not at all (written to a temporary file, then moved into place)."""
    if out.suffix.lower() == ".xlsx":
        import xlsxwriter

        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".xlsx", dir=out.parent)
        os.close(fd)
        try:
            with xlsxwriter.Workbook(tmp) as wb:
                for name in FILES:
                    tables[name].write_excel(
                        wb,
                        worksheet=SHEETS[name],
                        autofit=True,
                        header_format={"bold": True},
                        freeze_panes=(1, 0),
                    )
            os.replace(tmp, out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return
    out.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        path = out / f"{name}.csv"
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".csv", dir=out)
        os.close(fd)
        try:
            tables[name].write_csv(tmp, include_bom=True)  # Excel opens UTF-8 with a BOM as such
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _summary(d: Diagnosis, n_mounted: int) -> None:
    from feidi.diagnosis._catalogue import load_services

    firms = d.types.height
    console.print(
        f"{firms:,} 家企业，评价日 {d.as_of}，梯度规则 {d.ladder}，{n_mounted:,} 家可挂接产业链"
        f" / {firms:,} firms as of {d.as_of}, ladder {d.ladder}, {n_mounted:,} with a code or products"
    )
    types = Counter(d.types["type"].to_list())
    table = Table(title="类型 / types")
    table.add_column("类型 / type")
    table.add_column("企业 / firms", justify="right")
    for t in TYPES:
        table.add_row(both(TYPES[t]), f"{types.get(t, 0):,}")
    table.add_row(both(UNDECIDED), f"{types.get(None, 0):,}")
    console.print(table)
    counts = Counter(d.flags.select("flag", "status").rows())
    table = Table(title="红旗 / red flags")
    table.add_column("红旗 / flag")
    table.add_column("已触发 / raised", justify="right")
    table.add_column("待定 / unknown", justify="right")
    for f in FLAGS:
        table.add_row(
            both(FLAGS[f]),
            f"{counts.get((f, 'raised'), 0):,}",
            f"{counts.get((f, 'unknown'), 0):,}",
        )
    console.print(table)
    recs = d.recommendations
    suited = Counter(recs["service"].to_list())
    first = Counter(recs.filter(pl.col("rank") == 1)["service"].to_list())
    table = Table(title="推荐服务 / services recommended")
    table.add_column("服务 / service")
    table.add_column("适合企业 / firms", justify="right")
    table.add_column("首选 / ranked first", justify="right")
    for s in sorted(load_services(), key=lambda s: (-suited.get(s.id, 0), s.id)):
        table.add_row(
            f"{s.name} / {s.name_en}", f"{suited.get(s.id, 0):,}", f"{first.get(s.id, 0):,}"
        )
    console.print(table)


def diagnose_cmd(
    input: Annotated[
        Path,
        typer.Argument(
            help="企业名录 CSV / XLSX / Parquet（同 feidi evaluate，含主导产品）"
            " / registry file, as feidi evaluate reads it (with 主导产品)",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="输出文件夹（三个 CSV）或 .xlsx（三个工作表）/ an output folder or .xlsx",
            show_default=False,
        ),
    ],
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of", help="评价日期 YYYY-MM-DD / evaluation date (上年度 = its year − 1)"
        ),
    ] = date.today().isoformat(),  # noqa: DTZ011 - a CLI default, shown in --help
    ladder: Annotated[
        str | None,
        typer.Option(
            "--ladder",
            help="梯度规则集（默认：评价日有效的国家规则）/ ladder rulebook (default: the national one in force)",
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="XLSX 工作表名 / XLSX sheet name")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", help="把输入检查报告写入文件 (.csv/.xlsx/.json) / write the input report"
        ),
    ] = None,
) -> None:
    """诊断每家企业（落后 / 中间 / 先锋分子、红旗）并推荐服务 / diagnose every firm and recommend services."""
    from feidi.diagnosis._diagnose import diagnose
    from feidi.diagnosis._ladder import ladder_in_force
    from feidi.io import InputError, read_dataset, write_report
    from feidi.rules import RulebookError, load_rulebook
    from feidi.schema import Field

    suffix = out.suffix.lower()
    if suffix not in ("", ".xlsx") and not out.is_dir():
        err.print(
            f"[red]输出应为文件夹或 .xlsx / the output is a folder or an .xlsx, not {suffix}[/red]"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    day = as_of_date(as_of)
    try:
        book = load_rulebook(ladder or ladder_in_force(day))
    except RulebookError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    # a province's own inputs (山东 sd_key_industry …) are read as the ladder declares them
    extra = tuple(f for f in book.inputs if isinstance(f, Field))
    try:
        data, checked = read_dataset(input, extra_fields=extra, sheet=sheet)
    except InputError as exc:
        refuse(exc.report, report, ("诊断", "diagnosed"))
    if checked.warnings:
        show_report(checked, limit=10)
    if report:
        write_report(checked, report)
    counts, nodes = chain_nodes_of(data)
    d = diagnose(data, as_of=day, chain_nodes=counts, ladder=ladder)
    write_diagnosis(_tables(d, data, counts, nodes), out)
    _summary(d, len(counts))
    console.print(f"结果 / written: {out}")
