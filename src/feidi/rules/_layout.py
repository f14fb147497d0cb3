"""The graded result laid out two ways: flat and wide (one row per firm), and as records.

**Flat** (:class:`FlatLayout`, what a province's ``.parquet`` holds): one row per firm and one
plain column per measure, indicator, condition, missing input and candidate path step of every
tier — no lists of structs, the slowest thing a columnar writer handles (PERFORMANCE.md).
It is computed from a batch of the engine's result with NumPy. Columns (``flat_schema``):

``credit_code``, ``name``
``observed__<measure>``          the value of every measure a trace or path shows (null: unknown;
                                 yes/no measures as booleans)
``input__<column>``              the figures amounts are priced at (``input__revenue__y0``:
                                 上年度's revenue; ``__y1`` the year before …)
``<tier>__verdict``              pass / fail / unknown
``<tier>__score_min``, ``<tier>__score_max``          total points interval (scorecard tiers)
``<tier>__points_min__<indicator>``, ``<tier>__points_max__<indicator>``  points interval
``<tier>__condition__<node>``    true (holds), false (fails), null (unknown)
``<tier>__missing__<column>``    true: the input is missing and decides the tier or a score
``<tier>__path__<step>``         true: the step (an indicator id or a condition id) is on the
                                 firm's path to pass
``<tier>__path__<indicator>__variant``  which of the indicator's possible steps it is
                                 (``feidi.rules._paths.shapes``: next or top bracket, an option)

Static facts (names, maximum points, thresholds, pass marks, brackets) stay in the rulebook.

**Records** (:class:`RecordLayout`, :func:`records_from_flat`; what people and the web read):
one record per firm × tier with nested traces, built from the flat layout alone — so every
engine, and every reader of a flat file, gets the same records. Record columns (other tools
read these names: keep them):

credit_code, name, rulebook, tier, verdict, score, score_min, score_max, pass_mark,
missing, indicators, conditions, path, warnings
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import narwhals as nw
import numpy as np
import polars as pl

from feidi.dates import fiscal_year
from feidi.rules._engine import mcol, ncol, rulebook_fields, used_measures
from feidi.rules._measures import measure_expr, measure_inputs
from feidi.rules._model import (
    BestOf,
    Brackets,
    Compare,
    Condition,
    Indicator,
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
from feidi.rules._paths import (
    F64,
    PATH_STEP,
    EngineColumns,
    PathFinder,
    PathReader,
    amount_inputs,
    amount_measure,
    column_floats,
    label_series,
)

# Static facts of a node (its name, measure, operator, maximum) live in the rulebook, keyed by
# ``id``; a record carries what varies by firm.
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
#: A tier's verdict in the flat layout.
VERDICT = pl.Enum(["pass", "fail", "unknown"])


# --- names of the flat columns ----------------------------------------------------------------
def observed_col(measure: str) -> str:
    return f"observed__{measure}"


def input_col(column: str) -> str:
    return f"input__{column}"


def verdict_col(tier: str) -> str:
    return f"{tier}__verdict"


def score_cols(tier: str) -> tuple[str, str]:
    return f"{tier}__score_min", f"{tier}__score_max"


def points_cols(tier: str, indicator: str) -> tuple[str, str]:
    return f"{tier}__points_min__{indicator}", f"{tier}__points_max__{indicator}"


def condition_col(tier: str, node: str) -> str:
    return f"{tier}__condition__{node}"


def missing_col(tier: str, column: str) -> str:
    return f"{tier}__missing__{column}"


def path_col(tier: str, step: str) -> str:
    return f"{tier}__path__{step}"


def variant_col(tier: str, indicator: str) -> str:
    return f"{tier}__path__{indicator}__variant"


# --- what the flat layout holds -----------------------------------------------------------------
def _parts(tier: Tier) -> list[tuple[Indicator, list[Indicator]]]:
    """(top indicator, it and its sub-indicators) of a tier's scorecard."""
    sc = tier.scorecard
    return [(top, scoring_parts(top)) for top in sc.indicators] if sc else []


