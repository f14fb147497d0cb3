"""A 2,800 × 1,381 county-by-industry table: feidi.complexity beside py-ecomplexity.

The table is synthetic but shaped like a county industry census (seeded, deterministic):
2,800 counties × 1,381 GB/T 4754 classes (小类); a county's size is Pareto-distributed, its
number of industries log-normal (median ≈ 120); an industry's reach is heavy-tailed (a few
are everywhere, most in a handful of counties); present cells carry log-normal output
(σ = 1.5) scaled by the county's size. About 4 % of the cells are non-zero, given as a long
table (location, product, value) of those cells only.

Timed in one process (``--runs`` times each, best shown):

* **feidi**: :func:`feidi.complexity.complexity_tables` — pivot, RCA, M, diversity,
  ubiquity, ECI, PCI, proximity, density, COI and COG, and the three
  output tables (locations, products, 3.9 M pairs) as Polars frames;
* **py-ecomplexity** (``pip install ecomplexity``, Harvard Growth Lab, 0.5.x):
  ``ecomplexity(df, cols)`` — RCA, M, ECI, PCI, proximity, density, COI and COG, on the same
  long table as pandas.

Agreement is checked: py-ecomplexity standardises with the population standard deviation
and PCI with ECI's mean and deviation, so its ECI and PCI are compared with feidi's
``pci_scale="eci"`` figures rescaled by √(n / (n − 1)).

Target (issue 13): feidi under 1 s. Usage: ``python bench/complexity.py [--runs 3]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import polars as pl

from feidi.complexity import complexity_tables, compute, pivot

N_COUNTIES = 2_800
N_INDUSTRIES = 1_381


def county_table(seed: int = 13) -> pl.DataFrame:
    """The long table: one row per non-zero county × industry cell."""
    rng = np.random.default_rng(seed)
    size = rng.pareto(1.2, N_COUNTIES) + 1.0
    breadth = np.clip(rng.lognormal(np.log(120), 0.6, N_COUNTIES), 5, N_INDUSTRIES)
    reach = rng.pareto(0.9, N_INDUSTRIES) + 0.05
    reach = reach / reach.mean()
    # P(present) ∝ county breadth × industry reach: capable counties hold the rare
    # industries too (nestedness), as in real production data
    p = np.clip(np.outer(breadth / N_INDUSTRIES, reach), 0, 0.98)
    present = rng.random((N_COUNTIES, N_INDUSTRIES)) < p
    present[np.arange(N_COUNTIES), rng.integers(0, N_INDUSTRIES, N_COUNTIES)] = True
    present[rng.integers(0, N_COUNTIES, N_INDUSTRIES), np.arange(N_INDUSTRIES)] = True
    rows, cols = np.nonzero(present)
    value = rng.lognormal(0.0, 1.5, rows.size) * size[rows] * 1_000
    return pl.DataFrame(
        {
            "location": np.char.add("county", rows.astype(str).astype(object).astype(str)),
            "product": np.char.add("C", (cols + 1000).astype(str)),
            "value": np.round(value, 2),
        }
    )


def _best(fn, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-runs", type=int, default=1)
    args = parser.parse_args()

    table = county_table()
    n_loc, n_prod = table["location"].n_unique(), table["product"].n_unique()
    print(
        f"table: {n_loc:,} counties × {n_prod:,} industries, {table.height:,} non-zero cells"
        f" ({table.height / (n_loc * n_prod):.1%})"
    )
    feidi_s, ours = _best(lambda: complexity_tables(table), args.runs)
    print(
        f"feidi complexity_tables (pivot, every measure but fitness, 3 tables): {feidi_s:.3f} s (best of {args.runs})"
    )
    panel = pivot(table, "location", "product", "value")
    full_s, _ = _best(lambda: compute(panel), args.runs)
    print(f"feidi compute() on the matrix, fitness–complexity included: {full_s:.3f} s")
    _, stata = _best(lambda: complexity_tables(table, pci_scale="eci"), 1)

    try:
        from ecomplexity import ecomplexity
    except ImportError:
        print("py-ecomplexity not installed (pip install ecomplexity): no baseline")
        return
    frame = table.to_pandas()
    frame["year"] = 2023
    cols = {"time": "year", "loc": "location", "prod": "product", "val": "value"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base_s, theirs = _best(lambda: ecomplexity(frame, cols, verbose=False), args.baseline_runs)
    print(f"py-ecomplexity {_version()}: {base_s:.3f} s")
    print(f"ratio: feidi is {base_s / feidi_s:.0f}× faster")

    eci_py = theirs.groupby("location")["eci"].first()
    pci_py = theirs.groupby("product")["pci"].first()
    locs = stata.locations.sort("location")
    prods = stata.products.sort("product")
    scale = np.sqrt(n_loc / (n_loc - 1))
    d_eci = np.abs(locs["eci"].to_numpy() * scale - eci_py.loc[locs["location"]].to_numpy())
    d_pci = np.abs(prods["pci"].to_numpy() * scale - pci_py.loc[prods["product"]].to_numpy())
    print(f"agreement: max |ΔECI| = {d_eci.max():.2e}, max |ΔPCI| = {d_pci.max():.2e}")
    own = ours.locations.sort("location")["eci"].to_numpy()
    print(
        f"corr(feidi ECI, py-ecomplexity ECI) = {np.corrcoef(own, eci_py.loc[locs['location']])[0, 1]:.12f}"
    )
    if d_eci.max() > 1e-6 or d_pci.max() > 1e-6:
        raise SystemExit("ECI/PCI disagree with py-ecomplexity beyond 1e-6")


def _version() -> str:
    from importlib.metadata import version

    return version("ecomplexity")


if __name__ == "__main__":
    main()
