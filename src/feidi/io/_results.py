"""Write graded records: JSON Lines, Parquet (nested, full traces), CSV and XLSX (for people).

The suffix of the output path picks the format. JSON Lines and Parquet keep the record
layout exactly (``feidi.rules.RECORD_SCHEMA``); CSV writes the nested columns as JSON text;
XLSX is the office format — Chinese headers, one readable line per firm × tier, a sheet of
indicator details and a sheet saying what was graded how. Infinite values (an award rank of
"none") are written as null: JSON has no infinity.

A file is written to a temporary name and moved into place, so a failed run leaves no
half-written output.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import polars as pl
from polars.io.plugins import register_io_source

from feidi.rules import RECORD_SCHEMA, Rulebook, summary_line
from feidi.rules._wording import Lang, format_value, indicator_facts, measure_name

FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".csv": "csv",
    ".xlsx": "xlsx",
}
_NESTED = ("missing", "indicators", "conditions", "path", "warnings")

_HEADERS = {
    "zh": {
        "credit_code": "统一社会信用代码",
        "name": "企业名称",
        "rulebook": "规则集",
        "tier": "梯度",
        "verdict": "结论",
        "score": "得分",
        "pass_mark": "合格线",
        "gap": "差距(分)",
        "summary": "说明与达标路径",
        "missing": "缺失数据",
    },
    "en": {
        "credit_code": "Credit code",
        "name": "Name",
        "rulebook": "Rulebook",
        "tier": "Tier",
        "verdict": "Verdict",
        "score": "Score",
        "pass_mark": "Pass mark",
        "gap": "Points short",
        "summary": "Explanation and path",
        "missing": "Missing data",
    },
}
_VERDICT = {
    "zh": {"pass": "通过", "fail": "未通过", "unknown": "待定"},
    "en": {"pass": "pass", "fail": "fail", "unknown": "unknown"},
}


class OutputFormatError(ValueError):
    """An output path whose suffix names no supported format."""


def output_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise OutputFormatError(
            f"不支持的输出格式 {suffix or '(无后缀)'}，可用：{known} / unsupported output suffix; use {known}"
        )
    return FORMATS[suffix]


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _finite(frame: pl.DataFrame) -> pl.DataFrame:
    """±inf → null in the nested float fields (JSON has no infinity)."""

    def fix(col: str, fields: list[str]) -> pl.Expr:
        return pl.col(col).list.eval(
            pl.element().struct.with_fields(
                *[
                    pl.when(pl.element().struct.field(f).is_infinite())
                    .then(None)
                    .otherwise(pl.element().struct.field(f))
                    .alias(f)
                    for f in fields
                ]
            )
        )

    return frame.with_columns(
        fix("indicators", ["observed", "required", "gap"]),
        fix("conditions", ["observed", "required", "gap"]),
        fix("path", ["observed", "required", "amount"]),
    )


def _sink_parquet(chunks: Iterable[pl.DataFrame], path: Path) -> None:
    """Stream batches into one Parquet file with Polars' writer.

    The batches are exposed as a lazy source (``register_io_source``) so ``sink_parquet``
    writes them as they come: a province never sits in memory whole, and Polars writes
    nested columns about twice as fast as ``pyarrow.parquet.ParquetWriter`` (measured).
    """
    iterator = iter(chunks)

    def source(
        with_columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        for chunk in iterator:
            if predicate is not None:
                chunk = chunk.filter(predicate)
            yield chunk if with_columns is None else chunk.select(with_columns)

    lazy = register_io_source(source, schema=RECORD_SCHEMA)
    lazy.sink_parquet(path, compression="zstd")


def write_records(
    chunks: Iterable[pl.DataFrame],
    path: str | Path,
    *,
    book: Rulebook,
    as_of: date,
    lang: Lang = "zh",
) -> Path:
    """Write batches of records to ``path`` in the format its suffix names; returns the path.

    Batches are written as they come (Parquet row groups, appended lines), so a province never
    sits in memory whole; XLSX, made for people, gathers them (Excel holds 1,048,575 rows).
    """
    out = Path(path)
    fmt = output_format(out)
    with _atomic(out) as tmp:
        if fmt == "parquet":
            _sink_parquet(chunks, tmp)
        elif fmt in ("jsonl", "csv"):
            with open(tmp, "wb") as fh:
                for n, chunk in enumerate(chunks):
                    frame = _finite(chunk)
                    if fmt == "jsonl":
                        frame.write_ndjson(fh)
                    else:
                        flat = frame.with_columns(
                            pl.Series(
                                c,
                                [json.dumps(v, ensure_ascii=False) for v in frame[c].to_list()],
                                dtype=pl.String,
                            )
                            for c in _NESTED
                        )
                        flat.write_csv(fh, include_header=n == 0, include_bom=n == 0)
        else:
            frames = list(chunks)
            frame = pl.concat(frames) if frames else pl.DataFrame(schema=RECORD_SCHEMA)
            if frame.height > 1_048_575:
                raise OutputFormatError(
                    f"XLSX 最多 1,048,575 行，结果有 {frame.height:,} 行，请改用 .parquet 或 .csv / too many rows for XLSX"
                )
            _write_xlsx(frame, tmp, book=book, as_of=as_of, lang=lang)
    return out


def _write_xlsx(
    frame: pl.DataFrame, path: Path, *, book: Rulebook, as_of: date, lang: Lang
) -> None:
    h = _HEADERS[lang]
    rows = []
    details = []
    for r in frame.iter_rows(named=True):
        tier = book.tiers[r["tier"]]
        gap = (
            (r["pass_mark"] - r["score"])
            if r["score"] is not None and r["pass_mark"] is not None
            else None
        )
        rows.append(
            {
                h["credit_code"]: r["credit_code"],
                h["name"]: r["name"],
                h["rulebook"]: r["rulebook"],
                h["tier"]: tier.name if lang == "zh" else tier.name_en,
                h["verdict"]: _VERDICT[lang][r["verdict"]],
                h["score"]: r["score"],
                h["pass_mark"]: r["pass_mark"],
                h["gap"]: max(gap, 0.0) if gap is not None else None,
                h["summary"]: summary_line(book, r, lang),
                h["missing"]: ", ".join(r["missing"]),
            }
        )
        names = {i.meta.id: i.meta for i in (tier.scorecard.indicators if tier.scorecard else ())}
        facts = indicator_facts(tier)
        for ind in r["indicators"]:
            meta = names.get(ind["id"])
            measure, top = facts[ind["id"]]
            ind = {**ind, "measure": measure, "max": top}
            details.append(
                {
                    h["credit_code"]: r["credit_code"],
                    h["name"]: r["name"],
                    h["tier"]: tier.name if lang == "zh" else tier.name_en,
                    ("指标" if lang == "zh" else "Indicator"): (
                        meta.name if lang == "zh" else meta.name_en
                    )
                    if meta
                    else ind["id"],
                    ("得分" if lang == "zh" else "Points"): ind["points"],
                    ("满分" if lang == "zh" else "Max"): ind["max"],
                    ("实际值" if lang == "zh" else "Observed"): format_value(
                        book, ind["measure"], ind["observed"], lang
                    )
                    if ind["measure"]
                    else "",
                    ("下一档" if lang == "zh" else "Next bracket"): format_value(
                        book, ind["measure"], ind["required"], lang
                    )
                    if ind["required"] is not None
                    else "",
                    ("度量" if lang == "zh" else "Measure"): measure_name(
                        book, ind["measure"], lang
                    ),
                }
            )
    about = [
        {
            "项目 / item": "规则集 / rulebook",
            "内容 / value": f"{book.id} — {book.name}（{book.document}）",
        },
        {"项目 / item": "评价日期 / as of", "内容 / value": as_of.isoformat()},
        {"项目 / item": "上年度 / fiscal year", "内容 / value": str(as_of.year - 1)},
        {"项目 / item": "企业×梯度 / rows", "内容 / value": str(frame.height)},
    ]
    warnings = sorted({w for ws in frame["warnings"].to_list() for w in ws}) if frame.height else []
    about += [{"项目 / item": "提示 / warning", "内容 / value": w} for w in warnings]
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as wb:
        for title, data in (
            ("评价结果" if lang == "zh" else "Results", rows),
            ("指标明细" if lang == "zh" else "Indicators", details),
            ("说明" if lang == "zh" else "About", about),
        ):
            frame_out = pl.DataFrame(data) if data else pl.DataFrame()
            frame_out.write_excel(
                wb,
                worksheet=title,
                autofit=True,
                header_format={"bold": True},
                freeze_panes=(1, 0) if data else None,
            )
