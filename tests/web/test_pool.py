"""The cultivation pool: the firms nearest each tier, its filters, its two files and its scope.

Every expectation is computed here straight from the stored ``EvaluationRecord`` rows, never
through the pool's own selector.
"""

from __future__ import annotations

import contextlib
import io
import re
import zlib
from collections import Counter
from datetime import date
from urllib.parse import quote

import openpyxl
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from feidi.reference import industry
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun
from feidi_web.evaluations.services import evaluation_run_execute
from feidi_web.evaluations.wording import record_explanation
from feidi_web.pool import exports

POOL = "/pool/"
XLSX = "/pool/export.xlsx"
PDF = "/pool/export.pdf"
#: session, user, run, counts per tier (their sizes give the list's length), the page's rows,
#: run picker, town list
PAGE_QUERIES = 7
#: session, user, run, counts per tier, every row
EXPORT_QUERIES = 5
_ROW = re.compile(r'<tr data-credit-code="([0-9A-Z]{18})">')


def listed(response) -> list[str]:
    """The credit codes of the pool table's rows, in order."""
    assert response.status_code == 200
    return _ROW.findall(response.content.decode())


def not_passing(run: EvaluationRun, tier: str) -> list[EvaluationRecord]:
    return [
        r
        for r in EvaluationRecord.objects.filter(run=run, tier=tier).select_related("enterprise")
        if r.verdict != "pass"
    ]


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def sheet_rows(content: bytes) -> tuple[openpyxl.worksheet.worksheet.Worksheet, tuple, list]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    header_row = exports.XLSX_HEADER_ROW + 1  # openpyxl counts from 1
    header = next(ws.iter_rows(min_row=header_row, max_row=header_row, values_only=True))
    return ws, header, list(ws.iter_rows(min_row=header_row + 1, values_only=True))


def pdf_text(data: bytes) -> bytes:
    """A PDF's bytes with every Flate stream (object streams included) inflated alongside."""
    parts = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(m[1]))
    return b"\n".join(parts)


def pdf_pages(data: bytes) -> int:
    """Page objects in a PDF, counted from its bytes; they must be the page tree's /Kids."""
    text = pdf_text(data)
    pages = len(re.findall(rb"/Type\s*/Page\b", text))
    kids = re.search(rb"/Kids\s*\[([^\]]*)\]", text)
    assert kids is not None
    assert len(re.findall(rb"\d+\s+\d+\s+R", kids[1])) == pages
    return pages


def only_near(run: EvaluationRun, n: int) -> list[str]:
    """Leave exactly ``n`` not-passing innovative records with a gap (1 point); the rest none."""
    recs = EvaluationRecord.objects.filter(run=run, tier="innovative").exclude(verdict="pass")
    recs.update(gap=None)
    ids = list(recs.order_by("id").values_list("id", flat=True)[:n])
    EvaluationRecord.objects.filter(id__in=ids).update(gap=1.0)
    return list(
        EvaluationRecord.objects.filter(id__in=ids).values_list(
            "enterprise__credit_code", flat=True
        )
    )


# --- the list ---------------------------------------------------------------------------------


def test_pool_within_five_points_lists_exactly_the_near_records_sorted_by_gap(
    client, staff_user, graded_city
):
    want = {
        r.enterprise.credit_code: r.gap
        for r in not_passing(graded_city, "innovative")
        if r.gap is not None and r.gap <= 5
    }
    assert len(want) >= 2  # the demo city has firms within 5 points of the innovative mark
    client.force_login(staff_user)
    codes = listed(client.get(POOL, {"tier": "innovative", "gap": "5"}))
    assert set(codes) == set(want)
    assert len(codes) == len(want)
    assert [want[c] for c in codes] == sorted(want.values())


