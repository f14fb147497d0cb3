"""Profiles and declines from files, matches to files.

A profile file (CSV, XLSX or Parquet, read by :mod:`feidi.io`'s reader with its limits and
encodings) has at least ``id``, ``title`` and ``description``; it may add ``industry_code``
(GB/T 4754), ``region_code`` (统计用区划代码), ``keywords`` and ``chain_nodes`` (separated by
``;``), ``stage``, ``tier`` and ``owner``. Chinese headers are accepted (编号、标题、描述、行业代码、
区划代码、关键词、产业链环节、阶段、梯度、发布方). A file with any error is refused whole, with every
problem located by file, row, column and value (:class:`~feidi.io.InputError`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from feidi.io import DEFAULT_LIMITS, InputError, InputReport, ReadLimits
from feidi.io._issues import CONTROL_CHARS, Bilingual, IssueLog, visible_text
from feidi.io._read import ROW, RawTable, UnreadableFileError, read_raw
from feidi.match._profiles import (
    STAGE_ALIASES,
    TIER_ALIASES,
    DeclineReason,
    Feedback,
    Profile,
)
from feidi.match._ranker import Match
from feidi.reference import division, normalise_industry_code
from feidi.schema import normalise_header

__all__ = [
    "FEEDBACK_COLUMNS",
    "MATCH_FORMATS",
    "PROFILE_COLUMNS",
    "read_feedback",
    "read_profiles",
    "write_matches",
]

#: The longest text a cell may hold: a technology offer's description runs to a few thousand
#: characters; a cell of a megabyte is a mistake (a pasted document), not a profile.
MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True)
class _Column:
    name: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False


PROFILE_COLUMNS: tuple[_Column, ...] = (
    _Column("id", "编号", "id", ("序列号", "项目编号", "需求编号", "成果编号", "ID"), True),
    _Column("title", "标题", "title", ("名称", "项目名称", "需求名称", "成果名称"), True),
    _Column(
        "description",
        "描述",
        "description",
        ("简介", "内容", "详细描述", "需求描述", "成果简介", "项目简介"),
        True,
    ),
    _Column("industry_code", "行业代码", "industry code", ("国民经济行业代码", "所属行业代码")),
    _Column("region_code", "区划代码", "region code", ("行政区划代码", "地区代码")),
    _Column("keywords", "关键词", "keywords", ("关键字",)),
    _Column("chain_nodes", "产业链环节", "chain nodes", ("产业链节点",)),
    _Column("stage", "阶段", "stage", ("成熟度", "技术成熟度", "所处阶段", "所需阶段")),
    _Column("tier", "梯度", "tier", ("梯度层级", "企业梯度")),
    _Column("owner", "发布方", "owner", ("requester", "提出方", "所属主体")),
)

FEEDBACK_COLUMNS: tuple[_Column, ...] = (
    _Column("supply_id", "供给编号", "supply id", ("成果编号",), True),
    _Column("reason", "婉拒原因", "reason", ("原因",), True),
    _Column("demand_id", "需求编号", "demand id"),
    _Column("requester", "需求方", "requester", ("提出方",)),
)

_SEPARATORS = re.compile(r"[;；]")
_CHAIN_NODE = re.compile(r"^[\w\-]+/[\w\-]+$")


def _aliases(columns: Sequence[_Column]) -> dict[str, str]:
    out = {}
    for c in columns:
        for h in (c.name, c.zh, c.en, *c.aliases):
            out[normalise_header(h)] = c.name
    return out


@dataclass(frozen=True)
class _Table:
    """A file's cells by column name, with the headers as written and the row numbers."""

    file: str
    header: dict[str, str]  # column name → header as written
    rows: list[int]
    cells: dict[str, list[str | None]]


