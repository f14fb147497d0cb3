"""The site's chrome in a real browser: the language switch after an htmx search returns to
the filtered list, the cockpit's movement table fits a 1366 px screen in both languages, and
a firm's page on a phone neither overflows nor stacks a label one character per line."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from feidi_web.evaluations.models import EvaluationRun
from feidi_web.evaluations.services import evaluation_run_execute
from tests.e2e.conftest import login
from tests.web.conftest import AS_OF

pytestmark = pytest.mark.e2e


@pytest.fixture
def graded_twice(graded, admin):
    """The city graded a year before ``graded`` too: the cockpit shows the movement."""
    earlier = EvaluationRun.objects.create(
        rulebook="miit-2022", as_of=AS_OF.replace(year=AS_OF.year - 1), created_by=admin
    )
    evaluation_run_execute(run_id=earlier.pk)
    return graded


def _switch_to(page, code: str) -> None:
    with page.expect_navigation():
        page.click(f'#language-form button[value="{code}"]')


def test_the_language_switch_returns_to_the_list_as_htmx_filtered_it(
    page, live_server, staff, city
):
    login(page, "staff", next_url="/enterprises/")
    firm = city[0]
    page.fill("#id_q", firm.credit_code[:12])
    # htmx swaps the table and pushes the address; the page itself is not reloaded
    page.wait_for_url(re.compile(r"/enterprises/\?.*q=" + firm.credit_code[:12]))
    expect(page.locator("#language-form input[name=next]")).to_have_value(
        re.compile(r"^/enterprises/\?.*q=" + firm.credit_code[:12])
    )
    _switch_to(page, "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == [firm.credit_code[:12]], page.url
    expect(page.locator("#id_q")).to_have_value(firm.credit_code[:12])
    expect(page.locator("#registry")).to_contain_text(firm.name)
    assert page.js_errors == [] and page.csp_violations == []


def _movement_fits(page) -> dict:
    return page.evaluate(
        """() => {
          const table = document.getElementById('movement-matrix');
          const line = parseFloat(getComputedStyle(table.querySelector('th')).fontSize) * 1.6;
          const tallest = Math.max(...[...table.querySelectorAll('th')]
            .map(th => th.getBoundingClientRect().height - 8));  // less the cell's padding
          return {width: table.scrollWidth, room: table.parentElement.clientWidth,
                  lines: tallest / line,
                  page: document.documentElement.scrollWidth, screen: window.innerWidth};
        }"""
    )


def test_the_cockpit_movement_table_fits_1366_px_in_both_languages(
    page, live_server, staff, graded_twice
):
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "staff", next_url="/cockpit/")
    for code in ("zh-hans", "en"):
        if page.get_attribute("html", "lang") != code:
            _switch_to(page, code)
        expect(page.locator("#movement-matrix")).to_be_visible()
        fit = _movement_fits(page)
        assert fit["width"] <= fit["room"], (code, fit)  # no sideways scrolling
        assert fit["page"] <= fit["screen"], (code, fit)
        # a tier's name ("专精特新中小企业", "Specialised and … SME (SRDI)") on one line
        assert fit["lines"] < 1.5, (code, fit)


def test_a_firm_page_on_a_phone_has_whole_words_and_no_page_wide_overflow(
    page, live_server, staff, graded
):
    firm = graded.records.first().enterprise
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "staff", next_url=f"/enterprises/{firm.credit_code}/")
    for code in ("zh-hans", "en"):
        if page.get_attribute("html", "lang") != code:
            _switch_to(page, code)
        expect(page.locator("#figures")).to_be_visible()
        shape = page.evaluate(
            """() => {
              const labels = [...document.querySelectorAll('#figures tbody td:first-child')];
              const size = parseFloat(getComputedStyle(labels[0]).fontSize);
              return {page: document.documentElement.scrollWidth, screen: window.innerWidth,
                      narrowest: Math.min(...labels.map(td => td.clientWidth)) / size,
                      headers: [...document.querySelectorAll('#history th')]
                        .map(th => th.getBoundingClientRect().height / size)};
            }"""
        )
        assert shape["page"] <= shape["screen"], (code, shape)  # the table scrolls, not the page
        assert shape["narrowest"] >= 5, (code, shape)  # not one character a line
        assert max(shape["headers"]) < 3, (code, shape)  # "结论", "Verdict": one line
