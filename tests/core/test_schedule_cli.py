"""``feidi schedule`` as an organiser drives it: files in, a valid schedule out, every bad cell
named by file, row, column and reason — and nothing written then."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from feidi.cli import app
from feidi.schedule import Event, Meeting, Request
from tests.core.test_schedule import problems

runner = CliRunner()

REQUESTS = """约见编号,发起人,受邀人,优先级
r1,企业甲,投资人A,5
r2,企业乙,投资人A,4
r3,企业丙,投资人A,3
r4,企业甲,企业乙,2
r5,投资人A,企业甲,1.5
r6,企业丙,投资人B,2
"""
AVAILABILITY = """participant,slot
企业乙,1
企业乙,2
投资人B,3
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    requests = tmp_path / "requests.csv"
    requests.write_text(REQUESTS, "utf-8")
    availability = tmp_path / "availability.csv"
    availability.write_text(AVAILABILITY, "utf-8")
    return requests, availability


def _event() -> Event:
    rows = [line.split(",") for line in REQUESTS.strip().splitlines()[1:]]
    return Event(
        tuple(Request(a, b, c, float(d)) for a, b, c, d in rows),
        slots=3,
        tables=2,
        availability={"企业乙": frozenset({1, 2}), "投资人B": frozenset({3})},
    )


def _meetings(path: Path) -> list[Meeting]:
    frame = pl.read_csv(path, schema_overrides={"request_id": pl.String})
    assert frame.columns == ["request_id", "slot", "table"]
    return [Meeting(*row) for row in frame.iter_rows()]


def _figure(output: str, label: str) -> str:
    found = re.search(rf"{label}: ([0-9.]+)", output)
    assert found, output
    return found.group(1)


def test_schedule_writes_a_valid_optimal_schedule(tmp_path: Path) -> None:
    requests, availability = _files(tmp_path)
    out = tmp_path / "out.csv"
    args = ["schedule", str(requests), "--slots", "3", "--tables", "2", "-a", str(availability)]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    meetings = _meetings(out)
    assert problems(_event(), meetings) == []
    # 投资人B attends slot 3 only, so 企业丙 meets 投资人A in slot 1 or 2; so does 企业乙,
    # who leaves after slot 2; 企业甲 then meets 投资人A in slot 3 (r1; r5 is the same pair,
    # worth less) and 企业乙 in 企业乙's other slot (r4). Every pair but r5 meets: 16.
    assert sorted(m.request_id for m in meetings) == ["r1", "r2", "r3", "r4", "r6"]
    assert _figure(result.output, "objective") == "16"
    assert _figure(result.output, "bound") == "16"
    assert "gap: 0.00%" in result.output
    assert "greedy baseline: " in result.output


def test_schedule_reads_xlsx_and_parquet(tmp_path: Path) -> None:
    requests = tmp_path / "requests.xlsx"
    pl.read_csv(REQUESTS.encode()).write_excel(requests)
    availability = tmp_path / "availability.parquet"
    pl.read_csv(AVAILABILITY.encode()).write_parquet(availability)  # slot as an integer column
    out = tmp_path / "out.parquet"
    args = ["schedule", str(requests), "--slots", "3", "--tables", "2"]
    result = runner.invoke(app, [*args, "--availability", str(availability), "-o", str(out)])
    assert result.exit_code == 0, result.output
    meetings = [Meeting(*row) for row in pl.read_parquet(out).iter_rows()]
    assert problems(_event(), meetings) == []
    assert _figure(result.output, "objective") == "16"


def test_schedule_reschedules_after_a_cancellation(tmp_path: Path) -> None:
    requests, availability = _files(tmp_path)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    base = ["schedule", str(requests), "--slots", "3", "--tables", "2", "-a", str(availability)]
    assert runner.invoke(app, [*base, "-o", str(first)]).exit_code == 0
    before = {m.request_id: m for m in _meetings(first)}
    result = runner.invoke(
        app, [*base, "-o", str(second), "--previous", str(first), "--cancel", "r2"]
    )
    assert result.exit_code == 0, result.output
    after = _meetings(second)
    assert problems(_event().without(requests=["r2"]), after) == []
    assert "r2" not in {m.request_id for m in after}
    # Cancelling frees a slot of 投资人A and of 企业乙; nothing else has to move.
    assert all(m == before[m.request_id] for m in after)
    assert "moved 0," in result.output and "cancelled 1" in result.output
    assert "proven fewest" in result.output


def test_schedule_reschedules_when_a_participant_withdraws(tmp_path: Path) -> None:
    requests, availability = _files(tmp_path)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    base = ["schedule", str(requests), "--slots", "3", "--tables", "2", "-a", str(availability)]
    assert runner.invoke(app, [*base, "-o", str(first)]).exit_code == 0
    result = runner.invoke(
        app, [*base, "-o", str(second), "--previous", str(first), "--withdraw", "企业甲"]
    )
    assert result.exit_code == 0, result.output
    after = _meetings(second)
    assert problems(_event().without(participants=["企业甲"]), after) == []
    assert sorted(m.request_id for m in after) == ["r2", "r3", "r6"]
    assert "dropped 2" in result.output  # r1 and r4 were 企业甲's


