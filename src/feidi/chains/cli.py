"""``feidi chains …`` — list the chains, show one, mount a file of firms on them.

Registered in :mod:`feidi.cli` as a sub-command group. Each command parses its arguments,
makes one call into :mod:`feidi.chains` and formats the result. Exit codes as ``feidi``'s:
0 done; 2 bad input (every problem listed with file, row, column and reason; nothing written).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from feidi.io import InputError, InputReport
from feidi.io._issues import IssueLog
from feidi.io._read import ROW, UnreadableFileError, read_raw
from feidi.schema import normalise_header

__all__ = ["chains_app", "read_corrections", "read_firm_texts"]

chains_app = typer.Typer(
    help="产业链：列出、查看、把企业挂到环节上 / industry chains: list, show, mount firms on nodes.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)
EXIT_BAD_INPUT = 2

#: Headers (as :func:`feidi.schema.normalise_header` folds them) → the column they fill.
FIRM_HEADERS: dict[str, str] = {
    **dict.fromkeys(("id", "编号", "企业编号", "统一社会信用代码", "信用代码", "creditcode"), "id"),
    **dict.fromkeys(
        ("industrycode", "行业代码", "国民经济行业代码", "所属行业代码", "行业分类代码"),
        "industry_code",
    ),
    **dict.fromkeys(
        (
            "text",
            "description",
            "文本",
            "描述",
            "主导产品",  # the registry's field (feidi.schema main_products)
            "mainproducts",
            "主营产品",
            "主要产品",
            "主营业务",
            "经营范围",
            "产品",
            "业务描述",
            "简介",
        ),
        "text",
    ),
}
CORRECTION_HEADERS: dict[str, str] = {
    **dict.fromkeys(("id", "编号", "企业编号", "统一社会信用代码", "信用代码", "creditcode"), "id"),
    **dict.fromkeys(("node", "环节"), "node"),
    **dict.fromkeys(("action", "动作", "操作", "更正"), "action"),
    **dict.fromkeys(("by", "更正人", "操作人"), "by"),
    **dict.fromkeys(("note", "备注", "说明"), "note"),
}
_OUTPUTS = (".csv", ".xlsx", ".parquet", ".jsonl")


def _columns(headers: tuple[str, ...], known: dict[str, str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for i, header in enumerate(headers):
        name = known.get(normalise_header(header))
        if name:
            found.setdefault(name, []).append(i)
    return found


def _unreadable(path: Path, exc: UnreadableFileError) -> InputError:
    log = IssueLog(path.name)
    log.add("error", exc.code, exc.reason)
    return InputError(log.report())


def read_firm_texts(path: Path, sheet: str | None = None) -> pl.DataFrame:
    """A CSV / XLSX / Parquet file of firms → ``id`` (text), ``industry_code`` (normalised),
    ``text`` (every text column, joined by ``；``), checked: ``InputError`` lists every
    problem with its row, column and reason."""
    from feidi.chains._mount import normalise_code

    try:
        raw = read_raw(path, FIRM_HEADERS, sheet=sheet)
    except UnreadableFileError as exc:
        raise _unreadable(path, exc) from None
    log = IssueLog(path.name)
    where = _columns(raw.headers, FIRM_HEADERS)
    if "id" not in where:
        log.add(
            "error",
            "chains.no_id",
            ("缺少 id（编号或统一社会信用代码）列", "no id column (id, 编号 or 统一社会信用代码)"),
        )
    if "industry_code" not in where and "text" not in where:
        log.add(
            "error",
            "chains.no_evidence",
            (
                "至少需要行业代码列或文本列（主营产品、经营范围…）",
                "need an industry code column or a text column (主营产品, 经营范围 …)",
            ),
        )
    if log.has_errors:
        raise InputError(log.report(rows=raw.data.height))
    data = raw.data
    id_col, id_header = f"c{where['id'][0]}", raw.headers[where["id"][0]]
    ids = data[id_col].cast(pl.String)
    rows = data[ROW].to_list()
    seen: dict[str, int] = {}
    for row, value in zip(rows, ids.to_list(), strict=True):
        if value is None:
            log.add(
                "error",
                "chains.id_empty",
                ("id 为空", "the id is empty"),
                row=row,
                column=id_header,
            )
        elif value in seen:
            log.add(
                "error",
                "chains.id_duplicate",
                (f"id 与第 {seen[value]} 行重复", f"the id repeats row {seen[value]}"),
                row=row,
                column=id_header,
                value=value,
            )
        else:
            seen[value] = row
    codes: list[str | None] = [None] * data.height
    if "industry_code" in where:
        code_col = where["industry_code"][0]
        header = raw.headers[code_col]
        cells = data[f"c{code_col}"].cast(pl.String).to_list()
        checked: dict[str, str | None] = {}
        for i, (row, cell) in enumerate(zip(rows, cells, strict=True)):
            if cell is None:
                continue
            if cell not in checked:
                try:
                    checked[cell] = normalise_code(cell)
                except ValueError:
                    checked[cell] = None
            if checked[cell] is None:
                log.add(
                    "error",
                    "chains.code",
                    ("不是 GB/T 4754-2017 的行业代码", "not a GB/T 4754-2017 industry code"),
                    row=row,
                    column=header,
                    value=cell,
                )
            codes[i] = checked[cell]
    if log.has_errors:
        raise InputError(log.report(rows=data.height, firms=len(seen)))
    text = pl.lit(None, dtype=pl.String)
    if "text" in where:
        parts = [pl.col(f"c{i}").cast(pl.String) for i in where["text"]]
        text = pl.concat_str(parts, separator="；", ignore_nulls=True).replace("", None)
    return data.select(
        ids.alias("id"), pl.Series("industry_code", codes, dtype=pl.String), text.alias("text")
    )


def read_corrections(path: Path, sheet: str | None = None) -> pl.DataFrame:
    """A file of corrections (``id``, ``node``, ``action``, optional ``by``, ``note``),
    oldest first, checked like :func:`read_firm_texts`."""
    from feidi.chains._corrections import ACTIONS
    from feidi.chains._model import split_node_ref

    try:
        raw = read_raw(path, CORRECTION_HEADERS, sheet=sheet)
    except UnreadableFileError as exc:
        raise _unreadable(path, exc) from None
    log = IssueLog(path.name)
    where = _columns(raw.headers, CORRECTION_HEADERS)
    for name in ("id", "node", "action"):
        if name not in where:
            log.add("error", "chains.column", (f"缺少 {name} 列", f"no {name} column"))
    if log.has_errors:
        raise InputError(log.report(rows=raw.data.height))
    data = raw.data.select(
        ROW, *[pl.col(f"c{cols[0]}").cast(pl.String).alias(name) for name, cols in where.items()]
    )
    for row in data.iter_rows(named=True):
        if row["id"] is None:
            log.add("error", "chains.id_empty", ("id 为空", "the id is empty"), row=row[ROW])
        try:
            split_node_ref(row["node"] or "")
        except ValueError:
            log.add(
                "error",
                "chains.node",
                ("环节应写作「产业链/环节」", "a node is written chain/node"),
                row=row[ROW],
                column=raw.headers[where["node"][0]],
                value=row["node"],
            )
        if row["action"] not in ACTIONS:
            allowed = " / ".join(ACTIONS)
            log.add(
                "error",
                "chains.action",
                (f"动作应是 {allowed} 之一", f"the action is one of {allowed}"),
                row=row[ROW],
                column=raw.headers[where["action"][0]],
                value=row["action"],
            )
    if log.has_errors:
        raise InputError(log.report(rows=data.height))
    return data.drop(ROW)


def _show_problems(report: InputReport, limit: int = 30) -> None:
    err.print(f"[red]{report.summary()}[/red]")
    for issue in report.errors[:limit]:
        place = ", ".join(
            p for p in (f"row {issue.row}" if issue.row else "", issue.column or "") if p
        )
        value = f" {issue.value!r}" if issue.value is not None else ""
        err.print(f"  {place}{value}: {issue.bilingual}")


def _write(frame: pl.DataFrame, path: Path) -> None:
    """Write by suffix, whole or not at all (a temporary file moved into place)."""
    suffix = path.suffix.lower()
    flat = frame.with_columns(pl.col("keywords").list.join("、"))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".parquet":
            frame.write_parquet(tmp)
        elif suffix == ".jsonl":
            frame.write_ndjson(tmp)
        elif suffix == ".xlsx":
            flat.write_excel(tmp, worksheet="挂接 mounts", autofit=True)
        else:
            flat.write_csv(tmp, include_bom=True)  # Excel opens UTF-8 with a BOM as such
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@chains_app.command("list")
def list_cmd() -> None:
    """列出产业链 / list the chains."""
    from feidi.chains import load_chains

    table = Table()
    for col in ("id", "产业链 / chain", "环节 / nodes (上·中·下)", "边 / edges", "依据 / sources"):
        table.add_column(col, overflow="fold")
    for chain in load_chains():
        counts = [
            sum(1 for n in chain.nodes if n.position == p)
            for p in ("upstream", "midstream", "downstream")
        ]
        table.add_row(
            chain.id,
            f"{chain.name}\n{chain.name_en}",
            f"{len(chain.nodes)} ({'·'.join(map(str, counts))})",
            str(len(chain.edges)),
            "\n".join(f"《{s.title}》{s.document}" for s in chain.sources),
        )
    console.print(table)


@chains_app.command("show")
def show_cmd(
    chain_id: Annotated[str, typer.Argument(help="产业链 id 或 YAML 文件 / chain id or YAML file")],
) -> None:
    """查看一条产业链的环节与上下游 / show a chain's nodes and edges."""
    from feidi.chains import ChainError, load_chain

    try:
        chain = load_chain(chain_id)
    except ChainError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    console.print(f"[bold]{chain.name} / {chain.name_en}[/bold] ({chain.id})")
    table = Table()
    for col in (
        "位置 / position",
        "id",
        "环节 / node",
        "行业代码 / codes",
        "关键词 / keywords",
        "供给 / supplies",
    ):
        table.add_column(col, overflow="fold")
    for node in chain.nodes:
        table.add_row(
            node.position,
            node.id,
            f"{node.name}\n{node.name_en}",
            " ".join(node.codes),
            "、".join(node.keywords),
            ", ".join(n.id for n in chain.customers(node.id)),
        )
    console.print(table)
    for source in chain.sources:
        console.print(f"· {source.citation()} — {source.used_for}")
    if chain.synthesis[0]:
        console.print(f"{chain.synthesis[0]}\n{chain.synthesis[1]}")


