"""How much a file may make the reader allocate, checked before the file is read.

The readers materialise what a file describes, and a small file can describe a lot: a 1.6 KB
XLSX with a cell at XFD1048576 makes calamine allocate a dense grid of up to 1,048,576 ×
16,384 cells (512 GiB) and openpyxl pad rows to it; an 87 KB Parquet file of one
dictionary-encoded string repeated 30,000,000 times reads as 30,000,000 strings; a 300 KB
XLSX can unpack to one 300 MB shared string, or show one long shared string in every cell.
:func:`check_limits` looks at what a file declares and at what it really holds — by streaming,
in bounded memory and time, never by reading it — and refuses it with a single bilingual
:class:`~feidi.io._read.UnreadableFileError` before any reader sees it.
"""

from __future__ import annotations

import codecs
import copy
import html
import posixpath
import re
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, NoReturn

from feidi.io._issues import Bilingual

__all__ = ["DEFAULT_LIMITS", "ReadLimits", "check_limits", "refuse_text_bytes"]


@dataclass(frozen=True)
class ReadLimits:
    """What one input file may hold; a file over any limit is refused before it is read.

    ``max_rows``
        Rows: lines of a CSV (title and header rows included), records of a Parquet file,
        the last row number of the XLSX sheet read.
    ``max_columns``
        Columns: the widest early CSV record, the columns of a Parquet file, the last column
        of the XLSX sheet read (XFD = 16,384).
    ``max_cells``
        Rows × columns as the reader allocates them (an XLSX sheet from A1 to its last cell,
        however empty), and the number of values in a Parquet file.
    ``max_uncompressed_bytes``
        Bytes once unpacked: a CSV's size, the sum of an XLSX's parts, a Parquet file's
        uncompressed pages — and the text the cells expand to (an XLSX shared string or a
        Parquet dictionary entry counts once per cell that uses it).
    """

    max_rows: int
    max_columns: int
    max_cells: int
    max_uncompressed_bytes: int


#: The command line's limits: generous, so that a province-wide file (3,000,000 firm-years ×
#: 60 columns = 180,000,000 cells, a CSV of ≈ 1.2 GB) reads, while an absurd file is still
#: refused before it exhausts a 24-GiB machine. 50,000,000 rows is 16 × that province (XLSX
#: stops at 1,048,576 anyway); 1,000 columns is 20 × the canonical schema's ~45 fields plus
#: a province's own, and keeps the 16,384 columns of an "A1:XFD…" sheet out; 500,000,000
#: cells is 2.8 × the province file, ≈ 8 GB of Polars string views; 16 GiB unpacked is 13 ×
#: the province CSV and stays below the machine's memory, since unpacked text is held at
#: least once. The web platform passes far smaller limits for uploads.
DEFAULT_LIMITS = ReadLimits(
    max_rows=50_000_000,
    max_columns=1_000,
    max_cells=500_000_000,
    max_uncompressed_bytes=16 * 2**30,
)

#: Bytes streamed at a time: bounds what any check holds in memory.
_CHUNK = 1 << 20
#: Longest XML tag (or tag plus a cell's value) a check carries from one chunk to the next.
_MAX_TAG = 1 << 20
#: Largest XLSX part that a reader parses whole into a tree (openpyxl: the styles, the
#: workbook, the relationships …), at ≈ 13 × its size in memory; Excel's own styles for
#: 64,000 cell formats take ≈ 10 MiB.
_MAX_WHOLE_PART = 16 * 2**20


def check_limits(path: Path, limits: ReadLimits, sheet: str | None) -> None:
    """Refuse ``path`` when it holds more than ``limits`` allow, without reading its cells.

    Raises :class:`~feidi.io._read.UnreadableFileError` with code ``file.too_large`` (naming
    what was exceeded, the file's figure and the limit) or ``file.corrupt`` (a broken or
    tampered container). ``sheet`` is the XLSX sheet that will be read (default: the first).
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        _check_xlsx(path, limits, sheet)
    elif suffix in (".parquet", ".pq"):
        _check_parquet(path, limits)
    else:
        _check_text(path, limits)


# --- messages -----------------------------------------------------------------------------


def _refuse(code: str, reason: Bilingual) -> NoReturn:
    # Imported here: the reader imports this module for read_raw's default limits.
    from feidi.io._read import UnreadableFileError

    raise UnreadableFileError(code, reason)


def _size(n: int) -> str:
    """1.5 GiB, 300 MiB, 12 KiB, 512 B."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} B"


