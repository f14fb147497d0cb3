"""Read limits: hostile files are refused before any reader sees them, in bounded memory.

Each hostile file is built here, small on disk: an XLSX cell at XFD1048576, a declared
A1:XFD1048576, a 300 MB shared string, a zip part lying about its size, a Parquet file of
30,000,000 dictionary-encoded rows. Also the text checks that keep a cell storable: control
characters and the length of the database column.
"""

from __future__ import annotations

import re
import resource
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from feidi.io import (
    DEFAULT_LIMITS,
    InputError,
    InputReport,
    Issue,
    ReadLimits,
    read_dataset,
    validate_file,
)
from feidi.reference import make_credit_code

CODE = make_credit_code("91330000MA2XXXXX0")
#: What the web platform passes for uploads (feidi_web settings, FEIDI_IMPORT_LIMITS).
WEB = ReadLimits(
    max_rows=1_000_000, max_columns=256, max_cells=20_000_000, max_uncompressed_bytes=256 * 2**20
)
#: Peak memory a refusal may take, whatever the file describes.
REFUSAL_MB = 200

T = TypeVar("T")


def _peak_growth_mb(run: Callable[[], T]) -> tuple[T, float]:
    """``run()`` and the larger of its growth of the process's peak RSS and its peak Python
    allocation (the check is Python; a reader it let through would be native)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        result = run()
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return result, max(grown_kib / 1024, python_peak / 2**20)


def _only_issue(report: InputReport) -> Issue:
    assert len(report.issues) == 1, report.issues
    assert (report.rows, report.firms, report.columns) == (0, 0, {})
    return report.issues[0]


# --- a minimal workbook, part by part ----------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_SST_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _sheet(data: str, dimension: str | None = None, prefix: str = "") -> str:
    ns = f"xmlns:{prefix[:-1]}" if prefix else "xmlns"
    dim = f'<{prefix}dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<{prefix}worksheet {ns}="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<{prefix}sheetData>{data}</{prefix}sheetData></{prefix}worksheet>"
    )


def _workbook(path: Path, sheet: str, shared: Iterable[bytes] | None = None) -> Path:
    """A valid .xlsx with one sheet; ``shared`` is streamed into xl/sharedStrings.xml."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            with book.open("xl/sharedStrings.xml", "w") as part:
                for piece in shared:
                    part.write(piece)
    return path


