"""Grade a province: 1,000,000 firms × 3 years, one rulebook, all tiers, Parquet in and out.

Measures, in one run on this machine, each in a child process of its own (wall time and
peak memory = the child's max RSS), alternating so that a busier moment hits both:

* **feidi**: ``feidi evaluate IN.parquet -o OUT.parquet`` — start-up, read, every input
  check, reshape, grade three tiers, lay out traces, missing inputs and paths (the flat
  layout), write;
* **reference**: just reading the same file and grouping it by firm,
  ``pl.read_parquet(f).group_by("credit_code").agg(pl.all())`` — timed around those two
  calls (start-up excluded, which makes the ratio stricter), and as a whole process;
* optionally **before**: the same CLI from another source tree (``--before DIR``, e.g. a
  ``git archive`` of an earlier commit's ``src``), for a before/after in the same run;
* optionally the plain row-by-row interpreter (``feidi.rules._reference``) on a sample of
  the firms, extrapolated (``--reference-sample N``).

Usage: ``python bench/grade_province.py [--firms 1000000] [--runs 3] [--engine polars]``
Targets (issue 11 §3): ≤ 6 s and ≤ 2 GiB peak; ≤ 3× the reference's time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from statistics import median

import polars as pl

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
OUT = HERE / "out"
AS_OF = date(2026, 6, 30)

REFERENCE = """
import json, sys, time
import polars as pl
t = time.perf_counter()
grouped = pl.read_parquet(sys.argv[1]).group_by("credit_code").agg(pl.all())
print(json.dumps({"seconds": time.perf_counter() - t, "groups": grouped.height}))
"""


def ensure_input(n: int) -> Path:
    path = DATA / f"province-{n}.parquet"
    if not path.exists():
        from feidi.demo import generate_firms

        DATA.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        generate_firms(n, seed=7).drop("enclave").write_parquet(path)
        print(f"generated {path.name} in {time.perf_counter() - t:.1f} s")
    return path


def child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``cmd``; (wall seconds, peak GiB of the child, its stdout)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"{cmd[:4]} failed with status {status}")
    return wall, usage.ru_maxrss / 2**20, out  # ru_maxrss is KiB on Linux


def run_cli(
    src: Path, rulebook: str, engine: str, tag: str, pythonpath: str | None = None
) -> tuple[float, float, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"{src.stem}-{rulebook}-{engine}-{tag}.parquet"
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
    env = None
    if pythonpath:
        env = {**os.environ, "PYTHONPATH": pythonpath}
    wall, peak, _ = child(cmd, env)
    return wall, peak, out


def run_reference(src: Path) -> tuple[float, float, float]:
    """(seconds for read + group_by, whole child wall, child peak GiB)."""
    wall, peak, out = child([sys.executable, "-c", REFERENCE, str(src)])
    return json.loads(out)["seconds"], wall, peak


def row_by_row_per_firm(src: Path, rulebook: str, sample: int) -> float:
    from feidi.io import read_dataset
    from feidi.rules import load_rulebook
    from feidi.rules._reference import grade_rows

    small = DATA / f"sample-{sample}.parquet"
    pl.scan_parquet(src).head(sample * 3).sink_parquet(small)
    data, _ = read_dataset(small)
    book = load_rulebook(rulebook)
    firms, fin = data.firms.to_dicts(), data.financials.to_dicts()
    t = time.perf_counter()
    grade_rows(book, firms, fin, AS_OF)
    return (time.perf_counter() - t) / len(firms)


def load() -> str:
    """The machine's load averages (1, 5, 15 min): the machine is shared, times are not."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def spread(xs: list[float]) -> str:
    return f"{min(xs):.2f}–{max(xs):.2f} (median {median(xs):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rulebook", default="miit-2022")
    ap.add_argument("--engine", default="polars")
    ap.add_argument("--before", help="another source tree's src/ to run the same CLI from")
    ap.add_argument("--no-reference", action="store_true", help="skip the read + group_by")
    ap.add_argument("--reference-sample", type=int, default=0)
    args = ap.parse_args()
    src = ensure_input(args.firms)
    rows: list[dict[str, float]] = []
    print(f"load average before: {load()}", flush=True)
    for run in range(1, args.runs + 1):
        row: dict[str, float] = {}
        if not args.no_reference:
            row["ref_s"], row["ref_wall"], row["ref_gib"] = run_reference(src)
        row["feidi_s"], row["feidi_gib"], out = run_cli(src, args.rulebook, args.engine, "now")
        if args.before:
            row["before_s"], row["before_gib"], _ = run_cli(
                src, args.rulebook, args.engine, "before", args.before
            )
        rows.append(row)
        shown = "  ".join(f"{k} {v:.2f}" for k, v in row.items())
        print(f"run {run}: {shown}  (load {load()})", flush=True)
    size = out.stat().st_size / 2**20
    width = len(pl.read_parquet_schema(out))
    print(
        f"\nfirms {args.firms:,}  rulebook {args.rulebook}  engine {args.engine}  "
        f"runs {args.runs}  output {size:.0f} MiB, {width} columns"
    )
    feidi = [r["feidi_s"] for r in rows]
    print(
        f"feidi evaluate (whole process): {spread(feidi)} s, peak {spread([r['feidi_gib'] for r in rows])} GiB"
    )
    if not args.no_reference:
        ref = [r["ref_s"] for r in rows]
        print(
            f"reference read + group_by: {spread(ref)} s (whole process "
            f"{spread([r['ref_wall'] for r in rows])} s, peak "
            f"{spread([r['ref_gib'] for r in rows])} GiB)"
        )
        ratios = [r["feidi_s"] / r["ref_s"] for r in rows]
        print(f"feidi ÷ reference, run by run: {spread(ratios)}×")
    if args.before:
        before = [r["before_s"] for r in rows]
        print(
            f"before (--before): {spread(before)} s, peak {spread([r['before_gib'] for r in rows])} GiB"
        )
        print(
            f"speed-up over before, run by run: {spread([b / f for b, f in zip(before, feidi, strict=True)])}×"
        )
    if args.reference_sample:
        per_firm = row_by_row_per_firm(src, args.rulebook, args.reference_sample)
        print(
            f"row-by-row interpreter: {per_firm * 1e6:.0f} µs/firm → "
            f"{per_firm * args.firms:.0f} s for {args.firms:,} firms "
            f"(grading only, measured on {args.reference_sample:,})"
        )


if __name__ == "__main__":
    main()
