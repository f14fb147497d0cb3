"""Security headers: a Content-Security-Policy everywhere, no caching of pages with firm
data, HSTS and an HTTPS redirect when HTTPS is on."""

from __future__ import annotations

import pytest


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part
    }


@pytest.mark.parametrize("path", ["/accounts/login/", "/cockpit/", "/api/docs"])
def test_every_page_carries_a_policy_that_allows_no_foreign_or_inline_script(
    client, staff_user, path
):
    client.force_login(staff_user)
    csp = _csp(client.get(path))
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]


def test_no_template_carries_an_inline_script():
    from pathlib import Path

    import feidi_web

    root = Path(feidi_web.__file__).parent
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        text = template.read_text("utf-8")
        for chunk in text.split("<script")[1:]:
            opening = chunk.split(">", 1)[0]
            if "src=" not in opening and "application/json" not in opening:
                offenders.append(template.name)
        if " onclick=" in text or " onload=" in text or "javascript:" in text:
            offenders.append(template.name)
    assert offenders == []


def test_pages_with_firm_data_are_not_cached(client, staff_user, graded_city):
    client.force_login(staff_user)
    for path in (
        "/cockpit/",
        "/enterprises/",
        "/pool/",
        f"/enterprises/{graded_city.records.first().enterprise.credit_code}/",
    ):
        assert client.get(path)["Cache-Control"] == "private, no-store", path


def test_api_answers_to_a_token_are_not_cached(client, staff_user, city):
    from feidi_web.accounts.models import ApiToken

    key = ApiToken.new_key()
    ApiToken.objects.create(user=staff_user, name="t", digest=ApiToken.digest_of(key))
    r = client.get("/api/enterprises", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert (r.status_code, r["Cache-Control"]) == (200, "private, no-store")


def test_static_files_stay_cacheable(client, staff_user):
    client.force_login(staff_user)
    r = client.get("/static/feidi/feidi.css")
    assert r.status_code == 200
    assert "no-store" not in r.get("Cache-Control", "")


def _settings_with(env: dict[str, str]) -> dict:
    """The settings module as a fresh process reads it under ``env``."""
    import json
    import os
    import subprocess
    import sys
    import tempfile

    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_REDIRECT_EXEMPT",
    ]
    code = (
        "import json; from feidi_web.config import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FEIDI_")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "FEIDI_DATA_DIR": tempfile.mkdtemp(), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_https_settings_turn_on_hsts_redirect_and_secure_cookies():
    assert _settings_with({"FEIDI_HTTPS": "1"}) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
    }
    plain = _settings_with({})
    # not set: Django's defaults, no redirect and no HSTS over plain HTTP
    assert (plain["SECURE_SSL_REDIRECT"], plain["SECURE_HSTS_SECONDS"]) == (None, None)


def test_https_redirect_and_hsts_header(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    r = client.get("/accounts/login/")
    assert (r.status_code, r["Location"]) == (301, "https://testserver/accounts/login/")
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
