"""Reading an event's files — requests, availability, a previous schedule — with every problem
named by file, row, column and a (中文, English) reason.

The cells are read by :func:`feidi.io._read.read_raw` (CSV in UTF-8, GBK or UTF-16, XLSX,
Parquet; title rows above the header; the reader's size limits), so row numbers are those a
spreadsheet shows. Headers may be English or Chinese (``request_id`` / 约见编号 …). As in
:func:`feidi.io.read_dataset`, a file with any error raises :class:`~feidi.io.InputError`
whose report lists them all; warnings come back with the result.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from feidi.io import CONTROL_CHARS, DEFAULT_LIMITS, InputError, InputReport, ReadLimits
from feidi.io._issues import IssueLog
from feidi.io._read import ROW, RawTable, UnreadableFileError, read_raw
from feidi.schedule._model import MAX_PRIORITY, Meeting, Request
from feidi.schema import normalise_header

__all__ = ["read_availability", "read_meetings", "read_requests"]

#: Field → the headers that name it (folded by :func:`feidi.schema.normalise_header`).
_ALIASES: dict[str, tuple[str, ...]] = {
    "request_id": ("request_id", "request", "id", "约见编号", "请求编号", "约见请求编号", "编号"),
    "requester": ("requester", "from", "发起人", "发起方", "约见人"),
    "invitee": ("invitee", "to", "受邀人", "受邀方", "被约见人"),
    "priority": ("priority", "weight", "优先级", "权重"),
    "participant": ("participant", "person", "参会人", "参会者", "参会方"),
    "slot": ("slot", "时段", "场次", "时段序号"),
    "table": ("table", "桌号", "桌"),
}
_CONTROL = re.compile(CONTROL_CHARS)


@dataclass(frozen=True)
class _Row:
    """One data row: its spreadsheet row number and its cells by field (None when empty)."""

    number: int
    cells: dict[str, str | None]


class _Sheet:
    """A file's rows for the given fields, with the headers they were found under."""

    def __init__(
        self, path: Path, fields: Sequence[str], sheet: str | None, limits: ReadLimits
    ) -> None:
        self.log = IssueLog(path.name)
        self.fields = fields
        aliases = {normalise_header(a): f for f in fields for a in _ALIASES[f]}
        try:
            raw = read_raw(path, aliases, sheet, limits)
        except UnreadableFileError as exc:
            self.log.add("error", exc.code, exc.reason)
            raise InputError(self.log.report()) from None
        self.raw: RawTable = raw
        self.header: dict[str, str] = {}  # field → header as written
        source: dict[str, str] = {}  # field → positional column
        for i, text in enumerate(raw.headers):
            field = aliases.get(normalise_header(text)) if text else None
            if field is None:
                continue
            if field in source:
                self.log.add(
                    "error",
                    "header.duplicate",
                    (
                        f"两列都表示「{field}」：「{self.header[field]}」与「{text}」",
                        f"two columns both mean {field!r}: {self.header[field]!r} and {text!r}",
                    ),
                    row=raw.header_row,
                    column=text,
                )
                continue
            source[field] = f"c{i}"
            self.header[field] = text
        for field in fields:
            if field not in source:
                self.log.add(
                    "error",
                    "header.missing",
                    (
                        f"缺少列「{field}」（可用表头：{'、'.join(_ALIASES[field])}）",
                        f"missing column {field!r} (headers accepted: {', '.join(_ALIASES[field])})",
                    ),
                    row=raw.header_row,
                    column=field,
                )
        self.fail_if_errors()
        # Every cell as text: Parquet brings typed columns, and a slot read as 3 or 3.0 is
        # judged by the same rule as "3".
        cells = raw.data.select(ROW, *[pl.col(source[f]).cast(pl.String).alias(f) for f in fields])
        self.rows = [
            _Row(int(r[ROW]), {f: r[f] for f in fields})
            for r in cells.iter_rows(named=True)
            if any(r[f] is not None for f in fields)  # a blank line is no record
        ]

    def error(self, code: str, reason: tuple[str, str], row: _Row, field: str) -> None:
        self.log.add(
            "error",
            code,
            reason,
            row=row.number,
            column=self.header.get(field, field),
            value=row.cells.get(field),
        )

    def warn(self, code: str, reason: tuple[str, str], row: _Row, field: str) -> None:
        self.log.add(
            "warning",
            code,
            reason,
            row=row.number,
            column=self.header.get(field, field),
            value=row.cells.get(field),
        )

    def text(self, row: _Row, field: str, what: tuple[str, str]) -> str | None:
        """A required text cell, or None after logging why it cannot be used."""
        value = row.cells[field]
        if value is None:
            self.error(f"{field}.empty", (f"{what[0]}为空", f"empty {what[1]}"), row, field)
            return None
        if _CONTROL.search(value):
            self.error(
                f"{field}.control",
                (f"{what[0]}含有控制字符", f"{what[1]} contains control characters"),
                row,
                field,
            )
            return None
        return value

    def whole(self, row: _Row, field: str, what: tuple[str, str], upper: int | None) -> int | None:
        """A whole number from 1 (to ``upper``), or None after logging why not."""
        value = row.cells[field]
        number = _whole(value)
        if number is None or number < 1 or (upper is not None and number > upper):
            span = f"1..{upper}" if upper is not None else "≥ 1"
            span_en = f"in 1..{upper}" if upper is not None else "≥ 1"
            self.error(
                f"{field}.range" if number is not None else f"{field}.invalid",
                (
                    f"{what[0]}须为 {span} 的整数，得到「{value or ''}」",
                    f"{what[1]} must be a whole number {span_en}, got {value or '(empty)'!r}",
                ),
                row,
                field,
            )
            return None
        return number

    def fail_if_errors(self) -> None:
        if self.log.has_errors:
            raise InputError(self.report())

    def report(self) -> InputReport:
        return self.log.report(
            rows=len(getattr(self, "rows", ())),
            columns={h: f for f, h in self.header.items()},
            column_order=self.raw.headers,
        )

    def __iter__(self) -> Iterator[_Row]:
        return iter(self.rows)


