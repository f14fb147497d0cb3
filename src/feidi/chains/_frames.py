"""Mounting a whole registry at once, and its corrections, as Polars frames.

The same evidence and the same formula as :func:`~feidi.chains.mount` (the same index does
the work), computed once per distinct code and once per distinct text — a county's 33,000
firms share a few hundred codes and many phrases of their business texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from feidi.chains._corrections import Correction
from feidi.chains._model import Chain, fold_text
from feidi.chains._mount import (
    CodeMatch,
    Evidence,
    Mount,
    _index,
    confidence,
    keyword_score,
    normalise_code,
)
from feidi.chains._segment import Hit

__all__ = [
    "MOUNT_COLUMNS",
    "apply_corrections_frame",
    "mount_frame",
    "mount_of_row",
    "mounts_from_frame",
]

#: The long frame's columns after ``id`` (whose type is the input's): one row per firm × node.
MOUNT_COLUMNS: dict[str, pl.DataType] = {
    "node": pl.String(),
    "chain": pl.String(),
    "confidence": pl.Float64(),
    "status": pl.String(),  # auto / confirmed / added
    "code": pl.String(),  # the firm's code, when it matched the node's
    "node_code": pl.String(),
    "code_level": pl.String(),  # class / group / division
    "code_shared": pl.Int32(),
    "code_score": pl.Float64(),
    "keywords": pl.List(pl.String()),
    "keyword_score": pl.Float64(),
    "corrected_by": pl.String(),
    "correction_note": pl.String(),
}
_ROW = "__row"


def mount_frame(
    frame: pl.DataFrame,
    *,
    chains: Sequence[Chain] | None = None,
    min_confidence: float = 0.0,
) -> pl.DataFrame:
    """:func:`~feidi.chains.mount` for every row of ``frame`` (columns ``id`` and
    ``industry_code`` and/or ``text``), as a long frame: ``id`` and :data:`MOUNT_COLUMNS`,
    one row per firm × node, firms in input order, each firm's nodes surest first.

    ``id`` must be unique and filled; a code that is not in GB/T 4754-2017 raises
    ``ValueError`` naming the first firms that carry it.

    Examples
    --------
    >>> import polars as pl
    >>> firms = pl.DataFrame({"id": [1, 2], "industry_code": ["C3670", None],
    ...                       "text": ["新能源汽车电池包壳体", "光伏组件、逆变器"]})
    >>> long = mount_frame(firms)
    >>> long.filter(pl.col("id") == 2).select("node", "confidence", "keywords").rows()
    [('new_energy/inverters', 0.4, ['逆变器']), ('new_energy/pv_modules', 0.4, ['光伏组件'])]
    """
    index = _index(chains)
    base = _base(frame)
    by_code = _code_evidence(index, base)
    by_text = _text_evidence(index, base)
    coded = base.join(by_code, on="__code", how="inner").select(_ROW, *by_code.columns[1:])
    worded = base.join(by_text, on="__text", how="inner").select(_ROW, "node", "keywords")
    long = coded.join(worded, on=[_ROW, "node"], how="full", coalesce=True).with_columns(
        pl.col("code_score").fill_null(0.0),
        pl.col("keywords").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    )
    long = long.with_columns(pl.col("keywords").list.len().alias("__n")).filter(
        pl.col("code_level").is_in(["class", "group"]) | (pl.col("__n") > 0)
    )
    # The formula runs in Python on the distinct (code score, keyword count) pairs, so a
    # frame and :func:`mount` agree to the last digit.
    pairs = long.select("code_score", "__n").unique()
    scored = pairs.with_columns(
        pl.Series(
            "confidence",
            [confidence(c, keyword_score(n)) for c, n in pairs.iter_rows()],
            dtype=pl.Float64,
        ),
        pl.Series("keyword_score", [keyword_score(n) for n in pairs["__n"]], dtype=pl.Float64),
    )
    long = long.join(scored, on=["code_score", "__n"], how="left").filter(
        pl.col("confidence") >= min_confidence
    )
    long = long.with_columns(
        pl.col("node").str.split("/").list.first().alias("chain"),
        pl.lit("auto").alias("status"),
        pl.lit(None, dtype=pl.String).alias("corrected_by"),
        pl.lit(None, dtype=pl.String).alias("correction_note"),
    )
    return _finish(long, base)


def _base(frame: pl.DataFrame) -> pl.DataFrame:
    if "id" not in frame.columns:
        raise ValueError("缺少 id 列 / the frame has no 'id' column")
    if "industry_code" not in frame.columns and "text" not in frame.columns:
        raise ValueError(
            "至少需要 industry_code 或 text 列 / the frame needs an 'industry_code' or a 'text' column"
        )
    ids = frame["id"]
    if ids.null_count():
        raise ValueError(f"id 列有 {ids.null_count()} 个空值 / {ids.null_count()} empty id(s)")
    if ids.n_unique() != ids.len():
        twice = ids.filter(ids.is_duplicated()).unique(maintain_order=True).head(5).to_list()
        raise ValueError(f"id 重复：{twice} / duplicate id(s): {twice}")

    def text(column: str) -> pl.Series:
        if column not in frame.columns:
            return pl.Series(column, [None] * frame.height, dtype=pl.String)
        return frame[column].cast(pl.String)

    return pl.DataFrame(
        {
            _ROW: pl.int_range(frame.height, eager=True, dtype=pl.UInt32),
            "id": ids,
            "__code": text("industry_code"),
            "__text": text("text"),
        }
    )


def _code_evidence(index: Any, base: pl.DataFrame) -> pl.DataFrame:
    rows: list[tuple[Any, ...]] = []
    bad: list[str] = []
    for raw in base["__code"].drop_nulls().unique(maintain_order=True).to_list():
        try:
            code = normalise_code(raw)
        except ValueError:
            bad.append(raw)
            continue
        if code is None:
            continue
        for ref, m in index.code_matches(code):
            rows.append((raw, ref, m.code, m.node_code, m.level, m.shared, m.score))
    if bad:
        firms = base.filter(pl.col("__code").is_in(bad)).head(5)
        listed = ", ".join(f"{i} ({c})" for i, c in zip(firms["id"], firms["__code"], strict=True))
        raise ValueError(
            f"{len(bad)} 个行业代码不在 GB/T 4754-2017 中，例如：{listed}"
            f" / {len(bad)} industry code(s) are not in GB/T 4754-2017, e.g. {listed}"
        )
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(7)]
    schema = {
        "__code": pl.String,
        "node": pl.String,
        "code": pl.String,
        "node_code": pl.String,
        "code_level": pl.String,
        "code_shared": pl.Int32,
        "code_score": pl.Float64,
    }
    return pl.DataFrame(
        {
            name: pl.Series(name, col, dtype=dtype)
            for (name, dtype), col in zip(schema.items(), columns, strict=True)
        }
    )


def _text_evidence(index: Any, base: pl.DataFrame) -> pl.DataFrame:
    texts = base["__text"].drop_nulls().unique(maintain_order=True).to_list()
    found = index.finder.in_texts([fold_text(t) for t in texts])
    # One row per text × node × keyword, gathered into lists by Polars: building list cells
    # row by row from Python costs more than the segmentation.
    col_text: list[str] = []
    col_node: list[str] = []
    col_word: list[str] = []
    per_set: dict[tuple[Hit, ...], dict[str, tuple[str, ...]]] = {}
    for text, keywords in zip(texts, found, strict=True):
        if not keywords:
            continue
        if keywords not in per_set:
            per_set[keywords] = index.node_keywords(keywords)
        for ref, words in per_set[keywords].items():
            col_text += [text] * len(words)
            col_node += [ref] * len(words)
            col_word += words
    flat = pl.DataFrame(
        {"__text": col_text, "node": col_node, "keyword": col_word},
        schema={"__text": pl.String, "node": pl.String, "keyword": pl.String},
    )
    return flat.group_by("__text", "node", maintain_order=True).agg(
        pl.col("keyword").alias("keywords")
    )


def _finish(long: pl.DataFrame, base: pl.DataFrame) -> pl.DataFrame:
    """Ids back in, the columns in order, firms in input order, surest first."""
    out = long.join(base.select(_ROW, "id"), on=_ROW, how="left")
    out = out.sort([_ROW, "confidence", "node"], descending=[False, True, False])
    return out.select(
        pl.col("id"), *[pl.col(name).cast(dtype) for name, dtype in MOUNT_COLUMNS.items()]
    )


def mounts_from_frame(long: pl.DataFrame) -> dict[Any, list[Mount]]:
    """A long frame (:func:`mount_frame`, :func:`apply_corrections_frame`, or one read back
    from a file) as :class:`~feidi.chains.Mount` lists per id, in the frame's order."""
    out: dict[Any, list[Mount]] = {}
    for row in long.iter_rows(named=True):
        out.setdefault(row["id"], []).append(mount_of_row(row))
    return out


