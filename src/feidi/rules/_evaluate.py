"""Evaluate a rulebook over firms on Polars (default), DuckDB or PySpark.

``evaluate`` is the one entry point every way in (CLI, web, Spark job, tests) calls. The rule
expressions run on the chosen engine; the result comes back as a Polars frame of flat columns
and is laid out as records (one per firm × tier) by the same Polars code for every engine.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol, runtime_checkable

import narwhals as nw
import polars as pl
from polars.io.plugins import register_io_source

from feidi.dates import fiscal_year
from feidi.rules._engine import (
    CompiledRulebook,
    compile_rulebook,
    rulebook_fields,
    used_measures,
)
from feidi.rules._frames import (
    exact_batches,
    firm_columns,
    polars_wide_frame,
    wide_frame,
)
from feidi.rules._layout import (
    RECORD_SCHEMA,
    FlatLayout,
    RecordLayout,
    flat_schema,
    input_columns,
)
from feidi.rules._loader import load_rulebook
from feidi.rules._measures import years_needed
from feidi.rules._model import Measure, Rulebook

Engine = Literal["polars", "duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("polars", "duckdb", "spark")


class FirmData(Protocol):
    """What ``evaluate`` reads: ``feidi.io.Dataset`` or anything shaped like it."""

    @property
    def firms(self) -> pl.DataFrame: ...

    @property
    def financials(self) -> pl.DataFrame: ...


@runtime_checkable
class FirmBatches(Protocol):
    """What ``evaluate`` reads batch by batch: ``feidi.io.DatasetStream`` or anything shaped
    like it — batches of whole firms (a firm's years all in one batch), firms in order."""

    @property
    def n_firms(self) -> int: ...

    def batches(self) -> Iterator[FirmData]: ...


@dataclass(frozen=True)
class _Gathered:
    firms: pl.DataFrame
    financials: pl.DataFrame


def _gather(data: FirmBatches) -> FirmData:
    """Every batch in one pair of frames (for the engines that take the firms whole)."""
    parts = list(data.batches())
    if len(parts) == 1:
        return parts[0]
    return _Gathered(pl.concat([p.firms for p in parts]), pl.concat([p.financials for p in parts]))


#: Firms laid out per batch: bounds memory on a province (the staged path columns of 100,000
#: firms take about half a gigabyte) without giving up vectorised speed.
CHUNK = 50_000


@dataclass(frozen=True)
class Evaluation:
    """A rulebook evaluated at an as-of date.

    The engine's result comes in batches of firms (``graded_chunks``: its own columns, see
    ``feidi.rules._engine``); ``iter_flat`` lays each batch out flat (one row per firm, one
    column per indicator, condition, missing input and path step of each tier:
    ``feidi.rules.flat_schema``), and ``iter_records`` turns those into records (one per
    firm × tier, tier by tier, firms in input order); ``records`` gathers them. Records are
    always built from the flat layout, so a flat file read back gives the same records.

    An engine that lays out on its own workers (Spark) hands back flat batches already
    (``_laid_out_by_engine``); ``spark_flat`` is then its distributed flat result.
    """

    rulebook: Rulebook
    as_of: date
    tiers: tuple[str, ...]
    n_firms: int
    _chunks: Callable[[int], Iterator[pl.DataFrame]]
    warnings: list[str] = field(default_factory=list)
    _laid_out_by_engine: bool = False
    #: Spark only: the flat layout as a distributed DataFrame (graded and laid out on the
    #: cluster, with ``__order``, the firm's row in the input), for writing from the cluster.
    spark_flat: Any = None

    @property
    def fiscal_year(self) -> int:
        return fiscal_year(self.as_of)

    def graded_chunks(self, size: int = CHUNK) -> Iterator[pl.DataFrame]:
        """The engine's own result columns, batch by batch (not for an engine that lays out)."""
        if self._laid_out_by_engine:
            raise ValueError("this engine lays out on its workers: use iter_flat()")
        return self._chunks(size)

    @property
    def flat_schema(self) -> dict[str, pl.DataType]:
        """The columns of :meth:`iter_flat`'s batches."""
        return flat_schema(self.rulebook, self.tiers, self.as_of)

    def _each_batch(
        self,
        lay: Callable[[pl.DataFrame], pl.DataFrame],
        size: int,
        workers: int,
    ) -> Iterator[pl.DataFrame]:
        """``lay`` over the batches, two at once on threads, in order.

        Polars and NumPy release the GIL and parts of the layout run on one core, so the
        second core takes the next batch. At most ``workers`` batches are in flight, which
        bounds memory.
        """
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque[Future[pl.DataFrame]] = deque()
            for chunk in self._chunks(size):
                pending.append(pool.submit(lay, chunk))
                if len(pending) >= workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def _flat_layout(self) -> Callable[[pl.DataFrame], pl.DataFrame]:
        if self._laid_out_by_engine:
            return lambda chunk: chunk
        return FlatLayout(self.rulebook, self.tiers, self.fiscal_year)

    def iter_flat(self, size: int = CHUNK, workers: int = 2) -> Iterator[pl.DataFrame]:
        """The flat layout batch by batch, firms in input order (see ``flat_schema``)."""
        return self._each_batch(self._flat_layout(), size, workers)

    def flat(self) -> pl.LazyFrame:
        """The whole flat layout (one row per firm, in input order)."""
        frames = list(self.iter_flat())
        if not frames:
            return pl.DataFrame(schema=self.flat_schema).lazy()
        return pl.concat(frames).lazy()

    def iter_records(self, size: int = CHUNK, workers: int = 2) -> Iterator[pl.DataFrame]:
        """Records batch by batch, in order (see ``feidi.rules.RECORD_SCHEMA``)."""
        flat = self._flat_layout()
        records = RecordLayout(self.rulebook, self.tiers, self.as_of, self.warnings)
        return self._each_batch(lambda chunk: records(flat(chunk)), size, workers)

    def records(self) -> pl.LazyFrame:
        """One record per firm × tier (per batch: tier by tier, firms in input order)."""
        frames = list(self.iter_records())
        if not frames:
            return pl.DataFrame(schema=RECORD_SCHEMA).lazy()
        return pl.concat(frames).lazy()


def _to_engine(df: pl.DataFrame, engine: Engine, session: Any) -> nw.LazyFrame[Any]:
    if engine == "polars":
        return nw.from_native(df.lazy())
    if engine == "duckdb":
        import duckdb

        con = session or duckdb.connect()
        return nw.from_native(con.from_arrow(df.to_arrow()))
    if engine == "spark":
        if session is None:
            from feidi.rules._spark import local_spark

            session = local_spark()
        spark_frame: nw.LazyFrame[Any] = nw.from_native(session.createDataFrame(df.to_arrow()))
        return spark_frame
    raise ValueError(f"unknown engine {engine!r}; choose one of {ENGINES}")


def evaluate(
    data: FirmData | FirmBatches,
    rulebook: str | Rulebook,
    as_of: date,
    *,
    tiers: tuple[str, ...] | None = None,
    engine: Engine = "polars",
    session: Any = None,
) -> Evaluation:
    """Grade every firm of ``data`` on ``tiers`` (default: all) of ``rulebook`` at ``as_of``.

    Parameters
    ----------
    data
        Normalised firms and financials (``feidi.io.read_dataset`` returns them), or
        batches of them (``feidi.io.stream_dataset``): on Polars each batch is then graded
        as it is read, so the whole input is never held; the other engines gather them.
    rulebook
        A rulebook id (``"miit-2022"``), a path to a rulebook file, or a loaded ``Rulebook``.
    as_of
        The evaluation date: 上年度 is ``as_of.year - 1``; titles are checked on this date.
    engine
        ``"polars"`` (default), ``"duckdb"`` or ``"spark"``; the results are identical.
    session
        An existing DuckDB connection or SparkSession to run on.

    Examples
    --------
    >>> from datetime import date
    >>> from feidi.demo import generate_demo_city
    >>> from feidi.io import dataset_from_frame
    >>> data, _ = dataset_from_frame(generate_demo_city(n_local=30, n_enclave=3).drop("enclave"))
    >>> ev = evaluate(data, "miit-2022", date(2026, 3, 1), tiers=("innovative",))
    >>> records = ev.records().collect()
    >>> records.height, records["tier"].unique().to_list()
    (33, ['innovative'])
    """
    book = rulebook if isinstance(rulebook, Rulebook) else load_rulebook(rulebook)
    compiled = compile_rulebook(book, as_of, tiers)
    measures = [book.measures[m] for t in compiled.tiers for m in used_measures(book.tiers[t])]
    n_years = years_needed(measures)
    keep = ("credit_code", "name", *input_columns(book, compiled.tiers))
    # a results file is read in both languages: its records carry each warning as both
    warnings = [f"{zh} / {en}" for zh, en in book.warnings(as_of)]
    if isinstance(data, FirmBatches):
        if engine == "polars":
            return Evaluation(
                book,
                as_of,
                compiled.tiers,
                data.n_firms,
                _streamed_chunks(data, compiled, book, as_of, n_years, measures, keep),
                warnings,
            )
        data = _gather(data)
    firms = _ensure_columns(data.firms, book)
    if engine == "duckdb" and session is None:
        import duckdb

        # one connection for both frames (to join them); a memory cap so DuckDB spills rather
        # than holding a province's graded result (≈330 columns) beside the layout, and no
        # insertion order to keep (the result is ordered by ``__order`` explicitly)
        session = duckdb.connect(config={"memory_limit": "1GB", "preserve_insertion_order": False})
    if engine == "polars":
        # Reshape once (the input can then be freed), then grade in one streaming plan whose
        # batches are laid out as they come: planning 330 columns once, not once per batch.
        wanted = [*firm_columns(measures, firms.columns), *keep]
        wide_df = polars_wide_frame(
            firms, data.financials, as_of, n_years, [c for c in firms.columns if c in wanted]
        )
        graded = compiled.apply(nw.from_native(wide_df.lazy()), keep=keep).to_native()

        def chunks(size: int) -> Iterator[pl.DataFrame]:
            if wide_df.height == 0:
                return iter(())
            return exact_batches(graded.collect_batches(chunk_size=size), size)
    elif engine == "duckdb":
        order = firms.select("credit_code").with_row_index("__order")
        wide = wide_frame(
            _to_engine(firms, engine, session),
            _to_engine(data.financials, engine, session),
            as_of,
            n_years,
        )
        # DuckDB streams the flat result in input order, batch by batch (bounded memory).
        ordered = wide.join(
            _to_engine(order.with_columns(pl.col("__order").cast(pl.Int64)), engine, session),
            on="credit_code",
            how="left",
        )
        relation = compiled.apply(ordered, keep=(*keep, "__order")).to_native().order("__order")

        def chunks(size: int) -> Iterator[pl.DataFrame]:
            reader = relation.to_arrow_reader(size)
            for batch in reader:
                yield pl.from_arrow(batch).drop("__order")  # type: ignore[union-attr]
    else:
        from feidi.rules._spark import ORDER, ordered_windows

        # Spark grades and lays out in its executors; the flat result stays distributed
        # (``spark_flat``) and comes to the driver only when iterated here.
        spark_flat = grade_on_spark(
            _to_engine(firms.with_row_index(ORDER).cast({ORDER: pl.Int64}), engine, session),
            _to_engine(data.financials, engine, session),
            book,
            as_of,
            compiled.tiers,
        )
        schema = flat_schema(book, compiled.tiers, as_of)
        n_firms = firms.height

        def chunks(size: int) -> Iterator[pl.DataFrame]:
            return exact_batches(ordered_windows(spark_flat, n_firms, schema), size)

        return Evaluation(
            book,
            as_of,
            compiled.tiers,
            n_firms,
            chunks,
            warnings,
            _laid_out_by_engine=True,
            spark_flat=spark_flat,
        )

    return Evaluation(book, as_of, compiled.tiers, firms.height, chunks, warnings)


def _streamed_chunks(
    data: FirmBatches,
    compiled: CompiledRulebook,
    book: Rulebook,
    as_of: date,
    n_years: int,
    measures: list[Measure],
    keep: tuple[str, ...],
) -> Callable[[int], Iterator[pl.DataFrame]]:
    """The graded batches of a stream: each input batch reshaped as it comes, all graded by
    one streaming plan over them (planned once: narwhals builds the ≈330 columns' plan in
    ≈0.2 s, which per batch would cost more than grading), re-cut to the layout's size."""

    def chunks(size: int) -> Iterator[pl.DataFrame]:
        batches = iter(data.batches())
        first = next(batches, None)
        if first is None:
            return
        firms = _ensure_columns(first.firms, book)
        wanted = set(firm_columns(measures, firms.columns)) | set(keep)
        columns = [c for c in firms.columns if c in wanted]

        def wide(batch: FirmData) -> pl.DataFrame:
            return polars_wide_frame(
                _ensure_columns(batch.firms, book), batch.financials, as_of, n_years, columns
            )

        head = [wide(first)]
        del first, firms

        def source(
            with_columns: list[str] | None,
            predicate: pl.Expr | None,
            n_rows: int | None,
            batch_size: int | None,
        ) -> Iterator[pl.DataFrame]:
            def frames() -> Iterator[pl.DataFrame]:
                yield head.pop()
                for batch in batches:
                    yield wide(batch)

            for frame in frames():
                if predicate is not None:
                    frame = frame.filter(predicate)
                yield frame if with_columns is None else frame.select(with_columns)

        lazy = register_io_source(source, schema=head[0].schema)
        graded = compiled.apply(nw.from_native(lazy), keep=keep).to_native()
        yield from exact_batches(graded.collect_batches(chunk_size=size), size)

    return chunks


def grade_on_spark(
    firms: Any,
    financials: Any,
    rulebook: str | Rulebook,
    as_of: date,
    tiers: tuple[str, ...] | None = None,
) -> Any:
    """The flat layout of ``tiers`` (default: all) as a Spark DataFrame, graded and laid out
    in the executors (the rules as Spark expressions, the layout through ``mapInArrow``).

    ``firms`` and ``financials`` are Spark DataFrames (or narwhals frames over them) shaped
    like ``feidi.io.Dataset``'s, with every column the rulebook reads; ``firms`` carries
    ``__order`` (Int64), which the result keeps. Nothing is computed until the result is
    written or collected: a national run writes it from the executors
    (``.drop("__order").write.parquet(...)``, docs/national-scale.md).
    """
    from feidi.rules._spark import ORDER, lay_out_on_spark

    book = rulebook if isinstance(rulebook, Rulebook) else load_rulebook(rulebook)
    compiled = compile_rulebook(book, as_of, tiers)
    measures = [book.measures[m] for t in compiled.tiers for m in used_measures(book.tiers[t])]
    keep = ("credit_code", "name", *input_columns(book, compiled.tiers), ORDER)
    wide = wide_frame(
        nw.from_native(firms), nw.from_native(financials), as_of, years_needed(measures)
    )
    graded = compiled.apply(wide, keep=keep).to_native()
    layout = FlatLayout(book, compiled.tiers, fiscal_year(as_of))
    return lay_out_on_spark(graded, layout, flat_schema(book, compiled.tiers, as_of))


def _ensure_columns(firms: pl.DataFrame, book: Rulebook) -> pl.DataFrame:
    """Add the rulebook's extra input columns a file did not have (unknown for every firm)."""
    fields = rulebook_fields(book)
    missing = [
        n
        for n, f in fields.items()
        if f.scope == "firm" and n not in firms.columns and f.kind not in ("flags", "titles")
    ]
    if not missing:
        return firms
    return firms.with_columns(pl.lit(None, dtype=_dtype(fields[n].kind)).alias(n) for n in missing)


def _dtype(kind: str) -> pl.DataType:
    if kind == "bool":
        return pl.Boolean()
    if kind in ("str", "code", "enum"):
        return pl.String()
    return pl.Float64()
