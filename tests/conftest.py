"""Shared fixtures: every rule test runs on each engine (narwhals' way of proving parity).

No test is ever skipped for a missing tool: ``make test`` installs Java, Chromium, PostgreSQL
and the CJK fonts (``scripts/system-packages``), so a missing one is a failure that says
what to install, and a run that skipped anything fails (see ``pytest_sessionfinish``).
"""

from __future__ import annotations

import importlib.util
import shutil

import pytest

_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None


@pytest.fixture(params=["polars", "duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> str:
    if request.param == "spark" and not _SPARK:
        pytest.fail("the Spark engine needs PySpark and Java: `make test` installs both")
    return str(request.param)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run that skipped a test has not tested everything: fail it, naming the skips."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write_line(
            f"FAILED: {len(skipped)} test(s) skipped; every test must run (see -ra above)",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