def _one_shared_string(size: int) -> Iterable[bytes]:
    """<sst> holding one string of ``size`` × "A", a megabyte at a time."""
    yield _SST_OPEN + b'<si><t xml:space="preserve">'
    block = b"A" * 2**20
    for _ in range(size // len(block)):
        yield block
    yield b"A" * (size % len(block)) + b"</t></si></sst>"


# --- XLSX ---------------------------------------------------------------------------------


def test_check_limits_refuses_a_single_cell_at_xfd1048576(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "far.xlsx", _sheet('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    )
    assert path.stat().st_size < 2_000

    report, grown = _peak_growth_mb(lambda: validate_file(path, limits=WEB))

    assert _only_issue(report) == Issue(
        "error",
        "far.xlsx",
        None,
        None,
        None,
        "工作表「Sheet1」的数据区域 A1:XFD1048576 共 1048576 行 × 16384 列"
        "（17179869184 个单元格），超过上限 1000000 行"
        "",
        "file.too_large",
        reason_en="sheet 'Sheet1' spans A1:XFD1048576, that is 1,048,576 rows × 16,384 columns"
        " (17,179,869,184 cells), more than the limit of 1,000,000 rows",
    )
    assert grown < REFUSAL_MB


def test_check_limits_names_the_limit_exceeded_columns_then_cells(tmp_path: Path) -> None:
    wide = _workbook(tmp_path / "wide.xlsx", _sheet('<row r="2"><c r="IW2"><v>1</v></c></row>'))
    # 2 rows × 257 columns: the column limit
    assert _only_issue(validate_file(wide, limits=WEB)).bilingual.endswith(
        "2 rows × 257 columns, more than the limit of 256 columns"
    )
    # 100,000 rows × 250 columns: within both, but 25,000,000 cells
    big = _workbook(
        tmp_path / "big.xlsx", _sheet('<row r="100000"><c r="IP100000"><v>1</v></c></row>')
    )
    assert _only_issue(validate_file(big, limits=WEB)).bilingual == (
        "工作表「Sheet1」的数据区域 A1:IP100000 共 100000 行 × 250 列（25000000 个单元格），"
        "超过上限 20000000 个单元格 / sheet 'Sheet1' spans A1:IP100000, that is 100,000 rows"
        " × 250 columns (25,000,000 cells), more than the limit of 20,000,000 cells"
    )


def test_check_limits_refuses_a_declared_dimension_of_the_whole_sheet(tmp_path: Path) -> None:
    cells = '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>'
    path = _workbook(tmp_path / "dim.xlsx", _sheet(cells, dimension="A1:XFD1048576"))

    issue = _only_issue(validate_file(path, limits=WEB))

    assert (issue.code, issue.bilingual) == (
        "file.too_large",
        "工作表「Sheet1」声明的数据区域 A1:XFD1048576 共 1048576 行 × 16384 列"
        "（17179869184 个单元格），超过上限 1000000 行"
        " / sheet 'Sheet1' declares the area A1:XFD1048576, that is 1,048,576 rows × 16,384"
        " columns (17,179,869,184 cells), more than the limit of 1,000,000 rows",
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # rows and cells without r: positions follow calamine's numbering
        ("positional", '<row r="7"><c><v>1</v></c>' + "<c><v>1</v></c>" * 299 + "</row>"),
        # r left implicit, then a row counted on from the previous one
        ("rows", '<row r="1000000"><c r="A1000000"><v>1</v></c></row><row><c><v>1</v></c></row>'),
        # namespace prefix and attributes in another order
        ("prefixed", '<x:row r="1"><x:c s="0" r="ZZ1"><x:v>1</x:v></x:c></x:row>'),
    ],
)
def test_check_limits_follows_cells_however_the_sheet_spells_them(
    tmp_path: Path, name: str, data: str
) -> None:
    prefix = "x:" if name == "prefixed" else ""
    path = _workbook(tmp_path / f"{name}.xlsx", _sheet(data, prefix=prefix))

    issue = _only_issue(validate_file(path, limits=WEB))

    expected = {
        "positional": "300 columns, more than the limit of 256 columns",
        "rows": "1,000,001 rows × 1 columns, more than the limit of 1,000,000 rows",
        "prefixed": "702 columns, more than the limit of 256 columns",
    }
    assert issue.code == "file.too_large"
    assert issue.bilingual.endswith(expected[name])


def test_check_limits_numbers_implicit_rows_after_a_chunk_read_the_fast_way(
    tmp_path: Path,
) -> None:
    # 40,000 usual rows (1.6 MB: several chunks), then one row without r: row 40,001
    usual = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(1, 40_001))
    path = _workbook(tmp_path / "late.xlsx", _sheet(usual + "<row><c><v>1</v></c></row>"))
    limits = ReadLimits(
        max_rows=40_000, max_columns=256, max_cells=20_000_000, max_uncompressed_bytes=2**30
    )

    assert _only_issue(validate_file(path, limits=limits)).bilingual.endswith(
        "A1:A40001, that is 40,001 rows × 1 columns, more than the limit of 40,000 rows"
    )


def test_check_limits_reads_a_positional_sheet_within_the_limits(tmp_path: Path) -> None:
    rows = [
        ("credit_code", "year", "revenue"),
        *[(CODE, str(year), str(year - 2000)) for year in (2022, 2023, 2024)],
    ]
    data = "".join(
        "<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in row) + "</row>"
        for row in rows
    )
    path = _workbook(tmp_path / "positional.xlsx", _sheet(data))

    dataset, report = read_dataset(path, limits=WEB)

    assert report.ok
    assert dataset.financials.get_column("revenue").to_list() == [22.0, 23.0, 24.0]


def test_check_limits_refuses_a_300_mb_shared_string_unread(tmp_path: Path) -> None:
    size = 300 * 2**20
    cell = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    path = _workbook(tmp_path / "sst.xlsx", _sheet(cell), shared=_one_shared_string(size))
    assert path.stat().st_size < 2 * 2**20

    report, grown = _peak_growth_mb(lambda: validate_file(path, limits=WEB))

    issue = _only_issue(report)
    assert (issue.code, issue.bilingual) == (
        "file.too_large",
        "工作簿解压后共 300 MiB，超过上限 256 MiB"
        " / the workbook unpacks to 300 MiB, more than the limit of 256 MiB",
    )
    assert grown < REFUSAL_MB


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="A{r}" s="1" t="s"><v>0</v></c>',  # as Excel writes it
        '<c r="A{r}" t="s"><f>x</f><v>0</v></c>',  # calamine takes the last child's value
        '<c r="A{r}" t="s"><v>zero</v></c>',  # not a number: calamine reads string 0
        "<c t = 's'>\n  <v>0</v>\n</c>",  # no reference, spaces around =
    ],
)
def test_check_limits_counts_a_shared_string_once_per_cell_using_it(
    tmp_path: Path, cell: str
) -> None:
    # 2 MiB of text, shown in 200 cells: 400 MiB once the reader writes each cell out
    cells = "".join(f'<row r="{r}">{cell.format(r=r)}</row>' for r in range(1, 201))
    path = _workbook(tmp_path / "reuse.xlsx", _sheet(cells), shared=_one_shared_string(2 * 2**20))

    report, grown = _peak_growth_mb(lambda: validate_file(path, limits=WEB))

    issue = _only_issue(report)
    assert issue.code == "file.too_large"
    assert issue.bilingual.startswith("工作表「Sheet1」的单元格引用的共享文本展开后共 400 MiB")
    assert issue.bilingual.endswith(
        "the shared text that the cells of sheet 'Sheet1' refer to expands to 400 MiB,"
        " more than the limit of 256 MiB"
    )
    assert grown < REFUSAL_MB


