"""``feidi`` — the command line (一个入口，中英双语).

Each command parses its arguments, makes one call into the core and formats the result.
Exit codes: 0 done; 2 bad input (the report names file, row, column, value and reason; nothing
is graded or written); 1 an unexpected failure.
"""

from __future__ import annotations

import os

# Polars' allocator (jemalloc) hands freed pages back to the OS almost at once; a province run
# frees and re-takes hundreds of MB per batch, which cost ~10 s of system time. Keeping dirty
# pages for 5 s cut a 1,000,000-firm run from 22 s to 18 s at under 4 GiB peak (bench/RESULTS.md).
# Must be set before Polars loads. Appended: jemalloc lets later options win, and a parent
# process that imported Polars has already put Polars' own defaults in the environment.
_DECAY = "dirty_decay_ms:5000,muzzy_decay_ms:5000"
os.environ["_RJEM_MALLOC_CONF"] = ",".join(
    part for part in (os.environ.get("_RJEM_MALLOC_CONF"), _DECAY) if part
)

import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from feidi import __version__
from feidi._console import EXIT_BAD_INPUT, console, err, refuse
from feidi._console import as_of_date as _date
from feidi._console import progress as _progress
from feidi._console import show_report as _show_report
from feidi.chains.cli import chains_app
from feidi.complexity.cli import complexity_cmd
from feidi.diagnosis.cli import diagnose_cmd
from feidi.io import (
    InputError,
    InputReport,
    read_dataset,
    stream_dataset,
    validate_file,
    write_report,
)
from feidi.io._results import (
    FlatFile,
    OutputFormatError,
    output_format,
    read_flat_records,
    write_records,
    write_results,
)
from feidi.match.cli import match_cmd
from feidi.policy.cli import policies_cmd
from feidi.rules import (
    ENGINES,
    RulebookError,
    available_rulebooks,
    describe,
    evaluate,
    load_rulebook,
    summary_line,
    what_if,
)
from feidi.rules._wording import Lang
from feidi.schedule.cli import schedule_cmd

app = typer.Typer(
    help="飞地 Feidi — 优质中小企业梯度评价（创新型 → 专精特新 → 小巨人）/ SME ladder grading.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
app.add_typer(chains_app, name="chains")
app.command("schedule")(schedule_cmd)
app.command("match")(match_cmd)
app.command("complexity")(complexity_cmd)
app.command("diagnose")(diagnose_cmd)
app.command("policies")(policies_cmd)


# --- shared options -------------------------------------------------------------------------
InputArg = Annotated[
    Path, typer.Argument(help="输入文件 CSV / XLSX / Parquet / input file", show_default=False)
]
RulebookOpt = Annotated[
    str,
    typer.Option(
        "--rulebook", "-r", help="规则集 / rulebook id: " + ", ".join(available_rulebooks())
    ),
]
AsOfOpt = Annotated[
    str,
    typer.Option("--as-of", help="评价日期 YYYY-MM-DD / evaluation date (上年度 = its year − 1)"),
]
TierOpt = Annotated[
    list[str] | None,
    typer.Option("--tier", "-t", help="只评价某一梯度，可重复 / grade only this tier (repeatable)"),
]
EngineOpt = Annotated[
    str, typer.Option("--engine", "-e", help="计算引擎 / engine: polars, duckdb, spark")
]
AcceptOpt = Annotated[
    Path | None,
    typer.Option(
        "--accept-codes",
        help="已接受的不合校验位信用代码清单(每行一个) / file of accepted credit codes that fail the check digit",
    ),
]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="XLSX 工作表名 / XLSX sheet name")]
ReportOpt = Annotated[
    Path | None,
    typer.Option(
        "--report", help="把输入检查报告写入文件 (.csv/.xlsx/.json) / write the input report"
    ),
]
LangOpt = Annotated[str, typer.Option("--lang", help="语言 zh / en")]


