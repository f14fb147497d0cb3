"""The checks of a file's rows and the normalised :class:`Dataset` they give.

The pipeline (``CRITERIA.md``, "Canonical input" and "Input checks"):

1. map headers (English or Chinese) to canonical fields (:func:`map_headers`);
2. parse every mapped column by its kind and plan the row checks (:mod:`feidi.io._checks`);
3. run the row checks — each one a Polars expression that is true on the failing rows, so a
   3,000,000-row file is checked in one pass and Python only touches the rows it reports;
4. check the keys (credit code, duplicate firm-year) and combine the per-enterprise fields
   into one value per firm, reporting conflicts;
5. when there is no error, build the normalised frames.

Steps 2–5 (:func:`check_rows`) run on a batch of whole firms or on the whole file alike:
:mod:`feidi.io._stream` chooses, and gathers the batches' issues into one report.

Everything is driven by :mod:`feidi.schema`, so a new field needs no change here unless it
brings a new cross-field rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

import polars as pl

from feidi.io._checks import (
    CREDIT,
    FIRM,
    YEAR,
    Row,
    RowCheck,
    cell_text,
    credit_code_checks,
    field_labels,
    number_text,
    parse_fields,
    raw_column,
)
from feidi.io._findings import SiteLog
from feidi.io._issues import Bilingual, InputReport, IssueLog, Severity
from feidi.io._parse import NUMBER_KINDS, flag_column, title_slot_frame
from feidi.io._read import ROW
from feidi.io._sources import all_distinct
from feidi.schema import (
    FIELDS,
    TITLE_COLUMNS,
    TITLE_LEVELS,
    Field,
    header_aliases,
    normalise_header,
)

__all__ = [
    "Checked",
    "Dataset",
    "Layout",
    "check_rows",
    "known_fields",
    "map_headers",
    "missing_keys_report",
    "no_rows",
]

#: Growth rules need three fiscal years (上年度 and the two before).
YEARS_NEEDED = 3


@dataclass(frozen=True)
class Dataset:
    """The normalised input.

    ``firms`` has one row per credit code (per-enterprise fields, honour flags and title
    slots); ``financials`` one row per credit code and fiscal year (amounts as Float64).
    Rows follow the file: firms in order of first appearance, financials in file order.
    """

    firms: pl.DataFrame
    financials: pl.DataFrame
    #: Where each firm first appears in the file (``credit_code``, ``row`` as the spreadsheet
    #: numbers it), so a caller that checks firms further (a registry's jurisdiction) can
    #: name the row; None for a dataset that did not come from a file.
    firm_rows: pl.DataFrame | None = None


# --- one batch of rows -------------------------------------------------------------------


def known_fields(extra_fields: tuple[Field, ...]) -> tuple[Field, ...]:
    """The canonical fields and a rulebook's own (which may not redefine them)."""
    taken = {f.name for f in FIELDS}
    clash = [f.name for f in extra_fields if f.name in taken]
    if clash:
        raise ValueError(f"extra fields redefine canonical fields: {', '.join(clash)}")
    return FIELDS + tuple(extra_fields)


@dataclass(frozen=True)
class Layout:
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

    @property
    def missing_keys(self) -> list[str]:
        return [n for n in (CREDIT, YEAR) if not self.present(n)]


@dataclass(frozen=True)
class Checked:
    """What checking one batch of rows gave: its counts and, when asked for and the batch
    has no error, its normalised frames."""

    rows: int
    firms: int
    dataset: Dataset | None