@chains_app.command("mount")
def mount_cmd(
    input: Annotated[
        Path,
        typer.Argument(
            help="企业文件 CSV / XLSX / Parquet：id、行业代码、文本 / firms: id, industry_code, text",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="输出 .csv / .xlsx / .parquet / .jsonl / output file",
            show_default=False,
        ),
    ],
    corrections: Annotated[
        Path | None,
        typer.Option(
            "--corrections",
            help="人工更正文件：id、node、action(confirm/reject/add) / staff corrections",
        ),
    ] = None,
    min_confidence: Annotated[
        float,
        typer.Option(
            "--min-confidence", help="只输出置信度不低于此值的挂接 / keep mounts at least this sure"
        ),
    ] = 0.0,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="XLSX 工作表名 / XLSX sheet name")
    ] = None,
) -> None:
    """把企业挂到产业链环节上 / mount firms on chain nodes (code + text, with evidence)."""
    from feidi.chains import apply_corrections_frame, mount_frame, with_words

    if out.suffix.lower() not in _OUTPUTS:
        err.print(
            f"[red]不支持的输出格式 / unsupported output {out.suffix or '(none)'}: use {', '.join(_OUTPUTS)}[/red]"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        firms = read_firm_texts(input, sheet)
        fixes = read_corrections(corrections) if corrections else None
    except InputError as exc:
        _show_problems(exc.report)
        err.print(
            "[red]输入有错误，未写出任何结果 / the input has errors: nothing was written[/red]"
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None
    long = mount_frame(firms, min_confidence=min_confidence)
    if fixes is not None:
        long = apply_corrections_frame(long, fixes)
    _write(with_words(long), out)
    _summary(firms, long)
    console.print(f"结果 / written: {out}")


def _summary(firms: pl.DataFrame, long: pl.DataFrame) -> None:
    from feidi.chains import load_chains

    names: dict[str, Any] = {c.id: c for c in load_chains()}
    mounted = long["id"].n_unique()
    console.print(
        f"{firms.height:,} 家企业，{mounted:,} 家挂到至少一个环节，共 {long.height:,} 条挂接"
        f" / {firms.height:,} firms, {mounted:,} on at least one node, {long.height:,} mounts"
    )
    table = Table()
    for col in ("产业链 / chain", "企业 / firms", "挂接 / mounts", "置信度≥0.5 / sure mounts"):
        table.add_column(col)
    per = (
        long.group_by("chain")
        .agg(
            pl.col("id").n_unique().alias("firms"),
            pl.len().alias("mounts"),
            (pl.col("confidence") >= 0.5).sum().alias("sure"),
        )
        .sort("chain")
    )
    for chain, n_firms, n_mounts, sure in per.iter_rows():
        chain_obj = names.get(chain)
        label = f"{chain_obj.name} / {chain_obj.name_en}" if chain_obj else chain
        table.add_row(label, f"{n_firms:,}", f"{n_mounts:,}", f"{sure:,}")
    console.print(table)
