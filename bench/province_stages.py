"""Where the time of ``feidi evaluate province.parquet -o out.parquet`` goes, stage by stage.

Runs the CLI's steps in this process (read and check, reshape, grade and lay out, write) and
prints each stage's wall time, CPU time and the peak memory (RSS, sampled every 5 ms) while
it ran. Usage: ``python bench/province_stages.py [--firms 1000000] [--engine polars]``.
"""

from __future__ import annotations

import os

# as the CLI sets it, before Polars loads
os.environ["_RJEM_MALLOC_CONF"] = ",".join(
    p for p in (os.environ.get("_RJEM_MALLOC_CONF"), "dirty_decay_ms:5000,muzzy_decay_ms:5000") if p
)

import argparse
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


class Rss:
    """Peak resident memory, sampled on a thread."""

    def __init__(self) -> None:
        self.peak = 0.0
        threading.Thread(target=self._run, daemon=True).start()

    @staticmethod
    def now() -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, self.now())
            time.sleep(0.005)


def stage(rss: Rss, name: str, fn: Callable[[], Any]) -> Any:
    rss.peak = rss.now()
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    print(
        f"{name:32s} {time.perf_counter() - wall:6.2f} s wall  {time.process_time() - cpu:6.2f} s cpu"
        f"  peak {rss.peak:.2f} GiB",
        flush=True,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=1_000_000)
    ap.add_argument("--rulebook", default="miit-2022")
    ap.add_argument("--engine", default="polars")
    args = ap.parse_args()
    rss = Rss()
    t0 = time.perf_counter()
    from feidi.io import read_dataset, write_results
    from feidi.rules import evaluate, load_rulebook

    print(f"{'imports':32s} {time.perf_counter() - t0:6.2f} s wall")
    src = HERE / "data" / f"province-{args.firms}.parquet"
    book = load_rulebook(args.rulebook)
    as_of = date(2026, 6, 30)
    data, _ = stage(rss, "read + check", lambda: read_dataset(src, extra_fields=tuple(book.inputs)))
    result = stage(
        rss, "reshape (evaluate())", lambda d=data: evaluate(d, book, as_of, engine=args.engine)
    )
    del data
    out = HERE / "out" / f"stages-{args.firms}.parquet"
    stage(rss, "grade + lay out + write", lambda: write_results(result, out))
    print(f"{'total':32s} {time.perf_counter() - t0:6.2f} s wall (without interpreter start-up)")


if __name__ == "__main__":
    main()
