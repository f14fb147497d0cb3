"""Typed, ranked gaps on the chains, each with its figures in words and its candidates.

Read from :func:`~feidi.chains.node_strength` (``strength``: 1 is the chain's average node,
0 an empty one) and the chains' supplier → customer edges. The types, their tests and their
priority (0–1; the gaps are ranked by it, highest first):

=====================  ==========  ================================================  =====================================
type                   中文        when                                              priority
=====================  ==========  ================================================  =====================================
``fill_blank``         填空白      a node with no local firm                         0.6 + 0.4 × linked nodes held / linked
``shore_up``           补短板      ≥ 1 local firm, strength < ``weak`` (0.5)         0.4 + 0.4 × (1 − strength / weak)
``missing_upstream``   缺上游供给  local firms, ≥ 1 supplier node, none held         0.5 + 0.4 × min(1, strength / strong)
``missing_downstream`` 缺下游客户  local firms, ≥ 1 customer node, none held         0.5 + 0.4 × min(1, strength / strong)
``missing_technology`` 缺技术      local firms, none with R&D > 0 and no tier        0.3 + 0.4 × min(1, strength / strong)
                                   holder (only when R&D or tier is known)
``forge_long``         锻长板      strength ≥ ``strong`` (2.0)                       0.3 + 0.4 × min(1, (strength − strong)
                                                                                     / strong)
=====================  ==========  ================================================  =====================================

"Held" means the node has at least one local firm. An empty node linked to nodes the
county holds is the most concrete blank (its neighbours would buy from it or sell to it);
a missing supplier or customer matters more the stronger the node that lacks it.

**Candidates** (optional frame: ``id``, ``name``, ``kind``, ``node``, ``confidence``, one
row per candidate × node, e.g. a :func:`~feidi.chains.mount_frame` of their texts with
``name`` and ``kind`` added). ``kind`` is ``enclave_startup``, ``profile`` or
``reference_firm`` (to **attract**) or ``local_firm`` (to **grow**). A gap's *target nodes*
are its own node, or for a missing supplier / customer the empty supplier / customer nodes.
To attract: candidates mounted on a target node, score = confidence. To grow: local firms
mounted on a target node (score = confidence; for an empty node these are the firms below
the counting threshold) or on a node linked to it by an edge (score = confidence ×
``ADJACENT_WEIGHT``, 0.5). Each candidate once per gap (its best score), the ``top`` best
per action, as a list column ``candidates`` (:func:`gap_candidates` makes it a long frame).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from feidi.chains._model import POSITION_WORDS, Chain, node_ref

__all__ = [
    "ADJACENT_WEIGHT",
    "CANDIDATE_KINDS",
    "GAP_TYPES",
    "STRONG",
    "WEAK",
    "chain_gaps",
    "gap_candidates",
]

#: Gap types in the order they are listed for one node, with their words.
GAP_TYPES: dict[str, tuple[str, str]] = {
    "fill_blank": ("填空白", "fill a blank"),
    "shore_up": ("补短板", "shore up a weak node"),
    "missing_upstream": ("缺上游供给", "missing upstream supplier"),
    "missing_downstream": ("缺下游客户", "missing downstream customer"),
    "missing_technology": ("缺技术", "missing technology"),
    "forge_long": ("锻长板", "deepen a strong node"),
}
#: Below this strength a node with local firms is weak (half the chain's average node).
WEAK = 0.5
#: From this strength on a node is strong (twice the chain's average node).
STRONG = 2.0
#: A local firm on a node linked to the gap's node is worth this share of its confidence.
ADJACENT_WEIGHT = 0.5
CANDIDATE_KINDS: dict[str, str] = {
    "enclave_startup": "attract",
    "profile": "attract",
    "reference_firm": "attract",
    "local_firm": "grow",
}
_CANDIDATE = pl.Struct(
    {
        "id": pl.String(),
        "name": pl.String(),
        "kind": pl.String(),
        "action": pl.String(),
        "node": pl.String(),
        "confidence": pl.Float64(),
        "score": pl.Float64(),
    }
)
GAP_COLUMNS: dict[str, pl.DataType] = {
    "rank": pl.Int64(),
    "chain": pl.String(),
    "node": pl.String(),
    "node_name": pl.String(),
    "node_name_en": pl.String(),
    "position": pl.String(),
    "type": pl.String(),
    "type_zh": pl.String(),
    "priority": pl.Float64(),
    "firms": pl.Int64(),
    "strength": pl.Float64(),
    "related": pl.List(pl.String()),  # the supplier / customer nodes a gap names
    "targets": pl.List(pl.String()),  # where candidates are sought
    "evidence": pl.String(),
    "evidence_en": pl.String(),
}


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:,.2f}"


def _names(rows: list[dict[str, Any]]) -> tuple[str, str]:
    return "、".join(f"「{r['node_name']}」" for r in rows), ", ".join(
        f"'{r['node_name_en']}'" for r in rows
    )


def chain_gaps(
    strength: pl.DataFrame,
    *,
    chains: Sequence[Chain] | None = None,
    candidates: pl.DataFrame | None = None,
    weak: float = WEAK,
    strong: float = STRONG,
    top: int = 5,
) -> pl.DataFrame:
    """The typed gaps of every chain in ``strength``, ranked by priority.

    Parameters
    ----------
    strength
        :func:`~feidi.chains.node_strength`'s frame.
    chains
        The chains it was computed on (default: the shipped ones), for the edges.
    candidates
        Optional: ``id``, ``kind``, ``node``, ``confidence`` and optionally ``name``; see the
        module's docstring for how they are chosen and scored.
    weak, strong
        The strength thresholds of 补短板 and 锻长板.
    top
        Candidates kept per gap and action (attract / grow).

    Returns
    -------
    polars.DataFrame
        ``GAP_COLUMNS`` (``rank`` 1 first; ``evidence`` / ``evidence_en`` name the figures)
        and ``candidates``, a list of structs (``id``, ``name``, ``kind``, ``action``,
        ``node``, ``confidence``, ``score``), attract first, best first; empty without
        candidates.

    Examples
    --------
    >>> import polars as pl
    >>> from feidi.chains import load_chain, node_strength
    >>> chain = load_chain("new_energy")
    >>> mounts = pl.DataFrame({"id": [1], "node": ["new_energy/pv_modules"], "confidence": [0.64]})
    >>> gaps = chain_gaps(node_strength(mounts, pl.DataFrame({"id": [1]}), chains=[chain]),
    ...                   chains=[chain])
    >>> gaps.select("type", "node", "priority").row(0)
    ('fill_blank', 'new_energy/silicon_wafers', 1.0)
    >>> gaps.filter(pl.col("type") == "missing_upstream")["evidence"][0]
    '「光伏电池片与组件」（中游）有 1 家本地企业（强度 17.00），但其全部 2 个供给环节「多晶硅与硅片」、「光伏辅材」均无本地企业。'
    """
    if chains is None:
        from feidi.chains._loader import load_chains

        chains = load_chains()
    by_id = {c.id: c for c in chains}
    missing = sorted(set(strength["chain"].unique().to_list()) - set(by_id))
    if missing:
        raise ValueError(f"未知产业链：{missing} / unknown chain(s): {missing}")
    rows = {r["node"]: r for r in strength.iter_rows(named=True)}
    rd_known = strength["rd_firms"].null_count() < strength.height
    tier_known = strength["tier_holders"].null_count() < strength.height
    gaps: list[dict[str, Any]] = []

    def add(
        r: dict[str, Any],
        kind: str,
        priority: float,
        related: list[str],
        zh: str,
        en: str,
        targets: list[str] | None = None,
    ) -> None:
        gaps.append(
            {
                "chain": r["chain"],
                "node": r["node"],
                "node_name": r["node_name"],
                "node_name_en": r["node_name_en"],
                "position": r["position"],
                "type": kind,
                "type_zh": GAP_TYPES[kind][0],
                "priority": round(priority, 3),
                "firms": r["firms"],
                "strength": r["strength"],
                "related": related,
                "targets": targets if targets is not None else [r["node"]],
                "evidence": zh,
                "evidence_en": en,
                "__order": (list(by_id).index(r["chain"]), r["order"], list(GAP_TYPES).index(kind)),
            }
        )

    for chain in chains:
        for node in chain.nodes:
            ref = node_ref(chain.id, node.id)
            if ref not in rows:
                continue
            r = rows[ref]
            pos_zh, pos_en = POSITION_WORDS[node.position]
            head_zh = f"「{node.name}」（{pos_zh}）"
            head_en = f"'{node.name_en}' ({pos_en})"
            firms, s = r["firms"], r["strength"] or 0.0
            sup = [rows[chain.ref(n.id)] for n in chain.suppliers(node.id)]
            cus = [rows[chain.ref(n.id)] for n in chain.customers(node.id)]
            if firms == 0:
                linked = sup + cus
                held = [x for x in linked if x["firms"] > 0]
                share = len(held) / len(linked) if linked else 0.0
                held_zh, held_en = _names(held)
                zh = f"{head_zh}没有本地企业；与其相连的 {len(linked)} 个环节中 {len(held)} 个有本地企业"
                en = f"{head_en} has no local firm; {len(held)} of its {len(linked)} linked nodes have local firms"
                zh += f"：{held_zh}。" if held else "。"
                en += f": {held_en}." if held else "."
                add(r, "fill_blank", 0.6 + 0.4 * share, [x["node"] for x in held], zh, en)
                continue
            money_zh = f"营业收入合计 {_fmt(r['revenue'])}，" if r["revenue"] is not None else ""
            money_en = f"revenue {_fmt(r['revenue'])}, " if r["revenue"] is not None else ""
            if s < weak:
                add(
                    r,
                    "shore_up",
                    0.4 + 0.4 * (1 - s / weak),
                    [],
                    f"{head_zh}仅 {firms} 家本地企业，{money_zh}强度 {s:.2f}"
                    f"（全链平均环节为 1，低于 {weak:g} 为短板）。",
                    f"{head_en} has only {firms} local firm(s), {money_en}strength {s:.2f}"
                    f" (1 is the chain's average node; below {weak:g} is weak).",
                )
            for side, nodes_, kind in (
                ("up", sup, "missing_upstream"),
                ("down", cus, "missing_downstream"),
            ):
                if nodes_ and not any(x["firms"] > 0 for x in nodes_):
                    names_zh, names_en = _names(nodes_)
                    word_zh, word_en = (
                        ("供给", "supplier") if side == "up" else ("客户", "customer")
                    )
                    add(
                        r,
                        kind,
                        0.5 + 0.4 * min(1.0, s / strong),
                        [x["node"] for x in nodes_],
                        f"{head_zh}有 {firms} 家本地企业（强度 {s:.2f}），但其全部 {len(nodes_)} 个"
                        f"{word_zh}环节{names_zh}均无本地企业。",
                        f"{head_en} has {firms} local firm(s) (strength {s:.2f}) but none of its "
                        f"{len(nodes_)} {word_en} node(s) {names_en} has a local firm.",
                        targets=[x["node"] for x in nodes_],
                    )
            if (
                (rd_known or tier_known)
                and not (r["rd_firms"] or 0)
                and not (r["tier_holders"] or 0)
            ):
                known_zh = "、".join(
                    w for w, k in (("研发投入", rd_known), ("梯度企业", tier_known)) if k
                )
                known_en = " or ".join(
                    w for w, k in (("R&D spending", rd_known), ("a ladder tier", tier_known)) if k
                )
                add(
                    r,
                    "missing_technology",
                    0.3 + 0.4 * min(1.0, s / strong),
                    [],
                    f"{head_zh}的 {firms} 家本地企业均无{known_zh}。",
                    f"None of the {firms} local firm(s) of {head_en} has {known_en}.",
                )
            if s >= strong:
                rd = f"{r['rd_firms']} 家有研发投入" if r["rd_firms"] is not None else ""
                tier = f"{r['tier_holders']} 家梯度企业" if r["tier_holders"] is not None else ""
                rd_en = f"{r['rd_firms']} with R&D" if r["rd_firms"] is not None else ""
                tier_en = (
                    f"{r['tier_holders']} tier holder(s)" if r["tier_holders"] is not None else ""
                )
                extra_zh = "，".join(x for x in (rd, tier) if x)
                extra_en = ", ".join(x for x in (rd_en, tier_en) if x)
                add(
                    r,
                    "forge_long",
                    0.3 + 0.4 * min(1.0, (s - strong) / strong),
                    [],
                    f"{head_zh}强度 {s:.2f}（不低于 {strong:g}，全链平均环节为 1）：{firms} 家本地企业，"
                    f"{money_zh}{extra_zh}。".replace("，。", "。"),
                    f"{head_en} has strength {s:.2f} (at least {strong:g}; 1 is the chain's average "
                    f"node): {firms} local firm(s), {money_en}{extra_en}.".replace(", .", "."),
                )
    schema = {k: v for k, v in GAP_COLUMNS.items() if k != "rank"}
    if gaps:
        gaps.sort(key=lambda g: (-g["priority"], g["__order"]))
    out = pl.DataFrame(
        [{k: g[k] for k in schema} for g in gaps], schema=schema, orient="row"
    ).with_row_index("rank", offset=1)
    out = out.with_columns(pl.col("rank").cast(pl.Int64)).select(list(GAP_COLUMNS))
    return out.with_columns(_candidates(out, chains, candidates, top))


def _candidates(
    gaps: pl.DataFrame, chains: Sequence[Chain], candidates: pl.DataFrame | None, top: int
) -> pl.Series:
    empty = pl.Series("candidates", [[] for _ in range(gaps.height)], dtype=pl.List(_CANDIDATE))
    if candidates is None or gaps.height == 0:
        return empty
    for name in ("id", "kind", "node", "confidence"):
        if name not in candidates.columns:
            raise ValueError(f"候选表缺少 {name} 列 / the candidates frame has no {name!r} column")
    bad = set(candidates["kind"].unique().to_list()) - set(CANDIDATE_KINDS)
    if bad:
        raise ValueError(
            f"候选类型应是 {'/'.join(CANDIDATE_KINDS)}，收到 {sorted(map(str, bad))}"
            f" / a candidate's kind is one of {'/'.join(CANDIDATE_KINDS)}, got {sorted(map(str, bad))}"
        )
    cands = candidates.select(
        pl.col("id").cast(pl.String),
        (pl.col("name") if "name" in candidates.columns else pl.lit(None))
        .cast(pl.String)
        .alias("name"),
        pl.col("kind").cast(pl.String),
        pl.col("kind").replace_strict(CANDIDATE_KINDS, return_dtype=pl.String).alias("action"),
        pl.col("node").cast(pl.String),
        pl.col("confidence").cast(pl.Float64),
    )
    linked: dict[str, set[str]] = {}
    for chain in chains:
        for e in chain.edges:
            a, b = chain.ref(e.supplier), chain.ref(e.customer)
            linked.setdefault(a, set()).add(b)
            linked.setdefault(b, set()).add(a)
    pairs: list[tuple[int, str, float, bool]] = []  # gap rank, node, weight, adjacent
    for rank, targets in gaps.select("rank", "targets").iter_rows():
        near = {n for t in targets for n in linked.get(t, ())} - set(targets)
        pairs += [(rank, t, 1.0, False) for t in targets]
        pairs += [(rank, n, ADJACENT_WEIGHT, True) for n in sorted(near)]
    where = pl.DataFrame(
        pairs,
        schema={"rank": pl.Int64, "node": pl.String, "weight": pl.Float64, "adjacent": pl.Boolean},
        orient="row",
    )
    scored = (
        where.join(cands, on="node", how="inner")
        .filter(~pl.col("adjacent") | (pl.col("action") == "grow"))
        .with_columns((pl.col("confidence") * pl.col("weight")).round(3).alias("score"))
        .sort(["rank", "id", "score", "node"], descending=[False, False, True, False])
        .unique(subset=["rank", "id"], keep="first", maintain_order=True)
        .sort(["rank", "action", "score", "id"], descending=[False, False, True, False])
        .filter(pl.int_range(pl.len()).over("rank", "action") < top)
    )
    packed = scored.group_by("rank", maintain_order=True).agg(
        pl.struct(*_CANDIDATE.to_schema().keys()).alias("candidates")
    )
    return (
        gaps.select("rank")
        .join(packed, on="rank", how="left")
        .select(pl.col("candidates").fill_null(pl.lit([], dtype=pl.List(_CANDIDATE))))
        .to_series()
        .cast(pl.List(_CANDIDATE))
    )


def gap_candidates(gaps: pl.DataFrame) -> pl.DataFrame:
    """The ``candidates`` list column of :func:`chain_gaps` as a long frame: ``rank`` (the
    gap's), ``chain``, ``gap_node``, ``type``, then one candidate per row with its place
    (``candidate_rank``, 1 best, per gap and action)."""
    long = (
        gaps.select("rank", "chain", pl.col("node").alias("gap_node"), "type", "candidates")
        .explode("candidates")
        .drop_nulls("candidates")
        .unnest("candidates")
    )
    return long.with_columns(
        (pl.int_range(pl.len()).over("rank", "action") + 1).cast(pl.Int64).alias("candidate_rank")
    )
