"""Input problems: one :class:`Issue` per problem, gathered into an :class:`InputReport`.

A report lists every problem the reader found, but at most :data:`ISSUE_CAP` per issue code:
a province-wide file with a systematic mistake (every revenue in 元) would otherwise list
millions of identical lines. The rest are counted in ``InputReport.truncated``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

__all__ = [
    "CONTROL_CHARS",
    "ISSUE_CAP",
    "Bilingual",
    "InputError",
    "InputReport",
    "Issue",
    "IssueLog",
    "visible_text",
    "write_report",
]

Severity = Literal["error", "warning"]
#: A message in both languages, 简体中文 first: each reader is shown their own half.
Bilingual = tuple[str, str]

#: How many issues of one code a report lists; the rest are only counted.
ISSUE_CAP = 1000

_REPORT_COLUMNS = ("severity", "file", "row", "column", "value", "reason", "reason_en", "code")

#: Control characters no cell means to hold (a regex class, for Python and Polars alike): the
#: C0 controls but tab, line feed and carriage return, and DEL. PostgreSQL cannot store NUL
#: in text or jsonb at all.
CONTROL_CHARS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
_CONTROL = re.compile(CONTROL_CHARS)


def visible_text(text: str) -> str:
    r"""``text`` with each control character of :data:`CONTROL_CHARS` written out as ``\xNN``.

    >>> print(visible_text("甲\x00公司\x1f"))
    甲\x00公司\x1f
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in an input file, located as a spreadsheet user would look for it.

    ``row`` is the row number the spreadsheet shows (the header row is 1 unless a title sits
    above it); for Parquet and in-memory frames it is the 1-based record number + 1, as if
    there were a header row. ``column`` is the header as written in the file. ``reason`` is
    简体中文, ``reason_en`` the same in English (:meth:`text` picks one).
    """

    severity: Severity
    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    code: str
    reason_en: str = ""

    def text(self, lang: str) -> str:
        """The reason in ``lang`` ("zh" or "en")."""
        return self.reason if lang == "zh" or not self.reason_en else self.reason_en

    @property
    def bilingual(self) -> str:
        """Both languages on one line, for a report read by both (CLI, files)."""
        return f"{self.reason} / {self.reason_en}" if self.reason_en else self.reason


@dataclass(frozen=True)
class InputReport:
    """Everything the reader found in one file.

    Examples
    --------
    >>> r = InputReport(file="a.csv", issues=(), rows=0, firms=0, columns={},
    ...                 ignored_columns=(), truncated={})
    >>> r.ok
    True
    """

    file: str
    issues: tuple[Issue, ...]
    rows: int
    firms: int
    columns: dict[str, str]
    ignored_columns: tuple[str, ...]
    truncated: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(i.severity == "error" for i in self.issues)

    def summary(self) -> str:
        """One line in both languages: how many errors and warnings, and the first error."""
        n_err = len(self.errors) + self._unlisted("error")
        n_warn = len(self.warnings) + self._unlisted("warning")
        line = (
            f"{self.file}: {n_err} 个错误、{n_warn} 个警告，文件未被采用"
            f" / {n_err} error(s), {n_warn} warning(s); the file was not used"
            if n_err
            else f"{self.file}: 无错误、{n_warn} 个警告 / no errors, {n_warn} warning(s)"
        )
        if self.errors:
            first = self.errors[0]
            where = ", ".join(
                p
                for p in (
                    f"row {first.row}" if first.row is not None else "",
                    first.column or "",
                )
                if p
            )
            line += f" — {where + ': ' if where else ''}{first.bilingual}"
        return line

    def _unlisted(self, severity: Severity) -> int:
        codes = {i.code for i in self.issues if i.severity == severity}
        return sum(n for code, n in self.truncated.items() if code in codes)


class InputError(Exception):
    """The input file has errors; nothing was read. ``report`` lists them all."""

    def __init__(self, report: InputReport) -> None:
        super().__init__(report.summary())
        self.report = report


class IssueLog:
    """Collects issues for one file, listing at most ``cap`` per code and counting the rest."""

    def __init__(self, file: str, cap: int = ISSUE_CAP) -> None:
        self.file = file
        self.cap = cap
        self._issues: list[Issue] = []
        self._listed: Counter[str] = Counter()
        self._unlisted: Counter[str] = Counter()

    def room(self, code: str) -> int:
        """How many more issues of ``code`` will be listed."""
        return max(self.cap - self._listed[code], 0)

    def add(
        self,
        severity: Severity,
        code: str,
        reason: Bilingual,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        if self._listed[code] >= self.cap:
            self._unlisted[code] += 1
            return
        self._listed[code] += 1
        # A cell's control characters are shown, never passed on: a report is stored and
        # displayed, and a NUL cannot even be stored in PostgreSQL.
        zh, en = visible_text(reason[0]), visible_text(reason[1])
        column = None if column is None else visible_text(column)
        value = None if value is None else visible_text(value)
        self._issues.append(Issue(severity, self.file, row, column, value, zh, code, en))

    def count_unlisted(self, code: str, n: int) -> None:
        """Record ``n`` further issues of ``code`` that were found but not listed."""
        if n > 0:
            self._unlisted[code] += n

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self._issues)

    def report(
        self,
        *,
        rows: int = 0,
        firms: int = 0,
        columns: dict[str, str] | None = None,
        ignored_columns: tuple[str, ...] = (),
        column_order: Sequence[str] = (),
    ) -> InputReport:
        # Listed in the order a user fixes a sheet: file-level issues first, then top to
        # bottom and left to right.
        position = {c: i for i, c in enumerate(column_order)}

        def where(issue: Issue) -> tuple[int, int]:
            row = -1 if issue.row is None else issue.row
            return row, position.get(issue.column or "", -1)

        ordered = sorted(self._issues, key=where)
        return InputReport(
            file=self.file,
            issues=tuple(ordered),
            rows=rows,
            firms=firms,
            columns=dict(columns or {}),
            ignored_columns=ignored_columns,
            truncated=dict(self._unlisted),
        )


def _report_records(report: InputReport) -> list[dict[str, object]]:
    records: list[dict[str, object]] = [asdict(i) for i in report.issues]
    severity_of = {i.code: i.severity for i in report.issues}
    for code, n in sorted(report.truncated.items()):
        records.append(
            {
                "severity": severity_of.get(code, "error"),
                "file": report.file,
                "row": None,
                "column": None,
                "value": None,
                "reason": f"另有 {n} 条同类问题未列出",
                "reason_en": f"{n} more issues with this code were not listed",
                "code": code,
            }
        )
    return [{k: r[k] for k in _REPORT_COLUMNS} for r in records]


def write_report(report: InputReport, path: str | Path) -> None:
    """Write the issues as ``.csv`` (UTF-8 with BOM for Excel), ``.xlsx`` or ``.json``.

    Columns: severity, file, row, column, value, reason (中文), reason_en, code. Issues counted but not listed
    (over the per-code cap) appear as one extra line per code.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> r = InputReport(file="a.csv", issues=(), rows=0, firms=0, columns={},
    ...                 ignored_columns=(), truncated={})
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "issues.csv"
    >>> write_report(r, p)
    >>> p.read_text("utf-8-sig").strip()
    'severity,file,row,column,value,reason,reason_en,code'
    """
    path = Path(path)
    records = _report_records(report)
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
        return
    frame = pl.DataFrame(
        records,
        schema={
            "severity": pl.String,
            "file": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "reason": pl.String,
            "reason_en": pl.String,
            "code": pl.String,
        },
    )
    if suffix == ".csv":
        frame.write_csv(path, include_bom=True)
    elif suffix == ".xlsx":
        frame.write_excel(path, worksheet="issues", autofit=True)
    else:
        raise ValueError(f"unsupported report format {suffix!r}: use .csv, .xlsx or .json")