def _yes_no(book: Rulebook, measure: str) -> bool:
    m = book.measures[measure]
    if m.kind in ("title", "any_of", "present"):
        return True
    f = rulebook_fields(book).get(m.args[0]) if m.kind == "field" else None
    return f is not None and f.kind == "bool"


class _Plan:
    """Everything the flat layout of some tiers of a rulebook holds, worked out once."""

    def __init__(self, book: Rulebook, tiers: Sequence[str], fy: int) -> None:
        self.book, self.tiers, self.fy = book, tuple(tiers), fy
        self.finders = {t: PathFinder(book, book.tiers[t], fy) for t in self.tiers}
        measures: list[str] = []
        inputs: set[str] = set()

        def add(measure: str | None, op: str | None = None) -> None:
            if measure is None:
                return
            if measure not in measures:
                measures.append(measure)
            if amount_measure(book, measure, op):
                inputs.update(amount_inputs(book, measure))

        for t in self.tiers:
            tier = book.tiers[t]
            for _, parts in _parts(tier):
                for ind in parts:
                    add(scored_measure(ind.scoring))
            for node in walk(tier.requires):
                if isinstance(node, Compare):
                    add(node.measure, node.op)
                elif isinstance(node, InSet):
                    add(node.measure)
            for shapes in self.finders[t].shapes.values():
                for shape in shapes:
                    add(shape.measure, shape.op)
        self.measures = measures
        self.inputs = sorted(inputs)
        self.missing = {t: _missing_plan(book, book.tiers[t]) for t in self.tiers}

    def schema(self) -> dict[str, pl.DataType]:
        schema: dict[str, pl.DataType] = {"credit_code": pl.String(), "name": pl.String()}
        for m in self.measures:
            schema[observed_col(m)] = pl.Boolean() if _yes_no(self.book, m) else pl.Float64()
        for c in self.inputs:
            schema[input_col(c)] = pl.Float64()
        for t in self.tiers:
            tier = self.book.tiers[t]
            schema[verdict_col(t)] = VERDICT
            if tier.scorecard is not None:
                for c in score_cols(t):
                    schema[c] = pl.Float64()
                for _, parts in _parts(tier):
                    for ind in parts:
                        for c in points_cols(t, ind.meta.id):
                            schema[c] = pl.Float64()
            for node in walk(tier.requires):
                schema[condition_col(t, node.meta.id)] = pl.Boolean()
            for column, _ in self.missing[t]:
                schema[missing_col(t, column)] = pl.Boolean()
            finder = self.finders[t]
            for step in finder.candidates:
                schema[path_col(t, step)] = pl.Boolean()
            for iid, shapes in finder.shapes.items():
                if len(shapes) > 1:
                    schema[variant_col(t, iid)] = pl.UInt8()
        return schema


