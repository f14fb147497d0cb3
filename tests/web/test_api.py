"""The REST API: who may call it, what each role sees, and that it answers like the pages."""

from __future__ import annotations

import io
import json
from datetime import date

import polars as pl
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.crypto import get_random_string
from tests.web.conftest import AS_OF, upload

from feidi.demo import LOCAL_REGION, generate_demo_city
from feidi_web.accounts.models import ApiToken, User
from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import DataImport, FiscalYear
from feidi_web.evaluations.models import EvaluationRun

PATHS = {
    ("get", "/api/enterprises"),
    ("get", "/api/enterprises/{credit_code}"),
    ("get", "/api/enterprises/{credit_code}/evaluations"),
    ("patch", "/api/enterprises/{credit_code}/years/{year}"),
    ("get", "/api/evaluations"),
    ("post", "/api/evaluations"),
    ("get", "/api/evaluations/{run_id}"),
    ("get", "/api/evaluations/{run_id}/records"),
    ("post", "/api/evaluations/{run_id}/cancel"),
    ("post", "/api/evaluations/{run_id}/retry"),
    ("post", "/api/imports"),
    ("get", "/api/imports/{import_id}"),
    ("post", "/api/imports/{import_id}/commit"),
    ("get", "/api/pipeline/projects"),
    ("get", "/api/pipeline/projects/{project_id}"),
    ("post", "/api/pipeline/projects/{project_id}/move"),
    ("get", "/api/pipeline/funnel"),
    ("get", "/api/matchmaking/profiles"),
    ("post", "/api/matchmaking/profiles"),
    ("get", "/api/matchmaking/profiles/{profile_id}"),
    ("post", "/api/matchmaking/profiles/{profile_id}/recommendations"),
    ("get", "/api/opportunities"),
    ("get", "/api/chains"),
    ("get", "/api/chains/gaps"),
    ("get", "/api/chains/{chain_id}"),
    ("get", "/api/diagnoses"),
    ("get", "/api/diagnoses/{credit_code}"),
    ("get", "/api/cases"),
    ("post", "/api/cases"),
    ("get", "/api/cases/{case_id}"),
    ("post", "/api/cases/{case_id}/move"),
    ("get", "/api/resources"),
    ("get", "/api/bookings"),
    ("post", "/api/bookings"),
    ("post", "/api/bookings/{booking_id}/cancel"),
    ("get", "/api/policies"),
    ("get", "/api/enterprises/{credit_code}/policies"),
}