def test_pool_counts_the_firms_already_passing_separately(client, staff_user, graded_city):
    passing = EvaluationRecord.objects.filter(run=graded_city, tier="innovative", verdict="pass")
    client.force_login(staff_user)
    r = client.get(POOL, {"tier": "innovative"})
    target = r.context["pool"].target
    assert target.passed == passing.count()
    assert not set(listed(r)) & set(passing.values_list("enterprise__credit_code", flat=True))
    assert f"{target.passed} " in re.search(r'id="pool-passed">([^<]*)<', r.content.decode())[1]


def test_pool_without_a_limit_lists_every_firm_with_a_gap_and_the_rest_on_request(
    client, staff_user, graded_city
):
    recs = not_passing(graded_city, "innovative")
    with_gap = {r.enterprise.credit_code for r in recs if r.gap is not None}
    no_gap = {r.enterprise.credit_code for r in recs if r.gap is None}
    assert with_gap
    assert no_gap
    client.force_login(staff_user)
    assert set(listed(client.get(POOL, {"tier": "innovative"}))) == with_gap
    codes = listed(client.get(POOL, {"tier": "innovative", "include_no_gap": "on"}))
    assert set(codes) == with_gap | no_gap
    # firms without a gap come after every firm with one
    assert set(codes[: len(with_gap)]) == with_gap


def test_pool_passes_lower_keeps_only_firms_passing_the_tier_below(client, staff_user, graded_city):
    innovative = {
        r.enterprise_id
        for r in EvaluationRecord.objects.filter(run=graded_city, tier="innovative", verdict="pass")
    }
    want = {
        r.enterprise.credit_code
        for r in not_passing(graded_city, "specialized")
        if r.enterprise_id in innovative
    }
    assert want
    client.force_login(staff_user)
    codes = listed(
        client.get(POOL, {"tier": "specialized", "include_no_gap": "on", "passes_lower": "on"})
    )
    assert set(codes) == want


def test_pool_town_filter_keeps_only_that_towns_firms(client, staff_user, graded_city):
    recs = not_passing(graded_city, "innovative")
    town, _n = Counter(r.enterprise.town for r in recs).most_common(1)[0]
    want = {r.enterprise.credit_code for r in recs if r.enterprise.town == town}
    assert 0 < len(want) < len(recs)
    client.force_login(staff_user)
    codes = listed(client.get(POOL, {"tier": "innovative", "include_no_gap": "on", "town": town}))
    assert set(codes) == want


def test_pool_enclave_filter_splits_enclave_and_local_firms(client, staff_user, graded_city, city):
    recs = not_passing(graded_city, "little_giant")
    enclave = {r.enterprise.credit_code for r in recs if r.enterprise.enclave}
    local = {r.enterprise.credit_code for r in recs if not r.enterprise.enclave}
    assert enclave == {e.credit_code for e in city if e.enclave}
    assert len(enclave) == 3
    client.force_login(staff_user)
    base = {"tier": "little_giant", "include_no_gap": "on"}
    assert set(listed(client.get(POOL, {**base, "enclave": "yes"}))) == enclave
    assert set(listed(client.get(POOL, {**base, "enclave": "no"}))) == local


def test_pool_industry_filter_matches_the_code_prefix(client, staff_user, graded_city):
    recs = not_passing(graded_city, "little_giant")
    prefix = Counter(r.enterprise.industry_code[:3] for r in recs).most_common(1)[0][0]
    want = {r.enterprise.credit_code for r in recs if r.enterprise.industry_code.startswith(prefix)}
    client.force_login(staff_user)
    codes = listed(
        client.get(POOL, {"tier": "little_giant", "include_no_gap": "on", "industry": prefix})
    )
    assert set(codes) == want


def test_pool_rows_link_to_the_firm_and_carry_the_summary_line(client, staff_user, graded_city):
    near = min(
        (r for r in not_passing(graded_city, "innovative") if r.gap is not None),
        key=lambda r: (r.gap, -(r.score or 0)),
    )
    client.force_login(staff_user)
    body = client.get(POOL, {"tier": "innovative"}).content.decode()
    ex = record_explanation(near)  # the page's language: 简体中文
    assert f'href="/enterprises/{near.enterprise.credit_code}/"' in body
    assert escape(ex.summary.removeprefix(f"{ex.title}: ")) in body
    assert 'id="pool-table"' in body