def mount_of_row(row: dict[str, Any]) -> Mount:
    """One row of a long frame as a :class:`~feidi.chains.Mount`."""
    code = (
        CodeMatch(row["code"], row["node_code"], row["code_level"], row["code_shared"])
        if row["code"] is not None
        else None
    )
    evidence = Evidence(code, tuple(row["keywords"] or ()))
    correction = (
        Correction(
            row["node"],
            "confirm" if row["status"] == "confirmed" else "add",
            row["corrected_by"] or "",
            row["correction_note"] or "",
        )
        if row["status"] != "auto"
        else None
    )
    return Mount(row["node"], row["confidence"], evidence, row["status"], correction)


def apply_corrections_frame(long: pl.DataFrame, corrections: pl.DataFrame) -> pl.DataFrame:
    """:func:`~feidi.chains.apply_corrections` for a whole long frame (the same rule).

    ``corrections`` has ``id``, ``node``, ``action`` (confirm / reject / add) and optionally
    ``by`` and ``note``, oldest first: for one firm and node the last row holds. Firms that
    only have corrections come after the others, in the corrections' order.

    Examples
    --------
    >>> import polars as pl
    >>> long = mount_frame(pl.DataFrame({"id": [7], "text": ["光伏组件、逆变器"]}))
    >>> fixes = pl.DataFrame({"id": [7, 7], "node": ["new_energy/inverters", "new_energy/solar_power"],
    ...                       "action": ["reject", "add"]})
    >>> apply_corrections_frame(long, fixes).select("node", "confidence", "status").rows()
    [('new_energy/solar_power', 1.0, 'added'), ('new_energy/pv_modules', 0.4, 'auto')]
    """
    if long.height == 0 and corrections.height == 0:
        return long
    fixes = _corrections(corrections, long.schema["id"])
    by = fixes.select("id", "node", "action", "by", "note").unique(
        subset=["id", "node"], keep="last", maintain_order=True
    )
    status = (
        pl.when(pl.col("action") == "confirm").then(pl.lit("confirmed")).otherwise(pl.lit("added"))
    )
    kept = long.join(by, on=["id", "node"], how="left").filter(
        pl.col("action").is_null() | (pl.col("action") != "reject")
    )
    corrected = pl.col("action").is_not_null()
    kept = kept.with_columns(
        pl.when(corrected).then(1.0).otherwise(pl.col("confidence")).alias("confidence"),
        pl.when(corrected).then(status).otherwise(pl.col("status")).alias("status"),
        pl.when(corrected)
        .then(pl.col("by"))
        .otherwise(pl.col("corrected_by"))
        .alias("corrected_by"),
        pl.when(corrected)
        .then(pl.col("note"))
        .otherwise(pl.col("correction_note"))
        .alias("correction_note"),
    )
    added = (
        by.filter(pl.col("action") != "reject")
        .join(long.select("id", "node"), on=["id", "node"], how="anti")
        .select(
            "id",
            "node",
            pl.col("node").str.split("/").list.first().alias("chain"),
            pl.lit(1.0).alias("confidence"),
            status.alias("status"),
            pl.lit(0.0).alias("code_score"),
            pl.lit([], dtype=pl.List(pl.String)).alias("keywords"),
            pl.lit(0.0).alias("keyword_score"),
            pl.col("by").alias("corrected_by"),
            pl.col("note").alias("correction_note"),
        )
    )
    # Firms keep the long frame's order; a firm only the corrections know comes after.
    order = (
        pl.concat([long.select("id"), by.select("id")], how="vertical_relaxed")
        .unique(maintain_order=True)
        .with_row_index("__order")
    )
    merged = pl.concat([kept.select(long.columns), added], how="diagonal_relaxed")
    merged = merged.join(order, on="id", how="left").sort(
        ["__order", "confidence", "node"], descending=[False, True, False]
    )
    return merged.select(
        pl.col("id"), *[pl.col(name).cast(dtype) for name, dtype in MOUNT_COLUMNS.items()]
    )


def _corrections(corrections: pl.DataFrame, id_type: pl.DataType) -> pl.DataFrame:
    missing = [c for c in ("id", "node", "action") if c not in corrections.columns]
    if missing:
        raise ValueError(f"更正缺少列：{missing} / the corrections lack column(s): {missing}")
    # One check for every row's node and action: the same as a Correction's own.
    for node, action in corrections.select("node", "action").unique().iter_rows():
        Correction(node, action)
    return corrections.select(
        pl.col("id").cast(id_type),
        pl.col("node").cast(pl.String),
        pl.col("action").cast(pl.String),
        (pl.col("by") if "by" in corrections.columns else pl.lit(None)).cast(pl.String).alias("by"),
        (pl.col("note") if "note" in corrections.columns else pl.lit(None))
        .cast(pl.String)
        .alias("note"),
    )
