"""A file read in batches of firms gives exactly what one whole pass gives.

``batch_firms=None`` is the whole-file pass (every row checked at once); small batches
make every issue code cross batch boundaries. The
reports must be equal issue for issue — including which issues are listed once a code
passes ISSUE_CAP, which depends on the order checks run in, not on the batches — and so
must the normalised frames, the records and the flat result. Files whose firms cannot be
cut into batches (a firm's rows apart, a row without a code) are read whole.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from feidi.cli import app
from feidi.demo import generate_firms
from feidi.io import (
    ISSUE_CAP,
    InputError,
    InputReport,
    ReadLimits,
    read_dataset,
    stream_dataset,
    validate_file,
    write_results,
)
from feidi.io._sources import plan_batches
from feidi.rules import evaluate

AS_OF_TEXT = "2026-06-30"
#: Firms per batch: 11 batches and 3 of the 700 firms (one per firm would be slow, not more
#: telling: every batch runs the same code).
BATCHES = (64, 250)
#: A code whose check character is wrong, listed as accepted (a pilot-area code).
PILOT = "91350211M00013FA1N"


@cache
def _clean() -> pl.DataFrame:
    """700 firms × 3 years, each firm's rows together; warnings only."""
    frame = generate_firms(700, seed=11).drop("enclave").with_row_index("i")
    i, firm = pl.col("i"), pl.col("i") // 3
    return frame.with_columns(
        # an accepted pilot-area code (a warning, once per firm) on firm 5
        pl.when(firm == 5).then(pl.lit(PILOT)).otherwise("credit_code").alias("credit_code"),
        # more grant dates than the slots keep (a warning, once per firm) on firm 9
        pl.when(firm == 9)
        .then(pl.lit(";".join(f"创新型中小企业@{y}-01-01" for y in range(2019, 2023))))
        .otherwise("titles")
        .alias("titles"),
    ).filter(i != 3 * 20)  # firm 20 has two years only (a warning)


@cache
def _broken() -> pl.DataFrame:
    """The clean firms with errors everywhere, and one code over the issue cap."""
    frame = _clean().with_columns(pl.int_range(pl.len()).alias("i"))
    i = pl.col("i")
    return frame.with_columns(
        # 600 + 600 negative amounts: "range.negative" passes the cap of 1,000, listed
        # revenue's first (that check runs first) though rd_expense's rows interleave
        pl.when((i % 3 == 0) & (i < 1800))
        .then(-1 - pl.col("revenue").fill_null(0))
        .otherwise("revenue")
        .alias("revenue"),
        pl.when((i % 3 == 1) & (i < 1800))
        .then(-1 - pl.col("rd_expense").fill_null(0))
        .otherwise("rd_expense")
        .alias("rd_expense"),
        # firm-level values differing across a firm's years
        pl.when(i == 100).then(pl.lit("另一个名称有限公司")).otherwise("name").alias("name"),
        pl.when(i == 1001).then(pl.lit("330281")).otherwise("region_code").alias("region_code"),
        # a year given twice
        pl.when(i == 303).then(pl.col("year") - 1).otherwise("year").alias("year"),
        # a broken credit code on all of one firm's rows
        pl.when(i.is_between(1500, 1502))
        .then(pl.col("credit_code").str.slice(0, 17) + "0")
        .otherwise("credit_code")
        .alias("credit_code"),
        pl.when(i == 2000)
        .then(pl.lit("火星级"))
        .otherwise("rd_institution")
        .alias("rd_institution"),
    ).drop("i")


def _parquet(frame: pl.DataFrame, path: Path) -> Path:
    frame.drop("i", strict=False).write_parquet(path)
    return path


def _csv(frame: pl.DataFrame, path: Path) -> Path:
    frame.drop("i", strict=False).write_csv(path)
    return path


def _validate(path: Path, batch_firms: int | None) -> InputReport:
    return validate_file(path, accepted_codes=[PILOT], batch_firms=batch_firms)


