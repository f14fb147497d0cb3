"""Polars, DuckDB and PySpark give identical records on the demo city (every rulebook)."""

from __future__ import annotations

from functools import cache

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from feidi.demo import DEMO_AS_OF, generate_demo_city
from feidi.io import Dataset, dataset_from_frame
from feidi.rules import available_rulebooks, evaluate


@cache
def _demo() -> Dataset:
    data, _ = dataset_from_frame(generate_demo_city(n_local=500, n_enclave=50).drop("enclave"))
    return data


@cache
def _records(engine: str, rulebook: str) -> pl.DataFrame:
    return evaluate(_demo(), rulebook, DEMO_AS_OF, engine=engine).records().collect()  # type: ignore[arg-type]


@pytest.mark.parametrize("rulebook", available_rulebooks())
def test_engines_give_identical_records(engine: str, rulebook: str) -> None:
    reference = _records("polars", rulebook)
    assert reference.height == 550 * 3
    # the demo exercises every verdict, so parity covers unknowns and paths too
    assert sorted(reference["verdict"].unique()) == ["fail", "pass", "unknown"]
    assert reference["path"].list.len().max() > 0
    assert_frame_equal(_records(engine, rulebook), reference)
