"""Concurrent writes against a real server process: they wait for each other or get a clear
answer — never a 500 ("database is locked").

The test database of the rest of the suite is an in-memory SQLite (or a PostgreSQL test
database inside one transaction), which cannot show what two requests writing at once do.
This test runs the platform as deployed: ``migrate`` on a database of its own (a SQLite file
in a temporary data folder; on the PostgreSQL pass the server from ``DATABASE_URL``), then
``runserver`` (threaded), and sends requests from several threads at the same moment:

* a double-clicked import commit: one commits, the other is told it is already committed;
* figure edits of different firms in parallel: all are written;
* the same fiscal year edited by several clients that read the same version: exactly one
  is written, the others are told the year changed (412).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.web.live_platform import Platform, at_once, live_platform

SETUP = r"""
import json, sys
from django.core.files.uploadedfile import SimpleUploadedFile
from feidi.demo import generate_demo_city
from feidi_web.accounts.models import ApiToken, Role, User
from feidi_web.enterprises.models import FiscalYear
from feidi_web.enterprises.services import import_check, import_commit
staff = User.objects.create_user("staff", password="x-staff-2026", role=Role.COUNTY_STAFF,
                                 division_code="320581")
key = ApiToken.new_key()
ApiToken.objects.create(user=staff, name="t", digest=ApiToken.digest_of(key))
def upload(frame, name):
    import io
    buf = io.BytesIO(); frame.write_csv(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="text/csv")
city = generate_demo_city(n_local=20, n_enclave=0, n_years=3)
first = import_check(actor=staff, upload=upload(city, "city.csv"))
import_commit(actor=staff, import_id=first.pk)
again = city.with_columns((city["revenue"] + 1).alias("revenue"))
pending = import_check(actor=staff, upload=upload(again, "again.csv"))
assert pending.status == "preview", pending.report["issues"][:3]
years = [(y.enterprise.credit_code, y.year, y.version)
         for y in FiscalYear.objects.select_related("enterprise").filter(year=2025)]
json.dump({"key": key, "pending": pending.pk, "years": years}, sys.stdout)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Platform]:
    with live_platform(
        tmp_path_factory.mktemp("server"),
        SETUP,
        FEIDI_TASK_BACKEND="django_tasks.backends.dummy.DummyBackend",
    ) as platform:
        yield platform


def test_double_clicked_commit_commits_once_and_tells_the_second(server):
    path = f"/api/imports/{server.made['pending']}/commit"
    answers = at_once([lambda: server.call("POST", path) for _ in range(2)])
    codes = sorted(code for code, _ in answers)
    assert codes == [200, 422], answers
    refused = next(body for code, body in answers if code == 422)
    assert refused == {
        "detail": ["该批导入无法入库（状态：已入库）。"]
    }  # the API speaks 中文 first
    status, body = server.call("GET", f"/api/imports/{server.made['pending']}")
    assert (status, body["status"]) == (200, "committed")


def _version(server: Platform, code: str, year: int) -> int:
    status, firm = server.call("GET", f"/api/enterprises/{code}")
    assert status == 200, firm
    return next(y["version"] for y in firm["years"] if y["year"] == year)


def test_parallel_edits_of_different_firms_all_land(server):
    years = [(c, y, _version(server, c, y)) for c, y, _ in server.made["years"][:8]]
    answers = at_once(
        [
            lambda code=code, year=year, version=version: server.call(
                "PATCH",
                f"/api/enterprises/{code}/years/{year}",
                {"rd_expense": 321.5},
                **{"If-Match": f'"{version}"'},
            )
            for code, year, version in years
        ]
    )
    assert [code for code, _ in answers] == [200] * len(years), answers
    for (code, year, _), (_, body) in zip(years, answers, strict=True):
        assert body["figures"]["rd_expense"] == 321.5, (code, year)
    assert "database is locked" not in server.log.read_text()


def test_same_year_edited_at_once_is_written_exactly_once(server):
    code, year, _ = server.made["years"][10]
    version = _version(server, code, year)
    answers = at_once(
        [
            lambda i=i: server.call(
                "PATCH",
                f"/api/enterprises/{code}/years/{year}",
                {"employees": 100 + i},
                **{"If-Match": f'"{version}"'},
            )
            for i in range(6)
        ]
    )
    codes = sorted(c for c, _ in answers)
    assert codes == [200, 412, 412, 412, 412, 412], answers
    winner = next(body for c, body in answers if c == 200)
    _status, firm = server.call("GET", f"/api/enterprises/{code}")
    stored = next(y for y in firm["years"] if y["year"] == year)
    assert (stored["version"], stored["figures"]["employees"]) == (
        version + 1,
        winner["figures"]["employees"],
    )
