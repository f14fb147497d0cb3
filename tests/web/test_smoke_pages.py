"""Every page of the registry answers for the role that uses it, with the data on it."""

from __future__ import annotations


def test_registry_search_by_pinyin_initials_finds_the_firm(client, staff_user, graded_city, city):
    firm = city[0]
    from feidi_web.enterprises.codec import name_initials

    client.force_login(staff_user)
    r = client.get("/enterprises/", {"q": name_initials(firm.name)[:4]})
    assert r.status_code == 200
    assert firm.credit_code in r.content.decode()


def test_firm_page_shows_verdicts_and_figures(client, staff_user, graded_city, city):
    firm = city[0]
    client.force_login(staff_user)
    r = client.get(f"/enterprises/{firm.credit_code}/")
    body = r.content.decode()
    assert r.status_code == 200
    assert body.count('class="card mb-3 verdict-card"') == 3
    assert firm.name in body
