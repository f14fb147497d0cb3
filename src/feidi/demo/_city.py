"""The synthetic demo city: one vectorised generator for 3,300 or 1,000,000 firms.

Every firm is drawn from two latent scores — ``z_size`` (scale) and ``z_inno`` (innovation
propensity, correlated 0.3 with size) — plus its industry, and every observable is a noisy
function of those. All draws come from one ``numpy.random.Generator`` seeded with ``seed`` in
a fixed order, so a seed always gives the same frame. There is no Python loop over firms:
loops run over industries, years, fields or title levels only.

The parameters are documented in ``docs/demo-city.md``; the data (industries, towns, word lists,
title batches) lives in :mod:`feidi.demo._params`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import polars as pl

from feidi.demo._codes import MA_ORG_CAPACITY, OLD_ORG_CAPACITY, org_codes, region_credit_codes
from feidi.demo._params import (
    ENCLAVE_REGION,
    ENCLAVE_SUFFIX,
    ENCLAVE_TOWNS,
    INDUSTRIES,
    LOCAL_REGION,
    LOCAL_SUFFIXES,
    MACRO_GROWTH,
    TITLE_BATCHES,
    TOWNS,
    TRADE_NAME_CHARS,
)
from feidi.demo._products import products_for_classes
from feidi.schema import FIELDS, FIELDS_BY_NAME, FIRM_FIELDS, TITLE_LEVELS, YEAR_FIELDS

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

#: Share of local firms whose values are pulled onto a ladder threshold (see ``HUGS``).
THRESHOLD_SHARE = 0.10
#: Share of firms (local and enclave) with one to three empty cells.
MISSING_SHARE = 0.05
#: Share of trade names (字号) with three characters instead of two.
THREE_CHAR_SHARE = 0.15
#: Share of titles listed without a grant date (a title without a date counts as held).
UNDATED_TITLE_SHARE = 0.02

#: Threshold targets: (metric, threshold). Offsets: one step below, exact (twice), one above.
HUGS: tuple[tuple[str, float], ...] = (
    ("rd_ratio", 3.0),  # R&D / revenue, percent (specialized 2022 (二), innovative 15 pts)
    ("rd_ratio", 5.0),  # innovative 20 pts
    ("debt_ratio", 55.0),  # innovative 10 / 5 pts
    ("debt_ratio", 70.0),  # little giant 精, specialized 1 / 0 pts
    ("revenue", 1000.0),  # specialized 2022 (三)
    ("revenue", 5000.0),  # little giant R&D band edge, 2026 little giant
    ("main_share", 70.0),  # innovative 20 pts, little giant 专
    ("main_share", 80.0),  # specialized 5 pts, 2026 specialized
    ("main_growth", 5.0),  # innovative 10 pts
    ("main_growth", 10.0),  # innovative 15 pts, specialized 10 pts
)
#: Step of the "just below / just above" offsets per metric.
HUG_STEPS: dict[str, float] = {
    "rd_ratio": 0.01,
    "debt_ratio": 0.1,
    "revenue": 2.0,
    "main_share": 0.1,
    "main_growth": 0.1,
}

#: Columns that may receive injected empty cells, with their relative weights.
MISSING_CANDIDATES: tuple[tuple[str, float], ...] = (
    ("revenue", 0.03),
    ("main_revenue", 0.12),
    ("rd_expense", 0.14),
    ("net_profit", 0.07),
    ("total_assets", 0.05),
    ("total_liabilities", 0.08),
    ("employees", 0.05),
    ("rd_employees", 0.10),
    ("niche_years", 0.05),
    ("digital_level", 0.05),
    ("iso9001", 0.03),
    ("own_brand", 0.03),
    ("ip_class1_high_value", 0.04),
    ("ip_class1", 0.03),
    ("special_score", 0.04),
    ("development_score", 0.03),
    ("rd_institution", 0.02),
    ("info_system", 0.02),
    ("strategic_emerging", 0.01),
    ("product_field_2022", 0.01),
)

#: Well-known real trade names the 字号 generator must not produce.
_BLOCKED_TRADE_NAMES = frozenset(
    (
        "中兴",
        "恒力",
        "中天",
        "永鼎",
        "天合",
        "通威",
        "正泰",
        "华润",
        "中信",
        "中金",
        "华泰",
        "恒瑞",
        "康泰",
        "中联",
        "恒立",
        "宏达",
        "华宝",
        "安信",
        "中科",
        "天宇",
        "中通",
        "申通",
        "顺丰",
        "华联",
        "金龙",
        "宇通",
        "美的",
        "格力",
        "华星",
        "光明",
        "康美",
        "华锐",
        "金发",
        "中泰",
        "汇源",
        "德力",
        "恒通",
        "华通",
        "中安",
        "中宝",
        "中利",
    )
)

_RD_INSTITUTIONS = ("none", "below_city", "city", "provincial", "national")
_PRODUCT_FIELDS = ("other", "foundation", "key_link")


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------
def _sigmoid(x: F64) -> F64:
    out: F64 = 1.0 / (1.0 + np.exp(-x))
    return out


def _percentile_rank(score: F64) -> F64:
    """Rank of each value as a fraction in [0, 1) (scores are continuous: no ties)."""
    n = score.shape[0]
    ranks = np.empty(n, dtype=np.float64)
    if n:
        ranks[np.argsort(score)] = np.arange(n) / n
    return ranks


def _top(score: F64, share: float) -> Bool:
    """Flag exactly the top ``share`` of ``score`` (rounded down)."""
    out: Bool = _percentile_rank(score) >= 1.0 - share
    return out


def _cut(score: F64, shares: tuple[float, ...]) -> I64:
    """Ordered categories by percentile of ``score``: ``shares`` from the lowest category up."""
    bounds = np.cumsum(shares)[:-1]
    out: I64 = np.searchsorted(bounds, _percentile_rank(score), side="right").astype(np.int64)
    return out


def _int_or_null(values: npt.NDArray[np.number], present: Bool) -> pl.Series:
    """An Int64 series of ``values`` where ``present``, null elsewhere."""
    return pl.Series(np.where(present, values, np.nan), nan_to_null=True).cast(pl.Int64)


def _normalised(weights: list[float] | tuple[float, ...]) -> F64:
    w = np.asarray(weights, dtype=np.float64)
    out: F64 = w / w.sum()
    return out


@dataclass(frozen=True, slots=True)
class _ClassRow:
    industry: int
    code: str
    local_weight: float
    enclave_weight: float
    words: tuple[str, ...]


def _class_table() -> list[_ClassRow]:
    return [
        _ClassRow(k, c.code, c.local_weight, c.enclave_weight, c.words)
        for k, ind in enumerate(INDUSTRIES)
        for c in ind.classes
    ]


# --------------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Base:
    """Who the firms are: where, in which industry, how old, and their two latent scores."""

    n: int
    years: I64
    loc: Bool
    enc: Bool
    ind: I64
    cls: I64
    town: I64
    age: F64
    z_size: F64
    z_inno: F64
    emerging: Bool


@dataclass(slots=True)
class _Money:
    """The yearly amounts (``(n, T)`` arrays) and the last-year ratios later draws depend on."""

    year: dict[str, F64]
    rd_ratio_last: F64
    no_rd: Bool


def generate(
    n_local: int, n_enclave: int, *, seed: int, n_years: int, last_year: int
) -> pl.DataFrame:
    """The canonical long frame (firm × year) for ``n_local`` + ``n_enclave`` firms."""
    if n_local < 0 or n_enclave < 0:
        raise ValueError("firm counts must be non-negative")
    if n_years < 1:
        raise ValueError("n_years must be at least 1")
    rng = np.random.default_rng(seed)
    base = _base(rng, n_local, n_enclave, n_years, last_year)
    money = _financials(rng, base)
    firm, top_title = _attributes(rng, base, money)
    names = _names(rng, base)
    codes = _credit_codes(rng, base, last_year)
    titles = _titles(rng, top_title, last_year)
    firm_null = _inject_missing(rng, base.n, n_years, money.year)
    firm = firm.with_columns(names, titles, pl.lit(pl.Series(base.enc)).alias("enclave"))
    classes = tuple(c.code for c in _class_table())
    firm = firm.with_columns(products_for_classes(classes, base.cls, seed))
    firm = firm.with_columns(
        pl.when(pl.lit(pl.Series(mask))).then(None).otherwise(pl.col(col)).alias(col)
        for col, mask in firm_null.items()
    )
    return _assemble(base, firm, codes, money.year)


def _base(
    rng: np.random.Generator, n_local: int, n_enclave: int, t_n: int, last_year: int
) -> _Base:
    n = n_local + n_enclave
    enc: Bool = np.zeros(n, dtype=np.bool_)
    enc[n_local:] = True
    loc: Bool = ~enc
    n_ind = len(INDUSTRIES)

    ind = np.empty(n, dtype=np.int64)
    ind[:n_local] = rng.choice(n_ind, n_local, p=_normalised([i.local_share for i in INDUSTRIES]))
    ind[n_local:] = rng.choice(
        n_ind, n_enclave, p=_normalised([i.enclave_share for i in INDUSTRIES])
    )
    classes = _class_table()
    cls = np.zeros(n, dtype=np.int64)
    town = np.zeros(n, dtype=np.int64)
    for k, industry in enumerate(INDUSTRIES):
        members = [i for i, c in enumerate(classes) if c.industry == k]
        for group, enclave_weights in ((loc, False), (enc, True)):
            mask = group & (ind == k)
            count = int(mask.sum())
            if count == 0:
                continue
            w = [
                classes[i].enclave_weight if enclave_weights else classes[i].local_weight
                for i in members
            ]
            cls[mask] = np.asarray(members)[rng.choice(len(members), count, p=_normalised(w))]
        mask = loc & (ind == k)
        affinity = dict(industry.town_affinity)
        tw = _normalised([t.weight * affinity.get(t.name, 1.0) for t in TOWNS])
        town[mask] = rng.choice(len(TOWNS), int(mask.sum()), p=tw)
    town[enc] = len(TOWNS) + rng.choice(
        len(ENCLAVE_TOWNS), n_enclave, p=_normalised([w for _, w in ENCLAVE_TOWNS])
    )
    emerging: Bool = ~np.array([i.leading for i in INDUSTRIES])[ind]

    age = np.where(
        loc,
        np.clip(np.floor(3.0 + rng.gamma(2.2, 6.0, n)), t_n + 1, 45),
        np.clip(np.floor(2.0 + rng.gamma(1.6, 2.0, n)), t_n, 12),
    )
    z_size = rng.standard_normal(n)
    z_inno = 0.3 * z_size + np.sqrt(0.91) * rng.standard_normal(n) + 0.3 * (loc & emerging)
    years = np.arange(last_year - t_n + 1, last_year + 1, dtype=np.int64)
    return _Base(n, years, loc, enc, ind, cls, town, age, z_size, z_inno, emerging)


def _financials(rng: np.random.Generator, b: _Base) -> _Money:
    """Revenue, R&D, profit, balance sheet, staff and financing for every firm and year."""
    n, t_n, loc, enc, ind = b.n, b.years.shape[0], b.loc, b.enc, b.ind
    z_size, z_inno = b.z_size, b.z_inno

    # --- last-year levels --------------------------------------------------------------------
    rev_shift = np.array([i.revenue_shift for i in INDUSTRIES])[ind]
    revenue_last = np.where(
        loc,
        np.clip(
            np.exp(np.log(2900.0) + rev_shift + 1.15 * z_size + 0.3 * np.log(b.age / 15.0)),
            15.0,
            300_000.0,
        ),
        np.clip(np.exp(np.log(300.0) + 1.0 * z_size + 0.3 * np.log(b.age / 5.0)), 8.0, 6000.0),
    )
    rd_median = np.array([i.rd_median for i in INDUSTRIES])[ind]
    no_rd_share = np.array([i.no_rd_share for i in INDUSTRIES])[ind]
    no_rd = loc & (rng.random(n) < _sigmoid(np.log(no_rd_share / (1 - no_rd_share)) - z_inno))
    rd_ratio_last = np.where(
        loc,
        np.clip(0.9 * rd_median * np.exp(0.45 * z_inno + 0.4 * rng.standard_normal(n)), 0.1, 45.0),
        np.clip(22.0 * np.exp(0.3 * z_inno + 0.7 * rng.standard_normal(n)), 2.0, 250.0),
    )
    rd_ratio_last[no_rd] = 0.0

    u = rng.random(n)
    main_share = np.where(
        u < 0.25,
        1.0,
        np.where(
            u > 0.87,
            1.0 - rng.uniform(0.2, 0.6, n),
            1.0 - np.minimum(rng.exponential(0.055, n), 0.2),
        ),
    )
    main_share = np.where(enc, np.where(u < 0.5, 1.0, 1.0 - rng.uniform(0.0, 0.3, n)), main_share)
    full_main = main_share == 1.0
    debt_last = np.where(
        loc, 0.20 + 0.72 * rng.beta(2.2, 2.2, n), 0.08 + 0.55 * rng.beta(2.0, 3.5, n)
    )

    # --- threshold hugging (local firms only) ------------------------------------------------
    hug = loc & (rng.random(n) < THRESHOLD_SHARE)
    hug_target = rng.integers(0, len(HUGS), n)
    hug_offset = rng.choice(np.array([-1.0, 0.0, 0.0, 1.0]), n)
    round_revenue: Bool = np.zeros(n, dtype=np.bool_)
    round_assets: Bool = np.zeros(n, dtype=np.bool_)
    growth_hug = np.full(n, np.nan)
    for j, (metric, threshold) in enumerate(HUGS):
        m = hug & (hug_target == j)
        value = threshold + hug_offset[m] * HUG_STEPS[metric]
        if metric == "rd_ratio":
            rd_ratio_last[m] = value
            no_rd[m] = False
            round_revenue |= m
        elif metric == "debt_ratio":
            debt_last[m] = value / 100.0
            round_assets |= m
        elif metric == "revenue":
            revenue_last[m] = value
        elif metric == "main_share":
            main_share[m] = value / 100.0
            full_main[m] = False
            round_revenue |= m
        else:
            growth_hug[m] = value
    revenue_last = np.where(
        round_revenue, np.maximum(100.0, np.round(revenue_last / 100.0) * 100.0), revenue_last
    )

    # --- yearly paths, back-cast from the last year ------------------------------------------
    base_growth = np.array([i.growth for i in INDUSTRIES])[ind]
    declining = loc & (rng.random(n) < 0.12)
    drift = np.where(
        loc,
        np.where(declining, rng.normal(-0.12, 0.05, n), rng.normal(0.0, 0.05, n) + 0.015 * z_inno),
        rng.normal(0.30, 0.25, n),
    )
    eps_sd = np.where(loc, 0.06, 0.25)
    revenue = np.empty((n, t_n))
    revenue[:, -1] = revenue_last
    for t in range(t_n - 1, 0, -1):
        g = base_growth + MACRO_GROWTH.get(int(b.years[t]), 0.0) + drift
        g = np.clip(g + eps_sd * rng.standard_normal(n), -0.5, 2.5)
        revenue[:, t - 1] = revenue[:, t] / (1.0 + g)

    older = np.arange(t_n - 1, -1, -1)[None, :]  # years before the last: T-1 … 0
    share_t = np.clip(main_share[:, None] + 0.01 * rng.standard_normal((n, t_n)), 0.3, 1.0)
    share_t[full_main] = 1.0
    share_t[:, -1] = main_share
    main_revenue = revenue * share_t
    del share_t

    rd_t = rd_ratio_last[:, None] * np.exp(-0.04 * older + 0.15 * rng.standard_normal((n, t_n)))
    rd_t[:, -1] = rd_ratio_last
    rd_expense = revenue * rd_t / 100.0
    del rd_t

    margin = np.where(
        loc,
        np.clip(rng.normal(0.045, 0.05, n) + 0.01 * z_inno - 0.03 * declining, -0.10, 0.20),
        np.clip(rng.normal(-0.25, 0.45, n), -2.5, 0.25),
    )
    margin_t = margin[:, None] + np.where(loc, 0.015, 0.10)[:, None] * rng.standard_normal((n, t_n))
    margin_t = np.where(loc[:, None], np.clip(margin_t, -0.10, 0.20), np.clip(margin_t, -3.0, 0.3))
    net_profit = revenue * margin_t
    del margin_t

    # equity financing: local firms rarely, startups often
    p_fin = np.where(loc, 0.006 + 0.02 * (z_inno > 1.0), np.clip(0.17 + 0.06 * z_inno, 0.03, 0.5))
    amount = np.where(
        loc[:, None],
        np.exp(np.log(1500.0) + 0.9 * rng.standard_normal((n, t_n))),
        np.exp(np.log(1200.0) + 0.3 * z_size[:, None] + 1.1 * rng.standard_normal((n, t_n))),
    )
    equity = np.where(rng.random((n, t_n)) < p_fin[:, None], np.clip(amount, 100.0, 50_000.0), 0.0)
    del amount

    turnover = np.where(
        loc,
        np.exp(np.log(0.85) + 0.35 * rng.standard_normal(n)),
        np.exp(np.log(0.5) + 0.5 * rng.standard_normal(n)),
    )
    assets = revenue / (turnover[:, None] * np.exp(0.05 * rng.standard_normal((n, t_n))))
    assets += 0.7 * np.cumsum(equity, axis=1)
    assets[:, -1] = np.where(
        round_assets, np.maximum(100.0, np.round(assets[:, -1] / 100.0) * 100.0), assets[:, -1]
    )
    debt_t = np.clip(debt_last[:, None] + 0.025 * rng.standard_normal((n, t_n)), 0.05, 0.97)
    debt_t[:, -1] = debt_last
    liabilities = assets * debt_t
    del debt_t

    rpe = np.array([i.revenue_per_employee for i in INDUSTRIES])[ind]
    emp_last = np.where(
        loc,
        np.maximum(
            3.0, revenue_last / (rpe * np.exp(0.35 * rng.standard_normal(n) + 0.1 * z_size))
        ),
        np.clip(
            25.0 * np.exp(0.55 * rng.standard_normal(n)) * (revenue_last / 300.0) ** 0.3, 3.0, 500.0
        ),
    )
    employees = np.maximum(
        3.0,
        np.round(
            emp_last[:, None]
            * (revenue / revenue_last[:, None]) ** 0.6
            * np.exp(0.03 * rng.standard_normal((n, t_n)))
        ),
    )
    employees[:, -1] = np.maximum(3.0, np.round(emp_last))
    rd_staff_share = np.where(
        loc,
        np.clip(
            0.04 + 2.2 * rd_ratio_last / 100.0 + 0.02 * z_inno + 0.03 * rng.standard_normal(n),
            0.0,
            0.85,
        ),
        np.clip(0.5 + 0.12 * rng.standard_normal(n) + 0.05 * z_inno, 0.15, 0.95),
    )
    rd_staff_share[no_rd] = 0.0
    rd_employees = np.minimum(
        employees,
        np.round(
            employees * rd_staff_share[:, None] * np.exp(0.05 * rng.standard_normal((n, t_n)))
        ),
    )

    # growth hugging: last-year main revenue exactly (or just off) threshold % above the year before
    if t_n >= 2:
        gm = ~np.isnan(growth_hug)
        prev = np.round(main_revenue[gm, -2])
        main_revenue[gm, -2] = prev
        main_revenue[gm, -1] = prev * (1.0 + growth_hug[gm] / 100.0)
        revenue[gm, -2] = np.maximum(revenue[gm, -2], prev)
        revenue[gm, -1] = np.maximum(revenue[gm, -1], main_revenue[gm, -1])

    year = {
        "revenue": revenue,
        "main_revenue": main_revenue,
        "rd_expense": rd_expense,
        "net_profit": net_profit,
        "total_assets": assets,
        "total_liabilities": liabilities,
        "equity_financing": equity,
    }
    for arr in year.values():  # amounts in 万元 with two decimals (100 元)
        np.round(arr, 2, out=arr)
    year["employees"] = employees
    year["rd_employees"] = rd_employees
    return _Money(year, rd_ratio_last, no_rd)


def _attributes(rng: np.random.Generator, b: _Base, money: _Money) -> tuple[pl.DataFrame, I64]:
    """Per-enterprise fields (IP, institutions, quality, awards, honours …) and the top title."""
    n, loc, enc, ind = b.n, b.loc, b.enc, b.ind
    z_size, z_inno = b.z_size, b.z_inno
    rd_ratio_last, no_rd = money.rd_ratio_last, money.no_rd

    rd_last_amount = money.year["revenue"][:, -1] * rd_ratio_last / 100.0
    log_rd = np.log1p(rd_last_amount / 50.0)
    lam1 = np.where(
        loc,
        np.exp(-1.8 + 0.75 * log_rd + 0.35 * z_inno),
        np.exp(0.2 + 0.4 * np.log1p(rd_last_amount / 100.0) + 0.4 * z_inno),
    ) * rng.gamma(1.5, 1.0 / 1.5, n)
    ip_class1 = np.minimum(rng.poisson(np.minimum(lam1, 400.0)), 500).astype(np.int64)
    ip_self = rng.binomial(ip_class1, np.where(loc, 0.8, 0.7)).astype(np.int64)
    ip_high = rng.binomial(ip_class1, 0.2).astype(np.int64)
    ip_in_use = rng.binomial(ip_class1, np.where(loc, 0.55, 0.3)).astype(np.int64)
    lam2 = (
        np.exp(-0.2 + 0.55 * log_rd + 0.25 * z_inno + 0.3 * z_size)
        * np.where(no_rd, 0.3, 1.0)
        * rng.gamma(1.5, 1.0 / 1.5, n)
    )
    ip_class2 = np.minimum(rng.poisson(np.minimum(lam2, 800.0)), 1000).astype(np.int64)

    # 高新技术企业 needs R&D intensity (3-5% by size) and core IP: make the flag follow them
    high_tech_score = (
        1.0 * z_inno
        + 0.3 * z_size
        + 1.5 * (rd_ratio_last >= 3.0)
        + 1.5 * (ip_class1 >= 1)
        + 0.6 * rng.standard_normal(n)
        - 10.0 * no_rd
    )
    high_tech = np.zeros(n, dtype=np.bool_)
    high_tech[loc] = _top(high_tech_score[loc], 0.25)
    high_tech[enc] = _top(high_tech_score[enc], 0.30)

    # highest title held: 0 none, 1 innovative, 2 specialized, 3 little giant
    title_score = (
        0.8 * z_inno
        + 0.5 * z_size
        + 0.6 * (rd_ratio_last >= 3.0)
        + 0.6 * high_tech
        + 0.6 * rng.standard_normal(n)
    )
    top_title = np.zeros(n, dtype=np.int64)
    top_title[loc] = _cut(title_score[loc], (0.80, 0.145, 0.047, 0.008))
    top_title[enc] = _cut(title_score[enc], (0.91, 0.075, 0.015, 0.0))
    specialized_up = top_title >= 2
    spec = 1.0 * specialized_up

    inst_score = (
        0.9 * z_inno
        + 0.5 * z_size
        + 0.7 * rng.standard_normal(n)
        - 10.0 * no_rd
        + 0.8 * spec
        + 1.2 * high_tech
    )
    rd_inst = np.zeros(n, dtype=np.int64)
    rd_inst[loc] = _cut(inst_score[loc], (0.46, 0.18, 0.272, 0.08, 0.008))
    rd_inst[enc] = _cut(inst_score[enc], (0.60, 0.18, 0.0, 0.19, 0.03))

    digital_score = 0.6 * z_size + 0.3 * z_inno + 0.8 * rng.standard_normal(n)
    digital = np.zeros(n, dtype=np.int64)
    digital[loc] = _cut(digital_score[loc], (0.28, 0.42, 0.24, 0.06))
    digital[enc] = _cut(digital_score[enc], (0.08, 0.32, 0.42, 0.18))
    digital += 1

    def chance(logit: F64) -> Bool:
        out: Bool = rng.random(n) < _sigmoid(logit)
        return out

    iso9001 = chance(np.where(loc, 1.0, -0.6) + 0.8 * z_size + spec)
    own_brand = chance(np.where(loc, -0.3, 0.4) + 0.6 * z_size + 0.4 * z_inno + 1.5 * spec)
    standards = chance(-2.4 + 0.8 * z_size + 0.6 * z_inno + spec)
    quality_award = chance(-4.6 + 1.0 * z_size + spec)
    info_system = chance(-1.5 + 1.2 * (digital - 1) + spec)
    management_cert = iso9001 | (rng.random(n) < 0.1)
    export_prone = np.isin(ind, [0, 2, 7])  # auto parts, equipment, medical devices
    product_cert = chance(-2.2 + 0.6 * z_size + 0.6 * export_prone + 0.5 * spec)

    pf_score = 0.7 * z_inno + 0.6 * b.emerging + 0.5 * spec + rng.standard_normal(n)
    foundation_p = np.array([0.25, 0.10, 0.30, 0.10, 0.30, 0.10, 0.10, 0.10])[ind]
    product_field = np.where(_top(pf_score, 0.14), 2, np.where(rng.random(n) < foundation_p, 1, 0))
    strategic = rng.random(n) < np.array([i.strategic_share for i in INDUSTRIES])[ind]

    award_score = z_inno + 0.5 * z_size + 0.5 * rng.standard_normal(n)
    ck_score = z_inno + 0.3 * z_size + 0.8 * rng.standard_normal(n)
    nat_award = np.zeros(n, dtype=np.bool_)
    prov_award = np.zeros(n, dtype=np.bool_)
    chuangke = np.zeros(n, dtype=np.int64)
    for group, nat, prov, ck500, ck50 in (
        (loc, 0.003, 0.025, 0.014, 0.002),
        (enc, 0.008, 0.025, 0.05, 0.01),
    ):
        size = int(group.sum())
        nat_award[group] = _top(award_score[group] + rng.standard_normal(size), nat)
        prov_award[group] = _top(award_score[group] + rng.standard_normal(size), prov)
        cut = _cut(ck_score[group], (1.0 - ck500, ck500 - ck50, ck50))
        chuangke[group] = np.array([0, 500, 50])[cut]
    nat_rank = rng.integers(1, 11, n)
    prov_rank = rng.integers(1, 9, n)

    ipa_score = np.log1p(ip_class1 + 0.3 * ip_class2) + 0.5 * rng.standard_normal(n)
    tdemo_score = z_size + z_inno + 0.5 * rng.standard_normal(n)
    tech_demo = np.zeros(n, dtype=np.bool_)
    ip_adv = np.zeros(n, dtype=np.bool_)
    ip_demo = np.zeros(n, dtype=np.bool_)
    for group, td, adv, demo in ((loc, 0.0025, 0.025, 0.006), (enc, 0.0, 0.015, 0.003)):
        tech_demo[group] = _top(tdemo_score[group], td)
        adv_flag = _top(ipa_score[group], adv)
        ip_adv[group] = adv_flag
        ip_demo[group] = _top(ipa_score[group] + 3.0 * adv_flag, demo)

    niche_years = np.maximum(
        1.0, np.floor(b.age * np.where(loc, rng.uniform(0.5, 1.0, n), rng.uniform(0.6, 1.0, n)))
    )
    special_score = np.round(
        np.clip(
            4.5 + 2.0 * z_inno + 1.2 * z_size + 1.5 * spec + 2.0 * rng.standard_normal(n), 0.0, 15.0
        )
    )
    development_score = np.round(
        np.clip(
            50.0 + 8.0 * z_inno + 5.0 * z_size + 6.0 * spec + 7.0 * rng.standard_normal(n),
            15.0,
            98.0,
        ),
        1,
    )

    reports_share = specialized_up | (rng.random(n) < np.where(loc, 0.12, 0.05))
    share_median = np.select([top_title == 3, top_title == 2], [16.0, 7.0], 2.0)
    share_sd = np.select([top_title == 3, top_title == 2], [0.5, 0.8], 1.0)
    market_share = np.round(
        np.clip(share_median * np.exp(share_sd * rng.standard_normal(n)), 0.01, 80.0), 2
    )
    market_rank = np.clip(
        np.round(np.exp(np.log(40.0) - 1.1 * np.log(market_share) + 0.35 * rng.standard_normal(n))),
        1,
        999,
    )

    classes = _class_table()
    town_names = [t.name for t in TOWNS] + [name for name, _ in ENCLAVE_TOWNS]
    flags = {
        "high_tech": high_tech,
        "tech_innovation_demo": tech_demo,
        "ip_advantage": ip_adv,
        "ip_demo": ip_demo,
    }
    firm = pl.DataFrame(
        {
            "town": pl.Series(town_names, dtype=pl.String).gather(b.town),
            "region_code": pl.Series(np.where(loc, LOCAL_REGION, ENCLAVE_REGION), dtype=pl.String),
            "industry_code": pl.Series([c.code for c in classes], dtype=pl.String).gather(b.cls),
            "strategic_emerging": strategic,
            "niche_years": niche_years,
            "ip_class1_high_value": ip_high,
            "ip_class1_self_developed": ip_self,
            "ip_class1": ip_class1,
            "ip_class2": ip_class2,
            "ip_class1_in_use": ip_in_use,
            "rd_institution": pl.Series(_RD_INSTITUTIONS, dtype=pl.String).gather(rd_inst),
            "digital_level": digital,
            "quality_award_provincial": quality_award,
            "iso9001": iso9001,
            "own_brand": own_brand,
            "standards_drafting": standards,
            "product_field_2022": pl.Series(_PRODUCT_FIELDS, dtype=pl.String).gather(product_field),
            "sci_award_national_rank": _int_or_null(nat_rank, nat_award),
            "sci_award_provincial_rank": _int_or_null(prov_rank, prov_award),
            "chuangke_rank": _int_or_null(chuangke, chuangke > 0),
            "market_share": pl.Series(
                np.where(reports_share, market_share, np.nan), nan_to_null=True
            ),
            "market_rank": _int_or_null(market_rank, reports_share),
            "info_system": info_system,
            "management_cert": management_cert,
            "product_cert_developed": product_cert,
            "special_score": special_score,
            "development_score": development_score,
        }
    ).with_columns(
        pl.concat_str(
            [pl.when(pl.lit(pl.Series(mask))).then(pl.lit(flag)) for flag, mask in flags.items()],
            separator=";",
            ignore_nulls=True,
        ).alias("honors"),
    )
    return firm, top_title


def _credit_codes(rng: np.random.Generator, b: _Base, last_year: int) -> pl.Series:
    """Unique valid codes: old all-digit organisation codes before 2015, ``MA`` codes after."""
    new_style = (last_year - b.age) >= 2015
    ids = np.zeros(b.n, dtype=np.int64)
    ids[~new_style] = rng.choice(OLD_ORG_CAPACITY, int((~new_style).sum()), replace=False)
    ids[new_style] = rng.choice(MA_ORG_CAPACITY, int(new_style.sum()), replace=False)
    region_bytes = np.where(
        b.loc[:, None],
        np.frombuffer(LOCAL_REGION.encode(), np.uint8)[None, :],
        np.frombuffer(ENCLAVE_REGION.encode(), np.uint8)[None, :],
    ).astype(np.uint8)
    return region_credit_codes(region_bytes, org_codes(ids, new_style))


def _assemble(
    b: _Base, firm: pl.DataFrame, codes: pl.Series, year_arrays: dict[str, F64]
) -> pl.DataFrame:
    """Repeat the firm fields on each of the firm's year rows; add the yearly columns."""
    t_n = b.years.shape[0]
    rows = np.repeat(np.arange(b.n, dtype=np.int64), t_n)
    columns: list[pl.Series] = [
        codes.alias("credit_code").gather(rows),
        pl.Series("year", np.tile(b.years, b.n)),
    ]
    for name in YEAR_FIELDS:
        s = pl.Series(name, year_arrays.pop(name).ravel(), nan_to_null=True)
        columns.append(s.cast(pl.Int64) if FIELDS_BY_NAME[name].kind == "count" else s)
    long = firm.select(pl.all().gather(rows)).with_columns(columns)
    order = ["credit_code", "year", *YEAR_FIELDS, *FIRM_FIELDS]  # enclave is a firm field
    return long.select(order).cast(_dtypes())


