"""Shared fixtures: every rule test runs on each engine (narwhals' way of proving parity)."""

from __future__ import annotations

import importlib.util
import shutil

import pytest

_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None


@pytest.fixture(
    params=[
        "polars",
        "duckdb",
        pytest.param(
            "spark",
            marks=[
                pytest.mark.spark,
                pytest.mark.skipif(not _SPARK, reason="needs PySpark and Java"),
            ],
        ),
    ]
)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)
