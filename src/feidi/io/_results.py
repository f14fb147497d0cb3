"""Write graded results: Parquet (flat, for machines), JSON Lines, CSV and XLSX (for people).

:func:`write_results` is the one way an evaluation is written; the suffix of the output path
picks the format. Parquet holds the flat layout (:func:`write_flat`,
``feidi.rules.flat_schema``: one row per firm, one plain column per measure, indicator,
condition, missing input and path step of every tier; what was graded how is in the file's
metadata), and :func:`read_flat_records` gives back exactly the records the evaluation gave.
The other formats hold records (:func:`write_records`, ``feidi.rules.RECORD_SCHEMA``): JSON
Lines exactly; CSV with the nested columns as JSON text; XLSX, the office format — Chinese
headers, one readable line per firm × tier, a sheet of indicator details and a sheet saying
what was graded how. Infinite values (an award rank of "none") are written as null in JSON
Lines and CSV: JSON has no infinity.

A file is written to a temporary name and moved into place, so a failed run leaves no
half-written output.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl
from polars.io.plugins import register_io_source

from feidi.dates import fiscal_year
from feidi.rules import (
    RECORD_SCHEMA,
    Evaluation,
    Rulebook,
    available_rulebooks,
    load_rulebook,
    records_from_flat,
    summary_line,
)
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


#: Parquet compression of the flat layout: LZ4 writes a province's floats several times
#: faster than zstd for a file about half again as large (bench/RESULTS.md).
FLAT_COMPRESSION: Literal["lz4"] = "lz4"
#: Key-value metadata of a flat Parquet file: what was graded how.
_META = "feidi"


@dataclass(frozen=True)
class FlatFile:
    """What a flat Parquet file says about itself (its key-value metadata)."""

    rulebook: str  # id, or the path it was read from
    as_of: date
    tiers: tuple[str, ...]
    warnings: tuple[str, ...]
    digest: str = ""

    def metadata(self) -> dict[str, str]:
        return {
            _META: json.dumps(
                {
                    "layout": "flat-1",
                    "rulebook": self.rulebook,
                    "digest": self.digest,
                    "as_of": self.as_of.isoformat(),
                    "tiers": list(self.tiers),
                    "warnings": list(self.warnings),
                },
                ensure_ascii=False,
            )
        }

    @staticmethod
    def of(path: str | Path) -> FlatFile:
        try:
            raw = pl.read_parquet_metadata(path).get(_META)
        except (OSError, pl.exceptions.ComputeError) as exc:
            raise ValueError(f"{Path(path).name} 无法读取 / cannot be read: {exc}") from exc
        if raw is None:
            raise ValueError(f"{Path(path).name} 不是飞地的平铺结果 / is not a Feidi flat result")
        meta = json.loads(raw)
        return FlatFile(
            meta["rulebook"],
            date.fromisoformat(meta["as_of"]),
            tuple(meta["tiers"]),
            tuple(meta["warnings"]),
            meta.get("digest", ""),
        )


def write_flat(
    chunks: Iterable[pl.DataFrame],
    path: str | Path,
    *,
    schema: Mapping[str, pl.DataType],
    about: FlatFile,
) -> Path:
    """Stream batches of the flat layout (``Evaluation.iter_flat``) into one Parquet file.

    ``about`` goes into the file's metadata, so :func:`read_flat_records` can give the
    records back. Written to a temporary name and moved into place.
    """
    out = Path(path)
    with _atomic(out) as tmp:
        _sink_parquet(chunks, tmp, schema, compression=FLAT_COMPRESSION, metadata=about.metadata())
    return out


def write_results(
    result: Evaluation,
    path: str | Path,
    *,
    lang: Lang = "zh",
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write an evaluation to ``path``, the format named by its suffix: ``.parquet`` as the
    flat layout (:func:`write_flat`, read back with :func:`read_flat_records`), the others
    as records (:func:`write_records`). ``progress`` is told each batch's number of firms."""
    book = result.rulebook
    if output_format(path) == "parquet":
        shipped = book.id in available_rulebooks()
        about = FlatFile(
            book.id if shipped else book.source_file,
            result.as_of,
            result.tiers,
            tuple(result.warnings),
            book.digest,
        )
        return write_flat(
            _told(result.iter_flat(), progress, by_firm=False),
            path,
            schema=result.flat_schema,
            about=about,
        )
    return write_records(
        _told(result.iter_records(), progress, by_firm=True),
        path,
        book=book,
        as_of=result.as_of,
        lang=lang,
    )


