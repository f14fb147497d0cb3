"""The standing permission matrix: every URL pattern (with GET and POST) and every API
operation, requested by every role of two counties, against an explicit table of what each
may do.

A new page or API operation without its row here fails ``test_every_endpoint_has_a_row``;
a row whose answers change fails ``test_every_role_gets_exactly_its_answer``. All objects
asked for belong to county A (320581): county B's staff and firm must get *not found* for
every one of them, exactly as if it did not exist.

Answers are classed by what they mean to the caller:

* ``ok``: allowed — 2xx, a redirect elsewhere than the log-in page, or a refusal of the
  *input* after permission passed (409, 412, 422: a finished run cannot be cancelled);
* ``login``: not logged in — a redirect to the log-in page, or 401 from the API;
* ``forbidden``: logged in, but this role may not do this (403);
* ``hidden``: the object is outside the caller's scope (404);
* ``method``: the page does not take this method (405).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from tests.web.conftest import AS_OF, make_user

from feidi.reference import make_credit_code
from feidi_web.accounts.models import ApiToken, Role, User
from feidi_web.api.api import api
from feidi_web.cultivation.models import ServiceCase
from feidi_web.cultivation.services import case_open
from feidi_web.enterprises.models import DataImport, Enterprise
from feidi_web.enterprises.services import import_check, import_commit, party_register
from feidi_web.evaluations.models import EvaluationRun
from feidi_web.evaluations.services import evaluation_run_execute
from feidi_web.events import services as ev
from feidi_web.events.models import Event, MeetingRequest, Registration
from feidi_web.matchmaking import services as mm
from feidi_web.matchmaking.models import Match, Profile
from feidi_web.pipeline.models import FollowUp, Project
from feidi_web.pipeline.services import NewCounterpart, follow_up_add, project_create
from feidi_web.policies.models import LocalPolicy, PolicyApplication
from feidi_web.policies.services import policy_create
from feidi_web.space.feeds import feed_key_renew
from feidi_web.space.models import Booking, Membership, Resource, Visit
from feidi_web.space.services import booking_create, membership_create, visit_create

A, B = "320581", "320582"
ROLES = ("anon", "admin", "staff_a", "operator_a", "officer_a", "firm_a", "staff_b", "firm_b")

OK, LOGIN, FORBIDDEN, HIDDEN, METHOD = "ok", "login", "forbidden", "hidden", "method"
EVERYONE = dict.fromkeys(ROLES, OK)
LOGGED_IN = {**EVERYONE, "anon": LOGIN}


def only(allowed: set[str], *, others: str = FORBIDDEN, **special: str) -> dict[str, str]:
    """Roles in ``allowed`` get ok, anonymous callers are sent to log in, the rest ``others``
    (with ``special`` overriding single roles)."""
    table = {r: (OK if r in allowed else others) for r in ROLES}
    table["anon"] = LOGIN
    return {**table, **special}


#: Logged in, but the page does not take this method (405); anonymous callers log in first.
NO_POST = {**dict.fromkeys(ROLES, METHOD), "anon": LOGIN}
#: A page anyone may fetch, that takes no POST.
PUBLIC_NO_POST = dict.fromkeys(ROLES, METHOD)

GOVERNMENT = {"admin", "staff_a", "operator_a", "officer_a", "staff_b"}
EDITORS = {"admin", "staff_a", "staff_b"}
#: who works the investment project pipeline (each in their scope)
PIPELINE = GOVERNMENT
#: who sees county A's enclave-sourced project
PIPELINE_A = {"admin", "staff_a", "operator_a", "officer_a"}
#: matchmaking: the brokers, and firm users for their own firm
MATCHMAKING = PIPELINE | {"firm_a", "firm_b"}
#: county B's staff and firm do not learn that county A's objects exist
B_HIDDEN = {"staff_b": HIDDEN, "firm_b": HIDDEN}
#: cultivation of county A's local firm: firm users are refused before any lookup
FIRMS_403 = {"firm_a": FORBIDDEN, "firm_b": FORBIDDEN}
CULTIVATION_READ = {"admin", "staff_a", "officer_a"}
CULTIVATION_WRITE = only({"admin", "staff_a"}, others=HIDDEN, officer_a=FORBIDDEN, **FIRMS_403)
#: county A's local policy: its authors (county staff, administrators); B's staff do not see it
POLICY_AUTHOR_A = only({"admin", "staff_a"}, staff_b=HIDDEN)

#: page URL name → method → role → answer. Every page is asked with GET and with POST.
PAGES: dict[str, dict[str, dict[str, str]]] = {
    "home": {"GET": LOGGED_IN, "POST": NO_POST},
    "healthz": {"GET": EVERYONE, "POST": PUBLIC_NO_POST},
    "favicon": {"GET": EVERYONE, "POST": PUBLIC_NO_POST},  # a redirect to the static SVG
    "set_language": {"GET": EVERYONE, "POST": EVERYONE},  # Django's: GET just redirects
    "javascript-catalog": {"GET": EVERYONE, "POST": PUBLIC_NO_POST},
    "accounts:login": {"GET": EVERYONE, "POST": EVERYONE},  # a POST without credentials
    # logging out ends on the log-in page, for everyone
    "accounts:logout": {"GET": PUBLIC_NO_POST, "POST": dict.fromkeys(ROLES, LOGIN)},
    "accounts:password_change": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "accounts:password_change_done": {"GET": LOGGED_IN, "POST": NO_POST},
    "registry:list": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "enterprises:imports": {"GET": only(EDITORS), "POST": only(EDITORS)},
    "enterprises:import_detail": {
        "GET": only({"admin", "staff_a"}, staff_b=HIDDEN),
        "POST": NO_POST,
    },
    "enterprises:import_commit": {
        "GET": NO_POST | {"anon": LOGIN},
        "POST": only({"admin", "staff_a"}, staff_b=HIDDEN),
    },
    # a local firm of A: its own enterprise user is sent on to the portal
    "registry:detail": {
        "GET": only({"admin", "staff_a", "officer_a", "firm_a"}, others=HIDDEN),
        "POST": NO_POST,
    },
    # investment-promotion officers register their prospects, start-ups, labs and investors
    # and the enclave operator the enclave's start-ups and teams
    "enterprises:party_new": {
        "GET": only(EDITORS | {"officer_a", "operator_a"}),
        "POST": only(EDITORS | {"officer_a", "operator_a"}),
    },
    "enterprises:party_credit_code": {
        "GET": NO_POST,
        # the firm asked for is a local one: outside the enclave operator's scope
        "POST": only({"admin", "staff_a", "officer_a"}, staff_b=HIDDEN, operator_a=HIDDEN),
    },
    # where a local firm sits on the chains: staff who see it correct it, the firm reads it
    # (the enclave operator sees only the enclave's firms)
    "chains:firm_correct": {
        "GET": NO_POST,
        "POST": only({"admin", "staff_a", "officer_a"}, others=HIDDEN, firm_a=FORBIDDEN),
    },
    # the chains of one's own scope (strength, gaps, candidates): government roles only
    "chains:list": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "chains:detail": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "chains:node": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "chains:export": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "enterprises:year_edit": {
        "GET": only({"admin", "staff_a"}, staff_b=HIDDEN),
        "POST": only({"admin", "staff_a"}, staff_b=HIDDEN),
    },
    "evaluations:list": {"GET": only(GOVERNMENT), "POST": only(EDITORS)},
    "evaluations:detail": {
        "GET": only({"admin", "staff_a", "operator_a", "officer_a"}, staff_b=HIDDEN),
        "POST": NO_POST,
    },
    "evaluations:progress": {
        "GET": only({"admin", "staff_a", "operator_a", "officer_a"}, staff_b=HIDDEN),
        "POST": NO_POST,
    },
    "evaluations:cancel": {
        "GET": NO_POST,
        "POST": only({"admin", "staff_a"}, staff_b=HIDDEN),
    },
    "evaluations:retry": {
        "GET": NO_POST,
        "POST": only({"admin", "staff_a"}, staff_b=HIDDEN),
    },
    "pool:pool": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "pool:export_xlsx": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "pool:export_pdf": {"GET": only(GOVERNMENT), "POST": NO_POST},
    # a county's industry opportunities: government roles, over the local firms they see
    "opportunities:list": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "opportunities:export": {"GET": only(GOVERNMENT), "POST": NO_POST},
    # cultivation: government roles read the diagnoses and cases of the firms they see; staff
    # and administrators refer, move and review (officers read only; the enclave operator
    # does not see county A's local firm); firm users see neither
    "cultivation:list": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "cultivation:export": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "cultivation:cases": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "cultivation:services": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "cultivation:report_pdf": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "cultivation:report_xlsx": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "cultivation:firm": {
        "GET": only(CULTIVATION_READ, others=HIDDEN, **FIRMS_403),
        "POST": NO_POST,
    },
    "cultivation:case": {
        "GET": only(CULTIVATION_READ, others=HIDDEN, **FIRMS_403),
        "POST": NO_POST,
    },
    "cultivation:review": {"GET": NO_POST, "POST": CULTIVATION_WRITE},
    "cultivation:refer": {"GET": NO_POST, "POST": CULTIVATION_WRITE},
    "cultivation:case_move": {"GET": NO_POST, "POST": CULTIVATION_WRITE},
    "dashboards:cockpit": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "dashboards:chains": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "portal:home": {"GET": only({"firm_a", "firm_b"}), "POST": only({"firm_a", "firm_b"})},
    "matchmaking:list": {"GET": only(MATCHMAKING), "POST": NO_POST},
    "matchmaking:new": {"GET": only(MATCHMAKING), "POST": only(MATCHMAKING)},
    # county A's request, posted by firm_a
    "matchmaking:detail": {"GET": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN), "POST": NO_POST},
    "matchmaking:review": {"GET": NO_POST, "POST": only(PIPELINE_A, **B_HIDDEN)},
    "matchmaking:renew": {"GET": NO_POST, "POST": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN)},
    "matchmaking:recommend": {"GET": NO_POST, "POST": only(PIPELINE_A, **B_HIDDEN)},
    # where a profile sits on the chains: brokers correct it, its own firm only reads it
    "matchmaking:chain_correct": {
        "GET": NO_POST,
        "POST": only(PIPELINE_A, firm_a=FORBIDDEN, **B_HIDDEN),
    },
    "matchmaking:propose": {"GET": NO_POST, "POST": only(PIPELINE_A, **B_HIDDEN)},
    # a pairing of that request, at the pilot stage
    "matchmaking:pairing": {"GET": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN), "POST": NO_POST},
    "matchmaking:answer": {"GET": NO_POST, "POST": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN)},
    "matchmaking:date": {"GET": NO_POST, "POST": only(PIPELINE_A, **B_HIDDEN)},
    "matchmaking:pilot": {"GET": NO_POST, "POST": only(PIPELINE_A, **B_HIDDEN)},
    "matchmaking:land": {"GET": NO_POST, "POST": only(PIPELINE_A, **B_HIDDEN)},
    "matchmaking:milestone_done": {"GET": NO_POST, "POST": only(PIPELINE_A, **B_HIDDEN)},
    "pipeline:list": {"GET": only(PIPELINE), "POST": NO_POST},
    "pipeline:new": {"GET": only(PIPELINE), "POST": only(PIPELINE)},
    "pipeline:funnel": {"GET": only(PIPELINE), "POST": NO_POST},
    "pipeline:export": {"GET": only(PIPELINE), "POST": NO_POST},
    "pipeline:detail": {"GET": only(PIPELINE_A, staff_b=HIDDEN), "POST": NO_POST},
    "pipeline:edit": {
        "GET": only(PIPELINE_A, staff_b=HIDDEN),
        "POST": only(PIPELINE_A, staff_b=HIDDEN),
    },
    "pipeline:move": {"GET": NO_POST, "POST": only(PIPELINE_A, staff_b=HIDDEN)},
    "pipeline:follow_up_add": {"GET": NO_POST, "POST": only(PIPELINE_A, staff_b=HIDDEN)},
    "pipeline:follow_up_done": {"GET": NO_POST, "POST": only(PIPELINE_A, staff_b=HIDDEN)},
    # events: county A's capital matchmaking event; firm_a registered for it and a Beijing
    # start-up asked firm_a for a meeting. Broker-only pages refuse firm users first (403).
    "events:list": {"GET": only(MATCHMAKING), "POST": NO_POST},
    "events:new": {"GET": only(PIPELINE), "POST": only(PIPELINE)},
    "events:detail": {"GET": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN), "POST": NO_POST},
    "events:edit": {
        "GET": only(PIPELINE_A, staff_b=HIDDEN),
        "POST": only(PIPELINE_A, staff_b=HIDDEN),
    },
    "events:status": {"GET": NO_POST, "POST": only(PIPELINE_A, staff_b=HIDDEN)},
    "events:register": {"GET": NO_POST, "POST": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN)},
    "events:schedule": {"GET": NO_POST, "POST": only(PIPELINE_A, staff_b=HIDDEN)},
    "events:reschedule": {"GET": NO_POST, "POST": only(PIPELINE_A, staff_b=HIDDEN)},
    "events:print": {"GET": only(PIPELINE_A, staff_b=HIDDEN), "POST": NO_POST},
    # leads are filed with source "event": not by the enclave operator (enclave sources only)
    "events:leads": {
        "GET": NO_POST,
        "POST": only({"admin", "staff_a", "officer_a"}, staff_b=HIDDEN),
    },
    # firm_a's registration and the request it received
    "events:registration": {"GET": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN), "POST": NO_POST},
    "events:registration_cancel": {
        "GET": NO_POST,
        "POST": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN),
    },
    "events:availability": {"GET": NO_POST, "POST": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN)},
    "events:request_new": {"GET": NO_POST, "POST": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN)},
    "events:request_answer": {
        "GET": NO_POST,
        "POST": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN),
    },
    "events:request_cancel": {
        "GET": NO_POST,
        "POST": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN),
    },
    # the link in firm_a's QR code: county A's brokers check people in, nobody else
    "events:checkin": {
        "GET": only(PIPELINE_A, staff_b=HIDDEN),
        "POST": only(PIPELINE_A, staff_b=HIDDEN),
    },
    # the API's schema and docs are public and answer any method with the same page
    "api:openapi-json": {"GET": EVERYONE, "POST": EVERYONE},
    "api:openapi-view": {"GET": EVERYONE, "POST": EVERYONE},
    # space: county A's meeting room (approval needed) and firm_a's booking of it; the
    # enclave operator (and the administrator) decide bookings
    "space:list": {"GET": only(MATCHMAKING), "POST": NO_POST},
    "space:bookings": {"GET": only(MATCHMAKING), "POST": NO_POST},
    "space:book": {
        "GET": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN),
        "POST": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN),
    },
    "space:cancel": {"GET": NO_POST, "POST": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN)},
    "space:approvals": {"GET": only({"admin", "operator_a"}), "POST": NO_POST},
    "space:decide": {"GET": NO_POST, "POST": only({"admin", "operator_a"})},
    # space operations: resources and memberships are edited by admin, county staff and the
    # enclave operator; the front desk (today, check-in, visitors, leads) is all centre staff;
    # firm users are refused (403), county B finds nothing of A's (404). Empty POSTs are
    # refused as input (422) after permission passed.
    "space:resource_new": {
        "GET": only({"admin", "staff_a", "operator_a", "staff_b"}),
        "POST": only({"admin", "staff_a", "operator_a", "staff_b"}),
    },
    "space:resource_edit": {
        "GET": only({"admin", "staff_a", "operator_a"}, staff_b=HIDDEN),
        "POST": only({"admin", "staff_a", "operator_a"}, staff_b=HIDDEN),
    },
    "space:book_series": {
        "GET": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN),
        "POST": only(PIPELINE_A | {"firm_a"}, **B_HIDDEN),
    },
    "space:today": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "space:check_in": {"GET": NO_POST, "POST": only(PIPELINE_A, staff_b=HIDDEN)},
    "space:booking_lead": {"GET": NO_POST, "POST": only(PIPELINE_A, staff_b=HIDDEN)},
    "space:members": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "space:member_new": {
        "GET": NO_POST,
        "POST": only({"admin", "staff_a", "operator_a", "staff_b"}),
    },
    "space:member_renew": {
        "GET": NO_POST,
        "POST": only({"admin", "staff_a", "operator_a"}, staff_b=HIDDEN),
    },
    "space:member_end": {
        "GET": NO_POST,
        "POST": only({"admin", "staff_a", "operator_a"}, staff_b=HIDDEN),
    },
    "space:visitors": {"GET": only(GOVERNMENT), "POST": only(GOVERNMENT)},
    "space:visit_left": {"GET": NO_POST, "POST": only(PIPELINE_A, staff_b=HIDDEN)},
    "space:visit_lead": {"GET": NO_POST, "POST": only(PIPELINE_A, staff_b=HIDDEN)},
    # calendar feeds: everyone of the space makes their own addresses; a feed is opened by the
    # key in its address (firm_a's here), not by a log-in (scope: tests/web/test_space_feeds.py)
    "space:calendar": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "space:feed_mine": {"GET": EVERYONE, "POST": PUBLIC_NO_POST},
    "space:feed_resource": {"GET": EVERYONE, "POST": PUBLIC_NO_POST},
    # utilisation: the centre's staff, each of their own division; firm users are refused
    "space:usage": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "space:usage_xlsx": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "space:usage_pdf": {"GET": only(GOVERNMENT), "POST": NO_POST},
    # the inbox: everyone logged in has their own
    "inbox:list": {"GET": LOGGED_IN, "POST": NO_POST},
    "inbox:read": {"GET": NO_POST, "POST": LOGGED_IN},
    "inbox:badge": {"GET": LOGGED_IN, "POST": NO_POST},
    # policies: government roles read the policies covering their firms, a firm user is sent
    # on to their own firm's page; county staff author their division's local policies
    "policies:list": {"GET": only(GOVERNMENT | {"firm_a", "firm_b"}), "POST": NO_POST},
    "policies:detail": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "policies:export": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "policies:firm": {
        "GET": only({"admin", "staff_a", "officer_a", "firm_a"}, others=HIDDEN),
        "POST": NO_POST,
    },
    "policies:local": {"GET": only(EDITORS), "POST": NO_POST},
    "policies:local_new": {"GET": only(EDITORS), "POST": only(EDITORS)},
    "policies:local_policy": {"GET": POLICY_AUTHOR_A, "POST": NO_POST},
    "policies:version": {"GET": POLICY_AUTHOR_A, "POST": NO_POST},
    "policies:version_edit": {"GET": POLICY_AUTHOR_A, "POST": POLICY_AUTHOR_A},
    "policies:version_new": {"GET": NO_POST, "POST": POLICY_AUTHOR_A},
    "policies:version_preview": {"GET": NO_POST, "POST": POLICY_AUTHOR_A},
    "policies:version_publish": {"GET": NO_POST, "POST": POLICY_AUTHOR_A},
    # digests: government roles see the runs, authors send; 免申即享 lists for government
    # roles; applications: each sees those of their scope (a firm user, their own), authors
    # decide, the firm withdraws; a firm's own user or its county's authors apply for it
    "policies:digests": {"GET": only(GOVERNMENT), "POST": only(EDITORS)},
    "policies:free": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "policies:free_export": {"GET": only(GOVERNMENT), "POST": NO_POST},
    "policies:applications": {"GET": LOGGED_IN, "POST": NO_POST},
    "policies:applications_export": {"GET": LOGGED_IN, "POST": NO_POST},
    "policies:application": {
        "GET": only({"admin", "staff_a", "officer_a", "firm_a"}, others=HIDDEN),
        "POST": NO_POST,
    },
    "policies:application_move": {
        "GET": NO_POST,
        "POST": only({"admin", "staff_a", "firm_a"}, others=HIDDEN, officer_a=FORBIDDEN),
    },
    "policies:apply": {
        "GET": only({"admin", "staff_a", "firm_a"}, others=HIDDEN, officer_a=FORBIDDEN),
        "POST": only({"admin", "staff_a", "firm_a"}, others=HIDDEN, officer_a=FORBIDDEN),
    },
}

#: API operation id → method → role → answer (a missing or refused token: 401, "login").
API: dict[tuple[str, str], dict[str, str]] = {
    ("enterprise_list", "GET"): LOGGED_IN,
    ("enterprise_detail", "GET"): only({"admin", "staff_a", "officer_a", "firm_a"}, others=HIDDEN),
    ("enterprise_evaluations", "GET"): only(
        {"admin", "staff_a", "officer_a", "firm_a"}, others=HIDDEN
    ),
    ("fiscal_year_patch", "PATCH"): only({"admin", "staff_a"}, staff_b=HIDDEN),
    ("run_list", "GET"): LOGGED_IN,
    ("run_create", "POST"): only(EDITORS),
    # an enterprise user sees the runs that graded their own firm
    ("run_detail", "GET"): only(
        {"admin", "staff_a", "operator_a", "officer_a", "firm_a"}, others=HIDDEN
    ),
    ("run_records", "GET"): only(
        {"admin", "staff_a", "operator_a", "officer_a", "firm_a"}, others=HIDDEN
    ),
    ("run_cancel", "POST"): only({"admin", "staff_a"}, staff_b=HIDDEN, firm_b=HIDDEN),
    ("run_retry", "POST"): only({"admin", "staff_a"}, staff_b=HIDDEN, firm_b=HIDDEN),
    ("import_upload", "POST"): only(EDITORS),
    ("import_detail", "GET"): only({"admin", "staff_a"}, others=HIDDEN),
    ("commit_import", "POST"): only({"admin", "staff_a"}, others=HIDDEN),
    ("project_list", "GET"): only(PIPELINE),
    ("project_detail", "GET"): only(PIPELINE_A, staff_b=HIDDEN),
    ("project_move_post", "POST"): only(PIPELINE_A, staff_b=HIDDEN),
    ("funnel_get", "GET"): only(PIPELINE),
    ("opportunities_get", "GET"): only(GOVERNMENT),
    ("profile_list", "GET"): only(MATCHMAKING),
    ("profile_detail", "GET"): only(PIPELINE_A | {"firm_a"}, **B_HIDDEN),
    ("profile_post", "POST"): only(MATCHMAKING),
    ("recommendations_run", "POST"): only(PIPELINE_A, staff_b=HIDDEN),
    ("diagnosis_list", "GET"): only(GOVERNMENT),
    ("diagnosis_detail", "GET"): only(CULTIVATION_READ, others=HIDDEN, **FIRMS_403),
    ("case_list", "GET"): only(GOVERNMENT),
    ("case_detail", "GET"): only(CULTIVATION_READ, others=HIDDEN, **FIRMS_403),
    ("case_post", "POST"): CULTIVATION_WRITE,
    ("case_move_post", "POST"): CULTIVATION_WRITE,
    ("chain_list", "GET"): only(GOVERNMENT),
    ("chain_gap_list", "GET"): only(GOVERNMENT),
    ("chain_detail", "GET"): only(GOVERNMENT),
    ("resource_list", "GET"): only(MATCHMAKING),
    ("booking_list", "GET"): only(MATCHMAKING),
    ("booking_post", "POST"): only(PIPELINE_A | {"firm_a"}, **B_HIDDEN),
    ("booking_cancel_post", "POST"): only(PIPELINE_A | {"firm_a"}, **B_HIDDEN),
    ("policy_list", "GET"): only(GOVERNMENT | {"firm_a", "firm_b"}),
    ("enterprise_policies", "GET"): only(
        {"admin", "staff_a", "officer_a", "firm_a"}, others=HIDDEN
    ),
}

#: Patterns that are not pages of the platform: Django's admin (its own staff-only
#: permission system, checked in test_only_the_platform_administrator_reaches_django_admin)
#: and the API's bare prefix.
NOT_PAGES = {"api:api-root"}


# --- the world: county A's objects, two counties' users ----------------------------------


@dataclass
class World:
    users: dict[str, User]
    keys: dict[str, str]
    firm: Enterprise
    run: EvaluationRun
    pending: DataImport
    project: Project
    task: FollowUp
    request: Profile
    offer: Profile
    match: Match
    event: Event
    registration: Registration
    asked: MeetingRequest
    case: ServiceCase
    room: Resource
    booking: Booking
    membership: Membership
    visit: Visit


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("m.csv", text.encode(), content_type="text/csv")


@pytest.fixture
def world(city, admin_user, staff_user, operator_user) -> World:
    firm = next(e for e in city if not e.enclave)
    staff_b = make_user("staff_b", Role.COUNTY_STAFF, division=B)
    code_b = make_credit_code("91320582MA1BBBBB0")
    import_commit(
        actor=staff_b,
        import_id=import_check(
            actor=staff_b, upload=_csv(f"credit_code,name,year,revenue\n{code_b},乙,2025,9")
        ).pk,
    )
    users = {
        "admin": admin_user,
        "staff_a": staff_user,
        "operator_a": operator_user,
        "officer_a": make_user("officer_a", Role.INVESTMENT_OFFICER, division=A),
        "firm_a": make_user("firm_a", Role.ENTERPRISE, enterprise=firm),
        "staff_b": staff_b,
        "firm_b": make_user(
            "firm_b", Role.ENTERPRISE, enterprise=Enterprise.objects.get(credit_code=code_b)
        ),
    }
    run = EvaluationRun.objects.create(
        rulebook="miit-2022", as_of=AS_OF, jurisdiction_code=A, created_by=staff_user
    )
    evaluation_run_execute(run_id=run.pk)
    pending = import_check(
        actor=staff_user, upload=_csv(f"credit_code,year,revenue\n{firm.credit_code},2019,5")
    )
    assert pending.status == "preview", pending.report
    # an enclave-sourced project of county A: its staff, officers and enclave operator see it
    project = project_create(
        actor=users["officer_a"],
        name="深圳传感器团队落地",
        source="enclave",
        new_counterpart=NewCounterpart(name="深圳某传感器初创团队", kind="startup"),
    )
    task = follow_up_add(
        actor=users["officer_a"], project=project, title="寄送政策包", due_on=AS_OF
    )
    # matchmaking: firm_a's request and a Beijing team's offer, live; their pairing at the
    # pilot stage, with a milestone; a ranking of offers for the request
    request = mm.profile_submit(
        actor=users["firm_a"], type="tech_request", title="焊缝检测", description="机器视觉检测"
    )
    mm.profile_review(actor=staff_user, profile=request, approve=True, seen_version=1)
    team = party_register(actor=operator_user, name="北京视觉团队", kind="startup")
    offer = mm.profile_submit(
        actor=operator_user, party=team, type="tech_offer", title="视觉检测", description="机器视觉"
    )
    mm.profile_review(actor=staff_user, profile=offer, approve=True, seen_version=1)
    request.refresh_from_db()
    mm.recommend_for(actor=staff_user, profile=request)
    match = mm.match_propose(actor=staff_user, supply=offer, demand=request)
    for side, version in (("demand", 1), ("supply", 2)):
        match = mm.match_answer(
            actor=staff_user, match=match, side=side, interested=True, seen_version=version
        )
    match = mm.match_date(
        actor=staff_user, match=match, at=timezone.now(), place="创新中心", seen_version=3
    )
    match = mm.match_pilot(
        actor=staff_user, match=match, milestones=[("样机", AS_OF)], seen_version=4
    )
    # events: firm_a registers itself for A's event; an officer registers a Beijing start-up,
    # which asks firm_a for a meeting
    start = timezone.now() + timedelta(days=7)
    event = ev.event_create(
        actor=users["officer_a"],
        title="智能制造资本对接会",
        kind="capital",
        place="创新中心",
        starts_at=start,
        slots=4,
        slot_minutes=15,
        first_slot_at=start + timedelta(hours=1),
        tables=3,
        capacity=30,
    )
    registration = ev.registration_create(
        actor=users["firm_a"], event=event, person="张经理", contact="0512-5555", role="home_firm"
    )
    startup = ev.registration_create(
        actor=users["officer_a"],
        event=event,
        person="李博士",
        contact="010-6666",
        role="startup",
        new_party=NewCounterpart(name="北京某机器人初创团队", kind="startup"),
    )
    asked = ev.meeting_request_create(
        actor=users["officer_a"], requester=startup, invitee=registration, priority=4
    )
    # cultivation: firm A referred to a service by its county's staff
    case = case_open(actor=staff_user, enterprise=firm, service="consulting_days")
    # space: county A's room, which needs approval; firm_a's booking of it awaits it
    room = Resource.objects.create(
        name="路演厅",
        kind="meeting_room",
        jurisdiction_code=A,
        capacity=60,
        opens_minute=540,
        closes_minute=1080,
        longest_minutes=240,
        needs_approval=True,
    )
    day = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    at_ten = timezone.make_aware(datetime.combine(day, time(10)))
    booking = booking_create(
        actor=users["firm_a"], resource=room, start=at_ten, end=at_ten + timedelta(hours=1)
    )
    # space operations: firm A a resident of A's centre, a visitor logged at its front desk
    membership = membership_create(
        actor=staff_user,
        party=firm,
        kind="office",
        starts_on=AS_OF,
        ends_on=AS_OF + timedelta(days=365),
    )
    visit = visit_create(actor=staff_user, visitor_name="刘博士", purpose="tour")
    keys = {}
    for role, user in users.items():
        keys[role] = ApiToken.new_key()
        ApiToken.objects.create(user=user, name="matrix", digest=ApiToken.digest_of(keys[role]))
    return World(
        users=users,
        keys=keys,
        firm=firm,
        run=run,
        pending=pending,
        project=project,
        task=task,
        request=request,
        offer=offer,
        match=match,
        event=event,
        registration=registration,
        asked=asked,
        case=case,
        room=room,
        booking=booking,
        membership=membership,
        visit=visit,
    )


# --- how each row is requested -------------------------------------------------------------


def _year_version(world: World) -> str:
    return f'"{world.firm.years.get(year=2025).version}"'


def _page_request(name: str, method: str, world: World) -> tuple[str, dict]:
    code = world.firm.credit_code
    if name in ("space:feed_mine", "space:feed_resource"):
        key = feed_key_renew(world.users["firm_a"])  # stands for firm_a, whoever asks
        tail = "mine.ics" if name == "space:feed_mine" else f"resources/{world.room.pk}.ics"
        return f"/space/feed/{key}/{tail}", {}
    urls = {
        "home": "/",
        "healthz": "/healthz",
        "favicon": "/favicon.ico",
        "set_language": "/i18n/setlang/",
        "javascript-catalog": "/jsi18n/",
        "accounts:login": "/accounts/login/",
        "accounts:logout": "/accounts/logout/",
        "accounts:password_change": "/accounts/password/",
        "accounts:password_change_done": "/accounts/password/done/",
        "registry:list": "/enterprises/",
        "enterprises:imports": "/enterprises/imports/",
        "enterprises:import_detail": f"/enterprises/imports/{world.pending.pk}/",
        "enterprises:import_commit": f"/enterprises/imports/{world.pending.pk}/commit/",
        "registry:detail": f"/enterprises/{code}/",
        "enterprises:year_edit": f"/enterprises/{code}/years/2025/",
        "enterprises:party_new": "/enterprises/new/",
        "enterprises:party_credit_code": f"/enterprises/{code}/credit-code/",
        "evaluations:list": "/evaluations/",
        "evaluations:detail": f"/evaluations/{world.run.pk}/",
        "evaluations:progress": f"/evaluations/{world.run.pk}/progress/",
        "evaluations:cancel": f"/evaluations/{world.run.pk}/cancel/",
        "evaluations:retry": f"/evaluations/{world.run.pk}/retry/",
        "pool:pool": "/pool/",
        "pool:export_xlsx": "/pool/export.xlsx",
        "pool:export_pdf": "/pool/export.pdf",
        "opportunities:list": "/opportunities/",
        "opportunities:export": "/opportunities/export.xlsx",
        "dashboards:cockpit": "/cockpit/",
        "dashboards:chains": "/cockpit/chains/",
        "portal:home": "/portal/",
        "matchmaking:list": "/matchmaking/",
        "matchmaking:new": "/matchmaking/new/",
        "matchmaking:detail": f"/matchmaking/{world.request.pk}/",
        "matchmaking:review": f"/matchmaking/{world.request.pk}/review/",
        "matchmaking:renew": f"/matchmaking/{world.request.pk}/renew/",
        "matchmaking:recommend": f"/matchmaking/{world.request.pk}/recommend/",
        "matchmaking:chain_correct": f"/matchmaking/{world.request.pk}/chains/",
        "chains:firm_correct": f"/chains/firms/{code}/correct/",
        "chains:list": "/chains/",
        "chains:detail": "/chains/new_energy/",
        "chains:node": "/chains/new_energy/battery_packs/",
        "chains:export": "/chains/export.xlsx",
        "cultivation:list": "/cultivation/",
        "cultivation:export": "/cultivation/export.xlsx",
        "cultivation:cases": "/cultivation/cases/",
        "cultivation:services": "/cultivation/services/",
        "cultivation:report_pdf": "/cultivation/report.pdf",
        "cultivation:report_xlsx": "/cultivation/report.xlsx",
        "cultivation:firm": f"/cultivation/firms/{code}/",
        "cultivation:review": f"/cultivation/firms/{code}/review/",
        "cultivation:refer": f"/cultivation/firms/{code}/refer/",
        "cultivation:case": f"/cultivation/cases/{world.case.pk}/",
        "cultivation:case_move": f"/cultivation/cases/{world.case.pk}/move/",
        "matchmaking:propose": f"/matchmaking/{world.request.pk}/propose/",
        "matchmaking:pairing": f"/matchmaking/pairings/{world.match.pk}/",
        "matchmaking:answer": f"/matchmaking/pairings/{world.match.pk}/answer/",
        "matchmaking:date": f"/matchmaking/pairings/{world.match.pk}/date/",
        "matchmaking:pilot": f"/matchmaking/pairings/{world.match.pk}/pilot/",
        "matchmaking:land": f"/matchmaking/pairings/{world.match.pk}/land/",
        "matchmaking:milestone_done": (
            f"/matchmaking/pairings/{world.match.pk}/milestones/"
            f"{world.match.milestones.get().pk}/done/"
        ),
        "pipeline:list": "/pipeline/",
        "pipeline:new": "/pipeline/new/",
        "pipeline:funnel": "/pipeline/funnel/",
        "pipeline:export": "/pipeline/export.xlsx",
        "pipeline:detail": f"/pipeline/{world.project.pk}/",
        "pipeline:edit": f"/pipeline/{world.project.pk}/edit/",
        "pipeline:move": f"/pipeline/{world.project.pk}/move/",
        "pipeline:follow_up_add": f"/pipeline/{world.project.pk}/follow-ups/",
        "pipeline:follow_up_done": f"/pipeline/{world.project.pk}/follow-ups/{world.task.pk}/done/",
        "events:list": "/events/",
        "events:new": "/events/new/",
        "events:detail": f"/events/{world.event.pk}/",
        "events:edit": f"/events/{world.event.pk}/edit/",
        "events:status": f"/events/{world.event.pk}/status/",
        "events:register": f"/events/{world.event.pk}/register/",
        "events:schedule": f"/events/{world.event.pk}/schedule/",
        "events:reschedule": f"/events/{world.event.pk}/reschedule/",
        "events:print": f"/events/{world.event.pk}/schedule/print/",
        "events:leads": f"/events/{world.event.pk}/leads/",
        "events:registration": f"/events/registrations/{world.registration.pk}/",
        "events:registration_cancel": f"/events/registrations/{world.registration.pk}/cancel/",
        "events:availability": f"/events/registrations/{world.registration.pk}/availability/",
        "events:request_new": f"/events/registrations/{world.registration.pk}/requests/",
        "events:request_answer": f"/events/requests/{world.asked.pk}/answer/",
        "events:request_cancel": f"/events/requests/{world.asked.pk}/cancel/",
        "events:checkin": f"/events/checkin/{world.registration.token}/",
        "api:openapi-json": "/api/openapi.json",
        "api:openapi-view": "/api/docs",
        "space:list": "/space/",
        "space:bookings": "/space/bookings/",
        "space:book": f"/space/resources/{world.room.pk}/book/",
        "space:cancel": f"/space/bookings/{world.booking.pk}/cancel/",
        "space:approvals": "/space/approvals/",
        "space:decide": f"/space/bookings/{world.booking.pk}/decide/",
        "space:resource_new": "/space/resources/new/",
        "space:resource_edit": f"/space/resources/{world.room.pk}/edit/",
        "space:book_series": f"/space/resources/{world.room.pk}/repeat/",
        "space:today": "/space/today/",
        "space:check_in": f"/space/bookings/{world.booking.pk}/check-in/",
        "space:booking_lead": f"/space/bookings/{world.booking.pk}/lead/",
        "space:members": "/space/members/",
        "space:member_new": "/space/members/new/",
        "space:member_renew": f"/space/members/{world.membership.pk}/renew/",
        "space:member_end": f"/space/members/{world.membership.pk}/end/",
        "space:visitors": "/space/visitors/",
        "space:visit_left": f"/space/visitors/{world.visit.pk}/left/",
        "space:visit_lead": f"/space/visitors/{world.visit.pk}/lead/",
        "space:calendar": "/space/calendar/",
        "space:usage": "/space/usage/",
        "space:usage_xlsx": "/space/usage.xlsx",
        "space:usage_pdf": "/space/usage.pdf",
        "inbox:list": "/inbox/",
        "inbox:read": "/inbox/read/",
        "inbox:badge": "/inbox/badge/",
        "policies:list": "/policies/",
        "policies:detail": "/policies/rd-super-deduction/",
        "policies:export": "/policies/rd-super-deduction/export.xlsx",
        "policies:firm": f"/policies/firms/{code}/",
        "policies:local": "/policies/local/",
        "policies:local_new": "/policies/local/new/",
        "policies:local_policy": f"/policies/local/{_local_policy(world).slug}/",
        "policies:version": f"/policies/local/{_local_policy(world).slug}/v1/",
        "policies:version_edit": f"/policies/local/{_local_policy(world).slug}/v1/edit/",
        "policies:version_new": f"/policies/local/{_local_policy(world).slug}/new-version/",
        "policies:version_preview": f"/policies/local/{_local_policy(world).slug}/v1/preview/",
        "policies:version_publish": f"/policies/local/{_local_policy(world).slug}/v1/publish/",
        "policies:digests": "/policies/digests/",
        "policies:free": "/policies/free/",
        "policies:free_export": "/policies/free/export.xlsx",
        "policies:applications": "/policies/applications/",
        "policies:applications_export": "/policies/applications/export.xlsx",
        "policies:application": f"/policies/applications/{_application(world).pk}/",
        "policies:application_move": f"/policies/applications/{_application(world).pk}/move/",
        "policies:apply": f"/policies/firms/{code}/apply/small-low-profit/",
    }
    data: dict = {}
    if name == "set_language":
        data = {"language": "en", "next": "/"}
    elif name == "evaluations:list" and method == "POST":
        data = {"rulebook": "miit-2022", "as_of": "2025-06-30"}
    elif name == "enterprises:imports" and method == "POST":
        code = world.firm.credit_code
        data = {"file": _csv(f"credit_code,year,revenue\n{code},2017,5")}
    elif name == "portal:home" and method == "POST":
        data = {"rulebook": "miit-2022", "as_of": "2026-06-30"}
    elif name == "enterprises:party_new" and method == "POST":
        data = {"name": "深圳某初创团队", "kind": "startup"}
    elif name == "enterprises:party_credit_code" and method == "POST":
        data = {"credit_code": make_credit_code("91320581MA9999999")}
    elif name in ("chains:firm_correct", "matchmaking:chain_correct") and method == "POST":
        data = {"node": "auto_parts/ev_systems", "action": "add", "note": "走访核实"}
    elif name == "cultivation:review" and method == "POST":
        data = {"staff_type": "middle", "reason": "走访核实"}
    elif name == "cultivation:refer" and method == "POST":
        data = {"service": "talent_pool"}  # a second referral is refused as input (422)
    elif name == "cultivation:case_move" and method == "POST":
        world.case.refresh_from_db()
        data = {"version": world.case.version, "to": "cancelled", "note": "企业暂缓"}
    elif name == "matchmaking:propose" and method == "POST":
        data = {"candidate": f"profile:{world.offer.pk}"}
    elif name == "matchmaking:answer" and method == "POST":
        world.match.refresh_from_db()
        data = {"version": world.match.version, "side": "demand", "interested": "yes"}
    elif name == "matchmaking:new" and method == "POST":
        data = {"type": "tech_request", "title": "", "description": "x"}  # refused: no title
    elif name == "pipeline:new" and method == "POST":
        data = {
            "name": "无锡储能项目",
            "counterpart_name": "无锡某储能公司",
            "counterpart_kind": "prospect",
            "source": "enclave",
            "stage": "lead",
            "owner": "0",  # not a colleague: refused as input (422), after permission
        }
    elif name == "pipeline:edit" and method == "POST":
        world.project.refresh_from_db()
        data = {"version": world.project.version, "name": "深圳传感器团队"}
    elif name == "pipeline:move" and method == "POST":
        world.project.refresh_from_db()
        data = {"version": world.project.version, "to": "contacted"}
    elif name == "events:new" and method == "POST":
        data = {"title": ""}  # refused as input (422), after permission
    elif name in ("events:edit", "events:status") and method == "POST":
        world.event.refresh_from_db()
        data = {"version": world.event.version, "title": "", "status": "closed"}
    elif name == "events:register" and method == "POST":
        data = {
            "party_name": "深圳某初创团队",
            "person": "王五",
            "contact": "138",
            "role": "startup",
        }
    elif name == "events:availability" and method == "POST":
        data = {"slots": ["1", "2"]}
    elif name == "events:request_new" and method == "POST":
        startup = world.asked.requester_id
        data = {"invitee": startup, "priority": 3}
    elif name == "events:request_answer" and method == "POST":
        data = {"answer": "accept"}
    elif name == "pipeline:follow_up_add" and method == "POST":
        data = {"title": "回访", "due_on": "2026-07-01"}
    elif name in ("space:cancel", "space:decide") and method == "POST":
        world.booking.refresh_from_db()
        data = {"version": world.booking.version, "decision": "approve"}
    elif name == "enterprises:year_edit" and method == "POST":
        data = {"version": world.firm.years.get(year=2025).version, "employees": "77"}
    elif name in POLICY_VERSION_POSTS and method == "POST":
        version = _local_policy(world).versions.get(number=1)
        data = {"edit_version": version.edit_version, "name": ""}  # an edit refused (422)
    elif name == "policies:local_new" and method == "POST":
        data = {"slug": "rd-super-deduction"}  # refused as input (422), after permission
    elif name == "policies:application_move" and method == "POST":
        data = {"version": _application(world).version, "to": "under_review"}
    elif name == "policies:apply" and method == "POST":
        data = {"note": "矩阵测试"}  # the first succeeds; later ones are refused as input
    return urls[name], data


POLICY_VERSION_POSTS = (
    "policies:version_edit",
    "policies:version_preview",
    "policies:version_publish",
)


def _application(world: World) -> PolicyApplication:
    """Firm A's application for a policy (submitted), made when first asked for."""
    found = PolicyApplication.objects.filter(enterprise=world.firm, policy="high-tech-rate")
    return found.first() or PolicyApplication.objects.create(
        enterprise=world.firm,
        policy="high-tech-rate",
        submitted_by=world.users["firm_a"],
        submitted_at=timezone.now(),
    )


