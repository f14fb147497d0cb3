"""Spark, as a national run would use it: grade and lay out in the executors, write from there.

Builds a normalised input of ``--firms`` firms (the 1,000,000-firm province read and checked
once by ``feidi.io``, then repeated with suffixed credit codes — grading does not check
codes), then, in a child process (wall time; peak memory of the Python driver and of the
JVM, whose Python workers it reaps):

    spark.read.parquet(firms, financials) → feidi.rules.grade_on_spark → .write.parquet(dir)

Input checks are not part of this run (docs/national-scale.md: they run per province, before).
Usage: ``python bench/spark_national.py --firms 5000000 [--master local[2]]``
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

import polars as pl

HERE = Path(__file__).resolve().parent
AS_OF = date(2026, 6, 30)

JOB = """
import json, resource, sys, time
from datetime import date
from pyspark.sql import SparkSession
from feidi.rules import grade_on_spark
src, out, master, memory = sys.argv[1:5]
t0 = time.perf_counter()
spark = (SparkSession.builder.master(master).appName("feidi-national")
         .config("spark.driver.memory", memory).config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "8")
         .config("spark.sql.session.timeZone", "UTC").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
started = time.perf_counter() - t0
firms = spark.read.parquet(src + "/firms.parquet")
financials = spark.read.parquet(src + "/financials.parquet")
flat = grade_on_spark(firms, financials, "miit-2022", date(2026, 6, 30))
t1 = time.perf_counter()
flat.drop("__order").write.mode("overwrite").parquet(out)
job = time.perf_counter() - t1
spark.stop()
print(json.dumps({"start": started, "job": job,
  "driver_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
  "jvm_gib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20}))
"""


def normalised_input(n: int) -> Path:
    """firms.parquet (with ``__order``) and financials.parquet for ``n`` firms."""
    out = HERE / "data" / f"national-{n}"
    if (out / "financials.parquet").exists():
        return out
    sys.path.insert(0, str(HERE))
    from feidi.io import read_dataset
    from feidi.rules import load_rulebook
    from grade_province import ensure_input

    data, _ = read_dataset(
        ensure_input(1_000_000), extra_fields=tuple(load_rulebook("miit-2022").inputs)
    )
    out.mkdir(parents=True, exist_ok=True)
    copies = -(-n // data.firms.height)

    def repeated(frame: pl.DataFrame) -> pl.DataFrame:
        return pl.concat(
            frame.with_columns(pl.col("credit_code") + (f"-{k}" if k else ""))
            for k in range(copies)
        )

    firms = repeated(data.firms).head(n)
    firms.with_row_index("__order").cast({"__order": pl.Int64}).write_parquet(
        out / "firms.parquet", row_group_size=250_000
    )
    codes = firms.select("credit_code")
    repeated(data.financials).join(codes, on="credit_code", how="semi").write_parquet(
        out / "financials.parquet", row_group_size=750_000
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=5_000_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="4g")
    args = ap.parse_args()
    src = normalised_input(args.firms)
    out = HERE / "out" / f"national-{args.firms}"
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", JOB, str(src), str(out), args.master, args.driver_memory],
        stdout=subprocess.PIPE,
        check=True,
        env={**os.environ, "PYSPARK_PYTHON": sys.executable},
    )
    wall = time.perf_counter() - t
    got = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    size = sum(p.stat().st_size for p in out.glob("*.parquet")) / 2**20
    rows = pl.scan_parquet(out / "*.parquet").select(pl.len()).collect().item()
    print(
        f"spark {args.master}, {args.firms:,} firms, miit-2022 all tiers: whole process "
        f"{wall:.1f} s (session start {got['start']:.1f} s, grade + lay out + write "
        f"{got['job']:.1f} s); peak driver {got['driver_gib']:.2f} GiB, JVM {got['jvm_gib']:.2f} GiB;"
        f" output {rows:,} rows, {size:.0f} MiB"
    )


if __name__ == "__main__":
    main()