def _accepted(path: Path | None) -> set[str]:
    if path is None:
        return set()
    try:
        return {
            line.strip()
            for line in path.read_text("utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        }
    except OSError as exc:
        err.print(f"[red]读不了已接受代码清单 / cannot read {path}: {exc}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _check_rulebook(rulebook: str) -> Any:
    try:
        return load_rulebook(rulebook)
    except RulebookError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _me() -> str:
    """How the user called us, so a suggested command can be pasted as it is."""
    return sys.argv[0] if Path(sys.argv[0]).name == "feidi" else "feidi"


def _read(
    path: Path,
    book: Any,
    accept: Path | None,
    sheet: str | None,
    report_path: Path | None,
    *,
    quiet: bool = False,
) -> Any:
    try:
        data, report = read_dataset(
            path, accepted_codes=_accepted(accept), extra_fields=tuple(book.inputs), sheet=sheet
        )
    except InputError as exc:
        refuse(exc.report, report_path)
    _accept(report, path, report_path, quiet=quiet)
    return data


def _accept(report: InputReport, path: Path, report_path: Path | None, *, quiet: bool) -> None:
    """An input without errors: show its warnings and write the report."""
    if report.warnings and quiet:
        err.print(
            f"[yellow]{len(report.warnings)} 个警告，详见 / warnings, see: {_me()} validate {path}[/yellow]"
        )
    elif report.warnings:
        _show_report(report, limit=10)
    if report_path:
        write_report(report, report_path)


def _advance(bar: Any, n_firms: int) -> Any:
    """A per-firm progress bar; returns the callback that advances it."""
    task = bar.add_task("企业 / firms", total=n_firms)
    return lambda firms: bar.update(task, advance=firms)


def _lang(text: str) -> Lang:
    if text not in ("zh", "en"):
        err.print(f"[red]--lang 只能是 zh 或 en / --lang must be zh or en, got {text!r}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT)
    return "zh" if text == "zh" else "en"


def _engine(name: str) -> Any:
    if name not in ENGINES:
        err.print(f"[red]未知引擎 / unknown engine {name!r}; choose {', '.join(ENGINES)}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT)
    return name


# --- commands ---------------------------------------------------------------------------------
@app.command("evaluate")
def evaluate_cmd(
    input: InputArg,
    rulebook: RulebookOpt = "miit-2022",
    as_of: AsOfOpt = date.today().isoformat(),  # noqa: B008,DTZ011 - a CLI default, shown in --help
    tier: TierOpt = None,
    engine: EngineOpt = "polars",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="输出文件，后缀决定格式 .jsonl/.csv/.parquet/.xlsx / output file; suffix picks the format",
        ),
    ] = None,
    accept_codes: AcceptOpt = None,
    sheet: SheetOpt = None,
    report: ReportOpt = None,
    lang: LangOpt = "zh",
    progress: Annotated[bool, typer.Option(help="显示进度条 / show progress")] = True,
) -> None:
    """评价每家企业的每个梯度 / grade every firm on every tier."""
    as_of_date = _date(as_of)
    book = _check_rulebook(rulebook)
    eng = _engine(engine)
    tiers = tuple(tier) if tier else None
    if tiers:
        bad = [t for t in tiers if t not in book.tiers]
        if bad:
            err.print(
                f"[red]{book.id} 没有梯度 / has no tier {bad}; tiers: {list(book.tiers)}[/red]"
            )
            raise typer.Exit(EXIT_BAD_INPUT)
    if output is not None:
        try:
            output_format(output)
        except OutputFormatError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(EXIT_BAD_INPUT) from None
    started = time.perf_counter()
    with _progress(progress) as bar:
        task = bar.add_task("读取并检查输入 / reading and checking", total=3)
        # Batches of firms are read, checked and graded as they come (a province is never
        # held whole); an input error found on the way stops the grading, and the output,
        # written to a temporary file, is discarded.
        stream = stream_dataset(
            input,
            accepted_codes=_accepted(accept_codes),
            extra_fields=tuple(book.inputs),
            sheet=sheet,
        )
        bar.update(task, advance=1, description=f"评价 {stream.n_firms:,} 家企业 / grading")
        try:
            result = evaluate(stream, book, as_of_date, tiers=tiers, engine=eng)
            bar.update(task, advance=1, description="评价并写出结果 / grading and writing")
            if output is not None:
                # .parquet: the flat layout (one row per firm); the other formats: records
                write_results(
                    result, output, lang=_lang(lang), progress=_advance(bar, result.n_firms)
                )
                frame = None
            else:
                frame = result.records().collect()
        except InputError as exc:
            refuse(exc.report, report)
        bar.update(task, advance=1, description="完成 / done")
    _accept(stream.report, input, report, quiet=False)
    for w in result.warnings:
        err.print(f"[yellow]⚠ {w}[/yellow]")
    if output is not None:
        console.print(f"已写出 / written: {output}  ({time.perf_counter() - started:.1f} s)")
        return
    assert frame is not None
    _print_summary(frame, book, lang)


def _print_summary(frame: pl.DataFrame, book: Any, lang: str, limit: int = 20) -> None:
    counts = frame.group_by("tier", "verdict").len()
    table = Table(title=f"{book.id} — {book.name}")
    table.add_column("梯度 / tier")
    for v in ("pass", "fail", "unknown"):
        table.add_column(
            {"pass": "通过 pass", "fail": "未通过 fail", "unknown": "待定 unknown"}[v],
            justify="right",
        )
    for tid, tier in book.tiers.items():
        row = counts.filter(pl.col("tier") == tid)
        if row.height == 0:
            continue
        n = {r["verdict"]: r["len"] for r in row.iter_rows(named=True)}
        table.add_row(
            tier.name if lang == "zh" else tier.name_en,
            *(f"{n.get(v, 0):,}" for v in ("pass", "fail", "unknown")),
        )
    console.print(table)
    if limit <= 0:
        return
    detail = Table(
        show_lines=False,
        title=f"前 {limit} 条 / first rows (用 -o 写出全部 / use -o for all)",
    )
    detail.add_column("信用代码 / code")
    detail.add_column("企业 / name")
    detail.add_column("结果与路径 / result and path", overflow="fold")
    for r in frame.head(limit).iter_rows(named=True):
        detail.add_row(r["credit_code"], r["name"] or "", summary_line(book, r, lang))  # type: ignore[arg-type]
    console.print(detail)


@app.command("validate")
def validate_cmd(
    input: InputArg,
    accept_codes: AcceptOpt = None,
    sheet: SheetOpt = None,
    report: ReportOpt = None,
    rulebook: Annotated[
        str | None,
        typer.Option(
            "--rulebook",
            "-r",
            help="同时检查该规则集声明的字段 / also check the fields this rulebook declares",
        ),
    ] = None,
) -> None:
    """只检查输入文件 / check an input file only."""
    extra = tuple(_check_rulebook(rulebook).inputs) if rulebook else ()
    rep = validate_file(
        input, accepted_codes=_accepted(accept_codes), extra_fields=extra, sheet=sheet
    )
    _show_report(rep)
    if report:
        write_report(rep, report)
        console.print(f"报告已写出 / report written: {report}")
    if not rep.ok:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("records")
def records_cmd(
    input: Annotated[
        Path,
        typer.Argument(
            help="feidi evaluate 写出的 .parquet 结果 / a .parquet result of feidi evaluate",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="写出逐条记录 .jsonl/.csv/.xlsx / write the records; suffix picks the format",
        ),
    ] = None,
    lang: LangOpt = "zh",
) -> None:
    """把平铺结果还原为逐条记录 / the records of a flat Parquet result."""
    try:
        about = FlatFile.of(input)
        book = load_rulebook(about.rulebook)
        frame = read_flat_records(input, book)
        if output is not None:
            write_records([frame], output, book=book, as_of=about.as_of, lang=_lang(lang))
    except (OSError, ValueError, RulebookError) as exc:  # OutputFormatError is a ValueError
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if output is not None:
        console.print(f"已写出 / written: {output}")
        return
    _print_summary(frame, book, lang)


@app.command("explain")
def explain_cmd(
    input: InputArg,
    credit_code: Annotated[
        list[str],
        typer.Option("--credit-code", "-c", help="企业信用代码，可重复 / credit code (repeatable)"),
    ],
    rulebook: RulebookOpt = "miit-2022",
    as_of: AsOfOpt = date.today().isoformat(),  # noqa: B008,DTZ011
    tier: TierOpt = None,
    lang: LangOpt = "zh",
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="假设分析：字段=值，如 rd_expense@2025=200 或 iso9001=true / what-if: field=value",
        ),
    ] = None,
    accept_codes: AcceptOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """一家企业的完整评价过程 / one firm's full trace (with --set for a what-if)."""
    as_of_date = _date(as_of)
    book = _check_rulebook(rulebook)
    data = _read(input, book, accept_codes, sheet, None, quiet=True)
    tiers = tuple(tier) if tier else None
    changes = _parse_changes(set_ or [])
    known = set(data.firms["credit_code"].to_list())
    for code in credit_code:
        if code not in known:
            err.print(f"[red]文件中没有这家企业 / no firm {code} in {input}[/red]")
            raise typer.Exit(EXIT_BAD_INPUT)
        try:
            result = (
                what_if(data, code, changes, book, as_of_date, tiers=tiers)
                if changes
                else evaluate(_one(data, code), book, as_of_date, tiers=tiers)
            )
        except (KeyError, ValueError) as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        if changes:
            console.print(f"[cyan]假设 / what-if: {changes}[/cyan]")
        for rec in result.records().collect().iter_rows(named=True):
            console.print(describe(book, rec, lang))  # type: ignore[arg-type]
            console.print()


def _one(data: Any, code: str) -> Any:
    from feidi.rules import apply_changes

    return apply_changes(data, code, {})


def _parse_changes(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            err.print(f"[red]--set 需要 字段=值 / --set needs field=value, got {item!r}[/red]")
            raise typer.Exit(EXIT_BAD_INPUT)
        text = value.strip()
        lowered = text.lower()
        parsed: Any
        if lowered in ("true", "是", "yes"):
            parsed = True
        elif lowered in ("false", "否", "no"):
            parsed = False
        else:
            try:
                parsed = float(text)
            except ValueError:
                parsed = text
        out[key.strip()] = parsed
    return out


@app.command("demo")
def demo_cmd(
    out: Annotated[Path, typer.Option("--out", help="输出目录 / output directory")] = Path(
        "out/demo"
    ),
    lang: LangOpt = "zh",
) -> None:
    """生成示例县市（合成数据）并评价 / generate the synthetic demo city and grade it."""
    from feidi.demo import DEMO_AS_OF, write_demo_inputs

    with _progress(True) as bar:
        task = bar.add_task("生成示例县市 / generating the demo city", total=4)
        inputs = write_demo_inputs(out)
        bar.update(
            task, advance=1, description="读取中文表头的 XLSX / reading the Chinese-header XLSX"
        )
        book22 = load_rulebook("miit-2022")
        data, report = read_dataset(inputs["xlsx"])
        bar.update(task, advance=1, description="评价 / grading (miit-2022, miit-2026)")
        written = []
        frames = {}
        for rid in ("miit-2022", "miit-2026"):
            book = load_rulebook(rid)
            result = evaluate(data, book, DEMO_AS_OF)
            frames[rid] = result.records().collect()
            for suffix in (".xlsx", ".jsonl", ".parquet"):
                written.append(
                    write_results(result, out / f"results-{rid}{suffix}", lang=_lang(lang))
                )
        bar.update(task, advance=2, description="完成 / done")
    console.print(
        f"[bold]示例县市（合成数据）/ SYNTHETIC demo city[/bold]: {data.firms.height:,} 家企业, as of {DEMO_AS_OF}"
    )
    console.print(
        f"输入检查 / input check: {len(report.errors)} errors, {len(report.warnings)} warnings"
    )
    _print_summary(frames["miit-2026"], load_rulebook("miit-2026"), lang, limit=10)
    _print_summary(frames["miit-2022"], book22, lang, limit=0)
    console.print("输入 / inputs: " + ", ".join(str(p) for p in inputs.values()))
    console.print("结果 / results: " + ", ".join(str(p) for p in written))
    code = frames["miit-2022"].filter(
        (pl.col("tier") == "specialized") & (pl.col("verdict") == "fail")
    )["credit_code"][0]
    console.print(
        f"试试 / try: {_me()} explain {inputs['xlsx']} -c {code} --as-of {DEMO_AS_OF} --tier specialized"
    )


@app.command("rulebooks")
def rulebooks_cmd() -> None:
    """列出规则集 / list the rulebooks."""
    table = Table()
    for col in ("id", "文件 / document", "生效 / effective", "梯度 / tiers"):
        table.add_column(col)
    for rid in available_rulebooks():
        b = load_rulebook(rid)
        table.add_row(
            rid,
            f"{b.name}（{b.document}）",
            f"{b.effective_from} – {b.effective_to or ''}",
            ", ".join(b.tiers),
        )
    console.print(table)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="版本 / version")] = False,
) -> None:
    if version:
        console.print(f"feidi {__version__}")
        raise typer.Exit()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("已中断 / interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