def _too_many_bytes(zh_what: str, en_what: str, n: int, limit: int) -> NoReturn:
    shown, cap = _size(n), _size(limit)
    if shown == cap:  # 256 MiB and one byte: show the bytes
        shown, cap = f"{n:,} B", f"{limit:,} B"
    _refuse(
        "file.too_large",
        (f"{zh_what} {shown}，超过上限 {cap}", f"{en_what} {shown}, more than the limit of {cap}"),
    )


def refuse_text_bytes(zh_what: str, en_what: str, n: int, limit: int) -> NoReturn:
    """Refuse text cells that expand to ``n`` bytes, more than ``limit``."""
    _too_many_bytes(f"{zh_what}展开后共", f"{en_what} expands to", n, limit)


def _check_area(zh_what: str, en_what: str, rows: int, columns: int, limits: ReadLimits) -> None:
    """Refuse ``rows`` × ``columns`` over any limit, naming the one exceeded."""
    cells = rows * columns
    if rows > limits.max_rows:
        zh_cap, en_cap = f"{limits.max_rows} 行", f"{limits.max_rows:,} rows"
    elif columns > limits.max_columns:
        zh_cap, en_cap = f"{limits.max_columns} 列", f"{limits.max_columns:,} columns"
    elif cells > limits.max_cells:
        zh_cap, en_cap = f"{limits.max_cells} 个单元格", f"{limits.max_cells:,} cells"
    else:
        return
    zh_cells = f"（{cells} 个单元格）" if cells > limits.max_cells else ""
    en_cells = f" ({cells:,} cells)" if cells > limits.max_cells else ""
    _refuse(
        "file.too_large",
        (
            f"{zh_what} {rows} 行 × {columns} 列{zh_cells}，超过上限 {zh_cap}",
            f"{en_what} {rows:,} rows × {columns:,} columns{en_cells}, more than the limit of"
            f" {en_cap}",
        ),
    )


# --- CSV and text -------------------------------------------------------------------------