def _local_policy(world: World) -> LocalPolicy:
    """County A's local policy (its first version a draft), made when first asked for."""
    found = LocalPolicy.objects.filter(slug="matrix-reward").first()
    if found is not None:
        return found
    spec = {
        "id": "matrix-reward",
        "name": "测试奖励",
        "name_en": "Test reward",
        "document": "测试文件",
        "article": "第一条",
        "article_en": "Article 1",
        "issuer": "虞山街道",
        "effective_from": "2026-01-01",
        "benefit": {"zh": "奖励", "en": "A reward"},
        "requires": {
            "name": "营业收入",
            "name_en": "Revenue",
            "all": [{"name": "营业收入", "name_en": "Revenue", "field": "revenue", "at_least": 1}],
        },
    }
    return policy_create(actor=world.users["staff_a"], spec=spec)[0]


def _api_request(op: str, world: World) -> tuple[str, dict, dict]:
    code, run, imp = world.firm.credit_code, world.run.pk, world.pending.pk
    return {
        "enterprise_list": ("/api/enterprises", {}, {}),
        "enterprise_detail": (f"/api/enterprises/{code}", {}, {}),
        "enterprise_evaluations": (f"/api/enterprises/{code}/evaluations", {}, {}),
        "fiscal_year_patch": (
            f"/api/enterprises/{code}/years/2025",
            {"employees": 88},
            {"HTTP_IF_MATCH": _year_version(world)},
        ),
        "run_list": ("/api/evaluations", {}, {}),
        "run_create": ("/api/evaluations", {"rulebook": "miit-2022", "as_of": "2024-06-30"}, {}),
        "run_detail": (f"/api/evaluations/{run}", {}, {}),
        "run_records": (f"/api/evaluations/{run}/records", {}, {}),
        "run_cancel": (f"/api/evaluations/{run}/cancel", {}, {}),
        "run_retry": (f"/api/evaluations/{run}/retry", {}, {}),
        "import_upload": ("/api/imports", {}, {}),
        "import_detail": (f"/api/imports/{imp}", {}, {}),
        "commit_import": (f"/api/imports/{imp}/commit", {}, {}),
        "project_list": ("/api/pipeline/projects", {}, {}),
        "project_detail": (f"/api/pipeline/projects/{world.project.pk}", {}, {}),
        "project_move_post": (
            f"/api/pipeline/projects/{world.project.pk}/move",
            {"to": "negotiating"},
            {"HTTP_IF_MATCH": f'"{Project.objects.get(pk=world.project.pk).version}"'},
        ),
        "funnel_get": ("/api/pipeline/funnel", {}, {}),
        "opportunities_get": ("/api/opportunities", {}, {}),
        "profile_list": ("/api/matchmaking/profiles", {}, {}),
        "profile_detail": (f"/api/matchmaking/profiles/{world.request.pk}", {}, {}),
        "profile_post": (
            "/api/matchmaking/profiles",
            {"type": "scenario", "title": "应用场景", "description": "开放产线试用"},
            {},
        ),
        "recommendations_run": (
            f"/api/matchmaking/profiles/{world.request.pk}/recommendations",
            {},
            {},
        ),
        "diagnosis_list": ("/api/diagnoses", {}, {}),
        "diagnosis_detail": (f"/api/diagnoses/{code}", {}, {}),
        "case_list": ("/api/cases", {}, {}),
        "case_detail": (f"/api/cases/{world.case.pk}", {}, {}),
        "case_post": ("/api/cases", {"credit_code": code, "service": "capital_forum"}, {}),
        "case_move_post": (
            f"/api/cases/{world.case.pk}/move",
            {"to": "cancelled", "note": "企业暂缓"},
            {"HTTP_IF_MATCH": f'"{ServiceCase.objects.get(pk=world.case.pk).version}"'},
        ),
        "chain_list": ("/api/chains", {}, {}),
        "chain_gap_list": ("/api/chains/gaps", {}, {}),
        "chain_detail": ("/api/chains/new_energy", {}, {}),
        "resource_list": ("/api/resources", {}, {}),
        "booking_list": ("/api/bookings", {}, {}),
        "booking_post": ("/api/bookings", _booking_body(world), {}),
        "booking_cancel_post": (f"/api/bookings/{world.booking.pk}/cancel", {}, {}),
        "policy_list": ("/api/policies", {}, {}),
        "enterprise_policies": (f"/api/enterprises/{code}/policies", {}, {}),
    }[op]


