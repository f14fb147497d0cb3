"""The synthetic demo city: determinism, shape, validity of codes and values, files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from feidi.demo import (
    DEMO_AS_OF,
    DEMO_SEED,
    DEMO_YEARS,
    ENCLAVE_REGION,
    ENCLAVE_TOWNS,
    INDUSTRIES,
    LOCAL_REGION,
    MISSING_CANDIDATES,
    SYNTHETIC_LABEL,
    TOWNS,
    generate_demo_city,
    generate_firms,
    make_credit_codes,
    write_demo_inputs,
)
from feidi.demo._codes import org_codes
from feidi.reference import (
    CREDIT_CODE_ALPHABET,
    credit_code_problem,
    credit_code_valid_expr,
    division_codes,
    industry_codes,
    make_credit_code,
    normalise_industry_code,
)
from feidi.schema import FIELDS, FIELDS_BY_NAME, FIRM_FIELDS, HONORS, TITLE_LEVELS, YEAR_FIELDS

COLUMNS = ["credit_code", "year", *YEAR_FIELDS, *FIRM_FIELDS]  # enclave is the last firm field
KIND_DTYPES: dict[str, pl.DataType] = {
    "str": pl.String(),
    "code": pl.String(),
    "money": pl.Float64(),
    "count": pl.Int64(),
    "number": pl.Float64(),
    "bool": pl.Boolean(),
    "enum": pl.String(),
    "rank": pl.Int64(),
    "flags": pl.String(),
    "titles": pl.String(),
}
c = pl.col


@pytest.fixture(scope="module")
def city() -> pl.DataFrame:
    return generate_demo_city()


@pytest.fixture(scope="module")
def last(city: pl.DataFrame) -> pl.DataFrame:
    """One row per firm: the 2025 row."""
    return city.filter(c("year") == 2025)


# --- determinism and size ----------------------------------------------------------------------
def test_same_seed_same_frame_and_other_seed_other_frame() -> None:
    a = generate_demo_city(seed=7, n_local=200, n_enclave=20)
    b = generate_demo_city(seed=7, n_local=200, n_enclave=20)
    other = generate_demo_city(seed=8, n_local=200, n_enclave=20)
    assert_frame_equal(a, b)
    assert not a.equals(other)
    assert set(a["credit_code"]).isdisjoint(set(other["credit_code"]))


def test_demo_city_is_generate_firms_at_3300(city: pl.DataFrame) -> None:
    assert_frame_equal(city, generate_firms(3300, seed=DEMO_SEED))


def test_sizes_years_and_enclave(city: pl.DataFrame, last: pl.DataFrame) -> None:
    assert city.height == 9900
    assert city["credit_code"].n_unique() == 3300
    assert last.height == 3300
    assert last["enclave"].sum() == 300
    per_firm = city.group_by("credit_code").agg(c("year").sort())
    assert per_firm["year"].to_list() == [[2023, 2024, 2025]] * 3300
    assert city.select(c("credit_code"), c("year")).is_duplicated().sum() == 0


def test_columns_and_types_are_canonical(city: pl.DataFrame) -> None:
    assert city.columns == COLUMNS
    expected = {f.name: KIND_DTYPES[f.kind] for f in FIELDS}
    assert dict(city.schema) == expected


def test_generate_firms_other_sizes() -> None:
    empty = generate_firms(0)
    assert empty.height == 0
    assert empty.columns == COLUMNS
    five = generate_firms(22, seed=3, n_years=5, last_year=2024)
    assert five.height == 110
    assert sorted(five["year"].unique().to_list()) == [2020, 2021, 2022, 2023, 2024]
    assert five.filter(c("enclave"))["credit_code"].n_unique() == 2


def test_bigger_city_stays_unique() -> None:
    big = generate_firms(20_000, seed=11, n_years=1)
    assert big.height == 20_000
    assert big["credit_code"].n_unique() == 20_000
    assert big["name"].n_unique() == 20_000
    assert big.select(credit_code_valid_expr("credit_code").all()).item() is True


# --- codes ---------------------------------------------------------------------------------------
def test_credit_codes_valid_unique_and_regional(last: pl.DataFrame) -> None:
    codes = last["credit_code"].to_list()
    assert [x for x in codes if credit_code_problem(x) is not None] == []
    assert len(set(codes)) == 3300
    local = last.filter(~c("enclave"))["credit_code"]
    enclave = last.filter(c("enclave"))["credit_code"]
    assert local.str.starts_with("91320581").all()
    assert enclave.str.starts_with("91110108").all()


def test_vectorised_check_digit_matches_reference() -> None:
    rng = np.random.default_rng(5)
    alphabet = np.array(list(CREDIT_CODE_ALPHABET))
    prefixes = ["".join(row) for row in alphabet[rng.integers(0, 31, (500, 17))]]
    got = make_credit_codes(prefixes).to_list()
    assert got == [make_credit_code(p) for p in prefixes]
    assert [x for x in got if credit_code_problem(x) is not None] == []
    assert make_credit_codes([]).to_list() == []
    with pytest.raises(ValueError):
        make_credit_codes(["91320581MA1MXXXX"])  # 16 characters
    with pytest.raises(ValueError):
        make_credit_codes(["91320581MA1MXXXXO"])  # O is not in the alphabet


def _gb11714_check(body: str) -> str:
    values = [int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10 for ch in body]
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def test_organisation_codes_carry_their_gb11714_check() -> None:
    ids = np.array([0, 1, 12_345_678, 49_999_999, 0, 7, 85_000_000], dtype=np.int64)
    new = np.array([False, False, False, False, True, True, True])
    codes = [row.tobytes().decode() for row in org_codes(ids, new)]
    assert codes[0][:8] == "10000000"
    assert codes[4][:3] == "MA0"
    assert all(code[8] == _gb11714_check(code[:8]) for code in codes)
    assert len(set(codes)) == len(codes)


def test_city_codes_carry_organisation_check(last: pl.DataFrame) -> None:
    orgs = last["credit_code"].str.slice(8, 9).to_list()
    assert [o for o in orgs if o[8] != _gb11714_check(o[:8])] == []


# --- reference codes ------------------------------------------------------------------------------
def test_every_demo_industry_code_is_a_gbt4754_class() -> None:
    table = industry_codes()
    for industry in INDUSTRIES:
        assert len(industry.classes) >= 5
        for cls in industry.classes:
            found = table[cls.code[1:]]
            assert found.level == "小类"
            assert found.section == cls.code[0]
            assert normalise_industry_code(cls.code) == cls.code
    assert [i.zh for i in INDUSTRIES] == [
        "汽车零部件",
        "纺织服装",
        "高端装备制造",
        "新能源",
        "新材料",
        "节能环保",
        "新一代信息技术",
        "生物医药及高端医疗器械",
    ]
    assert table["3670"].name == "汽车零部件及配件制造"


def test_frame_codes_exist_in_reference_tables(last: pl.DataFrame) -> None:
    used = set(last["industry_code"])
    assert {normalise_industry_code(x) for x in used} == used
    assert set(last["region_code"]) == {LOCAL_REGION, ENCLAVE_REGION}
    assert {LOCAL_REGION, ENCLAVE_REGION} <= set(division_codes())
    assert division_codes()[LOCAL_REGION].name == "常熟市"
    assert division_codes()[ENCLAVE_REGION].name == "海淀区"


def test_towns(last: pl.DataFrame) -> None:
    local = last.filter(~c("enclave"))
    assert set(local["town"]) == {t.name for t in TOWNS}
    assert len(TOWNS) == 10
    assert set(last.filter(c("enclave"))["town"]) <= {name for name, _ in ENCLAVE_TOWNS}
    assert (local["region_code"] == LOCAL_REGION).all()


def test_emerging_industries_dominate_the_enclave(last: pl.DataFrame) -> None:
    emerging = {cls.code for i in INDUSTRIES if not i.leading for cls in i.classes}
    enclave = last.filter(c("enclave"))
    share = enclave["industry_code"].is_in(list(emerging)).mean()
    assert share is not None and share >= 0.8


# --- values -------------------------------------------------------------------------------------
def test_no_impossible_values(city: pl.DataFrame) -> None:
    bad = city.filter(
        (c("main_revenue") > c("revenue"))
        | (c("rd_employees") > c("employees"))
        | pl.any_horizontal(c(name) < 0 for name in YEAR_FIELDS if FIELDS_BY_NAME[name].min == 0)
        | ~c("market_share").is_between(0, 100)
        | ~c("digital_level").is_between(1, 4)
        | ~c("special_score").is_between(0, 15)
        | ~c("development_score").is_between(0, 100)
        | (c("niche_years") < 0)
        | (c("ip_class1_high_value") > c("ip_class1"))
        | (c("ip_class1_self_developed") > c("ip_class1"))
        | (c("ip_class1_in_use") > c("ip_class1"))
        | (c("sci_award_national_rank") < 1)
        | (c("sci_award_provincial_rank") < 1)
        | (c("market_rank") < 1)
    )
    assert bad.height == 0
    assert set(city["chuangke_rank"].drop_nulls()) == {50, 500}
    assert (city["employees"].drop_nulls() >= 3).all()


def test_enum_flag_and_title_values_are_canonical(last: pl.DataFrame) -> None:
    for name in ("rd_institution", "product_field_2022"):
        assert set(last[name].drop_nulls()) == set(FIELDS_BY_NAME[name].values)
    honors = {h for cell in last["honors"] for h in cell.split(";") if h}
    assert honors == set(HONORS)
    levels: set[str] = set()
    for cell in last["titles"]:
        for part in filter(None, cell.split(";")):
            level, _, day = part.partition("@")
            levels.add(level)
            if day:
                assert date(2022, 1, 1) <= date.fromisoformat(day) <= DEMO_AS_OF
    assert levels == set(TITLE_LEVELS)


def test_titles_lapse_around_the_as_of_date(last: pl.DataFrame) -> None:
    grants = (
        last.select(c("titles").str.split(";"))
        .explode("titles")
        .filter(c("titles").str.contains("@"))
        .select(c("titles").str.split("@").list.get(1).str.to_date().alias("granted"))
    )
    three_years_before = date(DEMO_AS_OF.year - 3, DEMO_AS_OF.month, DEMO_AS_OF.day)
    edge = grants.filter(c("granted") == three_years_before).height  # lapses on the as-of date
    soon = grants.filter(
        (c("granted") > three_years_before) & (c("granted") <= date(2023, 7, 31))
    ).height  # 复核 due within a month
    lapsed = grants.filter(c("granted") < three_years_before).height
    assert edge >= 5
    assert soon >= 10
    assert lapsed >= 50


def test_firm_fields_are_the_same_on_every_row(city: pl.DataFrame) -> None:
    varying = city.group_by("credit_code").agg(
        c(name).n_unique().alias(name) for name in FIRM_FIELDS
    )
    assert varying.select(pl.max_horizontal(pl.exclude("credit_code").max())).item() == 1


def test_distributions_look_like_a_county(last: pl.DataFrame) -> None:
    local = last.filter(~c("enclave")).drop_nulls(["revenue", "rd_expense"])
    enclave = last.filter(c("enclave")).drop_nulls(["revenue", "rd_expense"])
    revenue = local["revenue"]
    assert 2000 <= (revenue.median() or 0) <= 4500
    assert 50_000 <= (revenue.max() or 0) <= 300_000
    assert 50 <= (enclave["revenue"].median() or 0) <= 1000
    rd = local["rd_expense"] / local["revenue"] * 100
    assert 0.45 <= ((rd >= 1) & (rd <= 4)).mean() <= 0.75  # many 1-4%
    assert 0.05 <= (rd >= 5).mean() <= 0.15  # some 5-15%
    assert (enclave["rd_expense"] > enclave["revenue"]).sum() >= 3  # young R&D firms
    high_tech = last.filter(~c("enclave"))["honors"].str.contains("high_tech").mean()
    assert high_tech == 0.25


def test_startups_raise_equity_and_local_firms_rarely(city: pl.DataFrame) -> None:
    per_firm = city.group_by("credit_code", "enclave").agg(
        (c("equity_financing").fill_null(0).sum() > 0).alias("raised")
    )
    raised = per_firm.group_by("enclave").agg(c("raised").mean().alias("share")).sort("enclave")
    local_share, enclave_share = raised["share"].to_list()
    assert local_share <= 0.05
    assert 0.25 <= enclave_share <= 0.6


def test_some_values_sit_exactly_on_thresholds(last: pl.DataFrame) -> None:
    rd = (c("rd_expense") / c("revenue") * 100).round(6)
    debt = (c("total_liabilities") / c("total_assets") * 100).round(6)
    main = (c("main_revenue") / c("revenue") * 100).round(6)
    counts = (
        last.filter(~c("enclave"))
        .select(
            (rd == 3).sum().alias("rd3"),
            (rd == 5).sum().alias("rd5"),
            (debt == 55).sum().alias("debt55"),
            (debt == 70).sum().alias("debt70"),
            (c("revenue") == 1000).sum().alias("rev1000"),
            (c("revenue") == 5000).sum().alias("rev5000"),
            (main == 70).sum().alias("main70"),
            (main == 80).sum().alias("main80"),
        )
        .row(0, named=True)
    )
    assert min(counts.values()) >= 5, counts


# --- missing values -------------------------------------------------------------------------------
def test_missing_value_share_is_within_band(city: pl.DataFrame) -> None:
    candidates = [name for name, _ in MISSING_CANDIDATES]
    firms = city.group_by("credit_code").agg(
        pl.any_horizontal(c(name).is_null() for name in candidates).any().alias("missing")
    )
    share = firms["missing"].mean()
    assert share is not None and 0.035 <= share <= 0.065
    none_when_empty = [f.name for f in FIELDS if f.kind == "rank"]
    reported_by_few = ["market_share", "market_rank"]
    never_missing = [
        name for name in COLUMNS if name not in {*candidates, *none_when_empty, *reported_by_few}
    ]
    assert city.select(c(name).null_count() for name in never_missing).sum_horizontal().item() == 0
    assert city["rd_expense"].null_count() > 0
    assert city["niche_years"].null_count() > 0


def test_market_share_reported_by_a_minority_and_by_every_specialized_holder(
    last: pl.DataFrame,
) -> None:
    local = last.filter(~c("enclave"))
    share = local["market_share"].is_not_null().mean()
    assert share is not None and 0.10 <= share <= 0.25
    titled = local.filter(c("titles").str.contains("specialized|little_giant"))
    assert titled["market_share"].null_count() == 0
    assert (titled["market_share"] >= 10).sum() >= 10


# --- files ----------------------------------------------------------------------------------------
def test_write_demo_inputs_round_trips(tmp_path: Path) -> None:
    city = generate_demo_city(n_years=DEMO_YEARS)  # the platform's demo loads the same firms
    paths = write_demo_inputs(tmp_path / "out")
    assert set(paths) == {"xlsx", "csv", "parquet"}
    assert [p.name for p in paths.values()] == [
        "demo-city.xlsx",
        "demo-city.csv",
        "demo-city.parquet",
    ]
    assert_frame_equal(pl.read_parquet(paths["parquet"]), city)
    assert pl.read_parquet_metadata(paths["parquet"])["feidi.synthetic"] == SYNTHETIC_LABEL

    text = paths["csv"].read_text("utf-8")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    from_csv = pl.read_csv(paths["csv"], schema=city.schema)
    assert_frame_equal(from_csv.with_columns(c("honors", "titles").fill_null("")), city)

    wb = openpyxl.load_workbook(paths["xlsx"], read_only=True)
    assert wb.sheetnames == ["企业数据", "说明"]
    ws = wb["企业数据"]
    rows = ws.iter_rows(min_row=1, max_row=3, values_only=True)
    title, header, first = next(rows), next(rows), next(rows)
    assert title[0] == SYNTHETIC_LABEL
    assert list(header[:-1]) == [FIELDS_BY_NAME[name].zh for name in COLUMNS[:-1]]
    assert first[0] == city["credit_code"][0]
    assert ws.max_row == 2 + city.height
    wb.close()
