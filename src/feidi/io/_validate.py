"""From a file's cells to a checked :class:`Dataset` and an :class:`InputReport`.

The pipeline (``CRITERIA.md``, "Canonical input" and "Input checks"):

1. map headers (English or Chinese) to canonical fields;
2. parse every mapped column by its kind (:mod:`feidi.io._parse`);
3. run the row checks — each one a Polars expression that is true on the failing rows, so a
   3,000,000-row file is checked in one pass and Python only touches the rows it reports;
4. check the keys (credit code, duplicate firm-year) and combine the per-enterprise fields
   into one value per firm, reporting conflicts;
5. when there is no error, build the normalised frames.

Everything is driven by :mod:`feidi.schema`, so a new field needs no change here unless it
brings a new cross-field rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from feidi.io._issues import InputError, InputReport, IssueLog, Severity
from feidi.io._parse import (
    NUMBER_KINDS,
    WHOLE_KINDS,
    bool_expr,
    enum_expr,
    flag_column,
    industry_code_map,
    is_percent,
    number_expr,
    parse_flags,
    parse_titles,
    region_code_expr,
    text_expr,
    title_slot_frame,
)
from feidi.io._read import ROW, RawTable, UnreadableFileError, frame_to_raw, read_raw
from feidi.reference import CREDIT_CODE_ALPHABET, credit_code_problem, credit_code_valid_expr
from feidi.schema import (
    FIELDS,
    TITLE_LEVELS,
    TITLE_SLOTS,
    Field,
    header_aliases,
    normalise_header,
    title_date_column,
    title_undated_column,
)

__all__ = ["Dataset", "dataset_from_frame", "read_dataset", "validate_file"]

CREDIT = "credit_code"
YEAR = "year"
#: Revenue above this many 万元 (100 亿元) is not an SME: the file is probably in 元.
YUAN_SUSPECT_REVENUE = 1_000_000
#: Growth rules need three fiscal years (上年度 and the two before).
YEARS_NEEDED = 3
#: The only 创客中国 national prize levels: top 50 and top 500.
CHUANGKE_LEVELS = (50.0, 500.0)

Row = dict[str, Any]


@dataclass(frozen=True)
class Dataset:
    """The normalised input.

    ``firms`` has one row per credit code (per-enterprise fields, honour flags and title
    slots); ``financials`` one row per credit code and fiscal year (amounts as Float64).
    """

    firms: pl.DataFrame
    financials: pl.DataFrame


# --- public entry points ------------------------------------------------------------------


def read_dataset(
    path: str | Path,
    *,
    accepted_codes: Collection[str] = (),
    extra_fields: tuple[Field, ...] = (),
    sheet: str | None = None,
) -> tuple[Dataset, InputReport]:
    """Read and check a CSV, XLSX or Parquet file of firms × fiscal years.

    Raises :class:`InputError` (carrying the full report) when the file has any error, so
    nothing is graded from a file with a mistake in it. Warnings are returned in the report.

    Parameters
    ----------
    path
        ``.csv`` (UTF-8, GBK/GB18030 or UTF-16), ``.xlsx`` or ``.parquet``.
    accepted_codes
        Credit codes known to be real although they fail the GB 32100 check character
        (early pilot areas issued such codes, e.g. ``91350211M00013FA1N``).
    extra_fields
        Fields a provincial rulebook adds; parsed like the canonical ones.
    sheet
        The XLSX sheet to read (default: the first).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from feidi.reference import make_credit_code
    >>> code = make_credit_code("91330000MA2XXXXX0")
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "firms.csv"
    >>> _ = p.write_text(f"统一社会信用代码,年度,营业收入(万元)\\n{code},2024,1200\\n", "utf-8")
    >>> data, report = read_dataset(p)
    >>> data.financials.select("year", "revenue").row(0), report.ok
    ((2024, 1200.0), True)
    """
    dataset, report = _check_file(path, accepted_codes, extra_fields, sheet, build=True)
    if dataset is None:
        raise InputError(report)
    return dataset, report


def validate_file(
    path: str | Path,
    *,
    accepted_codes: Collection[str] = (),
    extra_fields: tuple[Field, ...] = (),
    sheet: str | None = None,
) -> InputReport:
    """The checks of :func:`read_dataset`, returning the report instead of raising.

    An unreadable file, an unknown suffix or a missing key column is reported as a single
    error issue.
    """
    return _check_file(path, accepted_codes, extra_fields, sheet, build=False)[1]


def dataset_from_frame(
    df: pl.DataFrame,
    *,
    file: str = "<frame>",
    accepted_codes: Collection[str] = (),
    extra_fields: tuple[Field, ...] = (),
) -> tuple[Dataset, InputReport]:
    """The :func:`read_dataset` pipeline for an in-memory long frame (typed or all-string).

    Rows are numbered as in a Parquet file: record 1 is row 2.
    """
    fields = _fields(extra_fields)
    dataset, report = _check(frame_to_raw(df, file), fields, accepted_codes, build=True)
    if dataset is None:
        raise InputError(report)
    return dataset, report


# --- pipeline -----------------------------------------------------------------------------


def _fields(extra_fields: tuple[Field, ...]) -> tuple[Field, ...]:
    taken = {f.name for f in FIELDS}
    clash = [f.name for f in extra_fields if f.name in taken]
    if clash:
        raise ValueError(f"extra fields redefine canonical fields: {', '.join(clash)}")
    return FIELDS + tuple(extra_fields)


def _check_file(
    path: str | Path,
    accepted_codes: Collection[str],
    extra_fields: tuple[Field, ...],
    sheet: str | None,
    *,
    build: bool,
) -> tuple[Dataset | None, InputReport]:
    path = Path(path)
    fields = _fields(extra_fields)
    try:
        raw = read_raw(path, header_aliases(fields), sheet)
    except UnreadableFileError as exc:
        log = IssueLog(path.name)
        log.add("error", exc.code, exc.reason)
        return None, log.report()
    return _check(raw, fields, accepted_codes, build=build)


@dataclass(frozen=True)
class _Layout:
    """Which file column feeds which field, and under which header."""

    fields: dict[str, Field]  # every known field, by name
    source: dict[str, str]  # field name → positional column in the raw data
    header: dict[str, str]  # field name → header as written
    columns: dict[str, str]  # header as written → field name (for the report)
    ignored: tuple[str, ...]

    def present(self, name: str) -> bool:
        return name in self.source

    def present_fields(self, scope: str) -> list[Field]:
        return [f for f in self.fields.values() if f.scope == scope and f.name in self.source]


def _check(
    raw: RawTable, fields: tuple[Field, ...], accepted_codes: Collection[str], *, build: bool
) -> tuple[Dataset | None, InputReport]:
    log = IssueLog(raw.file)
    layout = _map_headers(raw, fields, log)
    missing = [n for n in (CREDIT, YEAR) if not layout.present(n)]
    if missing:
        return None, _missing_keys_report(raw, layout, missing)

    cells = [c for c in raw.data.columns if c != ROW]
    data = raw.data.filter(~pl.all_horizontal(pl.col(cells).is_null())) if cells else raw.data
    work = data.select(
        ROW, *[pl.col(pos).alias(_raw(name)) for name, pos in layout.source.items()]
    )
    if work.height == 0:
        log.add(
            "warning",
            "file.no_rows",
            "表头下没有数据行 / there are no data rows below the header",
            row=raw.header_row,
        )

    work, checks = _parse_and_plan(work, layout, accepted_codes)
    _run_row_checks(work, checks, layout, log)
    _check_duplicate_years(work, layout, log)
    firm_values = _combine_firm_fields(work, layout)
    _check_conflicts(work, firm_values, layout, log)
    _check_years_per_firm(work, firm_values, layout, log)

    report = log.report(
        rows=work.height,
        firms=firm_values.height,
        columns=layout.columns,
        ignored_columns=layout.ignored,
        column_order=raw.headers,
    )
    if not build or not report.ok:
        return None, report
    return _build_dataset(work, firm_values, layout), report


def _raw(name: str) -> str:
    """Column holding a field's cell as read (the parsed value sits under the field's name)."""
    return f"raw:{name}"


def _map_headers(raw: RawTable, fields: tuple[Field, ...], log: IssueLog) -> _Layout:
    aliases = header_aliases(fields)
    source: dict[str, str] = {}
    header: dict[str, str] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for i, text in enumerate(raw.headers):
        position = f"c{i}"
        if not text:
            # Spreadsheets carry empty trailing columns; only an unnamed column with data
            # is worth a word.
            if raw.data[position].null_count() < raw.data.height:
                log.add(
                    "warning",
                    "header.unknown",
                    f"第{i + 1}列有数据但没有表头，已忽略 / column {i + 1} has data but no"
                    " header; it is ignored",
                    row=raw.header_row,
                )
            continue
        name = aliases.get(normalise_header(text))
        if name is None:
            ignored.append(text)
            log.add(
                "warning",
                "header.unknown",
                f"无法识别的表头「{text}」，该列已忽略 / unknown header {text!r}; the column"
                " is ignored",
                row=raw.header_row,
                column=text,
                value=text,
            )
        elif name in source:
            log.add(
                "error",
                "header.duplicate",
                f"表头「{text}」与「{header[name]}」都对应字段 {name}，请删去其中一列"
                f" / headers {text!r} and {header[name]!r} both mean {name}: keep one",
                row=raw.header_row,
                column=text,
                value=text,
            )
        else:
            source[name] = position
            header[name] = text
            columns[text] = name
    return _Layout({f.name: f for f in fields}, source, header, columns, tuple(ignored))


def _missing_keys_report(raw: RawTable, layout: _Layout, missing: list[str]) -> InputReport:
    log = IssueLog(raw.file)
    labels = "、".join(f"{layout.fields[n].zh}({n})" for n in missing)
    log.add(
        "error",
        "header.missing",
        f"缺少必需的列：{labels}（在前10行中查找表头） / required column(s) missing: "
        f"{', '.join(missing)} (the header is looked for in the first 10 rows)",
        row=raw.header_row if raw.headers else None,
    )
    return log.report(columns=layout.columns, ignored_columns=layout.ignored)


# --- parsing and the row checks -----------------------------------------------------------


@dataclass(frozen=True)
class _RowCheck:
    """One rule over rows: ``failing`` is true where a row breaks it."""

    code: str
    severity: Severity
    field: str  # the column the issue points at
    failing: pl.Expr
    explain: Callable[[Row], str]
    #: Report only the firm's first failing row (the fact is about the firm, not the row).
    once_per_firm: bool = False


def _num(value: object) -> str:
    """A number as a person would write it: 1200, not 1200.0."""
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return str(int(value))
    return str(value)


def _labels(f: Field) -> tuple[str, str]:
    return f.zh, f.name.replace("_", " ")


def _parse_and_plan(
    work: pl.DataFrame, layout: _Layout, accepted_codes: Collection[str]
) -> tuple[pl.DataFrame, list[_RowCheck]]:
    """Add the parsed columns to ``work`` and list the row checks that apply to this file."""
    parsed: list[pl.Expr] = []
    checks: list[_RowCheck] = []
    for name in layout.source:
        f = layout.fields[name]
        raw = _raw(name)
        dtype = work.schema[raw]
        value, field_checks = _field_parser(f, raw, dtype, work)
        parsed.append(value.alias(name))
        checks += field_checks
    work = work.with_columns(parsed)
    work, code_checks = _credit_code_checks(work, layout, accepted_codes)
    checks += code_checks
    checks += _cross_field_checks(layout)
    return work, checks


def _field_parser(
    f: Field, raw: str, dtype: pl.DataType, work: pl.DataFrame
) -> tuple[pl.Expr, list[_RowCheck]]:
    """The parsed value of one field and the checks on its cells."""
    given = pl.col(raw).is_not_null()
    zh, en = _labels(f)

    if f.name == YEAR:
        value = number_expr(raw, dtype)
        year = pl.col(YEAR)
        return value, [
            _RowCheck(
                "year.missing",
                "error",
                YEAR,
                ~given,
                lambda r: "年度为空 / the year is empty",
            ),
            _RowCheck(
                "year.parse",
                "error",
                YEAR,
                given & (year.is_null() | (year != year.round(0))),
                lambda r: f"年度「{r[raw]}」不是整数年份"
                f" / year {str(r[raw])!r} is not a whole year",
            ),
            *_bound_checks(f),
        ]
    if f.name == CREDIT:
        return text_expr(raw, dtype), [
            _RowCheck(
                "credit_code.missing",
                "error",
                CREDIT,
                ~given,
                lambda r: "统一社会信用代码为空 / the credit code is empty",
            )
        ]
    if f.kind in NUMBER_KINDS:
        return _number_parser(f, raw, dtype)
    if f.kind == "bool":
        return bool_expr(raw, dtype), [
            _RowCheck(
                "bool.parse",
                "error",
                f.name,
                given & pl.col(f.name).is_null(),
                lambda r: f"{zh}「{r[raw]}」不是是/否值（可填 是/否、true/false、1/0）"
                f" / {en}: {str(r[raw])!r} is not a yes/no value (use true/false, 1/0 or 是/否)",
            )
        ]
    if f.kind == "enum":
        allowed = "、".join(f"{k}({v[0]})" if v else k for k, v in f.values.items())
        return enum_expr(raw, dtype, f.values), [
            _RowCheck(
                "enum.unknown",
                "error",
                f.name,
                given & pl.col(f.name).is_null(),
                lambda r: f"{zh}「{r[raw]}」不是可用的值（可用：{allowed}）"
                f" / {en}: unknown value {str(r[raw])!r} (allowed: {allowed})",
            )
        ]
    if f.kind == "flags":
        return _flags_parser(f, raw, dtype, work)
    if f.kind == "titles":
        return _titles_parser(f, raw, dtype, work)
    if f.name == "region_code":
        return region_code_expr(raw, dtype), [
            _RowCheck(
                "region_code.unknown",
                "error",
                f.name,
                given & pl.col(f.name).is_null(),
                lambda r: f"「{r[raw]}」不是行政区划代码（6位，统计用区划代码2023）"
                f" / {str(r[raw])!r} is not a 6-digit division code (2023 statistical divisions)",
            )
        ]
    if f.name == "industry_code":
        texts = work.get_column(raw).drop_nulls().unique().cast(pl.String).to_list()
        codes = industry_code_map(texts)
        value = text_expr(raw, dtype).replace_strict(codes, default=None, return_dtype=pl.String)
        return value, [
            _RowCheck(
                "industry_code.unknown",
                "error",
                f.name,
                given & pl.col(f.name).is_null(),
                lambda r: f"「{r[raw]}」不是 GB/T 4754-2017 国民经济行业代码（如 C3670 或 3670，"
                f"门类字母须与代码相符） / {str(r[raw])!r} is not a GB/T 4754-2017 industry code"
                " (e.g. C3670 or 3670; a section letter must be the code's own)",
            )
        ]
    return text_expr(raw, dtype), []


def _blank(f: Field, raw: str, dtype: pl.DataType) -> pl.Expr:
    """An empty cell; for a rank, +inf (how the normalised frames write "none") too."""
    if f.kind != "rank":
        return pl.col(raw).is_null()
    if dtype.is_numeric():
        return pl.col(raw).is_null() | (pl.col(raw) == math.inf)
    words = text_expr(raw, dtype).str.to_lowercase()
    return pl.col(raw).is_null() | words.is_in(["inf", "+inf", "infinity"])


def _number_parser(f: Field, raw: str, dtype: pl.DataType) -> tuple[pl.Expr, list[_RowCheck]]:
    zh, en = _labels(f)
    value = pl.col(f.name)
    checks = [
        _RowCheck(
            "number.parse",
            "error",
            f.name,
            ~_blank(f, raw, dtype) & value.is_null(),
            lambda r: f"{zh}「{r[raw]}」不是数字 / {en}: {str(r[raw])!r} is not a number",
        )
    ]
    if f.kind in WHOLE_KINDS:
        checks.append(
            _RowCheck(
                "number.whole",
                "error",
                f.name,
                value != value.round(0),
                lambda r: f"{zh}应为整数，实际为 {r[raw]} / {en} must be a whole number,"
                f" got {r[raw]}",
            )
        )
    checks += _bound_checks(f)
    if f.name == "chuangke_rank":
        checks.append(
            _RowCheck(
                "chuangke_rank.value",
                "error",
                f.name,
                value.is_not_null() & (value == value.round(0)) & (value >= 1)
                & ~value.is_in(CHUANGKE_LEVELS),
                lambda r: f"创客中国获奖应填 50（50强）或 500（500强），实际为 {r[raw]}"
                f" / chuangke_rank must be 50 (top 50) or 500 (top 500), got {r[raw]}",
            )
        )
    return number_expr(raw, dtype, percent=is_percent(f)), checks


def _bound_checks(f: Field) -> list[_RowCheck]:
    """Field.min / Field.max as errors; a floor of 0 reads as "cannot be negative"."""
    zh, en = _labels(f)
    value = pl.col(f.name)
    raw = _raw(f.name)
    lo, hi = f.min, f.max
    if lo is not None and hi is not None:
        zh_range = f"应在{_num(lo)}到{_num(hi)}之间"
        en_range = f"must be between {_num(lo)} and {_num(hi)}"
    elif lo is not None:
        zh_range, en_range = f"不应小于{_num(lo)}", f"must be at least {_num(lo)}"
    else:
        zh_range, en_range = f"不应大于{_num(hi)}", f"must be at most {_num(hi)}"

    def out_of_bounds(r: Row) -> str:
        return f"{zh}{zh_range}，实际为 {r[raw]} / {en} {en_range}, got {r[raw]}"

    checks: list[_RowCheck] = []
    if lo == 0:
        checks.append(
            _RowCheck(
                "range.negative",
                "error",
                f.name,
                value < 0,
                lambda r: f"{zh}不能为负数（{r[raw]}） / {en} cannot be negative ({r[raw]})",
            )
        )
    elif lo is not None:
        checks.append(_RowCheck("range.out_of_bounds", "error", f.name, value < lo, out_of_bounds))
    if hi is not None:
        checks.append(_RowCheck("range.out_of_bounds", "error", f.name, value > hi, out_of_bounds))
    return checks


def _distinct_texts(work: pl.DataFrame, raw: str) -> list[str]:
    return work.get_column(raw).drop_nulls().unique().cast(pl.String).to_list()


def _flags_parser(
    f: Field, raw: str, dtype: pl.DataType, work: pl.DataFrame
) -> tuple[pl.Expr, list[_RowCheck]]:
    zh, en = _labels(f)
    parses = {t: parse_flags(t, f.values) for t in _distinct_texts(work, raw)}
    canonical = {t: p.canonical for t, p in parses.items()}
    unknown = [t for t, p in parses.items() if p.unknown]
    allowed = "、".join(f"{k}({v[0]})" if v else k for k, v in f.values.items())
    value = text_expr(raw, dtype).replace_strict(canonical, default=None, return_dtype=pl.String)
    return value, [
        _RowCheck(
            "enum.unknown",
            "error",
            f.name,
            text_expr(raw, dtype).is_in(unknown),
            lambda r: f"{zh}中有无法识别的项：{'、'.join(parses[str(r[raw])].unknown)}"
            f"（可用：{allowed}） / {en}: unknown item(s) {', '.join(parses[str(r[raw])].unknown)}"
            f" (allowed: {allowed})",
        )
    ]


def _titles_parser(
    f: Field, raw: str, dtype: pl.DataType, work: pl.DataFrame
) -> tuple[pl.Expr, list[_RowCheck]]:
    zh, en = _labels(f)
    parses = {t: parse_titles(t, f.values) for t in _distinct_texts(work, raw)}
    canonical = {t: p.canonical for t, p in parses.items()}
    text = text_expr(raw, dtype)
    allowed = "、".join(f"{k}({v[0]})" if v else k for k, v in f.values.items())

    def too_many(r: Row) -> str:
        p = parses[str(r[raw])]
        levels = ", ".join(f"{lv} ×{len(p.grants[lv])}" for lv in p.too_many())
        return (
            f"{zh}中同一称号的授予日期超过{TITLE_SLOTS}个（{levels}），只保留最近{TITLE_SLOTS}个"
            f" / {en}: more than {TITLE_SLOTS} grant dates for one title ({levels});"
            f" only the {TITLE_SLOTS} most recent are kept"
        )

    value = text.replace_strict(canonical, default=None, return_dtype=pl.String)
    return value, [
        _RowCheck(
            "enum.unknown",
            "error",
            f.name,
            text.is_in([t for t, p in parses.items() if p.unknown]),
            lambda r: f"{zh}中有无法识别的称号：{'、'.join(parses[str(r[raw])].unknown)}"
            f"（可用：{allowed}） / {en}: unknown title(s)"
            f" {', '.join(parses[str(r[raw])].unknown)} (allowed: {allowed})",
        ),
        _RowCheck(
            "title.date",
            "error",
            f.name,
            text.is_in([t for t, p in parses.items() if p.bad_dates]),
            lambda r: f"{zh}中的授予日期不是有效日期：{'、'.join(parses[str(r[raw])].bad_dates)}"
            f"（格式 名称@YYYY-MM-DD） / {en}: grant date is not a date:"
            f" {', '.join(parses[str(r[raw])].bad_dates)} (write name@YYYY-MM-DD)",
        ),
        _RowCheck(
            "title.too_many",
            "warning",
            f.name,
            text.is_in([t for t, p in parses.items() if p.canonical and p.too_many()]),
            too_many,
            once_per_firm=True,
        ),
    ]


def _credit_code_checks(
    work: pl.DataFrame, layout: _Layout, accepted_codes: Collection[str]
) -> tuple[pl.DataFrame, list[_RowCheck]]:
    """GB 32100 shape and check character, computed once per distinct code.

    A province has a million firms but three rows each: checking distinct codes and joining
    the few failures back is a third of the work of checking every row.
    """
    code = pl.col("code")
    distinct = work.select(pl.col(CREDIT).drop_nulls().unique().alias("code"))
    problem = (
        pl.when(code.str.len_chars() != 18)
        .then(pl.lit("length"))
        .when(~code.str.contains(f"^[{CREDIT_CODE_ALPHABET}]{{18}}$"))
        .then(pl.lit("alphabet"))
        .when(~credit_code_valid_expr("code"))
        .then(pl.lit("check_digit"))
    )
    failures = distinct.with_columns(problem.alias("__code_problem")).filter(
        pl.col("__code_problem").is_not_null()
    )
    accepted = sorted({c.strip() for c in accepted_codes})
    failures = failures.with_columns(
        pl.when((pl.col("__code_problem") == "check_digit") & code.is_in(accepted))
        .then(pl.lit("accepted"))
        .otherwise(pl.col("__code_problem"))
        .alias("__code_problem")
    )
    work = work.join(failures.rename({"code": CREDIT}), on=CREDIT, how="left")
    problem_col = pl.col("__code_problem")

    def why(r: Row) -> str:
        return credit_code_problem(str(r[CREDIT])) or ""

    checks = [
        _RowCheck(f"credit_code.{kind}", "error", CREDIT, problem_col == kind, why)
        for kind in ("length", "alphabet", "check_digit")
    ]
    checks.append(
        _RowCheck(
            "credit_code.accepted",
            "warning",
            CREDIT,
            problem_col == "accepted",
            lambda r: "校验位不符合 GB 32100，但该代码在已接受代码清单中，按有效代码处理"
            " / fails the GB 32100 check character but is on the accepted list;"
            " treated as valid",
            once_per_firm=True,
        )
    )
    return work, checks


def _cross_field_checks(layout: _Layout) -> list[_RowCheck]:
    """Rules between two amounts of the same row (CRITERIA "Input checks")."""
    checks: list[_RowCheck] = []

    def both(a: str, b: str) -> bool:
        return layout.present(a) and layout.present(b)

    rev, main, rd = pl.col("revenue"), pl.col("main_revenue"), pl.col("rd_expense")
    if both("main_revenue", "revenue"):
        checks.append(
            _RowCheck(
                "main_revenue.above_revenue",
                "error",
                "main_revenue",
                main > rev,
                lambda r: f"主营业务收入({_num(r['main_revenue'])})"
                f"大于营业收入({_num(r['revenue'])})"
                f" / main revenue {_num(r['main_revenue'])} exceeds revenue {_num(r['revenue'])}",
            )
        )
    if both("rd_employees", "employees"):
        checks.append(
            _RowCheck(
                "rd_employees.above_employees",
                "error",
                "rd_employees",
                pl.col("rd_employees") > pl.col("employees"),
                lambda r: f"研发人员数({_num(r['rd_employees'])})"
                f"大于职工总数({_num(r['employees'])})"
                f" / R&D staff {_num(r['rd_employees'])} exceeds employees"
                f" {_num(r['employees'])}",
            )
        )
    if both("rd_expense", "revenue"):
        checks.append(
            _RowCheck(
                "rd_expense.above_revenue",
                "warning",
                "rd_expense",
                rd > rev,
                lambda r: f"研发费用({_num(r['rd_expense'])})大于营业收入({_num(r['revenue'])})，"
                f"请核对（初创研发型企业可能如此） / R&D expense {_num(r['rd_expense'])} exceeds"
                f" revenue {_num(r['revenue'])}: please check (young R&D firms do this)",
            )
        )
    if both("total_liabilities", "total_assets"):
        checks.append(
            _RowCheck(
                "liabilities.above_assets",
                "warning",
                "total_liabilities",
                pl.col("total_liabilities") > pl.col("total_assets"),
                lambda r: f"负债总额({_num(r['total_liabilities'])})大于资产总额"
                f"({_num(r['total_assets'])})，请核对 / liabilities"
                f" {_num(r['total_liabilities'])} exceed assets {_num(r['total_assets'])}:"
                " please check",
            )
        )
    if both("net_profit", "revenue"):
        checks.append(
            _RowCheck(
                "net_profit.loss_above_revenue",
                "warning",
                "net_profit",
                pl.col("net_profit") < -rev,
                lambda r: f"亏损({_num(-r['net_profit'])})"
                f"大于营业收入({_num(r['revenue'])})，请核对"
                f" / loss {_num(-r['net_profit'])} exceeds revenue {_num(r['revenue'])}:"
                " please check",
            )
        )
    if layout.present("revenue"):
        checks.append(
            _RowCheck(
                "units.yuan",
                "warning",
                "revenue",
                rev > YUAN_SUSPECT_REVENUE,
                lambda r: f"营业收入 {_num(r['revenue'])} 万元超过 {YUAN_SUSPECT_REVENUE:,} 万元，"
                f"疑似以元而非万元填报 / revenue {_num(r['revenue'])} is above"
                f" {YUAN_SUSPECT_REVENUE:,} (10k CNY): it looks like 元 rather than 万元",
            )
        )
    return checks


def _run_row_checks(
    work: pl.DataFrame, checks: list[_RowCheck], layout: _Layout, log: IssueLog
) -> None:
    """Evaluate every check in one pass, then explain the (few) failing rows."""
    if not checks or work.height == 0:
        return
    flags = work.select(
        [c.failing.fill_null(False).alias(f"check{i}") for i, c in enumerate(checks)]
    )
    counts = flags.sum().row(0)
    for i, (check, count) in enumerate(zip(checks, counts, strict=True)):
        if not count:
            continue
        hits = work.filter(flags.get_column(f"check{i}"))
        if check.once_per_firm:
            hits = hits.unique(subset=CREDIT, keep="first", maintain_order=True)
        _log_rows(
            log,
            hits,
            code=check.code,
            severity=check.severity,
            field=check.field,
            explain=check.explain,
            layout=layout,
        )


def _log_rows(
    log: IssueLog,
    hits: pl.DataFrame,
    *,
    code: str,
    severity: Severity,
    field: str,
    explain: Callable[[Row], str],
    layout: _Layout,
) -> None:
    room = log.room(code)
    for r in hits.head(room).iter_rows(named=True):
        value = r.get(_raw(field))
        log.add(
            severity,
            code,
            explain(r),
            row=r[ROW],
            column=layout.header[field],
            value=None if value is None else _cell_text(value),
        )
    log.count_unlisted(code, hits.height - min(room, hits.height))


def _cell_text(value: object) -> str:
    return _num(value) if isinstance(value, float) else str(value)


# --- keys and per-enterprise fields -------------------------------------------------------


def _check_duplicate_years(work: pl.DataFrame, layout: _Layout, log: IssueLog) -> None:
    """The same firm and fiscal year on two rows: every later row is an error."""
    keyed = work.filter(pl.col(CREDIT).is_not_null() & pl.col(YEAR).is_not_null())
    repeated = keyed.filter(~pl.struct(CREDIT, YEAR).is_first_distinct())
    if repeated.height == 0:
        return
    first_rows = (
        keyed.join(repeated.select(CREDIT, YEAR).unique(), on=[CREDIT, YEAR], how="semi")
        .group_by(CREDIT, YEAR)
        .agg(pl.col(ROW).min().alias("__first_row"))
    )
    hits = repeated.join(first_rows, on=[CREDIT, YEAR], how="left").sort(ROW)
    _log_rows(
        log,
        hits,
        code="duplicate.firm_year",
        severity="error",
        field=YEAR,
        explain=lambda r: f"企业 {r[CREDIT]} 的 {_num(r[YEAR])} 年度数据重复"
        f"（首次出现在第{r['__first_row']}行）"
        f" / firm {r[CREDIT]} has year {_num(r[YEAR])} twice (first at row {r['__first_row']})",
        layout=layout,
    )


def _combine_firm_fields(work: pl.DataFrame, layout: _Layout) -> pl.DataFrame:
    """One row per credit code: first row, year count, and min / max of each firm field.

    Empty cells are skipped, so a field given on one row (any row) is the firm's value; when
    min and max differ the firm has two different values (a conflict). Min is the value.
    """
    aggs: list[pl.Expr] = [
        pl.col(ROW).min().alias(ROW),
        pl.col(YEAR).drop_nulls().n_unique().alias("__years"),
    ]
    for f in layout.present_fields("firm"):
        aggs += [pl.col(f.name).min().alias(f.name), pl.col(f.name).max().alias(f"{f.name}__max")]
    keyed = work.filter(pl.col(CREDIT).is_not_null())
    return keyed.group_by(CREDIT).agg(aggs).sort(CREDIT)


def _check_conflicts(
    work: pl.DataFrame, firm_values: pl.DataFrame, layout: _Layout, log: IssueLog
) -> None:
    code = "firm_field.conflict"
    for f in layout.present_fields("firm"):
        clash = firm_values.filter(pl.col(f.name) != pl.col(f"{f.name}__max"))
        if clash.height == 0:
            continue
        room = log.room(code)
        log.count_unlisted(code, clash.height - min(room, clash.height))
        listed = clash.get_column(CREDIT).head(room)
        if listed.len() == 0:
            continue
        rows = (
            work.filter(pl.col(CREDIT).is_in(listed.to_list()) & pl.col(f.name).is_not_null())
            .select(CREDIT, ROW, f.name, _raw(f.name))
            .sort(ROW)
        )
        first_seen: dict[str, Row] = {}
        reported: set[str] = set()
        for r in rows.iter_rows(named=True):
            firm = r[CREDIT]
            first = first_seen.setdefault(firm, r)
            if firm in reported or r[f.name] == first[f.name]:
                continue
            reported.add(firm)
            zh, en = _labels(f)
            a, b = _cell_text(first[_raw(f.name)]), _cell_text(r[_raw(f.name)])
            log.add(
                "error",
                code,
                f"企业 {firm} 的「{zh}」有两个不同的值："
                f"第{first[ROW]}行为「{a}」，第{r[ROW]}行为「{b}」"
                f" / firm {firm} has two different {en} values: {a!r} (row {first[ROW]})"
                f" and {b!r} (row {r[ROW]})",
                row=r[ROW],
                column=layout.header[f.name],
                value=b,
            )


def _check_years_per_firm(
    work: pl.DataFrame, firm_values: pl.DataFrame, layout: _Layout, log: IssueLog
) -> None:
    """Growth rules need three years; a firm with fewer will be unknown on them."""
    code = "years.too_few"
    short = firm_values.filter(pl.col("__years") < YEARS_NEEDED)
    if short.height == 0:
        return
    room = log.room(code)
    log.count_unlisted(code, short.height - min(room, short.height))
    listed = short.head(room)
    years = dict(
        work.filter(pl.col(CREDIT).is_in(listed.get_column(CREDIT).to_list()))
        .group_by(CREDIT)
        .agg(pl.col(YEAR).drop_nulls().unique().sort())
        .iter_rows()
    )
    for r in listed.iter_rows(named=True):
        firm = r[CREDIT]
        held = [_num(y) for y in years.get(firm, [])]
        shown = "、".join(held) or "无"
        log.add(
            "warning",
            code,
            f"企业 {firm} 只有 {len(held)} 个年度的数据（{shown}）；"
            f"部分规则需要{YEARS_NEEDED}年数据，这些规则将为未知"
            f" / firm {firm} has {len(held)} year(s) of data"
            f" ({', '.join(held) or 'none'}); some rules need {YEARS_NEEDED} years; those will"
            " be unknown",
            row=r[ROW],
            column=layout.header[CREDIT],
            value=firm,
        )


# --- the normalised frames ----------------------------------------------------------------


def _dtype(f: Field) -> pl.DataType:
    if f.kind in NUMBER_KINDS:
        return pl.Float64()
    if f.kind == "bool":
        return pl.Boolean()
    return pl.String()


def _build_dataset(work: pl.DataFrame, firm_values: pl.DataFrame, layout: _Layout) -> Dataset:
    year_fields = [f for f in layout.fields.values() if f.scope == "year"]
    financials = work.select(
        pl.col(CREDIT),
        pl.col(YEAR).cast(pl.Int32),
        *[_present_or_null(f, layout) for f in year_fields],
    ).sort(CREDIT, YEAR)

    firm_fields = [f for f in layout.fields.values() if f.scope == "firm"]
    firms = firm_values.select(CREDIT, *[_present_or_null(f, layout) for f in firm_fields])
    columns: list[str] = [CREDIT]
    extra: list[pl.Expr] = []
    for f in firm_fields:
        columns.append(f.name)
        if f.kind == "flags":
            derived = _flag_columns(f, layout)
            extra += derived
            columns += [e.meta.output_name() for e in derived]
        elif f.kind == "titles" and f.name == "titles":
            columns += _title_columns()
    firms = firms.with_columns(_none_fill(f, layout) for f in firm_fields).with_columns(extra)
    if layout.present("titles"):
        texts = [*firms.get_column("titles").unique().to_list(), ""]
        slots = title_slot_frame(texts, TITLE_LEVELS, layout.fields["titles"].values)
        firms = firms.join(slots, on="titles", how="left")
    elif "titles" in layout.fields:
        firms = firms.with_columns(
            pl.lit(None, pl.Boolean if c.endswith("_undated") else pl.Int32).alias(c)
            for c in _title_columns()
        )
    return Dataset(firms=firms.select(columns), financials=financials)


def _present_or_null(f: Field, layout: _Layout) -> pl.Expr:
    if layout.present(f.name):
        return pl.col(f.name).cast(_dtype(f))
    return pl.lit(None, _dtype(f)).alias(f.name)


def _none_fill(f: Field, layout: _Layout) -> pl.Expr:
    """An empty cell means *none* for honours, titles and ranks — when the column is there."""
    column = pl.col(f.name)
    if not layout.present(f.name):
        return column
    if f.kind == "rank":
        return column.fill_null(math.inf)
    if f.kind in ("flags", "titles"):
        return column.fill_null("")
    return column


def _flag_columns(f: Field, layout: _Layout) -> list[pl.Expr]:
    out: list[pl.Expr] = []
    for key in f.values:
        name = flag_column(f.name, key)
        if layout.present(f.name):
            out.append(pl.col(f.name).str.split(";").list.contains(key).alias(name))
        else:
            out.append(pl.lit(None, pl.Boolean).alias(name))
    return out


def _title_columns() -> list[str]:
    out: list[str] = []
    for level in TITLE_LEVELS:
        out += [title_date_column(level, s) for s in range(1, TITLE_SLOTS + 1)]
        out.append(title_undated_column(level))
    return out