def _booking_body(world: World) -> dict:
    """An hour after firm_a's booking of the room: the first caller books it (201), the
    others find it taken (409)."""
    return {
        "resource": world.room.pk,
        "start": (world.booking.end).isoformat(),
        "end": (world.booking.end + timedelta(hours=1)).isoformat(),
    }


def _classify(response) -> str:
    code = response.status_code
    if code == 401 or (code == 302 and "/accounts/login/" in response["Location"]):
        return LOGIN
    if code == 403:
        return FORBIDDEN
    if code == 404:
        return HIDDEN
    if code == 405:
        return METHOD
    if code < 400 or code in (409, 412, 422):
        return OK
    return f"unexpected {code}"


def _ask_api(world: World, role: str, op: str, method: str) -> str:
    path, body, headers = _api_request(op, world)
    if role != "anon":
        headers = {**headers, "HTTP_AUTHORIZATION": f"Bearer {world.keys[role]}"}
    client = Client()
    if op == "import_upload":
        csv = f"credit_code,year,revenue\n{world.firm.credit_code},2018,5"
        return _classify(client.post(path, {"file": _csv(csv)}, **headers))
    if method == "GET":
        return _classify(client.get(path, **headers))
    return _classify(
        client.generic(method, path, json.dumps(body), content_type="application/json", **headers)
    )


