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
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import polars as pl

from feidi.io._issues import Bilingual
from feidi.io._limits import DEFAULT_LIMITS, ReadLimits, check_limits, refuse_text_bytes
from feidi.schema import normalise_header

__all__ = [
    "ROW",
    "SUFFIXES",
    "RawTable",
    "UnreadableFileError",
    "check_path",
    "frame_to_raw",
    "is_parquet",
    "read_raw",
    "reading",
    "text_bytes",
    "tidy_typed",
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

    def __init__(self, code: str, reason: Bilingual) -> None:
        super().__init__(f"{reason[0]} / {reason[1]}")
        self.code = code
        self.reason = reason


def read_raw(
    path: Path,
    aliases: Mapping[str, str],
    sheet: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> RawTable:
    """Read ``path`` by its suffix; ``aliases`` (normalised header → field) finds the header row.

    ``limits`` are checked first (:func:`~feidi.io._limits.check_limits`), before any reader
    sees the file. No message names more of the path than the file's own name.
    """
    suffix = check_path(path)
    with reading(path):
        check_limits(path, limits, sheet)
        if is_parquet(path):
            return frame_to_raw(
                pl.scan_parquet(path), path.name, max_text_bytes=limits.max_uncompressed_bytes
            )
        if suffix in (".xlsx", ".xlsm"):
            grid, first_row = _read_xlsx(path, sheet)
        else:
            grid, first_row = _read_csv(path), 1
    return _split_header(grid, first_row, path.name, aliases)


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def check_path(path: Path) -> str:
    """``path``'s suffix, lower-case, once it is known to be a file of a kind that is read."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnreadableFileError(
            "file.suffix",
            (
                f"不支持的文件类型 {suffix or '(无扩展名)'}，请另存为 .csv、.xlsx 或 .parquet",
                f"unsupported file type {suffix or '(none)'}: save as .csv, .xlsx or .parquet",
            ),
        )
    if not path.is_file():
        raise UnreadableFileError(
            "file.unreadable", (f"找不到文件 {path.name}", f"file not found: {path.name}")
        )
    return suffix


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Any parser failure inside means the same thing to the user: the file cannot be read
    (an :class:`UnreadableFileError` naming no directory)."""
    try:
        yield
    except UnreadableFileError:
        raise
    except Exception as exc:
        shown = _without_directories(str(exc), path)
        raise UnreadableFileError(
            "file.unreadable",
            (f"无法读取文件：{shown}", f"the file cannot be read: {shown}"),
        ) from exc


#: An absolute path's directories (POSIX or Windows), not preceded by a word or a dot.
_DIRECTORIES = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?[\\/](?:[^\s\\/'\"`]+[\\/])+")
#: How much of a parser's message is shown.
_SHOWN_ERROR_CHARS = 300


def _without_directories(text: str, path: Path) -> str:
    """A parser's message naming no directory: the stored path (as given, absolute or
    resolved) becomes the file's name, and any other absolute path loses its directories.

    >>> _without_directories("No such file: /srv/media/imports/ab12.csv (os error 2)",
    ...                      Path("/srv/media/imports/ab12.csv"))
    'No such file: ab12.csv (os error 2)'
    """
    for form in {str(path.resolve()), str(path.absolute()), str(path)}:
        if form != path.name:
            text = text.replace(form, path.name)
    text = _DIRECTORIES.sub("", text)
    if len(text) > _SHOWN_ERROR_CHARS:
        text = text[:_SHOWN_ERROR_CHARS] + "…"
    return text


def frame_to_raw(
    frame: pl.DataFrame | pl.LazyFrame, file: str, *, max_text_bytes: int | None = None
) -> RawTable:
    """A frame whose column names are the headers (Parquet, in-memory frames).

    Rows are numbered as if there were a header row: record 1 is row 2. With
    ``max_text_bytes``, a frame whose text cells add up to more is refused (see
    :func:`_check_text_bytes`).
    """
    lazy = frame.lazy()
    headers = tuple(lazy.collect_schema().names())
    lazy = lazy.rename({c: f"c{i}" for i, c in enumerate(headers)})
    data = lazy.collect(engine="streaming")
    if max_text_bytes is not None:
        _check_text_bytes(data, max_text_bytes)
    data = tidy_typed(data).with_row_index(ROW, offset=2)
    data = data.with_columns(pl.col(ROW).cast(pl.Int64))
    return RawTable(file=file, headers=headers, header_row=1, data=data)


def _check_text_bytes(frame: pl.DataFrame, limit: int) -> None:
    """Refuse text that would take more than ``limit`` bytes once written out cell by cell.

    A dictionary-encoded Parquet column reads as views of one copy of each distinct value,
    so 20,000,000 cells of one 10 KB string cost little until the first step that rewrites
    them (trimming) writes 200 GB. Measuring the views' lengths touches no string data.
    """
    total = text_bytes(frame)
    if total > limit:
        refuse_parquet_text(total, limit)


def refuse_parquet_text(total: int, limit: int) -> NoReturn:
    refuse_text_bytes("Parquet 文件中的文本", "the Parquet file's text", total, limit)


def text_bytes(frame: pl.DataFrame | pl.LazyFrame) -> int:
    """The bytes of every text cell of ``frame`` (see :func:`_check_text_bytes`)."""
    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    sizes = [
        pl.col(name).str.len_bytes() if dtype == pl.String else pl.col(name).cat.len_bytes()
        for name, dtype in schema.items()
        if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
    ]
    if not sizes:
        return 0
    total = frame.select(pl.sum_horizontal([s.cast(pl.UInt64).sum() for s in sizes]))
    if isinstance(total, pl.LazyFrame):
        total = total.collect(engine="streaming")
    return int(total.item() or 0)


# --- CSV ----------------------------------------------------------------------------------


def _read_csv(path: Path) -> pl.DataFrame:
    """All cells as trimmed strings, one frame row per spreadsheet row (blank lines kept).

    A UTF-8 file (with or without BOM) is parsed by Polars straight from disk, which also
    checks the encoding; UTF-16 with a byte-order mark (Excel's "Unicode text") is re-encoded.
    A file Polars finds not to be UTF-8 is decoded in Python as GB18030 (the superset of GBK
    that Chinese office software writes) — unless its bytes read far more naturally as Big5
    or Shift-JIS (:func:`_foreign_encoding`): those decode as GB18030 without an error, into
    nonsense, so they are refused with a message naming what they seem to be. UTF-16 without
    a byte-order mark is refused too: as UTF-8 it would read as text with NULs between the
    characters.
    """
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        return _parse_csv(path.read_bytes().decode("utf-16").encode("utf-8"))
    utf16 = _UTF16_NAMES.get(_utf16_without_bom(head) or "")
    if utf16 is not None:
        raise UnreadableFileError(
            "file.encoding",
            (
                f"文件看起来是没有字节顺序标记(BOM)的 {utf16} 文本，无法可靠读取；请另存为 UTF-8"
                f" 编码的 CSV",
                f"the file looks like {utf16} text without a byte-order mark, which"
                " cannot be read reliably; save it as UTF-8 CSV",
            ),
        )
    try:
        return _parse_csv(path, head)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).lower():
            raise
    foreign = _foreign_encoding(head, whole=len(head) < _SNIFF_BYTES)
    if foreign is not None:
        zh, en = _FOREIGN_NAMES[foreign]
        raise UnreadableFileError(
            "file.encoding",
            (
                f"文件看起来是{zh} 编码，按简体中文(GBK)读取会成为乱码；请另存为 UTF-8（或 GBK）编码的"
                f" CSV",
                f"the file looks like {en} text, which read as Chinese GBK would be garbled;"
                " save it as UTF-8 (or GBK) CSV",
            ),
        )
    try:
        text = path.read_bytes().decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            "file.encoding",
            (
                "无法识别文件编码（支持 UTF-8、GBK/GB18030、UTF-16）",
                "unknown text encoding (UTF-8, GBK/GB18030 and UTF-16 are read)",
            ),
        ) from exc
    return _parse_csv(text.encode("utf-8"))


#: What a CSV in another legacy encoding is called in the message refusing it.
_FOREIGN_NAMES = {
    "cp950": ("繁体中文 Big5", "Big5 (Traditional Chinese)"),
    "cp932": ("日文 Shift-JIS", "Shift-JIS (Japanese)"),
}
#: How much more natural (share of characters, 0–1) Big5 or Shift-JIS must read than GBK.
_FOREIGN_MARGIN = 0.2
#: …and how natural it must read at all, to be named as what the file seems to be.
_FOREIGN_FLOOR = 0.5
#: Bytes looked at for the NULs of BOM-less UTF-16.
_UTF16_SAMPLE = 4096
_UTF16_NAMES = {"utf-16-le": "UTF-16 LE", "utf-16-be": "UTF-16 BE"}


def _utf16_without_bom(head: bytes) -> str | None:
    """The codec ("utf-16-le", "utf-16-be") when ``head`` is UTF-16 text without a
    byte-order mark, else None.

    A CSV always has ASCII (digits, separators, line breaks), which UTF-16 writes with a NUL
    byte beside each; UTF-8 and GBK text has no NUL at all. Read in the right byte order the
    sample then has line breaks or separators and no NUL character; in the wrong one it has
    neither (a comma becomes U+2C00).
    """
    sample = head[: min(len(head), _UTF16_SAMPLE) // 2 * 2]
    if sample.count(0) * 10 < len(sample):
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        text = sample.decode(codec, errors="replace")
        if "\x00" not in text and any(c in text for c in "\n,\t"):
            return codec
    return None


def _foreign_encoding(head: bytes, *, whole: bool) -> str | None:
    """The codec ("cp950" for Big5, "cp932" for Shift-JIS) that a non-UTF-8 ``head`` reads
    far more naturally in than in GBK/GB18030; None to read it as GB18030.

    GB18030 decodes nearly any bytes, so success proves nothing. Instead each candidate
    decoding is scored by the share of its non-ASCII characters that are everyday ones of
    that script: GB2312 for Chinese GBK (genuine files score 0.8–1.0, rare name characters
    such as 镕 喆 堃 珺 昇 being the exceptions), Big5's symbols and frequent hanzi, JIS X
    0208's kana and kanji (not half-width katakana). Misread as GBK, Big5 text scores ≈ 0.45
    and Shift-JIS ≈ 0; misread as Big5 or Shift-JIS, GBK text scores ≤ 0.7 when it decodes
    at all. A rival wins only with a clear lead, so a GBK file is never refused for looking
    foreign; a tiny file that is truly ambiguous (a few Big5 characters that are also all
    GB2312 as bytes) is read as GBK. charset-normalizer was tried on the same samples and
    misjudged short files (a one-name GBK file as Big5, rare-character names as CP949), so
    this transparent rule is used instead.
    """
    if not whole:  # the head may end inside a character: judge the whole lines
        end = head.rfind(b"\n")
        head = head[: end + 1] if end > 0 else head
    scores: dict[str, float] = {}
    for codec, natural in (
        ("gb18030", _common_gb),
        ("cp950", _common_big5),
        ("cp932", _common_jis),
    ):
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            continue
        scores[codec] = _natural_share(text, natural)
    gbk = scores.get("gb18030", -1.0)
    rivals = [(score, codec) for codec, score in scores.items() if codec != "gb18030"]
    if not rivals:
        return None
    best, codec = max(rivals)
    return codec if best >= max(gbk + _FOREIGN_MARGIN, _FOREIGN_FLOOR) else None


def _natural_share(text: str, natural: Callable[[str], bool]) -> float:
    counts = {c: n for c, n in Counter(text).items() if c > "\x7f"}
    total = sum(counts.values())
    if not total:
        return 1.0
    return sum(n for c, n in counts.items() if natural(c)) / total


def _encoded(ch: str, codec: str) -> bytes:
    try:
        return ch.encode(codec)
    except UnicodeEncodeError:
        return b""


def _common_gb(ch: str) -> bool:
    """In GB2312: the 6,763 hanzi and the symbols of everyday simplified Chinese."""
    return bool(_encoded(ch, "gb2312"))


def _common_big5(ch: str) -> bool:
    """Big5 symbols (lead bytes A1–A3) and its 5,401 frequent hanzi (A4–C6)."""
    b = _encoded(ch, "cp950")
    return len(b) == 2 and 0xA1 <= b[0] <= 0xC6


def _common_jis(ch: str) -> bool:
    """JIS X 0208 in Shift-JIS (lead bytes 81–9F, E0–EF): symbols, kana, kanji."""
    b = _encoded(ch, "cp932")
    return len(b) == 2 and (0x81 <= b[0] <= 0x9F or 0xE0 <= b[0] <= 0xEF)


def csv_width(head: bytes) -> int:
    """How many columns the reader gives a CSV whose first bytes are ``head``."""
    return _sniff(head)[1]


def _sniff(head: bytes) -> tuple[str, int]:
    """Separator and width from the head (UTF-8, or GBK: its ASCII bytes are the same)."""
    sample = head.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="ignore")
    separator = _sniff_separator(sample)
    return separator, _widest_record(sample, separator)


def _parse_csv(source: Path | bytes, head: bytes | None = None) -> pl.DataFrame:
    if head is None:
        head = bytes(source[:_SNIFF_BYTES]) if isinstance(source, bytes) else b""
    separator, width = _sniff(head)
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
            (
                f"工作簿中没有工作表「{sheet}」（现有：{'、'.join(names)}）",
                f"no sheet {sheet!r} in the workbook (found: {', '.join(names)})",
            ),
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


def tidy_typed(frame: pl.DataFrame) -> pl.DataFrame:
    """:func:`_tidy_cells` for a typed frame, rewriting only the columns that need it.

    A typed file's text columns are nearly always clean already: one read-only pass finds
    the few with a blank-edged or empty string or a NaN, so the others are not copied.
    """
    schema = frame.schema
    probes: list[pl.Expr] = []
    for name, dtype in schema.items():
        if dtype == pl.String:
            # blank-edged or empty; comparing lengths is twice as fast as a regex for "^\s|\s$"
            size = pl.col(name).str.len_bytes()
            trimmed = pl.col(name).str.strip_chars().str.len_bytes()
            probes.append(((trimmed != size) | (size == 0)).any().alias(name))
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
