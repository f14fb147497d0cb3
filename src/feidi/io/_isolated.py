"""Reading an untrusted file in a child process, so that no file can take the caller down.

:func:`read_dataset` bounds what it will read (:class:`ReadLimits`, checked before anything
is materialised), but the readers underneath are native code (calamine, Arrow, Polars) and a
crafted file may still find a way to exhaust memory or spin. A server that reads uploads
therefore calls :func:`read_dataset_isolated`: the same read in a child process with
an address-space and CPU-time limit and a wall-clock timeout. If the child dies, the caller
gets an ordinary :class:`InputReport` with one error saying so — never a crash of its own.

The child (``feidi.io._read_child``, forked from a fork server that has imported the core)
writes its result into a private temporary folder — the report as JSON, the frames as
Parquet — which the parent reads back and removes.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import multiprocessing.context
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from feidi.io import _read_child
from feidi.io._issues import Bilingual, InputReport, Issue, IssueLog
from feidi.io._limits import ReadLimits
from feidi.io._read_child import FRAMES, report_to_json
from feidi.io._validate import Dataset
from feidi.schema import Field

__all__ = ["Isolation", "read_dataset_isolated", "report_from_json", "report_to_json"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Isolation:
    """How much the child process may use.

    ``memory_bytes`` caps its address space (RLIMIT_AS; Polars, Arrow and the thread pools
    reserve ≈ 1 GiB of address space before reading anything, so keep this ≥ 2 GiB);
    ``cpu_seconds`` its CPU time; ``wall_seconds`` how long the caller waits.
    """

    memory_bytes: int = 4 * 2**30
    cpu_seconds: int = 300
    wall_seconds: float = 300.0


def report_from_json(data: Mapping[str, Any]) -> InputReport:
    """The inverse of :func:`report_to_json`."""
    return InputReport(
        file=data["file"],
        issues=tuple(Issue(**i) for i in data["issues"]),
        rows=data["rows"],
        firms=data["firms"],
        columns=dict(data["columns"]),
        ignored_columns=tuple(data["ignored_columns"]),
        truncated=dict(data["truncated"]),
    )


def read_dataset_isolated(
    path: str | Path,
    *,
    file_name: str | None = None,
    limits: ReadLimits,
    isolation: Isolation = Isolation(),
    extra_fields: tuple[Field, ...] = (),
) -> tuple[Dataset | None, InputReport]:
    """:func:`read_dataset` in a child process; never raises for anything in the file.

    Returns ``(dataset, report)`` — ``dataset`` is None when the report has errors, including
    the single error written when the child ran out of memory or time. ``file_name`` is the
    name the user knows the file by (an upload is stored under another name); every issue
    carries it. ``extra_fields``: as for :func:`read_dataset` (a province's own inputs).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from feidi.io import DEFAULT_LIMITS
    >>> from feidi.reference import make_credit_code
    >>> code = make_credit_code("91330000MA2XXXXX0")
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "stored_x1.csv"
    >>> _ = p.write_text(f"统一社会信用代码,年度,营业收入(万元)\\n{code},2024,-5\\n", "utf-8")
    >>> data, report = read_dataset_isolated(p, file_name="firms.csv", limits=DEFAULT_LIMITS)
    >>> data is None, report.errors[0].file, report.errors[0].row, report.errors[0].column
    (True, 'firms.csv', 2, '营业收入(万元)')
    """
    path = Path(path)
    shown = file_name or path.name
    with tempfile.TemporaryDirectory(prefix="feidi-read-") as out:
        child = _context().Process(
            target=_read_child.main,
            args=(
                str(path),
                out,
                shown,
                asdict(limits),
                isolation.memory_bytes,
                isolation.cpu_seconds,
                extra_fields,
            ),
            daemon=True,
        )
        child.start()
        child.join(isolation.wall_seconds)
        if child.is_alive():
            child.kill()
            child.join()
            return None, _single_error(
                shown,
                "file.timeout",
                (
                    f"读取文件超过 {isolation.wall_seconds:.0f} 秒仍未完成，已停止",
                    f"reading the file took longer than {isolation.wall_seconds:.0f} s and was"
                    " stopped",
                ),
            )
        result = Path(out) / "report.json"
        if child.exitcode != 0 or not result.is_file():
            log.warning("isolated read of %s ended with exit code %s", shown, child.exitcode)
            return None, _single_error(
                shown,
                "file.resources",
                (
                    f"读取该文件所需的内存或时间超出平台上限（内存 {_gib(isolation.memory_bytes)}，"
                    f"CPU {isolation.cpu_seconds} 秒），未被采用；请拆分文件或删除多余内容"
                    f"",
                    f"reading this file needed more memory or time than the platform allows"
                    f" ({_gib(isolation.memory_bytes)} of memory, {isolation.cpu_seconds} s of CPU);"
                    " it was not used — split it or remove what it need not carry",
                ),
            )
        report = report_from_json(json.loads(result.read_text("utf-8")))
        if not report.ok:
            return None, report
        frames = {name: pl.read_parquet(Path(out) / f"{name}.parquet") for name in FRAMES}
        return Dataset(**frames), report


@cache
def _context() -> multiprocessing.context.ForkServerContext:
    """A fork server that has imported the core once: each read forks from it in
    milliseconds instead of starting Python and Polars (≈ 0.7 s), and never from the caller
    itself, whose threads (a web server's) must not be forked."""
    context = multiprocessing.get_context("forkserver")
    assert isinstance(context, multiprocessing.context.ForkServerContext)
    context.set_forkserver_preload(["feidi.io._read_child"])
    return context


def _gib(n: int) -> str:
    return f"{n / 2**30:g} GiB"


def _single_error(file: str, code: str, reason: Bilingual) -> InputReport:
    issues = IssueLog(file)
    issues.add("error", code, reason)
    return issues.report()