def _ask_page(world: World, role: str, name: str, method: str) -> str:
    client = Client()
    if role != "anon":
        client.force_login(world.users[role])
    path, data = _page_request(name, method, world)
    return _classify(client.get(path) if method == "GET" else client.post(path, data))


# --- enumeration ---------------------------------------------------------------------------


def _page_names() -> set[str]:
    """Every named URL pattern outside Django's admin."""
    found: set[str] = set()

    def walk(resolver: URLResolver, namespace: str | None) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                if not str(p.pattern).startswith("admin/"):
                    walk(p, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                found.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver(), None)
    return found


def _api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {
        (op["operationId"], method.upper())
        for path in schema["paths"].values()
        for method, op in path.items()
    }


def test_every_endpoint_has_a_row():
    """A new page or API operation fails here until its row says who may use it."""
    api_names = {f"api:{op}" for op, _ in _api_operations()}
    pages = _page_names() - api_names - NOT_PAGES
    assert sorted(pages) == sorted(PAGES)
    assert sorted(_api_operations()) == sorted(API)
    assert all(set(by_method) == {"GET", "POST"} for by_method in PAGES.values())


def test_every_role_gets_exactly_its_answer(world):
    asked = [("page", name, m) for name, by in PAGES.items() for m in by] + [
        ("api", op, m) for op, m in API
    ]
    # Reads first, then writes: a write (a commit, a cancel) must not change what a later
    # read sees; every write is still asked by every role.
    asked.sort(key=lambda a: (a[2] != "GET", a[0], a[1]))
    wrong = {}
    for kind, name, method in asked:
        expected = PAGES[name][method] if kind == "page" else API[(name, method)]
        ask = _ask_page if kind == "page" else _ask_api
        got = {role: ask(world, role, name, method) for role in ROLES}
        if got != expected:
            wrong[f"{name} {method}"] = {
                r: f"expected {expected[r]}, got {got[r]}" for r in ROLES if got[r] != expected[r]
            }
    assert wrong == {}


def test_second_county_learns_nothing_of_the_first(world):
    """County B's staff and firm get the same 404 for A's firm as for a code that does not
    exist: neither the status nor the body tells them apart."""
    for role in ("staff_b", "firm_b"):
        client = Client()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {world.keys[role]}"}
        real = client.get(f"/api/enterprises/{world.firm.credit_code}", **headers)
        ghost = client.get(f"/api/enterprises/{make_credit_code('91320581MA1YYYYY0')}", **headers)
        assert (real.status_code, real.json()) == (ghost.status_code, ghost.json())


def test_only_the_platform_administrator_reaches_django_admin(world):
    for role in ROLES:
        client = Client()
        if role != "anon":
            client.force_login(world.users[role])
        response = client.get("/admin/")
        expected = 200 if role == "admin" else 302
        assert response.status_code == expected, role
        if role != "admin":
            assert "/admin/login/" in response["Location"]