@pytest.mark.parametrize("write", [_parquet, _csv], ids=["parquet", "csv"])
def test_batches_report_every_issue_as_one_pass_does(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(_broken(), tmp_path / f"broken.{write.__name__[1:]}")
    assert stream_dataset(path, batch_firms=64).streamed

    whole = _validate(path, None)

    codes = {i.code for i in whole.issues}
    assert {
        "range.negative",
        "firm_field.conflict",
        "duplicate.firm_year",
        "credit_code.check_digit",
        "credit_code.accepted",
        "enum.unknown",
        "title.too_many",
        "years.too_few",
    } <= codes
    negative = [i for i in whole.issues if i.code == "range.negative"]
    assert len(negative) == ISSUE_CAP and whole.truncated["range.negative"] == 200
    assert sum(i.column == "revenue" for i in negative) == 600  # then rd_expense's first 400
    conflicts = [(i.row, i.column) for i in whole.issues if i.code == "firm_field.conflict"]
    # firm 334 has its first row changed: the next row is the one that disagrees
    assert conflicts == [(102, "name"), (1004, "region_code")]
    for batch_firms in BATCHES:
        assert _validate(path, batch_firms) == whole, batch_firms


def test_batches_give_the_same_frames_records_and_flat_result(tmp_path: Path) -> None:
    path = _parquet(_clean(), tmp_path / "clean.parquet")
    whole, whole_report = read_dataset(path, accepted_codes=[PILOT], batch_firms=None)
    assert {i.code for i in whole_report.warnings} >= {"credit_code.accepted", "years.too_few"}

    for batch_firms in BATCHES:
        data, report = read_dataset(path, accepted_codes=[PILOT], batch_firms=batch_firms)
        assert report == whole_report
        assert_frame_equal(data.firms, whole.firms)
        assert_frame_equal(data.financials, whole.financials)
        assert data.firm_rows is not None and whole.firm_rows is not None
        assert_frame_equal(data.firm_rows, whole.firm_rows)

    expected = evaluate(whole, "miit-2022", pl.Series([AS_OF_TEXT]).str.to_date().item())
    stream = stream_dataset(path, accepted_codes=[PILOT], batch_firms=64)
    streamed = evaluate(stream, "miit-2022", expected.as_of)
    assert streamed.n_firms == whole.firms.height == 700
    # the layout's batches (97 firms) cut across the input's (64 firms)
    assert_frame_equal(
        pl.concat(list(streamed.iter_records(size=97))),
        pl.concat(list(expected.iter_records(size=97))),
    )
    assert_frame_equal(streamed.flat().collect(), expected.flat().collect())
    assert stream.report == whole_report


def test_duckdb_grades_the_gathered_batches(tmp_path: Path) -> None:
    path = _parquet(_clean().head(150), tmp_path / "clean.parquet")
    whole, _ = read_dataset(path, accepted_codes=[PILOT], batch_firms=None)
    as_of = pl.Series([AS_OF_TEXT]).str.to_date().item()
    stream = stream_dataset(path, accepted_codes=[PILOT], batch_firms=20)

    streamed = evaluate(stream, "miit-2022", as_of, engine="duckdb")

    # every engine gives the same records (test_engines_parity): Polars is the reference
    expected = evaluate(whole, "miit-2022", as_of).records().collect()
    assert_frame_equal(streamed.records().collect(), expected)


def test_an_error_in_a_late_batch_stops_the_grading_and_leaves_no_output(
    tmp_path: Path,
) -> None:
    late = _clean().with_columns(
        pl.when(pl.int_range(pl.len()) == 2050)
        .then(pl.lit(-5.0))
        .otherwise(pl.col("employees"))
        .alias("employees")
    )
    path = _parquet(late, tmp_path / "late.parquet")
    out = tmp_path / "out.parquet"
    stream = stream_dataset(path, accepted_codes=[PILOT], batch_firms=64)
    ev = evaluate(stream, "miit-2022", pl.Series([AS_OF_TEXT]).str.to_date().item())

    with pytest.raises(InputError) as refused:
        write_results(ev, out, progress=lambda firms: None)

    assert not out.exists() and list(tmp_path.iterdir()) == [path]
    assert refused.value.report == _validate(path, None)
    assert [(i.code, i.row) for i in refused.value.report.errors] == [
        ("range.negative", 2052),
        ("rd_employees.above_employees", 2052),
    ]

    report = tmp_path / "issues.json"
    result = CliRunner().invoke(
        app,
        ["evaluate", str(path), "--as-of", AS_OF_TEXT, "-o", str(out), "--report", str(report),
         "--no-progress"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert not out.exists() and "range.negative" in report.read_text("utf-8")


# --- when a file is read in batches --------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "batch_firms", "firms", "starts"),
    [
        (["a", "a", "b", "c", "c", "c", "d"], 2, 4, (0, 3)),
        (["a", "a", "b", "c", "c", "c", "d"], 1, 4, (0, 2, 3, 6)),
        (["a", "a", "b", "c"], 10, 3, (0,)),
        ([], 10, 0, (0,)),
        # a firm's rows apart, or a row without a code: read whole
        (["a", "b", "a"], 2, 2, None),
        (["a", None, "b"], 2, 2, None),
        # batches not asked for
        (["a", "a", "b"], None, 2, None),
    ],
)
def test_plan_batches_cuts_only_between_whole_firms(
    codes: list[str | None], batch_firms: int | None, firms: int, starts: tuple[int, ...] | None
) -> None:
    plan = plan_batches(pl.Series(codes, dtype=pl.String), batch_firms)

    assert (plan.rows, plan.firms, plan.starts) == (len(codes), firms, starts)
    assert sum(length for _, length in plan.ranges()) == len(codes)


def test_a_firm_whose_rows_are_apart_is_read_whole_and_checked_across_the_file(
    tmp_path: Path,
) -> None:
    frame = _clean().head(60)
    first = frame.slice(0, 3)
    # firm 0's last year moved to the end, with another name; firm 1's first year repeated
    apart = pl.concat(
        [
            first.head(2),
            frame.slice(3),
            first.tail(1).with_columns(pl.lit("另一个名称有限公司").alias("name")),
            frame.slice(3, 1),
        ]
    )
    path = _parquet(apart, tmp_path / "apart.parquet")
    stream = stream_dataset(path, batch_firms=1)

    assert not stream.streamed and stream.n_firms == 20
    report = _validate(path, 1)
    assert report == _validate(path, None)
    located = [(i.code, i.row, i.value) for i in report.errors]
    assert located == [
        ("firm_field.conflict", 61, "另一个名称有限公司"),
        ("duplicate.firm_year", 62, str(frame["year"][3])),
    ]


def test_blank_lines_between_firms_do_not_stop_batches(tmp_path: Path) -> None:
    path = _csv(_clean().head(30), tmp_path / "firms.csv")
    lines = path.read_text("utf-8").splitlines()
    path.write_text("\n".join([*lines[:4], ",,,", *lines[4:], ""]) + "\n", "utf-8")

    assert stream_dataset(path, batch_firms=2).streamed
    assert _validate(path, 2) == _validate(path, None)
    assert _validate(path, 2).rows == 30


def test_text_over_the_limit_is_refused_with_the_whole_files_figure(tmp_path: Path) -> None:
    frame = _clean().head(300).with_columns(pl.lit("长" * 600).alias("name"))  # 100 firms
    path = _parquet(frame, tmp_path / "long.parquet")
    limits = ReadLimits(
        max_rows=10_000, max_columns=100, max_cells=1_000_000, max_uncompressed_bytes=2**19
    )

    whole = validate_file(path, limits=limits, batch_firms=None)
    batched = validate_file(path, limits=limits, batch_firms=5)  # over the limit in batch 10

    assert stream_dataset(path, limits=limits, batch_firms=5).streamed
    assert batched == whole
    assert [(i.code, i.row) for i in whole.issues] == [("file.too_large", None)]
    assert "expands to 549.8 KiB, more than the limit of 512 KiB" in whole.issues[0].reason_en