def test_check_limits_refuses_more_shared_strings_than_cells(tmp_path: Path) -> None:
    strings = [_SST_OPEN, b"<si><t>a</t></si>" * 1001, b"</sst>"]
    path = _workbook(
        tmp_path / "many.xlsx", _sheet('<row r="1"><c r="A1"><v>1</v></c></row>'), strings
    )
    limits = ReadLimits(
        max_rows=1_000, max_columns=10, max_cells=1_000, max_uncompressed_bytes=2**20
    )

    assert _only_issue(validate_file(path, limits=limits)).bilingual == (
        "工作簿至少有 1001 条共享文本，超过上限 1000 个单元格 / the workbook holds at least"
        " 1,001 shared strings, more than the limit of 1,000 cells"
    )


def test_check_limits_refuses_a_styles_part_too_large_to_parse_whole(tmp_path: Path) -> None:
    # openpyxl parses the styles into a tree: 17 MiB of <xf/> would take ≈ 220 MB and minutes
    path = _workbook(tmp_path / "styles.xlsx", _sheet('<row r="1"><c r="A1"><v>1</v></c></row>'))
    xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "xl/styles.xml",
            b"<styleSheet><cellXfs>" + xf * (17 * 2**20 // len(xf)) + b"</cellXfs></styleSheet>",
        )

    issue = _only_issue(validate_file(path, limits=DEFAULT_LIMITS))

    assert (issue.code, issue.bilingual) == (
        "file.too_large",
        "工作簿中需整体读入的部件 xl/styles.xml 解压后共 17 MiB，超过上限 16 MiB"
        " / xl/styles.xml, a part of the workbook that is read whole, unpacks to 17 MiB, more"
        " than the limit of 16 MiB",
    )