def _missing_plan(book: Rulebook, tier: Tier) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per input column (sorted): the flags that make its absence matter — ("node", id): a
    condition undecided while the tier is; ("indicator", id): points not known."""
    fields = rulebook_fields(book)
    undecided: dict[str, list[tuple[str, str]]] = {}  # measure → flags

    def note(measures: set[str], flag: tuple[str, str]) -> None:
        for m in measures:
            undecided.setdefault(m, []).append(flag)

    # A decided tier lists only what keeps its score unknown; an undecided one lists
    # everything that could decide it.
    for node in walk(tier.requires):
        if isinstance(node, Compare | InSet):
            note({node.measure}, ("node", node.meta.id))
    for _, parts in _parts(tier):
        for ind in parts:
            note(_scoring_measures(ind.scoring), ("indicator", ind.meta.id))
    by_column: dict[str, list[tuple[str, str]]] = {}
    for mid, flags in undecided.items():
        for column in measure_inputs(book.measures[mid], fields):
            by_column.setdefault(column, []).extend(flags)
    return [(column, by_column[column]) for column in sorted(by_column)]


def flat_schema(rulebook: Rulebook, tiers: Sequence[str], as_of: date) -> dict[str, pl.DataType]:
    """Every column of the flat layout of ``tiers`` of ``rulebook``, in order, with its type."""
    return _Plan(rulebook, tiers, fiscal_year(as_of)).schema()


# --- flat layout: engine result → one row per firm ---------------------------------------------
class FlatLayout:
    """Lays batches of the engine's result out flat (one row per firm); built once per
    evaluation, then called on batches (on threads)."""

    def __init__(self, book: Rulebook, tiers: Sequence[str], fy: int) -> None:
        self.plan = _Plan(book, tiers, fy)
        self.schema = self.plan.schema()
        plain: list[pl.Expr] = [pl.col("credit_code"), pl.col("name").cast(pl.String)]
        for m in self.plan.measures:
            plain.append(
                pl.col(mcol(m, "obs")).cast(self.schema[observed_col(m)]).alias(observed_col(m))
            )
        plain += [pl.col(c).cast(pl.Float64).alias(input_col(c)) for c in self.plan.inputs]
        for t in self.plan.tiers:
            plain += _tier_columns(book.tiers[t])
        self._plain = plain

    def __call__(self, flat: pl.DataFrame) -> pl.DataFrame:
        cols = EngineColumns(flat)
        computed: list[pl.Series] = []
        for t in self.plan.tiers:
            computed += self._missing(t, cols)
            found = self.plan.finders[t].paths(cols)
            for step, on in found.on.items():
                computed.append(pl.Series(path_col(t, step), on, dtype=pl.Boolean))
            for iid, variant in found.variant.items():
                name = variant_col(t, iid)
                if name in self.schema:
                    computed.append(pl.Series(name, variant.astype(np.uint8), dtype=pl.UInt8))
        return flat.select(self._plain).with_columns(computed).select(list(self.schema))

    def _missing(self, t: str, cols: EngineColumns) -> list[pl.Series]:
        undecided_tier = (cols.frame.get_column(f"{t}__verdict") == "unknown").to_numpy()
        cache: dict[tuple[str, str], np.ndarray] = {}

        def flag(kind: str, id_: str) -> np.ndarray:
            key = (kind, id_)
            if key not in cache:
                if kind == "node":
                    cache[key] = (
                        cols.b(ncol(t, id_, "def")) != cols.b(ncol(t, id_, "pos"))
                    ) & undecided_tier
                else:
                    cache[key] = cols.f(ncol(t, id_, "lo")) != cols.f(ncol(t, id_, "hi"))
            return cache[key]

        out = []
        for column, flags in self.plan.missing[t]:
            matters = np.logical_or.reduce([flag(*f) for f in flags])
            out.append(pl.Series(missing_col(t, column), cols.null(column) & matters))
        return out


def _tier_columns(tier: Tier) -> list[pl.Expr]:
    """The plain columns of a tier, read straight from the engine's result."""
    t = tier.id
    out = [pl.col(f"{t}__verdict").cast(VERDICT).alias(verdict_col(t))]
    if tier.scorecard is not None:
        lo, hi = score_cols(t)
        out += [
            pl.col(f"{t}__score__lo").cast(pl.Float64).alias(lo),
            pl.col(f"{t}__score__hi").cast(pl.Float64).alias(hi),
        ]
        for _, parts in _parts(tier):
            for ind in parts:
                lo, hi = points_cols(t, ind.meta.id)
                out += [
                    pl.col(ncol(t, ind.meta.id, "lo")).cast(pl.Float64).alias(lo),
                    pl.col(ncol(t, ind.meta.id, "hi")).cast(pl.Float64).alias(hi),
                ]
    for node in walk(tier.requires):
        d = pl.col(ncol(t, node.meta.id, "def"))
        p = pl.col(ncol(t, node.meta.id, "pos"))
        out.append(
            pl.when(d)
            .then(pl.lit(value=True))
            .when(~p)
            .then(pl.lit(value=False))
            .otherwise(pl.lit(None, dtype=pl.Boolean))
            .alias(condition_col(t, node.meta.id))
        )
    return out


