"""The child process of :func:`feidi.io.read_dataset_isolated`: lower its own limits, read
one file with the core, and write the report and frames into a folder.

A module of its own so that the fork server can import it (and with it the core) once.
"""

from __future__ import annotations

import json
import resource
from dataclasses import replace
from pathlib import Path
from typing import Any

from feidi.io._issues import InputError, InputReport
from feidi.io._limits import ReadLimits
from feidi.io._stream import read_dataset
from feidi.io._validate import Dataset
from feidi.schema import Field

#: The frames a clean read writes, in this order.
FRAMES = ("firms", "financials", "firm_rows")


def report_to_json(report: InputReport) -> dict[str, Any]:
    """An :class:`InputReport` as plain JSON (what a server stores beside an upload)."""
    from dataclasses import asdict

    return {
        "file": report.file,
        "rows": report.rows,
        "firms": report.firms,
        "columns": report.columns,
        "ignored_columns": list(report.ignored_columns),
        "truncated": report.truncated,
        "issues": [asdict(i) for i in report.issues],
    }


def main(
    source: str,
    out: str,
    shown: str,
    limits: dict[str, int],
    memory_bytes: int,
    cpu_seconds: int,
    extra_fields: tuple[Field, ...] = (),
) -> None:
    """Runs in the child: its own address-space and CPU limits first, then the read."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not dump gigabytes
    data: Dataset | None
    try:
        data, report = read_dataset(source, limits=ReadLimits(**limits), extra_fields=extra_fields)
    except InputError as exc:
        data, report = None, exc.report
    report = replace(
        report, file=shown, issues=tuple(replace(i, file=shown) for i in report.issues)
    )
    if data is not None:
        rows = data.firm_rows
        assert rows is not None  # read_dataset always says where each firm is
        for name, frame in zip(FRAMES, (data.firms, data.financials, rows), strict=True):
            frame.write_parquet(Path(out) / f"{name}.parquet")
    # the report last: its presence tells the parent that everything before it was written
    (Path(out) / "report.json").write_text(json.dumps(report_to_json(report)), "utf-8")