def check_rows(
    data: pl.DataFrame,
    layout: Layout,
    accepted_codes: Collection[str],
    log: SiteLog,
    *,
    build: bool,
) -> Checked:
    """Every row and firm check on ``data`` (a batch of whole firms, or the whole file).

    ``data`` holds raw cells as :class:`~feidi.io._read.RawTable` does. Issues go to ``log``
    site by site, the same sites in the same order for every batch (:mod:`feidi.io._findings`).
    """
    cells = [c for c in data.columns if c != ROW]
    if cells and data.height:
        blank = data.select(pl.all_horizontal(pl.col(cells).is_null())).to_series()
        if blank.any():
            data = data.filter(~blank)
    work = data.select(
        ROW, *[pl.col(pos).alias(raw_column(name)) for name, pos in layout.source.items()]
    )
    del data
    work, checks = parse_fields(work, [layout.fields[name] for name in layout.source])
    work, firm_values, clashing = _combine_firm_fields(work, layout)
    work, code_checks = credit_code_checks(work, firm_values, accepted_codes)
    _run_row_checks(work, checks + code_checks, layout, log)
    _check_duplicate_years(work, firm_values, layout, log)
    _check_conflicts(work, clashing, layout, log)
    _check_years_per_firm(work, firm_values, layout, log)
    rows, firms = work.height, firm_values.height
    if not build or log.has_errors:
        return Checked(rows, firms, None)
    return Checked(rows, firms, _build_dataset(work, firm_values, layout))


def no_rows(log: IssueLog, header_row: int) -> None:
    """The file-level warning for a file with a header and nothing below it."""
    log.add(
        "warning",
        "file.no_rows",
        ("表头下没有数据行", "there are no data rows below the header"),
        row=header_row,
    )


def map_headers(
    headers: tuple[str, ...],
    header_row: int,
    fields: tuple[Field, ...],
    log: IssueLog,
    has_data: Callable[[str], bool],
) -> Layout:
    """Which positional column (``c0`` …) feeds which field; header problems go to ``log``.

    ``has_data`` tells whether a column holds any cell (asked only of unnamed columns).
    """
    aliases = header_aliases(fields)
    aliases_field = {f.name: f for f in fields}
    source: dict[str, str] = {}
    header: dict[str, str] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for i, text in enumerate(headers):
        position = f"c{i}"
        if not text:
            # Spreadsheets carry empty trailing columns; only an unnamed column with data
            # is worth a word.
            if has_data(position):
                log.add(
                    "warning",
                    "header.unknown",
                    (
                        f"第{i + 1}列有数据但没有表头，已忽略",
                        f"column {i + 1} has data but no header; it is ignored",
                    ),
                    row=header_row,
                )
            continue
        name = aliases.get(normalise_header(text))
        if name is None:
            ignored.append(text)
            log.add(
                "warning",
                "header.unknown",
                (
                    f"无法识别的表头「{text}」，该列已忽略",
                    f"unknown header {text!r}; the column is ignored",
                ),
                row=header_row,
                column=text,
                value=text,
            )
        elif name in source:
            log.add(
                "error",
                "header.duplicate",
                (
                    f"表头「{text}」与「{header[name]}」都对应“{aliases_field[name].zh}”，请删去其中一列",
                    f"headers {text!r} and {header[name]!r} both mean"
                    f" {aliases_field[name].label('en')}: keep one",
                ),
                row=header_row,
                column=text,
                value=text,
            )
        else:
            source[name] = position
            header[name] = text
            columns[text] = name
    return Layout({f.name: f for f in fields}, source, header, columns, tuple(ignored))


def missing_keys_report(file: str, header_row: int | None, layout: Layout) -> InputReport:
    """The report of a file without a credit-code or year column: nothing else is checked."""
    missing = layout.missing_keys
    log = IssueLog(file)
    labels = "、".join(f"{layout.fields[n].zh}({n})" for n in missing)
    log.add(
        "error",
        "header.missing",
        (
            f"缺少必需的列：{labels}（在前10行中查找表头）",
            f"required column(s) missing: {', '.join(missing)}"
            " (the header is looked for in the first 10 rows)",
        ),
        row=header_row,
    )
    return log.report(columns=layout.columns, ignored_columns=layout.ignored)


