"""Lay the flat result columns out as one record per firm × tier, with nested traces.

This is the Polars-specific step after the engine-neutral evaluation (PERFORMANCE.md: the
trace layout uses the engine's fastest form). Every engine's flat result passes through it,
so the records are identical whichever engine evaluated. Record columns (other tools read
these names: keep them):

credit_code, name, rulebook, tier, verdict, score, score_min, score_max, pass_mark,
missing, indicators, conditions, path, warnings
"""

from __future__ import annotations

import polars as pl

from feidi.rules._engine import mcol, ncol, rulebook_fields, used_measures
from feidi.rules._measures import measure_inputs
from feidi.rules._model import (
    BestOf,
    Brackets,
    Compare,
    InSet,
    Items,
    Options,
    Rulebook,
    ScoreAtLeast,
    SumOf,
    Tier,
    Value,
    scored_measure,
    scoring_parts,
    walk,
)
from feidi.rules._paths import PATH_STEP, PathBuilder, ragged_column

# Static facts of a node (its name, measure, operator, maximum) live in the rulebook, keyed by
# ``id``; a record carries what varies by firm. (Repeating the strings on a million rows
# doubled the layout time — measured.)
INDICATOR = pl.Struct(
    {
        "id": pl.String,
        "points": pl.Float64,  # null when unknown
        "points_min": pl.Float64,
        "points_max": pl.Float64,
        "observed": pl.Float64,
        "required": pl.Float64,  # the edge of the next bracket up, when there is one
        "gap": pl.Float64,  # how far the observed value is from `required`
    }
)
CONDITION = pl.Struct(
    {
        "id": pl.String,
        "verdict": pl.String,
        "observed": pl.Float64,
        "required": pl.Float64,
        "gap": pl.Float64,
    }
)
RECORD_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "credit_code": pl.String,
    "name": pl.String,
    "rulebook": pl.String,
    "tier": pl.String,
    "verdict": pl.String,
    "score": pl.Float64,
    "score_min": pl.Float64,
    "score_max": pl.Float64,
    "pass_mark": pl.Float64,
    "missing": pl.List(pl.String),
    "indicators": pl.List(INDICATOR),
    "conditions": pl.List(CONDITION),
    "path": pl.List(PATH_STEP),
    "warnings": pl.List(pl.String),
}


def _verdict(defin: pl.Expr, poss: pl.Expr) -> pl.Expr:
    return (
        pl.when(defin)
        .then(pl.lit("pass"))
        .when(~poss)
        .then(pl.lit("fail"))
        .otherwise(pl.lit("unknown"))
    )


def _gap(op: str, observed: pl.Expr, required: pl.Expr) -> pl.Expr:
    """Shortfall towards ``required`` (0 when met)."""
    raw = required - observed if op in ("at_least", "greater_than") else observed - required
    return pl.when(raw.is_not_null()).then(pl.max_horizontal(raw, pl.lit(0.0)).round(6))


def _list(items: list[pl.Expr], dtype: pl.DataType, *, drop_nulls: bool = False) -> pl.Expr:
    """A list column from one expression per element.

    Built as a fixed-size array and cast to a list: ``concat_list`` of structs is ~17× slower
    (PERFORMANCE.md measured 20 s against 0.7 s per million firms).
    """
    if not items:
        return pl.lit([], dtype=pl.List(dtype))
    out = pl.concat_arr(*[i.cast(dtype) for i in items]).arr.to_list()
    return out.list.drop_nulls() if drop_nulls else out