def _run_bad(tmp_path: Path, *extra: str, requests: str = REQUESTS) -> str:
    path = tmp_path / "requests.csv"
    path.write_text(requests, "utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["schedule", str(path), "--slots", "3", "--tables", "2", "-o", str(out), *extra]
    )
    assert result.exit_code == 2, result.output
    assert not out.exists()
    assert "nothing was scheduled or written" in result.output
    return result.output


def test_bad_requests_are_named_by_file_row_column_and_reason(tmp_path: Path) -> None:
    output = _run_bad(
        tmp_path,
        requests="request_id,requester,invitee,priority\n"
        "r1,甲,乙,3\n"
        "r1,甲,丙,2\n"
        "r3,丁,丁,1\n"
        "r4,甲,,2\n"
        "r5,乙,丙,-1\n"
        "r6,乙,丁,abc\n",
    )
    lines = output.splitlines()

    def line_of(row: int) -> str:
        found = [line for line in lines if f"row {row}," in line]
        assert len(found) == 1, output
        return found[0]

    assert "requests.csv" in line_of(3)
    assert "column request_id" in line_of(3) and "duplicate request_id: row 2" in line_of(3)
    assert "requester and invitee are the same person" in line_of(4)
    assert "column invitee" in line_of(5) and "empty invitee" in line_of(5)
    assert "column priority" in line_of(6) and "positive number" in line_of(6)
    assert "'abc'" in line_of(7) and "优先级须为" in line_of(7)
    assert "row 2," not in output  # the first r1 is fine


def test_bad_availability_is_named(tmp_path: Path) -> None:
    availability = tmp_path / "availability.csv"
    availability.write_text("participant,slot\n企业甲,1\n企业甲,4\n,2\n企业乙,x\n", "utf-8")
    output = _run_bad(tmp_path, "-a", str(availability))
    assert re.search(
        r"availability\.csv, 第 3 行 row 3, 列 column slot.*slot must be a whole number in 1\.\.3",
        output,
    )
    assert re.search(r"row 4, 列 column participant.*empty participant", output)
    assert re.search(r"row 5, 列 column slot, 值 value 'x'", output)


def test_bad_previous_schedule_is_named(tmp_path: Path) -> None:
    previous = tmp_path / "previous.csv"
    previous.write_text("request_id,slot,table\nr1,1,1\nr9,2,1\nr1,3,1\nr2,1,1\nr3,0,1\n", "utf-8")
    output = _run_bad(tmp_path, "--previous", str(previous))
    assert re.search(
        r"previous\.csv, 第 3 行 row 3, 列 column request_id.*no request has this request_id",
        output,
    )
    assert re.search(r"row 4,.*duplicate request_id: row 2", output)
    assert re.search(r"row 5, 列 column table.*already uses table 1 in slot 1", output)
    assert re.search(r"row 6, 列 column slot.*whole number ≥ 1", output)


def test_missing_column_and_unknown_names_are_refused(tmp_path: Path) -> None:
    output = _run_bad(tmp_path, requests="request_id,requester,invitee\nr1,甲,乙\n")
    assert "missing column 'priority'" in output
    output = _run_bad(tmp_path, "--cancel", "r99")
    assert "--cancel 'r99': 约见请求中没有这个编号 / no request has this request_id" in output
    output = _run_bad(tmp_path, "--withdraw", "无名氏")
    assert "no request or availability row names this participant" in output
    output = _run_bad(tmp_path, "--close-table", "5")
    assert "closed table 5 is not in 1..2" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slots", "0", "--tables", "2", "-o", "out.csv"], "--slots must be at least 1"),
        (["--slots", "3", "--tables", "0", "-o", "out.csv"], "--tables must be at least 1"),
        (["--slots", "3", "--tables", "2", "-o", "out.txt"], "the output must be .csv"),
        (["--slots", "3", "--tables", "2", "-o", "o.csv", "--gap", "1.5"], "--gap must be in"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, args: list[str], message: str) -> None:
    requests, _ = _files(tmp_path)
    args = [a if not a.startswith(("out", "o.")) else str(tmp_path / a) for a in args]
    result = runner.invoke(app, ["schedule", str(requests), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert list(tmp_path.glob("o*")) == []


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        ["schedule", str(tmp_path / "nope.csv"), "--slots", "3", "--tables", "2", "-o", str(out)],
    )
    assert result.exit_code == 2
    assert "file not found: nope.csv" in result.output
    assert not out.exists()
