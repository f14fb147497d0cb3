"""Two people moving the same project at the same moment, against a real server process
(a SQLite file here; the PostgreSQL pass uses the server from ``DATABASE_URL``): exactly one
move is written, the other is told the project changed (412) — no transition is lost, none
is written twice, and nobody gets a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.web.live_platform import Platform, at_once, live_platform

SETUP = r"""
import json, sys
from feidi_web.accounts.models import ApiToken, Role, User
from feidi_web.pipeline.services import NewCounterpart, project_create
officer = User.objects.create_user("officer", password="x-officer-2026",
                                   role=Role.INVESTMENT_OFFICER, division_code="320581")
key = ApiToken.new_key()
ApiToken.objects.create(user=officer, name="t", digest=ApiToken.digest_of(key))
ids = [project_create(actor=officer, name=f"项目{i}", source="enclave",
                      new_counterpart=NewCounterpart(name=f"初创团队{i}", kind="startup")).pk
       for i in range(6)]
json.dump({"key": key, "projects": ids}, sys.stdout)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Platform]:
    with live_platform(
        tmp_path_factory.mktemp("pipeline"),
        SETUP,
        FEIDI_TASK_BACKEND="django_tasks.backends.dummy.DummyBackend",
    ) as platform:
        yield platform


@pytest.mark.parametrize("movers", [2, 4])
def test_moves_of_one_project_at_once_write_exactly_one(server, movers):
    project = server.made["projects"][movers]
    targets = ["contacted", "negotiating", "signed", "lost"][:movers]
    answers = at_once(
        [
            lambda to=to: server.call(
                "POST",
                f"/api/pipeline/projects/{project}/move",
                {"to": to, "lost_reason": "paused" if to == "lost" else None},
                **{"If-Match": '"1"'},
            )
            for to in targets
        ]
    )
    codes = sorted(code for code, _ in answers)
    assert codes == [200] + [412] * (movers - 1), answers
    winner = next(body for code, body in answers if code == 200)
    status, now = server.call("GET", f"/api/pipeline/projects/{project}")
    assert status == 200
    # the history holds the creation and the one move that won, nothing else
    assert [h["stage"] for h in now["history"]] == ["lead", winner["stage"]]
    assert now["version"] == 2
    for code, body in answers:
        if code == 412:
            assert body["current_version"] == 2 and body["current"]["stage"] == winner["stage"]
    assert "database is locked" not in server.log.read_text()


def test_moves_of_different_projects_at_once_all_land(server):
    projects = server.made["projects"][:2]
    answers = at_once(
        [
            lambda p=p: server.call(
                "POST",
                f"/api/pipeline/projects/{p}/move",
                {"to": "negotiating"},
                **{"If-Match": '"1"'},
            )
            for p in projects
        ]
    )
    assert [code for code, _ in answers] == [200, 200], answers
