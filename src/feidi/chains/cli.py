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
from typer.core import TyperGroup

from feidi.io import InputError, InputReport
from feidi.io._issues import IssueLog
from feidi.io._read import ROW, UnreadableFileError, read_raw
from feidi.schema import normalise_header

__all__ = ["chains_app", "read_corrections", "read_firm_texts", "read_firms"]


class _InputFirstGroup(TyperGroup):
    """``feidi chains INPUT -o OUT`` means ``feidi chains gaps INPUT -o OUT``: a first argument
    that is neither a sub-command nor an option is the input file of ``gaps``, so ``list``,
    ``show`` and ``mount`` keep their names (a file called ``list`` is ``gaps list``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own vendored Context
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["gaps", *args]
        return super().parse_args(ctx, args)


chains_app = typer.Typer(
    cls=_InputFirstGroup,
    help="产业链：列出、查看、挂接企业、环节强度与缺口（feidi chains INPUT -o OUT）"
    " / industry chains: list, show, mount firms, node strength and gaps (feidi chains INPUT -o OUT).",
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
#: Optional figures for ``feidi chains INPUT -o OUT`` (strength and gaps).
FIGURE_HEADERS: dict[str, str] = {
    **dict.fromkeys(("name", "企业名称", "名称"), "name"),
    **dict.fromkeys(("revenue", "营业收入", "营收", "营业总收入"), "revenue"),
    **dict.fromkeys(("rdexpense", "研发费用", "研发投入", "研发经费"), "rd_expense"),
    **dict.fromkeys(("tier", "梯度", "梯度层级", "梯度培育层级"), "tier"),
    **dict.fromkeys(("enclave", "飞地企业", "飞地", "是否飞地企业"), "enclave"),
}
#: A tier cell (as written, lower case, no spaces or quotes) → the ladder's tier.
TIER_WORDS: dict[str, str | None] = {
    **dict.fromkeys(("", "无", "none", "-", "—"), None),
    **dict.fromkeys(("innovative", "创新型", "创新型中小企业"), "innovative"),
    **dict.fromkeys(("specialized", "专精特新", "专精特新中小企业"), "specialized"),
    **dict.fromkeys(
        ("little_giant", "littlegiant", "小巨人", "专精特新小巨人", "专精特新小巨人企业"),
        "little_giant",
    ),
}
BOOL_WORDS: dict[str, bool] = {
    **dict.fromkeys(("", "否", "不是", "false", "no", "n", "0", "0.0"), False),
    **dict.fromkeys(("是", "true", "yes", "y", "1", "1.0"), True),
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
    return _read_firms(path, sheet, figures=False)


def read_firms(path: Path, sheet: str | None = None) -> pl.DataFrame:
    """:func:`read_firm_texts` and, when the file has them, the figures strength reads:
    ``name`` (企业名称), ``revenue`` (营业收入), ``rd_expense`` (研发费用), ``tier`` (梯度:
    创新型 / 专精特新 / 小巨人 or innovative / specialized / little_giant, empty for none),
    ``enclave`` (飞地企业: 是/否, true/false, 1/0). Absent columns are absent from the frame."""
    return _read_firms(path, sheet, figures=True)


def _read_firms(path: Path, sheet: str | None, *, figures: bool) -> pl.DataFrame:
    from feidi.chains._mount import normalise_code

    headers = {**FIRM_HEADERS, **FIGURE_HEADERS} if figures else FIRM_HEADERS
    try:
        raw = read_raw(path, headers, sheet=sheet)
    except UnreadableFileError as exc:
        raise _unreadable(path, exc) from None
    log = IssueLog(path.name)
    where = _columns(raw.headers, headers)
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
    extra = _figures(raw.headers, data, where, log) if figures else []
    if log.has_errors:
        raise InputError(log.report(rows=data.height, firms=len(seen)))
    text = pl.lit(None, dtype=pl.String)
    if "text" in where:
        parts = [pl.col(f"c{i}").cast(pl.String) for i in where["text"]]
        text = pl.concat_str(parts, separator="；", ignore_nulls=True).replace("", None)
    return data.select(
        ids.alias("id"),
        pl.Series("industry_code", codes, dtype=pl.String),
        text.alias("text"),
        *extra,
    )


def _figures(
    headers: tuple[str, ...], data: pl.DataFrame, where: dict[str, list[int]], log: IssueLog
) -> list[pl.Series]:
    """The optional figure columns, each cell checked (problems go to ``log``)."""
    rows = data[ROW].to_list()
    out: list[pl.Series] = []
    for name in ("name", "revenue", "rd_expense", "tier", "enclave"):
        if name not in where:
            continue
        header = headers[where[name][0]]
        cells = data[f"c{where[name][0]}"].cast(pl.String).to_list()
        values: list[Any] = []
        for row, cell in zip(rows, cells, strict=True):
            text = (cell or "").strip()
            value: Any = None
            reason: tuple[str, str] | None = None
            if name == "name":
                value = text or None
            elif name in ("revenue", "rd_expense"):
                if text:
                    try:
                        value = float(text.replace(",", ""))
                    except ValueError:
                        reason = ("不是数字", "not a number")
                    else:
                        if not value >= 0:  # negative, or NaN
                            reason = ("应为非负数", "must be a number at least 0")
            elif name == "tier":
                key = text.lower().replace(" ", "").replace('"', "").replace("“", "")
                key = key.replace("”", "").replace("企业", "") if key not in TIER_WORDS else key
                if key in TIER_WORDS:
                    value = TIER_WORDS[key]
                else:
                    reason = (
                        "梯度应是 创新型 / 专精特新 / 小巨人 或空",
                        "a tier is innovative / specialized / little_giant or empty",
                    )
            elif text.lower() in BOOL_WORDS:
                value = BOOL_WORDS[text.lower()]
            else:
                reason = ("应为 是 / 否", "must be yes / no (是 / 否)")
            if reason:
                log.add("error", f"chains.{name}", reason, row=row, column=header, value=cell)
            values.append(value)
        dtype = {
            "name": pl.String(),
            "revenue": pl.Float64(),
            "rd_expense": pl.Float64(),
            "tier": pl.String(),
            "enclave": pl.Boolean(),
        }[name]
        out.append(pl.Series(name, values, dtype=dtype))
    return out


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


@chains_app.command("gaps")
def gaps_cmd(
    input: Annotated[
        Path,
        typer.Argument(
            help="企业文件：id、行业代码、主营产品，可选 营业收入、研发费用、梯度、飞地企业"
            " / firms: id, industry_code, text, optional revenue, rd_expense, tier, enclave",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="输出文件夹或 .xlsx / an output folder or .xlsx",
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
            "--min-confidence",
            help="计入环节强度的最低置信度 / a mount counts for strength from this confidence",
        ),
    ] = 0.4,
    top: Annotated[
        int, typer.Option("--top", help="每个缺口每类候选的数量 / candidates per gap and action")
    ] = 5,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="XLSX 工作表名 / XLSX sheet name")
    ] = None,
) -> None:
    """环节强度与产业链缺口（填空白、补短板、锻长板…）/ node strength and chain gaps.

    Writes nodes (strength), mountings, gaps and candidates: four CSV files in a folder, or
    four sheets of one .xlsx. Enclave firms (飞地企业) are candidates to attract; local firms
    below the threshold or on linked nodes are candidates to grow.
    """
    from feidi.chains import (
        GAP_TYPES,
        apply_corrections_frame,
        chain_gaps,
        gap_candidates,
        mount_frame,
        node_strength,
        with_words,
    )

    suffix = out.suffix.lower()
    if suffix not in ("", ".xlsx") and not out.is_dir():
        err.print(
            f"[red]输出应为文件夹或 .xlsx / the output is a folder or an .xlsx, not {suffix}[/red]"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        firms = read_firms(input, sheet)
        fixes = read_corrections(corrections) if corrections else None
    except InputError as exc:
        _show_problems(exc.report)
        err.print(
            "[red]输入有错误，未写出任何结果 / the input has errors: nothing was written[/red]"
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None
    long = mount_frame(firms.select("id", "industry_code", "text"))
    if fixes is not None:
        long = apply_corrections_frame(long, fixes)
    strength = node_strength(long, firms, min_confidence=min_confidence)
    enclave = firms["enclave"] if "enclave" in firms.columns else pl.lit(False)
    people = firms.select(
        "id",
        (pl.col("name") if "name" in firms.columns else pl.lit(None, dtype=pl.String)).alias(
            "name"
        ),
        pl.when(enclave)
        .then(pl.lit("enclave_startup"))
        .otherwise(pl.lit("local_firm"))
        .alias("kind"),
    )
    candidates = long.select("id", "node", "confidence", "status").join(people, on="id")
    # a local firm already counted on a node is part of its strength, not a candidate for it
    candidates = candidates.filter(
        (pl.col("kind") != "local_firm")
        | ((pl.col("confidence") < min_confidence) & (pl.col("status") == "auto"))
    )
    gaps = chain_gaps(strength, candidates=candidates, top=top)
    tables = {
        "nodes": ("环节强度 nodes", strength),
        "mountings": ("挂接 mountings", _flat(with_words(long))),
        "gaps": ("缺口 gaps", _flat(gaps.drop("candidates"))),
        "candidates": ("候选 candidates", gap_candidates(gaps)),
    }
    _write_tables(tables, out)
    console.print(
        f"{firms.height:,} 家企业，{long['id'].n_unique():,} 家挂到至少一个环节；"
        f"{gaps.height:,} 个缺口 / {firms.height:,} firms, {long['id'].n_unique():,} mounted;"
        f" {gaps.height:,} gaps"
    )
    per = gaps.group_by("type_zh", "type").len().sort(["len", "type"], descending=[True, False])
    table = Table()
    for col in ("缺口 / gap", "数量 / count"):
        table.add_column(col)
    for zh, kind, n in per.rows():
        table.add_row(f"{zh} / {GAP_TYPES[kind][1]}", f"{n:,}")  # words, not the type's id
    console.print(table)
    console.print(f"结果 / written: {out}")


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """List columns joined by 、 so that CSV and Excel can hold them."""
    return frame.with_columns(
        pl.col(name).list.join("、")
        for name, dtype in frame.schema.items()
        if dtype == pl.List(pl.String)
    )


def _write_tables(tables: dict[str, tuple[str, pl.DataFrame]], out: Path) -> None:
    """One .xlsx with a sheet per table, or a folder with a CSV per table; each file whole or
    not at all (written to a temporary file, then moved into place)."""
    if out.suffix.lower() == ".xlsx":
        import xlsxwriter

        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".xlsx", dir=out.parent)
        os.close(fd)
        try:
            with xlsxwriter.Workbook(tmp) as book:
                for sheet, frame in tables.values():
                    frame.write_excel(book, worksheet=sheet, autofit=True)
            os.replace(tmp, out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, (_, frame) in tables.items():
        path = out / f"{name}.csv"
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".csv", dir=out)
        os.close(fd)
        try:
            frame.write_csv(tmp, include_bom=True)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
