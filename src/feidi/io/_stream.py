"""Reading a file of firms × fiscal years: the checked :class:`Dataset` and its report.

Every way in goes through :class:`DatasetStream`: it maps the headers, decides how to take
the rows (:mod:`feidi.io._sources`: in batches of whole firms when each firm's rows are
together, else all at once), runs every check on each batch (:func:`~feidi.io._validate.
check_rows`) and gathers the batches' issues into one report, the same report whichever way
the rows were taken (:mod:`feidi.io._findings`).

* :func:`read_dataset` / :func:`dataset_from_frame` gather the batches into one
  :class:`Dataset` — holding one batch's raw cells and parsed copies at a time, not the
  whole file's;
* :func:`stream_dataset` hands the batches over one by one, so a caller that grades them
  as they come (``feidi evaluate``, through ``feidi.rules.evaluate``) never holds the whole
  province at all.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Protocol

import polars as pl

from feidi.io._checks import CREDIT, YEAR
from feidi.io._findings import Findings, SiteLog
from feidi.io._issues import InputError, InputReport, IssueLog
from feidi.io._limits import DEFAULT_LIMITS, ReadLimits, check_limits
from feidi.io._read import (
    RawTable,
    UnreadableFileError,
    check_path,
    frame_to_raw,
    is_parquet,
    read_raw,
    reading,
)
from feidi.io._sources import BatchPlan, ParquetRows, TableRows
from feidi.io._validate import (
    Dataset,
    Layout,
    check_rows,
    known_fields,
    map_headers,
    missing_keys_report,
    no_rows,
)
from feidi.schema import Field, header_aliases

__all__ = [
    "BATCH_FIRMS",
    "DatasetStream",
    "dataset_from_frame",
    "empty_dataset",
    "read_dataset",
    "stream_dataset",
    "validate_file",
]

#: Firms checked (and, streamed, graded) per batch: a province's 1,000,000 firms in 20
#: batches of ≈ 150,000 rows, each a few hundred MB at most while it is checked.
BATCH_FIRMS = 50_000


class _Rows(Protocol):
    plan: BatchPlan

    def batches(self) -> Iterator[pl.DataFrame]: ...

    def has_data(self, column: str) -> bool: ...


class DatasetStream:
    """A file's rows, checked and normalised batch by batch of whole firms.

    ``n_firms`` (distinct credit codes) and ``streamed`` (whether the rows are taken in
    batches of firms, or all at once as when a firm's rows are apart) are known before any
    batch is read. :meth:`batches` may be iterated
    more than once (each time the file is read and checked again); once an iteration has
    ended, :attr:`report` is its report.
    """

    def __init__(
        self,
        file: str,
        rows: _Rows | None,
        layout: Layout | None,
        *,
        headers: tuple[str, ...] = (),
        header_row: int = 1,
        accepted_codes: Collection[str] = (),
        fixed: InputReport | None = None,
    ) -> None:
        self.file = file
        self._rows = rows
        self._layout = layout
        self._fields = () if layout is None else tuple(layout.fields.values())
        self._headers = headers
        self._header_row = header_row
        self._accepted = tuple(accepted_codes)
        self._fixed = fixed
        self._report: InputReport | None = fixed

    @property
    def n_firms(self) -> int:
        return 0 if self._rows is None else self._rows.plan.firms

    @property
    def streamed(self) -> bool:
        return self._rows is not None and self._fixed is None and self._rows.plan.streamed

    @property
    def report(self) -> InputReport:
        """The report of the last complete pass over the file."""
        if self._report is None:
            raise RuntimeError("the file has not been read through yet")
        return self._report

    def batches(self) -> Iterator[Dataset]:
        """The normalised frames batch by batch, firms in file order.

        Checking goes on to the end of the file, so that the report lists every problem;
        after the first batch with an error no more batches are built or given, and the
        iteration ends by raising :class:`InputError` with the whole report. A caller that
        wrote something from the earlier batches must discard it then.
        """
        yield from self._pass(build=True)
        if not self.report.ok:
            raise InputError(self.report)

    def check(self) -> InputReport:
        """Only the checks: the report, whatever it holds."""
        for _ in self._pass(build=False):
            pass
        return self.report

    def dataset(self) -> tuple[Dataset, InputReport]:
        """Every batch gathered into one :class:`Dataset` (raises :class:`InputError`)."""
        parts = list(self.batches())
        if len(parts) == 1:
            return parts[0], self.report
        rows = [p.firm_rows for p in parts if p.firm_rows is not None]
        gathered = Dataset(
            firms=pl.concat([p.firms for p in parts]),
            financials=pl.concat([p.financials for p in parts]),
            firm_rows=pl.concat(rows) if len(rows) == len(parts) else None,
        )
        return gathered, self.report

    def _pass(self, *, build: bool) -> Iterator[Dataset]:
        if self._fixed is not None or self._rows is None or self._layout is None:
            self._report = self._fixed
            return
        log = IssueLog(self.file)
        # the header issues again (cheap), into this pass's own log
        layout = map_headers(
            self._headers, self._header_row, self._fields, log, self._rows.has_data
        )
        findings = Findings()
        failed = log.has_errors
        rows = firms = 0
        try:
            for data in self._rows.batches():
                batch_log = SiteLog()
                # once the file has an error nothing is built: only the report is wanted
                checked = check_rows(
                    data, layout, self._accepted, batch_log, build=build and not failed
                )
                del data
                findings.merge(batch_log)
                failed = failed or findings.has_errors
                rows, firms = rows + checked.rows, firms + checked.firms
                if checked.dataset is not None and not failed:
                    yield checked.dataset
        except UnreadableFileError as exc:
            self._report = _unreadable(self.file, exc)
            return
        if rows == 0:
            no_rows(log, self._header_row)
        findings.replay(log)
        self._report = log.report(
            rows=rows,
            firms=firms,
            columns=layout.columns,
            ignored_columns=layout.ignored,
            column_order=self._headers,
        )


# --- opening a file -------------------------------------------------------------------------


def stream_dataset(
    path: str | Path,
    *,
    accepted_codes: Collection[str] = (),
    extra_fields: tuple[Field, ...] = (),
    sheet: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    batch_firms: int | None = BATCH_FIRMS,
) -> DatasetStream:
    """Open a CSV, XLSX or Parquet file of firms × fiscal years for reading batch by batch.

    The parameters are :func:`read_dataset`'s; ``batch_firms`` is how many firms a batch
    holds (None: the whole file in one batch). A Parquet file is read batch by batch from
    disk; a CSV or XLSX file is read whole first (its cells as text), then checked batch by
    batch. A file that cannot be read, or has no credit-code or year column, gives a stream
    whose report is that one error.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from feidi.reference import make_credit_code
    >>> a, b = make_credit_code("91330000MA2XXXXX0"), make_credit_code("91330000MA2XXXXX1")
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "firms.parquet"
    >>> pl.DataFrame({"credit_code": [a, a, b], "year": [2023, 2024, 2024]}).write_parquet(p)
    >>> stream = stream_dataset(p, batch_firms=1)
    >>> stream.n_firms, stream.streamed, [d.firms.height for d in stream.batches()]
    (2, True, [1, 1])
    """
    path = Path(path)
    fields = known_fields(extra_fields)
    try:
        check_path(path)
        if not is_parquet(path):
            raw = read_raw(path, header_aliases(fields), sheet, limits)
            return _over_table(raw, fields, accepted_codes, batch_firms)
        with reading(path):
            check_limits(path, limits, sheet)
        parquet = ParquetRows(path, limits.max_uncompressed_bytes, batch_firms)
        layout = map_headers(parquet.headers, 1, fields, IssueLog(path.name), parquet.has_data)
        if layout.missing_keys:
            # As a whole read would: a file too large or unreadable is refused as such first.
            for _ in parquet.batches():
                pass
            header_row = 1 if parquet.headers else None
            fixed = missing_keys_report(path.name, header_row, layout)
            return DatasetStream(path.name, None, None, fixed=fixed)
        parquet.plan_for(layout.source[CREDIT])
    except UnreadableFileError as exc:
        return DatasetStream(path.name, None, None, fixed=_unreadable(path.name, exc))
    return DatasetStream(
        path.name, parquet, layout, headers=parquet.headers, accepted_codes=accepted_codes
    )


def _over_table(
    raw: RawTable,
    fields: tuple[Field, ...],
    accepted_codes: Collection[str],
    batch_firms: int | None,
) -> DatasetStream:
    layout = map_headers(raw.headers, raw.header_row, fields, IssueLog(raw.file), _never)
    if layout.missing_keys:
        header_row = raw.header_row if raw.headers else None
        fixed = missing_keys_report(raw.file, header_row, layout)
        return DatasetStream(raw.file, None, None, fixed=fixed)
    rows = TableRows(raw, layout.source[CREDIT], batch_firms)
    return DatasetStream(
        raw.file,
        rows,
        layout,
        headers=raw.headers,
        header_row=raw.header_row,
        accepted_codes=accepted_codes,
    )


def _never(column: str) -> bool:
    """Whether a column has data, when only the header mapping is wanted (not its issues)."""
    return False


def _unreadable(file: str, exc: UnreadableFileError) -> InputReport:
    log = IssueLog(file)
    log.add("error", exc.code, exc.reason)
    return log.report()


# --- the public entry points ----------------------------------------------------------------


def read_dataset(
    path: str | Path,
    *,
    accepted_codes: Collection[str] = (),
    extra_fields: tuple[Field, ...] = (),
    sheet: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    batch_firms: int | None = BATCH_FIRMS,
) -> tuple[Dataset, InputReport]:
    """Read and check a CSV, XLSX or Parquet file of firms × fiscal years.

    Raises :class:`InputError` (carrying the full report) when the file has any error, so
    nothing is graded from a file with a mistake in it. Warnings are returned in the report.

    Parameters
    ----------
    path
        ``.csv`` (UTF-8, GBK/GB18030 or UTF-16), ``.xlsx`` or ``.parquet``.
    accepted_codes
        Credit codes known to be real although they fail the GB 32100 check character
        (early pilot areas issued such codes, e.g. ``91350211M00013FA1N``).
    extra_fields
        Fields a provincial rulebook adds; parsed like the canonical ones.
    sheet
        The XLSX sheet to read (default: the first).
    limits
        What the file may hold (:class:`ReadLimits`): a file over them is refused with a single
        ``file.too_large`` error before any reader sees it. The default is generous enough for
        a province-wide file; a server reading uploads passes smaller ones.
    batch_firms
        Firms checked at a time when each firm's rows are together in the file (see
        :func:`stream_dataset`); the result is the same for any value.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from feidi.reference import make_credit_code
    >>> code = make_credit_code("91330000MA2XXXXX0")
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "firms.csv"
    >>> _ = p.write_text(f"统一社会信用代码,年度,营业收入(万元)\\n{code},2024,1200\\n", "utf-8")
    >>> data, report = read_dataset(p)
    >>> data.financials.select("year", "revenue").row(0), report.ok
    ((2024, 1200.0), True)
    """
    stream = stream_dataset(
        path,
        accepted_codes=accepted_codes,
        extra_fields=extra_fields,
        sheet=sheet,
        limits=limits,
        batch_firms=batch_firms,
    )
    return stream.dataset()


def validate_file(
    path: str | Path,
    *,
    accepted_codes: Collection[str] = (),
    extra_fields: tuple[Field, ...] = (),
    sheet: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    batch_firms: int | None = BATCH_FIRMS,
) -> InputReport:
    """The checks of :func:`read_dataset`, returning the report instead of raising.

    An unreadable file, an unknown suffix or a missing key column is reported as a single
    error issue.
    """
    stream = stream_dataset(
        path,
        accepted_codes=accepted_codes,
        extra_fields=extra_fields,
        sheet=sheet,
        limits=limits,
        batch_firms=batch_firms,
    )
    return stream.check()


def dataset_from_frame(
    df: pl.DataFrame,
    *,
    file: str = "<frame>",
    accepted_codes: Collection[str] = (),
    extra_fields: tuple[Field, ...] = (),
    batch_firms: int | None = BATCH_FIRMS,
) -> tuple[Dataset, InputReport]:
    """The :func:`read_dataset` pipeline for an in-memory long frame (typed or all-string).

    Rows are numbered as in a Parquet file: record 1 is row 2.
    """
    fields = known_fields(extra_fields)
    return _over_table(frame_to_raw(df, file), fields, accepted_codes, batch_firms).dataset()


def empty_dataset(extra_fields: tuple[Field, ...] = ()) -> Dataset:
    """A :class:`Dataset` with no rows but every column, typed as :func:`read_dataset` types it.

    Stores that keep normalised rows (the web platform's database) rebuild frames against
    this schema, so a column no stored row happens to carry still has its proper type.

    Examples
    --------
    >>> d = empty_dataset()
    >>> d.firms.height, d.firms.schema["title_specialized_1"], d.financials.schema["revenue"]
    (0, Int32, Float64)
    """
    from feidi.reference import make_credit_code

    # One synthetic, fully present row through the real pipeline: the schema then follows
    # whatever _build_dataset derives (flags, title slots) without a second description.
    fields = known_fields(extra_fields)
    row: dict[str, list[object]] = {f.name: [None] for f in fields if f.scope != "key"}
    row[CREDIT] = [make_credit_code("91000000MA0000000")]
    row[YEAR] = ["2000"]
    dataset, _ = dataset_from_frame(
        pl.DataFrame(row, schema={k: pl.String for k in row}), extra_fields=extra_fields
    )
    return Dataset(firms=dataset.firms.clear(), financials=dataset.financials.clear())
