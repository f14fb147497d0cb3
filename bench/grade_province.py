"""Grade a province: 1,000,000 firms × 3 years, one rulebook, all tiers, Parquet in and out.

Measures, in one run on this machine:

* the CLI path (``feidi evaluate IN.parquet -o OUT.parquet``: read, check, grade, write full
  traces and paths) in a child process — wall time and peak memory (max RSS of the child);
* the baseline: the plain row-by-row Python interpreter (``feidi.rules._reference``) on a
  sample of the same firms, extrapolated per firm — and prints the speed-up.

Usage: ``python bench/grade_province.py [--firms 1000000] [--sample 20000] [--rulebook miit-2022]``
Targets (issue 2): < 20 s and < 4 GiB; speed-up ≥ 30×.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
OUT = HERE / "out"
AS_OF = date(2026, 6, 30)


def ensure_input(n: int) -> Path:
    path = DATA / f"province-{n}.parquet"
    if not path.exists():
        from feidi.demo import generate_firms

        DATA.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        generate_firms(n, seed=7).drop("enclave").write_parquet(path)
        print(f"generated {path.name} in {time.perf_counter() - t:.1f} s")
    return path


def run_cli(src: Path, rulebook: str, engine: str) -> tuple[float, float, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"{src.stem}-{rulebook}-{engine}.parquet"
    cmd = [
        sys.executable,
        "-m",
        "feidi.cli",
        "evaluate",
        str(src),
        "-r",
        rulebook,
        "--as-of",
        AS_OF.isoformat(),
        "-e",
        engine,
        "-o",
        str(out),
        "--no-progress",
    ]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"feidi evaluate failed with status {status}")
    return wall, usage.ru_maxrss / 1024 / 1024, out  # ru_maxrss is KiB on Linux → GiB


def baseline_per_firm(src: Path, rulebook: str, sample: int) -> float:
    from feidi.io import read_dataset
    from feidi.rules import load_rulebook
    from feidi.rules._reference import grade_rows

    # the same read-and-check as the CLI, on the first `sample` firms
    small = DATA / f"sample-{sample}.parquet"
    pl.scan_parquet(src).head(sample * 3).sink_parquet(small)
    data, _ = read_dataset(small)
    book = load_rulebook(rulebook)
    firms, fin = data.firms.to_dicts(), data.financials.to_dicts()
    t = time.perf_counter()
    grade_rows(book, firms, fin, AS_OF)
    return (time.perf_counter() - t) / len(firms)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=20_000)
    ap.add_argument("--rulebook", default="miit-2022")
    ap.add_argument("--engine", default="polars")
    args = ap.parse_args()
    src = ensure_input(args.firms)
    wall, peak_gib, out = run_cli(src, args.rulebook, args.engine)
    rows = pl.scan_parquet(out).select(pl.len()).collect().item()
    per_firm = baseline_per_firm(src, args.rulebook, args.sample)
    baseline = per_firm * args.firms
    print(f"firms {args.firms:,}  rulebook {args.rulebook}  engine {args.engine}")
    print(
        f"vectorised (CLI, Parquet in/out, traces + paths): {wall:.1f} s wall, peak {peak_gib:.2f} GiB, {rows:,} records, "
        f"{out.stat().st_size / 2**20:.0f} MiB"
    )
    print(
        f"row-by-row Python baseline (grading only, no paths, no writing): {per_firm * 1e6:.1f} µs/firm "
        f"→ {baseline:.0f} s for {args.firms:,} firms (measured on {args.sample:,})"
    )
    print(f"speed-up: {baseline / wall:.1f}×")
    print(
        f"max RSS of this process (baseline sample): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB"
    )


if __name__ == "__main__":
    main()
