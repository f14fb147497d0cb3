"""A worker killed in the middle of an evaluation (kill -9, a restart): the run is seen as
stale instead of "running" forever, its partial records are never served, and a retry on a
new worker grades it from scratch to the same result."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest
from tests.web.live_platform import Platform, live_platform

SETUP = r"""
import io, json
from django.core.files.uploadedfile import SimpleUploadedFile
from feidi.demo import generate_demo_city
from feidi_web.accounts.models import ApiToken, Role, User
from feidi_web.enterprises.services import import_check, import_commit
staff = User.objects.create_user("staff", password="x-staff-2026", role=Role.COUNTY_STAFF,
                                 division_code="320581")
key = ApiToken.new_key()
ApiToken.objects.create(user=staff, name="t", digest=ApiToken.digest_of(key))
buf = io.BytesIO()
generate_demo_city(n_local=120, n_enclave=0, n_years=3).write_csv(buf)
imp = import_check(actor=staff, upload=SimpleUploadedFile("city.csv", buf.getvalue()))
import_commit(actor=staff, import_id=imp.pk)
json.dump({"key": key}, __import__("sys").stdout)
"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Iterator[Platform]:
    with live_platform(
        tmp_path_factory.mktemp("worker"),
        SETUP,
        FEIDI_RUN_BATCH_FIRMS="4",  # 30 batches: time to kill the worker in the middle
        FEIDI_RUN_STALE_SECONDS="3",
    ) as running:
        yield running


def test_a_killed_worker_leaves_a_stale_run_that_a_retry_finishes(platform):
    status, run = platform.call(
        "POST", "/api/evaluations", {"rulebook": "miit-2022", "as_of": "2026-06-30"}
    )
    assert (status, run["status"]) == (201, "queued")
    path = f"/api/evaluations/{run['id']}"

    worker = platform.start_worker()
    platform.wait_for(
        lambda: platform.call("GET", path)[1]["firms_done"] >= 40, what="the run to get going"
    )
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    killed_at = platform.call("GET", path)[1]
    assert killed_at["status"] == "running"
    assert 40 <= killed_at["firms_done"] < 120

    # The heartbeat stops: after FEIDI_RUN_STALE_SECONDS the run says it is stale.
    stale = platform.wait_for(
        lambda: (r := platform.call("GET", path)[1])["stale"] and r, seconds=30, what="stale"
    )
    assert (stale["status"], stale["firms_done"]) == ("running", killed_at["firms_done"])
    status, body = platform.call("GET", f"{path}/records")
    assert (status, body) == (409, {"detail": "The run has not finished; it has no records yet."})

    status, retried = platform.call("POST", f"{path}/retry")
    assert (status, retried["status"], retried["firms_done"]) == (200, "queued", 0)
    platform.start_worker()
    done = platform.wait_for(
        lambda: (r := platform.call("GET", path)[1])["status"] == "done" and r,
        seconds=120,
        what="the retried run to finish",
    )
    assert (done["firms_done"], done["firms_total"], done["stale"]) == (120, 120, False)
    status, records = platform.call("GET", f"{path}/records?limit=1")
    assert (status, records["count"]) == (200, 120 * 3)  # each firm × tier once, no leftovers


def test_a_healthy_running_run_cannot_be_retried_and_a_cancel_stops_it(platform):
    status, run = platform.call(
        "POST", "/api/evaluations", {"rulebook": "miit-2022", "as_of": "2025-06-30"}
    )
    assert status == 201
    path = f"/api/evaluations/{run['id']}"
    platform.start_worker()
    platform.wait_for(
        lambda: platform.call("GET", path)[1]["firms_done"] >= 20, what="the run to get going"
    )
    status, body = platform.call("POST", f"{path}/retry")
    assert status == 422, body  # it is alive: nothing to retry
    status, cancelled = platform.call("POST", f"{path}/cancel")
    assert (status, cancelled["status"]) == (200, "cancelled")
    # The worker finds at its next batch that the run is no longer its own and stops: the run
    # stays cancelled, and what it graded is gone rather than left as a partial result.
    time.sleep(2)
    assert platform.call("GET", path)[1]["status"] == "cancelled"
    count = platform.manage(
        "shell",
        "--no-imports",
        "-c",
        "from feidi_web.evaluations.models import EvaluationRecord as R; "
        f"print(R.objects.filter(run_id={run['id']}).count())",
    )
    assert count.strip() == "0"
