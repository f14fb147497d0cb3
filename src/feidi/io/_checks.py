"""Parsing each field of a file and the row checks on its cells.

Every check is a :class:`RowCheck`: a Polars expression that is true on the failing rows
and a function explaining one failing row. The validator evaluates all of them in one pass
over the file, so a 3,000,000-row file is checked without a Python loop over rows; the
explanations are built only for the rows that are reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import numpy as np
import polars as pl

from feidi.io._issues import CONTROL_CHARS, Bilingual, Severity, visible_text
from feidi.io._parse import (
    NUMBER_KINDS,
    WHOLE_KINDS,
    FlagsParse,
    TitlesParse,
    bool_expr,
    enum_expr,
    industry_code_map,
    is_percent,
    number_expr,
    parse_flags,
    parse_titles,
    region_code_expr,
    text_expr,
)
from feidi.reference import CREDIT_CODE_ALPHABET, credit_code_problem
from feidi.schema import TITLE_SLOTS, Field

__all__ = [
    "CREDIT",
    "FIRM",
    "YEAR",
    "Row",
    "RowCheck",
    "cell_text",
    "credit_code_checks",
    "field_labels",
    "number_text",
    "parse_fields",
    "raw_column",
]

CREDIT = "credit_code"
YEAR = "year"
#: Internal dense integer id of a credit code, added by the validator.
FIRM = "__firm"
#: Revenue above this many 万元 (100 亿元) is not an SME: the file is probably in 元.
YUAN_SUSPECT_REVENUE = 1_000_000
#: The only 创客中国 national prize levels: top 50 and top 500.
CHUANGKE_LEVELS = (50.0, 500.0)

#: One row of the working frame, as given to an explanation.
Row = dict[str, Any]


def raw_column(name: str) -> str:
    """Column holding a field's cell as read (the parsed value sits under the field's name)."""
    return f"raw:{name}"


@dataclass(frozen=True)
class RowCheck:
    """One rule over rows: ``failing`` is true where a row breaks it."""

    code: str
    severity: Severity
    field: str  # the column the issue points at
    failing: pl.Expr
    explain: Callable[[Row], Bilingual]
    #: Report only the firm's first failing row (the fact is about the firm, not the row).
    once_per_firm: bool = False


def number_text(value: object) -> str:
    """A number as a person would write it: 1200, not 1200.0."""
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return str(int(value))
    return str(value)


def field_labels(f: Field) -> Bilingual:
    return f.label("zh"), f.label("en")


def parse_fields(work: pl.DataFrame, fields: list[Field]) -> tuple[pl.DataFrame, list[RowCheck]]:
    """Add a parsed column per field to ``work`` and list the row checks for this file.

    ``work`` holds each field's cells under :func:`raw_column`; ``fields`` are the fields
    the file has. The parsed value of a field is added under the field's own name.
    """
    parsed: list[pl.Expr] = []
    checks: list[RowCheck] = []
    for f in fields:
        raw = raw_column(f.name)
        value, field_checks = _field_parser(f, raw, work.schema[raw], work)
        parsed.append(value.alias(f.name))
        checks += field_checks
    work = work.with_columns(parsed)
    work = _clean_up_numbers(work, fields)
    checks += _cross_field_checks({f.name for f in fields})
    return work, checks


def _clean_up_numbers(work: pl.DataFrame, fields: list[Field]) -> pl.DataFrame:
    """Re-parse, with the full clean-up, the number columns a plain cast could not read.

    Numbers are first read with a plain cast. Only a column where some cell failed is read
    again accepting "1,234.5", full-width digits and "12%", so a clean file pays for one
    cast per column.
    """
    numeric = [
        f
        for f in fields
        if (f.kind in NUMBER_KINDS or f.name == YEAR)
        and not work.schema[raw_column(f.name)].is_numeric()
    ]
    if not numeric or work.height == 0:
        return work
    unread = work.select(
        (pl.col(f.name).is_null() & pl.col(raw_column(f.name)).is_not_null()).any().alias(f.name)
        for f in numeric
    ).row(0, named=True)
    redo = [
        number_expr(
            raw_column(f.name), work.schema[raw_column(f.name)], percent=is_percent(f)
        ).alias(f.name)
        for f in numeric
        if unread[f.name]
    ]
    return work.with_columns(redo) if redo else work


Parsed = tuple[pl.Expr, list[RowCheck]]


def _field_parser(f: Field, raw: str, dtype: pl.DataType, work: pl.DataFrame) -> Parsed:
    """The parsed value of one field and the checks on its cells."""
    if f.name == YEAR:
        return _year_parser(f, raw, dtype)
    if f.name == CREDIT:
        return _credit_code_parser(raw, dtype)
    if f.name == "region_code":
        return _region_code_parser(f, raw, dtype, work)
    if f.name == "industry_code":
        return _industry_code_parser(f, raw, dtype, work)
    if f.kind in NUMBER_KINDS:
        return _number_parser(f, raw, dtype)
    if f.kind == "bool":
        return _bool_parser(f, raw, dtype, work)
    if f.kind == "enum":
        return _enum_parser(f, raw, dtype, work)
    if f.kind == "flags":
        return _flags_parser(f, raw, dtype, work)
    if f.kind == "titles":
        return _titles_parser(f, raw, dtype, work)
    return text_expr(raw, dtype), _text_checks(f, raw, dtype)  # str / code: the trimmed text


def _text_checks(f: Field, raw: str, dtype: pl.DataType) -> list[RowCheck]:
    """A text kept as written: no control characters, and no longer than ``Field.max_chars``.

    Both would pass every other check and then fail where the text is stored (PostgreSQL
    refuses NUL; a varchar column refuses a longer value), after the file was accepted.
    """
    zh, en = field_labels(f)
    text = text_expr(raw, dtype)

    def control(r: Row) -> Bilingual:
        found = "、".join(sorted({visible_text(c) for c in cell(r, raw) if visible_text(c) != c}))
        return (
            f"{zh}含有控制字符 {found}，请删除",
            f"{en} contains the control character(s) {found.replace('、', ', ')}: delete them",
        )

    checks = [
        RowCheck("text.control_char", "error", f.name, text.str.contains(CONTROL_CHARS), control)
    ]
    limit = f.max_chars
    if limit is not None:
        checks.append(
            RowCheck(
                "text.too_long",
                "error",
                f.name,
                text.str.len_chars() > limit,
                lambda r: (
                    f"{zh}超过 {limit} 个字符（{len(cell(r, raw))} 个）",
                    f"{en} is longer than {limit} characters ({len(cell(r, raw))})",
                ),
            )
        )
    return checks


def _unparsed(
    code: str, f: Field, raw: str, zh_why: str, en_why: str, *, blank: pl.Expr | None = None
) -> RowCheck:
    """A non-empty cell that did not parse: ("营业收入「abc」不是数字", "Revenue: 'abc' is ...")."""
    zh, en = field_labels(f)
    empty = pl.col(raw).is_null() if blank is None else blank
    return RowCheck(
        code,
        "error",
        f.name,
        ~empty & pl.col(f.name).is_null(),
        lambda r: (f"{zh}「{cell(r, raw)}」{zh_why}", f"{en}: {cell(r, raw)!r} {en_why}"),
    )


def _allowed(f: Field) -> str:
    return "、".join(f"{k}({v[0]})" if v else k for k, v in f.values.items())


def _year_parser(f: Field, raw: str, dtype: pl.DataType) -> Parsed:
    given, year = pl.col(raw).is_not_null(), pl.col(YEAR)
    return number_expr(raw, dtype, clean=False), [
        RowCheck(
            "year.missing", "error", YEAR, ~given, lambda r: ("年度为空", "the year is empty")
        ),
        RowCheck(
            "year.parse",
            "error",
            YEAR,
            given & (year.is_null() | (year != year.round(0))),
            lambda r: (
                f"年度「{cell(r, raw)}」不是整数年份",
                f"year {cell(r, raw)!r} is not a whole year",
            ),
        ),
        *_bound_checks(f),
    ]


def _credit_code_parser(raw: str, dtype: pl.DataType) -> Parsed:
    # The code itself is checked once per firm by :func:`credit_code_checks`.
    return text_expr(raw, dtype), [
        RowCheck(
            "credit_code.missing",
            "error",
            CREDIT,
            pl.col(raw).is_null(),
            lambda r: ("统一社会信用代码为空", "the credit code is empty"),
        )
    ]


def _bool_parser(f: Field, raw: str, dtype: pl.DataType, work: pl.DataFrame) -> Parsed:
    value = (
        pl.col(raw)  # a typed yes/no column (Parquet) is taken as it is
        if dtype == pl.Boolean
        else _map_distinct(work, raw, bool_expr(raw, dtype), pl.Boolean())
    )
    return value, [
        _unparsed(
            "bool.parse",
            f,
            raw,
            "不是是/否值（可填 是/否、true/false、1/0）",
            "is not a yes/no value (use true/false, 1/0 or 是/否)",
        )
    ]


def _enum_parser(f: Field, raw: str, dtype: pl.DataType, work: pl.DataFrame) -> Parsed:
    value = _map_distinct(work, raw, enum_expr(raw, dtype, f.values), pl.String())
    allowed = _allowed(f)
    return value, [
        _unparsed(
            "enum.unknown",
            f,
            raw,
            f"不是可用的值（可用：{allowed}）",
            f"is not an allowed value (allowed: {allowed})",
        )
    ]


def _region_code_parser(f: Field, raw: str, dtype: pl.DataType, work: pl.DataFrame) -> Parsed:
    value = _map_distinct(work, raw, region_code_expr(raw, dtype), pl.String())
    return value, [
        _unparsed(
            "region_code.unknown",
            f,
            raw,
            "不是行政区划代码（6位，统计用区划代码2023）",
            "is not a 6-digit division code (2023 statistical divisions)",
        )
    ]


def _industry_code_parser(f: Field, raw: str, dtype: pl.DataType, work: pl.DataFrame) -> Parsed:
    codes = industry_code_map(_distinct_texts(work, raw))
    value = text_expr(raw, dtype).replace_strict(codes, default=None, return_dtype=pl.String)
    return value, [
        _unparsed(
            "industry_code.unknown",
            f,
            raw,
            "不是 GB/T 4754-2017 国民经济行业代码（如 C3670 或 3670，门类字母须与代码相符）",
            "is not a GB/T 4754-2017 industry code"
            " (e.g. C3670 or 3670; a section letter must be the code's own)",
        )
    ]


def _blank(f: Field, raw: str, dtype: pl.DataType) -> pl.Expr:
    """An empty cell; for a rank, +inf (how the normalised frames write "none") too."""
    if f.kind != "rank":
        return pl.col(raw).is_null()
    if dtype.is_numeric():
        return pl.col(raw).is_null() | (pl.col(raw) == math.inf)
    words = text_expr(raw, dtype).str.to_lowercase()
    return pl.col(raw).is_null() | words.is_in(["inf", "+inf", "infinity"])


def _map_distinct(
    work: pl.DataFrame, raw: str, parse: pl.Expr, return_dtype: pl.DataType
) -> pl.Expr:
    """Parse each distinct cell once and map the column through the result.

    Enums, yes/no columns and codes have millions of rows but a handful of spellings;
    folding and matching each spelling once is much cheaper than once per row.
    """
    distinct = work.select(pl.col(raw).drop_nulls().unique())
    parsed = distinct.select(pl.col(raw), parse.alias("__parsed"))
    return pl.col(raw).replace_strict(
        parsed.get_column(raw),
        parsed.get_column("__parsed"),
        default=None,
        return_dtype=return_dtype,
    )


def _number_parser(f: Field, raw: str, dtype: pl.DataType) -> Parsed:
    """Numbers are first read with a plain cast; see :func:`_clean_up_numbers`."""
    zh, en = field_labels(f)
    value = pl.col(f.name)
    checks = [
        _unparsed(
            "number.parse", f, raw, "不是数字", "is not a number", blank=_blank(f, raw, dtype)
        )
    ]
    if f.kind in WHOLE_KINDS:
        checks.append(
            RowCheck(
                "number.whole",
                "error",
                f.name,
                value != value.round(0),
                lambda r: (
                    f"{zh}应为整数，实际为 {cell(r, raw)}",
                    f"{en} must be a whole number, got {cell(r, raw)}",
                ),
            )
        )
    checks += _bound_checks(f)
    if f.name == "chuangke_rank":
        checks.append(
            RowCheck(
                "chuangke_rank.value",
                "error",
                f.name,
                value.is_not_null()
                & (value == value.round(0))
                & (value >= 1)
                & ~value.is_in(CHUANGKE_LEVELS),
                lambda r: (
                    f"创客中国获奖应填 50（50强）或 500（500强），实际为 {cell(r, raw)}",
                    f"the Maker China prize must be 50 (top 50) or 500 (top 500), got {cell(r, raw)}",
                ),
            )
        )
    return number_expr(raw, dtype, clean=False), checks


def _bound_checks(f: Field) -> list[RowCheck]:
    """Field.min / Field.max as errors; a floor of 0 reads as "cannot be negative"."""
    zh, en = field_labels(f)
    value = pl.col(f.name)
    raw = raw_column(f.name)
    lo, hi = f.min, f.max
    if lo is not None and hi is not None:
        zh_range = f"应在{number_text(lo)}到{number_text(hi)}之间"
        en_range = f"must be between {number_text(lo)} and {number_text(hi)}"
    elif lo is not None:
        zh_range, en_range = f"不应小于{number_text(lo)}", f"must be at least {number_text(lo)}"
    else:
        zh_range, en_range = f"不应大于{number_text(hi)}", f"must be at most {number_text(hi)}"

    def out_of_bounds(r: Row) -> Bilingual:
        return f"{zh}{zh_range}，实际为 {cell(r, raw)}", f"{en} {en_range}, got {cell(r, raw)}"

    checks: list[RowCheck] = []
    if lo == 0:
        checks.append(
            RowCheck(
                "range.negative",
                "error",
                f.name,
                value < 0,
                lambda r: (
                    f"{zh}不能为负数（{cell(r, raw)}）",
                    f"{en} cannot be negative ({cell(r, raw)})",
                ),
            )
        )
    elif lo is not None:
        checks.append(RowCheck("range.out_of_bounds", "error", f.name, value < lo, out_of_bounds))
    if hi is not None:
        checks.append(RowCheck("range.out_of_bounds", "error", f.name, value > hi, out_of_bounds))
    return checks


def _distinct_texts(work: pl.DataFrame, raw: str) -> list[str]:
    return work.get_column(raw).drop_nulls().unique().cast(pl.String).to_list()


Values = tuple[tuple[str, tuple[str, ...]], ...]


def _frozen(values: Mapping[str, tuple[str, ...]]) -> Values:
    return tuple(values.items())


# A file read in batches meets the same few hundred honour and title texts in every batch:
# each is parsed (in Python) once per process, not once per batch.
@lru_cache(maxsize=1 << 16)
def _flags_of(text: str, values: Values) -> FlagsParse:
    return parse_flags(text, dict(values))


@lru_cache(maxsize=1 << 16)
def _titles_of(text: str, values: Values) -> TitlesParse:
    return parse_titles(text, dict(values))


def _flags_parser(f: Field, raw: str, dtype: pl.DataType, work: pl.DataFrame) -> Parsed:
    zh, en = field_labels(f)
    values = _frozen(f.values)
    parses = {t: _flags_of(t, values) for t in _distinct_texts(work, raw)}
    canonical = {t: p.canonical for t, p in parses.items()}
    unknown = [t for t, p in parses.items() if p.unknown]
    allowed = _allowed(f)
    value = text_expr(raw, dtype).replace_strict(canonical, default=None, return_dtype=pl.String)
    return value, [
        RowCheck(
            "enum.unknown",
            "error",
            f.name,
            text_expr(raw, dtype).is_in(unknown),
            lambda r: (
                f"{zh}中有无法识别的项：{'、'.join(parses[str(r[raw])].unknown)}（可用：{allowed}）",
                f"{en}: unknown item(s) {', '.join(parses[str(r[raw])].unknown)}"
                f" (allowed: {allowed})",
            ),
        )
    ]


def _titles_parser(f: Field, raw: str, dtype: pl.DataType, work: pl.DataFrame) -> Parsed:
    zh, en = field_labels(f)
    values = _frozen(f.values)
    parses = {t: _titles_of(t, values) for t in _distinct_texts(work, raw)}
    canonical = {t: p.canonical for t, p in parses.items()}
    text = text_expr(raw, dtype)
    allowed = _allowed(f)

    def too_many(r: Row) -> Bilingual:
        p = parses[str(r[raw])]
        levels = ", ".join(f"{lv} ×{len(p.grants[lv])}" for lv in p.too_many())
        return (
            f"{zh}中同一称号的授予日期超过{TITLE_SLOTS}个（{levels}），只保留最近{TITLE_SLOTS}个",
            f"{en}: more than {TITLE_SLOTS} grant dates for one title ({levels});"
            f" only the {TITLE_SLOTS} most recent are kept",
        )

    value = text.replace_strict(canonical, default=None, return_dtype=pl.String)
    return value, [
        RowCheck(
            "enum.unknown",
            "error",
            f.name,
            text.is_in([t for t, p in parses.items() if p.unknown]),
            lambda r: (
                f"{zh}中有无法识别的称号：{'、'.join(parses[str(r[raw])].unknown)}（可用：{allowed}）",
                f"{en}: unknown title(s)"
                f" {', '.join(parses[str(r[raw])].unknown)} (allowed: {allowed})",
            ),
        ),
        RowCheck(
            "title.date",
            "error",
            f.name,
            text.is_in([t for t, p in parses.items() if p.bad_dates]),
            lambda r: (
                f"{zh}中的授予日期不是有效日期：{'、'.join(parses[str(r[raw])].bad_dates)}"
                "（格式 名称@YYYY-MM-DD）",
                f"{en}: grant date is not a date:"
                f" {', '.join(parses[str(r[raw])].bad_dates)} (write name@YYYY-MM-DD)",
            ),
        ),
        RowCheck(
            "title.too_many",
            "warning",
            f.name,
            text.is_in([t for t, p in parses.items() if p.canonical and p.too_many()]),
            too_many,
            once_per_firm=True,
        ),
    ]


def credit_code_checks(
    work: pl.DataFrame, firm_values: pl.DataFrame, accepted_codes: Collection[str]
) -> tuple[pl.DataFrame, list[RowCheck]]:
    """GB 32100 shape and check character, computed once per firm (not once per row).

    The few failing codes are mapped back onto their rows (by the firm id :data:`FIRM`, which
    ``work`` and ``firm_values`` both carry) as ``__code_problem``; when every code is fine
    there is nothing to map, and the checks (the same list whatever the data, as every batch
    of a file must run the same checks) cannot fail.
    """
    failures = firm_values.select(
        FIRM, CREDIT, _code_problem(firm_values.get_column(CREDIT)).alias("problem")
    ).filter(pl.col("problem").is_not_null())
    problem_col = pl.lit(None, pl.String)
    if failures.height:
        accepted = {c.strip() for c in accepted_codes}
        by_firm = {
            firm: "accepted" if p == "check_digit" and c in accepted else p
            for firm, c, p in failures.iter_rows()
        }
        work = work.with_columns(
            pl.col(FIRM)
            .replace_strict(by_firm, default=None, return_dtype=pl.String)
            .alias("__code_problem")
        )
        problem_col = pl.col("__code_problem")

    def why(r: Row) -> Bilingual:
        return credit_code_problem(str(r[CREDIT])) or ("", "")

    checks = [
        RowCheck(f"credit_code.{kind}", "error", CREDIT, problem_col == kind, why)
        for kind in ("length", "alphabet", "check_digit")
    ]
    checks.append(
        RowCheck(
            "credit_code.accepted",
            "warning",
            CREDIT,
            problem_col == "accepted",
            lambda r: (
                "校验位不符合 GB 32100，但该代码在已接受代码清单中，按有效代码处理",
                "fails the GB 32100 check character but is on the accepted list; treated as valid",
            ),
            once_per_firm=True,
        )
    )
    return work, checks


#: GB 32100 check character weights (3^i mod 31) and character values (alphabet position).
_CODE_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_CODE_VALUES = np.zeros(256, dtype=np.int64)
_CODE_VALUES[np.frombuffer(CREDIT_CODE_ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(
    len(CREDIT_CODE_ALPHABET)
)
_CODE_CHARS = np.frombuffer(CREDIT_CODE_ALPHABET.encode("ascii"), dtype=np.uint8)


def _code_problem(codes: pl.Series) -> pl.Series:
    """Per code: "length", "alphabet", "check_digit" or null (valid or empty).

    The same verdict as ``credit_code_valid_expr``, with the check character computed in
    NumPy over the codes' bytes (the codes of the right shape are plain ASCII) rather than
    with 17 string slices per code.
    """
    shape_ok = codes.str.contains(f"^[{CREDIT_CODE_ALPHABET}]{{18}}$").fill_null(False)
    shaped = codes.filter(shape_ok)
    digit_ok = np.ones(0, dtype=bool)
    if shaped.len():
        joined = shaped.str.join("").item()
        cells = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        total = _CODE_VALUES[cells[:, :17]] @ _CODE_WEIGHTS
        digit_ok = _CODE_CHARS[(31 - total % 31) % 31] == cells[:, 17]
    check_ok = pl.Series(np.ones(codes.len(), dtype=bool))
    check_ok = check_ok.scatter(shape_ok.arg_true(), pl.Series(digit_ok))
    frame = pl.DataFrame({"code": codes, "shape_ok": shape_ok, "check_ok": check_ok})
    code = pl.col("code")
    problem = (
        pl.when(code.str.len_chars() != 18)
        .then(pl.lit("length"))
        .when(~pl.col("shape_ok"))
        .then(pl.lit("alphabet"))
        .when(~pl.col("check_ok"))
        .then(pl.lit("check_digit"))
    )
    return frame.select(pl.when(code.is_not_null()).then(problem)).to_series()


@dataclass(frozen=True)
class _PairRule:
    """A rule between two amounts of one row: ``field`` compared with ``other``."""

    code: str
    severity: Severity
    field: str
    other: str
    failing: Callable[[pl.Expr, pl.Expr], pl.Expr]
    #: Reason templates; ``{a}`` is the field, ``{b}`` the other, ``{loss}`` is ``-a``.
    zh: str
    en: str


_PAIR_RULES = (
    _PairRule(
        "main_revenue.above_revenue", "error", "main_revenue", "revenue", lambda a, b: a > b,
        "主营业务收入({a})大于营业收入({b})", "main revenue {a} exceeds revenue {b}",
    ),
    _PairRule(
        "rd_employees.above_employees", "error", "rd_employees", "employees", lambda a, b: a > b,
        "研发人员数({a})大于职工总数({b})", "R&D staff {a} exceeds employees {b}",
    ),
    # Warnings: real firms do these (CRITERIA), so the row is graded.
    _PairRule(
        "rd_expense.above_revenue", "warning", "rd_expense", "revenue", lambda a, b: a > b,
        "研发费用({a})大于营业收入({b})，请核对（初创研发型企业可能如此）",
        "R&D expense {a} exceeds revenue {b}: please check (young R&D firms do this)",
    ),
    _PairRule(
        "liabilities.above_assets", "warning", "total_liabilities", "total_assets",
        lambda a, b: a > b,
        "负债总额({a})大于资产总额({b})，请核对", "liabilities {a} exceed assets {b}: please check",
    ),
    _PairRule(
        "net_profit.loss_above_revenue", "warning", "net_profit", "revenue", lambda a, b: a < -b,
        "亏损({loss})大于营业收入({b})，请核对", "loss {loss} exceeds revenue {b}: please check",
    ),
)  # fmt: skip


def _cross_field_checks(present: set[str]) -> list[RowCheck]:
    """Rules between amounts of the same row (CRITERIA "Input checks")."""
    checks = [
        RowCheck(
            rule.code,
            rule.severity,
            rule.field,
            rule.failing(pl.col(rule.field), pl.col(rule.other)),
            partial(_explain_pair, rule),
        )
        for rule in _PAIR_RULES
        if rule.field in present and rule.other in present
    ]
    if "revenue" in present:
        checks.append(
            RowCheck(
                "units.yuan",
                "warning",
                "revenue",
                pl.col("revenue") > YUAN_SUSPECT_REVENUE,
                _explain_yuan,
            )
        )
    return checks


def _explain_pair(rule: _PairRule, r: Row) -> Bilingual:
    a, b = r[rule.field], r[rule.other]
    values = {"a": number_text(a), "b": number_text(b), "loss": number_text(-a)}
    return rule.zh.format(**values), rule.en.format(**values)


def _explain_yuan(r: Row) -> Bilingual:
    revenue, limit = number_text(r["revenue"]), f"{YUAN_SUSPECT_REVENUE:,}"
    return (
        f"营业收入 {revenue} 万元超过 {limit} 万元，疑似以元而非万元填报",
        f"revenue {revenue} is above {limit} (in 10k CNY): it looks like yuan rather than 10k yuan",
    )


def cell(r: Row, column: str) -> str:
    """The cell ``column`` of row ``r`` as text, for a message."""
    value = r[column]
    return "" if value is None else cell_text(value)


def cell_text(value: object) -> str:
    return number_text(value) if isinstance(value, float) else str(value)