def _run_row_checks(
    work: pl.DataFrame, checks: list[RowCheck], layout: Layout, log: SiteLog
) -> None:
    """Evaluate every check in one pass, then explain the (few) failing rows.

    Each check is a site of its own (opened even when nothing fails: every batch opens the
    same sites).
    """
    counts: tuple[int, ...] = (0,) * len(checks)
    if checks and work.height:
        flags = work.select(
            [c.failing.fill_null(False).alias(f"check{i}") for i, c in enumerate(checks)]
        )
        counts = flags.sum().row(0)
    for i, (check, count) in enumerate(zip(checks, counts, strict=True)):
        log.site(f"check{i}", check.code, check.severity)
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
    log: SiteLog,
    hits: pl.DataFrame,
    *,
    code: str,
    severity: Severity,
    field: str,
    explain: Callable[[Row], Bilingual],
    layout: Layout,
) -> None:
    room = log.room(code)
    for r in hits.head(room).iter_rows(named=True):
        value = r.get(raw_column(field))
        log.add(
            severity,
            code,
            explain(r),
            row=r[ROW],
            column=layout.header[field],
            value=None if value is None else cell_text(value),
        )
    log.count_unlisted(code, hits.height - min(room, hits.height))


# --- keys and per-enterprise fields -------------------------------------------------------


def _combine_firm_fields(
    work: pl.DataFrame, layout: Layout
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, pl.Series]]:
    """One row per credit code, in order of first appearance: first row, year counts and the
    first non-empty value of each per-enterprise field (so a field given on any one row is
    the firm's value), and, per field, the firms where another row disagrees (see
    :func:`_clashing_firms`).

    Rows get ``__firm``, a dense integer id per credit code numbered in order of first
    appearance: grouping and sorting by an integer is several times faster than by an
    18-character string, and a file listing each firm's years together is then already
    sorted by it, so the per-firm work runs over contiguous rows without copying the frame.
    """
    firm = _firm_ids(work.get_column(CREDIT))
    grouped = firm.null_count() == 0 and firm.is_sorted()
    if grouped:
        firm = firm.set_sorted()
    work = work.with_columns(firm)
    fields = layout.present_fields("firm")
    # Only the columns needed (a frame-wide group_by would rechunk every column).
    by_firm = work.select(FIRM, CREDIT, ROW, YEAR, *[f.name for f in fields])
    if not grouped:
        by_firm = (
            by_firm.filter(pl.col(FIRM).is_not_null())
            .sort(FIRM, maintain_order=True)
            .with_columns(pl.col(FIRM).set_sorted())
        )
    aggs: list[pl.Expr] = [
        pl.col(CREDIT).first(),
        pl.col(ROW).min(),
        pl.col(YEAR).drop_nulls().n_unique().alias("__years"),
        pl.col(YEAR).count().alias("__year_rows"),
    ]
    aggs += [pl.col(f.name).first(ignore_nulls=True) for f in fields]
    # Ids follow first appearance, so ordering by id is ordering by first row.
    firm_values = by_firm.group_by(FIRM, maintain_order=True).agg(aggs).sort(FIRM)
    clashing = _clashing_firms(by_firm, firm_values, fields)
    del by_firm
    return work, firm_values, clashing


def _firm_ids(codes: pl.Series) -> pl.Series:
    """Dense UInt32 id per credit code, 0, 1, … in order of first appearance (null: no code).

    When each firm's rows are together (the usual layout), the id is the number of the run
    of equal codes, which needs no hashing of the 3,000,000 codes.
    """
    if codes.len() and codes.null_count() == 0:
        starts = codes.ne_missing(codes.shift())
        if all_distinct(codes.filter(starts)):
            return (starts.cum_sum() - 1).cast(pl.UInt32).alias(FIRM)
    physical = codes.cast(pl.Categorical).to_physical()
    seen = physical.drop_nulls().unique(maintain_order=True)
    ids = pl.int_range(seen.len(), dtype=pl.UInt32, eager=True)
    return physical.replace_strict(seen, ids, default=None, return_dtype=pl.UInt32).alias(FIRM)


def _differs(name: str) -> pl.Expr:
    """True on a non-empty cell differing from the previous non-empty cell of the same firm
    (rows sorted by firm): a firm has two different values exactly when this is true on one
    of its rows.
    """
    value = pl.col(name)
    given = value.is_not_null()
    previous_firm = pl.when(given).then(pl.col(FIRM)).shift().forward_fill()
    previous_value = value.shift().forward_fill()
    return given & (previous_firm == pl.col(FIRM)) & (value != previous_value)


