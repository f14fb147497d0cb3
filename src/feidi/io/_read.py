"""Reading a file's cells: CSV, XLSX or Parquet → a :class:`RawTable`.

Nothing here gives a cell meaning beyond trimming it. What the reader must get right:

* **row numbers** as the spreadsheet shows them, whatever sits above the header (a title row
  such as "XX市2025年企业数据汇总表", blank rows) and however many blank rows are in the data;
* **encodings**: Chinese offices export CSV in GBK, Excel's "Unicode text" in UTF-16;
* **speed**: a 3,000,000-row CSV or Parquet is read by Polars in one call, never row by row.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from feidi.schema import normalise_header

__all__ = [
    "ROW",
    "SUFFIXES",
    "RawTable",
    "UnreadableFileError",
    "frame_to_raw",
    "read_raw",
]

#: Name of the column carrying each data row's spreadsheet row number.
ROW = "__row"
#: How far down the header row is looked for.
HEADER_SEARCH_ROWS = 10
#: A header row must name at least this many known fields (a title row names none or one).
HEADER_MIN_KNOWN = 2

#: How much of a CSV is looked at to choose the separator and the number of columns.
_SNIFF_BYTES = 256 * 1024

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet", ".pq")


@dataclass(frozen=True)
class RawTable:
    """A file's cells as read, before any meaning is given to them.

    ``data`` has one positional column per header (``c0``, ``c1`` …, so that duplicate or
    blank headers survive), every string trimmed and empty cells null, and :data:`ROW`.
    """

    file: str
    headers: tuple[str, ...]
    header_row: int
    data: pl.DataFrame


class UnreadableFileError(Exception):
    """The file cannot be read at all; ``code`` and ``reason`` become the single issue."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def read_raw(path: Path, aliases: Mapping[str, str], sheet: str | None = None) -> RawTable:
    """Read ``path`` by its suffix; ``aliases`` (normalised header → field) finds the header row."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnreadableFileError(
            "file.suffix",
            f"不支持的文件类型 {suffix or '(无扩展名)'}，请另存为 .csv、.xlsx 或 .parquet"
            f" / unsupported file type {suffix or '(none)'}: save as .csv, .xlsx or .parquet",
        )
    if not path.is_file():
        raise UnreadableFileError("file.unreadable", f"找不到文件 {path} / file not found: {path}")
    try:
        if suffix in (".parquet", ".pq"):
            return frame_to_raw(pl.scan_parquet(path), path.name)
        if suffix in (".xlsx", ".xlsm"):
            grid, first_row = _read_xlsx(path, sheet)
        else:
            grid, first_row = _read_csv(path), 1
    except UnreadableFileError:
        raise
    except Exception as exc:  # any parser failure means the same thing to the user
        raise UnreadableFileError(
            "file.unreadable",
            f"无法读取文件：{exc} / the file cannot be read: {exc}",
        ) from exc
    return _split_header(grid, first_row, path.name, aliases)


def frame_to_raw(frame: pl.DataFrame | pl.LazyFrame, file: str) -> RawTable:
    """A frame whose column names are the headers (Parquet, in-memory frames).

    Rows are numbered as if there were a header row: record 1 is row 2.
    """
    lazy = frame.lazy()
    headers = tuple(lazy.collect_schema().names())
    lazy = lazy.rename({c: f"c{i}" for i, c in enumerate(headers)})
    data = _tidy_typed(lazy.collect(engine="streaming")).with_row_index(ROW, offset=2)
    data = data.with_columns(pl.col(ROW).cast(pl.Int64))
    return RawTable(file=file, headers=headers, header_row=1, data=data)


# --- CSV ----------------------------------------------------------------------------------


def _read_csv(path: Path) -> pl.DataFrame:
    """All cells as trimmed strings, one frame row per spreadsheet row (blank lines kept).

    A UTF-8 file (with or without BOM) is parsed by Polars straight from disk, which also
    checks the encoding; only a file Polars finds not to be UTF-8 is decoded in Python, as
    GB18030 (the superset of GBK that Chinese office software writes).
    """
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        return _parse_csv(path.read_bytes().decode("utf-16").encode("utf-8"))
    try:
        return _parse_csv(path, head)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).lower():
            raise
    try:
        text = path.read_bytes().decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            "file.encoding",
            "无法识别文件编码（支持 UTF-8、GBK/GB18030、UTF-16）"
            " / unknown text encoding (UTF-8, GBK/GB18030 and UTF-16 are read)",
        ) from exc
    return _parse_csv(text.encode("utf-8"))


def _parse_csv(source: Path | bytes, head: bytes | None = None) -> pl.DataFrame:
    if head is None:
        head = bytes(source[:_SNIFF_BYTES]) if isinstance(source, bytes) else b""
    sample = head.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="ignore")
    separator = _sniff_separator(sample)
    width = _widest_record(sample, separator)
    if width == 0:
        return pl.DataFrame()
    # An explicit schema as wide as the widest early record: a one-cell title row on line 1
    # must not make Polars read the whole file one column wide.
    lazy = pl.scan_csv(
        source,
        has_header=False,
        separator=separator,
        schema={f"c{i}": pl.String for i in range(width)},
        missing_columns="insert",
        truncate_ragged_lines=True,
        raise_if_empty=False,
    )
    return _collect_tidy(lazy)


def _sniff_separator(head: str) -> str:
    """Tab for Excel's "text (tab delimited)" exports, else comma.

    Semicolons are never a separator here: they separate honours and titles inside a cell.
    """
    lines = head.splitlines()[:HEADER_SEARCH_ROWS]
    tabs = sum(line.count("\t") for line in lines)
    commas = sum(line.count(",") for line in lines)
    return "\t" if tabs > commas else ","


def _widest_record(head: str, separator: str) -> int:
    records = csv.reader(io.StringIO(head), delimiter=separator)
    return max((len(r) for r in itertools.islice(records, 100)), default=0)


# --- XLSX ---------------------------------------------------------------------------------


def _read_xlsx(path: Path, sheet: str | None) -> tuple[pl.DataFrame, int]:
    """All cells as strings and the spreadsheet row number of the frame's first row.

    calamine (via fastexcel) is fast but starts its grid at the first filled cell, so the
    number of that row is taken from openpyxl, which streams only the top of the sheet.
    """
    import fastexcel
    import openpyxl

    reader = fastexcel.read_excel(str(path))
    names: list[str] = list(reader.sheet_names)
    name = sheet if sheet is not None else (names[0] if names else None)
    if name is None or name not in names:
        raise UnreadableFileError(
            "file.sheet",
            f"工作簿中没有工作表「{sheet}」（现有：{'、'.join(names)}）"
            f" / no sheet {sheet!r} in the workbook (found: {', '.join(names)})",
        )
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book[name].iter_rows(values_only=True)
        first_row, first_cells = next(
            ((i, r) for i, r in enumerate(rows, start=1) if any(_filled(v) for v in r)),
            (1, ()),
        )
        grid = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
        filled_by_calamine = grid.width - grid.row(0).count(None) if grid.height else 0
        if filled_by_calamine != sum(_filled(v) for v in first_cells):
            # The two libraries disagree on where the sheet starts: read it all with openpyxl
            # rather than risk a wrong row number in every message.
            return _tidy_cells(_xlsx_grid_openpyxl(book[name].iter_rows(values_only=True))), 1
    finally:
        book.close()
    grid = grid.rename({c: f"c{i}" for i, c in enumerate(grid.columns)})
    return _tidy_cells(grid), first_row


def _filled(value: object) -> bool:
    return value is not None and value != ""


def _xlsx_grid_openpyxl(rows: Iterable[tuple[object, ...]]) -> pl.DataFrame:
    values = [[None if v is None else _cell_text(v) for v in r] for r in rows]
    width = max((len(r) for r in values), default=0)
    return pl.DataFrame(
        [r + [None] * (width - len(r)) for r in values],
        schema={f"c{i}": pl.String for i in range(width)},
        orient="row",
    )


def _cell_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- shared -------------------------------------------------------------------------------


def _split_header(
    grid: pl.DataFrame, first_row: int, file: str, aliases: Mapping[str, str]
) -> RawTable:
    """Find the header among the first rows and number the data rows as the sheet does.

    ``grid`` holds every cell as trimmed text, its first row being spreadsheet row
    ``first_row``.
    """
    grid = grid.with_row_index(ROW, offset=first_row)
    grid = grid.with_columns(pl.col(ROW).cast(pl.Int64))
    cells = [c for c in grid.columns if c != ROW]
    top = grid.head(HEADER_SEARCH_ROWS)
    at = _header_index(top.select(cells).rows(), aliases)
    if at is None:
        return RawTable(file=file, headers=(), header_row=first_row, data=grid.clear())
    headers = tuple("" if v is None else str(v) for v in top.select(cells).row(at))
    header_row = int(top[ROW][at])
    return RawTable(file=file, headers=headers, header_row=header_row, data=grid.slice(at + 1))


def _header_index(rows: list[tuple[object, ...]], aliases: Mapping[str, str]) -> int | None:
    """The first row naming at least two known fields, else the first non-blank row."""
    for i, row in enumerate(rows):
        known = {aliases.get(normalise_header(str(v))) for v in row if v is not None}
        known.discard(None)
        if len(known) >= HEADER_MIN_KNOWN:
            return i
    return next((i for i, row in enumerate(rows) if any(v is not None for v in row)), None)


def _tidy_cells(frame: pl.DataFrame) -> pl.DataFrame:
    fixes = _tidy_exprs(frame.schema)
    return frame.with_columns(fixes) if fixes else frame


def _collect_tidy(lazy: pl.LazyFrame) -> pl.DataFrame:
    # Streaming the read and the trimming together keeps one copy of the cells in memory.
    fixes = _tidy_exprs(lazy.collect_schema())
    return (lazy.with_columns(fixes) if fixes else lazy).collect(engine="streaming")


def _tidy_typed(frame: pl.DataFrame) -> pl.DataFrame:
    """:func:`_tidy_cells` for a typed frame, rewriting only the columns that need it.

    A typed file's text columns are nearly always clean already: one read-only pass finds
    the few with a blank-edged or empty string or a NaN, so the others are not copied.
    """
    schema = frame.schema
    probes: list[pl.Expr] = []
    for name, dtype in schema.items():
        if dtype == pl.String:
            column = pl.col(name)
            probes.append((column.str.contains(r"^\s|\s$") | (column == "")).any().alias(name))
        elif dtype.is_float():
            probes.append(pl.col(name).is_nan().any().alias(name))
    dirty = frame.select(probes).row(0, named=True) if probes and frame.height else {}
    fixes = _tidy_exprs({n: d for n, d in schema.items() if dirty.get(n, True)})
    return frame.with_columns(fixes) if fixes else frame


def _tidy_exprs(schema: Mapping[str, pl.DataType]) -> list[pl.Expr]:
    """Trim strings (an all-blank cell becomes null) and read a float NaN as an empty cell."""
    fixes: list[pl.Expr] = []
    for name, dtype in schema.items():
        if dtype == pl.String:
            fixes.append(pl.col(name).str.strip_chars().replace("", None))
        elif isinstance(dtype, pl.Categorical | pl.Enum):
            # pandas "category" columns arrive like this from Parquet.
            fixes.append(pl.col(name).cast(pl.String).str.strip_chars().replace("", None))
        elif dtype.is_float():
            fixes.append(pl.col(name).fill_nan(None))
    return fixes
