"""``feidi match`` — recommendations between supply and demand files (registered in
:mod:`feidi.cli`).

One call into the core: read and check both files, fit :class:`~feidi.match.MatchRanker` on
one side, recommend for the other, write the matches. Exit codes as the rest of the CLI:
2 for bad input (every problem shown, nothing written).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from feidi.io import InputError, write_report

# The ranker (scikit-learn, bm25s, jieba) is imported when the command runs, not when the
# `feidi` CLI starts: every other command (a province's `feidi evaluate`) would pay seconds.
if TYPE_CHECKING:
    from feidi.match._profiles import Feedback, Profile
    from feidi.match._ranker import Match, MatchRanker

__all__ = ["match_cmd"]


def match_cmd(
    supply: Annotated[
        Path,
        typer.Option(
            "--supply",
            "-s",
            help="供给：技术成果、研发团队、初创项目 / supply file",
            show_default=False,
        ),
    ],
    demand: Annotated[
        Path,
        typer.Option(
            "--demand",
            "-d",
            help="需求：技术需求、应用场景、本地企业 / demand file",
            show_default=False,
        ),
    ],
    top: Annotated[
        int, typer.Option("--top", "-k", help="每条推荐几个 / matches per row", min=1)
    ] = 10,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="输出 .jsonl/.csv/.xlsx/.parquet，每行一个（需求 × 名次）/ one row per demand × rank",
        ),
    ] = None,
    for_side: Annotated[
        str,
        typer.Option(
            "--for",
            help="为哪一方推荐：demand（为需求找供给，默认）或 supply（为供给找需求方）"
            " / rank supply for each demand (default) or demand for each supply",
        ),
    ] = "demand",
    feedback: Annotated[
        Path | None,
        typer.Option(
            "--feedback",
            help="婉拒记录（supply_id, reason, demand_id 或 requester）/ declines that re-rank",
        ),
    ] = None,
    words: Annotated[
        Path | None,
        typer.Option(
            "--words", help="自定义词表，每行一个（如产业链关键词）/ custom words, one a line"
        ),
    ] = None,
    params: Annotated[
        Path | None,
        typer.Option("--params", help="按保存的参数重放 (.json) / replay stored parameters"),
    ] = None,
    save_params: Annotated[
        Path | None,
        typer.Option("--save-params", help="保存本次参数 (.json) / store this run's parameters"),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="输入检查报告 (.csv/.xlsx/.json) / write the input report"),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="线程数，-1 为全部核心 / threads (-1: every core)")
    ] = 1,
    progress: Annotated[bool, typer.Option(help="显示进度条 / show progress")] = True,
) -> None:
    """为需求推荐供给（或反之），附推荐理由 / recommend supply for demand, with reasons."""
    from feidi._console import EXIT_BAD_INPUT, console, err
    from feidi._console import progress as _progress
    from feidi._console import show_report as _show_report
    from feidi.match._io import MATCH_FORMATS, read_feedback, write_matches

    def refuse(message: str) -> typer.Exit:
        err.print(f"[red]{message}[/red]")
        return typer.Exit(EXIT_BAD_INPUT)

    if for_side not in ("demand", "supply"):
        raise refuse(
            f"--for 只能是 demand 或 supply / --for must be demand or supply, got {for_side!r}"
        )
    if output is not None and output.suffix.lower() not in MATCH_FORMATS:
        raise refuse(
            f"不支持的输出格式 / unsupported output format {output.suffix or '(none)'}:"
            f" use {', '.join(MATCH_FORMATS)}"
        )
    ranker = _ranker(params, words, for_side, jobs, refuse)
    started = time.perf_counter()
    with _progress(progress) as bar:
        stage = bar.add_task("读取并检查输入 / reading and checking", total=None)
        offers = _read(supply, report, _show_report, err, EXIT_BAD_INPUT)
        requests = _read(demand, report, _show_report, err, EXIT_BAD_INPUT)
        declines: list[Feedback] = []
        if feedback is not None:
            try:
                declines, _ = read_feedback(feedback)
            except InputError as exc:
                _show_report(exc.report)
                raise refuse(
                    "婉拒记录有错误，未推荐 / the feedback file has errors: nothing was matched"
                ) from None
        indexed, queries = (offers, requests) if for_side == "demand" else (requests, offers)
        bar.update(stage, description=f"建立索引 {len(indexed):,} 条 / indexing")
        ranker.fit(indexed)
        bar.update(stage, description="推荐 / recommending", total=len(queries), completed=0)
        matches = ranker.recommend(
            queries,
            top_k=top,
            feedback=declines,
            progress=lambda n: bar.update(stage, advance=n),
        )
        if output is not None:
            bar.update(stage, description="写出 / writing")
            write_matches(matches, output)
    if save_params is not None:
        save_params.write_text(json.dumps(ranker.to_dict(), ensure_ascii=False, indent=2), "utf-8")
    took = time.perf_counter() - started
    if output is not None:
        console.print(
            f"已写出 / written: {output} — {len(matches):,} 条推荐 / matches for"
            f" {len(queries):,} {'需求' if for_side == 'demand' else '供给'} ({took:.1f} s)"
        )
        return
    _print_matches(matches[:20], console)


def _ranker(
    params: Path | None, words: Path | None, for_side: str, jobs: int, refuse: Any
) -> MatchRanker:
    from feidi.match._ranker import MatchRanker

    ranker = MatchRanker()
    if params is not None:
        try:
            ranker = MatchRanker.from_dict(json.loads(params.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise refuse(
                f"读不了参数文件 / cannot read the parameters {params.name}: {exc}"
            ) from None
    changes: dict[str, Any] = {"index_side": "supply" if for_side == "demand" else "demand"}
    if words is not None:
        try:
            listed = [w.strip() for w in words.read_text("utf-8").splitlines()]
        except (OSError, UnicodeDecodeError) as exc:
            raise refuse(f"读不了词表 / cannot read the word list {words.name}: {exc}") from None
        changes["user_words"] = tuple(w for w in listed if w and not w.startswith("#"))
    if jobs != 1:
        changes["n_jobs"] = jobs
    return ranker.set_params(**changes)  # type: ignore[no-any-return]


def _read(path: Path, report: Path | None, show: Any, err: Any, exit_code: int) -> list[Profile]:
    from feidi.match._io import read_profiles

    try:
        profiles, found = read_profiles(path)
    except InputError as exc:
        show(exc.report)
        if report is not None:
            write_report(exc.report, report)
        err.print(
            "[red]输入有错误，未推荐、未写出任何结果 / the input has errors: nothing was matched"
            " or written[/red]"
        )
        raise typer.Exit(exit_code) from None
    if found.warnings:
        show(found, limit=10)
    return profiles


def _print_matches(matches: list[Match], console: Any) -> None:
    from rich.table import Table

    table = Table(title="推荐（前 20 条，用 -o 写出全部）/ matches (first 20; -o writes all)")
    for col in ("需求 demand", "供给 supply", "名次 rank", "得分 score", "理由 reasons"):
        table.add_column(col, overflow="fold")
    for m in matches:
        table.add_row(
            m.demand_id,
            m.supply_id,
            str(m.rank),
            f"{m.score:.3f}",
            "\n".join(f"{r.zh} / {r.en}" for r in m.reasons[:3]),
        )
    console.print(table)