def _lie_about_size(path: Path, part: str, declared: int) -> None:
    """Rewrite ``part``'s sizes in the local header and the central directory as ``declared``,
    with the CRC of its first ``declared`` bytes: zipfile then finds nothing wrong when it
    reads what is declared, while a reader that inflates the whole stream gets all of it."""
    with zipfile.ZipFile(path) as book:
        info = book.getinfo(part)
        prefix = book.read(part)[:declared]
    crc = zlib.crc32(prefix)
    raw = bytearray(path.read_bytes())
    struct.pack_into("<I", raw, info.header_offset + 14, crc)
    struct.pack_into("<I", raw, info.header_offset + 22, declared)
    name = part.encode()
    central = next(
        m.start()
        for m in re.finditer(rb"PK\x01\x02", raw)
        if raw[m.start() + 46 : m.start() + 46 + len(name)] == name
    )
    struct.pack_into("<I", raw, central + 16, crc)
    struct.pack_into("<I", raw, central + 24, declared)
    path.write_bytes(bytes(raw))


def test_check_limits_refuses_a_part_holding_more_than_it_declares(tmp_path: Path) -> None:
    cell = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    path = _workbook(tmp_path / "liar.xlsx", _sheet(cell), shared=_one_shared_string(50 * 2**20))
    _lie_about_size(path, "xl/sharedStrings.xml", 1000)
    with zipfile.ZipFile(path) as book:  # what is declared reads back without a complaint
        assert len(book.read("xl/sharedStrings.xml")) == 1000

    report, grown = _peak_growth_mb(lambda: validate_file(path, limits=DEFAULT_LIMITS))

    assert _only_issue(report) == Issue(
        "error",
        "liar.xlsx",
        None,
        None,
        None,
        "工作簿中的 xl/sharedStrings.xml 解压后超过其声明的 1000 字节，文件已损坏或被篡改",
        "file.corrupt",
        reason_en="xl/sharedStrings.xml in the workbook holds more than the 1,000 bytes it declares:"
        " the file is damaged or tampered with",
    )
    assert grown < REFUSAL_MB


def test_check_limits_refuses_a_workbook_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000))  # an .xls, renamed

    assert _only_issue(validate_file(path)) == Issue(
        "error",
        "old.xlsx",
        None,
        None,
        None,
        "文件不是有效的 XLSX 工作簿（可能是改了扩展名的 .xls、已加密或已损坏）",
        "file.corrupt",
        reason_en="the file is not a valid XLSX workbook (it may be a renamed .xls, encrypted or"
        " damaged)",
    )


# --- Parquet ------------------------------------------------------------------------------


def _repeated_parquet(path: Path, text: str, groups: int, rows_per_group: int) -> Path:
    """One dictionary-encoded string column: ``groups`` × ``rows_per_group`` copies of
    ``text``, written group by group from one small array."""
    indices = pa.array([0] * rows_per_group, pa.int32())
    table = pa.table({"name": pa.DictionaryArray.from_arrays(indices, pa.array([text]))})
    with pq.ParquetWriter(path, table.schema, use_dictionary=True) as writer:
        for _ in range(groups):
            writer.write_table(table)
    return path


def test_check_limits_refuses_the_30_million_row_parquet_bomb(tmp_path: Path) -> None:
    path = _repeated_parquet(tmp_path / "bomb.parquet", "常熟市示范企业有限公司", 30, 1_000_000)
    assert path.stat().st_size < 1_000_000

    report, grown = _peak_growth_mb(lambda: validate_file(path, limits=WEB))

    assert _only_issue(report) == Issue(
        "error",
        "bomb.parquet",
        None,
        None,
        None,
        "Parquet 文件共有 30000000 行 × 1 列（30000000 个单元格），超过上限 1000000 行",
        "file.too_large",
        reason_en="the Parquet file holds 30,000,000 rows × 1 columns (30,000,000 cells), more than"
        " the limit of 1,000,000 rows",
    )
    assert grown < REFUSAL_MB