def _check_text(path: Path, limits: ReadLimits) -> None:
    from feidi.io._read import _SNIFF_BYTES, _utf16_without_bom, csv_width

    size = path.stat().st_size
    if size > limits.max_uncompressed_bytes:
        _too_many_bytes("文件大小为", "the file is", size, limits.max_uncompressed_bytes)
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
        has_bom = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        utf16 = "utf-16" if has_bom else _utf16_without_bom(head)
        fh.seek(0)
        rows = _count_lines(fh, utf16)
    if utf16 is not None:  # Excel's "Unicode text": the reader re-encodes it as UTF-8 first
        head = head[: len(head) // 2 * 2].decode(utf16, errors="ignore").encode("utf-8")
    _check_area("文件共有", "the file holds", rows, csv_width(head), limits)


def _count_lines(fh: BinaryIO, utf16: str | None) -> int:
    """Lines of a text file, a last line without a line break included, read in chunks;
    a UTF-16 file (``utf16`` is its codec) is counted in characters."""
    lines, unfinished = 0, False
    if utf16 is not None:
        decoder = codecs.getincrementaldecoder(utf16)(errors="replace")
        while chunk := fh.read(_CHUNK):
            if text := decoder.decode(chunk):
                lines += text.count("\n")
                unfinished = not text.endswith("\n")
        return lines + unfinished
    while chunk := fh.read(_CHUNK):
        lines += chunk.count(b"\n")
        unfinished = not chunk.endswith(b"\n")
    return lines + unfinished


# --- Parquet ------------------------------------------------------------------------------


def _check_parquet(path: Path, limits: ReadLimits) -> None:
    """The footer's figures: nothing else of the file is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
        rows = max(meta.num_rows, sum(g.num_rows for g in groups))
        columns = meta.num_columns
        # Nested columns hold many values per row: count the values, not only rows × columns.
        values = sum(g.column(j).num_values for g in groups for j in range(g.num_columns))
        unpacked = sum(g.total_byte_size for g in groups)
    except (pa.ArrowException, OSError, ValueError):
        _refuse(
            "file.corrupt",
            (
                "文件不是有效的 Parquet 文件（或已损坏）",
                "the file is not a valid Parquet file (or it is damaged)",
            ),
        )
    # Dictionary and run-length encoding make a column of one repeated value tiny on disk and
    # in its uncompressed pages, however many rows it has: rows and cells are what catch it.
    _check_area("Parquet 文件共有", "the Parquet file holds", rows, columns, limits)
    if values > limits.max_cells:
        _refuse(
            "file.too_large",
            (
                f"Parquet 文件共有 {values} 个值，超过上限 {limits.max_cells} 个单元格",
                f"the Parquet file holds {values:,} values, more than the limit of"
                f" {limits.max_cells:,} cells",
            ),
        )
    if unpacked > limits.max_uncompressed_bytes:
        _too_many_bytes(
            "Parquet 文件解压后共",
            "the Parquet file unpacks to",
            unpacked,
            limits.max_uncompressed_bytes,
        )


# --- XLSX ---------------------------------------------------------------------------------

# Where calamine (which reads the cells) looks; openpyxl (which finds the first row) follows
# [Content_Types].xml and the relationships, so the two are made to agree below.
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_SHARED_STRINGS = "xl/sharedStrings.xml"

_NS = rb"(?:[A-Za-z_][\w.\-]*:)?"  # an optional namespace prefix, as in <x:c>
#: Any row, cell or value tag: closing slash, name, the ``r`` reference's column letters and
#: row digits (empty when absent), the other attributes, and the text right after the tag.
_TAG = re.compile(
    rb"<(/?)" + _NS + rb"(row|c|v)(?=[\s/>])"
    rb"""(?=(?:[^>]*?\sr\s*=\s*["']([A-Za-z]*)([0-9]*)["'])?)"""
    rb"([^>]*)>([^<]*)"
)
_SHARED_INDEX = re.compile(rb"""\st\s*=\s*["']s["']""")
_DIMENSION = re.compile(rb"""<""" + _NS + rb"""dimension\s[^>]*?\bref\s*=\s*["']([^"']*)["']""")
_SHEET_DATA = re.compile(rb"<" + _NS + rb"sheetData[\s/>]")
#: Shared strings: the string, its text runs and its phonetic runs (which calamine skips).
_SST_TAG = re.compile(rb"<(/?)" + _NS + rb"(si|t|rPh)(?=[\s/>])[^>]*>")
_OPENS_CELL = re.compile(rb"<" + _NS + rb"c[\s/>]")
_OPENS_VALUE = re.compile(rb"<" + _NS + rb"v>")
_SHEET = re.compile(rb"<" + _NS + rb"sheet\s[^>]*>")
_RELATIONSHIP = re.compile(rb"<" + _NS + rb"Relationship\s[^>]*>")
_OVERRIDE = re.compile(rb"<" + _NS + rb"Override\s[^>]*>")
_CELL_REF = re.compile(r"\$?([A-Za-z]+)\$?([0-9]+)")
# The usual spelling, matched fast (see _written_as_usual).
_USUAL_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_USUAL_ROW = re.compile(rb'<row r="([0-9]{1,7})"')
_USUAL_SHARED = re.compile(
    rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]+")? t="s"(?: s="[0-9]+")?><v>([0-9]{1,18})</v>'
)
_FIRST, _SECOND = itemgetter(0), itemgetter(1)


class _Positional(Exception):
    """A tag leaves its position implicit after a chunk read the fast way: start again."""


@dataclass
class _Cursor:
    """Where calamine is in a sheet read tag by tag (1-based; None: not known here)."""

    row: int | None = 1
    column: int | None = 1
    #: The open cell is a shared string whose value has not been seen yet.
    shared: bool = False


def _check_xlsx(path: Path, limits: ReadLimits, sheet: str | None) -> None:
    corrupt = (
        "文件不是有效的 XLSX 工作簿（可能是改了扩展名的 .xls、已加密或已损坏）",
        "the file is not a valid XLSX workbook (it may be a renamed .xls, encrypted or damaged)",
    )
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        _refuse("file.corrupt", corrupt)
    with book:
        try:
            _check_book(book, limits, sheet)
        except (
            zipfile.BadZipFile,  # bad CRC or header
            zipfile.LargeZipFile,
            zlib.error,  # broken deflate stream
            EOFError,  # truncated member
            NotImplementedError,  # compression zipfile cannot read
            RuntimeError,  # encrypted member
        ):
            _refuse("file.corrupt", corrupt)


def _check_book(book: zipfile.ZipFile, limits: ReadLimits, sheet: str | None) -> None:
    members: dict[str, zipfile.ZipInfo] = {}
    for info in book.infolist():
        key = info.filename.lower()  # part names are case-insensitive (and calamine's are)
        if key in members:
            _refuse(
                "file.corrupt",
                (
                    f"工作簿中有两个名为 {info.filename} 的部件，文件已损坏或被篡改",
                    f"the workbook holds the part {info.filename} twice: the file is damaged"
                    " or tampered with",
                ),
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise NotImplementedError(info.compress_type)  # no spreadsheet writes these
        members[key] = info
    declared = sum(i.file_size for i in members.values())
    if declared > limits.max_uncompressed_bytes:
        _too_many_bytes(
            "工作簿解压后共", "the workbook unpacks to", declared, limits.max_uncompressed_bytes
        )
    for key, info in members.items():
        if _read_whole(key) and info.file_size > _MAX_WHOLE_PART:
            _too_many_bytes(
                f"工作簿中需整体读入的部件 {info.filename} 解压后共",
                f"{info.filename}, a part of the workbook that is read whole, unpacks to",
                info.file_size,
                _MAX_WHOLE_PART,
            )

    name, sheet_parts, strings_part = _locate(book, members, sheet)
    lengths = array("I")
    if strings_part is not None:
        lengths = _shared_string_lengths(book, strings_part, limits)
    scanned = {strings_part.filename.lower()} if strings_part is not None else set()
    for part in sheet_parts:
        _check_sheet(book, part, name, lengths, limits)
        scanned.add(part.filename.lower())
    # Every other part is unpacked once too (and thrown away): a part holding more than it
    # declares is refused whatever reads it.
    for key, info in members.items():
        if key not in scanned:
            for _ in _member_chunks(book, info):
                pass


def _read_whole(key: str) -> bool:
    """Whether a part (lower-case name) is parsed whole by openpyxl, not streamed."""
    return (
        key in ("[content_types].xml", _WORKBOOK, "xl/styles.xml")
        or key.endswith(".rels")
        or key.startswith(("docprops/", "xl/theme/", "xl/externallinks/"))
    )


def _locate(
    book: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], sheet: str | None
) -> tuple[str, list[zipfile.ZipInfo], zipfile.ZipInfo | None]:
    """The name and part(s) of the sheet that will be read, and the shared strings part."""
    disagree = (
        "工作簿的部件互相矛盾（工作簿或共享文本的位置不一致），文件已损坏或被篡改",
        "the workbook's parts contradict each other (where the workbook or its shared"
        " text is): the file is damaged or tampered with",
    )
    types = members.get("[content_types].xml")
    if types is not None:
        for tag in _tags(book, types, _OVERRIDE):
            # Every workbook type (sheet, template, macro-enabled, add-in) ends so.
            is_workbook = _attribute(tag, "ContentType").lower().endswith(".main+xml")
            if is_workbook and _attribute(tag, "PartName").lstrip("/").lower() != _WORKBOOK:
                _refuse("file.corrupt", disagree)

    targets: dict[str, str] = {}
    strings_targets: set[str] = set()
    rels = members.get(_WORKBOOK_RELS)
    if rels is not None:
        for tag in _tags(book, rels, _RELATIONSHIP):
            target = _attribute(tag, "Target")
            targets[_attribute(tag, "Id")] = target
            if _attribute(tag, "Type").endswith("/sharedStrings"):
                strings_targets |= _part_names(target)
    strings_part = members.get(_SHARED_STRINGS.lower())
    if strings_targets and strings_targets != {_SHARED_STRINGS.lower()}:
        _refuse("file.corrupt", disagree)

    workbook = members.get(_WORKBOOK)
    if workbook is None:
        return "", [], strings_part
    for tag in _tags(book, workbook, _SHEET):
        name = html.unescape(_attribute(tag, "name"))
        if sheet is not None and name != sheet:
            continue
        rid = _attribute(tag, "r:id") or _attribute(tag, "relationships:id")
        parts = [members[p] for p in sorted(_part_names(targets.get(rid, ""))) if p in members]
        return name, parts, strings_part
    return "", [], strings_part  # no such sheet: the reader says so


def _part_names(target: str) -> set[str]:
    """Where calamine and where openpyxl look for a relationship's target (lower case)."""
    if not target:
        return set()
    calamine = target[1:] if target.startswith("/xl/") else target
    calamine = calamine if calamine.startswith("xl/") else f"xl/{calamine}"
    openpyxl = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return {calamine.lower(), posixpath.normpath(openpyxl).lower()}


def _attribute(tag: bytes, name: str) -> str:
    found = re.search(rb"""\s""" + re.escape(name.encode()) + rb"""\s*=\s*["']([^"']*)["']""", tag)
    return found.group(1).decode("utf-8", errors="replace") if found else ""


def _check_sheet(
    book: zipfile.ZipFile,
    part: zipfile.ZipInfo,
    name: str,
    lengths: array[int],
    limits: ReadLimits,
) -> None:
    """The declared dimension, then the real extent and the text its cells expand to."""
    try:
        _scan_sheet(book, part, name, lengths, limits, fast=True)
    except _Positional:
        _scan_sheet(book, part, name, lengths, limits, fast=False)


def _scan_sheet(
    book: zipfile.ZipFile,
    part: zipfile.ZipInfo,
    name: str,
    lengths: array[int],
    limits: ReadLimits,
    *,
    fast: bool,
) -> None:
    """Refuse the sheet as soon as a row or cell lies too far, or its cells refer to too much
    shared text.

    A chunk written the usual way is read with a few regex passes and no Python loop over
    cells (:func:`_written_as_usual`); any other is read tag by tag (:func:`_tag_by_tag`). A
    tag leaving its position implicit right after a fast chunk (whose end position is not
    kept) raises :class:`_Positional`, and the sheet is read again without ``fast``.
    """
    last_row = last_column = text = 0
    cursor = _Cursor()
    dimension_seen = False
    for buf, end, _ in _segments(book, part):
        if not dimension_seen:
            found = _DIMENSION.search(buf, 0, end)
            if found is not None:
                _check_dimension(name, found.group(1).decode("ascii", "replace"), limits)
            dimension_seen = found is not None or _SHEET_DATA.search(buf, 0, end) is not None
        usual = _written_as_usual(buf, end, lengths) if fast and not cursor.shared else None
        if usual is not None:
            cursor = _Cursor(row=None, column=None)
            rows, columns, chunk_text = usual
        else:
            rows, columns, chunk_text = _tag_by_tag(buf, end, cursor, lengths)
        last_row, last_column = max(last_row, rows), max(last_column, columns)
        text += chunk_text
        _check_extent(name, last_row, last_column, limits)
        if text > limits.max_uncompressed_bytes:
            refuse_text_bytes(
                f"工作表「{name}」的单元格引用的共享文本",
                f"the shared text that the cells of sheet {name!r} refer to",
                text,
                limits.max_uncompressed_bytes,
            )


def _written_as_usual(buf: bytes, end: int, lengths: array[int]) -> tuple[int, int, int] | None:
    """Last row, last column and shared-text bytes of a chunk written as Excel, openpyxl and
    xlsxwriter write (``<row r="7"``, ``<c r="B7"`` first, ``t="s"><v>3</v>``), else None.

    Regexes that start with a literal are several times faster than the general ones; that
    every row, cell and shared-string cell was matched is made sure by counting the tags.
    """
    if buf.find(b":c", 0, end) != -1 or buf.find(b":row", 0, end) != -1:
        return None  # perhaps prefixed tags (<x:c>)
    last_row = last_column = text = 0
    # Every tag starting "<c" must be a usual cell (a chunk with <cols> or <cfRule> is read
    # tag by tag), every tag starting "<row" a usual row.
    cells = _USUAL_CELL.findall(buf, 0, end)
    if len(cells) != buf.count(b"<c", 0, end):
        return None
    rows = _USUAL_ROW.findall(buf, 0, end)
    if len(rows) != buf.count(b"<row", 0, end):
        return None
    # Any attribute valued "s" (t="s", t = 's' …) must be a usual shared-string cell's.
    shared = buf.count(b'"s"', 0, end) + buf.count(b"'s'", 0, end)
    if shared:
        indexes = _USUAL_SHARED.findall(buf, 0, end)
        if len(indexes) != shared:
            return None
        text = _shared_text(list(map(int, indexes)), lengths)
    if cells:
        last_row = max(map(int, set(map(_SECOND, cells))))
        last_column = max(_column_number(c) for c in set(map(_FIRST, cells)))
    if rows:
        last_row = max(last_row, *map(int, rows))
    return last_row, last_column, text


def _tag_by_tag(buf: bytes, end: int, cursor: _Cursor, lengths: array[int]) -> tuple[int, int, int]:
    """:func:`_written_as_usual` for any chunk, numbering rows and cells as calamine does: a
    row without ``r`` follows the previous row, a cell without ``r`` the previous cell of its
    row, and a shared-string cell's ``<v>`` anywhere inside it is its index."""
    last_row = last_column = text = 0
    for m in _TAG.finditer(buf, 0, end):
        closing, tag, letters, digits, rest, after = m.groups()
        empty = rest.endswith(b"/")
        if tag == b"v":
            if cursor.shared and not closing and not empty:
                index = _shared_index(after)
                text += 0 if index is None else _shared_text([index], lengths)
            continue
        if tag == b"row":
            if not closing:
                if digits:  # (the column runs on until the row closes, as in calamine)
                    cursor.row = _row_number({digits})
                elif cursor.row is None:
                    raise _Positional
                last_row = max(last_row, cursor.row)
            if closing or empty:
                cursor.row = None if cursor.row is None else cursor.row + 1
                cursor.column = 1
            continue
        if closing:
            cursor.shared = False
            continue
        if letters and digits:
            row, column = _row_number({digits}), _column_number(letters)
        elif cursor.row is None or cursor.column is None:
            raise _Positional
        else:
            row, column = cursor.row, cursor.column
        cursor.column = column + 1
        cursor.shared = not empty and _SHARED_INDEX.search(m.group(0)) is not None
        last_row, last_column = max(last_row, row), max(last_column, column)
    return last_row, last_column, text


def _shared_index(value: bytes) -> int | None:
    """The shared string a ``<v>`` names, as calamine reads it: none when empty, 0 when it is
    not a plain number."""
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) <= 18 else 0


def _shared_text(indexes: list[int], lengths: array[int]) -> int:
    """Bytes of text the cells naming these shared strings expand to (an index past the end
    makes calamine refuse the sheet, so it counts nothing)."""
    if not indexes:
        return 0
    if max(indexes) < len(lengths):
        return sum(map(lengths.__getitem__, indexes))
    return sum(lengths[i] for i in indexes if i < len(lengths))


def _row_number(digits: set[bytes]) -> int:
    longest = max(digits, key=len)
    return 10**12 if len(longest) > 12 else max(map(int, digits))


def _column_number(letters: bytes | str) -> int:
    """A1-style column letters → 1-based number (A = 1, XFD = 16,384)."""
    if len(letters) > 8:
        return 10**12
    number = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        number = number * 26 + ord(ch) - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_dimension(name: str, ref: str, limits: ReadLimits) -> None:
    """The area a sheet declares (openpyxl pads every row to it when it reads the sheet)."""
    corners = [_CELL_REF.fullmatch(part.strip()) for part in ref.split(":")]
    if not corners or any(c is None for c in corners):
        return  # not a dimension calamine could read either
    rows = max(int(c.group(2)) if len(c.group(2)) <= 12 else 10**12 for c in corners if c)
    columns = max(_column_number(c.group(1)) for c in corners if c)
    _check_area(
        f"工作表「{name}」声明的数据区域 {ref} 共",
        f"sheet {name!r} declares the area {ref}, that is",
        rows,
        columns,
        limits,
    )


def _check_extent(name: str, last_row: int, last_column: int, limits: ReadLimits) -> None:
    """The sheet from A1 to its last row and column: what calamine allocates when A1 is filled,
    and what openpyxl pads rows to."""
    if last_row == 0 and last_column == 0:
        return
    last_row, last_column = max(last_row, 1), max(last_column, 1)
    area = f"A1:{_column_letters(last_column)}{last_row}"
    _check_area(
        f"工作表「{name}」的数据区域 {area} 共",
        f"sheet {name!r} spans {area}, that is",
        last_row,
        last_column,
        limits,
    )


def _shared_string_lengths(
    book: zipfile.ZipFile, part: zipfile.ZipInfo, limits: ReadLimits
) -> array[int]:
    """Each shared string's text size, by index: the bytes inside its ``<t>`` runs (not the
    phonetic ones), still XML-escaped, so at least the UTF-8 size of the text they hold
    (4 GiB and more is counted as 4 GiB).

    Both readers hold every shared string as an object of its own (≈ 24 bytes in calamine,
    ≈ 60 in openpyxl) however short: more strings than the cell limit are refused.
    """
    lengths = array("I")
    size, start, phonetic = 0, -1, False
    for buf, end, base in _segments(book, part):
        for m in _SST_TAG.finditer(buf, 0, end):
            closing, tag = m.group(1), m.group(2)
            empty = m.group(0).endswith(b"/>")
            if tag == b"si":
                if closing or empty:
                    lengths.append(min(size, 0xFFFFFFFF))
                    if len(lengths) > limits.max_cells:
                        _refuse(
                            "file.too_large",
                            (
                                f"工作簿至少有 {len(lengths)} 条共享文本，超过上限"
                                f" {limits.max_cells} 个单元格",
                                f"the workbook holds at least"
                                f" {len(lengths):,} shared strings, more than the limit of"
                                f" {limits.max_cells:,} cells",
                            ),
                        )
                size, start, phonetic = 0, -1, False
            elif tag == b"rPh":
                phonetic = not closing and not empty
            elif closing:
                if start >= 0:
                    size += base + m.start() - start
                start = -1
            elif not empty and not phonetic:
                start = base + m.end()
    return lengths


def _tags(
    book: zipfile.ZipFile, part: zipfile.ZipInfo, pattern: re.Pattern[bytes]
) -> Iterator[bytes]:
    """The tags of ``part`` that ``pattern`` matches, streamed."""
    for buf, end, _ in _segments(book, part):
        for m in pattern.finditer(buf, 0, end):
            yield m.group(0)


def _segments(book: zipfile.ZipFile, part: zipfile.ZipInfo) -> Iterator[tuple[bytes, int, int]]:
    """``part`` in pieces ``(buffer, end, offset)``: ``buffer[:end]`` holds only whole tags,
    and a cell's opening tag together with its ``<v>`` value; ``offset`` is where the buffer
    starts in the part. What is cut off is carried into the next buffer, so a tag split
    across chunks is seen whole; text between tags is never carried, so a 300 MB string
    costs one chunk of memory.
    """
    carry, offset = b"", 0
    for chunk in _member_chunks(book, part):
        buf = carry + chunk
        end = _cut(buf)
        yield buf, end, offset
        carry, offset = buf[end:], offset + end
        if len(carry) > _MAX_TAG:
            _refuse(
                "file.corrupt",
                (
                    f"工作簿中的 {part.filename} 含有超过 {_size(_MAX_TAG)} 的 XML 标记，文件已损坏"
                    f"",
                    f"{part.filename} in the workbook has an XML tag longer than"
                    f" {_size(_MAX_TAG)}: the file is damaged",
                ),
            )
    if carry:
        yield carry, len(carry), offset


def _cut(buf: bytes) -> int:
    """Where the whole-tag part of ``buf`` ends (see :func:`_segments`)."""
    lt = buf.rfind(b"<")
    if lt == -1:
        return len(buf)
    if buf.find(b">", lt) == -1:
        return lt  # an unfinished tag
    if _OPENS_CELL.match(buf, lt) and _SHARED_INDEX.search(buf, lt):
        return lt  # a shared-string cell whose value is still to come
    if _OPENS_VALUE.match(buf, lt):  # a value, perhaps not whole yet
        before = buf.rfind(b"<", 0, lt)
        if before != -1 and _OPENS_CELL.match(buf, before):
            return before  # keep <c …><v> together
        return lt
    return len(buf)


def _member_chunks(book: zipfile.ZipFile, part: zipfile.ZipInfo) -> Iterator[bytes]:
    """The unpacked bytes of ``part`` in chunks, through :mod:`zipfile`, CRC checked.

    zipfile stops at the size a part declares; it is asked for one byte more, so a part that
    holds more than it declares — what another reader would unpack in full — is caught. The
    CRC is then checked here (zipfile would check it against the byte too many first).
    """
    probe = copy.copy(part)
    probe.file_size = part.file_size + 1
    del probe.CRC
    total, crc = 0, 0
    with book.open(probe) as fh:
        while chunk := fh.read(_CHUNK):
            total += len(chunk)
            if total > part.file_size:
                _refuse(
                    "file.corrupt",
                    (
                        f"工作簿中的 {part.filename} 解压后超过其声明的 {part.file_size} 字节，"
                        f"文件已损坏或被篡改",
                        f"{part.filename} in the workbook holds more than the"
                        f" {part.file_size:,} bytes it declares: the file is damaged or tampered with",
                    ),
                )
            crc = zlib.crc32(chunk, crc)
            yield chunk
    if total != part.file_size or crc != part.CRC:
        raise zipfile.BadZipFile(f"{part.filename}: size or CRC differs from the declared")
