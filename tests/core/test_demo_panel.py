"""The demo's reference panel (``feidi.demo.reference_panel``): deterministic, the demo county
in it as the registry describes it, the shape of a county × class table, nested and related,
and the subnational mode of ``feidi.complexity`` runs on it."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from feidi.complexity import Panel, complexity_tables, pivot, reference_from, score_against
from feidi.demo import (
    INDUSTRIES,
    LOCAL_REGION,
    PANEL_PROVINCE,
    PANEL_SEED,
    generate_demo_city,
    panel_products,
    reference_panel,
)
from feidi.demo._panel import _panel
from feidi.reference import division_codes, industry

c = pl.col


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return reference_panel()


@pytest.fixture(scope="module")
def registry() -> pl.DataFrame:
    """The demo city's local firms in its latest fiscal year."""
    city = generate_demo_city()
    return city.filter(~c("enclave"), c("year") == city["year"].max())


def test_same_seed_same_panel_other_seed_other_panel(panel: pl.DataFrame) -> None:
    again = _panel.__wrapped__(PANEL_SEED)  # drawn afresh, not the cached frame
    assert again is not panel
    assert_frame_equal(again, panel)
    other = reference_panel(PANEL_SEED + 1)
    assert other.shape != panel.shape or not other.equals(panel)
    # the demo county is the registry's, whatever the seed
    assert_frame_equal(
        other.filter(c("location") == LOCAL_REGION), panel.filter(c("location") == LOCAL_REGION)
    )


def test_the_panel_leaves_the_demo_city_unchanged() -> None:
    before = generate_demo_city(n_local=40, n_enclave=4)
    _panel.__wrapped__(PANEL_SEED + 7)
    assert_frame_equal(generate_demo_city(n_local=40, n_enclave=4), before)


def test_shape_counties_and_classes(panel: pl.DataFrame) -> None:
    assert panel.columns == ["location", "product", "firms", "revenue"]
    assert panel.schema["firms"] == pl.Int64 and panel.schema["revenue"] == pl.Float64
    counties = {
        d.code
        for d in division_codes().values()
        if d.level == "county" and d.code[:2] == PANEL_PROVINCE[:2]
    }
    assert set(panel["location"]) == counties
    assert len(counties) == 104
    products = panel_products()
    assert set(panel["product"]) <= set(products)
    assert panel["product"].n_unique() > 0.9 * len(products)
    for code in products:  # every class is a GB/T 4754-2017 小类 with its own section letter
        found = industry(code)
        assert found is not None and found.level == "小类" and code[0] == found.section
    assert panel["firms"].min() >= 1 and panel["revenue"].min() > 0
    assert panel.select("location", "product").is_unique().all()
    assert panel.equals(panel.sort("location", "product"))
    per_county = panel.group_by("location").agg(c("firms").sum(), pl.len().alias("classes"))
    assert per_county["firms"].min() > 200 and per_county["firms"].max() < 12_000
    assert 40 < per_county["classes"].median() < 600  # type: ignore[operator]


def test_demo_county_is_the_registry_expected_composition(
    panel: pl.DataFrame, registry: pl.DataFrame
) -> None:
    row = panel.filter(c("location") == LOCAL_REGION)
    expected = {
        cls.code: round(3000 * ind.local_share * cls.local_weight)
        for ind in INDUSTRIES
        for cls in ind.classes
        if round(3000 * ind.local_share * cls.local_weight)
    }
    assert dict(zip(row["product"], row["firms"], strict=True)) == expected
    # hand-worked: C3670 auto parts, 0.20 × 0.62 of 3,000 firms, at 2900 · e^(0.15 + 1.15²/2)
    c3670 = row.filter(c("product") == "C3670")
    assert c3670["firms"].item() == 372
    assert c3670["revenue"].item() == pytest.approx(372 * 2900 * np.exp(0.15 + 1.15**2 / 2))
    # the registry the demo loads holds the same classes, in much the same shares
    drawn = registry.group_by("industry_code").agg(pl.len().alias("n"))
    assert set(drawn["industry_code"]) == set(expected)
    share = drawn.with_columns(
        expected=c("industry_code").replace_strict(expected, return_dtype=pl.Float64)
    )
    r = np.corrcoef(share["n"].to_numpy(), share["expected"].to_numpy())[0, 1]
    assert r > 0.97


