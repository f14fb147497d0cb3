"""Where a file's rows come from: in batches of whole firms, or all at once.

Checking and grading a province's 3,000,000 rows at once holds the raw cells, their parsed
values and the normalised frames of every firm together (4 GiB and more). When each firm's
rows are together in the file — how exports list a firm's fiscal years — every check but
the issue cap is about one firm at a time, so the rows can be taken a batch of firms at a
time and each batch checked, normalised and graded before the next is read. Whether they
can is decided from the credit-code column alone (:func:`plan_batches`): one cheap pass.
When they cannot (a firm's rows apart, a row without a code), the rows are taken whole,
exactly as before.

* :class:`TableRows`: a file already in memory (CSV, XLSX, a frame), cut into slices.
* :class:`ParquetRows`: a Parquet file, read slice by slice — only one batch of its cells is
  ever in memory.

A batch is the :class:`~feidi.io._read.RawTable` data of its rows: one positional column per
header (``c0`` …), trimmed, and :data:`~feidi.io._read.ROW`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from feidi.io._read import (
    ROW,
    RawTable,
    reading,
    refuse_parquet_text,
    text_bytes,
    tidy_typed,
)

__all__ = [
    "BatchPlan",
    "ParquetRows",
    "TableRows",
    "all_distinct",
    "plan_batches",
]


def all_distinct(values: pl.Series) -> bool:
    """No value twice. Hashes first: distinct hashes prove it without comparing strings
    (a million credit codes: 0.07 s rather than 0.3 s); a collision is settled exactly."""
    n = values.len()
    return values.hash().n_unique() == n or values.n_unique() == n


@dataclass(frozen=True)
class BatchPlan:
    """How a file's rows are taken: ``starts`` are the first row (0-based) of each batch, or
    None to take them all at once; ``firms`` counts the distinct credit codes."""

    rows: int
    firms: int
    starts: tuple[int, ...] | None

    @property
    def streamed(self) -> bool:
        return self.starts is not None

    def ranges(self) -> list[tuple[int, int]]:
        """(offset, length) of each batch; one, possibly empty, when taken at once."""
        if self.starts is None:
            return [(0, self.rows)]
        ends = (*self.starts[1:], self.rows)
        return [(s, e - s) for s, e in zip(self.starts, ends, strict=True)]


def plan_batches(codes: pl.Series, batch_firms: int | None) -> BatchPlan:
    """Batches of ``batch_firms`` firms when each firm's rows are together and every row
    has a code; else, or when ``batch_firms`` is None, one batch (see the module's
    docstring).

    ``codes`` is the credit-code column as the checks read it (trimmed, empty = null), one
    value per row in file order.

    >>> plan_batches(pl.Series(["a", "a", "b", "c", "c"]), 2)
    BatchPlan(rows=5, firms=3, starts=(0, 3))
    >>> plan_batches(pl.Series(["a", "b", "a"]), 2).streamed
    False
    """
    rows = codes.len()
    if codes.null_count():
        return BatchPlan(rows, codes.drop_nulls().n_unique(), None)
    if rows == 0:
        return BatchPlan(0, 0, (0,))
    first = codes.ne_missing(codes.shift())
    heads = codes.filter(first)
    if not all_distinct(heads):
        return BatchPlan(rows, heads.n_unique(), None)
    if batch_firms is None:
        return BatchPlan(rows, heads.len(), None)
    starts = first.arg_true().gather_every(max(batch_firms, 1))
    return BatchPlan(rows, heads.len(), tuple(starts.to_list()))


class TableRows:
    """The rows of a table in memory, in batches of firms when :func:`plan_batches` allows.

    Rows with no cell at all (blank lines) are left out first, as the checks would.
    """

    def __init__(self, raw: RawTable, code_column: str, batch_firms: int | None) -> None:
        self.raw = raw
        data = raw.data
        cells = [c for c in data.columns if c != ROW]
        if cells and data.height:
            blank = data.select(pl.all_horizontal(pl.col(cells).is_null())).to_series()
            if blank.any():
                data = data.filter(~blank)
        self.data = data
        self.plan = plan_batches(data.get_column(code_column), batch_firms)

    def has_data(self, column: str) -> bool:
        return self.raw.data.get_column(column).null_count() < self.raw.data.height

    def batches(self) -> Iterator[pl.DataFrame]:
        for offset, length in self.plan.ranges():
            yield self.data.slice(offset, length)


class ParquetRows:
    """A Parquet file's rows, read one batch of firms at a time when :func:`plan_batches`
    allows (only the credit-code column is read whole, to decide), else all at once.

    Reads as :func:`~feidi.io._read.frame_to_raw` does — row *i* of the file is row
    *i* + 2, text trimmed — and keeps its refusal of text that expands past
    ``max_text_bytes``: the text of the batches read so far is counted before each batch is
    trimmed, and once it is over the limit the rest of the file is measured (not read) so
    that the refusal names the file's whole figure.
    """

    def __init__(self, path: Path, max_text_bytes: int, batch_firms: int | None) -> None:
        self.path = path
        self.max_text_bytes = max_text_bytes
        with reading(path):
            self.headers = tuple(pl.scan_parquet(path).collect_schema().names())
        self._positions = {f"c{i}": name for i, name in enumerate(self.headers)}
        self.batch_firms = batch_firms
        self.plan = BatchPlan(0, 0, None)
        self._has_data: dict[str, bool] = {}

    def _column(self, column: str) -> pl.Series:
        with reading(self.path):
            frame = pl.scan_parquet(self.path).select(self._positions[column]).collect()
        return tidy_typed(frame).to_series()

    def plan_for(self, code_column: str) -> BatchPlan:
        """Decide how to take the rows from the credit-code column ``code_column`` (``c3``)."""
        self.plan = plan_batches(self._column(code_column), self.batch_firms)
        return self.plan

    def has_data(self, column: str) -> bool:
        if column not in self._has_data:
            values = self._column(column)
            self._has_data[column] = values.null_count() < values.len()
        return self._has_data[column]

    def batches(self) -> Iterator[pl.DataFrame]:
        read = 0
        names = {name: position for position, name in self._positions.items()}
        for offset, length in self.plan.ranges():
            with reading(self.path):
                scan = pl.scan_parquet(self.path)
                if self.plan.streamed:
                    frame = scan.slice(offset, length).collect()
                else:
                    frame = scan.collect(engine="streaming")
            read += text_bytes(frame)
            if read > self.max_text_bytes:
                if self.plan.streamed:
                    with reading(self.path):
                        read = text_bytes(pl.scan_parquet(self.path))
                refuse_parquet_text(read, self.max_text_bytes)
            frame = tidy_typed(frame.rename(names))
            frame = frame.with_row_index(ROW, offset=offset + 2)
            yield frame.with_columns(pl.col(ROW).cast(pl.Int64))
            del frame