def _told(
    chunks: Iterator[pl.DataFrame], progress: Callable[[int], None] | None, *, by_firm: bool
) -> Iterator[pl.DataFrame]:
    for chunk in chunks:
        yield chunk
        if progress is not None:
            firms = chunk.get_column("credit_code").n_unique() if by_firm else chunk.height
            progress(firms)


def read_flat_records(path: str | Path, rulebook: Rulebook | None = None) -> pl.DataFrame:
    """The records (``feidi.rules.RECORD_SCHEMA``) of a flat Parquet file ``feidi evaluate``
    wrote: the same records the evaluation gave, tier by tier, firms in file order.

    ``rulebook`` defaults to the one the file names (by id, or the file it was read from);
    a rulebook whose version (digest) is not the one the file was graded with is refused,
    since its records would explain the figures against other rules.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from datetime import date
    >>> from feidi.demo import generate_demo_city
    >>> from feidi.io import dataset_from_frame
    >>> from feidi.rules import evaluate
    >>> data, _ = dataset_from_frame(generate_demo_city(n_local=20, n_enclave=2).drop("enclave"))
    >>> ev = evaluate(data, "miit-2022", date(2026, 3, 1))
    >>> path = write_results(ev, pathlib.Path(tempfile.mkdtemp()) / "out.parquet")
    >>> pl.read_parquet(path).height, read_flat_records(path).height
    (22, 66)
    >>> read_flat_records(path).equals(ev.records().collect())
    True
    """
    about = FlatFile.of(path)
    book = rulebook or load_rulebook(about.rulebook)
    if about.digest and book.digest and about.digest != book.digest:
        raise ValueError(
            f"{Path(path).name} 按规则集 {about.rulebook} 的另一版本评价 / was graded with"
            f" another version of {about.rulebook} ({about.digest[:12]}, not {book.digest[:12]})"
        )
    return records_from_flat(
        pl.read_parquet(path), book, about.as_of, tiers=about.tiers, warnings=about.warnings
    )


def _sink_parquet(
    chunks: Iterable[pl.DataFrame],
    path: Path,
    schema: Mapping[str, pl.DataType | type[pl.DataType]],
    *,
    compression: Literal["lz4", "zstd"] = "zstd",
    metadata: dict[str, str] | None = None,
) -> None:
    """Stream batches into one Parquet file with Polars' writer.

    The batches are exposed as a lazy source (``register_io_source``) so ``sink_parquet``
    writes them as they come: a province never sits in memory whole, and Polars writes
    about twice as fast as ``pyarrow.parquet.ParquetWriter`` (measured).
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

    lazy = register_io_source(source, schema=dict(schema))
    lazy.sink_parquet(
        path,
        compression=compression,
        statistics=False,
        metadata=metadata,
    )


def write_records(
    chunks: Iterable[pl.DataFrame],
    path: str | Path,
    *,
    book: Rulebook,
    as_of: date,
    lang: Lang = "zh",
) -> Path:
    """Write batches of records to ``path`` in the format its suffix names; returns the path.

    Batches are written as they come (appended lines), so a province never sits in memory
    whole; XLSX, made for people, gathers them (Excel holds 1,048,575 rows). Parquet holds
    the flat layout, not records: :func:`write_results`.
    """
    out = Path(path)
    fmt = output_format(out)
    if fmt == "parquet":
        raise OutputFormatError(
            "Parquet 结果为平铺格式，请用 write_results / Parquet results are the flat layout:"
            " use write_results"
        )
    with _atomic(out) as tmp:
        if fmt in ("jsonl", "csv"):
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
        {"项目 / item": "上年度 / fiscal year", "内容 / value": str(fiscal_year(as_of))},
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