def test_check_limits_refuses_parquet_text_that_expands_past_the_limit(tmp_path: Path) -> None:
    # 10,000 rows of one 2 KB string: tiny on disk and in its pages, 20 MB written out
    path = _repeated_parquet(tmp_path / "long.parquet", "x" * 2000, 1, 10_000)
    limits = ReadLimits(
        max_rows=1_000_000, max_columns=256, max_cells=20_000_000, max_uncompressed_bytes=2**20
    )

    issue = _only_issue(validate_file(path, limits=limits))

    assert (issue.code, issue.bilingual) == (
        "file.too_large",
        "Parquet 文件中的文本展开后共 19.1 MiB，超过上限 1 MiB"
        " / the Parquet file's text expands to 19.1 MiB, more than the limit of 1 MiB",
    )


def test_check_limits_refuses_a_file_that_is_not_parquet(tmp_path: Path) -> None:
    path = tmp_path / "firms.parquet"
    path.write_text("统一社会信用代码,年度\n", "utf-8")

    assert _only_issue(validate_file(path)) == Issue(
        "error",
        "firms.parquet",
        None,
        None,
        None,
        "文件不是有效的 Parquet 文件（或已损坏）",
        "file.corrupt",
        reason_en="the file is not a valid Parquet file (or it is damaged)",
    )


# --- CSV ----------------------------------------------------------------------------------

SMALL = ReadLimits(max_rows=5, max_columns=4, max_cells=16, max_uncompressed_bytes=2**20)


def _csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("".join(f"{line}\n" for line in lines).encode(encoding))
    return path


def test_check_limits_refuses_a_csv_with_too_many_rows(tmp_path: Path) -> None:
    lines = ["credit_code,year", *[f"{CODE},{2000 + i}" for i in range(5)]]
    path = _csv(tmp_path / "long.csv", lines)

    assert _only_issue(validate_file(path, limits=SMALL)) == Issue(
        "error",
        "long.csv",
        None,
        None,
        None,
        "文件共有 6 行 × 2 列，超过上限 5 行",
        "file.too_large",
        reason_en="the file holds 6 rows × 2 columns, more than the limit of 5 rows",
    )
    assert validate_file(_csv(tmp_path / "ok.csv", lines[:5]), limits=SMALL).errors == ()


def test_check_limits_refuses_a_csv_too_wide_or_with_too_many_cells(tmp_path: Path) -> None:
    wide = _csv(tmp_path / "wide.csv", ["credit_code,year,revenue,a,b", f"{CODE},2024,1"])
    assert _only_issue(validate_file(wide, limits=SMALL)).bilingual == (
        "文件共有 2 行 × 5 列，超过上限 4 列 / the file holds 2 rows × 5 columns, more than"
        " the limit of 4 columns"
    )
    lines = ["credit_code,year,revenue,name", *[f"{CODE},{y},1,甲" for y in (2022, 2023, 2024)]]
    many = _csv(tmp_path / "many.csv", [*lines, f"{CODE},2025,1,甲"])
    assert _only_issue(validate_file(many, limits=SMALL)).bilingual == (
        "文件共有 5 行 × 4 列（20 个单元格），超过上限 16 个单元格 / the file holds 5 rows × 4"
        " columns (20 cells), more than the limit of 16 cells"
    )