# --- records: flat → one record per firm × tier ------------------------------------------------
class FlatFigures:
    """The figures a path is priced at, read from a batch of the flat layout."""

    def __init__(self, flat: pl.DataFrame, book: Rulebook, as_of: date) -> None:
        self.flat, self.book, self.as_of = flat, book, as_of
        self.n = flat.height
        self._cache: dict[str, F64] = {}

    def _get(self, key: str, make: object) -> F64:
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = make()  # type: ignore[operator]
        return got

    def obs(self, measure: str) -> F64:
        return self._get(
            f"obs:{measure}", lambda: column_floats(self.flat.get_column(observed_col(measure)))
        )

    def input(self, column: str) -> F64:
        return self._get(
            f"in:{column}", lambda: column_floats(self.flat.get_column(input_col(column)))
        )

    def lo(self, measure: str) -> F64:
        """The lower end of a sum or mean over years, as the engine computes it."""

        def make() -> F64:
            m = self.book.measures[measure]
            expr = measure_expr(m, self.as_of, rulebook_fields(self.book)).lo
            frame = self.flat.select(
                pl.col(input_col(c)).alias(c) for c in amount_inputs(self.book, measure)
            )
            return column_floats(nw.from_native(frame).select(expr.alias("lo")).to_native()["lo"])

        return self._get(f"lo:{measure}", make)


def _gap(op: str, observed: pl.Expr, required: pl.Expr) -> pl.Expr:
    """Shortfall towards ``required`` (0 when met)."""
    raw = required - observed if op in ("at_least", "greater_than") else observed - required
    return pl.when(raw.is_not_null()).then(pl.max_horizontal(raw, pl.lit(0.0)).round(6))


def _list(items: list[pl.Expr], dtype: pl.DataType) -> pl.Expr:
    """A list column from one expression per element.

    Built as a fixed-size array and cast to a list: ``concat_list`` of structs is ~17× slower
    (PERFORMANCE.md measured 20 s against 0.7 s per million firms).
    """
    if not items:
        return pl.lit([], dtype=pl.List(dtype))
    return pl.concat_arr(*[i.cast(dtype) for i in items]).arr.to_list()


def _next_required(s: Brackets, observed: pl.Expr, lo: pl.Expr, hi: pl.Expr) -> pl.Expr:
    """The edge of the next bracket up, when reaching it gains points (known points only)."""
    edge: pl.Expr = pl.lit(None, dtype=pl.Float64)
    pts: pl.Expr = pl.lit(None, dtype=pl.Float64)
    for e, p in s.edges:  # best first, so the nearest unmet edge wins last
        unmet = observed > e if s.lower_is_better else observed < e
        edge = pl.when(unmet).then(pl.lit(e)).otherwise(edge)
        pts = pl.when(unmet).then(pl.lit(p)).otherwise(pts)
    gains = edge.is_not_null() & observed.is_not_null() & (lo == hi) & (pts - lo > 0)
    return pl.when(gains).then(edge)


