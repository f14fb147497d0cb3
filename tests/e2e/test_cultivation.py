"""Cultivation in a real browser: from a chain gap on the cockpit's chains to the firms that
could fill it, and from a firm's diagnosis to a referral tracked to its outcome."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from feidi_web.cultivation.models import ServiceCase
from feidi_web.enterprises.models import FiscalYear
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_from_a_chain_gap_to_the_firms_that_could_fill_it(page, staff, city):
    login(page, "staff", next_url="/chains/")
    expect(page.locator("#chain-table")).to_be_visible()
    # the chain with the most gaps: its page draws the graph and ranks the gaps
    page.locator("#chain-table a[href^='/chains/']").first.click()
    expect(page.locator("#chain-graph")).to_have_attribute("data-ready", "1")
    gaps = page.locator("#gap-list [id^='gap-']")
    expect(gaps.first).to_be_visible()
    # the first gap that names a candidate: to its node, where the candidates are listed
    with_candidates = page.locator("#gap-list [id^='gap-']:has([data-candidate])").first
    expect(with_candidates).to_be_visible()
    node_name = with_candidates.locator("a.fw-semibold").inner_text()
    with_candidates.locator("a.fw-semibold").click()
    expect(page.locator("#node-name")).to_contain_text(node_name)
    candidate = page.locator("#gap-list [data-candidate] a").first
    firm_name = candidate.inner_text()
    candidate.click()
    # a firm's page (the registry) or an offer's page (matchmaking): it names the candidate
    expect(page.locator("h1")).to_contain_text(firm_name)
    assert page.js_errors == [] and page.csp_violations == []


def test_from_a_diagnosis_to_a_referral_tracked_to_its_outcome(page, staff, city):
    login(page, "staff", next_url="/cultivation/")
    expect(page.locator("#chart-types")).to_have_attribute("data-ready", "1")
    # a firm the rules recommend a service to
    page.locator(
        "#diagnosis-table tbody tr:has(td:nth-child(5):not(:text-is('—'))) a"
    ).first.click()
    expect(page.locator("#firm-type")).to_be_visible()
    expect(page.locator("#type-rules")).not_to_be_empty()
    refer = page.locator("#firm-recommendations button[id^='refer-']").first
    service = (refer.get_attribute("id") or "").removeprefix("refer-")
    refer.click()
    expect(page).to_have_url(re.compile(r"/cultivation/cases/\d+/$"))
    expect(page.locator("#case-status")).to_contain_text("已转介")
    case = ServiceCase.objects.get(service=service)
    # the service starts
    page.select_option("#id_to", "in_service")
    page.click("#move-form button[type=submit]")
    expect(page.locator("#case-status")).to_contain_text("服务中")
    expect(page.locator("#outcome-pending")).to_be_visible()
    # next year's figures arrive in the registry (an import), then the service is done
    base = case.baseline
    FiscalYear.objects.create(
        enterprise=case.enterprise,
        year=base["year"] + 1,
        figures={
            "employees": (base["employees"] or 0) + 12,
            "revenue": (base["revenue"] or 0) * 1.2,
            "rd_expense": (base["rd_expense"] or 0) + 30,
        },
    )
    page.select_option("#id_to", "done")
    page.fill("#id_note", "完成三期精益生产咨询，新增一条自动化产线")
    page.click("#move-form button[type=submit]")
    expect(page.locator("#case-status")).to_contain_text("已完成")
    expect(page.locator("#outcome-jobs")).to_have_text("+12")
    expect(page.locator("#outcome-note")).to_contain_text("新增一条自动化产线")
    # the services page counts it, beside comparable firms
    page.click("#all-cases")
    expect(page.locator("#case-table")).to_contain_text(case.enterprise.name)
    page.locator("#cultivation-tabs a").nth(2).click()
    expect(page.locator(f"#service-{service} td").nth(5)).to_have_text("1")  # done
    assert page.js_errors == [] and page.csp_violations == []
