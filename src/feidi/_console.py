"""What every `feidi` command shares on the terminal: the two consoles, the exit code of bad
input, the input-problem table and the progress bar — one home, so a capability's CLI
(`feidi match`, `feidi chains` …) need not import `feidi.cli`, which imports them all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from feidi.dates import as_of_problem
from feidi.io import InputReport

__all__ = [
    "EXIT_BAD_INPUT",
    "as_of_date",
    "both",
    "console",
    "err",
    "progress",
    "refuse",
    "show_report",
]

console = Console()
err = Console(stderr=True)
#: Refused input: nothing graded, nothing written (CRITERIA.md, input checks).
EXIT_BAD_INPUT = 2


def show_report(report: InputReport, limit: int = 30) -> None:
    """The problems of a file as a table: level, row, column, value, reason (both languages)."""
    if not report.issues:
        console.print(
            f"[green]✓ {report.file}: {report.rows} 行, {report.firms} 家企业，未发现问题 / no problems[/green]"
        )
        return
    table = Table(
        title=f"{report.file}: {len(report.errors)} 个错误 / errors, {len(report.warnings)} 个警告 / warnings"
    )
    for col in ("级别", "行 row", "列 column", "值 value", "原因 / reason"):
        table.add_column(col, overflow="fold")
    for issue in [*report.errors, *report.warnings][:limit]:
        style = "red" if issue.severity == "error" else "yellow"
        table.add_row(
            f"[{style}]{'错误' if issue.severity == 'error' else '警告'}[/{style}]",
            str(issue.row or ""),
            issue.column or "",
            issue.value or "",
            issue.bilingual,
        )
    console.print(table)
    more = len(report.issues) - limit + sum(report.truncated.values())
    if more > 0:
        console.print(
            f"… 另有 {more} 条，用 --report 写出完整报告 / {more} more: use --report FILE for all"
        )


def both(pair: tuple[str, str]) -> str:
    """A (中文, English) pair as files and the terminal show it: 中文 / English."""
    return f"{pair[0]} / {pair[1]}"


def as_of_date(text: str) -> date:
    """``--as-of`` as a date in the range the platform accepts; else exit 2 saying why."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        err.print(f"[red]日期格式应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD, got {text!r}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    problem = as_of_problem(day)
    if problem:
        err.print(f"[red]{both(problem)}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT)
    return day


def refuse(
    report: InputReport, report_path: Path | None, nothing: tuple[str, str] = ("评价", "graded")
) -> NoReturn:
    """An input with errors: show the problems (and write them to ``report_path``), say that
    nothing was ``nothing`` (评价 / graded, 诊断 / diagnosed …) or written, exit 2."""
    from feidi.io import write_report

    show_report(report)
    if report_path:
        write_report(report, report_path)
    err.print(
        f"[red]输入有错误，未{nothing[0]}、未写出任何结果 / the input has errors: "
        f"nothing was {nothing[1]} or written[/red]"
    )
    raise typer.Exit(EXIT_BAD_INPUT) from None


@contextmanager
def progress(enabled: bool) -> Iterator[Any]:
    """Stages of a long run as a progress bar (read → check → grade → write)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled,
        transient=False,
    ) as bar:
        yield bar
