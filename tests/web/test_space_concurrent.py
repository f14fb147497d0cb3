"""A hundred firms' users booking one meeting-room slot at the same moment, against a real
server process (a SQLite file here; on the PostgreSQL pass the server of ``DATABASE_URL``):
exactly one is answered 201, the 99 others 409 naming the winner's time, and exactly one
active booking exists — the database's guarantee (slot key, or exclusion constraint), not a
check in Python that two requests could both pass."""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from tests.web.live_platform import Platform, at_once, live_platform

PARALLEL = 100

SETUP = (
    f"PARALLEL = {PARALLEL}\n"
    + r"""
import json, sys
from datetime import datetime, time, timedelta
from django.utils import timezone
from feidi_web.accounts.models import ApiToken, Role, User
from feidi_web.enterprises.models import Enterprise
from feidi_web.space.models import Resource
room = Resource.objects.create(name="会议室 常熟厅", kind="meeting_room", jurisdiction_code="320581",
                               capacity=12, opens_minute=540, closes_minute=1080,
                               longest_minutes=240)
keys = []
for i in range(PARALLEL):
    firm = Enterprise.objects.create(name=f"常熟企业{i}", region_code="320581",
                                     jurisdiction_code="320581")
    # "!": no password (they call with API keys; hashing a hundred would take half a minute)
    user = User.objects.create(username=f"firm{i}", password="!", role=Role.ENTERPRISE,
                               enterprise=firm)
    key = ApiToken.new_key()
    ApiToken.objects.create(user=user, name="t", digest=ApiToken.digest_of(key))
    keys.append(key)
today = timezone.localdate()
monday = today + timedelta(days=7 - today.weekday())
start = timezone.make_aware(datetime.combine(monday, time(10)))
json.dump({"key": keys[0], "keys": keys, "room": room.pk, "start": start.isoformat(),
           "end": (start + timedelta(hours=1)).isoformat()}, sys.stdout)
"""
)


def _postgres_takes_a_hundred() -> None:
    """On the PostgreSQL pass the server must accept a connection per request thread (and the
    suite's other connections): ``max_connections`` of at least ``PARALLEL + 50``."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    with psycopg.connect(url) as db:
        row = db.execute("SHOW max_connections").fetchone()
    limit = int(row[0]) if row else 0
    if limit < PARALLEL + 50:
        pytest.fail(
            f"this PostgreSQL server takes {limit} connections; {PARALLEL} requests at once "
            f"need at least {PARALLEL + 50} (scripts/pg-throwaway: -c max_connections=…)"
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Platform]:
    _postgres_takes_a_hundred()
    with live_platform(
        tmp_path_factory.mktemp("space"),
        SETUP,
        FEIDI_TASK_BACKEND="django_tasks.backends.dummy.DummyBackend",
    ) as platform:
        yield platform


def _connected(base: str) -> http.client.HTTPConnection:
    host, port = urlsplit(base).hostname, urlsplit(base).port
    connection = http.client.HTTPConnection(host or "", port, timeout=120)
    connection.connect()
    return connection


def _post(connection: http.client.HTTPConnection, key: str, body: dict) -> tuple[int, dict]:
    connection.request(
        "POST",
        "/api/bookings",
        body=json.dumps(body),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    answer = (response.status, json.loads(response.read() or b"null"))
    connection.close()
    return answer


def test_a_hundred_bookings_of_one_slot_at_once_exactly_one_wins(server):
    made = server.made
    body = {"resource": made["room"], "start": made["start"], "end": made["end"]}
    # The hundred connections are opened first, one after the other (runserver accepts ten
    # waiting connections at a time), then the hundred requests are sent at one moment: a
    # hundred server threads book the same slot together.
    connections = [_connected(server.base) for _ in made["keys"]]
    answers = at_once(
        [lambda c=c, k=k: _post(c, k, body) for c, k in zip(connections, made["keys"], strict=True)]
    )
    codes = sorted(code for code, _ in answers)
    assert codes == [201] + [409] * (PARALLEL - 1), [a for a in answers if a[0] not in (201, 409)]
    winner = next(answer for code, answer in answers if code == 201)
    assert (winner["status"], winner["resource"]) == ("confirmed", made["room"])
    for code, answer in answers:
        if code == 409:  # the time of the booking that holds the slot; another firm's name never
            assert "10:00" in answer["detail"] and "11:00" in answer["detail"], answer
            assert "常熟企业" not in answer["detail"], answer
    # exactly one active booking holds the slot: what every one of the hundred sees
    seen = [server.call("GET", "/api/bookings", Authorization=f"Bearer {k}") for k in made["keys"]]
    held = [b for _, page in seen for b in page if b["status"] in ("requested", "confirmed")]
    assert [b["id"] for b in held] == [winner["id"]]
    assert "Traceback" not in server.log.read_text()