@pytest.mark.parametrize("value", ["firms", "revenue"])
def test_nested_and_related(panel: pl.DataFrame, value: str) -> None:
    full = reference_from(pivot(panel, "location", "product", value)).full
    div, ubi = full.diversity, full.ubiquity
    mean_ubiquity = (full.m @ ubi) / div
    # diversified counties hold rare industries (Hidalgo & Hausmann 2009, fig. 2)
    assert np.corrcoef(div, mean_ubiquity)[0, 1] < (-0.6 if value == "firms" else -0.4)
    # classes of one group co-locate: proximity within a group far above across divisions
    codes = np.array(full.panel.products)
    group = np.array([p[1:4] for p in codes])
    div2 = np.array([p[1:3] for p in codes])
    phi = full.proximity.copy()
    np.fill_diagonal(phi, np.nan)
    same_group = group[:, None] == group[None, :]
    other_division = div2[:, None] != div2[None, :]
    assert np.nanmean(phi[same_group]) > 2 * np.nanmean(phi[other_division])
    # the capability order shows through: 苏南's counties above 苏北's
    eci = dict(zip(full.panel.locations, full.eci, strict=True))
    south = [v for k, v in eci.items() if k[:4] in ("3201", "3202", "3204", "3205")]
    north = [v for k, v in eci.items() if k[:4] in ("3203", "3207", "3208", "3209", "3213")]
    assert np.mean(south) > np.mean(north) + 0.8
    # electronics and instruments are complex, clothing and wood simple
    pci = dict(zip(codes, full.pci, strict=True))
    high = np.nanmean([v for k, v in pci.items() if k[1:3] in ("39", "40")])
    low = np.nanmean([v for k, v in pci.items() if k[1:3] in ("18", "20")])
    assert high > low + 1.0


def test_subnational_scoring_of_the_demo_registry(
    panel: pl.DataFrame, registry: pl.DataFrame
) -> None:
    ref = reference_from(pivot(panel, "location", "product", "revenue"))
    table = registry.group_by("industry_code").agg(c("revenue").sum()).sort("industry_code")
    county = Panel.from_dense(
        [table["revenue"].to_numpy()], [LOCAL_REGION], table["industry_code"].to_list()
    )
    scored, left_out = score_against(county, ref)
    assert left_out == ()
    # RCA by hand for C3670: the county's share over the panel's share
    j = ref.products.index("C3670")
    x = table.filter(c("industry_code") == "C3670")["revenue"].item()
    by_hand = (x / table["revenue"].sum()) / (
        panel.filter(c("product") == "C3670")["revenue"].sum() / panel["revenue"].sum()
    )
    assert scored.rca[0, j] == pytest.approx(by_hand)
    held = {p for p, m in zip(ref.products, scored.m[0], strict=True) if m}
    assert held <= set(table["industry_code"]) and 30 < len(held) <= table.height
    # ECI is the mean reference PCI of what the county holds
    assert scored.eci[0] == pytest.approx(np.nanmean(ref.pci[scored.m[0] == 1]))
    assert np.isfinite(scored.coi[0])
    absent = scored.m[0] == 0
    assert (scored.cog[0][~absent] == 0).all() and (scored.density[0] >= 0).all()
    # the same through the long-table entry point the CLI uses
    tables = complexity_tables(
        registry.select(
            pl.lit(LOCAL_REGION).alias("location"), c("industry_code").alias("product"), "revenue"
        ),
        value="revenue",
        reference=panel.drop("firms"),
    )
    assert tables.locations["eci"].item() == pytest.approx(scored.eci[0])