def _clashing_firms(
    by_firm: pl.DataFrame, firm_values: pl.DataFrame, fields: list[Field]
) -> dict[str, pl.Series]:
    """Per field, the firms with two different non-empty values, by the row of the first
    disagreeing cell. ``by_firm`` is sorted by firm (file order within a firm);
    ``firm_values`` holds each firm's first non-empty value, row *i* for firm id *i*.

    A firm has two values exactly when one of its cells differs from its first value: one
    comparison per cell tells which fields have any conflict (the usual answer: none); only
    those are looked at again, cell by cell.
    """
    if not fields or by_firm.height == 0:
        return {}
    ids = by_firm.get_column(FIRM)
    found = {
        f.name: bool(
            by_firm.get_column(f.name).ne(firm_values.get_column(f.name).gather(ids)).any()
        )
        for f in fields
    }
    return {
        f.name: by_firm.filter(_differs(f.name))
        .group_by(FIRM)
        .agg(pl.col(ROW).min())
        .sort(ROW)
        .get_column(FIRM)
        for f in fields
        if found[f.name]
    }


def _check_duplicate_years(
    work: pl.DataFrame, firm_values: pl.DataFrame, layout: Layout, log: SiteLog
) -> None:
    """The same firm and fiscal year on two rows: every later row is an error."""
    log.site("duplicate.firm_year", "duplicate.firm_year", "error")
    repeating = firm_values.filter(pl.col("__year_rows") > pl.col("__years")).get_column(FIRM)
    if repeating.len() == 0:
        return
    keyed = work.filter(pl.col(FIRM).is_in(repeating.to_list()) & pl.col(YEAR).is_not_null())
    keyed = keyed.with_columns(pl.col(ROW).min().over(FIRM, YEAR).alias("__first_row"))
    hits = keyed.filter(pl.col(ROW) != pl.col("__first_row"))
    _log_rows(
        log,
        hits,
        code="duplicate.firm_year",
        severity="error",
        field=YEAR,
        explain=lambda r: (
            f"企业 {r[CREDIT]} 的 {number_text(r[YEAR])} 年度数据重复"
            f"（首次出现在第{r['__first_row']}行）",
            f"firm {r[CREDIT]} has year"
            f" {number_text(r[YEAR])} twice (first at row {r['__first_row']})",
        ),
        layout=layout,
    )


def _check_conflicts(
    work: pl.DataFrame, clashing: dict[str, pl.Series], layout: Layout, log: SiteLog
) -> None:
    """Two different non-empty values of a per-enterprise field for one firm.

    ``clashing`` (from :func:`_combine_firm_fields`) lists, per field, the firms concerned
    by the row of their first disagreeing cell.
    """
    code = "firm_field.conflict"
    for f in layout.present_fields("firm"):
        log.site(f"{code}:{f.name}", code, "error")
        firms = clashing.get(f.name)
        if firms is None or firms.len() == 0:
            continue
        room = log.room(code)
        log.count_unlisted(code, firms.len() - min(room, firms.len()))
        listed = firms.head(room)
        if listed.len():
            _log_conflicts(work, listed, f, layout, log)


def _log_conflicts(
    work: pl.DataFrame, firms: pl.Series, f: Field, layout: Layout, log: SiteLog
) -> None:
    """One issue per firm, at the first row disagreeing with the firm's first value."""
    rows = (
        work.filter(pl.col(FIRM).is_in(firms.to_list()) & pl.col(f.name).is_not_null())
        .select(CREDIT, ROW, f.name, raw_column(f.name))
        .sort(ROW)
    )
    zh, en = field_labels(f)
    first_seen: dict[str, Row] = {}
    reported: set[str] = set()
    for r in rows.iter_rows(named=True):
        firm = r[CREDIT]
        first = first_seen.setdefault(firm, r)
        if firm in reported or r[f.name] == first[f.name]:
            continue
        reported.add(firm)
        a, b = cell_text(first[raw_column(f.name)]), cell_text(r[raw_column(f.name)])
        log.add(
            "error",
            "firm_field.conflict",
            (
                f"企业 {firm} 的「{zh}」有两个不同的值：第{first[ROW]}行为「{a}」，第{r[ROW]}行为「{b}」",
                f"firm {firm} has two different {en} values: {a!r} (row {first[ROW]})"
                f" and {b!r} (row {r[ROW]})",
            ),
            row=r[ROW],
            column=layout.header[f.name],
            value=b,
        )