def _read_table(
    path: Path,
    columns: Sequence[_Column],
    log: IssueLog,
    limits: ReadLimits,
    sheet: str | None,
) -> _Table | None:
    try:
        raw = read_raw(path, _aliases(columns), sheet, limits)
    except UnreadableFileError as exc:
        log.add("error", exc.code, exc.reason)
        return None
    header = _map_headers(raw, columns, log)
    missing = [c for c in columns if c.required and c.name not in header]
    if missing:
        log.add(
            "error",
            "header.missing",
            (
                "缺少必需的列：" + "、".join(f"{c.zh}({c.name})" for c in missing),
                "required column(s) missing: " + ", ".join(c.name for c in missing),
            ),
            row=raw.header_row if raw.headers else None,
        )
        return None
    cells = [c for c in raw.data.columns if c != ROW]
    data = raw.data.filter(~pl.all_horizontal(pl.col(cells).is_null())) if cells else raw.data
    if data.height == 0:
        log.add(
            "error",
            "file.no_rows",
            ("表头下没有数据行", "there are no data rows below the header"),
            row=raw.header_row,
        )
        return None
    position = {name: f"c{raw.headers.index(text)}" for name, text in header.items()}
    values = {name: data[pos].cast(pl.String).to_list() for name, pos in position.items()}
    return _Table(raw.file, header, data[ROW].to_list(), values)


def _map_headers(raw: RawTable, columns: Sequence[_Column], log: IssueLog) -> dict[str, str]:
    aliases = _aliases(columns)
    by_name = {c.name: c for c in columns}
    header: dict[str, str] = {}
    for text in raw.headers:
        if not text:
            continue
        name = aliases.get(normalise_header(text))
        if name is None:
            log.add(
                "warning",
                "header.unknown",
                (
                    f"无法识别的表头「{text}」，该列已忽略",
                    f"unknown header {text!r}; the column is ignored",
                ),
                row=raw.header_row,
                column=text,
                value=text,
            )
        elif name in header:
            log.add(
                "error",
                "header.duplicate",
                (
                    f"表头「{text}」与「{header[name]}」都对应“{by_name[name].zh}”，请删去其中一列",
                    f"headers {text!r} and {header[name]!r} both mean {by_name[name].en}: keep one",
                ),
                row=raw.header_row,
                column=text,
                value=text,
            )
        else:
            header[name] = text
    return header


def _text_problems(table: _Table, log: IssueLog) -> None:
    """Control characters and over-long cells, in any column."""
    control = re.compile(CONTROL_CHARS)
    for name, values in table.cells.items():
        column = table.header[name]
        for row, value in zip(table.rows, values, strict=True):
            if value is None:
                continue
            if control.search(value):
                found = sorted({visible_text(c) for c in value if visible_text(c) != c})
                log.add(
                    "error",
                    "text.control_char",
                    (
                        f"「{column}」含有控制字符 {'、'.join(found)}，请删除",
                        f"{column!r} contains the control character(s) {', '.join(found)}: delete them",
                    ),
                    row=row,
                    column=column,
                    value=value[:80],
                )
            elif len(value) > MAX_TEXT_CHARS:
                log.add(
                    "error",
                    "text.too_long",
                    (
                        f"「{column}」超过 {MAX_TEXT_CHARS} 个字符（{len(value)} 个）",
                        f"{column!r} is longer than {MAX_TEXT_CHARS:,} characters ({len(value):,})",
                    ),
                    row=row,
                    column=column,
                    value=value[:80] + "…",
                )


def _required_cells(table: _Table, name: str, zh: str, en: str, log: IssueLog) -> None:
    column = table.header[name]
    for row, value in zip(table.rows, table.cells[name], strict=True):
        if value is None:
            log.add(
                "error",
                f"{name}.missing",
                (f"{zh}为空", f"the {en} is empty"),
                row=row,
                column=column,
            )


def _unique_ids(table: _Table, log: IssueLog) -> None:
    column = table.header["id"]
    first: dict[str, int] = {}
    for row, value in zip(table.rows, table.cells["id"], strict=True):
        if value is None:
            continue
        if value in first:
            log.add(
                "error",
                "id.duplicate",
                (
                    f"编号「{value}」重复（第 {first[value]} 行已出现）",
                    f"id {value!r} appears twice (first in row {first[value]})",
                ),
                row=row,
                column=column,
                value=value,
            )
        else:
            first[value] = row


def _coded(
    table: _Table,
    name: str,
    parse: Callable[[str], Any],
    reason: Callable[[str], Bilingual],
    log: IssueLog,
) -> list[Any]:
    """Parse a coded column once per distinct value; refuse the cells it cannot read."""
    if name not in table.cells:
        return [None] * len(table.rows)
    column = table.header[name]
    parsed: dict[str, Any] = {}
    out: list[Any] = []
    for row, value in zip(table.rows, table.cells[name], strict=True):
        if value is None:
            out.append(None)
            continue
        if value not in parsed:
            parsed[value] = parse(value)
        found = parsed[value]
        if found is None:
            log.add("error", f"{name}.invalid", reason(value), row=row, column=column, value=value)
        out.append(found)
    return out