def test_pool_htmx_request_gets_the_results_fragment_with_pinned_export_links(
    client, staff_user, graded_city
):
    client.force_login(staff_user)
    r = client.get(POOL, {"tier": "innovative", "gap": "5"}, headers={"HX-Request": "true"})
    body = r.content.decode()
    assert "<html" not in body
    assert 'id="pool-table"' in body
    query = f"tier=innovative&amp;gap=5&amp;run={graded_city.pk}"
    assert f'id="export-xlsx" href="{XLSX}?{query}"' in body
    assert f'id="export-pdf" href="{PDF}?{query}"' in body


def test_pool_run_parameter_shows_an_older_run(client, staff_user, graded_city, admin_user):
    older = EvaluationRun.objects.create(
        rulebook="miit-2022", as_of=date(2025, 6, 30), created_by=admin_user
    )
    older = evaluation_run_execute(run_id=older.pk)
    client.force_login(staff_user)
    assert client.get(POOL).context["pool"].run == graded_city
    r = client.get(POOL, {"tier": "innovative", "run": older.pk, "include_no_gap": "on"})
    assert r.context["pool"].run == older
    assert set(listed(r)) == {
        rec.enterprise.credit_code for rec in not_passing(older, "innovative")
    }
    assert client.get(POOL, {"run": 999_999}).status_code == 404


def test_pool_without_a_finished_run_says_so(client, staff_user, city):
    client.force_login(staff_user)
    r = client.get(POOL)
    assert r.status_code == 200
    assert 'id="pool-no-run"' in r.content.decode()
    assert listed(r) == []


# --- the files --------------------------------------------------------------------------------


def test_pool_xlsx_export_rows_equal_the_filtered_list(client, staff_user, graded_city):
    params = {"tier": "innovative", "gap": "10", "include_no_gap": "on"}
    english(client)
    client.force_login(staff_user)
    codes = listed(client.get(POOL, params))
    r = client.get(XLSX, params)
    assert r.status_code == 200
    assert r["Content-Type"] == exports.XLSX_TYPE
    name = "cultivation-pool-innovative-2026-06-30.xlsx"
    assert r["Content-Disposition"] == (f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}")
    ws, header, rows = sheet_rows(r.content)
    assert ws["A1"].value == "Cultivation pool: Innovative SME"
    assert ws["A2"].value == (
        "Rulebook Interim Measures for the Tiered Cultivation of Quality SMEs (MIIT 2022), "
        f"as of 2026-06-30 (evaluation #{graded_city.pk}) · Scope: 320581 常熟市"
    )
    assert ws["A3"].value == (
        "Filter: within 10 points of the pass mark; "
        "including firms failing only on conditions or with an unknown score"
    )
    assert ws.freeze_panes == "B7"
    assert header == (
        "Name",
        "Credit code",
        "Town",
        "Industry code",
        "Industry",
        "Enclave firm",
        "Score",
        "Pass mark",
        "Gap (points)",
        "Verdict",
        "Summary and fewest changes to pass",
    )
    assert len(rows) == len(codes)
    assert [row[1] for row in rows] == codes
    first = EvaluationRecord.objects.select_related("enterprise").get(
        run=graded_city, tier="innovative", enterprise__credit_code=codes[0]
    )
    e = first.enterprise
    with translation.override("en"):
        ex = record_explanation(first)
    assert rows[0] == (
        e.name,
        e.credit_code,
        e.town,
        e.industry_code,
        industry(e.industry_code).name,
        "yes" if e.enclave else None,
        first.score,
        first.pass_mark,
        first.gap,
        ex.verdict_text,
        ex.summary.removeprefix(f"{ex.title}: "),
    )


