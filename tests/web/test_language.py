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


def test_the_choice_is_remembered_on_the_account_for_what_is_sent_later(client, staff_user):
    """Reminders and digests are written in the language the person last chose."""
    client.force_login(staff_user)
    assert staff_user.reading_language == "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    staff_user.refresh_from_db()
    assert (staff_user.language, staff_user.reading_language) == ("en", "en")
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})  # not a language of ours
    staff_user.refresh_from_db()
    assert staff_user.language == "en"


def test_an_anonymous_switch_stores_nothing(client, staff_user):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    staff_user.refresh_from_db()
    assert staff_user.language == ""
