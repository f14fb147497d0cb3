"""Input checks (CRITERIA "Input checks"): one broken cell at a time, reported exactly."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from feidi.io import InputError, Issue, read_dataset, validate_file
from feidi.reference import make_credit_code

CODE = make_credit_code("91330000MA2XXXXX0")
PILOT_CODE = "91350211M00013FA1N"  # Xiamen, issued before GB 32100-2015; fails the check

HEADER = [
    "credit_code",
    "year",
    "revenue",
    "main_revenue",
    "rd_expense",
    "net_profit",
    "total_assets",
    "total_liabilities",
    "employees",
    "rd_employees",
    "equity_financing",
    "name",
    "region_code",
    "industry_code",
    "strategic_emerging",
    "rd_institution",
    "digital_level",
    "product_field_2022",
    "honors",
    "titles",
    "chuangke_rank",
    "market_share",
    "special_score",
    "development_score",
]
FIRM_CELLS = {
    "name": "甲公司",
    "region_code": "330282",
    "industry_code": "C3670",
    "strategic_emerging": "是",
    "rd_institution": "省级",
    "digital_level": "3",
    "product_field_2022": "key_link",
    "honors": "high_tech",
    "titles": "innovative@2023-07-01",
    "chuangke_rank": "500",
    "market_share": "12.5%",
    "special_score": "10",
    "development_score": "70",
}


def _year_row(year: int) -> dict[str, str]:
    return {
        "credit_code": CODE,
        "year": str(year),
        "revenue": "1000",
        "main_revenue": "900",
        "rd_expense": "50",
        "net_profit": "80",
        "total_assets": "2000",
        "total_liabilities": "800",
        "employees": "100",
        "rd_employees": "20",
        "equity_financing": "0",
    }


def _firm_rows() -> list[dict[str, str]]:
    """A clean firm: years 2022-2024 on sheet rows 2-4, firm fields on the 2024 row only."""
    return [_year_row(2022), _year_row(2023), {**_year_row(2024), **FIRM_CELLS}]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _with(sheet_row: int, **cells: str) -> list[dict[str, str]]:
    rows = _firm_rows()
    rows[sheet_row - 2].update(cells)
    return rows


def _located(issues: tuple[Issue, ...]) -> list[tuple[str, int | None, str | None, str | None]]:
    return [(i.code, i.row, i.column, i.value) for i in issues]


def test_validate_file_clean_firm_has_no_issues(tmp_path: Path) -> None:
    report = validate_file(_write(tmp_path / "firms.csv", _firm_rows()))

    assert report.issues == ()
    assert (report.rows, report.firms) == (3, 1)


@pytest.mark.parametrize(
    ("sheet_row", "column", "value", "expected"),
    [
        (3, "credit_code", CODE[:17], [("credit_code.length", 3, "credit_code", CODE[:17])]),
        (3, "credit_code", "", [("credit_code.missing", 3, "credit_code", None)]),
        (
            2,
            "credit_code",
            "I" + CODE[1:],
            [("credit_code.alphabet", 2, "credit_code", "I" + CODE[1:])],
        ),
        (
            4,
            "credit_code",
            CODE[:17] + ("A" if CODE[17] != "A" else "B"),
            [
                (
                    "credit_code.check_digit",
                    4,
                    "credit_code",
                    CODE[:17] + ("A" if CODE[17] != "A" else "B"),
                )
            ],
        ),
        (3, "year", "二〇二三", [("year.parse", 3, "year", "二〇二三")]),
        (3, "year", "2023.5", [("year.parse", 3, "year", "2023.5")]),
        (3, "year", "", [("year.missing", 3, "year", None)]),
        (3, "year", "1900", [("range.out_of_bounds", 3, "year", "1900")]),
        (2, "revenue", "一千", [("number.parse", 2, "revenue", "一千")]),
        (2, "net_profit", "12..5", [("number.parse", 2, "net_profit", "12..5")]),
        (2, "main_revenue", "-1", [("range.negative", 2, "main_revenue", "-1")]),
        (2, "rd_expense", "-0.5", [("range.negative", 2, "rd_expense", "-0.5")]),
        (3, "total_liabilities", "-3", [("range.negative", 3, "total_liabilities", "-3")]),
        (3, "equity_financing", "-100", [("range.negative", 3, "equity_financing", "-100")]),
        (3, "rd_employees", "-2", [("range.negative", 3, "rd_employees", "-2")]),
        (
            3,
            "employees",
            "-2",
            [
                ("range.negative", 3, "employees", "-2"),
                ("rd_employees.above_employees", 3, "rd_employees", "20"),
            ],
        ),
        (
            2,
            "revenue",
            "-10",
            [
                ("range.negative", 2, "revenue", "-10"),
                ("main_revenue.above_revenue", 2, "main_revenue", "900"),
            ],
        ),
        (2, "employees", "100.5", [("number.whole", 2, "employees", "100.5")]),
        (4, "main_revenue", "1200", [("main_revenue.above_revenue", 4, "main_revenue", "1200")]),
        (4, "rd_employees", "101", [("rd_employees.above_employees", 4, "rd_employees", "101")]),
        (4, "market_share", "100.5", [("range.out_of_bounds", 4, "market_share", "100.5")]),
        (4, "market_share", "-1%", [("range.negative", 4, "market_share", "-1%")]),
        (4, "digital_level", "5", [("range.out_of_bounds", 4, "digital_level", "5")]),
        (4, "digital_level", "0", [("range.out_of_bounds", 4, "digital_level", "0")]),
        (4, "special_score", "16", [("range.out_of_bounds", 4, "special_score", "16")]),
        (4, "development_score", "101", [("range.out_of_bounds", 4, "development_score", "101")]),
        (4, "industry_code", "A3670", [("industry_code.unknown", 4, "industry_code", "A3670")]),
        (4, "industry_code", "9999", [("industry_code.unknown", 4, "industry_code", "9999")]),
        (4, "region_code", "339999", [("region_code.unknown", 4, "region_code", "339999")]),
        (4, "region_code", "33028", [("region_code.unknown", 4, "region_code", "33028")]),
        (4, "honors", "high_tech;瞪羚企业", [("enum.unknown", 4, "honors", "high_tech;瞪羚企业")]),
        (4, "titles", "小巨人;独角兽", [("enum.unknown", 4, "titles", "小巨人;独角兽")]),
        (4, "rd_institution", "乡级", [("enum.unknown", 4, "rd_institution", "乡级")]),
        (4, "product_field_2022", "核心", [("enum.unknown", 4, "product_field_2022", "核心")]),
        (4, "strategic_emerging", "也许", [("bool.parse", 4, "strategic_emerging", "也许")]),
        (4, "titles", "小巨人@2023-02-29", [("title.date", 4, "titles", "小巨人@2023-02-29")]),
        (
            4,
            "titles",
            "innovative@2023年13月1日",
            [("title.date", 4, "titles", "innovative@2023年13月1日")],
        ),
        (4, "titles", "specialized@soon", [("title.date", 4, "titles", "specialized@soon")]),
        (4, "chuangke_rank", "100", [("chuangke_rank.value", 4, "chuangke_rank", "100")]),
        (4, "chuangke_rank", "五十", [("number.parse", 4, "chuangke_rank", "五十")]),
        (3, "year", "2022", [("duplicate.firm_year", 3, "year", "2022")]),
        (2, "name", "乙公司", [("firm_field.conflict", 4, "name", "甲公司")]),
        (2, "honors", "ip_demo", [("firm_field.conflict", 4, "honors", "high_tech")]),
    ],
)
def test_validate_file_reports_each_error_exactly(
    tmp_path: Path,
    sheet_row: int,
    column: str,
    value: str,
    expected: list[tuple[str, int, str, str | None]],
) -> None:
    path = _write(tmp_path / "firms.csv", _with(sheet_row, **{column: value}))

    report = validate_file(path)

    assert _located(report.errors) == expected
    assert {i.file for i in report.errors} == {"firms.csv"}
    assert not report.ok


def test_read_dataset_refuses_a_file_with_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "firms.csv", _with(4, main_revenue="1200"))

    with pytest.raises(InputError) as caught:
        read_dataset(path)

    assert caught.value.report.errors == (
        Issue(
            "error",
            "firms.csv",
            4,
            "main_revenue",
            "1200",
            "主营业务收入(1200)大于营业收入(1000)",
            "main_revenue.above_revenue",
            reason_en="main revenue 1200 exceeds revenue 1000",
        ),
    )
    assert str(caught.value) == (
        "firms.csv: 1 个错误、0 个警告，文件未被采用 / 1 error(s), 0 warning(s); the file was"
        " not used — row 4, main_revenue: 主营业务收入(1200)大于营业收入(1000)"
        " / main revenue 1200 exceeds revenue 1000"
    )


def test_validate_file_check_digit_error_mentions_pilot_area_codes(tmp_path: Path) -> None:
    rows = [{**r, "credit_code": PILOT_CODE} for r in _firm_rows()]

    report = validate_file(_write(tmp_path / "firms.csv", rows))

    assert _located(report.errors) == [
        ("credit_code.check_digit", 2, "credit_code", PILOT_CODE),
        ("credit_code.check_digit", 3, "credit_code", PILOT_CODE),
        ("credit_code.check_digit", 4, "credit_code", PILOT_CODE),
    ]
    assert report.errors[0].bilingual == (
        "校验位应为 3（早期试点地区部分代码确实不符合 GB 32100，可在已接受代码清单中登记）"
        " / check character should be 3 (some early pilot-area codes really fail it:"
        " add such a code to the accepted list)"
    )


def test_read_dataset_accepts_a_listed_pilot_code_with_a_warning(tmp_path: Path) -> None:
    rows = [{**r, "credit_code": PILOT_CODE} for r in _firm_rows()]

    data, report = read_dataset(_write(tmp_path / "firms.csv", rows), accepted_codes=[PILOT_CODE])

    assert report.issues == (
        Issue(
            "warning",
            "firms.csv",
            2,
            "credit_code",
            PILOT_CODE,
            "校验位不符合 GB 32100，但该代码在已接受代码清单中，按有效代码处理",
            "credit_code.accepted",
            reason_en="fails the GB 32100 check character but is on the accepted list;"
            " treated as valid",
        ),
    )
    assert data.firms.get_column("credit_code").to_list() == [PILOT_CODE]


def test_validate_file_accepted_list_does_not_excuse_a_wrong_length(tmp_path: Path) -> None:
    short = PILOT_CODE[:17]
    rows = [{**r, "credit_code": short} for r in _firm_rows()]

    report = validate_file(_write(tmp_path / "firms.csv", rows), accepted_codes=[short])

    assert [i.code for i in report.errors] == ["credit_code.length"] * 3


def test_validate_file_conflict_names_both_rows(tmp_path: Path) -> None:
    report = validate_file(_write(tmp_path / "firms.csv", _with(2, name="乙公司")))

    assert report.errors == (
        Issue(
            "error",
            "firms.csv",
            4,
            "name",
            "甲公司",
            f"企业 {CODE} 的「企业名称」有两个不同的值：第2行为「乙公司」，第4行为「甲公司」",
            "firm_field.conflict",
            reason_en=f"firm {CODE} has two different Enterprise name values: '乙公司' (row 2) and '甲公司' (row 4)",
        ),
    )


def test_validate_file_same_value_spelled_differently_is_no_conflict(tmp_path: Path) -> None:
    rows = _with(2, strategic_emerging="true", rd_institution="provincial", honors="高企")

    report = validate_file(_write(tmp_path / "firms.csv", rows))

    assert report.issues == ()


def test_validate_file_duplicate_year_names_the_first_row(tmp_path: Path) -> None:
    report = validate_file(_write(tmp_path / "firms.csv", _with(3, year="2022")))

    assert report.errors[0].bilingual == (
        f"企业 {CODE} 的 2022 年度数据重复（首次出现在第2行）"
        f" / firm {CODE} has year 2022 twice (first at row 2)"
    )


@pytest.mark.parametrize(
    ("sheet_row", "cells", "expected"),
    [
        (
            3,
            {"rd_expense": "1500"},
            [
                (
                    "rd_expense.above_revenue",
                    3,
                    "rd_expense",
                    "1500",
                    "研发费用(1500)大于营业收入(1000)，请核对（初创研发型企业可能如此）"
                    " / R&D expense 1500 exceeds revenue 1000: please check"
                    " (young R&D firms do this)",
                )
            ],
        ),
        (
            3,
            {"total_liabilities": "2500"},
            [
                (
                    "liabilities.above_assets",
                    3,
                    "total_liabilities",
                    "2500",
                    "负债总额(2500)大于资产总额(2000)，请核对"
                    " / liabilities 2500 exceed assets 2000: please check",
                )
            ],
        ),
        (
            3,
            {"net_profit": "-1200"},
            [
                (
                    "net_profit.loss_above_revenue",
                    3,
                    "net_profit",
                    "-1200",
                    "亏损(1200)大于营业收入(1000)，请核对"
                    " / loss 1200 exceeds revenue 1000: please check",
                )
            ],
        ),
        (
            2,
            {"revenue": "12,000,000", "main_revenue": "9000000"},
            [
                (
                    "units.yuan",
                    2,
                    "revenue",
                    "12,000,000",
                    "营业收入 12000000 万元超过 1,000,000 万元，疑似以元而非万元填报"
                    " / revenue 12000000 is above 1,000,000 (in 10k CNY): it looks like yuan"
                    " rather than 10k yuan",
                )
            ],
        ),
    ],
)
def test_read_dataset_warns_but_reads(
    tmp_path: Path,
    sheet_row: int,
    cells: dict[str, str],
    expected: list[tuple[str, int, str, str, str]],
) -> None:
    data, report = read_dataset(_write(tmp_path / "firms.csv", _with(sheet_row, **cells)))

    assert [(i.code, i.row, i.column, i.value, i.bilingual) for i in report.issues] == expected
    assert {i.severity for i in report.issues} == {"warning"}
    assert data.financials.height == 3


def test_read_dataset_warns_when_a_firm_has_fewer_than_three_years(tmp_path: Path) -> None:
    rows = _firm_rows()[1:]

    data, report = read_dataset(_write(tmp_path / "firms.csv", rows))

    assert report.issues == (
        Issue(
            "warning",
            "firms.csv",
            2,
            "credit_code",
            CODE,
            f"企业 {CODE} 只有 2 个年度的数据（2023、2024）；部分规则需要3年数据，这些规则将为未知",
            "years.too_few",
            reason_en=f"firm {CODE} has 2 year(s) of data (2023, 2024); some rules need 3 years;"
            " those will be unknown",
        ),
    )
    assert data.financials.get_column("year").to_list() == [2023, 2024]


def test_validate_file_lists_every_problem_in_sheet_order(tmp_path: Path) -> None:
    rows = _firm_rows()
    rows[0]["revenue"] = "n/a"
    rows[2].update(region_code="999999", employees="5")
    rows[1]["employees"] = "70.5"

    report = validate_file(_write(tmp_path / "firms.csv", rows))

    assert _located(report.issues) == [
        ("number.parse", 2, "revenue", "n/a"),
        ("number.whole", 3, "employees", "70.5"),
        ("rd_employees.above_employees", 4, "rd_employees", "20"),
        ("region_code.unknown", 4, "region_code", "999999"),
    ]
