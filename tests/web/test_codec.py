"""Stored rows round-trip to the core's values exactly."""

from __future__ import annotations

import math

import polars as pl

from feidi.demo import generate_demo_city
from feidi.io import dataset_from_frame
from feidi_web.enterprises.codec import dataset_from_rows, from_json, to_json
from feidi_web.enterprises.fields import extra_fields


def test_rank_none_and_enum_none_survive_the_round_trip():
    row = {"sci_award_national_rank": math.inf, "rd_institution": "none", "chuangke_rank": None}
    stored = to_json(row)
    assert stored == {
        "sci_award_national_rank": "none",
        "rd_institution": "none",
        "chuangke_rank": None,
    }
    assert from_json(stored) == row


def test_dataset_from_rows_equals_the_core_dataset():
    data, _ = dataset_from_frame(generate_demo_city(n_local=20, n_enclave=2))
    rebuilt = dataset_from_rows(
        (to_json(r) for r in data.firms.iter_rows(named=True)),
        (
            (
                r["credit_code"],
                r["year"],
                {k: v for k, v in to_json(r).items() if k not in ("credit_code", "year")},
            )
            for r in data.financials.iter_rows(named=True)
        ),
    )
    assert rebuilt.firms.select(data.firms.columns).equals(data.firms)
    # the registry also keeps the inputs a province adds (山东): none in this file
    added = set(rebuilt.firms.columns) - set(data.firms.columns)
    assert added == {f.name for f in extra_fields()}
    assert rebuilt.firms.select(pl.col(sorted(added)).is_null().all()).row(0) == (True,) * len(
        added
    )
    assert rebuilt.financials.sort("credit_code", "year").equals(
        data.financials.sort("credit_code", "year")
    )
    assert rebuilt.firms.filter(pl.col("rd_institution") == "none").height > 0