class TierLayout:
    def __init__(self, book: Rulebook, tier: Tier, fiscal_year: int, warnings: list[str]) -> None:
        self.book, self.tier, self.fy, self.warnings = book, tier, fiscal_year, warnings
        self.t = tier.id
        self.paths = PathBuilder(book, tier, fiscal_year)
        self._compiled: (
            tuple[list[pl.Expr], list[tuple[pl.Expr, pl.Expr]], list[tuple[pl.Expr, pl.Expr]]]
            | None
        ) = None

    def indicators(self) -> pl.Expr:
        sc = self.tier.scorecard
        if sc is None:
            return pl.lit([], dtype=pl.List(INDICATOR))
        items: list[pl.Expr] = []
        for top in sc.indicators:
            for ind in scoring_parts(top):
                lo, hi = (
                    pl.col(ncol(self.t, ind.meta.id, "lo")),
                    pl.col(ncol(self.t, ind.meta.id, "hi")),
                )
                s = ind.scoring
                measure = scored_measure(s)
                observed = (
                    pl.col(mcol(measure, "obs")) if measure else pl.lit(None, dtype=pl.Float64)
                )
                required: pl.Expr = pl.lit(None, dtype=pl.Float64)
                gap: pl.Expr = pl.lit(None, dtype=pl.Float64)
                if isinstance(s, Brackets) and ind is top:
                    nxt = self.paths.steps[ind.meta.id][0]
                    required = pl.when(nxt.gain > 0).then(nxt.required)
                    gap = _gap("at_most" if s.lower_is_better else "at_least", observed, required)
                items.append(
                    pl.struct(
                        id=pl.lit(ind.meta.id),
                        points=pl.when(lo == hi).then(lo),
                        points_min=lo,
                        points_max=hi,
                        observed=observed,
                        required=required,
                        gap=gap,
                    )
                )
        return _list(items, INDICATOR)

    def conditions(self) -> pl.Expr:
        items: list[pl.Expr] = []
        for node in walk(self.tier.requires):
            d, p = (
                pl.col(ncol(self.t, node.meta.id, "def")),
                pl.col(ncol(self.t, node.meta.id, "pos")),
            )
            measure: str | None = None
            op: str | None = None
            required: float | None = None
            observed: pl.Expr = pl.lit(None, dtype=pl.Float64)
            if isinstance(node, Compare):
                measure, op, required = node.measure, node.op, node.value
                observed = pl.col(mcol(measure, "obs"))
            elif isinstance(node, InSet):
                order = self.book.measures[node.measure].order
                measure, op, required = (
                    node.measure,
                    "in",
                    min(node.ranks(order)),
                )
                observed = pl.col(mcol(measure, "obs"))
            elif isinstance(node, ScoreAtLeast):
                assert self.tier.scorecard is not None
                members = self.tier.scorecard.members(node.group)
                los = [pl.col(ncol(self.t, i, "lo")) for i in members]
                his = [pl.col(ncol(self.t, i, "hi")) for i in members]
                lo, hi = pl.sum_horizontal(*los).round(6), pl.sum_horizontal(*his).round(6)
                measure, op, required = f"score:{node.group}", "at_least", node.value
                observed = pl.when(lo == hi).then(lo)
            gap = (
                _gap(op, observed, pl.lit(required, dtype=pl.Float64))
                if op and op != "in"
                else pl.lit(None, dtype=pl.Float64)
            )
            items.append(
                pl.struct(
                    id=pl.lit(node.meta.id),
                    verdict=_verdict(d, p),
                    observed=observed,
                    required=pl.lit(required, dtype=pl.Float64),
                    gap=gap,
                )
            )
        return _list(items, CONDITION)

    def missing_items(self) -> list[tuple[pl.Expr, pl.Expr]]:
        """(is missing and matters, label) per input column, for ``ragged_column``:
        input fields that are missing and feed an undecided indicator or condition."""
        fields = rulebook_fields(self.book)
        undecided: dict[str, list[pl.Expr]] = {}  # measure → "some node using it is undecided"

        def note(measures: set[str], flag: pl.Expr) -> None:
            for m in measures:
                undecided.setdefault(m, []).append(flag)

        # A decided tier lists only what keeps its score unknown; an undecided one lists
        # everything that could decide it.
        undecided_tier = pl.col(f"{self.t}__verdict") == "unknown"
        for node in walk(self.tier.requires):
            if isinstance(node, Compare | InSet):
                flag = pl.col(ncol(self.t, node.meta.id, "def")) != pl.col(
                    ncol(self.t, node.meta.id, "pos")
                )
                note({node.measure}, flag & undecided_tier)
        if self.tier.scorecard:
            for top in self.tier.scorecard.indicators:
                for ind in scoring_parts(top):
                    flag = pl.col(ncol(self.t, ind.meta.id, "lo")) != pl.col(
                        ncol(self.t, ind.meta.id, "hi")
                    )
                    note(_scoring_measures(ind.scoring), flag)
        by_column: dict[str, list[pl.Expr]] = {}
        for mid, flags in undecided.items():
            for column in measure_inputs(self.book.measures[mid], fields):
                by_column.setdefault(column, []).append(pl.any_horizontal(*flags))
        return [
            (
                pl.col(column).is_null() & pl.any_horizontal(*by_column[column]),
                pl.lit(_label(column, self.fy)),
            )
            for column in sorted(by_column)
        ]

    def record(self) -> list[pl.Expr]:
        sc = self.tier.scorecard
        if sc is not None:
            lo, hi = pl.col(f"{self.t}__score__lo"), pl.col(f"{self.t}__score__hi")
            score: pl.Expr = pl.when(lo == hi).then(lo)
            smin, smax = lo, hi
        else:
            score = smin = smax = pl.lit(None, dtype=pl.Float64)
        return [
            pl.col("credit_code"),
            pl.col("name").cast(pl.String),
            pl.lit(self.book.id).alias("rulebook"),
            pl.lit(self.t).alias("tier"),
            pl.col(f"{self.t}__verdict").alias("verdict"),
            score.cast(pl.Float64).alias("score"),
            smin.cast(pl.Float64).alias("score_min"),
            smax.cast(pl.Float64).alias("score_max"),
            pl.lit(self.tier.pass_mark, dtype=pl.Float64).alias("pass_mark"),
            self.indicators().alias("indicators"),
            self.conditions().alias("conditions"),
            pl.lit(self.warnings, dtype=pl.List(pl.String)).alias("warnings"),
        ]

    def compile(
        self,
    ) -> tuple[list[pl.Expr], list[tuple[pl.Expr, pl.Expr]], list[tuple[pl.Expr, pl.Expr]]]:
        """The record expressions, the path steps and the missing-field items, built once."""
        if self._compiled is None:
            steps = self.paths.build()  # adds the path's staged columns
            self._compiled = (self.record(), steps, self.missing_items())
        return self._compiled

    def frame(self, flat: pl.DataFrame) -> pl.DataFrame:
        """This tier's records for a batch of firms, in the batch's order."""
        record, steps, missing = self.compile()
        # materialised once: both the record and the path read it
        staged = self.paths.apply(flat.lazy()).collect()
        return (
            staged.select(*record)
            .with_columns(
                ragged_column(staged, missing, pl.String(), "missing"),
                self.paths.path_column(staged, steps),
            )
            .select(*RECORD_SCHEMA)
        )


