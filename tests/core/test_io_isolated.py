"""read_dataset_isolated: a file that exhausts memory or time ends the child, never the caller."""

from __future__ import annotations

import os
from pathlib import Path

from feidi.io import DEFAULT_LIMITS, Isolation, read_dataset, read_dataset_isolated
from feidi.reference import make_credit_code

CODE = make_credit_code("91330000MA2XXXXX0")


def _csv(tmp_path: Path, rows: int, name: str = "stored_ab12.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8") as fh:
        fh.write("统一社会信用代码,年度,营业收入(万元)\n")
        for i in range(rows):
            fh.write(f"{CODE},{2000 + i % 100},{i}\n")
    return path


def test_isolated_read_gives_the_same_dataset_and_report_as_a_direct_read(tmp_path):
    path = tmp_path / "firms.csv"
    path.write_text(
        f"统一社会信用代码,年度,营业收入(万元)\n{CODE},2024,1200\n{CODE},2025,1300\n", "utf-8"
    )
    data, report = read_dataset_isolated(path, limits=DEFAULT_LIMITS)
    direct, direct_report = read_dataset(path)
    assert data is not None
    assert data.firms.equals(direct.firms)
    assert data.financials.equals(direct.financials)
    assert direct.firm_rows is not None and data.firm_rows is not None
    assert data.firm_rows.equals(direct.firm_rows)
    assert report == direct_report


def test_isolated_read_names_the_file_as_the_user_knows_it_in_every_issue(tmp_path):
    path = _csv(tmp_path, 1)
    path.write_text(path.read_text("utf-8").replace(",0\n", ",-3\n"), "utf-8")
    data, report = read_dataset_isolated(path, file_name="企业数据.csv", limits=DEFAULT_LIMITS)
    assert data is None
    assert report.file == "企业数据.csv"
    assert [(i.file, i.row, i.code) for i in report.errors] == [
        ("企业数据.csv", 2, "range.negative")
    ]


def test_a_child_out_of_memory_is_one_clear_error_and_the_caller_lives(tmp_path):
    path = _csv(tmp_path, 200_000)
    # less address space than the child already holds: its first large allocation fails
    data, report = read_dataset_isolated(
        path, limits=DEFAULT_LIMITS, isolation=Isolation(memory_bytes=300 * 2**20)
    )
    assert data is None
    assert [(i.code, i.row, i.column) for i in report.issues] == [("file.resources", None, None)]
    assert "300 MiB" not in report.issues[0].bilingual  # stated in GiB, as configured
    assert "0.292969 GiB" in report.issues[0].bilingual
    assert os.getpid() > 0  # still here


def test_a_child_that_takes_too_long_is_stopped(tmp_path):
    path = _csv(tmp_path, 300_000)
    data, report = read_dataset_isolated(
        path, limits=DEFAULT_LIMITS, isolation=Isolation(wall_seconds=0.01)
    )
    assert data is None
    assert [i.code for i in report.issues] == ["file.timeout"]
    assert "0 s" in report.issues[0].bilingual or "0 秒" in report.issues[0].bilingual


def test_no_temporary_folder_is_left_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    read_dataset_isolated(_csv(tmp_path, 3), limits=DEFAULT_LIMITS)
    assert list((tmp_path / "tmp").iterdir()) == []