def make_key(user: User, name: str = "test") -> str:
    out = io.StringIO()
    call_command("api_token", user.username, "--name", name, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def patch_json(client: Client, url: str, data: dict, **extra):
    return client.patch(url, json.dumps(data), content_type="application/json", **extra)


def patch_year(client: Client, firm, year: int, data: dict, **extra):
    """PATCH a fiscal year as a careful client does: naming the version it read."""
    stored = FiscalYear.objects.filter(enterprise=firm, year=year).first()
    if stored is None:
        extra.setdefault("HTTP_IF_NONE_MATCH", "*")
    else:
        extra.setdefault("HTTP_IF_MATCH", f'"{stored.version}"')
    return patch_json(client, f"/api/enterprises/{firm.credit_code}/years/{year}", data, **extra)


def post_json(client: Client, url: str, data: dict, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


# --- schema and authentication -------------------------------------------------------------


def test_openapi_schema_lists_every_operation(client, db):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    schema = json.loads(r.content)
    found = {(m, p) for p, ops in schema["paths"].items() for m in ops}
    assert found == PATHS
    assert set(schema["components"]["securitySchemes"]) == {"ApiTokenAuth", "SessionAuth"}
    props = schema["components"]["schemas"]["EnterpriseOut"]["properties"]
    assert props["credit_code"]["description"].startswith("统一社会信用代码 (18 characters)")


def test_every_operation_requires_authentication(client, city):
    code = city[0].credit_code
    for method, path in PATHS:
        url = path.format(
            credit_code=code,
            year=2025,
            run_id=1,
            import_id=1,
            project_id=1,
            profile_id=1,
            chain_id="new_energy",
            case_id=1,
            booking_id=1,
        )
        r = getattr(client, method)(url)
        assert r.status_code == 401, (method, url)
        assert r.json() == {"detail": "Authentication required."}


def test_token_command_stores_only_the_digest(staff_user):
    key = make_key(staff_user, "nightly export")
    token = ApiToken.objects.get()
    assert key.startswith("fd_")
    assert token.name == "nightly export"
    assert token.user == staff_user
    assert token.digest == ApiToken.digest_of(key)
    assert key not in token.digest
    assert token.last_used_at is None


def test_token_command_refuses_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("api_token", "nobody", "--name", "x")
    assert ApiToken.objects.count() == 0


def test_bearer_token_authenticates_and_wrong_token_gets_401(client, staff_user, city):
    key = make_key(staff_user)
    r = client.get("/api/enterprises", **bearer(key))
    assert r.status_code == 200
    assert r.json()["count"] == 33
    assert ApiToken.objects.get().last_used_at is not None

    r = client.get("/api/enterprises", **bearer(key + "x"))
    assert r.status_code == 401
    assert r.json() == {"detail": "Authentication required."}
    assert r["WWW-Authenticate"] == 'Bearer realm="feidi"'
    # a bad token is refused even on an unsafe method (401, not a CSRF 403)
    r = post_json(
        client,
        "/api/evaluations",
        {"rulebook": "miit-2022", "as_of": "2026-06-30"},
        **bearer("fd_nope"),
    )
    assert r.status_code == 401
    assert EvaluationRun.objects.count() == 0


def test_token_of_an_inactive_user_is_refused(client, staff_user, city):
    key = make_key(staff_user)
    staff_user.is_active = False
    staff_user.save()
    r = client.get("/api/enterprises", **bearer(key))
    assert r.status_code == 401


def test_session_post_without_csrf_token_is_refused(
    staff_user, city, django_capture_on_commit_callbacks
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    body = {"rulebook": "miit-2022", "as_of": "2026-06-30"}
    r = post_json(client, "/api/evaluations", body)
    assert r.status_code == 403
    assert r.json() == {"detail": "CSRF check Failed"}
    r = patch_year(client, city[0], 2025, {"revenue": 1})
    assert r.status_code == 403
    assert EvaluationRun.objects.count() == 0

    # reads need no token, and with the token the same POST goes through
    assert client.get("/api/evaluations").status_code == 200
    secret = get_random_string(32)
    client.cookies["csrftoken"] = secret
    with django_capture_on_commit_callbacks(execute=True):
        r = post_json(client, "/api/evaluations", body, HTTP_X_CSRFTOKEN=secret)
    assert r.status_code == 201
    assert EvaluationRun.objects.count() == 1


def test_unexpected_error_answers_500_without_a_traceback(client, staff_user, monkeypatch):
    def boom(user):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("feidi_web.api.evaluations.runs_for_user", boom)
    client.force_login(staff_user)
    r = client.get("/api/evaluations")
    assert r.status_code == 500
    assert r.json() == {"detail": "Internal server error."}
    assert b"secret internals" not in r.content
    assert b"Traceback" not in r.content


# --- registry ------------------------------------------------------------------------------


def test_enterprise_user_sees_only_their_own_firm(client, firm_user, city, graded_city):
    own, other = city[0], city[1]
    client.force_login(firm_user)
    r = client.get("/api/enterprises")
    assert r.status_code == 200
    assert r.json()["count"] == 1
    assert [e["credit_code"] for e in r.json()["items"]] == [own.credit_code]

    r = client.get(f"/api/enterprises/{own.credit_code}")
    assert r.status_code == 200
    assert r.json()["credit_code"] == own.credit_code

    for url in (
        f"/api/enterprises/{other.credit_code}",
        f"/api/enterprises/{other.credit_code}/evaluations",
    ):
        r = client.get(url)
        assert r.status_code == 404
        assert r.json() == {"detail": "Not found."}
    assert client.get(f"/api/enterprises?q={other.credit_code}").json()["count"] == 0


def test_other_county_staff_sees_no_firm(client, other_staff_user, city):
    client.force_login(other_staff_user)
    r = client.get("/api/enterprises")
    assert r.status_code == 200
    assert r.json() == {"items": [], "count": 0}
    assert client.get(f"/api/enterprises/{city[0].credit_code}").status_code == 404


def test_registry_filters_and_pagination(client, staff_user, city):
    client.force_login(staff_user)
    r = client.get("/api/enterprises", {"limit": 5, "offset": 30})
    assert r.json()["count"] == 33
    assert len(r.json()["items"]) == 3
    assert client.get("/api/enterprises", {"enclave": "true"}).json()["count"] == 3
    assert client.get("/api/enterprises", {"enclave": "false"}).json()["count"] == 30
    firm = city[5]
    r = client.get("/api/enterprises", {"q": firm.credit_code})
    assert [e["credit_code"] for e in r.json()["items"]] == [firm.credit_code]
    expected = sum(1 for e in city if e.town == firm.town)
    assert client.get("/api/enterprises", {"town": firm.town}).json()["count"] == expected
    assert client.get("/api/enterprises", {"limit": 501}).status_code == 422
    assert client.get("/api/enterprises", {"limit": 0}).status_code == 422


def test_firm_detail_has_profile_and_years(client, staff_user, city):
    firm = city[0]
    client.force_login(staff_user)
    body = client.get(f"/api/enterprises/{firm.credit_code}").json()
    assert body["name"] == firm.name
    assert body["jurisdiction_code"] == LOCAL_REGION
    assert body["profile"]["name"] == firm.name
    stored = list(FiscalYear.objects.filter(enterprise=firm).order_by("year"))
    assert [y["year"] for y in body["years"]] == [y.year for y in stored]
    assert len(body["years"]) == 3
    assert body["years"][-1]["figures"]["revenue"] == stored[-1].figures["revenue"]


def test_firm_evaluations_newest_run_first(client, staff_user, city, graded_city, admin_user):
    from feidi_web.evaluations.services import evaluation_run_execute

    newer = EvaluationRun.objects.create(
        rulebook="miit-2022", as_of=date(2026, 12, 31), created_by=admin_user
    )
    evaluation_run_execute(run_id=newer.pk)
    firm = city[0]
    client.force_login(staff_user)
    r = client.get(f"/api/enterprises/{firm.credit_code}/evaluations")
    assert r.status_code == 200
    rows = r.json()
    assert [row["run_id"] for row in rows] == [newer.pk] * 3 + [graded_city.pk] * 3
    assert [row["as_of"] for row in rows[2:4]] == ["2026-12-31", AS_OF.isoformat()]
    first = rows[0]
    assert first["rulebook"] == "miit-2022"
    assert sorted(row["tier"] for row in rows[:3]) == ["innovative", "little_giant", "specialized"]
    assert first["verdict"] in ("pass", "fail", "unknown")
    assert first["record"]["credit_code"] == firm.credit_code
    assert first["record"]["tier"] == first["tier"]


def test_patch_changes_figures_with_an_audit_entry(client, staff_user, city):
    firm = city[0]
    year = FiscalYear.objects.filter(enterprise=firm).order_by("-year").first()
    untouched = year.figures["rd_expense"]
    client.force_login(staff_user)
    r = patch_year(client, firm, year.year, {"revenue": 12345.5, "employees": 120})
    assert r.status_code == 200
    assert r["ETag"] == f'"{year.version + 1}"'
    assert r.json()["year"] == year.year
    assert r.json()["figures"]["revenue"] == 12345.5
    assert r.json()["figures"]["employees"] == 120
    year.refresh_from_db()
    assert (year.figures["revenue"], year.figures["employees"]) == (12345.5, 120)
    assert year.figures["rd_expense"] == untouched
    entries = AuditEntry.objects.filter(via="api").order_by("field")
    assert [(e.field, e.new_value) for e in entries] == [("employees", 120), ("revenue", 12345.5)]
    assert {e.actor_id for e in entries} == {staff_user.pk}


def test_patch_clears_a_figure_with_null(client, staff_user, city):
    firm = city[0]
    year = FiscalYear.objects.filter(enterprise=firm).order_by("-year").first()
    client.force_login(staff_user)
    r = patch_year(client, firm, year.year, {"equity_financing": None})
    assert r.status_code == 200
    year.refresh_from_db()
    assert year.figures["equity_financing"] is None


def test_patch_negative_revenue_is_refused_and_nothing_changes(client, staff_user, city):
    firm = city[0]
    year = FiscalYear.objects.filter(enterprise=firm).order_by("-year").first()
    before = year.figures["revenue"]
    client.force_login(staff_user)
    r = patch_year(client, firm, year.year, {"revenue": -5})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert (
        detail[0]
        == "revenue: -5.0 — 营业收入不能为负数（-5.0）"  # the user's language, not both joined
    )
    assert len(detail) == 2
    assert detail[1].startswith("main_revenue: ")  # now more than the revenue
    year.refresh_from_db()
    assert year.figures["revenue"] == before
    assert AuditEntry.objects.filter(via="api").count() == 0


def test_patch_refuses_unknown_fields_and_years_out_of_range(client, staff_user, city):
    code = city[0].credit_code
    client.force_login(staff_user)
    r = patch_year(client, city[0], 2025, {"colour": 1})
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "extra_forbidden"
    r = patch_json(client, f"/api/enterprises/{code}/years/1800", {}, HTTP_IF_MATCH='"1"')
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["path", "year"]


@pytest.mark.parametrize("who", ["firm_user", "operator_user"])
def test_patch_is_for_registry_editors_only(client, city, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    r = patch_year(client, city[0], 2025, {"revenue": 1})
    assert r.status_code == 403
    assert r.json() == {"detail": "You do not have permission to do this."}


def test_patch_outside_scope_is_not_found(client, other_staff_user, city):
    client.force_login(other_staff_user)
    r = patch_year(client, city[0], 2025, {"revenue": 1})
    assert r.status_code == 404


# --- evaluations ---------------------------------------------------------------------------


def test_staff_starts_a_run_and_follows_it_to_done(
    client, staff_user, city, django_capture_on_commit_callbacks
):
    key = make_key(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        r = post_json(
            client,
            "/api/evaluations",
            {"rulebook": "miit-2022", "as_of": "2026-06-30"},
            **bearer(key),
        )
    assert r.status_code == 201
    created = r.json()
    assert created["rulebook"] == "miit-2022"
    assert created["as_of"] == "2026-06-30"
    assert created["jurisdiction_code"] == LOCAL_REGION

    r = client.get(f"/api/evaluations/{created['id']}", **bearer(key))
    assert r.status_code == 200
    run = r.json()
    assert run["status"] == "done"
    assert (run["firms_done"], run["firms_total"], run["percent"]) == (33, 33, 100)
    assert isinstance(run["warnings"], list)
    assert run["error"] == ""

    r = client.get("/api/evaluations", **bearer(key))
    assert [x["id"] for x in r.json()["items"]] == [created["id"]]


@pytest.mark.parametrize("who", ["firm_user", "operator_user"])
def test_roles_that_may_not_run_get_403(client, city, who, request):
    client.force_login(request.getfixturevalue(who))
    r = post_json(client, "/api/evaluations", {"rulebook": "miit-2022", "as_of": "2026-06-30"})
    assert r.status_code == 403
    assert EvaluationRun.objects.count() == 0


def test_unknown_rulebook_gets_422(client, staff_user, db):
    client.force_login(staff_user)
    body = {"rulebook": "no-such-book", "as_of": "2026-06-30"}
    r = post_json(client, "/api/evaluations", body)
    assert r.status_code == 422
    assert r.json() == {"detail": ["未知规则 no-such-book"]}
    # messages follow the chosen language, as the pages do
    client.cookies["django_language"] = "en"
    r = post_json(client, "/api/evaluations", body)
    assert r.json() == {"detail": ["Unknown rulebook no-such-book"]}
    assert EvaluationRun.objects.count() == 0


def test_records_are_limited_to_the_callers_scope(
    client, graded_city, city, staff_user, firm_user, other_staff_user
):
    url = f"/api/evaluations/{graded_city.pk}/records"
    client.force_login(staff_user)
    assert client.get(url).json()["count"] == 99  # 33 firms × 3 tiers

    client.force_login(firm_user)
    body = client.get(url).json()
    assert body["count"] == 3
    assert {r["credit_code"] for r in body["items"]} == {city[0].credit_code}
    assert body["items"][0]["name"] == city[0].name

    client.force_login(other_staff_user)
    assert client.get(url).json() == {"items": [], "count": 0}


def test_records_filter_by_tier_and_verdict(client, graded_city, staff_user):
    client.force_login(staff_user)
    url = f"/api/evaluations/{graded_city.pk}/records"
    items = client.get(url, {"limit": 500}).json()["items"]
    passed_innovative = [r for r in items if r["tier"] == "innovative" and r["verdict"] == "pass"]
    r = client.get(url, {"tier": "innovative", "verdict": "pass", "limit": 500})
    assert r.json()["count"] == len(passed_innovative)
    assert r.json()["items"] == passed_innovative
    assert client.get(url, {"tier": "innovative"}).json()["count"] == 33
    assert client.get(url, {"verdict": "maybe"}).status_code == 422


def test_run_of_another_county_is_not_found(client, staff_user, other_staff_user, db):
    run = EvaluationRun.objects.create(
        rulebook="miit-2022", as_of=AS_OF, jurisdiction_code="320505", created_by=other_staff_user
    )
    client.force_login(staff_user)
    assert client.get(f"/api/evaluations/{run.pk}").status_code == 404
    assert client.get(f"/api/evaluations/{run.pk}/records").status_code == 404


# --- imports -------------------------------------------------------------------------------


def demo_file(**kwargs) -> pl.DataFrame:
    return generate_demo_city(**{"n_local": 3, "n_enclave": 0, "n_years": 1, **kwargs})


def test_import_with_a_bad_credit_code_is_rejected_with_row_and_column(client, staff_user):
    frame = demo_file().with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("BAD-CODE"))
        .otherwise(pl.col("credit_code"))
        .alias("credit_code")
    )
    client.force_login(staff_user)
    r = client.post("/api/imports", {"file": upload(frame, "bad.csv")})
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "rejected"
    assert body["file_name"] == "bad.csv"
    errors = [i for i in body["issues"] if i["severity"] == "error"]
    assert [(i["row"], i["column"], i["value"]) for i in errors] == [(3, "credit_code", "BAD-CODE")]
    assert errors[0]["reason"]
    imp = DataImport.objects.get()
    assert (imp.pk, imp.status) == (body["id"], "rejected")

    r = client.post(f"/api/imports/{body['id']}/commit")
    assert r.status_code == 422
    assert r.json() == {"detail": ["该批导入无法入库（状态：已拒绝：文件有错误）。"]}


def test_import_preview_then_commit(client, staff_user):
    client.force_login(staff_user)
    r = client.post("/api/imports", {"file": upload(demo_file())})
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "preview"
    assert body["summary"]["firms_new"] == 3
    assert (body["rows"], body["firms"]) == (3, 3)
    assert client.get(f"/api/imports/{body['id']}").json() == body

    r = client.post(f"/api/imports/{body['id']}/commit")
    assert r.status_code == 200
    assert r.json()["status"] == "committed"
    assert r.json()["summary"]["firms_created"] == 3
    assert client.get("/api/enterprises").json()["count"] == 3


def test_import_of_an_unsupported_file_type_is_422(client, staff_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff_user)
    client.cookies["django_language"] = "en"
    r = client.post("/api/imports", {"file": SimpleUploadedFile("notes.txt", b"hello")})
    assert r.status_code == 422
    assert r.json() == {
        "detail": ["notes.txt: unsupported file type; upload .xlsx, .csv or .parquet"]
    }


def test_only_the_uploader_or_an_admin_sees_an_import(client, staff_user, admin_user):
    client.force_login(staff_user)
    import_id = client.post("/api/imports", {"file": upload(demo_file())}).json()["id"]

    colleague = User.objects.create_user(
        "colleague", role="county_staff", division_code=LOCAL_REGION
    )
    client.force_login(colleague)
    assert client.get(f"/api/imports/{import_id}").status_code == 404
    assert client.post(f"/api/imports/{import_id}/commit").status_code == 404
    assert DataImport.objects.get().status == "preview"

    client.force_login(admin_user)
    assert client.get(f"/api/imports/{import_id}").status_code == 200


def test_enterprise_user_may_not_import(client, firm_user):
    before = DataImport.objects.count()  # the city's own import
    client.force_login(firm_user)
    r = client.post("/api/imports", {"file": upload(demo_file())})
    assert r.status_code == 403
    assert DataImport.objects.count() == before


# --- query counts: one page costs the same whatever its length ----------------------------
#
# Every request pays 2 queries for the session (session row, user).


def test_enterprise_list_queries_do_not_grow_with_items(
    client, staff_user, city, django_assert_num_queries
):
    client.force_login(staff_user)
    for limit in (1, 3):
        with django_assert_num_queries(4):  # session, user, count, page
            r = client.get("/api/enterprises", {"limit": limit})
        assert len(r.json()["items"]) == limit


def test_run_list_queries_do_not_grow_with_items(client, staff_user, django_assert_num_queries):
    client.force_login(staff_user)
    for n in (1, 3):
        EvaluationRun.objects.all().delete()
        for _ in range(n):
            EvaluationRun.objects.create(
                rulebook="miit-2022",
                as_of=AS_OF,
                jurisdiction_code=LOCAL_REGION,
                created_by=staff_user,
            )
        with django_assert_num_queries(4):  # session, user, count, page
            r = client.get("/api/evaluations")
        assert len(r.json()["items"]) == n


def test_record_list_queries_do_not_grow_with_items(
    client, staff_user, graded_city, django_assert_num_queries
):
    client.force_login(staff_user)
    for limit in (1, 3):
        with django_assert_num_queries(5):  # session, user, run, count, page with firms
            r = client.get(f"/api/evaluations/{graded_city.pk}/records", {"limit": limit})
        assert len(r.json()["items"]) == limit