def test_pool_xlsx_export_is_named_in_chinese_by_default(client, staff_user, graded_city):
    client.force_login(staff_user)
    r = client.get(XLSX, {"tier": "specialized"})
    with translation.override("zh-hans"):
        name = f"{gettext('Cultivation pool')}-专精特新中小企业-2026-06-30.xlsx"
    assert r["Content-Disposition"] == (
        'attachment; filename="cultivation-pool-specialized-2026-06-30.xlsx"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )
    ws, _header, _rows = sheet_rows(r.content)
    assert ws["A1"].value.endswith("专精特新中小企业")


def test_pool_pdf_export_is_a_pdf_with_pages_and_the_cjk_font(client, staff_user, graded_city):
    client.force_login(staff_user)
    r = client.get(PDF, {"tier": "innovative", "include_no_gap": "on"})
    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith(
        "attachment; filename=\"cultivation-pool-innovative-2026-06-30.pdf\"; filename*=UTF-8''"
    )
    assert r.content.startswith(b"%PDF")
    assert pdf_pages(r.content) >= 1
    # the text is set in the system's Noto Sans CJK, embedded (subset) in the file
    assert b"Noto-Sans-CJK-SC" in pdf_text(r.content)


def test_pool_pdf_lists_at_most_the_row_limit_and_says_so(
    client, staff_user, graded_city, monkeypatch
):
    rendered: list[str] = []
    render = exports.render_to_string

    def keep(name, context):
        rendered.append(render(name, context))
        return rendered[-1]

    monkeypatch.setattr(exports, "render_to_string", keep)
    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 2)
    total = len(not_passing(graded_city, "innovative"))
    english(client)
    client.force_login(staff_user)
    r = client.get(PDF, {"tier": "innovative", "include_no_gap": "on"})
    assert r.content.startswith(b"%PDF")
    (html,) = rendered
    assert html.count('<td class="code">') == 2
    assert f"the nearest 2 of {total} (the Excel download lists them all)" in html


# --- scope and permissions --------------------------------------------------------------------


def test_pool_of_another_county_is_empty_in_the_page_and_both_files(
    client, other_staff_user, graded_city
):
    client.force_login(other_staff_user)
    r = client.get(POOL, {"tier": "innovative", "include_no_gap": "on"})
    assert listed(r) == []
    assert [(c.evaluated, c.passed, c.near) for c in r.context["pool"].counts] == [(0, 0, 0)] * 3
    _ws, _header, rows = sheet_rows(client.get(XLSX, {"tier": "innovative"}).content)
    assert rows == []
    pdf = client.get(PDF, {"tier": "innovative"})
    assert pdf.content.startswith(b"%PDF")
    assert pdf_pages(pdf.content) == 1


@pytest.mark.parametrize("url", [POOL, XLSX, PDF])
def test_pool_is_forbidden_to_an_enterprise_user(client, firm_user, graded_city, url):
    client.force_login(firm_user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [POOL, XLSX, PDF])
def test_pool_needs_a_login(client, graded_city, url):
    r = client.get(url)
    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/")


def test_pool_enclave_operator_sees_only_enclave_firms(client, operator_user, graded_city, city):
    client.force_login(operator_user)
    codes = listed(client.get(POOL, {"tier": "little_giant", "include_no_gap": "on"}))
    assert set(codes) == {e.credit_code for e in city if e.enclave}


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_pool_page_query_count_does_not_grow_with_rows(
    client, staff_user, graded_city, django_assert_num_queries, n
):
    want = only_near(graded_city, n)
    client.force_login(staff_user)
    with django_assert_num_queries(PAGE_QUERIES):
        r = client.get(POOL, {"tier": "innovative", "gap": "1"})
    assert sorted(listed(r)) == sorted(want)


@pytest.mark.parametrize("n", [1, 3])
def test_pool_xlsx_query_count_does_not_grow_with_rows(
    client, staff_user, graded_city, django_assert_num_queries, n
):
    only_near(graded_city, n)
    client.force_login(staff_user)
    with django_assert_num_queries(EXPORT_QUERIES):
        r = client.get(XLSX, {"tier": "innovative", "gap": "1"})
    assert len(sheet_rows(r.content)[2]) == n
