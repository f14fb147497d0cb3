"""Two people editing one fiscal year: the later save is shown the conflict, never silently
reverting the earlier one — in the form and in the API."""

from __future__ import annotations

import json
import re

from feidi_web.common.models import AuditEntry
from feidi_web.enterprises.models import FiscalYear


def _form_values(html: str) -> dict[str, str]:
    """What a browser would send back: every input of the figure form with its value."""
    form = html[html.index('id="year-form"') :]
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r'<input[^>]*name="([a-z_0-9-]+)"[^>]*value="([^"]*)"', form)
    }


def test_the_later_of_two_form_saves_is_refused_with_what_changed(client, staff_user, city):
    firm = city[0]
    url = f"/enterprises/{firm.credit_code}/years/2025/"
    client.force_login(staff_user)
    seen_by_a = _form_values(client.get(url).content.decode())
    seen_by_b = dict(seen_by_a)  # B opened the same page at the same time
    old_revenue = FiscalYear.objects.get(enterprise=firm, year=2025).figures["revenue"]

    r = client.post(url, {**seen_by_a, "revenue": "4321"})
    assert r.status_code == 302
    r = client.post(url, {**seen_by_b, "rd_expense": "77"})  # B still holds the old revenue
    assert r.status_code == 409
    page = r.content.decode()
    assert 'id="edit-conflict"' in page
    assert "staff" in page  # who saved in between
    year = FiscalYear.objects.get(enterprise=firm, year=2025)
    assert year.figures["revenue"] == 4321.0  # A's save stands
    assert year.figures["rd_expense"] != 77.0  # B's was not written
    assert list(
        AuditEntry.objects.filter(action="fiscal_year.update").values_list(
            "field", "old_value", "new_value"
        )
    ) == [("revenue", old_revenue, 4321.0)]
    # The conflict page keeps B's own edit, shows A's revenue, and carries the version B
    # has now seen: saving again writes B's change without reverting A's.
    again = _form_values(page)
    assert again["version"] == str(year.version)
    assert (again["rd_expense"], again["revenue"]) == ("77", "4321.0")
    r = client.post(url, again)
    assert r.status_code == 302
    year.refresh_from_db()
    assert (year.figures["revenue"], year.figures["rd_expense"]) == (4321.0, 77.0)


def test_a_form_without_the_version_it_saw_is_not_saved(client, staff_user, city):
    firm = city[0]
    url = f"/enterprises/{firm.credit_code}/years/2025/"
    client.force_login(staff_user)
    values = _form_values(client.get(url).content.decode())
    del values["version"]
    before = FiscalYear.objects.get(enterprise=firm, year=2025).figures
    r = client.post(url, {**values, "revenue": "1"})
    assert r.status_code == 200
    assert FiscalYear.objects.get(enterprise=firm, year=2025).figures == before


def _patch(client, firm, year, data, **headers):
    return client.patch(
        f"/api/enterprises/{firm.credit_code}/years/{year}",
        json.dumps(data),
        content_type="application/json",
        **headers,
    )


def test_api_patch_with_a_stale_version_is_412_and_writes_nothing(client, staff_user, city):
    firm = city[0]
    client.force_login(staff_user)
    year = FiscalYear.objects.get(enterprise=firm, year=2025)
    first_value, second_value = year.figures["revenue"] + 1000, year.figures["revenue"] + 2000
    first = _patch(client, firm, 2025, {"revenue": first_value}, HTTP_IF_MATCH=f'"{year.version}"')
    assert first.status_code == 200, first.json()
    assert first["ETag"] == f'"{year.version + 1}"'
    second = _patch(
        client, firm, 2025, {"revenue": second_value}, HTTP_IF_MATCH=f'"{year.version}"'
    )
    assert second.status_code == 412
    body = second.json()
    assert (body["current_version"], body["current"]["revenue"]) == (year.version + 1, first_value)
    assert second["ETag"] == f'"{year.version + 1}"'
    assert FiscalYear.objects.get(enterprise=firm, year=2025).figures["revenue"] == first_value


def test_api_patch_must_name_the_version_it_changes(client, staff_user, city):
    firm = city[0]
    client.force_login(staff_user)
    r = _patch(client, firm, 2025, {"revenue": 5})
    assert r.status_code == 428
    assert "If-Match" in r.json()["detail"]
    r = _patch(client, firm, 2025, {"revenue": 5}, HTTP_IF_MATCH="latest")
    assert r.status_code == 400
    r = _patch(client, firm, 2025, {"revenue": 5}, HTTP_IF_NONE_MATCH="*")
    assert r.status_code == 412  # the year exists already: creating it is a conflict
    assert not AuditEntry.objects.filter(via="api").exists()


def test_api_creates_a_missing_year_only_with_if_none_match(client, staff_user, city):
    firm = city[0]
    client.force_login(staff_user)
    r = _patch(client, firm, 2019, {"revenue": 10}, HTTP_IF_NONE_MATCH="*")
    assert (r.status_code, r.json()["version"]) == (200, 1), r.json()
    r = _patch(client, firm, 2019, {"revenue": 11}, HTTP_IF_NONE_MATCH="*")
    assert r.status_code == 412
    assert FiscalYear.objects.get(enterprise=firm, year=2019).figures["revenue"] == 10.0


def test_api_json_false_or_text_is_not_a_number(client, staff_user, city):
    firm = city[0]
    client.force_login(staff_user)
    version = FiscalYear.objects.get(enterprise=firm, year=2025).version
    for bad in (False, "12", True):
        r = _patch(client, firm, 2025, {"revenue": bad}, HTTP_IF_MATCH=f'"{version}"')
        assert r.status_code == 422, bad
        assert r.json()["detail"][0]["loc"][-1] == "revenue"
    assert FiscalYear.objects.get(enterprise=firm, year=2025).version == version
