"""简体中文 by default whatever the browser asks for; English when the user picks it."""

from __future__ import annotations


def test_pages_are_chinese_by_default_even_for_an_english_browser(client, staff_user, city):
    client.force_login(staff_user)
    body = client.get("/enterprises/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "企业库" in body


def test_language_switch_sets_english(client, staff_user, city):
    client.force_login(staff_user)
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/enterprises/"})
    assert (r.status_code, r["Location"]) == (302, "/enterprises/")
    body = client.get("/enterprises/").content.decode()
    assert '<html lang="en">' in body
    assert "Enterprise registry" in body