def _whole(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


def read_requests(
    path: str | Path, *, sheet: str | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[tuple[Request, ...], InputReport]:
    """The meeting requests of a file with ``request_id``, ``requester``, ``invitee``,
    ``priority``.

    Errors: an empty or duplicate request id, an empty participant, requester = invitee, a
    priority that is not a positive number (up to :data:`~feidi.schedule.MAX_PRIORITY`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "requests.csv"
    >>> _ = p.write_text("约见编号,发起人,受邀人,优先级\\nr1,企业甲,投资人乙,2.5\\n", "utf-8")
    >>> requests, report = read_requests(p)
    >>> requests, report.ok
    ((Request(request_id='r1', requester='企业甲', invitee='投资人乙', priority=2.5),), True)
    """
    sheet_ = _Sheet(Path(path), ("request_id", "requester", "invitee", "priority"), sheet, limits)
    first_row: dict[str, int] = {}
    out: list[Request] = []
    for row in sheet_:
        rid = sheet_.text(row, "request_id", ("约见编号", "request_id"))
        requester = sheet_.text(row, "requester", ("发起人", "requester"))
        invitee = sheet_.text(row, "invitee", ("受邀人", "invitee"))
        priority = _priority(sheet_, row)
        if rid is not None:
            if rid in first_row:
                sheet_.error(
                    "request_id.duplicate",
                    (
                        f"约见编号与第 {first_row[rid]} 行重复",
                        f"duplicate request_id: row {first_row[rid]} has it too",
                    ),
                    row,
                    "request_id",
                )
                rid = None
            else:
                first_row[rid] = row.number
        if requester is not None and requester == invitee:
            sheet_.error(
                "request.self",
                ("发起人与受邀人是同一人", "requester and invitee are the same person"),
                row,
                "invitee",
            )
            continue
        if (
            rid is not None
            and requester is not None
            and invitee is not None
            and priority is not None
        ):
            out.append(Request(rid, requester, invitee, priority))
    sheet_.fail_if_errors()
    return tuple(out), sheet_.report()


def _priority(sheet: _Sheet, row: _Row) -> float | None:
    value = row.cells["priority"]
    try:
        number = float(value) if value is not None else math.nan
    except ValueError:
        number = math.nan
    if math.isfinite(number) and 0 < number <= MAX_PRIORITY:
        return number
    sheet.error(
        "priority.invalid",
        (
            f"优先级须为不超过 {MAX_PRIORITY:,.0f} 的正数，得到「{value or ''}」",
            f"priority must be a positive number up to {MAX_PRIORITY:,.0f},"
            f" got {value or '(empty)'!r}",
        ),
        row,
        "priority",
    )
    return None


def read_availability(
    path: str | Path,
    *,
    slots: int,
    participants: Collection[str] = (),
    sheet: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> tuple[dict[str, frozenset[int]], InputReport]:
    """Who can attend which slots: ``participant``, ``slot`` (1..``slots``), a row per slot.

    A participant with no row is free in every slot (they are simply not in the result).
    Errors: an empty participant, a slot that is not a whole number in 1..``slots``.
    Warnings: a repeated row; a participant not among ``participants`` (when given: the
    people of the requests), most likely a misspelt name.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "availability.csv"
    >>> _ = p.write_text("participant,slot\\n投资人乙,1\\n投资人乙,2\\n", "utf-8")
    >>> read_availability(p, slots=3)[0]
    {'投资人乙': frozenset({1, 2})}
    """
    sheet_ = _Sheet(Path(path), ("participant", "slot"), sheet, limits)
    known = set(participants)
    seen: dict[tuple[str, int], int] = {}
    unknown_named: set[str] = set()
    out: dict[str, set[int]] = {}
    for row in sheet_:
        person = sheet_.text(row, "participant", ("参会人", "participant"))
        slot = sheet_.whole(row, "slot", ("时段", "slot"), slots)
        if person is None or slot is None:
            continue
        if (person, slot) in seen:
            sheet_.warn(
                "availability.duplicate",
                (
                    f"与第 {seen[person, slot]} 行重复",
                    f"repeats row {seen[person, slot]}",
                ),
                row,
                "slot",
            )
            continue
        seen[person, slot] = row.number
        if known and person not in known and person not in unknown_named:
            unknown_named.add(person)
            sheet_.warn(
                "participant.unknown",
                (
                    "约见请求中没有这位参会人（名字写错了？）",
                    "no request names this participant (a misspelt name?)",
                ),
                row,
                "participant",
            )
        out.setdefault(person, set()).add(slot)
    sheet_.fail_if_errors()
    return {p: frozenset(s) for p, s in out.items()}, sheet_.report()


def read_meetings(
    path: str | Path,
    *,
    requests: Sequence[Request],
    sheet: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> tuple[tuple[Meeting, ...], InputReport]:
    """A schedule written by ``feidi schedule``: ``request_id``, ``slot``, ``table``.

    Errors: an empty request id, one not among ``requests``, one listed twice; a slot or
    table that is not a whole number ≥ 1; two meetings at one table in one slot; a person in
    two meetings of one slot. Slots and tables beyond the event's present ones are allowed
    (the event may have shrunk: those meetings must move).
    """
    sheet_ = _Sheet(Path(path), ("request_id", "slot", "table"), sheet, limits)
    by_id: Mapping[str, Request] = {r.request_id: r for r in requests}
    first_row: dict[str, int] = {}
    at_table: dict[tuple[int, int], int] = {}
    person_at: dict[tuple[str, int], int] = {}
    out: list[Meeting] = []
    for row in sheet_:
        rid = sheet_.text(row, "request_id", ("约见编号", "request_id"))
        slot = sheet_.whole(row, "slot", ("时段", "slot"), None)
        table = sheet_.whole(row, "table", ("桌号", "table"), None)
        if rid is None:
            continue
        if rid not in by_id:
            sheet_.error(
                "request_id.unknown",
                ("约见请求中没有这个编号", "no request has this request_id"),
                row,
                "request_id",
            )
            continue
        if rid in first_row:
            sheet_.error(
                "request_id.duplicate",
                (
                    f"约见编号与第 {first_row[rid]} 行重复",
                    f"duplicate request_id: row {first_row[rid]} has it too",
                ),
                row,
                "request_id",
            )
            continue
        first_row[rid] = row.number
        if slot is None or table is None:
            continue
        if (slot, table) in at_table:
            sheet_.error(
                "table.double_booked",
                (
                    f"第 {at_table[slot, table]} 行已在时段 {slot} 使用 {table} 号桌",
                    f"row {at_table[slot, table]} already uses table {table} in slot {slot}",
                ),
                row,
                "table",
            )
            continue
        at_table[slot, table] = row.number
        request = by_id[rid]
        for person in (request.requester, request.invitee):
            if (person, slot) in person_at:
                sheet_.error(
                    "participant.double_booked",
                    (
                        f"「{person}」在时段 {slot} 已有第 {person_at[person, slot]} 行的约见",
                        f"{person!r} already meets in slot {slot} (row {person_at[person, slot]})",
                    ),
                    row,
                    "slot",
                )
            person_at[person, slot] = row.number
        out.append(Meeting(rid, slot, table))
    sheet_.fail_if_errors()
    return tuple(out), sheet_.report()
