"""The enterprise portal: one's own firm only, and a what-if that grades exactly as the core."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils.html import escape
from tests.web.conftest import AS_OF, make_user

from feidi.rules import explain, load_rulebook, path_changes, what_if
from feidi_web.accounts.models import Role
from feidi_web.enterprises.models import Enterprise, FiscalYear
from feidi_web.enterprises.selectors import dataset_for
from feidi_web.evaluations.models import EvaluationRecord, EvaluationRun
from feidi_web.portal.services import self_assessment_run

URL = "/portal/"
BOOK = "miit-2022"


def _core(firm: Enterprise, changes: dict) -> dict[str, dict]:
    """The core's own what-if for ``firm``, one record per tier."""
    data = dataset_for(Enterprise.objects.filter(pk=firm.pk))
    records = what_if(data, firm.credit_code, changes, BOOK, AS_OF).records().collect()
    return {r["tier"]: r for r in records.iter_rows(named=True)}


def _registry(firm: Enterprise) -> tuple:
    """What a what-if must leave alone: the firm, its years, its evaluations."""
    return (
        Enterprise.objects.get(pk=firm.pk).profile,
        list(FiscalYear.objects.filter(enterprise=firm).values_list("year", "figures")),
        EvaluationRecord.objects.count(),
        EvaluationRun.objects.count(),
    )


def _post(changes: dict[str, object]) -> dict[str, str]:
    """Form data: the rulebook, the as-of date and the changed inputs only (the rest keep
    their stored values)."""
    data = {"rulebook": BOOK, "as_of": AS_OF.isoformat()}
    for key, value in changes.items():
        name, _, year = key.partition("@")
        data[f"{name}__{year}" if year else name] = str(value)
    return data


def _specialized_plan(firm: Enterprise) -> dict:
    """The changes the firm's own path to 专精特新 asks for."""
    data = dataset_for(Enterprise.objects.filter(pk=firm.pk))
    book = load_rulebook(BOOK)
    record = _core(firm, {})["specialized"]
    return path_changes(book, record, data)


def test_portal_shows_own_firm_and_not_another(client, firm_user, graded_city, city):
    client.force_login(firm_user)
    r = client.get(URL)
    body = r.content.decode()
    assert r.status_code == 200
    assert city[0].name in body
    assert city[0].credit_code in body
    assert city[1].name not in body
    assert city[1].credit_code not in body
    assert body.count('data-tier="') == 3  # the stored verdicts, one card per tier
    assert 'id="self-assessment-form"' in body
    assert 'id="whatif-results"' in body


def test_staff_and_other_roles_get_403(client, staff_user, operator_user, admin_user, city):
    for user in (staff_user, operator_user, admin_user):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, _post({})).status_code == 403


def test_anonymous_is_sent_to_login(client, city):
    r = client.get(URL)
    assert r.status_code == 302
    assert "/accounts/" in r["Location"]


def test_firm_user_cannot_open_another_firm(client, firm_user, graded_city, city):
    client.force_login(firm_user)
    assert client.get(f"/enterprises/{city[1].credit_code}/").status_code == 404


def test_the_portal_takes_no_credit_code(client, firm_user, graded_city, city):
    """A credit code smuggled into the post is ignored: the firm is the user's own."""
    client.force_login(firm_user)
    r = client.post(URL, {**_post({}), "credit_code": city[1].credit_code})
    body = r.content.decode()
    assert r.status_code == 200
    assert city[1].name not in body
    assert city[0].name in body


def test_whatif_on_the_path_grades_exactly_as_the_core(client, firm_user, graded_city, city):
    firm = city[0]
    plan = _specialized_plan(firm)
    assert any(k.startswith("rd_expense@") for k in plan)
    expected = _core(firm, plan)
    before = _core(firm, {})
    assert before["specialized"]["verdict"] == "fail"
    assert expected["specialized"]["verdict"] == "pass"
    saved = _registry(firm)

    client.force_login(firm_user)
    r = client.post(URL, _post(plan))
    body = r.content.decode()
    assert r.status_code == 200
    assert _registry(firm) == saved  # a what-if writes nothing
    assert "<html" in body  # without JS the whole page comes back
    book = load_rulebook(BOOK)
    for tier, record in expected.items():
        e = explain(book, record, "zh")
        assert f'data-tier="{tier}" data-verdict="{record["verdict"]}"' in body
        assert escape(e.summary) in body

    # the service gives the same records as the core, value for value
    result = self_assessment_run(user=firm_user, rulebook=BOOK, as_of=AS_OF, changes=plan)
    assert [t.tier for t in result.tiers] == ["innovative", "specialized", "little_giant"]
    for t in result.tiers:
        assert t.verdict == expected[t.tier]["verdict"]
        assert t.score == expected[t.tier]["score"]
        assert t.record["pass_mark"] == expected[t.tier]["pass_mark"]
        assert t.record["path"] == expected[t.tier]["path"]
    specialized = result.for_tier("specialized")
    assert specialized.stored is not None
    assert specialized.stored.record.verdict == "fail"
    assert specialized.verdict_changed is True


