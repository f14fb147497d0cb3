"""A local SparkSession for tests and single-machine runs (PySpark is imported lazily)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any


@cache
def local_spark() -> Any:
    """A quiet local[2] SparkSession with Arrow transfer on; reused within the process."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("feidi")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark
