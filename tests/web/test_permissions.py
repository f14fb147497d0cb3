"""Who sees what: scope per role, 404 outside it, lock-out after failed logins, CSRF."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.web.conftest import PASSWORD, make_user

from feidi_web.accounts.models import Role
from feidi_web.enterprises.models import Enterprise
from feidi_web.enterprises.permissions import enterprise_scope


def _visible(user) -> set[str]:
    return set(
        Enterprise.objects.filter(enterprise_scope(user)).values_list("credit_code", flat=True)
    )


def test_scope_per_role(city, admin_user, staff_user, other_staff_user, operator_user, firm_user):
    everyone = {e.credit_code for e in city}
    enclave = {e.credit_code for e in city if e.enclave}
    assert _visible(admin_user) == everyone
    assert _visible(staff_user) == everyone  # enclave firms belong to the home county
    assert _visible(other_staff_user) == set()
    assert _visible(operator_user) == enclave
    assert len(enclave) == 3
    assert _visible(firm_user) == {city[0].credit_code}


def test_prefecture_staff_see_their_counties(city):
    prefecture = make_user("suzhou", Role.COUNTY_STAFF, division="320500")
    assert _visible(prefecture) == {e.credit_code for e in city}


def test_inactive_user_sees_nothing(city, staff_user):
    staff_user.is_active = False
    assert _visible(staff_user) == set()


@pytest.mark.parametrize("path", ["/enterprises/{code}/", "/enterprises/{code}/years/2025/"])
def test_other_county_gets_404_for_a_firm(client, city, other_staff_user, path):
    client.force_login(other_staff_user)
    assert client.get(path.format(code=city[0].credit_code)).status_code == 404


def test_enterprise_user_gets_404_for_another_firm_and_403_on_staff_pages(client, firm_user, city):
    client.force_login(firm_user)
    assert client.get(f"/enterprises/{city[1].credit_code}/").status_code == 404
    for path in ("/enterprises/", "/enterprises/imports/", "/evaluations/"):
        assert client.get(path).status_code == 403, path


def test_operator_cannot_import_or_edit(client, operator_user, city):
    client.force_login(operator_user)
    enclave = next(e for e in city if e.enclave)
    assert client.get("/enterprises/imports/").status_code == 403
    assert (
        client.post(f"/enterprises/{enclave.credit_code}/years/2025/", {"revenue": "1"}).status_code
        == 403
    )


def test_anonymous_is_sent_to_login(client, city):
    r = client.get(f"/enterprises/{city[0].credit_code}/")
    assert (r.status_code, r["Location"]) == (
        302,
        f"/accounts/login/?next=/enterprises/{city[0].credit_code}/",
    )


def test_login_locks_out_after_repeated_failures(client, staff_user):
    for _ in range(3):  # FEIDI_LOGIN_FAILURE_LIMIT = 3 in test settings
        r = client.post("/accounts/login/", {"username": "staff", "password": "wrong"})
        assert r.status_code in (200, 429)
    r = client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert r.status_code == 429
    assert 'id="locked-out"' in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_succeeds_with_the_right_password(client, staff_user):
    r = client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert (r.status_code, r["Location"]) == (302, "/")
    assert client.session["_auth_user_id"] == str(staff_user.pk)


def test_post_without_csrf_token_is_refused(staff_user, city):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    before = city[0].years.get(year=2025).figures
    r = client.post(f"/enterprises/{city[0].credit_code}/years/2025/", {"revenue": "1"})
    assert r.status_code == 403
    assert city[0].years.get(year=2025).figures == before


def test_healthz_answers_without_login(client, db):
    r = client.get("/healthz")
    assert (r.status_code, r.json()["status"]) == (200, "ok")
