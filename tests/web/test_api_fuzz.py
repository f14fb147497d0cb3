"""Schemathesis over ``/api/openapi.json``: every operation, generated and mutated input, a
fixed budget of examples each — no server error, no answer the schema does not describe.

Runs inside ``make test`` on SQLite and on PostgreSQL (whose limits differ: NUL characters,
integer ranges), in-process through the WSGI application against the test database, as a
county staff member's bearer token (so scope checks and 404s are exercised too). The budget
is a number of examples, not a time, and the search is derandomised: the same cases every
run, so a failure is reproducible and CI time is predictable.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from feidi_web.accounts.models import ApiToken

#: Examples per operation (positive and negative together).
BUDGET = 60

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def _connections_kept():
    """What Django's test client does: the WSGI handler would close the database connection
    after each request — the test's own, holding its transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def staff_key(staff_user, graded_city) -> str:
    key = ApiToken.new_key()
    ApiToken.objects.create(user=staff_user, name="fuzz", digest=ApiToken.digest_of(key))
    return key


#: Loaded when the module is collected: the schema needs no database, only the URL conf.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=BUDGET,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_generated_request_within_its_schema(
    db, case, staff_key, _connections_kept
):
    case.call_and_validate(headers={"Authorization": f"Bearer {staff_key}"}, checks=CHECKS)
