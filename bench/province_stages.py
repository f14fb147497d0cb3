"""Where the time and memory of ``feidi evaluate province.parquet -o out.parquet`` go.

Runs the CLI's steps in this process and prints each stage's wall time, CPU time and the
peak memory (RSS, sampled every 5 ms) while it ran:

* **open**: the header, the credit-code column read alone and the decision to read the file
  in batches of firms (``feidi.io.stream_dataset``);
* **read + check only**: every batch read and checked, nothing built (``stream.check()``);
* **read + check + grade + lay out + write**: what the CLI runs — each batch read, checked,
  normalised, reshaped and graded as it comes, laid out two batches at a time, written;
* with ``--whole``, the same as it ran before batches: the file read and checked at once
  (``read_dataset(..., batch_firms=None)``), then graded from the whole frames.

Usage: ``python bench/province_stages.py [--firms 1000000] [--batch-firms 50000] [--whole]``.
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
        f"{name:40s} {time.perf_counter() - wall:6.2f} s wall  {time.process_time() - cpu:6.2f} s cpu"
        f"  peak {rss.peak:.2f} GiB",
        flush=True,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=1_000_000)
    ap.add_argument("--rulebook", default="miit-2022")
    ap.add_argument("--engine", default="polars")
    ap.add_argument("--batch-firms", type=int, default=None, help="default: feidi's own")
    ap.add_argument("--whole", action="store_true", help="read and check the file at once")
    args = ap.parse_args()
    rss = Rss()
    t0 = time.perf_counter()
    from feidi.io import BATCH_FIRMS, read_dataset, stream_dataset, write_results
    from feidi.rules import evaluate, load_rulebook

    print(f"{'imports':40s} {time.perf_counter() - t0:6.2f} s wall")
    src = HERE / "data" / f"province-{args.firms}.parquet"
    out = HERE / "out" / f"stages-{args.firms}.parquet"
    book = load_rulebook(args.rulebook)
    extra = tuple(book.inputs)
    as_of = date(2026, 6, 30)
    batch_firms = args.batch_firms or BATCH_FIRMS
    if args.whole:
        data, _ = stage(
            rss,
            "read + check, whole file",
            lambda: read_dataset(src, extra_fields=extra, batch_firms=None),
        )
        result = stage(rss, "reshape (evaluate())", lambda d=data: evaluate(d, book, as_of))
        del data
        stage(rss, "grade + lay out + write", lambda: write_results(result, out))
    else:
        stream = stage(
            rss,
            "open (code column, batch plan)",
            lambda: stream_dataset(src, extra_fields=extra, batch_firms=batch_firms),
        )
        print(f"{'':40s} {stream.n_firms:,} firms, streamed: {stream.streamed}")
        stage(rss, "read + check only", stream.check)
        result = evaluate(stream, book, as_of, engine=args.engine)
        stage(rss, "read + check + grade + lay out + write", lambda: write_results(result, out))
    print(f"{'total':40s} {time.perf_counter() - t0:6.2f} s wall (without interpreter start-up)")


if __name__ == "__main__":
    main()
