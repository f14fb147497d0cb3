"""The vectorised engine agrees with the plain row-by-row interpreter (an independent oracle)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feidi.demo import DEMO_AS_OF, generate_demo_city
from feidi.io import dataset_from_frame
from feidi.rules import available_rulebooks, evaluate, load_rulebook
from feidi.rules._reference import grade_rows
from tests.core.firms import dataset, firm_row, years_of


def _compare(data: Any, rulebook: str, as_of: date) -> int:
    book = load_rulebook(rulebook)
    records = evaluate(data, book, as_of).records().collect()
    expected = grade_rows(book, data.firms.to_dicts(), data.financials.to_dicts(), as_of)
    assert records.height == len(expected)
    by_key = {(e["credit_code"], e["tier"]): e for e in expected}
    for rec in records.iter_rows(named=True):
        exp = by_key[(rec["credit_code"], rec["tier"])]
        assert (rec["verdict"], rec["score"], rec["score_min"], rec["score_max"]) == (
            exp["verdict"],
            exp["score"],
            exp["score_min"],
            exp["score_max"],
        ), (rec["credit_code"], rec["tier"])
        got = {i["id"]: (i["points_min"], i["points_max"]) for i in rec["indicators"]}
        assert got == exp["points"]
        verdicts = {c["id"]: c["verdict"] for c in rec["conditions"]}
        want = {
            k: "pass" if d else ("fail" if not p else "unknown")
            for k, (d, p) in exp["conditions"].items()
        }
        assert verdicts == want
    return records.height


@pytest.mark.parametrize("rulebook", available_rulebooks())
def test_engine_matches_reference_on_demo_city(rulebook: str) -> None:
    data, _ = dataset_from_frame(generate_demo_city(n_local=400, n_enclave=40).drop("enclave"))
    assert _compare(data, rulebook, DEMO_AS_OF) == 440 * 3


money = st.one_of(
    st.none(),
    st.floats(0, 20000, allow_nan=False),
    st.sampled_from([0.0, 100.0, 1000.0, 5000.0, 10000.0]),
)
ratio_edge = st.one_of(st.none(), st.integers(0, 12))


@st.composite
def firms(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    i = draw(st.integers(1, 10**6))
    fields = dict(
        niche_years=draw(st.one_of(st.none(), st.floats(0, 15))),
        ip_class1_high_value=draw(st.one_of(st.none(), st.integers(0, 2))),
        ip_class1=draw(st.one_of(st.none(), st.integers(0, 3))),
        ip_class2=draw(st.one_of(st.none(), st.integers(0, 3))),
        ip_class1_in_use=draw(st.one_of(st.none(), st.integers(0, 5))),
        strategic_emerging=draw(st.one_of(st.none(), st.booleans())),
        iso9001=draw(st.one_of(st.none(), st.booleans())),
        own_brand=draw(st.one_of(st.none(), st.booleans())),
        rd_institution=draw(
            st.one_of(st.none(), st.sampled_from(["none", "city", "provincial", "national"]))
        ),
        digital_level=draw(st.one_of(st.none(), st.integers(1, 4))),
        market_share=draw(st.one_of(st.none(), st.floats(0, 100))),
        special_score=draw(st.one_of(st.none(), st.floats(0, 15))),
        development_score=draw(st.one_of(st.none(), st.floats(0, 100))),
        sci_award_national_rank=draw(
            st.one_of(st.none(), st.just(float("inf")), st.integers(1, 8))
        ),
    )
    honors = draw(st.one_of(st.none(), st.just([]), st.just(["high_tech"])))
    titles = draw(
        st.one_of(
            st.none(),
            st.just({}),
            st.just({"specialized": date(2023, 6, 1)}),
            st.just({"innovative": None}),
        )
    )
    rows = []
    for year in (2025, 2024, 2023):
        if draw(st.booleans()) or year == 2025:
            rev = draw(money)
            main = (
                None
                if rev is None
                else draw(st.one_of(st.none(), st.floats(0, 1).map(lambda x, r=rev: x * r)))
            )
            rows.append(
                dict(
                    revenue=rev,
                    main_revenue=main,
                    rd_expense=draw(money),
                    total_assets=draw(money),
                    total_liabilities=draw(money),
                    net_profit=draw(st.one_of(st.none(), st.floats(-500, 2000))),
                    employees=draw(st.one_of(st.none(), st.integers(1, 300))),
                    rd_employees=draw(st.one_of(st.none(), st.integers(0, 1))),
                    equity_financing=draw(money),
                    year=year,
                )
            )
    firm = firm_row(i, honors=honors, titles=titles, **fields)
    fin = [
        r
        for row in rows
        for r in years_of(i, **{f"y{row['year']}": {k: v for k, v in row.items() if k != "year"}})
    ]
    return firm, fin


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(firms(), min_size=1, max_size=8, unique_by=lambda f: f[0]["credit_code"]))
def test_engine_matches_reference_on_random_firms(
    batch: list[tuple[dict[str, Any], list[dict[str, Any]]]],
) -> None:
    data = dataset([f for f, _ in batch], financials=[r for _, fin in batch for r in fin])
    for rulebook in ("miit-2022", "miit-2026"):
        _compare(data, rulebook, date(2026, 6, 30))
    assert data.financials.filter(pl.col("year") == 2025).height == len(batch)
