"""Spark: a local session for tests and single machines, and the flat layout on the cluster.

The rules run as Spark expressions (narwhals); the flat layout (``FlatLayout``: NumPy on a
batch of firms) runs inside the executors' Python workers through ``mapInArrow``, so a
national run grades and lays out where the data lives and writes from the executors —
nothing but the plan passes through the driver (docs/national-scale.md). PySpark is
imported lazily.
"""

from __future__ import annotations

import atexit
import logging
import os
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import polars as pl
import pyarrow as pa

#: The firm's row in the input: Spark keeps no order, so the flat result carries it.
ORDER = "__order"
#: Firms a driver-side window brings back at once (``ordered_windows``).
WINDOW = 250_000


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


def wire_dtype(dtype: pl.DataType) -> pl.DataType:
    """The Polars type a flat column crosses Spark as: Spark has no unsigned integers and
    no enums (the verdict travels as text and is cast back on arrival)."""
    if dtype == pl.UInt8:
        return pl.Int16()
    if isinstance(dtype, pl.Enum):
        return pl.String()
    return dtype


def _spark_type(dtype: pl.DataType) -> Any:
    from pyspark.sql import types as st

    if dtype == pl.Boolean:
        return st.BooleanType()
    if dtype == pl.Float64:
        return st.DoubleType()
    if dtype == pl.Int16:
        return st.ShortType()
    if dtype in (pl.Int64, pl.UInt32):
        return st.LongType()
    if dtype == pl.String:
        return st.StringType()
    raise TypeError(f"no Spark type for {dtype}")


def lay_out_on_spark(
    graded: Any, layout: Callable[[pl.DataFrame], pl.DataFrame], schema: dict[str, pl.DataType]
) -> Any:
    """The flat layout of ``graded`` (a Spark DataFrame of the engine's columns and
    ``__order``), computed batch by batch in the executors: a Spark DataFrame with the
    columns of ``schema`` (in their wire types, :func:`wire_dtype`) and ``__order``."""
    from pyspark.sql import types as st
    from pyspark.sql.pandas.types import to_arrow_schema

    wire = {name: wire_dtype(dtype) for name, dtype in schema.items()}
    wire[ORDER] = pl.Int64()
    spark_schema = st.StructType(
        [st.StructField(name, _spark_type(dtype), True) for name, dtype in wire.items()]
    )
    arrow_schema = to_arrow_schema(spark_schema)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            flat = layout(frame.drop(ORDER)).with_columns(frame.get_column(ORDER))
            table = flat.cast(wire).to_arrow(compat_level=pl.CompatLevel.oldest())  # type: ignore[arg-type]
            yield from table.cast(arrow_schema).to_batches()

    return graded.mapInArrow(run, spark_schema)


def ordered_windows(
    flat: Any, n_firms: int, schema: dict[str, pl.DataType], window: int = WINDOW
) -> Iterator[pl.DataFrame]:
    """Bring a distributed flat layout to the driver in input order, ``window`` firms at a
    time (one Spark job each over the persisted result), so the driver never holds it whole.
    For one machine and tests; a national run writes from the executors instead."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as sf

    kept = flat.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        for start in range(0, n_firms, window):
            part = (
                kept.filter((sf.col(ORDER) >= start) & (sf.col(ORDER) < start + window))
                .orderBy(ORDER)
                .toArrow()
            )
            frame = pl.from_arrow(part)
            assert isinstance(frame, pl.DataFrame)
            yield frame.drop(ORDER).cast(schema)  # type: ignore[arg-type]
    finally:
        kept.unpersist()
