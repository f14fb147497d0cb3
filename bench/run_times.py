"""Worker time of grading a county in the platform, with where it goes, beside the core alone.

Times ``evaluations.services.evaluation_run_execute`` — what ``feidi-web db_worker`` runs for
an evaluation — on the demo county (staff's division 320581: ``--firms`` local firms and a
tenth as many enclave firms), in this process, ``--runs`` times. The first run of the process
also pays one-time costs (reading every shipped rulebook for the registry's schema, parsing the
run's rulebook) and is reported apart as *cold*; a worker pays them once. Every stage is timed
by wrapping the service's own steps:

* **read** — the firms and fiscal years from the database as the core's ``Dataset``
  (``enterprises.selectors.dataset_for``) and the credit code → id map;
* **core** — waiting for the core's records (``feidi.rules.evaluate`` and its record layout,
  batch by batch; the core lays the next batch out on its threads while the platform stores
  the last one, so this is the part of the core's time that is not hidden behind storing);
* **encode** — records → ``EvaluationRecord`` rows (JSON encoded in Polars);
* **insert** — ``bulk_create`` of the rows;
* **beats** — the progress/heartbeat updates, one per batch and the final one;
* **summarise** — counting the run's aggregates from its records and storing them
  (``evaluations.summaries``), in the transaction that marks the run done;
* **other** — the rest (commits, claiming the run, the firm list).

The baseline, timed in the same process on the same ``Dataset``: the core alone,
``feidi.rules.evaluate(data, book, as_of).records()`` collected, no database.

    .venv/bin/python bench/run_times.py [--runs 3] [--firms 3000] [--data-dir DIR] [--fresh]
    scripts/pg-throwaway .venv/bin/python bench/run_times.py --use-env-database   # PostgreSQL

The demo database is built once (as by ``bench/page_times.py``, whose folder it shares) and
reused; the runs timed here are deleted afterwards. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from page_times import configure, demo_dir, load_demo

DIVISION = "320581"
AS_OF = date(2026, 3, 31)  # the demo's newest grading
STAGES = ("read", "core", "encode", "insert", "beats", "summarise")


class Clock:
    """Seconds spent per stage, by wrapping the functions that do each."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def wrap(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[stage] += time.perf_counter() - t

        return timed

    def wrap_iter(self, stage: str, fn: Callable[..., Iterator[Any]]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            items = iter(self.wrap(stage, fn)(*args, **kwargs))
            while True:
                t = time.perf_counter()
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    self.spent[stage] += time.perf_counter() - t
                yield item

        return timed


def instrument(clock: Clock) -> None:
    from feidi_web.evaluations import services, summaries

    services.dataset_for = clock.wrap("read", services.dataset_for)  # type: ignore[attr-defined]
    services._grade = clock.wrap_iter("core", services._grade)
    services._record_rows = clock.wrap("encode", services._record_rows)
    services._insert = clock.wrap("insert", services._insert)
    services._beat = clock.wrap("beats", services._beat)
    services.count_run = clock.wrap("summarise", services.count_run)  # type: ignore[attr-defined]
    summaries.RunSummary.save = clock.wrap("summarise", summaries.RunSummary.save)  # type: ignore[method-assign]


def time_run(clock: Clock) -> tuple[float, dict[str, float], int]:
    from feidi_web.accounts.models import User
    from feidi_web.evaluations.models import EvaluationRun
    from feidi_web.evaluations.services import evaluation_run_execute

    staff = User.objects.get(username="staff")
    run = EvaluationRun.objects.create(
        rulebook="miit-2022", as_of=AS_OF, jurisdiction_code=DIVISION, created_by=staff
    )
    clock.spent.clear()
    t = time.perf_counter()
    run = evaluation_run_execute(run_id=run.pk)
    wall = time.perf_counter() - t
    if run.status != "done":
        raise SystemExit(f"the run did not finish: {run.status} {run.error}")
    return wall, dict(clock.spent), run.pk


def time_core() -> tuple[float, int, int]:
    """The core alone on the same firms: Dataset in memory → records collected."""
    from feidi.rules import evaluate
    from feidi_web.enterprises.models import Enterprise
    from feidi_web.enterprises.permissions import in_jurisdiction
    from feidi_web.enterprises.selectors import dataset_for
    from feidi_web.evaluations.models import EvaluationRun
    from feidi_web.evaluations.versions import rulebook_of

    data = dataset_for(Enterprise.objects.filter(in_jurisdiction(DIVISION)))
    run = EvaluationRun.objects.filter(rulebook="miit-2022").select_related("version").first()
    assert run is not None
    book = rulebook_of(run)
    t = time.perf_counter()
    records = evaluate(data, book, AS_OF).records().collect()
    return time.perf_counter() - t, data.firms.height, records.height


def report(rows: list[tuple[str, float, dict[str, float]]], core: list[float], firms: int) -> str:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        db_version = cursor.fetchone()[0].split(" ")[0]
    core_s = statistics.median(core)
    lines = [
        f"Worker time of one evaluation of the county {DIVISION} — {firms:,} firms × 3 tiers, "
        f"miit-2022 as of {AS_OF}; {connection.vendor} {db_version}, Django "
        f"{django.get_version()}, Python {platform.python_version()}, {os.cpu_count()} CPUs. "
        f"Baseline: the core alone on the same Dataset (no database), "
        f"{' / '.join(f'{c:.2f}' for c in core)} s.",
        "",
        "| run | worker s | read | core (waited) | encode | insert | beats | summarise | other "
        "| ÷ core alone |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, wall, spent in rows:
        other = wall - sum(spent.get(s, 0.0) for s in STAGES)
        cells = [
            name,
            f"**{wall:.2f}**",
            *(f"{spent.get(s, 0.0):.2f}" for s in STAGES),
            f"{other:.2f}",
            f"{wall / core_s:.1f}×",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs (the first is cold)")
    parser.add_argument("--firms", type=int, default=3000, help="local firms (enclave: a tenth)")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--fresh", action="store_true", help="rebuild the demo database")
    parser.add_argument(
        "--use-env-database",
        action="store_true",
        help="measure on the DATABASE_URL of the environment (e.g. under scripts/pg-throwaway)",
    )
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir or demo_dir(args.firms)
    configure(args)
    load_demo(args.firms)

    from feidi_web.evaluations.models import EvaluationRun

    clock = Clock()
    instrument(clock)
    rows, made, core = [], [], []
    try:
        for i in range(args.runs):
            wall, spent, run_id = time_run(clock)
            made.append(run_id)
            rows.append(("cold (first in the process)" if i == 0 else f"warm {i}", wall, spent))
            print(f"<!-- run {i + 1}: {wall:.2f} s -->", file=sys.stderr, flush=True)
            seconds, firms, _records = time_core()
            core.append(seconds)
    finally:
        EvaluationRun.objects.filter(pk__in=made).delete()
    print(report(rows, core, firms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
