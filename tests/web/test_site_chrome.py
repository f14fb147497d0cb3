"""The site's chrome: its own error pages, the favicon, the language switch (each language
named in itself, back to the same page with its filters, never off the site), Bootstrap's
classes on every form field, and /admin/ showing Feidi's own data, read-only where the
platform's services must do the writing.

(The layout at 1366 px and on a phone is checked in a real browser: tests/e2e/test_layout.py.)
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.template.loader import render_to_string
from django.test import Client
from django.urls import path
from tests.web.conftest import make_user

from feidi_web.accounts.models import Role
from feidi_web.config import urls as site_urls
from feidi_web.evaluations.models import EvaluationRecord

# --- a URLconf of the site plus two views that fail, for the 500 and 400 pages -------------


def _boom(request):
    raise RuntimeError("a bug in a view")


def _suspicious(request):
    raise SuspiciousOperation("a malformed request")


urlpatterns = [
    path("test-boom/", _boom),
    path("test-suspicious/", _suspicious),
    *site_urls.urlpatterns,
]
handler400 = site_urls.handler400

EN = {settings.LANGUAGE_COOKIE_NAME: "en"}


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # what the language switch sets
    return client


def _menu(body: str) -> list[str]:
    """The menu's links (the navigation bar's nav-link hrefs)."""
    return re.findall(r'class="nav-link[^"]*" href="([^"]+)"', body)


# --- 1. error pages ------------------------------------------------------------------------


def test_404_is_the_sites_page_with_the_menu_in_chinese(client, staff_user):
    client.force_login(staff_user)
    r = client.get("/no-such-page/")
    body = r.content.decode()
    assert r.status_code == 404
    assert 'id="error-page" data-status="404"' in body
    assert "页面不存在" in body and "此页面不存在，或您的账号无权查看" in body
    assert "/cockpit/" in _menu(body) and "/enterprises/" in _menu(body)
    assert 'href="/" id="error-home"' in body
    assert "<title>页面不存在 · 飞地</title>" in body
    assert "The requested resource was not found" not in body  # Django's own page


def test_404_in_english(client, staff_user):
    client.force_login(staff_user)
    body = _english(client).get("/no-such-page/").content.decode()
    assert '<html lang="en">' in body
    assert "Page not found" in body
    assert "This page does not exist, or your account may not open it." in body
    assert "Back to the home page" in body
    assert "页面不存在" not in body


def test_404_for_a_firm_outside_ones_scope_is_the_same_page(client, other_staff_user, city):
    client.force_login(other_staff_user)
    r = client.get(f"/enterprises/{city[0].credit_code}/")
    assert r.status_code == 404
    assert 'data-status="404"' in r.content.decode()


def test_403_is_the_sites_page_with_the_users_own_menu(client, firm_user):
    client.force_login(firm_user)
    r = client.get("/cockpit/")  # a firm may not see the cockpit
    body = r.content.decode()
    assert r.status_code == 403
    assert 'data-status="403"' in body
    assert "无权访问" in body and "如工作需要，请联系系统管理员" in body
    assert _menu(body) == ["/portal/", "/policies/", "/matchmaking/", "/events/", "/space/"]
    body = _english(client).get("/cockpit/").content.decode()
    assert "Access denied" in body and "ask your system administrator" in body


@pytest.mark.urls(__name__)
def test_500_is_the_sites_minimal_page_in_the_users_language(client, staff_user):
    client.force_login(staff_user)
    client.raise_request_exception = False
    r = client.get("/test-boom/")
    body = r.content.decode()
    assert r.status_code == 500
    assert 'data-status="500"' in body and "出错了" in body and "错误已记录" in body
    assert 'href="/" id="error-home"' in body
    # rendered without the request: no menu, no user, no language form to post without a token
    assert _menu(body) == [] and "staff" not in body and "language-form" not in body
    assert "a bug in a view" not in body
    body = _english(client).get("/test-boom/").content.decode()
    assert "Something went wrong" in body and "The error has been logged" in body


@pytest.mark.urls(__name__)
def test_400_is_the_sites_page(client, staff_user):
    client.force_login(staff_user)
    r = client.get("/test-suspicious/")
    body = r.content.decode()
    assert r.status_code == 400
    assert 'data-status="400"' in body and "请求无效" in body and _menu(body) == []
    assert "a malformed request" not in body
    assert "Bad request" in _english(client).get("/test-suspicious/").content.decode()


def test_a_nul_in_the_address_gets_the_sites_400_page(client, staff_user):
    client.force_login(staff_user)
    r = client.get("/enterprises/?q=a%00b")
    assert r.status_code == 400
    assert 'data-status="400"' in r.content.decode()


def test_a_form_without_its_csrf_token_gets_the_sites_page(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/cockpit/"})
    body = r.content.decode()
    assert r.status_code == 403
    assert "表单已失效" in body and "请返回上一页，刷新后重试" in body


@pytest.mark.parametrize("template", ["500.html", "400.html", "403_csrf.html"])
def test_pages_rendered_without_a_request_need_no_database(template):
    """Whatever broke the request (the database, say) cannot break its error page too: this
    test has no database (pytest-django refuses any query)."""
    body = render_to_string(template)
    assert 'id="error-page"' in body and 'href="/"' in body


# --- 2. favicon ----------------------------------------------------------------------------


def test_pages_link_the_svg_favicon_and_it_is_served(client):
    body = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/feidi/favicon.svg" type="image/svg+xml">' in body
    r = client.get("/static/feidi/favicon.svg")
    svg = b"".join(r.streaming_content)
    assert r.status_code == 200 and r["Content-Type"].startswith("image/svg+xml")
    assert svg.startswith(b"<svg") and len(svg) < 2048


def test_favicon_ico_is_not_a_404(client):
    r = client.get("/favicon.ico")
    assert (r.status_code, r["Location"]) == (302, "/static/feidi/favicon.svg")
    assert client.head("/favicon.ico").status_code == 302


# --- 3. the language switch names each language in itself ---------------------------------


def _language_form(body: str) -> str:
    return body.split('id="language-form"', 1)[1].split("</form>", 1)[0]


def test_the_switch_offers_english_as_english_on_chinese_pages(client, staff_user):
    client.force_login(staff_user)
    form = _language_form(client.get("/enterprises/").content.decode())
    assert re.search(r'value="en"[^>]*>English</button>', form)
    assert ">简体中文</button>" in form  # the current one, shown pressed
    assert "英语" not in form and "Chinese" not in form


def test_the_switch_offers_chinese_in_chinese_on_english_pages(client, staff_user):
    client.force_login(staff_user)
    form = _language_form(_english(client).get("/enterprises/").content.decode())
    assert re.search(r'value="zh-hans"[^>]*>简体中文</button>', form)
    assert ">English</button>" in form
    assert "Chinese" not in form and "英语" not in form


# --- 4. the switch comes back to the same page, filters and search included ---------------


def _next(body: str) -> str:
    match = re.search(r'<input name="next" type="hidden" value="([^"]*)">', body)
    assert match, "no next field in the language form"
    return unescape(match.group(1))


@pytest.mark.parametrize(
    "url",
    [
        "/enterprises/?q=hcm&page=2",
        "/pool/?tier=specialized&gap=5&town=%E6%A2%85%E6%BA%AA%E9%95%87&passes_lower=on",
        "/cockpit/?rulebook=miit-2022",
    ],
)
def test_switching_language_keeps_the_query_string(client, staff_user, graded_city, url):
    client.force_login(staff_user)
    next_url = _next(client.get(url).content.decode())
    assert next_url == url
    r = client.post("/i18n/setlang/", {"language": "en", "next": next_url})
    assert (r.status_code, r["Location"]) == (302, url)
    assert '<html lang="en">' in client.get(r["Location"]).content.decode()


@pytest.mark.parametrize(
    "outside", ["https://evil.example/phish", "//evil.example/phish", "http:evil.example"]
)
def test_the_switch_never_follows_a_next_off_the_site(client, staff_user, outside):
    client.force_login(staff_user)
    r = client.post("/i18n/setlang/", {"language": "en", "next": outside})
    assert r.status_code == 302
    assert "evil.example" not in r["Location"]
    assert r["Location"].startswith("/")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"  # the switch still works


def test_a_static_script_keeps_next_current_when_htmx_pushes_a_new_address(client, staff_user):
    """Filters update the page with htmx (hx-push-url): the script follows the address bar.
    (Its behaviour in a browser: tests/e2e/test_layout.py.)"""
    client.force_login(staff_user)
    body = client.get("/enterprises/").content.decode()
    assert '<script src="/static/feidi/language.js" defer></script>' in body
    r = client.get("/static/feidi/language.js")
    script = b"".join(r.streaming_content).decode()
    assert r.status_code == 200
    assert "htmx:pushedIntoHistory" in script
    assert "window.location.pathname + window.location.search" in script


# --- 5. every select and input looks like the others -----------------------------------------

_TEXT_TYPES = {"text", "number", "email", "url", "password", "search", "tel", "date", "file"}


def _unstyled_fields(body: str) -> list[str]:
    bad = []
    for tag in re.findall(r"<select\b[^>]*>", body):
        if not re.search(r'class="[^"]*\bform-select\b', tag):
            bad.append(tag)
    for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", body):
        kind = re.search(r'type="([^"]+)"', tag)
        if (kind.group(1) if kind else "text") in _TEXT_TYPES and "form-control" not in tag:
            bad.append(tag)
    return bad


def test_form_pages_have_no_bare_select_or_input(client, staff_user, firm_user, graded_city):
    client.force_login(staff_user)
    code = graded_city.records.first().enterprise.credit_code
    pages = ["/evaluations/", "/pool/", "/enterprises/", "/enterprises/imports/"]
    pages += [f"/enterprises/{code}/years/2025/", "/accounts/password/"]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()
        assert _unstyled_fields(body) == [], url
    runs = client.get("/evaluations/").content.decode()  # its rulebook select was once bare
    assert re.search(r'<select name="rulebook"[^>]* class="form-select"', runs)
    client.force_login(firm_user)
    body = client.get("/portal/").content.decode()
    assert "<select" in body and _unstyled_fields(body) == []


def test_the_form_renderer_styles_every_kind_of_widget():
    class Everything(forms.Form):
        choice = forms.ChoiceField(choices=[("a", "A")])
        many = forms.MultipleChoiceField(choices=[("a", "A")])
        text = forms.CharField()
        note = forms.CharField(widget=forms.Textarea)
        when = forms.SplitDateTimeField()
        yes = forms.BooleanField()
        small = forms.ChoiceField(
            choices=[("a", "A")], widget=forms.Select(attrs={"class": "form-select-sm mine"})
        )
        wrong = forms.ChoiceField(
            choices=[("a", "A")], widget=forms.Select(attrs={"class": "form-control"})
        )
        secret = forms.CharField(widget=forms.HiddenInput)

    form = Everything()
    html = {name: str(form[name]) for name in form.fields}
    assert 'class="form-select"' in html["choice"] and 'class="form-select"' in html["many"]
    assert 'class="form-control"' in html["text"] and 'class="form-control"' in html["note"]
    assert html["when"].count('class="form-control"') == 2  # both parts of a MultiWidget
    assert 'class="form-check-input"' in html["yes"]
    assert 'class="form-select-sm mine"' in html["small"]  # its own Bootstrap class kept
    assert 'class="form-select"' in html["wrong"]  # a select is never a text box
    assert "class=" not in html["secret"]
    assert form.fields["choice"].widget.attrs == {}  # the form's own widgets are untouched


# --- 6. /admin/ shows Feidi's data ---------------------------------------------------------

ADMIN_MODELS = {
    "/admin/enterprises/enterprise/": "企业",
    "/admin/enterprises/dataimport/": "导入批次",
    "/admin/evaluations/evaluationrun/": "评价任务",
    "/admin/evaluations/rulebookversion/": "规则版本",
    "/admin/evaluations/evaluationrecord/": "评价记录",
    "/admin/common/auditentry/": "变更记录",
}


def test_the_admin_index_lists_feidis_data_for_the_system_admin(client, admin_user, graded_city):
    client.force_login(admin_user)
    body = client.get("/admin/").content.decode()
    for url, name in ADMIN_MODELS.items():
        assert f'href="{url}"' in body, url
        assert name in body, name
    assert "飞地管理后台" in body
    for url in ADMIN_MODELS:
        assert client.get(url).status_code == 200, url
    code = graded_city.records.first().enterprise.credit_code
    found = client.get("/admin/enterprises/enterprise/", {"q": code}).content.decode()
    assert code in found and "1 条结果" in found  # search by credit code
    assert client.get("/admin/enterprises/enterprise/", {"enclave__exact": "1"}).status_code == 200
    firm = graded_city.records.first().enterprise
    page = client.get(f"/admin/enterprises/enterprise/{firm.pk}/change/").content.decode()
    assert firm.name in page and "revenue" in page  # with its fiscal years' figures, inline


def test_a_record_cannot_be_added_changed_or_deleted_in_the_admin(client, admin_user, graded_city):
    client.force_login(admin_user)
    record = EvaluationRecord.objects.first()
    url = f"/admin/evaluations/evaluationrecord/{record.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # a view page, not a form
    before = (record.verdict, record.score, record.record)
    r = client.post(url, {"verdict": "pass", "score": "100", "_save": "Save"})
    assert r.status_code == 403
    record.refresh_from_db()
    assert (record.verdict, record.score, record.record) == before
    assert client.get("/admin/evaluations/evaluationrecord/add/").status_code == 403
    assert (
        client.post(f"/admin/evaluations/evaluationrecord/{record.pk}/delete/").status_code == 403
    )
    assert EvaluationRecord.objects.filter(pk=record.pk).exists()
    for url in ADMIN_MODELS:
        assert client.get(f"{url}add/").status_code == 403, url


def test_staff_without_superuser_rights_cannot_reach_feidis_data(client, graded_city):
    clerk = make_user("clerk", Role.COUNTY_STAFF, division="320581")
    clerk.is_staff = True  # may open /admin/, holds no permission
    clerk.save()
    client.force_login(clerk)
    index = client.get("/admin/")
    assert index.status_code == 200
    for url in ADMIN_MODELS:
        assert f'href="{url}"' not in index.content.decode()
        assert client.get(url).status_code == 403, url
