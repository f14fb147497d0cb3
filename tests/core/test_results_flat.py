"""The flat layout (a province's ``.parquet``) gives back exactly the records of the evaluation.

The demo city, graded on every shipped rulebook, holds every tier, every verdict, unknown
points and non-empty paths and missing lists: written flat and read back, its records must
equal ``Evaluation.iter_records`` row for row.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from feidi.demo import DEMO_AS_OF, generate_demo_city
from feidi.io import Dataset, FlatFile, dataset_from_frame, read_flat_records, write_results
from feidi.rules import (
    RulebookSource,
    available_rulebooks,
    evaluate,
    flat_schema,
    load_rulebook,
    load_rulebook_source,
    records_from_flat,
    rulebook_source,
)


@cache
def _demo() -> Dataset:
    data, _ = dataset_from_frame(generate_demo_city(n_local=500, n_enclave=50).drop("enclave"))
    return data


@pytest.mark.parametrize("rulebook", available_rulebooks())
def test_flat_file_reads_back_as_the_same_records(rulebook: str, tmp_path: Path) -> None:
    ev = evaluate(_demo(), rulebook, DEMO_AS_OF)
    records = pl.concat(list(ev.iter_records(size=97)))  # batches that do not divide evenly
    # the demo covers what a record can hold
    assert sorted(records["verdict"].unique()) == ["fail", "pass", "unknown"]
    assert set(records["tier"]) == set(load_rulebook(rulebook).tiers)
    assert records["path"].list.len().max() > 0
    assert records["missing"].list.len().max() > 0
    assert records["score"].null_count() > 0  # unknown points somewhere

    path = write_results(ev, tmp_path / "out.parquet")
    flat = pl.read_parquet(path)
    assert flat.height == _demo().firms.height
    assert flat.schema == pl.Schema(flat_schema(ev.rulebook, ev.tiers, DEMO_AS_OF))
    back = read_flat_records(path)
    # tier by tier, firms in input order: as one batch of the evaluation gives them
    assert_frame_equal(back, ev.records().collect())
    # the same records whatever the batches were
    by_firm = ["tier", "credit_code"]
    assert_frame_equal(back.sort(by_firm), records.sort(by_firm))
    assert_frame_equal(records_from_flat(flat, ev.rulebook, DEMO_AS_OF, warnings=ev.warnings), back)


def test_flat_file_names_what_was_graded_how(tmp_path: Path) -> None:
    ev = evaluate(_demo(), "miit-2026", DEMO_AS_OF, tiers=("specialized",))
    path = write_results(ev, tmp_path / "one-tier.parquet")
    about = FlatFile.of(path)
    assert (about.rulebook, about.as_of, about.tiers) == ("miit-2026", DEMO_AS_OF, ("specialized",))
    assert about.digest == ev.rulebook.digest
    assert list(read_flat_records(path)["tier"].unique()) == ["specialized"]


def test_flat_file_from_another_rulebook_version_is_refused(tmp_path: Path) -> None:
    ev = evaluate(_demo(), "miit-2022", DEMO_AS_OF, tiers=("innovative",))
    path = write_results(ev, tmp_path / "out.parquet")
    source = rulebook_source("miit-2022")
    documents = dict(source.documents)
    documents[source.root] += "\n# a later edit\n"
    edited = load_rulebook_source(RulebookSource(source.root, documents))
    assert edited.digest != ev.rulebook.digest
    with pytest.raises(ValueError, match="another version"):
        read_flat_records(path, edited)


def test_a_parquet_file_that_is_not_a_flat_result_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(other)
    with pytest.raises(ValueError, match="not a Feidi flat result"):
        read_flat_records(other)
