"""Reading files: formats, encodings, header location and spreadsheet row numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from feidi.io import InputError, Issue, dataset_from_frame, read_dataset, validate_file
from feidi.reference import make_credit_code

CODE_A = make_credit_code("91330000MA2XXXXX0")
CODE_B = make_credit_code("91330200MA2YYYYY1")

ENGLISH = ["credit_code", "year", "revenue", "main_revenue", "name", "honors", "rd_institution"]
CHINESE = [
    "统一社会信用代码",
    "年度",
    "营业收入(万元)",
    "主营业务收入（万元）",
    "企业名称",
    "荣誉资质",
    "研发机构级别",
]
ROWS = [
    [CODE_A, "2022", "1000", "900", "", "", ""],
    [CODE_A, "2023", "1100", "950", "", "", ""],
    [CODE_A, "2024", "1200", "1000", "甲公司", "高新技术企业", "省级"],
    [CODE_B, "2022", "500", "400", "乙公司", "", "none"],
    [CODE_B, "2023", "600", "500", "乙公司", "", "none"],
    [CODE_B, "2024", "700", "600", "乙公司", "", "none"],
]


def _csv_text(rows: list[list[str]], separator: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.write_bytes(_csv_text(rows).encode(encoding))
    return path


def _write_xlsx(path: Path, rows: list[list[object]], sheet: str = "数据") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None and value != "":
                ws.cell(row=r, column=c, value=value)
    book.save(path)
    return path


def _numeric(row: list[str]) -> list[object]:
    """A data row as Excel stores it: numbers as numbers (the year as a float, 2024.0)."""
    code, year, revenue, main, *rest = row
    return [code, float(year), float(revenue), int(main), *rest]


def test_read_dataset_chinese_and_english_headers_give_same_dataset(tmp_path: Path) -> None:
    english, _ = read_dataset(_write_csv(tmp_path / "en.csv", [ENGLISH, *ROWS]))
    chinese, report = read_dataset(_write_csv(tmp_path / "zh.csv", [CHINESE, *ROWS]))

    assert_frame_equal(chinese.firms, english.firms)
    assert_frame_equal(chinese.financials, english.financials)
    assert report.columns == dict(zip(CHINESE, ENGLISH, strict=True))
    assert chinese.firms.select("credit_code", "name", "honors", "rd_institution").rows() == [
        (CODE_A, "甲公司", "high_tech", "provincial"),
        (CODE_B, "乙公司", "", "none"),
    ]


def test_read_dataset_title_row_above_header_keeps_spreadsheet_row_numbers(
    tmp_path: Path,
) -> None:
    bad = [row.copy() for row in ROWS]
    bad[4][2] = "六百"  # CODE_B 2023 revenue
    rows = [["XX市2025年企业数据汇总表"], [], CHINESE, bad[0], [], *bad[1:]]
    path = _write_csv(tmp_path / "titled.csv", rows)

    report = validate_file(path)

    # Title on row 1, blank row 2, header row 3; data rows 4, (blank 5), 6, 7, 8, 9, 10.
    assert report.errors == (
        Issue(
            "error",
            "titled.csv",
            9,
            "营业收入(万元)",
            "六百",
            "营业收入「六百」不是数字",
            "number.parse",
            reason_en="Revenue: '六百' is not a number",
        ),
    )
    assert report.rows == 6
    assert report.firms == 2


def test_read_dataset_xlsx_matches_csv_and_numbers_rows_as_excel(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [],
        ["XX市2025年企业数据汇总表"],
        [*CHINESE],
        *[_numeric(r) for r in ROWS[:3]],
        [],
        *[_numeric(r) for r in ROWS[3:]],
    ]
    xlsx, _ = read_dataset(_write_xlsx(tmp_path / "firms.xlsx", rows))
    csv_data, _ = read_dataset(_write_csv(tmp_path / "firms.csv", [CHINESE, *ROWS]))

    assert_frame_equal(xlsx.firms, csv_data.firms)
    assert_frame_equal(xlsx.financials, csv_data.financials)

    rows[8][3] = 9999  # CODE_B 2023: main revenue above revenue, sheet row 9
    report = validate_file(_write_xlsx(tmp_path / "bad.xlsx", rows))
    assert [(i.row, i.column, i.value, i.code) for i in report.errors] == [
        (9, "主营业务收入（万元）", "9999", "main_revenue.above_revenue")
    ]


def test_read_dataset_xlsx_reads_the_named_sheet(tmp_path: Path) -> None:
    path = _write_xlsx(tmp_path / "book.xlsx", [["封面"]], sheet="封面")
    book = openpyxl.load_workbook(path)
    data_sheet = book.create_sheet("数据")
    for row in [ENGLISH, *ROWS]:
        data_sheet.append(row)
    book.save(path)

    data, report = read_dataset(path, sheet="数据")

    assert data.financials.height == 6
    assert report.ok
    first_sheet = validate_file(path)
    assert [i.code for i in first_sheet.issues] == ["header.missing"]


def test_read_dataset_unknown_sheet_is_a_single_error(tmp_path: Path) -> None:
    path = _write_xlsx(tmp_path / "book.xlsx", [ENGLISH, *ROWS])

    with pytest.raises(InputError) as caught:
        read_dataset(path, sheet="2025")

    assert [(i.code, i.row, i.column) for i in caught.value.report.issues] == [
        ("file.sheet", None, None)
    ]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_read_dataset_reads_chinese_office_encodings(tmp_path: Path, encoding: str) -> None:
    path = _write_csv(tmp_path / "firms.csv", [CHINESE, *ROWS], encoding=encoding)

    data, report = read_dataset(path)

    assert report.columns == dict(zip(CHINESE, ENGLISH, strict=True))
    assert data.firms.get_column("name").to_list() == ["甲公司", "乙公司"]


def test_read_dataset_reads_excel_unicode_text_export(tmp_path: Path) -> None:
    path = tmp_path / "firms.txt"
    path.write_bytes(_csv_text([CHINESE, *ROWS], separator="\t").encode("utf-16"))

    data, _ = read_dataset(path)

    assert data.financials.get_column("revenue").to_list() == [1000, 1100, 1200, 500, 600, 700]


def test_read_dataset_parquet_rows_numbered_as_if_a_header_row(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "credit_code": [CODE_A, CODE_A, CODE_A],
            "year": [2022, 2023, 2024],
            "revenue": [1000.0, -5.0, 1200.0],
        }
    )
    path = tmp_path / "firms.parquet"
    frame.write_parquet(path)

    report = validate_file(path)

    assert report.errors == (
        Issue(
            "error",
            "firms.parquet",
            3,
            "revenue",
            "-5",
            "营业收入不能为负数（-5）",
            "range.negative",
            reason_en="Revenue cannot be negative (-5)",
        ),
    )


def test_read_dataset_typed_parquet_equals_text_csv(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "credit_code": [CODE_A, CODE_A, CODE_A],
            "year": [2022, 2023, 2024],
            "revenue": [1000.0, 1100.0, 1200.0],
            "strategic_emerging": [None, None, True],
            "employees": [10, 11, 12],
        }
    )
    frame.write_parquet(tmp_path / "typed.parquet")
    text = frame.with_columns(
        pl.col("strategic_emerging").replace_strict({True: "是"}, default=None)
    ).cast(pl.String)
    text.write_csv(tmp_path / "text.csv")

    typed, _ = read_dataset(tmp_path / "typed.parquet")
    from_csv, _ = read_dataset(tmp_path / "text.csv")

    assert_frame_equal(typed.firms, from_csv.firms)
    assert_frame_equal(typed.financials, from_csv.financials)


def test_read_dataset_unknown_suffix_is_a_single_error(tmp_path: Path) -> None:
    path = tmp_path / "firms.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")

    with pytest.raises(InputError) as caught:
        read_dataset(path)

    assert [(i.severity, i.file, i.code) for i in caught.value.report.issues] == [
        ("error", "firms.xls", "file.suffix")
    ]
    assert str(caught.value).startswith("firms.xls: 1 个错误、0 个警告，文件未被采用")


def test_read_dataset_missing_file_is_a_single_error(tmp_path: Path) -> None:
    report = validate_file(tmp_path / "nowhere.csv")

    assert [(i.code, i.row) for i in report.issues] == [("file.unreadable", None)]
    assert not report.ok


def test_read_dataset_missing_year_column_is_a_single_error(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "营业收入", "英文名"], [CODE_A, "abc", "x"]]
    path = _write_csv(tmp_path / "no_year.csv", rows)

    with pytest.raises(InputError) as caught:
        read_dataset(path)

    assert caught.value.report.issues == (
        Issue(
            "error",
            "no_year.csv",
            1,
            None,
            None,
            "缺少必需的列：年度(year)（在前10行中查找表头）",
            "header.missing",
            reason_en="required column(s) missing: year"
            " (the header is looked for in the first 10 rows)",
        ),
    )


def test_read_dataset_unknown_header_is_ignored_with_a_warning(tmp_path: Path) -> None:
    rows = [[*ENGLISH, "备注", ""], *[[*r, "ok", ""] for r in ROWS]]
    data, report = read_dataset(_write_csv(tmp_path / "extra.csv", rows))

    assert report.warnings == (
        Issue(
            "warning",
            "extra.csv",
            1,
            "备注",
            "备注",
            "无法识别的表头「备注」，该列已忽略",
            "header.unknown",
            reason_en="unknown header '备注'; the column is ignored",
        ),
    )
    assert report.ignored_columns == ("备注",)
    assert "备注" not in data.firms.columns


def test_read_dataset_two_headers_for_one_field_is_an_error(tmp_path: Path) -> None:
    rows = [[*ENGLISH, "营业总收入"], *[[*r, "1"] for r in ROWS]]

    report = validate_file(_write_csv(tmp_path / "twice.csv", rows))

    assert [(i.severity, i.row, i.column, i.code) for i in report.issues] == [
        ("error", 1, "营业总收入", "header.duplicate")
    ]


def test_read_dataset_skips_blank_rows_silently(tmp_path: Path) -> None:
    rows = [ENGLISH, ROWS[0], [], ["", " ", "", "", "", "", ""], *ROWS[1:]]

    data, report = read_dataset(_write_csv(tmp_path / "blank.csv", rows))

    assert report.issues == ()
    assert report.rows == 6
    assert data.financials.height == 6


def test_read_dataset_header_only_file_warns_no_rows(tmp_path: Path) -> None:
    data, report = read_dataset(_write_csv(tmp_path / "empty.csv", [ENGLISH]))

    assert [(i.severity, i.row, i.code) for i in report.issues] == [("warning", 1, "file.no_rows")]
    assert (data.firms.height, data.financials.height) == (0, 0)


def test_dataset_from_frame_numbers_rows_like_parquet() -> None:
    frame = pl.DataFrame({"credit_code": [CODE_A, "BAD"], "year": ["2024", "2024"]})

    with pytest.raises(InputError) as caught:
        dataset_from_frame(frame, file="demo")

    assert [(i.file, i.row, i.column, i.value, i.code) for i in caught.value.report.errors] == [
        ("demo", 3, "credit_code", "BAD", "credit_code.length")
    ]


def test_xlsx_openpyxl_fallback_reads_cells_as_calamine_does(tmp_path: Path) -> None:
    import fastexcel

    from feidi.io._read import _xlsx_grid_openpyxl

    rows: list[list[object]] = [
        [CODE_A, 2024.0, 1234.5, 7, True, "  甲公司 ", None, "innovative@2023-07-01"],
    ]
    path = _write_xlsx(tmp_path / "cells.xlsx", rows)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    assert sheet is not None

    fallback = _xlsx_grid_openpyxl(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    calamine = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, dtypes="string")

    assert fallback.row(0) == calamine.to_polars().row(0)


# --- encodings that must not be read as GBK ------------------------------------------------

BIG5_HEADER = ["統一社會信用代碼", "年度", "營業收入(萬元)", "企業名稱", "所屬鄉鎮"]
BIG5_NAMES = ["臺灣積體電路製造股份有限公司", "新竹精密機械實業有限公司", "高雄鋼鐵企業社"]
SJIS_HEADER = ["法人番号", "年度", "売上高(万円)", "会社名", "所在地"]
SJIS_NAMES = ["株式会社山田製作所", "さくら精機株式会社", "東京エレクトロン株式会社"]


def _rows(header: list[str], names: list[str], n: int) -> list[list[str]]:
    return [
        header,
        *[[CODE_A, str(2022 + i % 3), str(100 + i), names[i % 3], ""] for i in range(n)],
    ]


@pytest.mark.parametrize("n", [1, 3000])
@pytest.mark.parametrize(
    ("encoding", "header", "names", "zh", "en"),
    [
        ("big5", BIG5_HEADER, BIG5_NAMES, "繁体中文 Big5", "Big5 (Traditional Chinese)"),
        ("shift_jis", SJIS_HEADER, SJIS_NAMES, "日文 Shift-JIS", "Shift-JIS (Japanese)"),
        (
            "cp932",
            SJIS_HEADER,
            [*SJIS_NAMES[:2], "㈱ひかり通信"],
            "日文 Shift-JIS",
            "Shift-JIS (Japanese)",
        ),
    ],
)
def test_read_dataset_refuses_big5_and_shift_jis_naming_the_encoding(
    tmp_path: Path, encoding: str, header: list[str], names: list[str], zh: str, en: str, n: int
) -> None:
    path = _write_csv(tmp_path / "firms.csv", _rows(header, names, n), encoding=encoding)

    report = validate_file(path)

    assert report.issues == (
        Issue(
            "error",
            "firms.csv",
            None,
            None,
            None,
            f"文件看起来是{zh} 编码，按简体中文(GBK)读取会成为乱码；请另存为 UTF-8（或 GBK）编码的"
            f" CSV",
            "file.encoding",
            reason_en=f"the file looks like {en} text, which read as Chinese GBK would be garbled;"
            " save it as UTF-8 (or GBK) CSV",
        ),
    )


RARE_NAMES = ["常熟镕喆科技有限公司", "苏州堃珺精密机械有限公司", "昇"]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
@pytest.mark.parametrize("header", [CHINESE[:5], ENGLISH[:5]])
@pytest.mark.parametrize("n", [1, 3000])
def test_read_dataset_reads_gbk_names_with_rare_characters(
    tmp_path: Path, encoding: str, header: list[str], n: int
) -> None:
    codes = [make_credit_code(f"91320581MA{i:07d}") for i in range(max(n // 3, 1))]
    rows = [
        [codes[i // 3], str(2022 + i % 3), "1", "", RARE_NAMES[i % 3] if i % 3 == 0 else ""]
        for i in range(n)
    ]
    path = _write_csv(tmp_path / "firms.csv", [header, *rows], encoding=encoding)

    data, report = read_dataset(path)

    assert report.errors == ()
    assert data.firms.get_column("name").to_list() == [RARE_NAMES[0]] * len(codes)


@pytest.mark.parametrize(
    ("encoding", "name"), [("utf-16-le", "UTF-16 LE"), ("utf-16-be", "UTF-16 BE")]
)
def test_read_dataset_refuses_utf16_without_a_byte_order_mark(
    tmp_path: Path, encoding: str, name: str
) -> None:
    path = tmp_path / "firms.txt"
    path.write_bytes(_csv_text([CHINESE, *ROWS], separator="\t").encode(encoding))

    report = validate_file(path)

    assert report.issues == (
        Issue(
            "error",
            "firms.txt",
            None,
            None,
            None,
            f"文件看起来是没有字节顺序标记(BOM)的 {name} 文本，无法可靠读取；请另存为 UTF-8"
            f" 编码的 CSV",
            "file.encoding",
            reason_en=f"the file looks like {name} text without a byte-order mark, which"
            " cannot be read reliably; save it as UTF-8 CSV",
        ),
    )


# --- messages name the file, never its directory -------------------------------------------


def test_read_dataset_missing_file_names_only_the_file(tmp_path: Path) -> None:
    report = validate_file(tmp_path / "stored" / "nowhere.csv")

    assert [(i.file, i.bilingual) for i in report.issues] == [
        ("nowhere.csv", "找不到文件 nowhere.csv / file not found: nowhere.csv")
    ]


def test_read_dataset_parser_message_names_no_directory(tmp_path: Path) -> None:
    path = _write_xlsx(tmp_path / "broken.xlsx", [ENGLISH, *ROWS])
    with zipfile.ZipFile(path) as book:
        parts = {n: book.read(n) for n in book.namelist()}
    # the sheet's relationship is missing: calamine cannot open the workbook and says where
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b'Id="rId1"', b'Id="rId9"'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)

    report = validate_file(path)

    assert [i.code for i in report.issues] == ["file.unreadable"]
    reason = report.issues[0].bilingual
    assert "broken.xlsx" in reason
    assert str(tmp_path) not in reason
    assert "/tmp" not in reason
