"""Every main page works under the Content-Security-Policy in a real browser: nothing it needs
is blocked, charts draw, and no script error occurs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_main_pages_run_under_the_policy_without_violations(page, live_server, admin, city, graded):
    login(page, "admin", next_url="/cockpit/")
    expect(page.locator("canvas").first).to_be_visible()  # ECharts drew under the policy
    firm = city[1]
    for path in (
        "/cockpit/",
        "/enterprises/",
        f"/enterprises/{firm.credit_code}/",
        f"/enterprises/{firm.credit_code}/years/2025/",
        "/pool/",
        "/evaluations/",
        f"/evaluations/{graded.pk}/",
        "/enterprises/imports/",
        "/api/docs",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible()  # Swagger UI ran
    assert page.csp_violations == []
    assert page.js_errors == []