def _check_years_per_firm(
    work: pl.DataFrame, firm_values: pl.DataFrame, layout: Layout, log: SiteLog
) -> None:
    """Growth rules need three years; a firm with fewer will be unknown on them."""
    code = "years.too_few"
    log.site(code, code, "warning")
    short = firm_values.filter(pl.col("__years") < YEARS_NEEDED)
    if short.height == 0:
        return
    room = log.room(code)
    log.count_unlisted(code, short.height - min(room, short.height))
    listed = short.head(room)
    years = dict(
        work.filter(pl.col(FIRM).is_in(listed.get_column(FIRM).to_list()))
        .group_by(CREDIT)
        .agg(pl.col(YEAR).drop_nulls().unique().sort())
        .iter_rows()
    )
    for r in listed.iter_rows(named=True):
        firm = r[CREDIT]
        held = [number_text(y) for y in years.get(firm, [])]
        shown = "、".join(held) or "无"
        log.add(
            "warning",
            code,
            (
                f"企业 {firm} 只有 {len(held)} 个年度的数据（{shown}）；"
                f"部分规则需要{YEARS_NEEDED}年数据，这些规则将为未知",
                f"firm {firm} has {len(held)} year(s) of data ({', '.join(held) or 'none'});"
                f" some rules need {YEARS_NEEDED} years; those will be unknown",
            ),
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


def _build_dataset(work: pl.DataFrame, firm_values: pl.DataFrame, layout: Layout) -> Dataset:
    year_fields = [f for f in layout.fields.values() if f.scope == "year"]
    financials = work.select(
        pl.col(CREDIT),
        pl.col(YEAR).cast(pl.Int32),
        *[_present_or_null(f, layout) for f in year_fields],
    )

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
            columns += TITLE_COLUMNS
    firms = firms.with_columns(_none_fill(f, layout) for f in firm_fields).with_columns(extra)
    if layout.present("titles"):
        texts = [*firms.get_column("titles").unique().to_list(), ""]
        slots = title_slot_frame(texts, TITLE_LEVELS, layout.fields["titles"].values)
        firms = firms.join(slots, on="titles", how="left")
    elif "titles" in layout.fields:
        firms = firms.with_columns(
            pl.lit(None, pl.Boolean if c.endswith("_undated") else pl.Int32).alias(c)
            for c in TITLE_COLUMNS
        )
    # firm_values is one row per firm in order of first appearance, with its first row
    firm_rows = firm_values.select(CREDIT, pl.col(ROW).alias("row"))
    return Dataset(firms=firms.select(columns), financials=financials, firm_rows=firm_rows)


def _present_or_null(f: Field, layout: Layout) -> pl.Expr:
    if layout.present(f.name):
        return pl.col(f.name).cast(_dtype(f))
    return pl.lit(None, _dtype(f)).alias(f.name)


def _none_fill(f: Field, layout: Layout) -> pl.Expr:
    """An empty cell means *none* for honours, titles and ranks — when the column is there."""
    column = pl.col(f.name)
    if not layout.present(f.name):
        return column
    if f.kind == "rank":
        return column.fill_null(math.inf)
    if f.kind in ("flags", "titles"):
        return column.fill_null("")
    return column


def _flag_columns(f: Field, layout: Layout) -> list[pl.Expr]:
    out: list[pl.Expr] = []
    for key in f.values:
        name = flag_column(f.name, key)
        if layout.present(f.name):
            out.append(pl.col(f.name).str.split(";").list.contains(key).alias(name))
        else:
            out.append(pl.lit(None, pl.Boolean).alias(name))
    return out
