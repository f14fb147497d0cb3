"""Reading a location × product table with checks, and writing the three result files.

A file (CSV, XLSX or Parquet, read by :mod:`feidi.io`'s reader with its encodings and
limits) has one row per location × product [× year]; the user names the columns. A file
with any error is refused whole (:class:`~feidi.io.InputError`), every problem located by
file, row, column and value:

- a missing column, an empty location, product or year: error;
- a value that is not a number, negative or infinite: error;
- a location × product [× year] given twice: error (Stata ``ecomplexity`` refuses a table
  that is not rectangular too; summing would silently double a pasted block);
- an empty value: a warning, taken as 0 (py-ecomplexity and Datawheel do the same).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from feidi.complexity._tables import ComplexityTables
from feidi.io import DEFAULT_LIMITS, InputError, InputReport, ReadLimits
from feidi.io._issues import IssueLog
from feidi.io._read import ROW, UnreadableFileError, read_raw
from feidi.schema import normalise_header

__all__ = ["OUTPUT_FILES", "read_table", "write_tables"]

#: The files :func:`write_tables` writes into its folder.
OUTPUT_FILES = ("locations.csv", "products.csv", "pairs.csv")

# Issues listed per code; a systematic mistake in a 4-million-row file is counted, not listed.
_LIST = 1000


def _flag(
    log: IssueLog, bad: pl.DataFrame, code: str, column: str, reason: tuple[str, str]
) -> None:
    for row, value in bad.head(log.room(code)).iter_rows():
        log.add("error", code, reason, row=row, column=column, value=value)
    log.count_unlisted(code, bad.height - min(bad.height, _LIST))


def read_table(
    path: str | Path,
    *,
    location: str,
    product: str,
    value: str,
    year: str | None = None,
    year_optional: bool = False,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> tuple[pl.DataFrame, InputReport]:
    """The checked long table: columns ``location``, ``product``, [``year``,] ``value``
    (Float64), in file order; and the report (warnings only). With ``year_optional`` a file
    without the ``year`` column is read without it (a reference panel for every year). Raises
    :class:`~feidi.io.InputError` listing every error.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("县,行业,产值\\n甲,C13,5\\n甲,C14,-1\\n", "utf-8")
    >>> try:
    ...     read_table(p, location="县", product="行业", value="产值")
    ... except InputError as exc:
    ...     i = exc.report.errors[0]
    ...     print(i.row, i.column, i.value, i.reason_en)
    3 产值 -1 the value must not be negative
    """
    path = Path(path)
    wanted = {"location": location, "product": product, "value": value}
    if year is not None:
        wanted["year"] = year
    log = IssueLog(path.name, cap=_LIST)
    aliases = {normalise_header(text): role for role, text in wanted.items()}
    try:
        raw = read_raw(path, aliases, None, limits)
    except UnreadableFileError as exc:
        log.add("error", exc.code, exc.reason)
        raise InputError(log.report()) from None
    found = {normalise_header(h): f"c{i}" for i, h in reversed(list(enumerate(raw.headers)))}
    if year_optional and year is not None and normalise_header(year) not in found:
        del wanted["year"]
    missing = [text for text in wanted.values() if normalise_header(text) not in found]
    if missing:
        log.add(
            "error",
            "header.missing",
            (
                "缺少列：" + "、".join(missing) + "（已有：" + "、".join(raw.headers) + "）",
                "column(s) not found: "
                + ", ".join(missing)
                + " (the file has: "
                + ", ".join(raw.headers)
                + ")",
            ),
            row=raw.header_row if raw.headers else None,
        )
        raise InputError(log.report()) from None
    data = raw.data.select(
        pl.col(ROW),
        *(pl.col(found[normalise_header(t)]).cast(pl.String).alias(r) for r, t in wanted.items()),
    )
    keys = [r for r in ("location", "product", "year") if r in wanted]
    data = data.filter(~pl.all_horizontal(pl.col([*keys, "value"]).is_null()))
    if data.height == 0:
        log.add("error", "file.no_rows", ("表头下没有数据行", "there are no data rows"))
        raise InputError(log.report()) from None
    for role in keys:
        _flag(
            log,
            data.filter(pl.col(role).is_null()).select(ROW, role),
            f"{role}.empty",
            wanted[role],
            (f"{wanted[role]} 为空", f"{wanted[role]} is empty"),
        )
    number = pl.col("value").str.strip_chars().cast(pl.Float64, strict=False)
    data = data.with_columns(number.alias("_v"))
    checks = (
        (
            pl.col("value").is_not_null() & pl.col("_v").is_null(),
            "value.not_number",
            ("不是数字", "not a number"),
        ),
        (pl.col("_v") < 0, "value.negative", ("值不能为负", "the value must not be negative")),
        (
            pl.col("_v").is_infinite(),
            "value.infinite",
            ("值须为有限数", "the value must be finite"),
        ),
    )
    for test, code, reason in checks:
        _flag(log, data.filter(test).select(ROW, "value"), code, value, reason)
    empty = data.filter(pl.col("value").is_null() | pl.col("_v").is_nan())
    if empty.height:
        log.add(
            "warning",
            "value.empty",
            (
                f"{empty.height} 行的值为空，按 0 计（首行 {empty[ROW][0]}）",
                f"{empty.height} row(s) have no value, taken as 0 (first: row {empty[ROW][0]})",
            ),
            row=int(empty[ROW][0]),
            column=value,
        )
    complete = data.filter(pl.all_horizontal(pl.col(keys).is_not_null()))
    first = complete.group_by(keys).agg(pl.col(ROW).min().alias("_first"))
    repeated = (
        complete.join(first, on=keys, nulls_equal=False)
        .filter(pl.col(ROW) != pl.col("_first"))
        .sort(ROW)
    )
    for row, first_row, *names in (
        repeated.head(log.room("pair.duplicate")).select(ROW, "_first", *keys).iter_rows()
    ):
        label = " × ".join(str(n) for n in names)
        log.add(
            "error",
            "pair.duplicate",
            (
                f"{label} 重复，与第 {first_row} 行相同（请先汇总）",
                f"{label} is given twice, as on row {first_row} (sum them first)",
            ),
            row=row,
            column=wanted["product"],
            value=label,
        )
    log.count_unlisted("pair.duplicate", repeated.height - min(repeated.height, _LIST))
    report = log.report(
        rows=data.height,
        columns={r: t for r, t in wanted.items()},
        column_order=list(wanted.values()),
    )
    if not report.ok:
        raise InputError(report)
    table = data.select(*keys, pl.col("_v").fill_nan(None).fill_null(0.0).alias("value"))
    return table, report


def write_tables(tables: ComplexityTables, folder: str | Path) -> tuple[Path, ...]:
    """Write ``locations.csv``, ``products.csv`` and ``pairs.csv`` (UTF-8) into ``folder``
    (created if need be); return their paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = tuple(out / name for name in OUTPUT_FILES)
    for frame, p in zip((tables.locations, tables.products, tables.pairs), paths, strict=True):
        frame.write_csv(p, float_precision=None)
    return paths
