"""The demo's reference panel: a synthetic table of the demo province's counties × GB/T 4754
classes (firm counts and revenue), for the subnational mode of :mod:`feidi.complexity`.

No real county × 4-digit-class table can be shipped, so the opportunities page scores the demo
county against this one. It is drawn, not observed, but with the structure real tables have,
so what the page shows behaves as it would on real data:

* **nested** — each county has a capability level (its prefecture's, which follows the
  province's rough order of output per head, plus noise) and each class a complexity (its
  division's, a judgement of the demo, plus group and class noise). A class more complex than
  the county is penalised, one simpler is not: diversified counties hold the rare, complex
  classes as well as the common ones, the others only the common ones;
* **related** — every county has an affinity for each cluster of divisions (textiles and
  clothing, machinery, electrical and electronics …), each division and each group, so classes
  of one group, one division or one cluster are found together;
* **sized** — counties differ in size, classes in reach (how common they are) and in the
  revenue of a firm (heavy industry more than software).

Expected firms per cell = county size × the softmax of those terms over the classes; firm
counts are Poisson draws; revenue = firms × the class's firm size × a productivity term of the
county × noise shrinking with the number of firms. The demo county itself (虞山市 at 常熟's
code 320581) is not drawn: its row is the demo city's expected composition — 3,000 local firms
× each industry's share × each class's weight, revenue at the generator's mean per firm — so
the panel holds it exactly as the demo registry describes it.

Everything is drawn from one ``numpy.random.Generator`` of its own (``PANEL_SEED``), so the
panel changed nothing else the demo makes; the same seed (and NumPy version) gives the same
panel, bit for bit. ``docs/opportunities.md`` lists every parameter.

>>> panel = reference_panel()
>>> panel.columns, panel["location"].n_unique() > 100
(['location', 'product', 'firms', 'revenue'], True)
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl

from feidi.demo._params import INDUSTRIES, LOCAL_REGION
from feidi.reference import division_codes, industry_codes

__all__ = [
    "PANEL_LABEL",
    "PANEL_PROVINCE",
    "PANEL_SEED",
    "PANEL_YEAR",
    "panel_products",
    "reference_panel",
]

#: The panel's own seed: none of its draws come from, or move, the demo city's stream.
PANEL_SEED = 20260402
#: 江苏省: the demo county's province; its county-level divisions are the panel's locations.
PANEL_PROVINCE = "320000"
#: The fiscal year the panel stands for (the demo city's latest).
PANEL_YEAR = 2025
PANEL_LABEL = (
    "江苏省县级单位 × GB/T 4754 小类参照面板（示例）— 合成数据，仅供演示"
    " / Jiangsu counties × GB/T 4754 classes reference panel — SYNTHETIC demo data"
)

#: The classes a registry of industrial and technology firms holds, as division (2 digits) or
#: group (3 digits) prefixes: manufacturing (C) but tobacco, a state monopoly; utilities (D);
#: internet and software (I 64–65); research, testing, design and technology transfer
#: (M 731–734, 744–746, 748–749, 751–753, 759); pollution control (N 772). Retail, property,
#: farming, telecom carriers or the weather service are not the kind of firm a cultivation
#: registry holds: against their shares every registry county would look specialised in
#: everything it has, and none of them is an industry a county sets out to attract.
_PREFIXES = (
    *(f"{d}" for d in range(13, 47) if d != 16),
    "64",
    "65",
    *("731", "732", "733", "734", "744", "745", "746", "748", "749"),
    *("751", "752", "753", "759", "772"),
)

#: A division's complexity: how much know-how its classes need (a judgement of the demo, on
#: the scale of a z-score: electronics, instruments, aerospace, pharmaceuticals and R&D high;
#: food, clothing, wood and building materials low).
_COMPLEXITY: dict[str, float] = {
    "13": -1.2, "14": -0.9, "15": -0.8, "17": -0.7, "18": -1.1, "19": -1.0,
    "20": -1.1, "21": -0.8, "22": -0.5, "23": -0.6, "24": -0.5, "25": -0.3, "26": 0.3,
    "27": 1.0, "28": 0.0, "29": -0.3, "30": -0.7, "31": -0.2, "32": 0.1, "33": -0.4,
    "34": 0.5, "35": 0.8, "36": 0.7, "37": 1.2, "38": 0.7, "39": 1.3, "40": 1.3, "41": -0.6,
    "42": -0.6, "43": -0.2, "44": -0.6, "45": -0.6, "46": -0.8, "64": 0.9,
    "65": 1.1, "73": 1.5, "74": 0.8, "75": 0.9, "77": 0.0,
}  # fmt: skip

#: Clusters of divisions a county tends to hold together (shared labour, suppliers, customers).
_CLUSTERS: dict[str, tuple[str, ...]] = {
    "agri_food": ("13", "14", "15"),
    "textile_light": ("17", "18", "19", "20", "21", "22", "23", "24", "41"),
    "chemicals": ("25", "26", "27", "28", "29"),
    "materials": ("30", "31", "32", "42"),
    "machinery": ("33", "34", "35", "43"),
    "transport": ("36", "37"),
    "electrical_electronic": ("38", "39", "40"),
    "digital": ("64", "65"),
    "tech_services": ("73", "74", "75"),
    "utilities_environment": ("44", "45", "46", "77"),
}

#: Revenue of a typical firm of the division (万元): refineries and steel mills are big,
#: software houses and labs small.
_FIRM_REVENUE: dict[str, float] = {
    "13": 6000, "14": 4000, "15": 5000, "17": 4000, "18": 3000, "19": 3000,
    "20": 3000, "21": 3500, "22": 6000, "23": 2500, "24": 3000, "25": 30000, "26": 12000,
    "27": 9000, "28": 15000, "29": 4000, "30": 4500, "31": 40000, "32": 15000, "33": 3500,
    "34": 5000, "35": 5000, "36": 9000, "37": 12000, "38": 7000, "39": 12000, "40": 4000,
    "41": 2500, "42": 5000, "43": 2500, "44": 25000, "45": 8000, "46": 3000,
    "64": 3000, "65": 1500, "73": 1200, "74": 1500, "75": 1000, "77": 2000,
}  # fmt: skip

#: Capability level of each prefecture's counties: the rough order of output per head
#: (苏州, 无锡, 南京 and 常州 first; 宿迁, 连云港 and 淮安 last), a judgement of the demo.
_PREFECTURE_LEVEL: dict[str, float] = {
    "320500": 1.5, "320200": 1.5, "320100": 1.35, "320400": 1.2, "321100": 0.75,
    "320600": 0.6, "321000": 0.45, "321200": 0.3, "320300": -0.45, "320900": -0.45,
    "320800": -0.6, "320700": -0.75, "321300": -0.9,
}  # fmt: skip

#: Median firms of a county in the panel's sections (a county's registry of industrial and
#: technology firms; the demo county's 3,000 sit in the upper part of the range).
_MEDIAN_FIRMS = 1400.0
#: How sharply a class more complex than the county is penalised (log expected firms per
#: unit of complexity above the county's level), and the softness of the bend.
_ABOVE_PENALTY, _BEND = 4.0, 0.5
#: Standard deviations of the drawn terms.
_SD = {
    "level": 0.45,  # a county around its prefecture's level
    "size": 0.45,  # log firms of a county beyond its level
    "group_complexity": 0.3,
    "class_complexity": 0.3,
    "reach": 0.8,  # log expected firms of a class: common or rare
    "cluster": 0.3,  # a county's affinity for a cluster, a division, a group, beyond its lift
    "division": 0.3,
    "group": 0.25,
    "cell": 0.35,  # what is left of one county × class
    "firm_revenue": 0.35,  # a class's firm size around its division's
    "cell_revenue": 0.5,  # revenue of one firm around its class's (÷ √firms for a cell)
}
#: Specialisation: the share of clusters / divisions / groups a county leads in, and the lift
#: (log expected firms) it gives their classes.
_SPECIALISED: dict[str, tuple[float, float]] = {
    "cluster": (0.25, 2.0),
    "division": (0.2, 1.2),
    "group": (0.15, 0.8),
}
#: log revenue per unit of county capability (richer counties' firms are bigger).
_PRODUCTIVITY = 0.25
#: The demo city's local firms and their mean revenue per firm before the industry's shift:
#: LN(2900, 1.15) has mean 2900 · e^(1.15²/2) (``docs/demo-city.md``).
_DEMO_FIRMS = 3000
_DEMO_MEAN_REVENUE = 2900.0 * float(np.exp(1.15**2 / 2))


@cache
def panel_products() -> tuple[str, ...]:
    """The panel's GB/T 4754 classes (小类), as the registry writes them (``C3670``), in code
    order: every class of the divisions and groups in ``_PREFIXES``.

    >>> products = panel_products()
    >>> len(products), products[0], "C3670" in products
    (695, 'C1311', True)
    """
    return tuple(
        f"{i.section}{i.code}"
        for i in industry_codes().values()
        if i.level == "小类" and i.code.startswith(_PREFIXES)
    )


def _counties() -> tuple[str, ...]:
    prefix = PANEL_PROVINCE[:2]
    return tuple(
        sorted(
            d.code
            for d in division_codes().values()
            if d.level == "county" and d.code.startswith(prefix)
        )
    )


def _demo_county_row(products: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The demo city's expected firms and revenue per class (its local firms)."""
    col = {p: j for j, p in enumerate(products)}
    firms = np.zeros(len(products))
    revenue = np.zeros(len(products))
    for ind in INDUSTRIES:
        per_firm = _DEMO_MEAN_REVENUE * float(np.exp(ind.revenue_shift))
        for cls in ind.classes:
            n = round(_DEMO_FIRMS * ind.local_share * cls.local_weight)
            if n:
                firms[col[cls.code]] += n
                revenue[col[cls.code]] += n * per_firm
    return firms, revenue


