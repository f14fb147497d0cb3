"""Credit codes over random input, and a province-sized file read in one vectorised pass."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from feidi.io import InputError, InputReport, dataset_from_frame, validate_file
from feidi.reference import CREDIT_CODE_ALPHABET, make_credit_code

prefixes = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17)


def _check(code: str) -> InputReport:
    frame = pl.DataFrame({"credit_code": [code] * 3, "year": [2022, 2023, 2024]})
    try:
        return dataset_from_frame(frame)[1]
    except InputError as exc:
        return exc.report


@settings(max_examples=60, deadline=None)
@given(prefixes)
def test_dataset_from_frame_accepts_any_completed_code(prefix: str) -> None:
    report = _check(make_credit_code(prefix))

    assert report.issues == ()


@settings(max_examples=60, deadline=None)
@given(prefixes, st.integers(min_value=0, max_value=17), st.sampled_from(CREDIT_CODE_ALPHABET))
def test_dataset_from_frame_catches_any_single_changed_character(
    prefix: str, position: int, replacement: str
) -> None:
    code = make_credit_code(prefix)
    if code[position] == replacement:
        replacement = CREDIT_CODE_ALPHABET[(CREDIT_CODE_ALPHABET.index(replacement) + 1) % 31]
    typo = code[:position] + replacement + code[position + 1 :]

    report = _check(typo)

    assert [(i.code, i.row, i.value) for i in report.errors] == [
        ("credit_code.check_digit", 2, typo),
        ("credit_code.check_digit", 3, typo),
        ("credit_code.check_digit", 4, typo),
    ]


def _province(n_firms: int, years: tuple[int, ...]) -> pl.DataFrame:
    codes = [make_credit_code(f"91330{i:012d}") for i in range(n_firms)]
    firms = pl.DataFrame({"credit_code": codes, "firm": range(n_firms)})
    rows = firms.join(pl.DataFrame({"year": list(years)}), how="cross")
    revenue = (pl.col("firm") % 5000 + 100).cast(pl.Float64) * (pl.col("year") - 2020)
    return rows.with_columns(
        revenue=revenue,
        main_revenue=revenue * 0.9,
        rd_expense=revenue * 0.05,
        net_profit=revenue * 0.08,
        total_assets=revenue * 2,
        total_liabilities=revenue,
        employees=(pl.col("firm") % 300 + 20).cast(pl.Float64),
        rd_employees=pl.lit(10.0),
        name=pl.lit("某某科技有限公司"),
        region_code=pl.lit("330282"),
        industry_code=pl.lit("C3670"),
        own_brand=pl.when(pl.col("year") == years[-1]).then(pl.lit("是")),
        honors=pl.when(pl.col("firm") % 7 == 0).then(pl.lit("高新技术企业")),
        titles=pl.when(pl.col("firm") % 11 == 0).then(pl.lit("创新型中小企业@2023-07-01")),
    ).drop("firm")


def test_validate_file_reads_a_200k_row_parquet(tmp_path: Path) -> None:
    path = tmp_path / "province.parquet"
    _province(50_000, (2021, 2022, 2023, 2024)).write_parquet(path)

    report = validate_file(path)

    assert (report.rows, report.firms, report.issues, report.truncated) == (200_000, 50_000, (), {})


def test_validate_file_finds_the_few_bad_rows_in_a_200k_row_parquet(tmp_path: Path) -> None:
    frame = _province(50_000, (2021, 2022, 2023, 2024)).with_row_index("i")
    frame = frame.with_columns(
        pl.when(pl.col("i").is_in([10, 150_000]))
        .then(pl.col("revenue") * -1)
        .otherwise(pl.col("revenue"))
        .alias("revenue"),
        pl.when(pl.col("i") == 7)
        .then(pl.lit("A3670"))
        .otherwise("industry_code")
        .alias("industry_code"),
    ).drop("i")
    path = tmp_path / "province.parquet"
    frame.write_parquet(path)

    report = validate_file(path)

    assert [(i.code, i.row, i.column) for i in report.errors] == [
        ("industry_code.unknown", 9, "industry_code"),
        ("range.negative", 12, "revenue"),
        ("main_revenue.above_revenue", 12, "main_revenue"),
        ("range.negative", 150_002, "revenue"),
        ("main_revenue.above_revenue", 150_002, "main_revenue"),
    ]