def _industry(value: str) -> str | None:
    return normalise_industry_code(value)


def _region(value: str) -> str | None:
    code = value.strip()
    return code if len(code) == 6 and code.isdigit() and division(code) is not None else None


def _listed(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(dict.fromkeys(s.strip() for s in _SEPARATORS.split(value) if s.strip()))


def _chain_nodes(value: str) -> tuple[str, ...] | None:
    nodes = _listed(value)
    return nodes if all(_CHAIN_NODE.match(n) for n in nodes) else None


def read_profiles(
    path: str | Path, *, sheet: str | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[list[Profile], InputReport]:
    """Read and check a profile file; raise :class:`~feidi.io.InputError` on any error.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "offers.csv"
    >>> _ = p.write_text("编号,标题,描述,行业代码\\ns1,激光焊接工艺,薄板焊接,3670\\n", "utf-8")
    >>> profiles, report = read_profiles(p)
    >>> profiles[0].industry_code, report.ok
    ('C3670', True)
    """
    path = Path(path)
    log = IssueLog(path.name)
    table = _read_table(path, PROFILE_COLUMNS, log, limits, sheet)
    if table is None:
        raise InputError(log.report())
    _text_problems(table, log)
    _required_cells(table, "id", "编号", "id", log)
    _required_cells(table, "title", "标题", "title", log)
    _unique_ids(table, log)
    industry = _coded(
        table,
        "industry_code",
        _industry,
        lambda v: (
            f"「{v}」不是 GB/T 4754-2017 行业代码（如 C3670 或 3670）",
            f"{v!r} is not a GB/T 4754-2017 industry code (e.g. C3670 or 3670)",
        ),
        log,
    )
    region = _coded(
        table,
        "region_code",
        _region,
        lambda v: (
            f"「{v}」不是 6 位统计用区划代码（如 320581）",
            f"{v!r} is not a 6-digit division code (e.g. 320581)",
        ),
        log,
    )
    stages = "、".join(sorted({k for k in STAGE_ALIASES if not k.isascii()}))
    stage = _coded(
        table,
        "stage",
        lambda v: STAGE_ALIASES.get(v.strip().lower()),
        lambda v: (
            f"无法识别的阶段「{v}」（可填：{stages}）",
            f"unknown stage {v!r} (use idea, prototype, pilot or mass_production)",
        ),
        log,
    )
    tier = _coded(
        table,
        "tier",
        lambda v: TIER_ALIASES.get(v.strip().lower()) or TIER_ALIASES.get(v.strip()),
        lambda v: (
            f"无法识别的梯度「{v}」（可填：创新型中小企业、专精特新中小企业、小巨人、无）",
            f"unknown tier {v!r} (use innovative, specialized, little_giant or none)",
        ),
        log,
    )
    chain = _coded(
        table,
        "chain_nodes",
        _chain_nodes,
        lambda v: (
            f"产业链环节「{v}」应写作 产业链/环节，多个以分号分隔",
            f"chain nodes {v!r} must be written chain/node, separated by ';'",
        ),
        log,
    )
    report = log.report(
        rows=len(table.rows),
        firms=len(table.rows),
        columns={text: name for name, text in table.header.items()},
    )
    if not report.ok:
        raise InputError(report)
    cells = table.cells
    none = [None] * len(table.rows)
    profiles = [
        Profile(
            id=str(cells["id"][i]),
            title=cells["title"][i] or "",
            description=cells["description"][i] or "",
            keywords=_listed(cells.get("keywords", none)[i]),
            industry_code=industry[i],
            region_code=region[i],
            chain_nodes=chain[i] or (),
            stage=stage[i],
            tier=None if tier[i] == "none" else tier[i],
            owner=cells.get("owner", none)[i],
        )
        for i in range(len(table.rows))
    ]
    return profiles, report


def read_feedback(
    path: str | Path, *, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[list[Feedback], InputReport]:
    """Read declines: ``supply_id``, ``reason`` (wrong_field, wrong_stage, too_far,
    no_capacity, not_interested — or 领域不符、阶段不符、距离太远、对方无余力、不感兴趣) and
    ``demand_id`` or ``requester``."""
    path = Path(path)
    log = IssueLog(path.name)
    table = _read_table(path, FEEDBACK_COLUMNS, log, limits, None)
    if table is None:
        raise InputError(log.report())
    _text_problems(table, log)
    _required_cells(table, "supply_id", "供给编号", "supply id", log)
    names = {r.value: r for r in DeclineReason} | {r.label("zh"): r for r in DeclineReason}
    reasons = _coded(
        table,
        "reason",
        lambda v: names.get(v.strip()),
        lambda v: (
            f"无法识别的婉拒原因「{v}」（可填：{'、'.join(r.label('zh') for r in DeclineReason)}）",
            f"unknown reason {v!r} (use {', '.join(r.value for r in DeclineReason)})",
        ),
        log,
    )
    none = [None] * len(table.rows)
    demand, requester = table.cells.get("demand_id", none), table.cells.get("requester", none)
    for i, row in enumerate(table.rows):
        if demand[i] is None and requester[i] is None:
            log.add(
                "error",
                "feedback.who",
                (
                    "需填写需求编号或需求方",
                    "give the demand id or the requester",
                ),
                row=row,
            )
    report = log.report(rows=len(table.rows))
    if not report.ok:
        raise InputError(report)
    return [
        Feedback(
            supply_id=str(table.cells["supply_id"][i]),
            reason=reasons[i],
            demand_id=demand[i],
            requester=requester[i],
        )
        for i in range(len(table.rows))
    ], report


# --- writing ---------------------------------------------------------------------------------

#: Output formats by suffix.
MATCH_FORMATS = (".jsonl", ".csv", ".xlsx", ".parquet")


def write_matches(matches: Iterable[Match], path: str | Path) -> Path:
    """Write one row per match: ``demand_id``, ``supply_id``, ``rank`` (1 = best),
    ``score`` and ``reasons``.

    ``.jsonl`` and ``.parquet`` hold the reasons as a list of objects ``{kind, points, zh, en,
    detail}`` (``detail`` is an object in JSONL, JSON text in Parquet); ``.csv`` (UTF-8 with
    BOM, for Excel) and ``.xlsx`` hold them as JSON text in ``reasons`` and as readable text
    in ``reasons_zh`` and ``reasons_en`` (one reason per line).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MATCH_FORMATS:
        raise ValueError(
            f"unsupported output format {suffix or '(none)'}: use {', '.join(MATCH_FORMATS)}"
        )
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for m in matches:
                fh.write(json.dumps(m.to_record(), ensure_ascii=False) + "\n")
        return path
    rows = [m.to_record() for m in matches]
    base = {
        "demand_id": pl.Series([r["demand_id"] for r in rows], dtype=pl.String),
        "supply_id": pl.Series([r["supply_id"] for r in rows], dtype=pl.String),
        "rank": pl.Series([r["rank"] for r in rows], dtype=pl.Int32),
        "score": pl.Series([r["score"] for r in rows], dtype=pl.Float64),
    }
    if suffix == ".parquet":
        reasons = [
            [
                {
                    **{k: x[k] for k in ("kind", "points", "zh", "en")},
                    "detail": json.dumps(x["detail"], ensure_ascii=False),
                }
                for x in r["reasons"]
            ]
            for r in rows
        ]
        reason_type = pl.List(
            pl.Struct(
                {
                    "kind": pl.String,
                    "points": pl.Float64,
                    "zh": pl.String,
                    "en": pl.String,
                    "detail": pl.String,
                }
            )
        )
        pl.DataFrame({**base, "reasons": pl.Series(reasons, dtype=reason_type)}).write_parquet(path)
        return path
    frame = pl.DataFrame(
        {
            **base,
            "reasons_zh": ["\n".join(x["zh"] for x in r["reasons"]) for r in rows],
            "reasons_en": ["\n".join(x["en"] for x in r["reasons"]) for r in rows],
            "reasons": [json.dumps(r["reasons"], ensure_ascii=False) for r in rows],
        }
    )
    if suffix == ".csv":
        frame.write_csv(path, include_bom=True)
    else:
        frame.write_excel(path, worksheet="matches", autofit=True)
    return path