class _TierRecords:
    def __init__(self, book: Rulebook, tier: Tier, plan: _Plan, warnings: Sequence[str]) -> None:
        self.book, self.tier, self.t, self.plan = book, tier, tier.id, plan
        self.reader = PathReader(plan.finders[tier.id])
        self.exprs = self._record(list(warnings))

    def _observed(self, measure: str | None) -> pl.Expr:
        if measure is None:
            return pl.lit(None, dtype=pl.Float64)
        return pl.col(observed_col(measure)).cast(pl.Float64)

    def _indicators(self) -> pl.Expr:
        items: list[pl.Expr] = []
        for top, parts in _parts(self.tier):
            for ind in parts:
                lo_c, hi_c = points_cols(self.t, ind.meta.id)
                lo, hi = pl.col(lo_c), pl.col(hi_c)
                s = ind.scoring
                observed = self._observed(scored_measure(s))
                required: pl.Expr = pl.lit(None, dtype=pl.Float64)
                gap: pl.Expr = pl.lit(None, dtype=pl.Float64)
                if isinstance(s, Brackets) and ind is top:
                    required = _next_required(s, observed, lo, hi)
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
        if not items:
            return pl.lit([], dtype=pl.List(INDICATOR))
        return _list(items, INDICATOR)

    def _conditions(self) -> pl.Expr:
        items: list[pl.Expr] = []
        for node in walk(self.tier.requires):
            holds = pl.col(condition_col(self.t, node.meta.id))
            op: str | None = None
            required: float | None = None
            observed: pl.Expr = pl.lit(None, dtype=pl.Float64)
            if isinstance(node, Compare):
                op, required = node.op, node.value
                observed = self._observed(node.measure)
            elif isinstance(node, InSet):
                order = self.book.measures[node.measure].order
                op, required = "in", min(node.ranks(order))
                observed = self._observed(node.measure)
            elif isinstance(node, ScoreAtLeast):
                assert self.tier.scorecard is not None
                members = self.tier.scorecard.members(node.group)
                los = [pl.col(points_cols(self.t, i)[0]) for i in members]
                his = [pl.col(points_cols(self.t, i)[1]) for i in members]
                lo, hi = pl.sum_horizontal(*los).round(6), pl.sum_horizontal(*his).round(6)
                op, required = "at_least", node.value
                observed = pl.when(lo == hi).then(lo)
            gap = (
                _gap(op, observed, pl.lit(required, dtype=pl.Float64))
                if op and op != "in"
                else pl.lit(None, dtype=pl.Float64)
            )
            verdict = (
                pl.when(holds.is_null())
                .then(pl.lit("unknown"))
                .when(holds)
                .then(pl.lit("pass"))
                .otherwise(pl.lit("fail"))
            )
            items.append(
                pl.struct(
                    id=pl.lit(node.meta.id),
                    verdict=verdict,
                    observed=observed,
                    required=pl.lit(required, dtype=pl.Float64),
                    gap=gap,
                )
            )
        return _list(items, CONDITION)

    def _record(self, warnings: list[str]) -> list[pl.Expr]:
        t = self.t
        if self.tier.scorecard is not None:
            lo_c, hi_c = score_cols(t)
            lo, hi = pl.col(lo_c), pl.col(hi_c)
            score: pl.Expr = pl.when(lo == hi).then(lo)
            smin, smax = lo, hi
        else:
            score = smin = smax = pl.lit(None, dtype=pl.Float64)
        return [
            pl.col("credit_code"),
            pl.col("name").cast(pl.String),
            pl.lit(self.book.id).alias("rulebook"),
            pl.lit(t).alias("tier"),
            pl.col(verdict_col(t)).cast(pl.String).alias("verdict"),
            score.cast(pl.Float64).alias("score"),
            smin.cast(pl.Float64).alias("score_min"),
            smax.cast(pl.Float64).alias("score_max"),
            pl.lit(self.tier.pass_mark, dtype=pl.Float64).alias("pass_mark"),
            self._indicators().alias("indicators"),
            self._conditions().alias("conditions"),
            pl.lit(warnings, dtype=pl.List(pl.String)).alias("warnings"),
        ]

    def frame(self, flat: pl.DataFrame, figures: FlatFigures) -> pl.DataFrame:
        t, n = self.t, flat.height
        missing = self.plan.missing[t]
        on = [flat.get_column(missing_col(t, c)).to_numpy() for c, _ in missing]
        labels = [_label(c, self.plan.fy) for c, _ in missing]
        finder = self.plan.finders[t]
        steps = {s: flat.get_column(path_col(t, s)).to_numpy() for s in finder.candidates}
        variants = {
            iid: (
                flat.get_column(variant_col(t, iid)).to_numpy().astype(np.int32)
                if len(shapes) > 1
                else np.zeros(n, dtype=np.int32)
            )
            for iid, shapes in finder.shapes.items()
        }
        points = {
            iid: column_floats(flat.get_column(points_cols(t, iid)[0])) for iid in finder.shapes
        }
        return (
            flat.select(self.exprs)
            .with_columns(
                label_series(on, labels, n, "missing"),
                self.reader.series(steps, variants, points, figures, "path"),
            )
            .select(list(RECORD_SCHEMA))
        )


