"""The report: error/warning split, the per-code cap, and writing it for people."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from feidi.io import ISSUE_CAP, InputError, InputReport, Issue, dataset_from_frame, write_report
from feidi.reference import make_credit_code

ERROR = Issue(
    "error",
    "城区.csv",
    4,
    "营业收入",
    "abc",
    "营业收入「abc」不是数字",
    "number.parse",
    reason_en="Revenue: 'abc' is not a number",
)
WARNING = Issue(
    "warning",
    "城区.csv",
    5,
    "研发费用",
    "900",
    "研发费用(900)大于营业收入(800)",
    "rd_expense.above_revenue",
    reason_en="R&D",
)


def _report(*issues: Issue, truncated: dict[str, int] | None = None) -> InputReport:
    return InputReport(
        file="城区.csv",
        issues=issues,
        rows=3,
        firms=1,
        columns={"营业收入": "revenue"},
        ignored_columns=(),
        truncated=truncated or {},
    )


def test_input_report_splits_errors_and_warnings() -> None:
    report = _report(ERROR, WARNING)

    assert report.errors == (ERROR,)
    assert report.warnings == (WARNING,)
    assert not report.ok
    assert _report(WARNING).ok


def test_input_error_str_is_one_bilingual_line() -> None:
    error = InputError(_report(ERROR, WARNING, truncated={"number.parse": 4}))

    assert str(error) == (
        "城区.csv: 5 个错误、1 个警告，文件未被采用 / 5 error(s), 1 warning(s); the file was not"
        " used — row 4, 营业收入: 营业收入「abc」不是数字 / Revenue: 'abc' is not a number"
    )
    assert error.report.truncated == {"number.parse": 4}


def test_dataset_from_frame_lists_at_most_the_cap_per_code() -> None:
    n = ISSUE_CAP + 5
    frame = pl.DataFrame(
        {
            "credit_code": [make_credit_code(f"9133000{i:010d}") for i in range(n)],
            "year": ["2024"] * n,
            "revenue": ["abc"] * n,
            "main_revenue": ["-1"] * 3 + [""] * (n - 3),
        }
    )

    with pytest.raises(InputError) as caught:
        dataset_from_frame(frame)

    report = caught.value.report
    assert sum(1 for i in report.issues if i.code == "number.parse") == ISSUE_CAP
    assert sum(1 for i in report.issues if i.code == "range.negative") == 3
    assert report.truncated == {"number.parse": 5, "years.too_few": 5}
    assert [i.row for i in report.issues if i.code == "number.parse"][:3] == [2, 3, 4]


def test_write_report_csv_is_excel_friendly_utf8(tmp_path: Path) -> None:
    path = tmp_path / "问题.csv"

    write_report(_report(ERROR, WARNING, truncated={"number.parse": 2}), path)

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pl.read_csv(path, infer_schema=False).rows() == [
        (
            "error",
            "城区.csv",
            "4",
            "营业收入",
            "abc",
            ERROR.reason,
            ERROR.reason_en,
            "number.parse",
        ),
        (
            "warning",
            "城区.csv",
            "5",
            "研发费用",
            "900",
            WARNING.reason,
            WARNING.reason_en,
            "rd_expense.above_revenue",
        ),
        (
            "error",
            "城区.csv",
            None,
            None,
            None,
            "另有 2 条同类问题未列出",
            "2 more issues with this code were not listed",
            "number.parse",
        ),
    ]


def test_write_report_json_keeps_chinese_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "issues.json"

    write_report(_report(ERROR), path)

    assert json.loads(path.read_text("utf-8")) == [
        {
            "severity": "error",
            "file": "城区.csv",
            "row": 4,
            "column": "营业收入",
            "value": "abc",
            "reason": ERROR.reason,
            "reason_en": ERROR.reason_en,
            "code": "number.parse",
        }
    ]
    assert "营业收入" in path.read_text("utf-8")


def test_write_report_xlsx_has_one_row_per_issue(tmp_path: Path) -> None:
    path = tmp_path / "issues.xlsx"

    write_report(_report(ERROR, WARNING), path)

    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["severity", "file", "row", "column", "value", "reason", "reason_en", "code"],
        ["error", "城区.csv", 4, "营业收入", "abc", ERROR.reason, ERROR.reason_en, "number.parse"],
        [
            "warning",
            "城区.csv",
            5,
            "研发费用",
            "900",
            WARNING.reason,
            WARNING.reason_en,
            "rd_expense.above_revenue",
        ],
    ]


def test_write_report_refuses_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported report format"):
        write_report(_report(ERROR), tmp_path / "issues.txt")

    assert list(tmp_path.iterdir()) == []