def _scoring_measures(s: object) -> set[str]:
    if isinstance(s, Brackets | Value):
        return {s.measure}
    out: set[str] = set()
    if isinstance(s, Options | Items):
        for _, c in s.options if isinstance(s, Options) else s.items:
            out |= {n.measure for n in walk(c) if isinstance(n, Compare | InSet)}
    elif isinstance(s, BestOf):
        for p in s.parts:
            out |= _scoring_measures(p)
    elif isinstance(s, SumOf):
        for ind in s.parts:
            out |= _scoring_measures(ind.scoring)
    return out


def _label(column: str, fiscal_year: int) -> str:
    """``revenue__y0`` → ``revenue@2025``: a missing input as a user can find it in the sheet."""
    if "__y" in column:
        field, k = column.rsplit("__y", 1)
        return f"{field}@{fiscal_year - int(k)}"
    return column


class RecordLayout:
    """Lays batches of flat results out as records; built once per evaluation."""

    def __init__(
        self, book: Rulebook, tiers: tuple[str, ...], fiscal_year: int, warnings: list[str]
    ) -> None:
        self.tiers = [TierLayout(book, book.tiers[t], fiscal_year, warnings) for t in tiers]
        for t in self.tiers:  # build every expression now: batches are laid out on threads
            t.compile()

    def __call__(self, flat: pl.DataFrame) -> pl.DataFrame:
        """One record per firm × tier for a batch of firms: tier by tier, firms in input order.

        (Interleaving firm by firm would mean sorting nested columns: it doubled the time.)
        """
        return pl.concat([t.frame(flat) for t in self.tiers], how="vertical")


def input_columns(book: Rulebook, tiers: tuple[str, ...]) -> list[str]:
    """The wide-frame input columns the layout needs next to the flat results."""
    fields = rulebook_fields(book)
    cols: set[str] = set()
    for t in tiers:
        for mid in used_measures(book.tiers[t]):
            cols.update(measure_inputs(book.measures[mid], fields))
    return sorted(cols)
