"""60,000 firms from CSV, whole processes: ``feidi evaluate`` against a row-by-row grader.

In one run, alternating so that a busier moment hits both, each in a child process of its
own (wall time including interpreter start-up and imports; peak memory = max RSS):

* **feidi**: ``feidi evaluate firms.csv -o out.parquet`` — read, every input check, grade
  three tiers, traces, missing inputs and paths, write the flat layout;
* **row by row**: ``bench/row_by_row.py firms.csv out.jsonl`` — the ``csv`` module and the
  plain interpreter (``feidi.rules._reference``): verdicts, scores and points only, no
  checks, no paths (which flatters it).

The two must agree on every verdict (checked after the runs). Prints the speed-up run by
run. Target (issue 11 §2): at least 5×.
Usage: ``python bench/grade_csv.py [--firms 60000] [--runs 3]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

from grade_province import AS_OF, DATA, OUT, child, spread

HERE = Path(__file__).resolve().parent


def ensure_csv(n: int) -> Path:
    path = DATA / f"firms-{n}.csv"
    if not path.exists():
        from feidi.demo import generate_firms

        DATA.mkdir(parents=True, exist_ok=True)
        generate_firms(n, seed=11).drop("enclave").write_csv(path)
    return path


def run_feidi(src: Path) -> tuple[float, float, Path]:
    out = OUT / f"{src.stem}.parquet"
    wall, peak, _ = child(
        [
            sys.executable,
            "-m",
            "feidi.cli",
            "evaluate",
            str(src),
            "--as-of",
            AS_OF.isoformat(),
            "-o",
            str(out),
            "--no-progress",
        ]
    )
    return wall, peak, out


def run_row_by_row(src: Path) -> tuple[float, float, Path]:
    out = OUT / f"{src.stem}-row-by-row.jsonl"
    cmd = [sys.executable, str(HERE / "row_by_row.py"), str(src), str(out)]
    wall, peak, _ = child([*cmd, "--as-of", AS_OF.isoformat()])
    return wall, peak, out


def same_verdicts(flat: Path, baseline: Path) -> bool:
    """Every firm × tier verdict of the row-by-row grader is feidi's."""
    ours = pl.read_parquet(flat, columns=["credit_code", "^.*__verdict$"]).unpivot(
        index="credit_code", variable_name="tier", value_name="verdict"
    )
    ours = ours.with_columns(
        pl.col("tier").str.replace("__verdict", "", literal=True),
        pl.col("verdict").cast(pl.String),
    )
    theirs = pl.read_ndjson(baseline).select("credit_code", "tier", "verdict")
    joined = theirs.join(ours, on=["credit_code", "tier"], how="left", suffix="_feidi")
    return joined.height == ours.height and bool(
        (joined["verdict"] == joined["verdict_feidi"]).all()
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=60_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    src = ensure_csv(args.firms)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for run in range(1, args.runs + 1):
        t = time.perf_counter()
        f_wall, f_peak, flat = run_feidi(src)
        b_wall, b_peak, baseline = run_row_by_row(src)
        rows.append((f_wall, f_peak, b_wall, b_peak))
        print(
            f"run {run}: feidi {f_wall:.2f} s {f_peak:.2f} GiB  row-by-row {b_wall:.2f} s "
            f"{b_peak:.2f} GiB  speed-up {b_wall / f_wall:.1f}×  ({time.perf_counter() - t:.0f} s)",
            flush=True,
        )
    print(
        f"\n{args.firms:,} firms from CSV ({src.stat().st_size / 2**20:.0f} MiB), whole processes"
    )
    print(
        f"feidi evaluate: {spread([r[0] for r in rows])} s, peak {spread([r[1] for r in rows])} GiB"
    )
    print(
        f"row-by-row grader: {spread([r[2] for r in rows])} s, peak {spread([r[3] for r in rows])} GiB"
    )
    print(f"speed-up, run by run: {spread([r[2] / r[0] for r in rows])}×")
    print(f"verdicts agree: {same_verdicts(flat, baseline)}")


if __name__ == "__main__":
    main()