@pytest.mark.parametrize(("index", "verdicts"), [(8, ("fail", "pass")), (9, ("fail", "fail"))])
def test_raising_rd_expense_moves_the_score_as_the_core_does(
    client, graded_city, city, index, verdicts
):
    firm = city[index]
    user = make_user("firm-rd", Role.ENTERPRISE, enterprise=firm)
    fy = AS_OF.year - 1
    stored = FiscalYear.objects.get(enterprise=firm, year=fy).figures
    changes = {f"rd_expense@{fy}": stored["rd_expense"] + 50}
    before = _core(firm, {})["specialized"]
    expected = _core(firm, changes)
    assert expected["specialized"]["score_min"] > before["score_min"]
    assert (before["verdict"], expected["specialized"]["verdict"]) == verdicts

    result = self_assessment_run(user=user, rulebook=BOOK, as_of=AS_OF, changes=changes)
    got = {t.tier: t.record for t in result.tiers}
    for tier, record in expected.items():
        for key in ("verdict", "score", "score_min", "score_max", "pass_mark", "path"):
            assert got[tier][key] == record[key], (tier, key)
    assert [(c.key, c.after) for c in result.changes] == [
        (f"rd_expense@{fy}", f"{stored['rd_expense'] + 50:,.2f}".rstrip("0").rstrip("."))
    ]

    client.force_login(user)
    r = client.post(URL, _post(changes), HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200
    assert body.startswith('<div id="whatif-results"')
    assert 'hx-swap-oob="true"' in body  # the form comes back too, out of band
    assert "<html" not in body
    specialized = expected["specialized"]
    assert f'data-tier="specialized" data-verdict="{specialized["verdict"]}"' in body
    assert escape(explain(load_rulebook(BOOK), specialized, "zh").summary) in body


def test_unchanged_form_grades_the_stored_figures(client, firm_user, graded_city, city):
    client.force_login(firm_user)
    r = client.post(URL, _post({}))
    assert r.status_code == 200
    result = self_assessment_run(user=firm_user, rulebook=BOOK, as_of=AS_OF, changes={})
    stored = {r.tier: r for r in graded_city.records.filter(enterprise=city[0])}
    assert {t.tier: (t.verdict, t.score) for t in result.tiers} == {
        tier: (rec.verdict, rec.score) for tier, rec in stored.items()
    }
    assert result.changes == []


@pytest.mark.parametrize(
    ("field", "value", "label", "message"),
    [
        ("revenue", "-5", "营业收入", "确保该值大于或等于0。"),
        ("revenue", "lots", "营业收入", "输入一个数字"),
    ],
)
def test_bad_figure_is_refused_naming_the_field(
    client, firm_user, graded_city, city, field, value, label, message
):
    firm = city[0]
    fy = AS_OF.year - 1
    before = _registry(firm)
    client.force_login(firm_user)
    r = client.post(URL, {**_post({}), f"{field}__{fy}": value})
    body = r.content.decode()
    assert r.status_code == 200
    assert 'id="self-assessment-form"' in body
    assert 'id="whatif-errors"' in body
    assert f"<strong>{label} {fy}</strong>" in body
    assert message in body
    assert 'aria-invalid="true"' in body
    assert _registry(firm) == before


def test_more_rd_staff_than_staff_is_refused_by_the_core_check(
    client, firm_user, graded_city, city
):
    firm = city[0]
    fy = AS_OF.year - 1
    employees = FiscalYear.objects.get(enterprise=firm, year=fy).figures["employees"]
    before = _registry(firm)
    client.force_login(firm_user)
    r = client.post(URL, _post({f"rd_employees@{fy}": int(employees) + 5}), HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200
    assert f"<strong>研发人员数 {fy}</strong>" in body
    assert f"研发人员数({int(employees) + 5})大于职工总数({int(employees)})" in body
    assert _registry(firm) == before


def test_english_page_speaks_english(client, firm_user, graded_city, city):
    client.force_login(firm_user)
    client.cookies["django_language"] = "en"
    fy = AS_OF.year - 1
    r = client.post(URL, {**_post({}), f"revenue__{fy}": "-1"})
    body = r.content.decode()
    assert f"<strong>Revenue (10k CNY) {fy}</strong>" in body
    assert "Ensure this value is greater than or equal to 0." in body


def test_default_form_is_today_and_the_default_rulebook(client, firm_user, city, settings):
    client.force_login(firm_user)
    r = client.get(URL)
    form = r.context["form"]
    from django.utils import timezone

    today = timezone.localdate()
    assert form["as_of"].value() == today
    assert form["rulebook"].value() == settings.FEIDI_DEFAULT_RULEBOOK
    assert form.years == [today.year - 3, today.year - 2, today.year - 1]
    assert date(2000, 1, 1) < today
