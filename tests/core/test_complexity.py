"""feidi.complexity against published figures (pacha, Datawheel), hand-computed cases and
brute-force loops over the formulas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from feidi.complexity import (
    Panel,
    compute,
    density,
    eci_pci,
    fitness_complexity,
    location_proximity,
    mcp,
    outlook,
    pivot,
    proximity,
    rca,
    reference_from,
    score_against,
)

#: Published figures, copied from ../shared/data/complexity with their provenance (README).
DATA = Path(__file__).resolve().parents[1] / "data" / "complexity"


@pytest.fixture(scope="module")
def world() -> Panel:
    frame = pl.read_parquet(DATA / "pacha_world_trade_avg_1998_to_2000_sitc2.parquet")
    return pivot(frame, "country", "product", "value")


@pytest.fixture(scope="module")
def expected() -> pl.DataFrame:
    return pl.read_csv(
        DATA / "pacha_vignette_expected_values.csv", schema_overrides={"entity": pl.String}
    )


def _expected(expected: pl.DataFrame, quantity: str, method: str) -> dict[str, float]:
    rows = expected.filter((pl.col("quantity") == quantity) & (pl.col("method") == method))
    return dict(zip(rows["entity"], rows["value"], strict=True))


def test_pacha_world_shape_and_mcp_count(world: Panel) -> None:
    m = mcp(rca(world.values))
    assert world.shape == (226, 785)
    assert int(m.sum()) == 31951


def test_pacha_balassa_continuous(world: Panel, expected: pl.DataFrame) -> None:
    r = rca(world.values)
    want = _expected(expected, "balassa_index_continuous", "rca")
    assert len(want) == 6
    for pair, value in want.items():
        c, p = pair.split("|")
        got = r[world.locations.index(c), world.products.index(p)]
        assert got == pytest.approx(value, abs=1e-6)


def test_pacha_eci_pci_eigenvalues_to_1e6(world: Panel, expected: pl.DataFrame) -> None:
    eci, pci = eci_pci(mcp(rca(world.values)))
    want_c = _expected(expected, "complexity_index_country", "eigenvalues")
    want_p = _expected(expected, "complexity_index_product", "eigenvalues")
    got_c = {c: eci[world.locations.index(c)] for c in want_c}
    got_p = {p: pci[world.products.index(p)] for p in want_p}
    assert len(want_c) == 5 and len(want_p) == 5
    assert max(abs(got_c[k] - v) for k, v in want_c.items()) < 1e-6
    assert max(abs(got_p[k] - v) for k, v in want_p.items()) < 1e-6
    # standardised with the sample standard deviation (R's sd)
    assert eci.mean() == pytest.approx(0.0, abs=1e-12)
    assert eci.std(ddof=1) == pytest.approx(1.0, abs=1e-12)


def test_pacha_proximity_to_1e6(world: Panel, expected: pl.DataFrame) -> None:
    m = mcp(rca(world.values))
    phi_p, phi_c = proximity(m), location_proximity(m)
    for pair, value in _expected(
        expected, "proximity_product", "min_conditional_probability"
    ).items():
        a, b = (world.products.index(x) for x in pair.split("|"))
        assert abs(phi_p[a, b] - value) < 1e-6
        assert phi_p[a, b] == phi_p[b, a]
    for pair, value in _expected(
        expected, "proximity_country", "min_conditional_probability"
    ).items():
        a, b = (world.locations.index(x) for x in pair.split("|"))
        assert abs(phi_c[a, b] - value) < 1e-6
    assert np.diag(phi_p).tolist() == [1.0] * 785


def test_pacha_fitness_every_country_and_product(world: Panel, expected: pl.DataFrame) -> None:
    fit, comp = fitness_complexity(mcp(rca(world.values)))
    countries = pl.read_csv(DATA / "pacha_output_fitness_country.csv")
    products = pl.read_csv(
        DATA / "pacha_output_fitness_product.csv", schema_overrides={"product": pl.String}
    )
    got_c = fit[[world.locations.index(c) for c in countries["country"]]]
    got_p = comp[[world.products.index(p) for p in products["product"]]]
    np.testing.assert_allclose(got_c, countries["fitness_complexity"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(got_p, products["fitness_complexity"].to_numpy(), rtol=1e-9)
    for c, v in _expected(expected, "complexity_index_country", "fitness").items():
        assert abs(fit[world.locations.index(c)] - v) < 1e-6


def _describe(x: np.ndarray) -> dict[str, float]:
    return {
        "count": float(len(x)),
        "mean": round(float(x.mean()), 6),
        "std": round(float(x.std(ddof=1)), 6),
        "min": round(float(x.min()), 6),
        "25%": round(float(np.percentile(x, 25)), 6),
        "50%": round(float(np.percentile(x, 50)), 6),
        "75%": round(float(np.percentile(x, 75)), 6),
        "max": round(float(x.max()), 6),
    }


def test_datawheel_rca_figures_exactly() -> None:
    frame = pl.read_csv(DATA / "datawheel_fixture_exports.csv")
    panel = pivot(frame, "Exporter Country ID", "Section ID", "Trade Value")
    r = rca(panel.values)
    assert panel.dropped_locations == ()
    assert _describe(r[:, panel.products.index("1")]) == {
        "count": 226.0,
        "mean": 3.484895,
        "std": 8.261088,
        "min": 0.0,
        "25%": 0.1291,
        "50%": 0.718371,
        "75%": 2.165564,
        "max": 47.724923,
    }
    assert _describe(r[:, panel.products.index("9")]) == {
        "count": 226.0,
        "mean": 1.959028,
        "std": 6.469812,
        "min": 0.0,
        "25%": 0.040933,
        "50%": 0.267903,
        "75%": 1.264129,
        "max": 75.963223,
    }


# --- hand-computed --------------------------------------------------------------------------
X3 = np.array([[5.0, 3.0, 2.0], [6.0, 1.0, 0.0], [1.0, 4.0, 5.0]])


def test_rca_hand_computed() -> None:
    # totals: rows 10, 7, 10; columns 12, 8, 7; all 27
    r = rca(X3)
    assert r[0, 0] == pytest.approx((5 / 10) / (12 / 27))
    assert r[1, 2] == 0.0
    assert r[2, 2] == pytest.approx((5 / 10) / (7 / 27))
    assert mcp(r).astype(int).tolist() == [[1, 1, 0], [1, 0, 0], [0, 1, 1]]


def test_eci_pci_two_by_two_nested_and_sign() -> None:
    # nested: location 0 has everything, product 2 only the most diverse location has
    m = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0]], dtype=float)
    eci, pci = eci_pci(m)
    np.testing.assert_allclose(eci, [1.0, 0.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(pci, [-1.0, 0.0, 1.0], atol=1e-12)


def test_eci_is_mean_pci_of_products_present_on_stata_scale(world: Panel) -> None:
    m = mcp(rca(world.values))
    eci, pci = eci_pci(m, pci_scale="eci")
    np.testing.assert_allclose(eci, (m @ pci) / m.sum(axis=1), atol=1e-9)
    own_eci, own_pci = eci_pci(m)
    np.testing.assert_allclose(eci, own_eci, atol=1e-12)
    assert np.corrcoef(pci, own_pci)[0, 1] == pytest.approx(1.0, abs=1e-12)


def test_density_cog_coi_match_brute_force_loops() -> None:
    rng = np.random.default_rng(7)
    m = (rng.random((9, 7)) < 0.4).astype(float)
    m[:, 0] = 1.0
    phi = proximity(m)
    pci = rng.normal(size=7)
    d, coi, cog = outlook(m, phi, pci)
    n_c, n_p = m.shape
    for c in range(n_c):
        for p in range(n_p):
            others = [q for q in range(n_p) if q != p]
            want_d = sum(m[c, q] * phi[p, q] for q in others) / sum(phi[p, q] for q in others)
            assert d[c, p] == pytest.approx(want_d, abs=1e-12)
            want_g = (1 - m[c, p]) * sum(
                (1 - m[c, q]) * phi[q, p] * pci[q] / sum(phi[q, r] for r in range(n_p) if r != q)
                for q in range(n_p)
                if q != p
            )
            assert cog[c, p] == pytest.approx(want_g, abs=1e-12)
        assert coi[c] == pytest.approx(sum(d[c, p] * (1 - m[c, p]) * pci[p] for p in range(n_p)))
    np.testing.assert_allclose(density(m, phi), d, atol=1e-12)


def test_pivot_drops_zero_totals_and_names_them() -> None:
    frame = pl.DataFrame(
        {
            "l": ["a", "a", "b", "c", "c", "d"],
            "p": ["x", "y", "x", "y", "z", "z"],
            "v": [1.0, 2.0, 0.0, 3.0, 0.0, 0.0],
        }
    )
    panel = pivot(frame, "l", "p", "v")
    assert panel.locations == ("a", "c")
    assert panel.products == ("x", "y")
    assert panel.dropped_locations == ("b", "d")
    assert panel.dropped_products == ("z",)


def test_pivot_refuses_negative_values() -> None:
    frame = pl.DataFrame({"l": ["a", "b"], "p": ["x", "x"], "v": [1.0, -1.0]})
    with pytest.raises(ValueError, match="must not be negative"):
        pivot(frame, "l", "p", "v")


def test_compute_refuses_a_single_location() -> None:
    with pytest.raises(ValueError, match="at least 2 locations"):
        compute(Panel.from_dense([[1.0, 2.0, 3.0]], ["a"], "xyz"))


# --- subnational ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spain() -> tuple[Panel, Panel]:
    glob = pl.read_csv(DATA / "datawheel_global_exports.csv")
    subnat = pl.read_csv(DATA / "datawheel_subnat_exports.csv")
    return (
        pivot(glob, "Country ID", "Section ID", "Trade Value"),
        pivot(subnat, "Subnat Geography", "Section ID", "Trade Value"),
    )


def test_subnational_input_rca_reproduces_datawheel_method(spain: tuple[Panel, Panel]) -> None:
    world_panel, provinces = spain
    ref = reference_from(world_panel)
    scored, left_out = score_against(provinces, ref, rca_against="input")
    # section 22 ("unspecified") is in the Spanish file only: it has no PCI
    assert left_out == ("22",)
    # Datawheel's complexity_subnational: RCA within the provinces (every section), ECI =
    # the mean external PCI of the sections with RCA >= 1 that have one
    pci = dict(zip(ref.products, ref.pci, strict=True))
    r = rca(provinces.values)
    assert scored.panel.locations == provinces.locations
    for i in range(len(provinces.locations)):
        have = [pci[p] for j, p in enumerate(provinces.products) if r[i, j] >= 1 and p in pci]
        if have:
            assert scored.eci[i] == pytest.approx(sum(have) / len(have), abs=1e-12)
        else:  # only "unspecified" exports stand out: 0 / 0, as in Datawheel
            assert np.isnan(scored.eci[i])
    no_eci = [n for n, e in zip(provinces.locations, scored.eci, strict=True) if np.isnan(e)]
    assert no_eci == ["Sin provincia asignada"]
    assert scored.panel.shape == (53, 21)


def test_subnational_one_city_scores_as_in_the_whole_table(spain: tuple[Panel, Panel]) -> None:
    world_panel, provinces = spain
    ref = reference_from(world_panel)
    all_scored, _ = score_against(provinces, ref)
    i = provinces.locations.index("Barcelona")
    city = Panel(("Barcelona",), provinces.products, provinces.values[i : i + 1])
    one, _ = score_against(city, ref)
    j = all_scored.panel.locations.index("Barcelona")
    np.testing.assert_array_equal(one.m[0], all_scored.m[j])
    np.testing.assert_allclose(one.cog[0], all_scored.cog[j], atol=1e-12)
    assert one.eci[0] == pytest.approx(all_scored.eci[j], abs=1e-12)
    # RCA against the world's shares, density from the world's proximity
    x = np.zeros(len(ref.products))
    for j, p in enumerate(provinces.products):
        if p in ref.products:
            x[ref.products.index(p)] = provinces.values[i, j]
    np.testing.assert_allclose(one.rca[0], (x / x.sum()) / ref.share, rtol=1e-12)
    np.testing.assert_allclose(one.density[0], density(one.m, ref.proximity)[0], atol=1e-12)
    assert one.coi[0] == pytest.approx(
        float(np.sum(one.density[0] * (1 - one.m[0]) * ref.pci)), abs=1e-12
    )
