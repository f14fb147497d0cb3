"""What staff and firms do on the platform, in a real browser, end to end."""

from __future__ import annotations

import re
import time
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from playwright.sync_api import expect

from feidi.demo import generate_demo_city
from feidi.schema import FIELDS_BY_NAME
from feidi_web.accounts.models import ApiToken, Role
from feidi_web.enterprises.codec import name_initials
from feidi_web.enterprises.models import Enterprise, ImportStatus
from feidi_web.evaluations import services
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun, RunStatus
from feidi_web.evaluations.wording import record_explanation
from tests.e2e.conftest import login
from tests.web.conftest import AS_OF, make_user

pytestmark = pytest.mark.e2e

TITLE = "虞山市规上工业企业 2023—2025 年度数据（示例，程序生成）"


def write_sheet(frame: pl.DataFrame, rows: list[list], path: Path) -> Path:
    """An office's sheet: a title row, then the Chinese header row, then the data."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业数据"
    ws.append([TITLE])
    ws.append([FIELDS_BY_NAME[c].zh for c in frame.columns])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def table_rows(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))",
    )


def zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


# --- (a) importing a messy sheet, then a clean one -------------------------------------------


def test_staff_imports_a_messy_sheet_sees_each_error_then_commits_a_clean_one(
    page, live_server, staff, tmp_path
):
    frame = generate_demo_city(n_local=4, n_enclave=0, seed=7).drop("enclave")
    col = {c: i for i, c in enumerate(frame.columns)}
    rows = [list(r) for r in frame.iter_rows()]
    # file rows: 1 title, 2 header, data from 3
    rows[1][col["credit_code"]] = "91320581ABCDEFGH1X"  # row 4: wrong check character
    rows[3][col["revenue"]] = -120.0  # row 6: negative revenue
    rows[4][col["rd_expense"]] = "约三十万"  # row 7: text in a number column
    rows.append(list(rows[6]))  # row 15: the firm-year of row 9 again
    messy = write_sheet(frame, rows, tmp_path / "虞山市企业数据-有错.xlsx")

    login(page, "staff", next_url="/enterprises/imports/")
    expect(page).to_have_url(re.compile(r"/enterprises/imports/$"))
    page.set_input_files("#id_file", str(messy))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/enterprises/imports/\d+/$"))
    expect(page.locator("#import-status")).to_have_text(zh(ImportStatus.REJECTED.label))
    expect(page.locator("#import-errors")).to_be_visible()
    expect(page.locator("#commit-import")).to_have_count(0)
    errors = table_rows(page, "#import-errors")
    found = {(r[0], r[1]) for r in errors}
    assert {
        ("4", "统一社会信用代码"),
        ("6", "营业收入"),
        ("7", "研发费用"),
        ("15", "年度"),
    } <= found, errors
    by_row = {r[0]: r for r in errors}
    assert by_row["4"][2] == "91320581ABCDEFGH1X"
    assert "约三十万" in by_row["7"][2] and "不是数字" in by_row["7"][3]
    assert "重复" in by_row["15"][3] and "第9行" in by_row["15"][3]
    assert Enterprise.objects.count() == 0  # nothing was written

    clean_frame = generate_demo_city(n_local=3, n_enclave=0, seed=11).drop("enclave")
    clean = write_sheet(
        clean_frame, [list(r) for r in clean_frame.iter_rows()], tmp_path / "虞山市企业数据.xlsx"
    )
    page.goto("/enterprises/imports/")
    page.set_input_files("#id_file", str(clean))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    summary = page.locator("#import-summary")
    expect(summary).to_be_visible()
    assert table_rows(page, "#import-summary")[0][1] == "3"  # new firms
    assert table_rows(page, "#import-summary")[2][1] == "9"  # new fiscal years
    expect(page.locator("#import-errors")).to_have_count(0)
    with page.expect_navigation():
        page.click("#commit-import")
    expect(page.locator("#import-status")).to_have_text(zh(ImportStatus.COMMITTED.label))
    assert Enterprise.objects.count() == 3

    code, name = clean_frame.row(0, named=True)["credit_code"], clean_frame["name"][0]
    page.goto("/enterprises/")
    page.fill("#id_q", name_initials(name))  # typing searches as you type (HTMX)
    expect(page.locator("#registry")).to_contain_text(code)
    expect(page.locator("#registry a", has_text=name)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"[?&]q={name_initials(name)}"))  # in the address bar
    page.locator("#registry a", has_text=name).click()
    expect(page.locator("#firm-name")).to_have_text(name)


# --- (b) starting an evaluation and watching it finish ---------------------------------------


def test_staff_starts_an_evaluation_and_watches_it_run_to_done(
    page, live_server, staff, city, db_task_worker, monkeypatch, settings
):
    # Small batches and a pause as each is stored, so the page really shows the run in
    # progress (the firms are graded in one evaluation; progress counts the batches stored).
    settings.FEIDI_RUN_BATCH_FIRMS = 5
    store = services._store

    def slow_store(*args, **kwargs):
        time.sleep(0.4)
        return store(*args, **kwargs)

    monkeypatch.setattr(services, "_store", slow_store)

    login(page, "staff", next_url="/evaluations/")
    page.fill("#id_as_of", AS_OF.isoformat())
    with page.expect_navigation():
        page.click("#start-run")
    expect(page).to_have_url(re.compile(r"/evaluations/\d+/$"))
    progress = page.locator("#run-progress")
    expect(progress).to_have_attribute("data-status", "queued")
    page.wait_for_timeout(1500)  # the page polls; with no worker the run stays queued
    expect(progress).to_have_attribute("data-status", "queued")

    db_task_worker.start()
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        state = page.evaluate(
            """() => {
                const el = document.querySelector('#run-progress');
                if (!el) return null;
                const bar = el.querySelector('progress');
                return [el.dataset.status, Number(bar.value)];
            }"""
        )
        if state is not None and (not seen or seen[-1] != tuple(state)):
            seen.append(tuple(state))
        if state is not None and state[0] in ("done", "failed"):
            break
        page.wait_for_timeout(100)

    statuses = [s for i, (s, _) in enumerate(seen) if i == 0 or seen[i - 1][0] != s]
    assert statuses == ["queued", "running", "done"], seen
    percents = [p for _, p in seen]
    assert percents == sorted(percents) and percents[-1] == 100, seen
    assert any(0 < p < 100 for s, p in seen if s == "running"), seen
    expect(page.locator("#run-status")).to_have_text(zh(RunStatus.DONE.label))
    expect(page.locator("#run-progress progress")).to_have_attribute("value", "100")
    expect(page.locator("#run-counts")).to_be_visible()
    run = EvaluationRun.objects.get()
    assert (run.status, run.firms_done, run.firms_total) == ("done", 33, 33)
    assert run.records.count() == 33 * 3
    assert not page.js_errors, page.js_errors


# --- (c) reading why a firm fails ------------------------------------------------------------


def test_staff_reads_why_a_firm_fails_the_specialized_tier(page, live_server, staff, graded):
    failing = [
        r
        for r in EvaluationRecord.objects.filter(
            run=graded, tier="specialized", verdict="fail", gap__isnull=False
        ).select_related("enterprise")
    ]
    assert failing, "the demo city has no firm short of the specialized pass mark"
    with translation.override("zh-hans"):
        explained = [(r, record_explanation(r)) for r in failing]
    record, explanation = next(((r, e) for r, e in explained if e.path), explained[0])

    login(page, "staff", next_url=f"/enterprises/{record.enterprise.credit_code}/")
    expect(page.locator("#firm-name")).to_have_text(record.enterprise.name)
    card = page.locator('.verdict-card[data-tier="specialized"]')
    summary = card.locator(".summary")
    expect(summary).to_have_text(explanation.summary)
    text = summary.inner_text()
    assert "未通过" in text and "差" in text and "分" in text, text
    if explanation.path:
        steps = card.locator("ol.path li")
        expect(steps).to_have_count(len(explanation.path))
        expect(card.locator("ol.path")).to_contain_text("分")
    expect(card.locator(".verdict")).to_have_text(explanation.verdict_text)


# --- (d) a firm sees only itself -------------------------------------------------------------


def test_enterprise_user_gets_404_for_another_firm_page_and_api_record(page, live_server, city):
    own, other = city[0], city[1]
    user = make_user("firm", Role.ENTERPRISE, enterprise=own)
    login(page, "firm")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    response = page.goto(f"/enterprises/{other.credit_code}/")
    assert response is not None and response.status == 404
    assert other.name not in page.content()

    key = ApiToken.new_key()
    ApiToken.objects.create(user=user, name="e2e", digest=ApiToken.digest_of(key))
    headers = {"Authorization": f"Bearer {key}"}  # as well as the browser's session cookie
    mine = page.request.get(f"/api/enterprises/{own.credit_code}", headers=headers)
    assert mine.status == 200, (mine.status, mine.text()[:300])
    assert own.credit_code in mine.text()
    theirs = page.request.get(f"/api/enterprises/{other.credit_code}", headers=headers)
    assert theirs.status == 404, (theirs.status, theirs.text()[:300])
    assert other.name not in theirs.text()


# --- (e) lock-out ----------------------------------------------------------------------------


def test_three_wrong_passwords_lock_the_account_even_for_the_right_one(
    page, live_server, staff, settings
):
    assert settings.FEIDI_LOGIN_FAILURE_LIMIT == 3
    for attempt in range(settings.FEIDI_LOGIN_FAILURE_LIMIT):
        login(page, "staff", f"wrong-password-{attempt}")
        if attempt < settings.FEIDI_LOGIN_FAILURE_LIMIT - 1:
            expect(page.locator("#login-form .alert-danger")).to_be_visible()
            expect(page.locator("#locked-out")).to_have_count(0)
    login(page, "staff")  # the right password
    expect(page.locator("#locked-out")).to_be_visible()
    response = page.goto("/enterprises/")
    assert response is not None
    expect(page).to_have_url(re.compile(r"/accounts/login/"))  # not logged in


# --- language ------------------------------------------------------------------------------


def test_the_page_is_chinese_by_default_and_english_after_the_switch(new_page, live_server, staff):
    for accept in ("zh-CN", "fr-FR"):  # a Chinese browser, and one the platform cannot serve
        page = new_page(locale=accept)
        page.goto("/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page = new_page()
    login(page, "staff", next_url="/enterprises/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text(zh(gettext_lazy("Enterprise registry")))
    with page.expect_navigation():
        page.click('#language-form button[value="en"]')
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/enterprises/$"))  # back where the user was
    expect(page.locator("h1")).to_have_text("Enterprise registry")
    page.goto("/evaluations/")  # the choice sticks
    expect(page.locator("html")).to_have_attribute("lang", "en")
    with page.expect_navigation():
        page.click('#language-form button[value="zh-hans"]')
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