def _specialisation(rng: np.random.Generator, shape: tuple[int, int], level: str) -> np.ndarray:
    """A county's affinity for each cluster, division or group: a strong lift for the few it
    specialises in (a county has two or three leading clusters, not a little of everything),
    plus a little noise for all."""
    share, lift = _SPECIALISED[level]
    held = rng.random(shape) < share
    out: np.ndarray = lift * held + rng.normal(0.0, _SD[level], shape)
    return out


def _group_index(keys: list[str]) -> tuple[np.ndarray, int]:
    uniq = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    return np.array([uniq[k] for k in keys], dtype=np.int64), len(uniq)


@cache
def _panel(seed: int) -> pl.DataFrame:
    rng = np.random.default_rng([seed, int(PANEL_PROVINCE)])
    counties = _counties()
    products = panel_products()
    n_c, n_p = len(counties), len(products)
    division = [p[1:3] for p in products]
    cluster_of = {d: k for k, ds in _CLUSTERS.items() for d in ds}
    div_idx, n_div = _group_index(division)
    grp_idx, n_grp = _group_index([p[1:4] for p in products])
    clu_idx, n_clu = _group_index([cluster_of[d] for d in division])

    # counties: capability level and size
    level = np.array([_PREFECTURE_LEVEL[c[:4] + "00"] for c in counties])
    theta = level + rng.normal(0.0, _SD["level"], n_c)
    size = _MEDIAN_FIRMS * np.exp(0.35 * theta + rng.normal(0.0, _SD["size"], n_c))

    # classes: complexity, reach, firm size
    q = (
        np.array([_COMPLEXITY[d] for d in division])
        + rng.normal(0.0, _SD["group_complexity"], n_grp)[grp_idx]
        + rng.normal(0.0, _SD["class_complexity"], n_p)
    )
    reach = rng.normal(0.0, _SD["reach"], n_p)
    firm_revenue = np.array([_FIRM_REVENUE[d] for d in division]) * np.exp(
        rng.normal(0.0, _SD["firm_revenue"], n_p)
    )

    # county × class: affinities of cluster, division and group, the penalty above the
    # county's level, and what is left of the cell
    affinity = (
        _specialisation(rng, (n_c, n_clu), "cluster")[:, clu_idx]
        + _specialisation(rng, (n_c, n_div), "division")[:, div_idx]
        + _specialisation(rng, (n_c, n_grp), "group")[:, grp_idx]
    )
    above = (q[None, :] - theta[:, None]) / _BEND
    penalty = _ABOVE_PENALTY * _BEND * np.logaddexp(0.0, above)  # soft max(0, q − θ)
    logit = reach[None, :] + affinity - penalty + rng.normal(0.0, _SD["cell"], (n_c, n_p))
    logit -= logit.max(axis=1, keepdims=True)
    share = np.exp(logit)
    share /= share.sum(axis=1, keepdims=True)
    firms = rng.poisson(size[:, None] * share).astype(np.float64)
    noise = rng.normal(0.0, _SD["cell_revenue"], (n_c, n_p)) / np.sqrt(np.maximum(firms, 1.0))
    revenue = np.round(
        firms * firm_revenue[None, :] * np.exp(_PRODUCTIVITY * theta[:, None] + noise), 2
    )

    # the demo county as the demo registry describes it
    if LOCAL_REGION in counties:
        row = counties.index(LOCAL_REGION)
        firms[row], revenue[row] = _demo_county_row(products)
        revenue[row] = np.round(revenue[row], 2)

    loc, prod = np.nonzero(firms)
    return pl.DataFrame(
        {
            "location": pl.Series(counties, dtype=pl.String).gather(loc),
            "product": pl.Series(products, dtype=pl.String).gather(prod),
            "firms": firms[loc, prod].astype(np.int64),
            "revenue": revenue[loc, prod],
        }
    )


def reference_panel(seed: int = PANEL_SEED) -> pl.DataFrame:
    """The synthetic reference panel: one row per county × class with at least one firm —
    ``location`` (6-digit division code of a county of ``PANEL_PROVINCE``), ``product``
    (GB/T 4754 class, ``C3670``), ``firms`` (Int64) and ``revenue`` (Float64, 万元, two
    decimals) for ``PANEL_YEAR``; sorted by location, then product.

    Deterministic: the same ``seed`` gives the same frame (computed once per process).
    Another seed gives another province of the same structure; the demo county's row is the
    same under every seed.
    """
    return _panel(seed)
