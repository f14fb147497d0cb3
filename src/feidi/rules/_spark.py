"""A local SparkSession for tests and single-machine runs (PySpark is imported lazily)."""

from __future__ import annotations

import atexit
import logging
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
    # py4j logs "closing down" at INFO while the interpreter exits, after pytest (or any
    # caller) has closed the stream its handler writes to: "I/O operation on closed file".
    logging.getLogger("py4j").setLevel(logging.WARNING)
    atexit.register(spark.stop)  # stop the JVM while logging still works
    return spark
