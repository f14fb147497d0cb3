"""The log-in throttle, trusted devices, client addresses behind proxies, API token expiry and
password changes: each finding of the attack report, replayed as an attack that now fails."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from tests.web.conftest import PASSWORD

from feidi_web.accounts.devices import COOKIE_NAME
from feidi_web.accounts.models import ApiToken, LoginFailure, Role, TrustedDevice, User
from feidi_web.accounts.throttle import account_refusal

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PAGES = [LOGIN, ADMIN_LOGIN]
OFFICE = "10.20.30.40"  # a county office: everyone behind one NAT address
PROXY = "10.0.0.2"  # the reverse proxy in front of the platform
NEW_PASSWORD = "Qiye-Fuwu-2026!"


@pytest.fixture(autouse=True)
def shipped_limits(settings):
    """The limits the platform ships with (the test settings lower the per-address one)."""
    settings.FEIDI_LOGIN_FAILURE_LIMIT = 5
    settings.FEIDI_LOGIN_ACCOUNT_LIMIT = 20
    settings.FEIDI_LOGIN_COOLOFF_MINUTES = 15
    settings.FEIDI_TRUSTED_PROXY_COUNT = 0


def browser(address: str = OFFICE, **headers: str) -> Client:
    """A fresh browser at ``address`` (no cookies)."""
    return Client(REMOTE_ADDR=address, **headers)


def log_in(client: Client, username: str, password: str, page: str = LOGIN, **extra: str):
    data = {"username": username, "password": password}
    if page == ADMIN_LOGIN:
        data["next"] = "/admin/"
    return client.post(page, data, **extra)


def logged_in_user(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def trusted_browser(user: User, page: str = LOGIN, address: str = OFFICE) -> Client:
    """A browser ``user`` has logged in with before (and logged out of)."""
    client = browser(address)
    r = log_in(client, user.username, PASSWORD, page)
    assert r.status_code == 302, r.content.decode()[:500]
    assert COOKIE_NAME in client.cookies
    client.post("/accounts/logout/")
    assert logged_in_user(client) is None
    return client


def assert_wrong_password(r) -> None:
    """The page said "wrong username or password", not "locked"."""
    form = r.context["form"]
    assert (r.status_code, form.refusal) == (200, None)
    assert [e.code for e in form.errors.as_data()["__all__"]] == ["invalid_login"]
    assert 'id="locked-out"' not in r.content.decode()


def assert_refused(r, reason: str):
    """The page said "too many failed log-ins" (429), for ``reason``, and nobody logged in."""
    form = r.context["form"]
    assert r.status_code == 429
    assert form.refusal is not None and form.refusal.reason == reason
    assert [e.code for e in form.errors.as_data()["__all__"]] == ["throttled"]
    assert form.refusal.message in r.content.decode()
    assert form.refusal.until_text in form.refusal.message
    return form.refusal


def fail(client: Client, username: str, times: int, page: str = LOGIN, **extra: str) -> None:
    for attempt in range(times):
        assert_wrong_password(log_in(client, username, f"guess-{attempt}", page, **extra))


# --- finding 1: failures from the admin's own address lock the admin out ---------------------


@pytest.mark.parametrize("page", PAGES)
def test_login_failures_at_the_admins_address_do_not_lock_the_admins_trusted_browser(
    admin_user, page
):
    admins_browser = trusted_browser(admin_user, page)
    attacker = browser(OFFICE)  # same NAT address, no device cookie

    fail(attacker, "admin", 5, page)
    refusal = assert_refused(log_in(attacker, "admin", PASSWORD, page), "address")
    assert logged_in_user(attacker) is None

    r = log_in(admins_browser, "admin", PASSWORD, page)
    assert (r.status_code, r["Location"]) == (302, "/admin/" if page == ADMIN_LOGIN else "/")
    assert logged_in_user(admins_browser) == str(admin_user.pk)
    # the refused attempt was not counted; the window runs from the oldest counted failure
    failures = LoginFailure.objects.order_by("attempted_at")
    assert [(f.username, f.address, f.trusted) for f in failures] == [("admin", OFFICE, False)] * 5
    assert refusal.until == failures[0].attempted_at + timedelta(minutes=15)


@pytest.mark.parametrize(("first", "second"), [(LOGIN, ADMIN_LOGIN), (ADMIN_LOGIN, LOGIN)])
def test_failures_on_one_login_page_count_on_the_other(admin_user, first, second):
    attacker = browser()
    fail(attacker, "admin", 5, first)
    assert_refused(log_in(attacker, "admin", PASSWORD, second), "address")
    assert logged_in_user(attacker) is None
    assert LoginFailure.objects.count() == 5


def test_refusal_is_said_in_chinese_by_default_and_in_english_when_chosen(staff_user):
    attacker = browser()
    fail(attacker, "staff", 5)
    body = log_in(attacker, "staff", PASSWORD).content.decode()
    assert "此账号从您所在的网络地址登录失败次数过多。请在 " in body
    assert "管理员可提前解锁该账号。" in body

    attacker.cookies["django_language"] = "en"
    r = log_in(attacker, "staff", PASSWORD)
    refusal = assert_refused(r, "address")
    assert (
        f"Too many failed log-ins for this account from your network address. Try again after "
        f"{refusal.until_text}, or from a browser you have logged in with before. An "
        "administrator can unlock the account sooner."
    ) in r.content.decode()


def test_a_trusted_browser_is_refused_after_its_own_failures_and_nobody_else_is(staff_user):
    mine = trusted_browser(staff_user)
    fail(mine, "staff", 5)
    assert_refused(log_in(mine, "staff", PASSWORD), "device")
    assert logged_in_user(mine) is None
    assert list(LoginFailure.objects.values_list("trusted", flat=True)) == [True] * 5

    colleague = browser(OFFICE)  # the trusted browser's failures are its own
    assert log_in(colleague, "staff", PASSWORD).status_code == 302
    assert logged_in_user(colleague) == str(staff_user.pk)


def test_a_successful_login_clears_that_browsers_own_failures_only(staff_user):
    mine = trusted_browser(staff_user)
    fail(mine, "staff", 4)
    fail(browser("203.0.113.5"), "staff", 2)
    assert log_in(mine, "staff", PASSWORD).status_code == 302
    assert (
        list(LoginFailure.objects.values_list("address", "trusted")) == [("203.0.113.5", False)] * 2
    )


def test_a_forged_device_cookie_is_not_trusted(staff_user):
    trusted_browser(staff_user)
    attacker = browser()
    attacker.cookies[COOKIE_NAME] = "forged-device-id"
    fail(attacker, "staff", 5)
    assert_refused(log_in(attacker, "staff", PASSWORD), "address")
    assert list(LoginFailure.objects.values_list("device", "trusted")) == [("", False)] * 5


def test_device_cookie_is_signed_httponly_samesite_lax_for_180_days(staff_user):
    client = browser()
    log_in(client, "staff", PASSWORD)
    cookie = client.cookies[COOKIE_NAME]
    assert (cookie["httponly"], cookie["samesite"], cookie["max-age"]) == (
        True,
        "Lax",
        180 * 24 * 3600,
    )
    device = TrustedDevice.objects.get()
    assert device.user == staff_user
    assert cookie.value.count(":") == 2  # value:timestamp:signature
    assert device.digest == TrustedDevice.digest_of(cookie.value.split(":")[0])


def test_failures_older_than_the_window_no_longer_count(staff_user):
    old = timezone.now() - timedelta(minutes=16)
    LoginFailure.objects.bulk_create(
        LoginFailure(username="staff", address=OFFICE, attempted_at=old) for _ in range(25)
    )
    client = browser()
    assert log_in(client, "staff", PASSWORD).status_code == 302
    assert logged_in_user(client) == str(staff_user.pk)


def test_username_is_counted_as_typed_normalised(staff_user):
    attacker = browser()
    for typed in ("STAFF", "Staff", " staff", "ｓｔａｆｆ", "staff"):
        assert_wrong_password(log_in(attacker, typed, "guess"))
    assert_refused(log_in(attacker, "staff", PASSWORD), "address")
    assert set(LoginFailure.objects.values_list("username", flat=True)) == {"staff"}


def test_an_unknown_username_is_throttled_like_a_real_one(db):
    attacker = browser()
    fail(attacker, "nobody", 5)
    assert_refused(log_in(attacker, "nobody", "guess"), "address")


# --- finding 2: behind a reverse proxy everybody shares one address ------------------------


def test_behind_a_trusted_proxy_failures_from_one_forwarded_address_do_not_lock_another(
    settings, staff_user
):
    settings.FEIDI_TRUSTED_PROXY_COUNT = 1
    attacker = browser(PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
    user = browser(PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")  # a new browser, not trusted

    fail(attacker, "staff", 5)
    assert_refused(log_in(attacker, "staff", PASSWORD), "address")
    r = log_in(user, "staff", PASSWORD)
    assert (r.status_code, logged_in_user(user)) == (302, str(staff_user.pk))
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {"203.0.113.66"}


def test_behind_a_trusted_proxy_a_forged_entry_on_the_left_is_ignored(settings, staff_user):
    settings.FEIDI_TRUSTED_PROXY_COUNT = 1
    # the attacker writes the victim's address; the proxy appends the address it saw
    attacker = browser(PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.66")
    fail(attacker, "staff", 5)
    assert_refused(log_in(attacker, "staff", PASSWORD), "address")
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {"203.0.113.66"}

    victim = browser(PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert log_in(victim, "staff", PASSWORD).status_code == 302
    assert logged_in_user(victim) == str(staff_user.pk)


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(staff_user):
    attacker = browser("203.0.113.66")
    for i in range(5):  # a new forged address on every attempt
        assert_wrong_password(
            log_in(attacker, "staff", "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
        )
    assert_refused(
        log_in(attacker, "staff", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99"), "address"
    )
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {"203.0.113.66"}

    # nor can the attacker pass as another client: forging its address locks nobody else
    victim = browser("198.51.100.7")
    assert log_in(victim, "staff", PASSWORD).status_code == 302


def _settings_in_a_fresh_process(tmp_path, **env: str) -> dict:
    code = (
        "import json\n"
        "from feidi_web.config import settings as s\n"
        "print(json.dumps(getattr(s, 'SECURE_PROXY_SSL_HEADER', None)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "FEIDI_DATA_DIR": str(tmp_path), "FEIDI_DEBUG": "0", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_https_behind_a_trusted_proxy_trusts_its_forwarded_proto_and_only_then(tmp_path):
    on = {"FEIDI_HTTPS": "1", "FEIDI_TRUSTED_PROXY_COUNT": "1"}
    assert _settings_in_a_fresh_process(tmp_path, **on) == ["HTTP_X_FORWARDED_PROTO", "https"]
    no_proxy = {"FEIDI_HTTPS": "1", "FEIDI_TRUSTED_PROXY_COUNT": "0"}
    assert _settings_in_a_fresh_process(tmp_path, **no_proxy) is None
    no_https = {"FEIDI_HTTPS": "0", "FEIDI_TRUSTED_PROXY_COUNT": "1"}
    assert _settings_in_a_fresh_process(tmp_path, **no_https) is None


# --- finding 3: guesses spread over many addresses were never counted per account ------------


def test_failures_spread_over_many_addresses_lock_the_account_but_not_its_trusted_browser(
    staff_user,
):
    mine = trusted_browser(staff_user, address="10.9.9.9")
    for i in range(20):  # one guess from each of 20 addresses: no address reaches 5
        fail(browser(f"203.0.113.{i}"), "staff", 1)

    newcomer = browser("198.51.100.1")
    refusal = assert_refused(log_in(newcomer, "staff", PASSWORD), "account")  # right password
    assert logged_in_user(newcomer) is None
    assert LoginFailure.objects.count() == 20  # the refused attempt was not counted
    assert refusal.until == LoginFailure.objects.earliest("attempted_at").attempted_at + (
        timedelta(minutes=15)
    )
    assert "此账号登录失败次数过多。" in log_in(newcomer, "staff", PASSWORD).content.decode()

    r = log_in(mine, "staff", PASSWORD)  # from yet another address
    assert (r.status_code, logged_in_user(mine)) == (302, str(staff_user.pk))


# --- unlocking -----------------------------------------------------------------------------


def test_admin_unlocks_an_account_in_the_admin(admin_user, staff_user):
    fail(browser(), "staff", 5)
    fail(browser(), "other", 2)
    admin = Client()
    admin.force_login(admin_user)
    r = admin.post(
        "/admin/accounts/user/",
        {"action": "unlock_login", "_selected_action": [staff_user.pk]},
        follow=True,
    )
    assert [str(m) for m in r.context["messages"]] == ["已解锁 1 个账号，清除登录失败记录 5 条。"]
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["other"] * 2
    assert log_in(browser(), "staff", PASSWORD).status_code == 302


def test_unlock_login_command_clears_the_accounts_failures(staff_user):
    fail(browser(), "staff", 5)
    fail(browser("203.0.113.1"), "someone", 1)
    out = io.StringIO()
    call_command("unlock_login", "staff", stdout=out)
    assert out.getvalue() == "staff: 5 failed log-in(s) cleared.\n"
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["someone"]
    assert log_in(browser(), "staff", PASSWORD).status_code == 302


# --- finding 4: API tokens of locked accounts kept working; tokens never expired -------------


def make_token(user: User, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", user.username, "--name", "etl", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_token_of_an_account_locked_per_account_is_refused(client, staff_user):
    key, _ = make_token(staff_user)
    fail(browser(), "staff", 5)  # locked at one address only: the token still works
    assert client.get("/api/enterprises", **bearer(key)).json() == {"items": [], "count": 0}

    for i in range(15):
        fail(browser(f"203.0.113.{i}"), "staff", 1)
    refusal = account_refusal("staff")
    assert refusal is not None
    r = client.get("/api/enterprises", **bearer(key))
    assert r.status_code == 401
    assert r.json() == {
        "detail": "This API token's account is locked after too many failed log-ins, until "
        f"{timezone.localtime(refusal.until).isoformat(timespec='seconds')}; "
        "an administrator can unlock it."
    }
    assert ApiToken.objects.get().last_used_at is not None  # from the first call only


def test_expired_token_is_refused_and_a_valid_one_still_works(client, staff_user):
    key, _ = make_token(staff_user)
    r = client.get("/api/enterprises", **bearer(key))
    assert (r.status_code, r.json()) == (200, {"items": [], "count": 0})

    expired = timezone.now() - timedelta(seconds=1)
    ApiToken.objects.update(expires_at=expired)
    r = client.get("/api/enterprises", **bearer(key))
    assert r.status_code == 401
    assert r.json() == {
        "detail": f"This API token expired at "
        f"{timezone.localtime(expired).isoformat(timespec='seconds')}; "
        "ask an administrator for a new one."
    }
    assert r["WWW-Authenticate"] == 'Bearer realm="feidi"'


def test_token_of_an_inactive_user_is_refused_saying_why(client, staff_user):
    key, _ = make_token(staff_user)
    User.objects.filter(pk=staff_user.pk).update(is_active=False)
    r = client.get("/api/enterprises", **bearer(key))
    assert (r.status_code, r.json()) == (401, {"detail": "This API token's account is inactive."})


def test_token_command_sets_and_prints_the_expiry(staff_user):
    before = timezone.now()
    _, said = make_token(staff_user)
    _, said_7 = make_token(staff_user, "--days", "7")
    after = timezone.now()
    default, week = ApiToken.objects.order_by("pk")
    assert before + timedelta(days=90) <= default.expires_at <= after + timedelta(days=90)
    assert before + timedelta(days=7) <= week.expires_at <= after + timedelta(days=7)
    for token, text in ((default, said), (week, said_7)):
        until = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M %Z")
        assert f"valid until {until}." in text


@pytest.mark.parametrize("days", ["0", "-3", "3651"])
def test_token_command_refuses_an_impossible_lifetime(staff_user, days):
    with pytest.raises(CommandError, match="--days must be between 1 and 3650"):
        make_token(staff_user, "--days", days)
    assert ApiToken.objects.count() == 0


def test_admin_lists_token_expiry(admin_user, staff_user):
    make_token(staff_user)
    admin = Client()
    admin.force_login(admin_user)
    r = admin.get("/admin/accounts/apitoken/")
    assert r.status_code == 200
    assert "column-expires_at" in r.content.decode()


# --- finding 5: nobody could change or reset a password ------------------------------------


def test_user_menu_links_to_password_change(client, staff_user):
    client.force_login(staff_user)
    body = client.get("/accounts/password/").content.decode()
    assert '<a class="btn btn-sm btn-outline-light me-2" href="/accounts/password/"' in body
    assert '<form method="post" id="password-change-form"' in body


def test_password_change_revokes_other_browsers_and_keeps_api_tokens(staff_user):
    here = browser()
    elsewhere = browser("203.0.113.8")
    key, _ = make_token(staff_user)
    for client in (here, elsewhere):
        assert log_in(client, "staff", PASSWORD).status_code == 302
    assert TrustedDevice.objects.filter(user=staff_user).count() == 2

    r = here.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert (r.status_code, r["Location"]) == (302, "/accounts/password/done/")
    body = here.get("/accounts/password/done/").content.decode()
    assert "您的 API 令牌未作更改，在到期前仍然有效。" in body

    staff_user.refresh_from_db()
    assert check_password(NEW_PASSWORD, staff_user.password)
    here_device = here.cookies[COOKIE_NAME].value.split(":")[0]
    assert list(TrustedDevice.objects.values_list("digest", flat=True)) == [
        TrustedDevice.digest_of(here_device)
    ]
    assert logged_in_user(here) == str(staff_user.pk)
    assert here.get("/accounts/password/").status_code == 200  # still logged in here
    r = elsewhere.get("/enterprises/")  # logged out there
    assert (r.status_code, r["Location"]) == (302, "/accounts/login/?next=/enterprises/")
    assert Client().get("/api/enterprises", **bearer(key)).status_code == 200


def test_password_change_with_a_wrong_old_password_changes_nothing(client, staff_user):
    log_in(client, "staff", PASSWORD)
    r = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert r.status_code == 200
    assert list(r.context["form"].errors) == ["old_password"]
    staff_user.refresh_from_db()
    assert check_password(PASSWORD, staff_user.password)
    assert TrustedDevice.objects.count() == 1


def test_reset_password_command_prints_a_temporary_password_that_must_be_changed(staff_user):
    trusted_browser(staff_user)
    fail(browser("203.0.113.1"), "staff", 5)
    out, err = io.StringIO(), io.StringIO()
    call_command("reset_password", "staff", stdout=out, stderr=err)
    temporary = out.getvalue().strip()
    assert len(temporary) == 16 and "\n" not in temporary
    assert "Shown only once" in err.getvalue()
    staff_user.refresh_from_db()
    assert (staff_user.must_change_password, check_password(temporary, staff_user.password)) == (
        True,
        True,
    )
    assert (TrustedDevice.objects.count(), LoginFailure.objects.count()) == (0, 0)

    client = browser("203.0.113.1")  # unlocked: the failures were cleared
    assert log_in(client, "staff", temporary).status_code == 302
    r = client.get("/enterprises/")
    assert (r.status_code, r["Location"]) == (302, "/accounts/password/")
    assert 'id="must-change-password"' in client.get("/accounts/password/").content.decode()
    r = client.post(
        "/accounts/password/",
        {"old_password": temporary, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert (r.status_code, r["Location"]) == (302, "/accounts/password/done/")
    staff_user.refresh_from_db()
    assert staff_user.must_change_password is False
    assert client.get("/enterprises/").status_code == 200


def test_reset_password_command_refuses_unknown_user(db):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("reset_password", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


def test_temporary_password_user_keeps_the_api_and_can_log_out(client, staff_user):
    key, _ = make_token(staff_user)
    call_command("reset_password", "staff", stdout=io.StringIO(), stderr=io.StringIO())
    assert client.get("/api/enterprises", **bearer(key)).status_code == 200
    client.force_login(User.objects.get(username="staff"))
    r = client.post("/accounts/logout/")
    assert (r.status_code, r["Location"]) == (302, "/accounts/login/")


def test_demo_admin_resets_a_password_in_the_admin(staff_user):
    # made the way the demo makes its admin (feidi_web.demo.loader.load_demo)
    User.objects.create_superuser("admin", "", "feidi-admin-2026", role=Role.ADMIN)
    trusted_browser(staff_user)
    fail(browser("203.0.113.1"), "staff", 3)

    admin = browser("10.1.1.1")
    r = log_in(admin, "admin", "feidi-admin-2026", ADMIN_LOGIN)
    assert (r.status_code, r["Location"]) == (302, "/admin/")
    assert admin.get("/admin/").status_code == 200
    url = f"/admin/accounts/user/{staff_user.pk}/password/"
    assert admin.get(url).status_code == 200
    r = admin.post(
        url, {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert (r.status_code, r["Location"]) == (302, f"/admin/accounts/user/{staff_user.pk}/change/")
    staff_user.refresh_from_db()
    assert check_password(NEW_PASSWORD, staff_user.password)
    assert staff_user.must_change_password is True
    assert (
        TrustedDevice.objects.filter(user=staff_user).count(),
        LoginFailure.objects.count(),
    ) == (
        0,
        0,
    )


def test_admins_own_password_change_goes_to_the_site_page(admin_user):
    admin = Client()
    admin.force_login(admin_user)
    r = admin.get("/admin/password_change/")
    assert (r.status_code, r["Location"]) == (302, "/accounts/password/")