class RecordLayout:
    """Turns batches of the flat layout into records; built once, called on batches."""

    def __init__(
        self, book: Rulebook, tiers: Sequence[str], as_of: date, warnings: Sequence[str] = ()
    ) -> None:
        self.book, self.as_of = book, as_of
        self.plan = _Plan(book, tiers, fiscal_year(as_of))
        self.tiers = [_TierRecords(book, book.tiers[t], self.plan, warnings) for t in tiers]

    def __call__(self, flat: pl.DataFrame) -> pl.DataFrame:
        """One record per firm × tier: tier by tier, firms in the batch's order.

        (Interleaving firm by firm would mean sorting nested columns: it doubled the time.)
        """
        if not self.tiers:
            return pl.DataFrame(schema=RECORD_SCHEMA)
        figures = FlatFigures(flat, self.book, self.as_of)
        return pl.concat([t.frame(flat, figures) for t in self.tiers], how="vertical")


def records_from_flat(
    flat: pl.DataFrame,
    rulebook: Rulebook,
    as_of: date,
    *,
    tiers: Sequence[str] | None = None,
    warnings: Sequence[str] = (),
) -> pl.DataFrame:
    """Records (``RECORD_SCHEMA``, one per firm × tier) from rows of the flat layout.

    ``tiers`` defaults to every tier of ``rulebook`` that ``flat`` has columns for; records
    come tier by tier, firms in the order of ``flat``. This is how a reader of a province's
    flat ``.parquet`` gets back exactly the records ``Evaluation.records()`` gives (the file
    names its rulebook, as-of date and warnings: ``feidi.io.read_flat_records``).

    Examples
    --------
    >>> from datetime import date
    >>> from feidi.demo import generate_demo_city
    >>> from feidi.io import dataset_from_frame
    >>> from feidi.rules import evaluate, load_rulebook
    >>> data, _ = dataset_from_frame(generate_demo_city(n_local=20, n_enclave=2).drop("enclave"))
    >>> ev = evaluate(data, "miit-2022", date(2026, 3, 1))
    >>> flat = ev.flat().collect()
    >>> flat.height
    22
    >>> again = records_from_flat(flat, ev.rulebook, ev.as_of, warnings=ev.warnings)
    >>> again.equals(ev.records().collect())
    True
    """
    chosen = (
        tuple(tiers)
        if tiers is not None
        else tuple(t for t in rulebook.tiers if verdict_col(t) in flat.columns)
    )
    return RecordLayout(rulebook, chosen, as_of, warnings)(flat)


def _scoring_measures(s: object) -> set[str]:
    if isinstance(s, Brackets | Value):
        return {s.measure}
    out: set[str] = set()
    if isinstance(s, Options | Items):
        conds: list[Condition] = [c for _, c in (s.options if isinstance(s, Options) else s.items)]
        for c in conds:
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


def input_columns(book: Rulebook, tiers: tuple[str, ...]) -> list[str]:
    """The wide-frame input columns the layout needs next to the engine's result."""
    fields = rulebook_fields(book)
    cols: set[str] = set()
    for t in tiers:
        for mid in used_measures(book.tiers[t]):
            cols.update(measure_inputs(book.measures[mid], fields))
    return sorted(cols)