def _dtypes() -> pl.Schema:
    """The output schema: each canonical field's Polars type by its kind."""
    kinds: dict[str, pl.DataType] = {
        "str": pl.String(),
        "code": pl.String(),
        "money": pl.Float64(),
        "count": pl.Int64(),
        "number": pl.Float64(),
        "bool": pl.Boolean(),
        "enum": pl.String(),
        "rank": pl.Int64(),
        "flags": pl.String(),
        "titles": pl.String(),
    }
    return pl.Schema({f.name: kinds[f.kind] for f in FIELDS})


# --------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------
@cache
def _trade_names() -> list[str]:
    chars = TRADE_NAME_CHARS
    return [a + b for a in chars for b in chars if a != b and a + b not in _BLOCKED_TRADE_NAMES]


def _names(rng: np.random.Generator, b: _Base) -> pl.Series:
    """Fictitious Chinese company names: prefix + 字号 + descriptor + suffix, unique per prefix.

    Local: 虞山 (55%) or the town's short name (梅溪…) + 字号 + a descriptor of the firm's
    GB/T 4754 class + 有限公司 / 股份有限公司 (more likely for large firms) / 有限责任公司.
    Enclave: 北京 + 字号 + a descriptor of its industry + 有限公司, or 字号（北京）… (30%).
    Duplicate (prefix, 字号, descriptor) triples are redrawn; the space (about 700,000 字号
    per prefix and descriptor) keeps even a million firms unique.
    """
    n, loc, ind, cls, town = b.n, b.loc, b.ind, b.cls, b.town
    classes = _class_table()
    trade = _trade_names()
    prefixes = ["虞山", *(t.short for t in TOWNS), "北京"]
    words: list[str] = []
    seen: dict[str, int] = {}

    def word_id(w: str) -> int:
        if w not in seen:
            seen[w] = len(words)
            words.append(w)
        return seen[w]

    # per-class (local) and per-industry (enclave) descriptor ids, padded into a matrix
    class_words = [
        [word_id(w) for w in c.words] or [word_id(INDUSTRIES[c.industry].zh)] for c in classes
    ]
    enclave_words = [[word_id(w) for w in i.enclave_words] for i in INDUSTRIES]
    width = max(len(x) for x in class_words + enclave_words)
    class_mat = np.array([x + [x[0]] * (width - len(x)) for x in class_words], dtype=np.int64)
    class_len = np.array([len(x) for x in class_words], dtype=np.int64)
    enc_mat = np.array([x + [x[0]] * (width - len(x)) for x in enclave_words], dtype=np.int64)
    enc_len = np.array([len(x) for x in enclave_words], dtype=np.int64)

    pick = rng.random(n)
    desc = np.where(
        loc,
        class_mat[cls, np.minimum((pick * class_len[cls]).astype(np.int64), class_len[cls] - 1)],
        enc_mat[ind, np.minimum((pick * enc_len[ind]).astype(np.int64), enc_len[ind] - 1)],
    )
    prefix = np.where(loc, np.where(rng.random(n) < 0.55, 0, 1 + town), len(prefixes) - 1)
    suffix_u = rng.random(n)
    listed_p = _sigmoid(-3.0 + 1.2 * b.z_size)
    suffix = np.where(suffix_u < listed_p, 1, np.where(suffix_u > 0.96, 2, 0))
    suffixes = [*LOCAL_SUFFIXES]
    enclave_suffix = suffixes.index(ENCLAVE_SUFFIX)
    suffix = np.where(loc, suffix, enclave_suffix)

    # enclave names: 北京精锐智能科技有限公司 (70%) or 精锐（北京）智能科技有限公司 (30%)
    bracketed = ~loc & (rng.random(n) < 0.3)
    prefix = np.where(bracketed, len(prefixes), prefix)
    prefixes.append("")
    infix = bracketed.astype(np.int64)
    infixes = ["", "（北京）"]

    # 字号: a 2-character pair, and in THREE_CHAR_SHARE of draws a third character
    n_chars = len(TRADE_NAME_CHARS)
    n_trade, n_desc = len(trade) * (n_chars + 1), len(words)

    def draw(size: int) -> I64:
        pair = rng.integers(0, len(trade), size)
        third = np.where(
            rng.random(size) < THREE_CHAR_SHARE, rng.integers(0, n_chars, size), n_chars
        )
        out: I64 = pair * (n_chars + 1) + third
        return out

    trade_id = _deduplicate(draw, (prefix * 2 + infix) * n_desc + desc, draw(n), n_trade)
    third_chars = [*TRADE_NAME_CHARS, ""]

    if n == 0:
        return pl.Series("name", [], dtype=pl.String)
    return (
        pl.DataFrame(
            {
                "p": pl.Series(prefixes, dtype=pl.String).gather(prefix),
                "t": pl.Series(trade, dtype=pl.String).gather(trade_id // (n_chars + 1)),
                "t3": pl.Series(third_chars, dtype=pl.String).gather(trade_id % (n_chars + 1)),
                "i": pl.Series(infixes, dtype=pl.String).gather(infix),
                "d": pl.Series(words, dtype=pl.String).gather(desc),
                "s": pl.Series(suffixes, dtype=pl.String).gather(suffix),
            }
        )
        .select(pl.concat_str(["p", "t", "t3", "i", "d", "s"]).alias("name"))
        .to_series()
    )


def _deduplicate(
    draw: Callable[[int], I64], group: I64, trade_id: I64, n_trade: int, rounds: int = 64
) -> I64:
    """Redraw ``trade_id`` until every (group, trade) pair is unique, or ``rounds`` pass.

    One full sort finds the first collisions; later rounds only test the redrawn firms
    against the sorted keys already taken, so a saturated space costs little.
    """
    key = group * n_trade + trade_id
    order = np.argsort(key)
    sorted_key = key[order]
    repeat = sorted_key[1:] == sorted_key[:-1]
    todo = order[1:][repeat]
    taken = sorted_key[np.concatenate(([True], ~repeat))] if key.size else sorted_key
    for _ in range(rounds):
        if todo.size == 0:
            break
        trade_id[todo] = draw(todo.size)
        k = group[todo] * n_trade + trade_id[todo]
        at = np.minimum(np.searchsorted(taken, k), taken.size - 1)
        free = taken[at] != k
        first = np.zeros(k.size, dtype=np.bool_)
        first[np.unique(k, return_index=True)[1]] = True
        ok = free & first
        new = np.sort(k[ok])
        taken = np.insert(taken, np.searchsorted(taken, new), new)
        todo = todo[~ok]
    return trade_id


# --------------------------------------------------------------------------------------------
# titles
# --------------------------------------------------------------------------------------------
def _shift_year(date: str, years: int) -> str:
    return f"{int(date[:4]) + years:04d}{date[4:]}"


def _titles(rng: np.random.Generator, top_title: I64, last_year: int) -> pl.Series:
    """``;``-separated titles, highest first: ``little_giant@2024-08-09;innovative@2022-09-30``.

    A firm lists its highest title and each lower one with probability 0.7, each with a grant
    date from the level's batches (a lower title never dated after a higher one). A grant
    more than three years before the as-of date's year is renewed on its third anniversary
    with probability 0.6 (复核 passed), listed as a second grant. 2% of listed titles carry
    no date.
    """
    n = top_title.shape[0]
    shift = last_year - 2025
    parts: list[pl.Series] = []
    upper = np.full(n, 99_999_999, dtype=np.int64)  # the date of the higher title listed
    for level_index in range(len(TITLE_LEVELS) - 1, -1, -1):
        level = TITLE_LEVELS[level_index]
        batches = TITLE_BATCHES[level]
        dates = [_shift_year(d, shift) for d, _ in batches]
        date_int = np.array([int(d.replace("-", "")) for d in dates], dtype=np.int64)
        held = top_title >= level_index + 1
        listed = held & ((top_title == level_index + 1) | (rng.random(n) < 0.7))
        pick: I64 = np.asarray(
            rng.choice(len(dates), n, p=_normalised([w for _, w in batches])), dtype=np.int64
        )
        latest_ok = np.searchsorted(date_int, upper, side="right") - 1
        pick = np.where((date_int[pick] > upper) & (latest_ok >= 0), latest_ok, pick)
        upper = np.where(listed, np.minimum(upper, date_int[pick]), upper)
        renewed = listed & (date_int[pick] < (last_year - 2) * 10_000 + 701) & (rng.random(n) < 0.6)
        undated = rng.random(n) < UNDATED_TITLE_SHARE
        date_s = pl.Series(dates, dtype=pl.String).gather(pick)
        renewal_s = pl.Series([_shift_year(d, 3) for d in dates], dtype=pl.String).gather(pick)
        frame = pl.DataFrame(
            {"d": date_s, "r": renewal_s, "listed": listed, "renewed": renewed, "undated": undated}
        )
        part = frame.select(
            pl.when(~pl.col("listed"))
            .then(None)
            .when(pl.col("undated"))
            .then(pl.lit(level))
            .when(pl.col("renewed"))
            .then(pl.concat_str([pl.lit(f"{level}@"), "r", pl.lit(f";{level}@"), "d"]))
            .otherwise(pl.concat_str([pl.lit(f"{level}@"), "d"]))
        ).to_series()
        parts.append(part.alias(level))
    return (
        pl.DataFrame(parts)
        .select(pl.concat_str(pl.all(), separator=";", ignore_nulls=True).alias("titles"))
        .to_series()
        if n
        else pl.Series("titles", [], dtype=pl.String)
    )


# --------------------------------------------------------------------------------------------
# missing values
# --------------------------------------------------------------------------------------------
def _inject_missing(
    rng: np.random.Generator, n: int, t_n: int, year_arrays: dict[str, F64]
) -> dict[str, Bool]:
    """Blank 1-3 cells in ``MISSING_SHARE`` of the firms; returns the firm-field null masks.

    Year fields are set to NaN in ``year_arrays`` (in one year — the last with probability
    0.5 — or, one time in five, in every year); firm fields get a null mask.
    """
    names = [name for name, _ in MISSING_CANDIDATES]
    p = _normalised([w for _, w in MISSING_CANDIDATES])
    affected = rng.random(n) < MISSING_SHARE
    n_cells = rng.choice(np.array([1, 2, 3]), n, p=[0.6, 0.3, 0.1])
    firm_null: dict[str, Bool] = {}
    for draw in range(3):
        active = affected & (n_cells > draw)
        field = rng.choice(len(names), n, p=p)
        year = np.where(rng.random(n) < 0.5, t_n - 1, rng.integers(0, t_n, n))
        all_years = rng.random(n) < 0.2
        for j, name in enumerate(names):
            m = active & (field == j)
            if not m.any():
                continue
            if name in year_arrays:
                arr = year_arrays[name]
                rows_all = m & all_years
                arr[rows_all, :] = np.nan
                rows_one = np.flatnonzero(m & ~all_years)
                arr[rows_one, year[rows_one]] = np.nan
            else:
                firm_null[name] = firm_null.get(name, np.zeros(n, dtype=np.bool_)) | m
    return firm_null
