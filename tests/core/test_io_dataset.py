"""The normalised frames: types, per-firm fields, empty-cell meanings, honours and titles."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from feidi.io import Dataset, InputReport, dataset_from_frame, read_dataset
from feidi.reference import make_credit_code
from feidi.schema import (
    FIELDS_BY_NAME,
    FIRM_FIELDS,
    HONORS,
    TITLE_LEVELS,
    TITLE_SLOTS,
    YEAR_FIELDS,
    Field,
    title_date_column,
    title_undated_column,
)

CODE_A = make_credit_code("91330000MA2XXXXX0")
CODE_B = make_credit_code("91330200MA2YYYYY1")


def _read(
    tmp_path: Path, columns: dict[str, list[str]], **kw: object
) -> tuple[Dataset, InputReport]:
    path = tmp_path / "firms.csv"
    names = list(columns)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        writer.writerows(zip(*columns.values(), strict=True))
    return read_dataset(path, **kw)  # type: ignore[arg-type]


def _keys(n_firms: int = 1) -> dict[str, list[str]]:
    """Three years per firm: firm A on rows 2-4, firm B on rows 5-7."""
    codes = [CODE_A, CODE_B][:n_firms]
    return {
        "credit_code": [c for c in codes for _ in range(3)],
        "year": ["2022", "2023", "2024"] * n_firms,
    }


def _firm(data: Dataset, code: str = CODE_A) -> dict[str, object]:
    return data.firms.filter(pl.col("credit_code") == code).row(0, named=True)


def _title_columns() -> list[str]:
    out: list[str] = []
    for level in TITLE_LEVELS:
        out += [title_date_column(level, s) for s in range(1, TITLE_SLOTS + 1)]
        out.append(title_undated_column(level))
    return out


def test_read_dataset_financials_have_every_year_field_as_float(tmp_path: Path) -> None:
    data, _ = _read(tmp_path, {**_keys(), "revenue": ["1,000", "１１００", " 1200 "]})

    assert data.financials.schema == pl.Schema(
        {"credit_code": pl.String, "year": pl.Int32, **dict.fromkeys(YEAR_FIELDS, pl.Float64)}
    )
    assert data.financials.select("year", "revenue", "employees").rows() == [
        (2022, 1000.0, None),
        (2023, 1100.0, None),
        (2024, 1200.0, None),
    ]


def test_read_dataset_firms_have_every_firm_field_and_derived_columns(tmp_path: Path) -> None:
    data, _ = _read(tmp_path, _keys())

    expected: list[str] = ["credit_code"]
    for name in FIRM_FIELDS:
        expected.append(name)
        if name == "honors":
            expected += [f"honor_{key}" for key in HONORS]
        if name == "titles":
            expected += _title_columns()
    assert data.firms.columns == expected
    kinds = {
        "str": pl.String,
        "code": pl.String,
        "enum": pl.String,
        "flags": pl.String,
        "titles": pl.String,
        "bool": pl.Boolean,
        "money": pl.Float64,
        "number": pl.Float64,
        "count": pl.Float64,
        "rank": pl.Float64,
    }
    for name in FIRM_FIELDS:
        assert data.firms.schema[name] == kinds[FIELDS_BY_NAME[name].kind], name
    assert {data.firms.schema[f"honor_{k}"] for k in HONORS} == {pl.Boolean}
    assert data.firms.schema[title_date_column("little_giant", 1)] == pl.Int32
    assert data.firms.schema[title_undated_column("innovative")] == pl.Boolean


def test_read_dataset_firm_fields_on_one_row_equal_fields_on_every_row(tmp_path: Path) -> None:
    firm_cells = {
        "name": "甲公司",
        "industry_code": "3670",
        "rd_institution": "国家级",
        "strategic_emerging": "√",
        "honors": "高新技术企业;知识产权示范企业",
        "titles": "创新型中小企业@2022-05-01",
        "chuangke_rank": "50",
    }
    every_row = {k: [v] * 3 for k, v in firm_cells.items()}
    middle_row = {k: ["", v, ""] for k, v in firm_cells.items()}

    repeated, _ = read_dataset(_write(tmp_path / "every.csv", {**_keys(), **every_row}))
    once, report = read_dataset(_write(tmp_path / "once.csv", {**_keys(), **middle_row}))

    assert report.issues == ()
    assert_frame_equal(once.firms, repeated.firms)
    firm = _firm(once)
    assert (firm["name"], firm["industry_code"], firm["rd_institution"]) == (
        "甲公司",
        "C3670",
        "national",
    )
    assert (firm["strategic_emerging"], firm["honors"], firm["chuangke_rank"]) == (
        True,
        "high_tech;ip_demo",
        50.0,
    )


def _write(path: Path, columns: dict[str, list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(columns))
        writer.writerows(zip(*columns.values(), strict=True))
    return path


def test_read_dataset_empty_cell_means_none_for_honors_titles_and_ranks(tmp_path: Path) -> None:
    empty = ["", "", ""]
    data, _ = _read(
        tmp_path,
        {
            **_keys(),
            "honors": empty,
            "titles": empty,
            "sci_award_national_rank": empty,
            "sci_award_provincial_rank": empty,
            "chuangke_rank": empty,
            "strategic_emerging": empty,
            "market_share": empty,
        },
    )
    firm = _firm(data)

    assert (firm["honors"], firm["titles"]) == ("", "")
    assert [firm[f"honor_{k}"] for k in HONORS] == [False] * len(HONORS)
    assert [firm[title_undated_column(lv)] for lv in TITLE_LEVELS] == [False] * 3
    assert {firm[title_date_column(lv, s)] for lv in TITLE_LEVELS for s in (1, 2, 3)} == {None}
    ranks = ("sci_award_national_rank", "sci_award_provincial_rank", "chuangke_rank")
    assert [firm[r] for r in ranks] == [math.inf] * 3
    # Every other empty cell is unknown.
    assert (firm["strategic_emerging"], firm["market_share"]) == (None, None)


def test_read_dataset_absent_column_means_unknown_for_every_firm(tmp_path: Path) -> None:
    data, _ = _read(tmp_path, _keys(2))

    for firm in data.firms.iter_rows(named=True):
        assert {v for k, v in firm.items() if k != "credit_code"} == {None}


def test_read_dataset_parses_titles_with_dates(tmp_path: Path) -> None:
    titles = "小巨人@2024-02-29；专精特新@2021/7/1；创新型中小企业@2019年5月6日、innovative"
    data, report = _read(tmp_path, {**_keys(), "titles": ["", "", titles]})
    firm = _firm(data)

    assert report.issues == ()
    assert firm["titles"] == (
        "little_giant@2024-02-29;specialized@2021-07-01;innovative@2019-05-06;innovative"
    )
    assert {c: firm[c] for c in _title_columns()} == {
        "title_innovative_1": 20190506,
        "title_innovative_2": None,
        "title_innovative_3": None,
        "title_innovative_undated": True,
        "title_specialized_1": 20210701,
        "title_specialized_2": None,
        "title_specialized_3": None,
        "title_specialized_undated": False,
        "title_little_giant_1": 20240229,
        "title_little_giant_2": None,
        "title_little_giant_3": None,
        "title_little_giant_undated": False,
    }


def test_read_dataset_keeps_the_most_recent_grants_and_warns(tmp_path: Path) -> None:
    dates = ["2012-01-01", "2021-07-01", "2015-01-01", "2018-01-01"]
    titles = ";".join(f'专精特新"小巨人"企业@{d}' for d in dates)
    data, report = _read(tmp_path, {**_keys(), "titles": [titles] * 3})
    firm = _firm(data)

    assert [firm[title_date_column("little_giant", s)] for s in (1, 2, 3)] == [
        20210701,
        20180101,
        20150101,
    ]
    assert firm["titles"] == (
        "little_giant@2021-07-01;little_giant@2018-01-01;little_giant@2015-01-01;"
        "little_giant@2012-01-01"
    )
    assert [(i.code, i.row, i.column) for i in report.issues] == [("title.too_many", 2, "titles")]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("是", True),
        ("否", False),
        ("TRUE", True),
        ("false", False),
        ("1", True),
        ("0", False),
        ("Y", True),
        ("no", False),
        ("√", True),
        ("×", False),
        ("有", True),
        ("无", False),
    ],
)
def test_read_dataset_reads_yes_no_words(tmp_path: Path, cell: str, expected: bool) -> None:
    data, _ = _read(tmp_path, {**_keys(), "own_brand": [cell, "", ""]})

    assert _firm(data)["own_brand"] is expected


def test_read_dataset_normalises_codes_enums_and_numbers(tmp_path: Path) -> None:
    data, report = _read(
        tmp_path,
        {
            **_keys(),
            "year": ["2022.0", "2023", "２０２４"],
            "industry_code": ["c 3670", "", ""],
            "region_code": ["330282.0", "", ""],
            "product_field_2022": ["工业六基", "", ""],
            "market_share": ["12.5％", "", ""],
            "niche_years": ["1,234", "", ""],
            "ip_class1": ["3.0", "", ""],
        },
    )
    firm = _firm(data)

    assert report.issues == ()
    assert data.financials.get_column("year").to_list() == [2022, 2023, 2024]
    assert (firm["industry_code"], firm["region_code"], firm["product_field_2022"]) == (
        "C3670",
        "330282",
        "foundation",
    )
    assert (firm["market_share"], firm["niche_years"], firm["ip_class1"]) == (12.5, 1234.0, 3.0)


def test_read_dataset_parses_extra_fields_like_canonical_ones(tmp_path: Path) -> None:
    extra = (
        Field("listed", "上市情况", "bool", "firm", en="Listed or on the NEEQ"),
        Field(
            "chain_level",
            "重点产业链级别",
            "enum",
            "firm",
            en="Key industry chain level",
            values={"provincial": ("省级",), "city": ("市级",)},
        ),
        Field("province_rank", "省级排名", "rank", "firm", en="Provincial rank", min=1),
    )
    data, report = _read(
        tmp_path,
        {
            **_keys(),
            "上市情况": ["", "", "是"],
            "重点产业链级别": ["市级", "", ""],
            "省级排名": [""] * 3,
        },
        extra_fields=extra,
    )
    firm = _firm(data)

    assert report.columns["上市情况"] == "listed"
    assert (firm["listed"], firm["chain_level"], firm["province_rank"]) == (True, "city", math.inf)
    assert data.firms.columns[-3:] == ["listed", "chain_level", "province_rank"]


def test_dataset_from_frame_typed_equals_text(tmp_path: Path) -> None:
    typed = pl.DataFrame(
        {
            "credit_code": [CODE_A] * 3,
            "year": [2022, 2023, 2024],
            "revenue": [1000.0, 1100.0, 1200.0],
            "employees": [10, 11, 12],
            "own_brand": [None, None, True],
            "chuangke_rank": [None, None, math.inf],
            "honors": [None, None, "high_tech"],
        }
    )
    text = typed.with_columns(
        pl.col("own_brand").replace_strict({True: "是"}, default=None),
        pl.col("chuangke_rank").replace_strict({math.inf: ""}, default=None),
    ).cast(pl.String)

    from_typed, _ = dataset_from_frame(typed)
    from_text, _ = dataset_from_frame(text)

    assert_frame_equal(from_typed.firms, from_text.firms)
    assert_frame_equal(from_typed.financials, from_text.financials)
    assert _firm(from_typed)["chuangke_rank"] == math.inf


def test_dataset_from_frame_round_trips_its_own_firms(tmp_path: Path) -> None:
    data, _ = _read(
        tmp_path,
        {
            **_keys(),
            "honors": ["", "", "高企"],
            "titles": ["", "", "小巨人@2024-02-29"],
            "chuangke_rank": ["", "", ""],
            "own_brand": ["", "", "否"],
        },
    )
    canonical = data.financials.join(
        data.firms.select("credit_code", "honors", "titles", "chuangke_rank", "own_brand"),
        on="credit_code",
    )

    again, _ = dataset_from_frame(canonical)

    assert_frame_equal(again.firms, data.firms)
    assert_frame_equal(again.financials, data.financials)


def test_read_dataset_keeps_file_order(tmp_path: Path) -> None:
    columns = {
        "credit_code": [CODE_B, CODE_A, CODE_B, CODE_A],
        "year": ["2024", "2024", "2023", "2023"],
    }

    data, _ = _read(tmp_path, columns)

    assert data.firms.get_column("credit_code").to_list() == [CODE_B, CODE_A]
    assert data.financials.select("credit_code", "year").rows() == [
        (CODE_B, 2024),
        (CODE_A, 2024),
        (CODE_B, 2023),
        (CODE_A, 2023),
    ]
