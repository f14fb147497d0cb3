"""The policy channel in a real browser: county staff author a local policy, preview how many
firms it reaches, publish it and send the digests; the firm finds the news in its inbox,
reads its verdict with the trace and applies; staff grant the application, and the totals
count the amount."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from feidi_web.accounts.models import Role
from feidi_web.enterprises.models import Enterprise
from feidi_web.policies.models import PolicyApplication, PolicyVersion
from tests.e2e.conftest import login
from tests.web.conftest import make_user

pytestmark = pytest.mark.e2e

SLUG = "yushan-growth-2026"


def test_author_preview_publish_digest_apply_grant(new_page, staff, city):
    firm = (
        Enterprise.objects.filter(credit_code__isnull=False, enclave=False)
        .order_by("credit_code")
        .first()
    )
    make_user("firm", Role.ENTERPRISE, enterprise=firm)

    # --- staff author the policy: one condition the firms meet (revenue above 0)
    page = new_page()
    login(page, "staff", next_url="/policies/local/new/")
    page.fill("#id_slug", SLUG)
    page.fill("#id_name", "虞山成长型企业奖励（测试）")
    page.fill("#id_name_en", "Yushan growth reward (test)")
    page.fill("#id_document", "虞政发〔2026〕9号")
    page.fill("#id_article", "第二条")
    page.fill("#id_article_en", "Article 2")
    page.fill("#id_issuer", "常熟市工业和信息化局")
    page.fill("#id_effective_from", "2026-01-01")
    page.fill("#id_benefit_zh", "一次性奖励5万元")
    page.fill("#id_benefit_en", "A one-off reward of 50,000 CNY")
    page.select_option("#id_amount_kind", "fixed")
    page.fill("#id_amount_fixed", "5")
    page.fill("#id_amount_zh", "奖励（万元）")
    page.fill("#id_amount_en", "Reward (10k CNY)")
    page.select_option("#id_claim", "apply")
    page.select_option("#id_cond_0_target", "field:revenue")
    page.select_option("#id_cond_0_op", "greater_than")
    page.fill("#id_cond_0_value", "0")
    page.click("#policy-form button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/policies/local/{SLUG}/v1/$"))
    expect(page.locator("#version-status")).to_contain_text("草稿")

    # --- preview, then publish
    page.click("#preview-form button[type=submit]")
    expect(page.locator("#preview-counts")).to_be_visible()
    version = PolicyVersion.objects.get(policy__slug=SLUG, number=1)
    assert version.preview is not None and version.preview["eligible"] >= 1
    page.click("#publish-form button[type=submit]")
    expect(page.locator("#version-status")).to_contain_text("已发布")

    # --- the digests: the firm is told of the new policy
    page.goto("/policies/digests/")
    expect(page.locator("#digest-preview")).to_be_visible()
    page.click("#digest-send button[type=submit]")
    expect(page.locator("#digest-runs tbody tr").first).to_be_visible()

    # --- the firm: its inbox, its policy page, the application
    mine = new_page()
    login(mine, "firm", next_url="/inbox/")
    message = mine.locator("#messages .list-group-item").first
    expect(message).to_contain_text("虞山成长型企业奖励（测试）")
    expect(mine.locator("#inbox-unread")).to_be_visible()
    message.locator("a").first.click()
    expect(mine).to_have_url(re.compile(rf"/policies/firms/{firm.credit_code}/"))
    card = mine.locator(f".policy-card[data-policy='{SLUG}']")
    expect(card).to_have_attribute("data-verdict", "eligible")
    expect(card.locator(".trace")).to_contain_text("营业收入")
    card.locator("a.apply").click()
    mine.fill("#id_amount_requested", "5")
    mine.fill("#id_note", "按通知申报")
    mine.click("#apply-form button[type=submit]")
    expect(mine).to_have_url(re.compile(r"/policies/applications/\d+/$"))
    expect(mine.locator("#application-status")).to_contain_text("已提交")
    application = PolicyApplication.objects.get(enterprise=firm, policy=SLUG)

    # --- staff review and grant it
    page.goto(f"/policies/applications/{application.pk}/")
    page.select_option("#id_to", "under_review")
    page.click("#move-form button[type=submit]")
    expect(page.locator("#application-status")).to_contain_text("审核中")
    page.select_option("#id_to", "granted")
    page.fill("#id_amount_granted", "4.5")
    page.click("#move-form button[type=submit]")
    expect(page.locator("#application-status")).to_contain_text("已批准")
    expect(page.locator("#amount-granted")).to_contain_text("4.5")

    # --- the totals count it, by policy
    page.click("#all-applications")
    expect(page.locator("#totals-policy")).to_contain_text("虞山成长型企业奖励（测试）")
    expect(page.locator("#totals-policy")).to_contain_text("4.5")
    expect(page.locator("#chart-policy")).to_have_attribute("data-ready", "1")

    # --- and the firm was told of the grant
    mine.goto("/inbox/")
    expect(mine.locator("#messages .list-group-item").first).to_contain_text("4.5")
    for p in (page, mine):
        assert p.js_errors == [] and p.csp_violations == []