def test_check_limits_counts_utf16_lines_as_characters(tmp_path: Path) -> None:
    lines = ["credit_code\tyear", *[f"{CODE}\t{2000 + i}" for i in range(5)]]
    path = _csv(tmp_path / "unicode.txt", lines, encoding="utf-16")  # with BOM, as Excel writes

    assert _only_issue(validate_file(path, limits=SMALL)).bilingual == (
        "文件共有 6 行 × 2 列，超过上限 5 行 / the file holds 6 rows × 2 columns, more than"
        " the limit of 5 rows"
    )


def test_check_limits_refuses_a_csv_larger_than_the_byte_limit(tmp_path: Path) -> None:
    path = _csv(tmp_path / "big.csv", ["credit_code,year", *[f"{CODE},2024"] * 3])
    limits = ReadLimits(max_rows=10, max_columns=10, max_cells=100, max_uncompressed_bytes=64)

    assert _only_issue(validate_file(path, limits=limits)).bilingual == (
        "文件大小为 89 B，超过上限 64 B / the file is 89 B, more than the limit of 64 B"
    )


# --- text cells ---------------------------------------------------------------------------


def _firm_csv(path: Path, name: str, town: str = "") -> Path:
    lines = ["credit_code,year,revenue,name,town"]
    lines += [f"{CODE},{y},100,{name if y == 2022 else ''},{town}" for y in (2022, 2023, 2024)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x1f", "\x7f"])
def test_validate_file_refuses_a_control_character_in_a_name(tmp_path: Path, char: str) -> None:
    shown = f"\\x{ord(char):02x}"
    path = _firm_csv(tmp_path / "firms.csv", f"甲{char}公司")

    report = validate_file(path)

    assert report.issues == (
        Issue(
            "error",
            "firms.csv",
            2,
            "name",
            f"甲{shown}公司",
            f"企业名称含有控制字符 {shown}，请删除",
            "text.control_char",
            reason_en=f"Enterprise name contains the control character(s) {shown}: delete them",
        ),
    )


def test_validate_file_keeps_tabs_and_line_breaks_inside_a_name(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    lines = ["credit_code,year,revenue,name,town"]
    lines += [f'{CODE},{y},100,"甲\t公\n司",' for y in (2022, 2023, 2024)]
    path.write_text("\n".join(lines) + "\n", "utf-8")

    data, report = read_dataset(path)

    assert report.issues == ()
    assert data.firms.get_column("name").to_list() == ["甲\t公\n司"]


def test_validate_file_refuses_a_name_or_town_longer_than_its_column(tmp_path: Path) -> None:
    path = _firm_csv(tmp_path / "firms.csv", "企" * 201, town="镇" * 101)

    report = validate_file(path)

    assert report.issues == (
        Issue(
            "error",
            "firms.csv",
            2,
            "name",
            "企" * 201,
            "企业名称超过 200 个字符（201 个）",
            "text.too_long",
            reason_en="Enterprise name is longer than 200 characters (201)",
        ),
        *(
            Issue(
                "error",
                "firms.csv",
                row,
                "town",
                "镇" * 101,
                "所属镇(街道)超过 100 个字符（101 个）",
                "text.too_long",
                reason_en="Town or subdistrict is longer than 100 characters (101)",
            )
            for row in (2, 3, 4)
        ),
    )


def test_read_dataset_accepts_a_name_of_exactly_200_characters(tmp_path: Path) -> None:
    name = "企" * 199 + "司"
    path = _firm_csv(tmp_path / "firms.csv", name, town="镇" * 100)

    data, report = read_dataset(path)

    assert report.issues == ()
    assert data.firms.select("name", "town").row(0) == (name, "镇" * 100)


def test_read_dataset_refusing_a_control_character_raises_input_error(tmp_path: Path) -> None:
    path = _firm_csv(tmp_path / "firms.csv", "甲\x00公司")

    with pytest.raises(InputError) as caught:
        read_dataset(path)

    assert [(i.row, i.column, i.code) for i in caught.value.report.issues] == [
        (2, "name", "text.control_char")
    ]
