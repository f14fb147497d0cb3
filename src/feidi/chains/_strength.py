"""How strong each node of a chain is locally: firms, revenue, R&D and ladder tiers.

Read from the long frame of mounts (:func:`~feidi.chains.mount_frame`, corrections applied)
and a frame of firm figures. The rules, all in this module:

* **Which mounts count.** A mount counts when its confidence is at least
  ``min_confidence`` (0.4: one keyword, or a class-level code shared by at most one node),
  or when staff confirmed or added it (``status`` ``confirmed`` / ``added``, confidence 1).
* **Local and enclave firms.** A firm whose ``enclave`` is true is an enclave startup
  (registered in the partner city): it is counted apart (``enclave_firms``) and never in
  the local figures, since a gap is about what the county itself holds; enclave startups are
  the first candidates to attract (:func:`~feidi.chains.chain_gaps`).
* **A firm on several nodes** counts as *one firm on each* of them (``firms``): a firm that
  makes both battery packs and motor controllers is a local supplier of both, and a gap asks
  whether a node has local capability at all. Money is *shared*: its revenue and R&D are
  split across its counted nodes (of every chain) in proportion to its confidence on each
  (``revenue``, ``rd_expense``), so node revenues add up to at most the firms' revenue and a
  firm with a long product list does not multiply itself.
* **Tiers** are counted per firm's highest tier held (``tier_innovative``,
  ``tier_specialized``, ``tier_little_giant``; ``tier_holders`` is their sum), each firm once
  per node. ``rd_firms`` counts firms with an R&D expense above zero. A figure the firms
  frame has no column for is null on every node (unknown, not zero).
* **Strength** is a location-quotient-like index within the chain: the node's share of the
  chain's local firm count over its expected share (``1 / nodes``), i.e.
  ``firm_index = firms / mean(firms over the chain's nodes)``; the same for revenue
  (``revenue_index``, when any firm of the chain has a revenue figure). ``strength`` is the
  mean of the indices there are: 1 is the chain's average node, 0 an empty node, 2 twice the
  average. A chain with no local firm has strength 0 on every node.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from feidi.chains._model import Chain, node_ref

__all__ = ["MIN_CONFIDENCE", "STRENGTH_COLUMNS", "TIERS", "node_strength"]

#: The ladder's tiers, lowest first (the values of a firm's ``tier``).
TIERS: tuple[str, ...] = ("innovative", "specialized", "little_giant")
#: A mount counts for strength from this confidence on (one keyword is 0.4).
MIN_CONFIDENCE = 0.4

#: The strength frame's columns, in order.
STRENGTH_COLUMNS: dict[str, pl.DataType] = {
    "chain": pl.String(),
    "node": pl.String(),  # "chain/node"
    "node_id": pl.String(),
    "node_name": pl.String(),
    "node_name_en": pl.String(),
    "position": pl.String(),
    "order": pl.Int32(),  # the node's place in its chain, upstream first
    "firms": pl.Int64(),
    "revenue": pl.Float64(),
    "rd_expense": pl.Float64(),
    "rd_firms": pl.Int64(),
    **{f"tier_{t}": pl.Int64() for t in TIERS},
    "tier_holders": pl.Int64(),
    "enclave_firms": pl.Int64(),
    "firm_index": pl.Float64(),
    "revenue_index": pl.Float64(),
    "strength": pl.Float64(),
}


def _chains(chains: Sequence[Chain] | None) -> Sequence[Chain]:
    if chains is not None:
        return chains
    from feidi.chains._loader import load_chains

    return load_chains()


def _nodes(chains: Sequence[Chain]) -> pl.DataFrame:
    rows = [
        (c.id, node_ref(c.id, n.id), n.id, n.name, n.name_en, n.position, i)
        for c in chains
        for i, n in enumerate(c.nodes)
    ]
    names = ("chain", "node", "node_id", "node_name", "node_name_en", "position", "order")
    return pl.DataFrame(
        rows,
        schema={name: STRENGTH_COLUMNS[name] for name in names},
        orient="row",
    )


def _figures(firms: pl.DataFrame, id_type: pl.DataType) -> pl.DataFrame:
    """``id``, ``revenue``, ``rd_expense``, ``tier`` (0 none … 3), ``enclave`` per firm."""
    if "id" not in firms.columns:
        raise ValueError("企业表缺少 id 列 / the firms frame has no 'id' column")
    if firms["id"].n_unique() != firms.height:
        raise ValueError("企业表 id 重复 / the firms frame repeats an id")
    bad = (
        firms["tier"].drop_nulls().filter(~firms["tier"].drop_nulls().is_in(TIERS)).unique()
        if "tier" in firms.columns
        else pl.Series([], dtype=pl.String)
    )
    if bad.len():
        listed = ", ".join(map(str, bad.head(5).to_list()))
        raise ValueError(
            f"梯度应是 {'/'.join(TIERS)} 或空，收到 {listed}"
            f" / a tier is one of {'/'.join(TIERS)} or empty, got {listed}"
        )

    def col(name: str, dtype: pl.DataType) -> pl.Expr:
        if name in firms.columns:
            return pl.col(name).cast(dtype)
        return pl.lit(None, dtype=dtype)

    tier_rank = pl.col("tier").replace_strict(
        {t: i + 1 for i, t in enumerate(TIERS)}, default=0, return_dtype=pl.Int8
    )
    return firms.select(
        pl.col("id").cast(id_type),
        col("revenue", pl.Float64()).alias("revenue"),
        col("rd_expense", pl.Float64()).alias("rd_expense"),
        (tier_rank if "tier" in firms.columns else pl.lit(0, dtype=pl.Int8)).alias("tier"),
        col("enclave", pl.Boolean()).fill_null(False).alias("enclave"),
    )


def counted_mounts(mounts: pl.DataFrame, min_confidence: float = MIN_CONFIDENCE) -> pl.Expr:
    """The rule for a mount that counts (see the module's docstring)."""
    staff = (
        pl.col("status").is_in(["confirmed", "added"])
        if "status" in mounts.columns
        else pl.lit(False)
    )
    return (pl.col("confidence") >= min_confidence) | staff


def node_strength(
    mounts: pl.DataFrame,
    firms: pl.DataFrame,
    *,
    chains: Sequence[Chain] | None = None,
    min_confidence: float = MIN_CONFIDENCE,
) -> pl.DataFrame:
    """One row per node of every chain (empty nodes too): its local firms, their revenue and
    R&D, its tier holders, and a strength index relative to its chain.

    Parameters
    ----------
    mounts
        The long frame of :func:`~feidi.chains.mount_frame` (``id``, ``node``,
        ``confidence``, optionally ``status``), corrections applied or not.
    firms
        ``id`` plus any of ``revenue``, ``rd_expense``, ``tier`` (the highest tier held:
        ``innovative`` / ``specialized`` / ``little_giant`` or null) and ``enclave``
        (Boolean). A mounted firm missing from ``firms`` counts with no figures.
    chains
        The chains (default: the shipped ones). Mounts on other nodes are ignored.
    min_confidence
        A mount counts from this confidence on; staff-confirmed or added mounts always.

    Returns
    -------
    polars.DataFrame
        :data:`STRENGTH_COLUMNS`, chains in the given order, nodes upstream first. The
        counting rules and the strength formula are in :mod:`feidi.chains._strength`.

    Examples
    --------
    >>> import polars as pl
    >>> from feidi.chains import load_chain
    >>> mounts = pl.DataFrame({"id": [1, 2, 2], "confidence": [0.4, 0.64, 0.4],
    ...     "node": ["new_energy/pv_modules", "new_energy/pv_modules", "new_energy/inverters"]})
    >>> firms = pl.DataFrame({"id": [1, 2], "revenue": [100.0, 300.0]})
    >>> s = node_strength(mounts, firms, chains=[load_chain("new_energy")])
    >>> s.filter(pl.col("firms") > 0).select("node_id", "firms", pl.col("revenue").round(1)).rows()
    [('pv_modules', 2, 284.6), ('inverters', 1, 115.4)]
    """
    chain_list = _chains(chains)
    nodes = _nodes(chain_list)
    for name in ("id", "node", "confidence"):
        if name not in mounts.columns:
            raise ValueError(f"挂接表缺少 {name} 列 / the mounts frame has no {name!r} column")
    kept = (
        mounts.filter(counted_mounts(mounts, min_confidence))
        .filter(pl.col("node").is_in(nodes["node"].implode()))
        .select("id", "node", pl.col("confidence").cast(pl.Float64))
        .unique(subset=["id", "node"], keep="first", maintain_order=True)
    )
    figures = _figures(firms, mounts.schema["id"])
    joined = kept.join(figures, on="id", how="left").with_columns(
        pl.col("enclave").fill_null(False),
        pl.col("tier").fill_null(0),
        (pl.col("confidence") / pl.col("confidence").sum().over("id")).alias("share"),
    )
    local = joined.filter(~pl.col("enclave"))
    per_node = local.group_by("node").agg(
        pl.len().cast(pl.Int64).alias("firms"),
        (pl.col("revenue") * pl.col("share")).sum().alias("revenue"),
        (pl.col("rd_expense") * pl.col("share")).sum().alias("rd_expense"),
        (pl.col("rd_expense") > 0).sum().cast(pl.Int64).alias("rd_firms"),
        *[
            (pl.col("tier") == i + 1).sum().cast(pl.Int64).alias(f"tier_{t}")
            for i, t in enumerate(TIERS)
        ],
        (pl.col("tier") > 0).sum().cast(pl.Int64).alias("tier_holders"),
        pl.col("revenue").is_not_null().any().alias("__revenue_known"),
    )
    enclave = (
        joined.filter(pl.col("enclave"))
        .group_by("node")
        .agg(pl.len().cast(pl.Int64).alias("enclave_firms"))
    )
    counts = [c for c in per_node.columns if c not in ("node", "revenue", "rd_expense")]
    unknown = [  # figures the firms frame does not have at all: null, not zero
        *(["revenue"] if "revenue" not in firms.columns else []),
        *(["rd_expense", "rd_firms"] if "rd_expense" not in firms.columns else []),
        *([f"tier_{t}" for t in TIERS] + ["tier_holders"] if "tier" not in firms.columns else []),
    ]
    out = (
        nodes.join(per_node, on="node", how="left")
        .join(enclave, on="node", how="left")
        .with_columns(
            *[pl.col(c).fill_null(0) for c in counts if c != "__revenue_known"],
            pl.col("enclave_firms").fill_null(0),
            pl.col("revenue").fill_null(0.0),
            pl.col("rd_expense").fill_null(0.0),
            pl.col("__revenue_known").fill_null(False).any().over("chain"),
        )
    )
    mean_firms = pl.col("firms").mean().over("chain")
    mean_revenue = pl.col("revenue").mean().over("chain")
    out = out.with_columns(
        pl.when(mean_firms > 0)
        .then(pl.col("firms") / mean_firms)
        .otherwise(0.0)
        .alias("firm_index"),
        pl.when(pl.col("__revenue_known") & (mean_revenue > 0))
        .then(pl.col("revenue") / mean_revenue)
        .otherwise(None)
        .alias("revenue_index"),
    ).with_columns(
        pl.mean_horizontal("firm_index", "revenue_index").alias("strength"),
        *[pl.lit(None).alias(c) for c in unknown],
    )
    return out.select([pl.col(name).cast(dtype) for name, dtype in STRENGTH_COLUMNS.items()])
