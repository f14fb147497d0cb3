"""``feidi schedule`` — an event's optimal 1:1 meeting schedule, or its rescheduling.

Registered in :mod:`feidi.cli`. Parses the files and options, makes one call into
:mod:`feidi.schedule` and writes the meetings. Exit codes as ``feidi``'s: 0 done; 2 bad
input (every problem listed with file, row, column and reason; nothing written).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import polars as pl
import typer
from rich.console import Console

from feidi.io import InputError, InputReport
from feidi.schedule._greedy import greedy_schedule
from feidi.schedule._model import (
    DEFAULT_TIME_LIMIT,
    Event,
    Meeting,
    Request,
    Schedule,
    ScheduleError,
)
from feidi.schedule._read import read_availability, read_meetings, read_requests

__all__ = ["schedule_cmd"]

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)
EXIT_BAD_INPUT = 2
_OUTPUTS = (".csv", ".xlsx", ".parquet")
T = TypeVar("T")


def schedule_cmd(
    requests: Annotated[
        Path,
        typer.Argument(
            help="约见请求 CSV/XLSX/Parquet：request_id, requester, invitee, priority"
            " / the meeting requests",
            show_default=False,
        ),
    ],
    slots: Annotated[int, typer.Option("--slots", help="时段数 N（1..N）/ time slots")],
    tables: Annotated[int, typer.Option("--tables", help="桌数 T（1..T）/ tables")],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="输出日程 .csv/.xlsx/.parquet：request_id, slot, table / the schedule",
        ),
    ],
    availability: Annotated[
        Path | None,
        typer.Option(
            "--availability",
            "-a",
            help="可参会时段：participant, slot，每个可参会时段一行；没有行的人全天有空"
            " / one row per slot a participant can attend; no rows = free all day",
        ),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="原日程（request_id, slot, table），据此重新排期、尽量少调整"
            " / a previous schedule: reschedule it, moving as few meetings as possible",
        ),
    ] = None,
    cancel: Annotated[
        list[str] | None,
        typer.Option("--cancel", help="取消的约见编号，可重复 / a cancelled request (repeatable)"),
    ] = None,
    withdraw: Annotated[
        list[str] | None,
        typer.Option(
            "--withdraw", help="退出的参会人，可重复 / a withdrawn participant (repeatable)"
        ),
    ] = None,
    close_table: Annotated[
        list[int] | None,
        typer.Option("--close-table", help="撤掉的桌号，可重复 / a removed table (repeatable)"),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="求解时限（秒；重新排期的两步各用此时限）/ seconds for the solver (each of"
            " a rescheduling's two stages)",
        ),
    ] = DEFAULT_TIME_LIMIT,
    gap: Annotated[
        float,
        typer.Option(
            "--gap",
            help="与上界的相对差距达到此值即停止，如 0.01 / stop once within this relative gap"
            " of the bound, e.g. 0.01",
        ),
    ] = 0.0,
) -> None:
    """排出 1:1 约见日程（最优，CP-SAT）/ the optimal 1:1 meeting schedule of an event."""
    _check_options(slots, tables, output, time_limit, gap)
    # Every file is checked before anything is refused, so one run lists all the problems.
    asked = _read(lambda: read_requests(requests))
    people = {p for r in asked or () for p in r.pair}
    free = (
        _read(lambda: read_availability(availability, slots=slots, participants=people))
        if availability is not None
        else {}
    )
    before = (
        _read(lambda: read_meetings(previous, requests=asked))
        if previous is not None and asked is not None
        else ()
    )
    if asked is None or free is None or before is None:
        _refuse()
    event = _event(asked, slots, tables, free, cancel or [], withdraw or [], close_table or [])

    # OR-Tools loads here, not with the CLI: `feidi evaluate` does not pay for it.
    from feidi.schedule._reschedule import reschedule
    from feidi.schedule._solve import schedule_meetings

    started = time.perf_counter()
    result = None
    if previous is None:
        schedule = schedule_meetings(event, time_limit=time_limit, relative_gap=gap)
    else:
        result = reschedule(event, before, time_limit=time_limit, relative_gap=gap)
        schedule = result.schedule
    seconds = time.perf_counter() - started
    _write(schedule.meetings, output)
    _summary(event, schedule, seconds)
    if result is not None:
        proof = (
            "已证明最少 proven fewest" if result.changes_minimal else "未证明最少 not proven fewest"
        )
        console.print(
            f"重新排期 rescheduled: 保留 kept {len(result.kept)}, 调整 moved {len(result.moved)},"
            f" 不再排入 dropped {len(result.dropped)}, 已取消 cancelled {len(result.cancelled)}"
            f" ({proof})",
            soft_wrap=True,
            markup=False,
        )
    console.print(f"已写出 written: {output}", soft_wrap=True, markup=False)


def _check_options(slots: int, tables: int, output: Path, time_limit: float, gap: float) -> None:
    problems = []
    if slots < 1:
        problems.append(f"--slots 须至少为 1 / --slots must be at least 1, got {slots}")
    if tables < 1:
        problems.append(f"--tables 须至少为 1 / --tables must be at least 1, got {tables}")
    if output.suffix.lower() not in _OUTPUTS:
        problems.append(
            f"输出文件须为 {'/'.join(_OUTPUTS)} / the output must be {', '.join(_OUTPUTS)},"
            f" got {output.name}"
        )
    if not time_limit > 0:
        problems.append(f"--time-limit 须大于 0 / --time-limit must be above 0, got {time_limit}")
    if not 0 <= gap < 1:
        problems.append(f"--gap 须在 [0, 1) 之内 / --gap must be in [0, 1), got {gap}")
    for problem in problems:
        err.print(f"[red]{problem}[/red]", soft_wrap=True)
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)


def _read(read: Callable[[], tuple[T, InputReport]]) -> T | None:
    """Run one reader: its result, with its warnings shown; or None, with its errors shown."""
    try:
        value, report = read()
    except InputError as exc:
        _show(exc.report)
        return None
    _show(report)
    return value


def _show(report: InputReport) -> None:
    """Each issue on its own line: file, row, column, value, reason in both languages."""
    for issue in (*report.errors, *report.warnings):
        style = "red" if issue.severity == "error" else "yellow"
        label = "错误 error" if issue.severity == "error" else "警告 warning"
        where = ", ".join(
            part
            for part in (
                f"第 {issue.row} 行 row {issue.row}" if issue.row is not None else "",
                f"列 column {issue.column}" if issue.column else "",
                f"值 value {issue.value!r}" if issue.value is not None else "",
            )
            if part
        )
        line = f"{label}: {issue.file}" + (f", {where}" if where else "") + f": {issue.bilingual}"
        err.print(line, style=style, soft_wrap=True, markup=False)
    more = sum(report.truncated.values())
    if more:
        err.print(f"… 另有 {more} 条同类问题 / {more} more of the same", soft_wrap=True)


def _refuse(*reason: str) -> NoReturn:
    for line in reason:
        err.print(line, style="red", soft_wrap=True, markup=False)
    err.print(
        "输入有错误，未排期、未写出任何结果 / the input has errors: nothing was scheduled or written",
        style="red",
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_BAD_INPUT)


def _event(
    requests: Sequence[Request],
    slots: int,
    tables: int,
    availability: dict[str, frozenset[int]],
    cancel: Sequence[str],
    withdraw: Sequence[str],
    close: Sequence[int],
) -> Event:
    """The event after the changes given on the command line; each must name something."""
    ids = {r.request_id for r in requests}
    people = {p for r in requests for p in r.pair} | set(availability)
    problems = [
        f"--cancel {rid!r}: 约见请求中没有这个编号 / no request has this request_id"
        for rid in cancel
        if rid not in ids
    ] + [
        f"--withdraw {person!r}: 约见请求与可参会时段中都没有这位参会人"
        " / no request or availability row names this participant"
        for person in withdraw
        if person not in people
    ]
    if problems:
        _refuse(*problems)
    try:
        event = Event(tuple(requests), slots, tables, availability)
        return event.without(requests=cancel, participants=withdraw, tables=close)
    except ScheduleError as exc:
        _refuse(f"{exc.reason[0]} / {exc.reason[1]}")


def _write(meetings: Sequence[Meeting], output: Path) -> None:
    frame = pl.DataFrame(
        {
            "request_id": [m.request_id for m in meetings],
            "slot": [m.slot for m in meetings],
            "table": [m.table for m in meetings],
        },
        schema={"request_id": pl.String, "slot": pl.Int64, "table": pl.Int64},
    ).sort("slot", "table")
    suffix = output.suffix.lower()
    output.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.write_csv(output)
    elif suffix == ".xlsx":
        frame.write_excel(output, worksheet="schedule", autofit=True)
    else:
        frame.write_parquet(output)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.10g}"


def _summary(event: Event, schedule: Schedule, seconds: float) -> None:
    """Objective, bound and gap — and the greedy baseline's objective beside them."""
    greedy = greedy_schedule(event)
    status = (
        "最优 optimal" if schedule.status == "optimal" else "可行，未证明最优 feasible, not proven"
    )
    lines = [
        f"约见 meetings: {len(schedule.meetings)} / {len(event.requests)} 个请求 requests"
        f" ({event.slots} 个时段 slots × {len(event.open_tables)} 张桌 tables)",
        f"目标值 objective: {_number(schedule.objective)}",
        f"上界 bound: {_number(schedule.bound)}",
        f"差距 gap: {100 * schedule.gap:.2f}% ({status})",
    ]
    if schedule.objective > 0:
        short = (schedule.objective - greedy.objective) / schedule.objective
        lines.append(
            f"贪心基线 greedy baseline: {_number(greedy.objective)}"
            f" ({100 * short:.2f}% 低于本日程 / below this schedule)"
        )
    lines.append(f"用时 time: {seconds:.1f} s")
    for line in lines:
        console.print(line, soft_wrap=True, markup=False)
